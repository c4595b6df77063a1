import DayZeroStats
import DayZeroTestSupport
import Foundation
import Testing

// Kaplan–Meier: hand-worked cases with exact fractions first (as survival's own
// tests/survtest.R and book1.R do), then parity with survival::survfit / summary.survfit /
// print.survfit on lung, aml, ovarian and seeded random data
// (Fixtures/survival/survival_fixtures.R writes kaplan_meier.json).

/// Compares two optional values; `nil` stands for R's NA/NaN/Inf.
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

// MARK: - Hand-worked

/// Seven patients, unsorted; one event–censoring tie at t = 3.
/// Sorted: 3e 3c 5e 6e 7c 9e 10c. Events come before censorings at a tie, so both
/// patients at t = 3 are at risk then.
///   t = 3: n = 7, d = 1 → S = 6/7
///   t = 5: n = 5, d = 1 → S = 6/7 · 4/5 = 24/35
///   t = 6: n = 4, d = 1 → S = 24/35 · 3/4 = 18/35
///   t = 9: n = 2, d = 1 → S = 18/35 · 1/2 = 9/35
/// Greenwood Σ d/(n(n−d)): 1/42, + 1/20, + 1/12, + 1/2.
private let handTimes: [Double] = [6, 3, 9, 3, 7, 10, 5]
private let handEvents = [true, false, true, true, false, false, true]

@Test func handWorkedSevenPatientsExactFractions() throws {
    let fit = try KaplanMeier.fit(times: handTimes, events: handEvents)
    #expect(fit.curves.count == 1)
    let curve = fit.curves[0]
    #expect(curve.count == 7)
    #expect(curve.eventCount == 4)
    #expect(curve.steps.map(\.time) == [3, 5, 6, 7, 9, 10])
    #expect(curve.steps.map(\.atRisk) == [7, 5, 4, 3, 2, 1])
    #expect(curve.steps.map(\.events) == [1, 1, 1, 0, 1, 0])
    #expect(curve.steps.map(\.censored) == [1, 0, 0, 1, 0, 1])
    let survival: [Double] = [6.0 / 7, 24.0 / 35, 18.0 / 35, 18.0 / 35, 9.0 / 35, 9.0 / 35]
    let g1 = 1.0 / 42, g2 = g1 + 1.0 / 20, g3 = g2 + 1.0 / 12, g4 = g3 + 1.0 / 2
    let greenwood = [g1, g2, g3, g3, g4, g4]
    for (k, step) in curve.steps.enumerated() {
        expectClose(step.survival, survival[k], 1e-14, "S(\(step.time))")
        expectClose(step.logStandardError, greenwood[k].squareRoot(), 1e-14, "std.err(\(step.time))")
        expectClose(step.standardError, survival[k] * greenwood[k].squareRoot(), 1e-14, "SE of S(\(step.time))")
        // "log" limits: exp(log S ± z·se), upper capped at 1.
        let z = NormalDistribution.quantile(0.975)
        expectClose(step.lower, survival[k] * exp(-z * greenwood[k].squareRoot()), 1e-13, "lower(\(step.time))")
        expectClose(step.upper, 1, 0, "upper(\(step.time))")
    }
    // S(6) = 18/35 > 1/2, S(9) = 9/35 ≤ 1/2 → median 9.
    #expect(curve.median.estimate == 9)
    #expect(fit.warnings.isEmpty)
}

@Test func inputOrderDoesNotMatter() throws {
    let order = handTimes.indices.sorted { (handTimes[$0], handEvents[$0] ? 0 : 1) < (handTimes[$1], handEvents[$1] ? 0 : 1) }
    let sorted = try KaplanMeier.fit(times: order.map { handTimes[$0] }, events: order.map { handEvents[$0] })
    let reversed = try KaplanMeier.fit(times: order.reversed().map { handTimes[$0] }, events: order.reversed().map { handEvents[$0] })
    let original = try KaplanMeier.fit(times: handTimes, events: handEvents)
    #expect(sorted == original)
    #expect(reversed == original)
}

