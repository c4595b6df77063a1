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
    mutating func patient(_ p: Patient, key: Int) throws
    mutating func course(_ c: ICUCourse, patientKey: Int, formats: CourseFormats) throws
    mutating func proteomicsSample(_ s: ProteomicsSample, key: Int, patientKey: Int, format: TimeFormat) throws
    mutating func measurement(_ m: Measurement, patientKey: Int, format: TimeFormat) throws
    mutating func medication(_ m: MedicationAdministration, patientKey: Int, format: TimeFormat) throws
    mutating func event(_ e: ClinicalEvent, patientKey: Int, format: TimeFormat) throws
    mutating func cytokine(_ c: CytokineMeasurement, patientKey: Int, format: TimeFormat) throws
    mutating func proteomics(_ v: ProteomicsValue, sampleKey: Int) throws
}

/// Collects the validated rows into a `StudyData`.
struct StudyDataBuilder: StudySink {
    var data = StudyData()

    mutating func tablePresent(_ table: StudyTable) {}
    mutating func parameter(_ p: ParameterDefinition) { data.declaredParameters.append(p) }
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
    mutating func patient(_ p: Patient, key: Int) {}
    mutating func course(_ c: ICUCourse, patientKey: Int, formats: CourseFormats) {}
    mutating func proteomicsSample(_ s: ProteomicsSample, key: Int, patientKey: Int, format: TimeFormat) {}
    mutating func measurement(_ m: Measurement, patientKey: Int, format: TimeFormat) {}
    mutating func medication(_ m: MedicationAdministration, patientKey: Int, format: TimeFormat) {}
    mutating func event(_ e: ClinicalEvent, patientKey: Int, format: TimeFormat) {}
    mutating func cytokine(_ c: CytokineMeasurement, patientKey: Int, format: TimeFormat) {}
    mutating func proteomics(_ v: ProteomicsValue, sampleKey: Int) {}
}
