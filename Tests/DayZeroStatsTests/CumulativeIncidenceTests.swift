import DayZeroStats
import DayZeroTestSupport
import Foundation
import Testing

@Suite struct CumulativeIncidenceTests {}

// Aalen–Johansen cumulative incidence: a hand-worked case with exact fractions first, then
// parity with survival::survfit(Surv(time, status_factor) ~ 1 / ~ group) — pstate, the
// infinitesimal-jackknife std.err and the limits (Fixtures/survival/competing_risks.R writes
// competing_risks.json) — then a brute-force jackknife and the edge cases.

private func expectClose(
    _ actual: Double?, _ expected: Double?, _ tolerance: Double, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    switch (actual, expected) {
    case (nil, nil):
        return
    case let (a?, e?):
        #expect(isClose(a, e, tolerance: tolerance),
                "\(what()): actual \(a), expected \(e), relative error \(relativeError(a, e))",
                sourceLocation: sourceLocation)
    default:
        Issue.record("\(what()): actual \(String(describing: actual)), expected \(String(describing: expected))",
                     sourceLocation: sourceLocation)
    }
}

/// As `expectClose`, but a difference below 1e-14 also passes: a standard error that is 0 in
/// exact arithmetic (e.g. F₂ = 1 once the last patient of a group dies of cause 2) comes out
/// as rounding noise of ~1e-16 in R and here alike, with no relative agreement to expect.
private func expectCloseOrNoise(
    _ actual: Double, _ expected: Double?, _ tolerance: Double, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    if let expected, abs(actual - expected) <= 1e-14 { return }
    expectClose(actual, expected, tolerance, what(), sourceLocation: sourceLocation)
}

// MARK: - Hand-worked

/// Ten patients, unsorted; cause codes 0 = censored, 1, 2. At t = 2 an event of each cause
/// and a censoring tie; at t = 6 an event of cause 2 and a censoring.
/// Sorted: 1(2) 2(1) 2(2) 2(0) 4(0) 5(1) 6(2) 6(0) 8(0) 9(1).
///   t = 1: n = 10, d₂ = 1        → S = 9/10,            F₁ = 0,             F₂ = 1/10
///   t = 2: n = 9,  d₁ = d₂ = 1   → S = 9/10·7/9 = 7/10, F₁ = 9/10·1/9 = 1/10, F₂ = 1/10 + 1/10 = 1/5
///   t = 4: n = 6,  censoring only
///   t = 5: n = 5,  d₁ = 1        → S = 7/10·4/5 = 14/25, F₁ = 1/10 + 7/10·1/5 = 6/25
///   t = 6: n = 4,  d₂ = 1        → S = 14/25·3/4 = 21/50, F₂ = 1/5 + 14/25·1/4 = 17/50
///   t = 8: n = 2,  censoring only
///   t = 9: n = 1,  d₁ = 1        → S = 0,               F₁ = 6/25 + 21/50 = 33/50
/// S + F₁ + F₂ = 1 throughout. Jackknife at t = 1: the patient dying of cause 2 has influence
/// 1/10 − 1/100 on F₂, the nine others −1/100, so Var F₂(1) = 81/10⁴ + 9/10⁴ = 9/10³; its
/// influence on S is −9/100 against +1/100 for the others: Var S(1) = 9/10³ too.
private let handTimes: [Double] = [5, 2, 8, 2, 6, 4, 9, 2, 6, 1]
private let handCauses = [1, 2, 0, 1, 2, 0, 1, 0, 0, 2]

