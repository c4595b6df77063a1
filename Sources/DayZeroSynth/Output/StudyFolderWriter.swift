import DayZeroCohort
import Foundation

/// Writes one study table as CSV, row by row, through a 1 MiB buffer. The header and the
/// column order come from ``StudyTable/columns`` (the single definition of the format); each
/// column is bound once to the function that prints it, so a column added to the schema that
/// the generator cannot fill is an error at start-up (if required) or an empty field (if optional).
final class TableSink<Row> {
    typealias Field = (inout CSVBuffer, Row) -> Void

    let table: StudyTable
    let url: URL
    private let handle: FileHandle
    private var buffer = CSVBuffer(capacity: 1 << 20)
    private let fields: [Field]
    private(set) var rows = 0
    private(set) var bytes = 0
    private static var flushThreshold: Int { 1 << 20 }

    /// - Parameter only: the columns to write, in this order (the table's required columns and
    ///   further columns such as declared baseline variables); `nil`: every column of the table.
    init(_ table: StudyTable, folder: URL, fields available: [String: Field], only: [String]? = nil) throws {
        var fields: [Field] = []
        var names: [String] = []
        if let only {
            for column in table.columns where column.isRequired && !only.contains(column.name) {
                throw SynthError.unmappedColumn(table: table.fileName, column: column.name)
            }
            for name in only {
                guard let field = available[name] else { throw SynthError.unmappedColumn(table: table.fileName, column: name) }
                fields.append(field)
                names.append(name)
            }
        } else {
            for column in table.columns {
                if let field = available[column.name] {
                    fields.append(field)
                } else if column.isRequired {
                    throw SynthError.unmappedColumn(table: table.fileName, column: column.name)
                } else {
                    fields.append { _, _ in }
                }
                names.append(column.name)
            }
        }
        self.table = table
        self.fields = fields
        url = folder.appendingPathComponent(table.fileName)
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw SynthError.cannotWrite(path: url.path, reason: "the file could not be created")
        }
        do {
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw SynthError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
        for (k, name) in names.enumerated() {
            if k > 0 { buffer.comma() }
            buffer.text(name)
        }
        buffer.newline()
    }

