#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Wilcoxon rank-sum (Mann–Whitney) test, exactly as R 4.2's `wilcox.test(x, y)`.
///
/// W = Σ ranks of x (mid-ranks over the pooled sample) − nₓ(nₓ + 1)/2, i.e. the number of pairs
/// with x > y (ties counting ½).
///
/// - **Exact** (R's default when nₓ < 50, nᵧ < 50 and no ties): the null distribution of W by
///   counting — c(u; i, j) = c(u − j; i − 1, j) + c(u; i, j − 1) — and the two-sided
///   p = min(1, 2·min(P(W ≤ w), P(W ≥ w))). O(nₓ²nᵧ²/4) work, bounded by the n < 50 rule.
/// - **Normal approximation** otherwise: z = (W − nₓnᵧ/2 − c)/σ with
///   σ² = nₓnᵧ/12·((N + 1) − Σ(t³ − t)/(N(N − 1))) (tie correction) and continuity
///   correction c = sign(W − nₓnᵧ/2)·½ two-sided, +½ for "greater", −½ for "less" (0 without
///   correction). With ties under the automatic rule R warns "cannot compute exact p-value with
///   ties"; DayZero adds the warning `ties-normal-approximation`.
/// - **Exact conditional** (optional, not an R `wilcox.test` default; the permutation
///   distribution given the tied mid-ranks, as `coin::wilcox_test(distribution = "exact")`
///   computes it): counts subsets of the pooled doubled mid-ranks (integers) by their sum, so it
///   is exact with ties; two-sided by the same doubling rule. O(N·m·(2mN)) for
///   m = min(nₓ, nᵧ); limited to N ≤ 200.
///
/// `.exact` for groups beyond R's automatic range is accepted up to nₓ·nᵧ ≤ 10 000 (the counting
/// costs (nₓnᵧ)²/4); larger requests use the normal approximation with warning `exact-too-large`.
///
/// Ranks are computed by one sort, O(N log N), so 100 000-patient groups are cheap with the
/// normal approximation.
public enum WilcoxonRankSum {
    /// How the p-value is computed.
    public enum Method: String, Sendable, Hashable, Codable {
        /// R's rule: exact when both groups < 50 and there are no ties, else normal approximation.
        case automatic
        /// Exact null distribution of W (R `exact = TRUE`); falls back to the normal
        /// approximation with a warning when there are ties, as R does.
        case exact
        /// Normal approximation with tie correction (R `exact = FALSE`).
        case normalApproximation = "normal-approximation"
        /// Exact permutation distribution conditional on the tied mid-ranks.
        case exactConditional = "exact-conditional"
    }

    /// Largest pooled size accepted by `.exactConditional`.
    public static let exactConditionalLimit = 200
    /// Largest nₓ·nᵧ for which `.exact` counts the null distribution.
    public static let exactProductLimit = 10_000

    /// - Parameters:
    ///   - continuityCorrection: R's `correct` (used only by the normal approximation).
    /// - Throws: `StatsError` when a group has no non-missing value, a value is ±∞, or
    ///   `.exactConditional` is asked for more than `exactConditionalLimit` observations.
    public static func test(
        _ x: [Double?], _ y: [Double?], alternative: Alternative = .twoSided, method: Method = .automatic,
        continuityCorrection: Bool = true
    ) throws -> WilcoxonRankSumResult {
        let (kx, missingX) = try MissingValues.partition(x, argument: "x")
        let (ky, missingY) = try MissingValues.partition(y, argument: "y")
        guard !kx.isEmpty, !ky.isEmpty else {
            throw StatsError("the rank-sum test needs at least one non-missing value per group (x has \(kx.count), y has \(ky.count))")
        }
        let nx = kx.count
        let ny = ky.count
        let ranking = Ranking(kx + ky)
        var rankSumX = 0.0
        for index in 0..<nx { rankSumX += ranking.ranks[index] }
        let w = rankSumX - Double(nx) * Double(nx + 1) / 2
        var result = WilcoxonRankSumResult(
            statistic: w, alternative: alternative, method: .normalApproximation,
            continuityCorrection: false, nX: nx, nY: ny, missingX: missingX, missingY: missingY,
            hasTies: ranking.hasTies)

        var useExact: Bool
        switch method {
        case .automatic: useExact = nx < 50 && ny < 50
        case .exact: useExact = true
        case .normalApproximation: useExact = false
        case .exactConditional:
            guard nx + ny <= exactConditionalLimit else {
                throw StatsError("the exact conditional rank-sum distribution is limited to \(exactConditionalLimit) observations (got \(nx + ny)); use the normal approximation")
            }
            result.method = .exactConditional
            result.pValue = exactConditionalPValue(ranks: ranking.ranks, nx: nx, w: w, alternative: alternative)
            result.warnings += PValues.underflowWarnings(result.pValue)
            return result
        }
        if useExact && nx * ny > exactProductLimit {
            useExact = false
            result.warnings.append(StatsWarning(
                code: "exact-too-large",
                message: "the exact distribution for \(nx) × \(ny) observations is too large to count; the normal approximation is used"))
        }
        if useExact && ranking.hasTies {
            useExact = false
            result.warnings.append(StatsWarning(
                code: "ties-normal-approximation",
                message: "cannot compute the exact p-value with ties; the normal approximation with tie correction is used (as R)"))
        }
        if useExact {
            result.method = .exact
            result.pValue = exactPValue(w: Int(w.rounded()), nx: nx, ny: ny, alternative: alternative)
        } else {
            normalApproximation(&result, tieTerm: ranking.tieTerm, correct: continuityCorrection)
        }
        result.warnings += PValues.underflowWarnings(result.pValue)
        return result
    }

