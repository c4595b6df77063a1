import Yams

/// A YAML file decoded by the protocol's strict rules (`StrictNodeDecoder`): unknown keys (with
/// the nearest known one), duplicate keys, wrong node kinds, malformed numbers and unknown
/// keywords are located by line and column, and every position is kept so that the checks
/// run after decoding can point at the line they concern. The protocol and the source mapping
/// files (`dayzero import --mapping`) are read this way.
public struct StrictYAMLDocument<Value: Sendable>: Sendable {
    /// The decoded value, when the structure was readable (it may still have issues).
    public var value: Value?
    /// Every problem found while reading, in the order found.
    public var issues: [ProtocolIssue]
    let positions: [String: SourcePosition]

    /// The position of the value at `path` (`units[2].concept`) or, failing that, of its
    /// longest recorded prefix; nil for an empty document.
    public func position(for path: String) -> SourcePosition? {
        StrictYAMLSession.position(for: path, in: positions)
    }
}

public enum StrictYAML {
    /// Decodes `type` from `text` strictly. Never throws: a text that is not YAML, is empty,
    /// too deep or too large (`ProtocolLimits`) gives no value and one issue.
    public static func decode<T: Decodable & Sendable>(_ type: T.Type, from text: String, what: String = "the file") -> StrictYAMLDocument<T> {
        read(type, from: text, what: what) { _, _ in }
    }

    /// `decode`, running `before` on the composed document first (the protocol reports the
    /// missing keys of every section at once there).
    static func read<T: Decodable & Sendable>(
        _ type: T.Type, from text: String, what: String, before: (Node, StrictYAMLSession) -> Void
    ) -> StrictYAMLDocument<T> {
        if let issue = ProtocolLimits.scanDepth(text) { return StrictYAMLDocument(value: nil, issues: [issue], positions: [:]) }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                return StrictYAMLDocument(value: nil, issues: [ProtocolIssue(kind: .syntax, path: "", message: "\(what) is empty")], positions: [:])
            }
            root = node
        } catch {
            return StrictYAMLDocument(value: nil, issues: [syntaxIssue(error)], positions: [:])
        }
        if let issue = ProtocolLimits.checkTree(root) { return StrictYAMLDocument(value: nil, issues: [issue], positions: [:]) }
        let session = StrictYAMLSession()
        before(root, session)
        var decoded: T?
        do {
            decoded = try StrictNodeDecoder(node: root, codingPath: [], session: session).decode(T.self)
        } catch let issue as ProtocolIssue {
            // A missing key reported before decoding is not repeated.
            if !session.issues.contains(where: { $0.path == issue.path && $0.message == issue.message }) {
                session.issues.append(issue)
            }
        } catch let error as DecodingError {
            session.issues.append(issue(from: error, session: session))
        } catch {
            session.issues.append(ProtocolIssue(kind: .invalidValue, path: "", message: "\(error)"))
        }
        return StrictYAMLDocument(value: decoded, issues: session.issues, positions: session.positions)
    }

    static func syntaxIssue(_ error: any Error) -> ProtocolIssue {
        guard let yaml = error as? YamlError else {
            return ProtocolIssue(kind: .syntax, path: "", message: "not valid YAML: \(error)")
        }
        switch yaml {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) (\($0.text))" } ?? problem
            return ProtocolIssue(kind: .syntax, path: "", position: SourcePosition(mark), message: "not valid YAML: \(detail)")
        case .reader(let problem, _, _, _):
            return ProtocolIssue(kind: .syntax, path: "", message: "cannot read the text: \(problem)")
        default:
            return ProtocolIssue(kind: .syntax, path: "", message: "not valid YAML: \(yaml)")
        }
    }

    static func issue(from error: DecodingError, session: StrictYAMLSession) -> ProtocolIssue {
        let context: DecodingError.Context
        let kind: ProtocolIssue.Kind
        switch error {
        case .dataCorrupted(let c): context = c; kind = .invalidValue
        case .keyNotFound(_, let c): context = c; kind = .missingKey
        case .typeMismatch(_, let c): context = c; kind = .wrongType
        case .valueNotFound(_, let c): context = c; kind = .wrongType
        @unknown default:
            return ProtocolIssue(kind: .invalidValue, path: "", message: "\(error)")
        }
        let path = ProtocolPath.string(context.codingPath)
        return ProtocolIssue(kind: kind, path: path, position: session.position(for: path), message: context.debugDescription)
    }
}
