@testable import DayZeroAnalysis
import DayZeroCohort
import DayZeroStore
import DayZeroTestSupport
import Foundation
import Testing

/// R parity on a real public data set: the Mayo Clinic PBC trial (`survival::pbcseq`),
/// converted by `examples/pbcseq/convert.R` into the committed study folder
/// `examples/pbcseq/study/`, analysed here with `examples/pbcseq/protocol.yaml`, and compared
/// with `examples/pbcseq/r-reference.json`, which `examples/pbcseq/recompute.R` computed in R
/// from the same CSV files alone (R rebuilds the cohort by the documented rules). CI needs no R.
///
/// Tolerances: counts exactly; p-values, test statistics, medians, quartiles, cumulative
/// incidences and their confidence limits to 1e-9 relative — all closed-form or finite sums in
/// both implementations. The only iterative values, Fisher's conditional odds ratios (roots of
/// an equation in both), are compared to 1e-6 with R's root solved to 1e-13, and to 2e-4 with
/// `fisher.test`'s own estimate (`uniroot` at its default tolerance). The kinetics (6-month
/// periods, 0…10) compare per period and group n exactly and the (geometric) mean with its
/// t-interval to 1e-9; the mixed models' F, DenDF and p to 1e-6 relative (docs/methods/mixed-model.md:
/// REML is iterative, lme4 stops ~1e-8–1e-7 short of the optimum, lmerTest differentiates numerically).
@Suite("R parity: Mayo Clinic PBC trial (survival::pbcseq)")
struct PBCSeqParityTests {
    static let tolerance = 1e-9
    /// Fisher's conditional maximum-likelihood odds ratio is the root of E[X | ψ] = x, found
    /// iteratively by both: compared to 1e-6 with the root R solves to 1e-13 (`recompute.R`).
    static let iterativeTolerance = 1e-6
    /// `fisher.test`'s own estimate stops at `uniroot`'s default tolerance (about 1.2e-4 on
    /// its parameter): it agrees only to about 1e-4 (measured: 2.6e-5).
    static let uniroot = 2e-4
    /// The mixed models' F, DenDF and p (docs/methods/mixed-model.md, "Continuous time").
    static let model = 1e-6

