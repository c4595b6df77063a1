import DayZeroStats
import DayZeroTestSupport
import Testing

// Log-rank test: a hand-worked case with exact fractions first, then parity with
// survival::survdiff(Surv(time, status) ~ group) (Fixtures/survival/survival_fixtures.R
// writes log_rank.json), then the edge cases R itself does not handle.

private func expectClose(
    _ actual: Double, _ expected: Double, _ tolerance: Double, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(isClose(actual, expected, tolerance: tolerance),
            "\(what()): actual \(actual), expected \(expected), relative error \(relativeError(actual, expected))",
            sourceLocation: sourceLocation)
}

/// Seven patients in two groups (the Kaplan–Meier hand case with labels):
///   a: 6e 7c 9e          b: 3e 3c 5e 10c
/// Event times (n at risk: a, b; deaths):
///   t = 3: 3, 4; 1 (b)  → E_a += 3/7, V_aa += 1·6/(49·6) · 3·4 = 12/49
///   t = 5: 3, 2; 1 (b)  → E_a += 3/5, V_aa += 1·4/(25·4) · 3·2 = 6/25
///   t = 6: 3, 1; 1 (a)  → E_a += 3/4, V_aa += 1·3/(16·3) · 3·1 = 3/16
///   t = 9: 1, 1; 1 (a)  → E_a += 1/2, V_aa += 1·1/(4·1)  · 1·1 = 1/4
/// E_a = 319/140, O_a = 2, V_aa = 18079/19600, χ² = (39/140)² / V_aa = 1521/18079.
@Test func handWorkedLogRankExactFractions() throws {
    let result = try LogRank.test(
        times: [6, 3, 9, 3, 7, 10, 5], events: [true, false, true, true, false, false, true],
        groups: ["a", "b", "a", "b", "a", "b", "b"])
    #expect(result.levels == ["a", "b"])
    #expect(result.counts == [3, 4])
    #expect(result.observed == [2, 2])
    expectClose(result.expected[0], 319.0 / 140, 1e-14, "E_a")
    expectClose(result.expected[1], 4 - 319.0 / 140, 1e-14, "E_b")
    expectClose(result.variance[0][0], 18079.0 / 19600, 1e-14, "V_aa")
    expectClose(result.variance[0][1], -18079.0 / 19600, 1e-14, "V_ab")
    expectClose(result.chiSquared, 1521.0 / 18079, 1e-13, "chi-square")
    #expect(result.degreesOfFreedom == 1)
    #expect(result.warnings.isEmpty)
}

private struct LogRankFixture: Decodable {
    var name: String
    var time: [Double]
    var status: [Int]
    var group: [String]
    var levels: [String]
    var n: [Int]
    var observed: [Double]
    var expected: [Double]
    var variance: [Double]     // column-major k × k, as R stores matrices
    var chisq: Double
    var df: Int
    var p: Double?
}

@Test(arguments: ["hand7", "lung_sex", "lung_ecog", "aml", "ovarian", "random_ties", "random_real",
                  "near_ties", "zero_expected"])
func logRankMatchesSurvdiff(caseName: String) throws {
    let cases = try loadFixture([LogRankFixture].self, "survival/log_rank.json")
    let fixture = try #require(cases.first { $0.name == caseName })
    let result = try LogRank.test(
        times: fixture.time, events: fixture.status.map { $0 == 1 }, groups: fixture.group,
        levels: fixture.levels)
    let k = fixture.levels.count
    #expect(result.levels == fixture.levels, "\(caseName): levels")
    #expect(result.counts == fixture.n, "\(caseName): N")
    #expect(result.observed.map(Double.init) == fixture.observed, "\(caseName): observed")
    #expect(result.degreesOfFreedom == fixture.df, "\(caseName): df")
    // Expected counts, variances and χ² are sums of rational terms: 1e-12 relative. The
    // variance entries are compared with an absolute floor of 1e-12 × the largest entry,
    // since off-diagonal sums can cancel to near 0.
    let scale = fixture.variance.map(abs).max() ?? 1
    for g in 0..<k {
        expectClose(result.expected[g], fixture.expected[g], 1e-12, "\(caseName) expected[\(g)]")
        for h in 0..<k {
            let expected = fixture.variance[h * k + g]
            let actual = result.variance[g][h]
            #expect(abs(actual - expected) <= 1e-12 * scale,
                    "\(caseName) var[\(g)][\(h)]: actual \(actual), expected \(expected)")
        }
    }
    expectClose(result.chiSquared, fixture.chisq, 1e-12, "\(caseName) chisq")
    // p = upper chi-square tail (special function, ~1e-13 relative) of a 1e-12-accurate χ².
    if let p = fixture.p { expectClose(result.pValue, p, 1e-11, "\(caseName) p") }
}

