import DayZeroStats

/// How a propensity-score-weighted set was formed and what the weights did: the model, the
/// weights per group, the balance before and after weighting and the weighted survival curves.
/// The set's other results (Table 1, the kinetics' day statistics, the outcome rows and their
/// Kaplan–Meier curves) describe its patients unweighted; the weighted comparisons are this
/// block, the kinetics panels' `weighted` tests and the outcome effects (weighted Cox hazard
/// ratios with robust SE, weighted risk differences).
public struct WeightingResults: Codable, Sendable, Equatable {
    /// A weighted Kaplan–Meier comparison of one time-to-event outcome.
    public struct Survival: Codable, Sendable, Equatable {
        public var measure: String
        public var label: String
        public var horizonDays: Int
        public var treated: WeightedSurvivalCurve
        public var control: WeightedSurvivalCurve
    }

    /// `WeightIt::weightit(…, method = "glm", estimand = …)`, plus `trim()` when asked for.
    public var method: String
    /// `ATE`, `ATT` or `ATO`.
    public var estimand: String
    public var covariates: [MatchingResults.Covariate]
    public var model: [MatchingResults.Coefficient]
    public var modelConverged: Bool
    /// The trimming quantile (WeightIt's `trim(at =)`), the weight it capped at and how many
    /// weights were lowered; absent without trimming.
    public var trim: Double?
    public var trimCap: Double?
    public var trimmedCount: Int?
    /// Patients weighted per group (complete covariates).
    public var treated: Int
    public var controls: Int
    public var treatedMissingCovariate: Int
    public var controlsMissingCovariate: Int
    /// The distribution of the weights analysed, per group, with Kish's effective sample size.
    public var treatedWeights: WeightSummary?
    public var controlWeights: WeightSummary?
    /// cobalt's mean-difference threshold (0.1); rows above it after weighting are `imbalanced`.
    public var balanceThreshold: Double
    /// The propensity score (`distance`) first, then the covariates' model columns.
    public var balance: [WeightedBalanceRow]
    public var survival: [Survival]
    public var warnings: [String]
}

/// The kinetics tests of one panel under the set's weights (`KineticsPanel.weighted`).
public struct WeightedKineticsTests: Codable, Sendable, Equatable {
    /// One window's design-based Wald tests.
    public struct Window: Codable, Sendable, Equatable {
        public var firstDay: Int
        public var lastDay: Int
        public var observations: Int
        public var patients: Int
        /// The day × group interaction (`regTermTest(m, ~factor(day):group)`).
        public var interaction: SurveyWaldTest?
        /// Any group difference: group and interaction jointly (`~group + factor(day):group`).
        public var group: SurveyWaldTest?
    }

    /// The R call the tests reproduce.
    public var method: String
    public var overall: Window?
    public var pre: Window?
    public var post: Window?
    public var warnings: [String]
}
