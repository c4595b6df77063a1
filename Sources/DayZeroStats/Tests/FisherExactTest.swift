#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fisher's exact test for a 2×2 table, as R's `fisher.test`.
///
/// Conditioning on the margins, the top-left count X is hypergeometric: m = first column
/// total, n = second column total, k = first row total (R's parameterisation). With odds ratio
/// ψ the conditional law is P_ψ(X = s) ∝ P₁(X = s)·ψˢ (Fisher's noncentral hypergeometric).
/// - Two-sided p (R's rule): Σ P₁(s) over all s with P₁(s) ≤ P₁(x)·(1 + 10⁻⁷), the relative
///   slack absorbing rounding so that tables with equal probability are counted.
/// - "less": P₁(X ≤ x); "greater": P₁(X ≥ x).
/// - Estimate: the conditional maximum-likelihood odds ratio, the ψ with E_ψ[X] = x (0 when x
///   is at the bottom of its support, +∞ — reported as nil with a warning — at the top),
///   solved by Newton in ln ψ (dE/d ln ψ = Var_ψ X) to full precision. R finds the same root
///   with `uniroot`'s default tolerance (~1e−4), so R's printed estimate and interval agree only
///   to ~1e−4.
/// - Interval (R's conditional exact interval): two-sided bounds solve P_ψ(X ≥ x) = α/2 and
///   P_ψ(X ≤ x) = α/2 with α = 1 − level; one-sided use α.
///
/// - Complexity: O(support) per probability sum, support ≤ min(m, k) + 1.
public enum FisherExactTest {
    /// - Parameter table: `[[a, b], [c, d]]` — rows are the first factor (e.g. exposure),
    ///   columns the second (e.g. outcome).
    /// - Throws: `StatsError` if the table is not 2×2 or has a negative count.
    public static func test(_ table: [[Int]], alternative: Alternative = .twoSided,
                            confidenceLevel: Double = 0.95) throws -> FisherExactResult {
        guard table.count == 2, table.allSatisfy({ $0.count == 2 }) else {
            throw StatsError("Fisher's exact test needs a 2×2 table (got \(table.count) rows of lengths \(table.map(\.count)))")
        }
        guard table.allSatisfy({ $0.allSatisfy { $0 >= 0 } }) else {
            throw StatsError("table counts must be non-negative (got \(table))")
        }
        guard confidenceLevel > 0 && confidenceLevel < 1 else {
            throw StatsError("confidence level \(confidenceLevel) is not strictly between 0 and 1")
        }
        let x = table[0][0]
        let m = table[0][0] + table[1][0]
        let n = table[0][1] + table[1][1]
        let k = table[0][0] + table[0][1]
        let law = ConditionalLaw(m: m, n: n, k: k)
        var result = FisherExactResult(table: table, alternative: alternative, pValue: 1, oddsRatio: nil,
                                       confidenceInterval: nil)
        // p-value under ψ = 1.
        switch alternative {
        case .twoSided:
            let observed = law.logNull[x - law.low]
            let threshold = observed + log1p(1e-7)
            var p = 0.0
            for logProbability in law.logNull where logProbability <= threshold {
                p += exp(logProbability)
            }
            result.pValue = PValues.clamp(p)
        case .less:
            result.pValue = HypergeometricDistribution.cdf(x, m: m, n: n, k: k)
        case .greater:
            result.pValue = HypergeometricDistribution.upperTail(x - 1, m: m, n: n, k: k)
        }
        result.warnings += PValues.underflowWarnings(result.pValue)

        // Estimate.
        if law.low == law.high {
            result.warnings.append(StatsWarning(
                code: "degenerate-table",
                message: "a margin is zero, so the table is fixed by its margins: the odds ratio is not identifiable"))
            return result
        }
        if x == law.high {
            result.warnings.append(StatsWarning(
                code: "odds-ratio-infinite",
                message: "the conditional MLE of the odds ratio is +∞ (a zero cell off the diagonal); reported as nil"))
        } else if x == law.low {
            result.oddsRatio = 0
        } else {
            result.oddsRatio = exp(law.solveMean(Double(x)))
        }
        // Interval.
        let alpha = 1 - confidenceLevel
        switch alternative {
        case .twoSided:
            result.confidenceInterval = ConfidenceInterval(
                lower: law.lowerBound(x, alpha: alpha / 2), upper: law.upperBound(x, alpha: alpha / 2), level: confidenceLevel)
        case .less:
            result.confidenceInterval = ConfidenceInterval(lower: 0, upper: law.upperBound(x, alpha: alpha), level: confidenceLevel)
        case .greater:
            result.confidenceInterval = ConfidenceInterval(lower: law.lowerBound(x, alpha: alpha), upper: nil, level: confidenceLevel)
        }
        return result
    }

