import Foundation

/// The specification curve (`robustness:`): the analytic choices to vary, each a named
/// dimension with its alternatives, and how many specifications to run. A specification is
/// one alternative of every dimension, i.e. a set of edits of the protocol
/// (`RobustnessDimension.apply`); the protocol's own choice, when a dimension does not list
/// it, is added as its last alternative, so the protocol itself is always one of the
/// specifications.
///
/// YAML (see docs/protocol.md and docs/methods/robustness.md):
/// ```yaml
/// robustness:
///   analysis_sets: [main]
///   max_specifications: 600
///   seed: 1
///   dimensions:
///     - name: norepinephrine_zeros
///       label: Norepinephrine zero rule
///       vary: zero_rule
///       parameter: norepinephrine
///       alternatives: [{add_constant: 0.001}, {add_constant: 0.01}, {add_constant: 0.1}, exclude_zeros]
/// ```
public struct RobustnessSettings: Codable, Sendable, Equatable {
    /// The analysis sets whose headline results are collected; `nil`: the first (main) set.
    public var analysisSets: [String]?
    /// The most specifications run: a larger grid is sampled (the protocol's own specification
    /// and `max_specifications − 1` others drawn with `seed`). Default 1000.
    public var maxSpecifications: Int
    /// The seed of the sample of a grid larger than `maxSpecifications`. Default 1.
    public var seed: UInt64
    public var dimensions: [RobustnessDimension]

    /// The default of `max_specifications`.
    public static let defaultMaxSpecifications = 1000
    /// The largest `max_specifications` a protocol may ask for.
    public static let maximumSpecifications = 100_000

    public init(analysisSets: [String]? = nil, maxSpecifications: Int = RobustnessSettings.defaultMaxSpecifications, seed: UInt64 = 1,
                dimensions: [RobustnessDimension]) {
        self.analysisSets = analysisSets
        self.maxSpecifications = maxSpecifications
        self.seed = seed
        self.dimensions = dimensions
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case analysisSets = "analysis_sets"
        case maxSpecifications = "max_specifications"
        case seed, dimensions
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        analysisSets = try c.decodeIfPresent([String].self, forKey: .analysisSets)
        maxSpecifications = try c.decodeIfPresent(Int.self, forKey: .maxSpecifications) ?? Self.defaultMaxSpecifications
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        dimensions = try c.decode([RobustnessDimension].self, forKey: .dimensions)
    }

    /// The number of specifications of the full grid (the product of the dimensions' sizes),
    /// `nil` when it exceeds `Int.max`.
    public var gridSize: Int? {
        var n = 1
        for d in dimensions {
            let (product, overflow) = n.multipliedReportingOverflow(by: d.choice.count)
            if overflow { return nil }
            n = product
        }
        return n
    }
}

/// One analytic choice varied by the specification curve.
public struct RobustnessDimension: Codable, Sendable, Equatable {
    /// Machine name (unique within `robustness.dimensions`).
    public var name: String
    /// What a reader is shown; `nil`: made from the choice ("Zero rule of norepinephrine").
    public var label: String?
    public var choice: RobustnessChoice

    public init(name: String, label: String? = nil, choice: RobustnessChoice) {
        self.name = name
        self.label = label
        self.choice = choice
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, label, vary, parameter
        case analysisSet = "analysis_set"
        case alternatives
    }

    /// The label in force: the protocol's or one made from the choice.
    public var displayLabel: String { label ?? choice.defaultLabel }

