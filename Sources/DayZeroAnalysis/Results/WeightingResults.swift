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

extension KineticsPanel {
    /// The test of the group × time interaction over a window as the panel's set analyses it: in
    /// a propensity-score-weighted set the design-based Wald F test under the weights (the
    /// unweighted mixed model does not describe the weighted population), otherwise the mixed
    /// model's test.
    public func interactionTest(_ window: Window) -> InteractionTest? {
        guard let weighted else {
            switch window {
            case .overall: return overall
            case .pre: return pre
            case .post: return post
            }
        }
        let w: WeightedKineticsTests.Window?
        switch window {
        case .overall: w = weighted.overall
        case .pre: w = weighted.pre
        case .post: w = weighted.post
        }
        guard let w, let t = w.interaction else { return nil }
        return InteractionTest(
            firstDay: w.firstDay, lastDay: w.lastDay, observations: w.observations, patients: w.patients,
            fStatistic: t.fStatistic, numeratorDF: Double(t.numeratorDF), denominatorDF: Double(t.denominatorDF),
            pValue: t.pValue, warnings: weighted.warnings)
    }

    /// `interactionTest(window)`'s p value.
    public func interactionP(_ window: Window) -> Double? { interactionTest(window)?.pValue }

    /// A window of the aligned timeline: whole window, up to day 0, from day 0.
    public enum Window: Sendable { case overall, pre, post }
}

extension AnalysisSetResults {
    /// True for a propensity-score-weighted set: its kinetics tests (`KineticsPanel.interactionP`)
    /// and outcome effects are the weighted ones, while its Table 1 and outcome rows describe
    /// its patients unweighted.
    public var isWeighted: Bool { weighting != nil }
}