extension CumulativeIncidenceTests {
    @Test func handWorkedExactFractions() throws {
        let fit = try CumulativeIncidence.estimate(times: handTimes, causes: handCauses)
        #expect(fit.causes == [1, 2])
        #expect(fit.warnings.isEmpty)
        let curve = try #require(fit.curves.first)
        #expect(curve.count == 10)
        #expect(curve.eventCounts == [3, 3])
        #expect(curve.steps.map(\.time) == [1, 2, 4, 5, 6, 8, 9])
        #expect(curve.steps.map(\.atRisk) == [10, 9, 6, 5, 4, 2, 1])
        #expect(curve.steps.map(\.events) == [[0, 1], [1, 1], [0, 0], [1, 0], [0, 1], [0, 0], [1, 0]])
        #expect(curve.steps.map(\.censored) == [0, 1, 1, 0, 1, 1, 0])
        let s: [Double] = [9.0 / 10, 7.0 / 10, 7.0 / 10, 14.0 / 25, 21.0 / 50, 21.0 / 50, 0]
        let f1: [Double] = [0, 1.0 / 10, 1.0 / 10, 6.0 / 25, 6.0 / 25, 6.0 / 25, 33.0 / 50]
        let f2: [Double] = [1.0 / 10, 1.0 / 5, 1.0 / 5, 1.0 / 5, 17.0 / 50, 17.0 / 50, 17.0 / 50]
        for (j, step) in curve.steps.enumerated() {
            expectClose(step.eventFree, s[j], 1e-14, "S(\(step.time))")
            expectClose(step.incidence[0], f1[j], 1e-14, "F1(\(step.time))")
            expectClose(step.incidence[1], f2[j], 1e-14, "F2(\(step.time))")
            expectClose(step.eventFree + step.incidence[0] + step.incidence[1], 1, 1e-14, "sum(\(step.time))")
        }
        let first = curve.steps[0]
        expectClose(first.standardErrors[1], (9.0 / 1000).squareRoot(), 1e-14, "se F2(1)")
        expectClose(first.eventFreeStandardError, (9.0 / 1000).squareRoot(), 1e-14, "se S(1)")
        #expect(first.standardErrors[0] == 0)
        // "log" limits: F·exp(±z·se/F), none where F = 0; S reaches 0 at t = 9 with se 0.
        #expect(first.lower[0] == nil && first.upper[0] == nil)
        let z = NormalDistribution.quantile(0.975)
        let se = (9.0 / 1000).squareRoot()
        expectClose(first.lower[1], 0.1 * exp(-z * se / 0.1), 1e-13, "lower F2(1)")
        let last = try #require(curve.steps.last)
        #expect(last.eventFree == 0 && last.eventFreeStandardError == 0)
        #expect(last.eventFreeLower == nil && last.eventFreeUpper == nil)
    }

    @Test func inputOrderDoesNotMatter() throws {
        let order = handTimes.indices.sorted { (handTimes[$0], handCauses[$0]) < (handTimes[$1], handCauses[$1]) }
        let original = try CumulativeIncidence.estimate(times: handTimes, causes: handCauses)
        let sorted = try CumulativeIncidence.estimate(
            times: order.map { handTimes[$0] }, causes: order.map { handCauses[$0] })
        let reversed = try CumulativeIncidence.estimate(
            times: order.reversed().map { handTimes[$0] }, causes: order.reversed().map { handCauses[$0] })
        #expect(sorted == original)
        #expect(reversed == original)
    }

    /// One cause only: the cumulative incidence is 1 − Kaplan–Meier.
    @Test func singleCauseIsOneMinusKaplanMeier() throws {
        let times: [Double] = [4, 2, 8, 2, 6, 4, 9, 2, 6, 1]
        let events = [true, true, false, false, true, false, true, true, true, false]
        let cif = try CumulativeIncidence.estimate(times: times, causes: events.map { $0 ? 1 : 0 })
        let km = try KaplanMeier.fit(times: times, events: events)
        for (step, kmStep) in zip(cif.curves[0].steps, km.curves[0].steps) {
            expectClose(step.incidence[0], 1 - kmStep.survival, 1e-14, "F(\(step.time))")
            expectClose(step.eventFree, kmStep.survival, 1e-14, "S(\(step.time))")
        }
    }
}

// MARK: - Parity with survfit

