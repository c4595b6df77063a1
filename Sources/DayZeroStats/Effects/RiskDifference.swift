/// A difference of two proportions with Newcombe's hybrid score interval.
public struct RiskDifferenceResult: Sendable, Hashable, Codable {
    public var risk1: Double
    public var risk2: Double
    /// risk1 − risk2.
    public var difference: Double
    public var confidenceInterval: ConfidenceInterval
    /// Wilson score intervals of each proportion (`prop.test(x, n, correct = FALSE)$conf.int`).
    public var wilson1: ConfidenceInterval
    public var wilson2: ConfidenceInterval
}

/// The risk difference p₁ − p₂ of two independent binomial samples with Newcombe's (1998)
/// hybrid score interval (his method 10): with Wilson score intervals (l₁, u₁), (l₂, u₂) of
/// each proportion, the limits are d − √((p₁ − l₁)² + (u₂ − p₂)²) and d + √((u₁ − p₁)² +
/// (p₂ − l₂)²). R reproduces it from `prop.test(x, n, correct = FALSE)$conf.int` of each group.
/// Unlike the Wald interval it stays inside [−1, 1] and behaves at 0 or n events.
public enum RiskDifference {
    /// - Throws: `StatsError` unless 0 ≤ xᵢ ≤ nᵢ, nᵢ ≥ 1 and the level is in (0, 1).
    public static func newcombe(
        events1: Int, total1: Int, events2: Int, total2: Int, confidenceLevel: Double = 0.95
    ) throws -> RiskDifferenceResult {
        let w1 = try wilson(events: events1, total: total1, confidenceLevel: confidenceLevel)
        let w2 = try wilson(events: events2, total: total2, confidenceLevel: confidenceLevel)
        let p1 = Double(events1) / Double(total1), p2 = Double(events2) / Double(total2)
        let d = p1 - p2
        let l1 = w1.lower ?? 0, u1 = w1.upper ?? 1, l2 = w2.lower ?? 0, u2 = w2.upper ?? 1
        let lower = d - ((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)).squareRoot()
        let upper = d + ((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)).squareRoot()
        return RiskDifferenceResult(
            risk1: p1, risk2: p2, difference: d,
            confidenceInterval: ConfidenceInterval(lower: lower, upper: upper, level: confidenceLevel), wilson1: w1, wilson2: w2)
    }

    /// Wilson's score interval without continuity correction:
    /// (p + z²/2n ± z√(p(1 − p)/n + z²/4n²))/(1 + z²/n).
    public static func wilson(events x: Int, total n: Int, confidenceLevel: Double = 0.95) throws -> ConfidenceInterval {
        guard n >= 1, x >= 0, x <= n else {
            throw StatsError("a proportion needs 0 ≤ events ≤ total and total ≥ 1 (got \(x) of \(n))")
        }
        guard confidenceLevel > 0, confidenceLevel < 1 else {
            throw StatsError("confidence level \(confidenceLevel) is not strictly between 0 and 1")
        }
        let z = NormalDistribution.quantile(1 - (1 - confidenceLevel) / 2)
        let nn = Double(n), p = Double(x) / nn
        let z2 = z * z
        let centre = p + z2 / (2 * nn)
        let half = z * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()
        let denominator = 1 + z2 / nn
        // prop.test clamps at 0 and 1 (x = 0 → lower 0, x = n → upper 1).
        let lower = x == 0 ? 0 : max(0, (centre - half) / denominator)
        let upper = x == n ? 1 : min(1, (centre + half) / denominator)
        return ConfidenceInterval(lower: lower, upper: upper, level: confidenceLevel)
    }
}
