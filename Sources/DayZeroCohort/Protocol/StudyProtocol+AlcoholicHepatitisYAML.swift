extension ProtocolYAML {
    /// The protocol of the alcoholic-hepatitis example as YAML with comments: what
    /// `dayzero protocol init --example alcoholic-hepatitis` writes. Parsing it (with the
    /// example study's declared parameters and variables) gives exactly
    /// `StudyProtocol.alcoholicHepatitis` (a test holds them together).
    public static let alcoholicHepatitisYAML: String = #"""
        # DayZero study protocol (format 1). Documentation: docs/protocol.md, docs/examples.md
        # The built-in example "alcoholic-hepatitis": severe alcoholic hepatitis in the ICU, treated or
        # not with prednisolone, on a synthetic cohort (`dayzero simulate --example alcoholic-hepatitis`).
        # Check it against the study with `dayzero protocol check FILE --study DIR`.
        # Days: ICU day 0 is the day of ICU admission; "aligned day" 0 is a patient's day 0.
        # Windows are [first, last] aligned days, both included.
        dayzero_protocol: 1
        name: alcoholic-hepatitis-prednisolone
        title: Prednisolone for severe alcoholic hepatitis in the ICU (DayZero synthetic example)

        # Treated: received prednisolone in the ICU (first dose on ICU day 0, 1 or 2); any other
        # patient is a control.
        treatment:
          drug: prednisolone

        groups:
          treated: Prednisolone
          control: No corticosteroids

        # Exclusions, in flow order; a patient meeting both is counted under the first. Windows in
        # exclusions count ICU days from admission. An unknown Maddrey meets no threshold, so a
        # patient without one is not excluded by the first rule.
        exclusions:
          - name: maddrey-below-32
            label: Maddrey discriminant function below 32
            if: {variable: maddrey, below: 32}
          - name: gi-bleeding-early
            label: Gastrointestinal bleeding on ICU day 0 or 1
            if: {event: gi_bleeding, window: [0, 1]}

        # Table 1: sex, age and BMI (built in) and the variables the study declares in variables.csv.
        baseline:
          - title: Patient characteristics
            variables: [sex, age, bmi]
          - title: Severity of liver disease
            variables: [maddrey, meld, he_grade, ascites]
          - title: At ICU admission
            variables: [infection_admission]

        alignment:
          # Treated: day 0 = the ICU day of the first prednisolone dose.
          treated: first_treatment_day
          # Controls: day 0 = the treated patients' median start day (ICU day 1 in the bundled
          # cohort), so that both groups must have survived in the ICU to the same day; aligning
          # controls on admission (fixed_icu_day: 0) would credit prednisolone with the deaths of
          # untreated patients on the days before the treated started (immortal time).
          controls: treated_median_start_day
          median_rounding: half_down
          # Controls no longer in the ICU on their day 0 (they died on ICU day 0) are excluded.
          exclude_controls_not_in_icu: true

        windows:
          # Laboratory values: daily in the ICU, then weekly at the hepatology clinic after
          # discharge (weeks 1-12 after day 0, while followed): two days before to 12 weeks after.
          serial: [-2, 84]

        # Time in the mixed models: a natural cubic spline with knots at one and four weeks
        # (lmerTest: value ~ splines::ns(time, knots, Boundary.knots) * group + (1 | patient)).
        # The 87 days of the window, daily then weekly, are too many and too sparse for the
        # categorical model (one level per day).
        kinetics_model:
          time: spline
          knots: [7, 28]

        # Analysed parameters (log scale: geometric means, mixed models on log values). INR is not in
        # the catalog: the study declares it in parameters.csv (unit "ratio").
        parameters:
          - {name: bilirubin, unit: µmol/L, aggregation: max, transform: log, zero_rule: exclude_zeros, table1: true}
          - {name: creatinine, unit: µmol/L, aggregation: max, transform: log, table1: true}
          - {name: inr, unit: ratio, aggregation: max, transform: log, table1: true}
          - {name: wbc, unit: 10^9/L, aggregation: max, transform: log, zero_rule: exclude_zeros, table1: true}

        # No SOFA, temperature imputation, medication, cytokine or proteomics analysis in this study.

        # Outcomes, measured from the start of day 0.
        outcomes:
          # Horizon of the ventilator-free days and the ICU length of stay.
          horizon_days: 28
          death_during_ventilation: worst_outcome
          death_in_icu: worst_outcome
          secondary_infection_event: secondary_infection
          duration_counting: calendar_days_inclusive
          measures:
            # Death and liver transplantation compete: cumulative incidence (Aalen-Johansen) and
            # Gray's test, over a year.
            - {name: death, label: Death (liver transplantation competing), kind: time_to_event, event: death, competing: liver_transplant, horizon_days: 365}
            - {name: transplant, label: Liver transplantation (death competing), kind: time_to_event, event: liver_transplant, competing: death, horizon_days: 365}
            - {name: death_28d, label: Death within 28 days, kind: binary, event: death, horizon_days: 28}
            # A patient lost to follow-up alive before day 90 has no known status: counted missing.
            - {name: death_90d, label: Death within 90 days, kind: binary, event: death, horizon_days: 90}
            - {name: infection_28d, label: Secondary infection within 28 days, kind: binary, event: secondary_infection, horizon_days: 28}
            - {name: vfd_28, label: Ventilator-free days at day 28, kind: free_days, of: ventilation}
            - {name: icu_los, label: ICU length of stay, kind: duration, of: icu_stay}

        analysis_sets:
          - name: main
            description: All included patients.
          # Infection is the usual reason to withhold steroids (confounding by indication).
          - name: no-infection-at-admission
            description: Only patients without an infection at ICU admission (the main reason to withhold steroids).
            exclude_if: {variable: infection_admission, is: 1}

        """#
}
