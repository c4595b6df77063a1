@testable import DayZeroStats
import DayZeroTestSupport
import Foundation
import Testing

@Suite struct WeightingTests {}

// Propensity-score weighting: hand-worked weights, trimming, effective sample sizes, balance,
// weighted Kaplan–Meier and the design-based regression first; then R parity
// (Fixtures/weighting/weighting.R writes weighting.json: WeightIt's and cobalt's formulas in
// base R, survfit/coxph with weights, survey's svyglm and regTermTest).

extension WeightingTests {
    /// p = 1/4 treated, p = 1/5 control: ATT 1 and (1/5)/(4/5) = 1/4; ATE 4 and 5/4; ATO 3/4 and 1/5.
    @Test func weightsByEstimand() throws {
        let scores = [0.25, 0.2], treated = [true, false]
        #expect(try PropensityWeights.weights(scores: scores, treated: treated, estimand: .att) == [1, 0.25])
        #expect(try PropensityWeights.weights(scores: scores, treated: treated, estimand: .ate) == [4, 1.25])
        #expect(try PropensityWeights.weights(scores: scores, treated: treated, estimand: .ato) == [0.75, 0.2])
        #expect(throws: StatsError.self) { try PropensityWeights.weights(scores: [1, 0.5], treated: treated, estimand: .ate) }
        #expect(throws: StatsError.self) { try PropensityWeights.weights(scores: [0.5], treated: treated, estimand: .ate) }
    }

    /// quantile(type = 3) of 1…10 at 0.9: np − ½ = 8.5 → x₍₉₎ = 9; at 0.85: 8 (g = 0, j = 8 even) →
    /// x₍₈₎ = 8; at 0.75: 7 (j = 7 odd) → x₍₈₎ = 8. Unsorted weights; ATT leaves the treated alone.
    @Test func trimmingAtAQuantile() throws {
        let sorted = (1...10).map(Double.init)
        #expect(PropensityWeights.quantileType3(sorted: sorted, probability: 0.9) == 9)
        #expect(PropensityWeights.quantileType3(sorted: sorted, probability: 0.85) == 8)
        #expect(PropensityWeights.quantileType3(sorted: sorted, probability: 0.75) == 8)
        let w: [Double] = [10, 3, 7, 1, 9, 2, 8, 4, 6, 5]
        let all = try PropensityWeights.trim(w, treated: w.map { _ in false }, estimand: .ate, at: 0.9)
        #expect(all.cap == 9 && all.trimmed == 1 && all.weights[0] == 9 && all.weights[4] == 9)
        // ATT: the treated weight 50 is not trimmed; the controls' cap is over the controls only.
        let att = try PropensityWeights.trim([50, 1, 2, 3, 4], treated: [true, false, false, false, false], estimand: .att, at: 0.75)
        // controls 1…4: 4·0.75 − ½ = 2.5 → x₍₃₎ = 3.
        #expect(att.weights == [50, 1, 2, 3, 3] && att.cap == 3 && att.trimmed == 1)
        #expect(throws: StatsError.self) { try PropensityWeights.trim(w, treated: w.map { _ in true }, estimand: .ate, at: 0.4) }
    }

    /// ESS of (1, 1, 2): 16/6; summary quartiles type 7.
    @Test func effectiveSampleSizeAndSummary() throws {
        #expect(PropensityWeights.effectiveSampleSize([1, 1, 2]) == 16.0 / 6)
        let s = try WeightSummary([2, 1, 1, 4])
        #expect(s.min == 1 && s.q1 == 1 && s.median == 1.5 && s.q3 == 2.5 && s.max == 4 && s.sum == 8 && s.n == 4)
        #expect(s.effectiveSampleSize == 64.0 / 22)
    }

