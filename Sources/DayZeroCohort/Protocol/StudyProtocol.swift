/// Everything that turns a study's data into analysis-ready data: the treatment, the
/// exclusions, how day 0 is chosen, the windows, how each parameter is aggregated per day
/// and transformed, the temperature imputation, the SOFA definition, the outcome rules and
/// the analysis sets. Nothing in the derivation is hard-coded; the paper's design
/// (Kooistra et al., Crit Care 2020;24:688) is `StudyProtocol.paperDefault`.
///
/// The YAML form (`docs/protocol.md`) uses the snake_case keys of the `CodingKeys` below;
/// `ProtocolYAML` reads it with line/column diagnostics and `validate(registry:)` checks the
/// rules that a type cannot express (window order, known parameters, zero rules, …).
public struct StudyProtocol: Codable, Sendable, Equatable {
    /// The version of the protocol format; this is format 1.
    public var formatVersion: Int
    /// Short machine name of the protocol (used in provenance and file names).
    public var name: String
    /// Human title, e.g. the study's citation.
    public var title: String?
    public var treatment: TreatmentRule
    /// Patient-level exclusions, applied in this order; a patient meeting several is counted
    /// under the first in the flow diagram (all reasons are kept per patient).
    public var exclusions: [ExclusionRule]
    public var alignment: AlignmentRule
    public var windows: WindowSettings
    /// The analysed parameters, in display order.
    public var parameters: [ParameterRule]
    /// `nil`: no temperature imputation.
    public var temperatureImputation: TemperatureImputationRule?
    /// The SOFA score the protocol derives (`sofa:`); `nil`: none (no `sofa` parameter).
    public var sofaDefinition: SOFADefinition?
    /// The SOFA definition in force: the protocol's, or `SOFADefinition.none` (no components).
    public var sofa: SOFADefinition { sofaDefinition ?? .none }
    public var medications: MedicationSettings
    /// The proteomics volcano's relevance and significance lines; `nil` in a file means the
    /// paper's (see `ProteomicsSettings.paperDefault`).
    public var proteomicsSettings: ProteomicsSettings?
    public var outcomes: OutcomeSettings
    /// The main set and the sensitivity sets, each a full rerun of the workup.
    public var analysisSets: [AnalysisSetRule]
    /// Table 1's baseline sections (`baseline:`); `nil`: `BaselineSection.defaultSections`.
    public var baseline: [BaselineSection]?
    /// Display names of the two groups (`groups:`); `nil`: the treatment drug and "Control".
    public var groups: GroupLabels?
    /// How the report is written (`report:`); `nil`: `ReportSettings()` (no paper references).
    public var report: ReportSettings?
    /// The time axis (`time_axis:`); `nil`: the ICU day (`TimeAxis.icuDay`).
    public var timeAxisSetting: TimeAxis?
    /// The kinetics model (`kinetics_model:`); `nil`: categorical time (`KineticsModel.categorical`).
    public var kineticsModelSetting: KineticsModel?
    /// The specification curve (`robustness:`); `nil`: none. It does not change the analysis
    /// of `results.json` (see `RobustnessSettings`).
    public var robustness: RobustnessSettings?
    /// How a multi-site study pools its sites (`multi_site:`); `nil`: a single-centre protocol
    /// (`dayzero site-summary` takes the settings from its options). Not used by `analyze`.
    public var multiSite: MultiSiteStudySettings?

    /// The protocol format this build reads and writes.
    public static let currentFormatVersion = 1

