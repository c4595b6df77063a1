#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pooled results against the analysis of the pooled patient rows (`analyze` of the whole
/// cohort), statistic by statistic, for every statistic `dayzero pool` computes exactly: patient
/// counts, every geometric mean and CI limit per day and group, every mixed-model F test (F,
/// df, p), every Kaplan–Meier step (time, at risk, events, censored, S and limits), medians,
/// numbers at risk and log-rank tests, Fisher tests of the binary outcomes and of medication
/// use, the proteomics paired t tests, and Table 1's binary and categorical rows. Used by the pooling tests and `dayzero-bench pool`.
public struct PoolingComparison: Sendable {
    /// How many values of each kind were compared.
    public var compared: [String: Int] = [:]
    /// Every difference beyond the tolerance, or a structural mismatch, in words.
    public var mismatches: [String] = []
    /// The largest relative difference of a real-valued statistic and where it was.
    public var worst: (difference: Double, at: String) = (0, "")

    /// Compares every analysis set of `pooled` with the set of the same id in `whole`
    /// (the whole cohort's results; matched and weighted sets are not pooled).
    public init(pooled: PooledResults, whole: StudyResults, tolerance: Double = 1e-8) {
        for p in pooled.sets {
            guard let w = whole.analysisSets.first(where: { $0.id == p.id }) else {
                mismatches.append("set \(p.id): not in the whole cohort's results")
                continue
            }
            compare(p, w, tolerance: tolerance)
        }
        if pooled.sets.isEmpty { mismatches.append("no pooled analysis set") }
    }

    /// The number of values compared of `kind` (0 when none).
    public func count(_ kind: String) -> Int { compared[kind] ?? 0 }

    /// The number of values compared, of every kind.
    public var total: Int { compared.values.reduce(0, +) }

    /// The least number of values of each kind that comparing the default protocol's pooled
    /// sets covers (the bundled cohort over sites, a simulated network): a comparison below one
    /// of them did not look at what it claims to. `sets`: the pooled analysis sets.
    public static func defaultProtocolCoverage(sets: Int) -> [(kind: String, atLeast: Int)] {
        [("mixed-model F", 21), ("day statistics", 301), ("Kaplan–Meier steps", 101), ("log-rank", 4),
         ("Fisher", 6), ("paired t", 201), ("Table 1 p", 5 * sets)]
    }

    /// The kinds of `coverage` compared fewer times than stated, as "kind: n (at least m)".
    public func shortfalls(_ coverage: [(kind: String, atLeast: Int)]) -> [String] {
        coverage.filter { count($0.kind) < $0.atLeast }.map { "\($0.kind): \(count($0.kind)) (at least \($0.atLeast))" }
    }

    mutating func equal<T: Equatable>(_ a: T, _ b: T, _ kind: String, _ at: @autoclosure () -> String) {
        compared[kind, default: 0] += 1
        if a != b { mismatches.append("\(at()): \(a) pooled, \(b) whole") }
    }

    mutating func close(_ a: Double?, _ b: Double?, _ kind: String, _ at: @autoclosure () -> String, tolerance: Double) {
        compared[kind, default: 0] += 1
        switch (a, b) {
        case (nil, nil): return
        case (let x?, let y?):
            if x == y || (x.isNaN && y.isNaN) { return }
            let d = abs(x - y) / max(abs(x), abs(y), 1e-300)
            if d > worst.difference { worst = (d, at()) }
            if !(d <= tolerance || abs(x - y) <= tolerance * 1e-12) { mismatches.append("\(at()): \(x) pooled, \(y) whole (relative \(d))") }
        default:
            mismatches.append("\(at()): \(a.map { "\($0)" } ?? "none") pooled, \(b.map { "\($0)" } ?? "none") whole")
        }
    }

