import Yams

/// The size limits of a protocol file, checked before it is decoded so that no file can
/// exhaust the stack (deep nesting) or the memory and time of the decoder (aliases that
/// repeat their anchor's contents exponentially, "billion laughs"). See `StudyLimits` and
/// `docs/protocol.md`, "Limits".
enum ProtocolLimits {
    static var depthMessage: String {
        "the protocol nests lists and mappings more than \(StudyLimits.maximumNestingDepth) levels deep (a protocol needs about 10)"
    }

    static var nodeMessage: String {
        "the protocol holds more than \(StudyLimits.maximumYAMLNodes) values once its aliases (*name) are expanded; repeat less through aliases"
    }

    /// A scan of the text, without recursion and before any YAML parser sees it: the depth of
    /// flow collections (`[`, `{`) plus the levels of block indentation (and `- ` entries),
    /// outside quotes and comments. Returns an issue at the first place deeper than
    /// `StudyLimits.maximumNestingDepth`. The estimate never falls below the real depth of the
    /// YAML, so a file that passes cannot nest the parser deeper than the limit.
    static func scanDepth(_ text: String) -> ProtocolIssue? {
        let limit = StudyLimits.maximumNestingDepth
        var line = 1, column = 0
        var flow = 0
        var indents: [Int] = []  // block indentation levels open on the lines above
        var atLineStart = true
        var indent = 0
        var quote: Unicode.Scalar?  // open quote character
        var comment = false
        var previous: Unicode.Scalar = " "
        func issue() -> ProtocolIssue {
            ProtocolIssue(kind: .tooLarge, path: "", position: SourcePosition(line: line, column: column), message: depthMessage)
        }
        func openBlock(_ col: Int) -> Bool {
            while let last = indents.last, last >= col { indents.removeLast() }
            indents.append(col)
            return indents.count + flow > limit
        }
        for c in text.unicodeScalars {
            if c == "\n" {
                line += 1
                column = 0
                atLineStart = true
                indent = 0
                comment = false
                previous = c
                if quote == nil { continue }
                continue
            }
            column += 1
            defer { previous = c }
            if comment { continue }
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            if atLineStart {
                if c == " " { indent += 1; continue }
                if c == "#" { comment = true; continue }
                if c == "\r" || c == "\t" { continue }
                atLineStart = false
                // Counted inside flow collections too, so an unbalanced `[` in a plain
                // scalar cannot switch the count of block levels off.
                if openBlock(column) { return issue() }
            }
            switch c {
            case "#" where previous == " " || previous == "\t":
                comment = true
            case "\"", "'":
                if previous == " " || previous == "[" || previous == "{" || previous == "," || previous == ":" || previous == "-" {
                    quote = c
                }
            case "[", "{":
                flow += 1
                if indents.count + flow > limit { return issue() }
            case "]", "}":
                flow = max(0, flow - 1)
            case " ":
                // `- ` and `key: ` open a nested block on the same line (`- - x`, `- a: b`).
                if flow == 0, previous == "-" || previous == ":" {
                    if openBlock(column + 1) { return issue() }
                }
            default:
                break
            }
        }
        return nil
    }

    /// Walks the composed tree with an explicit stack (no recursion), counting every node as
    /// often as aliases repeat it, and stops at the first node deeper than the nesting limit
    /// or beyond the node cap. Bounded by the cap, whatever the aliases.
    static func checkTree(_ root: Node) -> ProtocolIssue? {
        var stack: [(node: Node, depth: Int)] = [(root, 1)]
        var count = 0
        while let (node, depth) = stack.popLast() {
            count += 1
            let position = node.mark.map(SourcePosition.init)
            if count > StudyLimits.maximumYAMLNodes {
                return ProtocolIssue(kind: .tooLarge, path: "", position: position, message: nodeMessage)
            }
            switch node {
            case .scalar:
                continue
            case .sequence(let s):
                if depth >= StudyLimits.maximumNestingDepth, !s.isEmpty {
                    return ProtocolIssue(kind: .tooLarge, path: "", position: position, message: depthMessage)
                }
                for child in s.reversed() { stack.append((child, depth + 1)) }
            case .mapping(let m):
                if depth >= StudyLimits.maximumNestingDepth, !m.isEmpty {
                    return ProtocolIssue(kind: .tooLarge, path: "", position: position, message: depthMessage)
                }
                for (key, value) in m.reversed() {
                    stack.append((value, depth + 1))
                    stack.append((key, depth + 1))
                }
            }
        }
        return nil
    }
}