private struct CIFFixture: Decodable {
    struct Curve: Decodable {
        var group: String?
        var time: [Double]
        var n_risk: [Int]
        var n_event: [Int]       // time × cause, column-major
        var n_censor: [Int]
        var pstate: [Double]     // time × (1 + causes), column-major; column 0 is "(s0)"
        var std_err: [Double]
        var lower: [Double?]
        var upper: [Double?]
    }
    struct Conf: Decodable {
        var conf_type: String
        var curves: [Curve]
    }
    var name: String
    var time: [Double]
    var status: [Int]
    var causes: [Int]
    var group: [String]?
    var conf: [Conf]
}

private struct CompetingRisksFixtures: Decodable {
    var cumulative_incidence: [CIFFixture]
}

private let cifCaseNames = [
    "hand10", "hand10_groups", "mgus2", "mgus2_sex", "pbc", "pbc_trt", "cmprsk_example",
    "random_ties", "random_real", "near_ties", "single_cause", "absent_cause_time_zero",
    "all_censored",
]

extension CumulativeIncidenceTests {
    @Test func fixtureHoldsEveryCumulativeIncidenceCase() throws {
        let fixtures = try loadFixture(CompetingRisksFixtures.self, "survival/competing_risks.json")
        #expect(fixtures.cumulative_incidence.map(\.name) == cifCaseNames)
        #expect(fixtures.cumulative_incidence.count == 13)
    }

    // pstate is a product/sum of rationals and the jackknife a sum of squares of closed-form
    // influences: both agree with survfit to 1e-12 (checked); 1e-9 relative leaves room for platform
    // libm differences in the limits' exp/log.
    @Test(arguments: cifCaseNames)
    func matchesSurvfit(caseName: String) throws {
        let fixtures = try loadFixture(CompetingRisksFixtures.self, "survival/competing_risks.json")
        let fixture = try #require(fixtures.cumulative_incidence.first { $0.name == caseName })
        let tolerance = 1e-9
        for conf in fixture.conf {
            let type = try #require(SurvivalConfidenceType(rawValue: conf.conf_type))
            let options = CumulativeIncidenceOptions(confidenceType: type)
            let fit = try fixture.group.map {
                try CumulativeIncidence.estimate(
                    times: fixture.time, causes: fixture.status, groups: $0, causeCodes: fixture.causes,
                    options: options)
            } ?? CumulativeIncidence.estimate(
                times: fixture.time, causes: fixture.status, causeCodes: fixture.causes, options: options)
            #expect(fit.causes == fixture.causes)
            #expect(fit.curves.count == conf.curves.count, "\(caseName): curves")
            let k = fixture.causes.count
            for (curve, expected) in zip(fit.curves, conf.curves) {
                let label = "\(caseName) \(conf.conf_type) \(expected.group ?? "all")"
                #expect(curve.group == expected.group, "\(label): group")
                let t = expected.time.count
                #expect(curve.steps.count == t, "\(label): steps")
                guard curve.steps.count == t else { continue }
                for (j, step) in curve.steps.enumerated() {
                    let at = "\(label) t=\(step.time)"
                    #expect(step.time == expected.time[j], "\(at): time")
                    #expect(step.atRisk == expected.n_risk[j], "\(at): n.risk")
                    #expect(step.censored == expected.n_censor[j], "\(at): n.censor")
                    #expect(step.events == (0..<k).map { expected.n_event[$0 * t + j] }, "\(at): n.event")
                    expectClose(step.eventFree, expected.pstate[j], tolerance, "\(at) pstate (s0)")
                    expectCloseOrNoise(step.eventFreeStandardError, expected.std_err[j], tolerance, "\(at) std.err (s0)")
                    expectClose(step.eventFreeLower, expected.lower[j], tolerance, "\(at) lower (s0)")
                    expectClose(step.eventFreeUpper, expected.upper[j], tolerance, "\(at) upper (s0)")
                    for c in 0..<k {
                        let r = (c + 1) * t + j
                        expectClose(step.incidence[c], expected.pstate[r], tolerance, "\(at) pstate \(c + 1)")
                        expectCloseOrNoise(step.standardErrors[c], expected.std_err[r], tolerance, "\(at) std.err \(c + 1)")
                        expectClose(step.lower[c], expected.lower[r], tolerance, "\(at) lower \(c + 1)")
                        expectClose(step.upper[c], expected.upper[r], tolerance, "\(at) upper \(c + 1)")
                    }
                }
            }
        }
    }
}