    /// The analysis set the dimension acts on alone (the matching and criterion choices), or
    /// `nil` when it can change every set.
    public var analysisSet: String? {
        switch choice {
        case .matchingCaliper(let set, _), .matchingCovariates(let set, _), .criterionDays(let set, _, _),
             .criterionConsecutive(let set, _, _):
            set
        default: nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        let vary = try c.decode(RobustnessChoice.Kind.self, forKey: .vary)
        func parameter() throws -> String { try c.decode(String.self, forKey: .parameter) }
        func set() throws -> String { try c.decode(String.self, forKey: .analysisSet) }
        switch vary {
        case .zeroRule: choice = .zeroRule(parameter: try parameter(), try c.decode([ZeroRule].self, forKey: .alternatives))
        case .sofaMissingComponents: choice = .sofaMissingComponents(try c.decode([SOFAMissingPolicy.Policy].self, forKey: .alternatives))
        case .sofaInputsLeftOut: choice = .sofaInputsLeftOut(try c.decode([[String]].self, forKey: .alternatives))
        case .temperatureImputation:
            choice = .temperatureImputation(try c.decode([TemperatureImputationChoice].self, forKey: .alternatives))
        case .medianRounding: choice = .medianRounding(try c.decode([MedianRounding].self, forKey: .alternatives))
        case .window:
            choice = .window(parameter: try c.decodeIfPresent(String.self, forKey: .parameter), try c.decode([DayWindow].self, forKey: .alternatives))
        case .proteomicsSignificanceP: choice = .proteomicsSignificanceP(try c.decode([Double].self, forKey: .alternatives))
        case .matchingCaliper:
            choice = .matchingCaliper(set: try set(), try c.decode([CaliperChoice].self, forKey: .alternatives).map(\.caliper))
        case .matchingCovariates: choice = .matchingCovariates(set: try set(), try c.decode([[String]].self, forKey: .alternatives))
        case .criterionDays:
            choice = .criterionDays(set: try set(), parameter: try parameter(), try c.decode([Int].self, forKey: .alternatives))
        case .criterionConsecutive:
            choice = .criterionConsecutive(set: try set(), parameter: try parameter(), try c.decode([CriterionDayRun].self, forKey: .alternatives))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(label, forKey: .label)
        try c.encode(choice.kind, forKey: .vary)
        switch choice {
        case .zeroRule(let parameter, let alternatives):
            try c.encode(parameter, forKey: .parameter)
            try c.encode(alternatives, forKey: .alternatives)
        case .sofaMissingComponents(let a): try c.encode(a, forKey: .alternatives)
        case .sofaInputsLeftOut(let a): try c.encode(a, forKey: .alternatives)
        case .temperatureImputation(let a): try c.encode(a, forKey: .alternatives)
        case .medianRounding(let a): try c.encode(a, forKey: .alternatives)
        case .window(let parameter, let a):
            try c.encodeIfPresent(parameter, forKey: .parameter)
            try c.encode(a, forKey: .alternatives)
        case .proteomicsSignificanceP(let a): try c.encode(a, forKey: .alternatives)
        case .matchingCaliper(let set, let a):
            try c.encode(set, forKey: .analysisSet)
            try c.encode(a.map(CaliperChoice.init(caliper:)), forKey: .alternatives)
        case .matchingCovariates(let set, let a):
            try c.encode(set, forKey: .analysisSet)
            try c.encode(a, forKey: .alternatives)
        case .criterionDays(let set, let parameter, let a):
            try c.encode(set, forKey: .analysisSet)
            try c.encode(parameter, forKey: .parameter)
            try c.encode(a, forKey: .alternatives)
        case .criterionConsecutive(let set, let parameter, let a):
            try c.encode(set, forKey: .analysisSet)
            try c.encode(parameter, forKey: .parameter)
            try c.encode(a, forKey: .alternatives)
        }
    }

    /// This dimension with the protocol's own setting appended when it is not listed
    /// (`RobustnessChoice.includingOwn(of:)`): what the specification curve varies.
    public func includingOwn(of p: StudyProtocol) -> RobustnessDimension {
        RobustnessDimension(name: name, label: label, choice: choice.includingOwn(of: p))
    }

    /// `p` with alternative `k` of this dimension in force. `k` must be below `choice.count`;
    /// a choice whose target the protocol lacks (validated away) leaves `p` unchanged.
    public func apply(_ k: Int, to p: inout StudyProtocol) {
        choice.apply(k, to: &p)
    }
}

/// What a dimension varies, and its alternatives (each a typed edit of the protocol).
public enum RobustnessChoice: Sendable, Equatable {
    /// `vary: zero_rule, parameter: P`: the zero rule of log-transformed parameter P.
    case zeroRule(parameter: String, [ZeroRule])
    /// `vary: sofa_missing_components`: `sum_available` (a missing component counts 0),
    /// `require_all` (complete days only) or `carry_forward` (last value carried forward).
    case sofaMissingComponents([SOFAMissingPolicy.Policy])
    /// `vary: sofa_inputs_left_out`: SOFA inputs not scored (e.g. `[]` vs `[map]`).
    case sofaInputsLeftOut([[String]])
    /// `vary: temperature_imputation`: the imputation of actively cooled days.
    case temperatureImputation([TemperatureImputationChoice])
    /// `vary: median_rounding`: the alignment's rounding of a median ending in .5.
    case medianRounding([MedianRounding])
    /// `vary: window`: `windows.serial` (no `parameter`) or parameter P's own window.
    case window(parameter: String?, [DayWindow])
    /// `vary: proteomics_significance_p`: the volcano's significance line.
    case proteomicsSignificanceP([Double])
    /// `vary: matching_caliper, analysis_set: S`: set S's caliper (`none` or SDs of the logit).
    case matchingCaliper(set: String, [Double?])
    /// `vary: matching_covariates, analysis_set: S`: set S's propensity-model covariates.
    case matchingCovariates(set: String, [[String]])
    /// `vary: criterion_days, analysis_set: S, parameter: P`: `on_at_least_days` of every
    /// criterion on parameter P in set S's inclusion and exclusion rules. Setting 1 day also
    /// clears `consecutive` (one day is always a run).
    case criterionDays(set: String, parameter: String, [Int])
    /// `vary: criterion_consecutive, analysis_set: S, parameter: P`: whether the days of every
    /// criterion on parameter P in set S's rules must be consecutive (`any_days`,
    /// `consecutive`). A criterion on 1 day stays `any_days` (the same rule), so such
    /// specifications share one analysis.
    case criterionConsecutive(set: String, parameter: String, [CriterionDayRun])

    /// The YAML word of `vary:`.
    public enum Kind: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
        case zeroRule = "zero_rule"
        case sofaMissingComponents = "sofa_missing_components"
        case sofaInputsLeftOut = "sofa_inputs_left_out"
        case temperatureImputation = "temperature_imputation"
        case medianRounding = "median_rounding"
        case window
        case proteomicsSignificanceP = "proteomics_significance_p"
        case matchingCaliper = "matching_caliper"
        case matchingCovariates = "matching_covariates"
        case criterionDays = "criterion_days"
        case criterionConsecutive = "criterion_consecutive"
    }

    public var kind: Kind {
        switch self {
        case .zeroRule: .zeroRule
        case .sofaMissingComponents: .sofaMissingComponents
        case .sofaInputsLeftOut: .sofaInputsLeftOut
        case .temperatureImputation: .temperatureImputation
        case .medianRounding: .medianRounding
        case .window: .window
        case .proteomicsSignificanceP: .proteomicsSignificanceP
        case .matchingCaliper: .matchingCaliper
        case .matchingCovariates: .matchingCovariates
        case .criterionDays: .criterionDays
        case .criterionConsecutive: .criterionConsecutive
        }
    }

    /// The number of alternatives.
    public var count: Int { alternativeLabels.count }

    /// A reader's label of the dimension when the protocol gives none.
    public var defaultLabel: String {
        switch self {
        case .zeroRule(let parameter, _): "Zero rule of \(parameter)"
        case .sofaMissingComponents: "SOFA day with a missing component"
        case .sofaInputsLeftOut: "SOFA inputs scored"
        case .temperatureImputation: "Temperature imputed on cooled days"
        case .medianRounding: "Rounding of the controls' alignment day"
        case .window(let parameter, _): parameter.map { "Window of \($0)" } ?? "Serial window"
        case .proteomicsSignificanceP: "Proteomics significance line"
        case .matchingCaliper: "Matching caliper"
        case .matchingCovariates: "Matching covariates"
        case .criterionDays(_, let parameter, _): "Days meeting the \(parameter) criterion"
        case .criterionConsecutive(_, let parameter, _): "Consecutive days of the \(parameter) criterion"
        }
    }

    /// Each alternative in a reader's words, in order.
    public var alternativeLabels: [String] {
        switch self {
        case .zeroRule(_, let a): a.map(Self.label)
        case .sofaMissingComponents(let a): a.map(Self.label)
        case .sofaInputsLeftOut(let a): a.map { $0.isEmpty ? "all inputs" : "without " + $0.map(Self.parameterLabel).joined(separator: ", ") }
        case .temperatureImputation(let a): a.map(\.label)
        case .medianRounding(let a): a.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") }
        case .window(_, let a): a.map { "days \(Self.signed($0.start)) to \(Self.signed($0.end))" }
        case .proteomicsSignificanceP(let a): a.map { "p < " + String(format: "%.3g", $0) }
        case .matchingCaliper(_, let a): a.map { $0.map { "caliper \(Self.number($0)) SD" } ?? "no caliper" }
        case .matchingCovariates(_, let a): a.map { $0.map(Self.covariateLabel).joined(separator: ", ") }
        case .criterionDays(_, _, let a): a.map { $0 == 1 ? "on at least 1 day" : "on at least \($0) days" }
        case .criterionConsecutive(_, _, let a): a.map(\.label)
        }
    }

    static func label(_ policy: SOFAMissingPolicy.Policy) -> String {
        switch policy {
        case .sumAvailable: "missing component counts 0"
        case .requireAll: "complete days only"
        case .carryForward: "last value carried forward"
        }
    }

    /// A catalog parameter in a reader's words (its label, lower case unless it starts with an
    /// abbreviation: "mean arterial pressure", "PaO2/FiO2 ratio"); another by its name.
    static func parameterLabel(_ name: String) -> String {
        guard let label = ParameterCatalog.all.first(where: { $0.name == name })?.label else { return name.replacingOccurrences(of: "_", with: " ") }
        return lowerFirst(label)
    }

    /// `s` with a lower-case first letter unless its second letter is upper case too ("APACHE II").
    static func lowerFirst(_ s: String) -> String {
        guard let first = s.first, s.dropFirst().first.map({ !$0.isUppercase }) ?? true else { return s }
        return first.lowercased() + s.dropFirst()
    }

    /// A matching covariate in a reader's words: the baseline variable's label (lower case
    /// unless it starts with an abbreviation: "APACHE II"), "sex" for sex, BMI and COPD
    /// abbreviated (the choice panel's label column is narrow);
    /// a study's own variable by its name with spaces.
    static func covariateLabel(_ name: String) -> String {
        switch name {
        case "sex": return "sex"
        case "copd": return "COPD"
        case "bmi": return "BMI"
        default:
            guard let v = (BaselineCatalog.identity + BaselineCatalog.all).first(where: { $0.name == name }) else {
                return name.replacingOccurrences(of: "_", with: " ")
            }
            return lowerFirst(v.label)
        }
    }

    /// A whole number with the typographic minus.
    static func signed(_ n: Int) -> String { n < 0 ? "\u{2212}\(n.magnitude)" : "\(n)" }

    static func label(_ rule: ZeroRule) -> String {
        switch rule {
        case .excludeZeros: "zeros left out"
        case .addConstant(let c): "log(x + \(number(c)))"
        case .replaceZerosWith(let v): "zeros set to \(number(v))"
        }
    }

    /// Shortest round-trip form of a number, without a trailing ".0".
    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }

