/// Escaping and bidirectional isolation of text placed in HTML and SVG.
///
/// Every string that can come from a user (parameter names and labels, group and set names,
/// exclusion reasons, drug and assay names, protocol text) passes through here before it is
/// written. The output is also well-formed XML, so the same functions serve HTML text, HTML
/// attribute values and SVG text: `&`, `<`, `>`, `"` and `'` become character references, and
/// characters XML 1.0 forbids (C0 controls other than tab/newline/carriage return, the
/// non-characters U+FFFE/U+FFFF) and C1 controls become U+FFFD, so no input can make a
/// document unparseable.
///
/// Bidirectional text: the embedding and override controls (U+202A–U+202E: LRE, RLE, PDF, LRO,
/// RLO) are removed from user text, because an unterminated one reverses everything after it —
/// an assay named `IL6\u{202E}` would turn its tooltip's fold change and p-value around. A name
/// that holds right-to-left letters or a bidi control is isolated wherever it is placed
/// (`html`: `<bdi>`; `svgText` and `isolate`: FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE),
/// and tooltips and labels composed from names and numbers isolate each name (`isolate`), so
/// a right-to-left name cannot move the numbers that follow it.
package enum Markup {
    /// `text` with the five XML-significant characters replaced by character references,
    /// characters not allowed in XML replaced by U+FFFD, and bidi embeddings and overrides
    /// removed. Safe in text and in quoted attributes.
    package static func escape(_ text: String) -> String {
        // Most strings (numbers, our own labels) need nothing: return them unchanged.
        let clean = text.utf8.allSatisfy { byte in
            byte >= 0x20 && byte != 0x26 && byte != 0x3C && byte != 0x3E && byte != 0x22 && byte != 0x27 && byte != 0x7F
                && byte != 0xC2 && byte != 0xEF && byte != 0xE2
        }
        if clean { return text }
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if isEmbeddingOrOverride(scalar) { continue }
                if isForbiddenInXML(scalar) {
                    out.unicodeScalars.append("\u{FFFD}")
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Escaped user text for HTML content, wrapped in `<bdi>` when it contains right-to-left
    /// letters or bidirectional control characters, so it cannot reorder the text around it.
    package static func html(_ text: String) -> String {
        let escaped = escape(text)
        return needsIsolation(text) ? "<bdi>\(escaped)</bdi>" : escaped
    }

    /// Like `html(_:)`, but text longer than `maxCharacters` is cut with "…" and the full text
    /// kept in a `title` attribute; for places where a label must stay short (table headers,
    /// the contents list).
    package static func htmlShort(_ text: String, maxCharacters: Int) -> String {
        guard text.count > maxCharacters else { return html(text) }
        let cut = String(text.prefix(max(1, maxCharacters - 1))) + "…"
        return "<span title=\"\(escape(text))\">\(html(cut))</span>"
    }

    /// Escaped user text for SVG `<text>` content. When isolation is needed the text is
    /// enclosed in FIRST STRONG ISOLATE (U+2068) … POP DIRECTIONAL ISOLATE (U+2069): the
    /// Unicode bidi algorithm then lays it out as one unit in its own direction, and any
    /// unterminated embedding or override inside it ends at the PDI.
    package static func svgText(_ text: String) -> String {
        let escaped = escape(text)
        return needsIsolation(text) ? "\u{2068}\(escaped)\u{2069}" : escaped
    }

    /// `text` enclosed in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE when it needs isolation
    /// (right-to-left letters or bidi controls), else unchanged: for a user's name placed
    /// among other words and numbers in a tooltip or label, before the whole is escaped.
    package static func isolate(_ text: String) -> String {
        needsIsolation(text) ? "\u{2068}\(text)\u{2069}" : text
    }

    /// LRE, RLE, PDF, LRO and RLO (U+202A–U+202E), which `escape` removes.
    static func isEmbeddingOrOverride(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value)
    }

    /// Whether `text` holds a strong right-to-left character or a bidi formatting character.
    package static func needsIsolation(_ text: String) -> Bool {
        text.unicodeScalars.contains { isRightToLeft($0) || isBidiControl($0) }
    }

    static func isForbiddenInXML(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 { return v != 0x09 && v != 0x0A && v != 0x0D }
        if (0x7F...0x9F).contains(v) { return true }
        return v == 0xFFFE || v == 0xFFFF
    }

    /// Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, the Arabic presentation forms
    /// and the supplementary right-to-left blocks.
    static func isRightToLeft(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return (0x0590...0x08FF).contains(v) || (0xFB1D...0xFDFF).contains(v) || (0xFE70...0xFEFF).contains(v)
            || (0x10800...0x10FFF).contains(v) || (0x1E800...0x1EFFF).contains(v)
    }

    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v == 0x061C || v == 0x200E || v == 0x200F || (0x202A...0x202E).contains(v)
            || (0x2066...0x2069).contains(v)
    }

    /// A fragment identifier made from `text`: lower-case ASCII letters and digits, every other
    /// run of characters collapsed to one `-`, at most 48 characters; `x` when nothing is left.
    /// Identifiers are therefore safe in attributes and CSS selectors without escaping.
    package static func slug(_ text: String) -> String {
        var out = ""
        var pendingDash = false
        for scalar in text.lowercased().unicodeScalars {
            let v = scalar.value
            let keep = (0x61...0x7A).contains(v) || (0x30...0x39).contains(v)
            if keep {
                if pendingDash, !out.isEmpty { out += "-" }
                pendingDash = false
                out.unicodeScalars.append(scalar)
                if out.unicodeScalars.count >= 48 { break }
            } else {
                pendingDash = true
            }
        }
        return out.isEmpty ? "x" : out
    }
}

/// Hands out document-unique element ids: the first request for a name gets it unchanged,
/// later ones get `-2`, `-3`, … in request order, so ids are stable for the same results.
package final class IDRegistry {
    private var used: Set<String> = []

    package init() {}

    package func unique(_ base: String) -> String {
        if used.insert(base).inserted { return base }
        var k = 2
        while !used.insert("\(base)-\(k)").inserted { k += 1 }
        return "\(base)-\(k)"
    }
}