    static func normalApproximation(_ result: inout WilcoxonRankSumResult, tieTerm: Double, correct: Bool) {
        let nx = Double(result.nX)
        let ny = Double(result.nY)
        let total = nx + ny
        let centred = result.statistic - nx * ny / 2
        let variance = nx * ny / 12 * ((total + 1) - tieTerm / (total * (total - 1)))
        result.method = .normalApproximation
        result.continuityCorrection = correct
        guard variance > 0 else {
            result.warnings.append(StatsWarning(
                code: "zero-variance",
                message: "all observations are tied; the rank-sum statistic has no spread and no p-value can be computed"))
            return
        }
        var correction = 0.0
        if correct {
            switch result.alternative {
            case .twoSided: correction = centred > 0 ? 0.5 : (centred < 0 ? -0.5 : 0)
            case .greater: correction = 0.5
            case .less: correction = -0.5
            }
        }
        let z = (centred - correction) / variance.squareRoot()
        result.z = z
        switch result.alternative {
        case .twoSided: result.pValue = PValues.clamp(2 * min(NormalDistribution.cdf(z), NormalDistribution.upperTail(z)))
        case .less: result.pValue = NormalDistribution.cdf(z)
        case .greater: result.pValue = NormalDistribution.upperTail(z)
        }
    }

    /// p-value from the exact null distribution of W (no ties).
    static func exactPValue(w: Int, nx: Int, ny: Int, alternative: Alternative) -> Double {
        let counts = mannWhitneyCounts(nx, ny)
        let lower = tailProbability(counts, through: w, upper: false)
        let upper = tailProbability(counts, through: w, upper: true)
        switch alternative {
        case .twoSided: return min(1, 2 * min(lower, upper))
        case .less: return lower
        case .greater: return upper
        }
    }

    /// P(W ≤ w) (upper = false) or P(W ≥ w) (upper = true), summing the counts of that tail.
    static func tailProbability(_ counts: [Double], through w: Int, upper: Bool) -> Double {
        var total = 0.0
        for c in counts { total += c }
        var tail = 0.0
        if upper {
            if w <= 0 { return 1 }
            if w < counts.count { for u in w..<counts.count { tail += counts[u] } }
        } else {
            if w < 0 { return 0 }
            for u in 0...min(w, counts.count - 1) { tail += counts[u] }
        }
        return min(1, tail / total)
    }