    /// The index of the protocol's own alternative, `nil` when the protocol's setting is not
    /// among the alternatives (or the choice's target is missing).
    public func ownAlternative(in p: StudyProtocol) -> Int? {
        switch self {
        case .zeroRule(let parameter, let a):
            guard let rule = p.parameterRule(named: parameter), let own = rule.zeroRule else { return nil }
            return a.firstIndex(of: own)
        case .sofaMissingComponents(let a):
            return p.sofaDefinition.flatMap { a.firstIndex(of: $0.missingComponents.policy) }
        case .sofaInputsLeftOut(let a):
            return a.firstIndex { $0.isEmpty }
        case .temperatureImputation(let a):
            return a.firstIndex(of: TemperatureImputationChoice(p.temperatureImputation))
        case .medianRounding(let a): return a.firstIndex(of: p.alignment.medianRounding)
        case .window(let parameter, let a):
            guard let parameter else { return a.firstIndex(of: p.windows.serial) }
            guard let rule = p.parameterRule(named: parameter) else { return nil }
            return a.firstIndex(of: rule.window ?? p.windows.serial)
        case .proteomicsSignificanceP(let a): return a.firstIndex(of: p.proteomics.significanceP)
        case .matchingCaliper(let set, let a):
            guard let m = p.analysisSet(named: set)?.propensityMatching else { return nil }
            return a.firstIndex(of: m.caliper)
        case .matchingCovariates(let set, let a):
            guard let m = p.analysisSet(named: set)?.propensityMatching else { return nil }
            return a.firstIndex(of: m.covariates)
        case .criterionDays(let set, let parameter, let a):
            guard let rule = p.analysisSet(named: set) else { return nil }
            let days = [rule.includeIf, rule.excludeIf].compactMap { $0 }.compactMap { Self.firstDays(in: $0, parameter: parameter) }.first
            return days.flatMap { a.firstIndex(of: $0) }
        case .criterionConsecutive(let set, let parameter, let a):
            guard let rule = p.analysisSet(named: set) else { return nil }
            let run = [rule.includeIf, rule.excludeIf].compactMap { $0 }.compactMap { Self.firstRun(in: $0, parameter: parameter) }.first
            return run.flatMap { a.firstIndex(of: $0) }
        }
    }

