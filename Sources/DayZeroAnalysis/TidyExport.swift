import DayZeroCohort
import Foundation

/// The tidy CSV exports written beside `results.json`: the data exactly as analysed, from which
/// every p-value can be recomputed (`scripts/recompute.R` does so in R). One row per
/// observation; every file has an `analysis_set` column so the sets can be stacked.
///
/// | file | rows |
/// |---|---|
/// | `aligned_long.csv` | patient × parameter × aligned day (and the cytokine admission sample) |
/// | `table1_values.csv` | patient × Table 1 row (count rows as 1/0, empty = missing) |
/// | `outcomes.csv` | patient × curve: time, event, duration days |
/// | `medication_use.csv` | patient × drug × period: used 1/0 |
/// | `proteomics_pairs.csv` | patient × assay: pre and post NPX |
/// | `pvalues.csv` | every test in `results.json`: set, analysis, id, test, statistic, p |
/// | `matching.csv` | patient of a propensity-matched set's cohort: covariates as coded, score, weight, pairs |
public enum TidyExport {
    /// The file names written, in order.
    public static let fileNames = [
        "aligned_long.csv", "table1_values.csv", "outcomes.csv", "medication_use.csv", "proteomics_pairs.csv", "pvalues.csv",
        "matching.csv",
    ]

    /// Writes every tidy export of `analysis` into `directory` (created if needed).
    public static func write(_ analysis: StudyAnalysis, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let workup = Workup(study: analysis.study, cohort: analysis.cohort)
        let cohort = analysis.cohort
        var long = CSVText(header: [
            "analysis_set", "patient_id", "group", "parameter", "aligned_day", "timepoint", "value", "analysed_value", "transform", "imputed",
        ])
        var table1 = CSVText(header: ["analysis_set", "row_id", "section", "kind", "patient_id", "group", "value"])
        var outcomes = CSVText(header: ["analysis_set", "patient_id", "group", "curve", "time", "event", "days"])
        var medication = CSVText(header: ["analysis_set", "patient_id", "group", "drug", "period", "used"])
        var proteomics = CSVText(header: ["analysis_set", "patient_id", "group", "assay", "uniprot", "panel", "pre", "post"])
        for membership in analysis.memberships {
            let set = membership.name
            let t = cohort.alignedLongTable(for: membership)
            for r in 0..<t.count {
                let p = Int(t.patient[r])
                let k = Int(t.parameter[r])
                long.add([
                    set, cohort.patients[p].id, groupLabel(t.group[r]), t.parameters[k], "\(t.alignedDay[r])", t.timepoint[r].rawValue,
                    CSVText.number(t.value[r]), CSVText.number(t.analysedValue[r]), t.transforms[k], t.imputed[r] ? "1" : "0",
                ])
            }
            for section in workup.table1Inputs(membership) {
                for input in section.inputs {
                    for (patient, value) in input.treated + input.control {
                        table1.add([
                            set, input.id, section.title, input.kind.rawValue, cohort.patients[patient].id,
                            groupLabel(cohort.patients[patient].group), value.map(CSVText.number) ?? "",
                        ])
                    }
                }
            }
            for i in membership.members {
                let o = cohort.outcomes[i]
                let id = cohort.patients[i].id
                let g = groupLabel(cohort.patients[i].group)
                let curves: [(String, TimeToEvent?)] = [("ventilation", o.ventilation), ("icu_stay", o.icuStay), ("mortality", o.mortality)]
                for (curve, obs) in curves {
                    guard let obs else { continue }
                    outcomes.add([set, id, g, curve, CSVText.number(obs.time), obs.event ? "1" : "0", CSVText.number(obs.days)])
                }
                outcomes.add([set, id, g, "secondary_infection", "", o.secondaryInfection ? "1" : "0", ""])
                for use in cohort.medicationUse {
                    medication.add([set, id, g, use.drug, "before", use.before[i] ? "1" : "0"])
                    medication.add([set, id, g, use.drug, "after", use.after[i] ? "1" : "0"])
                }
            }
            for row in workup.proteomicsPairs(membership) {
                proteomics.add([
                    set, row.patient, row.group, row.assay, row.uniProt, row.panel, CSVText.number(row.pre), CSVText.number(row.post),
                ])
            }
        }
        var pvalues = CSVText(header: ["analysis_set", "analysis", "id", "window", "test", "statistic", "p_value"])
        for set in analysis.results.analysisSets {
            for row in set.table1.sections.flatMap(\.rows) {
                pvalues.add([set.id, "table1", row.id, "", row.test ?? "", row.statistic.map(CSVText.number) ?? "", row.pValue.map(CSVText.number) ?? ""])
            }
            for panel in set.kinetics + set.cytokines {
                for (name, test) in [("overall", panel.overall), ("pre", panel.pre), ("post", panel.post)] {
                    guard let test else { continue }
                    pvalues.add([
                        set.id, "kinetics", panel.parameter, "\(name) \(test.firstDay)..\(test.lastDay)", "mixed-model",
                        CSVText.number(test.fStatistic), CSVText.number(test.pValue),
                    ])
                }
            }
            for m in set.medication {
                pvalues.add([set.id, "medication", "\(m.drug).\(m.period)", "\(m.firstDay)..\(m.lastDay)", "fisher", "", m.pValue.map(CSVText.number) ?? ""])
            }
            let o = set.outcomes
            for row in [o.secondaryInfection, o.ventilationDays, o.icuLengthOfStay, o.mortality] {
                pvalues.add([set.id, "outcome", row.id, "", row.test ?? "", row.statistic.map(CSVText.number) ?? "", row.pValue.map(CSVText.number) ?? ""])
            }
            for (name, curve) in [("ventilation", o.ventilationCurve), ("icu_stay", o.icuStayCurve), ("mortality", o.mortalityCurve)] {
                pvalues.add([
                    set.id, "survival", name, "", "log-rank", curve.logRankChiSquare.map(CSVText.number) ?? "",
                    curve.logRankP.map(CSVText.number) ?? "",
                ])
            }
            for group in set.proteomics?.groups ?? [] {
                for point in group.points {
                    pvalues.add([set.id, "proteomics.\(group.group)", point.assay, "", "paired-t", "", point.pValue.map(CSVText.number) ?? ""])
                }
            }
        }
        let files = [long, table1, outcomes, medication, proteomics, pvalues, matchingCSV(analysis)]
        for (name, file) in zip(fileNames, files) {
            try Data(file.text.utf8).write(to: directory.appendingPathComponent(name), options: .atomic)
        }
    }
}

