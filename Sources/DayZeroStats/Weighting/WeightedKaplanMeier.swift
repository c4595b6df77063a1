import Foundation

/// One distinct time of a weighted Kaplan–Meier curve.
public struct WeightedSurvivalStep: Sendable, Hashable, Codable {
    public var time: Double
    /// Σw of the units at risk (time ≥ t).
    public var atRisk: Double
    /// Σw of the events at t.
    public var events: Double
    public var survival: Double
    /// Infinitesimal-jackknife standard error of S(t), as `survfit(weights =)`'s `std.err`.
    public var standardError: Double
    /// Infinitesimal-jackknife standard error of log S(t), used for the log-type interval.
    public var logStandardError: Double
    public var lower: Double?
    public var upper: Double?
}

/// A weighted Kaplan–Meier curve of one group.
public struct WeightedSurvivalCurve: Sendable, Hashable, Codable {
    public var count: Int
    public var steps: [WeightedSurvivalStep]
}

/// The Kaplan–Meier estimator with case weights, as `survival::survfit(Surv(time, event) ~ 1,
/// weights = w)` computes it: S(t) = Π_{s ≤ t} (1 − d_s/n_s) with weighted events d_s and
/// weighted numbers at risk n_s. With weights survfit's default variance is the robust
/// infinitesimal jackknife (survival ≥ 3): the derivative of log S(t) in unit i's weight is
/// Dᵢ(t) = −Σ_{s ≤ t} (δᵢ(s)·n_s − d_s·Yᵢ(s)) / (n_s(n_s − d_s)) (δᵢ(s): i's event at s, Yᵢ(s): i
/// at risk), so Var log S(t) = Σᵢ wᵢ² Dᵢ(t)². survfit reports S·SE(log S) as `std.err` and
/// builds its log-type interval S·exp(±z·SE(log S)) (upper limit capped at 1).
public enum WeightedKaplanMeier {
    /// - Throws: `StatsError` for empty or mismatched input, a negative or non-finite time, or
    ///   a weight that is not finite and > 0.
    public static func fit(
        times: [Double], events: [Bool], weights: [Double], confidenceLevel: Double = 0.95
    ) throws -> WeightedSurvivalCurve {
        try SurvivalInput.validate(times: times, events: events)
        let n = times.count
        guard weights.count == n else {
            throw StatsError("weights has \(weights.count) values but times has \(n); they must have the same length")
        }
        if let bad = weights.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            throw StatsError("weights[\(bad)] is \(weights[bad]); case weights must be finite and > 0")
        }
        let z = NormalDistribution.quantile(1 - (1 - confidenceLevel) / 2)
        let distinct = Array(Set(times)).sorted()
        var derivative = [Double](repeating: 0, count: n)
        var logS = 0.0
        var steps: [WeightedSurvivalStep] = []
        for t in distinct {
            var nRisk = 0.0, d = 0.0
            for i in 0..<n where times[i] >= t {
                nRisk += weights[i]
                if times[i] == t && events[i] { d += weights[i] }
            }
            if d > 0 && nRisk > d {
                logS += log1p(-d / nRisk)
                let denominator = nRisk * (nRisk - d)
                for i in 0..<n where times[i] >= t {
                    let event = times[i] == t && events[i] ? 1.0 : 0.0
                    derivative[i] -= (event * nRisk - d) / denominator
                }
            } else if d > 0 {
                logS = -.infinity
            }
            let s = exp(logS)
            var variance = 0.0
            for i in 0..<n { variance += weights[i] * weights[i] * derivative[i] * derivative[i] }
            let se = variance.squareRoot()
            var lower: Double?, upper: Double?
            if s > 0, se.isFinite {
                lower = s * exp(-z * se)
                upper = Swift.min(1, s * exp(z * se))
            }
            steps.append(WeightedSurvivalStep(
                time: t, atRisk: nRisk, events: d, survival: s, standardError: s * se, logStandardError: se,
                lower: lower, upper: upper))
        }
        return WeightedSurvivalCurve(count: n, steps: steps)
    }
}
