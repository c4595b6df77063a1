/// One analysis set: the main set, a rule-defined subset, or a propensity-matched set.
///
/// A rule-defined set starts from every included patient. The patients of the groups named by
/// `applies_to` must meet `include_if` (when given) and must not meet `exclude_if` (when given);
/// patients of the other group are kept whole. Alignment days are those of the main cohort.
///
/// YAML:
/// ```yaml
/// - name: no-corticosteroids
///   exclude_if: {drug: corticosteroids, window: [-10, 10]}
/// - name: criteria-matched-controls
///   applies_to: controls
///   include_if:
///     any_of:
///       - {parameter: temperature, above: 38.5, on_at_least_days: 2, window: [-10, -1]}
///       - {parameter: ferritin, above: 1800, window: [-10, -1]}
/// ```
public struct AnalysisSetRule: Codable, Sendable, Equatable {
    /// Unique name (letters, digits, `-`, `_`).
    public var name: String
    /// A short name for tables and figures that compare the sets ("Propensity-score matched");
    /// default: `name` in words (`shortLabel`).
    public var label: String?
    public var description: String?
    /// Which group the include/exclude rules filter. Default `all`.
    public var appliesTo: GroupSelector
    public var includeIf: Criterion?
    public var excludeIf: Criterion?
    /// Membership comes from propensity-score matching with these settings (done by the
    /// analysis layer); such a set has no include/exclude rules.
    public var propensityMatching: MatchingSettings?
    /// The set is every patient with complete covariates, weighted by propensity-score weights
    /// with these settings (done by the analysis layer); such a set has no include/exclude rules.
    public var weighting: WeightingSettings?

    public init(
        name: String, label: String? = nil, description: String? = nil, appliesTo: GroupSelector = .all, includeIf: Criterion? = nil,
        excludeIf: Criterion? = nil, propensityMatching: MatchingSettings? = nil, weighting: WeightingSettings? = nil
    ) {
        self.name = name
        self.label = label
        self.description = description
        self.appliesTo = appliesTo
        self.includeIf = includeIf
        self.excludeIf = excludeIf
        self.propensityMatching = propensityMatching
        self.weighting = weighting
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, label, description
        case appliesTo = "applies_to"
        case includeIf = "include_if"
        case excludeIf = "exclude_if"
        case propensityMatching = "propensity_matching"
        case weighting
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        appliesTo = try c.decodeIfPresent(GroupSelector.self, forKey: .appliesTo) ?? .all
        includeIf = try c.decodeIfPresent(Criterion.self, forKey: .includeIf)
        excludeIf = try c.decodeIfPresent(Criterion.self, forKey: .excludeIf)
        propensityMatching = try c.decodeIfPresent(MatchingSettings.self, forKey: .propensityMatching)
        weighting = try c.decodeIfPresent(WeightingSettings.self, forKey: .weighting)
    }

    /// The set's short name: `label`, else `name` with `-`/`_` as spaces and a capital first
    /// letter (`no-corticosteroids` → "No corticosteroids").
    public var shortLabel: String {
        if let label, label.contains(where: { !$0.isWhitespace }) { return label }
        let words = name.map { $0 == "-" || $0 == "_" ? " " : String($0) }.joined()
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    /// True when membership is decided by rules (or is everyone), false for a matched or a
    /// weighted set.
    public var isRuleBased: Bool { propensityMatching == nil && weighting == nil }
}

/// Which patients a set's rules filter.
public enum GroupSelector: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    case all
    case treated
    case controls

    /// True when a patient of `group` is filtered by the rules.
    public func selects(_ group: StudyGroup) -> Bool {
        switch self {
        case .all: true
        case .treated: group == .treated
        case .controls: group == .control
        }
    }
}

/// The treated or the control group.
public enum StudyGroup: String, Codable, Sendable, CaseIterable, Hashable {
    case treated
    case control
}

/// A comparison of a value with a threshold. In YAML one of the keys `above` (>),
/// `at_least` (≥), `below` (<) or `at_most` (≤) with a number.
public struct Threshold: Sendable, Hashable, CustomStringConvertible {
    public enum Comparison: String, Sendable, CaseIterable, Hashable {
        case above
        case atLeast = "at_least"
        case below
        case atMost = "at_most"

        var symbol: String {
            switch self {
            case .above: ">"
            case .atLeast: "≥"
            case .below: "<"
            case .atMost: "≤"
            }
        }
    }

