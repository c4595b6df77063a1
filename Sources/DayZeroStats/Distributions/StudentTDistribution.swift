#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Student's t distribution with ν > 0 degrees of freedom, ν real (Welch–Satterthwaite df are
/// not integers) — R `pt`, `qt`.
///
/// P(T ≤ −|t|) = ½·I_x(ν/2, ½) with x = ν/(ν + t²); both x and 1 − x = t²/(ν + t²) are formed
/// directly and handed to the incomplete beta, so neither tail is ever 1 − (other tail).
/// ν = ∞ is the standard normal.
public enum StudentTDistribution {
    /// P(T ≤ t).
    public static func cdf(_ t: Double, df: Double) -> Double {
        tails(t, df: df).lower
    }

    /// P(T > t), computed directly.
    public static func upperTail(_ t: Double, df: Double) -> Double {
        tails(t, df: df).upper
    }

    /// 2·P(T ≤ −|t|) (R `2 * pt(-abs(t), df)`), the two-sided p-value, computed without
    /// cancellation.
    public static func twoSidedPValue(_ t: Double, df: Double) -> Double {
        if t.isNaN || df.isNaN || df <= 0 { return .nan }
        let lowerOfNegative = tails(-abs(t), df: df).lower
        return min(1, 2 * lowerOfNegative)
    }

    /// The density Γ((ν+1)/2)/(√(νπ)Γ(ν/2))·(1 + t²/ν)^{−(ν+1)/2}.
    public static func density(_ t: Double, df: Double) -> Double {
        if t.isNaN || df.isNaN || df <= 0 { return .nan }
        if df.isInfinite { return NormalDistribution.density(t) }
        if t.isInfinite { return 0 }
        // (1 + t²/ν)^{−(ν+1)/2} via log1p; the constant via ln B(ν/2, ½).
        let t2 = t * t
        let logKernel: Double
        if (t2 / df).isFinite {
            logKernel = -0.5 * (df + 1) * log1p(t2 / df)
        } else {
            logKernel = -0.5 * (df + 1) * (2 * log(abs(t)) - log(df))
        }
        return exp(logKernel - 0.5 * log(df) - GammaSupport.logBeta(0.5 * df, 0.5))
    }

    /// The quantile t with P(T ≤ t) = p (R `qt(p, df)`): ∓∞ at 0 and 1, NaN outside [0, 1].
    ///
    /// Safeguarded Newton in u = ln|t| on the tail mass r = min(p, 1 − p): on ln P(T > e^u) = ln r
    /// when r < ¼ (nearly linear in u for heavy tails, so ν = 0.5 converges as fast as ν = 100),
    /// and on P(0 < T < e^u) = ½ − r in the centre (exact subtraction, so t near 0 keeps relative
    /// precision).
    public static func quantile(_ p: Double, df: Double) -> Double {
        if p.isNaN || df.isNaN || df <= 0 || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        if df.isInfinite { return NormalDistribution.quantile(p) }
        let r = p < 0.5 ? p : 1 - p
        let magnitude = positiveQuantileOfTailMass(r, df: df)
        return p < 0.5 ? -magnitude : magnitude
    }

    /// s > 0 with P(T > s) = r, 0 < r < ½.
    static func positiveQuantileOfTailMass(_ r: Double, df: Double) -> Double {
        let z = NormalDistribution.quantile(1 - r)
        // Cornish–Fisher start (good for moderate ν) and a heavy-tail power-law start
        // P(T > s) ≈ K·ν^{(ν−1)/2}·s^{−ν}, K = 1/(√ν·B(ν/2, ½)); the better of the two is used.
        let z2 = z * z
        let cornishFisher = z + z * (z2 + 1) / (4 * df) + z * (5 * z2 * z2 + 16 * z2 + 3) / (96 * df * df)
        let logK = -0.5 * log(df) - GammaSupport.logBeta(0.5 * df, 0.5)
        let powerLawLog = (logK + 0.5 * (df - 1) * log(df) - log(r)) / df
        let function: (Double) -> (value: Double, slope: Double)
        if r < 0.25 {
            let logR = log(r)
            function = { u in
                let s = exp(u)
                let upper = tails(s, df: df).upper
                if upper == 0 { return (-.infinity, -.infinity) }
                let slope = -density(s, df: df) * s / upper
                return (log(upper) - logR, slope)
            }
        } else {
            let target = 0.5 - r
            function = { u in
                let s = exp(u)
                let central = 0.5 * centralBeta(s, df: df)
                return (central - target, density(s, df: df) * s)
            }
        }
        var guess = cornishFisher > 0 ? log(cornishFisher) : powerLawLog
        if powerLawLog.isFinite {
            let a = function(guess).value
            let b = function(powerLawLog).value
            if abs(b) < abs(a) { guess = powerLawLog }
        }
        let u = RootFinding.solveMonotone(guess: guess, lower: -745, upper: 709.7, increasing: r >= 0.25, function)
        return exp(u)
    }

    /// I_y(½, ν/2) with y = s²/(ν + s²) = 2·P(0 < T < s), computed directly.
    static func centralBeta(_ s: Double, df: Double) -> Double {
        let (x, y) = betaArguments(s, df: df)
        return IncompleteBeta.both(x: x, y: y, a: 0.5 * df, b: 0.5).upper
    }

    /// (x, y) = (ν/(ν + t²), t²/(ν + t²)), both formed directly; t² overflow handled.
    static func betaArguments(_ t: Double, df: Double) -> (x: Double, y: Double) {
        let t2 = t * t
        let sum = df + t2
        if sum.isFinite {
            return (df / sum, t2 / sum)
        }
        let at = abs(t)
        return ((df / at) / at, 1)
    }

    static func tails(_ t: Double, df: Double) -> (lower: Double, upper: Double) {
        if t.isNaN || df.isNaN || df <= 0 { return (.nan, .nan) }
        if t == .infinity { return (1, 0) }
        if t == -.infinity { return (0, 1) }
        if df.isInfinite { return (NormalDistribution.cdf(t), NormalDistribution.upperTail(t)) }
        let t2 = t * t
        if !(t2 / df < 1e100) {
            // x = ν/t² < 1e−100: I_x(ν/2, ½) = x^{ν/2}/((ν/2)·B(ν/2, ½))·(1 + O(x)), formed in logs
            // because x itself may underflow (t = 1e199 at ν = ½ still has a tail of 1e−100).
            let a = 0.5 * df
            let logX = log(df) - 2 * log(abs(t))
            let far = 0.5 * exp(a * logX - GammaSupport.logBeta(a, 0.5) - log(a))
            return t < 0 ? (far, 1 - far) : (1 - far, far)
        }
        let (x, y) = betaArguments(t, df: df)
        let (beta, complement) = IncompleteBeta.both(x: x, y: y, a: 0.5 * df, b: 0.5)
        // P(T ≤ −|t|) = ½·I_x(ν/2, ½); the other side is ½ + ½·(1 − I_x) with 1 − I_x direct.
        let far = 0.5 * beta
        let near = 0.5 + 0.5 * complement
        return t < 0 ? (far, near) : (near, far)
    }
}
