import DayZeroStats
import DayZeroTestSupport
import Testing

@Suite struct GrayTestTests {}

// Gray's test: a hand-worked score first, then parity with
// cmprsk::cuminc(ftime, fstatus, group, strata, rho, cencode = 0)$Tests
// (Fixtures/survival/competing_risks.R writes competing_risks.json), then the edge cases R
// does not handle.

private func expectClose(
    _ actual: Double, _ expected: Double, _ tolerance: Double, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(isClose(actual, expected, tolerance: tolerance),
            "\(what()): actual \(actual), expected \(expected), relative error \(relativeError(actual, expected))",
            sourceLocation: sourceLocation)
}

/// The ten patients of the cumulative-incidence hand case in two groups of five:
///   x: 5(1) 6(2) 6(0) 8(0) 9(1)        y: 1(2) 2(1) 2(2) 2(0) 4(0)
/// With R̃_g = R_g·(1 − F̂_g(t₋))/Ŝ_g(t₋) (group g's subdistribution risk set), the score of
/// group x is Σ_t d₁ₓ − d₁·R̃ₓ/(R̃ₓ + R̃_y).
/// Cause 1:  t = 2: R̃ₓ = 5/1 = 5, R̃_y = 4·1/(4/5) = 5, d₁ = 1 in y  → 0 − 5/10 = −1/2
///           t = 5: only x at risk (R̃ₓ = 5)                          → 1 − 1 = 0
///           t = 9: only x at risk                                     → 0
///   s = −1/2.
/// Cause 2:  t = 1: R̃ₓ = R̃_y = 5, d₂ = 1 in y                         → −1/2
///           t = 2: R̃ₓ = 5, R̃_y = 4·(1 − 1/5)/(4/5) = 4, d₂ = 1 in y   → −5/9
///           t = 6: only x at risk                                     → 0
///   s = −19/18.
/// R's statistic for cause 1 is 64/65 to the last digit, i.e. V = s²/stat = 65/256.
private let handTimes: [Double] = [5, 2, 8, 2, 6, 4, 9, 2, 6, 1]
private let handCauses = [1, 2, 0, 1, 2, 0, 1, 0, 0, 2]
private let handGroups = ["x", "y", "x", "y", "x", "y", "x", "y", "x", "y"]

extension GrayTestTests {
    @Test func handWorkedScores() throws {
        let one = try GrayTest.test(times: handTimes, causes: handCauses, groups: handGroups, cause: 1)
        #expect(one.levels == ["x", "y"])
        #expect(one.counts == [5, 5])
        #expect(one.events == [2, 1])
        #expect(one.scores.count == 1)
        expectClose(one.scores[0], -0.5, 1e-15, "score cause 1")
        expectClose(one.variance[0][0], 65.0 / 256, 1e-14, "variance cause 1")
        expectClose(one.statistic, 64.0 / 65, 1e-14, "statistic cause 1")
        #expect(one.degreesOfFreedom == 1)
        #expect(one.warnings.isEmpty)
        let two = try GrayTest.test(times: handTimes, causes: handCauses, groups: handGroups, cause: 2)
        expectClose(two.scores[0], -19.0 / 18, 1e-15, "score cause 2")
        // Both rows at once, as cuminc$Tests.
        let all = try GrayTest.testEachCause(times: handTimes, causes: handCauses, groups: handGroups)
        #expect(all.map(\.cause) == [1, 2])
        #expect(all[0] == one && all[1] == two)
    }

    @Test func orderOfRowsAndOfLevelsDoesNotChangeTheStatistic() throws {
        let base = try GrayTest.test(times: handTimes, causes: handCauses, groups: handGroups, cause: 2)
        let order = Array(handTimes.indices.reversed())
        let reversed = try GrayTest.test(
            times: order.map { handTimes[$0] }, causes: order.map { handCauses[$0] },
            groups: order.map { handGroups[$0] }, cause: 2)
        #expect(reversed == base)
        let swapped = try GrayTest.test(times: handTimes, causes: handCauses, groups: handGroups, levels: ["y", "x"], cause: 2)
        expectClose(swapped.statistic, base.statistic, 1e-13, "statistic with levels swapped")
        expectClose(swapped.scores[0], -base.scores[0], 1e-13, "score with levels swapped")
    }
}

// MARK: - Parity with cmprsk::cuminc

private struct GrayFixture: Decodable {
    struct Row: Decodable {
        var cause: Int
        var stat: Double
        var pv: Double
        var df: Int
        var p_upper: Double
    }
    var name: String
    var time: [Double]
    var status: [Int]
    var group: [String]
    var levels: [String]
    var strata: [String]?
    var rho: Double
    var tests: [Row]
}

private struct GrayFixtures: Decodable {
    var gray: [GrayFixture]
}

private let grayCaseNames = [
    "hand10", "mgus2_sex", "mgus2_sex_rho1", "pbc_trt", "pbc_edema", "cmprsk_example",
    "cmprsk_example_strata", "random_ties", "random_real", "random_real_rho_half", "near_ties",
]

extension GrayTestTests {
    @Test func fixtureHoldsEveryGrayCase() throws {
        let fixtures = try loadFixture(GrayFixtures.self, "survival/competing_risks.json")
        #expect(fixtures.gray.map(\.name) == grayCaseNames)
        #expect(fixtures.gray.count == 11)
    }

