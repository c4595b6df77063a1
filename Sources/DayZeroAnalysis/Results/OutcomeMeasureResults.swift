/// One declared outcome (`outcomes.measures`) of one analysis set.
public struct OutcomeMeasureResult: Codable, Sendable, Equatable {
    public var name: String
    public var label: String
    /// `time_to_event`, `binary`, `duration` or `free_days`.
    public var kind: String
    public var horizonDays: Int
    /// The outcome table's row: time to event — patients with the event within the horizon,
    /// n (%), with the log-rank or Gray p; binary — n (%) with the event, Fisher's exact test,
    /// unknown status counted missing; duration and free days — median [IQR], Mann–Whitney.
    public var row: Table1.Row
    /// Kaplan–Meier curves and log-rank test (time to event without a competing event, duration).
    public var survival: SurvivalComparison?
    /// Cumulative incidence and Gray's test (time to event with a competing event).
    public var cumulativeIncidence: CumulativeIncidenceComparison?
    /// Patients left out of this outcome, with the reason.
    public var leftOut: [FlowResults.Step]
    /// Effect sizes treated vs control (see `OutcomeEffect`); empty where none is computed.
    public var effects: [OutcomeEffect]
    public var warnings: [String]

    public init(
        name: String, label: String, kind: String, horizonDays: Int, row: Table1.Row, survival: SurvivalComparison?,
        cumulativeIncidence: CumulativeIncidenceComparison?, leftOut: [FlowResults.Step], effects: [OutcomeEffect] = [],
        warnings: [String]
    ) {
        self.name = name
        self.label = label
        self.kind = kind
        self.horizonDays = horizonDays
        self.row = row
        self.survival = survival
        self.cumulativeIncidence = cumulativeIncidence
        self.leftOut = leftOut
        self.effects = effects
        self.warnings = warnings
    }
}

/// Cumulative incidence curves per group (Aalen–Johansen, as `survfit` with a multi-state
/// status: censored / event / competing event) with numbers at risk, and Gray's test of the
/// event's incidence (`cmprsk::cuminc(...)$Tests`).
public struct CumulativeIncidenceComparison: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
        public var time: Double
        public var atRisk: Int
        public var events: Int
        public var competingEvents: Int
        public var censored: Int
        /// Cumulative incidence of the event, with its pointwise 95% interval (survfit's
        /// default log interval on the incidence).
        public var incidence: Double
        public var lower: Double?
        public var upper: Double?
        /// Cumulative incidence of the competing event.
        public var competingIncidence: Double
    }

    public struct Curve: Codable, Sendable, Equatable {
        public var group: String
        public var patients: Int
        public var events: Int
        public var competingEvents: Int
        public var steps: [Step]
        /// Numbers at risk at `CumulativeIncidenceComparison.riskTimes`.
        public var atRisk: [Int]
    }

    /// What the curve counts and what competes with it, in words.
    public var event: String
    public var competing: String
    public var censoring: String
    public var riskTimes: [Double]
    public var curves: [Curve]
    public var grayStatistic: Double?
    public var grayDF: Int?
    public var grayP: Double?
    public var warnings: [String]
}
