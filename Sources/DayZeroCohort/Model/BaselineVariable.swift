/// What kind of value a baseline variable holds, and so how Table 1 summarises and tests it.
public enum BaselineKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// Yes/no, written `1` / `0`: n (%) of yes per group, Fisher's exact test.
    case binary
    /// One of a declared list of levels: n (%) per level and group; Pearson's chi-square test
    /// without continuity correction when every expected count is at least 5, else Fisher's
    /// exact test on the levels × groups table (the rule of R's gtsummary).
    case categorical
    /// A number: median [IQR] per group (R quantile type 7), Mann–Whitney U test.
    case continuous
}

/// A characteristic of a patient recorded once, at or before ICU admission (a column of
/// `patients.csv`): the built-in ones of `BaselineCatalog` or one declared by the study in
/// `variables.csv`. An empty cell means *unknown* — never "absent" or zero.
public struct BaselineVariable: Sendable, Codable, Hashable {
    /// Column name in `patients.csv` (letters, digits, `_`).
    public var name: String
    /// Label for tables and figures.
    public var label: String
    public var kind: BaselineKind
    /// Unit shown after the label (continuous variables); `nil` for none.
    public var unit: String?
    /// Categorical: the accepted values, in display order.
    public var levels: [String]
    /// Categorical: the label of each level (same count as `levels`).
    public var levelLabels: [String]
    /// Continuous: the accepted range, inclusive.
    public var minimum: Double?
    public var maximum: Double?

    public init(
        name: String, label: String, kind: BaselineKind, unit: String? = nil, levels: [String] = [],
        levelLabels: [String]? = nil, minimum: Double? = nil, maximum: Double? = nil
    ) {
        self.name = name
        self.label = label
        self.kind = kind
        self.unit = unit
        self.levels = levels
        self.levelLabels = levelLabels ?? levels
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The label of level `index`, or the level itself.
    public func levelLabel(_ index: Int) -> String {
        index < levelLabels.count ? levelLabels[index] : (index < levels.count ? levels[index] : "level \(index + 1)")
    }
}

/// The built-in baseline variables: optional columns of `patients.csv` that need no
/// declaration. They are the common ICU admission characteristics (those of the Kooistra
/// study among them); a study uses the ones it has and leaves the rest out.
public enum BaselineCatalog {
    /// The built-in continuous characteristics, in display order.
    public static let characteristics: [BaselineVariable] = [
        BaselineVariable(name: "bmi", label: "Body mass index", kind: .continuous, unit: "kg/m²", minimum: 5, maximum: 150),
        BaselineVariable(name: "apache_ii", label: "APACHE II", kind: .continuous, minimum: 0, maximum: 71),
        BaselineVariable(
            name: "symptom_days", label: "Time from first symptoms until ICU admission", kind: .continuous, unit: "days",
            minimum: 0, maximum: 365),
    ]

    /// The built-in medical-history flags, in display order.
    public static let history: [BaselineVariable] = Comorbidity.allCases.map {
        BaselineVariable(name: $0.rawValue, label: $0.label, kind: .binary)
    }

    /// The built-in exclusion facts.
    public static let exclusionFacts: [BaselineVariable] = [
        BaselineVariable(name: "immunocompromised", label: "Pre-existing immunocompromised state", kind: .binary),
        BaselineVariable(name: "consent_refused", label: "Consent refused", kind: .binary),
    ]

    /// Every built-in variable.
    public static let all: [BaselineVariable] = characteristics + history + exclusionFacts

    /// The identity columns every study has; Table 1 can show `sex` (male, n (%)) and `age`.
    public static let identity: [BaselineVariable] = [
        BaselineVariable(name: "sex", label: "Sex, male", kind: .binary),
        BaselineVariable(name: "age", label: "Age", kind: .continuous, unit: "years", minimum: 0, maximum: 130),
    ]

    /// Names that no study may declare in `variables.csv`: the identity columns and the built-ins.
    public static let reservedNames: Set<String> = Set(["patient_id", "site"] + (identity + all).map(\.name))
}

/// The baseline variables a study can use: identity (`sex`, `age`), the built-in catalog and
/// the study's declarations, looked up by name.
public struct BaselineRegistry: Sendable {
    /// Declared variables in declaration order (their values are `Patient.declared` in this order).
    public let declared: [BaselineVariable]
    private let declaredIndex: [String: Int]

    public init(declared: [BaselineVariable]) {
        self.declared = declared
        var index: [String: Int] = [:]
        for (i, v) in declared.enumerated() where index[v.name] == nil { index[v.name] = i }
        declaredIndex = index
    }

    /// The definition of `name`, if any.
    public subscript(name: String) -> BaselineVariable? {
        if let i = declaredIndex[name] { return declared[i] }
        return (BaselineCatalog.identity + BaselineCatalog.all).first { $0.name == name }
    }

    /// Every name known, in display order: identity, built-ins, declared.
    public var allNames: [String] { (BaselineCatalog.identity + BaselineCatalog.all + declared).map(\.name) }

    /// `patient`'s value of `name` (`nil` = unknown or no such variable): binary 1/0, categorical
    /// the 0-based level index, continuous the number. `sex` is 1 for male.
    public func value(_ name: String, of patient: Patient) -> Double? {
        if let i = declaredIndex[name] { return i < patient.declared.count ? patient.declared[i] : nil }
        switch name {
        case "sex": return patient.sex == .male ? 1 : 0
        case "age": return patient.age
        case "bmi": return patient.bmi
        case "apache_ii": return patient.apacheII
        case "symptom_days": return patient.symptomDays
        case "immunocompromised": return patient.immunocompromised.map { $0 ? 1 : 0 }
        case "consent_refused": return patient.consentRefused.map { $0 ? 1 : 0 }
        default:
            guard let c = Comorbidity(rawValue: name) else { return nil }
            return patient.history(c).map { $0 ? 1 : 0 }
        }
    }
}
