import Foundation

/// One thing in a file that must not leave a site.
public struct DisclosureFinding: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A patient identifier of the study.
        case patientIdentifier = "patient identifier"
        /// A calendar date.
        case date
        /// A count cell above zero and below the minimum cell count.
        case smallCell = "small cell"
    }

    public var kind: Kind
    /// The JSON path of the value (`$.blocks[2].name`); for a member name, its member's path
    /// followed by ` (name)`; `$` for a plain-text scan.
    public var path: String
    /// UTF-8 byte offset of the match in the file.
    public var offset: Int
    /// 1-based line and column (in bytes) of `offset`.
    public var line: Int
    public var column: Int
    /// The matched text (decoded, for a JSON string).
    public var match: String
    /// What rule the match breaks.
    public var rule: String

    public var description: String { "\(line):\(column) \(path): \(kind.rawValue) \"\(match)\" (\(rule))" }
}

/// What ``DisclosureScan/scan(_:file:format:)`` looked at and found.
public struct DisclosureScanResult: Sendable, Hashable {
    /// Every finding, in file order.
    public var findings: [DisclosureFinding]
    /// Strings (member names included) searched for identifiers and dates.
    public var stringsScanned: Int
    /// Numbers searched for study dates.
    public var numbersScanned: Int
    /// Numbers at a count cell path, compared with the minimum cell count.
    public var countCellsChecked: Int

    public var isClean: Bool { findings.isEmpty }
}

/// Scans a file that is to leave a site (a site summary, its disclosure report) for patient
/// identifiers, dates, and count cells below the minimum cell count.
///
/// Rules (docs/multi-site-secure-aggregation.md, "Disclosure scan"):
/// - **Identifiers** are searched in every string and member name (after JSON unescaping) as
///   whole words: a match must not be preceded or followed by a letter, digit or `_` (and a
///   match of a number-like identifier not by `.digit`), so the identifier `age` is not found
///   in `stage`, nor `12` in `P12` or `12.5`; case-sensitive. JSON numbers are not searched for
///   identifiers: a count equal to a numeric identifier is a count. With
///   ``NumericIdentifiers/wholeStrings`` (what `dayzero site-summary` uses) a numeric
///   identifier (`17`, `12.5`) is found only as a whole string or member name (in a plain-text
///   scan: a whole line), since labels, units and the tool's own phrases hold numbers.
/// - **Dates** in strings: ISO and other year-first forms (`2020-03-01`, `2020/3/1`,
///   `2020.03.01`, with a time or not), day- or month-first with a four-digit year
///   (`01-03-2020`, `3/1/2020`, `1.3.2020`), ISO year-month (`2020-03`), compact `20200301`
///   (as a whole word), and English month names (`1 March 2020`, `01MAR2020`, `March 1, 2020`,
///   `Mar 2020`). Years 1800–2199, months 1–12, days 1–31. In addition each of the study's own
///   dates is searched in its two-digit-year forms (`1/3/20`, `01-03-20`, `200301`) in strings,
///   and as a compact integer (`20200301`) in numbers.
/// - **Small cells** (plain mode): every JSON number whose path matches one of the count cell
///   patterns (`$.blocks[*].counts[*]`; `*` any member, `[*]` any index) must be 0 or at
///   least the minimum cell count (DataSHIELD's `nfilter.tab` and OHDSI's `minCellCount` allow
///   zero cells); negative numbers are not counts and are skipped.
public struct DisclosureScan: Sendable {
    public enum Format: Sendable {
        /// A JSON file: findings carry JSON paths.
        case json
        /// Any text (a disclosure report): the whole file is one string.
        case text
    }

    /// How identifiers that are numbers (digits, with `.` only between digits: `17`, `0042`,
    /// `12.5`) are searched.
    public enum NumericIdentifiers: Sendable {
        /// As whole words in every string, like every other identifier.
        case words
        /// Only as a whole string: a JSON string or member name that is the identifier (a
        /// plain-text scan: a line that is the identifier, spaces around it ignored). A text
        /// written for people — labels, units, the tool's phrases, the counts a disclosure
        /// report states — holds numbers of its own (`Table 1`, `IL-6`, `day 28`, `557628
        /// number(s)`) that cannot be told from a numeric identifier; an identifier written as
        /// a value is still found.
        case wholeStrings
    }

    /// The study's patient identifiers.
    public let patientIdentifiers: Set<String>
    /// The study's dates (year, month, day).
    public let studyDates: [StudyDay]
    /// Counts c with 0 < c < minimumCellCount are findings; nil checks no cells.
    public let minimumCellCount: Int?
    /// Count cell path patterns.
    public let countCellPaths: [String]
    /// When true, zero counts at count cell paths are findings too.
    public let zeroCountsAreSmall: Bool
    /// How numeric identifiers are searched.
    public let numericIdentifiers: NumericIdentifiers

