import Yams

/// A string-valued enumeration of the protocol whose cases are the accepted YAML words, so a
/// wrong word is reported with the list of accepted ones.
public protocol ProtocolKeyword: CaseIterable, RawRepresentable, Codable, Sendable where RawValue == String {}

/// A protocol section read from a mapping: the keys it cannot do without, all reported at once
/// when missing (`StrictNodeDecoder.decode`).
protocol ProtocolRequiredKeys {
    static var requiredProtocolKeys: [String] { get }
}

extension ProtocolKeyword {
    static var keywordList: [String] { allCases.map(\.rawValue) }
    static func keyword(_ raw: String) -> Self? { Self(rawValue: raw) }
}

/// A position in a protocol file (1-based line and column, columns in Unicode scalars).
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    init(_ mark: Mark) { self.init(line: mark.line, column: mark.column) }

    public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// Decodes a `Decodable` value from a composed YAML node, strictly:
/// - every mapping key must be one of the type's `CodingKeys` (unknown keys are reported with
///   their position and the nearest known key);
/// - duplicate keys, wrong node kinds (mapping/sequence/scalar), malformed numbers and
///   booleans, non-finite numbers and unknown keywords are errors at the node's position;
/// - the position of every decoded node is recorded by coding path, so that the semantic
///   checks that run after decoding can point at the line they concern.
///
/// Errors are collected in `session.issues`; structural errors also stop decoding (they are
/// thrown as `ProtocolIssue`).
final class StrictYAMLSession {
    var issues: [ProtocolIssue] = []
    var positions: [String: SourcePosition] = [:]

    /// Reports every key of `required` that `node` (a mapping at `path`) lacks, once each.
    func reportMissingKeys(_ required: [String], in node: Node, path: String) {
        guard case .mapping(let mapping) = node else { return }
        let present = Set(mapping.compactMap { key, _ -> String? in
            if case .scalar(let s) = key { s.string } else { nil }
        })
        for key in required where !present.contains(key) {
            let message = "missing key \(MessageText.singleQuoted(key))"
            guard !issues.contains(where: { $0.path == path && $0.message == message }) else { continue }
            issues.append(ProtocolIssue(kind: .missingKey, path: path, position: node.mark.map(SourcePosition.init), message: message))
        }
    }

    func record(_ path: [any CodingKey], _ node: Node) {
        if let mark = node.mark { positions[ProtocolPath.string(path)] = SourcePosition(mark) }
    }

    /// The position recorded for `path` or, failing that, for its longest recorded prefix.
    func position(for path: String) -> SourcePosition? { Self.position(for: path, in: positions) }

    /// The position recorded in `positions` for `path` or its longest recorded prefix.
    static func position(for path: String, in positions: [String: SourcePosition]) -> SourcePosition? {
        var p = path
        while true {
            if let pos = positions[p] { return pos }
            guard let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) else { return positions[""] }
            p = String(p[..<cut])
        }
    }
}

/// Coding paths as text: `parameters[2].zero_rule`.
public enum ProtocolPath {
    public static func string(_ path: [any CodingKey]) -> String {
        var s = ""
        for key in path {
            if let i = key.intValue, key.stringValue == "Index \(i)" || key.stringValue == String(i) {
                s += "[\(i)]"
            } else {
                s += s.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return s
    }
}

struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.init(intValue) }
}

struct StrictNodeDecoder: Decoder {
    let node: Node
    let codingPath: [any CodingKey]
    let session: StrictYAMLSession
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(node: Node, codingPath: [any CodingKey], session: StrictYAMLSession) {
        self.node = node
        self.codingPath = codingPath
        self.session = session
        session.record(codingPath, node)
    }

