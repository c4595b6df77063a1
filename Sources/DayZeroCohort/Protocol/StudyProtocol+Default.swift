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
            report: ReportSettings(paperFigureReferences: true),
            robustness: paperRobustness)
    }()

    /// The default protocol's specification curve: the choices an audit of the workup found
    /// to move its p values (norepinephrine zeros, SOFA missing components and MAP, the cooled
    /// temperature, the alignment rounding, the windows, the proteomics line, the caliper and
    /// covariates of the matching, the fever criterion's days and whether they are consecutive).
    /// See docs/methods/robustness.md.
    public static let paperRobustness = RobustnessSettings(
        analysisSets: ["main", "propensity-matched", "criteria-matched-controls"], maxSpecifications: 500, seed: 1,
        dimensions: [
            RobustnessDimension(
                name: "norepinephrine_zeros", label: "Norepinephrine zero rule",
                choice: .zeroRule(parameter: "norepinephrine", [
                    .addConstant(0.001), .addConstant(0.01), .addConstant(0.1), .excludeZeros, .replaceZerosWith(0.001),
                ])),
            RobustnessDimension(
                name: "sofa_missing_components", label: "SOFA day with a missing component",
                choice: .sofaMissingComponents([.sumAvailable, .requireAll, .carryForward])),
            RobustnessDimension(name: "sofa_map", label: "SOFA cardiovascular inputs", choice: .sofaInputsLeftOut([[], ["map"]])),
            RobustnessDimension(
                name: "temperature_imputation", label: "Temperature 40 °C on cooled days",
                choice: .temperatureImputation([.everyFlaggedDay, .measuredDaysOnly, .aboveValueOnly, .none])),
            RobustnessDimension(
                name: "median_rounding", label: "Rounding of the controls' alignment day", choice: .medianRounding([.halfDown, .halfUp])),
            RobustnessDimension(
                name: "serial_window", label: "Serial window",
                choice: .window(parameter: nil, [DayWindow(-10, 10), DayWindow(-7, 7), DayWindow(-5, 5)])),
            RobustnessDimension(
                name: "sofa_window", label: "SOFA window", choice: .window(parameter: "sofa", [DayWindow(-10, 6), DayWindow(-10, 10)])),
            RobustnessDimension(
                name: "proteomics_line", label: "Proteomics significance line", choice: .proteomicsSignificanceP([0.000625, 0.000666666666666667])),
            RobustnessDimension(
                name: "matching_caliper", label: "Matching caliper", choice: .matchingCaliper(set: "propensity-matched", [nil, 0.2])),
            RobustnessDimension(
                name: "matching_covariates", label: "Matching covariates",
                choice: .matchingCovariates(set: "propensity-matched", [["age", "sex", "bmi"], ["age", "sex", "bmi", "apache_ii"]])),
            RobustnessDimension(
                name: "fever_days", label: "Fever criterion: days",
                choice: .criterionDays(set: "criteria-matched-controls", parameter: "temperature", [2, 1, 3])),
            RobustnessDimension(
                name: "fever_consecutive", label: "Fever criterion: days in a row",
                choice: .criterionConsecutive(set: "criteria-matched-controls", parameter: "temperature", [.anyDays, .consecutive])),
        ])
}