    /// Treated x = 1, 3 (SD √2), controls 0, 2, 4 (SD 2). ATT: (2 − 2)/√2 = 0 before; with
    /// control weights 1, 1, 2 the control mean is 10/4 → (2 − 2.5)/√2. ATE/ATO pooled SD √3.
    /// A binary covariate is a raw difference in proportions.
    @Test func balanceDenominators() throws {
        let treated = [true, true, false, false, false]
        let x = BalanceCovariate(name: "x", values: [1, 3, 0, 2, 4])
        let b = BalanceCovariate(name: "b", values: [1, 1, 0, 1, 0])
        let w: [Double] = [1, 1, 1, 1, 2]
        let att = try WeightedBalance.table(covariates: [x, b], treated: treated, weights: w, estimand: .att)
        #expect(att.count == 2)
        #expect(att[0].before == 0 && abs(att[0].after - (-0.5 / 2.0.squareRoot())) < 1e-15 && att[0].standardized)
        #expect(att[0].imbalanced)
        #expect(att[1].kind == .binary && !att[1].standardized)
        #expect(abs(att[1].before - (1 - 1.0 / 3)) < 1e-15 && abs(att[1].after - (1 - 0.25)) < 1e-15)
        let ato = try WeightedBalance.table(covariates: [x], treated: treated, weights: w, estimand: .ato)
        #expect(ato[0].denominator == 3.0.squareRoot())
        #expect(abs(ato[0].after - (-0.5 / 3.0.squareRoot())) < 1e-15)
    }

    /// Weights 2, 1, 1 at times 1 (event), 2 (censored), 3 (event): S(1) = 1 − 2/4 = 1/2,
    /// S(3) = 1/2 · (1 − 1/1) = 0. With weights 1 the curve is the ordinary KM and the IJ
    /// variance of log S(1) is Σ Dᵢ²: D = −(3 − 1)/(3·2) for the event, +1/6 for the two at risk
    /// → (4 + 1 + 1)/36 = 1/6.
    @Test func weightedKaplanMeierByHand() throws {
        let c = try WeightedKaplanMeier.fit(times: [3, 1, 2], events: [true, true, false], weights: [1, 2, 1])
        #expect(c.steps.map(\.time) == [1, 2, 3])
        #expect(c.steps.map(\.atRisk) == [4, 2, 1])
        #expect(c.steps.map(\.events) == [2, 0, 1])
        #expect(c.steps.map(\.survival) == [0.5, 0.5, 0])
        let u = try WeightedKaplanMeier.fit(times: [1, 2, 3], events: [true, false, true], weights: [1, 1, 1])
        #expect(abs(u.steps[0].logStandardError - (1.0 / 6).squareRoot()) < 1e-15)
        #expect(throws: StatsError.self) { try WeightedKaplanMeier.fit(times: [1], events: [true], weights: [0]) }
    }

    /// y = 1, 3 (treated), 0, 2 (control), weights 1: the coefficient is the difference 2 − 1 = 1;
    /// residuals −1, 1, −1, 1, every unit its own cluster: the HC0 sandwich of the slope is
    /// Σ(xᵢ − x̄_g-coded)… here Var = 4/3 · (1/2² · 2 + 1/2² · 2) = 4/3, residual df 4 − 2 = 2.
    @Test func surveyRegressionByHand() throws {
        let m = try SurveyLinearModel(
            response: [1, 3, 0, 2], design: [[1, 1], [1, 1], [1, 0], [1, 0]], names: ["(Intercept)", "treated"],
            weights: [1, 1, 1, 1], clusters: [0, 1, 2, 3])
        #expect(m.coefficients[1] == 1 && m.residualDF == 2)
        #expect(abs((m.standardError(1) ?? 0) - (4.0 / 3).squareRoot()) < 1e-15)
        // An aliased duplicate column is dropped, as glm's pivoting QR does.
        let a = try SurveyLinearModel(
            response: [1, 3, 0, 2], design: [[1, 1, 2], [1, 1, 2], [1, 0, 0], [1, 0, 0]], names: ["a", "b", "c"],
            weights: [1, 1, 1, 1], clusters: [0, 1, 2, 3])
        #expect(a.coefficients[2] == nil && a.rank == 2)
        #expect(a.waldTest(columns: [2]) == nil)
        let t = try #require(a.waldTest(columns: [1, 2]))
        #expect(t.numeratorDF == 1 && abs(t.chiSquared - 0.75) < 1e-14)
    }
}

// MARK: - R parity

