/// Student's, Welch's, paired and one-sample t tests — R `t.test`.
///
/// Two-sample (x̄ − ȳ − μ₀)/SE with
/// - Welch (R's default, `var.equal = FALSE`): SE² = s²ₓ/nₓ + s²ᵧ/nᵧ and the
///   Welch–Satterthwaite df (s²ₓ/nₓ + s²ᵧ/nᵧ)² / ((s²ₓ/nₓ)²/(nₓ − 1) + (s²ᵧ/nᵧ)²/(nᵧ − 1));
/// - Student (`var.equal = TRUE`): pooled s² = ((nₓ − 1)s²ₓ + (nᵧ − 1)s²ᵧ)/(nₓ + nᵧ − 2),
///   SE² = s²(1/nₓ + 1/nᵧ), df = nₓ + nᵧ − 2;
/// - paired: the one-sample test on the differences xᵢ − yᵢ of complete pairs;
/// - one-sample: (x̄ − μ₀)/(s/√n), df = n − 1.
/// p-values and intervals follow R exactly (two-sided p = 2·P(T ≤ −|t|); interval
/// μ₀ + (t ± t_{1−α/2})·SE, one-sided intervals unbounded on one side).
///
/// A group with no non-missing value at all throws `StatsError` (there is nothing to estimate).
/// Where R stops with an error otherwise, DayZero returns a result whose `statistic`, `df`, `pValue` and
/// `confidenceInterval` are nil, with a warning: too few observations (`insufficient-data`),
/// or a standard error below 10·ε·max(|x̄|, |ȳ|) (`zero-variance`, R's "data are essentially
/// constant"). Means and counts are always filled in.
public enum TTest {
    /// Welch's unequal-variance t test (R `t.test(x, y)`).
    public static func welch(_ x: [Double?], _ y: [Double?], mu: Double = 0, alternative: Alternative = .twoSided,
                             confidenceLevel: Double = 0.95) throws -> TTestResult {
        try twoSample(x, y, mu: mu, equalVariance: false, alternative: alternative, confidenceLevel: confidenceLevel)
    }

    /// Student's pooled-variance t test (R `t.test(x, y, var.equal = TRUE)`).
    public static func student(_ x: [Double?], _ y: [Double?], mu: Double = 0, alternative: Alternative = .twoSided,
                               confidenceLevel: Double = 0.95) throws -> TTestResult {
        try twoSample(x, y, mu: mu, equalVariance: true, alternative: alternative, confidenceLevel: confidenceLevel)
    }

    /// Paired t test on complete pairs (R `t.test(x, y, paired = TRUE)`); a pair with a missing
    /// member is dropped and counted in `missingX`.
    public static func paired(_ x: [Double?], _ y: [Double?], mu: Double = 0, alternative: Alternative = .twoSided,
                              confidenceLevel: Double = 0.95) throws -> TTestResult {
        try checkLevel(confidenceLevel)
        let (px, py, missing) = try MissingValues.partitionPairs(x, y)
        guard !px.isEmpty else {
            throw StatsError("the paired t test needs at least one complete pair (all \(missing) pairs have a missing member)")
        }
        let differences = zip(px, py).map { $0 - $1 }
        var result = oneSampleCore(differences, missing: missing, mu: mu, alternative: alternative,
                                   confidenceLevel: confidenceLevel, method: .paired)
        result.meanY = Moments(py).mean
        result.meanX = Moments(px).mean
        result.nY = py.count
        return result
    }

    /// One-sample t test of mean = μ₀ (R `t.test(x, mu = mu)`).
    public static func oneSample(_ x: [Double?], mu: Double = 0, alternative: Alternative = .twoSided,
                                 confidenceLevel: Double = 0.95) throws -> TTestResult {
        try checkLevel(confidenceLevel)
        let (kept, missing) = try MissingValues.partition(x, argument: "x")
        guard !kept.isEmpty else {
            throw StatsError("the one-sample t test needs at least one non-missing value (all \(missing) are missing)")
        }
        return oneSampleCore(kept, missing: missing, mu: mu, alternative: alternative,
                             confidenceLevel: confidenceLevel, method: .oneSample)
    }

    static func checkLevel(_ level: Double) throws {
        guard level > 0 && level < 1 else {
            throw StatsError("confidence level \(level) is not strictly between 0 and 1")
        }
    }

    static func oneSampleCore(_ values: [Double], missing: Int, mu: Double, alternative: Alternative,
                              confidenceLevel: Double, method: TTestResult.Method) -> TTestResult {
        let n = values.count
        let moments = Moments(values)
        var result = TTestResult(method: method, alternative: alternative, nullValue: mu,
                                 estimate: moments.mean, meanX: moments.mean, meanY: nil,
                                 nX: n, nY: nil, missingX: missing, missingY: 0)
        guard n >= 2 else {
            result.warnings.append(StatsWarning(
                code: "insufficient-data",
                message: "the t test needs at least 2 \(method == .paired ? "complete pairs" : "observations") (got \(n)); no test computed"))
            return result
        }
        let standardError = (moments.variance / Double(n)).squareRoot()
        let df = Double(n - 1)
        finish(&result, difference: moments.mean, standardError: standardError, df: df,
               scale: abs(moments.mean), confidenceLevel: confidenceLevel)
        return result
    }