    private let wordIdentifiers: Set<[UInt8]>
    /// The byte lengths of `wordIdentifiers` (a word of another length is not looked up).
    private let wordLengths: Set<Int>
    private let otherIdentifiers: [[UInt8]]
    /// Numeric identifiers matched only as whole strings (``NumericIdentifiers/wholeStrings``).
    private let wholeIdentifiers: Set<[UInt8]>
    private let cellPatterns: [[PathPattern]]

    /// A calendar day.
    public struct StudyDay: Sendable, Hashable {
        public var year: Int
        public var month: Int
        public var day: Int
    }

    /// - Parameters:
    ///   - patientIdentifiers: every patient identifier of the site's study (empty strings ignored).
    ///   - studyDates: the study's dates as `YYYY-MM-DD` (admission, treatment, discharge dates …).
    ///   - minimumCellCount: the rule for count cells; nil for masked summaries (no readable counts).
    ///   - countCellPaths: JSON path patterns of the count cells.
    ///   - zeroCountsAreSmall: also flag zero counts.
    ///   - numericIdentifiers: whether numeric identifiers are searched as words (default) or
    ///     only as whole strings.
    /// - Throws: a malformed date or path pattern (``PrivacyError/invalidScanSetting(_:)``).
    public init(
        patientIdentifiers: some Sequence<String>, studyDates: [String] = [], minimumCellCount: Int? = nil,
        countCellPaths: [String] = [], zeroCountsAreSmall: Bool = false, numericIdentifiers: NumericIdentifiers = .words
    ) throws(PrivacyError) {
        let identifiers = Set(patientIdentifiers.filter { !$0.isEmpty })
        self.patientIdentifiers = identifiers
        var days: [StudyDay] = []
        for text in studyDates {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
                  let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
                  (1...12).contains(month), (1...31).contains(day)
            else { throw .invalidScanSetting("study date \"\(text)\": expected YYYY-MM-DD") }
            days.append(StudyDay(year: year, month: month, day: day))
        }
        self.studyDates = days
        self.minimumCellCount = minimumCellCount
        self.countCellPaths = countCellPaths
        self.zeroCountsAreSmall = zeroCountsAreSmall
        self.numericIdentifiers = numericIdentifiers
        var words: Set<[UInt8]> = []
        var others: [[UInt8]] = []
        var whole: Set<[UInt8]> = []
        for identifier in identifiers {
            let bytes = Array(identifier.utf8)
            if numericIdentifiers == .wholeStrings, Self.isNumberLike(bytes) {
                whole.insert(bytes)
            } else if Self.isSingleWord(bytes) {
                words.insert(bytes)
            } else {
                others.append(bytes)
            }
        }
        self.wholeIdentifiers = whole
        self.wordIdentifiers = words
        self.wordLengths = Set(words.map(\.count))
        self.otherIdentifiers = others.sorted { $0.lexicographicallyPrecedes($1) }
        var patterns: [[PathPattern]] = []
        for pattern in countCellPaths { patterns.append(try PathPattern.parse(pattern)) }
        self.cellPatterns = patterns
    }