private struct WeightingFixture: Decodable {
    struct Summary: Decodable { let min, q1, median, q3, max, sum, ess: Double; let n: Int }
    struct BalanceRow: Decodable {
        let name: String
        let binary: Bool
        let treated_before, control_before, treated_after, control_after, before, after: Double
    }
    struct Curve: Decodable { let treated: Bool; let time, n_risk, n_event, surv, std_err: [Double] }
    struct Kinetics: Decodable {
        let first, last, df_residual, interaction_df, interaction_ddf, group_df, group_ddf: Int
        let coef, se: [Double]
        let interaction_f, interaction_p, group_f, group_p: Double
    }
    struct Estimand: Decodable {
        let estimand: String
        let weights, trimmed_weights: [Double]
        let trim_cap: Double
        let treated_summary, control_summary, trimmed_treated_summary, trimmed_control_summary: Summary
        let balance: [BalanceRow]
        let km: [Curve]
        let cox_coef, cox_robust_se, cox_se, cox_p, cox_lower, cox_upper: Double
        let rd, rd_se, rd_p, rd_lower, rd_upper: Double
        let or, or_se, or_p, or_lower, or_upper: Double
        let or_df: Int
        let rd_df: Int
        let kinetics: [Kinetics]
    }
    struct Long: Decodable { let patient, day: [Int]; let y: [Double] }
    let age, sex_male, bmi, ps, logit_coef: [Double]
    let treat, status, died: [Int]
    let time: [Double]
    let long: Long
    let estimands: [Estimand]
}

extension WeightingTests {
    private func fixture() throws -> WeightingFixture { try loadFixture(WeightingFixture.self, "weighting/weighting.json") }

