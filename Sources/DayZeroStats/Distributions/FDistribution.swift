/// The F distribution with real df₁, df₂ > 0 (Satterthwaite denominators are not integers) —
/// R `pf`.
///
/// P(F ≤ x) = I_z(df₁/2, df₂/2) with z = df₁x/(df₁x + df₂) and 1 − z = df₂/(df₁x + df₂) formed
/// directly, so the upper tail (the p-value) is never 1 − cdf. df₂ = ∞ reduces to χ²_{df₁}/df₁,
/// df₁ = ∞ to df₂/χ²_{df₂}.
public enum FDistribution {
    /// P(F ≤ x).
    public static func cdf(_ x: Double, df1: Double, df2: Double) -> Double {
        tails(x, df1: df1, df2: df2).lower
    }

    /// P(F > x) (R `pf(x, df1, df2, lower.tail = FALSE)`), computed directly.
    public static func upperTail(_ x: Double, df1: Double, df2: Double) -> Double {
        tails(x, df1: df1, df2: df2).upper
    }

    static func tails(_ x: Double, df1: Double, df2: Double) -> (lower: Double, upper: Double) {
        if x.isNaN || df1.isNaN || df2.isNaN || df1 <= 0 || df2 <= 0 { return (.nan, .nan) }
        if x <= 0 { return (0, 1) }
        if x == .infinity { return (1, 0) }
        if df1.isInfinite && df2.isInfinite {
            return x < 1 ? (0, 1) : (1, 0)
        }
        if df2.isInfinite {
            return IncompleteGamma.both(a: 0.5 * df1, x: 0.5 * df1 * x)
        }
        if df1.isInfinite {
            let (lower, upper) = IncompleteGamma.both(a: 0.5 * df2, x: 0.5 * df2 / x)
            return (upper, lower)
        }
        let scaled = df1 * x
        let sum = scaled + df2
        let z: Double
        let w: Double
        if sum.isFinite {
            z = scaled / sum
            w = df2 / sum
        } else {
            z = 1
            w = (df2 / df1) / x
        }
        return IncompleteBeta.both(x: z, y: w, a: 0.5 * df1, b: 0.5 * df2)
    }
}