    /// Scans `text`; `file` names it in errors.
    /// - Complexity: O(text length × (1 + identifiers that are not single words)).
    public func scan(_ text: String, file: String, format: Format = .json) throws(PrivacyError) -> DisclosureScanResult {
        let bytes = Array(text.utf8)
        var findings: [DisclosureFinding] = []
        var result = DisclosureScanResult(findings: [], stringsScanned: 0, numbersScanned: 0, countCellsChecked: 0)
        let lines = LineIndex(bytes)
        func add(_ kind: DisclosureFinding.Kind, _ token: JSONTokens.Token, range: Range<Int>?, rule: String) {
            let offset = range.map { token.offset(of: $0.lowerBound) } ?? token.start
            let (line, column) = lines.lineAndColumn(of: offset)
            let matched = range.map { Array(token.text[$0]) } ?? token.text
            let path = Self.render(token.path) + (token.kind == .key ? " (name)" : "")
            findings.append(DisclosureFinding(
                kind: kind, path: path, offset: offset, line: line, column: column,
                match: String(decoding: matched, as: UTF8.self), rule: rule))
        }
        func visit(_ token: JSONTokens.Token) {
            switch token.kind {
            case .key, .string:
                result.stringsScanned += 1
                if token.kind == .string, Self.isMaskedVector(token) { return }
                if !wholeIdentifiers.isEmpty {
                    if format == .json {
                        if wholeIdentifiers.contains(token.text) {
                            add(.patientIdentifier, token, range: 0..<token.text.count, rule: "a patient identifier of the study (the whole string)")
                        }
                    } else {
                        for range in Self.lines(of: token.text) where wholeIdentifiers.contains(Array(token.text[range])) {
                            add(.patientIdentifier, token, range: range, rule: "a patient identifier of the study (a whole line)")
                        }
                    }
                }
                for range in identifierMatches(in: token.text) {
                    add(.patientIdentifier, token, range: range, rule: "a patient identifier of the study")
                }
                for (range, rule) in DatePatterns.matches(in: token.text, studyDates: studyDates) {
                    add(.date, token, range: range, rule: rule)
                }
            case .number:
                result.numbersScanned += 1
                let raw = String(decoding: token.text, as: UTF8.self)
                if token.text.count == 8, let value = Int(raw),
                   studyDates.contains(where: { $0.year * 10_000 + $0.month * 100 + $0.day == value }) {
                    add(.date, token, range: nil, rule: "a study date as a compact number (YYYYMMDD)")
                }
                if let minimum = minimumCellCount, cellPatterns.contains(where: { PathPattern.matches($0, token.path) }) {
                    result.countCellsChecked += 1
                    if let value = Double(raw), value < Double(minimum), value > 0 || (zeroCountsAreSmall && value == 0) {
                        add(.smallCell, token, range: nil, rule: "a count below the minimum cell count \(minimum)")
                    }
                }
            case .literal:
                break
            }
        }
        switch format {
        case .json: try JSONTokens.read(text, file: file, visit: visit)
        case .text: visit(JSONTokens.Token(kind: .string, path: [], text: bytes, offsets: nil, start: 0, textStart: 0))
        }
        result.findings = findings.sorted { ($0.offset, $0.kind.rawValue, $0.match) < ($1.offset, $1.kind.rawValue, $1.match) }
        return result
    }

    /// A masked vector of a site summary: the value of a member named `masked` that is base64
    /// of whole 16-byte words (`MaskedValue.packed`). Its bytes are uniformly random and carry
    /// no identifier or date, but base64's `+` and `/` would cut random digit runs out as
    /// whole words (`+12/`), so it is not searched.
    static func isMaskedVector(_ token: JSONTokens.Token) -> Bool {
        guard case .key("masked")? = token.path.last, token.text.count % 4 == 0,
              let data = Data(base64Encoded: Data(token.text)) else { return false }
        return !data.isEmpty && data.count % 16 == 0
    }

    // MARK: Identifiers

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Digits, with `.` only between digits (`17`, `0042`, `12.5`).
    static func isNumberLike(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, let last = bytes.last, isDigit(first), isDigit(last) else { return false }
        for (index, byte) in bytes.enumerated() where !isDigit(byte) {
            guard byte == UInt8(ascii: "."), isDigit(bytes[index - 1]), isDigit(bytes[index + 1]) else { return false }
        }
        return true
    }

    /// The lines of a text without their surrounding spaces (and a line's `\r`), non-empty.
    static func lines(of text: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        func trimmed(_ range: Range<Int>) -> Range<Int> {
            var lower = range.lowerBound
            var upper = range.upperBound
            func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
            while lower < upper, blank(text[lower]) { lower += 1 }
            while upper > lower, blank(text[upper - 1]) { upper -= 1 }
            return lower..<upper
        }
        for (index, byte) in text.enumerated() where byte == 0x0A {
            let line = trimmed(start..<index)
            if !line.isEmpty { out.append(line) }
            start = index + 1
        }
        let last = trimmed(start..<text.count)
        if !last.isEmpty { out.append(last) }
        return out
    }

    /// A word in the sense of the scan: word bytes, with '.' only between digits.
    private static func isSingleWord(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, let last = bytes.last, isWordByte(first), isWordByte(last) else { return false }
        for (index, byte) in bytes.enumerated() where !isWordByte(byte) {
            guard byte == UInt8(ascii: "."), index > 0, index + 1 < bytes.count,
                  isDigit(bytes[index - 1]), isDigit(bytes[index + 1]) else { return false }
        }
        return true
    }

