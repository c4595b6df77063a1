extension StudyProtocol {
    /// The paper's protocol (Kooistra et al., Crit Care 2020;24:688): anakinra; controls aligned
    /// on the treated group's median start day; serial window −10…+10 (P/F and SOFA to +6);
    /// cytokines −6…+6 plus the admission sample; temperature of actively cooled patients
    /// imputed as 40 °C; SOFA without GCS; 28-day outcomes; the main set and the paper's three
    /// sensitivity sets. `ProtocolYAML.defaultYAML` is the same protocol with comments.
    public static let paperDefault: StudyProtocol = {
        let serial = DayWindow(-10, 10)
        let toDaySix = DayWindow(-10, 6)
        let exclude = ZeroRule.excludeZeros
        var parameters: [ParameterRule] = [
            ParameterRule(name: "temperature", unit: "°C", aggregation: .max, transform: .log, table1: true),
            ParameterRule(name: "ferritin", unit: "µg/L", aggregation: .max, transform: .log, zeroRule: exclude, table1: true),
            ParameterRule(name: "procalcitonin", unit: "µg/L", aggregation: .max, transform: .log, zeroRule: exclude, table1: true),
            ParameterRule(name: "wbc", unit: "10^9/L", aggregation: .max, transform: .log, zeroRule: exclude, table1: true),
            ParameterRule(name: "crp", unit: "mg/L", aggregation: .max, transform: .log, zeroRule: exclude, table1: true),
            ParameterRule(name: "creatinine", unit: "µmol/L", aggregation: .max, transform: .log, table1: true),
            ParameterRule(name: "bilirubin", unit: "µmol/L", aggregation: .max, transform: .log, zeroRule: exclude, table1: true),
            ParameterRule(name: "platelets", unit: "10^9/L", aggregation: .min, transform: .log, zeroRule: exclude, table1: true),
            ParameterRule(name: "pf_ratio", unit: "mmHg", aggregation: .min, transform: .log, window: toDaySix, table1: true),
            ParameterRule(
                name: "norepinephrine", unit: "µg/kg/min", aggregation: .max, transform: .log, zeroRule: .addConstant(0.01)),
            ParameterRule(name: "sofa", unit: "points", transform: .log, zeroRule: .addConstant(1), window: toDaySix, table1: true),
            ParameterRule(name: "d_dimer", unit: "ng/mL", aggregation: .max, transform: .none, kinetics: false, table1: true),
            ParameterRule(name: "alat", unit: "U/L", aggregation: .max, transform: .none, kinetics: false, table1: true),
            ParameterRule(name: "asat", unit: "U/L", aggregation: .max, transform: .none, kinetics: false, table1: true),
            ParameterRule(name: "ldh", unit: "U/L", aggregation: .max, transform: .none, kinetics: false, table1: true),
            ParameterRule(name: "apache_ii", unit: "points", aggregation: .max, transform: .none, kinetics: false, table1: true),
        ]
        parameters += ["tnf_alpha", "il6", "il8", "il10", "ip10", "mcp1", "il1ra"].map {
            ParameterRule(name: $0, unit: "pg/mL", aggregation: .mean, transform: .log, zeroRule: exclude)
        }
        return StudyProtocol(
            name: "kooistra-2020-anakinra",
            title: "Anakinra treatment in critically ill COVID-19 patients (Kooistra et al., Crit Care 2020;24:688)",
            treatment: TreatmentRule(drug: "anakinra"),
            exclusions: [.immunocompromised, .consentRefused],
            alignment: AlignmentRule(
                treated: .firstTreatmentDay, controls: .treatedMedianStartDay, medianRounding: .halfDown,
                excludeControlsNotInICU: true),
            windows: WindowSettings(serial: serial, cytokines: DayWindow(-6, 6), cytokineAdmissionSample: true),
            parameters: parameters,
            temperatureImputation: TemperatureImputationRule(
                parameter: "temperature", flag: "actively_cooled", value: 40, imputeUnmeasuredDays: true),
            sofa: .vincent1996WithoutGCS,
            medications: MedicationSettings(
                drugs: ["corticosteroids", "remdesivir", "chloroquine"], before: DayWindow(-10, -1), after: DayWindow(0, 10)),
            proteomics: .paperDefault,
            outcomes: OutcomeSettings(
                horizonDays: 28, deathDuringVentilation: .worstOutcome, deathInICU: .worstOutcome,
                secondaryInfectionEvent: "secondary_infection", durationCounting: .calendarDaysInclusive,
                measures: OutcomeMeasure.paperOutcomes(OutcomeSettings(horizonDays: 28))),
            analysisSets: [
                AnalysisSetRule(name: "main", label: "Main analysis", description: "All included patients."),
                AnalysisSetRule(
                    name: "propensity-matched",
                    label: "Propensity-score matched",
                    description: "Treated patients and propensity-score-matched controls (baseline demographics).",
                    propensityMatching: MatchingSettings(covariates: ["age", "sex", "bmi"])),
                AnalysisSetRule(
                    name: "no-corticosteroids",
                    label: "No corticosteroids",
                    description: "Only patients who received no corticosteroids from day −10 to day +10.",
                    excludeIf: .drug(DrugCriterion(drug: "corticosteroids", window: serial))),
                AnalysisSetRule(
                    name: "criteria-matched-controls",
                    label: "Controls meeting the start criteria",
                    description: "All treated patients; controls meeting the start criteria before day 0.",
                    appliesTo: .controls,
                    includeIf: .anyOf([
                        .parameter(ParameterCriterion(
                            parameter: "temperature", threshold: .init(.above, 38.5), window: DayWindow(-10, -1), onAtLeastDays: 2)),
                        .parameter(ParameterCriterion(
                            parameter: "ferritin", threshold: .init(.above, 1800), window: DayWindow(-10, -1), onAtLeastDays: 1)),
                    ])),
                AnalysisSetRule(
                    name: "overlap-weighted",
                    label: "Overlap weighted",
                    description: "All included patients, weighted by overlap weights from the propensity score (baseline demographics).",
                    weighting: WeightingSettings(estimand: .ato, covariates: ["age", "sex", "bmi"])),
            ],
            baseline: BaselineSection.defaultSections(declared: []),
            groups: GroupLabels(treated: "Anakinra", control: "Control"),
            report: ReportSettings(paperFigureReferences: true))
    }()
}