    public var comparison: Comparison
    /// The threshold in the parameter's canonical unit (what the analysis compares with).
    public var value: Double
    /// The threshold as written with a unit (`2 mg/dL`), when it had one; `nil` for a bare
    /// number (the canonical unit). Kept for display and for writing the protocol back.
    public var written: WrittenQuantity?

    public init(_ comparison: Comparison, _ value: Double, written: WrittenQuantity? = nil) {
        self.comparison = comparison
        self.value = value
        self.written = written
    }

    /// Whether `x` meets the threshold. Exactly at the value: `above`/`below` are false,
    /// `at_least`/`at_most` true.
    @inlinable
    public func isMet(by x: Double) -> Bool {
        switch comparison {
        case .above: x > value
        case .atLeast: x >= value
        case .below: x < value
        case .atMost: x <= value
        }
    }

    public var description: String {
        guard let written else { return "\(comparison.symbol) \(formatNumber(value))" }
        return "\(comparison.symbol) \(written)"
    }

    /// Reads the one comparison key present among `above`, `at_least`, `below`, `at_most`.
    /// For a parameter rule (`parameter` given) the number may carry a unit the catalog
    /// converts (`above: 2 mg/dL`); it is converted to the canonical unit here.
    static func decode<K: CodingKey>(
        from c: KeyedDecodingContainer<K>, above: K, atLeast: K, below: K, atMost: K, codingPath: [any CodingKey],
        parameter: String? = nil
    ) throws -> Threshold {
        var found: [Threshold] = []
        for (key, comparison) in [(above, Comparison.above), (atLeast, .atLeast), (below, .below), (atMost, .atMost)] {
            if let q = try decodeQuantity(c, forKey: key, parameter: parameter, codingPath: codingPath) {
                found.append(.init(comparison, q.value, written: q.written))
            }
        }
        guard found.count == 1, let t = found.first else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath,
                debugDescription: found.isEmpty
                    ? "missing comparison: give one of above, at_least, below, at_most"
                    : "give only one of above, at_least, below, at_most"))
        }
        return t
    }

    func encode<K: CodingKey>(into c: inout KeyedEncodingContainer<K>, above: K, atLeast: K, below: K, atMost: K) throws {
        let key: K
        switch comparison {
        case .above: key = above
        case .atLeast: key = atLeast
        case .below: key = below
        case .atMost: key = atMost
        }
        try encodeQuantity(value, written: written, into: &c, forKey: key)
    }
}

/// A shortest decimal rendering of a number for messages (`38.5`, `1800`).
func formatNumber(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    return "\(x)"
}

