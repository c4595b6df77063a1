#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// n, Σy and Σy² of a sample: the aggregate of a mean with its t-interval (a geometric mean on
/// the log scale) and of a one-sample or paired t test (on the differences).
///
/// Merging adds the three sums. The variance is (Σy² − (Σy)²/n)/(n − 1); the subtraction loses
/// about log10(ȳ²/s²) of the 16 digits, which for log-scale laboratory values and NPX
/// differences leaves far more than the 1e-8 the pooled results promise.
public struct MomentSums: Sendable, Hashable, Codable {
    public var count: Double
    public var sum: Double
    public var sumOfSquares: Double

    public init(count: Double = 0, sum: Double = 0, sumOfSquares: Double = 0) {
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
    }

    /// The sums of `values`.
    public init<S: Sequence>(_ values: S) where S.Element == Double {
        self.init()
        for v in values { add(v) }
    }

    public mutating func add(_ y: Double) {
        count += 1
        sum += y
        sumOfSquares += y * y
    }

    /// Adds `other` (no layout to check: three numbers).
    public mutating func merge(_ other: MomentSums) {
        count += other.count
        sum += other.sum
        sumOfSquares += other.sumOfSquares
    }

    public var mean: Double? { count > 0 ? sum / count : nil }

    /// The sample variance, floored at 0 (rounding can make it a tiny negative number when
    /// every value is equal).
    public var variance: Double? {
        guard count > 1 else { return nil }
        return max(0, (sumOfSquares - sum * sum / count) / (count - 1))
    }

    /// ȳ ± t₀.₉₇₅,ₙ₋₁ s/√n — R's `t.test(y)$conf.int` — or nil below 2 values.
    public func meanInterval(level: Double = 0.95) -> (mean: Double, lower: Double, upper: Double)? {
        guard let mean, let variance else { return nil }
        let t = StudentTDistribution.quantile(1 - (1 - level) / 2, df: count - 1)
        let se = (variance / count).squareRoot()
        return (mean, mean - t * se, mean + t * se)
    }

    /// The one-sample t test of mean 0 (`t.test(d)`; on differences, `t.test(x, y, paired =
    /// TRUE)`): t, df and the two-sided p, or nil below 2 values or with zero variance.
    public func tTest() -> (t: Double, df: Double, pValue: Double)? {
        guard let mean, let variance, variance > 0 else { return nil }
        let t = mean / (variance / count).squareRoot()
        let df = count - 1
        return (t, df, 2 * StudentTDistribution.upperTail(abs(t), df: df))
    }
}

/// A table of counts (rows × columns) that merges by adding cell by cell: the aggregate of
/// Fisher's exact test and of proportions.
public struct CountTable: Sendable, Hashable, Codable {
    public var cells: [[Int]]

    public init(_ cells: [[Int]]) { self.cells = cells }

    public mutating func merge(_ other: CountTable) throws(AggregateError) {
        guard other.cells.map(\.count) == cells.map(\.count) else {
            throw .layoutMismatch(aggregate: "count table", what: "shape \(cells.map(\.count)) vs \(other.cells.map(\.count))")
        }
        for r in cells.indices { for c in cells[r].indices { cells[r][c] += other.cells[r][c] } }
    }
}