    @Test func rParityWeightsTrimAndBalance() throws {
        let f = try fixture()
        #expect(f.estimands.count == 3)
        let treated = f.treat.map { $0 == 1 }
        let design = try DesignMatrix(columns: [f.age, f.sex_male, f.bmi], names: ["age", "sex_male", "bmi"])
        let model = try LogisticRegression.fit(outcome: treated, design: design)
        #expect(model.fittedProbabilities.count == f.ps.count)
        for (a, b) in zip(model.fittedProbabilities, f.ps) { expectClose(a, b, tolerance: 1e-9, "ps") }
        let scores = model.fittedProbabilities
        for e in f.estimands {
            let estimand = try #require(WeightingEstimand(rawValue: e.estimand))
            let w = try PropensityWeights.weights(scores: scores, treated: treated, estimand: estimand)
            #expect(w.count == e.weights.count)
            for (a, b) in zip(w, e.weights) { expectClose(a, b, tolerance: 1e-8, "\(e.estimand) weight") }
            let trimmed = try PropensityWeights.trim(w, treated: treated, estimand: estimand, at: 0.9)
            expectClose(trimmed.cap, e.trim_cap, tolerance: 1e-8, "\(e.estimand) trim cap")
            for (a, b) in zip(trimmed.weights, e.trimmed_weights) { expectClose(a, b, tolerance: 1e-8, "\(e.estimand) trimmed") }
            func check(_ s: WeightSummary, _ r: WeightingFixture.Summary, _ what: String) {
                #expect(s.n == r.n)
                for (a, b, name) in [(s.min, r.min, "min"), (s.q1, r.q1, "q1"), (s.median, r.median, "median"), (s.q3, r.q3, "q3"),
                                     (s.max, r.max, "max"), (s.sum, r.sum, "sum"), (s.effectiveSampleSize, r.ess, "ess")] {
                    expectClose(a, b, tolerance: 1e-8, "\(e.estimand) \(what) \(name)")
                }
            }
            try check(WeightSummary(treated.indices.filter { treated[$0] }.map { w[$0] }), e.treated_summary, "treated")
            try check(WeightSummary(treated.indices.filter { !treated[$0] }.map { w[$0] }), e.control_summary, "control")
            try check(WeightSummary(treated.indices.filter { treated[$0] }.map { trimmed.weights[$0] }), e.trimmed_treated_summary, "trimmed treated")
            try check(WeightSummary(treated.indices.filter { !treated[$0] }.map { trimmed.weights[$0] }), e.trimmed_control_summary, "trimmed control")
            let rows = try WeightedBalance.table(
                covariates: [.init(name: "age", values: f.age), .init(name: "sex_male", values: f.sex_male), .init(name: "bmi", values: f.bmi)],
                treated: treated, weights: w, estimand: estimand)
            #expect(rows.count == e.balance.count)
            for (row, r) in zip(rows, e.balance) {
                #expect(row.name == r.name && (row.kind == .binary) == r.binary)
                expectClose(row.before, r.before, tolerance: 1e-8, "\(e.estimand) \(r.name) before")
                // The ATO balances the model's covariates exactly: R's differences are ~1e-13 noise,
                // reported as 0 (cobalt's check_if_zero); compare absolutely.
                #expect(abs(row.after - r.after) <= 1e-8 * max(1, abs(r.after)), "\(e.estimand) \(r.name) after \(row.after) vs \(r.after)")
                if e.estimand == "ATO" { #expect(row.after == 0) }
                expectClose(row.treatedAfter, r.treated_after, tolerance: 1e-8, "\(e.estimand) \(r.name) treated mean")
                expectClose(row.controlAfter, r.control_after, tolerance: 1e-8, "\(e.estimand) \(r.name) control mean")
            }
        }
    }
}

extension WeightingTests {
    /// Weighted KM (survfit(weights =), robust IJ std.err), weighted Cox with robust SE
    /// (coxph(weights =, robust = TRUE)) and the risk difference of svyglm(gaussian, ids = ~1),
    /// with the R fixture's weights.
    @Test func rParityWeightedOutcomes() throws {
        let f = try fixture()
        #expect(f.estimands.count == 3)
        let treated = f.treat.map { $0 == 1 }
        let events = f.status.map { $0 == 1 }
        for e in f.estimands {
            #expect(e.km.count == 2)
            for curve in e.km {
                let units = treated.indices.filter { treated[$0] == curve.treated }
                let fit = try WeightedKaplanMeier.fit(
                    times: units.map { f.time[$0] }, events: units.map { events[$0] }, weights: units.map { e.weights[$0] })
                #expect(fit.steps.count == curve.time.count)
                for (k, step) in fit.steps.enumerated() where k < curve.time.count {
                    #expect(step.time == curve.time[k])
                    expectClose(step.atRisk, curve.n_risk[k], tolerance: 1e-10, "\(e.estimand) n.risk")
                    expectClose(step.events, curve.n_event[k], tolerance: 1e-10, "\(e.estimand) n.event")
                    expectClose(step.survival, curve.surv[k], tolerance: 1e-10, "\(e.estimand) surv")
                    expectClose(step.standardError, curve.std_err[k], tolerance: 1e-8, "\(e.estimand) std.err")
                }
            }
            let data = try CoxData(
                times: f.time, events: events, covariates: treated.map { [$0 ? 1 : 0] }, names: ["treat"], weights: e.weights)
            let cox = try CoxRegression.fit(data, ties: .efron, robust: true)
            expectClose(cox.coefficients[0], e.cox_coef, tolerance: 1e-8, "\(e.estimand) cox coef")
            expectClose(cox.standardErrors[0], e.cox_se, tolerance: 1e-8, "\(e.estimand) cox se")
            expectClose(cox.robustStandardErrors?[0], e.cox_robust_se, tolerance: 1e-8, "\(e.estimand) cox robust se")
            expectClose(cox.waldP(0), e.cox_p, tolerance: 1e-7, "\(e.estimand) cox p")
            let ci = cox.hazardRatioInterval(0)
            expectClose(ci.lower, e.cox_lower, tolerance: 1e-8, "\(e.estimand) cox lower")
            expectClose(ci.upper, e.cox_upper, tolerance: 1e-8, "\(e.estimand) cox upper")
            let rd = try WeightedRiskDifference.estimate(events: f.died.map { $0 == 1 }, treated: treated, weights: e.weights)
            expectClose(rd.difference, e.rd, tolerance: 1e-9, "\(e.estimand) rd")
            expectClose(rd.standardError, e.rd_se, tolerance: 1e-8, "\(e.estimand) rd se")
            #expect(rd.degreesOfFreedom == e.rd_df)
            expectClose(rd.pValue, e.rd_p, tolerance: 1e-7, "\(e.estimand) rd p")
            expectClose(rd.lower, e.rd_lower, tolerance: 1e-8, "\(e.estimand) rd lower")
            expectClose(rd.upper, e.rd_upper, tolerance: 1e-8, "\(e.estimand) rd upper")
            let or = try WeightedOddsRatio.estimate(events: f.died.map { $0 == 1 }, treated: treated, weights: e.weights)
            expectClose(or.oddsRatio, e.or, tolerance: 1e-9, "\(e.estimand) or")
            expectClose(or.standardError, e.or_se, tolerance: 1e-8, "\(e.estimand) or se")
            #expect(or.degreesOfFreedom == e.or_df)
            expectClose(or.pValue, e.or_p, tolerance: 1e-7, "\(e.estimand) or p")
            expectClose(or.lower, e.or_lower, tolerance: 1e-8, "\(e.estimand) or lower")
            expectClose(or.upper, e.or_upper, tolerance: 1e-8, "\(e.estimand) or upper")
        }
    }

