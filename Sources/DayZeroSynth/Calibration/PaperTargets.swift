import DayZeroCohort

/// The numbers the synthetic cohort is calibrated to: Kooistra et al., Crit Care
/// 2020;24:688 — the flow counts, Table 1 (counts exact, medians [IQR] as targets), the
/// medication and outcome counts of the results section, and the directions of the kinetics
/// of Figs. 1–3. Every constant here is quoted from the paper or, where the paper gives no
/// number, marked as an assumption.
enum PaperTargets {
    // MARK: Flow (per block of 78 screened patients)

    static let screened = 78
    static let immunocompromised = 9
    static let consentRefused = 1
    static let controlsGoneBeforeAlignment = 8
    static let treated = 21
    static let controls = 39
    /// Median ICU day of the first anakinra dose in the treated group ("day 12").
    static let alignmentDay = 12

    // MARK: Table 1 counts, (treated, control)

    static let male = (treated: 14, control: 33)
    static let comorbidities: [(Comorbidity, treated: Int, control: Int)] = [
        (.cardiovascularInsufficiency, 4, 10),
        (.hypertension, 8, 22),
        (.respiratoryInsufficiency, 1, 2),
        (.renalInsufficiency, 0, 1),
        (.metastaticNeoplasm, 2, 2),
        (.immunologicalInsufficiency, 0, 1),
        (.copd, 0, 5),
        (.diabetesMellitus, 7, 7),
        (.hematologicMalignancy, 1, 0),
    ]

    // MARK: Outcomes to day 28 after alignment, (treated, control)

    static let secondaryInfections = (treated: 7, control: 9)
    static let deaths28 = (treated: 4, control: 7)
    /// ICU stay after the alignment day, days: 24 [10–29] vs 17 [6–29]. The printed upper
    /// quartile 29 means "beyond day 28"; the targets put the upper quartile at 33 and 31 days
    /// so that a quarter to a third of each group is still in the ICU on day 28 (assumption).
    static let icuStayAfterAlignment = (
        treated: QuantileTarget(24, 10, 33, .log, bounds: 1.2...70),
        control: QuantileTarget(17, 6, 31, .log, bounds: 1.2...70))
    /// Patients no longer ventilated on the alignment day (left out of the ventilation curve);
    /// the paper gives no number (assumption).
    static let extubatedBeforeAlignment = (treated: 1, control: 4)

    // MARK: Medication, patients with ≥ 1 administration in day −10…−1 / +1…+10

    /// Corticosteroids: 1/21 (5 %) vs 10/39 (26 %) before; 14 % (3/21) vs 28 % (11/39) after.
    static let corticosteroidsBefore = (treated: 1, control: 10)
    static let corticosteroidsAfter = (treated: 3, control: 11)
    /// Of those treated after day 0, how many continued a course that began before (assumption).
    static let corticosteroidsContinued = (treated: 1, control: 9)
    /// Chloroquine and remdesivir: "no differences" (counts are assumptions).
    static let chloroquineBefore = (treated: 5, control: 10)
    static let chloroquineAfter = (treated: 0, control: 1)
    static let remdesivirBefore = (treated: 1, control: 2)
    static let remdesivirAfter = (treated: 1, control: 1)
    static let remdesivirContinued = (treated: 1, control: 0)

    // MARK: Proteomics subset (Additional file 3; group sizes are an assumption)

    static let proteomicsPatients = (treated: 15, control: 15)
    static let proteomicsQCWarnings = 2

    // MARK: Baseline characteristics (Table 1, at ICU admission)

    static let age = (treated: QuantileTarget(63, 55, 71, .linear, bounds: 28...88),
                      control: QuantileTarget(67, 59, 72, .linear, bounds: 28...88))
    static let bmi = (treated: QuantileTarget(27.7, 25.9, 29.9, .linear, bounds: 18.5...48),
                      control: QuantileTarget(26.8, 24.3, 31.1, .linear, bounds: 18.5...48))
    static let apacheII = (treated: QuantileTarget(15, 13, 18, .linear, bounds: 4...38),
                           control: QuantileTarget(16, 12, 20, .linear, bounds: 4...38))
    static let symptomDays = (treated: QuantileTarget(13, 9, 14, .linear, bounds: 1...28),
                              control: QuantileTarget(10, 7, 15, .linear, bounds: 1...28))
    /// First anakinra day (ICU day): median exactly 12 (forced); spread is an assumption.
    static let startDay = QuantileTarget(12, 8, 16, .linear, bounds: 2...32)
}

