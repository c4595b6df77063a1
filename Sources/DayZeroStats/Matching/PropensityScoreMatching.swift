/// The scale of a propensity-score caliper's standard deviation.
public enum PropensityCaliperScale: String, Sendable, Hashable, CaseIterable, Codable {
    /// SD of the propensity score (MatchIt: `caliper = c`, `std.caliper = TRUE`).
    case score
    /// SD of the logit of the score, the linear predictor (Austin 2011: 0.2 SD of the logit).
    case logit
}

/// Settings of `PropensityScoreMatching.match`.
public struct PropensityMatchingOptions: Sendable, Hashable {
    public var ratio: Int
    public var replace: Bool
    public var order: NearestNeighborOrder
    public var seed: UInt64
    /// Caliper width in standard deviations of `caliperScale`; `nil`: no caliper.
    public var caliper: Double?
    public var caliperScale: PropensityCaliperScale
    /// The pair distance, in SDs of the logit of the score, beyond which matching without a
    /// caliper warns (0.2, Austin's recommended caliper).
    public var widePairThreshold: Double
    public var logistic: LogisticRegressionOptions

    public init(
        ratio: Int = 1, replace: Bool = false, order: NearestNeighborOrder = .largest, seed: UInt64 = 0,
        caliper: Double? = nil, caliperScale: PropensityCaliperScale = .score, widePairThreshold: Double = 0.2,
        logistic: LogisticRegressionOptions = LogisticRegressionOptions()
    ) {
        self.ratio = ratio
        self.replace = replace
        self.order = order
        self.seed = seed
        self.caliper = caliper
        self.caliperScale = caliperScale
        self.widePairThreshold = widePairThreshold
        self.logistic = logistic
    }
}

/// A propensity model and the matching made on it.
public struct PropensityMatchingResult: Sendable, Hashable {
    /// The logistic model of treatment on the covariates.
    public var model: LogisticRegressionResult
    /// Fitted probabilities of treatment: the distance matched on.
    public var scores: [Double] { model.fittedProbabilities }
    /// Their logits (the linear predictors).
    public var logits: [Double] { model.linearPredictors }
    public var matching: NearestNeighborMatch
    /// Pairs further apart than `widePairThreshold` SDs of the logit (only counted without a
    /// caliper).
    public var widePairs: Int
    /// The model's warnings, the matching's, and `wide-pairs`.
    public var warnings: [StatsWarning]
}

/// Propensity-score matching as `MatchIt::matchit(treat ~ covariates, method = "nearest",
/// distance = "glm")` with its defaults: a logistic regression of treatment on the covariates
/// (`LogisticRegression`, R's `glm` step for step), whose fitted probabilities are the
/// distance, then `NearestNeighborMatching` (ATT, `m.order = "largest"`, 1:1 without
/// replacement unless the options say otherwise).
///
/// A caliper on the `logit` scale is applied to the linear predictors while the matching
/// itself stays on the score — the nearest control on each side in score is also the
/// nearest in logit, so the caliper decides exactly as MatchIt's `caliper = c(lp = w)` on a
/// linear-predictor column would.
///
/// Without a caliper, a pair further apart than 0.2 SD of the logit of the score (SD over
/// all units) is counted and reported as a `wide-pairs` warning: such pairs are what a caliper
/// would have refused.
public enum PropensityScoreMatching {
    /// Fits the propensity model and matches.
    /// - Throws: `StatsError` from the fit or the matching (empty group, bad values).
    /// - Complexity: O(iterations · n · p²) for the fit plus O(n log n) for the matching.
    public static func match(
        treated: [Bool], design: DesignMatrix, options: PropensityMatchingOptions = PropensityMatchingOptions()
    ) throws -> PropensityMatchingResult {
        let model = try LogisticRegression.fit(outcome: treated, design: design, options: options.logistic)
        let caliper = options.caliper.map { width in
            MatchingCaliper(width: width, standardized: true, values: options.caliperScale == .logit ? model.linearPredictors : nil)
        }
        let matching = try NearestNeighborMatching.match(
            distance: model.fittedProbabilities, treated: treated,
            options: NearestNeighborOptions(
                ratio: options.ratio, replace: options.replace, order: options.order, seed: options.seed, caliper: caliper))
        var warnings = model.warnings + matching.warnings
        var wide = 0
        if options.caliper == nil {
            let eta = model.linearPredictors
            let limit = options.widePairThreshold * NearestNeighborMatching.sampleStandardDeviation(eta)
            for (row, unit) in matching.treatedUnits.enumerated() {
                for control in matching.controls(ofTreatedRow: row) where abs(eta[unit] - eta[control]) > limit {
                    wide += 1
                }
            }
            if wide > 0 {
                warnings.append(StatsWarning(
                    code: "wide-pairs",
                    message: "\(wide) of \(matching.pairCount) matched pairs are further apart than \(formatted(options.widePairThreshold)) SD of the logit of the propensity score (\(formatted(limit)) on the logit scale); a caliper would refuse them"))
            }
        }
        return PropensityMatchingResult(model: model, matching: matching, widePairs: wide, warnings: warnings)
    }

    /// A short decimal for messages (4 significant digits).
    static func formatted(_ x: Double) -> String {
        guard x.isFinite, x != 0 else { return "\(x)" }
        var scale = 1.0
        var digits = 0
        while abs(x) * scale < 1000, digits < 12 {
            scale *= 10
            digits += 1
        }
        let rounded = (x * scale).rounded() / scale
        return "\(rounded)"
    }
}