    public init(
        formatVersion: Int = StudyProtocol.currentFormatVersion, name: String, title: String? = nil,
        treatment: TreatmentRule, exclusions: [ExclusionRule], alignment: AlignmentRule, windows: WindowSettings,
        parameters: [ParameterRule], temperatureImputation: TemperatureImputationRule?, sofa: SOFADefinition?,
        medications: MedicationSettings, proteomics: ProteomicsSettings? = nil, outcomes: OutcomeSettings,
        analysisSets: [AnalysisSetRule], baseline: [BaselineSection]? = nil, groups: GroupLabels? = nil,
        report: ReportSettings? = nil, robustness: RobustnessSettings? = nil
    ) {
        self.report = report
        self.robustness = robustness
        self.formatVersion = formatVersion
        self.name = name
        self.title = title
        self.treatment = treatment
        self.exclusions = exclusions
        self.alignment = alignment
        self.windows = windows
        self.parameters = parameters
        self.temperatureImputation = temperatureImputation
        self.sofaDefinition = sofa
        self.medications = medications
        self.proteomicsSettings = proteomics
        self.outcomes = outcomes
        self.analysisSets = analysisSets
        self.baseline = baseline
        self.groups = groups
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decode(Int.self, forKey: .formatVersion)
        name = try c.decode(String.self, forKey: .name)
        title = try c.decodeIfPresent(String.self, forKey: .title)
        treatment = try c.decode(TreatmentRule.self, forKey: .treatment)
        exclusions = try c.decodeIfPresent([ExclusionRule].self, forKey: .exclusions) ?? []
        alignment = try c.decode(AlignmentRule.self, forKey: .alignment)
        windows = try c.decode(WindowSettings.self, forKey: .windows)
        parameters = try c.decodeIfPresent([ParameterRule].self, forKey: .parameters) ?? []
        temperatureImputation = try c.decodeIfPresent(TemperatureImputationRule.self, forKey: .temperatureImputation)
        sofaDefinition = try c.decodeIfPresent(SOFADefinition.self, forKey: .sofaDefinition)
        medications = try c.decodeIfPresent(MedicationSettings.self, forKey: .medications) ?? .none
        proteomicsSettings = try c.decodeIfPresent(ProteomicsSettings.self, forKey: .proteomicsSettings)
        outcomes = try c.decode(OutcomeSettings.self, forKey: .outcomes)
        analysisSets = try c.decode([AnalysisSetRule].self, forKey: .analysisSets)
        baseline = try c.decodeIfPresent([BaselineSection].self, forKey: .baseline)
        groups = try c.decodeIfPresent(GroupLabels.self, forKey: .groups)
        report = try c.decodeIfPresent(ReportSettings.self, forKey: .report)
        timeAxisSetting = try c.decodeIfPresent(TimeAxis.self, forKey: .timeAxisSetting)
        kineticsModelSetting = try c.decodeIfPresent(KineticsModel.self, forKey: .kineticsModelSetting)
        robustness = try c.decodeIfPresent(RobustnessSettings.self, forKey: .robustness)
        multiSite = try c.decodeIfPresent(MultiSiteStudySettings.self, forKey: .multiSite)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case formatVersion = "dayzero_protocol"
        case name, title, treatment, exclusions, alignment, windows, parameters
        case temperatureImputation = "temperature_imputation"
        case sofaDefinition = "sofa"
        case medications
        case proteomicsSettings = "proteomics"
        case outcomes
        case analysisSets = "analysis_sets"
        case baseline, groups
        case report
        case timeAxisSetting = "time_axis"
        case kineticsModelSetting = "kinetics_model"
        case robustness
        case multiSite = "multi_site"
    }

    /// The report settings in force: the protocol's, else none of the optional texts.
    public var reportSettings: ReportSettings { report ?? ReportSettings() }

    /// The time axis in force: the protocol's, else the ICU day.
    public var timeAxis: TimeAxis { timeAxisSetting ?? .icuDay }

    /// The kinetics model in force: the protocol's, else categorical time.
    public var kineticsModel: KineticsModel { kineticsModelSetting ?? .categorical }

    /// The group labels in force: the protocol's, else the treatment drug (capitalised) and "Control".
    public var groupLabels: GroupLabels {
        groups ?? GroupLabels(treated: treatment.drug.prefix(1).uppercased() + treatment.drug.dropFirst(), control: "Control")
    }

    /// The proteomics settings in force: the protocol's, else the paper's.
    public var proteomics: ProteomicsSettings { proteomicsSettings ?? .paperDefault }

    /// The rule of the parameter named `name`, if the protocol analyses it.
    public func parameterRule(named name: String) -> ParameterRule? {
        parameters.first { $0.name == name }
    }

    /// The analysis set named `name`.
    public func analysisSet(named name: String) -> AnalysisSetRule? {
        analysisSets.first { $0.name == name }
    }

    /// The measured parameters the exclusion rules' parameter leaves name (sorted, each once):
    /// the `measurements.csv` rows a derivation needs before alignment.
    public var exclusionParameters: [String] {
        var names = Set<String>()
        for leaf in exclusions.flatMap(\.rule.leaves) {
            if case .parameter(let c) = leaf { names.insert(c.parameter) }
        }
        return names.sorted()
    }