    func issue(_ kind: ProtocolIssue.Kind, _ message: String) -> ProtocolIssue {
        ProtocolIssue(kind: kind, path: ProtocolPath.string(codingPath), position: node.mark.map(SourcePosition.init), message: message)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let mapping) = node else {
            throw issue(.wrongType, "expected a mapping of keys and values, found \(node.kindDescription)")
        }
        return KeyedDecodingContainer(try StrictKeyedContainer<Key>(mapping: mapping, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let sequence) = node else {
            throw issue(.wrongType, "expected a list, found \(node.kindDescription)")
        }
        return StrictUnkeyedContainer(nodes: Array(sequence), decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        StrictSingleValueContainer(decoder: self)
    }

    /// Decodes `T` from this node, giving keywords and primitives their precise messages.
    /// For a type with required keys, every missing one is reported before decoding (which
    /// stops at the first), so one run of `protocol check` names them all.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let keywordType = T.self as? any ProtocolKeyword.Type {
            return try decodeKeyword(keywordType)
        }
        if let required = T.self as? any ProtocolRequiredKeys.Type {
            session.reportMissingKeys(required.requiredProtocolKeys, in: node, path: ProtocolPath.string(codingPath))
        }
        return try T(from: self)
    }

    private func decodeKeyword<K: ProtocolKeyword, T>(_ type: K.Type) throws -> T {
        let raw = try StrictSingleValueContainer(decoder: self).scalarText(expecting: "one of \(K.keywordList.joined(separator: ", "))")
        guard let value = K.keyword(raw) else {
            let hint = nearest(raw, in: K.keywordList).map { " (did you mean \(MessageText.singleQuoted($0))?)" } ?? ""
            let field = codingPath.last(where: { $0.intValue == nil })?.stringValue.replacingAll("_", with: " ") ?? "value"
            throw issue(.unknownValue, "unknown \(field) \(MessageText.singleQuoted(raw))\(hint); expected one of: \(K.keywordList.joined(separator: ", "))")
        }
        guard let typed = value as? T else {
            throw issue(.wrongType, "internal type mismatch decoding \(K.self)")
        }
        return typed
    }
}

extension Node {
    var kindDescription: String {
        switch self {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let s): s.isNull ? "an empty value" : "the value \(MessageText.singleQuoted(s.string))"
        }
    }
}

extension Node.Scalar {
    /// A plain `~`, `null` or empty scalar.
    var isNull: Bool {
        guard style == .plain || style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(string)
    }
}

struct StrictKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: StrictNodeDecoder
    let mappingNode: Node
    let entries: [String: (key: Node, value: Node)]
    let allKeys: [Key]
    var codingPath: [any CodingKey] { decoder.codingPath }

    init(mapping: Node.Mapping, decoder: StrictNodeDecoder) throws {
        self.decoder = decoder
        self.mappingNode = .mapping(mapping)
        var entries: [String: (key: Node, value: Node)] = [:]
        var keys: [Key] = []
        let known = knownKeyNames(Key.self)
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw ProtocolIssue(
                    kind: .wrongType, path: ProtocolPath.string(decoder.codingPath), position: keyNode.mark.map(SourcePosition.init),
                    message: "a key must be a plain word, found \(keyNode.kindDescription)")
            }
            let name = scalar.string
            let keyPosition = keyNode.mark.map(SourcePosition.init)
            if entries[name] != nil {
                throw ProtocolIssue(
                    kind: .duplicateKey, path: ProtocolPath.string(decoder.codingPath), position: keyPosition,
                    message: "duplicate key \(MessageText.singleQuoted(name))")
            }
            entries[name] = (keyNode, valueNode)
            if let key = Key(stringValue: name) {
                keys.append(key)
            } else {
                let hint = nearest(name, in: known).map { " (did you mean \(MessageText.singleQuoted($0))?)" } ?? ""
                let allowed = known.isEmpty ? "" : "; known keys here: \(known.joined(separator: ", "))"
                decoder.session.issues.append(ProtocolIssue(
                    kind: .unknownKey, path: ProtocolPath.string(decoder.codingPath), position: keyPosition,
                    message: "unknown key \(MessageText.singleQuoted(name))\(hint)\(allowed)"))
            }
        }
        self.entries = entries
        self.allKeys = keys
    }

    func contains(_ key: Key) -> Bool { entries[key.stringValue] != nil }

    private func child(_ key: Key) throws -> StrictNodeDecoder {
        guard let entry = entries[key.stringValue] else {
            throw ProtocolIssue(
                kind: .missingKey, path: ProtocolPath.string(codingPath), position: mappingNode.mark.map(SourcePosition.init),
                message: "missing key \(MessageText.singleQuoted(key.stringValue))")
        }
        return StrictNodeDecoder(node: entry.value, codingPath: codingPath + [key], session: decoder.session)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let entry = entries[key.stringValue] else { return true }
        if case .scalar(let s) = entry.value { return s.isNull }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).decode(Bool.self) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).decode(String.self) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).decode(Double.self) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).decode(Int.self) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decode(T.self) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

struct StrictUnkeyedContainer: UnkeyedDecodingContainer {
    let nodes: [Node]
    let decoder: StrictNodeDecoder
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { nodes.count }
    var isAtEnd: Bool { currentIndex >= nodes.count }

    init(nodes: [Node], decoder: StrictNodeDecoder) {
        self.nodes = nodes
        self.decoder = decoder
    }

