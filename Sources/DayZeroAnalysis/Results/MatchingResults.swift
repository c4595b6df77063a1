import DayZeroStats

/// How a propensity-matched set was formed: the model, the settings and every count.
public struct MatchingResults: Codable, Sendable, Equatable {
    public struct Covariate: Codable, Sendable, Equatable {
        /// The protocol's name (`sex`).
        public var covariate: String
        /// The model column (`sex_male`), as in `matching.csv`.
        public var column: String
        public var coding: String
    }

    /// One row of the propensity model — `summary(glm(treat ~ …, family = binomial))`.
    public struct Coefficient: Codable, Sendable, Equatable {
        public var name: String
        public var estimate: Double?
        public var standardError: Double?
        public var pValue: Double?
    }

    /// Patients per group at each step.
    public struct Counts: Codable, Sendable, Equatable {
        /// Included patients of the cohort.
        public var treated: Int
        public var controls: Int
        /// Left out of the model for a missing covariate.
        public var treatedMissingCovariate: Int
        public var controlsMissingCovariate: Int
        /// In the set (at least one match).
        public var treatedMatched: Int
        public var controlsMatched: Int
        /// Complete cases not matched.
        public var treatedUnmatched: Int
        public var controlsUnmatched: Int
        /// Matched (treated, control) pairs.
        public var pairs: Int
    }

    /// `MatchIt::matchit(…, method = "nearest", distance = "glm", estimand = "ATT")`.
    public var method: String
    public var covariates: [Covariate]
    public var ratio: Int
    public var replace: Bool
    /// MatchIt's `m.order`.
    public var order: String
    /// Caliper in standard deviations of `caliperScale`; absent without a caliper.
    public var caliper: Double?
    /// `score_sd` or `logit_sd`, with a caliper.
    public var caliperScale: String?
    /// The caliper in units of its scale (caliper × SD over every scored patient).
    public var caliperWidth: Double?
    public var model: [Coefficient]
    public var modelConverged: Bool
    public var counts: Counts
    /// Pairs further apart than 0.2 SD of the logit of the score (counted without a caliper).
    public var widePairs: Int
    public var warnings: [String]

    public init(
        method: String, covariates: [Covariate], ratio: Int, replace: Bool, order: String, caliper: Double?,
        caliperScale: String?, caliperWidth: Double?, model: [Coefficient], modelConverged: Bool, counts: Counts,
        widePairs: Int, warnings: [String]
    ) {
        self.method = method
        self.covariates = covariates
        self.ratio = ratio
        self.replace = replace
        self.order = order
        self.caliper = caliper
        self.caliperScale = caliperScale
        self.caliperWidth = caliperWidth
        self.model = model
        self.modelConverged = modelConverged
        self.counts = counts
        self.widePairs = widePairs
        self.warnings = warnings
    }
}

/// Covariate balance before and after matching, as `cobalt::bal.tab(m, un = TRUE,
/// stats = c("m", "v"))` reports it with its ATT defaults (see `docs/methods/matching.md`):
/// standardised mean differences (treated SD of the unmatched sample) for continuous rows,
/// raw differences in proportion for binary rows, variance ratios for continuous rows.
public struct BalanceTable: Codable, Sendable, Equatable {
    public struct Side: Codable, Sendable, Equatable {
        public var treatedMean: Double
        public var controlMean: Double
        /// cobalt's `Diff`: SMD (continuous, distance) or difference in proportions (binary).
        public var difference: Double
        /// Whether `difference` is standardised.
        public var standardized: Bool
        public var varianceRatio: Double?
    }

    public struct Row: Codable, Sendable, Equatable {
        /// `distance` (the propensity score) or the model column name.
        public var id: String
        /// `distance`, `continuous` or `binary`.
        public var kind: String
        public var before: Side
        public var after: Side
    }

    /// cobalt's sample sizes.
    public struct SampleSizes: Codable, Sendable, Equatable {
        public var treatedAll: Int
        public var controlsAll: Int
        public var treatedMatched: Int
        public var controlsMatched: Int
        /// (Σw)²/Σw² of the matched controls.
        public var controlsMatchedEffective: Double
        public var treatedUnmatched: Int
        public var controlsUnmatched: Int
    }

    public var rows: [Row]
    public var sampleSizes: SampleSizes
    public var warnings: [String]

    public init(rows: [Row], sampleSizes: SampleSizes, warnings: [String]) {
        self.rows = rows
        self.sampleSizes = sampleSizes
        self.warnings = warnings
    }

    /// The results form of a `CovariateBalance`.
    public init(_ b: CovariateBalance) {
        func side(_ s: BalanceStatistics) -> Side {
            Side(treatedMean: s.treatedMean, controlMean: s.controlMean, difference: s.difference,
                 standardized: s.standardized, varianceRatio: s.varianceRatio)
        }
        let z = b.sampleSizes
        self.init(
            rows: b.rows.map { Row(id: $0.name, kind: $0.kind.rawValue, before: side($0.before), after: side($0.after)) },
            sampleSizes: SampleSizes(
                treatedAll: z.treatedAll, controlsAll: z.controlAll, treatedMatched: z.treatedMatched,
                controlsMatched: z.controlMatched, controlsMatchedEffective: z.controlMatchedEffective,
                treatedUnmatched: z.treatedUnmatched, controlsUnmatched: z.controlUnmatched),
            warnings: b.warnings.map(\.description))
    }
}
