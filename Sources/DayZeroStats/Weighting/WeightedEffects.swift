import Foundation

/// The weighted risk difference of a binary outcome treated − control with its design-based
/// standard error: `survey::svyglm(event ~ treated, design = svydesign(ids = ~1, weights = ~w),
/// family = gaussian())` — a linear probability model, whose slope is the difference of the
/// weighted proportions Σwy/Σw. SE: survey's linearisation (n/(n − 1) × the HC0 sandwich);
/// the t-based p and 95% CI on svyglm's residual df n − 2 (`summary` and `confint` defaults).
public struct WeightedRiskDifference: Sendable, Hashable, Codable {
    public var treatedRisk: Double
    public var controlRisk: Double
    public var difference: Double
    public var standardError: Double
    public var degreesOfFreedom: Int
    public var lower: Double
    public var upper: Double
    public var pValue: Double

    /// - Throws: `StatsError` when lengths differ, a group is empty or a weight is invalid.
    public static func estimate(events: [Bool], treated: [Bool], weights: [Double]) throws -> WeightedRiskDifference {
        let n = events.count
        guard treated.count == n, weights.count == n else {
            throw StatsError("events, treated and weights must have one entry per patient (\(n))")
        }
        guard treated.contains(true), treated.contains(false) else { throw StatsError("the risk difference needs both groups") }
        let model = try SurveyLinearModel(
            response: events.map { $0 ? 1 : 0 }, design: treated.map { [1, $0 ? 1 : 0] }, names: ["(Intercept)", "treated"],
            weights: weights, clusters: Array(0..<n))
        guard let intercept = model.coefficients[0], let slope = model.coefficients[1], let se = model.standardError(1),
              model.residualDF >= 1
        else { throw StatsError("the risk difference is not estimable (too few patients)") }
        let df = Double(model.residualDF)
        let t = StudentTDistribution.quantile(0.975, df: df)
        return WeightedRiskDifference(
            treatedRisk: intercept + slope, controlRisk: intercept, difference: slope, standardError: se,
            degreesOfFreedom: model.residualDF, lower: slope - t * se, upper: slope + t * se,
            pValue: se > 0 ? StudentTDistribution.twoSidedPValue(slope / se, df: df) : (slope == 0 ? 1 : 0))
    }
}

/// The weighted odds ratio of a binary outcome treated vs control with its design-based
/// standard error: `survey::svyglm(event ~ treated, design = svydesign(ids = ~1, weights = ~w),
/// family = quasibinomial())`, exp of the `treated` coefficient.
///
/// With one binary covariate the model is saturated: each group's fitted probability is its
/// weighted proportion p_g = Σ_g wy / Σ_g w, and log OR = logit p_T − logit p_C. The sandwich
/// of svyglm (estimating functions wᵢ(yᵢ − p_g)xᵢ, bread Σ wᵢ p_g(1 − p_g) xᵢxᵢᵀ, survey's
/// n/(n − 1) for a one-stage design without strata) separates by group:
/// Var(log OR) = n/(n − 1) · Σ_g Σ_{i∈g} wᵢ²(yᵢ − p_g)² / (W_g p_g(1 − p_g))², W_g = Σ_g w.
/// The p value and 95% CI are t-based on svyglm's residual df n − 2 (quasibinomial estimates
/// the dispersion, so `summary` uses t; `confint` uses t on `df.residual`), the CI
/// back-transformed: exp(log OR ± t·SE).
public struct WeightedOddsRatio: Sendable, Hashable, Codable {
    public var treatedRisk: Double
    public var controlRisk: Double
    public var oddsRatio: Double
    /// The standard error of log OR.
    public var standardError: Double
    public var degreesOfFreedom: Int
    public var lower: Double
    public var upper: Double
    public var pValue: Double