    private mutating func next() throws -> StrictNodeDecoder {
        guard currentIndex < nodes.count else {
            throw ProtocolIssue(
                kind: .wrongType, path: ProtocolPath.string(codingPath), position: decoder.node.mark.map(SourcePosition.init),
                message: "the list has too few values (\(nodes.count))")
        }
        let d = StrictNodeDecoder(node: nodes[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)], session: decoder.session)
        currentIndex += 1
        return d
    }

    mutating func decodeNil() throws -> Bool {
        guard currentIndex < nodes.count, case .scalar(let s) = nodes[currentIndex], s.isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(T.self) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

struct StrictSingleValueContainer: SingleValueDecodingContainer {
    let decoder: StrictNodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    /// The text of a non-null scalar, or an error naming what was expected.
    func scalarText(expecting what: String) throws -> String {
        guard case .scalar(let s) = decoder.node, !s.isNull else {
            throw decoder.issue(.wrongType, "expected \(what), found \(decoder.node.kindDescription)")
        }
        return s.string
    }

    func decodeNil() -> Bool {
        if case .scalar(let s) = decoder.node { return s.isNull }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        let text = try scalarText(expecting: "true or false")
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw decoder.issue(.wrongType, "expected true or false, found \(MessageText.singleQuoted(text))")
        }
    }

    func decode(_ type: String.Type) throws -> String {
        try scalarText(expecting: "a text value")
    }

    func decode(_ type: Double.Type) throws -> Double {
        let text = try scalarText(expecting: "a number")
        guard let x = parseDecimal(text) else {
            throw decoder.issue(.wrongType, "expected a number, found \(MessageText.singleQuoted(text))")
        }
        return x
    }

    func decode(_ type: Int.Type) throws -> Int {
        let text = try scalarText(expecting: "a whole number")
        guard let x = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
            throw decoder.issue(.wrongType, "expected a whole number, found \(MessageText.singleQuoted(text))")
        }
        return x
    }

    func decode(_ type: UInt64.Type) throws -> UInt64 {
        let text = try scalarText(expecting: "a non-negative whole number")
        guard let x = UInt64(text) else {
            throw decoder.issue(.wrongType, "expected a non-negative whole number, found \(MessageText.singleQuoted(text))")
        }
        return x
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func decode(_ type: Int8.Type) throws -> Int8 { try narrow(try decode(Int.self)) }
    func decode(_ type: Int16.Type) throws -> Int16 { try narrow(try decode(Int.self)) }
    func decode(_ type: Int32.Type) throws -> Int32 { try narrow(try decode(Int.self)) }
    func decode(_ type: Int64.Type) throws -> Int64 { Int64(try decode(Int.self)) }
    func decode(_ type: UInt.Type) throws -> UInt { try narrow(try decode(UInt64.self)) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try narrow(try decode(UInt64.self)) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try narrow(try decode(UInt64.self)) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try narrow(try decode(UInt64.self)) }

    private func narrow<Source: BinaryInteger, Target: BinaryInteger>(_ x: Source) throws -> Target {
        guard let y = Target(exactly: x) else { throw decoder.issue(.invalidValue, "the number \(x) is out of range") }
        return y
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(T.self) }
}

/// A finite decimal number in YAML's plain notation (`12`, `-0.5`, `1e3`, `+4`); `nil` for
/// anything else (including `.inf`, `nan`, `0x1F`).
func parseDecimal(_ text: String) -> Double? {
    let t = text.hasPrefix("+") ? String(text.dropFirst()) : text
    guard !t.isEmpty, t.unicodeScalars.allSatisfy({ "0123456789.-eE+".unicodeScalars.contains($0) }),
          let x = Double(t), x.isFinite
    else { return nil }
    return x
}

/// The names of `Key`'s cases when it is `CaseIterable`, for messages.
func knownKeyNames<Key: CodingKey>(_ type: Key.Type) -> [String] {
    guard let iterable = type as? any (CodingKey & CaseIterable).Type else { return [] }
    return caseNames(iterable)
}

private func caseNames<K: CodingKey & CaseIterable>(_ type: K.Type) -> [String] {
    K.allCases.map(\.stringValue)
}

/// The candidate closest to `word` by edit distance, if it is close (≤ 2 edits, or ≤ a third
/// of the word's length).
func nearest(_ word: String, in candidates: [String]) -> String? {
    let w = Array(word.lowercased().unicodeScalars)
    var best: (String, Int)?
    for candidate in candidates {
        let d = editDistance(w, Array(candidate.lowercased().unicodeScalars))
        if best.map({ d < $0.1 }) ?? true { best = (candidate, d) }
    }
    guard let (name, d) = best, d > 0, d <= max(2, w.count / 3) else { return nil }
    return name
}

private func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
