/// Facts of the CLIF data dictionary that DayZero reads and writes: the version, the columns of
/// the tables it uses (in the dictionary's order) and the permissible categories (mCIDE) of the
/// columns it routes on. Written from CLIF 2.1.0 (Common-Longitudinal-ICU-data-Format/CLIF:
/// `ddl/2.1/CLIF2.1_MYSQL_ddl.sql` and `mCIDE/**.csv` at commit
/// 15ae16594b9f11f852267ce75f46d74bfe1fb513, 2026-03-12); the lists are the project's own, not
/// copies of those files. `docs/sources.md` ("CLIF").
public enum CLIFDictionary {
    /// The CLIF version DayZero follows.
    public static let version = "2.1.0"

    /// The tables DayZero reads (and `dayzero simulate --format clif` writes), each as `<table>.csv`.
    public static let tables = [
        "patient", "hospitalization", "adt", "vitals", "labs", "respiratory_support",
        "medication_admin_continuous", "medication_admin_intermittent", "microbiology_culture",
    ]

    /// Every column of each table, in the dictionary's order.
    public static let columns: [String: [String]] = [
        "patient": [
            "patient_id", "race_name", "race_category", "ethnicity_name", "ethnicity_category", "sex_name", "sex_category",
            "birth_date", "death_dttm", "language_name", "language_category",
        ],
        "hospitalization": [
            "patient_id", "hospitalization_id", "hospitalization_joined_id", "admission_dttm", "discharge_dttm", "age_at_admission",
            "admission_type_name", "admission_type_category", "discharge_name", "discharge_category", "zipcode_nine_digit",
            "zipcode_five_digit", "census_block_code", "census_block_group_code", "census_tract", "state_code", "county_code",
            "fips_version",
        ],
        "adt": [
            "hospitalization_id", "hospital_id", "hospital_type", "in_dttm", "out_dttm", "location_name", "location_category",
            "location_type",
        ],
        "vitals": ["hospitalization_id", "recorded_dttm", "vital_name", "vital_category", "vital_value", "meas_site_name"],
        "labs": [
            "hospitalization_id", "lab_order_dttm", "lab_collect_dttm", "lab_result_dttm", "lab_order_name", "lab_order_category",
            "lab_name", "lab_category", "lab_value", "lab_value_numeric", "reference_unit", "lab_specimen_name",
            "lab_specimen_category", "lab_loinc_code",
        ],
        "respiratory_support": [
            "hospitalization_id", "recorded_dttm", "device_name", "device_id", "device_category", "vent_brand_name", "mode_name",
            "mode_category", "tracheostomy", "fio2_set", "lpm_set", "tidal_volume_set", "resp_rate_set", "pressure_control_set",
            "pressure_support_set", "flow_rate_set", "peak_inspiratory_pressure_set", "inspiratory_time_set", "peep_set",
            "tidal_volume_obs", "resp_rate_obs", "plateau_pressure_obs", "peak_inspiratory_pressure_obs", "peep_obs",
            "minute_vent_obs", "mean_airway_pressure_obs",
        ],
        "medication_admin_continuous": medicationColumns,
        "medication_admin_intermittent": medicationColumns,
        "microbiology_culture": [
            "patient_id", "hospitalization_id", "organism_id", "order_dttm", "collect_dttm", "result_dttm", "fluid_name",
            "fluid_category", "method_name", "method_category", "organism_name", "organism_category", "organism_group",
            "lab_loinc_code",
        ],
    ]

    static let medicationColumns = [
        "hospitalization_id", "med_order_id", "admin_dttm", "med_name", "med_category", "med_group", "med_route_name",
        "med_route_category", "med_dose", "med_dose_unit", "mar_action_name", "mar_action_category", "mar_action_group",
    ]

    // MARK: Permissible categories (mCIDE)