/// A patient-level rule over aligned days, evaluated on the derived data.
///
/// YAML forms (one mapping each):
/// - `{any_of: [rule, …]}`, `{all_of: [rule, …]}`, `{not: rule}`
/// - `{drug: NAME, window: [a, b], on_at_least_days: n}` — the drug was given on at least
///   `n` (default 1) distinct aligned days in the window; with `consecutive: true`, on at least
///   `n` consecutive days (a run of `n` days in a row, each in the window).
/// - `{parameter: NAME, above|at_least|below|at_most: x, window: [a, b], on_at_least_days: n,
///   aggregation: AGG}` — the parameter's daily value (the protocol's aggregation for it, or
///   `aggregation`; after imputation) meets the threshold on at least `n` (default 1) distinct
///   aligned days in the window (with `consecutive: true`: `n` days in a row, each meeting
///   it; a day without a value breaks the run). Days without a value do not count.
/// - `{variable: NAME, is: V}`, `{variable: NAME, in: [V, …]}`, `{variable: NAME,
///   above|at_least|below|at_most: x}` or `{variable: NAME, unknown: true|false}` — a baseline
///   variable (`patients.csv`: `sex`, `age`, a built-in or a `variables.csv` declaration). `V` is
///   `1`/`0` (or `yes`/`no`) for a binary variable, `M`/`F` for `sex`, a level for a categorical
///   one. An unknown value meets no comparison (only `unknown: true`).
/// - `{event: KIND, window: [a, b]}` — an `events.csv` row of that kind in the window.
///
/// Windows count aligned days in analysis sets; in `exclusions` (decided before alignment) they
/// count ICU days (periods of the time axis) from admission (day 0 = the admission day), and a
/// `parameter` rule there reads the period values of the patient's `measurements.csv` rows
/// (not SOFA, cytokines or imputed values, which exist only after alignment or elsewhere).
public indirect enum Criterion: Sendable, Hashable, Codable {
    case anyOf([Criterion])
    case allOf([Criterion])
    case not(Criterion)
    case drug(DrugCriterion)
    case parameter(ParameterCriterion)
    case variable(VariableCriterion)
    case event(EventCriterion)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case anyOf = "any_of"
        case allOf = "all_of"
        case not, drug, parameter, window
        case onAtLeastDays = "on_at_least_days"
        case consecutive
        case above
        case atLeast = "at_least"
        case below
        case atMost = "at_most"
        case aggregation
        case variable
        case `is`
        case `in`
        case unknown
        case event
    }

    static let forms: [CodingKeys] = [.anyOf, .allOf, .not, .drug, .parameter, .variable, .event]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let forms = Self.forms.filter { c.contains($0) }
        let formNames = Self.forms.map(\.stringValue).joined(separator: ", ")
        guard forms.count == 1, let form = forms.first else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: forms.isEmpty
                    ? "a rule needs one of \(formNames)"
                    : "a rule has exactly one of \(formNames); found \(forms.map(\.stringValue).joined(separator: ", "))"))
        }
        let onlyKeys: Set<CodingKeys>
        switch form {
        case .anyOf, .allOf, .not: onlyKeys = [form]
        case .drug: onlyKeys = [.drug, .window, .onAtLeastDays, .consecutive]
        case .variable: onlyKeys = [.variable, .is, .in, .unknown, .above, .atLeast, .below, .atMost]
        case .event: onlyKeys = [.event, .window]
        default: onlyKeys = [.parameter, .window, .onAtLeastDays, .consecutive, .above, .atLeast, .below, .atMost, .aggregation]
        }
        if let stray = c.allKeys.first(where: { !onlyKeys.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "key \(MessageText.singleQuoted(stray.stringValue)) does not belong in a \(MessageText.singleQuoted(form.stringValue)) rule"))
        }
        switch form {
        case .anyOf: self = .anyOf(try c.decode([Criterion].self, forKey: .anyOf))
        case .allOf: self = .allOf(try c.decode([Criterion].self, forKey: .allOf))
        case .not: self = .not(try c.decode(Criterion.self, forKey: .not))
        case .drug:
            self = .drug(DrugCriterion(
                drug: try c.decode(String.self, forKey: .drug),
                window: try c.decode(DayWindow.self, forKey: .window),
                onAtLeastDays: try c.decodeIfPresent(Int.self, forKey: .onAtLeastDays) ?? 1,
                consecutive: try c.decodeIfPresent(Bool.self, forKey: .consecutive) ?? false))
        case .variable:
            self = .variable(try VariableCriterion.decode(from: c, codingPath: decoder.codingPath))
        case .event:
            self = .event(EventCriterion(
                event: try c.decode(String.self, forKey: .event), window: try c.decode(DayWindow.self, forKey: .window)))
        default:
            let parameter = try c.decode(String.self, forKey: .parameter)
            self = .parameter(ParameterCriterion(
                parameter: parameter,
                threshold: try Threshold.decode(
                    from: c, above: .above, atLeast: .atLeast, below: .below, atMost: .atMost, codingPath: decoder.codingPath,
                    parameter: parameter),
                window: try c.decode(DayWindow.self, forKey: .window),
                onAtLeastDays: try c.decodeIfPresent(Int.self, forKey: .onAtLeastDays) ?? 1,
                consecutive: try c.decodeIfPresent(Bool.self, forKey: .consecutive) ?? false,
                aggregation: try c.decodeIfPresent(DailyAggregation.self, forKey: .aggregation)))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .anyOf(let rules): try c.encode(rules, forKey: .anyOf)
        case .allOf(let rules): try c.encode(rules, forKey: .allOf)
        case .not(let rule): try c.encode(rule, forKey: .not)
        case .drug(let d):
            try c.encode(d.drug, forKey: .drug)
            try c.encode(d.window, forKey: .window)
            try c.encode(d.onAtLeastDays, forKey: .onAtLeastDays)
            if d.consecutive { try c.encode(true, forKey: .consecutive) }
        case .parameter(let p):
            try c.encode(p.parameter, forKey: .parameter)
            try p.threshold.encode(into: &c, above: .above, atLeast: .atLeast, below: .below, atMost: .atMost)
            try c.encode(p.window, forKey: .window)
            try c.encode(p.onAtLeastDays, forKey: .onAtLeastDays)
            if p.consecutive { try c.encode(true, forKey: .consecutive) }
            try c.encodeIfPresent(p.aggregation, forKey: .aggregation)
        case .variable(let v):
            try c.encode(v.variable, forKey: .variable)
            switch v.test {
            case .oneOf(let values) where values.count == 1: try c.encode(values[0], forKey: .is)
            case .oneOf(let values): try c.encode(values, forKey: .in)
            case .threshold(let t): try t.encode(into: &c, above: .above, atLeast: .atLeast, below: .below, atMost: .atMost)
            case .unknown(let u): try c.encode(u, forKey: .unknown)
            }
        case .event(let e):
            try c.encode(e.event, forKey: .event)
            try c.encode(e.window, forKey: .window)
        }
    }

    /// Every leaf rule, depth first (for validation and for finding the data a rule needs).
    public var leaves: [Criterion] {
        switch self {
        case .anyOf(let rules), .allOf(let rules): rules.flatMap(\.leaves)
        case .not(let rule): rule.leaves
        case .drug, .parameter, .variable, .event: [self]
        }
    }
}

