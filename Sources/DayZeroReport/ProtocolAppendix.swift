/// The protocol as applied, as a table a reader can scan: one row per setting, a list of named
/// entries (parameters, exclusions, outcomes, analysis sets) as one row per entry with its
/// settings on one line. Built from the canonical protocol text (`ReportOptions.protocolText`,
/// the block-style YAML that `ProtocolYAML.encode` writes); the exact file goes beside the
/// report as `protocol.yaml` (`ReportRenderer.document`). Names are shown in words
/// (`zero_rule` → "zero rule"), units typeset (`10^9/L` → ×10⁹/L), numbers as written with the
/// typographic minus.
package enum ProtocolAppendix {
    /// A parsed YAML value.
    indirect enum Node: Equatable {
        case scalar(String)
        case map([(String, Node)])
        case list([Node])

        static func == (a: Node, b: Node) -> Bool {
            switch (a, b) {
            case (.scalar(let x), .scalar(let y)): return x == y
            case (.list(let x), .list(let y)): return x == y
            case (.map(let x), .map(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            default: return false
            }
        }
    }

    /// One table row: the section (a top-level key), the setting and its value, all in words.
    package struct Row: Equatable, Sendable {
        package var section: String
        package var setting: String
        package var value: String
    }

    struct Line {
        var indent: Int
        var text: Substring
    }

    /// The rows of `yaml`, in the file's order; empty when it is not block-style YAML.
    package static func rows(_ yaml: String) -> [Row] {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: true).compactMap { raw -> Line? in
            let trimmed = raw.drop { $0 == " " }
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            return Line(indent: raw.count - trimmed.count, text: trimmed.trimmingSuffixSpaces)
        }
        var index = 0
        guard case .map(let top) = parseBlock(lines, &index, indent: 0) else { return [] }
        var rows: [Row] = []
        for (key, node) in top {
            let section = words(key).capitalizedFirst
            switch node {
            case .scalar(let v):
                rows.append(Row(section: "General", setting: words(key).capitalizedFirst, value: value(v, key: key)))
            case .map(let entries):
                for (k, v) in entries { rows.append(Row(section: section, setting: words(k).capitalizedFirst, value: inline(v, key: k))) }
            case .list(let items):
                for (i, item) in items.enumerated() {
                    if case .map(let entries) = item {
                        let nameKey = entries.first { ["name", "parameter", "variable", "drug"].contains($0.0) }?.0
                        func scalar(_ key: String?) -> String? {
                            guard let key, let node = entries.first(where: { $0.0 == key })?.1, case .scalar(let s) = node else { return nil }
                            return unquote(s)
                        }
                        let setting = scalar("label") ?? scalar(nameKey).map(words) ?? "\(i + 1)"
                        let rest = entries.filter { $0.0 != "label" && $0.0 != nameKey }
                        rows.append(Row(section: section, setting: setting,
                                        value: rest.map { "\(words($0.0)): \(inline($0.1, key: $0.0))" }.joined(separator: " · ")))
                    } else {
                        rows.append(Row(section: section, setting: "\(i + 1)", value: inline(item, key: key)))
                    }
                }
            }
        }
        return rows
    }

    /// A nested value on one line: maps as `key: value` joined by `; `, lists by `, `.
    static func inline(_ node: Node, key: String) -> String {
        switch node {
        case .scalar(let s): return value(s, key: key)
        case .list(let items):
            if items.allSatisfy({ if case .scalar = $0 { return true } else { return false } }) {
                return items.map { inline($0, key: key) }.joined(separator: ", ")
            }
            return items.map { "(" + inline($0, key: key) + ")" }.joined(separator: ", ")
        case .map(let entries): return entries.map { "\(words($0.0)) \(inline($0.1, key: $0.0))" }.joined(separator: "; ")
        }
    }

    /// A scalar as shown: quotes removed, names in words, units typeset, a leading minus typographic.
    static func value(_ raw: String, key: String) -> String {
        let s = unquote(raw)
        if key == "unit" || key.hasSuffix("_unit") { return DisplayUnits.typeset(s) }
        if s.hasPrefix("-"), Double(s) != nil { return NumberFormat.minus + s.dropFirst() }
        if Double(s) != nil { return s }
        return words(s)
    }

    /// `snake_case` in words; other text unchanged.
    static func words(_ s: String) -> String {
        s.replacingOccurrences(of: "_", with: " ")
    }

    static func unquote(_ s: String) -> String {
        if s.count >= 2, (s.hasPrefix("'") && s.hasSuffix("'")) || (s.hasPrefix("\"") && s.hasSuffix("\"")) {
            return String(s.dropFirst().dropLast())
        }
        return s
    }

    /// `key: value` or `key:` at the start of `text`.
    static func keyValue(_ text: Substring) -> (String, Substring)? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let key = text[..<colon]
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else { return nil }
        let after = text[text.index(after: colon)...]
        guard after.isEmpty || after.hasPrefix(" ") else { return nil }
        return (String(key), after.drop { $0 == " " })
    }

    /// The block starting at `lines[index]` with indentation `indent`: a list when it starts
    /// with `- `, else a map.
    static func parseBlock(_ lines: [Line], _ index: inout Int, indent: Int) -> Node {
        guard index < lines.count else { return .scalar("") }
        if lines[index].text.hasPrefix("- ") || lines[index].text == "-" {
            var items: [Node] = []
            while index < lines.count, lines[index].indent == indent, lines[index].text.hasPrefix("- ") || lines[index].text == "-" {
                let content = lines[index].text.dropFirst(2)
                if keyValue(content) != nil {
                    // A map whose first key sits after the dash, the rest two columns in.
                    var sub = lines
                    sub[index] = Line(indent: indent + 2, text: content)
                    items.append(parseMap(sub, &index, indent: indent + 2))
                } else {
                    index += 1
                    items.append(.scalar(String(content)))
                }
            }
            return .list(items)
        }
        return parseMap(lines, &index, indent: indent)
    }

    static func parseMap(_ lines: [Line], _ index: inout Int, indent: Int) -> Node {
        var entries: [(String, Node)] = []
        while index < lines.count, lines[index].indent == indent, let (key, rest) = keyValue(lines[index].text) {
            index += 1
            if rest.isEmpty {
                if index < lines.count, lines[index].indent > indent || (lines[index].indent == indent && lines[index].text.hasPrefix("- ")) {
                    entries.append((key, parseBlock(lines, &index, indent: lines[index].indent)))
                } else {
                    entries.append((key, .scalar("")))
                }
            } else {
                var text = String(rest)
                // A plain scalar continued on more indented lines.
                while index < lines.count, lines[index].indent > indent, keyValue(lines[index].text) == nil, !lines[index].text.hasPrefix("- ") {
                    text += " " + lines[index].text
                    index += 1
                }
                entries.append((key, .scalar(text)))
            }
        }
        return .map(entries)
    }
}

extension Substring {
    var trimmingSuffixSpaces: Substring {
        var s = self
        while s.last == " " || s.last == "\r" { s = s.dropLast() }
        return s
    }
}
