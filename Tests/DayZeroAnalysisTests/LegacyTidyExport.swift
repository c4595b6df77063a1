@testable import DayZeroAnalysis
import DayZeroCohort
import Foundation

/// The tidy exports as they were written before streaming: every file built as one `String`
/// (the code of `TidyExport.write` and `CSVText` at commit 54a4c4a, unchanged but for returning
/// the texts instead of writing them, and for the outcomes, which are the declared measures'
/// rows since the paper's outcomes became declarations). The reference the streaming writer must match byte for byte.
enum LegacyTidyExport {
    /// The seven files' texts, in `TidyExport.fileNames` order.
    static func texts(_ analysis: StudyAnalysis) -> [String] {
        let workup = Workup(study: analysis.study, cohort: analysis.cohort)
        let cohort = analysis.cohort
        var long = LegacyCSVText(header: [
            "analysis_set", "patient_id", "group", "parameter", "aligned_day", "timepoint", "value", "analysed_value", "transform", "imputed",
        ])
        var table1 = LegacyCSVText(header: ["analysis_set", "row_id", "section", "kind", "patient_id", "group", "value"])
        var outcomes = LegacyCSVText(header: ["analysis_set", "patient_id", "group", "curve", "time", "event", "days"])
        var medication = LegacyCSVText(header: ["analysis_set", "patient_id", "group", "drug", "period", "used"])
        var proteomics = LegacyCSVText(header: ["analysis_set", "patient_id", "group", "assay", "uniprot", "panel", "pre", "post"])
        for membership in analysis.memberships {
            let set = membership.name
            let t = cohort.alignedLongTable(for: membership)
            for r in 0..<t.count {
                let p = Int(t.patient[r])
                let k = Int(t.parameter[r])
                long.add([
                    set, cohort.patients[p].id, groupLabel(t.group[r]), t.parameters[k], "\(t.alignedDay[r])", t.timepoint[r].rawValue,
                    LegacyCSVText.number(t.value[r]), LegacyCSVText.number(t.analysedValue[r]), t.transforms[k], t.imputed[r] ? "1" : "0",
                ])
            }
            for section in workup.table1Inputs(membership) {
                for input in section.inputs {
                    for (patient, value) in input.treated + input.control {
                        table1.add([
                            set, input.id, section.title, input.kind.rawValue, cohort.patients[patient].id,
                            groupLabel(cohort.patients[patient].group), value.map(LegacyCSVText.number) ?? "",
                        ])
                    }
                }
            }
            for row in workup.measureRows(cohort.studyProtocol.outcomes.analysedMeasures, membership) {
                outcomes.add([
                    set, cohort.patients[row.patient].id, groupLabel(cohort.patients[row.patient].group), row.name,
                    row.time.map(LegacyCSVText.number) ?? "", row.event.map(String.init) ?? "", row.days.map(LegacyCSVText.number) ?? "",
                ])
            }
            for i in membership.members {
                let id = cohort.patients[i].id
                let g = groupLabel(cohort.patients[i].group)
                for use in cohort.medicationUse {
                    medication.add([set, id, g, use.drug, "before", use.before[i] ? "1" : "0"])
                    medication.add([set, id, g, use.drug, "after", use.after[i] ? "1" : "0"])
                }
            }
            for row in workup.proteomicsPairs(membership) {
                proteomics.add([
                    set, row.patient, row.group, row.assay, row.uniProt, row.panel, LegacyCSVText.number(row.pre), LegacyCSVText.number(row.post),
                ])
            }
        }
        var pvalues = LegacyCSVText(header: ["analysis_set", "analysis", "id", "window", "test", "statistic", "p_value"])
        let n = LegacyCSVText.number
        for set in analysis.results.analysisSets {
            for row in set.table1.sections.flatMap(\.rows) {
                pvalues.add([set.id, "table1", row.id, "", row.test ?? "", row.statistic.map(n) ?? "", row.pValue.map(n) ?? ""])
            }
            for panel in set.kinetics + set.cytokines {
                for (name, test) in [("overall", panel.overall), ("pre", panel.pre), ("post", panel.post)] {
                    guard let test else { continue }
                    pvalues.add([
                        set.id, "kinetics", panel.parameter, "\(name) \(test.firstDay)..\(test.lastDay)", "mixed-model",
                        n(test.fStatistic), n(test.pValue),
                    ])
                }
            }
            for m in set.medication {
                pvalues.add([set.id, "medication", "\(m.drug).\(m.period)", "\(m.firstDay)..\(m.lastDay)", "fisher", "", m.pValue.map(n) ?? ""])
            }
            for m in set.outcomeMeasures {
                let row = m.row
                pvalues.add([set.id, "outcome", row.id, "", row.test ?? "", row.statistic.map(n) ?? "", row.pValue.map(n) ?? ""])
                if let curve = m.survival {
                    pvalues.add([set.id, "survival", m.name, "", "log-rank", curve.logRankChiSquare.map(n) ?? "", curve.logRankP.map(n) ?? ""])
                }
                if let c = m.cumulativeIncidence {
                    pvalues.add([set.id, "cumulative-incidence", m.name, "", "gray", c.grayStatistic.map(n) ?? "", c.grayP.map(n) ?? ""])
                }
            }
            for group in set.proteomics?.groups ?? [] {
                for point in group.points {
                    pvalues.add([set.id, "proteomics.\(group.group)", point.assay, "", "paired-t", "", point.pValue.map(n) ?? ""])
                }
            }
        }
        return [long, table1, outcomes, medication, proteomics, pvalues, matchingCSV(analysis)].map(\.text)
    }

