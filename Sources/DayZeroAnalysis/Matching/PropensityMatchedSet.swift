import DayZeroCohort
import DayZeroStats

/// A propensity-score-matched analysis set formed from the protocol's `MatchingSettings`:
/// the logistic propensity model, the nearest-neighbour matching (MatchIt's
/// `method = "nearest"` defaults) and the balance table, on the cohort's included patients.
///
/// Covariate coding (one model column each, named as in `matching.csv`):
///
/// | covariate | column | coding |
/// |---|---|---|
/// | `age` | `age` | years at ICU admission |
/// | `sex` | `sex_male` | 1 male, 0 female |
/// | `bmi` | `bmi` | kg/m² |
/// | `apache_ii` | `apache_ii` | APACHE II points at ICU admission |
/// | `symptom_days` | `symptom_days` | days from first symptoms until ICU admission |
/// | a comorbidity (`copd`, …) | its name | 1 present, 0 absent (absent from the record = absent) |
///
/// A patient missing any covariate (only `bmi`, `apache_ii` and `symptom_days` can be
/// missing) cannot be scored: they are left out of the model and of the set, counted per group
/// as `missing_covariate` in the set's flow (MatchIt refuses missing covariates outright; a
/// complete-case model is what a user of MatchIt would fit). Patients are passed to the model
/// in cohort order, so unit order — which decides exact ties — is the study's patient order.
public struct PropensityMatchedSet: Sendable {
    /// The covariate columns of the model, in protocol order.
    public struct Column: Sendable, Equatable {
        public var covariate: String
        public var name: String
        public var coding: String
    }

    public let name: String
    public let settings: MatchingSettings
    public let columns: [Column]
    /// Cohort patient numbers of the units of the model, ascending (complete cases).
    public let units: [Int]
    /// Cohort patient numbers with a missing covariate, ascending.
    public let missingCovariates: [Int]
    /// Covariate values of the units, one array per column.
    public let values: [[Double]]
    public let result: PropensityMatchingResult
    public let balance: CovariateBalance
    /// The set's membership: matched treated and controls; everyone else `not_matched`.
    public let membership: AnalysisSetMembership

    /// Forms the set.
    /// - Throws: `StatsError` when the model or the matching cannot be computed (no treated
    ///   or no control patient with complete covariates, non-finite values).
    public init(name: String, settings: MatchingSettings, cohort: DerivedCohort, study: StudyData) throws {
        let table = PropensityCovariates(settings.covariates, cohort: cohort, study: study)
        let (columns, units, missing, values, treated) = (table.columns, table.units, table.missing, table.values, table.treated)
        let controls = treated.count { !$0 }
        guard settings.ratio <= max(controls, 1) else {
            throw StatsError(
                "ratio \(settings.ratio) asks for more controls per treated patient than the \(controls) controls with complete covariates")
        }
        let design = try DesignMatrix(columns: values, names: columns.map(\.name))
        let options = PropensityMatchingOptions(
            ratio: settings.ratio, replace: settings.replace, order: NearestNeighborOrder(settings.order),
            seed: settings.seed ?? 0, caliper: settings.caliper,
            caliperScale: settings.caliperScale == .logitSD ? .logit : .score)
        let result = try PropensityScoreMatching.match(treated: treated, design: design, options: options)
        let covariates = [BalanceCovariate(name: "distance", values: result.scores, isDistance: true)]
            + zip(columns, values).map { BalanceCovariate(name: $0.name, values: $1) }
        let balance = try Balance.table(covariates: covariates, treated: treated, weights: result.matching.weights)
        let members = units.indices.filter { result.matching.weights[$0] > 0 }.map { units[$0] }

        self.name = name
        self.settings = settings
        self.columns = columns
        self.units = units
        self.missingCovariates = missing
        self.values = values
        self.result = result
        self.balance = balance
        self.membership = .matched(name: name, members: members, in: cohort)
    }

    /// The model column of a protocol covariate name.
    static func column(_ covariate: String) -> Column {
        switch covariate {
        case "age": Column(covariate: covariate, name: "age", coding: "years at ICU admission")
        case "sex": Column(covariate: covariate, name: "sex_male", coding: "1 male, 0 female")
        case "bmi": Column(covariate: covariate, name: "bmi", coding: "kg/m²")
        case "apache_ii": Column(covariate: covariate, name: "apache_ii", coding: "APACHE II points at ICU admission")
        case "symptom_days": Column(covariate: covariate, name: "symptom_days", coding: "days from first symptoms until ICU admission")
        default: Column(covariate: covariate, name: covariate, coding: "1 present, 0 absent")
        }
    }