    /// The choice with the protocol's own setting appended as a last alternative when it is not
    /// listed, so that the protocol is always one of the specifications (unchanged when it is
    /// listed, or when the choice's target is missing from the protocol).
    public func includingOwn(of p: StudyProtocol) -> RobustnessChoice {
        guard ownAlternative(in: p) == nil else { return self }
        switch self {
        case .zeroRule(let parameter, let a):
            guard let own = p.parameterRule(named: parameter)?.zeroRule else { return self }
            return .zeroRule(parameter: parameter, a + [own])
        case .sofaMissingComponents(let a):
            guard let own = p.sofaDefinition?.missingComponents.policy else { return self }
            return .sofaMissingComponents(a + [own])
        case .sofaInputsLeftOut(let a): return .sofaInputsLeftOut(a + [[]])
        case .temperatureImputation(let a):
            return .temperatureImputation(a + [TemperatureImputationChoice(p.temperatureImputation)])
        case .medianRounding(let a): return .medianRounding(a + [p.alignment.medianRounding])
        case .window(let parameter, let a):
            guard let parameter else { return .window(parameter: nil, a + [p.windows.serial]) }
            guard let rule = p.parameterRule(named: parameter) else { return self }
            return .window(parameter: parameter, a + [rule.window ?? p.windows.serial])
        case .proteomicsSignificanceP(let a): return .proteomicsSignificanceP(a + [p.proteomics.significanceP])
        case .matchingCaliper(let set, let a):
            guard let m = p.analysisSet(named: set)?.propensityMatching else { return self }
            return .matchingCaliper(set: set, a + [m.caliper])
        case .matchingCovariates(let set, let a):
            guard let m = p.analysisSet(named: set)?.propensityMatching else { return self }
            return .matchingCovariates(set: set, a + [m.covariates])
        case .criterionDays(let set, let parameter, let a):
            guard let rule = p.analysisSet(named: set),
                  let own = [rule.includeIf, rule.excludeIf].compactMap({ $0 }).compactMap({ Self.firstDays(in: $0, parameter: parameter) }).first
            else { return self }
            return .criterionDays(set: set, parameter: parameter, a + [own])
        case .criterionConsecutive(let set, let parameter, let a):
            guard let rule = p.analysisSet(named: set),
                  let own = [rule.includeIf, rule.excludeIf].compactMap({ $0 }).compactMap({ Self.firstRun(in: $0, parameter: parameter) }).first
            else { return self }
            return .criterionConsecutive(set: set, parameter: parameter, a + [own])
        }
    }

