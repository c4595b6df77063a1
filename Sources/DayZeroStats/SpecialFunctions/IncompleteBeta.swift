#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The regularized incomplete beta function and its complement, both computed directly.
///
/// Method: the continued fraction for `I_x(a, b)` (Abramowitz & Stegun 26.5.8, evaluated by the
/// modified Lentz algorithm), used on whichever side of the symmetry
/// `I_x(a, b) = 1 − I_{1−x}(b, a)` it converges fast on (x below the mean-like point
/// (a + 1)/(a + b + 2)). The side computed directly is the small one, so the other side
/// `1 − value` loses nothing. The caller passes both x and y = 1 − x so that distributions
/// can form y without cancellation (e.g. y = t²/(ν + t²) for Student's t).
///
/// The front factor `xᵃyᵇ/B(a, b)` is formed in logs; when both a and b are ≥ 10 it is
/// rewritten around the mode x₀ = a/(a + b) as
/// `a·[ln(x/x₀) − (x/x₀ − 1)] + b·[ln(y/y₀) − (y/y₀ − 1)] + ½ln(a·y₀) − ½ln2π − δ(a) − δ(b) + δ(a+b)`
/// (the linear terms cancel exactly), which keeps full relative precision for shapes in the
/// millions (F tests with large denominator df).
enum IncompleteBeta {
    /// (I_x(a,b), 1 − I_x(a,b)) with x + y = 1 supplied by the caller.
    static func both(x: Double, y: Double, a: Double, b: Double) -> (lower: Double, upper: Double) {
        if x.isNaN || y.isNaN || a.isNaN || b.isNaN || a < 0 || b < 0 { return (.nan, .nan) }
        if a == 0 && b == 0 {
            if x <= 0 { return (0, 1) }
            if y <= 0 { return (1, 0) }
            return (0.5, 0.5)
        }
        if x <= 0 { return (0, 1) }
        if y <= 0 { return (1, 0) }
        if a == 0 { return (1, 0) }
        if b == 0 { return (0, 1) }
        if a.isInfinite || b.isInfinite {
            if a.isInfinite && b.isInfinite { return (.nan, .nan) }
            // Point mass at 1 (a = ∞) or at 0 (b = ∞).
            return a.isInfinite ? (0, 1) : (1, 0)
        }
        if x < (a + 1) / (a + b + 2) {
            let value = frontFactor(x: x, y: y, a: a, b: b) * continuedFraction(x: x, y: y, a: a, b: b) / a
            return (value, 1 - value)
        } else {
            let value = frontFactor(x: y, y: x, a: b, b: a) * continuedFraction(x: y, y: x, a: b, b: a) / b
            return (1 - value, value)
        }
    }

    /// `xᵃ·yᵇ / B(a, b)`.
    static func frontFactor(x: Double, y: Double, a: Double, b: Double) -> Double {
        exp(logFrontFactor(x: x, y: y, a: a, b: b))
    }

    static func logFrontFactor(x: Double, y: Double, a: Double, b: Double) -> Double {
        if a >= 10 && b >= 10 {
            let total = a + b
            let x0 = a / total
            let y0 = b / total
            // d = x − x₀ = y₀ − y, taken from the smaller of x and y for accuracy.
            let d = x <= y ? x - x0 : y0 - y
            let termA = a * logRatioMinusLinear(ratio: x / x0, z: d / x0)
            let termB = b * logRatioMinusLinear(ratio: y / y0, z: -d / y0)
            let correction = GammaSupport.stirlingCorrection(a) + GammaSupport.stirlingCorrection(b)
                - GammaSupport.stirlingCorrection(total)
            return termA + termB + 0.5 * (log(a) + log(y0)) - GammaSupport.halfLogTwoPi - correction
        }
        // The smaller of x and y carries full relative precision; the log of the other is
        // taken through log1p of the smaller, so a large shape times ln(1 − small) stays exact.
        let logX = x <= y ? log(x) : log1p(-y)
        let logY = x <= y ? log1p(-x) : log(y)
        return a * logX + b * logY - GammaSupport.logBeta(a, b)
    }

    /// ln(r) − z where r = 1 + z: series near z = 0, the direct ratio far from it.
    @inline(__always)
    static func logRatioMinusLinear(ratio: Double, z: Double) -> Double {
        abs(z) < 0.5 ? GammaSupport.log1pMinusX(z) : log(ratio) - z
    }

    /// The continued fraction 1/(1 + d₁/(1 + d₂/(1 + …))) of A&S 26.5.8, with
    /// d₂ₘ = m(b − m)x/((a + 2m − 1)(a + 2m)) and d₂ₘ₊₁ = −(a + m)(a + b + m)x/((a + 2m)(a + 2m + 1)),
    /// evaluated in its even contraction 1/(B₀ + A₁/(B₁ + A₂/(B₂ + …))) with B₀ = 1 + d₁,
    /// Aₖ = −d₂ₖ₋₁d₂ₖ, Bₖ = 1 + d₂ₖ + d₂ₖ₊₁ by the modified Lentz algorithm.
    ///
    /// When x is close to 1 (one shape large, the other small) the odd terms are ≈ −1 and
    /// 1 + d₂ₘ₊₁ would cancel catastrophically; it is formed instead from y = 1 − x as
    /// [a(2m + 1 − b) + m(3m + 2 − b) + (a + m)(a + b + m)·y] / ((a + 2m)(a + 2m + 1)),
    /// the exact expansion of (a + 2m)(a + 2m + 1) − (a + m)(a + b + m)(1 − y).
    /// Converges in O(√max(a, b)) terms for x below (a + 1)/(a + b + 2).
    static func continuedFraction(x: Double, y: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let epsilon = 1e-16
        let sum = a + b
        let useComplement = x > 0.5
        /// 1 + d₂ₘ₊₁.
        func onePlusOdd(_ m: Double) -> Double {
            let denominator = (a + 2 * m) * (a + 2 * m + 1)
            if useComplement {
                return (a * (2 * m + 1 - b) + m * (3 * m + 2 - b) + (a + m) * (sum + m) * y) / denominator
            }
            return 1 - (a + m) * (sum + m) * x / denominator
        }
        func odd(_ m: Double) -> Double { -(a + m) * (sum + m) * x / ((a + 2 * m) * (a + 2 * m + 1)) }
        func even(_ m: Double) -> Double { m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)) }

        var f = onePlusOdd(0)
        if abs(f) < tiny { f = tiny }
        var c = f
        var d = 0.0
        let limit = 10_000 + Int(min(50 * (a + b).squareRoot(), 1e7))
        var k = 1.0
        for _ in 0..<limit {
            let d2k = even(k)
            let numerator = -odd(k - 1) * d2k
            let denominator = onePlusOdd(k) + d2k
            d = denominator + numerator * d
            if abs(d) < tiny { d = tiny }
            c = denominator + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = c * d
            f *= delta
            if abs(delta - 1) <= epsilon { break }
            k += 1
        }
        return 1 / f
    }
}