    /// A patient's value of a protocol covariate; `nil` when missing. Names are validated by
    /// the protocol check; an unknown name reads as missing for every patient, so the model
    /// then has no units and the set is reported as not formed.
    static func value(of covariate: String, for p: Patient) -> Double? {
        switch covariate {
        case "age": p.age
        case "sex": p.sex == .male ? 1 : 0
        case "bmi": p.bmi
        case "apache_ii": p.apacheII
        case "symptom_days": p.symptomDays
        default: Comorbidity(rawValue: covariate).map { p.comorbidities.contains($0) ? 1 : 0 }
        }
    }

    /// Missing-covariate patients per group.
    public func missingCount(_ group: StudyGroup, in cohort: DerivedCohort) -> Int {
        missingCovariates.count { cohort.patients[$0].group == group }
    }

    /// The controls matched to each matched treated patient, as cohort patient numbers
    /// (treated in ascending order, controls in match order).
    public var pairs: [(treated: Int, controls: [Int])] {
        let m = result.matching
        return m.treatedUnits.enumerated().compactMap { row, unit in
            let controls = m.controls(ofTreatedRow: row).map { units[$0] }
            return controls.isEmpty ? nil : (units[unit], controls)
        }
    }
}

extension NearestNeighborOrder {
    init(_ order: MatchingOrder) {
        switch order {
        case .largest: self = .largest
        case .smallest: self = .smallest
        case .data: self = .data
        case .random: self = .random
        }
    }
}

extension Workup {
    /// The `matching` block of a matched set's results.
    func matchingResults(_ set: PropensityMatchedSet) -> MatchingResults {
        let s = set.settings
        let m = set.result.matching
        let matchedTreated = m.matchedTreatedCount
        let matchedControls = m.matchedControlCount
        let treatedUnits = m.treatedUnits.count
        let controlUnits = set.units.count - treatedUnits
        let counts = MatchingResults.Counts(
            treated: cohort.patients.count { $0.group == .treated },
            controls: cohort.patients.count { $0.group == .control },
            treatedMissingCovariate: set.missingCount(.treated, in: cohort),
            controlsMissingCovariate: set.missingCount(.control, in: cohort),
            treatedMatched: matchedTreated, controlsMatched: matchedControls,
            treatedUnmatched: treatedUnits - matchedTreated, controlsUnmatched: controlUnits - matchedControls,
            pairs: m.pairCount)
        let model = set.result.model
        return MatchingResults(
            method: "MatchIt::matchit(treat ~ \(set.columns.map(\.name).joined(separator: " + ")), method = \"nearest\", distance = \"glm\", estimand = \"ATT\")",
            covariates: set.columns.map { .init(covariate: $0.covariate, column: $0.name, coding: $0.coding) },
            ratio: s.ratio, replace: s.replace, order: s.replace ? "data" : s.order.rawValue,
            caliper: s.caliper, caliperScale: s.caliper == nil ? nil : s.caliperScale.rawValue, caliperWidth: m.caliperWidth,
            model: model.coefficients.map { .init(name: $0.name, estimate: $0.estimate, standardError: $0.standardError, pValue: $0.pValue) },
            modelConverged: model.converged, counts: counts, widePairs: set.result.widePairs,
            warnings: set.result.warnings.map(\.description))
    }
}

/// The propensity model's data of a cohort: the covariates' columns, the patients with every
/// covariate (the units, in cohort order) and their values, the patients left out for a missing
/// covariate, and the units' groups. Shared by the matched and the weighted sets.
struct PropensityCovariates {
    let columns: [PropensityMatchedSet.Column]
    /// Cohort indices of the patients with complete covariates.
    let units: [Int]
    /// Cohort indices of the patients with a missing covariate.
    let missing: [Int]
    /// Covariate values of the units, one array per column.
    let values: [[Double]]
    /// Per unit: treated (true) or control.
    let treated: [Bool]

    init(_ covariates: [String], cohort: DerivedCohort, study: StudyData) {
        columns = covariates.map(PropensityMatchedSet.column)
        var units: [Int] = []
        var missing: [Int] = []
        var values = [[Double]](repeating: [], count: columns.count)
        for i in cohort.patients.indices {
            let patient = study.patients[cohort.patients[i].studyIndex]
            let row = covariates.map { PropensityMatchedSet.value(of: $0, for: patient) }
            guard row.allSatisfy({ $0 != nil }) else {
                missing.append(i)
                continue
            }
            units.append(i)
            for (j, v) in row.enumerated() { values[j].append(v ?? 0) }
        }
        self.units = units
        self.missing = missing
        self.values = values
        treated = units.map { cohort.patients[$0].group == .treated }
    }
}
