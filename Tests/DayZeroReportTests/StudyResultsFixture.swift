import DayZeroAnalysis
import Foundation

/// Hand-made `StudyResults` shaped like the paper's workup: two groups, days −10…+10,
/// 11 kinetics panels (incl. norepinephrine with zero lower bounds and SOFA/P/F to day +6),
/// 7 cytokines with admission values, 75 volcano assays per group, three Kaplan–Meier
/// comparisons with steps and numbers at risk, medication rows, and two analysis sets.
/// Numbers are made up but plausible; a fixed-seed generator keeps them identical run to run.
enum StudyResultsFixture {
    static let treated = "treated"
    static let control = "control"

    static func make(treatedKey: String = treated, controlKey: String = control) -> StudyResults {
        let provenance = Provenance(
            toolVersion: "0.1.0",
            inputHash: "3f1c6e0a9b2d4c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e",
            protocolHash: "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
            seed: 20_200_688,
            referenceImplementations: [
                "fisher": "stats::fisher.test",
                "mann-whitney": "stats::wilcox.test(exact = NULL, correct = TRUE)",
                "mixed-model": "lmerTest::lmer(value ~ day * group + (1 | patient)); anova(type = 3, ddf = \"Satterthwaite\")",
                "kaplan-meier": "survival::survfit(Surv(time, event) ~ group)",
                "log-rank": "survival::survdiff(Surv(time, event) ~ group)",
                "t-test": "stats::t.test(post, pre, paired = TRUE)",
            ])
        return StudyResults(provenance: provenance, analysisSets: [
            analysisSet(id: "main", label: "Main analysis", seed: 1, treatedKey: treatedKey, controlKey: controlKey, scale: 1),
            analysisSet(id: "no-corticosteroids", label: "Sensitivity analysis: patients without corticosteroids", seed: 2,
                        treatedKey: treatedKey, controlKey: controlKey, scale: 0.8),
        ])
    }