    /// Fisher's noncentral hypergeometric law of X given the margins.
    struct ConditionalLaw {
        let low: Int
        let high: Int
        /// ln P₁(X = s) for s = low…high.
        let logNull: [Double]

        init(m: Int, n: Int, k: Int) {
            low = max(0, k - n)
            high = min(k, m)
            logNull = (low...high).map { HypergeometricDistribution.logProbability($0, m: m, n: n, k: k) }
        }

        /// Normalised probabilities under ln ψ = θ.
        func probabilities(_ theta: Double) -> [Double] {
            var logs = [Double](repeating: 0, count: logNull.count)
            var largest = -Double.infinity
            for index in logNull.indices {
                logs[index] = logNull[index] + theta * Double(low + index)
                largest = max(largest, logs[index])
            }
            var total = 0.0
            for index in logs.indices {
                logs[index] = exp(logs[index] - largest)
                total += logs[index]
            }
            for index in logs.indices { logs[index] /= total }
            return logs
        }

        /// (mean, variance) of X under ln ψ = θ.
        func moments(_ theta: Double) -> (mean: Double, variance: Double) {
            let p = probabilities(theta)
            var mean = 0.0
            for index in p.indices { mean += p[index] * Double(low + index) }
            var variance = 0.0
            for index in p.indices {
                let d = Double(low + index) - mean
                variance += p[index] * d * d
            }
            return (mean, variance)
        }

        /// θ = ln ψ with E_θ[X] = target (low < target < high).
        func solveMean(_ target: Double) -> Double {
            RootFinding.solveMonotone(guess: 0, lower: -700, upper: 700, increasing: true) { theta in
                let (mean, variance) = moments(theta)
                return (mean - target, variance)
            }
        }

        /// P_θ(X ≤ x) (upper = false) or P_θ(X ≥ x) (upper = true), with d/dθ.
        ///
        /// d/dθ P_θ(A) = Cov(1_A, X) = Σ_A p(s)(s − μ) = −Σ_{not A} p(s)(s − μ); the sum over the
        /// lighter of A and its complement is used, so the slope keeps its sign where P(A) ≈ 1.
        func tail(_ x: Int, theta: Double, upper: Bool) -> (value: Double, slope: Double) {
            let p = probabilities(theta)
            var mean = 0.0
            for index in p.indices { mean += p[index] * Double(low + index) }
            var inside = 0.0
            var outside = 0.0
            var covarianceInside = 0.0
            var covarianceOutside = 0.0
            for index in p.indices {
                let s = low + index
                let d = p[index] * (Double(s) - mean)
                if upper ? s >= x : s <= x {
                    inside += p[index]
                    covarianceInside += d
                } else {
                    outside += p[index]
                    covarianceOutside += d
                }
            }
            let value = inside <= outside ? inside : 1 - outside
            let slope = inside <= outside ? covarianceInside : -covarianceOutside
            return (value, slope)
        }

        /// Lower bound: ψ with P_ψ(X ≥ x) = α (0 when x is the smallest possible value).
        func lowerBound(_ x: Int, alpha: Double) -> Double {
            if x == low { return 0 }
            let theta = RootFinding.solveMonotone(guess: 0, lower: -700, upper: 700, increasing: true) { theta in
                let (value, slope) = tail(x, theta: theta, upper: true)
                return (value - alpha, slope)
            }
            return exp(theta)
        }

        /// Upper bound: ψ with P_ψ(X ≤ x) = α; nil (unbounded) when x is the largest value.
        func upperBound(_ x: Int, alpha: Double) -> Double? {
            if x == high { return nil }
            let theta = RootFinding.solveMonotone(guess: 0, lower: -700, upper: 700, increasing: false) { theta in
                let (value, slope) = tail(x, theta: theta, upper: false)
                return (value - alpha, slope)
            }
            return exp(theta)
        }
    }
}

/// The outcome of `FisherExactTest.test`.
public struct FisherExactResult: Sendable, Hashable, Codable {
    public var table: [[Int]]
    public var alternative: Alternative
    public var pValue: Double
    /// Conditional MLE of the odds ratio (R's `estimate`); nil when it is +∞ or not
    /// identifiable (see warnings).
    public var oddsRatio: Double?
    /// Conditional exact interval for the odds ratio; a nil upper bound is +∞.
    public var confidenceInterval: ConfidenceInterval?
    public var warnings: [StatsWarning] = []

    init(table: [[Int]], alternative: Alternative, pValue: Double, oddsRatio: Double?, confidenceInterval: ConfidenceInterval?) {
        self.table = table
        self.alternative = alternative
        self.pValue = pValue
        self.oddsRatio = oddsRatio
        self.confidenceInterval = confidenceInterval
    }
}