    /// `labs.lab_category`.
    public static let labCategories: [String] = [
        "albumin", "alkaline_phosphatase", "alt", "ast", "basophils_percent", "basophils_absolute",
        "bicarbonate", "bilirubin_total", "bilirubin_conjugated", "bilirubin_unconjugated", "bun",
        "calcium_total", "calcium_ionized", "chloride", "creatinine", "crp", "eosinophils_percent",
        "eosinophils_absolute", "esr", "ferritin", "glucose_fingerstick", "glucose_serum", "hemoglobin",
        "phosphate", "inr", "lactate", "ldh", "lymphocytes_percent", "lymphocytes_absolute", "magnesium",
        "monocytes_percent", "monocytes_absolute", "neutrophils_percent", "neutrophils_absolute",
        "pco2_arterial", "po2_arterial", "pco2_venous", "ph_arterial", "ph_venous", "platelet_count",
        "potassium", "procalcitonin", "pt", "ptt", "so2_arterial", "so2_mixed_venous", "so2_central_venous",
        "sodium", "total_protein", "troponin_i", "troponin_t", "wbc",
    ]

    /// `vitals.vital_category`; the unit is fixed by the category (temp_c °C, map mmHg, spo2 %, …).
    public static let vitalCategories: [String] = [
        "temp_c", "heart_rate", "sbp", "dbp", "spo2", "respiratory_rate", "map", "height_cm", "weight_kg",
    ]

    /// `medication_admin_continuous.med_category`.
    public static let continuousMedCategories: [String] = [
        "albumin", "albuterol", "alprostadil", "aminocaproic_acid", "aminophylline", "amiodarone",
        "angiotensin", "argatroban", "baclofen", "bivalirudin", "bumetanide", "bupivacaine", "cangrelor",
        "cisatracurium", "clevidipine", "dexmedetomidine", "dextrose_10_water", "dextrose_5_water",
        "dextrose_other", "diltiazem", "dobutamine", "dopamine", "epinephrine", "epoprostenol", "eptifibatide",
        "esmolol", "esomeprazole", "fentanyl", "furosemide", "heparin", "hydromorphone", "insulin",
        "ipratropium", "isoproterenol", "ketamine", "labetalol", "lactated_ringers_solution", "levothyroxine",
        "lidocaine", "liothyronine", "lorazepam", "magnesium_sulfate", "midazolam", "milrinone", "morphine",
        "naloxone", "nicardipine", "nitric_oxide", "nitroglycerin", "nitroprusside", "norepinephrine",
        "octreotide", "oxytocin", "pantoprazole", "papaverine", "pentobarbital", "phentolamine",
        "phenylephrine", "pitocin", "plasma_lyte", "procainamide", "propofol", "remifentanil", "rocuronium",
        "ropivacaine", "sodium_bicarbonate", "sodium_chloride", "tacrolimus", "terbutaline", "torsemide",
        "tpn", "treprostinil", "vasopressin", "vecuronium", "zidovudine",
    ]

