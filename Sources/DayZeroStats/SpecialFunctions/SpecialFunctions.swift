/// Special functions behind every distribution in DayZeroStats.
///
/// All functions return NaN for arguments outside their domain (as R does) rather than
/// trapping; complements are computed directly, never as 1 − value, so that results of
/// 1e−300 keep full relative precision.
public enum SpecialFunctions {
    /// ln Γ(x) (R `lgamma`): thread-safe libm `lgamma_r`, ~1 ulp except next to the zeros at
    /// x = 1 and x = 2, where it is accurate in absolute terms. +∞ at 0 and negative integers.
    public static func logGamma(_ x: Double) -> Double {
        GammaSupport.logGamma(x)
    }

    /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b) (R `lbeta`), without the cancellation the
    /// naive sum suffers when one argument is large (Stirling-correction form).
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        GammaSupport.logBeta(a, b)
    }

    /// The regularized incomplete beta function I_x(a, b) = B(x; a, b)/B(a, b)
    /// (R `pbeta(x, a, b)`), for 0 ≤ x ≤ 1 and a, b ≥ 0.
    ///
    /// Continued fraction (A&S 26.5.8) on the fast-converging side of the symmetry
    /// I_x(a, b) = 1 − I_{1−x}(b, a); see `regularizedIncompleteBetaComplement` for the upper side.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x.isNaN || x < 0 || x > 1 { return .nan }
        return IncompleteBeta.both(x: x, y: 1 - x, a: a, b: b).lower
    }

    /// 1 − I_x(a, b) (R `pbeta(x, a, b, lower.tail = FALSE)`), computed directly so that values
    /// near 1e−300 keep full relative precision. Note that 1 − x is formed from x here; callers
    /// that know 1 − x more accurately than x (e.g. Student's t) use the distributions, which pass
    /// both.
    public static func regularizedIncompleteBetaComplement(_ x: Double, a: Double, b: Double) -> Double {
        if x.isNaN || x < 0 || x > 1 { return .nan }
        return IncompleteBeta.both(x: x, y: 1 - x, a: a, b: b).upper
    }

    /// The lower regularized incomplete gamma function P(a, x) = γ(a, x)/Γ(a)
    /// (R `pgamma(x, a)`), for a ≥ 0, x ≥ 0.
    public static func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        return IncompleteGamma.both(a: a, x: x).lower
    }

    /// The upper regularized incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x)
    /// (R `pgamma(x, a, lower.tail = FALSE)`), computed directly (continued fraction) in the tail.
    public static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        return IncompleteGamma.both(a: a, x: x).upper
    }
}
