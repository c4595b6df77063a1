import DayZeroCohort
import DayZeroStats

/// A propensity-score-weighted analysis set formed from the protocol's `WeightingSettings`:
/// every included patient with complete covariates, the logistic propensity model of treatment
/// on the covariates (coded as for matching, `PropensityMatchedSet.column`), and one weight per
/// patient as WeightIt's `weightit(treat ~ covariates, method = "glm", estimand = E)` computes
/// it — not stabilised and not normalised (WeightIt's defaults) — optionally trimmed at a
/// quantile (`trim(W, at = q)`). A patient missing a covariate is left out and counted as
/// `missing_covariate` in the set's flow, as in a matched set.
public struct PropensityWeightedSet: Sendable {
    public let name: String
    public let settings: WeightingSettings
    public let columns: [PropensityMatchedSet.Column]
    /// Cohort patient numbers of the units, ascending (complete cases): the set's members.
    public let units: [Int]
    public let missingCovariates: [Int]
    /// Covariate values of the units, one array per column.
    public let values: [[Double]]
    public let model: LogisticRegressionResult
    /// Propensity scores of the units.
    public let scores: [Double]
    /// The weights analysed (after trimming, when asked for), one per unit.
    public let weights: [Double]
    /// The cap of the trimmed weights and how many were lowered to it; nil without trimming.
    public let trimming: (cap: Double, trimmed: Int)?
    public let membership: AnalysisSetMembership

    /// - Throws: `StatsError` when the model cannot be fitted (no treated or no control
    ///   patient with complete covariates) or a score is 0 or 1 (separation: weights undefined).
    public init(name: String, settings: WeightingSettings, cohort: DerivedCohort, study: StudyData) throws {
        let table = PropensityCovariates(settings.covariates, cohort: cohort, study: study)
        let (columns, units, missing, values, treated) = (table.columns, table.units, table.missing, table.values, table.treated)
        guard treated.contains(true), treated.contains(false) else {
            throw StatsError("weighting needs treated and control patients with complete covariates; found \(treated.count { $0 }) treated of \(treated.count)")
        }
        let design = try DesignMatrix(columns: values, names: columns.map(\.name))
        let model = try LogisticRegression.fit(outcome: treated, design: design)
        let estimand = WeightingEstimand(settings.estimand)
        var weights = try PropensityWeights.weights(scores: model.fittedProbabilities, treated: treated, estimand: estimand)
        var trimming: (Double, Int)?
        if let at = settings.trim {
            let t = try PropensityWeights.trim(weights, treated: treated, estimand: estimand, at: at)
            weights = t.weights
            trimming = (t.cap, t.trimmed)
        }
        self.name = name
        self.settings = settings
        self.columns = columns
        self.units = units
        self.missingCovariates = missing
        self.values = values
        self.model = model
        self.scores = model.fittedProbabilities
        self.weights = weights
        self.trimming = trimming
        self.membership = .matched(name: name, members: units, in: cohort)
    }

    /// Weight per cohort patient number.
    public var weightByPatient: [Int: Double] {
        Dictionary(uniqueKeysWithValues: zip(units, weights))
    }

    /// Missing-covariate patients per group.
    public func missingCount(_ group: StudyGroup, in cohort: DerivedCohort) -> Int {
        missingCovariates.count { cohort.patients[$0].group == group }
    }

    /// The words describing the weights, e.g. "overlap weights (ATO)".
    public var words: String {
        switch settings.estimand {
        case .ate: "inverse probability of treatment weights (ATE)"
        case .att: "ATT weights (treated 1, controls p/(1 − p))"
        case .ato: "overlap weights (ATO)"
        }
    }
}

extension WeightingEstimand {
    init(_ setting: WeightingEstimandSetting) {
        switch setting {
        case .ate: self = .ate
        case .att: self = .att
        case .ato: self = .ato
        }
    }
}

extension Workup {
    /// The `weighting` block of a weighted set's results: the model, the weights' distribution
    /// per group, balance before and after weighting (cobalt's conventions for the estimand) and
    /// the weighted Kaplan–Meier curves of the time-to-event outcomes without a competing event.
    func weightingResults(_ set: PropensityWeightedSet) -> WeightingResults {
        let treated = set.units.map { cohort.patients[$0].group == .treated }
        let estimand = WeightingEstimand(set.settings.estimand)
        var warnings = set.model.warnings.map(\.description)
        let groupWeights = { (g: Bool) in treated.indices.filter { treated[$0] == g }.map { set.weights[$0] } }
        let summaries = (try? WeightSummary(groupWeights(true)), try? WeightSummary(groupWeights(false)))
        var balance: [WeightedBalanceRow] = []
        do {
            let covariates = [BalanceCovariate(name: "distance", values: set.scores, isDistance: true)]
                + zip(set.columns, set.values).map { BalanceCovariate(name: $0.name, values: $1) }
            balance = try WeightedBalance.table(covariates: covariates, treated: treated, weights: set.weights, estimand: estimand)
        } catch {
            warnings.append("balance not computed: \(error)")
        }
        // Weighted Kaplan–Meier of each time-to-event outcome without a competing event.
        var survival: [WeightingResults.Survival] = []
        let weightOf = set.weightByPatient
        let followUps = followUps(studyProtocol.outcomes.analysedMeasures)
        for measure in studyProtocol.outcomes.analysedMeasures where measure.kind == .timeToEvent && measure.competing == nil {
            let h = Double(horizon(of: measure))
            var curves: [WeightedSurvivalCurve] = []
            for group in [StudyGroup.treated, .control] {
                let members = set.units.filter { cohort.patients[$0].group == group }
                let observations = members.map { observation(measure, followUps[$0], horizon: h) }
                do {
                    curves.append(try WeightedKaplanMeier.fit(
                        times: observations.map(\.time), events: observations.map { $0.cause == 1 },
                        weights: members.map { weightOf[$0] ?? 0 }))
                } catch {
                    warnings.append("\(measure.name): weighted Kaplan–Meier (\(group.rawValue)) not computed: \(error)")
                }
            }
            if curves.count == 2 {
                survival.append(.init(measure: measure.name, label: measure.label, horizonDays: Int(h), treated: curves[0], control: curves[1]))
            }
        }
        let formula = "treat ~ " + set.columns.map(\.name).joined(separator: " + ")
        var method = "WeightIt::weightit(\(formula), method = \"glm\", estimand = \"\(estimand.rawValue)\") (weights not stabilised or normalised)"
        if let at = set.settings.trim { method += "; WeightIt::trim(W, at = \(at))" }
        return WeightingResults(
            method: method, estimand: estimand.rawValue,
            covariates: set.columns.map { .init(covariate: $0.covariate, column: $0.name, coding: $0.coding) },
            model: set.model.coefficients.map { .init(name: $0.name, estimate: $0.estimate, standardError: $0.standardError, pValue: $0.pValue) },
            modelConverged: set.model.converged,
            trim: set.settings.trim, trimCap: set.trimming?.cap, trimmedCount: set.trimming?.trimmed,
            treated: treated.count { $0 }, controls: treated.count { !$0 },
            treatedMissingCovariate: set.missingCount(.treated, in: cohort), controlsMissingCovariate: set.missingCount(.control, in: cohort),
            treatedWeights: summaries.0, controlWeights: summaries.1, balanceThreshold: WeightedBalance.threshold, balance: balance,
            survival: survival, warnings: warnings)
    }
}
