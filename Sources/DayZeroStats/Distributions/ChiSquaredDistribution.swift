#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The chi-squared distribution with real df > 0 — R `pchisq`, `qchisq`:
/// P(X ≤ x) = P(df/2, x/2), the regularized lower incomplete gamma function.
public enum ChiSquaredDistribution {
    /// P(X ≤ x).
    public static func cdf(_ x: Double, df: Double) -> Double {
        tails(x, df: df).lower
    }

    /// P(X > x) = Q(df/2, x/2), computed directly (continued fraction in the tail).
    public static func upperTail(_ x: Double, df: Double) -> Double {
        tails(x, df: df).upper
    }

    /// The density (x/2)^{df/2−1}·e^{−x/2}/(2Γ(df/2)).
    public static func density(_ x: Double, df: Double) -> Double {
        if x.isNaN || df.isNaN || df <= 0 { return .nan }
        if x < 0 || x.isInfinite { return 0 }
        let a = 0.5 * df
        if x == 0 { return a < 1 ? .infinity : (a == 1 ? 0.5 : 0) }
        return exp(IncompleteGamma.logFrontFactor(a: a, x: 0.5 * x)) / x
    }

    /// The quantile x with P(X ≤ x) = p (R `qchisq(p, df)`): 0 at p = 0, +∞ at 1, NaN outside [0, 1].
    ///
    /// Safeguarded Newton in u = ln x on ln P(df/2, x/2) = ln p (p < ½) or ln Q(df/2, x/2) = ln(1 − p),
    /// started from the better of Wilson–Hilferty and the small-x power law P ≈ (x/2)^{a}/Γ(a + 1).
    public static func quantile(_ p: Double, df: Double) -> Double {
        if p.isNaN || df.isNaN || df <= 0 || p < 0 || p > 1 { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return .infinity }
        let a = 0.5 * df
        let lowerSide = p < 0.5
        let logTarget = lowerSide ? log(p) : log1p(-p)
        let function: (Double) -> (value: Double, slope: Double) = { u in
            let x = exp(u)
            let (lower, upper) = IncompleteGamma.both(a: a, x: 0.5 * x)
            let tail = lowerSide ? lower : upper
            if tail == 0 { return (-.infinity, lowerSide ? 1 : -1) }
            // d/du of P(a, x/2) is (x/2)ᵃe^{−x/2}/Γ(a) = front factor.
            let front = exp(IncompleteGamma.logFrontFactor(a: a, x: 0.5 * x))
            let slope = lowerSide ? front / tail : -front / tail
            return (log(tail) - logTarget, slope)
        }
        let z = NormalDistribution.quantile(p)
        let h = 2 / (9 * df)
        let cube = 1 - h + z * h.squareRoot()
        let wilsonHilferty = cube > 0 ? log(df) + 3 * log(cube) : -Double.infinity
        let powerLaw = log(2.0) + (log(p) + GammaSupport.logGamma(a + 1)) / a
        var guess = wilsonHilferty.isFinite ? wilsonHilferty : powerLaw
        if wilsonHilferty.isFinite && powerLaw.isFinite {
            if abs(function(powerLaw).value) < abs(function(wilsonHilferty).value) { guess = powerLaw }
        }
        let u = RootFinding.solveMonotone(guess: guess, lower: -745, upper: 709.7, increasing: lowerSide, function)
        return exp(u)
    }

    static func tails(_ x: Double, df: Double) -> (lower: Double, upper: Double) {
        if x.isNaN || df.isNaN || df <= 0 { return (.nan, .nan) }
        if x <= 0 { return (0, 1) }
        return IncompleteGamma.both(a: 0.5 * df, x: 0.5 * x)
    }
}