    /// The aggregation of parameter `name`'s values within one period when a rule names none:
    /// the protocol's rule for it, else the catalog's or the study's declaration, else `max`
    /// (as for the daily values, `SeriesPlan`).
    public func defaultAggregation(of name: String, registry: ParameterRegistry) -> DailyAggregation {
        parameterRule(named: name)?.aggregation ?? registry[name]?.aggregation ?? .max
    }
}

/// One section of Table 1's baseline characteristics: a title and the variables shown, in order
/// (`sex`, `age`, built-in or `variables.csv` names).
public struct BaselineSection: Codable, Sendable, Hashable {
    public var title: String
    public var variables: [String]

    public init(title: String, variables: [String]) {
        self.title = title
        self.variables = variables
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case title, variables }

    /// Without a `baseline:` section: "Patient characteristics" (sex, age, the built-in
    /// characteristics, then the study's declared variables in declaration order) and "Medical
    /// history" (the built-in comorbidity flags). Table 1 leaves out a row nobody has a value for.
    public static func defaultSections(declared: [BaselineVariable]) -> [BaselineSection] {
        [
            BaselineSection(
                title: "Patient characteristics",
                variables: (BaselineCatalog.identity + BaselineCatalog.characteristics + declared).map(\.name)),
            BaselineSection(title: "Medical history", variables: BaselineCatalog.history.map(\.name)),
        ]
    }
}

/// The display names of the treated and control groups (report, exports' labels stay
/// `treated` / `control`).
public struct GroupLabels: Codable, Sendable, Hashable {
    public var treated: String
    public var control: String

    public init(treated: String, control: String) {
        self.treated = treated
        self.control = control
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case treated, control }
}

extension StudyProtocol: ProtocolRequiredKeys {
    static let requiredProtocolKeys = ["dayzero_protocol", "name", "treatment", "alignment", "windows", "outcomes", "analysis_sets"]
}

extension TreatmentRule: ProtocolRequiredKeys { static let requiredProtocolKeys = ["drug"] }
extension AlignmentRule: ProtocolRequiredKeys { static let requiredProtocolKeys = ["controls"] }
extension WindowSettings: ProtocolRequiredKeys { static let requiredProtocolKeys = ["serial"] }
extension MedicationSettings: ProtocolRequiredKeys { static let requiredProtocolKeys = ["drugs", "before", "after"] }
extension OutcomeSettings: ProtocolRequiredKeys { static let requiredProtocolKeys = ["horizon_days"] }
extension ParameterRule: ProtocolRequiredKeys { static let requiredProtocolKeys = ["name", "transform"] }
extension AnalysisSetRule: ProtocolRequiredKeys { static let requiredProtocolKeys = ["name"] }
extension BaselineSection: ProtocolRequiredKeys { static let requiredProtocolKeys = ["title", "variables"] }
extension GroupLabels: ProtocolRequiredKeys { static let requiredProtocolKeys = ["treated", "control"] }

/// How the report is written (`report:`).
public struct ReportSettings: Codable, Sendable, Equatable {
    /// Captions cite the figures of Kooistra et al. 2020 ("cf. Fig. 2b–f"). Only for a study
    /// that reproduces that paper; default `false`.
    public var paperFigureReferences: Bool
    /// What the data's anchor time (`icu_admission`) is in this study, in the report's words:
    /// "ICU admission" (default), "study entry", "randomisation", "hospital admission", ….
    public var admission: String?
    /// The short tick label of the admission value on the kinetics axes ("Adm" by default).
    public var admissionAbbreviation: String?
    /// What the span `icu_admission` … `icu_discharge` is: "ICU stay" (default), "follow-up",
    /// "hospital stay", ….
    public var stay: String?
    /// The heading of the kinetics section of parameters outside the inflammation and SOFA
    /// sections ("Other parameters" by default; e.g. "Liver tests").
    public var otherParameters: String?

    public init(
        paperFigureReferences: Bool = false, admission: String? = nil, admissionAbbreviation: String? = nil, stay: String? = nil,
        otherParameters: String? = nil
    ) {
        self.paperFigureReferences = paperFigureReferences
        self.admission = admission
        self.admissionAbbreviation = admissionAbbreviation
        self.stay = stay
        self.otherParameters = otherParameters
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case paperFigureReferences = "paper_figure_references"
        case admission
        case admissionAbbreviation = "admission_abbreviation"
        case stay
        case otherParameters = "other_parameters"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        paperFigureReferences = try c.decodeIfPresent(Bool.self, forKey: .paperFigureReferences) ?? false
        admission = try c.decodeIfPresent(String.self, forKey: .admission)
        admissionAbbreviation = try c.decodeIfPresent(String.self, forKey: .admissionAbbreviation)
        stay = try c.decodeIfPresent(String.self, forKey: .stay)
        otherParameters = try c.decodeIfPresent(String.self, forKey: .otherParameters)
    }
}

