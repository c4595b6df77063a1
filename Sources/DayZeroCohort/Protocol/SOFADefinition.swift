/// The SOFA score as the protocol defines it: components, each scored from one or more
/// daily inputs by cut-off bands.
///
/// The built-in definition (`SOFADefinition.vincent1996WithoutGCS`) is Vincent JL, Moreno R,
/// Takala J, et al. "The SOFA (Sepsis-related Organ Failure Assessment) score to describe organ
/// dysfunction/failure." Intensive Care Med 1996;22:707–710, Table 1, with the central nervous
/// system (Glasgow Coma Score) omitted as in the paper (all patients sedated), and the
/// µmol/L column for bilirubin and creatinine.
///
/// Scoring of one ICU day:
/// - an input's day value is the daily aggregate of its parameter (`aggregation`, default the
///   catalog's "worst value in 24 h": lowest P/F, platelets, MAP; highest bilirubin,
///   creatinine, vasopressor dose; summed urine output);
/// - an input scores the first band (in listed order) whose threshold the value meets; a band
///   with `requires_ventilation` only applies on a day the patient is mechanically ventilated;
///   no band met → 0;
/// - a component scores the maximum over its inputs that have a value that day, and is
///   missing when none has;
/// - the total follows `missing_components` (see `SOFAMissingPolicy`); with `carry_forward`, a
///   missing component takes the patient's last measured score of it (`SOFACarryForward`).
public struct SOFADefinition: Codable, Sendable, Equatable {
    /// The citation of the cut-offs.
    public var reference: String
    public var missingComponents: SOFAMissingPolicy
    public var components: [SOFAComponent]

    public init(reference: String, missingComponents: SOFAMissingPolicy, components: [SOFAComponent]) {
        self.reference = reference
        self.missingComponents = missingComponents
        self.components = components
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case reference
        case missingComponents = "missing_components"
        case components
    }

    /// Every input parameter, in component order, without repeats.
    public var inputParameters: [String] {
        var seen = Set<String>()
        return components.flatMap { $0.inputs.map(\.parameter) }.filter { seen.insert($0).inserted }
    }

    /// The names of the derived daily parameters: `sofa` and `sofa_<component>`; none for a
    /// definition without components (`SOFADefinition.none`).
    public var derivedParameterNames: [String] {
        components.isEmpty ? [] : [SOFADefinition.totalParameter] + components.map { SOFADefinition.componentParameter($0.name) }
    }

    /// No SOFA score: what a protocol without a `sofa:` section derives.
    public static let none = SOFADefinition(
        reference: "", missingComponents: SOFAMissingPolicy(policy: .sumAvailable, minimumComponents: 1), components: [])

    /// The derived parameter holding the total score.
    public static let totalParameter = "sofa"

    /// The derived parameter holding one component's score.
    public static func componentParameter(_ component: String) -> String { "sofa_" + component }

    /// Vincent et al. 1996 without the GCS: respiration, coagulation, liver, cardiovascular, renal.
    public static let vincent1996WithoutGCS = SOFADefinition(
        reference: "Vincent JL, Moreno R, Takala J, et al. The SOFA (Sepsis-related Organ Failure Assessment) score to describe organ dysfunction/failure. Intensive Care Med 1996;22:707-710 (Table 1); central nervous system (GCS) omitted.",
        missingComponents: SOFAMissingPolicy(policy: .sumAvailable, minimumComponents: 1),
        components: [
            SOFAComponent(name: "respiration", inputs: [
                SOFAInput(parameter: "pf_ratio", bands: [
                    SOFABand(score: 4, threshold: .init(.below, 100), requiresVentilation: true),
                    SOFABand(score: 3, threshold: .init(.below, 200), requiresVentilation: true),
                    SOFABand(score: 2, threshold: .init(.below, 300)),
                    SOFABand(score: 1, threshold: .init(.below, 400)),
                ]),
            ]),
            SOFAComponent(name: "coagulation", inputs: [
                SOFAInput(parameter: "platelets", bands: [
                    SOFABand(score: 4, threshold: .init(.below, 20)),
                    SOFABand(score: 3, threshold: .init(.below, 50)),
                    SOFABand(score: 2, threshold: .init(.below, 100)),
                    SOFABand(score: 1, threshold: .init(.below, 150)),
                ]),
            ]),
            SOFAComponent(name: "liver", inputs: [
                SOFAInput(parameter: "bilirubin", bands: [
                    SOFABand(score: 4, threshold: .init(.above, 204)),
                    SOFABand(score: 3, threshold: .init(.atLeast, 102)),
                    SOFABand(score: 2, threshold: .init(.atLeast, 33)),
                    SOFABand(score: 1, threshold: .init(.atLeast, 20)),
                ]),
            ]),
            SOFAComponent(name: "cardiovascular", inputs: [
                SOFAInput(parameter: "map", bands: [
                    SOFABand(score: 1, threshold: .init(.below, 70)),
                ]),
                SOFAInput(parameter: "dopamine", bands: [
                    SOFABand(score: 4, threshold: .init(.above, 15)),
                    SOFABand(score: 3, threshold: .init(.above, 5)),
                    SOFABand(score: 2, threshold: .init(.above, 0)),
                ]),
                SOFAInput(parameter: "dobutamine", bands: [
                    SOFABand(score: 2, threshold: .init(.above, 0)),
                ]),
                SOFAInput(parameter: "epinephrine", bands: [
                    SOFABand(score: 4, threshold: .init(.above, 0.1)),
                    SOFABand(score: 3, threshold: .init(.above, 0)),
                ]),
                SOFAInput(parameter: "norepinephrine", bands: [
                    SOFABand(score: 4, threshold: .init(.above, 0.1)),
                    SOFABand(score: 3, threshold: .init(.above, 0)),
                ]),
            ]),
            SOFAComponent(name: "renal", inputs: [
                SOFAInput(parameter: "creatinine", bands: [
                    SOFABand(score: 4, threshold: .init(.above, 440)),
                    SOFABand(score: 3, threshold: .init(.atLeast, 300)),
                    SOFABand(score: 2, threshold: .init(.atLeast, 171)),
                    SOFABand(score: 1, threshold: .init(.atLeast, 110)),
                ]),
                SOFAInput(parameter: "urine_output", bands: [
                    SOFABand(score: 4, threshold: .init(.below, 200)),
                    SOFABand(score: 3, threshold: .init(.below, 500)),
                ]),
            ]),
        ])
}

