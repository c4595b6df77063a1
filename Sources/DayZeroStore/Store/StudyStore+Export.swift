import DayZeroCohort
import Foundation
import GRDB

extension StudyStore {
    /// Writes the study back as a study folder: the tables that were imported, columns in
    /// canonical order (`StudyTable.columns`), rows in their original order, values in the
    /// unit and time format they were imported in, numbers in shortest round-trip form, and
    /// timestamps in canonical spelling (`YYYY-MM-DDTHH:MM[:SS]`).
    ///
    /// The files are written through `OutputFolder`: into a hidden folder next to `folder`,
    /// which is then renamed onto it in one step. `folder` must not exist or be empty, unless
    /// `force` is given (the old folder is then replaced whole, and only once the new one is
    /// complete).
    ///
    /// - Throws: `StoreError.io` when `folder` is not empty (without `force`) or cannot be
    ///   written, with one line naming it.
    @discardableResult
    public func exportStudy(to folder: URL, force: Bool = false) throws -> StudySummary {
        let target: OutputFolder
        do {
            target = try OutputFolder.check(folder, force: force, option: "OUT_DIR")
        } catch {
            throw StoreError.io(error.description)
        }
        do {
            let counts = try target.write { temporary in
                try read { db in
                    var exporter = StudyExporter(db: db, folder: temporary)
                    return try exporter.run()
                }
            }
            return StudySummary(rowCounts: counts)
        } catch let failure as OutputFolder.Failure {
            throw StoreError.io(failure.description)
        }
    }
}

/// Writes each table of a study store as CSV.
struct StudyExporter {
    let db: Database
    let folder: URL
    private var patientIDs: [Int64: String] = [:]
    private var anchors: [Int64: LocalTimestamp] = [:]
    private var counts: [StudyTable: Int] = [:]
    /// The declared baseline variables (further columns of patients.csv).
    private var variables: [BaselineVariable] = []

    init(db: Database, folder: URL) {
        self.db = db
        self.folder = folder
    }

    mutating func run() throws -> [StudyTable: Int] {
        let present = Set(try String.fetchAll(db, sql: "SELECT name FROM study_table").compactMap(StudyTable.init(rawValue:)))
        let patients = try Row.fetchCursor(db, sql: "SELECT id, patient_id FROM patient")
        while let row = try patients.next() {
            var r = ColumnReader(row)
            patientIDs[try r.next()] = try r.next()
        }
        let courses = try Row.fetchCursor(db, sql: "SELECT patient, admission_timestamp FROM icu_course")
        while let row = try courses.next() {
            var r = ColumnReader(row)
            let key: Int64 = try r.next()
            if let text: String = try r.next() {
                guard let stamp = TimeSyntax.parseTimestamp(text) else {
                    throw StoreError.database("admission timestamp \(text) of patient \(key) is not readable")
                }
                anchors[key] = stamp
            }
        }
        variables = try StudyStore.loadBaselineVariables(db)
        for table in StudyTable.allCases where present.contains(table) {
            let writer = try CSVWriter(url: folder.appendingPathComponent(table.fileName))
            try writer.row(table.columns.map(\.name) + (table == .patients ? variables.map(\.name) : []))
            let n = try write(table, writer)
            try writer.close()
            counts[table] = n
        }
        return counts
    }

    private func patientID(_ key: Int64) throws -> String {
        guard let id = patientIDs[key] else { throw StoreError.database("row references unknown patient \(key)") }
        return id
    }

    /// The text of a time as it was imported.
    private func timeText(_ days: Double?, _ format: TimeFormat?, patient: Int64) throws -> String? {
        guard let days else { return nil }
        guard StudyLimits.isDayInRange(days) else {
            throw StoreError.notAStudyStore(
                "the study store is damaged: a time of patient \(try patientID(patient)) is \(days), outside the ICU-day range -100000 to 100000 that import enforces; import the study again")
        }
        let format = format ?? .dayNumber
        if format == .dayNumber { return formatNumber(days) }
        guard let anchor = anchors[patient] else {
            throw StoreError.database("a timestamp of patient \(try patientID(patient)) has no admission timestamp")
        }
        if format == .date {
            return LocalTimestamp(seconds: Int64(anchor.dayIndex + Int(days.rounded())) * 86_400, format: .date).text
        }
        return LocalTimestamp(seconds: anchor.seconds + Int64((days * 86_400).rounded()), format: format).text
    }

    private func flag(_ value: Bool?) -> String { value.map { $0 ? "1" : "0" } ?? "" }

