/// User text placed in a message, made safe for the one-problem-per-line format.
///
/// Every message DayZero prints (import problems, protocol problems, command errors) may echo
/// text from a user's file: a patient id, a unit, a whole line of a protocol. `escaped(_:limit:)`
/// is the one function that makes such text printable:
///
/// - control characters (U+0000–U+001F, U+007F–U+009F), the line and paragraph separators
///   (U+2028, U+2029) and the bidirectional formatting characters (U+061C, U+200E, U+200F,
///   U+202A–U+202E, U+2066–U+2069) are written as escapes: `\n`, `\r`, `\t`, else `\u{1B}`, so
///   a value can neither break the line nor reorder the text of a terminal;
/// - text longer than `limit` characters keeps its start and its end and says how many
///   characters were left out between them: `AAAA…[999920 characters left out]…AAAA`.
///
/// Escaping is idempotent (an escape is plain text), so a message built from escaped values can
/// go through `line(_:)` again when it is printed.
public enum MessageText {
    /// The most characters of one echoed value (`quoted(_:)`).
    public static let echoLimit = 80

    /// The most characters of one printed message line (`line(_:)`).
    public static let lineLimit = 1_000

    /// `text` with control and bidi characters escaped and, when longer than `limit`
    /// characters, its middle replaced by `…[N characters left out]…`.
    public static func escaped(_ text: String, limit: Int = echoLimit) -> String {
        var out = ""
        if !text.unicodeScalars.contains(where: needsEscape) {
            out = text
        } else {
            out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
            for scalar in text.unicodeScalars {
                guard needsEscape(scalar) else {
                    out.unicodeScalars.append(scalar)
                    continue
                }
                switch scalar {
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                }
            }
        }
        let count = out.count
        let keep = max(2, limit)
        guard count > keep else { return out }
        let head = (keep + 1) / 2, tail = keep / 2
        return String(out.prefix(head)) + "…[\(count - head - tail) characters left out]…" + String(out.suffix(tail))
    }

    /// An echoed value in double quotes: `"P\u{1D}01"`, at most `echoLimit` characters of it.
    public static func quoted(_ text: String) -> String {
        "\"" + escaped(text, limit: echoLimit) + "\""
    }

    /// An echoed value in single quotes (the protocol's messages): `'high'`.
    public static func singleQuoted(_ text: String) -> String {
        "'" + escaped(text, limit: echoLimit) + "'"
    }

    /// One printed message line: escaped, and at most `lineLimit` characters.
    public static func line(_ text: String) -> String {
        escaped(text, limit: lineLimit)
    }

    /// Whether `scalar` is written as an escape.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 || (0x7F...0x9F).contains(v) { return true }
        if v < 0x061C { return false }
        return v == 0x061C || v == 0x200E || v == 0x200F || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x2028 || v == 0x2029
    }

    /// The first control character of `text` (C0, DEL or C1), with its 1-based character
    /// position, or `nil`. `allowingLineBreaks` lets tab, line feed and carriage return pass
    /// (free-text fields).
    public static func firstControlCharacter(_ text: String, allowingLineBreaks: Bool = false) -> (scalar: Unicode.Scalar, position: Int)? {
        var position = 0
        for character in text {
            position += 1
            for scalar in character.unicodeScalars {
                let v = scalar.value
                guard v < 0x20 || (0x7F...0x9F).contains(v) else { continue }
                if allowingLineBreaks, v == 0x09 || v == 0x0A || v == 0x0D { continue }
                return (scalar, position)
            }
        }
        return nil
    }

    /// `U+001D`, for messages that name a character.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