    /// The ranges of whole-word occurrences of the identifiers in `text`.
    private func identifierMatches(in text: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        // Single-word identifiers: split the text into maximal words and look each up.
        var index = 0
        while index < text.count {
            guard Self.isWordByte(text[index]) else { index += 1; continue }
            var end = index
            while end < text.count {
                if Self.isWordByte(text[end]) { end += 1; continue }
                if text[end] == UInt8(ascii: "."), end > index, Self.isDigit(text[end - 1]), end + 1 < text.count, Self.isDigit(text[end + 1]) {
                    end += 1
                    continue
                }
                break
            }
            if wordLengths.contains(end - index), wordIdentifiers.contains(Array(text[index..<end])) { ranges.append(index..<end) }
            index = end
        }
        // Other identifiers (with spaces, dashes …): substring search with word boundaries.
        for identifier in otherIdentifiers where identifier.count <= text.count {
            var start = 0
            while start + identifier.count <= text.count {
                if text[start] == identifier[0], Array(text[start..<start + identifier.count]) == identifier,
                   boundaryBefore(text, start, identifier), boundaryAfter(text, start + identifier.count, identifier) {
                    ranges.append(start..<start + identifier.count)
                }
                start += 1
            }
        }
        return ranges
    }

    private func boundaryBefore(_ text: [UInt8], _ start: Int, _ identifier: [UInt8]) -> Bool {
        guard start > 0, let first = identifier.first, Self.isWordByte(first) else { return true }
        let before = text[start - 1]
        if Self.isWordByte(before) { return false }
        // "3.12" does not contain the number-like identifier "12".
        return !(before == UInt8(ascii: ".") && Self.isDigit(first) && start >= 2 && Self.isDigit(text[start - 2]))
    }

    private func boundaryAfter(_ text: [UInt8], _ end: Int, _ identifier: [UInt8]) -> Bool {
        guard end < text.count, let last = identifier.last, Self.isWordByte(last) else { return true }
        let after = text[end]
        if Self.isWordByte(after) { return false }
        return !(after == UInt8(ascii: ".") && Self.isDigit(last) && end + 1 < text.count && Self.isDigit(text[end + 1]))
    }

    // MARK: Paths

    static func render(_ path: [JSONTokens.Component]) -> String {
        var out = "$"
        for component in path {
            switch component {
            case .index(let index): out += "[\(index)]"
            case .key(let key):
                let plain = !key.isEmpty && key.utf8.allSatisfy { isWordByte($0) && $0 < 0x80 } && !(key.utf8.first.map(isDigit) ?? true)
                out += plain ? ".\(key)" : "[\"\(key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"]"
            }
        }
        return out
    }
}

/// Line starts of a text, for line and column of findings in increasing offset order.
struct LineIndex {
    private let starts: [Int]

    init(_ bytes: [UInt8]) {
        var starts = [0]
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(index + 1) }
        self.starts = starts
    }

    /// 1-based line and column (in bytes) of a byte offset.
    func lineAndColumn(of offset: Int) -> (line: Int, column: Int) {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return (low + 1, offset - starts[low] + 1)
    }
}

/// A component of a count cell path pattern.
enum PathPattern: Equatable {
    case key(String)
    case anyKey
    case index(Int)
    case anyIndex

    /// Parses `$.a.b[*].c[2].*` (the leading `$` optional).
    static func parse(_ text: String) throws(PrivacyError) -> [PathPattern] {
        var components: [PathPattern] = []
        var rest = Substring(text)
        if rest.hasPrefix("$") { rest = rest.dropFirst() }
        let bad = PrivacyError.invalidScanSetting(
            "count cell path \"\(text)\": expected $ followed by .name, .*, [index] or [*] parts")
        while let first = rest.first {
            if first == "." {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { throw bad }
                components.append(name == "*" ? .anyKey : .key(String(name)))
                rest = rest.dropFirst(name.count)
            } else if first == "[" {
                guard let close = rest.firstIndex(of: "]") else { throw bad }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                if inside == "*" {
                    components.append(.anyIndex)
                } else if let index = Int(inside), index >= 0 {
                    components.append(.index(index))
                } else if inside.count >= 2, inside.hasPrefix("\""), inside.hasSuffix("\"") {
                    components.append(.key(String(inside.dropFirst().dropLast())))
                } else {
                    throw bad
                }
                rest = rest[rest.index(after: close)...]
            } else {
                throw bad
            }
        }
        guard !components.isEmpty else { throw bad }
        return components
    }

    static func matches(_ pattern: [PathPattern], _ path: [JSONTokens.Component]) -> Bool {
        guard pattern.count == path.count else { return false }
        for (part, component) in zip(pattern, path) {
            switch (part, component) {
            case (.anyKey, .key), (.anyIndex, .index): continue
            case (.key(let name), .key(let key)) where name == key: continue
            case (.index(let wanted), .index(let index)) where wanted == index: continue
            default: return false
            }
        }
        return true
    }
}
