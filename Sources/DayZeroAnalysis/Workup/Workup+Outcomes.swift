#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DayZeroCohort
import DayZeroStats

extension Workup {
    /// Medication use before and after day 0 per drug, treated vs control, Fisher's exact test.
    func medication(_ membership: AnalysisSetMembership) -> [MedicationRow] {
        let (treated, control) = groups(membership)
        let settings = studyProtocol.medications
        var rows: [MedicationRow] = []
        for use in cohort.medicationUse {
            for (period, flags, window) in [("before", use.before, settings.before), ("after", use.after, settings.after)] {
                let t = treated.filter { flags[$0] }.count
                let c = control.filter { flags[$0] }.count
                var p: Double?
                var warnings: [String] = []
                if treated.isEmpty || control.isEmpty {
                    warnings.append("Fisher's exact test not computed: a group has no patients (treated \(treated.count), control \(control.count))")
                } else {
                    do {
                        let result = try FisherExactTest.test([[t, treated.count - t], [c, control.count - c]])
                        p = result.pValue
                        warnings += result.warnings.map(\.description)
                    } catch {
                        warnings.append("Fisher's exact test not computed: \(error)")
                    }
                }
                rows.append(MedicationRow(
                    drug: use.drug, period: period, firstDay: window.start, lastDay: window.end, treatedUsers: t,
                    treatedTotal: treated.count, controlUsers: c, controlTotal: control.count, pValue: p, warnings: warnings))
            }
        }
        return rows
    }

    /// The times of the numbers at risk for a horizon of `horizon` days: every 7 days up to 56
    /// days (the paper's 0, 7, 14, 21, 28), else a round step giving about 5–10 columns (14,
    /// 30, 60, 90, 180, 365 or 730 days); the horizon itself is always the last.
    static func riskTimes(horizon: Int) -> [Double] {
        let step = horizon <= 56 ? 7 : [14, 30, 60, 90, 180, 365, 730].first { horizon / $0 <= 10 } ?? 730
        var times = stride(from: 0, through: horizon, by: step).map(Double.init)
        if let last = times.last, last < Double(horizon) { times.append(Double(horizon)) }
        return times
    }

    /// Kaplan–Meier curves per group (`survfit`, log CI), numbers at risk at `riskTimes`, and
    /// the log-rank test (`survdiff`); `horizon` defaults to `outcomes.horizon_days`.
    func survival(
        event: String, censoring: String, patients: [Int], leftOut: [FlowResults.Step], horizon horizonDays: Int? = nil,
        observation: (Int) -> TimeToEvent?
    ) -> SurvivalComparison {
        let riskTimes = Self.riskTimes(horizon: horizonDays ?? studyProtocol.outcomes.horizonDays)
        var times: [Double] = []
        var events: [Bool] = []
        var labels: [String] = []
        for i in patients {
            guard let obs = observation(i) else { continue }
            times.append(obs.time)
            events.append(obs.event)
            labels.append(groupLabel(cohort.patients[i].group))
        }
        return Self.survivalComparison(
            event: event, censoring: censoring, riskTimes: riskTimes, leftOut: leftOut,
            group: { label in
                let idx = labels.indices.filter { labels[$0] == label }
                guard !idx.isEmpty else { return nil }
                return (fit: { try KaplanMeier.fit(times: idx.map { times[$0] }, events: idx.map { events[$0] }) },
                        atRisk: riskTimes.map { t in idx.filter { times[$0] >= t }.count })
            },
            logRank: Set(labels).count == 2 ? { try LogRank.test(times: times, events: events, groups: labels, levels: groupLevels) } : nil)
    }

    /// The comparison of both groups from each group's Kaplan–Meier fit and numbers at risk
    /// (`group` gives nil for a group without patients) and the log-rank test (nil: not both
    /// groups have patients): the one assembly of curves, steps, medians and warnings, used by
    /// the in-memory workup (fits of the patients' times) and the pooled analysis (fits of the
    /// network's counts).
    static func survivalComparison(
        event: String, censoring: String, riskTimes: [Double], leftOut: [FlowResults.Step],
        group: (_ label: String) -> (fit: () throws -> KaplanMeierFit, atRisk: [Int])?,
        logRank: (() throws -> LogRankResult)?
    ) -> SurvivalComparison {
        var warnings: [String] = []
        var curves: [SurvivalComparison.Curve] = []
        for g in [StudyGroup.treated, .control] {
            let label = groupLabel(g)
            guard let input = group(label) else {
                curves.append(.init(group: label, patients: 0, events: 0, steps: [], atRisk: riskTimes.map { _ in 0 }, median: nil))
                continue
            }
            do {
                let fit = try input.fit()
                warnings += fit.warnings.map(\.description)
                guard let curve = fit.curves.first else { continue }
                curves.append(.init(
                    group: label, patients: curve.count, events: curve.eventCount,
                    steps: curve.steps.map {
                        .init(time: $0.time, atRisk: $0.atRisk, events: $0.events, censored: $0.censored, survival: $0.survival,
                              lower: $0.lower, upper: $0.upper)
                    }, atRisk: input.atRisk, median: curve.median.estimate))
            } catch {
                warnings.append("Kaplan–Meier (\(label)) not computed: \(error)")
            }
        }
        var chi: Double?
        var df: Int?
        var p: Double?
        if let logRank {
            do {
                let test = try logRank()
                chi = test.chiSquared
                df = test.degreesOfFreedom
                p = test.pValue
                warnings += test.warnings.map(\.description)
            } catch {
                warnings.append("log-rank test not computed: \(error)")
            }
        } else {
            warnings.append("log-rank test not computed: needs patients in both groups")
        }
        return SurvivalComparison(
            event: event, censoring: censoring, riskTimes: riskTimes, curves: curves, logRankChiSquare: chi, logRankDF: df,
            logRankP: p, leftOut: leftOut, warnings: warnings)
    }

