/// A number as written in a protocol with its unit, e.g. `2 mg/dL` (kept for display and for
/// writing the protocol back; the analysis uses the value converted to the canonical unit).
public struct WrittenQuantity: Sendable, Hashable, CustomStringConvertible {
    public var value: Double
    public var unit: String

    public init(_ value: Double, _ unit: String) {
        self.value = value
        self.unit = unit
    }

    /// `2 mg/dL`.
    public var description: String { "\(formatNumber(value)) \(unit)" }

    /// Splits `text` into a number and a unit: `2 mg/dL`, `100.4 °F`, `100.4°F`. `nil` when the
    /// text is not a number followed by a unit. A bare number gives `(number, nil)`.
    static func parse(_ text: String) -> (value: Double, unit: String?)? {
        let trimmed = String(text.trimmingSpaces)
        if let x = parseDecimal(trimmed) { return (x, nil) }
        let scalars = Array(trimmed.unicodeScalars)
        var end = 0
        while end < scalars.count, "0123456789.+-".unicodeScalars.contains(scalars[end]) { end += 1 }
        guard end > 0, end < scalars.count else { return nil }
        var number = String.UnicodeScalarView()
        number.append(contentsOf: scalars[0..<end])
        var unit = String.UnicodeScalarView()
        unit.append(contentsOf: scalars[end...])
        guard let x = parseDecimal(String(number)) else { return nil }
        let u = String(String(unit).trimmingSpaces)
        guard !u.isEmpty else { return nil }
        return (x, u)
    }
}

/// Converting protocol quantities written with a unit into a parameter's canonical unit.
public enum ProtocolUnits {
    /// The result of reading a quantity for a parameter.
    public enum Resolution: Equatable, Sendable {
        /// The value in the canonical unit.
        case canonical(Double)
        /// The parameter is not known here (a study-declared one): kept as written, checked by
        /// `StudyProtocol.validate(registry:)`.
        case unresolved
        /// The unit is not accepted for the parameter: the message says why.
        case rejected(String)
    }

    /// `quantity` in the canonical unit of `parameter`, using the parameter's `UnitConversion`.
    /// `definition` is `nil` for a parameter that is not known (then `.unresolved`).
    public static func resolve(_ quantity: WrittenQuantity, parameter: String, definition: ParameterDefinition?) -> Resolution {
        guard let definition else {
            if parameter == "sofa" || parameter.hasPrefix("sofa_") {
                return .rejected("a SOFA score is a bare number of points, found \(MessageText.singleQuoted("\(quantity)"))")
            }
            return .unresolved
        }
        if let conversion = definition.conversion(for: quantity.unit) {
            return .canonical(conversion.toCanonical(quantity.value))
        }
        let accepted = definition.acceptedUnits.joined(separator: ", ")
        if UnitQuantityKind.of(quantity.unit) != nil, UnitQuantityKind.of(quantity.unit) != UnitQuantityKind.of(definition.unit) {
            return .rejected("unit \(MessageText.singleQuoted(quantity.unit)) measures another quantity than \(parameter) (\(definition.unit)); \(parameter) accepts: \(accepted)")
        }
        return .rejected("unknown unit \(MessageText.singleQuoted(quantity.unit)) for \(parameter); \(parameter) accepts: \(accepted)")
    }
}

/// A rough classification of unit spellings, only to say "another quantity" rather than
/// "unknown unit" in a message (`°F` for a bilirubin threshold).
enum UnitQuantityKind: Equatable {
    case temperature, concentration, count, pressure, rate, fraction

    static func of(_ unit: String) -> UnitQuantityKind? {
        let key = UnitSpelling.key(unit)
        if ["c", "f", "celsius", "fahrenheit", "cel", "[f]", "k", "kelvin"].contains(key) { return .temperature }
        if ["mmhg", "kpa", "torr"].contains(key) { return .pressure }
        if key.hasSuffix("/kg/min") || key.hasSuffix("/min") || key.hasSuffix("/h") { return .rate }
        if key == "%" || key == "fraction" { return .fraction }
        if key.hasSuffix("/l") || key.hasSuffix("/dl") || key.hasSuffix("/ml") || key.hasSuffix("/ul") { return .concentration }
        if key.hasPrefix("10^") || key.hasPrefix("x10^") { return .count }
        return nil
    }
}

/// Reads a number that may carry a unit (`above: 2 mg/dL`) for `parameter`, converting it to
/// the canonical unit. A bare number is taken as canonical. Text that is no number, or a unit
/// where none is allowed, is an error located at `key`; a unit the parameter does not accept is
/// left to validation.
func decodeQuantity<K: CodingKey>(
    _ c: KeyedDecodingContainer<K>, forKey key: K, parameter: String?, codingPath: [any CodingKey]
) throws -> (value: Double, written: WrittenQuantity?)? {
    guard c.contains(key), !(try c.decodeNil(forKey: key)) else { return nil }
    if let x = try? c.decode(Double.self, forKey: key) { return (x, nil) }
    let text = try c.decode(String.self, forKey: key)
    guard let (number, unit) = WrittenQuantity.parse(text) else {
        throw DecodingError.dataCorrupted(.init(
            codingPath: codingPath + [key],
            debugDescription: "expected a number or a number followed by a unit (e.g. 2 mg/dL), found \(MessageText.singleQuoted(text))"))
    }
    guard let unit else { return (number, nil) }
    let written = WrittenQuantity(number, unit)
    guard let parameter else {
        throw DecodingError.dataCorrupted(.init(
            codingPath: codingPath + [key],
            debugDescription: "a unit is only allowed in a parameter threshold; write a bare number, found \(MessageText.singleQuoted(text))"))
    }
    switch ProtocolUnits.resolve(written, parameter: parameter, definition: ParameterCatalog.definition(named: parameter)) {
    case .canonical(let x): return (x, written)
    // Kept as written: `validate(registry:)` reports the unit (with every other problem, not
    // instead of them) and checks a study-declared parameter's unit against its declaration.
    case .unresolved, .rejected: return (number, written)
    }
}

/// Encodes a value as written (`2 mg/dL`) when it had a unit, else the number.
func encodeQuantity<K: CodingKey>(_ value: Double, written: WrittenQuantity?, into c: inout KeyedEncodingContainer<K>, forKey key: K) throws {
    if let written { try c.encode(written.description, forKey: key) } else { try c.encode(value, forKey: key) }
}
