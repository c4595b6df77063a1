import DayZeroCohort
import GRDB
import GRDBSQLite

/// Bytes of the text values bound to one row of a `BulkInsert`, kept until the row is stepped.
///
/// Binding text with `SQLITE_TRANSIENT` makes SQLite allocate, copy and free every value
/// (two text columns × millions of rows of measurements). Copying the bytes into this
/// buffer instead and binding them `SQLITE_STATIC` costs one small copy and no allocation:
/// the buffer is reused from row to row and never moves while a row is bound.
final class TextArena {
    let capacity: Int
    let base: UnsafeMutablePointer<CChar>
    var used = 0

    init(capacity: Int) {
        self.capacity = capacity
        base = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
    }

    deinit {
        base.deallocate()
    }
}

/// A prepared INSERT driven through the SQLite C API: bind, step, reset. GRDB prepares and
/// finalizes the statement; the per-row path binds values straight from Swift values (no
/// argument arrays), which is what makes a bulk import fast.
struct BulkInsert {
    private let statement: Statement
    /// `statement.sqliteStatement`, read once (GRDB's accessor costs more than the bind).
    private let handle: OpaquePointer
    private let connection: OpaquePointer?
    private var index: Int32 = 0
    private let arena = TextArena(capacity: 1 << 14)

    init(_ db: Database, _ sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
    }

    /// SQLite uses the bytes it is given in place, until the statement is stepped.
    private static var staticText: sqlite3_destructor_type? { nil }

    /// SQLite copies the bytes of text it is given with this destructor.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    }

    @inline(__always)
    mutating func bind(_ value: Double?) {
        index += 1
        if let value {
            sqlite3_bind_double(handle, index, value)
        } else {
            sqlite3_bind_null(handle, index)
        }
    }

    @inline(__always)
    mutating func bind(_ value: Int?) {
        index += 1
        if let value {
            sqlite3_bind_int64(handle, index, Int64(value))
        } else {
            sqlite3_bind_null(handle, index)
        }
    }

    @inline(__always)
    mutating func bind(_ value: Bool) {
        bind(value ? 1 : 0 as Int?)
    }

    @inline(__always)
    mutating func bind(_ value: String?) {
        index += 1
        guard var text = value else {
            sqlite3_bind_null(handle, index)
            return
        }
        let sqliteStatement = handle
        let i = index
        let arena = self.arena
        text.withUTF8 { bytes in
            let count = bytes.count
            guard let source = bytes.baseAddress else {
                _ = sqlite3_bind_text(sqliteStatement, i, "", 0, Self.transient)
                return
            }
            if arena.used + count <= arena.capacity {
                let target = arena.base + arena.used
                source.withMemoryRebound(to: CChar.self, capacity: count) { target.update(from: $0, count: count) }
                arena.used += count
                _ = sqlite3_bind_text(sqliteStatement, i, target, Int32(count), Self.staticText)
            } else {
                source.withMemoryRebound(to: CChar.self, capacity: count) { chars in
                    _ = sqlite3_bind_text(sqliteStatement, i, chars, Int32(count), Self.transient)
                }
            }
        }
    }

    /// Executes the statement with the values bound since the last call.
    mutating func step() throws {
        index = 0
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        arena.used = 0
        guard code == SQLITE_DONE else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite error \(code)"
            throw StoreError.database("\(message) (\(statement.sql))")
        }
    }
}

/// Writes validated rows into a study store opened inside one transaction.
struct DatabaseSink: StudySink {
    private var tables: BulkInsert
    private var parameters: BulkInsert
    private var patients: BulkInsert
    private var courses: BulkInsert
    private var samples: BulkInsert
    private var measurements: BulkInsert
    /// Measurements are inserted `measurementsPerInsert` rows per statement (one
    /// `INSERT … VALUES (…), (…), …`): SQLite's cost of running a statement once (step,
    /// halt, reset) is then shared by the rows, and the rows get the same ids in the same
    /// order as when inserted one by one.
    private var measurementGroups: BulkInsert
    private var pendingMeasurements: [(DayZeroCohort.Measurement, Int, TimeFormat)] = []
    private static let measurementsPerInsert = 16
    private var medications: BulkInsert
    private var events: BulkInsert
    private var cytokines: BulkInsert
    private var proteomicsValues: BulkInsert
    /// Rows written per table, indexed like `StudyTable.allCases` (an array: one dictionary
    /// update per row costs a hash).
    private var rowCounts = [Int](repeating: 0, count: StudyTable.allCases.count)
    private var present = Set<StudyTable>()
    private let db: Database
    /// The secondary indexes not built yet, in `StudySchema.indexes` order.
    private var pendingIndexes: [(table: StudyTable, name: String, sql: String)]

