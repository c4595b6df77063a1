#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gamma-function helpers shared by the incomplete integrals and the discrete distributions.
///
/// The key numerical device is Stirling's correction term
/// `δ(a) = lnΓ(a) − [(a − ½)·ln a − a + ½·ln 2π]`, which is small and smooth. Expressing
/// products such as `xᵃ·e⁻ˣ/Γ(a)` or `xᵃ·yᵇ/B(a, b)` through `δ` and `ln(1 + z) − z`
/// cancels the huge terms analytically instead of numerically, so densities and incomplete
/// integrals keep full relative precision for shape parameters in the millions.
enum GammaSupport {
    /// ½·ln(2π).
    static let halfLogTwoPi = 0.918_938_533_204_672_741_780_329_736_406

    /// ln Γ(x) for x > 0 (thread-safe libm `lgamma_r`); +∞ at 0, NaN below.
    static func logGamma(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return x < 0 ? logGammaAnySign(x) : .nan }
        if x == 0 { return .infinity }
        var sign: Int32 = 0
        return lgamma_r(x, &sign)
    }

    /// ln|Γ(x)| for negative non-integer x (libm); +∞ at non-positive integers.
    private static func logGammaAnySign(_ x: Double) -> Double {
        if x.isInfinite { return .infinity }
        if x == x.rounded(.down) { return .infinity }
        var sign: Int32 = 0
        return lgamma_r(x, &sign)
    }

    /// Stirling's correction `δ(a) = lnΓ(a) − [(a − ½)ln a − a + ½ ln 2π]`, equal to
    /// `ln a! − [(a + ½)ln a − a + ½ ln 2π]`, for a > 0.
    ///
    /// For a > 15 the asymptotic series 1/(12a) − 1/(360a³) + 1/(1260a⁵) − 1/(1680a⁷) + 1/(1188a⁹)
    /// is truncated after a term below 2e−16·δ(a). For a ≤ 15 the defining difference is formed
    /// directly; its absolute error (~1e−14) only ever enters an exponent, i.e. as a relative error.
    static func stirlingCorrection(_ a: Double) -> Double {
        if a > 15 {
            let inv = 1 / a
            let inv2 = inv * inv
            let series = (1.0 / 12) - inv2 * ((1.0 / 360) - inv2 * ((1.0 / 1260) - inv2 * ((1.0 / 1680) - inv2 * (1.0 / 1188))))
            return series * inv
        }
        return logGamma(a) - ((a - 0.5) * log(a) - a + halfLogTwoPi)
    }

    /// `ln(1 + z) − z` without cancellation for small |z| (z > −1).
    ///
    /// For |z| < 0.5 the series −z²/2 + z³/3 − … is summed through the faster-converging form
    /// `2·atanh(v) − z` with v = z/(2 + z): ln(1+z) = 2(v + v³/3 + v⁵/5 + …), and z = 2v/(1−v),
    /// so the difference is `−z·v + 2(v³/3 + v⁵/5 + …)`, every term of one sign.
    static func log1pMinusX(_ z: Double) -> Double {
        if z.isNaN || z < -1 { return .nan }
        if z == -1 { return -.infinity }
        if abs(z) >= 0.5 { return log1p(z) - z }
        let v = z / (2 + z)
        let v2 = v * v
        var power = v * v2
        var sum = 0.0
        var k = 3.0
        while true {
            let term = power / k
            let next = sum + term
            if next == sum { break }
            sum = next
            power *= v2
            k += 2
        }
        return 2 * sum - z * v
    }

    /// ln B(a, b) for a, b > 0, with the large-argument parts formed from Stirling's correction
    /// so that ln Γ(q) − ln Γ(p + q) does not cancel when q ≫ p.
    static func logBeta(_ a: Double, _ b: Double) -> Double {
        if a.isNaN || b.isNaN || a < 0 || b < 0 { return .nan }
        if a == 0 || b == 0 { return .infinity }
        if a.isInfinite || b.isInfinite { return -.infinity }
        let p = min(a, b)
        let q = max(a, b)
        if p >= 10 {
            // (p−½)ln(p/(p+q)) + (q−½)ln(q/(p+q)) − ½ln(p+q) + ½ln2π + δ(p) + δ(q) − δ(p+q)
            let correction = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(p + q)
            return (p - 0.5) * log(p / (p + q)) - (q - 0.5) * log1p(p / q) - 0.5 * log(p + q)
                + halfLogTwoPi + correction
        }
        if q >= 10 {
            // ln Γ(q) − ln Γ(p+q) = −(q−½)·ln(1 + p/q) − p·ln(p+q) + p + δ(q) − δ(p+q)
            let difference = -(q - 0.5) * log1p(p / q) - p * log(p + q) + p
                + stirlingCorrection(q) - stirlingCorrection(p + q)
            return logGamma(p) + difference
        }
        return logGamma(p) + logGamma(q) - logGamma(p + q)
    }
}
