#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A proportion k/n with R's `prop.test` confidence interval.
public struct Proportion: Sendable, Hashable, Codable {
    /// Number of successes (true values).
    public var count: Int
    /// Number of non-missing observations.
    public var total: Int
    /// Missing (nil) observations dropped.
    public var missing: Int

    /// k/n; nil when no observation is present.
    public var fraction: Double? { total > 0 ? Double(count) / Double(total) : nil }
    /// 100·k/n; nil when no observation is present.
    public var percent: Double? { fraction.map { 100 * $0 } }

    /// - Throws: `StatsError` if count < 0 or count > total.
    public init(count: Int, total: Int, missing: Int = 0) throws {
        guard count >= 0, total >= count, missing >= 0 else {
            throw StatsError("a proportion needs 0 ≤ count ≤ total and missing ≥ 0 (got count \(count), total \(total), missing \(missing))")
        }
        self.count = count
        self.total = total
        self.missing = missing
    }

    /// Counts `true` among the non-nil values; nil values are missing.
    public init(_ values: [Bool?]) {
        var count = 0
        var total = 0
        var missing = 0
        for value in values {
            switch value {
            case .some(true): count += 1; total += 1
            case .some(false): total += 1
            case .none: missing += 1
            }
        }
        self.count = count
        self.total = total
        self.missing = missing
    }

    /// Wilson score interval (R `prop.test(count, total, conf.level = level, correct = …)$conf.int`).
    ///
    /// With z = Φ⁻¹((1 + level)/2) and p̂ = k/n, the bounds are
    /// (p̃ + z²/2n ∓ z·√(p̃(1 − p̃)/n + z²/4n²)) / (1 + z²/n), where p̃ = p̂ ∓ c/n; with
    /// continuity correction c = min(½, |k − n/2|) (R measures it against its default null ½),
    /// without it c = 0. A bound whose shifted p̃ leaves [0, 1] is clamped to 0 or 1 as in R.
    /// Returns nil when total = 0.
    public func wilsonInterval(confidenceLevel: Double = 0.95, continuityCorrection: Bool = true) -> (lower: Double, upper: Double)? {
        guard total > 0, confidenceLevel > 0, confidenceLevel < 1 else { return nil }
        let n = Double(total)
        let estimate = Double(count) / n
        let correction = continuityCorrection ? min(0.5, abs(Double(count) - n * 0.5)) : 0
        let z = NormalDistribution.quantile(0.5 + confidenceLevel / 2)
        let z22n = z * z / (2 * n)
        let shiftedUp = estimate + correction / n
        let upper = shiftedUp >= 1 ? 1 :
            (shiftedUp + z22n + z * (shiftedUp * (1 - shiftedUp) / n + z22n / (2 * n)).squareRoot()) / (1 + 2 * z22n)
        let shiftedDown = estimate - correction / n
        let lower = shiftedDown <= 0 ? 0 :
            (shiftedDown + z22n - z * (shiftedDown * (1 - shiftedDown) / n + z22n / (2 * n)).squareRoot()) / (1 + 2 * z22n)
        return (max(lower, 0), min(upper, 1))
    }
}
