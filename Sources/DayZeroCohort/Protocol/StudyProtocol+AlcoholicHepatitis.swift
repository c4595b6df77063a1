extension StudyProtocol {
    /// The protocol of the second built-in example, severe alcoholic hepatitis in the ICU treated
    /// with prednisolone (`docs/examples.md`): treated = prednisolone started in the ICU, controls
    /// aligned on the treated median start day; exclusions as rules (Maddrey below 32, GI bleeding
    /// on ICU day 0–1); Table 1 from the study's declared variables; daily ICU labs; outcomes over
    /// a year with liver transplantation competing with death; labs daily in the ICU and weekly at the
    /// clinic after discharge, to week 12, with a spline-time mixed model.
    /// `ProtocolYAML.alcoholicHepatitisYAML` is the same protocol with comments.
    public static let alcoholicHepatitis: StudyProtocol = {
        let labs = DayWindow(-2, 84)
        var p = StudyProtocol(
            name: "alcoholic-hepatitis-prednisolone",
            title: "Prednisolone for severe alcoholic hepatitis in the ICU (DayZero synthetic example)",
            treatment: TreatmentRule(drug: "prednisolone"),
            exclusions: [
                ExclusionRule(
                    name: "maddrey-below-32", label: "Maddrey discriminant function below 32",
                    rule: .variable(VariableCriterion(variable: "maddrey", test: .threshold(Threshold(.below, 32))))),
                ExclusionRule(
                    name: "gi-bleeding-early", label: "Gastrointestinal bleeding on ICU day 0 or 1",
                    rule: .event(EventCriterion(event: "gi_bleeding", window: DayWindow(0, 1)))),
            ],
            alignment: AlignmentRule(
                treated: .firstTreatmentDay, controls: .treatedMedianStartDay, medianRounding: .halfDown,
                excludeControlsNotInICU: true),
            windows: WindowSettings(serial: labs, cytokines: labs, cytokineAdmissionSample: false),
            parameters: [
                ParameterRule(name: "bilirubin", unit: "µmol/L", aggregation: .max, transform: .log, zeroRule: .excludeZeros, table1: true),
                ParameterRule(name: "creatinine", unit: "µmol/L", aggregation: .max, transform: .log, table1: true),
                ParameterRule(name: "inr", unit: "ratio", aggregation: .max, transform: .log, table1: true),
                ParameterRule(name: "wbc", unit: "10^9/L", aggregation: .max, transform: .log, zeroRule: .excludeZeros, table1: true),
            ],
            temperatureImputation: nil,
            sofa: nil,
            medications: .none,
            outcomes: OutcomeSettings(
                horizonDays: 28, deathDuringVentilation: .worstOutcome, deathInICU: .worstOutcome,
                secondaryInfectionEvent: "secondary_infection", durationCounting: .calendarDaysInclusive,
                measures: [
                    OutcomeMeasure(
                        name: "death", label: "Death (liver transplantation competing)", kind: .timeToEvent, event: "death",
                        competing: "liver_transplant", horizonDays: 365),
                    OutcomeMeasure(
                        name: "transplant", label: "Liver transplantation (death competing)", kind: .timeToEvent,
                        event: "liver_transplant", competing: "death", horizonDays: 365),
                    OutcomeMeasure(name: "death_28d", label: "Death within 28 days", kind: .binary, event: "death", horizonDays: 28),
                    OutcomeMeasure(name: "death_90d", label: "Death within 90 days", kind: .binary, event: "death", horizonDays: 90),
                    OutcomeMeasure(
                        name: "infection_28d", label: "Secondary infection within 28 days", kind: .binary,
                        event: "secondary_infection", horizonDays: 28),
                    OutcomeMeasure(name: "vfd_28", label: "Ventilator-free days at day 28", kind: .freeDays, of: .ventilation),
                    OutcomeMeasure(name: "icu_los", label: "ICU length of stay", kind: .duration, of: .icuStay),
                ]),
            analysisSets: [
                AnalysisSetRule(name: "main", description: "All included patients."),
                AnalysisSetRule(
                    name: "no-infection-at-admission",
                    description: "Only patients without an infection at ICU admission (the main reason to withhold steroids).",
                    excludeIf: .variable(VariableCriterion(variable: "infection_admission", test: .oneOf(["1"])))),
            ],
            baseline: [
                BaselineSection(title: "Patient characteristics", variables: ["sex", "age", "bmi"]),
                BaselineSection(title: "Severity of liver disease", variables: ["maddrey", "meld", "he_grade", "ascites"]),
                BaselineSection(title: "At ICU admission", variables: ["infection_admission"]),
            ],
            groups: GroupLabels(treated: "Prednisolone", control: "No corticosteroids"))
        // Daily in the ICU, weekly at the clinic: time as a natural spline with knots at one and
        // four weeks (the 87 days of the window are too many, and too sparse, for one level each).
        p.kineticsModelSetting = KineticsModel(time: .spline, knots: [7, 28])
        return p
    }()
}
