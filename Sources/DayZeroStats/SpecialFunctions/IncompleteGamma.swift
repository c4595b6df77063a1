#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 − P(a, x), each computed
/// directly on the side where its method converges (series for P when x < a + 1, Legendre's
/// continued fraction for Q otherwise), the other side as one minus a value below ~½.
///
/// The front factor `xᵃe⁻ˣ/Γ(a)` is formed for a ≥ 10 as
/// `exp(a·[ln(x/a) − (x/a − 1)] + ½ln a − ½ln2π − δ(a))`, so that chi-square tails with
/// df in the millions keep full relative precision.
enum IncompleteGamma {
    static func both(a: Double, x: Double) -> (lower: Double, upper: Double) {
        if a.isNaN || x.isNaN || a < 0 { return (.nan, .nan) }
        if x <= 0 { return (0, 1) }
        if a == 0 { return (1, 0) }
        if x.isInfinite { return (1, 0) }
        if a.isInfinite { return (0, 1) }
        if x < a + 1 {
            let value = series(a: a, x: x)
            return (value, 1 - value)
        } else {
            let value = continuedFraction(a: a, x: x)
            return (1 - value, value)
        }
    }

    static func logFrontFactor(a: Double, x: Double) -> Double {
        if a >= 10 {
            let z = (x - a) / a
            let core = abs(z) < 0.5 ? GammaSupport.log1pMinusX(z) : log(x / a) - z
            return a * core + 0.5 * log(a) - GammaSupport.halfLogTwoPi - GammaSupport.stirlingCorrection(a)
        }
        return a * log(x) - x - GammaSupport.logGamma(a)
    }

    /// P(a, x) = xᵃe⁻ˣ/Γ(a) · Σₙ xⁿ / (a(a+1)…(a+n)).
    static func series(a: Double, x: Double) -> Double {
        let front = exp(logFrontFactor(a: a, x: x))
        if front == 0 { return 0 }
        var denominator = a
        var term = 1 / a
        var sum = term
        let limit = 10_000 + Int(min(50 * a.squareRoot(), 1e7))
        for _ in 0..<limit {
            denominator += 1
            term *= x / denominator
            sum += term
            if abs(term) < abs(sum) * 1e-17 { break }
        }
        return sum * front
    }

    /// Q(a, x) = xᵃe⁻ˣ/Γ(a) · 1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − …)) by modified Lentz.
    static func continuedFraction(a: Double, x: Double) -> Double {
        let front = exp(logFrontFactor(a: a, x: x))
        if front == 0 { return 0 }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        let limit = 10_000 + Int(min(50 * a.squareRoot(), 1e7))
        var i = 1.0
        for _ in 0..<limit {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= 1e-16 { break }
            i += 1
        }
        return front * h
    }
}
