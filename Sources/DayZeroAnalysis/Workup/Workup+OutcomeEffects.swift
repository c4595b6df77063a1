import DayZeroCohort
import DayZeroStats

/// How the effect models of a set treat its patients: for a propensity-matched set, the Cox
/// model's robust variance is clustered on the matched pair (without replacement) or on the
/// patient (with replacement), with MatchIt's matching weights as case weights when any differs
/// from 1 (MatchIt's "Estimating effects after matching" recommendations).
struct EffectDesign {
    /// Cluster label per cohort patient number.
    var clusters: [Int: String]
    /// Case weight per cohort patient number; nil when every weight is 1.
    var weights: [Int: Double]?
    /// The words `method` adds, e.g. "robust SE clustered on the matched pair".
    var words: String
    /// True for a propensity-score-weighted set: binary outcomes get the weighted risk
    /// difference (svyglm) instead of the unweighted risk difference and odds ratio.
    var isWeighting = false

    /// A weighted set: its weights as case weights, every patient its own cluster — the Cox
    /// model is `coxph(weights = w, robust = TRUE)`.
    init(weighted: PropensityWeightedSet) {
        let w = weighted.weightByPatient
        weights = w
        clusters = Dictionary(uniqueKeysWithValues: w.keys.map { ($0, "\($0)") })
        words = "\(weighted.words) as case weights, robust (sandwich) SE as coxph(weights = w, robust = TRUE)"
        isWeighting = true
    }

    init?(_ matched: PropensityMatchedSet?) {
        guard let matched else { return nil }
        var clusters: [Int: String] = [:]
        if matched.settings.replace {
            for (treated, controls) in matched.pairs {
                clusters[treated] = "\(treated)"
                for c in controls { clusters[c] = "\(c)" }
            }
            words = "robust SE clustered on the patient (matched with replacement)"
        } else {
            for (treated, controls) in matched.pairs {
                clusters[treated] = "\(treated)"
                for c in controls { clusters[c] = "\(treated)" }
            }
            words = matched.settings.ratio == 1 ? "robust SE clustered on the matched pair" : "robust SE clustered on the matched set"
        }
        var weights: [Int: Double] = [:]
        for (unit, w) in matched.result.matching.weights.enumerated() where w > 0 { weights[matched.units[unit]] = w }
        if weights.values.contains(where: { $0 != 1 }) {
            self.weights = weights
            words += ", MatchIt matching weights as case weights"
        } else {
            self.weights = nil
        }
        self.clusters = clusters
    }
}

extension Workup {
    /// The hazard ratio treated vs control of one time-to-event observation per patient —
    /// `coxph(Surv(time, event) ~ treated)` with Efron ties (with `cluster(pair)` in a matched
    /// set) — its Wald CI and p (robust when clustered), the score and likelihood-ratio p, the
    /// `cox.zph` global p, and the E-values of the HR (common-outcome transform when more than
    /// 15% of the patients have the event). Returns the effect or the reason there is none.
    func hazardRatioEffect(
        patients: [Int], times: [Double], events: [Bool], design: EffectDesign?, what: String
    ) -> (effect: OutcomeEffect?, warning: String?) {
        let treated = patients.map { cohort.patients[$0].group == .treated }
        guard treated.contains(true), treated.contains(false) else {
            return (nil, "hazard ratio not computed: needs patients in both groups")
        }
        do {
            let data = try CoxData(
                times: times, events: events, covariates: treated.map { [$0 ? 1 : 0] }, names: ["treated"],
                weights: design?.weights.map { w in patients.map { w[$0] ?? 1 } },
                clusters: design.map { d in patients.map { d.clusters[$0] ?? "patient \($0)" } })
            let fit = try CoxRegression.fit(data, ties: .efron, robust: design != nil)
            if fit.infinite[0] {
                let none = treated.indices.filter { treated[$0] && events[$0] }.isEmpty ? "treated" : "control"
                return (nil, "hazard ratio not estimable: the Cox estimate is infinite (coxph: \"coefficient may be infinite\"; no event in the \(none) group)")
            }
            let ci = fit.hazardRatioInterval(0)
            var warnings = fit.warnings.map(\.description)
            var phP: Double?
            do {
                let zph = try CoxProportionalHazardsTest.test(fit, data: data)
                phP = zph.global.pValue
                warnings += zph.warnings.map(\.description)
            } catch {
                warnings.append("proportional-hazards test not computed: \(error)")
            }
            let proportion = Double(fit.eventCount) / Double(fit.count)
            let common = proportion > EValue.commonOutcomeThreshold
            let hr = fit.hazardRatio(0)
            let e = try? EValue.hazardRatio(hr, lower: ci.lower, upper: ci.upper, commonOutcome: common)
            var method = "Cox proportional hazards (coxph) of \(what), treated vs control, Efron ties, Wald 95% CI and Wald p"
            if let design { method += ", \(design.words)" }
            return (OutcomeEffect(
                measure: "hazardRatio", estimate: hr, lower: ci.lower, upper: ci.upper, p: fit.waldP(0), method: method,
                eValue: e?.eValue, eValueLimit: e?.eValueLimit, warnings: warnings,
                scoreP: design == nil ? fit.scoreTest.pValue : fit.robustScoreTest?.pValue,
                likelihoodRatioP: fit.likelihoodRatioTest.pValue, proportionalHazardsP: phP,
                eValueMethod: e.map { "\($0.transform); \(formatPercent(proportion)) of the patients had the event" }, event: what), nil)
        } catch {
            return (nil, "hazard ratio not computed: \(error)")
        }
    }

