/// The tables of the cohort data format: one CSV file each in a study folder.
/// `docs/data-format.md` is the human description of the same facts; the importer,
/// the exporter and the synthetic-cohort writer all use this one definition.
public enum StudyTable: String, Sendable, CaseIterable, Hashable {
    case patients
    case icuCourse = "icu_course"
    case measurements
    case medications
    case events
    case cytokines
    case proteomicsSamples = "proteomics_samples"
    case proteomics
    case parameters
    case variables

    /// The file's name inside a study folder.
    public var fileName: String { rawValue + ".csv" }

    /// `patients.csv` and `icu_course.csv` must exist; every other table is optional.
    public var isRequired: Bool { self == .patients || self == .icuCourse }

    /// The columns in their canonical order (the order the exporter writes).
    public var columns: [StudyColumn] {
        switch self {
        case .patients:
            [
                .init("patient_id", .text, required: true, "Unique patient identifier (pseudonymised)."),
                .init("site", .text, required: true, "Hospital or ICU the patient was admitted to."),
                .init("sex", .sex, required: true, "M or F."),
                .init("age", .number, required: true, "Age at ICU admission, years.", range: 0...130),
                .init("bmi", .number, required: false, "Body-mass index, kg/m².", range: 5...150),
                .init("apache_ii", .number, required: false, "APACHE II score at ICU admission.", range: 0...71),
                .init("symptom_days", .number, required: false, "Days from first symptoms until ICU admission.", range: 0...365),
            ] + Comorbidity.allCases.map {
                .init($0.rawValue, .flag, required: false, "\($0.label): 1 present, 0 absent, empty unknown.")
            } + [
                .init("immunocompromised", .flag, required: false, "Pre-existing immunocompromised state: 1 or 0, empty unknown."),
                .init("consent_refused", .flag, required: false, "Patient or representative declined participation: 1 or 0, empty unknown."),
            ]
        case .icuCourse:
            [
                .init("patient_id", .text, required: true, "Patient, as in patients.csv."),
                .init("icu_admission", .time, required: true, "ICU admission: 0 when the patient's times are ICU-day numbers, else a timestamp or date (the anchor for that patient's timestamps)."),
                .init("icu_discharge", .time, required: false, "ICU discharge (alive or dead); empty while still in the ICU."),
                .init("ventilation_start", .time, required: false, "Start of invasive mechanical ventilation."),
                .init("ventilation_end", .time, required: false, "End of invasive mechanical ventilation; empty while still ventilated."),
                .init("death", .time, required: false, "Death, in or after the ICU; empty if alive."),
                .init("follow_up_end", .time, required: false, "Last time vital status is known; empty = ICU discharge."),
            ]
        case .measurements:
            [
                .init("patient_id", .text, required: true, "Patient, as in patients.csv."),
                .init("time", .time, required: true, "ICU day number or timestamp of the measurement."),
                .init("parameter", .text, required: true, "Parameter name (see the catalog)."),
                .init("value", .number, required: true, "The measured value."),
                .init("unit", .text, required: true, "The unit of the value (canonical or an accepted alternative)."),
            ]
        case .medications:
            [
                .init("patient_id", .text, required: true, "Patient, as in patients.csv."),
                .init("drug", .text, required: true, "Drug name, lower case (anakinra, corticosteroids, remdesivir, chloroquine, …)."),
                .init("time", .time, required: true, "ICU day number or timestamp of the administration."),
                .init("dose", .number, required: false, "Dose, if known (requires dose_unit).", range: 0...1_000_000),
                .init("dose_unit", .text, required: false, "Unit of the dose (mg, …)."),
            ]
        case .events:
            [
                .init("patient_id", .text, required: true, "Patient, as in patients.csv."),
                .init("event", .text, required: true, "Event kind, e.g. secondary_infection."),
                .init("time", .time, required: true, "When it happened; a secondary infection is dated by its culture."),
                .init("detail", .text, required: false, "Free text, e.g. culture site and organism."),
            ]
        case .cytokines:
            [
                .init("patient_id", .text, required: true, "Patient, as in patients.csv."),
                .init("sample_id", .text, required: true, "Laboratory sample identifier."),
                .init("time", .time, required: true, "ICU day number or timestamp of sampling."),
                .init("timepoint", .text, required: true, "admission (the ICU-admission sample) or serial.", choices: CytokineTimepoint.allCases.map(\.rawValue)),
                .init("analyte", .text, required: true, "tnf_alpha, il6, il8, il10, ip10, mcp1 or il1ra."),
                .init("value", .number, required: true, "Concentration."),
                .init("unit", .text, required: true, "pg/mL or an accepted alternative."),
                .init("below_lod", .flag, required: false, "1 when the value is the assay's limit of detection (empty = 0)."),
            ]
        case .proteomicsSamples:
            [
                .init("SampleID", .text, required: true, "Olink sample identifier, as in proteomics.csv."),
                .init("patient_id", .text, required: true, "Patient, as in patients.csv."),
                .init("time", .time, required: true, "ICU day number or timestamp of sampling."),
                .init("timepoint", .text, required: true, "pre or post (before or after treatment start / alignment day).", choices: ProteomicsTimepoint.allCases.map(\.rawValue)),
            ]
        case .proteomics:
            [
                .init("SampleID", .text, required: true, "Olink sample identifier."),
                .init("OlinkID", .text, required: false, "Olink assay identifier."),
                .init("UniProt", .text, required: true, "UniProt accession of the protein."),
                .init("Assay", .text, required: true, "Protein (assay) name."),
                .init("Panel", .text, required: false, "Olink panel name."),
                .init("NPX", .number, required: true, "Normalised protein expression, log2 scale.", range: -50...50),
                .init("LOD", .number, required: false, "Limit of detection of the assay, NPX.", range: -50...50),
                .init("QC_Warning", .text, required: false, "PASS or WARN (empty = PASS).", choices: ["PASS", "WARN"]),
            ]
        case .parameters:
            [
                .init("parameter", .text, required: true, "Name of a parameter the study adds (or redefines)."),
                .init("label", .text, required: false, "Label for tables and figures."),
                .init("kind", .text, required: false, "clinical (default) or cytokine.", choices: ["clinical", "cytokine"]),
                .init("unit", .text, required: true, "Canonical unit; values must be supplied in it."),
                .init("aggregation", .text, required: true, "How several values on one ICU day become the day's value.", choices: DailyAggregation.allCases.map(\.rawValue)),
                .init("minimum", .number, required: true, "Smallest physiologically possible value."),
                .init("maximum", .number, required: true, "Largest physiologically possible value."),
            ]
        case .variables:
            [
                .init("variable", .text, required: true, "Name of a baseline variable the study adds: a further column of patients.csv."),
                .init("label", .text, required: false, "Label for Table 1 (default: the name)."),
                .init("kind", .text, required: true, "binary (1/0), categorical (one of levels) or continuous (a number).", choices: BaselineKind.allCases.map(\.rawValue)),
                .init("unit", .text, required: false, "Unit shown after the label (continuous)."),
                .init("levels", .text, required: false, "Categorical: the values, separated by a vertical bar, in display order."),
                .init("level_labels", .text, required: false, "Categorical: a label per level, separated by a vertical bar (default: the levels)."),
                .init("minimum", .number, required: false, "Continuous: smallest accepted value."),
                .init("maximum", .number, required: false, "Continuous: largest accepted value."),
            ]
        }
    }

