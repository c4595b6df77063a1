/// One row of the OMOP `concept` table as DayZero writes it for a synthetic population.
public struct OMOPConcept: Sendable, Hashable {
    public var id: Int
    public var name: String
    public var domain: String
    public var vocabulary: String
    public var conceptClass: String
    /// `S` for a standard concept, `C` for a classification concept, nil for a non-standard one.
    public var standard: String?
    public var code: String
    /// `U` for a concept the vocabulary has replaced (it stays readable), nil for a valid one.
    public var invalidReason: String?
    /// `valid_end_date`: the day a replaced concept was retired, else 2099-12-31.
    public var validEnd: String

    public init(_ id: Int, _ name: String, domain: String, vocabulary: String, conceptClass: String, standard: String? = "S", code: String, invalidReason: String? = nil, validEnd: String = "2099-12-31") {
        self.id = id
        self.name = name
        self.domain = domain
        self.vocabulary = vocabulary
        self.conceptClass = conceptClass
        self.standard = standard
        self.code = code
        self.invalidReason = invalidReason
        self.validEnd = validEnd
    }

    /// Local concepts (the OMOP convention: ids above 2 000 000 000) stand where no standard id
    /// could be verified; `docs/sources.md` lists them.
    public var isLocal: Bool { id > 2_000_000_000 }
}

/// The concepts DayZero uses for the Kooistra parameters, with the provenance recorded in
/// `docs/sources.md`: standard ids where a public OMOP mapping uses them (MIT-LCP/mimic-omop's
/// concept maps, OHDSI ETL and analysis code), local ids (> 2 000 000 000, vocabulary
/// `DayZero`) where none could be verified. A site replaces the local ids in its mapping file
/// by its own standard concepts; nothing in DayZero depends on the ids themselves.
public enum OMOPVocabulary {
    static let local = "DayZero"

    static func loinc(_ id: Int, _ name: String, _ code: String) -> OMOPConcept {
        OMOPConcept(id, name, domain: "Measurement", vocabulary: "LOINC", conceptClass: "Lab Test", code: code)
    }

    static func localConcept(_ id: Int, _ name: String, domain: String, conceptClass: String) -> OMOPConcept {
        OMOPConcept(id, name, domain: domain, vocabulary: local, conceptClass: conceptClass, code: "DZ\(id - 2_000_000_000)")
    }

    // MARK: Visits, persons, types

    public static let icuVisit = OMOPConcept(32037, "Intensive Care", domain: "Visit", vocabulary: "Visit", conceptClass: "Visit", code: "OMOP4822460")
    public static let inpatientVisit = OMOPConcept(9201, "Inpatient Visit", domain: "Visit", vocabulary: "Visit", conceptClass: "Visit", code: "IP")
    public static let male = OMOPConcept(8507, "MALE", domain: "Gender", vocabulary: "Gender", conceptClass: "Gender", code: "M")
    public static let female = OMOPConcept(8532, "FEMALE", domain: "Gender", vocabulary: "Gender", conceptClass: "Gender", code: "F")
    public static let ehr = OMOPConcept(32817, "EHR", domain: "Type Concept", vocabulary: "Type Concept", conceptClass: "Type Concept", code: "OMOP4976890")

    // MARK: Measurements (parameters of the catalog)