    /// Builds the indexes of the tables written before `table` (tables arrive in the sink's
    /// order), in `StudySchema.indexes` order; `nil` builds all that are left. Building an
    /// index as soon as its table is complete lets the validating thread read the next
    /// tables meanwhile (see `StudyFolderValidator.runConcurrently`).
    mutating func buildIndexes(before table: StudyTable?) throws {
        try flush()
        let order = Self.tableOrder
        let limit = table.flatMap { order.firstIndex(of: $0) } ?? order.count
        while let next = pendingIndexes.first, (order.firstIndex(of: next.table) ?? order.count) < limit {
            try db.execute(sql: next.sql)
            pendingIndexes.removeFirst()
        }
    }

    /// The order in which the validator delivers the tables.
    private static let tableOrder: [StudyTable] = [
        .parameters, .patients, .icuCourse, .proteomicsSamples, .measurements, .medications, .events, .cytokines, .proteomics,
    ]

    /// Rows written per table present in the folder.
    var counts: [StudyTable: Int] {
        Dictionary(uniqueKeysWithValues: StudyTable.allCases.enumerated().compactMap { i, table in
            present.contains(table) ? (table, rowCounts[i]) : nil
        })
    }

    private mutating func count(_ table: StudyTable) {
        rowCounts[Self.ordinal[table] ?? 0] += 1
    }

    private static let ordinal: [StudyTable: Int] = Dictionary(
        uniqueKeysWithValues: StudyTable.allCases.enumerated().map { ($1, $0) })
    private static let measurementOrdinal = ordinal[.measurements] ?? 0

