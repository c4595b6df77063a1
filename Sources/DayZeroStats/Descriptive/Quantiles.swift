/// Sample quantiles, R's default definition (`quantile(x, probs, type = 7)`).
public enum Quantiles {
    /// Type-7 quantiles of the non-missing values: with sorted x₍₁₎ ≤ … ≤ x₍ₙ₎ and
    /// h = 1 + (n − 1)p, Q(p) = (1 − γ)·x₍⌊h⌋₎ + γ·x₍⌈h⌉₎, γ = h − ⌊h⌋ — the same arithmetic as R,
    /// so results agree to the last bit in ordinary cases.
    ///
    /// - Complexity: O(n log n) (one sort).
    /// - Throws: `StatsError` when no value is present or a probability is outside [0, 1].
    public static func type7(_ values: [Double?], probabilities: [Double]) throws -> QuantileResult {
        let (kept, missing) = try MissingValues.partition(values)
        guard !kept.isEmpty else {
            throw StatsError("quantiles need at least one non-missing value (all \(missing) values are missing)")
        }
        let sorted = kept.sorted()
        var results: [Double] = []
        results.reserveCapacity(probabilities.count)
        for p in probabilities {
            guard p >= 0 && p <= 1 else {
                throw StatsError("quantile probability \(p) is outside [0, 1]")
            }
            results.append(type7(sorted: sorted, probability: p))
        }
        return QuantileResult(probabilities: probabilities, values: results, n: sorted.count, missing: missing)
    }

    /// Type-7 quantile of already sorted, non-empty, finite values.
    static func type7(sorted: [Double], probability p: Double) -> Double {
        let n = sorted.count
        let index = Double(n - 1) * p  // zero-based h − 1
        let lowIndex = Int(index.rounded(.down))
        let highIndex = Int(index.rounded(.up))
        let low = sorted[lowIndex]
        let high = sorted[highIndex]
        guard index > Double(lowIndex) && high != low else { return low }
        let gamma = index - Double(lowIndex)
        return (1 - gamma) * low + gamma * high
    }
}

/// Quantiles with the counts they rest on.
public struct QuantileResult: Sendable, Hashable, Codable {
    /// The probabilities asked for, in the order given.
    public var probabilities: [Double]
    /// The quantiles, one per probability.
    public var values: [Double]
    /// Number of values used.
    public var n: Int
    /// Number of missing (nil/NaN) values dropped.
    public var missing: Int
}

/// Median with the interquartile range, the usual "median [Q1–Q3]" summary of a skewed variable
/// (R `quantile(x, c(.25, .5, .75))`, type 7).
public struct MedianIQR: Sendable, Hashable, Codable {
    public var median: Double
    /// First quartile (25th percentile, type 7).
    public var lowerQuartile: Double
    /// Third quartile (75th percentile, type 7).
    public var upperQuartile: Double
    /// Number of values used.
    public var n: Int
    /// Number of missing (nil/NaN) values dropped.
    public var missing: Int

    /// Q3 − Q1.
    public var interquartileRange: Double { upperQuartile - lowerQuartile }

    /// - Throws: `StatsError` when no value is present.
    public init(_ values: [Double?]) throws {
        let result = try Quantiles.type7(values, probabilities: [0.25, 0.5, 0.75])
        self.lowerQuartile = result.values[0]
        self.median = result.values[1]
        self.upperQuartile = result.values[2]
        self.n = result.n
        self.missing = result.missing
    }
}