    static func matchingCSV(_ analysis: StudyAnalysis) -> LegacyCSVText {
        var columns: [String] = []
        for set in analysis.matchedSets {
            for c in set.columns where !columns.contains(c.name) { columns.append(c.name) }
        }
        for set in analysis.weightedSets {
            for c in set.columns where !columns.contains(c.name) { columns.append(c.name) }
        }
        var csv = LegacyCSVText(header: ["analysis_set", "patient_id", "group", "treat"] + columns + [
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
                    row.append(PropensityMatchedSet.value(of: c.covariate, for: patient).map(LegacyCSVText.number) ?? "")
                }
                if let u = unitOf[i] {
                    row += [
                        "0", LegacyCSVText.number(set.result.scores[u]), LegacyCSVText.number(set.result.logits[u]),
                        LegacyCSVText.number(set.result.matching.weights[u]),
                        (controlsOf[i] ?? []).map { cohort.patients[$0].id }.joined(separator: ";"),
                    ]
                } else {
                    row += ["1", "", "", "0", ""]
                }
                csv.add(row)
            }
        }
        // Weighted sets: the propensity-score weight, no matched controls.
        for set in analysis.weightedSets {
            var unitOf: [Int: Int] = [:]
            for (u, i) in set.units.enumerated() { unitOf[i] = u }
            for i in cohort.patients.indices {
                let p = cohort.patients[i]
                let patient = analysis.study.patients[p.studyIndex]
                var row = [set.name, p.id, groupLabel(p.group), p.group == .treated ? "1" : "0"]
                for name in columns {
                    let c = set.columns.first { $0.name == name }
                    row.append(c.flatMap { PropensityMatchedSet.value(of: $0.covariate, for: patient) }.map(LegacyCSVText.number) ?? "")
                }
                if let u = unitOf[i] {
                    row += [
                        "0", LegacyCSVText.number(set.scores[u]), LegacyCSVText.number(set.model.linearPredictors[u]),
                        LegacyCSVText.number(set.weights[u]), "",
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

/// The String-based CSV writer the exports used before streaming.
struct LegacyCSVText {
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
            if field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                text += "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            } else {
                text += field
            }
        }
        text += "\n"
    }

    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}
