extension ProtocolYAML {
    /// The paper's protocol as YAML with explanatory comments: what `dayzero protocol init`
    /// writes. Parsing it gives exactly `StudyProtocol.paperDefault` (a test holds them together).
    public static let defaultYAML: String = #"""
        # DayZero study protocol (format 1). Documentation: docs/protocol.md
        # This is the protocol of Kooistra et al., Crit Care 2020;24:688. Edit it for another study
        # and check it with `dayzero protocol check FILE`.
        # Days: ICU day 0 is the day of ICU admission; "aligned day" 0 is a patient's day 0.
        # Windows are [first, last] aligned days, both included.
        dayzero_protocol: 1
        name: kooistra-2020-anakinra
        title: Anakinra treatment in critically ill COVID-19 patients (Kooistra et al., Crit Care 2020;24:688)

        # The study treatment: a patient who received it in the ICU is treated, any other a control.
        treatment:
          drug: anakinra

        # Display names of the two groups in the report.
        groups:
          treated: Anakinra
          control: Control

        # Exclusions, in flow order; a patient meeting several is counted under the first. Each is
        # a rule over what is known before alignment: baseline variables (patients.csv), events,
        # medication and measurements (windows in ICU days from admission). The flow diagram
        # shows the label.
        exclusions:
          - name: immunocompromised
            label: Pre-existing immunocompromised state
            if: {variable: immunocompromised, is: 1}
          - name: consent_refused
            label: Consent refused
            if: {variable: consent_refused, is: 1}

        # Table 1's baseline characteristics: sections of patients.csv variables (sex, age, the
        # built-in ones or those declared in variables.csv), in display order.
        baseline:
          - title: Patient characteristics
            variables: [sex, age, bmi, apache_ii, symptom_days]
          - title: Medical history
            variables: [cardiovascular_insufficiency, hypertension, respiratory_insufficiency, renal_insufficiency,
                        metastatic_neoplasm, immunological_insufficiency, copd, diabetes_mellitus, hematologic_malignancy]

        alignment:
          # Treated: day 0 = the ICU day of the first administration of the treatment.
          treated: first_treatment_day
          # Controls: day 0 = the median of the treated patients' start days (ICU days since
          # admission; the paper: day 12). Or `fixed_icu_day` with `fixed_icu_day: N`.
          controls: treated_median_start_day
          # An even number of treated patients whose middle two start days a ≤ b differ by an odd
          # number gives a median ending in .5: half_down = floor((a+b)/2), half_up = ceil((a+b)/2),
          # lower_middle = a, upper_middle = b.
          median_rounding: half_down
          # Controls no longer in the ICU on their alignment day (left before it began) are excluded.
          exclude_controls_not_in_icu: true

        windows:
          # Serial clinical data: 10 days before to 10 days after day 0.
          serial: [-10, 10]
          # Serial cytokine samples: day -6 to +6 ...
          cytokines: [-6, 6]
          # ... plus each patient's ICU-admission sample, shown beside the window.
          cytokine_admission_sample: true

        # The temperature of a patient actively cooled because of fever > 40 °C is imputed as 40 °C:
        # on every ICU day with a non-zero `actively_cooled` measurement the day's temperature is set
        # to 40 (lowered, raised, or created when unmeasured). Each imputed day is counted.
        # impute_unmeasured_days: false leaves an unmeasured cooled day empty; lower_only: true
        # (with impute_unmeasured_days: false) only lowers a measured value above 40.
        temperature_imputation:
          parameter: temperature
          flag: actively_cooled
          value: 40
          impute_unmeasured_days: true