/// A test of one baseline variable (`{variable: NAME, …}`).
public struct VariableCriterion: Sendable, Hashable {
    public enum Test: Sendable, Hashable {
        /// The value is one of these (as written: `1`/`0`/`yes`/`no`, `M`/`F`, a level).
        case oneOf([String])
        /// A continuous value meets the threshold.
        case threshold(Threshold)
        /// `true`: the value is unknown; `false`: it is known.
        case unknown(Bool)
    }

    public var variable: String
    public var test: Test

    public init(variable: String, test: Test) {
        self.variable = variable
        self.test = test
    }

    static func decode(from c: KeyedDecodingContainer<Criterion.CodingKeys>, codingPath: [any CodingKey]) throws -> VariableCriterion {
        let name = try c.decode(String.self, forKey: .variable)
        var tests: [Test] = []
        if let v = try c.decodeIfPresent(String.self, forKey: .is) { tests.append(.oneOf([v])) }
        if let v = try c.decodeIfPresent([String].self, forKey: .in) { tests.append(.oneOf(v)) }
        if let u = try c.decodeIfPresent(Bool.self, forKey: .unknown) { tests.append(.unknown(u)) }
        if [Criterion.CodingKeys.above, .atLeast, .below, .atMost].contains(where: { c.contains($0) }) {
            tests.append(.threshold(try Threshold.decode(
                from: c, above: .above, atLeast: .atLeast, below: .below, atMost: .atMost, codingPath: codingPath)))
        }
        guard tests.count == 1, let test = tests.first else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath,
                debugDescription: "a variable rule has exactly one of is, in, unknown, above, at_least, below, at_most"))
        }
        return VariableCriterion(variable: name, test: test)
    }

    /// Whether `value` (as `BaselineRegistry.value` gives it) meets the test for `definition`.
    public func isMet(by value: Double?, definition: BaselineVariable?) -> Bool {
        switch test {
        case .unknown(let wanted): return (value == nil) == wanted
        case .threshold(let t): return value.map(t.isMet) ?? false
        case .oneOf(let written):
            guard let value else { return false }
            return written.contains { Self.code($0, definition: definition) == value }
        }
    }

    /// The stored value that `written` stands for: binary `1`/`yes`/`true` → 1, `0`/`no`/`false`
    /// → 0; `sex` `M` → 1, `F` → 0; a categorical level → its index. `nil` when it stands for none.
    public static func code(_ written: String, definition: BaselineVariable?) -> Double? {
        guard let definition else { return nil }
        if definition.name == "sex" {
            switch written.uppercased() {
            case "M": return 1
            case "F": return 0
            default: return nil
            }
        }
        switch definition.kind {
        case .binary:
            switch written.lowercased() {
            case "1", "yes", "true": return 1
            case "0", "no", "false": return 0
            default: return nil
            }
        case .categorical:
            return definition.levels.firstIndex(of: written).map(Double.init)
        case .continuous:
            return Double(written)
        }
    }
}

/// "An `events.csv` row of kind `event` in `window`."
public struct EventCriterion: Sendable, Hashable {
    public var event: String
    public var window: DayWindow

    public init(event: String, window: DayWindow) {
        self.event = event
        self.window = window
    }
}

/// "Received `drug` on at least `onAtLeastDays` distinct aligned days within `window`" (with
/// `consecutive`: on that many consecutive days within the window).
public struct DrugCriterion: Sendable, Hashable {
    public var drug: String
    public var window: DayWindow
    public var onAtLeastDays: Int
    /// The days must be consecutive (a run of `onAtLeastDays` days in a row). Default false.
    public var consecutive: Bool

    public init(drug: String, window: DayWindow, onAtLeastDays: Int = 1, consecutive: Bool = false) {
        self.drug = drug
        self.window = window
        self.onAtLeastDays = onAtLeastDays
        self.consecutive = consecutive
    }