// MARK: - The jackknife against its definition

/// survival's own algorithm (survfitci.c), written out: every observation's influence on
/// (S, F₁, …, F_K) updated at every event time, U ← U·H + p(t₋)·∂H/∂wᵢ, Var = Σᵢ Uᵢ².
private func bruteForceJackknife(times: [Double], causes: [Int], k: Int) -> [[Double]] {
    let n = times.count
    let distinct = Array(Set(times)).sorted()
    var u = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: n)
    var p = [Double](repeating: 0, count: k + 1)
    p[0] = 1
    var out: [[Double]] = []
    for t in distinct {
        let atRisk = (0..<n).filter { times[$0] >= t }
        var d = [Double](repeating: 0, count: k + 1)
        for i in atRisk where times[i] == t && causes[i] > 0 { d[causes[i]] += 1 }
        let total = d.reduce(0, +)
        let r = Double(atRisk.count)
        if total > 0 {
            let h = (0...k).map { $0 == 0 ? 1 - total / r : d[$0] / r }   // row 0 of H
            for i in 0..<n {
                let u0 = u[i][0]
                u[i][0] = u0 * h[0]
                for c in 1...k { u[i][c] += u0 * h[c] }
            }
            for i in atRisk {
                let target = times[i] == t ? causes[i] : 0
                for c in 0...k { u[i][c] -= h[c] * p[0] / r }
                u[i][target] += p[0] / r
            }
            let p0 = p[0]
            p[0] = p0 * h[0]
            for c in 1...k { p[c] += p0 * h[c] }
        }
        out.append((0...k).map { c in (0..<n).reduce(0.0) { $0 + u[$1][c] * u[$1][c] }.squareRoot() })
    }
    return out
}

extension CumulativeIncidenceTests {
    @Test func jackknifeMatchesItsDefinitionOnRandomData() throws {
        var generator = SplitMix(seed: 20241204)
        for round in 0..<4 {
            let n = 150 + 40 * round
            let times = (0..<n).map { _ in Double(1 + generator.next() % UInt64(12 + 20 * round)) }
            let causes = (0..<n).map { _ in Int(generator.next() % 4) }   // 0 … 3
            let fit = try CumulativeIncidence.estimate(times: times, causes: causes, causeCodes: [1, 2, 3])
            let reference = bruteForceJackknife(times: times, causes: causes, k: 3)
            let steps = fit.curves[0].steps
            #expect(steps.count == reference.count)
            for (step, expected) in zip(steps, reference) {
                expectClose(step.eventFreeStandardError, expected[0], 1e-11, "round \(round) se S(\(step.time))")
                for c in 0..<3 {
                    expectClose(step.standardErrors[c], expected[c + 1], 1e-11, "round \(round) se F\(c + 1)(\(step.time))")
                }
            }
        }
    }
}

/// A small deterministic generator for the tests (SplitMix64).
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Edge cases

extension CumulativeIncidenceTests {

    @Test func allCensoredStaysEventFreeWithWarning() throws {
        let fit = try CumulativeIncidence.estimate(times: [3, 1, 4, 1, 5], causes: [0, 0, 0, 0, 0])
        #expect(fit.causes.isEmpty)
        let steps = fit.curves[0].steps
        #expect(steps.allSatisfy { $0.eventFree == 1 && $0.eventFreeStandardError == 0 && $0.incidence.isEmpty })
        #expect(fit.warnings.map(\.code) == ["no-events"])
        // With the causes listed, their incidences are 0 with no "log" limits (R: NA).
        let listed = try CumulativeIncidence.estimate(times: [3, 1, 4, 1, 5], causes: [0, 0, 0, 0, 0], causeCodes: [1, 2])
        #expect(listed.curves[0].steps.allSatisfy { $0.incidence == [0, 0] && $0.standardErrors == [0, 0] && $0.lower == [nil, nil] })
        #expect(listed.warnings.map(\.code) == ["no-events"])
    }

