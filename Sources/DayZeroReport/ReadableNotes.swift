/// Notes as a reader of the report needs them: the statistics' warning codes
/// (`ties-normal-approximation: …`, `p-value-underflow: …`) become sentences, notes about numbers
/// the report does not show are dropped, and the cohort's machine names (`extubated_before_day_0`)
/// become words. `results.json` keeps every note exactly as computed; only the report's text
/// changes.
package enum ReadableNotes {
    /// Codes whose note concerns something the report already shows or does not show at all:
    /// missing counts are printed in the cells; no odds ratio is printed anywhere.
    static let hiddenCodes: Set<String> = ["missing-values", "odds-ratio-infinite", "degenerate-table"]

    /// `warning` in words, or `nil` when the reader should not see it (see `hiddenCodes`, and a
    /// p-value underflow of model terms the report never prints). `groupLabel` turns a group
    /// name at the start of a note (`control: …`) into its display label; `causes` names the
    /// event (cause 1) and the competing event (cause 2) of a cumulative-incidence note.
    package static func text(
        _ warning: String, groupLabel: (String) -> String = { $0 }, causes: (event: String, competing: String)? = nil
    ) -> String? {
        if warning.hasPrefix("missing values:") { return nil }
        guard let (prefix, code, message) = split(warning) else { return words(warning) }
        if hiddenCodes.contains(code) { return nil }
        let body: String
        switch code {
        case "ties-normal-approximation":
            body = "tied values: p from the normal approximation with a tie correction (an exact p is not defined with ties; as R's wilcox.test)"
        case "exact-too-large":
            body = "p from the normal approximation (the exact distribution is too large to count)"
        case "p-value-underflow":
            if message.hasPrefix("p-value below the smallest positive double") {
                let terms = message.split(separator: ":", maxSplits: 1).last.map(String.init) ?? ""
                // Only the time × group interaction (a term with ":") is printed.
                guard terms.contains(":") || !message.contains(" for: ") else { return nil }
                body = "the time × group interaction's p value is below the smallest positive double (printed as < 0.0001)"
            } else {
                body = "p value below 10⁻³⁰⁰ (printed as < 0.0001)"
            }
        case "no-events-of-cause":
            body = noEventsOfCause(message, causes: causes)
        default:
            body = words(message)
        }
        guard !prefix.isEmpty else { return body }
        // The group or name the note is about, with the group's display label.
        let subject = prefix.split(separator: ",", omittingEmptySubsequences: false).map {
            let part = String($0).trimmingCharactersInWhitespace()
            return groupLabel(part) == part ? part : groupLabel(part)
        }.joined(separator: ", ")
        return "\(subject): \(body)"
    }

    /// The codes of `StatsWarning` and of the workup's own notes (`code: message`).
    static let knownCodes: Set<String> = [
        "caliper-ignored", "degenerate-table", "empty-hypothesis", "empty-level", "empty-margin", "exact-too-large", "fewer-controls",
        "fitted-probabilities-0-or-1", "hessian-near-zero-eigenvalue", "hessian-negative-eigenvalue", "insufficient-data",
        "missing-cells", "missing-values", "no-events", "no-events-of-cause", "no-expected-events", "non-finite-coefficients",
        "non-positive-values", "not-converged", "odds-ratio-infinite", "p-value-underflow", "rank-deficient", "separation",
        "single-group", "single-observation", "single-observation-group", "singular-fit", "singular-variance",
        "singular-weighted-design", "small-expected-counts", "ties-normal-approximation", "unmatched-treated",
        "variance-ratio-undefined", "wide-pairs", "zero-variance",
    ]

    /// The part before a known warning code, the code and the message after it; `nil` when the
    /// note holds no code (`"Treated: ties-normal-approximation: …"` → `("Treated", code, "…")`).
    static func split(_ warning: String) -> (prefix: String, code: String, message: String)? {
        var start = warning.startIndex
        while start < warning.endIndex {
            let rest = warning[start...]
            let codeEnd = rest.firstIndex { !($0.isLowercase && $0.isASCII) && !$0.isNumber && $0 != "-" } ?? rest.endIndex
            let code = String(rest[..<codeEnd])
            if codeEnd < rest.endIndex, rest[codeEnd] == ":", knownCodes.contains(code) {
                var prefix = String(warning[..<start]).trimmingCharactersInWhitespace()
                if prefix.hasSuffix(":") { prefix.removeLast() }
                let message = String(rest[rest.index(after: codeEnd)...]).trimmingCharactersInWhitespace()
                return (prefix, code, message)
            }
            // Next word.
            guard let space = rest.firstIndex(of: " ") else { break }
            start = warning.index(after: space)
        }
        return nil
    }

    /// `no event of cause N` in the study's words: cause 1 is the curve's event, cause 2 the
    /// competing event.
    static func noEventsOfCause(_ message: String, causes: (event: String, competing: String)?) -> String {
        let cause: String? = message.contains("cause 1") ? "1" : (message.contains("cause 2") ? "2" : nil)
        let name: String
        switch (cause, causes) {
        case ("1", let c?): name = "no \(eventWords(c.event))"
        case ("2", let c?): name = "no \(eventWords(c.competing)) (the competing event)"
        default: name = "no event of this kind"
        }
        if message.contains("the test is undefined") {
            return "\(name) in either group: Gray's test is undefined (reported as p = 1)"
        }
        return "\(name) in this group: its cumulative incidence stays 0"
    }

    /// An event name from the data (`liver_transplant`) as words (`liver transplant`).
    package static func eventWords(_ name: String) -> String {
        name.replacingOccurrences(of: "_", with: " ")
    }

    /// Machine names inside a message (`met_exclude_if`, a `snake_case` token) as words.
    static func words(_ text: String) -> String {
        guard text.contains("_") else { return text }
        if text.contains("met_exclude_if") {
            return text.replacingOccurrences(of: ": met_exclude_if", with: ": met the exclusion rule")
                .replacingOccurrences(of: "met_exclude_if", with: "met the exclusion rule")
        }
        return text
    }
}