    static func firstDays(in c: Criterion, parameter: String) -> Int? {
        switch c {
        case .parameter(let p): return p.parameter == parameter ? p.onAtLeastDays : nil
        case .anyOf(let rules), .allOf(let rules): return rules.lazy.compactMap { firstDays(in: $0, parameter: parameter) }.first
        case .not(let rule): return firstDays(in: rule, parameter: parameter)
        default: return nil
        }
    }

    static func firstRun(in c: Criterion, parameter: String) -> CriterionDayRun? {
        switch c {
        case .parameter(let p): return p.parameter == parameter ? (p.consecutive ? .consecutive : .anyDays) : nil
        case .anyOf(let rules), .allOf(let rules): return rules.lazy.compactMap { firstRun(in: $0, parameter: parameter) }.first
        case .not(let rule): return firstRun(in: rule, parameter: parameter)
        default: return nil
        }
    }

    /// Every criterion on `parameter` in `c` edited by `edit`.
    static func editCriteria(in c: Criterion, parameter: String, _ edit: (inout ParameterCriterion) -> Void) -> Criterion {
        switch c {
        case .parameter(var p):
            if p.parameter == parameter { edit(&p) }
            return .parameter(p)
        case .anyOf(let rules): return .anyOf(rules.map { editCriteria(in: $0, parameter: parameter, edit) })
        case .allOf(let rules): return .allOf(rules.map { editCriteria(in: $0, parameter: parameter, edit) })
        case .not(let rule): return .not(editCriteria(in: rule, parameter: parameter, edit))
        default: return c
        }
    }

