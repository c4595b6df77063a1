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

/// The UTF-8 bytes of a text the database writer holds for the whole import (see `TextStore`).
struct HeldText {
    let base: UnsafePointer<CChar>
    let count: Int32
}

/// Texts bound to many rows (parameter names, units), each copied once into memory that
/// lives as long as the store, so that a row binds them without copying (`SQLITE_STATIC`).
final class TextStore {
    private var blocks: [UnsafeMutablePointer<CChar>] = []
    private var held: [String: HeldText] = [:]

    /// The held copy of `text` (made on first use).
    func hold(_ text: String) -> HeldText {
        if let known = held[text] { return known }
        var copy = text
        let made: HeldText = copy.withUTF8 { bytes in
            let block = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, bytes.count))
            if let source = bytes.baseAddress {
                source.withMemoryRebound(to: CChar.self, capacity: bytes.count) { block.update(from: $0, count: bytes.count) }
            }
            blocks.append(block)
            return HeldText(base: UnsafePointer(block), count: Int32(bytes.count))
        }
        held[text] = made
        return made
    }

    deinit {
        for block in blocks { block.deallocate() }
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
    mutating func bind(_ value: Bool?) {
        guard let value else { return bind(nil as Int?) }
        bind(value)
    }

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

    /// Binds text held by a `TextStore` (no copy).
    @inline(__always)
    mutating func bind(_ text: HeldText) {
        index += 1
        _ = sqlite3_bind_text(handle, index, text.base, text.count, Self.staticText)
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

/// An INSERT of `rowsPerGroup` rows at a time (`INSERT … VALUES (…), (…), …`): SQLite's
/// cost of running a statement once (step, halt, reset) is shared by the rows of a group.
/// Rows are held back until a group is full; `flush()` inserts the rest one by one. The rows
/// get the same ids, in the same order, as when inserted one by one.
struct GroupedInsert<Row> {
    private var single: BulkInsert
    private var group: BulkInsert
    private var pending: [Row] = []
    private let rowsPerGroup: Int
    private let bind: (inout BulkInsert, Row) -> Void

    /// - Parameters:
    ///   - insert: the statement up to `VALUES `;
    ///   - values: the placeholders of one row, `(?, ?, …)`;
    ///   - bind: binds one row's values in the order of the placeholders.
    init(
        _ db: Database, insert: String, values: String, rowsPerGroup: Int, bind: @escaping (inout BulkInsert, Row) -> Void
    ) throws {
        single = try BulkInsert(db, insert + values)
        group = try BulkInsert(db, insert + Array(repeating: values, count: rowsPerGroup).joined(separator: ", "))
        self.rowsPerGroup = rowsPerGroup
        self.bind = bind
        pending.reserveCapacity(rowsPerGroup)
    }

    mutating func add(_ row: Row) throws {
        pending.append(row)
        guard pending.count == rowsPerGroup else { return }
        for row in pending { bind(&group, row) }
        try group.step()
        pending.removeAll(keepingCapacity: true)
    }

    /// Inserts the rows still held back.
    mutating func flush() throws {
        for row in pending {
            bind(&single, row)
            try single.step()
        }
        pending.removeAll(keepingCapacity: true)
    }
}

/// One row of the measurement table as the writer binds it: numbers and held texts only, so
/// that holding rows back for a grouped insert copies no strings.
struct MeasurementInsert {
    var patientKey: Int
    var time: Double
    var format: Int
    var parameter: HeldText
    var value: Double
    var sourceValue: Double
    var unit: HeldText
}

/// Writes validated rows into a study store opened inside one transaction.
struct DatabaseSink: StudySink {
    private var tables: BulkInsert
    private var parameters: BulkInsert
    private var patients: BulkInsert
    private var variables: BulkInsert
    private var baselineValues: BulkInsert
    private var courses: BulkInsert
    private var samples: BulkInsert
    /// The long tables are inserted `rowsPerGroup` rows per statement.
    private var measurements: GroupedInsert<MeasurementInsert>
    /// The parameter names and units of measurements, held once; `names` by announcement.
    private let texts = TextStore()
    private var heldNames: [(parameter: HeldText, unit: HeldText)] = []
    private static let rowsPerGroup = 64
    private var medications: BulkInsert
    private var events: BulkInsert
    private var cytokines: GroupedInsert<(CytokineMeasurement, Int, TimeFormat)>
    private var proteomicsValues: GroupedInsert<(ProteomicsValue, Int)>
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
        let order = StudyFolderValidator.tableOrder
        let limit = table.flatMap { order.firstIndex(of: $0) } ?? order.count
        while let next = pendingIndexes.first, (order.firstIndex(of: next.table) ?? order.count) < limit {
            try db.execute(sql: next.sql)
            pendingIndexes.removeFirst()
        }
    }

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
    private static let cytokineOrdinal = ordinal[.cytokines] ?? 0
    private static let proteomicsOrdinal = ordinal[.proteomics] ?? 0

    init(_ db: Database) throws {
        self.db = db
        pendingIndexes = StudySchema.indexes.map { ($0.table, $0.name, $0.sql) }
        tables = try BulkInsert(db, "INSERT INTO study_table (name) VALUES (?)")
        parameters = try BulkInsert(
            db, "INSERT INTO parameter_definition (name, label, kind, unit, aggregation, minimum, maximum) VALUES (?, ?, ?, ?, ?, ?, ?)")
        variables = try BulkInsert(
            db,
            "INSERT INTO baseline_variable (id, name, label, kind, unit, levels, level_labels, minimum, maximum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        baselineValues = try BulkInsert(db, "INSERT INTO baseline_value (patient, variable, value) VALUES (?, ?, ?)")
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
        measurements = try GroupedInsert(
            db, insert: "INSERT INTO measurement (patient, time, time_format, parameter, value, source_value, source_unit) VALUES ",
            values: "(?, ?, ?, ?, ?, ?, ?)", rowsPerGroup: Self.rowsPerGroup
        ) { insert, row in
            insert.bind(row.patientKey)
            insert.bind(row.time)
            insert.bind(row.format)
            insert.bind(row.parameter)
            insert.bind(row.value)
            insert.bind(row.sourceValue)
            insert.bind(row.unit)
        }
        medications = try BulkInsert(
            db, "INSERT INTO medication (patient, drug, time, time_format, dose, dose_unit) VALUES (?, ?, ?, ?, ?, ?)")
        events = try BulkInsert(db, "INSERT INTO event (patient, event, time, time_format, detail) VALUES (?, ?, ?, ?, ?)")
        cytokines = try GroupedInsert(
            db,
            insert: "INSERT INTO cytokine (patient, sample_id, time, time_format, timepoint, analyte, value, source_value, "
                + "source_unit, below_lod) VALUES ",
            values: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rowsPerGroup: Self.rowsPerGroup
        ) { insert, row in
            let (c, patientKey, format) = row
            insert.bind(patientKey)
            insert.bind(c.sampleID)
            insert.bind(c.time)
            insert.bind(format.rawValue)
            insert.bind(c.timepoint.rawValue)
            insert.bind(c.analyte)
            insert.bind(c.value)
            insert.bind(c.sourceValue)
            insert.bind(c.sourceUnit)
            insert.bind(c.belowLOD)
        }
        proteomicsValues = try GroupedInsert(
            db, insert: "INSERT INTO proteomics_value (sample, olink_id, uniprot, assay, panel, npx, lod, qc_warning) VALUES ",
            values: "(?, ?, ?, ?, ?, ?, ?, ?)", rowsPerGroup: Self.rowsPerGroup
        ) { insert, row in
            let (v, sampleKey) = row
            insert.bind(sampleKey)
            insert.bind(v.olinkID)
            insert.bind(v.uniProt)
            insert.bind(v.assay)
            insert.bind(v.panel)
            insert.bind(v.npx)
            insert.bind(v.lod)
            insert.bind(v.qcWarning)
        }
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
        for c in Comorbidity.allCases { patients.bind(p.history(c)) }
        patients.bind(p.immunocompromised)
        patients.bind(p.consentRefused)
        try patients.step()
        count(.patients)
        for (k, value) in p.declared.enumerated() {
            guard let value else { continue }
            baselineValues.bind(key)
            baselineValues.bind(k + 1)
            baselineValues.bind(value)
            try baselineValues.step()
        }
    }

    /// Variables get ids 1, 2, … in declaration order: `Patient.declared[k]` is variable k + 1.
    mutating func baselineVariable(_ v: BaselineVariable) throws {
        variables.bind(rowCounts[Self.ordinal[.variables] ?? 0] + 1)
        variables.bind(v.name)
        variables.bind(v.label)
        variables.bind(v.kind.rawValue)
        variables.bind(v.unit)
        variables.bind(v.kind == .categorical ? v.levels.joined(separator: "|") : nil)
        variables.bind(v.kind == .categorical ? v.levelLabels.joined(separator: "|") : nil)
        variables.bind(v.minimum)
        variables.bind(v.maximum)
        try variables.step()
        count(.variables)
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
        try measurements.add(
            MeasurementInsert(
                patientKey: patientKey, time: m.time, format: format.rawValue, parameter: texts.hold(m.parameter), value: m.value,
                sourceValue: m.sourceValue, unit: texts.hold(m.sourceUnit)))
        rowCounts[Self.measurementOrdinal] += 1
    }

    mutating func valueNames(_ names: ValueNames) throws {
        heldNames.append((texts.hold(names.parameter), texts.hold(names.unit)))
    }

    mutating func measurement(_ row: MeasurementRow, patientID: () -> String, names: () -> ValueNames) throws {
        let index = Int(row.names)
        guard index >= 0, index < heldNames.count else {
            throw StoreError.database("internal: measurement row names \(index) of \(heldNames.count) announced names")
        }
        let (parameter, unit) = heldNames[index]
        try measurements.add(
            MeasurementInsert(
                patientKey: row.patientKey, time: row.time, format: row.format.rawValue, parameter: parameter, value: row.value,
                sourceValue: row.sourceValue, unit: unit))
        rowCounts[Self.measurementOrdinal] += 1
    }

    /// Inserts the rows the grouped inserts still hold back.
    mutating func flush() throws {
        try measurements.flush()
        try cytokines.flush()
        try proteomicsValues.flush()
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
        try cytokines.add((c, patientKey, format))
        rowCounts[Self.cytokineOrdinal] += 1
    }

    mutating func proteomics(_ v: ProteomicsValue, sampleKey: Int) throws {
        try proteomicsValues.add((v, sampleKey))
        rowCounts[Self.proteomicsOrdinal] += 1
    }
}
