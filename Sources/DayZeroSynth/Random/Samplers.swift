import Foundation

/// Samplers on top of ``Xoshiro256StarStar``. Every sampler consumes a fixed, documented
/// number of 64-bit draws (or, for the rejection samplers, a number that depends only on the
/// draws themselves), so a given seed always yields the same values.
extension Xoshiro256StarStar {
    /// Uniform on [0, 1): the top 53 bits of one draw, times 2⁻⁵³.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform on the open interval (0, 1): `(k + ½)·2⁻⁵³`, never 0 or 1, so it can be fed to
    /// a quantile function or a logarithm.
    public mutating func openUniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// Uniform on [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double {
        a + (b - a) * uniform()
    }

    /// A uniformly chosen integer in `range` (closed), by Lemire's multiply-shift with
    /// rejection, so there is no modulo bias. An empty range gives its lower bound.
    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound) &- Int64(range.lowerBound)) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }  // the full 64-bit range
        var product = next().multipliedFullWidth(by: span)
        if product.low < span {
            let threshold = (0 &- span) % span
            while product.low < threshold {
                product = next().multipliedFullWidth(by: span)
            }
        }
        return range.lowerBound &+ Int(truncatingIfNeeded: product.high)
    }

    /// `true` with probability `p` (one draw).
    public mutating func bernoulli(_ p: Double) -> Bool {
        uniform() < p
    }

    /// Standard normal by inversion of one open uniform (``NormalQuantile``); inversion keeps
    /// exactly one draw per value and preserves stratification when the uniform is stratified.
    public mutating func normal() -> Double {
        NormalQuantile.value(openUniform())
    }

    /// Normal with the given mean and standard deviation.
    public mutating func normal(mean: Double, sd: Double) -> Double {
        mean + sd * normal()
    }

    /// Log-normal: `exp(N(log median, sdLog²))`.
    public mutating func logNormal(median: Double, sdLog: Double) -> Double {
        median * exp(sdLog * normal())
    }

    /// Exponential with the given mean, by inversion.
    public mutating func exponential(mean: Double) -> Double {
        -mean * log(openUniform())
    }

    /// Gamma(shape, scale) by Marsaglia & Tsang (2000), "A simple method for generating gamma
    /// variables": squeeze-and-reject on a transformed normal for shape ≥ 1; for shape < 1 the
    /// boost `Gamma(shape + 1)·U^(1/shape)`. Mean `shape·scale`.
    public mutating func gamma(shape: Double, scale: Double) -> Double {
        guard shape > 0, scale > 0 else { return 0 }
        if shape < 1 {
            let boosted = gamma(shape: shape + 1, scale: scale)
            return boosted * pow(openUniform(), 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            let x = normal()
            let base = 1 + c * x
            if base <= 0 { continue }
            let v = base * base * base
            let u = openUniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v * scale }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v * scale }
        }
    }

    /// Poisson(mean) by Knuth's product of uniforms; meant for the small means used here (< 30).
    public mutating func poisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        let limit = exp(-mean)
        var k = 0
        var product = uniform()
        while product > limit {
            k += 1
            product *= uniform()
        }
        return k
    }

    /// Fisher–Yates shuffle in place (Durstenfeld's version, from the end).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        var i = array.count - 1
        while i > 0 {
            let j = integer(in: 0...i)
            if i != j { array.swapAt(i, j) }
            i -= 1
        }
    }

    /// A shuffled copy.
    public mutating func shuffled<T>(_ array: [T]) -> [T] {
        var copy = array
        shuffle(&copy)
        return copy
    }
}

/// The standard normal quantile function Φ⁻¹ by Acklam's rational approximation
/// (relative error below 1.15 × 10⁻⁹ on (0, 1)), ample for sampling. The central region
/// |p − ½| ≤ 0.47575 uses a rational function of (p − ½)²; the tails a rational function of
/// √(−2 log p), which keeps full relative accuracy deep in the tails.
public enum NormalQuantile {
    private static let a = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
    private static let b = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                            6.680131188771972e+01, -1.328068155288572e+01)
    private static let c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
    private static let d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                            3.754408661907416e+00)
    private static let lowBreak = 0.02425

    /// Φ⁻¹(p) for p in (0, 1); −∞ at 0, +∞ at 1, NaN outside [0, 1].
    public static func value(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p < lowBreak {
            return tail((-2 * log(p)).squareRoot())
        }
        if p > 1 - lowBreak {
            return -tail((-2 * log1p(-p)).squareRoot())
        }
        let q = p - 0.5
        let r = q * q
        let numerator = (((((a.0 * r + a.1) * r + a.2) * r + a.3) * r + a.4) * r + a.5) * q
        let denominator = ((((b.0 * r + b.1) * r + b.2) * r + b.3) * r + b.4) * r + 1
        return numerator / denominator
    }

    private static func tail(_ q: Double) -> Double {
        let numerator = ((((c.0 * q + c.1) * q + c.2) * q + c.3) * q + c.4) * q + c.5
        let denominator = (((d.0 * q + d.1) * q + d.2) * q + d.3) * q + 1
        return numerator / denominator
    }
}