/// The report section a parameter's kinetics panel is shown in (`section:` of a parameter).
public enum ReportSectionName: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    /// "Inflammation parameters".
    case inflammation
    /// "Organ function (SOFA)"; only with a `sofa:` definition.
    case sofa
    /// "Other parameters".
    case other
}

/// The study treatment: the drug whose first administration defines a treated patient's day 0.
public struct TreatmentRule: Codable, Sendable, Equatable {
    /// Drug name as written in `medications.csv` (compared case-insensitively).
    public var drug: String

    public init(drug: String) { self.drug = drug }

    enum CodingKeys: String, CodingKey, CaseIterable { case drug }
}

/// A named exclusion criterion, decided before alignment from the patient's facts: baseline
/// variables, events, medication and measurements (see `Criterion`; windows count ICU days —
/// periods of the time axis — from admission).
///
/// YAML: `{name: NAME, label: TEXT, if: RULE}`; the words `immunocompromised` and
/// `consent_refused` alone stand for the built-in exclusion facts of `patients.csv`
/// (`{variable: immunocompromised, is: 1}`, `{variable: consent_refused, is: 1}`).
public struct ExclusionRule: Codable, Sendable, Hashable {
    /// Machine name (letters, digits, `-`, `_`): the id in `results.json` and the exports.
    public var name: String
    /// What the flow diagram shows.
    public var label: String
    public var rule: Criterion

    public init(name: String, label: String, rule: Criterion) {
        self.name = name
        self.label = label
        self.rule = rule
    }

    /// The built-in `patients.csv` fact `immunocompromised` = 1.
    public static let immunocompromised = ExclusionRule(
        name: "immunocompromised", label: "Pre-existing immunocompromised state",
        rule: .variable(VariableCriterion(variable: "immunocompromised", test: .oneOf(["1"]))))
    /// The built-in `patients.csv` fact `consent_refused` = 1.
    public static let consentRefused = ExclusionRule(
        name: "consent_refused", label: "Consent refused",
        rule: .variable(VariableCriterion(variable: "consent_refused", test: .oneOf(["1"]))))

    /// The rules the single words of an `exclusions` list stand for.
    public static let builtIn: [ExclusionRule] = [.immunocompromised, .consentRefused]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, label
        case rule = "if"
    }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let word = try? single.decode(String.self) {
            guard let rule = Self.builtIn.first(where: { $0.name == word }) else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown exclusion \(MessageText.singleQuoted(word)): write {name: …, label: …, if: RULE}, or one of \(Self.builtIn.map(\.name).joined(separator: ", "))"))
            }
            self = rule
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        label = try c.decodeIfPresent(String.self, forKey: .label) ?? name
        rule = try c.decode(Criterion.self, forKey: .rule)
    }
}

/// How day 0 is chosen.
public struct AlignmentRule: Codable, Sendable, Equatable {
    public var treated: TreatedAlignment
    public var controls: ControlAlignment
    /// How an even number of treated start days whose two middle values differ by an odd
    /// number (a median ending in .5) becomes a whole ICU day.
    public var medianRounding: MedianRounding
    /// The ICU day used when `controls` is `fixed_icu_day`.
    public var fixedICUDay: Int?
    /// Exclude controls that are no longer in the ICU on their alignment day (the paper: yes).
    public var excludeControlsNotInICU: Bool

    public init(
        treated: TreatedAlignment = .firstTreatmentDay, controls: ControlAlignment = .treatedMedianStartDay,
        medianRounding: MedianRounding = .halfDown, fixedICUDay: Int? = nil, excludeControlsNotInICU: Bool = true
    ) {
        self.treated = treated
        self.controls = controls
        self.medianRounding = medianRounding
        self.fixedICUDay = fixedICUDay
        self.excludeControlsNotInICU = excludeControlsNotInICU
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case treated, controls
        case medianRounding = "median_rounding"
        case fixedICUDay = "fixed_icu_day"
        case excludeControlsNotInICU = "exclude_controls_not_in_icu"
    }

