/// The built-in parameters of DayZero: the paper's clinical parameters, the SOFA inputs
/// and the seven cytokines, each with its canonical unit, accepted alternatives,
/// daily aggregation and physiological range.
///
/// Daily aggregation follows the SOFA convention of the worst value in 24 hours where a
/// direction is clearly "worse" (highest temperature, creatinine, bilirubin, vasopressor dose;
/// lowest platelets, P/F, MAP) and the highest value for inflammation markers.
///
/// Conversion factors: creatinine 1 mg/dL = 88.42 µmol/L; bilirubin 1 mg/dL = 17.104 µmol/L;
/// ferritin 1 µg/L = 2.247 pmol/L; PaO2 1 kPa = 7.50062 mmHg; 1 U/L = 1/60 µkat/L.
public enum ParameterCatalog {
    private static let perMicrolitre = UnitConversion("/uL", aliases: ["/µL", "/mm3", "cells/uL", "/mm^3"], factor: 0.001)
    private static let thousandPerMicrolitre = UnitConversion(
        "10^3/uL", aliases: ["x10^3/uL", "K/uL", "10*3/uL", "10^3/mm3"], factor: 1)
    /// 10⁹/L; also written /nL (one per nanolitre is 10⁹ per litre).
    private static let gigaPerLitre = ["x10^9/L", "G/L", "10e9/L", "10*9/L", "/nL"]
    private static let unitsPerLitre = ["IU/L", "U/l"]
    private static let microkatal = UnitConversion("ukat/L", aliases: ["µkat/L"], factor: 60)
    private static let kPaToMmHg = UnitConversion("kPa", factor: 7.50062)
    private static let microgramPerKgMin = ["mcg/kg/min", "µg/kg/min", "ug/kg.min"]

