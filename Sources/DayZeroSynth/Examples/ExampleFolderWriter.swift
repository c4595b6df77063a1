import DayZeroCohort
import Foundation

/// Writes the study folder of an example cohort that declares its own baseline variables and
/// parameters: `patients.csv` with the identity columns, `bmi` and one column per declared
/// variable (no other built-in columns: the study does not record them), `icu_course`,
/// `measurements`, `medications`, `events`, `parameters` and `variables`. The same
/// ``TableSink`` and ``CSVBuffer`` as the Kooistra cohort's writer, so numbers are printed the
/// same way (fixed decimals by integer arithmetic).
final class ExampleFolderWriter {
    private let patients: TableSink<Patient>
    private let courses: TableSink<ICUCourse>
    private let measurements: TableSink<(Measurement, Int)>
    private let medications: TableSink<MedicationAdministration>
    private let events: TableSink<ClinicalEvent>
    private let parameters: TableSink<ParameterDefinition>
    private let variables: TableSink<BaselineVariable>


    init(folder: URL, variables declared: [BaselineVariable], parameters added: [ParameterDefinition]) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw SynthError.cannotWrite(path: folder.path, reason: error.localizedDescription)
        }
        // Remove the study files an earlier run may have left (a folder holds only one study).
        for table in StudyTable.allCases {
            let url = folder.appendingPathComponent(table.fileName)
            if FileManager.default.fileExists(atPath: url.path) {
                do {
                    try FileManager.default.removeItem(at: url)
                } catch {
                    throw SynthError.cannotWrite(path: url.path, reason: error.localizedDescription)
                }
            }
        }
        var patientFields: [String: TableSink<Patient>.Field] = [
            "patient_id": { $0.text($1.id) },
            "site": { $0.text($1.site) },
            "sex": { $0.text($1.sex.rawValue) },
            "age": { $0.number($1.age, decimals: 1, trim: true) },
            "bmi": { $0.number($1.bmi, decimals: 1) },
        ]
        for (k, variable) in declared.enumerated() {
            patientFields[variable.name] = { buffer, patient in
                guard k < patient.declared.count, let value = patient.declared[k] else { return }
                switch variable.kind {
                case .binary: buffer.flag(value != 0)
                case .categorical:
                    let level = Int(value)
                    if level >= 0 && level < variable.levels.count { buffer.text(variable.levels[level]) }
                case .continuous: buffer.number(value, decimals: 1, trim: true)
                }
            }
        }
        patients = try TableSink(
            .patients, folder: folder, fields: patientFields, only: ["patient_id", "site", "sex", "age", "bmi"] + declared.map(\.name))
        courses = try TableSink(.icuCourse, folder: folder, fields: StudyRowFields.courses)
        measurements = try TableSink(.measurements, folder: folder, fields: StudyRowFields.measurements)
        medications = try TableSink(.medications, folder: folder, fields: StudyRowFields.medications)
        events = try TableSink(.events, folder: folder, fields: StudyRowFields.events)
        parameters = try TableSink(.parameters, folder: folder, fields: [
            "parameter": { $0.text($1.name) },
            "label": { $0.text($1.label) },
            "kind": { $0.text($1.kind.rawValue) },
            "unit": { $0.text($1.unit) },
            "aggregation": { $0.text($1.aggregation.rawValue) },
            "minimum": { $0.number($1.minimum, decimals: 3, trim: true) },
            "maximum": { $0.number($1.maximum, decimals: 3, trim: true) },
        ])
        variables = try TableSink(.variables, folder: folder, fields: [
            "variable": { $0.text($1.name) },
            "label": { $0.text($1.label) },
            "kind": { $0.text($1.kind.rawValue) },
            "unit": { buffer, row in if let unit = row.unit { buffer.text(unit) } },
            "levels": { buffer, row in if !row.levels.isEmpty { buffer.text(row.levels.joined(separator: "|")) } },
            "level_labels": { buffer, row in if !row.levels.isEmpty { buffer.text(row.levelLabels.joined(separator: "|")) } },
            "minimum": { $0.number($1.minimum, decimals: 3, trim: true) },
            "maximum": { $0.number($1.maximum, decimals: 3, trim: true) },
        ])
        for row in added { try parameters.write(row) }
        for row in declared { try variables.write(row) }
    }

    func write(_ record: PatientRecord) throws {
        try patients.write(record.patient)
        try courses.write(record.course)
        for row in record.measurements { try measurements.write(row) }
        for row in record.medications { try medications.write(row) }
        for row in record.events { try events.write(row) }
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
        try finish(parameters)
        try finish(variables)
        return (rows, bytes)
    }
}