    /// `controls` is required; the others default to first_treatment_day, half_down and true.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        treated = try c.decodeIfPresent(TreatedAlignment.self, forKey: .treated) ?? .firstTreatmentDay
        controls = try c.decode(ControlAlignment.self, forKey: .controls)
        medianRounding = try c.decodeIfPresent(MedianRounding.self, forKey: .medianRounding) ?? .halfDown
        fixedICUDay = try c.decodeIfPresent(Int.self, forKey: .fixedICUDay)
        excludeControlsNotInICU = try c.decodeIfPresent(Bool.self, forKey: .excludeControlsNotInICU) ?? true
    }
}

/// Day 0 of a treated patient.
public enum TreatedAlignment: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    /// The ICU day of the first administration of the study treatment.
    case firstTreatmentDay = "first_treatment_day"
}

/// Day 0 of a control patient (one ICU day for all controls).
public enum ControlAlignment: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    /// The median of the treated patients' start days (ICU days since admission), rounded by
    /// `median_rounding` when it is not whole.
    case treatedMedianStartDay = "treated_median_start_day"
    /// A fixed ICU day, `fixed_icu_day`.
    case fixedICUDay = "fixed_icu_day"
}

/// Rounding of a median of whole days that ends in .5 (an even number of values).
public enum MedianRounding: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    /// `(a + b) / 2` rounded down: 12.5 → 12.
    case halfDown = "half_down"
    /// `(a + b) / 2` rounded up: 12.5 → 13.
    case halfUp = "half_up"
    /// The lower of the two middle values (an observed start day): {10, 15} → 10.
    case lowerMiddle = "lower_middle"
    /// The upper of the two middle values: {10, 15} → 15.
    case upperMiddle = "upper_middle"

    /// The median of `days` as a whole day. `nil` for no days.
    ///
    /// For an odd count the middle value; for an even count the two middle values `a ≤ b`
    /// are combined by the rule (`half_down`: ⌊(a + b)/2⌋, `half_up`: ⌈(a + b)/2⌉).
    public func median(of days: [Int]) -> Int? {
        guard !days.isEmpty else { return nil }
        let sorted = days.sorted()
        let n = sorted.count
        if n % 2 == 1 { return sorted[n / 2] }
        let a = sorted[n / 2 - 1], b = sorted[n / 2]
        switch self {
        case .halfDown: return floorDiv(a + b, 2)
        case .halfUp: return -floorDiv(-(a + b), 2)
        case .lowerMiddle: return a
        case .upperMiddle: return b
        }
    }
}

/// Floor division for possibly negative integers.
@inlinable
func floorDiv(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// A closed range of aligned days `[start, end]`; day 0 is the alignment day.
/// Written `[start, end]` in YAML.
public struct DayWindow: Codable, Sendable, Hashable, CustomStringConvertible {
    public var start: Int
    public var end: Int

    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = end
    }

    /// `start ≤ day ≤ end`.
    @inlinable
    public func contains(_ day: Int) -> Bool { day >= start && day <= end }

    public var description: String { "[\(start), \(end)]" }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        let start = try container.decode(Int.self)
        let end = try container.decode(Int.self)
        guard container.isAtEnd else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a window is two whole days [start, end]; found more than two values"))
        }
        self.init(start, end)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(start)
        try container.encode(end)
    }
}

/// The default windows (aligned days, both ends included).
public struct WindowSettings: Codable, Sendable, Equatable {
    /// Serial clinical data (the paper: −10…+10); a parameter may narrow it (P/F, SOFA: −10…+6).
    public var serial: DayWindow
    /// Serial cytokine samples (the paper: −6…+6).
    public var cytokines: DayWindow
    /// Also keep each patient's ICU-admission cytokine sample (shown beside the window).
    public var cytokineAdmissionSample: Bool

    public init(serial: DayWindow, cytokines: DayWindow, cytokineAdmissionSample: Bool) {
        self.serial = serial
        self.cytokines = cytokines
        self.cytokineAdmissionSample = cytokineAdmissionSample
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case serial, cytokines
        case cytokineAdmissionSample = "cytokine_admission_sample"
    }

    /// `serial` is required; `cytokines` defaults to the serial window and
    /// `cytokine_admission_sample` to false (a study without cytokines needs neither).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        serial = try c.decode(DayWindow.self, forKey: .serial)
        cytokines = try c.decodeIfPresent(DayWindow.self, forKey: .cytokines) ?? serial
        cytokineAdmissionSample = try c.decodeIfPresent(Bool.self, forKey: .cytokineAdmissionSample) ?? false
    }
}

/// How a parameter's daily values are transformed before analysis.
public enum ValueTransform: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    /// Natural logarithm (geometric means and the mixed models work on this scale).
    case log
    /// Values are analysed as they are.
    case none
}