    /// `on_at_least_days: n`; one day clears `consecutive` (a single day is always a run, so the
    /// rule is the same and the specifications share one analysis).
    static func setDays(in c: Criterion, parameter: String, to n: Int) -> Criterion {
        editCriteria(in: c, parameter: parameter) { p in
            p.onAtLeastDays = n
            if n <= 1 { p.consecutive = false }
        }
    }

    /// `consecutive` as `run` says, for a criterion on more than one day only (see `setDays`).
    static func setRun(in c: Criterion, parameter: String, to run: CriterionDayRun) -> Criterion {
        editCriteria(in: c, parameter: parameter) { p in p.consecutive = run == .consecutive && p.onAtLeastDays > 1 }
    }

    func apply(_ k: Int, to p: inout StudyProtocol) {
        switch self {
        case .zeroRule(let parameter, let a):
            guard a.indices.contains(k), let i = p.parameters.firstIndex(where: { $0.name == parameter }) else { return }
            p.parameters[i].zeroRule = a[k]
        case .sofaMissingComponents(let a):
            guard a.indices.contains(k), p.sofaDefinition != nil else { return }
            p.sofaDefinition?.missingComponents.policy = a[k]
            // The carry limit belongs to `carry_forward` only (the protocol's, kept for it).
            if a[k] != .carryForward { p.sofaDefinition?.missingComponents.carryForwardDays = nil }
        case .sofaInputsLeftOut(let a):
            guard a.indices.contains(k), var sofa = p.sofaDefinition else { return }
            let out = Set(a[k])
            for c in sofa.components.indices { sofa.components[c].inputs.removeAll { out.contains($0.parameter) } }
            sofa.components.removeAll { $0.inputs.isEmpty }
            p.sofaDefinition = sofa
        case .temperatureImputation(let a):
            guard a.indices.contains(k) else { return }
            switch a[k] {
            case .none: p.temperatureImputation = nil
            case .everyFlaggedDay, .measuredDaysOnly, .aboveValueOnly:
                var rule = p.temperatureImputation ?? TemperatureImputationRule()
                rule.imputeUnmeasuredDays = a[k] == .everyFlaggedDay
                rule.lowerOnly = a[k] == .aboveValueOnly
                p.temperatureImputation = rule
            }
        case .medianRounding(let a):
            guard a.indices.contains(k) else { return }
            p.alignment.medianRounding = a[k]
        case .window(let parameter, let a):
            guard a.indices.contains(k) else { return }
            if let parameter {
                guard let i = p.parameters.firstIndex(where: { $0.name == parameter }) else { return }
                p.parameters[i].window = a[k]
            } else {
                p.windows.serial = a[k]
            }
        case .proteomicsSignificanceP(let a):
            guard a.indices.contains(k) else { return }
            p.proteomicsSettings = ProteomicsSettings(relevanceFoldChange: p.proteomics.relevanceFoldChange, significanceP: a[k])
        case .matchingCaliper(let set, let a):
            guard a.indices.contains(k), let i = p.analysisSets.firstIndex(where: { $0.name == set }) else { return }
            p.analysisSets[i].propensityMatching?.caliper = a[k]
        case .matchingCovariates(let set, let a):
            guard a.indices.contains(k), let i = p.analysisSets.firstIndex(where: { $0.name == set }) else { return }
            p.analysisSets[i].propensityMatching?.covariates = a[k]
        case .criterionDays(let set, let parameter, let a):
            guard a.indices.contains(k), let i = p.analysisSets.firstIndex(where: { $0.name == set }) else { return }
            p.analysisSets[i].includeIf = p.analysisSets[i].includeIf.map { Self.setDays(in: $0, parameter: parameter, to: a[k]) }
            p.analysisSets[i].excludeIf = p.analysisSets[i].excludeIf.map { Self.setDays(in: $0, parameter: parameter, to: a[k]) }
        case .criterionConsecutive(let set, let parameter, let a):
            guard a.indices.contains(k), let i = p.analysisSets.firstIndex(where: { $0.name == set }) else { return }
            p.analysisSets[i].includeIf = p.analysisSets[i].includeIf.map { Self.setRun(in: $0, parameter: parameter, to: a[k]) }
            p.analysisSets[i].excludeIf = p.analysisSets[i].excludeIf.map { Self.setRun(in: $0, parameter: parameter, to: a[k]) }
        }
    }
}

