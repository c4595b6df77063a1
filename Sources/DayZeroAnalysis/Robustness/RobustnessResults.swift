/// The content of `robustness.json` (documented in docs/results.md): the specifications run and,
/// per analysis set and headline result, the specification curve with its summary and verdict.
public struct RobustnessResults: Codable, Sendable, Equatable {
    /// Incremented on every incompatible change of this schema.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var provenance: Provenance
    /// The significance level of the summaries and verdicts (0.05).
    public var alpha: Double
    /// The share of specifications at or above which a result is robustly significant (or, at
    /// or below `1 − robustShare`, robustly not significant): 0.9.
    public var robustShare: Double
    /// The number of specifications of the full grid.
    public var gridSize: Int
    /// True when `specifications` is a seeded sample of the grid (`samplingSeed`).
    public var sampled: Bool
    public var samplingSeed: UInt64
    public var dimensions: [Dimension]
    /// The specifications run, in grid order.
    public var specifications: [Specification]
    /// The position in `specifications` of the protocol's own specification.
    public var ownSpecification: Int
    /// The number of distinct analyses run (specifications that edit only what a set does not
    /// read — e.g. the caliper for the main set — share one analysis).
    public var distinctAnalyses: Int
    public var analysisSets: [SetCurves]
    public var warnings: [String]

    public struct Dimension: Codable, Sendable, Equatable {
        public var name: String
        public var label: String
        /// The `vary:` word.
        public var vary: String
        public var alternatives: [String]
        /// The protocol's own alternative.
        public var own: Int
        /// The analysis set the choice acts on alone (the matching and criterion choices);
        /// absent when it can change every set. Other sets' curves neither show it nor name it
        /// in a verdict.
        public var analysisSet: String?
    }

    public struct Specification: Codable, Sendable, Equatable {
        /// Index in the full grid (first dimension varies slowest).
        public var gridIndex: Int
        /// The alternative of each dimension, in `dimensions` order.
        public var choices: [Int]
    }

    public struct SetCurves: Codable, Sendable, Equatable {
        public var id: String
        public var label: String
        public var results: [Curve]
    }

    /// One headline result across the specifications. `estimate` and `p` hold one entry per
    /// specification (in `specifications` order; `nil` where the specification has none).
    public struct Curve: Codable, Sendable, Equatable {
        /// `kinetics.<parameter>.<overall|pre|post>`, `outcome.<name>.<measure>` or
        /// `table1.<row id>`.
        public var id: String
        public var label: String
        /// `kinetics`, `outcome` or `table1`.
        public var kind: String
        /// What `estimate` is (`hazardRatio`, `riskDifference`, …); absent when there is none.
        public var estimateMeasure: String?
        public var estimate: [Double?]
        public var p: [Double?]
        public var summary: Summary
    }

    public struct Summary: Codable, Sendable, Equatable {
        /// Specifications with a p value.
        public var specifications: Int
        /// Of those, with p < alpha.
        public var significant: Int
        public var shareSignificant: Double?
        public var medianP: Double?
        public var minP: Double?
        public var maxP: Double?
        public var medianEstimate: Double?
        public var minEstimate: Double?
        public var maxEstimate: Double?
        /// The protocol's own specification's values.
        public var ownP: Double?
        public var ownEstimate: Double?
        /// `robust`, `fragile` or `none` (no p value in any specification).
        public var verdict: String
        /// The one-line verdict shown in the report.
        public var verdictText: String
        /// For a fragile result: the dimension whose alternatives split significance most.
        public var dependsOn: String?
        /// For a sampled grid: the p value of the chi-square test (alternatives × p < alpha)
        /// that let `dependsOn` be named — beyond the sample's chance (docs/methods/robustness.md).
        public var dependsOnP: Double?
        /// Per dimension: the share of specifications with p < alpha under each alternative
        /// (`nil` for an alternative no specification with a p value uses).
        public var shareByAlternative: [[Double?]]
    }
}
