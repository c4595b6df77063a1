import DayZeroCohort

/// Reads a source mapping file (`dayzero import --omop/--clif --mapping`) the way a protocol is
/// read: strict YAML (unknown keys with the nearest known one, duplicate keys, wrong kinds,
/// malformed numbers), then the mapping's own rules — every problem at once, each at the line
/// and column of the entry it concerns: `FILE:LINE:COLUMN: error: MESSAGE`.
enum MappingFile {
    /// The decoded mapping, or the description of every problem found.
    static func read<T: Decodable & Sendable>(
        _ type: T.Type, text: String, file: String, rules: (T) -> [(path: String, message: String)]
    ) -> Result<T, MappingFileProblems> {
        let document = StrictYAML.decode(T.self, from: text, what: "the mapping file")
        guard let value = document.value, document.issues.isEmpty else {
            // In file order, as a protocol's (an unknown key late in the file was found first).
            let unplaced = SourcePosition(line: Int.max, column: 0)
            let issues = document.issues.enumerated().sorted { a, b in
                let (x, y) = (a.element.position ?? unplaced, b.element.position ?? unplaced)
                return x != y ? x < y : a.offset < b.offset
            }.map(\.element)
            return .failure(MappingFileProblems(description: ProtocolLoadError(file: file, issues: issues).description))
        }
        let broken = rules(value)
        guard broken.isEmpty else {
            let issues = broken.map { ProtocolIssue(kind: .invalidValue, path: "", position: document.position(for: $0.path), message: $0.message) }
            return .failure(MappingFileProblems(description: ProtocolLoadError(file: file, issues: issues).description))
        }
        return .success(value)
    }
}

/// Every problem of a mapping file, one located line each.
struct MappingFileProblems: Error {
    var description: String
}