    static func twoSample(_ x: [Double?], _ y: [Double?], mu: Double, equalVariance: Bool,
                          alternative: Alternative, confidenceLevel: Double) throws -> TTestResult {
        try checkLevel(confidenceLevel)
        let (kx, missingX) = try MissingValues.partition(x, argument: "x")
        let (ky, missingY) = try MissingValues.partition(y, argument: "y")
        guard !kx.isEmpty, !ky.isEmpty else {
            throw StatsError("a two-sample t test needs at least one non-missing value per group (x has \(kx.count) of \(x.count), y has \(ky.count) of \(y.count))")
        }
        let mx = Moments(kx)
        let my = Moments(ky)
        let nx = kx.count
        let ny = ky.count
        let meanX = mx.mean
        let meanY = my.mean
        var result = TTestResult(method: equalVariance ? .student : .welch, alternative: alternative, nullValue: mu,
                                 estimate: meanX - meanY, meanX: meanX, meanY: meanY,
                                 nX: nx, nY: ny, missingX: missingX, missingY: missingY)
        let enough = equalVariance ? nx + ny >= 3 : (nx >= 2 && ny >= 2)
        guard enough else {
            let rule = equalVariance
                ? "at least 1 observation per group and 3 in total"
                : "at least 2 observations per group"
            result.warnings.append(StatsWarning(
                code: "insufficient-data",
                message: "the \(equalVariance ? "Student" : "Welch") t test needs \(rule) (got \(nx) and \(ny)); no test computed"))
            return result
        }
        let standardError: Double
        let df: Double
        if equalVariance {
            df = Double(nx + ny - 2)
            let pooled = (mx.sumOfSquares + my.sumOfSquares) / df
            standardError = (pooled * (1 / Double(nx) + 1 / Double(ny))).squareRoot()
        } else {
            let vx = mx.variance / Double(nx)
            let vy = my.variance / Double(ny)
            let se2 = vx + vy
            standardError = se2.squareRoot()
            df = se2 * se2 / (vx * vx / Double(nx - 1) + vy * vy / Double(ny - 1))
        }
        finish(&result, difference: meanX - meanY, standardError: standardError, df: df,
               scale: max(abs(meanX), abs(meanY)), confidenceLevel: confidenceLevel)
        return result
    }

    /// Fills statistic, df, p-value and interval, or the zero-variance warning.
    static func finish(_ result: inout TTestResult, difference: Double, standardError: Double, df: Double,
                       scale: Double, confidenceLevel: Double) {
        let mu = result.nullValue
        guard standardError > 0, standardError >= 10 * Double.ulpOfOne * scale, df.isFinite, df > 0 else {
            result.standardError = standardError
            result.warnings.append(StatsWarning(
                code: "zero-variance",
                message: "the data are essentially constant (standard error \(standardError)); no t statistic or p-value can be computed"))
            return
        }
        let t = (difference - mu) / standardError
        let p: Double
        switch result.alternative {
        case .twoSided: p = StudentTDistribution.twoSidedPValue(t, df: df)
        case .less: p = StudentTDistribution.cdf(t, df: df)
        case .greater: p = StudentTDistribution.upperTail(t, df: df)
        }
        let interval: ConfidenceInterval
        switch result.alternative {
        case .twoSided:
            let critical = StudentTDistribution.quantile(1 - (1 - confidenceLevel) / 2, df: df)
            interval = ConfidenceInterval(lower: mu + (t - critical) * standardError,
                                          upper: mu + (t + critical) * standardError, level: confidenceLevel)
        case .less:
            let critical = StudentTDistribution.quantile(confidenceLevel, df: df)
            interval = ConfidenceInterval(lower: nil, upper: mu + (t + critical) * standardError, level: confidenceLevel)
        case .greater:
            let critical = StudentTDistribution.quantile(confidenceLevel, df: df)
            interval = ConfidenceInterval(lower: mu + (t - critical) * standardError, upper: nil, level: confidenceLevel)
        }
        result.statistic = t
        result.df = df
        result.pValue = PValues.clamp(p)
        result.standardError = standardError
        result.confidenceInterval = interval
        result.warnings += PValues.underflowWarnings(result.pValue)
    }
}

/// The outcome of a t test (see `TTest`).
public struct TTestResult: Sendable, Hashable, Codable {
    public enum Method: String, Sendable, Hashable, Codable {
        case welch, student, paired
        case oneSample = "one-sample"
    }

    public var method: Method
    public var alternative: Alternative
    /// μ₀, the hypothesised mean (difference).
    public var nullValue: Double
    /// x̄ − ȳ (two-sample), mean of the differences (paired), or x̄ (one-sample).
    public var estimate: Double
    /// Mean of x (of the x members of complete pairs when paired).
    public var meanX: Double
    /// Mean of y (two-sample, paired); nil for one-sample.
    public var meanY: Double?
    /// Number of x values (complete pairs when paired) used.
    public var nX: Int
    /// Number of y values used; nil for one-sample.
    public var nY: Int?
    /// Missing x values (incomplete pairs when paired) dropped.
    public var missingX: Int
    /// Missing y values dropped (0 for paired and one-sample).
    public var missingY: Int
    /// t; nil when the test is undefined (see warnings).
    public var statistic: Double?
    /// Degrees of freedom (Welch–Satterthwaite: not an integer).
    public var df: Double?
    public var pValue: Double?
    public var standardError: Double?
    /// Interval for the estimate at the requested level.
    public var confidenceInterval: ConfidenceInterval?
    public var warnings: [StatsWarning] = []

    init(method: Method, alternative: Alternative, nullValue: Double, estimate: Double, meanX: Double, meanY: Double?,
         nX: Int, nY: Int?, missingX: Int, missingY: Int) {
        self.method = method
        self.alternative = alternative
        self.nullValue = nullValue
        self.estimate = estimate
        self.meanX = meanX
        self.meanY = meanY
        self.nX = nX
        self.nY = nY
        self.missingX = missingX
        self.missingY = missingY
    }
}
