/// How several values of one parameter on the same ICU day become the day's value.
public enum DailyAggregation: String, Sendable, Codable, CaseIterable, Hashable {
    case max, min, mean, median, first, last, sum

    /// The day's value of `values` (in time order). `nil` for no values.
    public func aggregate(_ values: [Double]) -> Double? {
        guard let firstValue = values.first, let lastValue = values.last else { return nil }
        switch self {
        case .max: return values.max()
        case .min: return values.min()
        case .mean: return values.reduce(0, +) / Double(values.count)
        case .sum: return values.reduce(0, +)
        case .first: return firstValue
        case .last: return lastValue
        case .median:
            let sorted = values.sorted()
            let mid = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        }
    }
}

/// Which table a parameter's values live in.
public enum ParameterKind: String, Sendable, Codable, Hashable {
    /// Daily clinical data (`measurements.csv`): vitals, laboratory values, support.
    case clinical
    /// Circulating cytokines (`cytokines.csv`).
    case cytokine
}

/// A unit in which a parameter may be supplied, with its conversion to the canonical unit:
/// `canonical = value × factor + offset`.
public struct UnitConversion: Sendable, Codable, Hashable {
    /// The unit's preferred spelling.
    public var unit: String
    /// Other spellings accepted for the same unit.
    public var aliases: [String]
    public var factor: Double
    public var offset: Double

    public init(_ unit: String, aliases: [String] = [], factor: Double, offset: Double = 0) {
        self.unit = unit
        self.aliases = aliases
        self.factor = factor
        self.offset = offset
    }

    /// Converts a value in this unit to the canonical unit.
    public func toCanonical(_ value: Double) -> Double { value * factor + offset }

    /// Converts a canonical value back to this unit.
    public func fromCanonical(_ value: Double) -> Double { (value - offset) / factor }

    /// Every accepted spelling, preferred first.
    public var spellings: [String] { [unit] + aliases }
}

/// A parameter the study can record: its canonical unit, accepted alternative units,
/// daily aggregation rule and physiological range (in the canonical unit).
public struct ParameterDefinition: Sendable, Codable, Hashable {
    /// Machine name used in the CSV files (`ferritin`, `il6`, …).
    public var name: String
    /// Human label for tables and figures.
    public var label: String
    public var kind: ParameterKind
    /// The canonical unit; its conversion has factor 1 and offset 0.
    public var canonical: UnitConversion
    /// Other units accepted on import, with their conversion to the canonical unit.
    public var alternatives: [UnitConversion]
    public var aggregation: DailyAggregation
    /// Smallest physiologically possible value in the canonical unit (inclusive).
    public var minimum: Double
    /// Largest physiologically possible value in the canonical unit (inclusive).
    public var maximum: Double

    public init(
        name: String, label: String, kind: ParameterKind = .clinical, unit: String, unitAliases: [String] = [],
        alternatives: [UnitConversion] = [], aggregation: DailyAggregation, minimum: Double, maximum: Double
    ) {
        self.name = name
        self.label = label
        self.kind = kind
        self.canonical = UnitConversion(unit, aliases: unitAliases, factor: 1)
        self.alternatives = alternatives
        self.aggregation = aggregation
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The canonical unit's spelling.
    public var unit: String { canonical.unit }

    /// True when zero is a possible value (norepinephrine, urine output, flags): such a parameter
    /// needs a declared rule before it is log-transformed.
    public var canBeZero: Bool { minimum <= 0 }

    /// The conversion for a unit as written in a file, or `nil` when the unit is not accepted.
    /// Matching ignores case, spaces, and the usual spellings of micro (µ, μ, u, mc).
    public func conversion(for unit: String) -> UnitConversion? {
        let key = UnitSpelling.key(unit)
        for conversion in [canonical] + alternatives where conversion.spellings.contains(where: { UnitSpelling.key($0) == key }) {
            return conversion
        }
        return nil
    }

    /// Every accepted unit, canonical first (for error messages and documentation).
    public var acceptedUnits: [String] { ([canonical] + alternatives).map(\.unit) }
}

/// Normalisation of unit spellings so that `µmol/L`, `μmol/l` and `umol/L` compare equal.
public enum UnitSpelling {
    public static func key(_ unit: String) -> String {
        var s = ""
        for scalar in unit.unicodeScalars {
            switch scalar {
            case " ", "\t": continue
            case "\u{00B5}", "\u{03BC}": s.unicodeScalars.append("u")  // micro sign, Greek mu
            case "\u{00D7}": s.unicodeScalars.append("x")  // multiplication sign
            case "\u{2079}": s += "^9"  // superscript nine
            case "\u{00B3}": s += "^3"  // superscript three
            case "\u{00B0}": continue  // degree sign: °C ≡ C
            default: s.unicodeScalars.append(scalar)
            }
        }
        s = s.lowercased()
        s = microPrefixes(s)
        s = s.replacingAll("deg", with: "")
        return s
    }

    /// `mc` as the micro prefix (`mcg`, `mcmol`, `mckat`, `mcL`) becomes `u`: an `mc` that starts
    /// a unit (at the start, or after a character that is not a letter, as in `mg/mcL`) and is
    /// followed by a letter. `mc` inside a word is left alone.
    static func microPrefixes(_ s: String) -> String {
        let scalars = Array(s.unicodeScalars)
        guard scalars.count >= 3 else { return s }
        func isLetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "m", i + 2 < scalars.count, scalars[i + 1] == "c", isLetter(scalars[i + 2]),
               i == 0 || !isLetter(scalars[i - 1]) {
                out.append("u")
                i += 2
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return String(out)
    }
}

extension String {
    /// Foundation-free replacement of every occurrence of `target` (non-empty) by `replacement`.
    func replacingAll(_ target: String, with replacement: String) -> String {
        let t = Array(target.unicodeScalars)
        let src = Array(unicodeScalars)
        guard !t.isEmpty, src.count >= t.count else { return self }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < src.count {
            if i + t.count <= src.count, Array(src[i..<(i + t.count)]) == t {
                out.append(contentsOf: replacement.unicodeScalars)
                i += t.count
            } else {
                out.append(src[i])
                i += 1
            }
        }
        return String(out)
    }
}