/// What happens to a zero under a log transform. Every rule counts the values it touches.
///
/// YAML: `exclude_zeros`, `{add_constant: c}` or `{replace_zeros_with: v}`.
public enum ZeroRule: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Zeros are left out of the analysis and counted.
    case excludeZeros
    /// Every value is analysed as `log(x + c)` (not only the zeros, so the scale stays one scale).
    case addConstant(Double)
    /// Zeros are replaced by `v > 0` (counted); other values are untouched.
    case replaceZerosWith(Double)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case addConstant = "add_constant"
        case replaceZerosWith = "replace_zeros_with"
    }

    public var description: String {
        switch self {
        case .excludeZeros: "exclude_zeros"
        case .addConstant(let c): "add_constant \(c)"
        case .replaceZerosWith(let v): "replace_zeros_with \(v)"
        }
    }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let word = try? single.decode(String.self) {
            guard word == "exclude_zeros" else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown zero rule \(MessageText.singleQuoted(word)) (expected exclude_zeros, {add_constant: c} or {replace_zeros_with: v})"))
            }
            self = .excludeZeros
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let add = try container.decodeIfPresent(Double.self, forKey: .addConstant)
        let replace = try container.decodeIfPresent(Double.self, forKey: .replaceZerosWith)
        switch (add, replace) {
        case (let c?, nil): self = .addConstant(c)
        case (nil, let v?): self = .replaceZerosWith(v)
        default:
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a zero rule is exclude_zeros, {add_constant: c} or {replace_zeros_with: v} (exactly one)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .excludeZeros:
            var single = encoder.singleValueContainer()
            try single.encode("exclude_zeros")
        case .addConstant(let c):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(c, forKey: .addConstant)
        case .replaceZerosWith(let v):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(v, forKey: .replaceZerosWith)
        }
    }
}

/// One analysed parameter: a catalog parameter (or `sofa` / a SOFA component, derived).
public struct ParameterRule: Codable, Sendable, Equatable {
    /// Parameter name (catalog, study-declared, `sofa` or `sofa_<component>`).
    public var name: String
    /// The unit the values are analysed in; must be the parameter's canonical unit. Optional:
    /// written in the default so a reader sees the unit.
    public var unit: String?
    /// Daily aggregation; `nil` = the catalog's rule for the parameter.
    public var aggregation: DailyAggregation?
    public var transform: ValueTransform
    /// Required when `transform` is `log` and the parameter can be zero.
    public var zeroRule: ZeroRule?
    /// `nil` = `windows.serial` (clinical) or `windows.cytokines` (cytokines).
    public var window: DayWindow?
    /// Analysed as kinetics (per-day geometric means, mixed model). Default `true`.
    public var kinetics: Bool
    /// Shown in Table 1 on the ICU-admission day and on the alignment day. Default `false`.
    public var table1: Bool
    /// The unit the report shows the parameter in (axis, labels, Table 1); one of the
    /// parameter's accepted units. `nil`: the canonical unit. The analysis and `results.json`
    /// stay in the canonical unit.
    public var displayUnit: String?
    /// The report section of the parameter's kinetics panel; `nil`: chosen from the protocol
    /// and the catalog (see `docs/report.md`).
    public var section: ReportSectionName?

    public init(
        name: String, unit: String? = nil, aggregation: DailyAggregation? = nil, transform: ValueTransform,
        zeroRule: ZeroRule? = nil, window: DayWindow? = nil, kinetics: Bool = true, table1: Bool = false,
        displayUnit: String? = nil, section: ReportSectionName? = nil
    ) {
        self.displayUnit = displayUnit
        self.section = section
        self.name = name
        self.unit = unit
        self.aggregation = aggregation
        self.transform = transform
        self.zeroRule = zeroRule
        self.window = window
        self.kinetics = kinetics
        self.table1 = table1
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, unit, aggregation, transform
        case zeroRule = "zero_rule"
        case window, kinetics, table1
        case displayUnit = "display_unit"
        case section
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        unit = try c.decodeIfPresent(String.self, forKey: .unit)
        aggregation = try c.decodeIfPresent(DailyAggregation.self, forKey: .aggregation)
        transform = try c.decode(ValueTransform.self, forKey: .transform)
        zeroRule = try c.decodeIfPresent(ZeroRule.self, forKey: .zeroRule)
        window = try c.decodeIfPresent(DayWindow.self, forKey: .window)
        kinetics = try c.decodeIfPresent(Bool.self, forKey: .kinetics) ?? true
        table1 = try c.decodeIfPresent(Bool.self, forKey: .table1) ?? false
        displayUnit = try c.decodeIfPresent(String.self, forKey: .displayUnit)
        section = try c.decodeIfPresent(ReportSectionName.self, forKey: .section)
    }
}