    /// The columns that together identify a row; a repeated key is an error. Empty for the
    /// long tables where several rows per patient and day are legitimate (several temperature
    /// readings, anakinra every six hours): their rows are kept in file order.
    public var keyColumns: [String] {
        switch self {
        case .patients, .icuCourse: ["patient_id"]
        case .measurements, .medications, .events: []
        case .cytokines: ["sample_id", "analyte"]
        case .proteomicsSamples: ["SampleID"]
        case .proteomics: ["SampleID", "UniProt", "Assay"]
        case .parameters: ["parameter"]
        case .variables: ["variable"]
        }
    }
}

/// The kind of value a column holds.
public enum StudyColumnType: String, Sendable, Hashable {
    case text
    /// A decimal number with `.` as decimal separator.
    case number
    /// `0` or `1`.
    case flag
    /// `M` or `F`.
    case sex
    /// An ICU-day number (decimal allowed) or an ISO 8601 timestamp.
    case time
}

/// One column of a study table.
public struct StudyColumn: Sendable, Hashable {
    public var name: String
    public var type: StudyColumnType
    public var isRequired: Bool
    public var description: String
    /// For numbers: the plausible range (inclusive); a value outside it is refused on import.
    public var range: ClosedRange<Double>?
    /// For text columns with a fixed set of values: the values, canonical spelling.
    public var choices: [String]?

    public init(
        _ name: String, _ type: StudyColumnType, required: Bool, _ description: String,
        range: ClosedRange<Double>? = nil, choices: [String]? = nil
    ) {
        self.name = name
        self.type = type
        self.isRequired = required
        self.description = description
        self.range = range
        self.choices = choices
    }
}