    func write(_ row: Row) throws {
        // One exclusive access to the buffer per row (not one per field).
        Self.encode(row, fields: fields, into: &buffer)
        rows += 1
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    private static func encode(_ row: Row, fields: [Field], into buffer: inout CSVBuffer) {
        for k in fields.indices {
            if k > 0 { buffer.comma() }
            fields[k](&buffer, row)
        }
        buffer.newline()
    }

    func flush() throws {
        guard buffer.count > 0 else { return }
        do {
            try handle.write(contentsOf: buffer.bytes)
        } catch {
            throw SynthError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
        bytes += buffer.count
        buffer.removeAll()
    }

    func close() throws {
        try flush()
        do {
            try handle.close()
        } catch {
            throw SynthError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }
}

/// The eight tables of a synthetic study folder, open for streaming.
final class StudyFolderWriter {
    private let patients: TableSink<Patient>
    private let courses: TableSink<ICUCourse>
    private let measurements: TableSink<(Measurement, Int)>
    private let medications: TableSink<MedicationAdministration>
    private let events: TableSink<ClinicalEvent>
    private let cytokines: TableSink<(CytokineMeasurement, Int)>
    private let proteomicsSamples: TableSink<ProteomicsSample>
    private let proteomics: TableSink<ProteomicsValue>

    /// Times: ICU-day numbers with up to two decimals, trailing zeros dropped (12, 12.5, 24.37).
    private static func time(_ buffer: inout CSVBuffer, _ value: Double?) { StudyRowFields.time(&buffer, value) }

    init(folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw SynthError.cannotWrite(path: folder.path, reason: error.localizedDescription)
        }
        var patientFields: [String: TableSink<Patient>.Field] = [
            "patient_id": { $0.text($1.id) },
            "site": { $0.text($1.site) },
            "sex": { $0.text($1.sex.rawValue) },
            "age": { $0.number($1.age, decimals: 1, trim: true) },
            "bmi": { $0.number($1.bmi, decimals: 1) },
            "apache_ii": { $0.number($1.apacheII, decimals: 1, trim: true) },
            "symptom_days": { $0.number($1.symptomDays, decimals: 1, trim: true) },
            "immunocompromised": { $0.flag($1.immunocompromised) },
            "consent_refused": { $0.flag($1.consentRefused) },
        ]
        for comorbidity in Comorbidity.allCases {
            patientFields[comorbidity.rawValue] = { $0.flag($1.history(comorbidity)) }
        }
        patients = try TableSink(.patients, folder: folder, fields: patientFields)
        courses = try TableSink(.icuCourse, folder: folder, fields: StudyRowFields.courses)
        measurements = try TableSink(.measurements, folder: folder, fields: StudyRowFields.measurements)
        medications = try TableSink(.medications, folder: folder, fields: StudyRowFields.medications)
        events = try TableSink(.events, folder: folder, fields: StudyRowFields.events)
        cytokines = try TableSink(.cytokines, folder: folder, fields: [
            "patient_id": { $0.text($1.0.patientID) },
            "sample_id": { $0.text($1.0.sampleID) },
            "time": { Self.time(&$0, $1.0.time) },
            "timepoint": { $0.text($1.0.timepoint.rawValue) },
            "analyte": { $0.text($1.0.analyte) },
            "value": { $0.number($1.0.sourceValue, decimals: $1.1) },
            "unit": { $0.text($1.0.sourceUnit) },
            "below_lod": { $0.flag($1.0.belowLOD) },
        ])
        proteomicsSamples = try TableSink(.proteomicsSamples, folder: folder, fields: [
            "SampleID": { $0.text($1.sampleID) },
            "patient_id": { $0.text($1.patientID) },
            "time": { Self.time(&$0, $1.time) },
            "timepoint": { $0.text($1.timepoint.rawValue) },
        ])
        proteomics = try TableSink(.proteomics, folder: folder, fields: [
            "SampleID": { $0.text($1.sampleID) },
            "OlinkID": { buffer, row in if let id = row.olinkID { buffer.text(id) } },
            "UniProt": { $0.text($1.uniProt) },
            "Assay": { $0.text($1.assay) },
            "Panel": { buffer, row in if let panel = row.panel { buffer.text(panel) } },
            "NPX": { $0.number($1.npx, decimals: 3) },
            "LOD": { $0.number($1.lod, decimals: 3) },
            "QC_Warning": { $0.text($1.qcWarning ? "WARN" : "PASS") },
        ])
    }

    func write(_ record: PatientRecord) throws {
        try patients.write(record.patient)
        try courses.write(record.course)
        for row in record.measurements { try measurements.write(row) }
        for row in record.medications { try medications.write(row) }
        for row in record.events { try events.write(row) }
        for row in record.cytokines { try cytokines.write(row) }
        for row in record.proteomicsSamples { try proteomicsSamples.write(row) }
        for row in record.proteomics { try proteomics.write(row) }
    }

    /// Flushes and closes every file; returns rows and bytes per table.
    func close() throws -> (rows: [StudyTable: Int], bytes: Int) {
        var rows: [StudyTable: Int] = [:]
        var bytes = 0
        func finish<Row>(_ sink: TableSink<Row>) throws {
            try sink.close()
            rows[sink.table] = sink.rows
            bytes += sink.bytes
        }
        try finish(patients)
        try finish(courses)
        try finish(measurements)
        try finish(medications)
        try finish(events)
        try finish(cytokines)
        try finish(proteomicsSamples)
        try finish(proteomics)
        return (rows, bytes)
    }
}

/// How the rows of the tables every synthetic study writes the same way become CSV fields, by
/// column name (shared by `StudyFolderWriter` and `ExampleFolderWriter`). Times are ICU-day
/// numbers with at most two decimals.
enum StudyRowFields {
    static func time(_ buffer: inout CSVBuffer, _ value: Double?) { buffer.number(value, decimals: 2, trim: true) }

    static var courses: [String: TableSink<ICUCourse>.Field] {
        [
            "patient_id": { $0.text($1.patientID) },
            "icu_admission": { buffer, course in
                if let stamp = course.admissionTimestamp { buffer.text(stamp) } else { buffer.integer(0) }
            },
            "icu_discharge": { time(&$0, $1.discharge) },
            "ventilation_start": { time(&$0, $1.ventilationStart) },
            "ventilation_end": { time(&$0, $1.ventilationEnd) },
            "death": { time(&$0, $1.death) },
            "follow_up_end": { time(&$0, $1.followUpEnd) },
        ]
    }

    /// A measurement with the number of decimals its source value is written with.
    static var measurements: [String: TableSink<(DayZeroCohort.Measurement, Int)>.Field] {
        [
            "patient_id": { $0.text($1.0.patientID) },
            "time": { time(&$0, $1.0.time) },
            "parameter": { $0.text($1.0.parameter) },
            "value": { $0.number($1.0.sourceValue, decimals: $1.1) },
            "unit": { $0.text($1.0.sourceUnit) },
        ]
    }

    static var medications: [String: TableSink<MedicationAdministration>.Field] {
        [
            "patient_id": { $0.text($1.patientID) },
            "drug": { $0.text($1.drug) },
            "time": { time(&$0, $1.time) },
            "dose": { $0.number($1.dose, decimals: 2, trim: true) },
            "dose_unit": { buffer, row in if let unit = row.doseUnit { buffer.text(unit) } },
        ]
    }

    static var events: [String: TableSink<ClinicalEvent>.Field] {
        [
            "patient_id": { $0.text($1.patientID) },
            "event": { $0.text($1.event) },
            "time": { time(&$0, $1.time) },
            "detail": { buffer, row in if let detail = row.detail { buffer.text(detail) } },
        ]
    }
}
