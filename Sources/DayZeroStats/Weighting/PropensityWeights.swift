/// The estimand a set of propensity-score weights targets (WeightIt's `estimand`).
public enum WeightingEstimand: String, Sendable, Hashable, Codable, CaseIterable {
    /// Average treatment effect in the whole population: treated 1/p, controls 1/(1 − p).
    case ate = "ATE"
    /// Average treatment effect in the treated: treated 1, controls p/(1 − p).
    case att = "ATT"
    /// Average treatment effect in the overlap population (Li, Morgan & Zaslavsky 2018):
    /// treated 1 − p, controls p.
    case ato = "ATO"
}

/// Inverse-probability-of-treatment and overlap weights from propensity scores, as WeightIt's
/// `weightit(method = "glm")` (`get_w_from_ps`) computes them: not stabilised and not
/// normalised (WeightIt's defaults), so the ATT weights of the treated are exactly 1.
public enum PropensityWeights {
    /// One weight per unit.
    /// - Throws: `StatsError` when lengths differ or a score is not strictly between 0 and 1
    ///   (a weight would be infinite or zero where WeightIt would also fail).
    public static func weights(scores: [Double], treated: [Bool], estimand: WeightingEstimand) throws -> [Double] {
        guard scores.count == treated.count else {
            throw StatsError("scores has \(scores.count) values for \(treated.count) units; give one score per unit")
        }
        if let bad = scores.firstIndex(where: { !($0 > 0 && $0 < 1) }) {
            throw StatsError("the propensity score of unit \(bad) is \(scores[bad]); weights need scores strictly between 0 and 1")
        }
        return zip(scores, treated).map { p, t in
            switch estimand {
            case .ate: t ? 1 / p : 1 / (1 - p)
            case .att: t ? 1 : p / (1 - p)
            case .ato: t ? 1 - p : p
            }
        }
    }

    /// The weights after WeightIt's `trim(w, at = quantile)` (`lower = FALSE`, `drop = FALSE`):
    /// among the units whose weights are trimmed — the controls for the ATT (the treated weights
    /// are all 1 and are left alone), every unit for the ATE and ATO — each weight above
    /// `quantile(w, at, type = 3)` of those units is set to that value (winsorised).
    /// - Parameter at: the quantile, 0.5 < at < 1.
    /// - Returns: the weights, the cap and how many weights were lowered to it.
    /// - Throws: `StatsError` when `at` is outside (0.5, 1) or lengths differ.
    public static func trim(
        _ weights: [Double], treated: [Bool], estimand: WeightingEstimand, at: Double
    ) throws -> (weights: [Double], cap: Double, trimmed: Int) {
        guard weights.count == treated.count else {
            throw StatsError("weights has \(weights.count) values for \(treated.count) units; give one weight per unit")
        }
        guard at > 0.5, at < 1 else { throw StatsError("trim quantile is \(at); it must be above 0.5 and below 1") }
        let trimmed = weights.indices.map { estimand != .att || !treated[$0] }
        let pool = weights.indices.filter { trimmed[$0] }.map { weights[$0] }.sorted()
        guard !pool.isEmpty else { throw StatsError("no weight to trim") }
        let cap = quantileType3(sorted: pool, probability: at)
        var result = weights
        var count = 0
        for i in result.indices where trimmed[i] && result[i] > cap {
            result[i] = cap
            count += 1
        }
        return (result, cap, count)
    }

    /// R's `quantile(x, p, type = 3)` (SAS definition 2, nearest even order statistic) of sorted,
    /// non-empty values: with np − 1/2 = j + g, x₍ⱼ₎ when g = 0 and j is even, else x₍ⱼ₊₁₎
    /// (1-based, clamped to 1…n).
    static func quantileType3(sorted x: [Double], probability p: Double) -> Double {
        let n = x.count
        let nppm = Double(n) * p - 0.5
        let j = Int(nppm.rounded(.down))
        let h = (nppm == Double(j) && j % 2 == 0) ? 0 : 1
        let index = min(max(j + h, 1), n)
        return x[index - 1]
    }

    /// Kish's effective sample size (Σw)²/Σw² (WeightIt's `ESS`, cobalt's "Adjusted" sample size).
    public static func effectiveSampleSize(_ weights: [Double]) -> Double {
        let s = weights.reduce(0, +)
        let s2 = weights.reduce(0) { $0 + $1 * $1 }
        return s2 > 0 ? s * s / s2 : 0
    }
}

/// The distribution of one group's weights: minimum, quartiles (R's `quantile`, type 7),
/// maximum, total and Kish's effective sample size.
public struct WeightSummary: Sendable, Hashable, Codable {
    public var n: Int
    public var min: Double
    public var q1: Double
    public var median: Double
    public var q3: Double
    public var max: Double
    public var sum: Double
    public var effectiveSampleSize: Double

    /// - Throws: `StatsError` when `weights` is empty.
    public init(_ weights: [Double]) throws {
        let q = try Quantiles.type7(weights, probabilities: [0, 0.25, 0.5, 0.75, 1]).values
        n = weights.count
        min = q[0]
        q1 = q[1]
        median = q[2]
        q3 = q[3]
        max = q[4]
        sum = weights.reduce(0, +)
        effectiveSampleSize = PropensityWeights.effectiveSampleSize(weights)
    }
}
