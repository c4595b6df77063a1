/// One effect size of an outcome between the two groups of an analysis set (treated vs control):
/// a risk difference, risk ratio or odds ratio for a binary outcome, a hazard ratio for a time to
/// event, with its confidence interval, the test's p value and the E-value of the estimate and of
/// the confidence limit closest to the null. The report's sensitivity forest plot and the outcome
/// tables read these; `method` names the computation as the report states it (e.g. "Cox
/// proportional hazards, Efron ties, Wald CI").
public struct OutcomeEffect: Codable, Sendable, Equatable {
    /// `riskDifference`, `riskRatio`, `oddsRatio` or `hazardRatio`.
    public var measure: String
    public var estimate: Double
    public var lower: Double?
    public var upper: Double?
    public var p: Double?
    /// Confidence level of `lower`/`upper` (0.95).
    public var confidenceLevel: Double
    public var method: String
    /// E-value of the estimate (VanderWeele & Ding 2017); nil for a difference measure without one.
    public var eValue: Double?
    /// E-value of the confidence limit closest to the null (1 when the interval crosses the null).
    public var eValueLimit: Double?
    public var warnings: [String]
    /// Hazard ratios: the score test's p (coxph's `sctest`; its robust score test when the
    /// variance is clustered) and the likelihood-ratio test's p (`logtest`).
    public var scoreP: Double?
    public var likelihoodRatioP: Double?
    /// Hazard ratios: the global p of the proportional-hazards test (`cox.zph`, KM time scale).
    public var proportionalHazardsP: Double?
    /// How the estimate was put on the risk-ratio scale for the E-values (rare or common
    /// outcome, and the share of patients with the event that decided it).
    public var eValueMethod: String?
    /// Hazard ratios: the event whose hazard is compared, e.g. "death", "ICU discharge alive"
    /// (for a duration a ratio above 1 means a shorter duration in the treated group).
    public var event: String?

    public init(
        measure: String, estimate: Double, lower: Double?, upper: Double?, p: Double?, confidenceLevel: Double = 0.95,
        method: String, eValue: Double? = nil, eValueLimit: Double? = nil, warnings: [String] = [],
        scoreP: Double? = nil, likelihoodRatioP: Double? = nil, proportionalHazardsP: Double? = nil, eValueMethod: String? = nil,
        event: String? = nil
    ) {
        self.measure = measure
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
        self.p = p
        self.confidenceLevel = confidenceLevel
        self.method = method
        self.eValue = eValue
        self.eValueLimit = eValueLimit
        self.warnings = warnings
        self.scoreP = scoreP
        self.likelihoodRatioP = likelihoodRatioP
        self.proportionalHazardsP = proportionalHazardsP
        self.eValueMethod = eValueMethod
        self.event = event
    }
}
