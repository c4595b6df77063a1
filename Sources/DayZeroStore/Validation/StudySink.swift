import DayZeroCohort

/// How the times of one ICU-course row were written, and the admission anchor that converts
/// timestamps of that patient to ICU days.
struct CourseFormats: Sendable, Hashable {
    var admission: TimeFormat
    /// The admission as a local timestamp; `nil` when it was the day number 0.
    var admissionTimestamp: LocalTimestamp?
    var discharge: TimeFormat?
    var ventilationStart: TimeFormat?
    var ventilationEnd: TimeFormat?
    var death: TimeFormat?
    var followUpEnd: TimeFormat?
}

/// A parameter (or analyte) name and a unit as written in a file, announced to a sink once
/// before the `MeasurementRow`s that name them by number.
struct ValueNames: Sendable, Hashable {
    var parameter: String
    var unit: String
}

/// A valid measurement row with its strings replaced by numbers: the patient by its key, the
/// parameter and unit by the index of their `ValueNames` (0-based, in order of announcement).
///
/// Why: at registry scale measurements.csv has hundreds of millions of rows naming a few
/// dozen (parameter, unit) pairs and one patient per few hundred rows. A row without strings
/// is copied between the threads of an import without reference counting, and the database
/// writer binds the names from text it holds once.
struct MeasurementRow: Sendable, Hashable {
    var patientKey: Int
    var time: Double
    /// Value in the parameter's canonical unit.
    var value: Double
    var sourceValue: Double
    var names: Int32
    var format: TimeFormat
}

/// Receives the rows of a study folder that passed validation, table by table in the order
/// parameters, patients, icu_course, proteomics_samples, measurements, medications, events,
/// cytokines, proteomics. The validator stops calling the sink at the first problem (the
/// result would be discarded anyway); an error thrown by the sink aborts the whole read.
///
/// `key`s are 1-based ordinals in file order: a patient's key is its row number among the
/// patients, a proteomics sample's key its row number among the samples.
protocol StudySink {
    mutating func tablePresent(_ table: StudyTable) throws
    mutating func parameter(_ p: ParameterDefinition) throws
    /// A baseline variable declared in variables.csv (before the patients that use it).
    mutating func baselineVariable(_ v: BaselineVariable) throws
    mutating func patient(_ p: Patient, key: Int) throws
    mutating func course(_ c: ICUCourse, patientKey: Int, formats: CourseFormats) throws
    mutating func proteomicsSample(_ s: ProteomicsSample, key: Int, patientKey: Int, format: TimeFormat) throws
    mutating func measurement(_ m: Measurement, patientKey: Int, format: TimeFormat) throws
    /// Announces the names that the following `MeasurementRow`s refer to by `names` (the
    /// first announcement is index 0). Announcements are not rows of the study.
    mutating func valueNames(_ names: ValueNames) throws
    /// A measurement given by numbers: the same row as `measurement(_:patientKey:format:)` with
    /// the patient's ID and the announced names, which a sink asks for only if it needs them.
    mutating func measurement(_ row: MeasurementRow, patientID: () -> String, names: () -> ValueNames) throws
    mutating func medication(_ m: MedicationAdministration, patientKey: Int, format: TimeFormat) throws
    mutating func event(_ e: ClinicalEvent, patientKey: Int, format: TimeFormat) throws
    mutating func cytokine(_ c: CytokineMeasurement, patientKey: Int, format: TimeFormat) throws
    mutating func proteomics(_ v: ProteomicsValue, sampleKey: Int) throws
}

extension StudySink {
    /// Sinks that take measurements only as `Measurement`s need no announcements.
    mutating func valueNames(_ names: ValueNames) throws {}

    /// Hands the row on as a `Measurement`.
    mutating func measurement(_ row: MeasurementRow, patientID: () -> String, names: () -> ValueNames) throws {
        let names = names()
        try measurement(
            Measurement(
                patientID: patientID(), time: row.time, parameter: names.parameter, value: row.value, sourceValue: row.sourceValue,
                sourceUnit: names.unit),
            patientKey: row.patientKey, format: row.format)
    }
}

/// Collects the validated rows into a `StudyData`.
struct StudyDataBuilder: StudySink {
    var data = StudyData()

    mutating func tablePresent(_ table: StudyTable) {}
    mutating func parameter(_ p: ParameterDefinition) { data.declaredParameters.append(p) }
    mutating func baselineVariable(_ v: BaselineVariable) { data.baselineVariables.append(v) }
    mutating func patient(_ p: Patient, key: Int) { data.patients.append(p) }
    mutating func course(_ c: ICUCourse, patientKey: Int, formats: CourseFormats) { data.courses.append(c) }
    mutating func proteomicsSample(_ s: ProteomicsSample, key: Int, patientKey: Int, format: TimeFormat) {
        data.proteomicsSamples.append(s)
    }
    mutating func measurement(_ m: Measurement, patientKey: Int, format: TimeFormat) { data.measurements.append(m) }
    mutating func medication(_ m: MedicationAdministration, patientKey: Int, format: TimeFormat) {
        data.medications.append(m)
    }
    mutating func event(_ e: ClinicalEvent, patientKey: Int, format: TimeFormat) { data.events.append(e) }
    mutating func cytokine(_ c: CytokineMeasurement, patientKey: Int, format: TimeFormat) { data.cytokines.append(c) }
    mutating func proteomics(_ v: ProteomicsValue, sampleKey: Int) { data.proteomics.append(v) }
}

/// A sink that keeps nothing (validation only).
struct DiscardingSink: StudySink {
    mutating func tablePresent(_ table: StudyTable) {}
    mutating func parameter(_ p: ParameterDefinition) {}
    mutating func baselineVariable(_ v: BaselineVariable) {}
    mutating func patient(_ p: Patient, key: Int) {}
    mutating func course(_ c: ICUCourse, patientKey: Int, formats: CourseFormats) {}
    mutating func proteomicsSample(_ s: ProteomicsSample, key: Int, patientKey: Int, format: TimeFormat) {}
    mutating func measurement(_ m: Measurement, patientKey: Int, format: TimeFormat) {}
    mutating func medication(_ m: MedicationAdministration, patientKey: Int, format: TimeFormat) {}
    mutating func event(_ e: ClinicalEvent, patientKey: Int, format: TimeFormat) {}
    mutating func cytokine(_ c: CytokineMeasurement, patientKey: Int, format: TimeFormat) {}
    mutating func proteomics(_ v: ProteomicsValue, sampleKey: Int) {}
}
