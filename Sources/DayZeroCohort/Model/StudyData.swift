/// The in-memory form of one study: every table of the cohort data format
/// (`docs/data-format.md`), already validated and converted to canonical units.
///
/// Times are on the ICU-day scale: `0` is the moment of ICU admission and one unit is
/// 24 hours, so ICU day `d` is the half-open interval `[d, d + 1)`. Data given as day
/// numbers are integers on this scale; data given as timestamps are converted with
/// `(timestamp − admission) / 24 h` and may carry a fraction.
public struct StudyData: Sendable, Equatable {
    public var patients: [Patient]
    public var courses: [ICUCourse]
    /// Stored by column (`MeasurementTable`); iterates as `Measurement` values.
    public var measurements: MeasurementTable
    public var medications: [MedicationAdministration]
    public var events: [ClinicalEvent]
    public var cytokines: [CytokineMeasurement]
    public var proteomicsSamples: [ProteomicsSample]
    public var proteomics: [ProteomicsValue]
    /// Parameters declared by the study itself (`parameters.csv`), on top of the built-in catalog.
    public var declaredParameters: [ParameterDefinition]
    /// Baseline variables declared by the study itself (`variables.csv`), on top of
    /// `BaselineCatalog`; `Patient.declared` holds their values in this order.
    public var baselineVariables: [BaselineVariable]

    public init(
        patients: [Patient] = [], courses: [ICUCourse] = [], measurements: MeasurementTable = [],
        medications: [MedicationAdministration] = [], events: [ClinicalEvent] = [],
        cytokines: [CytokineMeasurement] = [], proteomicsSamples: [ProteomicsSample] = [],
        proteomics: [ProteomicsValue] = [], declaredParameters: [ParameterDefinition] = [],
        baselineVariables: [BaselineVariable] = []
    ) {
        self.patients = patients
        self.courses = courses
        self.measurements = measurements
        self.medications = medications
        self.events = events
        self.cytokines = cytokines
        self.proteomicsSamples = proteomicsSamples
        self.proteomics = proteomics
        self.declaredParameters = declaredParameters
        self.baselineVariables = baselineVariables
    }

    /// The baseline variables of this study (identity, built-in, declared) by name.
    public var baselineRegistry: BaselineRegistry { BaselineRegistry(declared: baselineVariables) }
}

/// Biological sex as recorded at admission.
public enum Sex: String, Sendable, Codable, CaseIterable, Hashable {
    case male = "M"
    case female = "F"
}

/// The nine medical-history rows of the paper's Table 1, in the paper's order.
public enum Comorbidity: String, Sendable, Codable, CaseIterable, Hashable {
    case cardiovascularInsufficiency = "cardiovascular_insufficiency"
    case hypertension = "hypertension"
    case respiratoryInsufficiency = "respiratory_insufficiency"
    case renalInsufficiency = "renal_insufficiency"
    case metastaticNeoplasm = "metastatic_neoplasm"
    case immunologicalInsufficiency = "immunological_insufficiency"
    case copd = "copd"
    case diabetesMellitus = "diabetes_mellitus"
    case hematologicMalignancy = "hematologic_malignancy"

    /// The label used in tables and reports.
    public var label: String {
        switch self {
        case .cardiovascularInsufficiency: "Cardiovascular insufficiency"
        case .hypertension: "Hypertension"
        case .respiratoryInsufficiency: "Respiratory insufficiency"
        case .renalInsufficiency: "Renal insufficiency"
        case .metastaticNeoplasm: "Metastatic neoplasm"
        case .immunologicalInsufficiency: "Immunological insufficiency"
        case .copd: "Chronic obstructive pulmonary disease"
        case .diabetesMellitus: "Diabetes mellitus"
        case .hematologicMalignancy: "Hematologic malignancy"
        }
    }
}

