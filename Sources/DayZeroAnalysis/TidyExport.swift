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
/// | `matching.csv` | patient of a propensity-matched or weighted set's cohort: covariates as coded, score, weight, pairs |
public enum TidyExport {
    /// The file names written, in order.
    public static let fileNames = [
        "aligned_long.csv", "table1_values.csv", "outcomes.csv", "medication_use.csv", "proteomics_pairs.csv", "pvalues.csv",
        "matching.csv",
    ]

    /// Writes every tidy export of `analysis` into `directory` (created if needed).
    ///
    /// Every file is streamed row by row through a buffer of about 1 MiB (`CSVFileWriter`).
    /// `aligned_long.csv` is written a chunk of `longTableChunk` member patients at a time (the
    /// chunk's table built by `AlignedLongTableBuilder.table(memberChunk:)`, written, dropped),
    /// so the export never holds a set's whole long table (≈ 0.9 GiB per set at 100 000
    /// screened patients) but at most ≈ 4096 patients' rows (≈ 40 MiB). Each file goes to a
    /// temporary name in `directory`; only when all seven are complete are they renamed to
    /// their real names, so a failure leaves no half-written export.
    public static func write(_ analysis: StudyAnalysis, to directory: URL) throws {
        try write(analysis, to: directory, patientsPerChunk: longTableChunk)
    }

    /// Member patients per chunk of `aligned_long.csv`.
    static let longTableChunk = 4096

    /// `write(_:to:)` with `aligned_long.csv` built `patientsPerChunk` member patients at a time
    /// (at least 1); the bytes do not depend on it.
    static func write(_ analysis: StudyAnalysis, to directory: URL, patientsPerChunk: Int) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func file(_ name: String, _ header: [String]) throws -> CSVFileWriter {
            try CSVFileWriter(directory.appendingPathComponent(name), header: header)
        }
        let workup = analysis.workup
        let cohort = analysis.cohort
        var long = try file("aligned_long.csv", [
            "analysis_set", "patient_id", "group", "parameter", "aligned_day", "timepoint", "value", "analysed_value", "transform", "imputed",
        ])
        var table1 = try file("table1_values.csv", ["analysis_set", "row_id", "section", "kind", "patient_id", "group", "value"])
        var outcomes = try file("outcomes.csv", ["analysis_set", "patient_id", "group", "curve", "time", "event", "days"])
        var medication = try file("medication_use.csv", ["analysis_set", "patient_id", "group", "drug", "period", "used"])
        var proteomics = try file("proteomics_pairs.csv", ["analysis_set", "patient_id", "group", "assay", "uniprot", "panel", "pre", "post"])
        // Text repeated on many rows is encoded (and quoted if need be) once.
        let patientIDs = cohort.patients.map { CSVBytes.encode($0.id) }
        let treatedLabel = CSVBytes.encode(groupLabel(.treated))
        let controlLabel = CSVBytes.encode(groupLabel(.control))
        let groups = cohort.patients.map { $0.group == .treated ? treatedLabel : controlLabel }
        for membership in analysis.memberships {
            let set = CSVBytes.encode(membership.name)
            let builder = AlignedLongTableBuilder(cohort: cohort, membership: membership)
            let parameters = cohort.studyProtocol.parameters.map { CSVBytes.encode($0.name) }
            let transforms = cohort.studyProtocol.parameters.map { CSVBytes.encode($0.transformLabel) }
            var chunkStart = 0
            while chunkStart < builder.members.count {
                let chunk = chunkStart..<(chunkStart + min(max(1, patientsPerChunk), builder.members.count - chunkStart))
                chunkStart = chunk.upperBound
                let t = builder.table(memberChunk: chunk)
                for r in 0..<t.count {
                    let p = Int(t.patient[r])
                    let k = Int(t.parameter[r])
                    long.csv.field(encoded: set)
                    long.csv.field(encoded: patientIDs[p])
                    long.csv.field(encoded: t.group[r] == .treated ? treatedLabel : controlLabel)
                    long.csv.field(encoded: parameters[k])
                    long.csv.field(Int(t.alignedDay[r]))
                    long.csv.field(t.timepoint[r].rawValue)
                    long.csv.field(t.value[r])
                    long.csv.field(t.analysedValue[r])
                    long.csv.field(encoded: transforms[k])
                    long.csv.field(flag: t.imputed[r])
                    try long.endRow()
                }
            }
            for section in workup.table1Inputs(membership) {
                let title = CSVBytes.encode(section.title)
                for input in section.inputs {
                    let id = CSVBytes.encode(input.id)
                    let kind = CSVBytes.encode(input.kind.rawValue)
                    for (patient, value) in input.treated + input.control {
                        table1.csv.field(encoded: set)
                        table1.csv.field(encoded: id)
                        table1.csv.field(encoded: title)
                        table1.csv.field(encoded: kind)
                        table1.csv.field(encoded: patientIDs[patient])
                        table1.csv.field(encoded: groups[patient])
                        if input.kind == .categorical {
                            table1.csv.field(input.exported(value) ?? "")
                        } else {
                            table1.csv.field(value)
                        }
                        try table1.endRow()
                    }
                }
            }
            let drugs = cohort.medicationUse.map { CSVBytes.encode($0.drug) }
            for row in workup.measureRows(cohort.studyProtocol.outcomes.analysedMeasures, membership) {
                outcomes.csv.field(encoded: set)
                outcomes.csv.field(encoded: patientIDs[row.patient])
                outcomes.csv.field(encoded: groups[row.patient])
                outcomes.csv.field(row.name)
                outcomes.csv.field(row.time)
                if let event = row.event { outcomes.csv.field(event) } else { outcomes.csv.emptyField() }
                outcomes.csv.field(row.days)
                try outcomes.endRow()
            }
            for i in membership.members {
                for (d, use) in cohort.medicationUse.enumerated() {
                    for after in [false, true] {
                        medication.csv.field(encoded: set)
                        medication.csv.field(encoded: patientIDs[i])
                        medication.csv.field(encoded: groups[i])
                        medication.csv.field(encoded: drugs[d])
                        medication.csv.field(after ? "after" : "before")
                        medication.csv.field(flag: after ? use.after[i] : use.before[i])
                        try medication.endRow()
                    }
                }
            }
            for row in workup.proteomicsPairs(membership) {
                proteomics.csv.field(encoded: set)
                for text in [row.patient, row.group, row.assay, row.uniProt, row.panel] { proteomics.csv.field(text) }
                proteomics.csv.field(row.pre)
                proteomics.csv.field(row.post)
                try proteomics.endRow()
            }
        }
        var pvalues = try file("pvalues.csv", ["analysis_set", "analysis", "id", "window", "test", "statistic", "p_value"])
        try writePValues(analysis.results, to: &pvalues)
        var matching = try file("matching.csv", matchingHeader(analysis))
        try writeMatching(analysis, to: &matching)