@Test func lungEcogSinglePatientGroupIsTestedAndFlagged() throws {
    let cases = try loadFixture([LogRankFixture].self, "survival/log_rank.json")
    let fixture = try #require(cases.first { $0.name == "lung_ecog" })
    let result = try LogRank.test(times: fixture.time, events: fixture.status.map { $0 == 1 }, groups: fixture.group)
    #expect(result.counts.last == 1)
    #expect(result.degreesOfFreedom == 3)
    #expect(result.warnings.map(\.code) == ["single-observation-group"])
}

@Test func allCensoredGivesDefinedResultAndWarning() throws {
    // R: chisq 0, df −1, p NaN. Here: χ² = 0, df = 0, p = 1 and a warning.
    let result = try LogRank.test(times: [3, 1, 4, 1, 5], events: [false, false, false, false, false],
                                  groups: ["a", "b", "a", "b", "b"])
    #expect(result.chiSquared == 0)
    #expect(result.degreesOfFreedom == 0)
    #expect(result.pValue == 1)
    #expect(result.expected == [0, 0])
    #expect(result.warnings.map(\.code) == ["no-events"])
}

@Test func groupWithoutExpectedEventsIsLeftOut() throws {
    // Group c leaves before the first event: E_c = 0, so df = 3 − 1 − 1 = 1 (as survdiff).
    let result = try LogRank.test(times: [1, 2, 5, 6, 7, 8, 9], events: [false, false, true, false, true, true, false],
                                  groups: ["c", "c", "a", "b", "a", "b", "b"])
    #expect(result.expected[2] == 0)
    #expect(result.degreesOfFreedom == 1)
    #expect(result.warnings.map(\.code) == ["no-expected-events"])
}

@Test func singularVarianceGivesGeneralizedInverse() throws {
    // Two one-patient groups dying at the same time: n = d = 2, so V = 0 while E = (1, 1).
    // R stops ("system is exactly singular"); here χ² = 0 on df = 0 with a warning.
    let result = try LogRank.test(times: [4, 4], events: [true, true], groups: ["x", "y"])
    #expect(result.expected == [1, 1])
    #expect(result.variance == [[0, 0], [0, 0]])
    #expect(result.chiSquared == 0)
    #expect(result.degreesOfFreedom == 0)
    #expect(result.pValue == 1)
    #expect(Set(result.warnings.map(\.code)) == ["singular-variance", "single-observation-group"])
}

@Test func invalidInputIsRefused() {
    #expect(throws: StatsError.self) { try LogRank.test(times: [1, 2, 3], events: [true, true, true], groups: ["a", "a", "a"]) }
    #expect(throws: StatsError.self) { try LogRank.test(times: [1, .nan], events: [true, true], groups: ["a", "b"]) }
    #expect(throws: StatsError.self) { try LogRank.test(times: [1, 2], events: [true, true], groups: ["a"]) }
    #expect(throws: StatsError.self) {
        try LogRank.test(times: [1, 2], events: [true, true], groups: ["a", "b"], levels: ["a", "b", "a"])
    }
}
