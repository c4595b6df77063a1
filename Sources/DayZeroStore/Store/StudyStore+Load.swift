import DayZeroCohort
import Foundation
import GRDB

/// Sequential typed access to the columns of a fetched row (throws instead of trapping on a
/// NULL or a wrong type, so a damaged file gives an error rather than a crash).
struct ColumnReader {
    let row: Row
    private var index = 0

    init(_ row: Row) {
        self.row = row
    }

    mutating func next<T: DatabaseValueConvertible>(_ type: T.Type = T.self) throws -> T {
        defer { index += 1 }
        return try row.decode(T.self, atIndex: index)
    }

    mutating func flag() throws -> Bool { try next(Int.self) != 0 }

    /// A flag that may be NULL (unknown).
    mutating func optionalFlag() throws -> Bool? { try next(Int?.self).map { $0 != 0 } }

    mutating func timeFormat() throws -> TimeFormat {
        let raw = try next(Int.self)
        guard let format = TimeFormat(rawValue: raw) else { throw StoreError.database("unknown time format \(raw)") }
        return format
    }

    mutating func optionalTimeFormat() throws -> TimeFormat? {
        guard let raw = try next(Int?.self) else { return nil }
        guard let format = TimeFormat(rawValue: raw) else { throw StoreError.database("unknown time format \(raw)") }
        return format
    }
}

extension StudyStore {
    /// The whole study, in file order, values in canonical units and times in ICU days.
    ///
    /// With `omittingStreamedTables` the measurements, cytokines and proteomics values
    /// (`streamedTables`) are left empty: for an analysis that streams them
    /// (`deriveCohort(study:protocol:)`), which is what keeps a registry-sized study within
    /// memory (the rest is ≈ 0.15 GiB per 100 000 patients in the synthetic registry).
    ///
    /// The tables other than the patients are read through SQLite's C API (`StatementRows`;
    /// at registry scale they are millions of rows, several times slower through GRDB's `Row`),
    /// the proteomics on a second connection and thread while this one reads the rest.
    public func load(omittingStreamedTables omit: Bool = false) throws -> StudyData {
        var data = StudyData()
        var patientIDs: [Int64: String] = [:]
        try read { db in
            data.declaredParameters = try loadParameters(db)
            data.baselineVariables = try Self.loadBaselineVariables(db)
            let patients = try Row.fetchCursor(db, sql: "SELECT \(Self.patientColumns) FROM patient ORDER BY id")
            var keys: [Int64] = []
            while let row = try patients.next() {
                let (key, patient) = try Self.decodePatient(row)
                patientIDs[key] = patient.id
                keys.append(key)
                data.patients.append(patient)
            }
            try Self.loadBaselineValues(db, variables: data.baselineVariables.count, into: &data.patients, keys: keys)
        }
        let ids = patientIDs
        let proteomics = BackgroundJob { [self] in try read { db in try Self.loadProteomics(db, patientIDs: ids, values: !omit) } }
        try read { db in
            func rowCount(_ table: String) throws -> Int { try Self.rowCount(db, table) }
            func patientID(_ key: Int64) throws -> String { try Self.patientID(key, in: ids) }

            data.courses.reserveCapacity(try rowCount("icu_course"))
            var courses = try StatementRows(
                db, table: "icu_course",
                sql: """
                    SELECT patient, admission_timestamp, discharge, ventilation_start, ventilation_end, death, follow_up_end
                    FROM icu_course ORDER BY id
                    """)
            while try courses.step() {
                data.courses.append(
                    ICUCourse(
                        patientID: try patientID(courses.int64(0)), admissionTimestamp: try courses.optionalText(1),
                        discharge: try courses.optionalTime(2), ventilationStart: try courses.optionalTime(3),
                        ventilationEnd: try courses.optionalTime(4), death: try courses.optionalTime(5), followUpEnd: try courses.optionalTime(6)))
            }

            if !omit { try MeasurementReader.read(db, patientIDs: ids, into: &data.measurements) }

            data.medications.reserveCapacity(try rowCount("medication"))
            var medications = try StatementRows(
                db, table: "medication", sql: "SELECT patient, drug, time, dose, dose_unit FROM medication ORDER BY id")
            while try medications.step() {
                data.medications.append(
                    MedicationAdministration(
                        patientID: try patientID(medications.int64(0)), drug: try medications.text(1), time: try medications.time(2),
                        dose: medications.optionalDouble(3), doseUnit: try medications.optionalText(4)))
            }

            data.events.reserveCapacity(try rowCount("event"))
            var events = try StatementRows(db, table: "event", sql: "SELECT patient, event, time, detail FROM event ORDER BY id")
            while try events.step() {
                data.events.append(
                    ClinicalEvent(
                        patientID: try patientID(events.int64(0)), event: try events.text(1), time: try events.time(2),
                        detail: try events.optionalText(3)))
            }

            guard !omit else { return }
            data.cytokines.reserveCapacity(try rowCount("cytokine"))
            var cytokines = try StatementRows(
                db, table: "cytokine",
                sql: """
                    SELECT patient, sample_id, time, timepoint, analyte, value, source_value, source_unit, below_lod
                    FROM cytokine ORDER BY id
                    """)
            while try cytokines.step() {
                let patient = try patientID(cytokines.int64(0))
                let timepointText = try cytokines.text(3)
                guard let timepoint = CytokineTimepoint(rawValue: timepointText) else {
                    throw StoreError.database("unknown cytokine timepoint \(timepointText)")
                }
                data.cytokines.append(
                    CytokineMeasurement(
                        patientID: patient, sampleID: try cytokines.text(1), time: try cytokines.time(2), timepoint: timepoint,
                        analyte: try cytokines.text(4), value: try cytokines.value(5), sourceValue: try cytokines.double(6),
                        sourceUnit: try cytokines.text(7), belowLOD: try cytokines.flag(8)))
            }

        }
        (data.proteomicsSamples, data.proteomics) = try proteomics.value()
        return data
    }