extension DailyAggregation: ProtocolKeyword {}

/// The paper's temperature rule: "In case patients were actively cooled when they had a fever
/// of > 40 °C, body temperature was imputed as 40 °C."
///
/// Exact rule: on an ICU day on which any `flag` measurement is non-zero, the day's value of
/// `parameter` (after daily aggregation) is set to `value` — lowered when the measured value
/// was higher, raised when it was lower (cooling masks the fever), and created when no
/// temperature was measured that day if `impute_unmeasured_days` is true. With `lower_only`
/// (the sentence read as "where the measured value is above 40") only a measured value above
/// `value` is replaced by it; a lower or equal one is kept, and nothing is created. Every
/// flagged day is counted by kind.
public struct TemperatureImputationRule: Codable, Sendable, Equatable {
    public var parameter: String
    /// The daily flag parameter (`actively_cooled`, 0/1).
    public var flag: String
    /// The imputed value, in the parameter's canonical unit.
    public var value: Double
    /// Impute on a flagged day without any measured temperature.
    public var imputeUnmeasuredDays: Bool
    /// Replace a flagged day's measured value only when it is above `value` (never raise, never
    /// create; requires `imputeUnmeasuredDays` false). Default false.
    public var lowerOnly: Bool
    /// The value as written with a unit (`value: 104 °F`), when it had one; `nil` for a bare
    /// number (the canonical unit).
    public var writtenValue: WrittenQuantity?

    public init(
        parameter: String = "temperature", flag: String = "actively_cooled", value: Double = 40, imputeUnmeasuredDays: Bool = true,
        lowerOnly: Bool = false, writtenValue: WrittenQuantity? = nil
    ) {
        self.parameter = parameter
        self.flag = flag
        self.value = value
        self.imputeUnmeasuredDays = imputeUnmeasuredDays
        self.lowerOnly = lowerOnly
        self.writtenValue = writtenValue
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case parameter, flag, value
        case imputeUnmeasuredDays = "impute_unmeasured_days"
        case lowerOnly = "lower_only"
    }

    /// `value` may carry a unit of the parameter (`104 °F`), converted to the canonical unit.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        parameter = try c.decode(String.self, forKey: .parameter)
        flag = try c.decode(String.self, forKey: .flag)
        guard let q = try decodeQuantity(c, forKey: .value, parameter: parameter, codingPath: decoder.codingPath) else {
            _ = try c.decode(Double.self, forKey: .value)  // reports the missing or empty value
            throw DecodingError.valueNotFound(Double.self, .init(codingPath: decoder.codingPath + [CodingKeys.value], debugDescription: "missing value"))
        }
        value = q.value
        writtenValue = q.written
        imputeUnmeasuredDays = try c.decode(Bool.self, forKey: .imputeUnmeasuredDays)
        lowerOnly = try c.decodeIfPresent(Bool.self, forKey: .lowerOnly) ?? false
    }

    /// `lower_only` is written only when true, so a protocol without it keeps its canonical
    /// text (and hash).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(parameter, forKey: .parameter)
        try c.encode(flag, forKey: .flag)
        try encodeQuantity(value, written: writtenValue, into: &c, forKey: .value)
        try c.encode(imputeUnmeasuredDays, forKey: .imputeUnmeasuredDays)
        if lowerOnly { try c.encode(true, forKey: .lowerOnly) }
    }
}

/// Medication use before and after day 0 (the paper's Additional Fig. 2).
public struct MedicationSettings: Codable, Sendable, Equatable {
    /// Drugs reported, as written in `medications.csv` (case-insensitive).
    public var drugs: [String]
    /// "Before": the paper's "10 days before alignment day", −10…−1.
    public var before: DayWindow
    /// "After": day 0 (start of treatment) to +10.
    public var after: DayWindow

    public init(drugs: [String], before: DayWindow, after: DayWindow) {
        self.drugs = drugs
        self.before = before
        self.after = after
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case drugs, before, after }

    /// No drugs reported: what a protocol without a `medications:` section analyses.
    public static let none = MedicationSettings(drugs: [], before: DayWindow(-10, -1), after: DayWindow(0, 10))
}