        try long.close()
        try table1.close()
        try outcomes.close()
        try medication.close()
        try proteomics.close()
        try pvalues.close()
        try matching.close()
        try long.publish()
        try table1.publish()
        try outcomes.publish()
        try medication.publish()
        try proteomics.publish()
        try pvalues.publish()
        try matching.publish()
    }

    /// `pvalues.csv`: one row per test reported in `results.json`.
    static func writePValues(_ results: StudyResults, to file: inout CSVFileWriter) throws {
        func add(_ set: String, _ analysis: String, _ id: String, _ window: String, _ test: String?, _ statistic: Double?, _ p: Double?) throws {
            for text in [set, analysis, id, window, test ?? ""] { file.csv.field(text) }
            file.csv.field(statistic)
            file.csv.field(p)
            try file.endRow()
        }
        for set in results.analysisSets {
            for row in set.table1.sections.flatMap(\.rows) {
                try add(set.id, "table1", row.id, "", row.test, row.statistic, row.pValue)
            }
            for panel in set.kinetics + set.cytokines {
                for (name, test) in [("overall", panel.overall), ("pre", panel.pre), ("post", panel.post)] {
                    guard let test else { continue }
                    try add(set.id, "kinetics", panel.parameter, "\(name) \(test.firstDay)..\(test.lastDay)", "mixed-model", test.fStatistic, test.pValue)
                }
            }
            for m in set.medication {
                try add(set.id, "medication", "\(m.drug).\(m.period)", "\(m.firstDay)..\(m.lastDay)", "fisher", nil, m.pValue)
            }
            for m in set.outcomeMeasures {
                try add(set.id, "outcome", m.row.id, "", m.row.test, m.row.statistic, m.row.pValue)
                if let s = m.survival { try add(set.id, "survival", m.name, "", "log-rank", s.logRankChiSquare, s.logRankP) }
                if let c = m.cumulativeIncidence { try add(set.id, "cumulative-incidence", m.name, "", "gray", c.grayStatistic, c.grayP) }
            }
            for group in set.proteomics?.groups ?? [] {
                for point in group.points {
                    try add(set.id, "proteomics.\(group.group)", point.assay, "", "paired-t", nil, point.pValue)
                }
            }
        }
    }
}