        # Analysed parameters. For each:
        #   unit         the canonical unit values are analysed in (checked against the catalog)
        #   aggregation  several values on one ICU day -> the day's value:
        #                max, min, mean, median, first, last, sum (default: the catalog's rule)
        #   transform    log (natural log: geometric means, mixed models on the log scale) or none
        #   zero_rule    required with log when the parameter can be zero:
        #                exclude_zeros            zeros are left out and counted
        #                {add_constant: c}        every value analysed as log(x + c)
        #                {replace_zeros_with: v}  zeros replaced by v and counted
        #   window       aligned days analysed (default: windows.serial; cytokines: windows.cytokines)
        #   kinetics     analysed over time (default true); table1: shown at admission and on day 0
        #   display_unit the unit the report shows, one of the parameter's accepted units; the
        #                analysis stays in the canonical unit (default: the canonical unit)
        #   section      the report section of the kinetics panel: inflammation, sofa or other
        #                (default: sofa for SOFA scores and inputs, else from the catalog)
        parameters:
          - {name: temperature, unit: °C, aggregation: max, transform: log, table1: true}
          - {name: ferritin, unit: µg/L, aggregation: max, transform: log, zero_rule: exclude_zeros, table1: true}
          - {name: procalcitonin, unit: µg/L, aggregation: max, transform: log, zero_rule: exclude_zeros, table1: true}
          - {name: wbc, unit: 10^9/L, aggregation: max, transform: log, zero_rule: exclude_zeros, table1: true}
          - {name: crp, unit: mg/L, aggregation: max, transform: log, zero_rule: exclude_zeros, table1: true}
          - {name: creatinine, unit: µmol/L, aggregation: max, transform: log, table1: true}
          - {name: bilirubin, unit: µmol/L, aggregation: max, transform: log, zero_rule: exclude_zeros, table1: true}
          - {name: platelets, unit: 10^9/L, aggregation: min, transform: log, zero_rule: exclude_zeros, table1: true}
          # P/F ratio and SOFA only to day +6 (ward transfers from day 7 on).
          - {name: pf_ratio, unit: mmHg, aggregation: min, transform: log, window: [-10, 6], table1: true}
          # Norepinephrine is often 0 (off vasopressors): analysed as log(rate + 0.01 µg/kg/min).
          - {name: norepinephrine, unit: µg/kg/min, aggregation: max, transform: log, zero_rule: {add_constant: 0.01}}
          # SOFA (derived below, one value per day) can be 0: analysed as log(SOFA + 1).
          - {name: sofa, unit: points, transform: log, zero_rule: {add_constant: 1}, window: [-10, 6], table1: true}
          # Table 1 only.
          - {name: d_dimer, unit: ng/mL, aggregation: max, transform: none, kinetics: false, table1: true}
          - {name: alat, unit: U/L, aggregation: max, transform: none, kinetics: false, table1: true}
          - {name: asat, unit: U/L, aggregation: max, transform: none, kinetics: false, table1: true}
          - {name: ldh, unit: U/L, aggregation: max, transform: none, kinetics: false, table1: true}
          - {name: apache_ii, unit: points, aggregation: max, transform: none, kinetics: false, table1: true}
          # The seven cytokines (window: windows.cytokines).
          - {name: tnf_alpha, unit: pg/mL, aggregation: mean, transform: log, zero_rule: exclude_zeros}
          - {name: il6, unit: pg/mL, aggregation: mean, transform: log, zero_rule: exclude_zeros}
          - {name: il8, unit: pg/mL, aggregation: mean, transform: log, zero_rule: exclude_zeros}
          - {name: il10, unit: pg/mL, aggregation: mean, transform: log, zero_rule: exclude_zeros}
          - {name: ip10, unit: pg/mL, aggregation: mean, transform: log, zero_rule: exclude_zeros}
          - {name: mcp1, unit: pg/mL, aggregation: mean, transform: log, zero_rule: exclude_zeros}
          - {name: il1ra, unit: pg/mL, aggregation: mean, transform: log, zero_rule: exclude_zeros}

        # SOFA without the Glasgow Coma Score (all patients sedated). Each component scores the
        # first band (in order) its daily value meets: above (>), at_least (>=), below (<),
        # at_most (<=); no band met -> 0. requires_ventilation: the band applies only on a day
        # with mechanical ventilation. A component with several inputs scores their maximum.
        # Daily input values: the catalog's worst value of the day unless `aggregation` is given.
        sofa:
          reference: "Vincent JL, Moreno R, Takala J, et al. The SOFA (Sepsis-related Organ Failure Assessment) score to describe organ dysfunction/failure. Intensive Care Med 1996;22:707-710 (Table 1); central nervous system (GCS) omitted."
          # sum_available: total = sum of the components available that day (a missing component
          # counts as 0), reported with the number missing; require_all: total only when complete;
          # carry_forward: a missing component takes its last measured score from an earlier day
          # (carry_forward_days: N limits how old), then as sum_available.
          missing_components: {policy: sum_available, minimum_components: 1}
          components:
            - name: respiration
              inputs:
                - parameter: pf_ratio   # mmHg
                  bands:
                    - {score: 4, below: 100, requires_ventilation: true}
                    - {score: 3, below: 200, requires_ventilation: true}
                    - {score: 2, below: 300}
                    - {score: 1, below: 400}
            - name: coagulation
              inputs:
                - parameter: platelets   # 10^9/L
                  bands:
                    - {score: 4, below: 20}
                    - {score: 3, below: 50}
                    - {score: 2, below: 100}
                    - {score: 1, below: 150}
            - name: liver
              inputs:
                - parameter: bilirubin   # µmol/L; between printed ranges (e.g. 32.5) -> lower score
                  bands:
                    - {score: 4, above: 204}
                    - {score: 3, at_least: 102}
                    - {score: 2, at_least: 33}
                    - {score: 1, at_least: 20}
            - name: cardiovascular
              inputs:
                - parameter: map   # mmHg
                  bands:
                    - {score: 1, below: 70}
                - parameter: dopamine   # µg/kg/min
                  bands:
                    - {score: 4, above: 15}
                    - {score: 3, above: 5}
                    - {score: 2, above: 0}
                - parameter: dobutamine   # any dose
                  bands:
                    - {score: 2, above: 0}
                - parameter: epinephrine
                  bands:
                    - {score: 4, above: 0.1}
                    - {score: 3, above: 0}
                - parameter: norepinephrine
                  bands:
                    - {score: 4, above: 0.1}
                    - {score: 3, above: 0}
            - name: renal
              inputs:
                - parameter: creatinine   # µmol/L
                  bands:
                    - {score: 4, above: 440}
                    - {score: 3, at_least: 300}
                    - {score: 2, at_least: 171}
                    - {score: 1, at_least: 110}
                - parameter: urine_output   # mL/day, if recorded
                  bands:
                    - {score: 4, below: 200}
                    - {score: 3, below: 500}