    /// - Throws: `StatsError` when lengths differ, a group is empty, a weight is invalid, or a
    ///   group's weighted proportion is 0 or 1 (the odds ratio is 0 or infinite; svyglm's fit
    ///   would not converge).
    public static func estimate(events: [Bool], treated: [Bool], weights: [Double]) throws -> WeightedOddsRatio {
        let n = events.count
        guard treated.count == n, weights.count == n else {
            throw StatsError("events, treated and weights must have one entry per patient (\(n))")
        }
        guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw StatsError("weights must be finite and not negative") }
        guard n >= 3 else { throw StatsError("the odds ratio needs at least 3 patients (residual df n − 2)") }
        func group(_ g: Bool) throws -> (risk: Double, variance: Double) {
            let members = (0..<n).filter { treated[$0] == g && weights[$0] > 0 }
            let total = members.reduce(0.0) { $0 + weights[$1] }
            guard total > 0 else { throw StatsError("the odds ratio needs both groups with a positive weight") }
            let risk = members.reduce(0.0) { $0 + (events[$1] ? weights[$1] : 0) } / total
            guard risk > 0, risk < 1 else {
                throw StatsError("the odds ratio is \(risk == 0 ? "0" : "infinite"): the \(g ? "treated" : "control") group's weighted proportion with the event is \(risk == 0 ? 0 : 1)")
            }
            let meat = members.reduce(0.0) { sum, i in
                let r = (events[i] ? 1 : 0) - risk
                return sum + weights[i] * weights[i] * r * r
            }
            let bread = total * risk * (1 - risk)
            return (risk, meat / (bread * bread))
        }
        let t = try group(true), c = try group(false)
        let logOR = log(t.risk / (1 - t.risk)) - log(c.risk / (1 - c.risk))
        let se = (Double(n) / Double(n - 1) * (t.variance + c.variance)).squareRoot()
        let df = n - 2
        let q = StudentTDistribution.quantile(0.975, df: Double(df))
        return WeightedOddsRatio(
            treatedRisk: t.risk, controlRisk: c.risk, oddsRatio: exp(logOR), standardError: se, degreesOfFreedom: df,
            lower: exp(logOR - q * se), upper: exp(logOR + q * se),
            pValue: se > 0 ? StudentTDistribution.twoSidedPValue(logOR / se, df: Double(df)) : (logOR == 0 ? 1 : 0))
    }
}

/// The kinetics of one parameter under patient weights, never a weighted mixed model (whose
/// standard errors are not valid for sampling weights): weighted least squares of the daily
/// analysed values on `factor(day) * group` with the patient as the cluster of the design-based
/// sandwich variance — `survey::svyglm(y ~ factor(day) * group, design = svydesign(ids =
/// ~patient, weights = ~w))` — and `survey::regTermTest`'s Wald F tests of the day × group
/// interaction (`~factor(day):group`) and of any group difference (`~group + factor(day):group`),
/// with regTermTest's default denominator df (svyglm's `df.residual`: patients − rank).
public struct WeightedKinetics: Sendable {
    public let model: SurveyLinearModel
    /// Day × group interaction; nil when not estimable.
    public let interaction: SurveyWaldTest?
    /// Group main effect and interaction jointly; nil when not estimable.
    public let group: SurveyWaldTest?
    public let patientCount: Int

    /// Columns in R's `model.matrix` order: (Intercept), one per day after the first present day,
    /// `grouptreated`, then day × treated for those days.
    /// - Throws: `StatsError` for mismatched lengths, fewer than two days, one group only or
    ///   fewer than two patients.
    public static func test(values: [Double], days: [Int], treated: [Bool], patients: [Int], weights: [Double]) throws -> WeightedKinetics {
        let n = values.count
        guard days.count == n, treated.count == n, patients.count == n, weights.count == n else {
            throw StatsError("values, days, treated, patients and weights must have one entry per row (\(n))")
        }
        let levels = Array(Set(days)).sorted()
        guard levels.count >= 2 else { throw StatsError("the weighted kinetics model needs at least two days") }
        guard treated.contains(true), treated.contains(false) else { throw StatsError("values from one group only") }
        let k = levels.count
        var index: [Int: Int] = [:]
        for (i, d) in levels.enumerated() { index[d] = i }
        let names = ["(Intercept)"] + levels.dropFirst().map { "factor(day)\($0)" } + ["grouptreated"]
            + levels.dropFirst().map { "factor(day)\($0):grouptreated" }
        let p = names.count
        var design: [[Double]] = []
        design.reserveCapacity(n)
        for r in 0..<n {
            var row = [Double](repeating: 0, count: p)
            row[0] = 1
            let level = index[days[r]] ?? 0
            let g = treated[r] ? 1.0 : 0
            if level > 0 { row[level] = 1 }
            row[k] = g
            if level > 0 { row[k + level] = g }
            design.append(row)
        }
        let model = try SurveyLinearModel(response: values, design: design, names: names, weights: weights, clusters: patients)
        let interactionColumns = Array((k + 1)..<p)
        return WeightedKinetics(
            model: model, interaction: model.waldTest(columns: interactionColumns),
            group: model.waldTest(columns: [k] + interactionColumns), patientCount: model.clusterCount)
    }
}