    /// Whether the qualifying days (ascending, distinct) meet the count: how many there are, or
    /// with `consecutive` the longest run of days in a row.
    public func isMet(byDays days: [Int]) -> Bool {
        (consecutive ? longestRun(days) : days.count) >= onAtLeastDays
    }
}

/// The length of the longest run of consecutive whole numbers in `days` (ascending, distinct):
/// `[1, 2, 4, 5, 6]` → 3; `[]` → 0.
public func longestRun(_ days: [Int]) -> Int {
    var best = 0, run = 0
    var previous: Int?
    for d in days {
        run = previous.map { d == $0 + 1 } == true ? run + 1 : 1
        best = max(best, run)
        previous = d
    }
    return best
}

/// "The daily value of `parameter` meets `threshold` on at least `onAtLeastDays` distinct
/// aligned days within `window`" (with `consecutive`: on that many consecutive days).
public struct ParameterCriterion: Sendable, Hashable {
    public var parameter: String
    public var threshold: Threshold
    public var window: DayWindow
    public var onAtLeastDays: Int
    /// The days must be consecutive (a run of `onAtLeastDays` days in a row, each with a value
    /// meeting the threshold; a day without a value breaks the run). Default false.
    public var consecutive: Bool
    /// `nil`: the protocol's aggregation for the parameter (or the catalog's).
    public var aggregation: DailyAggregation?

    public init(
        parameter: String, threshold: Threshold, window: DayWindow, onAtLeastDays: Int = 1, consecutive: Bool = false,
        aggregation: DailyAggregation? = nil
    ) {
        self.parameter = parameter
        self.threshold = threshold
        self.window = window
        self.onAtLeastDays = onAtLeastDays
        self.consecutive = consecutive
        self.aggregation = aggregation
    }

    /// Whether the qualifying days (ascending, distinct) meet the count: how many there are, or
    /// with `consecutive` the longest run of days in a row.
    public func isMet(byDays days: [Int]) -> Bool {
        (consecutive ? longestRun(days) : days.count) >= onAtLeastDays
    }
}

/// Propensity-score matching settings (data only; the matching itself is done by the analysis
/// layer). Names and defaults follow MatchIt's `matchit(method = "nearest")`.
public struct MatchingSettings: Codable, Sendable, Equatable {
    /// Baseline covariates of the logistic propensity model: `age`, `sex`, `bmi`, `apache_ii`,
    /// `symptom_days`, or a comorbidity name (`copd`, `diabetes_mellitus`, …).
    public var covariates: [String]
    /// Controls per treated patient (k:1).
    public var ratio: Int
    /// Matching with replacement.
    public var replace: Bool
    /// Maximum distance of a pair, in standard deviations of `caliperScale`; `nil`: none.
    public var caliper: Double?
    public var caliperScale: CaliperScale
    /// Order in which treated patients are matched (MatchIt `m.order`).
    public var order: MatchingOrder
    /// Seed for `order: random`.
    public var seed: UInt64?

    public init(
        covariates: [String], ratio: Int = 1, replace: Bool = false, caliper: Double? = nil,
        caliperScale: CaliperScale = .scoreSD, order: MatchingOrder = .largest, seed: UInt64? = nil
    ) {
        self.covariates = covariates
        self.ratio = ratio
        self.replace = replace
        self.caliper = caliper
        self.caliperScale = caliperScale
        self.order = order
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case covariates, ratio, replace, caliper
        case caliperScale = "caliper_scale"
        case order, seed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        covariates = try c.decode([String].self, forKey: .covariates)
        ratio = try c.decodeIfPresent(Int.self, forKey: .ratio) ?? 1
        replace = try c.decodeIfPresent(Bool.self, forKey: .replace) ?? false
        caliper = try c.decodeIfPresent(Double.self, forKey: .caliper)
        caliperScale = try c.decodeIfPresent(CaliperScale.self, forKey: .caliperScale) ?? .scoreSD
        order = try c.decodeIfPresent(MatchingOrder.self, forKey: .order) ?? .largest
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
    }

    /// Covariate names the matching understands besides the comorbidities.
    public static let patientCovariates = ["age", "sex", "bmi", "apache_ii", "symptom_days"]
}

/// The scale of a caliper's standard deviation.
public enum CaliperScale: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    /// SD of the propensity score (MatchIt's default for `std.caliper = TRUE`).
    case scoreSD = "score_sd"
    /// SD of the logit of the score (Austin's 0.2 SD recommendation).
    case logitSD = "logit_sd"
}

/// MatchIt's `m.order`.
public enum MatchingOrder: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    case largest, smallest, data, random
}