        # Medication use before and after day 0 (Fisher's exact test per drug).
        medications:
          drugs: [corticosteroids, remdesivir, chloroquine]
          before: [-10, -1]
          after: [0, 10]

        # The proteomics volcano (paired t-test of post vs pre NPX per assay and group):
        # relevant at |mean fold change| >= relevance_fold_change; significant at p < significance_p
        # (the paper's Bonferroni line, -log10 p = 3.204).
        proteomics:
          relevance_fold_change: 2
          significance_p: 0.000625

        # Clinical outcomes, measured from the start of day 0.
        outcomes:
          horizon_days: 28
          # Death before extubation / before ICU discharge: worst_outcome keeps the patient
          # "ventilated / in the ICU" to the horizon and censors there; censor_at_death censors at death.
          death_during_ventilation: worst_outcome
          death_in_icu: worst_outcome
          # Days on the ventilator / in the ICU for median [IQR]: calendar_days_inclusive counts
          # day 0 through the end day (at most horizon + 1); elapsed_days is the elapsed time.
          duration_counting: calendar_days_inclusive
          # The paper's outcomes. kind: binary (n (%) with the event within the horizon, Fisher;
          # a patient known alive for less than the horizon without it is missing), duration
          # (days on the ventilator / in the ICU from day 0: median [IQR], Mann-Whitney, with a
          # Kaplan-Meier curve), time_to_event (Kaplan-Meier, log-rank; add competing: KIND for
          # cumulative incidence and Gray's test), free_days (days alive and free of ventilation
          # or the ICU up to the horizon, death = 0). event: death or an events.csv kind.
          measures:
            - {name: secondary_infection, label: Secondary infection within 28 days, kind: binary, event: secondary_infection}
            - {name: ventilation_days, label: Time on mechanical ventilation, kind: duration, of: ventilation}
            - {name: icu_los, label: ICU length of stay, kind: duration, of: icu_stay}
            - {name: mortality, label: 28-day mortality, kind: binary, event: death}
            - {name: death, label: Time to death, kind: time_to_event, event: death}

        # The report. paper_figure_references: captions cite the paper's figures ("cf. Fig. 3");
        # only for a study that reproduces Kooistra et al. (absent: false).
        report:
          paper_figure_references: true