extension TidyExport {
    /// `matching.csv`: one row per included patient of the cohort for each propensity-matched
    /// set — the model's covariates as coded (empty = missing), the propensity score and its
    /// logit, the matching weight, and for a treated patient the ids of its controls in match
    /// order (`;`-separated). Patients with a missing covariate have `missing_covariate` 1 and
    /// no score. `scripts/recompute.R` reruns MatchIt on the complete rows.
    static func matchingCSV(_ analysis: StudyAnalysis) -> CSVText {
        var columns: [String] = []
        for set in analysis.matchedSets {
            for c in set.columns where !columns.contains(c.name) { columns.append(c.name) }
        }
        var csv = CSVText(header: ["analysis_set", "patient_id", "group", "treat"] + columns + [
            "missing_covariate", "propensity_score", "linear_predictor", "weight", "matched_controls",
        ])
        let cohort = analysis.cohort
        for set in analysis.matchedSets {
            var unitOf: [Int: Int] = [:]
            for (u, i) in set.units.enumerated() { unitOf[i] = u }
            var controlsOf: [Int: [Int]] = [:]
            for pair in set.pairs { controlsOf[pair.treated] = pair.controls }
            for i in cohort.patients.indices {
                let p = cohort.patients[i]
                let patient = analysis.study.patients[p.studyIndex]
                var row = [set.name, p.id, groupLabel(p.group), p.group == .treated ? "1" : "0"]
                for name in columns {
                    guard let c = set.columns.first(where: { $0.name == name }) else {
                        row.append("")
                        continue
                    }
                    row.append(PropensityMatchedSet.value(of: c.covariate, for: patient).map(CSVText.number) ?? "")
                }
                if let u = unitOf[i] {
                    row += [
                        "0", CSVText.number(set.result.scores[u]), CSVText.number(set.result.logits[u]),
                        CSVText.number(set.result.matching.weights[u]),
                        (controlsOf[i] ?? []).map { cohort.patients[$0].id }.joined(separator: ";"),
                    ]
                } else {
                    row += ["1", "", "", "0", ""]
                }
                csv.add(row)
            }
        }
        return csv
    }
}

/// A small RFC 4180 writer: fields with a comma, quote or line break are quoted.
struct CSVText {
    private(set) var text: String

    init(header: [String]) {
        text = ""
        add(header)
    }

    mutating func add(_ fields: [String]) {
        var first = true
        for field in fields {
            if !first { text += "," }
            first = false
            // Bytes, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
            if field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                text += "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            } else {
                text += field
            }
        }
        text += "\n"
    }

    /// Shortest round-trip decimal form (R reads it back to the same double).
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}
