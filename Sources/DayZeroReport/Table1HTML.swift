import Foundation
import DayZeroAnalysis

/// Table 1 and the outcome table as HTML, formatted as gtsummary's `tbl_summary` would: count
/// rows as `n (%)`, continuous rows as `median [Q1–Q3]` with one number of decimals per row
/// (`rowDecimals`), p-values by `NumberFormat.pValue`. Each p value carries a letter for its
/// test, and each test used is named once under the table; missing values are shown in the
/// cell (`2 missing`); other row notes become numbered notes under the table.
package enum Table1HTML {
    /// The tests a p value can come from, in the order their footnotes are listed.
    static let tests: [(code: String, footnote: String)] = [
        ("fisher", "Fisher's exact test"),
        ("chi-square", "Pearson's χ² test without continuity correction"),
        ("mann-whitney", "Mann–Whitney U test (with tied values: normal approximation with continuity and tie correction, as R's wilcox.test)"),
        ("log-rank", "log-rank test"),
        ("gray", "Gray's test"),
    ]

    package static func render(
        sections: [Table1.Section], id: String, caption: String, treatedHeader: String, controlHeader: String
    ) -> String {
        var notes: [String] = []
        let used = Set(sections.flatMap(\.rows).compactMap(\.test))
        var marks: [String: String] = [:]
        var footnotes: [(String, String)] = []
        let letters = ["a", "b", "c", "d", "e", "f", "g", "h"]
        for test in tests.map(\.code) + used.sorted() where used.contains(test) && marks[test] == nil && footnotes.count < letters.count {
            let letter = letters[footnotes.count]
            marks[test] = letter
            footnotes.append((letter, tests.first { $0.code == test }?.footnote ?? test))
        }
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
                s += rowHTML(row, notes: &notes, testMark: row.test.flatMap { marks[$0] })
            }
            s += "</tbody>\n"
        }
        s += "</table>\n"
        if !footnotes.isEmpty {
            s += "<ul class=\"table-notes table-tests\">"
            for (letter, text) in footnotes { s += "<li><sup class=\"note-mark\">\(letter)</sup> \(Markup.html(text))</li>" }
            s += "</ul>\n"
        }
        if !notes.isEmpty {
            s += "<ol class=\"table-notes\">"
            for note in notes { s += "<li>\(Markup.html(note))</li>" }
            s += "</ol>\n"
        }
        return s
    }

    static func rowHTML(_ row: Table1.Row, notes: inout [String], testMark: String? = nil) -> String {
        var label = Markup.htmlShort(row.label, maxCharacters: 160)
        if let unit = row.unit?.trimmingCharactersInWhitespace(), !unit.isEmpty { label += ", " + Markup.htmlShort(unit, maxCharacters: 40) }
        var marks = ""
        for warning in row.warnings.compactMap(readableNote) where !warning.hasPrefix("tied values:") {
            let index: Int
            if let existing = notes.firstIndex(of: warning) {
                index = existing
            } else {
                notes.append(warning)
                index = notes.count - 1
            }
            marks += "<sup class=\"note-mark\">\(index + 1)</sup>"
        }
        let decimals = rowDecimals(row)
        let test = testName(row.test)
        var s = "<tr><th scope=\"row\">\(label)\(marks)</th>"
        s += "<td class=\"num\">\(cell(row.treated, kind: row.kind, decimals: decimals))</td>"
        s += "<td class=\"num\">\(cell(row.control, kind: row.kind, decimals: decimals))</td>"
        let p = Markup.escape(NumberFormat.pValue(row.pValue)) + (row.pValue != nil ? testMark.map { "<sup class=\"note-mark\">\($0)</sup>" } ?? "" : "")
        if let test {
            s += "<td class=\"num\" title=\"\(Markup.escape(test))\">\(p)</td></tr>\n"
        } else {
            s += "<td class=\"num\">\(p)</td></tr>\n"
        }
        // A categorical row's levels follow, indented, each n (%) of the group's known values.
        for level in row.levels ?? [] {
            s += "<tr class=\"level\"><th scope=\"row\">\(Markup.htmlShort(level.label, maxCharacters: 120))</th>"
            s += "<td class=\"num\">\(cell(level.treated, kind: .count))</td><td class=\"num\">\(cell(level.control, kind: .count))</td><td></td></tr>\n"
        }
        return s
    }

    /// Units and labels of characteristics counted in whole units (years, days, scores): their
    /// medians and quartiles are printed without decimals, as gtsummary prints an integer column.
    static let wholeUnits: Set<String> = ["years", "year", "y", "days", "day", "d", "weeks", "months", "points", "score", "count", "n"]

    /// The decimals of a continuous row, the same for both groups' median and quartiles: none for
    /// a characteristic counted in whole units (`wholeUnits`, or a label naming a score) or when
    /// every number is whole, or a multiple of ¼ with the quartiles spread over at least 4 units
    /// (whole-number data: type-7 quartiles of integers end in .25, .5 or .75); otherwise enough for two significant digits of the spread of the
    /// quartiles over both groups (largest Q3 − smallest Q1) and of the smallest median (so
    /// 26.8 [24.4–31.2] and 0.65 [0.19–1.43]), at most 3. gtsummary guesses from the 5th–95th
    /// percentile spread of the raw data, which the results do not carry.
    package static func rowDecimals(_ row: Table1.Row) -> Int {
        guard row.kind == .continuous else { return 0 }
        let groups = [row.treated, row.control]
        let values = groups.flatMap { [$0.median, $0.q1, $0.q3] }.compactMap { $0 }.filter(\.isFinite)
        guard !values.isEmpty else { return 0 }
        // Whole numbers, or the quartiles R's type-7 quantile gives for whole-number data (every
        // number a multiple of ¼): the data are counted in whole units.
        let lows = groups.compactMap(\.q1).filter(\.isFinite), highs = groups.compactMap(\.q3).filter(\.isFinite)
        let span = (highs.max() ?? 0) - (lows.min() ?? 0)
        if values.allSatisfy({ $0 == $0.rounded() }) || (span >= 4 && values.allSatisfy({ ($0 * 4) == ($0 * 4).rounded() })) { return 0 }
        let unit = (row.unit ?? "").trimmingCharactersInWhitespace().lowercased()
        let label = row.label.lowercased()
        if wholeUnits.contains(unit) || label.contains("score") || label.hasPrefix("apache") { return 0 }
        func decimals(forTwoDigitsOf x: Double) -> Int {
            guard x > 0, x.isFinite else { return 0 }
            return max(0, 1 - Int(log10(x).rounded(.down)))
        }
        var d = 0
        if let low = lows.min(), let high = highs.max(), high > low { d = decimals(forTwoDigitsOf: high - low) }
        if let smallest = groups.compactMap(\.median).filter({ $0.isFinite && $0 != 0 }).map(abs).min() {
            d = max(d, decimals(forTwoDigitsOf: smallest))
        }
        return min(3, d)
    }

    /// A row note as a reader of the table needs it, or `nil` when the table already says it or
    /// it concerns a number the table does not show (`ReadableNotes.text`).
    static func readableNote(_ warning: String) -> String? {
        ReadableNotes.text(warning)
    }

    static func testName(_ test: String?) -> String? {
        switch test {
        case "fisher": return "Fisher's exact test"
        case "mann-whitney": return "Mann–Whitney U test"
        case "chi-square": return "Pearson's chi-square test"
        case "log-rank": return "log-rank test"
        case "gray": return "Gray's test"
        case .some(let other): return other
        case .none: return nil
        }
    }

    /// One group's cell; `–` when there is nothing to show. `decimals`: the row's (`rowDecimals`),
    /// else chosen from this cell's numbers alone.
    package static func cell(_ g: Table1.GroupSummary, kind: Table1.Kind, decimals rowDecimals: Int? = nil) -> String {
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
                let decimals = rowDecimals ?? NumberFormat.summaryDecimals([median] + quartiles)
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
