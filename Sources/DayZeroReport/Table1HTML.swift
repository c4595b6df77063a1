import DayZeroAnalysis

/// Table 1 and the outcome table as HTML: count rows as `n (%)`, continuous rows as
/// `median [Q1–Q3]`, p-values by `NumberFormat.pValue`. Missing values are shown in the cell
/// (`2 missing`), and row warnings become numbered notes under the table.
package enum Table1HTML {
    package static func render(
        sections: [Table1.Section], id: String, caption: String, treatedHeader: String, controlHeader: String
    ) -> String {
        var notes: [String] = []
        var s = "<table class=\"data table1\" id=\"\(id)\">\n<caption>\(Markup.html(caption))</caption>\n"
        s += "<colgroup><col class=\"c-label\"/><col class=\"c-group\"/><col class=\"c-group\"/><col class=\"c-p\"/></colgroup>\n"
        s += "<thead><tr><th scope=\"col\">Characteristic</th><th scope=\"col\" class=\"num\">\(treatedHeader)</th>"
        s += "<th scope=\"col\" class=\"num\">\(controlHeader)</th><th scope=\"col\" class=\"num\">p value</th></tr></thead>\n"
        for section in sections {
            s += "<tbody>\n"
            if !section.title.isEmpty {
                s += "<tr class=\"section\"><th colspan=\"4\" scope=\"rowgroup\">\(Markup.htmlShort(section.title, maxCharacters: 160))</th></tr>\n"
            }
            for row in section.rows {
                s += rowHTML(row, notes: &notes)
            }
            s += "</tbody>\n"
        }
        s += "</table>\n"
        if !notes.isEmpty {
            s += "<ol class=\"table-notes\">"
            for note in notes { s += "<li>\(Markup.html(note))</li>" }
            s += "</ol>\n"
        }
        return s
    }

    static func rowHTML(_ row: Table1.Row, notes: inout [String]) -> String {
        var label = Markup.htmlShort(row.label, maxCharacters: 160)
        if let unit = row.unit?.trimmingCharactersInWhitespace(), !unit.isEmpty { label += ", " + Markup.htmlShort(unit, maxCharacters: 40) }
        var marks = ""
        for warning in row.warnings.compactMap(readableNote) {
            let index: Int
            if let existing = notes.firstIndex(of: warning) {
                index = existing
            } else {
                notes.append(warning)
                index = notes.count - 1
            }
            marks += "<sup class=\"note-mark\">\(index + 1)</sup>"
        }
        let test = testName(row.test)
        var s = "<tr><th scope=\"row\">\(label)\(marks)</th>"
        s += "<td class=\"num\">\(cell(row.treated, kind: row.kind))</td><td class=\"num\">\(cell(row.control, kind: row.kind))</td>"
        if let test {
            s += "<td class=\"num\" title=\"\(Markup.escape(test))\">\(Markup.escape(NumberFormat.pValue(row.pValue)))</td></tr>\n"
        } else {
            s += "<td class=\"num\">\(Markup.escape(NumberFormat.pValue(row.pValue)))</td></tr>\n"
        }
        // A categorical row's levels follow, indented, each n (%) of the group's known values.
        for level in row.levels ?? [] {
            s += "<tr class=\"level\"><th scope=\"row\">\(Markup.htmlShort(level.label, maxCharacters: 120))</th>"
            s += "<td class=\"num\">\(cell(level.treated, kind: .count))</td><td class=\"num\">\(cell(level.control, kind: .count))</td><td></td></tr>\n"
        }
        return s
    }

    /// A row note as a reader of the table needs it, or `nil` when the table already says it or
    /// it concerns a number the table does not show: missing counts are in the cells; the odds
    /// ratio (infinite, or not identifiable from a table fixed by its margins) is not printed.
    /// The statistics' codes become words; results.json keeps every note as computed.
    static func readableNote(_ warning: String) -> String? {
        if warning.hasPrefix("missing values:") || warning.hasPrefix("odds-ratio-infinite:") || warning.hasPrefix("degenerate-table:") {
            return nil
        }
        if warning.hasPrefix("ties-normal-approximation:") {
            return "tied values: p from the normal approximation with a tie correction (an exact p is not defined with ties; as R's wilcox.test)"
        }
        if warning.hasPrefix("exact-too-large:") {
            return "p from the normal approximation (the exact distribution is too large to count)"
        }
        if let colon = warning.firstIndex(of: ":"), warning[..<colon].allSatisfy({ $0.isLowercase || $0 == "-" }) {
            // Another code: its message alone ("small-expected-counts: some expected …").
            return String(warning[warning.index(after: colon)...]).trimmingCharactersInWhitespace()
        }
        return warning
    }

    static func testName(_ test: String?) -> String? {
        switch test {
        case "fisher": return "Fisher's exact test"
        case "mann-whitney": return "Mann–Whitney U test"
        case "chi-square": return "Pearson's chi-square test"
        case .some(let other): return other
        case .none: return nil
        }
    }

    /// One group's cell; `–` when there is nothing to show.
    package static func cell(_ g: Table1.GroupSummary, kind: Table1.Kind) -> String {
        var text: String
        switch kind {
        case .categorical:
            // The levels carry the counts; the variable's own row shows only what is missing.
            text = ""
        case .count:
            if let count = g.count {
                text = NumberFormat.count(count)
                if let percent = g.percent, percent.isFinite {
                    text += " (\(NumberFormat.fixed(percent, decimals: 0)))"
                }
            } else {
                text = "–"
            }
        case .continuous:
            if let median = g.median, median.isFinite {
                let quartiles = [g.q1, g.q3].compactMap { $0 }.filter(\.isFinite)
                let decimals = NumberFormat.summaryDecimals([median] + quartiles)
                text = NumberFormat.fixed(median, decimals: decimals)
                if let q1 = g.q1, let q3 = g.q3, q1.isFinite, q3.isFinite {
                    text += " [\(NumberFormat.fixed(q1, decimals: decimals))–\(NumberFormat.fixed(q3, decimals: decimals))]"
                }
            } else {
                text = "–"
            }
        }
        var s = Markup.escape(text)
        if g.missing > 0 {
            s += (s.isEmpty ? "" : " ") + "<span class=\"missing\">(\(g.missing) missing)</span>"
        }
        return s
    }
}