/// Ten patients with a three-way tie at t = 2 (2 events, 1 censoring), ties at 4 and 6.
/// Sorted: 1c 2e 2e 2c 4e 4c 6e 6e 8c 9e.
///   t = 2: n = 9, d = 2 → 7/9;  t = 4: n = 6, d = 1 → 7/9 · 5/6 = 35/54;
///   t = 6: n = 4, d = 2 → 35/54 · 2/4 = 35/108;  t = 9: n = 1, d = 1 → 0.
@Test func handWorkedTiesEventsBeforeCensorings() throws {
    let fit = try KaplanMeier.fit(
        times: [4, 2, 8, 2, 6, 4, 9, 2, 6, 1],
        events: [true, true, false, false, true, false, true, true, true, false])
    let curve = fit.curves[0]
    #expect(curve.steps.map(\.time) == [1, 2, 4, 6, 8, 9])
    #expect(curve.steps.map(\.atRisk) == [10, 9, 6, 4, 2, 1])
    #expect(curve.steps.map(\.events) == [0, 2, 1, 2, 0, 1])
    #expect(curve.steps.map(\.censored) == [1, 1, 1, 0, 1, 0])
    let expected: [Double] = [1, 7.0 / 9, 35.0 / 54, 35.0 / 108, 35.0 / 108, 0]
    for (step, s) in zip(curve.steps, expected) { expectClose(step.survival, s, 1e-14, "S(\(step.time))") }
    // Everyone at risk dies at t = 9: R's std.err is Inf there and the limits NA → nil.
    let last = try #require(curve.steps.last)
    #expect(last.logStandardError == nil && last.standardError == nil && last.lower == nil && last.upper == nil)
    // S(4) = 35/54 > 1/2, S(6) = 35/108 ≤ 1/2 → median 6.
    #expect(curve.median.estimate == 6)
}

@Test func medianIsMidpointWhenCurveSitsAtOneHalf() throws {
    // S = 3/4, 1/2, 1/4, 0: exactly 1/2 on [2, 3) → median (2 + 3)/2.
    let interval = try KaplanMeier.fit(times: [4, 2, 3, 1], events: [true, true, true, true])
    #expect(interval.curves[0].median.estimate == 2.5)
    // S = 3/4, 1/2 and the curve never drops again → median 2 (print.survfit's rule).
    let atEnd = try KaplanMeier.fit(times: [1, 2, 3, 4], events: [true, true, false, false])
    #expect(atEnd.curves[0].median.estimate == 2)
    // A median that is not reached is nil.
    let notReached = try KaplanMeier.fit(times: [1, 2, 3, 4], events: [true, false, false, false])
    #expect(notReached.curves[0].median.estimate == nil)
}

@Test func missingTimeIsRefusedNamingItsIndex() {
    #expect(throws: StatsError.self) { try KaplanMeier.fit(times: [3, .nan, 5], events: [true, true, false]) }
    do {
        _ = try KaplanMeier.fit(times: [3, 4, .nan, 5], events: [true, true, true, false])
        Issue.record("a NaN time was accepted")
    } catch let error as StatsError {
        #expect(error.message.contains("times[2]"), "message: \(error.message)")
        #expect(error.message.contains("missing"), "message: \(error.message)")
    } catch {
        Issue.record("unexpected error \(error)")
    }
    #expect(throws: StatsError.self) { try KaplanMeier.fit(times: [3, -1], events: [true, true]) }
    #expect(throws: StatsError.self) { try KaplanMeier.fit(times: [3, .infinity], events: [true, true]) }
    #expect(throws: StatsError.self) { try KaplanMeier.fit(times: [3, 4], events: [true]) }
    #expect(throws: StatsError.self) { try KaplanMeier.fit(times: [], events: []) }
    #expect(throws: StatsError.self) { try KaplanMeier.fit(times: [1, 2], events: [true, true], groups: ["a"]) }
    #expect(throws: StatsError.self) {
        try KaplanMeier.fit(times: [1, 2], events: [true, true], options: KaplanMeierOptions(confidenceLevel: 1))
    }
    // A label outside the given levels is an error, not a silent drop.
    #expect(throws: StatsError.self) {
        try KaplanMeier.fit(times: [1, 2], events: [true, true], groups: ["a", "c"], levels: ["a", "b"])
    }
}

@Test func allCensoredGivesFlatCurveAndWarning() throws {
    let fit = try KaplanMeier.fit(times: [3, 1, 4, 1, 5], events: [false, false, false, false, false])
    let curve = fit.curves[0]
    #expect(curve.steps.allSatisfy { $0.survival == 1 && $0.logStandardError == 0 })
    #expect(curve.median == MedianSurvival(estimate: nil, lower: nil, upper: nil))
    #expect(fit.warnings.map(\.code) == ["no-events"])
}

