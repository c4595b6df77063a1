/// Estimated text widths for laying out SVG without a font engine.
///
/// A static document cannot measure text, so widths are estimated per character in em units
/// for a proportional sans-serif, taken from DejaVu Sans (the widest of the usual fallbacks, so
/// an estimate that fits in it fits in Helvetica or Arial too): space, `.` and `,` 0.32 em, `:`
/// and `;` 0.34 em, other narrow letters and punctuation 0.3 em, `f t r` and brackets 0.42 em, lower case 0.62 em, digits 0.64 em, upper case 0.74 em,
/// `m`/`w`/`M`/`W` 0.98 em, the minus, dashes, × and `= + < > ~` 0.84 em, CJK, emoji and the ellipsis 1.0 em, combining marks 0, anything else 0.68 em.
/// Text that does not fit its box is cut at a character boundary and ends in "…"; the caller
/// puts the full text in a `<title>` child so nothing is lost.
package enum TextMetrics {
    static let ellipsis = "…"

    /// Estimated width of `text` at `fontSize` (same units as the font size).
    package static func width(_ text: String, fontSize: Double) -> Double {
        var em = 0.0
        for ch in text { em += emWidth(ch) }
        return em * fontSize
    }

    static func emWidth(_ ch: Character) -> Double {
        guard let scalar = ch.unicodeScalars.first else { return 0 }
        let v = scalar.value
        switch v {
        case 0x20, 0x2E, 0x2C:
            return 0.32
        case 0x3A, 0x3B:
            return 0.34
        case 0x21, 0x27, 0x7C, 0x69, 0x6C, 0x6A, 0x49, 0x2019, 0x2018:
            return 0.3
        case 0x66, 0x74, 0x72, 0x28, 0x29, 0x5B, 0x5D, 0x2D, 0x2F:
            return 0.42
        case 0x6D, 0x77, 0x4D, 0x57, 0x40:
            return 0.98
        case 0x41...0x5A:
            return 0.74
        case 0x30...0x39:
            return 0.64
        case 0x61...0x7A:
            return 0.62
        case 0x2068, 0x2069, 0x200B...0x200F, 0x202A...0x202E, 0x2066, 0x2067:
            return 0
        case 0x2026:
            return 1.0
        case 0x2009, 0x200A:
            return 0.2
        case 0x2212, 0x2013, 0x00D7, 0x2265, 0x2264, 0x3D, 0x2B, 0x3C, 0x3E, 0x7E:
            return 0.84
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0x1F300...0x1FAFF, 0x20000...0x3FFFD:
            return 1.0
        default:
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .format, .control: return 0
            default: return 0.68
            }
        }
    }

    /// `text` cut to fit `maxWidth`, with "…" appended when cut.
    package static func truncate(_ text: String, maxWidth: Double, fontSize: Double) -> (text: String, truncated: Bool) {
        if width(text, fontSize: fontSize) <= maxWidth { return (text, false) }
        let budget = maxWidth - width(ellipsis, fontSize: fontSize)
        var used = 0.0
        var out = ""
        for ch in text {
            let w = emWidth(ch) * fontSize
            if used + w > budget { break }
            used += w
            out.append(ch)
        }
        while let last = out.last, last == " " { out.removeLast() }
        return (out + ellipsis, true)
    }

    /// Greedy word wrap into at most `maxLines` lines of `maxWidth`; a word longer than a line
    /// is broken between characters; the last line ends in "…" when text is left over.
    package static func wrap(_ text: String, maxWidth: Double, fontSize: Double, maxLines: Int) -> (lines: [String], truncated: Bool) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var lines: [String] = []
        var current = ""
        var pieces: [String] = []
        for word in words {
            if width(word, fontSize: fontSize) <= maxWidth {
                pieces.append(word)
            } else {
                var chunk = ""
                for ch in word {
                    if width(chunk + String(ch), fontSize: fontSize) > maxWidth, !chunk.isEmpty {
                        pieces.append(chunk)
                        chunk = ""
                    }
                    chunk.append(ch)
                }
                if !chunk.isEmpty { pieces.append(chunk) }
            }
        }
        var consumed = 0
        for piece in pieces {
            let candidate = current.isEmpty ? piece : current + " " + piece
            if width(candidate, fontSize: fontSize) <= maxWidth {
                current = candidate
            } else {
                lines.append(current)
                current = piece
                if lines.count == maxLines { break }
            }
            consumed += 1
        }
        if lines.count < maxLines, !current.isEmpty {
            lines.append(current)
        }
        let truncated = consumed < pieces.count
        if truncated, let last = lines.last {
            let cut = truncate(last + " " + ellipsis, maxWidth: maxWidth, fontSize: fontSize).text
            lines[lines.count - 1] = cut.hasSuffix(ellipsis) ? cut : last + ellipsis
        }
        if lines.isEmpty { lines = [""] }
        return (lines, truncated)
    }
}