/// One screened patient (`patients.csv`). Only the identity (`id`, `site`, `sex`, `age`) is
/// required; every baseline variable may be unknown (`nil`, an empty cell).
public struct Patient: Sendable, Equatable, Hashable {
    public var id: String
    public var site: String
    public var sex: Sex
    /// Years at ICU admission.
    public var age: Double
    /// kg/m².
    public var bmi: Double?
    /// APACHE II score at ICU admission.
    public var apacheII: Double?
    /// Days from first symptoms until ICU admission.
    public var symptomDays: Double?
    /// The comorbidities recorded as present.
    public var comorbidities: Set<Comorbidity>
    /// The comorbidities whose presence is unknown (empty cell or no column); the others not in
    /// `comorbidities` were recorded as absent.
    public var unknownHistory: Set<Comorbidity>
    /// Exclusion fact: pre-existing immunocompromised state; `nil` = unknown.
    public var immunocompromised: Bool?
    /// Exclusion fact: the patient or a representative declined participation; `nil` = unknown.
    public var consentRefused: Bool?
    /// Values of the study's declared baseline variables (`StudyData.baselineVariables` order;
    /// `BaselineRegistry.value` reads them): binary 1/0, categorical the level index,
    /// continuous the number; `nil` = unknown.
    public var declared: [Double?]

    public init(
        id: String, site: String, sex: Sex, age: Double, bmi: Double? = nil, apacheII: Double? = nil,
        symptomDays: Double? = nil, comorbidities: Set<Comorbidity> = [], unknownHistory: Set<Comorbidity> = [],
        immunocompromised: Bool? = false, consentRefused: Bool? = false, declared: [Double?] = []
    ) {
        self.id = id
        self.site = site
        self.sex = sex
        self.age = age
        self.bmi = bmi
        self.apacheII = apacheII
        self.symptomDays = symptomDays
        self.comorbidities = comorbidities
        self.unknownHistory = unknownHistory.subtracting(comorbidities)
        self.immunocompromised = immunocompromised
        self.consentRefused = consentRefused
        self.declared = declared
    }

    /// Whether `comorbidity` was recorded as present (`true`), absent (`false`) or not at all (`nil`).
    public func history(_ comorbidity: Comorbidity) -> Bool? {
        if comorbidities.contains(comorbidity) { return true }
        return unknownHistory.contains(comorbidity) ? nil : false
    }
}

/// The ICU course of one patient (`icu_course.csv`), on the ICU-day scale.
public struct ICUCourse: Sendable, Equatable, Hashable {
    public var patientID: String
    /// The admission moment as written in the source when it was a timestamp
    /// (ISO 8601 local time, `YYYY-MM-DDTHH:MM[:SS]`); `nil` when the study uses day numbers.
    public var admissionTimestamp: String?
    /// ICU discharge (alive or dead); `nil` while still in the ICU at data lock.
    public var discharge: Double?
    public var ventilationStart: Double?
    /// `nil` while still ventilated at data lock (or at death, see `death`).
    public var ventilationEnd: Double?
    /// Death, in or after the ICU; `nil` if alive at `followUpEnd`.
    public var death: Double?
    /// Last moment the patient's vital status is known (censoring time for survival); `nil` = discharge.
    public var followUpEnd: Double?

    public init(
        patientID: String, admissionTimestamp: String? = nil, discharge: Double? = nil,
        ventilationStart: Double? = nil, ventilationEnd: Double? = nil, death: Double? = nil,
        followUpEnd: Double? = nil
    ) {
        self.patientID = patientID
        self.admissionTimestamp = admissionTimestamp
        self.discharge = discharge
        self.ventilationStart = ventilationStart
        self.ventilationEnd = ventilationEnd
        self.death = death
        self.followUpEnd = followUpEnd
    }
}

/// The ICU day (24-hour period since admission) that contains `time`. Never traps: a time
/// outside ±10^15 days (or NaN) — which import and the store reader refuse, see
/// `StudyLimits.maximumAbsoluteDay` — is clamped so later day arithmetic cannot overflow.
@inlinable
public func icuDay(_ time: Double) -> Int {
    let day = time.rounded(.down)
    if day >= -1e15 && day <= 1e15 { return Int(day) }
    return day > 0 ? 1_000_000_000_000_000 : -1_000_000_000_000_000
}

/// One measured value (`measurements.csv`), already in the parameter's canonical unit.
public struct Measurement: Sendable, Equatable, Hashable {
    public var patientID: String
    public var time: Double
    public var parameter: String
    /// Value in the parameter's canonical unit.
    public var value: Double
    /// The value and unit as written in the source, kept so an export reproduces the input.
    public var sourceValue: Double
    public var sourceUnit: String

    public var day: Int { icuDay(time) }