    /// Each table's `id` counts its rows from 1, so its maximum sizes the array once (no
    /// doubling slack: at registry scale the slack alone is hundreds of MB).
    static func rowCount(_ db: Database, _ table: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM \(table)") ?? 0
    }

    static func patientID(_ key: Int64, in ids: [Int64: String]) throws -> String {
        guard let id = ids[key] else { throw StoreError.database("row references unknown patient \(key)") }
        return id
    }

    /// The proteomics samples and (when `values`) values.
    static func loadProteomics(_ db: Database, patientIDs: [Int64: String], values loadValues: Bool) throws -> ([ProteomicsSample], [ProteomicsValue]) {
        var data = (proteomicsSamples: [ProteomicsSample](), proteomics: [ProteomicsValue]())
        func rowCount(_ table: String) throws -> Int { try Self.rowCount(db, table) }
        func patientID(_ key: Int64) throws -> String { try Self.patientID(key, in: patientIDs) }
        var sampleIDs: [Int64: String] = [:]
        data.proteomicsSamples.reserveCapacity(try rowCount("proteomics_sample"))
        var samples = try StatementRows(
            db, table: "proteomics_sample", sql: "SELECT id, sample_id, patient, time, timepoint FROM proteomics_sample ORDER BY id")
        while try samples.step() {
            let key = try samples.int64(0)
            let sampleID = try samples.text(1)
            let patient = try patientID(samples.int64(2))
            let time = try samples.time(3)
            let timepointText = try samples.text(4)
            guard let timepoint = ProteomicsTimepoint(rawValue: timepointText) else {
                throw StoreError.database("unknown proteomics timepoint \(timepointText)")
            }
            sampleIDs[key] = sampleID
            data.proteomicsSamples.append(ProteomicsSample(sampleID: sampleID, patientID: patient, time: time, timepoint: timepoint))
        }

        guard loadValues else { return (data.proteomicsSamples, []) }
        data.proteomics.reserveCapacity(try rowCount("proteomics_value"))
        try forEachProteomicsValue(db, sampleIDs: sampleIDs) { data.proteomics.append($0) }
        return (data.proteomicsSamples, data.proteomics)
    }

    /// Every proteomics value in stored order (`sampleIDs`: the store's sample key → sample ID),
    /// for the load and for the streamed derivation.
    static func forEachProteomicsValue(
        _ db: Database, sampleIDs: [Int64: String], _ body: (ProteomicsValue) throws -> Void
    ) throws {
        var values = try StatementRows(
            db, table: "proteomics_value",
            sql: "SELECT sample, olink_id, uniprot, assay, panel, npx, lod, qc_warning FROM proteomics_value ORDER BY id")
        var lastSample: (key: Int64, id: String)?
        while try values.step() {
            let key = try values.int64(0)
            let sampleID: String
            if let last = lastSample, last.key == key {
                sampleID = last.id
            } else {
                guard let id = sampleIDs[key] else { throw StoreError.database("row references unknown sample \(key)") }
                sampleID = id
                lastSample = (key, id)
            }
            try body(
                ProteomicsValue(
                    sampleID: sampleID, assay: try values.text(3), uniProt: try values.text(2), olinkID: try values.optionalText(1),
                    panel: try values.optionalText(4), npx: try values.value(5), lod: values.optionalDouble(6),
                    qcWarning: try values.flag(7)))
        }
    }

    static let patientColumns = (["id", "patient_id", "site", "sex", "age", "bmi", "apache_ii", "symptom_days"]
        + Comorbidity.allCases.map(\.rawValue) + ["immunocompromised", "consent_refused"]).joined(separator: ", ")