/// The lines of the proteomics volcano (the paper's Fig. 2a): a change is *relevant* when its
/// mean fold change is at least `relevanceFoldChange` in either direction, and *significant*
/// when its paired t-test p is below `significanceP`.
public struct ProteomicsSettings: Codable, Sendable, Equatable {
    /// |fold change| at or above which a change is relevant (the paper: 2).
    public var relevanceFoldChange: Double
    /// Bonferroni-corrected significance threshold on p (the paper: 0.000625, −log10 p = 3.204,
    /// i.e. 0.05 / 80 tests).
    public var significanceP: Double

    public init(relevanceFoldChange: Double, significanceP: Double) {
        self.relevanceFoldChange = relevanceFoldChange
        self.significanceP = significanceP
    }

    /// The paper's lines: |FC| ≥ 2 and p < 0.000625.
    public static let paperDefault = ProteomicsSettings(relevanceFoldChange: 2, significanceP: 0.000625)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case relevanceFoldChange = "relevance_fold_change"
        case significanceP = "significance_p"
    }
}

/// How death enters a time-to-event outcome other than mortality.
public enum DeathHandling: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    /// Death before the event is the worst outcome: the patient stays "on the ventilator /
    /// in the ICU" to the horizon and is censored there (duration = the horizon).
    case worstOutcome = "worst_outcome"
    /// The patient is censored at death.
    case censorAtDeath = "censor_at_death"
}

/// How a duration is summarised as a number of days (median [IQR] + Mann–Whitney).
public enum DurationCounting: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    /// ICU days from day 0 to the day of the end, both counted: ⌊end⌋ − day0 + 1, at most
    /// horizon + 1 (the paper's quartiles reach 29 with a 28-day horizon).
    case calendarDaysInclusive = "calendar_days_inclusive"
    /// Elapsed time from the start of day 0, at most the horizon.
    case elapsedDays = "elapsed_days"
}

/// The clinical outcomes after day 0.
public struct OutcomeSettings: Codable, Sendable, Equatable {
    /// Days after the start of day 0 (the paper: 28).
    public var horizonDays: Int
    public var deathDuringVentilation: DeathHandling
    public var deathInICU: DeathHandling
    /// The `events.csv` kind of the paper's secondary-infection outcome (used when `measures`
    /// is absent).
    public var secondaryInfectionEvent: String
    public var durationCounting: DurationCounting
    /// The outcomes the study declares; `nil`: the paper's (`OutcomeMeasure.paperOutcomes`).
    public var measures: [OutcomeMeasure]?

    /// The outcomes analysed: the declared ones, else the paper's.
    public var analysedMeasures: [OutcomeMeasure] { measures ?? OutcomeMeasure.paperOutcomes(self) }

    public init(
        horizonDays: Int = 28, deathDuringVentilation: DeathHandling = .worstOutcome, deathInICU: DeathHandling = .worstOutcome,
        secondaryInfectionEvent: String = "secondary_infection", durationCounting: DurationCounting = .calendarDaysInclusive,
        measures: [OutcomeMeasure]? = nil
    ) {
        self.horizonDays = horizonDays
        self.deathDuringVentilation = deathDuringVentilation
        self.deathInICU = deathInICU
        self.secondaryInfectionEvent = secondaryInfectionEvent
        self.durationCounting = durationCounting
        self.measures = measures
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case horizonDays = "horizon_days"
        case deathDuringVentilation = "death_during_ventilation"
        case deathInICU = "death_in_icu"
        case secondaryInfectionEvent = "secondary_infection_event"
        case durationCounting = "duration_counting"
        case measures
    }

    /// `horizon_days` is required (no horizon is assumed); the rules default to the paper's.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        horizonDays = try c.decode(Int.self, forKey: .horizonDays)
        deathDuringVentilation = try c.decodeIfPresent(DeathHandling.self, forKey: .deathDuringVentilation) ?? .worstOutcome
        deathInICU = try c.decodeIfPresent(DeathHandling.self, forKey: .deathInICU) ?? .worstOutcome
        secondaryInfectionEvent = try c.decodeIfPresent(String.self, forKey: .secondaryInfectionEvent) ?? "secondary_infection"
        durationCounting = try c.decodeIfPresent(DurationCounting.self, forKey: .durationCounting) ?? .calendarDaysInclusive
        measures = try c.decodeIfPresent([OutcomeMeasure].self, forKey: .measures)
    }
}