/// A unit other than the canonical one in which a small share of a parameter's rows is
/// written, to exercise the importer's conversion.
struct AlternativeUnit: Sendable {
    var unit: String
    var decimals: Int
    var probability: Double
}

/// One daily clinical series: its Table 1 targets at ICU admission and on the alignment day,
/// the change after the alignment day (Figs. 2–3), its day-to-day noise and its imperfections.
struct SeriesSpec: Sendable {
    var parameter: String
    var scale: QuantileTarget.Scale
    var decimals: Int
    var bounds: ClosedRange<Double>
    /// Table 1 "on admission day": (treated, control).
    var admission: (treated: QuantileTarget, control: QuantileTarget)?
    /// Table 1 "on alignment day": (treated, control).
    var alignment: (treated: QuantileTarget, control: QuantileTarget)
    /// Mean change from the alignment day to the plateau after it, on the series' scale
    /// (log for ratios: −0.9 is a fall to 41 %), reached with a 2.5-day time constant.
    var postChange: (treated: Double, control: Double)
    /// Day-to-day noise (AR(1), lag-one correlation `correlation`), on the series' scale.
    var noise: Double
    var correlation: Double = 0.6
    /// Probability that a day's value is missing (never on ICU day 0 or the alignment day).
    var missing: Double
    var alternative: AlternativeUnit?
    /// Decision thresholds (SOFA, start criteria): a row is written in an alternative unit only
    /// if converting it back leaves it on the same side of each.
    var thresholds: [Double] = []
    /// Amplitude of a hump `bump · sin(π w)` added to the straight line from ICU day 0 (w = 0)
    /// to the alignment day (w = 1), per group: the shape of the course before day 0.
    var beforeBump: (treated: Double, control: Double) = (0, 0)
    /// Spread of the per-patient change after day 0, as a fraction of the group's change.
    var changeSpread = 0.3
    /// The designed course before day 0, per group: the within-patient level on aligned days
    /// −10…−1 relative to the alignment day, on the series' scale. When set, the block plan
    /// shifts the recorded non-anchor values of each aligned day so that the day-by-group
    /// estimates with a patient effect are exactly this course (``CohortPlanner``'s
    /// `imposeBeforeCourse`); without it the course is whatever the anchors' lines give.
    var beforeCourse: (treated: [Double], control: [Double])?
}