    // MARK: - Deterministic noise

    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform on [0, 1).
        mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func normal() -> Double {
            let u1 = max(uniform(), 1e-12), u2 = uniform()
            return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        }
    }

    // MARK: - One analysis set

    static func analysisSet(id: String, label: String, seed: UInt64, treatedKey: String, controlKey: String, scale: Double) -> AnalysisSetResults {
        var rng = SplitMix(state: seed)
        let nTreated = Int((21 * scale).rounded()), nControl = Int((39 * scale).rounded())
        let flow = FlowResults(
            screened: 78,
            exclusions: [
                .init(reason: "Pre-existing immunocompromised state", count: 9),
                .init(reason: "Refused consent", count: 1),
                .init(reason: "Control no longer in the ICU on the alignment day", count: 8),
            ] + (scale < 1 ? [.init(reason: "Received corticosteroids", count: 60 - nTreated - nControl)] : []),
            treated: nTreated, controls: nControl, controlAlignmentDay: 12)

        // (name, label, unit, treated pre level, treated post level, control level, relative CI half-width, last day, transform)
        let kineticsSpecs: [(String, String, String, Double, Double, Double, Double, Int, String)] = [
            ("temperature", "Temperature", "°C", 38.9, 37.6, 37.9, 0.012, 10, "log"),
            ("ferritin", "Ferritin", "µg/L", 2300, 900, 1400, 0.35, 10, "log"),
            ("procalcitonin", "Procalcitonin", "µg/L", 1.6, 0.08, 0.45, 0.5, 10, "log"),
            ("wbc", "White blood cells", "10^9/L", 12.5, 9.5, 13.5, 0.15, 10, "log"),
            ("crp", "C-reactive protein", "mg/L", 150, 60, 95, 0.3, 10, "log"),
            ("creatinine", "Creatinine", "µmol/L", 95, 70, 85, 0.18, 10, "log"),
            ("bilirubin", "Bilirubin", "µmol/L", 9, 5, 7, 0.25, 10, "log"),
            ("platelets", "Thrombocytes", "10^9/L", 330, 280, 360, 0.15, 10, "log"),
            ("pf_ratio", "PaO2/FiO2 ratio", "mmHg", 160, 210, 170, 0.15, 6, "log"),
            ("norepinephrine", "Norepinephrine", "µg/kg/min", 0.09, 0.03, 0.04, 0.9, 10, "log(x + 0.01)"),
            ("sofa", "SOFA score", "points", 7, 5, 6, 0.2, 6, "log(x + 1)"),
        ]
        var kinetics: [KineticsPanel] = []
        for spec in kineticsSpecs {
            kinetics.append(panel(spec, first: -10, treatedKey: treatedKey, controlKey: controlKey,
                                  nTreated: nTreated, nControl: nControl, admission: false, rng: &rng))
        }
        let cytokineSpecs: [(String, String, String, Double, Double, Double, Double, Int, String)] = [
            ("tnf_alpha", "TNF-α", "pg/mL", 18, 14, 15, 0.3, 6, "log"),
            ("il6", "IL-6", "pg/mL", 90, 25, 60, 0.6, 6, "log"),
            ("il8", "IL-8", "pg/mL", 40, 28, 35, 0.4, 6, "log"),
            ("il10", "IL-10", "pg/mL", 9, 6, 8, 0.5, 6, "log"),
            ("ip10", "IP-10", "pg/mL", 1200, 700, 900, 0.5, 6, "log"),
            ("mcp1", "MCP-1", "pg/mL", 700, 500, 650, 0.4, 6, "log"),
            ("il1ra", "IL-1RA", "pg/mL", 900, 60_000, 700, 0.6, 6, "log"),
        ]
        var cytokines: [KineticsPanel] = []
        for spec in cytokineSpecs {
            cytokines.append(panel(spec, first: -6, treatedKey: treatedKey, controlKey: controlKey,
                                   nTreated: nTreated, nControl: nControl, admission: true, rng: &rng))
        }
        return AnalysisSetResults(
            id: id, label: label, flow: flow, table1: table1(nTreated: nTreated, nControl: nControl, scale: scale),
            kinetics: kinetics, cytokines: cytokines,
            proteomics: volcano(treatedKey: treatedKey, controlKey: controlKey, rng: &rng),
            medication: medication(nTreated: nTreated, nControl: nControl),
            outcomeMeasures: outcomes(treatedKey: treatedKey, controlKey: controlKey, nTreated: nTreated, nControl: nControl),
            warnings: scale < 1 ? ["Groups are smaller than in the main analysis; p values are less precise."] : [])
    }

    static func panel(
        _ spec: (String, String, String, Double, Double, Double, Double, Int, String), first: Int, treatedKey: String,
        controlKey: String, nTreated: Int, nControl: Int, admission: Bool, rng: inout SplitMix
    ) -> KineticsPanel {
        let (name, label, unit, pre, post, controlLevel, ci, last, transform) = spec
        var days: [DayGroupStatistic] = []
        for group in [treatedKey, controlKey] {
            for day in first...last {
                let isTreated = group == treatedKey
                let base: Double
                if isTreated {
                    base = day <= 0 ? pre : pre * pow(post / pre, min(1, Double(day) / 4))
                } else {
                    base = controlLevel
                }
                let gm = base * exp(min(0.05, 0.3 * ci) * rng.normal())
                // A gap: procalcitonin has no treated value on day 5, CRP no control value on day −9.
                let missing = (name == "procalcitonin" && isTreated && day == 5) || (name == "crp" && !isTreated && day == -9)
                let n = isTreated ? max(3, nTreated - abs(day) / 2) : max(3, nControl - abs(day))
                if missing {
                    days.append(DayGroupStatistic(day: day, group: group, n: 0, geometricMean: nil, lower: nil, upper: nil))
                } else if name == "norepinephrine" {
                    // Zeros in the data: back-transformed lower bounds reach 0.
                    days.append(DayGroupStatistic(day: day, group: group, n: n, geometricMean: gm, lower: max(0, gm * (1 - ci)), upper: gm * (1 + ci)))
                } else {
                    days.append(DayGroupStatistic(day: day, group: group, n: n, geometricMean: gm, lower: gm / (1 + ci), upper: gm * (1 + ci)))
                }
            }
        }
        var adm: [DayGroupStatistic] = []
        if admission {
            adm = [
                DayGroupStatistic(day: 0, group: treatedKey, n: nTreated - 2, geometricMean: pre * 2.5, lower: pre * 1.6, upper: pre * 3.9),
                DayGroupStatistic(day: 0, group: controlKey, n: nControl - 3, geometricMean: controlLevel * 2.2, lower: controlLevel * 1.5, upper: controlLevel * 3.2),
            ]
        }
        func test(_ a: Int, _ b: Int, _ p: Double) -> InteractionTest {
            InteractionTest(firstDay: a, lastDay: b, observations: 40 * (b - a + 1), patients: nTreated + nControl,
                            fStatistic: 2.1 + p, numeratorDF: Double(b - a), denominatorDF: 312.4, pValue: p, warnings: [])
        }
        let p = 0.0001 + rng.uniform() * 0.6
        return KineticsPanel(
            parameter: name, label: label, unit: unit, firstDay: first, lastDay: last, transform: transform, admission: adm,
            days: days, overall: test(first, last, p), pre: test(first, 0, min(1, p * 1.7)),
            post: name == "sofa" ? nil : test(0, last, p / 30),
            warnings: name == "sofa" ? ["Post-window model did not converge; p value not reported."] : [])
    }

    static func table1(nTreated: Int, nControl: Int, scale: Double) -> Table1 {
        func count(_ id: String, _ label: String, _ a0: Int, _ b0: Int, _ p: Double) -> Table1.Row {
            let a = Int((Double(a0) * scale).rounded()), b = Int((Double(b0) * scale).rounded())
            return Table1.Row(id: id, label: label, unit: nil, kind: .count,
                       treated: .init(n: nTreated, missing: 0, count: a, percent: 100 * Double(a) / Double(nTreated)),
                       control: .init(n: nControl, missing: 0, count: b, percent: 100 * Double(b) / Double(nControl)),
                       test: "fisher", statistic: nil, pValue: p, warnings: [])
        }
        func cont(_ id: String, _ label: String, _ unit: String?, _ t: (Double, Double, Double), _ c: (Double, Double, Double), _ p: Double, missing: Int = 0) -> Table1.Row {
            Table1.Row(id: id, label: label, unit: unit, kind: .continuous,
                       treated: .init(n: nTreated - missing, missing: missing, median: t.0, q1: t.1, q3: t.2),
                       control: .init(n: nControl, missing: 0, median: c.0, q1: c.1, q3: c.2),
                       test: "mann-whitney", statistic: 350, pValue: p, warnings: [])
        }
        return Table1(sections: [
            .init(title: "", rows: [
                count("sex_male", "Sex, male", 14, 33, 0.19),
                cont("age", "Age", "years", (63, 55, 71), (67, 59, 72), 0.42),
                cont("bmi", "Body mass index", "kg/m²", (27.7, 25.9, 29.9), (26.8, 24.3, 31.1), 0.50),
                cont("apache_ii", "APACHE II", nil, (15, 13, 18), (16, 12, 20), 0.46),
            ]),
            .init(title: "Medical history", rows: [
                count("cardiovascular", "Cardiovascular insufficiency", 4, 10, 0.75),
                count("hypertension", "Hypertension", 8, 22, 0.28),
                count("respiratory", "Respiratory insufficiency", 1, 2, 1),
                count("copd", "Chronic obstructive pulmonary disease", 0, 5, 0.15),
                count("diabetes", "Diabetes mellitus", 7, 7, 0.21),
            ]),
            .init(title: "Clinical parameters on admission day", rows: [
                cont("admission.d_dimer", "D-dimer", "ng/mL", (3380, 2028, 18343), (2950, 1605, 4610), 0.28, missing: 2),
                cont("admission.wbc", "White blood cells", "× 10⁹/L", (8.2, 7.0, 12.0), (9.8, 6.0, 11.4), 0.95),
                cont("admission.procalcitonin", "Procalcitonin", "µg/L", (0.66, 0.18, 1.39), (0.86, 0.32, 2.88), 0.44),
            ]),
            .init(title: "Clinical parameters on alignment day", rows: [
                cont("alignment.asat", "Aspartate transaminase", "U/L", (96, 67, 142), (64, 46, 97), 0.0093),
                cont("alignment.ferritin", "Ferritin", "µg/L", (2365, 1272, 3713), (1410, 713, 1680), 0.0012),
                cont("alignment.temperature", "Temperature", "°C", (39.1, 38.3, 40.0), (37.8, 37.0, 38.3), 0.00021),
                Table1.Row(id: "alignment.sofa", label: "SOFA score", unit: nil, kind: .continuous,
                           treated: .init(n: 0, missing: nTreated), control: .init(n: nControl, missing: 0, median: 5, q1: 4, q3: 7),
                           test: nil, statistic: nil, pValue: nil, warnings: ["No SOFA score could be computed for the treated group on the alignment day."]),
            ]),
        ])
    }

    static func volcano(treatedKey: String, controlKey: String, rng: inout SplitMix) -> VolcanoResults {
        let names = ["IL-8", "VEGF-A", "CD8A", "MCP-3", "GDNF", "CDCP1", "CD244", "IL-7", "OPG", "LAP TGF-beta-1",
                     "uPA", "IL-6", "IL-17C", "MCP-1", "IL-17A", "CXCL11", "AXIN1", "TRAIL", "IL-20RA", "CXCL9"]
        func points(shift: Double) -> [VolcanoResults.Point] {
            (0..<75).map { i in
                let name = i < names.count ? names[i] : "Assay \(i + 1)"
                var d = shift + 0.7 * rng.normal()
                var p = min(1, max(1e-7, exp(-abs(d) * 3 * rng.uniform() - 0.1)))
                if i == 3 { d = -1.9; p = 2e-6 }  // relevant and significant: labelled
                let fc = d >= 0 ? pow(2, d) : -pow(2, -d)
                if i == 74 { return .init(assay: name, uniProt: "P\(10000 + i)", pairs: 3, meanLog2Difference: d, foldChange: fc, pValue: nil, minusLog10P: nil) }
                return .init(assay: name, uniProt: "P\(10000 + i)", pairs: 12, meanLog2Difference: d, foldChange: fc, pValue: p, minusLog10P: -log10(p))
            }
        }
        return VolcanoResults(groups: [.init(group: treatedKey, points: points(shift: -0.4)), .init(group: controlKey, points: points(shift: 0))],
                              relevanceFoldChange: 2, significanceP: 0.05 / 80, warnings: ["One assay had fewer than 4 pairs; no p value."])
    }

    static func medication(nTreated: Int, nControl: Int) -> [MedicationRow] {
        [
            MedicationRow(drug: "Corticosteroids", period: "before", firstDay: -10, lastDay: -1, treatedUsers: 1, treatedTotal: nTreated, controlUsers: 10, controlTotal: nControl, pValue: 0.081),
            MedicationRow(drug: "Corticosteroids", period: "after", firstDay: 0, lastDay: 10, treatedUsers: 3, treatedTotal: nTreated, controlUsers: 11, controlTotal: nControl, pValue: 0.14),
            MedicationRow(drug: "Remdesivir", period: "before", firstDay: -10, lastDay: -1, treatedUsers: 2, treatedTotal: nTreated, controlUsers: 4, controlTotal: nControl, pValue: 1),
            MedicationRow(drug: "Remdesivir", period: "after", firstDay: 0, lastDay: 10, treatedUsers: 0, treatedTotal: nTreated, controlUsers: 1, controlTotal: nControl, pValue: 1),
            MedicationRow(drug: "Chloroquine", period: "before", firstDay: -10, lastDay: -1, treatedUsers: 5, treatedTotal: nTreated, controlUsers: 9, controlTotal: nControl, pValue: 1),
            MedicationRow(drug: "Chloroquine", period: "after", firstDay: 0, lastDay: 10, treatedUsers: 0, treatedTotal: nTreated, controlUsers: 0, controlTotal: nControl, pValue: 1),
        ]
    }

    /// Kaplan–Meier steps for hand-made (time, event) lists; fixture data only.
    static func curve(group: String, _ data: [(Double, Bool)], riskTimes: [Double]) -> SurvivalComparison.Curve {
        let times = Set(data.map(\.0)).sorted()
        var survival = 1.0
        var steps: [SurvivalComparison.Step] = []
        for t in times {
            let atRisk = data.filter { $0.0 >= t }.count
            let events = data.filter { $0.0 == t && $0.1 }.count
            let censored = data.filter { $0.0 == t && !$0.1 }.count
            if atRisk > 0 { survival *= 1 - Double(events) / Double(atRisk) }
            steps.append(.init(time: t, atRisk: atRisk, events: events, censored: censored, survival: survival, lower: nil, upper: nil))
        }
        let atRisk = riskTimes.map { r in data.filter { $0.0 >= r }.count }
        let median = steps.first { $0.survival <= 0.5 }?.time
        return .init(group: group, patients: data.count, events: data.filter(\.1).count, steps: steps, atRisk: atRisk, median: median)
    }

    /// The paper's outcomes as the default protocol declares them (`OutcomeMeasure.paperOutcomes`).
    static func outcomes(treatedKey: String, controlKey: String, nTreated: Int, nControl: Int) -> [OutcomeMeasureResult] {
        let riskTimes: [Double] = [0, 7, 14, 21, 28]
        // Every k-th patient is censored (or, when `rare`, has the event); times spread over 1…28 days.
        func data(_ n: Int, eventEvery k: Int, rare: Bool, spread: Double, offset: Int) -> [(Double, Bool)] {
            (0..<n).map { i in
                let t = min(28, (Double(((i * 7 + offset) % 27) + 1) * spread).rounded())
                let hit = rare ? (i + offset) % k == 0 : (i + offset) % k != 0
                return (t, t < 28 && hit)
            }
        }
        func comparison(_ event: String, _ censoring: String, eventEvery: Int, rare: Bool = false, spread: Double, p: Double, leftOut: [FlowResults.Step]) -> SurvivalComparison {
            SurvivalComparison(
                event: event, censoring: censoring, riskTimes: riskTimes,
                curves: [curve(group: treatedKey, data(nTreated, eventEvery: eventEvery, rare: rare, spread: spread, offset: 1), riskTimes: riskTimes),
                         curve(group: controlKey, data(nControl, eventEvery: eventEvery, rare: rare, spread: spread * 0.9, offset: 4), riskTimes: riskTimes)],
                logRankChiSquare: 0.07, logRankDF: 1, logRankP: p, leftOut: leftOut, warnings: [])
        }
        func row(_ id: String, _ label: String, _ unit: String?, count: (Int, Int)?, cont: ((Double, Double, Double), (Double, Double, Double))?, p: Double) -> Table1.Row {
            if let (a, b) = count {
                return Table1.Row(id: id, label: label, unit: unit, kind: .count,
                                  treated: .init(n: nTreated, missing: 0, count: a, percent: 100 * Double(a) / Double(nTreated)),
                                  control: .init(n: nControl, missing: 0, count: b, percent: 100 * Double(b) / Double(nControl)),
                                  test: "fisher", statistic: nil, pValue: p, warnings: [])
            }
            let (t, c) = cont ?? ((0, 0, 0), (0, 0, 0))
            return Table1.Row(id: id, label: label, unit: unit, kind: .continuous,
                              treated: .init(n: nTreated, missing: 0, median: t.0, q1: t.1, q3: t.2),
                              control: .init(n: nControl, missing: 0, median: c.0, q1: c.1, q3: c.2),
                              test: "mann-whitney", statistic: 400, pValue: p, warnings: [])
        }
        func measure(_ name: String, _ label: String, _ kind: String, _ row: Table1.Row, _ curve: SurvivalComparison? = nil) -> OutcomeMeasureResult {
            OutcomeMeasureResult(
                name: name, label: label, kind: kind, horizonDays: 28, row: row, survival: curve, cumulativeIncidence: nil,
                leftOut: curve?.leftOut ?? [], warnings: [])
        }
        return [
            measure("secondary_infection", "Secondary infection within 28 days", "binary",
                    row("outcome.secondary_infection", "Secondary infection within 28 days", nil, count: (7, 9), cont: nil, p: 0.54)),
            measure("ventilation_days", "Time on mechanical ventilation", "duration",
                    row("outcome.ventilation_days", "Time on mechanical ventilation", "days", count: nil, cont: ((23, 10, 29), (17, 7, 29)), p: 0.79),
                    comparison("extubation", "Death before extubation is censored at the day of death.", eventEvery: 3, spread: 1, p: 0.79,
                               leftOut: [.init(reason: "no longer ventilated on day 0", count: 3)])),
            measure("icu_los", "ICU length of stay", "duration",
                    row("outcome.icu_los", "ICU length of stay", "days", count: nil, cont: ((24, 10, 29), (17, 6, 29)), p: 0.59),
                    comparison("ICU discharge alive", "Death in the ICU is censored at day 28.", eventEvery: 4, spread: 1, p: 0.59, leftOut: [])),
            measure("mortality", "28-day mortality", "binary", row("outcome.mortality", "28-day mortality", nil, count: (4, 7), cont: nil, p: 0.87)),
            measure("death", "Time to death", "time_to_event",
                    row("outcome.death", "Time to death", nil, count: (4, 7), cont: nil, p: 0.87),
                    comparison("death", "Alive at day 28: censored at day 28.", eventEvery: 4, rare: true, spread: 1, p: 0.87, leftOut: [])),
        ]
    }

    /// The fixture with effect sizes filled in, as the Cox / risk-difference analysis will write
    /// them (`OutcomeMeasureResult.effects`): a risk difference for the two binary outcomes and a
    /// hazard ratio for the three curves, in every analysis set; the second set's numbers differ.
    /// Made-up numbers for the forest plot's layout, not a statistic.
    static func makeWithEffects() -> StudyResults {
        var results = make()
        for (s, set) in results.analysisSets.enumerated() {
            let shift = Double(s) * 0.1
            for (m, measure) in set.outcomeMeasures.enumerated() {
                var effects: [OutcomeEffect] = []
                if measure.kind == "binary" {
                    effects.append(OutcomeEffect(
                        measure: "riskDifference", estimate: 0.10 - shift, lower: -0.14 - shift, upper: 0.34 - shift, p: 0.54 + shift / 2,
                        method: "Wald interval of the difference in proportions"))
                } else {
                    let estimate = [0.85, 1.30, 0.62][m % 3] + shift
                    effects.append(OutcomeEffect(
                        measure: "hazardRatio", estimate: estimate, lower: estimate / 2.1, upper: estimate * 2.1, p: 0.66 - shift,
                        method: "Cox proportional hazards, Efron ties, Wald CI", eValue: 1.6, eValueLimit: 1,
                        warnings: m == 4 && s == 1 ? ["few events: 4 in the treated group"] : []))
                }
                results.analysisSets[s].outcomeMeasures[m].effects = effects
            }
        }
        return results
    }
}
