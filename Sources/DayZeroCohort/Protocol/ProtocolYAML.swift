import Yams

/// One problem in a protocol: what rule is broken, where (line and column when the protocol
/// came from a file) and at which key path.
public struct ProtocolIssue: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Not valid YAML.
        case syntax
        case unknownKey = "unknown_key"
        case missingKey = "missing_key"
        case duplicateKey = "duplicate_key"
        /// A mapping where a list was expected, text where a number was expected, …
        case wrongType = "wrong_type"
        /// A word that is not one of the accepted keywords (aggregation, transform, …).
        case unknownValue = "unknown_value"
        case unknownParameter = "unknown_parameter"
        case windowOrder = "window_order"
        case missingZeroRule = "missing_zero_rule"
        case unitMismatch = "unit_mismatch"
        /// Any other broken rule (duplicate name, value out of range, conflicting keys, …).
        case invalidValue = "invalid_value"
        /// The file is nested too deeply or expands to too many values (`ProtocolLimits`).
        case tooLarge = "too_large"
    }

    public var kind: Kind
    /// Key path inside the protocol, e.g. `parameters[2].window`; empty for the document.
    public var path: String
    /// Line and column in the YAML text; `nil` for a protocol built in code.
    public var position: SourcePosition?
    public var message: String

    public init(kind: Kind, path: String, position: SourcePosition? = nil, message: String) {
        self.kind = kind
        self.path = path
        self.position = position
        self.message = message
    }

    /// `LINE:COLUMN: MESSAGE (at PATH)`.
    public var description: String {
        let at = path.isEmpty ? "" : " (at \(path))"
        guard let position else { return MessageText.line(message + at) }
        return MessageText.line("\(position): \(message)\(at)")
    }
}

/// A protocol that could not be read or broke its rules; `issues` holds every problem found,
/// in file order.
public struct ProtocolLoadError: Error, Sendable, CustomStringConvertible {
    /// The file name for messages, when known.
    public var file: String?
    public var issues: [ProtocolIssue]

    public init(file: String?, issues: [ProtocolIssue]) {
        self.file = file
        self.issues = issues
    }

    /// One line per issue: `FILE:LINE:COLUMN: error: MESSAGE (at PATH)`, each escaped and capped
    /// (`MessageText.line`).
    public var description: String {
        issues.map { issue in
            let location = [file, issue.position?.description].compactMap { $0 }.joined(separator: ":")
            let at = issue.path.isEmpty ? "" : " (at \(issue.path))"
            return MessageText.line((location.isEmpty ? "" : location + ": ") + "error: " + issue.message + at)
        }.joined(separator: "\n")
    }
}

/// Reading and writing protocols as YAML.
public enum ProtocolYAML {
    /// Parses and validates a protocol. Every problem found is reported at once (structural
    /// errors stop the reading of the value they occur in; unknown keys and rule violations
    /// are all collected).
    ///
    /// - Parameters:
    ///   - text: The YAML text.
    ///   - registry: The parameters the protocol may name (the catalog, plus a study's own).
    ///   - file: The file name used in messages.
    public static func decode(
        _ text: String, registry: ParameterRegistry = ParameterRegistry(), baseline: BaselineRegistry? = nil, file: String? = nil
    ) throws(ProtocolLoadError) -> StudyProtocol {
        let result = check(text, registry: registry, baseline: baseline)
        guard let value = result.protocol, result.issues.isEmpty else {
            throw ProtocolLoadError(file: file, issues: result.issues)
        }
        return value
    }

    /// The outcome of checking a protocol text.
    public struct CheckResult: Sendable {
        /// The decoded protocol, when its structure was readable (it may still have issues).
        public var `protocol`: StudyProtocol?
        /// Every problem, sorted by position.
        public var issues: [ProtocolIssue]
    }