    /// c(u; m, n) for u = 0…mn: the number of arrangements of m x's and n y's with
    /// U = #(x > y) = u. Built over the largest element: from x it adds j (all y's below it),
    /// from y it adds 0.
    ///
    /// - Complexity: O(m²n²/4) additions, O(n·mn) memory.
    static func mannWhitneyCounts(_ m: Int, _ n: Int) -> [Double] {
        // previous[j] = c(·; i − 1, j); current[j] = c(·; i, j).
        var previous: [[Double]] = Array(repeating: [1], count: n + 1)
        if m == 0 { return [1] }
        for i in 1...m {
            var current: [[Double]] = []
            current.reserveCapacity(n + 1)
            current.append([1])  // c(·; i, 0): U = 0 only.
            if n > 0 {
                for j in 1...n {
                    var row = [Double](repeating: 0, count: i * j + 1)
                    // Largest element is a y: c(u; i, j − 1).
                    let fromY = current[j - 1]
                    for u in 0..<fromY.count { row[u] += fromY[u] }
                    // Largest element is an x: c(u − j; i − 1, j).
                    let fromX = previous[j]
                    for u in 0..<fromX.count { row[u + j] += fromX[u] }
                    current.append(row)
                }
            }
            previous = current
        }
        return previous[n]
    }

    /// Exact conditional p-value: the distribution of the doubled rank sum of x over all
    /// C(N, nₓ) subsets of the pooled doubled mid-ranks (integers even with ties).
    static func exactConditionalPValue(ranks: [Double], nx: Int, w: Double, alternative: Alternative) -> Double {
        let doubled = ranks.map { Int(($0 * 2).rounded()) }
        let observed = Int((2 * w + Double(nx) * Double(nx + 1)).rounded())  // doubled rank sum of x
        let total = doubled.count
        // Count subsets of size k = nₓ by doubled sum, choosing the complement when it is smaller.
        let useComplement = nx > total - nx
        let k = useComplement ? total - nx : nx
        let grandTotal = doubled.reduce(0, +)
        let target = useComplement ? grandTotal - observed : observed
        let maxSum = doubled.sorted(by: >).prefix(k).reduce(0, +)
        // ways[j][s]: subsets of size j with doubled sum s among the items processed so far.
        var ways = [[Double]](repeating: [Double](repeating: 0, count: maxSum + 1), count: k + 1)
        ways[0][0] = 1
        for (processed, r) in doubled.enumerated() {
            let top = min(k, processed + 1)
            if top == 0 { continue }
            for j in stride(from: top, through: 1, by: -1) {
                let source = ways[j - 1]
                var destination = ways[j]
                if r <= maxSum {
                    for s in 0...(maxSum - r) where source[s] != 0 {
                        destination[s + r] += source[s]
                    }
                }
                ways[j] = destination
            }
        }
        let distribution = ways[k]
        var all = 0.0
        var atOrBelow = 0.0
        var atOrAbove = 0.0
        for (s, count) in distribution.enumerated() where count != 0 {
            all += count
            if s <= target { atOrBelow += count }
            if s >= target { atOrAbove += count }
        }
        // In complement terms "x large" is "complement small".
        var lower = atOrBelow / all
        var upper = atOrAbove / all
        if useComplement { swap(&lower, &upper) }
        switch alternative {
        case .twoSided: return min(1, 2 * min(lower, upper))
        case .less: return min(1, lower)
        case .greater: return min(1, upper)
        }
    }
}

/// The outcome of `WilcoxonRankSum.test`.
public struct WilcoxonRankSumResult: Sendable, Hashable, Codable {
    public enum Method: String, Sendable, Hashable, Codable {
        case exact
        case normalApproximation = "normal-approximation"
        case exactConditional = "exact-conditional"
    }

    /// R's W: Σ ranks(x) − nₓ(nₓ + 1)/2 (the Mann–Whitney U of x).
    public var statistic: Double
    public var alternative: Alternative
    /// The method actually used.
    public var method: Method
    /// Whether the continuity correction was applied (normal approximation only).
    public var continuityCorrection: Bool
    /// The standardised statistic of the normal approximation; nil for exact methods.
    public var z: Double?
    /// nil only when all observations are tied under the normal approximation (see warnings).
    public var pValue: Double?
    public var nX: Int
    public var nY: Int
    public var missingX: Int
    public var missingY: Int
    public var hasTies: Bool
    public var warnings: [StatsWarning] = []

    init(statistic: Double, alternative: Alternative, method: Method, continuityCorrection: Bool,
         nX: Int, nY: Int, missingX: Int, missingY: Int, hasTies: Bool) {
        self.statistic = statistic
        self.alternative = alternative
        self.method = method
        self.continuityCorrection = continuityCorrection
        self.nX = nX
        self.nY = nY
        self.missingX = missingX
        self.missingY = missingY
        self.hasTies = hasTies
    }
}