    /// All built-in parameters, in display order.
    public static let all: [ParameterDefinition] = [
        ParameterDefinition(
            name: "temperature", label: "Temperature", unit: "°C", unitAliases: ["C", "degC", "Celsius", "Cel"],
            alternatives: [UnitConversion("°F", aliases: ["F", "degF", "Fahrenheit", "[degF]"], factor: 5.0 / 9.0, offset: -160.0 / 9.0)],
            aggregation: .max, minimum: 25, maximum: 45),
        ParameterDefinition(
            name: "ferritin", label: "Ferritin", unit: "µg/L",
            alternatives: [UnitConversion("ng/mL", factor: 1), UnitConversion("pmol/L", factor: 1 / 2.247)],
            aggregation: .max, minimum: 0, maximum: 500_000),
        ParameterDefinition(
            name: "crp", label: "C-reactive protein", unit: "mg/L",
            alternatives: [UnitConversion("mg/dL", factor: 10), UnitConversion("µg/mL", factor: 1)],
            aggregation: .max, minimum: 0, maximum: 1_000),
        ParameterDefinition(
            name: "procalcitonin", label: "Procalcitonin", unit: "µg/L",
            alternatives: [UnitConversion("ng/mL", factor: 1)],
            aggregation: .max, minimum: 0, maximum: 1_000),
        ParameterDefinition(
            name: "wbc", label: "White blood cells", unit: "10^9/L", unitAliases: gigaPerLitre,
            alternatives: [thousandPerMicrolitre, perMicrolitre],
            aggregation: .max, minimum: 0, maximum: 500),
        ParameterDefinition(
            name: "creatinine", label: "Creatinine", unit: "µmol/L",
            alternatives: [UnitConversion("mg/dL", factor: 88.42), UnitConversion("mmol/L", factor: 1000)],
            aggregation: .max, minimum: 5, maximum: 3_000),
        ParameterDefinition(
            name: "bilirubin", label: "Bilirubin", unit: "µmol/L",
            alternatives: [UnitConversion("mg/dL", factor: 17.104)],
            aggregation: .max, minimum: 0, maximum: 1_500),
        ParameterDefinition(
            name: "platelets", label: "Thrombocytes", unit: "10^9/L", unitAliases: gigaPerLitre,
            alternatives: [thousandPerMicrolitre, perMicrolitre],
            aggregation: .min, minimum: 0, maximum: 3_000),
        ParameterDefinition(
            name: "pao2", label: "PaO2", unit: "mmHg", unitAliases: ["mm Hg", "Torr"],
            alternatives: [kPaToMmHg], aggregation: .min, minimum: 10, maximum: 760),
        ParameterDefinition(
            name: "fio2", label: "FiO2", unit: "fraction",
            alternatives: [UnitConversion("%", factor: 0.01)], aggregation: .max, minimum: 0.21, maximum: 1),
        ParameterDefinition(
            name: "pf_ratio", label: "PaO2/FiO2 ratio", unit: "mmHg", unitAliases: ["mm Hg", "Torr"],
            alternatives: [kPaToMmHg], aggregation: .min, minimum: 10, maximum: 800),
        ParameterDefinition(
            name: "map", label: "Mean arterial pressure", unit: "mmHg", unitAliases: ["mm Hg"],
            alternatives: [kPaToMmHg], aggregation: .min, minimum: 10, maximum: 250),
        ParameterDefinition(
            name: "norepinephrine", label: "Norepinephrine", unit: "µg/kg/min", unitAliases: microgramPerKgMin,
            aggregation: .max, minimum: 0, maximum: 10),
        ParameterDefinition(
            name: "epinephrine", label: "Epinephrine", unit: "µg/kg/min", unitAliases: microgramPerKgMin,
            aggregation: .max, minimum: 0, maximum: 10),
        ParameterDefinition(
            name: "dopamine", label: "Dopamine", unit: "µg/kg/min", unitAliases: microgramPerKgMin,
            aggregation: .max, minimum: 0, maximum: 50),
        ParameterDefinition(
            name: "dobutamine", label: "Dobutamine", unit: "µg/kg/min", unitAliases: microgramPerKgMin,
            aggregation: .max, minimum: 0, maximum: 50),
        ParameterDefinition(
            name: "urine_output", label: "Urine output", unit: "mL/day", unitAliases: ["mL/d", "mL/24h", "ml/24 h"],
            alternatives: [UnitConversion("L/day", aliases: ["L/d", "L/24h"], factor: 1000)],
            aggregation: .sum, minimum: 0, maximum: 20_000),
        ParameterDefinition(
            name: "d_dimer", label: "D-dimer", unit: "ng/mL", unitAliases: ["µg/L"],
            alternatives: [UnitConversion("mg/L", aliases: ["µg/mL"], factor: 1000)],
            aggregation: .max, minimum: 0, maximum: 1_000_000),
        ParameterDefinition(
            name: "alat", label: "Alanine transaminase", unit: "U/L", unitAliases: unitsPerLitre,
            alternatives: [microkatal], aggregation: .max, minimum: 0, maximum: 50_000),
        ParameterDefinition(
            name: "asat", label: "Aspartate transaminase", unit: "U/L", unitAliases: unitsPerLitre,
            alternatives: [microkatal], aggregation: .max, minimum: 0, maximum: 50_000),
        ParameterDefinition(
            name: "ldh", label: "Lactate dehydrogenase", unit: "U/L", unitAliases: unitsPerLitre,
            alternatives: [microkatal], aggregation: .max, minimum: 0, maximum: 50_000),
        ParameterDefinition(
            name: "apache_ii", label: "APACHE II", unit: "points", unitAliases: ["score"],
            aggregation: .max, minimum: 0, maximum: 71),
        ParameterDefinition(
            name: "actively_cooled", label: "Actively cooled", unit: "flag", unitAliases: ["0/1", "bool"],
            aggregation: .max, minimum: 0, maximum: 1),
    ] + cytokines