/// An alternative of `vary: criterion_consecutive`: the days of a criterion need not be
/// consecutive, or must be.
public enum CriterionDayRun: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    case anyDays = "any_days"
    case consecutive

    public var label: String {
        switch self {
        case .anyDays: "days need not be consecutive"
        case .consecutive: "consecutive days"
        }
    }
}

/// An alternative of `vary: temperature_imputation`: the protocol's rule (value, flag) on every
/// flagged day including unmeasured ones, on measured flagged days only, only where the
/// measured value is above the imputed value, or no imputation. The paper: "In case patients
/// were actively cooled when they had a fever of > 40 °C, body temperature was imputed as
/// 40 °C" — read as 40 °C on every cooled day (cooling masks the fever), or as a measured
/// value above 40 replaced by 40.
public enum TemperatureImputationChoice: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    /// The rule on every flagged day; a value is created on an unmeasured flagged day
    /// (`impute_unmeasured_days: true`).
    case everyFlaggedDay = "every_flagged_day"
    /// The rule on flagged days with a measured value only, raising or lowering it
    /// (`impute_unmeasured_days: false`).
    case measuredDaysOnly = "measured_days_only"
    /// Only a flagged day's measured value above the imputed value is replaced by it; lower
    /// values are kept and nothing is created (`lower_only: true`).
    case aboveValueOnly = "above_value_only"
    /// No imputation: the measured values as they are.
    case none

    /// The alternative a protocol's rule is (`nil`: no imputation).
    public init(_ rule: TemperatureImputationRule?) {
        guard let rule else {
            self = .none
            return
        }
        self = rule.lowerOnly ? .aboveValueOnly : rule.imputeUnmeasuredDays ? .everyFlaggedDay : .measuredDaysOnly
    }

    /// The label, read after the dimension's label, which names the value (the default
    /// protocol's: "Temperature 40 °C on cooled days").
    public var label: String {
        switch self {
        case .everyFlaggedDay: "every cooled day, even unmeasured"
        case .measuredDaysOnly: "measured cooled days only"
        case .aboveValueOnly: "only where measured higher"
        case .none: "not imputed"
        }
    }
}

/// An alternative of `vary: matching_caliper`: `none` or a number (standard deviations).
struct CaliperChoice: Codable, Sendable, Equatable {
    var caliper: Double?

    init(caliper: Double?) { self.caliper = caliper }

    init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let word = try? single.decode(String.self), word == "none" {
            caliper = nil
            return
        }
        do {
            caliper = try single.decode(Double.self)
        } catch {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "a caliper alternative is none or a number of standard deviations"))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        if let caliper { try single.encode(caliper) } else { try single.encode("none") }
    }
}

extension RobustnessSettings: ProtocolRequiredKeys { static let requiredProtocolKeys = ["dimensions"] }
extension RobustnessDimension: ProtocolRequiredKeys { static let requiredProtocolKeys = ["name", "vary", "alternatives"] }

extension StudyProtocol {
    /// The rules of the `robustness:` section (see `ProtocolValidator.robustness`), checked
    /// when the rest of the protocol is valid; empty without the section. Not part of
    /// `validate`: the section does not change the analysis, so a protocol built in code from
    /// `paperDefault` and edited (a parameter or a set removed) still analyses; `ProtocolYAML`
    /// (a protocol file, `dayzero protocol check`) and `RobustnessAnalysis.run` check it.
    public func validateRobustness(registry: ParameterRegistry = ParameterRegistry(), baseline: BaselineRegistry? = nil) -> [ProtocolIssue] {
        guard let r = robustness, validate(registry: registry, baseline: baseline).isEmpty else { return [] }
        var v = ProtocolValidator(registry: registry, sofa: sofa, baseline: baseline)
        v.robustness(r, in: self)
        return v.issues
    }
}