    /// The risk difference (Newcombe's hybrid score interval, Fisher's exact p) and the odds
    /// ratio (Fisher's conditional MLE, exact interval and p, E-values with the √OR transform
    /// when more than 15% of the patients with a known status had the event) of a binary outcome.
    /// The weighted effects of a binary outcome in a weighted set, over the patients with a
    /// known status: the risk difference, `svyglm(event ~ treated, design = svydesign(ids = ~1,
    /// weights = ~w), family = gaussian())` — difference of the weighted proportions — and the
    /// odds ratio, the same design with `family = quasibinomial()`; both with design-based SEs,
    /// t-based 95% CIs and p on n − 2 df; the odds ratio with its E-values (√OR transform when
    /// more than 15% of the patients with a known status had the event, as the unweighted row).
    func weightedBinaryEffects(
        patients: [Int], status: (Int) -> Bool?, design: EffectDesign
    ) -> (effects: [OutcomeEffect], warnings: [String]) {
        let known = patients.filter { status($0) != nil }
        let events = known.map { status($0) ?? false }
        let treated = known.map { cohort.patients[$0].group == .treated }
        let weights = known.map { design.weights?[$0] ?? 1 }
        let designWords = design.words.split(separator: " as case weights").first ?? ""
        var effects: [OutcomeEffect] = []
        var warnings: [String] = []
        do {
            let rd = try WeightedRiskDifference.estimate(events: events, treated: treated, weights: weights)
            effects.append(OutcomeEffect(
                measure: "riskDifference", estimate: rd.difference, lower: rd.lower, upper: rd.upper, p: rd.pValue,
                method: "weighted risk difference treated − control (\(formatNumber3(rd.treatedRisk)) vs \(formatNumber3(rd.controlRisk))), "
                    + "survey::svyglm(event ~ treated, svydesign(ids = ~1, weights = ~w), family = gaussian()): design-based SE, "
                    + "t-based 95% CI and p on \(rd.degreesOfFreedom) df; \(designWords)"))
        } catch {
            warnings.append("weighted risk difference not computed: \(error)")
        }
        do {
            let or = try WeightedOddsRatio.estimate(events: events, treated: treated, weights: weights)
            let proportion = Double(events.filter { $0 }.count) / Double(max(events.count, 1))
            let e = try? EValue.oddsRatio(
                or.oddsRatio, lower: or.lower, upper: or.upper, commonOutcome: proportion > EValue.commonOutcomeThreshold)
            effects.append(OutcomeEffect(
                measure: "oddsRatio", estimate: or.oddsRatio, lower: or.lower, upper: or.upper, p: or.pValue,
                method: "weighted odds ratio treated vs control, survey::svyglm(event ~ treated, svydesign(ids = ~1, weights = ~w), "
                    + "family = quasibinomial()): design-based SE of log OR, t-based 95% CI and p on \(or.degreesOfFreedom) df; \(designWords)",
                eValue: e?.eValue, eValueLimit: e?.eValueLimit,
                eValueMethod: e.map { "\($0.transform); \(formatPercent(proportion)) of the patients had the event" }))
        } catch {
            warnings.append("weighted odds ratio not computed: \(error)")
        }
        return (effects, warnings)
    }

    func formatNumber3(_ x: Double) -> String { String((x * 1000).rounded() / 1000) }

    func binaryEffects(_ row: Table1.Row) -> (effects: [OutcomeEffect], warnings: [String]) {
        let t = row.treated, c = row.control
        let tYes = t.count ?? 0, cYes = c.count ?? 0
        guard t.n > 0, c.n > 0 else { return ([], ["risk difference and odds ratio not computed: needs patients with a known status in both groups"]) }
        var effects: [OutcomeEffect] = []
        var warnings: [String] = []
        do {
            let fisher = try FisherExactTest.test([[tYes, t.n - tYes], [cYes, c.n - cYes]])
            let rd = try RiskDifference.newcombe(events1: tYes, total1: t.n, events2: cYes, total2: c.n)
            effects.append(OutcomeEffect(
                measure: "riskDifference", estimate: rd.difference, lower: rd.confidenceInterval.lower, upper: rd.confidenceInterval.upper,
                p: fisher.pValue,
                method: "risk difference treated − control, Newcombe hybrid score 95% CI (Wilson intervals as prop.test(correct = FALSE)), Fisher's exact p"))
            let proportion = Double(tYes + cYes) / Double(t.n + c.n)
            if let or = fisher.oddsRatio {
                let ci = fisher.confidenceInterval
                let common = proportion > EValue.commonOutcomeThreshold
                let e = or > 0 ? try? EValue.oddsRatio(or, lower: ci?.lower, upper: ci?.upper, commonOutcome: common) : nil
                effects.append(OutcomeEffect(
                    measure: "oddsRatio", estimate: or, lower: ci?.lower, upper: ci?.upper, p: fisher.pValue,
                    method: "odds ratio treated vs control, conditional maximum likelihood with the exact 95% CI and p (fisher.test)",
                    eValue: e?.eValue, eValueLimit: e?.eValueLimit, warnings: or == 0 ? ["the odds ratio is 0 (no events in the treated group): no E-value"] : [],
                    eValueMethod: e.map { "\($0.transform); \(formatPercent(proportion)) of the patients had the event" }))
            } else {
                warnings.append("odds ratio not estimable: infinite (no events in the control group or every treated patient had one)")
            }
        } catch {
            warnings.append("risk difference and odds ratio not computed: \(error)")
        }
        return (effects, warnings)
    }

    func formatPercent(_ x: Double) -> String {
        let value = (x * 1000).rounded() / 10
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
