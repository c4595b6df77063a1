/// Propensity-score weighting settings of an analysis set (data only; the weights are computed
/// by the analysis layer). Names and defaults follow WeightIt's `weightit(method = "glm")`.
///
/// YAML:
/// ```yaml
/// - name: overlap-weighted
///   description: All included patients, weighted by overlap weights.
///   weighting: {estimand: ATO, covariates: [age, sex, bmi], trim: 0.99}
/// ```
public struct WeightingSettings: Codable, Sendable, Equatable {
    /// The estimand the weights target.
    public var estimand: WeightingEstimandSetting
    /// Baseline covariates of the logistic propensity model, as for `propensity_matching`.
    public var covariates: [String]
    /// Trim (winsorise) the weights at this quantile (WeightIt's `trim(at =)`, 0.5 < trim < 1):
    /// weights above the quantile — of the controls for the ATT, of everyone for the ATE and
    /// ATO — are set to it. `nil`: no trimming (WeightIt's default).
    public var trim: Double?

    public init(estimand: WeightingEstimandSetting, covariates: [String], trim: Double? = nil) {
        self.estimand = estimand
        self.covariates = covariates
        self.trim = trim
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case estimand, covariates, trim
    }
}

/// WeightIt's `estimand` for a binary treatment.
public enum WeightingEstimandSetting: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    /// Inverse probability of treatment weights for the whole population: 1/p, 1/(1 − p).
    case ate = "ATE"
    /// Weights for the treated population: treated 1, controls p/(1 − p).
    case att = "ATT"
    /// Overlap weights (Li, Morgan & Zaslavsky 2018): treated 1 − p, controls p.
    case ato = "ATO"
}