    /// Decodes a row selected with `patientColumns`.
    static func decodePatient(_ row: Row) throws -> (Int64, Patient) {
        var r = ColumnReader(row)
        let key: Int64 = try r.next()
        let id: String = try r.next()
        let site: String = try r.next()
        let sexText: String = try r.next()
        guard let sex = Sex(rawValue: sexText) else { throw StoreError.database("unknown sex \(sexText)") }
        let age: Double = try r.next()
        let bmi: Double? = try r.next()
        let apache: Double? = try r.next()
        let symptoms: Double? = try r.next()
        var comorbidities = Set<Comorbidity>(), unknownHistory = Set<Comorbidity>()
        for c in Comorbidity.allCases {
            switch try r.optionalFlag() {
            case true?: comorbidities.insert(c)
            case false?: break
            case nil: unknownHistory.insert(c)
            }
        }
        let immunocompromised = try r.optionalFlag()
        let refused = try r.optionalFlag()
        return (
            key,
            Patient(
                id: id, site: site, sex: sex, age: age, bmi: bmi, apacheII: apache, symptomDays: symptoms,
                comorbidities: comorbidities, unknownHistory: unknownHistory, immunocompromised: immunocompromised,
                consentRefused: refused)
        )
    }

    /// The declared baseline variables, in declaration order (ids 1, 2, …).
    static func loadBaselineVariables(_ db: Database) throws -> [BaselineVariable] {
        var result: [BaselineVariable] = []
        let rows = try Row.fetchCursor(
            db, sql: "SELECT id, name, label, kind, unit, levels, level_labels, minimum, maximum FROM baseline_variable ORDER BY id")
        while let row = try rows.next() {
            var r = ColumnReader(row)
            let id: Int = try r.next()
            let name: String = try r.next()
            guard id == result.count + 1 else { throw StoreError.database("baseline variable \(name) has id \(id), expected \(result.count + 1)") }
            let label: String = try r.next()
            let kindText: String = try r.next()
            guard let kind = BaselineKind(rawValue: kindText) else {
                throw StoreError.database("baseline variable \(name) has an unknown kind \(kindText)")
            }
            let unit: String? = try r.next()
            let levels: String? = try r.next()
            let levelLabels: String? = try r.next()
            func split(_ s: String?) -> [String]? { s.map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) } }
            result.append(BaselineVariable(
                name: name, label: label, kind: kind, unit: unit, levels: split(levels) ?? [], levelLabels: split(levelLabels),
                minimum: try r.next(), maximum: try r.next()))
        }
        return result
    }

    /// Fills `Patient.declared` of `patients` (store order = key order) from baseline_value.
    static func loadBaselineValues(_ db: Database, variables: Int, into patients: inout [Patient], keys: [Int64]) throws {
        guard variables > 0 else { return }
        var position: [Int64: Int] = [:]
        for (i, key) in keys.enumerated() { position[key] = i }
        for i in patients.indices { patients[i].declared = Array(repeating: nil, count: variables) }
        let rows = try Row.fetchCursor(db, sql: "SELECT patient, variable, value FROM baseline_value")
        while let row = try rows.next() {
            var r = ColumnReader(row)
            let key: Int64 = try r.next()
            let variable: Int = try r.next()
            let value: Double = try r.next()
            guard let i = position[key], variable >= 1, variable <= variables else {
                throw StoreError.database("baseline_value row (patient \(key), variable \(variable)) refers to no patient or variable")
            }
            patients[i].declared[variable - 1] = value
        }
    }

    func loadParameters(_ db: Database) throws -> [ParameterDefinition] {
        var result: [ParameterDefinition] = []
        let rows = try Row.fetchCursor(
            db, sql: "SELECT name, label, kind, unit, aggregation, minimum, maximum FROM parameter_definition ORDER BY id")
        while let row = try rows.next() {
            var r = ColumnReader(row)
            let name: String = try r.next()
            let label: String = try r.next()
            let kindText: String = try r.next()
            let unit: String = try r.next()
            let aggregationText: String = try r.next()
            guard let kind = ParameterKind(rawValue: kindText), let aggregation = DailyAggregation(rawValue: aggregationText) else {
                throw StoreError.database("parameter \(name) has an unknown kind or aggregation")
            }
            result.append(
                ParameterDefinition(
                    name: name, label: label, kind: kind, unit: unit, aggregation: aggregation, minimum: try r.next(),
                    maximum: try r.next()))
        }
        return result
    }
}

extension StudyStore {
    /// Every row of every table (migrations bookkeeping included) as text, tables by name and
    /// rows by rowid: two stores with equal dumps have identical content.
    func dump() throws -> [String] {
        try read { db in
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            var lines: [String] = []
            for table in tables {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY rowid") {
                    lines.append("\(table): \(row.description)")
                }
            }
            return lines
        }
    }

    /// Names of the indexes created by the migrations.
    func indexNames() throws -> [String] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
    }

    /// Number of rows violating a foreign key (0 for a store written by `importStudy`).
    func foreignKeyViolationCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM pragma_foreign_key_check") ?? 0 }
    }
}

/// Work started on a thread of its own; `value()` waits for it and returns its result or
/// rethrows its error.
final class BackgroundJob<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once by the thread before `done` is signalled, read after.
    private var result: Result<T, any Error>?

    init(_ work: @escaping @Sendable () throws -> T) {
        let thread = Thread { [self] in
            result = Result { try work() }
            done.signal()
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    func value() throws -> T {
        done.wait()
        done.signal()
        guard let result else { throw StoreError.database("a background read ended without a result") }
        return try result.get()
    }
}