    static var exampleFolder: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/pbcseq")
    }

    /// Compares and counts; a failure names the value.
    final class Comparison {
        var compared = 0
        var maxRelative = 0.0
        var maxRelativeAt = ""
        var maxRelativeIterative = 0.0
        var maxRelativeUniroot = 0.0
        var maxRelativeKinetics = 0.0
        var maxRelativeKineticsAt = ""
        var maxRelativeModel = 0.0
        var maxRelativeModelAt = ""
        /// The mixed models' largest relative difference per quantity (F, DenDF, p).
        var maxRelativeModelBy: [String: Double] = [:]

        func count(_ actual: Int?, _ expected: Any?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            compared += 1
            let e = (expected as? NSNumber)?.intValue
            #expect(e != nil && actual == e, "\(what): DayZero \(String(describing: actual)), R \(String(describing: expected))", sourceLocation: sourceLocation)
        }

        func value(
            _ actual: Double?, _ expected: Any?, _ what: String, tolerance: Double = PBCSeqParityTests.tolerance,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            compared += 1
            if expected is NSNull || expected == nil {
                #expect(actual == nil, "\(what): DayZero \(String(describing: actual)), R null", sourceLocation: sourceLocation)
                return
            }
            guard let e = (expected as? NSNumber)?.doubleValue, let a = actual else {
                Issue.record("\(what): DayZero \(String(describing: actual)), R \(String(describing: expected))", sourceLocation: sourceLocation)
                return
            }
            let rel = relativeError(a, e)
            let kinetics = what.hasPrefix("kinetics ")
            if !kinetics, tolerance == PBCSeqParityTests.tolerance, rel > maxRelative { maxRelative = rel; maxRelativeAt = what }
            if !kinetics, tolerance == PBCSeqParityTests.iterativeTolerance, rel > maxRelativeIterative { maxRelativeIterative = rel }
            if tolerance == PBCSeqParityTests.uniroot, rel > maxRelativeUniroot { maxRelativeUniroot = rel }
            if kinetics, tolerance == PBCSeqParityTests.model {
                if rel > maxRelativeModel { maxRelativeModel = rel; maxRelativeModelAt = what }
                let quantity = String(what.split(separator: " ").last ?? "")
                maxRelativeModelBy[quantity] = max(maxRelativeModelBy[quantity] ?? 0, rel)
            }
            if kinetics, tolerance == PBCSeqParityTests.tolerance, rel > maxRelativeKinetics {
                maxRelativeKinetics = rel
                maxRelativeKineticsAt = what
            }
            #expect(isClose(a, e, tolerance: tolerance), "\(what): DayZero \(a), R \(e) (relative \(rel))", sourceLocation: sourceLocation)
        }
    }

    static func object(_ any: Any?) throws -> [String: Any] { try #require(any as? [String: Any]) }
    static func array(_ any: Any?) throws -> [Any] { try #require(any as? [Any]) }

    @Test("every value of r-reference.json: flow, Table 1, kinetics, cumulative incidence, Gray's test, binary outcome")
    func parity() throws {
        let folder = Self.exampleFolder
        let study = try StudyStore.readStudy(folder: folder.appendingPathComponent("study"))
        let yaml = try String(contentsOf: folder.appendingPathComponent("protocol.yaml"), encoding: .utf8)
        let studyProtocol = try ProtocolYAML.decode(
            yaml, registry: ParameterRegistry(declared: study.declaredParameters), baseline: study.baselineRegistry, file: "protocol.yaml")
        let analysis = try StudyAnalysis(study: study, protocol: studyProtocol)
        let main = try #require(analysis.results.analysisSets.first)
        let data = try Data(contentsOf: folder.appendingPathComponent("r-reference.json"))
        let r = try Self.object(JSONSerialization.jsonObject(with: data))
        let c = Comparison()

        // Flow.
        let flow = try Self.object(r["flow"])
        c.count(main.flow.screened, flow["screened"], "screened")
        c.count(main.flow.exclusions.first { $0.reason == "stage-unknown" }?.count ?? 0, flow["excluded_stage_unknown"], "excluded: stage unknown")
        c.count(main.flow.exclusions.first { $0.reason == "no_icu_course" }?.count ?? 0, flow["no_icu_course"], "excluded: no course")
        c.count(analysis.cohort.patients.count, flow["included"], "included")
        c.count(main.flow.treated, flow["treated"], "treated")
        c.count(main.flow.controls, flow["control"], "control")

        // Table 1: every row R computed, by id.
        let rows = main.table1.sections.flatMap(\.rows)
        // Day 0 is study entry for everyone, so the alignment-day rows R computes repeat the
        // admission-day rows value for value; DayZero shows them once. The repeat is checked in
        // R's numbers (same p as the admission row), then left out of the comparison.
        let allRRows = try Self.array(r["table1"]).map { try Self.object($0) }
        func rID(_ row: [String: Any]) -> String { row["id"] as? String ?? "" }
        for alignment in allRRows where rID(alignment).hasPrefix("alignment.") {
            let admission = allRRows.first { rID($0) == "admission." + rID(alignment).dropFirst("alignment.".count) }
            #expect((admission?["p"] as? Double) == (alignment["p"] as? Double), "\(rID(alignment)) differs from its admission row in R")
        }
        let rRows = allRRows.filter { !rID($0).hasPrefix("alignment.") }
        #expect(!main.table1.sections.contains { $0.title == "Clinical parameters on alignment day" })
        #expect(rows.count == rRows.count, "Table 1 has \(rows.count) rows, R \(rRows.count)")
        for rr in rRows {
            let id = try #require(rr["id"] as? String)
            let row = try #require(rows.first { $0.id == id }, "Table 1 row \(id) missing")
            #expect(row.test == rr["test"] as? String, "\(id): test \(String(describing: row.test)) vs R \(String(describing: rr["test"]))")
            c.value(row.pValue, rr["p"], "\(id) p")
            for (group, summary) in [("treated", row.treated), ("control", row.control)] {
                let g = try Self.object(rr[group])
                c.count(summary.n, g["n"], "\(id) \(group) n")
                c.count(summary.missing, g["missing"], "\(id) \(group) missing")
                switch rr["kind"] as? String {
                case "count":
                    c.count(summary.count, g["count"], "\(id) \(group) count")
                    c.value(summary.percent, g["percent"], "\(id) \(group) percent")
                case "continuous":
                    c.value(summary.median, g["median"], "\(id) \(group) median")
                    c.value(summary.q1, g["q1"], "\(id) \(group) q1")
                    c.value(summary.q3, g["q3"], "\(id) \(group) q3")
                case "categorical":
                    let counts = try Self.array(g["counts"])
                    let levels = try #require(row.levels)
                    #expect(levels.count == counts.count, "\(id): \(levels.count) levels, R \(counts.count)")
                    for (k, level) in levels.enumerated() where k < counts.count {
                        c.count(group == "treated" ? level.treated.count : level.control.count, counts[k], "\(id) \(group) level \(level.level)")
                    }
                default:
                    Issue.record("\(id): unknown kind \(String(describing: rr["kind"]))")
                }
            }
            switch rr["kind"] as? String {
            case "continuous": c.value(row.statistic, rr["statistic"], "\(id) W")
            case "categorical" where row.test == "chi-square": c.value(row.statistic, rr["statistic"], "\(id) chi-square")
            case "count":
                c.value(row.statistic, rr["odds_ratio"], "\(id) odds ratio", tolerance: Self.iterativeTolerance)
                c.value(row.statistic, rr["r_odds_ratio"], "\(id) fisher.test odds ratio", tolerance: Self.uniroot)
            default: break
            }
        }

        // Kinetics: 6-month periods 0…10, per period and group n and the (geometric) mean with
        // its 95% CI, and the spline × group test on the whole window and its parts.
        let rk = try Self.object(r["kinetics"])
        let rPanels = try Self.array(rk["panels"]).map { try Self.object($0) }
        #expect(main.kinetics.count == rPanels.count, "\(main.kinetics.count) kinetics panels, R \(rPanels.count)")
        for rp in rPanels {
            let name = try #require(rp["parameter"] as? String)
            let panel = try #require(main.kinetics.first { $0.parameter == name }, "kinetics panel \(name) missing")
            let label = "kinetics \(name)"
            #expect((rp["transform"] as? String == "log") == panel.transform.hasPrefix("log"), "\(label): transform \(panel.transform)")
            #expect(panel.timeUnit == "6-month period", "\(label): time unit \(String(describing: panel.timeUnit))")
            #expect(panel.timeModel == "spline(knots: 2, 6)", "\(label): time model \(String(describing: panel.timeModel))")
            #expect(panel.admission.isEmpty, "\(label): an admission sample")
            c.count(panel.firstDay, rp["first"], "\(label) first period")
            c.count(panel.lastDay, rp["last"], "\(label) last period")
            let periods = try Self.array(rp["periods"]).map { try Self.object($0) }
            #expect(panel.days.count == 2 * periods.count, "\(label): \(panel.days.count) period statistics, R \(2 * periods.count)")
            for rPeriod in periods {
                let period = try #require((rPeriod["period"] as? NSNumber)?.intValue)
                for group in ["treated", "control"] {
                    let g = try Self.object(rPeriod[group])
                    let what = "\(label) period \(period) \(group)"
                    let s = try #require(panel.days.first { $0.day == period && $0.group == group }, "\(what) missing")
                    c.count(s.n, g["n"], "\(what) n")
                    c.value(s.geometricMean, g["mean"], "\(what) mean")
                    c.value(s.lower, g["lower"], "\(what) lower")
                    c.value(s.upper, g["upper"], "\(what) upper")
                }
            }
            for (part, test) in [("overall", panel.overall), ("pre", panel.pre), ("post", panel.post)] {
                let what = "\(label) \(part)"
                guard let rt = rp[part] as? [String: Any] else {
                    // R fits no model (the window has no periods before day 0): neither does DayZero.
                    c.compared += 1
                    #expect(rp[part] is NSNull && test == nil, "\(what): DayZero \(String(describing: test)), R \(String(describing: rp[part]))")
                    continue
                }
                let t = try #require(test, "\(what): no DayZero model")
                #expect(t.timeModel == rt["time_model"] as? String, "\(what): \(String(describing: t.timeModel)), R \(String(describing: rt["time_model"]))")
                // No singular fit; the only warnings: a coefficient p-value that underflows to 0,
                // for the coefficients whose p R also gives as 0 (the intercept, t of 92 to 283).
                #expect((rt["singular"] as? Bool) == false, "\(what): singular fit in R")
                let underflow = try Self.array(rt["p_underflow"]).compactMap { $0 as? String }
                let expectedWarnings = underflow.isEmpty
                    ? [] : ["p-value-underflow: p-value below the smallest positive double (reported as 0) for: " + underflow.joined(separator: ", ")]
                #expect(t.warnings == expectedWarnings, "\(what): warnings \(t.warnings), R's p = 0 for \(underflow)")
                c.count(t.firstDay, rt["first"], "\(what) first period")
                c.count(t.lastDay, rt["last"], "\(what) last period")
                c.count(t.observations, rt["observations"], "\(what) observations")
                c.count(t.patients, rt["patients"], "\(what) patients")
                c.value(t.numeratorDF, rt["num_df"], "\(what) NumDF")
                c.value(t.fStatistic, rt["F"], "\(what) F", tolerance: Self.model)
                c.value(t.denominatorDF, rt["den_df"], "\(what) DenDF", tolerance: Self.model)
                c.value(t.pValue, rt["p"], "\(what) p", tolerance: Self.model)
            }
            // No warning: the window starts at day 0, so by design there is no part before it
            // (nothing failed, nothing to note).
            #expect(panel.warnings.isEmpty, "\(label): warnings \(panel.warnings)")
        }

        // Competing-risks outcomes.
        let measures = try #require(main.outcomeMeasures)
        let workup = Workup(study: study, cohort: analysis.cohort)
        for any in try Self.array(r["competing"]) {
            let rm = try Self.object(any)
            let name = try #require(rm["name"] as? String)
            let measure = try #require(measures.first { $0.name == name })
            let declared = try #require(studyProtocol.outcomes.measures?.first { $0.name == name })
            let incidence = try #require(measure.cumulativeIncidence, "\(name): no cumulative incidence")
            c.value(incidence.grayStatistic, rm["gray_statistic"], "\(name) Gray statistic")
            c.value(incidence.grayP, rm["gray_p"], "\(name) Gray p")
            c.count(incidence.grayDF, rm["gray_df"], "\(name) Gray df")
            c.value(measure.row.pValue, rm["gray_p"], "\(name) row p")
            let riskTimes = try Self.array(rm["risk_times"])
            #expect(incidence.riskTimes.count == riskTimes.count)
            for (t, rt) in zip(incidence.riskTimes, riskTimes) { c.value(t, rt, "\(name) risk time") }

            // Each patient's observation (time, cause), by patient id.
            let obs = try Self.object(rm["observations"])
            let ids = try Self.array(obs["patient_id"]), times = try Self.array(obs["time"]), status = try Self.array(obs["status"])
            let follow = workup.followUps([declared])
            let horizon = Double(try #require(declared.horizonDays))
            let index = Dictionary(uniqueKeysWithValues: analysis.cohort.patients.enumerated().map { ($1.id, $0) })
            #expect(ids.count == analysis.cohort.patients.count)
            for k in ids.indices {
                let id = try #require(ids[k] as? String)
                let i = try #require(index[id], "patient \(id) not in DayZero's cohort")
                let o = workup.observation(declared, follow[i], horizon: horizon)
                c.value(o.time, times[k], "\(name) \(id) time")
                c.count(o.cause, status[k], "\(name) \(id) cause")
            }

            let groups = try Self.array(rm["groups"])
            #expect(incidence.curves.count == groups.count)
            for (curve, anyGroup) in zip(incidence.curves, groups) {
                let g = try Self.object(anyGroup)
                let label = "\(name) \(g["group"] ?? "")"
                #expect(curve.group == g["group"] as? String, "\(name): curve \(curve.group), R \(String(describing: g["group"]))")
                c.count(curve.patients, g["patients"], "\(label) patients")
                c.count(curve.events, g["events"], "\(label) events")
                c.count(curve.competingEvents, g["competing_events"], "\(label) competing events")
                let atRisk = try Self.array(g["at_risk"])
                #expect(curve.atRisk.count == atRisk.count)
                for (k, n) in zip(curve.atRisk, atRisk) { c.count(k, n, "\(label) at risk") }
                let ts = try Self.array(g["times"])
                let inc = try Self.array(g["incidence"]), comp = try Self.array(g["competing_incidence"])
                let lower = try Self.array(g["lower"]), upper = try Self.array(g["upper"])
                for k in ts.indices {
                    let t = try #require((ts[k] as? NSNumber)?.doubleValue)
                    let step = curve.steps.last { $0.time <= t }
                    c.value(step?.incidence ?? 0, inc[k], "\(label) incidence at \(t)")
                    c.value(step?.competingIncidence ?? 0, comp[k], "\(label) competing incidence at \(t)")
                    c.value(step?.lower ?? nil, lower[k], "\(label) lower at \(t)")
                    c.value(step?.upper ?? nil, upper[k], "\(label) upper at \(t)")
                }
            }
        }

        // The binary outcome: death within 1826 days.
        let rb = try Self.object(r["binary"])
        let binary = try #require(measures.first { $0.name == "death_5y" })
        c.count(binary.horizonDays, rb["horizon"], "death_5y horizon")
        c.value(binary.row.pValue, rb["p"], "death_5y Fisher p")
        c.value(binary.row.statistic, rb["odds_ratio"], "death_5y odds ratio", tolerance: Self.iterativeTolerance)
        c.value(binary.row.statistic, rb["r_odds_ratio"], "death_5y fisher.test odds ratio", tolerance: Self.uniroot)
        for (group, summary) in [("treated", binary.row.treated), ("control", binary.row.control)] {
            let g = try Self.object(rb[group])
            c.count(summary.n, g["n"], "death_5y \(group) n")
            c.count(summary.missing, g["missing"], "death_5y \(group) missing")
            c.count(summary.count, g["count"], "death_5y \(group) count")
            c.value(summary.percent, g["percent"], "death_5y \(group) percent")
        }

        print("PBC parity: \(c.compared) values compared, max relative difference \(c.maxRelative) (\(c.maxRelativeAt)); odds ratios \(c.maxRelativeIterative), against fisher.test's \(c.maxRelativeUniroot); kinetics means and CIs \(c.maxRelativeKinetics) (\(c.maxRelativeKineticsAt)); mixed models \(c.maxRelativeModel) (\(c.maxRelativeModelAt); \(c.maxRelativeModelBy.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))")
        #expect(c.compared == Self.expectedComparisons, "compared \(c.compared) values")
    }

    /// The number of values the test compares: flow 6; Table 1 166 (4 binary rows × 11, 8
    /// continuous rows × 12 — age and the 7 labs at entry; R's 7 identical alignment-day rows are
    /// checked equal to them and not compared again —, stage 14, edema 12, with p-values, statistics, n, missing, counts,
    /// percentages, medians and quartiles); the two competing-risks outcomes 2 × 715 (Gray's
    /// statistic, p and df, the row's p, 11 risk times, 312 patients × (time, cause), and per
    /// group 3 counts, 11 numbers at risk and 6 times × (incidence, competing incidence, lower,
    /// upper)); the binary outcome 12; the kinetics 7 × 107 (the window's 2 ends; 11 periods × 2
    /// groups × (n, mean, lower, upper); the whole window and the after-day-0 part × (2 ends,
    /// observations, patients, NumDF, F, DenDF, p); the before-day-0 part absent in both).
    static let expectedComparisons = 6 + 166 + 2 * 715 + 12 + 7 * 107
}
