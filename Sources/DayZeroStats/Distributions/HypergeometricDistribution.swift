#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hypergeometric distribution: x white balls in k draws without replacement from an urn
/// with m white and n black balls — R `dhyper`, `phyper(x, m, n, k)`.
///
/// Probabilities use Loader's saddle-point form ("Fast and accurate computation of binomial
/// probabilities", 2000): with p = k/(m + n),
/// `P(X = x) = b(x; m, p)·b(k − x; n, p) / b(k; m + n, p)`, where each binomial term is
/// `exp(−δ-terms − bd0 terms)·√(N/(2πx(N − x)))` with `bd0(x, μ) = x ln(x/μ) + μ − x` summed
/// without cancellation. Plain log-factorials would lose ~1e−10 relative at N = 10⁵; this form
/// keeps ~1e−14 for any table size. Tails sum the ratio recursion
/// `P(j−1)/P(j) = j(n − k + j)/((m − j + 1)(k − j + 1))` outward from x on the side whose
/// mass is below the mean, so each tail is summed directly.
///
/// Invalid parameters (negative counts, k > m + n) give NaN; x outside the support gives 0
/// probability (and the corresponding 0/1 tails).
public enum HypergeometricDistribution {
    /// P(X = x).
    public static func probability(_ x: Int, m: Int, n: Int, k: Int) -> Double {
        exp(logProbability(x, m: m, n: n, k: k))
    }

    /// ln P(X = x); −∞ outside the support.
    public static func logProbability(_ x: Int, m: Int, n: Int, k: Int) -> Double {
        if !valid(m: m, n: n, k: k) { return .nan }
        if x < max(0, k - n) || x > min(k, m) { return -.infinity }
        let total = Double(m) + Double(n)
        let drawn = Double(k)
        let p = drawn / total
        let q = (total - drawn) / total
        return logBinomial(Double(x), Double(m), p, q)
            + logBinomial(Double(k - x), Double(n), p, q)
            - logBinomial(drawn, total, p, q)
    }

    /// P(X ≤ x).
    public static func cdf(_ x: Int, m: Int, n: Int, k: Int) -> Double {
        if !valid(m: m, n: n, k: k) { return .nan }
        let low = max(0, k - n)
        let high = min(k, m)
        if x < low { return 0 }
        if x >= high { return 1 }
        // Mean k·m/(m+n): sum the lower tail directly when x is below it.
        if Double(x) * (Double(m) + Double(n)) <= Double(k) * Double(m) {
            return lowerSum(x, m: m, n: n, k: k)
        }
        return 1 - upperSum(x + 1, m: m, n: n, k: k)
    }

    /// P(X > x), computed directly when it is the smaller side.
    public static func upperTail(_ x: Int, m: Int, n: Int, k: Int) -> Double {
        if !valid(m: m, n: n, k: k) { return .nan }
        let low = max(0, k - n)
        let high = min(k, m)
        if x < low { return 1 }
        if x >= high { return 0 }
        if Double(x + 1) * (Double(m) + Double(n)) >= Double(k) * Double(m) {
            return upperSum(x + 1, m: m, n: n, k: k)
        }
        return 1 - lowerSum(x, m: m, n: n, k: k)
    }

    static func valid(m: Int, n: Int, k: Int) -> Bool {
        m >= 0 && n >= 0 && k >= 0 && k <= m + n
    }

    /// Σ_{j ≤ x} P(j), by the downward ratio recursion from P(x).
    static func lowerSum(_ x: Int, m: Int, n: Int, k: Int) -> Double {
        let low = max(0, k - n)
        var term = 1.0
        var sum = 1.0
        var j = x
        while j > low {
            let jd = Double(j)
            term *= jd * (Double(n - k) + jd) / ((Double(m) - jd + 1) * (Double(k) - jd + 1))
            sum += term
            if term < sum * 1e-17 { break }
            j -= 1
        }
        return probability(x, m: m, n: n, k: k) * sum
    }

    /// Σ_{j ≥ x} P(j), by the upward ratio recursion from P(x).
    static func upperSum(_ x: Int, m: Int, n: Int, k: Int) -> Double {
        let high = min(k, m)
        var term = 1.0
        var sum = 1.0
        var j = x
        while j < high {
            let jd = Double(j)
            term *= (Double(m) - jd) * (Double(k) - jd) / ((jd + 1) * (Double(n - k) + jd + 1))
            sum += term
            if term < sum * 1e-17 { break }
            j += 1
        }
        return probability(x, m: m, n: n, k: k) * sum
    }

    /// ln of the binomial probability b(x; N, p) with q = 1 − p given separately (Loader 2000).
    static func logBinomial(_ x: Double, _ size: Double, _ p: Double, _ q: Double) -> Double {
        if size == 0 { return x == 0 ? 0 : -.infinity }
        if x == 0 {
            // qᴺ; for small p use −bd0(N, Nq) − Np, which avoids ln q's cancellation.
            if p == 0 { return 0 }
            return p < 0.1 ? -deviance(size, size * q) - size * p : size * log(q)
        }
        if x == size {
            if q == 0 { return 0 }
            return q < 0.1 ? -deviance(size, size * p) - size * q : size * log(p)
        }
        if p == 0 || q == 0 { return -.infinity }
        let e = stirlerr(size) - stirlerr(x) - stirlerr(size - x)
            - deviance(x, size * p) - deviance(size - x, size * q)
        let logFactor = log(2 * Double.pi) + log(x) + log1p(-x / size)
        return e - 0.5 * logFactor
    }

    /// Loader's stirlerr(n) = ln n! − [(n + ½)ln n − n + ½ln 2π] = δ(n) (Stirling's correction
    /// evaluated at n, since ln n! = ln Γ(n) + ln n).
    @inline(__always)
    static func stirlerr(_ n: Double) -> Double {
        GammaSupport.stirlingCorrection(n)
    }

    /// bd0(x, μ) = x·ln(x/μ) + μ − x ≥ 0, by the series (x − μ)v + 2x·Σ_{j≥1} v^{2j+1}/(2j+1) with
    /// v = (x − μ)/(x + μ) when x is near μ (where the direct form cancels).
    static func deviance(_ x: Double, _ mu: Double) -> Double {
        if abs(x - mu) < 0.1 * (x + mu) {
            let v = (x - mu) / (x + mu)
            var sum = (x - mu) * v
            var ej = 2 * x * v
            let v2 = v * v
            var j = 1.0
            while j < 1000 {
                ej *= v2
                let next = sum + ej / (2 * j + 1)
                if next == sum { return next }
                sum = next
                j += 1
            }
            return sum
        }
        return x * log(x / mu) + mu - x
    }
}