extension ProtocolValidator {
    /// The rules of `robustness:`, checked once the rest of the protocol is valid (an
    /// alternative is judged against a valid protocol): at least one dimension; names unique;
    /// every dimension has alternatives without repeats, its target exists (parameter, SOFA
    /// input, analysis set, matching), and every alternative applied to the protocol gives a
    /// valid protocol (its problems are reported at the alternative); `1 ≤ max_specifications ≤
    /// 100000`; the listed analysis sets exist. The protocol's own choice, when not listed, is
    /// added as a last alternative by the specification curve.
    mutating func robustness(_ r: RobustnessSettings, in p: StudyProtocol) {
        let path = "robustness"
        if r.dimensions.isEmpty { fail(.invalidValue, "\(path).dimensions", "the specification curve needs at least one dimension") }
        if r.maxSpecifications < 1 || r.maxSpecifications > RobustnessSettings.maximumSpecifications {
            fail(r.maxSpecifications < 1 ? .invalidValue : .tooLarge, "\(path).max_specifications",
                 "max_specifications must be 1 to \(RobustnessSettings.maximumSpecifications), found \(r.maxSpecifications)")
        }
        for (i, name) in (r.analysisSets ?? []).enumerated() where p.analysisSet(named: name) == nil {
            fail(.invalidValue, "\(path).analysis_sets[\(i)]",
                 "unknown analysis set \(MessageText.singleQuoted(name)) (the protocol's sets: \(p.analysisSets.map(\.name).joined(separator: ", ")))")
        }
        duplicates(r.dimensions.map(\.name), "\(path).dimensions", "dimension", nameKey: "name")
        var base = p
        base.robustness = nil
        let baseIssues = Set(base.validate(registry: registry, baseline: baseline).map(\.message))
        for (i, d) in r.dimensions.enumerated() {
            let at = "\(path).dimensions[\(i)]"
            nonEmpty(d.name, "\(at).name", "a dimension's name")
            let labels = d.choice.alternativeLabels
            if labels.isEmpty { fail(.invalidValue, "\(at).alternatives", "a dimension needs at least one alternative") }
            duplicates(labels, "\(at).alternatives", "alternative")
            if let target = Self.missingTarget(d.choice, in: p) {
                fail(.invalidValue, at, target)
                continue
            }
            for k in labels.indices {
                var edited = base
                d.apply(k, to: &edited)
                for issue in edited.validate(registry: registry, baseline: baseline) where !baseIssues.contains(issue.message) {
                    fail(issue.kind, "\(at).alternatives[\(k)]", "alternative \(MessageText.singleQuoted(labels[k])): \(issue.message)")
                }
            }
        }
    }

    /// Why a choice's target is missing from the protocol, or `nil` when it is there.
    static func missingTarget(_ choice: RobustnessChoice, in p: StudyProtocol) -> String? {
        func set(_ name: String) -> AnalysisSetRule? { p.analysisSet(named: name) }
        switch choice {
        case .zeroRule(let parameter, _):
            guard let rule = p.parameterRule(named: parameter) else { return "parameter \(MessageText.singleQuoted(parameter)) is not analysed by the protocol" }
            return rule.transform == .log && rule.zeroRule != nil ? nil
                : "parameter \(MessageText.singleQuoted(parameter)) has no zero rule (a zero rule varies only where the protocol states one)"
        case .sofaMissingComponents:
            return p.sofaDefinition == nil ? "the protocol derives no SOFA score" : nil
        case .sofaInputsLeftOut(let a):
            guard let sofa = p.sofaDefinition else { return "the protocol derives no SOFA score" }
            let inputs = Set(sofa.inputParameters)
            return a.joined().first { !inputs.contains($0) }.map { "\(MessageText.singleQuoted($0)) is not a SOFA input" }
        case .temperatureImputation, .medianRounding, .proteomicsSignificanceP: return nil
        case .window(let parameter, _):
            return parameter.flatMap { p.parameterRule(named: $0) == nil ? "parameter \(MessageText.singleQuoted($0)) is not analysed by the protocol" : nil }
        case .matchingCaliper(let name, _), .matchingCovariates(let name, _):
            guard let rule = set(name) else { return "unknown analysis set \(MessageText.singleQuoted(name))" }
            return rule.propensityMatching == nil ? "analysis set \(MessageText.singleQuoted(name)) is not propensity-score matched" : nil
        case .criterionDays(let name, let parameter, _), .criterionConsecutive(let name, let parameter, _):
            guard let rule = set(name) else { return "unknown analysis set \(MessageText.singleQuoted(name))" }
            let found = [rule.includeIf, rule.excludeIf].compactMap { $0 }.contains { RobustnessChoice.firstDays(in: $0, parameter: parameter) != nil }
            return found ? nil : "analysis set \(MessageText.singleQuoted(name)) has no rule on \(MessageText.singleQuoted(parameter))"
        }
    }
}