/// What the total is on a day when some components are missing.
public struct SOFAMissingPolicy: Codable, Sendable, Equatable {
    public enum Policy: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
        /// Total = sum of the available components (a missing component counts as normal, 0);
        /// the number of missing components is reported with every total.
        case sumAvailable = "sum_available"
        /// Total only when every component is available; otherwise missing (counted).
        case requireAll = "require_all"
        /// Last value carried forward: a component missing on a scored day takes the patient's
        /// score of that component on the latest earlier scored day on which it was measured
        /// (at most `carryForwardDays` periods earlier when that is set); the total is then the
        /// sum as with `sum_available` (a component never measured before counts 0).
        case carryForward = "carry_forward"
    }

    public var policy: Policy
    /// With `sum_available` and `carry_forward`: the fewest available (measured or carried)
    /// components for a total (default 1).
    public var minimumComponents: Int
    /// With `carry_forward`: the most periods (ICU days on the default time axis) between the
    /// day a component was measured and a day it is carried to; `nil`: no limit within the
    /// patient's data.
    public var carryForwardDays: Int?

    public init(policy: Policy, minimumComponents: Int = 1, carryForwardDays: Int? = nil) {
        self.policy = policy
        self.minimumComponents = minimumComponents
        self.carryForwardDays = carryForwardDays
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case policy
        case minimumComponents = "minimum_components"
        case carryForwardDays = "carry_forward_days"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        policy = try c.decode(Policy.self, forKey: .policy)
        minimumComponents = try c.decodeIfPresent(Int.self, forKey: .minimumComponents) ?? 1
        carryForwardDays = try c.decodeIfPresent(Int.self, forKey: .carryForwardDays)
    }

    /// `carry_forward_days` is written only when set, so a protocol without it keeps its
    /// canonical text (and hash).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(policy, forKey: .policy)
        try c.encode(minimumComponents, forKey: .minimumComponents)
        try c.encodeIfPresent(carryForwardDays, forKey: .carryForwardDays)
    }
}

/// One organ system of the SOFA score.
public struct SOFAComponent: Codable, Sendable, Equatable {
    /// Name (the derived parameter is `sofa_<name>`).
    public var name: String
    public var inputs: [SOFAInput]

    public init(name: String, inputs: [SOFAInput]) {
        self.name = name
        self.inputs = inputs
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, inputs }
}

/// One daily input of a component with its bands.
public struct SOFAInput: Codable, Sendable, Equatable {
    public var parameter: String
    /// `nil`: the catalog's aggregation (the worst value of the day).
    public var aggregation: DailyAggregation?
    /// Checked in order; the first met band gives the score.
    public var bands: [SOFABand]

    public init(parameter: String, aggregation: DailyAggregation? = nil, bands: [SOFABand]) {
        self.parameter = parameter
        self.aggregation = aggregation
        self.bands = bands
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case parameter, aggregation, bands }

    /// The score of `value` on a day with ventilation status `ventilated`.
    @inlinable
    public func score(_ value: Double, ventilated: Bool) -> Int {
        for band in bands where !band.requiresVentilation || ventilated {
            if band.threshold.isMet(by: value) { return band.score }
        }
        return 0
    }
}

/// `{score: 3, below: 200, requires_ventilation: true}`.
public struct SOFABand: Codable, Sendable, Hashable {
    public var score: Int
    public var threshold: Threshold
    /// The band applies only on a day with mechanical ventilation (respiration 3–4).
    public var requiresVentilation: Bool

    public init(score: Int, threshold: Threshold, requiresVentilation: Bool = false) {
        self.score = score
        self.threshold = threshold
        self.requiresVentilation = requiresVentilation
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case score, above
        case atLeast = "at_least"
        case below
        case atMost = "at_most"
        case requiresVentilation = "requires_ventilation"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        score = try c.decode(Int.self, forKey: .score)
        threshold = try Threshold.decode(
            from: c, above: .above, atLeast: .atLeast, below: .below, atMost: .atMost, codingPath: decoder.codingPath)
        requiresVentilation = try c.decodeIfPresent(Bool.self, forKey: .requiresVentilation) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(score, forKey: .score)
        try threshold.encode(into: &c, above: .above, atLeast: .atLeast, below: .below, atMost: .atMost)
        if requiresVentilation { try c.encode(true, forKey: .requiresVentilation) }
    }
}