@Test func groupsFollowLevelsAndReportEdgeCases() throws {
    let fit = try KaplanMeier.fit(
        times: [5, 3, 8, 2, 9], events: [true, false, true, true, false],
        groups: ["b", "a", "b", "c", "a"], levels: ["c", "b", "a", "unused"])
    #expect(fit.curves.map(\.group) == ["c", "b", "a"])
    #expect(fit.curves.map(\.count) == [1, 2, 2])
    let codes = Set(fit.warnings.map(\.code))
    #expect(codes == ["empty-level", "single-observation-group", "no-events"], "warnings: \(fit.warnings)")
    // Without levels: ascending label order.
    let sorted = try KaplanMeier.fit(times: [5, 3, 8], events: [true, false, true], groups: ["b", "a", "b"])
    #expect(sorted.curves.map(\.group) == ["a", "b"])
}

@Test func nearTiesAreMergedAsSurvivalTimefixDoes() throws {
    // 0.1 * 3 = 0.30000000000000004 and 0.3 are one time; so are 1 and 1 + 1e-10.
    let fit = try KaplanMeier.fit(times: [1, 1 + 1e-10, 2, 0.1 * 3, 0.3, 2.5, 3],
                                  events: [true, true, false, true, false, true, true])
    let steps = fit.curves[0].steps
    #expect(steps.map(\.time) == [0.3, 1, 2, 2.5, 3])
    #expect(steps.map(\.events) == [1, 2, 0, 1, 1])
    #expect(steps.map(\.censored) == [1, 0, 1, 0, 0])
}

@Test func summaryAtChosenTimesHandWorked() throws {
    let curve = try KaplanMeier.fit(times: handTimes, events: handEvents).curves[0]
    // Requested times are sorted; before the first time S = 1 with n at risk; events and
    // censorings are counted since the previous requested time.
    let rows = try curve.summary(at: [6.5, 0, 10, 3, 12], extend: false)
    #expect(rows.map(\.time) == [0, 3, 6.5, 10])
    #expect(rows.map(\.atRisk) == [7, 7, 3, 1])
    #expect(rows.map(\.events) == [0, 1, 2, 1])
    #expect(rows.map(\.censored) == [0, 1, 0, 2])
    #expect(rows.map(\.survival) == [1, 6.0 / 7, curve.steps[2].survival, curve.steps[5].survival])
    let extended = try curve.summary(at: [6.5, 0, 10, 3, 12], extend: true)
    #expect(extended.map(\.time) == [0, 3, 6.5, 10, 12])
    #expect(extended.last?.atRisk == 0)
    #expect(extended.last?.survival == 9.0 / 35)
    // Every requested time beyond the data without extend: R stops; so do we.
    #expect(throws: StatsError.self) { try curve.summary(at: [11, 20]) }
    #expect(throws: StatsError.self) { try curve.summary(at: [.nan]) }
}

// MARK: - R parity

private struct KMFixtureCurve: Decodable {
    var group: String?
    var n: Int
    var events: Int
    var median: Double?
    var median_lower: Double?
    var median_upper: Double?
    var time: [Double]
    var n_risk: [Int]
    var n_event: [Int]
    var n_censor: [Int]
    var surv: [Double]
    var std_err: [Double?]
    var lower: [Double?]
    var upper: [Double?]
}

private struct KMFixtureSummary: Decodable {
    var error: Bool
    var group: [String?]?
    var time: [Double]?
    var n_risk: [Int]?
    var n_event: [Int]?
    var n_censor: [Int]?
    var surv: [Double]?
    var std_err: [Double?]?
    var lower: [Double?]?
    var upper: [Double?]?
}

private struct KMFixtureConf: Decodable {
    var conf_type: String
    var curves: [KMFixtureCurve]
    var summary: KMFixtureSummary?
    var summary_extend: KMFixtureSummary?
}

private struct KMFixtureCase: Decodable {
    var name: String
    var time: [Double]
    var status: [Int]
    var group: [String]?
    var levels: [String]?
    var times: [Double]
    var conf: [KMFixtureConf]
}

/// Counts exact; S, standard errors and limits are closed forms of the data (products, sums
/// and one normal quantile), so 1e-12 relative.
private let closedFormTolerance = 1e-12

@Test(arguments: ["hand7", "hand10_ties", "half_interval", "half_at_end", "all_censored", "event_at_zero",
                  "single", "near_ties", "lung", "lung_sex", "lung_ecog", "aml", "ovarian",
                  "random_ties", "random_real"])