    // The statistic is sums of closed-form terms and one small linear solve: it agrees with
    // cuminc to 1e-13 (checked), asserted at 1e-10. The p-value is compared with
    // pchisq(stat, df, lower.tail = FALSE) at 1e-9 (agrees to 1e-12); cuminc's own `1 - pchisq(stat, df)` is
    // compared at 1e-6 only where it is above 1e-8, since below that its cancellation leaves
    // few digits (pbc_edema cause 2: R's pv 8.88e-16 for a tail of 9.19e-16).
    @Test(arguments: grayCaseNames)
    func matchesCuminc(caseName: String) throws {
        let fixtures = try loadFixture(GrayFixtures.self, "survival/competing_risks.json")
        let fixture = try #require(fixtures.gray.first { $0.name == caseName })
        let results = try GrayTest.testEachCause(
            times: fixture.time, causes: fixture.status, groups: fixture.group, levels: fixture.levels,
            strata: fixture.strata, rho: fixture.rho)
        #expect(results.map(\.cause) == fixture.tests.map(\.cause), "\(caseName): causes")
        for (result, row) in zip(results, fixture.tests) {
            let label = "\(caseName) cause \(row.cause)"
            #expect(result.levels == fixture.levels, "\(label): levels")
            #expect(result.degreesOfFreedom == row.df, "\(label): df")
            expectClose(result.statistic, row.stat, 1e-10, "\(label) statistic")
            expectClose(result.pValue, row.p_upper, 1e-9, "\(label) p")
            if row.pv > 1e-8 { expectClose(result.pValue, row.pv, 1e-6, "\(label) cuminc pv") }
            #expect(result.warnings.allSatisfy { $0.code == "single-observation-group" }, "\(label): \(result.warnings)")
        }
    }

    // MARK: - Edge cases

    @Test func singleGroupGivesDefinedResultAndWarning() throws {
        let result = try GrayTest.test(times: handTimes, causes: handCauses, groups: Array(repeating: "all", count: 10), cause: 1)
        #expect(result.statistic == 0 && result.degreesOfFreedom == 0 && result.pValue == 1)
        #expect(result.scores.isEmpty && result.variance.isEmpty)
        #expect(result.warnings.map(\.code) == ["single-group"])
    }

    @Test func causeWithoutEventsGivesDefinedResultAndWarning() throws {
        let result = try GrayTest.test(times: handTimes, causes: handCauses, groups: handGroups, cause: 3)
        #expect(result.events == [0, 0])
        #expect(result.statistic == 0 && result.degreesOfFreedom == 0 && result.pValue == 1)
        #expect(result.warnings.map(\.code) == ["no-events-of-cause"])
        let censored = try GrayTest.testEachCause(times: [3, 1, 4, 1, 5], causes: [0, 0, 0, 0, 0], groups: ["a", "b", "a", "b", "b"])
        #expect(censored.isEmpty)
        let one = try GrayTest.test(times: [3, 1, 4, 1, 5], causes: [0, 0, 0, 0, 0], groups: ["a", "b", "a", "b", "b"], cause: 1)
        #expect(one.pValue == 1 && one.warnings.map(\.code) == ["no-events-of-cause"])
    }

    @Test func singularVarianceGivesGeneralizedInverse() throws {
        // Two one-patient groups dying of cause 1 at the same time: the scores and their variance
        // are 0 (cuminc: stat −1, pv 1). Here statistic 0 on df 0 with a warning.
        let result = try GrayTest.test(times: [4, 4], causes: [1, 1], groups: ["x", "y"], cause: 1)
        #expect(result.statistic == 0 && result.degreesOfFreedom == 0 && result.pValue == 1)
        #expect(Set(result.warnings.map(\.code)) == ["singular-variance", "single-observation-group"])
        #expect(result.variance.allSatisfy { row in row.allSatisfy { $0.isFinite } })
    }

    @Test func groupWithoutEventsOfTheCauseIsKept() throws {
        // Group c has only competing events and censorings: it stays in the comparison.
        let result = try GrayTest.test(
            times: [2, 3, 5, 6, 7, 8, 9, 4, 10], causes: [1, 2, 1, 0, 1, 1, 0, 2, 0],
            groups: ["a", "c", "a", "b", "b", "a", "b", "c", "c"], levels: ["a", "b", "c", "unused"], cause: 1)
        #expect(result.levels == ["a", "b", "c"])
        #expect(result.events == [3, 1, 0])
        #expect(result.degreesOfFreedom == 2)
        #expect(result.statistic.isFinite && result.pValue > 0 && result.pValue <= 1)
        #expect(result.warnings.map(\.code) == ["empty-level"])
    }

    @Test func invalidInputIsRefused() {
        #expect(throws: StatsError.self) { try GrayTest.test(times: [1, .nan], causes: [1, 0], groups: ["a", "b"], cause: 1) }
        #expect(throws: StatsError.self) { try GrayTest.test(times: [1, 2], causes: [1, 0], groups: ["a"], cause: 1) }
        #expect(throws: StatsError.self) { try GrayTest.test(times: [1, 2], causes: [1, -1], groups: ["a", "b"], cause: 1) }
        #expect(throws: StatsError.self) { try GrayTest.test(times: [1, 2], causes: [1, 0], groups: ["a", "b"], cause: 0) }
        #expect(throws: StatsError.self) {
            try GrayTest.test(times: [1, 2], causes: [1, 0], groups: ["a", "b"], cause: 1, rho: .infinity)
        }
        #expect(throws: StatsError.self) {
            try GrayTest.test(times: [1, 2], causes: [1, 0], groups: ["a", "b"], strata: ["s"], cause: 1)
        }
        #expect(throws: StatsError.self) {
            try GrayTest.test(times: [1, 2], causes: [1, 0], groups: ["a", "b"], levels: ["a"], cause: 1)
        }
    }
}