extension PaperTargets {
    /// The daily series of Table 1 and Figs. 2–3, in a fixed order (the order of generation).
    static let series: [SeriesSpec] = [
        SeriesSpec(
            parameter: "temperature", scale: .linear, decimals: 1, bounds: 35.0...41.6,
            admission: (QuantileTarget(38.4, 37.8, 38.9, .linear, bounds: 36.0...41.2),
                        QuantileTarget(38.6, 37.5, 39.3, .linear, bounds: 36.0...41.2)),
            alignment: (QuantileTarget(39.1, 38.3, 40.0, .linear, bounds: 36.0...41.2),
                        QuantileTarget(37.8, 37.0, 38.3, .linear, bounds: 36.0...41.2)),
            postChange: (-1.0, -0.215), noise: 0.65, correlation: 0.5, missing: 0.02,
            alternative: AlternativeUnit(unit: "°F", decimals: 2, probability: 0.01),
            thresholds: [38.0, 38.5, 40.0], beforeBump: (0.3, -0.3),
            beforeCourse: temperatureBeforeCourse),
        SeriesSpec(
            parameter: "ferritin", scale: .log, decimals: 0, bounds: 30...60_000,
            admission: (QuantileTarget(1842, 1313, 2767, .log, bounds: 60...40_000),
                        QuantileTarget(1439, 815, 2396, .log, bounds: 60...40_000)),
            alignment: (QuantileTarget(2365, 1272, 3713, .log, bounds: 60...40_000),
                        QuantileTarget(1410, 713, 1680, .log, bounds: 60...40_000)),
            postChange: (-0.286, -0.1), noise: 0.15, missing: 0.15,
            alternative: AlternativeUnit(unit: "ng/mL", decimals: 0, probability: 0.05),
            thresholds: [1800]),
        SeriesSpec(
            parameter: "crp", scale: .log, decimals: 0, bounds: 2...600,
            admission: (QuantileTarget(254, 188, 297, .log, bounds: 15...500),
                        QuantileTarget(198, 133, 292, .log, bounds: 15...500)),
            alignment: (QuantileTarget(130, 90, 237, .log, bounds: 5...500),
                        QuantileTarget(92, 59, 170, .log, bounds: 5...500)),
            postChange: (-0.8, -0.63), noise: 0.22, missing: 0.06,
            alternative: AlternativeUnit(unit: "mg/dL", decimals: 1, probability: 0.03)),
        SeriesSpec(
            parameter: "procalcitonin", scale: .log, decimals: 2, bounds: 0.03...80,
            admission: (QuantileTarget(0.66, 0.18, 1.39, .log, bounds: 0.04...40),
                        QuantileTarget(0.86, 0.32, 2.88, .log, bounds: 0.04...40)),
            alignment: (QuantileTarget(0.66, 0.39, 1.88, .log, bounds: 0.04...40),
                        QuantileTarget(0.48, 0.23, 0.78, .log, bounds: 0.04...40)),
            postChange: (-0.34, 0.0), noise: 0.25, missing: 0.2,
            alternative: AlternativeUnit(unit: "ng/mL", decimals: 2, probability: 0.03)),
        SeriesSpec(
            parameter: "wbc", scale: .log, decimals: 1, bounds: 1.0...60,
            admission: (QuantileTarget(8.2, 7.0, 12.0, .log, bounds: 1.5...45),
                        QuantileTarget(9.8, 6.0, 11.4, .log, bounds: 1.5...45)),
            alignment: (QuantileTarget(12.4, 10.4, 15.9, .log, bounds: 1.5...45),
                        QuantileTarget(13.5, 11.4, 16.6, .log, bounds: 1.5...45)),
            postChange: (-0.05, 0.067), noise: 0.1, missing: 0.05,
            alternative: AlternativeUnit(unit: "10^3/uL", decimals: 1, probability: 0.03)),
        SeriesSpec(
            parameter: "creatinine", scale: .log, decimals: 0, bounds: 25...1_200,
            admission: (QuantileTarget(84, 68, 96, .log, bounds: 30...900),
                        QuantileTarget(82, 65, 110, .log, bounds: 30...900)),
            alignment: (QuantileTarget(92, 76, 106, .log, bounds: 30...900),
                        QuantileTarget(79, 58, 148, .log, bounds: 30...900)),
            postChange: (-0.052, 0.031), noise: 0.07, missing: 0.04,
            alternative: AlternativeUnit(unit: "mg/dL", decimals: 2, probability: 0.03),
            thresholds: [110, 171, 300, 440]),
        SeriesSpec(
            parameter: "bilirubin", scale: .log, decimals: 0, bounds: 2...400,
            admission: (QuantileTarget(8, 6, 13, .log, bounds: 2...250),
                        QuantileTarget(7, 5, 14, .log, bounds: 2...250)),
            alignment: (QuantileTarget(6, 5, 12, .log, bounds: 2...250),
                        QuantileTarget(5, 4, 9, .log, bounds: 2...250)),
            postChange: (-0.099, 0.029), noise: 0.1, missing: 0.08,
            alternative: AlternativeUnit(unit: "mg/dL", decimals: 2, probability: 0.03),
            thresholds: [20, 33, 102, 205]),
        SeriesSpec(
            parameter: "platelets", scale: .log, decimals: 0, bounds: 10...1_200,
            admission: (QuantileTarget(247, 189, 324, .log, bounds: 40...900),
                        QuantileTarget(244, 181, 325, .log, bounds: 40...900)),
            alignment: (QuantileTarget(351, 314, 494, .log, bounds: 40...1_000),
                        QuantileTarget(366, 263, 453, .log, bounds: 40...1_000)),
            postChange: (-0.12, -0.07), noise: 0.07, missing: 0.04,
            alternative: AlternativeUnit(unit: "/uL", decimals: 0, probability: 0.03),
            thresholds: [20, 50, 100, 150]),
        SeriesSpec(
            parameter: "pf_ratio", scale: .log, decimals: 0, bounds: 50...550,
            admission: (QuantileTarget(138, 105, 199, .log, bounds: 55...450),
                        QuantileTarget(139, 101, 178, .log, bounds: 55...450)),
            alignment: (QuantileTarget(188, 133, 268, .log, bounds: 55...450),
                        QuantileTarget(157, 128, 212, .log, bounds: 55...450)),
            postChange: (0.19, 0.10), noise: 0.15, missing: 0.03,
            thresholds: [100, 200, 300, 400]),
        SeriesSpec(
            parameter: "d_dimer", scale: .log, decimals: 0, bounds: 150...100_000,
            admission: (QuantileTarget(3380, 2028, 18343, .log, bounds: 300...80_000),
                        QuantileTarget(2950, 1605, 4610, .log, bounds: 300...80_000)),
            alignment: (QuantileTarget(4063, 2585, 6285, .log, bounds: 300...80_000),
                        QuantileTarget(3918, 2349, 5943, .log, bounds: 300...80_000)),
            postChange: (0, 0), noise: 0.2, missing: 0.35,
            alternative: AlternativeUnit(unit: "mg/L", decimals: 3, probability: 0.03)),
        SeriesSpec(
            parameter: "alat", scale: .log, decimals: 0, bounds: 5...3_000,
            admission: (QuantileTarget(47, 21, 62, .log, bounds: 6...1_500),
                        QuantileTarget(39, 30, 56, .log, bounds: 6...1_500)),
            alignment: (QuantileTarget(89, 55, 119, .log, bounds: 6...1_500),
                        QuantileTarget(67, 49, 114, .log, bounds: 6...1_500)),
            postChange: (-0.35, -0.1), noise: 0.12, missing: 0.25,
            alternative: AlternativeUnit(unit: "ukat/L", decimals: 2, probability: 0.02)),
        SeriesSpec(
            parameter: "asat", scale: .log, decimals: 0, bounds: 8...3_000,
            admission: (QuantileTarget(55, 35, 76, .log, bounds: 10...1_500),
                        QuantileTarget(51, 39, 63, .log, bounds: 10...1_500)),
            alignment: (QuantileTarget(96, 67, 142, .log, bounds: 10...1_500),
                        QuantileTarget(64, 46, 97, .log, bounds: 10...1_500)),
            postChange: (-0.5, -0.1), noise: 0.12, missing: 0.25,
            alternative: AlternativeUnit(unit: "ukat/L", decimals: 2, probability: 0.02)),
        SeriesSpec(
            parameter: "ldh", scale: .log, decimals: 0, bounds: 100...3_000,
            admission: (QuantileTarget(380, 322, 493, .log, bounds: 150...2_000),
                        QuantileTarget(406, 324, 507, .log, bounds: 150...2_000)),
            alignment: (QuantileTarget(371, 317, 450, .log, bounds: 150...2_000),
                        QuantileTarget(348, 256, 406, .log, bounds: 150...2_000)),
            postChange: (-0.15, -0.15), noise: 0.08, missing: 0.3,
            alternative: AlternativeUnit(unit: "ukat/L", decimals: 2, probability: 0.02)),
        // APACHE II recomputed daily; its admission value is the patients.csv column.
        SeriesSpec(
            parameter: "apache_ii", scale: .linear, decimals: 0, bounds: 0...45,
            admission: nil,
            alignment: (QuantileTarget(12, 9, 13, .linear, bounds: 2...35),
                        QuantileTarget(10, 7, 14, .linear, bounds: 2...35)),
            postChange: (-2, -2), noise: 1.2, correlation: 0.5, missing: 0.1),
    ]

