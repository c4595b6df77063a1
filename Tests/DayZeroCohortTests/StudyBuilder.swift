@testable import DayZeroCohort

/// Hand-made studies for the rule tests: ICU-day numbers, every patient mechanically
/// ventilated from admission unless told otherwise.
struct StudyBuilder {
    var data = StudyData()

    mutating func patient(
        _ id: String, discharge: Double? = 40, ventilation: (start: Double, end: Double?)? = (0, 30), death: Double? = nil,
        followUpEnd: Double? = nil, immunocompromised: Bool = false, consentRefused: Bool = false
    ) {
        data.patients.append(Patient(
            id: id, site: "A", sex: .male, age: 60, immunocompromised: immunocompromised, consentRefused: consentRefused))
        data.courses.append(ICUCourse(
            patientID: id, discharge: discharge, ventilationStart: ventilation?.start, ventilationEnd: ventilation?.end,
            death: death, followUpEnd: followUpEnd))
    }

    /// A treated patient: `treatment` given at `start` (and the next day).
    mutating func treated(_ id: String, start: Double, drug: String = "anakinra") {
        data.medications.append(MedicationAdministration(patientID: id, drug: drug, time: start))
        data.medications.append(MedicationAdministration(patientID: id, drug: drug, time: start + 1))
    }

    mutating func give(_ id: String, _ drug: String, at time: Double) {
        data.medications.append(MedicationAdministration(patientID: id, drug: drug, time: time))
    }

    mutating func measure(_ id: String, _ parameter: String, at time: Double, _ value: Double) {
        let unit = ParameterCatalog.definition(named: parameter)?.unit ?? "?"
        data.measurements.append(Measurement(patientID: id, time: time, parameter: parameter, value: value, sourceUnit: unit))
    }

    mutating func cytokine(_ id: String, _ analyte: String, at time: Double, _ value: Double, admission: Bool = false) {
        data.cytokines.append(CytokineMeasurement(
            patientID: id, sampleID: "\(id)-\(time)-\(admission)", time: time, timepoint: admission ? .admission : .serial,
            analyte: analyte, value: value, sourceUnit: "pg/mL"))
    }

    mutating func event(_ id: String, _ kind: String, at time: Double) {
        data.events.append(ClinicalEvent(patientID: id, event: kind, time: time))
    }

    func derive(_ p: StudyProtocol = .paperDefault) throws -> DerivedCohort {
        try CohortDerivation.derive(data, protocol: p)
    }
}

extension DerivedCohort {
    func patient(_ id: String) -> Int? { patientIndex(of: id) }
}