extension TidyExport {
    /// The covariate columns of `matching.csv`: every propensity-matched and weighted set's
    /// model columns, in first-seen order.
    static func matchingColumns(_ analysis: StudyAnalysis) -> [String] {
        var columns: [String] = []
        for set in analysis.matchedSets {
            for c in set.columns where !columns.contains(c.name) { columns.append(c.name) }
        }
        for set in analysis.weightedSets {
            for c in set.columns where !columns.contains(c.name) { columns.append(c.name) }
        }
        return columns
    }

    static func matchingHeader(_ analysis: StudyAnalysis) -> [String] {
        ["analysis_set", "patient_id", "group", "treat"] + matchingColumns(analysis) + [
            "missing_covariate", "propensity_score", "linear_predictor", "weight", "matched_controls",
        ]
    }

    /// `matching.csv`: one row per included patient of the cohort for each propensity-matched
    /// set — the model's covariates as coded (empty = missing), the propensity score and its
    /// logit, the matching weight, and for a treated patient the ids of its controls in match
    /// order (`;`-separated). Patients with a missing covariate have `missing_covariate` 1 and
    /// no score. `scripts/recompute.R` reruns MatchIt on the complete rows.
    static func writeMatching(_ analysis: StudyAnalysis, to file: inout CSVFileWriter) throws {
        let columns = matchingColumns(analysis)
        let cohort = analysis.cohort
        for set in analysis.matchedSets {
            var unitOf: [Int: Int] = [:]
            for (u, i) in set.units.enumerated() { unitOf[i] = u }
            var controlsOf: [Int: [Int]] = [:]
            for pair in set.pairs { controlsOf[pair.treated] = pair.controls }
            let setColumns = columns.map { name in set.columns.first { $0.name == name } }
            let name = CSVBytes.encode(set.name)
            for i in cohort.patients.indices {
                let p = cohort.patients[i]
                let patient = analysis.study.patients[p.studyIndex]
                file.csv.field(encoded: name)
                file.csv.field(p.id)
                file.csv.field(groupLabel(p.group))
                file.csv.field(flag: p.group == .treated)
                for c in setColumns {
                    file.csv.field(c.flatMap { PropensityMatchedSet.value(of: $0.covariate, for: patient) })
                }
                if let u = unitOf[i] {
                    file.csv.field(flag: false)
                    file.csv.field(set.result.scores[u])
                    file.csv.field(set.result.logits[u])
                    file.csv.field(set.result.matching.weights[u])
                    file.csv.field((controlsOf[i] ?? []).map { cohort.patients[$0].id }.joined(separator: ";"))
                } else {
                    file.csv.field(flag: true)
                    file.csv.emptyField()
                    file.csv.emptyField()
                    file.csv.field(0)
                    file.csv.emptyField()
                }
                try file.endRow()
            }
        }
        // Weighted sets: the same columns; `weight` is the propensity-score weight (after any
        // trimming) and `matched_controls` is empty.
        for set in analysis.weightedSets {
            var unitOf: [Int: Int] = [:]
            for (u, i) in set.units.enumerated() { unitOf[i] = u }
            let setColumns = columns.map { name in set.columns.first { $0.name == name } }
            let name = CSVBytes.encode(set.name)
            for i in cohort.patients.indices {
                let p = cohort.patients[i]
                let patient = analysis.study.patients[p.studyIndex]
                file.csv.field(encoded: name)
                file.csv.field(p.id)
                file.csv.field(groupLabel(p.group))
                file.csv.field(flag: p.group == .treated)
                for c in setColumns {
                    file.csv.field(c.flatMap { PropensityMatchedSet.value(of: $0.covariate, for: patient) })
                }
                if let u = unitOf[i] {
                    file.csv.field(flag: false)
                    file.csv.field(set.scores[u])
                    file.csv.field(set.model.linearPredictors[u])
                    file.csv.field(set.weights[u])
                } else {
                    file.csv.field(flag: true)
                    file.csv.emptyField()
                    file.csv.emptyField()
                    file.csv.field(0)
                }
                file.csv.emptyField()
                try file.endRow()
            }
        }
    }
}

/// A small in-memory CSV table, encoded by the rules of `CSVBytes`.
struct CSVText {
    private var csv = CSVBytes()

    init(header: [String]) {
        add(header)
    }

    mutating func add(_ fields: [String]) {
        csv.row(fields)
    }

    var text: String { String(decoding: csv.bytes, as: UTF8.self) }

    /// The CSV form of a double (see `CSVBytes.number(_:)`).
    static func number(_ x: Double) -> String { CSVBytes.number(x) }
}
