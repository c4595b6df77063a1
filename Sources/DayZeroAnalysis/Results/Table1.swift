/// Table 1: characteristics at ICU admission and on the alignment day, treated vs control.
public struct Table1: Codable, Sendable, Equatable {
    public var sections: [Section]

    public init(sections: [Section]) {
        self.sections = sections
    }

    public struct Section: Codable, Sendable, Equatable {
        public var title: String
        public var rows: [Row]
        public init(title: String, rows: [Row]) {
            self.title = title
            self.rows = rows
        }
    }

    /// One characteristic. A count row shows n (%) and Fisher's exact p; a continuous row
    /// shows median [IQR] and the Mann–Whitney p; a categorical row n (%) per level and the
    /// chi-square or Fisher p (`test` says which).
    public struct Row: Codable, Sendable, Equatable {
        /// Stable identifier, e.g. `sex_male`, `admission.ferritin`.
        public var id: String
        public var label: String
        public var unit: String?
        public var kind: Kind
        public var treated: GroupSummary
        public var control: GroupSummary
        /// `fisher` or `mann-whitney`; absent when the test could not be done.
        public var test: String?
        public var statistic: Double?
        public var pValue: Double?
        public var warnings: [String]
        /// Categorical rows: n (%) per level, in the declared order; absent otherwise.
        public var levels: [LevelCount]?

        public init(
            id: String, label: String, unit: String?, kind: Kind, treated: GroupSummary, control: GroupSummary,
            test: String?, statistic: Double?, pValue: Double?, warnings: [String]
        ) {
            self.id = id
            self.label = label
            self.unit = unit
            self.kind = kind
            self.treated = treated
            self.control = control
            self.test = test
            self.statistic = statistic
            self.pValue = pValue
            self.warnings = warnings
        }
    }

    public enum Kind: String, Codable, Sendable, Equatable {
        case count
        case continuous
        /// n (%) per level; chi-square or Fisher's exact test (see `levels`).
        case categorical
    }

    /// One level of a categorical row: its count and percent of the group's known values.
    public struct LevelCount: Codable, Sendable, Equatable {
        /// The level as written in `patients.csv`.
        public var level: String
        public var label: String
        public var treated: GroupSummary
        public var control: GroupSummary
    }

    /// One group's cell: `count`/`total` for count rows, median and quartiles for continuous rows.
    public struct GroupSummary: Codable, Sendable, Equatable {
        /// Patients with a value.
        public var n: Int
        /// Patients without a value (missing), never silently dropped.
        public var missing: Int
        public var count: Int?
        public var percent: Double?
        public var median: Double?
        public var q1: Double?
        public var q3: Double?

        public init(n: Int, missing: Int, count: Int? = nil, percent: Double? = nil, median: Double? = nil, q1: Double? = nil, q3: Double? = nil) {
            self.n = n
            self.missing = missing
            self.count = count
            self.percent = percent
            self.median = median
            self.q1 = q1
            self.q3 = q3
        }
    }
}
