/// The units a dose in `medications.csv` may be written in.
///
/// Drugs are not a closed list (a study names its own), so the dose units are one list for
/// every drug: amounts (mass, volume, units, moles), amounts per kg of body weight, and the
/// rates of the same per minute, hour or day. Spellings are compared as units are elsewhere
/// (`UnitSpelling.key`: case, spaces, `µ`/`μ`/`u`/`mc` for micro do not matter), and the unit is
/// kept as written. Anything else (`furlongs`, `2 tablets`) is refused, so a dose never carries
/// a unit nobody can read.
public enum DoseUnits {
    /// The amounts a dose may be given in.
    public static let amounts = ["g", "mg", "µg", "ng", "mL", "L", "U", "IU", "kU", "mU", "mmol", "µmol", "mEq", "units"]

    /// Every accepted spelling: each amount, per kg, and each of those per min, h or day.
    public static let accepted: [String] = {
        let perWeight = amounts.flatMap { [$0, $0 + "/kg"] }
        let rates = ["/min", "/h", "/day"]
        return perWeight + perWeight.flatMap { unit in rates.map { unit + $0 } }
    }()

    private static let keys: Set<String> = {
        var keys = Set(accepted.map(UnitSpelling.key))
        // Other common spellings of the same rates.
        for unit in accepted where unit.hasSuffix("/h") { keys.insert(UnitSpelling.key(unit.dropLast(2) + "/hr")) }
        for unit in accepted where unit.hasSuffix("/day") { keys.insert(UnitSpelling.key(unit.dropLast(4) + "/d")) }
        return keys
    }()

    /// True when `unit` is a dose unit DayZero knows.
    public static func isKnown(_ unit: String) -> Bool {
        keys.contains(UnitSpelling.key(unit))
    }

    /// The list for messages: `g, mg, µg, … (each also per kg, and per min, h or day)`.
    public static var summary: String {
        amounts.joined(separator: ", ") + " (each also per kg, and per min, h or day: mg/kg, µg/kg/min, mL/h, …)"
    }
}