    public init(patientID: String, time: Double, parameter: String, value: Double, sourceValue: Double? = nil, sourceUnit: String) {
        self.patientID = patientID
        self.time = time
        self.parameter = parameter
        self.value = value
        self.sourceValue = sourceValue ?? value
        self.sourceUnit = sourceUnit
    }
}

/// One administration of a drug (`medications.csv`). The study treatment is one of the drugs.
public struct MedicationAdministration: Sendable, Equatable, Hashable {
    public var patientID: String
    public var drug: String
    public var time: Double
    public var dose: Double?
    public var doseUnit: String?

    public var day: Int { icuDay(time) }

    public init(patientID: String, drug: String, time: Double, dose: Double? = nil, doseUnit: String? = nil) {
        self.patientID = patientID
        self.drug = drug
        self.time = time
        self.dose = dose
        self.doseUnit = doseUnit
    }
}

/// A dated clinical event (`events.csv`), e.g. a secondary infection dated by its culture.
public struct ClinicalEvent: Sendable, Equatable, Hashable {
    public var patientID: String
    public var event: String
    public var time: Double
    public var detail: String?

    public var day: Int { icuDay(time) }

    public init(patientID: String, event: String, time: Double, detail: String? = nil) {
        self.patientID = patientID
        self.event = event
        self.time = time
        self.detail = detail
    }
}

/// Which sample of a patient a cytokine value comes from.
public enum CytokineTimepoint: String, Sendable, Codable, CaseIterable, Hashable {
    /// The sample drawn at ICU admission.
    case admission
    /// A sample of the serial series.
    case serial
}

/// One cytokine concentration (`cytokines.csv`), in the analyte's canonical unit (pg/mL).
public struct CytokineMeasurement: Sendable, Equatable, Hashable {
    public var patientID: String
    public var sampleID: String
    public var time: Double
    public var timepoint: CytokineTimepoint
    public var analyte: String
    public var value: Double
    public var sourceValue: Double
    public var sourceUnit: String
    /// The laboratory reported the value as below its limit of detection (value = the LOD).
    public var belowLOD: Bool

    public var day: Int { icuDay(time) }

    public init(
        patientID: String, sampleID: String, time: Double, timepoint: CytokineTimepoint, analyte: String,
        value: Double, sourceValue: Double? = nil, sourceUnit: String, belowLOD: Bool = false
    ) {
        self.patientID = patientID
        self.sampleID = sampleID
        self.time = time
        self.timepoint = timepoint
        self.analyte = analyte
        self.value = value
        self.sourceValue = sourceValue ?? value
        self.sourceUnit = sourceUnit
        self.belowLOD = belowLOD
    }
}

/// Whether a proteomics sample was drawn before or after the start of the study treatment
/// (for controls: before or after their alignment day).
public enum ProteomicsTimepoint: String, Sendable, Codable, CaseIterable, Hashable {
    case pre
    case post
}

/// A proteomics sample (`proteomics_samples.csv`): maps an Olink `SampleID` to a patient and time.
public struct ProteomicsSample: Sendable, Equatable, Hashable {
    public var sampleID: String
    public var patientID: String
    public var time: Double
    public var timepoint: ProteomicsTimepoint

    public var day: Int { icuDay(time) }

    public init(sampleID: String, patientID: String, time: Double, timepoint: ProteomicsTimepoint) {
        self.sampleID = sampleID
        self.patientID = patientID
        self.time = time
        self.timepoint = timepoint
    }
}

/// One Olink NPX value (`proteomics.csv`, Olink long layout). NPX is on a log2 scale.
public struct ProteomicsValue: Sendable, Equatable, Hashable {
    public var sampleID: String
    public var assay: String
    public var uniProt: String
    public var olinkID: String?
    public var panel: String?
    public var npx: Double
    /// Assay limit of detection in NPX, if reported.
    public var lod: Double?
    /// Olink's `QC_Warning`: `true` when the sample failed QC ("WARN").
    public var qcWarning: Bool

    public var belowLOD: Bool {
        guard let lod else { return false }
        return npx < lod
    }

    public init(
        sampleID: String, assay: String, uniProt: String, olinkID: String? = nil, panel: String? = nil,
        npx: Double, lod: Double? = nil, qcWarning: Bool = false
    ) {
        self.sampleID = sampleID
        self.assay = assay
        self.uniProt = uniProt
        self.olinkID = olinkID
        self.panel = panel
        self.npx = npx
        self.lod = lod
        self.qcWarning = qcWarning
    }
}