    mutating func compare(_ p: PooledSet, _ w: AnalysisSetResults, tolerance tol: Double) {
        equal(p.treated, w.flow.treated, "patients", "\(p.id) treated patients")
        equal(p.controls, w.flow.controls, "patients", "\(p.id) control patients")
        // Kinetics: every day statistic and every interaction test.
        let pooledPanels = p.kinetics + p.cytokines
        let wholePanels = w.kinetics + w.cytokines
        equal(pooledPanels.count, wholePanels.count, "panels", "\(p.id) kinetics panels")
        for (a, b) in zip(pooledPanels, wholePanels) {
            let at = "\(p.id) \(a.parameter)"
            equal(a.parameter, b.parameter, "panels", "\(at) parameter")
            equal(a.days.count, b.days.count, "panels", "\(at) days")
            for (x, y) in zip(a.days, b.days) {
                let day = "\(at) day \(x.day) \(x.group)"
                equal(x.n, y.n, "day n", "\(day) n")
                close(x.geometricMean, y.geometricMean, "day statistics", "\(day) geometric mean", tolerance: tol)
                close(x.lower, y.lower, "day statistics", "\(day) lower", tolerance: tol)
                close(x.upper, y.upper, "day statistics", "\(day) upper", tolerance: tol)
            }
            equal(a.admission.count, b.admission.count, "panels", "\(at) admission")
            for (x, y) in zip(a.admission, b.admission) {
                equal(x.n, y.n, "day n", "\(at) admission \(x.group) n")
                close(x.geometricMean, y.geometricMean, "day statistics", "\(at) admission \(x.group) geometric mean", tolerance: tol)
                close(x.lower, y.lower, "day statistics", "\(at) admission \(x.group) lower", tolerance: tol)
                close(x.upper, y.upper, "day statistics", "\(at) admission \(x.group) upper", tolerance: tol)
            }
            for (part, x, y) in [("whole window", a.overall, b.overall), ("before day 0", a.pre, b.pre), ("after day 0", a.post, b.post)] {
                guard let x, let y else {
                    if (x == nil) != (y == nil) { mismatches.append("\(at) \(part): mixed-model test in one result only") }
                    continue
                }
                let t = "\(at) \(part)"
                equal(x.observations, y.observations, "mixed models", "\(t) observations")
                equal(x.patients, y.patients, "mixed models", "\(t) patients")
                equal(x.numeratorDF, y.numeratorDF, "mixed models", "\(t) numerator df")
                close(x.fStatistic, y.fStatistic, "mixed-model F", "\(t) F", tolerance: tol)
                close(x.denominatorDF, y.denominatorDF, "mixed-model df", "\(t) denominator df", tolerance: tol)
                close(x.pValue, y.pValue, "mixed-model p", "\(t) p", tolerance: tol)
            }
        }
        // Kaplan–Meier and log-rank (time-to-event measures; durations are site-level only).
        let wholeSurvival = w.outcomeMeasures.filter { $0.survival != nil && $0.kind == "time_to_event" }
        equal(p.survival.count, wholeSurvival.count, "outcomes", "\(p.id) time-to-event outcomes")
        for (a, m) in zip(p.survival, wholeSurvival) {
            let at = "\(p.id) \(a.measure)"
            equal(a.measure, m.name, "outcomes", "\(at) measure")
            guard let x = a.comparison, let y = m.survival else {
                mismatches.append("\(at): no pooled curves (\(a.notAvailable ?? "no reason given"))")
                continue
            }
            close(x.logRankChiSquare, y.logRankChiSquare, "log-rank", "\(at) log-rank χ²", tolerance: tol)
            close(x.logRankP, y.logRankP, "log-rank", "\(at) log-rank p", tolerance: tol)
            equal(x.logRankDF, y.logRankDF, "log-rank", "\(at) log-rank df")
            equal(x.riskTimes, y.riskTimes, "outcomes", "\(at) risk times")
            equal(x.curves.count, y.curves.count, "outcomes", "\(at) curves")
            for (c, d) in zip(x.curves, y.curves) {
                let curve = "\(at) \(c.group)"
                equal(c.group, d.group, "curves", "\(curve) group")
                equal(c.patients, d.patients, "curves", "\(curve) patients")
                equal(c.events, d.events, "curves", "\(curve) events")
                equal(c.atRisk, d.atRisk, "curves", "\(curve) numbers at risk")
                close(c.median, d.median, "curves", "\(curve) median", tolerance: tol)
                equal(c.steps.count, d.steps.count, "curves", "\(curve) steps")
                for (s, t) in zip(c.steps, d.steps) {
                    let step = "\(curve) step at \(t.time)"
                    close(s.time, t.time, "Kaplan–Meier steps", "\(step) time", tolerance: 1e-12)
                    equal([s.atRisk, s.events, s.censored], [t.atRisk, t.events, t.censored], "Kaplan–Meier steps", "\(step) at risk, events, censored")
                    close(s.survival, t.survival, "Kaplan–Meier steps", "\(step) S", tolerance: tol)
                    close(s.lower, t.lower, "Kaplan–Meier steps", "\(step) lower", tolerance: tol)
                    close(s.upper, t.upper, "Kaplan–Meier steps", "\(step) upper", tolerance: tol)
                }
            }
        }
        // Fisher: binary outcomes and medication.
        let wholeBinary = w.outcomeMeasures.filter { $0.kind == "binary" }
        equal(p.binary.count, wholeBinary.count, "outcomes", "\(p.id) binary outcomes")
        for (a, m) in zip(p.binary, wholeBinary) {
            guard let row = a.row else {
                mismatches.append("\(p.id) \(a.measure): not pooled (\(a.notAvailable ?? "no reason given"))")
                continue
            }
            equal(row.treated, m.row.treated, "Fisher", "\(p.id) \(a.measure) treated counts")
            equal(row.control, m.row.control, "Fisher", "\(p.id) \(a.measure) control counts")
            close(row.pValue, m.row.pValue, "Fisher", "\(p.id) \(a.measure) Fisher p", tolerance: tol)
        }
        equal(p.medication.count, w.medication.count, "outcomes", "\(p.id) medication rows")
        for (a, m) in zip(p.medication, w.medication) {
            let at = "\(p.id) \(a.drug) \(a.period)"
            equal([a.treatedUsers, a.treatedTotal, a.controlUsers, a.controlTotal], [m.treatedUsers, m.treatedTotal, m.controlUsers, m.controlTotal],
                  "Fisher", "\(at) counts")
            close(a.pValue, m.pValue, "Fisher", "\(at) Fisher p", tolerance: tol)
        }
        // Table 1: the binary and categorical rows (counts per group and level, the test's p).
        let wholeRows = w.table1.sections.flatMap(\.rows)
        for row in p.table1?.sections.flatMap(\.rows) ?? [] {
            let at = "\(p.id) Table 1 \(row.id)"
            guard let y = wholeRows.first(where: { $0.id == row.id }) else {
                mismatches.append("\(at): not in the whole cohort's Table 1")
                continue
            }
            equal(row.kind, y.kind, "Table 1", "\(at) kind")
            equal([row.treated.n, row.treated.missing, row.control.n, row.control.missing],
                  [y.treated.n, y.treated.missing, y.control.n, y.control.missing], "Table 1", "\(at) n and missing")
            equal(row.treated.count, y.treated.count, "Table 1", "\(at) treated count")
            equal(row.control.count, y.control.count, "Table 1", "\(at) control count")
            equal((row.levels ?? []).map { [$0.treated.count, $0.control.count] }, (y.levels ?? []).map { [$0.treated.count, $0.control.count] },
                  "Table 1", "\(at) level counts")
            equal(row.test, y.test, "Table 1", "\(at) test")
            close(row.pValue, y.pValue, "Table 1 p", "\(at) p", tolerance: tol)
        }
        // Paired t tests.
        switch (p.proteomics, w.proteomics) {
        case (nil, nil): break
        case (let a?, let b?):
            equal(a.groups.count, b.groups.count, "proteomics", "\(p.id) volcano groups")
            for (g, h) in zip(a.groups, b.groups) {
                equal(g.points.count, h.points.count, "proteomics", "\(p.id) volcano \(g.group) points")
                for (x, y) in zip(g.points, h.points) {
                    let at = "\(p.id) \(g.group) \(x.assay)"
                    equal(x.assay, y.assay, "paired t", "\(at) assay")
                    equal(x.pairs, y.pairs, "paired t", "\(at) pairs")
                    close(x.meanLog2Difference, y.meanLog2Difference, "paired t", "\(at) mean difference", tolerance: tol)
                    close(x.pValue, y.pValue, "paired t", "\(at) p", tolerance: tol)
                }
            }
        default:
            mismatches.append("\(p.id): proteomics in one result only")
        }
    }
}