    /// Parses a protocol and checks its rules without throwing (what `dayzero protocol check` runs).
    ///
    /// - Parameter baseline: the study's baseline variables (`nil`: the study is not known, and
    ///   variable names outside the built-in ones are not judged).
    public static func check(
        _ text: String, registry: ParameterRegistry = ParameterRegistry(), baseline: BaselineRegistry? = nil
    ) -> CheckResult {
        let document = StrictYAML.read(StudyProtocol.self, from: text, what: "the protocol") { root, session in
            reportMissingSectionKeys(root, session: session)
        }
        let decoded = document.value
        var issues = document.issues
        if let decoded {
            let rules = decoded.validate(registry: registry, baseline: baseline) + decoded.validateRobustness(registry: registry, baseline: baseline)
            for var issue in rules {
                issue.position = document.position(for: issue.path)
                issues.append(issue)
            }
        }
        issues.sort { a, b in
            switch (a.position, b.position) {
            case let (x?, y?): x < y
            case (nil, _?): false
            case (_?, nil): true
            case (nil, nil): a.path < b.path
            }
        }
        return CheckResult(protocol: decoded, issues: issues)
    }

    /// The protocol as plain YAML (no comments), in key order. `decode` of the result gives
    /// back an equal protocol.
    ///
    /// The text is for people as well as for the protocol hash: non-ASCII letters are written as
    /// they are (`µg/L`, `°C`, not `"\xB5g/L"`), and numbers in their shortest exact decimal
    /// form (`38.5`, not Yams' `3.85e+1`); reading it back gives the same protocol.
    public static func encode(_ value: StudyProtocol) throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.allowUnicode = true
        let raw = try encoder.encode(value)
        guard let node = try Yams.compose(yaml: raw) else { return raw }
        return try Yams.serialize(node: plainNumbers(node), allowUnicode: true)
    }

    /// `node` with every plain scalar that Yams wrote as a scientific-notation number
    /// (`3.85e+1`) rewritten in Swift's shortest round-trip form (`38.5`); quoted strings and
    /// every other scalar are kept.
    static func plainNumbers(_ node: Node) -> Node {
        switch node {
        case .scalar(var scalar):
            guard scalar.style == .plain || scalar.style == .any, scalar.string.contains("e"),
                  let x = Double(scalar.string), x.isFinite
            else { return node }
            scalar.string = "\(x)"
            return .scalar(scalar)
        case .mapping(let mapping):
            return .mapping(Node.Mapping(mapping.map { ($0.key, plainNumbers($0.value)) }, mapping.tag, mapping.style))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(plainNumbers), sequence.tag, sequence.style))
        }
    }

    /// The sections whose required keys are reported before decoding (decoding stops at the
    /// first missing key, so without this a protocol missing five keys took five runs).
    static let sectionKeys: [(key: String, list: Bool, required: [String])] = [
        ("treatment", false, TreatmentRule.requiredProtocolKeys),
        ("alignment", false, AlignmentRule.requiredProtocolKeys),
        ("windows", false, WindowSettings.requiredProtocolKeys),
        ("medications", false, MedicationSettings.requiredProtocolKeys),
        ("outcomes", false, OutcomeSettings.requiredProtocolKeys),
        ("groups", false, GroupLabels.requiredProtocolKeys),
        ("parameters", true, ParameterRule.requiredProtocolKeys),
        ("analysis_sets", true, AnalysisSetRule.requiredProtocolKeys),
        ("baseline", true, BaselineSection.requiredProtocolKeys),
        ("exclusions", true, ["name", "if"]),
    ]
    // outcomes.measures items are checked when their type is decoded (OutcomeMeasure).

    /// Reports the missing required keys of the top level and of every section present.
    static func reportMissingSectionKeys(_ root: Node, session: StrictYAMLSession) {
        session.reportMissingKeys(StudyProtocol.requiredProtocolKeys, in: root, path: "")
        guard case .mapping(let mapping) = root else { return }
        for (keyNode, value) in mapping {
            guard case .scalar(let k) = keyNode, let section = sectionKeys.first(where: { $0.key == k.string }) else { continue }
            if section.list {
                guard case .sequence(let items) = value else { continue }
                for (i, item) in items.enumerated() {
                    session.reportMissingKeys(section.required, in: item, path: "\(section.key)[\(i)]")
                }
            } else {
                session.reportMissingKeys(section.required, in: value, path: section.key)
            }
        }
    }
}
