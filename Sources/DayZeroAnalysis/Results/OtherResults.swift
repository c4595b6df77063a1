/// The proteomics volcano: per group, post vs pre, one point per assay.
public struct VolcanoResults: Codable, Sendable, Equatable {
    public struct Point: Codable, Sendable, Equatable {
        public var assay: String
        public var uniProt: String
        /// The Olink panel, when the data name it (an assay is name + UniProt + panel).
        public var panel: String?
        public var pairs: Int
        /// Mean of (post − pre) NPX, log2 scale.
        public var meanLog2Difference: Double
        /// Signed fold change: 2^d for d ≥ 0, −2^(−d) for d < 0 (the paper's axis).
        public var foldChange: Double
        public var pValue: Double?
        public var minusLog10P: Double?
        public init(
            assay: String, uniProt: String, panel: String? = nil, pairs: Int, meanLog2Difference: Double, foldChange: Double,
            pValue: Double?, minusLog10P: Double?
        ) {
            self.assay = assay
            self.uniProt = uniProt
            self.panel = panel
            self.pairs = pairs
            self.meanLog2Difference = meanLog2Difference
            self.foldChange = foldChange
            self.pValue = pValue
            self.minusLog10P = minusLog10P
        }
    }

    public struct Group: Codable, Sendable, Equatable {
        public var group: String
        public var points: [Point]
        public init(group: String, points: [Point]) {
            self.group = group
            self.points = points
        }
    }

    public var groups: [Group]
    /// |fold change| at or above which a change is called relevant.
    public var relevanceFoldChange: Double
    /// Bonferroni threshold on p (0.05 / number of assays).
    public var significanceP: Double
    public var warnings: [String]

    public init(groups: [Group], relevanceFoldChange: Double, significanceP: Double, warnings: [String]) {
        self.groups = groups
        self.relevanceFoldChange = relevanceFoldChange
        self.significanceP = significanceP
        self.warnings = warnings
    }
}

/// Use of one drug in one period, treated vs control, with Fisher's exact p.
public struct MedicationRow: Codable, Sendable, Equatable {
    public var drug: String
    /// `before` (days −10…−1) or `after` (days 0…+10), per the protocol's windows.
    public var period: String
    public var firstDay: Int
    public var lastDay: Int
    public var treatedUsers: Int
    public var treatedTotal: Int
    public var controlUsers: Int
    public var controlTotal: Int
    /// Fisher's exact p; absent when the test could not be done (see `warnings`).
    public var pValue: Double?
    public var warnings: [String]

    public init(
        drug: String, period: String, firstDay: Int, lastDay: Int, treatedUsers: Int, treatedTotal: Int, controlUsers: Int,
        controlTotal: Int, pValue: Double?, warnings: [String] = []
    ) {
        self.drug = drug
        self.period = period
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.treatedUsers = treatedUsers
        self.treatedTotal = treatedTotal
        self.controlUsers = controlUsers
        self.controlTotal = controlTotal
        self.pValue = pValue
        self.warnings = warnings
    }
}

/// Kaplan–Meier curves per group with numbers at risk and the log-rank test.
public struct SurvivalComparison: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
        public var time: Double
        public var atRisk: Int
        public var events: Int
        public var censored: Int
        public var survival: Double
        public var lower: Double?
        public var upper: Double?
        public init(time: Double, atRisk: Int, events: Int, censored: Int, survival: Double, lower: Double?, upper: Double?) {
            self.time = time
            self.atRisk = atRisk
            self.events = events
            self.censored = censored
            self.survival = survival
            self.lower = lower
            self.upper = upper
        }
    }

    public struct Curve: Codable, Sendable, Equatable {
        public var group: String
        public var patients: Int
        public var events: Int
        public var steps: [Step]
        /// Numbers at risk at `SurvivalComparison.riskTimes`.
        public var atRisk: [Int]
        public var median: Double?
        public init(group: String, patients: Int, events: Int, steps: [Step], atRisk: [Int], median: Double?) {
            self.group = group
            self.patients = patients
            self.events = events
            self.steps = steps
            self.atRisk = atRisk
            self.median = median
        }
    }

    /// What the curve counts (`extubation`, `ICU discharge alive`, `death`).
    public var event: String
    /// How death and other competing endings are handled, in words.
    public var censoring: String
    public var riskTimes: [Double]
    public var curves: [Curve]
    public var logRankChiSquare: Double?
    public var logRankDF: Int?
    public var logRankP: Double?
    /// Patients left out of this curve, with the reason.
    public var leftOut: [FlowResults.Step]
    public var warnings: [String]

    public init(
        event: String, censoring: String, riskTimes: [Double], curves: [Curve], logRankChiSquare: Double?, logRankDF: Int?,
        logRankP: Double?, leftOut: [FlowResults.Step], warnings: [String]
    ) {
        self.event = event
        self.censoring = censoring
        self.riskTimes = riskTimes
        self.curves = curves
        self.logRankChiSquare = logRankChiSquare
        self.logRankDF = logRankDF
        self.logRankP = logRankP
        self.leftOut = leftOut
        self.warnings = warnings
    }
}