    /// Norepinephrine (µg/kg/min) on ICU day 0 and on the alignment day: the share of patients
    /// on the drug and the median dose of those on it. Tuned (assumption) so that SOFA without
    /// GCS lands near 7 [4–7] / 6 [5–8] at admission and 6 [4–8] / 5 [4–7] on alignment day,
    /// and so that the treated group gets more norepinephrine before day 0 (Fig. 3e).
    static let norepinephrineAdmission = (treated: (share: 0.8, medianDose: 0.18),
                                          control: (share: 0.6, medianDose: 0.1))
    static let norepinephrineAlignment = (treated: (share: 0.72, medianDose: 0.16),
                                          control: (share: 0.5, medianDose: 0.08))
    /// Temperature's designed course before day 0 (°C relative to the alignment day, aligned
    /// days −10…−1): the mean over seeds 101–120 of the day-by-group estimates (with a patient
    /// effect) that the Table 1 anchors' lines and the hump give, its group difference scaled
    /// by `temperatureBeforeScale` so that the interaction F gives the paper's p = 0.02
    /// (docs/synthetic-cohort.md, "Kinetics calibration").
    static let temperatureBeforeScale = 0.95
    static let temperatureBeforeCourse: (treated: [Double], control: [Double]) = {
        let treated = [-0.3905, -0.3281, -0.2672, -0.1965, -0.1455, -0.0948, -0.0471, -0.0217, -0.0344, 0.0031]
        let control = [0.4774, 0.3578, 0.2458, 0.1520, 0.0765, 0.0259, -0.0081, -0.0206, -0.0202, -0.0094]
        let mean = zip(treated, control).map { ($0 + $1) / 2 }
        return (zip(mean, treated).map { $0 + temperatureBeforeScale * ($1 - $0) },
                zip(mean, control).map { $0 + temperatureBeforeScale * ($1 - $0) })
    }()