func kaplanMeierMatchesSurvfit(caseName: String) throws {
    let cases = try loadFixture([KMFixtureCase].self, "survival/kaplan_meier.json")
    let fixture = try #require(cases.first { $0.name == caseName })
    let events = fixture.status.map { $0 == 1 }
    for conf in fixture.conf {
        let type = try #require(SurvivalConfidenceType(rawValue: conf.conf_type))
        let options = KaplanMeierOptions(confidenceType: type)
        let fit = if let groups = fixture.group {
            try KaplanMeier.fit(times: fixture.time, events: events, groups: groups, levels: fixture.levels, options: options)
        } else {
            try KaplanMeier.fit(times: fixture.time, events: events, options: options)
        }
        #expect(fit.curves.count == conf.curves.count, "\(caseName) \(type): curve count")
        for (curve, expected) in zip(fit.curves, conf.curves) {
            let label = "\(caseName) \(type.rawValue) \(expected.group ?? "all")"
            #expect(curve.group == expected.group, "\(label): group")
            #expect(curve.count == expected.n && curve.eventCount == expected.events, "\(label): n/events")
            #expect(curve.steps.map(\.time) == expected.time, "\(label): times")
            #expect(curve.steps.map(\.atRisk) == expected.n_risk, "\(label): n.risk")
            #expect(curve.steps.map(\.events) == expected.n_event, "\(label): n.event")
            #expect(curve.steps.map(\.censored) == expected.n_censor, "\(label): n.censor")
            guard curve.steps.count == expected.time.count else { continue }
            for (k, step) in curve.steps.enumerated() {
                expectClose(step.survival, expected.surv[k], closedFormTolerance, "\(label) surv[\(k)]")
                expectClose(step.logStandardError, expected.std_err[k], closedFormTolerance, "\(label) std.err[\(k)]")
                expectClose(step.lower, expected.lower[k], closedFormTolerance, "\(label) lower[\(k)]")
                expectClose(step.upper, expected.upper[k], closedFormTolerance, "\(label) upper[\(k)]")
            }
            expectClose(curve.median.estimate, expected.median, closedFormTolerance, "\(label) median")
            expectClose(curve.median.lower, expected.median_lower, closedFormTolerance, "\(label) median LCL")
            expectClose(curve.median.upper, expected.median_upper, closedFormTolerance, "\(label) median UCL")
        }
        if let summary = conf.summary { try checkSummary(fit, fixture.times, extend: false, summary, "\(caseName) \(type.rawValue)") }
        if let summary = conf.summary_extend { try checkSummary(fit, fixture.times, extend: true, summary, "\(caseName) \(type.rawValue) extend") }
    }
}

/// `summary(fit, times)` stacks the curves; compare curve by curve.
private func checkSummary(
    _ fit: KaplanMeierFit, _ times: [Double], extend: Bool, _ expected: KMFixtureSummary, _ label: String
) throws {
    if expected.error {
        #expect(throws: StatsError.self, "\(label): R stopped") {
            for curve in fit.curves { _ = try curve.summary(at: times, extend: extend) }
        }
        return
    }
    var rows: [KaplanMeierStep] = []
    var groups: [String?] = []
    for curve in fit.curves {
        let curveRows = try curve.summary(at: times, extend: extend)
        rows += curveRows
        groups += curveRows.map { _ in curve.group }
    }
    #expect(groups == (expected.group ?? []), "\(label): summary groups")
    #expect(rows.map(\.time) == (expected.time ?? []), "\(label): summary times")
    #expect(rows.map(\.atRisk) == (expected.n_risk ?? []), "\(label): summary n.risk")
    #expect(rows.map(\.events) == (expected.n_event ?? []), "\(label): summary n.event")
    #expect(rows.map(\.censored) == (expected.n_censor ?? []), "\(label): summary n.censor")
    guard let surv = expected.surv, let se = expected.std_err, let lower = expected.lower,
          let upper = expected.upper, rows.count == surv.count else { return }
    for (k, row) in rows.enumerated() {
        expectClose(row.survival, surv[k], closedFormTolerance, "\(label) summary surv[\(k)]")
        expectClose(row.standardError, se[k], closedFormTolerance, "\(label) summary std.err[\(k)]")
        expectClose(row.lower, lower[k], closedFormTolerance, "\(label) summary lower[\(k)]")
        expectClose(row.upper, upper[k], closedFormTolerance, "\(label) summary upper[\(k)]")
    }
}