    /// Writes the rows of `table`; returns their number.
    private func write(_ table: StudyTable, _ w: CSVWriter) throws -> Int {
        var n = 0
        switch table {
        case .patients:
            var keys: [Int64] = []
            var patients: [Patient] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT \(StudyStore.patientColumns) FROM patient ORDER BY id")
            while let row = try rows.next() {
                let (key, p) = try StudyStore.decodePatient(row)
                keys.append(key)
                patients.append(p)
            }
            try StudyStore.loadBaselineValues(db, variables: variables.count, into: &patients, keys: keys)
            for p in patients {
                w.field(p.id)
                w.field(p.site)
                w.field(p.sex.rawValue)
                w.number(p.age)
                w.number(p.bmi)
                w.number(p.apacheII)
                w.number(p.symptomDays)
                for c in Comorbidity.allCases { w.field(flag(p.history(c))) }
                w.field(flag(p.immunocompromised))
                w.field(flag(p.consentRefused))
                for (v, value) in zip(variables, p.declared) {
                    switch v.kind {
                    case .binary: w.field(flag(value.map { $0 != 0 }))
                    case .continuous: w.number(value)
                    case .categorical:
                        let level = value.map { Int($0) }.flatMap { $0 >= 0 && $0 < v.levels.count ? v.levels[$0] : nil }
                        w.field(level ?? "")
                    }
                }
                try w.endRow()
                n += 1
            }
        case .icuCourse:
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT patient, admission_timestamp, discharge, discharge_format, ventilation_start, ventilation_start_format,
                        ventilation_end, ventilation_end_format, death, death_format, follow_up_end, follow_up_end_format
                    FROM icu_course ORDER BY id
                    """)
            while let row = try rows.next() {
                var r = ColumnReader(row)
                let key: Int64 = try r.next()
                w.field(try patientID(key))
                w.field(try r.next(String?.self) ?? "0")
                for _ in 0..<5 {
                    let days: Double? = try r.next()
                    w.field(try timeText(days, try r.optionalTimeFormat(), patient: key))
                }
                try w.endRow()
                n += 1
            }
        case .measurements:
            let rows = try Row.fetchCursor(
                db, sql: "SELECT patient, time, time_format, parameter, source_value, source_unit FROM measurement ORDER BY id")
            while let row = try rows.next() {
                var r = ColumnReader(row)
                let key: Int64 = try r.next()
                w.field(try patientID(key))
                let days: Double = try r.next()
                w.field(try timeText(days, try r.timeFormat(), patient: key))
                w.field(try r.next(String.self))
                w.number(try r.next(Double.self))
                w.field(try r.next(String.self))
                try w.endRow()
                n += 1
            }
        case .medications:
            let rows = try Row.fetchCursor(
                db, sql: "SELECT patient, drug, time, time_format, dose, dose_unit FROM medication ORDER BY id")
            while let row = try rows.next() {
                var r = ColumnReader(row)
                let key: Int64 = try r.next()
                w.field(try patientID(key))
                w.field(try r.next(String.self))
                let days: Double = try r.next()
                w.field(try timeText(days, try r.timeFormat(), patient: key))
                w.number(try r.next(Double?.self))
                w.field(try r.next(String?.self))
                try w.endRow()
                n += 1
            }
        case .events:
            let rows = try Row.fetchCursor(db, sql: "SELECT patient, event, time, time_format, detail FROM event ORDER BY id")
            while let row = try rows.next() {
                var r = ColumnReader(row)
                let key: Int64 = try r.next()
                w.field(try patientID(key))
                w.field(try r.next(String.self))
                let days: Double = try r.next()
                w.field(try timeText(days, try r.timeFormat(), patient: key))
                w.field(try r.next(String?.self))
                try w.endRow()
                n += 1
            }
        case .cytokines:
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT patient, sample_id, time, time_format, timepoint, analyte, source_value, source_unit, below_lod
                    FROM cytokine ORDER BY id
                    """)
            while let row = try rows.next() {
                var r = ColumnReader(row)
                let key: Int64 = try r.next()
                w.field(try patientID(key))
                w.field(try r.next(String.self))
                let days: Double = try r.next()
                w.field(try timeText(days, try r.timeFormat(), patient: key))
                w.field(try r.next(String.self))
                w.field(try r.next(String.self))
                w.number(try r.next(Double.self))
                w.field(try r.next(String.self))
                w.field(flag(try r.flag()))
                try w.endRow()
                n += 1
            }
        case .proteomicsSamples:
            let rows = try Row.fetchCursor(
                db, sql: "SELECT sample_id, patient, time, time_format, timepoint FROM proteomics_sample ORDER BY id")
            while let row = try rows.next() {
                var r = ColumnReader(row)
                w.field(try r.next(String.self))
                let key: Int64 = try r.next()
                w.field(try patientID(key))
                let days: Double = try r.next()
                w.field(try timeText(days, try r.timeFormat(), patient: key))
                w.field(try r.next(String.self))
                try w.endRow()
                n += 1
            }
        case .proteomics:
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT s.sample_id, v.olink_id, v.uniprot, v.assay, v.panel, v.npx, v.lod, v.qc_warning
                    FROM proteomics_value v JOIN proteomics_sample s ON s.id = v.sample ORDER BY v.id
                    """)
            while let row = try rows.next() {
                var r = ColumnReader(row)
                w.field(try r.next(String.self))
                w.field(try r.next(String?.self))
                w.field(try r.next(String.self))
                w.field(try r.next(String.self))
                w.field(try r.next(String?.self))
                w.number(try r.next(Double.self))
                w.number(try r.next(Double?.self))
                w.field(try r.flag() ? "WARN" : "PASS")
                try w.endRow()
                n += 1
            }
        case .parameters:
            let rows = try Row.fetchCursor(
                db, sql: "SELECT name, label, kind, unit, aggregation, minimum, maximum FROM parameter_definition ORDER BY id")
            while let row = try rows.next() {
                var r = ColumnReader(row)
                for _ in 0..<5 { w.field(try r.next(String.self)) }
                w.number(try r.next(Double.self))
                w.number(try r.next(Double.self))
                try w.endRow()
                n += 1
            }
        case .variables:
            for v in variables {
                w.field(v.name)
                w.field(v.label)
                w.field(v.kind.rawValue)
                w.field(v.unit ?? "")
                w.field(v.kind == .categorical ? v.levels.joined(separator: "|") : "")
                w.field(v.kind == .categorical && v.levelLabels != v.levels ? v.levelLabels.joined(separator: "|") : "")
                w.number(v.minimum)
                w.number(v.maximum)
                try w.endRow()
                n += 1
            }
        }
        return n
    }
}