    init(_ db: Database) throws {
        self.db = db
        pendingIndexes = StudySchema.indexes.map { ($0.table, $0.name, $0.sql) }
        tables = try BulkInsert(db, "INSERT INTO study_table (name) VALUES (?)")
        parameters = try BulkInsert(
            db, "INSERT INTO parameter_definition (name, label, kind, unit, aggregation, minimum, maximum) VALUES (?, ?, ?, ?, ?, ?, ?)")
        let flags = Comorbidity.allCases.map(\.rawValue) + ["immunocompromised", "consent_refused"]
        patients = try BulkInsert(
            db,
            "INSERT INTO patient (id, patient_id, site, sex, age, bmi, apache_ii, symptom_days, \(flags.joined(separator: ", "))) VALUES (?, ?, ?, ?, ?, ?, ?, ?\(String(repeating: ", ?", count: flags.count)))")
        courses = try BulkInsert(
            db,
            """
            INSERT INTO icu_course (patient, admission_timestamp, admission_format, discharge, discharge_format,
                ventilation_start, ventilation_start_format, ventilation_end, ventilation_end_format, death, death_format,
                follow_up_end, follow_up_end_format) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        samples = try BulkInsert(
            db, "INSERT INTO proteomics_sample (id, sample_id, patient, time, time_format, timepoint) VALUES (?, ?, ?, ?, ?, ?)")
        let measurementInsert = "INSERT INTO measurement (patient, time, time_format, parameter, value, source_value, source_unit) VALUES "
        let measurementValues = "(?, ?, ?, ?, ?, ?, ?)"
        measurements = try BulkInsert(db, measurementInsert + measurementValues)
        measurementGroups = try BulkInsert(
            db, measurementInsert + Array(repeating: measurementValues, count: Self.measurementsPerInsert).joined(separator: ", "))
        pendingMeasurements.reserveCapacity(Self.measurementsPerInsert)
        medications = try BulkInsert(
            db, "INSERT INTO medication (patient, drug, time, time_format, dose, dose_unit) VALUES (?, ?, ?, ?, ?, ?)")
        events = try BulkInsert(db, "INSERT INTO event (patient, event, time, time_format, detail) VALUES (?, ?, ?, ?, ?)")
        cytokines = try BulkInsert(
            db,
            """
            INSERT INTO cytokine (patient, sample_id, time, time_format, timepoint, analyte, value, source_value, source_unit,
                below_lod) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        proteomicsValues = try BulkInsert(
            db,
            "INSERT INTO proteomics_value (sample, olink_id, uniprot, assay, panel, npx, lod, qc_warning) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    }

    mutating func tablePresent(_ table: StudyTable) throws {
        try buildIndexes(before: table)
        tables.bind(table.rawValue)
        try tables.step()
        present.insert(table)
    }

    mutating func parameter(_ p: ParameterDefinition) throws {
        parameters.bind(p.name)
        parameters.bind(p.label)
        parameters.bind(p.kind.rawValue)
        parameters.bind(p.unit)
        parameters.bind(p.aggregation.rawValue)
        parameters.bind(p.minimum)
        parameters.bind(p.maximum)
        try parameters.step()
        count(.parameters)
    }

    mutating func patient(_ p: Patient, key: Int) throws {
        patients.bind(key)
        patients.bind(p.id)
        patients.bind(p.site)
        patients.bind(p.sex.rawValue)
        patients.bind(p.age)
        patients.bind(p.bmi)
        patients.bind(p.apacheII)
        patients.bind(p.symptomDays)
        for c in Comorbidity.allCases { patients.bind(p.comorbidities.contains(c)) }
        patients.bind(p.immunocompromised)
        patients.bind(p.consentRefused)
        try patients.step()
        count(.patients)
    }

    mutating func course(_ c: ICUCourse, patientKey: Int, formats: CourseFormats) throws {
        courses.bind(patientKey)
        courses.bind(formats.admissionTimestamp?.text)
        courses.bind(formats.admission.rawValue)
        courses.bind(c.discharge)
        courses.bind(formats.discharge?.rawValue)
        courses.bind(c.ventilationStart)
        courses.bind(formats.ventilationStart?.rawValue)
        courses.bind(c.ventilationEnd)
        courses.bind(formats.ventilationEnd?.rawValue)
        courses.bind(c.death)
        courses.bind(formats.death?.rawValue)
        courses.bind(c.followUpEnd)
        courses.bind(formats.followUpEnd?.rawValue)
        try courses.step()
        count(.icuCourse)
    }

    mutating func proteomicsSample(_ s: ProteomicsSample, key: Int, patientKey: Int, format: TimeFormat) throws {
        samples.bind(key)
        samples.bind(s.sampleID)
        samples.bind(patientKey)
        samples.bind(s.time)
        samples.bind(format.rawValue)
        samples.bind(s.timepoint.rawValue)
        try samples.step()
        count(.proteomicsSamples)
    }

    mutating func measurement(_ m: DayZeroCohort.Measurement, patientKey: Int, format: TimeFormat) throws {
        pendingMeasurements.append((m, patientKey, format))
        rowCounts[Self.measurementOrdinal] += 1
        guard pendingMeasurements.count == Self.measurementsPerInsert else { return }
        for (m, patientKey, format) in pendingMeasurements {
            Self.bind(&measurementGroups, m, patientKey: patientKey, format: format)
        }
        try measurementGroups.step()
        pendingMeasurements.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private static func bind(_ insert: inout BulkInsert, _ m: DayZeroCohort.Measurement, patientKey: Int, format: TimeFormat) {
        insert.bind(patientKey)
        insert.bind(m.time)
        insert.bind(format.rawValue)
        insert.bind(m.parameter)
        insert.bind(m.value)
        insert.bind(m.sourceValue)
        insert.bind(m.sourceUnit)
    }

    /// Inserts the measurements still held back (fewer than a group), one by one.
    mutating func flush() throws {
        for (m, patientKey, format) in pendingMeasurements {
            Self.bind(&measurements, m, patientKey: patientKey, format: format)
            try measurements.step()
        }
        pendingMeasurements.removeAll(keepingCapacity: true)
    }

    mutating func medication(_ m: MedicationAdministration, patientKey: Int, format: TimeFormat) throws {
        medications.bind(patientKey)
        medications.bind(m.drug)
        medications.bind(m.time)
        medications.bind(format.rawValue)
        medications.bind(m.dose)
        medications.bind(m.doseUnit)
        try medications.step()
        count(.medications)
    }

    mutating func event(_ e: ClinicalEvent, patientKey: Int, format: TimeFormat) throws {
        events.bind(patientKey)
        events.bind(e.event)
        events.bind(e.time)
        events.bind(format.rawValue)
        events.bind(e.detail)
        try events.step()
        count(.events)
    }

    mutating func cytokine(_ c: CytokineMeasurement, patientKey: Int, format: TimeFormat) throws {
        cytokines.bind(patientKey)
        cytokines.bind(c.sampleID)
        cytokines.bind(c.time)
        cytokines.bind(format.rawValue)
        cytokines.bind(c.timepoint.rawValue)
        cytokines.bind(c.analyte)
        cytokines.bind(c.value)
        cytokines.bind(c.sourceValue)
        cytokines.bind(c.sourceUnit)
        cytokines.bind(c.belowLOD)
        try cytokines.step()
        count(.cytokines)
    }

    mutating func proteomics(_ v: ProteomicsValue, sampleKey: Int) throws {
        proteomicsValues.bind(sampleKey)
        proteomicsValues.bind(v.olinkID)
        proteomicsValues.bind(v.uniProt)
        proteomicsValues.bind(v.assay)
        proteomicsValues.bind(v.panel)
        proteomicsValues.bind(v.npx)
        proteomicsValues.bind(v.lod)
        proteomicsValues.bind(v.qcWarning)
        try proteomicsValues.step()
        count(.proteomics)
    }
}