    /// The weighted odds ratio by hand, weights all 1: treated 2 of 4 with the event, controls 1
    /// of 4 → OR = (1/1)/(1/3) = 3; Var log OR = 8/7 · (1 + 4/3) = 8/3 (Woolf's 1/2 + 1/2 + 1 +
    /// 1/3 = 7/3 times n/(n − 1)); df 6. Unsorted input; doubling every weight changes nothing;
    /// a group without events is refused.
    @Test func weightedOddsRatioByHand() throws {
        let events = [true, false, false, true, false, true, false, false]
        let treated = [true, false, true, true, false, false, true, false]
        let or = try WeightedOddsRatio.estimate(events: events, treated: treated, weights: Array(repeating: 1, count: 8))
        #expect(abs(or.oddsRatio - 3) < 1e-14)
        #expect(abs(or.standardError * or.standardError - 8.0 / 3) < 1e-14)
        #expect(or.degreesOfFreedom == 6)
        #expect(or.treatedRisk == 0.5 && or.controlRisk == 0.25)
        let t = StudentTDistribution.quantile(0.975, df: 6)
        #expect(abs(or.lower - 3 * exp(-t * (8.0 / 3).squareRoot())) < 1e-12)
        let doubled = try WeightedOddsRatio.estimate(events: events, treated: treated, weights: Array(repeating: 2, count: 8))
        #expect(abs(doubled.oddsRatio - or.oddsRatio) < 1e-14 && abs(doubled.standardError - or.standardError) < 1e-14)
        #expect(throws: StatsError.self) {
            try WeightedOddsRatio.estimate(events: events.map { _ in false }, treated: treated, weights: Array(repeating: 1, count: 8))
        }
    }

    /// svyglm(y ~ factor(day) * group, svydesign(ids = ~patient, weights = ~w)) and
    /// regTermTest of the interaction and of group + interaction, on three windows.
    @Test func rParityWeightedKinetics() throws {
        let f = try fixture()
        let treated = f.treat.map { $0 == 1 }
        var checked = 0
        for e in f.estimands {
            #expect(e.kinetics.count == 3)
            for k in e.kinetics {
                let rows = f.long.day.indices.filter { f.long.day[$0] >= k.first && f.long.day[$0] <= k.last }
                let test = try WeightedKinetics.test(
                    values: rows.map { f.long.y[$0] }, days: rows.map { f.long.day[$0] },
                    treated: rows.map { treated[f.long.patient[$0] - 1] }, patients: rows.map { f.long.patient[$0] },
                    weights: rows.map { e.weights[f.long.patient[$0] - 1] })
                #expect(test.model.coefficients.count == k.coef.count)
                for (a, b) in zip(test.model.coefficients, k.coef) { expectClose(a, b, tolerance: 1e-8, "coef") }
                for (j, b) in k.se.enumerated() { expectClose(test.model.standardError(j), b, tolerance: 1e-7, "se \(j)") }
                #expect(test.model.residualDF == k.df_residual)
                let i = try #require(test.interaction)
                let g = try #require(test.group)
                #expect(i.numeratorDF == k.interaction_df && i.denominatorDF == k.interaction_ddf)
                #expect(g.numeratorDF == k.group_df && g.denominatorDF == k.group_ddf)
                expectClose(i.fStatistic, k.interaction_f, tolerance: 1e-7, "\(e.estimand) \(k.first)…\(k.last) interaction F")
                expectClose(i.pValue, k.interaction_p, tolerance: 1e-6, "interaction p")
                expectClose(g.fStatistic, k.group_f, tolerance: 1e-7, "group F")
                expectClose(g.pValue, k.group_p, tolerance: 1e-6, "group p")
                checked += 1
            }
        }
        #expect(checked == 9)
    }
}