    /// `medication_admin_intermittent.med_category`.
    public static let intermittentMedCategories: [String] = [
        "acetaminophen", "acyclovir", "alteplase", "amikacin", "amoxicillin", "amoxicillin_clavulanate",
        "amphotericin_b", "ampicillin", "ampicillin_sulbactam", "anakinra", "anidulafungin", "atracurium",
        "axicabtagene_ciloleucel", "azithromycin", "aztreonam", "betamethasone", "brexucabtagene_autoleucel",
        "caspofungin", "cefaclor", "cefadroxil", "cefamandole", "cefazolin", "cefdinir", "cefepime",
        "cefiderocol", "cefixime", "cefmetazole", "cefonicid", "cefoperazone", "cefotaxime", "cefotetan",
        "cefoxitin", "cefpodoxime", "cefprozil", "ceftaroline", "ceftazidime", "ceftazidime_avibactam",
        "ceftazidime_clavulanate", "ceftibuten", "ceftizoxime", "ceftolozane_tazobactam", "ceftriaxone",
        "cefuroxime", "cephalexin", "cephalothin", "cephapirin", "cephradine", "chloramphenicol", "cidofovir",
        "ciltacabtagene_autoleucel", "cinoxacin", "ciprofloxacin", "cisatracurium", "clarithromycin",
        "clindamycin", "cloxacillin", "colistin", "dalbavancin", "daptomycin", "delafloxacin", "dexamethasone",
        "diazepam", "dicloxacillin", "diphenhydramine", "doripenem", "dornase_alfa", "doxycycline",
        "eravacycline", "ertapenem", "erythromycin", "etomidate", "fentanyl", "fidaxomicin", "fluconazole",
        "fludrocortisone", "foscarnet", "fosfomycin", "ganciclovir", "gatifloxacin", "gentamicin",
        "haloperidol", "hydrocortisone", "hydromorphone", "hydroxocobalamin", "idecabtagene_vicleucel",
        "imipenem", "imipenem_relebactam", "isavuconazole", "isavuconazonium", "itraconazole", "kanamycin",
        "ketamine", "lefamulin", "levofloxacin", "lincomycin", "linezolid", "lisocabtagene_maraleucel",
        "lorazepam", "maribavir", "meropenem", "meropenem_vaborbactam", "methicillin", "methylene_blue",
        "methylprednisolone", "metronidazole", "mezlocillin", "micafungin",
        "micafungin_posaconazole_voriconazole", "midazolam", "minocycline", "morphine", "moxifloxacin",
        "nafcillin", "nitrofurantoin", "norfloxacin", "nystatin", "ofloxacin", "olanzapine", "omadacycline",
        "oritavancin", "oseltamivir", "oxacillin", "oxycodone", "penicillin", "peramivir",
        "piperacillin_tazobactam", "pivampicillin", "plazomicin", "polymyxin_b", "posaconazole",
        "prednisolone", "prednisone", "promethazine", "propofol", "quetiapine", "quinupristin_dalfopristin",
        "rezafungin", "ribavirin", "rifampin", "risperidone", "rocuronium", "streptomycin", "succinylcholine",
        "sulbactam_durlobactam", "sulfadiazine", "sulfadiazine_trimethoprim", "sulfisoxazole", "tedizolid",
        "telavancin", "telithromycin", "tetracycline", "ticarcillin", "ticarcillin_clavulanate", "tigecycline",
        "tisagenlecleucel", "tobramycin", "tocilizumab", "trimethoprim", "trimethoprim_sulfamethoxazole",
        "valacyclovir", "valganciclovir", "valproate", "vancomycin", "vecuronium", "voriconazole",
    ]

    /// `respiratory_support.device_category`.
    public static let deviceCategories: [String] = ["IMV", "NIPPV", "CPAP", "High Flow NC", "Face Mask", "Trach Collar", "Nasal Cannula", "Room Air", "Other"]

    /// `adt.location_category`.
    public static let locationCategories: [String] = [
        "ed", "ward", "stepdown", "icu", "procedural", "l&d", "hospice", "psych", "rehab", "radiology",
        "dialysis", "other",
    ]

    /// `patient.sex_category`.
    public static let sexCategories: [String] = ["Male", "Female", "Unknown"]

    /// `microbiology_culture.method_category`.
    public static let cultureMethodCategories: [String] = ["culture", "gram_stain", "smear"]

    /// `mar_action_category` of the continuous table: `stop` ends an infusion.
    public static let continuousActionCategories: [String] = ["dose_change", "going", "start", "stop", "verify", "other"]

    /// `mar_action_category` of the intermittent table.
    public static let intermittentActionCategories: [String] = ["given", "not_given", "bolus", "other"]

    /// The categories of the column `column` of `table` that DayZero routes on, if it checks them.
    static func categories(table: String, column: String) -> [String]? {
        switch (table, column) {
        case ("labs", "lab_category"): labCategories
        case ("vitals", "vital_category"): vitalCategories
        case ("medication_admin_continuous", "med_category"): continuousMedCategories
        case ("medication_admin_intermittent", "med_category"): intermittentMedCategories
        case ("respiratory_support", "device_category"): deviceCategories
        case ("adt", "location_category"): locationCategories
        case ("patient", "sex_category"): sexCategories
        case ("microbiology_culture", "method_category"): cultureMethodCategories
        default: nil
        }
    }
}
