/// A PostgreSQL schema name DayZero accepts: a lower-case SQL identifier (letters, digits and
/// `_`, not starting with a digit, at most 63 bytes), so it can be written into SQL unquoted.
public struct OMOPSchemaName: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    /// `nil` when `name` is not a plain lower-case identifier.
    public init?(_ name: String) {
        guard !name.isEmpty, name.utf8.count <= 63,
              let first = name.unicodeScalars.first, !("0"..."9").contains(first),
              name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
        else { return nil }
        self.name = name
    }

    public var description: String { name }
}

extension OMOPDDL {
    /// The `CREATE TABLE` statements for `schema` (the schema itself must exist).
    public static func statements(schema: OMOPSchemaName) -> String {
        template.replacingOccurrences(of: "{schema}", with: schema.name)
    }
}
