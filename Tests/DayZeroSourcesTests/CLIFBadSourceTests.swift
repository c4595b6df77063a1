@testable import DayZeroSources
import DayZeroStore
import DayZeroTestSupport
import Foundation
import Testing

/// Bad CLIF exports as a new user would make them. Each gives a located, actionable message
/// (checked word for word) and imports nothing: the store is not created.
@Suite(.serialized) struct CLIFBadSourceTests {
    /// A copy of the good export `clif` as `root/name`, changed by `edit`.
    static func variant(_ clif: URL, _ name: String, in root: URL, _ edit: (URL) throws -> Void) throws -> URL {
        let copy = root.appendingPathComponent(name)
        try FileManager.default.copyItem(at: clif, to: copy)
        try edit(copy)
        return copy
    }

    /// Changes line `line` (1 = the header) of `table` by `edit` of its fields.
    static func editLine(_ folder: URL, _ table: String, _ line: Int, _ edit: (inout [String], [String]) -> Void) throws {
        let url = folder.appendingPathComponent("\(table).csv")
        var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
        let header = lines[0].components(separatedBy: ",")
        var fields = lines[line - 1].components(separatedBy: ",")
        edit(&fields, header)
        lines[line - 1] = fields.joined(separator: ",")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    /// The first line (1 = header) of `table` whose fields satisfy `match`.
    static func findLine(_ folder: URL, _ table: String, _ match: ([String: String]) -> Bool) throws -> Int {
        let lines = try String(contentsOf: folder.appendingPathComponent("\(table).csv"), encoding: .utf8).components(separatedBy: "\n")
        let header = lines[0].components(separatedBy: ",")
        for (k, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = line.components(separatedBy: ",")
            if match(Dictionary(uniqueKeysWithValues: zip(header, fields))) { return k + 1 }
        }
        throw CLIFWriteError("no matching row in \(table)")
    }

    static func set(_ column: String, _ value: String) -> (inout [String], [String]) -> Void {
        { fields, header in
            if let i = header.firstIndex(of: column) { fields[i] = value }
        }
    }

    /// Imports `folder`; the problems (none: `[]`), the notes, and whether a store was written.
    static func attempt(_ folder: URL, mapping: CLIFMapping? = nil) throws -> (problems: [CLIFProblem], notes: [String], imported: Bool) {
        let db = folder.deletingLastPathComponent().appendingPathComponent("\(folder.lastPathComponent)-\(UUID().uuidString.prefix(6)).sqlite")
        do {
            let summary = try CLIFImport.importStudy(folder: folder, mapping: mapping ?? CLIFMapping.default, database: db)
            return ([], summary.notes, FileManager.default.fileExists(atPath: db.path))
        } catch let error as CLIFImportError {
            #expect(!FileManager.default.fileExists(atPath: db.path), "nothing may be imported")
            return (error.problems, error.notes, false)
        }
    }

    /// A sex_category DayZero cannot read is reported once, at its cell: by the reader, not
    /// again by the study-folder validation (which sees the patient without a sex).
    @Test func unknownSexIsReportedOnce() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, clif, _) = try CLIFFixture.write(in: root)
        for (name, value, rule) in [("unknown", "Unknown", "sex-unknown"), ("notclif", "M", "category-unknown"), ("empty", "", "sex-unknown")] {
            let variant = try Self.variant(clif, name, in: root) { folder in
                try Self.editLine(folder, "patient", 2, Self.set("sex_category", value))
            }
            let problems = try Self.attempt(variant).problems
            #expect(problems.count == 1, "\(name): \(problems)")
            #expect(problems.first?.rule == rule, "\(name): \(problems)")
            #expect(problems.first?.location == CLIFLocation(file: "patient.csv", line: 2, column: "sex_category"), "\(name): \(problems)")
        }
    }

    @Test func badExportsGiveLocatedMessages() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, clif, _) = try CLIFFixture.write(in: root)
        #expect(try Self.attempt(clif).imported)

        // A missing table file.
        let missing = try Self.variant(clif, "missing", in: root) { try FileManager.default.removeItem(at: $0.appendingPathComponent("vitals.csv")) }
        #expect(try Self.attempt(missing).problems.map(\.description) == [
            "vitals.csv: the CLIF table vitals is missing: the folder has no vitals.csv, and the mapping needs it. Export the table as vitals.csv (CLIF 2.1.0 column names; a header alone is an empty table). [table-missing]",
        ])

        // Parquet instead of CSV: beside the other tables, and under a .csv name.
        let parquet = try Self.variant(clif, "parquet", in: root) {
            try FileManager.default.removeItem(at: $0.appendingPathComponent("labs.csv"))
            try Data("PAR1\u{0}\u{0}PAR1".utf8).write(to: $0.appendingPathComponent("labs.parquet"))
            try Data("PAR1\u{0}\u{0}PAR1".utf8).write(to: $0.appendingPathComponent("adt.csv"))
        }
        #expect(try Self.attempt(parquet).problems.map(\.description) == [
            "adt.csv: is a Parquet file, not CSV (it starts with PAR1). DayZero reads CLIF tables as CSV files only. Convert it, e.g. with DuckDB: duckdb -c \"COPY (SELECT * FROM 'adt.parquet') TO 'adt.csv' (HEADER)\", or in Python: pandas.read_parquet('adt.parquet').to_csv('adt.csv', index=False) [parquet-not-supported]",
            "labs.parquet: the labs table is a Parquet file. DayZero reads CLIF tables as CSV files only. Convert it, e.g. with DuckDB: duckdb -c \"COPY (SELECT * FROM 'labs.parquet') TO 'labs.csv' (HEADER)\", or in Python: pandas.read_parquet('labs.parquet').to_csv('labs.csv', index=False) [parquet-not-supported]",
        ])

        // A row with fields missing (a cut line), and a quote never closed (a truncated file):
        // refused at the line, not read with values in the wrong columns or lost.
        let labsLines = try String(contentsOf: clif.appendingPathComponent("labs.csv"), encoding: .utf8).split(separator: "\n").count
        let cut = try Self.variant(clif, "cut", in: root) { folder in
            let url = folder.appendingPathComponent("labs.csv")
            try (String(contentsOf: url, encoding: .utf8) + "H1,2020-03-02 06:00:00+00:00\nH1,x\n").write(to: url, atomically: true, encoding: .utf8)
        }
        #expect(try Self.attempt(cut).problems.map(\.description) == [
            "labs.csv:\(labsLines + 1): has 2 fields, the header 14 (and 1 more row whose number of fields differs): its values would fall into the wrong columns [field-count]",
        ])
        let quote = try Self.variant(clif, "quote", in: root) { folder in
            let url = folder.appendingPathComponent("labs.csv")
            try (String(contentsOf: url, encoding: .utf8) + "H1,\"2020-03-02 06:00\n").write(to: url, atomically: true, encoding: .utf8)
        }
        #expect(try Self.attempt(quote).problems.map(\.description) == [
            "labs.csv:\(labsLines + 1): a quoted field opens here and is never closed (a missing \" or a truncated file): the rest of the file would be read as one value [unterminated-quote]",
        ])

        // A wrong column name.
        let column = try Self.variant(clif, "column", in: root) {
            try Self.editLine($0, "vitals", 1) { fields, _ in fields[3] = "vital_cat" }
        }
        #expect(try Self.attempt(column).problems.map(\.description) == [
            "vitals.csv:1: the header has no column vital_category (CLIF 2.1.0 names it so); the header is hospitalization_id, recorded_dttm, vital_name, vital_cat, vital_value, meas_site_name. Did you mean vital_cat? Rename it to vital_category. [column-missing]",
        ])

        // An unknown category: "temperature" for temp_c, on two rows (reported once).
        let category = try Self.variant(clif, "category", in: root) { folder in
            let first = try Self.findLine(folder, "vitals") { $0["vital_category"] == "temp_c" }
            try Self.editLine(folder, "vitals", first, Self.set("vital_category", "temperature"))
            try Self.editLine(folder, "vitals", first + 1, Self.set("vital_category", "temperature"))
        }
        let line = try Self.findLine(category, "vitals") { $0["vital_category"] == "temperature" }
        #expect(try Self.attempt(category).problems.map(\.description) == [
            "vitals.csv:\(line), column vital_category: vital_category \"temperature\" is neither a CLIF 2.1.0 vital_category (CLIF's are temp_c, heart_rate, sbp, dbp, spo2, respiratory_rate, map, height_cm, weight_kg) nor one the mapping names. Map it to its CLIF category, name it in the mapping, or list it under ignore_categories. (2 rows; the first is located) [category-unknown]",
        ])

        // A unit with no conversion: found by the study-folder validation, located in labs.csv.
        let unit = try Self.variant(clif, "unit", in: root) { folder in
            let crp = try Self.findLine(folder, "labs") { $0["lab_category"] == "crp" }
            try Self.editLine(folder, "labs", crp, Self.set("reference_unit", "mmol/L"))
        }
        let crp = try Self.findLine(unit, "labs") { $0["reference_unit"] == "mmol/L" && $0["lab_category"] == "crp" }
        #expect(try Self.attempt(unit).problems.map(\.description) == [
            "labs.csv:\(crp), column reference_unit: unit \"mmol/L\" is not a known unit; crp accepts mg/L, mg/dL, µg/mL (DayZero's measurements.csv column unit) [unknown-unit]",
        ])

        // A lab with no unit: not guessed.
        let noUnit = try Self.variant(clif, "nounit", in: root) { folder in
            try Self.editLine(folder, "labs", crp, Self.set("reference_unit", ""))
        }
        #expect(try Self.attempt(noUnit).problems.map(\.description) == [
            "labs.csv:\(crp), column reference_unit: crp 195 has no unit: DayZero does not guess units. Give reference_unit (CLIF lists the unit of each lab_category) [unit-missing]",
        ])

        // FiO2 in mixed scales: by range (the default), a percent value is read and noted; with
        // the dictionary's scale (fraction) it is refused; a value in neither range always is.
        let fio2 = try Self.variant(clif, "fio2", in: root) { folder in
            let row = try Self.findLine(folder, "respiratory_support") { $0["fio2_set"] == "0.45" }
            try Self.editLine(folder, "respiratory_support", row, Self.set("fio2_set", "45"))
        }
        let percent = try Self.findLine(fio2, "respiratory_support") { $0["fio2_set"] == "45" }
        let byRange = try Self.attempt(fio2)
        #expect(byRange.imported && byRange.problems.isEmpty)
        #expect(byRange.notes == [
            "1 fio2_set value in the percent range 21–100 read as percent (fio2.scale: by_range; CLIF records a fraction), the first at respiratory_support.csv:\(percent)",
        ])
        var strict = try CLIFMapping.default
        strict.fio2?.scale = "fraction"
        #expect(try Self.attempt(fio2, mapping: strict).problems.map(\.description) == [
            "respiratory_support.csv:\(percent), column fio2_set: fio2_set 45 lies in the percent range 21–100, but the mapping reads fio2_set as a fraction (fio2.scale: fraction, as the CLIF dictionary records it): the export mixes scales. Write it as 0.45, or set fio2.scale: by_range to read 21–100 as percent. [fio2-scale]",
        ])
        try Self.editLine(fio2, "respiratory_support", percent, Self.set("fio2_set", "5"))
        #expect(try Self.attempt(fio2).problems.map(\.description) == [
            "respiratory_support.csv:\(percent), column fio2_set: fio2_set 5 lies in neither the fraction range 0.21–1 nor the percent range 21–100: it is no FiO2 on either scale. Correct it (CLIF records FiO2 as a fraction, e.g. 0.45). [fio2-scale]",
        ])

        // An infusion with no end: the stop row of the first patient's norepinephrine removed.
        let noEnd = try Self.variant(clif, "noend", in: root) { folder in
            let stop = try Self.findLine(folder, "medication_admin_continuous") { $0["mar_action_category"] == "stop" }
            let url = folder.appendingPathComponent("medication_admin_continuous.csv")
            var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
            lines.remove(at: stop - 1)
            try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        }
        // The infusion's last row is now its last rate (the stop rows follow all rates in the file).
        let rates = try String(contentsOf: noEnd.appendingPathComponent("medication_admin_continuous.csv"), encoding: .utf8).components(separatedBy: "\n")
        let last = try #require(rates.lastIndex { $0.hasPrefix("H1,") }) + 1
        #expect(try Self.attempt(noEnd).problems.map(\.description) == [
            "medication_admin_continuous.csv:\(last), column mar_action_category: the norepinephrine infusion of patient P0001 has no end: its last row (2020-03-14 00:00:00+00:00) is not a stop. End each infusion with a row whose mar_action_category is stop (at the time it was stopped, or at the ICU discharge if it ran until then). [infusion-end-missing]",
        ])

        // Vitals outside any ICU stay (a year before the admission): left out and named in a note.
        let outside = try Self.variant(clif, "outside", in: root) { folder in
            try Self.editLine(folder, "vitals", 2, Self.set("recorded_dttm", "2019-03-01 08:00:00+00:00"))
        }
        let early = try Self.attempt(outside)
        #expect(early.imported && early.problems.isEmpty)
        #expect(early.notes == [
            "left out 1 row of vitals.csv outside the patients' ICU admission to end of follow-up, e.g. vitals.csv:2 (at 2019-03-01 08:00:00+00:00, before patient P0001's ICU admission on 2020-03-01)",
        ])

        // Dates that do not parse (a US datetime, a day-first birth date).
        let dates = try Self.variant(clif, "dates", in: root) { folder in
            try Self.editLine(folder, "vitals", 2, Self.set("recorded_dttm", "03/01/2020 08:00"))
            try Self.editLine(folder, "patient", 2, Self.set("birth_date", "21-11-1964"))
        }
        #expect(try Self.attempt(dates).problems.map(\.description) == [
            "patient.csv:2, column birth_date: \"21-11-1964\" is not a date: write YYYY-MM-DD [date-format]",
            "vitals.csv:2, column recorded_dttm: \"03/01/2020 08:00\" is not a CLIF datetime: write YYYY-MM-DD HH:MM:SS+00:00 (UTC), e.g. 2020-03-14 16:20:00+00:00 [date-format]",
        ])
    }
}
