/// The scalar tokens of a JSON text with their JSON paths and positions: what
/// ``DisclosureScan`` looks at. A strict RFC 8259 reader on UTF-8 bytes; errors name the line
/// and column.
struct JSONTokens {
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    struct Token {
        enum Kind { case key, string, number, literal }
        var kind: Kind
        /// The path of the value (for a key: the member it names).
        var path: [Component]
        /// The decoded text (strings, keys) or the raw text (numbers, literals).
        var text: [UInt8]
        /// For strings with escapes: the byte offset in the input of each decoded byte; nil when
        /// the text is the input's bytes from `textStart` on.
        var offsets: [Int]?
        /// Byte offset of the token's first byte (the opening quote of a string).
        var start: Int
        /// Byte offset of the first byte of `text` when `offsets` is nil.
        var textStart: Int

        /// The input offset of byte `index` of `text`.
        func offset(of index: Int) -> Int { offsets.map { $0[index] } ?? textStart + index }
    }

    private let visit: (Token) -> Void
    private let bytes: [UInt8]
    private let file: String
    private var position = 0
    private var path: [Component] = []

    /// Tokenizes `text`, handing each scalar token to `visit` in file order (tokens are not
    /// kept: a large summary is scanned in bounded memory besides its bytes); throws
    /// ``PrivacyError/invalidJSON(file:line:column:rule:)``.
    static func read(_ text: String, file: String, visit: (Token) -> Void) throws(PrivacyError) {
        let bytes = Array(text.utf8)
        let failure: PrivacyError? = withoutActuallyEscaping(visit) { visit -> PrivacyError? in
            var reader = JSONTokens(bytes: bytes, file: file, visit: visit)
            do throws(PrivacyError) {
                reader.skipWhitespace()
                try reader.value(depth: 0)
                reader.skipWhitespace()
                guard reader.position == reader.bytes.count else { return reader.error("unexpected text after the JSON value") }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    private init(bytes: [UInt8], file: String, visit: @escaping (Token) -> Void) {
        self.bytes = bytes
        self.file = file
        self.visit = visit
    }

    /// 1-based line and column (in bytes) of a byte offset.
    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, bytes.count) where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        return (line, offset - lineStart + 1)
    }

    private func error(_ rule: String, at offset: Int? = nil) -> PrivacyError {
        let (line, column) = Self.lineAndColumn(of: offset ?? position, in: bytes)
        return .invalidJSON(file: file, line: line, column: column, rule: rule)
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    private mutating func value(depth: Int) throws(PrivacyError) {
        guard depth < 512 else { throw error("nested deeper than 512 levels") }
        guard let byte = current else { throw error("unexpected end of the text (truncated?)") }
        switch byte {
        case UInt8(ascii: "{"):
            position += 1
            skipWhitespace()
            if current == UInt8(ascii: "}") { position += 1; return }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                let (name, offsets, start) = try string()
                visit(Token(kind: .key, path: path + [.key(String(decoding: name, as: UTF8.self))], text: name, offsets: offsets, start: start, textStart: start + 1))
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
                position += 1
                skipWhitespace()
                path.append(.key(String(decoding: name, as: UTF8.self)))
                try value(depth: depth + 1)
                path.removeLast()
                skipWhitespace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                guard current == UInt8(ascii: "}") else { throw error(current == nil ? "unexpected end of the text (truncated?)" : "expected ',' or '}'") }
                position += 1
                return
            }
        case UInt8(ascii: "["):
            position += 1
            skipWhitespace()
            if current == UInt8(ascii: "]") { position += 1; return }
            var index = 0
            while true {
                skipWhitespace()
                path.append(.index(index))
                try value(depth: depth + 1)
                path.removeLast()
                index += 1
                skipWhitespace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                guard current == UInt8(ascii: "]") else { throw error(current == nil ? "unexpected end of the text (truncated?)" : "expected ',' or ']'") }
                position += 1
                return
            }
        case UInt8(ascii: "\""):
            let (text, offsets, start) = try string()
            visit(Token(kind: .string, path: path, text: text, offsets: offsets, start: start, textStart: start + 1))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
        default:
            for literal in ["true", "false", "null"] {
                let literalBytes = Array(literal.utf8)
                if bytes.count - position >= literalBytes.count, Array(bytes[position..<position + literalBytes.count]) == literalBytes {
                    visit(Token(kind: .literal, path: path, text: literalBytes, offsets: nil, start: position, textStart: position))
                    position += literalBytes.count
                    return
                }
            }
            throw error("unexpected character '\(String(decoding: [byte], as: UTF8.self))'")
        }
    }

    private mutating func number() throws(PrivacyError) {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        let isDigit: (UInt8?) -> Bool = { $0.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        guard isDigit(current) else { throw error("expected a digit") }
        if current == UInt8(ascii: "0") { position += 1 } else { while isDigit(current) { position += 1 } }
        if current == UInt8(ascii: ".") {
            position += 1
            guard isDigit(current) else { throw error("expected a digit after '.'") }
            while isDigit(current) { position += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard isDigit(current) else { throw error("expected a digit in the exponent") }
            while isDigit(current) { position += 1 }
        }
        visit(Token(kind: .number, path: path, text: Array(bytes[start..<position]), offsets: nil, start: start, textStart: start))
    }

    /// A string at `position` (the opening quote): decoded bytes, their input offsets (nil
    /// without escapes: then the bytes follow the quote), start.
    private mutating func string() throws(PrivacyError) -> ([UInt8], [Int]?, Int) {
        let start = position
        position += 1
        // Fast path: no escape before the closing quote.
        var end = position
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let text = Array(bytes[position..<end])
            position = end + 1
            return (text, nil, start)
        }
        var text: [UInt8] = []
        var offsets: [Int] = []
        while true {
            guard let byte = current else { throw error("unterminated string (truncated?)", at: start) }
            if byte == UInt8(ascii: "\"") { position += 1; return (text, offsets, start) }
            if byte < 0x20 { throw error("control character in a string") }
            if byte != UInt8(ascii: "\\") {
                text.append(byte)
                offsets.append(position)
                position += 1
                continue
            }
            let escapeStart = position
            position += 1
            guard let escaped = current else { throw error("unterminated escape") }
            position += 1
            let simple: UInt8?
            switch escaped {
            case UInt8(ascii: "\""): simple = 0x22
            case UInt8(ascii: "\\"): simple = 0x5C
            case UInt8(ascii: "/"): simple = 0x2F
            case UInt8(ascii: "b"): simple = 0x08
            case UInt8(ascii: "f"): simple = 0x0C
            case UInt8(ascii: "n"): simple = 0x0A
            case UInt8(ascii: "r"): simple = 0x0D
            case UInt8(ascii: "t"): simple = 0x09
            case UInt8(ascii: "u"): simple = nil
            default: throw error("invalid escape '\\\(String(decoding: [escaped], as: UTF8.self))'", at: escapeStart)
            }
            if let simple {
                text.append(simple)
                offsets.append(escapeStart)
                continue
            }
            var scalarValue = try hex4()
            if (0xD800..<0xDC00).contains(scalarValue), current == UInt8(ascii: "\\"),
               position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") {
                position += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair", at: escapeStart) }
                scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw error("invalid \\u escape (lone surrogate)", at: escapeStart) }
            for unit in String(Character(scalar)).utf8 {
                text.append(unit)
                offsets.append(escapeStart)
            }
        }
    }

    private mutating func hex4() throws(PrivacyError) -> UInt32 {
        guard bytes.count - position >= 4,
              let value = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
        else { throw error("expected 4 hexadecimal digits after \\u") }
        position += 4
        return value
    }
}