        # The specification curve (`dayzero robustness`, docs/methods/robustness.md): each
        # dimension varies one analytic choice (vary: zero_rule, sofa_missing_components,
        # sofa_inputs_left_out, temperature_imputation, median_rounding, window,
        # proteomics_significance_p, matching_caliper, matching_covariates, criterion_days,
        # criterion_consecutive); a
        # specification takes one alternative of every dimension. The protocol's own choice is
        # added when not listed. A grid larger than max_specifications is sampled with seed
        # (the protocol's own specification always kept). analysis_sets: the sets whose headline
        # results are collected (default: the first); the matched and criteria sets are where the
        # caliper, the matching covariates and the fever criterion act.
        robustness:
          analysis_sets: [main, propensity-matched, criteria-matched-controls]
          max_specifications: 500
          seed: 1
          dimensions:
            - name: norepinephrine_zeros
              label: Norepinephrine zero rule
              vary: zero_rule
              parameter: norepinephrine
              alternatives: [{add_constant: 0.001}, {add_constant: 0.01}, {add_constant: 0.1}, exclude_zeros, {replace_zeros_with: 0.001}]
            - name: sofa_missing_components
              label: SOFA day with a missing component
              vary: sofa_missing_components
              # counts 0 / complete days only / last value carried forward
              alternatives: [sum_available, require_all, carry_forward]
            - name: sofa_map
              label: SOFA cardiovascular inputs
              vary: sofa_inputs_left_out
              alternatives: [[], [map]]
            # 40 °C on every cooled day (created when unmeasured), on measured cooled days only,
            # only where the measured value is above 40 (lowered), or no imputation.
            - name: temperature_imputation
              label: Temperature 40 °C on cooled days
              vary: temperature_imputation
              alternatives: [every_flagged_day, measured_days_only, above_value_only, none]
            - name: median_rounding
              label: Rounding of the controls' alignment day
              vary: median_rounding
              alternatives: [half_down, half_up]
            - name: serial_window
              label: Serial window
              vary: window
              alternatives: [[-10, 10], [-7, 7], [-5, 5]]
            - name: sofa_window
              label: SOFA window
              vary: window
              parameter: sofa
              alternatives: [[-10, 6], [-10, 10]]
            # 0.05 / 80 (the paper's line) and 0.05 / 75 (the 75 proteins analysed; 15 digits).
            - name: proteomics_line
              label: Proteomics significance line
              vary: proteomics_significance_p
              alternatives: [0.000625, 0.000666666666666667]
            - name: matching_caliper
              label: Matching caliper
              vary: matching_caliper
              analysis_set: propensity-matched
              alternatives: [none, 0.2]
            - name: matching_covariates
              label: Matching covariates
              vary: matching_covariates
              analysis_set: propensity-matched
              alternatives: [[age, sex, bmi], [age, sex, bmi, apache_ii]]
            - name: fever_days
              label: "Fever criterion: days"
              vary: criterion_days
              analysis_set: criteria-matched-controls
              parameter: temperature
              alternatives: [2, 1, 3]
            - name: fever_consecutive
              label: "Fever criterion: days in a row"
              vary: criterion_consecutive
              analysis_set: criteria-matched-controls
              parameter: temperature
              alternatives: [any_days, consecutive]

        # Analysis sets. Rules: {drug: NAME, window: [a, b], on_at_least_days: n},
        # {parameter: NAME, above|at_least|below|at_most: x, window: [a, b], on_at_least_days: n},
        # (add consecutive: true to either for n days in a row),
        # {variable: NAME, is: V} (or in: [...], above: x, unknown: true), {event: KIND, window: [a, b]},
        # {any_of: [...]}, {all_of: [...]}, {not: rule}. applies_to: all | treated | controls.
        # A parameter threshold x is in the canonical unit, or a number and one of the
        # parameter's units (converted when read).
        analysis_sets:
          - name: main
            label: Main analysis
            description: All included patients.
          - name: propensity-matched
            label: Propensity-score matched
            description: Treated patients and propensity-score-matched controls (baseline demographics).
            # Logistic propensity model; 1:1 nearest neighbour without replacement (MatchIt defaults).
            propensity_matching:
              covariates: [age, sex, bmi]
              ratio: 1
              replace: false
              caliper_scale: score_sd
              order: largest
          - name: no-corticosteroids
            label: No corticosteroids
            description: Only patients who received no corticosteroids from day −10 to day +10.
            exclude_if: {drug: corticosteroids, window: [-10, 10], on_at_least_days: 1}
          - name: criteria-matched-controls
            label: Controls meeting the start criteria
            description: All treated patients; controls meeting the start criteria before day 0.
            applies_to: controls
            # Fever > 38.5 °C on at least two days, or ferritin > 1800 µg/L, before day 0.
            include_if:
              any_of:
                - {parameter: temperature, above: 38.5, window: [-10, -1], on_at_least_days: 2}
                - {parameter: ferritin, above: 1800, window: [-10, -1], on_at_least_days: 1}
          - name: overlap-weighted
            label: Overlap weighted
            description: All included patients, weighted by overlap weights from the propensity score (baseline demographics).
            # Overlap weights (ATO: treated 1 - p, controls p) from the logistic propensity model,
            # as WeightIt's weightit(method = "glm"); not normalised. trim: 0.99 would winsorise
            # the weights at their 99th percentile (WeightIt's trim()).
            weighting:
              estimand: ATO
              covariates:
                - age
                - sex
                - bmi

        """#
}