    /// One patient's pre and post NPX of one assay (the mean over samples of each timepoint).
    struct ProteomicsPair {
        var patient: String
        var group: String
        var assay: String
        var uniProt: String
        var panel: String
        var pre: Double
        var post: Double
    }

    /// The pre/post NPX pairs of the members of a set, sorted by assay, UniProt, panel, group and
    /// patient. An assay is identified by its name, UniProt accession and panel together, so
    /// values of different panels (different NPX scales) are never averaged or pooled.
    ///
    /// A patient with several samples of one timepoint contributes the mean NPX of those
    /// samples. Values flagged by Olink QC (`QC_Warning = WARN`) are left out and counted.
    func proteomicsPairs(_ membership: AnalysisSetMembership) -> [ProteomicsPair] {
        let sums = cohort.proteomics
        return proteomicsData(membership).pairs.map { e in
            let entry = sums.entries[e]
            let a = sums.assays[Int(entry.assay)]
            let p = cohort.patients[Int(entry.patient)]
            return ProteomicsPair(
                patient: p.id, group: groupLabel(p.group), assay: a.name, uniProt: a.uniProt, panel: a.panel,
                pre: entry.preSum / Double(entry.nPre), post: entry.postSum / Double(entry.nPost))
        }
    }

    /// The set's pairs as positions in `cohort.proteomics.entries` (members with both
    /// timepoints, in pair order — a registry has tens of millions, so they are not copied as
    /// `ProteomicsPair`s with their names), the QC-flagged values left out and the assays present.
    func proteomicsData(_ membership: AnalysisSetMembership) -> (pairs: [Int], qcExcluded: Int, assays: Int) {
        let index = cohort.proteomics
        var member = [Bool](repeating: false, count: cohort.patients.count)
        for i in membership.members { member[i] = true }
        var qcExcluded = 0
        for (i, n) in index.qcWarnings where member[i] { qcExcluded += n }
        var assayPresent = [Bool](repeating: false, count: index.assays.count)
        var pairs: [Int] = []
        for (k, e) in index.entries.enumerated() where member[Int(e.patient)] {
            assayPresent[Int(e.assay)] = true
            guard e.nPre > 0, e.nPost > 0 else { continue }
            pairs.append(k)
        }
        return (pairs, qcExcluded, assayPresent.lazy.filter { $0 }.count)
    }

    /// The proteomics volcano per group: for each assay, the paired t-test of post vs pre NPX in
    /// the patients with both samples (`t.test(post, pre, paired = TRUE)`), the mean log2
    /// difference and the signed fold change; the relevance and significance lines come from the
    /// protocol (`proteomics:`; the paper's |FC| ≥ 2 and p < 0.000625).
    func proteomics(_ membership: AnalysisSetMembership) -> VolcanoResults? {
        guard cohort.proteomics.valueRows > 0 else { return nil }
        let data = proteomicsData(membership)
        guard data.assays > 0 else { return nil }
        let settings = studyProtocol.proteomics
        var warnings: [String] = []
        if data.qcExcluded > 0 { warnings.append("\(data.qcExcluded) NPX value(s) with an Olink QC warning left out") }
        var groupsOut: [VolcanoResults.Group] = []
        let sums = cohort.proteomics
        for group in [StudyGroup.treated, .control] {
            let label = groupLabel(group)
            var points: [VolcanoResults.Point] = []
            // The group's pairs come in runs of one assay (pair order is assay, group, patient).
            var runs: [Range<Int>] = []
            let inGroup = data.pairs.filter { cohort.patients[Int(sums.entries[$0].patient)].group == group }
            var start = 0
            for k in inGroup.indices where k + 1 == inGroup.count || sums.entries[inGroup[k + 1]].assay != sums.entries[inGroup[k]].assay {
                runs.append(start..<(k + 1))
                start = k + 1
            }
            for run in runs {
                let entries = inGroup[run].map { sums.entries[$0] }
                guard let firstEntry = entries.first else { continue }
                let first = sums.assays[Int(firstEntry.assay)]
                let post = entries.map { $0.postSum / Double($0.nPost) }
                let pre = entries.map { $0.preSum / Double($0.nPre) }
                let d = zip(post, pre).reduce(0) { $0 + ($1.0 - $1.1) } / Double(entries.count)
                let fc = d >= 0 ? pow(2, d) : -pow(2, -d)
                var pValue: Double?
                if entries.count < 2 {
                    warnings.append("\(label), \(first.name): \(entries.count) patient(s) with both samples; no t-test")
                } else {
                    do {
                        let t = try TTest.paired(post, pre)
                        pValue = t.pValue
                        warnings += t.warnings.map { "\(label), \(first.name): \($0.description)" }
                    } catch {
                        warnings.append("\(label), \(first.name): paired t-test not computed: \(error)")
                    }
                }
                var minusLog10P = pValue.map { -log10($0) }
                if let p = pValue, p == 0 {
                    minusLog10P = -log10(Double.leastNonzeroMagnitude)
                    warnings.append("\(label), \(first.name): p underflowed to 0; plotted at −log10 p = \(minusLog10P ?? 0)")
                }
                points.append(.init(
                    assay: first.name, uniProt: first.uniProt, panel: first.panel.isEmpty ? nil : first.panel, pairs: entries.count,
                    meanLog2Difference: d, foldChange: fc,
                    pValue: pValue, minusLog10P: minusLog10P))
            }
            groupsOut.append(.init(group: label, points: points))
        }
        return VolcanoResults(
            groups: groupsOut, relevanceFoldChange: settings.relevanceFoldChange, significanceP: settings.significanceP,
            warnings: warnings)
    }
}
