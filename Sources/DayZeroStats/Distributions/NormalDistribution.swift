#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The standard normal distribution (R `pnorm`, `qnorm`, `dnorm`).
///
/// Tails use libm's `erfc`, which is accurate in relative terms deep into the tail, with one
/// correction: the argument x/√2 is not exactly representable, and erfc's relative sensitivity
/// to its argument grows like 2z, so the rounding error of z = x·(1/√2) (recovered exactly with an
/// FMA and a second constant) is fed back to first order. Without it P(X > 37) would carry a
/// relative error near 1e−13; with it the error stays at a few ulps.
public enum NormalDistribution {
    static let inverseSqrtTwoHigh = 0.7071067811865476
    static let inverseSqrtTwoLow = -4.833646656726457e-17
    static let inverseSqrtTwoPi = 0.3989422804014327
    /// 2/√π
    static let twoOverSqrtPi = 1.1283791670955126

    /// P(X ≤ x), accurate in relative terms for x ≪ 0 (down to the underflow near x = −38.5).
    public static func cdf(_ x: Double) -> Double {
        upperTail(-x)
    }

    /// P(X > x) = ½·erfc(x/√2), computed directly, accurate for x ≫ 0.
    public static func upperTail(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x == .infinity { return 0 }
        if x == -.infinity { return 1 }
        let z = x * inverseSqrtTwoHigh
        let zError = (-z).addingProduct(x, inverseSqrtTwoHigh) + x * inverseSqrtTwoLow
        let tail = erfc(z)
        if tail == 0 { return 0 }
        // erfc(z + e) ≈ erfc(z)·(1 − e·(2/√π)·e^{−z²}/erfc(z)).
        let sensitivity = twoOverSqrtPi * expOfMinusHalfSquare(x) / tail
        return 0.5 * tail * (1 - zError * (sensitivity.isFinite ? sensitivity : 0))
    }

    /// The standard normal quantile Φ⁻¹(p) (R `qnorm(p)`): −∞ at 0, +∞ at 1, NaN outside [0, 1].
    ///
    /// Newton refinement of an Abramowitz & Stegun 26.2.23 start: in the centre on
    /// ½·erf(x/√2) = p − ½ (exact subtraction, so x near 0 keeps relative precision), in the
    /// tails on ln Φ(x) = ln p, which stays well-conditioned down to p = 1e−300.
    public static func quantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        let q = p - 0.5
        if abs(q) <= 0.425 {
            var x = startingValue(p < 0.5 ? p : 1 - p)
            if p > 0.5 { x = -x }
            for _ in 0..<20 {
                let value = 0.5 * erf(x * inverseSqrtTwoHigh) - q
                let step = value / density(x)
                // Halley correction for the curvature −xφ(x).
                let halley = step / (1 + 0.5 * x * step)
                x -= halley
                if abs(halley) <= 0x1p-53 * abs(x) { break }
            }
            return x
        }
        let r = p < 0.5 ? p : 1 - p
        let logR = log(r)
        var x = -startingValue(r)
        // x < 0 with Φ(x) = r.
        x = -abs(x)
        for _ in 0..<40 {
            let tail = cdf(x)
            if tail == 0 { break }
            let ratio = density(x) / tail
            let step = (log(tail) - logR) / ratio
            x -= step
            if abs(step) <= 0x1p-53 * abs(x) { break }
        }
        return p < 0.5 ? x : -x
    }

    /// The density φ(x) = e^{−x²/2}/√(2π), with x² split so that e^{−x²/2} keeps full relative
    /// precision in the tail.
    public static func density(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x.isInfinite { return 0 }
        return inverseSqrtTwoPi * expOfMinusHalfSquare(x)
    }

    /// e^{−x²/2} with x = h + l, h a multiple of 1/16: x² = h² + l(x + h), h² exact.
    static func expOfMinusHalfSquare(_ x: Double) -> Double {
        let ax = abs(x)
        if ax > 40 { return 0 }
        let h = (ax * 16).rounded(.down) / 16
        let l = ax - h
        return exp(-0.5 * h * h) * exp(-0.5 * l * (ax + h))
    }

    /// Abramowitz & Stegun 26.2.23 (|error| < 4.5e−4): the x > 0 with P(X > x) = r, r ≤ ½.
    static func startingValue(_ r: Double) -> Double {
        let t = (-2 * log(r)).squareRoot()
        return t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308)))
    }
}