    @Test func listedCauseWithoutEventsIsZeroWithWarning() throws {
        let fit = try CumulativeIncidence.estimate(
            times: [0, 0, 2, 5, 5, 8, 3], causes: [1, 0, 2, 1, 0, 1, 2], causeCodes: [1, 2, 3])
        #expect(fit.curves[0].eventCounts == [3, 2, 0])
        #expect(fit.curves[0].steps.allSatisfy { $0.incidence[2] == 0 && $0.standardErrors[2] == 0 })
        #expect(fit.warnings.map(\.code) == ["no-events-of-cause"])
        #expect(fit.curves[0].steps.allSatisfy { step in
            step.incidence.allSatisfy { $0.isFinite } && step.standardErrors.allSatisfy { $0.isFinite }
        })
    }

    @Test func groupsFollowLevelsAndReportEdgeCases() throws {
        let fit = try CumulativeIncidence.estimate(
            times: [5, 3, 8, 2, 9, 4], causes: [1, 0, 2, 1, 0, 0],
            groups: ["b", "a", "b", "c", "a", "a"], levels: ["c", "b", "a", "unused"])
        #expect(fit.curves.map(\.group) == ["c", "b", "a"])
        #expect(fit.curves.map(\.count) == [1, 2, 3])
        let codes = fit.warnings.map(\.code)
        #expect(codes.contains("empty-level"))
        #expect(codes.contains("single-observation-group"))
        #expect(codes.contains("no-events"))              // group a: all censored
        #expect(codes.contains("no-events-of-cause"))     // group c: no cause 2
        // A single patient dying of cause 1: F₁ jumps to 1 with jackknife se 0.
        let single = try #require(fit.curves.first)
        #expect(single.steps.map(\.incidence) == [[1, 0]])
        #expect(single.steps[0].standardErrors == [0, 0])
        #expect(single.steps[0].eventFree == 0)
    }

    @Test func invalidInputIsRefused() {
        #expect(throws: StatsError.self) { try CumulativeIncidence.estimate(times: [1, .nan], causes: [1, 0]) }
        #expect(throws: StatsError.self) { try CumulativeIncidence.estimate(times: [1, -2], causes: [1, 0]) }
        #expect(throws: StatsError.self) { try CumulativeIncidence.estimate(times: [1, .infinity], causes: [1, 0]) }
        #expect(throws: StatsError.self) { try CumulativeIncidence.estimate(times: [1, 2], causes: [1]) }
        #expect(throws: StatsError.self) { try CumulativeIncidence.estimate(times: [], causes: []) }
        #expect(throws: StatsError.self) { try CumulativeIncidence.estimate(times: [1, 2], causes: [1, -1]) }
        // A cause that occurs must be listed; listed codes are positive and distinct.
        #expect(throws: StatsError.self) { try CumulativeIncidence.estimate(times: [1, 2], causes: [1, 2], causeCodes: [1]) }
        #expect(throws: StatsError.self) { try CumulativeIncidence.estimate(times: [1, 2], causes: [1, 2], causeCodes: [1, 2, 2]) }
        #expect(throws: StatsError.self) { try CumulativeIncidence.estimate(times: [1, 2], causes: [1, 2], causeCodes: [0, 1, 2]) }
        #expect(throws: StatsError.self) {
            try CumulativeIncidence.estimate(times: [1, 2], causes: [1, 2], options: CumulativeIncidenceOptions(confidenceLevel: 1.5))
        }
        #expect(throws: StatsError.self) { try CumulativeIncidence.estimate(times: [1, 2], causes: [1, 2], groups: ["a"]) }
        do {
            _ = try CumulativeIncidence.estimate(times: [3, 4, .nan], causes: [1, 0, 2])
            Issue.record("a NaN time was accepted")
        } catch let error as StatsError {
            #expect(error.message.contains("times[2]"), "message: \(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