    /// The latent log-dose between and after the anchors (calibrated, docs/synthetic-cohort.md):
    /// AR(1) noise, the per-group hump before day 0 and the weaning after it (natural log).
    static let norepinephrineKinetics = (
        noise: 0.45, correlation: 0.7, changeSpread: 0.5,
        bump: (treated: -1.29, control: 0.0), change: (treated: -0.75, control: -0.6))

    /// The seven cytokines of Fig. 1 (pg/mL): geometric-median concentration at ICU admission,
    /// the fall (natural log) from admission to the alignment day in both groups, and the assay's
    /// limit of detection. Values are typical of critically ill COVID-19 patients (assumption).
    static let cytokines: [(analyte: String, admissionMedian: Double, fallToAlignment: Double, lod: Double)] = [
        ("tnf_alpha", 18, 0.35, 1.2),
        ("il6", 120, 1.3, 1.5),
        ("il8", 45, 0.5, 2.0),
        ("il10", 14, 1.1, 1.6),
        ("ip10", 2_500, 1.5, 10),
        ("mcp1", 900, 0.6, 5),
        ("il1ra", 2_200, 1.4, 20),
    ]
    /// Rise of IL-1RA (natural log) while on anakinra: the assay detects the drug itself.
    static let il1raRiseOnAnakinra = 4.5
    /// Aligned days of the serial cytokine samples.
    static let cytokineOffsets = [-6, -4, -2, 0, 2, 4, 6]
    /// Per cytokine of ``cytokines`` (same order): the sample-to-sample noise (natural log) and
    /// the treated group's shift at aligned days +2, +4 and +6 (calibrated: TNF-α and MCP-1 differ
    /// without a clear direction, p ≈ 0.03 and 0.049; the others do not).
    static let cytokineKinetics: [(noise: Double, after: [Double])] = [
        (0.3, [0.215, -0.215, 0.112]),
        (0.3, [0.14, 0, -0.11]),
        (0.3, [-0.08, 0.16, 0]),
        (0.3, [0.1, 0.1, -0.063]),
        (0.3, [0, -0.125, 0.063]),
        (0.3, [-0.22, 0.22, -0.115]),
        (0.3, [0, 0, 0]),
    ]
}
