/// The whole workup (DESIGN.md §1, analyses 1–6) for one analysis set.
public struct AnalysisSetResults: Codable, Sendable, Equatable {
    /// Stable identifier: `main`, `propensity-matched`, `no-corticosteroids`, `criteria-matched`, or the protocol's name.
    public var id: String
    public var label: String
    /// The set's short name for comparisons across sets (`AnalysisSetRule.shortLabel`); nil in
    /// results written before it existed.
    public var shortLabel: String?
    public var flow: FlowResults
    public var table1: Table1
    public var kinetics: [KineticsPanel]
    public var cytokines: [KineticsPanel]
    public var proteomics: VolcanoResults?
    public var medication: [MedicationRow]
    /// The outcomes (`outcomes.measures`, else the paper's `OutcomeMeasure.paperOutcomes`), in
    /// protocol order.
    public var outcomeMeasures: [OutcomeMeasureResult]
    /// How the set was formed by propensity-score matching; present for a matched set only.
    public var matching: MatchingResults?
    /// Covariate balance before and after matching; present for a matched set only.
    public var balance: BalanceTable?
    /// How a weighted set was weighted, its weights, balance and weighted survival curves;
    /// present for a propensity-score-weighted set only.
    public var weighting: WeightingResults?
    public var warnings: [String]

    public init(
        id: String, label: String, flow: FlowResults, table1: Table1, kinetics: [KineticsPanel],
        cytokines: [KineticsPanel], proteomics: VolcanoResults?, medication: [MedicationRow],
        outcomeMeasures: [OutcomeMeasureResult], matching: MatchingResults? = nil,
        balance: BalanceTable? = nil, warnings: [String], weighting: WeightingResults? = nil
    ) {
        self.id = id
        self.label = label
        self.flow = flow
        self.table1 = table1
        self.kinetics = kinetics
        self.cytokines = cytokines
        self.proteomics = proteomics
        self.medication = medication
        self.outcomeMeasures = outcomeMeasures
        self.matching = matching
        self.balance = balance
        self.weighting = weighting
        self.warnings = warnings
    }
}

/// Patient flow: every exclusion counted with its reason, in the order the rules apply.
public struct FlowResults: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
        /// Stable machine name of the step (an exclusion rule's name, `no_icu_course`, …).
        public var reason: String
        /// What a reader is shown (the protocol's label); absent for steps named by `reason` alone.
        public var label: String?
        public var count: Int
        public init(reason: String, label: String? = nil, count: Int) {
            self.reason = reason
            self.label = label
            self.count = count
        }
    }

    public var screened: Int
    public var exclusions: [Step]
    public var treated: Int
    public var controls: Int
    /// The controls' alignment day (ICU day), i.e. the treated group's median start day.
    public var controlAlignmentDay: Int?

    public init(screened: Int, exclusions: [Step], treated: Int, controls: Int, controlAlignmentDay: Int?) {
        self.screened = screened
        self.exclusions = exclusions
        self.treated = treated
        self.controls = controls
        self.controlAlignmentDay = controlAlignmentDay
    }
}