    /// The seven cytokines of the paper's Fig. 1, in its order.
    public static let cytokines: [ParameterDefinition] = [
        ("tnf_alpha", "TNF-α"), ("il6", "IL-6"), ("il8", "IL-8"), ("il10", "IL-10"),
        ("ip10", "IP-10"), ("mcp1", "MCP-1"), ("il1ra", "IL-1RA"),
    ].map { name, label in
        ParameterDefinition(
            name: name, label: label, kind: .cytokine, unit: "pg/mL", unitAliases: ["ng/L"],
            alternatives: [UnitConversion("ng/mL", aliases: ["µg/L"], factor: 1000)],
            aggregation: .mean, minimum: 0, maximum: 100_000_000)
    }

    private static let byName: [String: ParameterDefinition] = Dictionary(
        all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// The built-in definition named `name`, or `nil`.
    public static func definition(named name: String) -> ParameterDefinition? { byName[name] }

    /// True for the names of the values the protocol derives (the SOFA score `sofa` and its
    /// components `sofa_…`): a study cannot supply or declare them.
    public static func isDerivedName(_ name: String) -> Bool {
        name == "sofa" || name.hasPrefix("sofa_")
    }

    /// What in a `parameters.csv` declaration of a catalog parameter would change its meaning:
    /// another kind, another canonical unit (any spelling of the catalog's canonical unit is the
    /// same unit), or a range reaching beyond the catalog's physiological range. A declaration
    /// may relabel the parameter, choose another daily aggregation and narrow the range. Empty
    /// for a name that is not in the catalog.
    public static func redeclarationProblems(_ declared: ParameterDefinition) -> [Redeclaration] {
        guard let catalog = definition(named: declared.name) else { return [] }
        var problems: [Redeclaration] = []
        if declared.kind != catalog.kind { problems.append(.kind(catalog: catalog.kind)) }
        let key = UnitSpelling.key(declared.unit)
        if !catalog.canonical.spellings.contains(where: { UnitSpelling.key($0) == key }) {
            problems.append(.unit(catalog: catalog.unit))
        }
        if declared.minimum < catalog.minimum { problems.append(.minimum(catalog: catalog.minimum, unit: catalog.unit)) }
        if declared.maximum > catalog.maximum { problems.append(.maximum(catalog: catalog.maximum, unit: catalog.unit)) }
        return problems
    }

    /// One way a declaration would change a catalog parameter's meaning.
    public enum Redeclaration: Sendable, Hashable {
        case kind(catalog: ParameterKind)
        case unit(catalog: String)
        case minimum(catalog: Double, unit: String)
        case maximum(catalog: Double, unit: String)
    }
}

extension ParameterDefinition {
    /// This catalog definition as a study redeclares it: the declaration's label and daily
    /// aggregation, its range within this one's; kind, units and conversions unchanged.
    func redeclared(as declared: ParameterDefinition) -> ParameterDefinition {
        var d = self
        d.label = declared.label
        d.aggregation = declared.aggregation
        d.minimum = Swift.max(minimum, Swift.min(declared.minimum, maximum))
        d.maximum = Swift.min(maximum, Swift.max(declared.maximum, d.minimum))
        return d
    }
}

/// The parameters known to one study: the built-in catalog, extended or overridden by the
/// study's own `parameters.csv`.
public struct ParameterRegistry: Sendable {
    public private(set) var definitions: [String: ParameterDefinition]

    /// A study's declaration of a catalog parameter keeps the catalog's meaning — its kind, its
    /// canonical unit with every accepted spelling and conversion, and its physiological range
    /// as the outer bound — and takes only the label, the daily aggregation and a narrower range
    /// from the declaration (`ParameterCatalog.redeclarationProblems` says what import refuses).
    /// Derived names (`sofa`, `sofa_…`) are never taken from a declaration.
    public init(declared: [ParameterDefinition] = []) {
        var d: [String: ParameterDefinition] = [:]
        for p in ParameterCatalog.all { d[p.name] = p }
        for p in declared where !ParameterCatalog.isDerivedName(p.name) {
            d[p.name] = ParameterCatalog.definition(named: p.name).map { $0.redeclared(as: p) } ?? p
        }
        definitions = d
    }

    public subscript(name: String) -> ParameterDefinition? { definitions[name] }
}