    /// Parameter name → measurement concept.
    public static let parameters: [String: OMOPConcept] = [
        "temperature": loinc(3020891, "Body temperature", "8310-5"),
        "crp": loinc(3010156, "C reactive protein [Mass/volume] in Serum or Plasma", "1988-5"),
        "wbc": loinc(3000905, "Leukocytes [#/volume] in Blood by Automated count", "6690-2"),
        "creatinine": loinc(3016723, "Creatinine [Mass/volume] in Serum or Plasma", "2160-0"),
        "bilirubin": loinc(3024128, "Bilirubin.total [Mass/volume] in Serum or Plasma", "1975-2"),
        "platelets": loinc(3024929, "Platelets [#/volume] in Blood by Automated count", "777-3"),
        "alat": loinc(3006923, "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "1742-6"),
        "asat": loinc(3013721, "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "1920-8"),
        "ldh": loinc(3022250, "Lactate dehydrogenase [Enzymatic activity/volume] in Serum or Plasma", "2532-0"),
        "d_dimer": loinc(3051714, "Fibrin D-dimer", "48065-7"),
        "map": loinc(3027598, "Mean blood pressure", "8478-0"),
        "fio2": loinc(3020716, "Inhaled oxygen concentration", "3150-0"),
        "ferritin": loinc(3001122, "Ferritin [Mass/volume] in Serum or Plasma", "2276-4"),
        "procalcitonin": loinc(3046279, "Procalcitonin [Mass/volume] in Serum or Plasma", "33959-8"),
        "pao2": loinc(3027801, "Oxygen [Partial pressure] in Arterial blood", "2703-7"),
        "pf_ratio": localConcept(2_000_000_004, "Horowitz index (PaO2/FiO2)", domain: "Measurement", conceptClass: "Clinical Observation"),
        "apache_ii": localConcept(2_000_000_005, "APACHE II score (daily)", domain: "Measurement", conceptClass: "Clinical Observation"),
        "actively_cooled": localConcept(2_000_000_006, "Active cooling applied", domain: "Measurement", conceptClass: "Clinical Observation"),
    ]

    /// Cytokine analyte → measurement concept.
    public static let cytokines: [String: OMOPConcept] = [
        "tnf_alpha": localConcept(2_000_000_011, "Tumor necrosis factor alpha [Mass/volume] in Serum or Plasma", domain: "Measurement", conceptClass: "Lab Test"),
        "il6": loinc(3023091, "Interleukin 6 [Mass/volume] in Serum or Plasma", "26881-3"),
        "il8": localConcept(2_000_000_013, "Interleukin 8 [Mass/volume] in Serum or Plasma", domain: "Measurement", conceptClass: "Lab Test"),
        "il10": localConcept(2_000_000_014, "Interleukin 10 [Mass/volume] in Serum or Plasma", domain: "Measurement", conceptClass: "Lab Test"),
        "ip10": localConcept(2_000_000_015, "Interferon gamma-induced protein 10 [Mass/volume] in Serum or Plasma", domain: "Measurement", conceptClass: "Lab Test"),
        "mcp1": localConcept(2_000_000_016, "Monocyte chemoattractant protein 1 [Mass/volume] in Serum or Plasma", domain: "Measurement", conceptClass: "Lab Test"),
        "il1ra": localConcept(2_000_000_017, "Interleukin 1 receptor antagonist [Mass/volume] in Serum or Plasma", domain: "Measurement", conceptClass: "Lab Test"),
    ]

    // MARK: Baseline variables, events, procedures

    public static let bmi = OMOPConcept(3038553, "Body mass index (BMI) [Ratio]", domain: "Measurement", vocabulary: "LOINC", conceptClass: "Clinical Observation", code: "39156-5")
    public static let apacheAdmission = localConcept(2_000_000_022, "APACHE II score at ICU admission", domain: "Observation", conceptClass: "Clinical Observation")
    public static let symptomDays = localConcept(2_000_000_023, "Days from first symptoms to ICU admission", domain: "Observation", conceptClass: "Clinical Observation")
    /// Comorbidity (DayZero's name) → condition concept.
    public static let comorbidities: [String: OMOPConcept] = [
        "cardiovascular_insufficiency": localConcept(2_000_000_031, "Cardiovascular insufficiency (APACHE II chronic health)", domain: "Condition", conceptClass: "Clinical Finding"),
        "hypertension": localConcept(2_000_000_032, "Hypertension", domain: "Condition", conceptClass: "Clinical Finding"),
        "respiratory_insufficiency": localConcept(2_000_000_033, "Respiratory insufficiency (APACHE II chronic health)", domain: "Condition", conceptClass: "Clinical Finding"),
        "renal_insufficiency": localConcept(2_000_000_034, "Renal insufficiency (APACHE II chronic health)", domain: "Condition", conceptClass: "Clinical Finding"),
        "metastatic_neoplasm": localConcept(2_000_000_035, "Metastatic neoplasm", domain: "Condition", conceptClass: "Clinical Finding"),
        "immunological_insufficiency": localConcept(2_000_000_036, "Immunological insufficiency (APACHE II chronic health)", domain: "Condition", conceptClass: "Clinical Finding"),
        "copd": localConcept(2_000_000_037, "Chronic obstructive pulmonary disease", domain: "Condition", conceptClass: "Clinical Finding"),
        "diabetes_mellitus": localConcept(2_000_000_038, "Diabetes mellitus", domain: "Condition", conceptClass: "Clinical Finding"),
        "hematologic_malignancy": localConcept(2_000_000_039, "Hematologic malignancy", domain: "Condition", conceptClass: "Clinical Finding"),
    ]
    public static let immunocompromised = localConcept(2_000_000_040, "Pre-existing immunocompromised state", domain: "Condition", conceptClass: "Clinical Finding")
    public static let consentRefused = localConcept(2_000_000_041, "Study participation declined", domain: "Observation", conceptClass: "Clinical Observation")
    public static let secondaryInfection = localConcept(2_000_000_050, "Secondary infection (culture-proven)", domain: "Condition", conceptClass: "Clinical Finding")
    /// SNOMED 408853006: ventilation through an endotracheal tube, i.e. invasive.
    public static let ventilation = OMOPConcept(4_237_460, "Intermittent positive pressure ventilation via endotracheal tube", domain: "Procedure", vocabulary: "SNOMED", conceptClass: "Procedure", code: "408853006")

    // MARK: Drugs (RxNorm ingredients; corticosteroids by their ATC 5th-level classes)

    static func rxNormIngredient(_ id: Int, _ name: String, _ code: String) -> OMOPConcept {
        OMOPConcept(id, name, domain: "Drug", vocabulary: "RxNorm", conceptClass: "Ingredient", code: code)
    }

    public static let anakinra = rxNormIngredient(1_114_375, "anakinra", "72435")
    public static let norepinephrine = rxNormIngredient(1_321_341, "norepinephrine", "7512")
    public static let remdesivir = rxNormIngredient(37_499_271, "remdesivir", "2284718")
    public static let chloroquine = rxNormIngredient(1_792_515, "chloroquine", "2393")
    public static let hydrocortisone = rxNormIngredient(975_125, "hydrocortisone", "5492")
    public static let methylprednisolone = rxNormIngredient(1_506_270, "methylprednisolone", "6902")
    public static let dexamethasone = rxNormIngredient(1_518_254, "dexamethasone", "3264")

    static func atc5(_ id: Int, _ name: String, _ code: String) -> OMOPConcept {
        OMOPConcept(id, name, domain: "Drug", vocabulary: "ATC", conceptClass: "ATC 5th", standard: "C", code: code)
    }

    /// The systemic glucocorticoids of ATC group H02AB, one ATC 5th-level classification concept
    /// per substance. Named rather than the group itself (whose OMOP id no public source here
    /// showed): through `concept_ancestor` an ATC concept reaches the systemic drugs of its
    /// substance, so topical and inhaled forms of the same ingredients stay out.
    public static let systemicGlucocorticoids: [OMOPConcept] = [
        atc5(21_602_729, "betamethasone", "H02AB01"),
        atc5(21_602_730, "dexamethasone", "H02AB02"),
        atc5(21_602_732, "methylprednisolone", "H02AB04"),
        atc5(21_602_734, "prednisolone", "H02AB06"),
        atc5(21_602_735, "prednisone", "H02AB07"),
        atc5(21_602_736, "triamcinolone", "H02AB08"),
        atc5(21_602_737, "hydrocortisone", "H02AB09"),
        atc5(21_602_738, "cortisone", "H02AB10"),
    ]
    /// Drug name of the study folder → the ingredients its rows are written as (alternating),
    /// and the concepts the mapping names (ATC classes for corticosteroids).
    public static let drugs: [String: (ingredients: [OMOPConcept], sets: [OMOPConcept])] = [
        "anakinra": ([anakinra], [anakinra]),
        "remdesivir": ([remdesivir], [remdesivir]),
        "chloroquine": ([chloroquine], [chloroquine]),
        "corticosteroids": ([hydrocortisone, methylprednisolone], systemicGlucocorticoids),
    ]
    /// Ancestor → descendants (`concept_ancestor`, besides every concept being its own ancestor).
    /// The synthetic population writes ingredients as its drugs, so each ATC concept is made the
    /// ancestor of its ingredient (a real vocabulary relates it to the systemic clinical drugs).
    public static let hierarchy: [(ancestor: OMOPConcept, descendants: [OMOPConcept])] = {
        let ingredients = [hydrocortisone, methylprednisolone, dexamethasone]
        return systemicGlucocorticoids.compactMap { atc in
            ingredients.first { $0.name == atc.name }.map { (atc, [$0]) }
        }
    }()

    // MARK: Specimens, operators

    public static let bloodSpecimen = localConcept(2_000_000_300, "Blood specimen", domain: "Specimen", conceptClass: "Specimen")
    /// `meas_event_field_concept_id` of a measurement linked to `specimen.specimen_id`.
    public static let specimenField = localConcept(2_000_000_301, "specimen.specimen_id", domain: "Metadata", conceptClass: "Field")
    /// `operator_concept_id` of a value reported below the assay's limit of detection.
    public static let belowDetection = localConcept(2_000_000_302, "< (below the limit of detection)", domain: "Meas Value Operator", conceptClass: "Qualifier Value")
    /// Olink assays are local concepts from this id on, one per assay (name = assay, code = OlinkID).
    public static let firstOlinkConcept = 2_000_001_000
    public static let olinkVocabulary = "DayZero Olink"

    // MARK: Units (unit_concept_id ↔ DayZero's unit spelling)

    public static let units: [(concept: OMOPConcept, unit: String)] = [
        (OMOPConcept(586_323, "degree Celsius", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "Cel"), "°C"),
        // Replaced by 586323 in 2018; databases built with an older vocabulary still hold it.
        (OMOPConcept(8653, "degree Celsius", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", standard: nil, code: "Cel", invalidReason: "U", validEnd: "2018-05-04"), "°C"),
        (OMOPConcept(9289, "degree Fahrenheit", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "[degF]"), "°F"),
        (OMOPConcept(8751, "milligram per liter", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "mg/L"), "mg/L"),
        (OMOPConcept(8840, "milligram per deciliter", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "mg/dL"), "mg/dL"),
        (OMOPConcept(8748, "microgram per liter", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "ug/L"), "µg/L"),
        (OMOPConcept(8842, "nanogram per milliliter", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "ng/mL"), "ng/mL"),
        (OMOPConcept(8845, "picogram per milliliter", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "pg/mL"), "pg/mL"),
        (OMOPConcept(8645, "unit per liter", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "U/L"), "U/L"),
        (OMOPConcept(8749, "micromole per liter", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "umol/L"), "µmol/L"),
        (OMOPConcept(8753, "millimole per liter", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "mmol/L"), "mmol/L"),
        (OMOPConcept(8554, "percent", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "%"), "%"),
        (OMOPConcept(8523, "ratio", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "{ratio}"), "fraction"),
        (OMOPConcept(8876, "millimeter mercury column", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "mm[Hg]"), "mmHg"),
        (OMOPConcept(9444, "billion per liter", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "10*9/L"), "10^9/L"),
        (OMOPConcept(8848, "thousand per microliter", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "10*3/uL"), "10^3/uL"),
        (OMOPConcept(8784, "cells per microliter", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "/uL"), "/uL"),
        (OMOPConcept(44_777_566, "score", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "{score}"), "points"),
        (OMOPConcept(8512, "day", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "d"), "days"),
        (localConcept(2_000_000_101, "microkatal per liter", domain: "Unit", conceptClass: "Unit"), "ukat/L"),
        (localConcept(2_000_000_102, "kilopascal", domain: "Unit", conceptClass: "Unit"), "kPa"),
        (OMOPConcept(9688, "microgram per kilogram per minute", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "ug/kg/min"), "µg/kg/min"),
        (localConcept(2_000_000_104, "yes/no flag (1 = yes)", domain: "Unit", conceptClass: "Unit"), "flag"),
        (OMOPConcept(9531, "kilogram per square meter", domain: "Unit", vocabulary: "UCUM", conceptClass: "Unit", code: "kg/m2"), "kg/m2"),
    ]

    /// DayZero unit spelling → unit concept.
    static let unitConcepts: [String: OMOPConcept] = Dictionary(units.map { ($0.unit, $0.concept) }, uniquingKeysWith: { a, _ in a })

    /// Every fixed concept (not the Olink assays, which depend on the study).
    public static var fixedConcepts: [OMOPConcept] {
        var all: [OMOPConcept] = [icuVisit, inpatientVisit, male, female, ehr]
        all += parameters.values.sorted { $0.id < $1.id }
        all += cytokines.values.sorted { $0.id < $1.id }
        all += [bmi, apacheAdmission, symptomDays]
        all += comorbidities.values.sorted { $0.id < $1.id }
        all += [immunocompromised, consentRefused, secondaryInfection, ventilation]
        all += [anakinra, norepinephrine, remdesivir, chloroquine, hydrocortisone, methylprednisolone, dexamethasone]
        all += systemicGlucocorticoids
        all += [bloodSpecimen, specimenField, belowDetection]
        all += units.map(\.concept)
        return all
    }
}
