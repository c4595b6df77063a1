#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Geometric mean with a t-interval on the log scale.
///
/// With yᵢ = ln xᵢ: GM = exp(ȳ), interval exp(ȳ ± t_{(1+level)/2, n−1}·s_y/√n) — R
/// `exp(mean(log(x)))` and `exp(t.test(log(x), conf.level = level)$conf.int)`.
///
/// Only positive values have a logarithm. Non-positive values are *excluded and counted*
/// (`nonPositive`) with a `non-positive-values` warning; callers with zeros apply their
/// declared rule (e.g. an offset) before calling. With one usable value the mean is that
/// value and the interval is undefined (`nil`, warning `single-observation`); with all usable
/// values equal the interval collapses to the point (warning `zero-variance`).
public struct GeometricMean: Sendable, Hashable, Codable {
    /// exp(mean ln x).
    public var estimate: Double
    /// Lower bound of the interval; nil when n = 1.
    public var lower: Double?
    /// Upper bound of the interval; nil when n = 1.
    public var upper: Double?
    public var confidenceLevel: Double
    /// Mean and standard deviation (n − 1 denominator) of ln x.
    public var logMean: Double
    public var logStandardDeviation: Double?
    /// Number of positive values used.
    public var n: Int
    /// Missing (nil/NaN) values dropped.
    public var missing: Int
    /// Non-positive values excluded.
    public var nonPositive: Int
    public var warnings: [StatsWarning]

    /// - Throws: `StatsError` when no positive value is present or the level is not in (0, 1).
    public init(_ values: [Double?], confidenceLevel: Double = 0.95) throws {
        guard confidenceLevel > 0 && confidenceLevel < 1 else {
            throw StatsError("confidence level \(confidenceLevel) is not strictly between 0 and 1")
        }
        let (kept, missing) = try MissingValues.partition(values)
        let logs = kept.filter { $0 > 0 }.map { log($0) }
        let nonPositive = kept.count - logs.count
        var warnings: [StatsWarning] = []
        if nonPositive > 0 {
            warnings.append(StatsWarning(
                code: "non-positive-values",
                message: "\(nonPositive) value(s) ≤ 0 excluded from the geometric mean (logarithm undefined)"))
        }
        guard !logs.isEmpty else {
            throw StatsError("the geometric mean needs at least one positive value (\(kept.count) non-positive, \(missing) missing)")
        }
        let moments = Moments(logs)
        self.estimate = exp(moments.mean)
        self.logMean = moments.mean
        self.confidenceLevel = confidenceLevel
        self.n = logs.count
        self.missing = missing
        self.nonPositive = nonPositive
        if logs.count == 1 {
            warnings.append(StatsWarning(
                code: "single-observation",
                message: "one positive value: the geometric mean is that value and has no confidence interval"))
            self.logStandardDeviation = nil
            self.lower = nil
            self.upper = nil
        } else {
            let sd = moments.variance.squareRoot()
            if moments.variance == 0 {
                warnings.append(StatsWarning(
                    code: "zero-variance",
                    message: "all \(logs.count) values are equal: the confidence interval is the single point"))
            }
            let t = StudentTDistribution.quantile(0.5 + confidenceLevel / 2, df: Double(logs.count - 1))
            let halfWidth = t * sd / Double(logs.count).squareRoot()
            self.logStandardDeviation = sd
            self.lower = exp(moments.mean - halfWidth)
            self.upper = exp(moments.mean + halfWidth)
        }
        self.warnings = warnings
    }
}

/// Mean and unbiased variance by two passes (mean first, then squared deviations with
/// the compensating term Σ(x − x̄) — R's `mean` refines the same way), stable for values
/// with a large common offset.
struct Moments {
    var count: Int
    var mean: Double
    /// Σ(x − x̄)² / (n − 1); 0 when n = 1.
    var variance: Double
    /// Σ(x − x̄)².
    var sumOfSquares: Double

    init(_ values: [Double]) {
        let n = values.count
        count = n
        guard n > 0 else {
            mean = .nan
            variance = .nan
            sumOfSquares = .nan
            return
        }
        var sum = 0.0
        for v in values { sum += v }
        var m = sum / Double(n)
        // Second pass: corrected mean, as R's mean.default (long double accumulation there).
        var residual = 0.0
        for v in values { residual += v - m }
        m += residual / Double(n)
        mean = m
        var ss = 0.0
        var compensation = 0.0
        for v in values {
            let d = v - m
            ss += d * d
            compensation += d
        }
        ss -= compensation * compensation / Double(n)
        sumOfSquares = max(ss, 0)
        variance = n > 1 ? sumOfSquares / Double(n - 1) : 0
    }
}
