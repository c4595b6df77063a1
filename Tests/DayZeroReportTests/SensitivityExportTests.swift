import DayZeroAnalysis
@testable import DayZeroReport
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The sensitivity section and its forest plot, the readable notes, Table 1's digits, the
/// protocol appendix and the figure/table exports.
@Suite struct SensitivitySectionTests {
    static let withEffects = ReportRenderer().render(StudyResultsFixture.makeWithEffects())

    /// The part of `html` from the element with `id` to the end of its section.
    func section(_ html: String, from marker: String, to end: String = "</section>") -> String {
        guard let start = html.range(of: marker), let stop = html.range(of: end, range: start.upperBound..<html.endIndex) else { return "" }
        return String(html[start.lowerBound..<stop.upperBound])
    }

    @Test func withoutEffectsTheSectionSaysSoAndStillComparesTheSets() {
        let html = Rendered.html
        let s = section(html, from: "<section id=\"sensitivity\"")
        #expect(!s.isEmpty)
        #expect(html.contains("<li><a href=\"#sensitivity\">Sensitivity analyses</a></li>"))
        #expect(s.contains("<p class=\"absent\" id=\"sensitivity-forest\">No effect sizes:"))
        #expect(!s.contains("<svg"), "a forest plot without effects")
        // Outcomes: 5 outcomes × 2 sets, plus one heading row per outcome and the header.
        let outcomes = section(s, from: "id=\"sensitivity-outcomes\"", to: "</table>")
        #expect(occurrences(of: "<tr", in: outcomes) == 1 + 5 + 10)
        // Kinetics: every panel of the fixture (11 kinetics + 7 cytokines) and the count per set.
        let kinetics = section(s, from: "id=\"sensitivity-kinetics\"", to: "</table>")
        let results = Rendered.results
        let panels = (results.analysisSets[0].kinetics + results.analysisSets[0].cytokines)
        #expect(panels.count == 18)
        #expect(occurrences(of: "<tr", in: kinetics) == 1 + 18 + 1)
        for set in results.analysisSets {
            let all = set.kinetics + set.cytokines
            let differ = all.filter { ($0.overall?.pValue ?? 1) < 0.05 }.count
            #expect(kinetics.contains("<td class=\"num\">\(differ) of \(all.count)</td>"))
        }
    }

    @Test func oneSetHasNoSensitivitySection() {
        var results = StudyResultsFixture.make()
        results.analysisSets = Array(results.analysisSets.prefix(1))
        let html = ReportRenderer().render(results)
        #expect(!html.contains("id=\"sensitivity\""))
        #expect(!html.contains("href=\"#sensitivity\""))
    }

    @Test func forestPlotOfTheEffects() throws {
        let html = Self.withEffects
        let s = section(html, from: "<section id=\"sensitivity\"")
        let svgs = svgElements(in: s)
        // One panel per kind of effect: hazard ratios (3 curves) and risk differences (2 binary outcomes).
        #expect(svgs.count == 2)
        let hr = try #require(svgs.first { $0.contains("id=\"sensitivity-forest-hazardratio\"") })
        let rd = try #require(svgs.first { $0.contains("id=\"sensitivity-forest-riskdifference\"") })
        for svg in svgs { #expect(xmlError(svg) == nil, "\(xmlError(svg) ?? "")") }
        // The main set's estimates are filled circles, the second set's open squares: 3 + 3 and 2 + 2.
        #expect(occurrences(of: "<circle", in: hr) == 3)
        #expect(occurrences(of: "fill=\"#fff\" stroke=\"#1a1a1a\"", in: hr) == 3)
        #expect(occurrences(of: "<circle", in: rd) == 2)
        #expect(occurrences(of: "fill=\"#fff\" stroke=\"#1a1a1a\"", in: rd) == 2)
        #expect(hr.contains("Hazard ratio (log scale)"))
        #expect(rd.contains("Risk difference (percentage points)"))
        // The numbers as written next to each row, and in the outcomes table's effect column.
        #expect(rd.contains("10.0 (−14.0 to 34.0), p = 0.54"))
        #expect(s.contains("<th scope=\"col\" class=\"num\">Effect (95% CI)</th>"))
        #expect(s.contains("Risk difference 10.0 (−14.0 to 34.0)"))
        // The caption names which effects exist and their methods; effect warnings are notes.
        #expect(s.contains("Effects computed: Secondary infection within 28 days: risk difference; Time on mechanical ventilation: hazard ratio"))
        // Methods in a few words per measure (the full strings stay in results.json).
        #expect(s.contains("Methods: hazard ratios from Cox proportional hazards models (Efron ties, Wald CI and p); risk differences: Wald interval of the difference in proportions (each effect&#39;s computation in full: results.json)."))
        #expect(s.contains("few events: 4 in the treated group"))
        #expect(!s.contains("No effect sizes"))
    }

    @Test func effectTexts() {
        let hr = OutcomeEffect(measure: "hazardRatio", estimate: 0.85, lower: 0.4, upper: 1.8, p: 0.66, method: "Cox")
        #expect(ForestPlotSVG.estimateText(hr) == "0.85 (0.40–1.80)")
        let rd = OutcomeEffect(measure: "riskDifference", estimate: -0.05, lower: -0.201, upper: 0.102, p: 0.5, method: "Wald")
        #expect(ForestPlotSVG.estimateText(rd) == "−5.0 (−20.1 to 10.2)")
        let open = OutcomeEffect(measure: "hazardRatio", estimate: 1.3, lower: nil, upper: nil, p: nil, method: "Cox")
        #expect(ForestPlotSVG.estimateText(open) == "1.30 (CI not estimable)")
        let big = OutcomeEffect(measure: "oddsRatio", estimate: 12.345, lower: 2, upper: 80, p: nil, method: "Fisher")
        #expect(ForestPlotSVG.estimateText(big) == "12.3 (2.00–80.0)")
    }
}

@Suite struct ReadableNotesTests {
    @Test func codesBecomeWords() {
        #expect(ReadableNotes.text("missing values: treated 2, control 2") == nil)
        #expect(ReadableNotes.text("odds-ratio-infinite: the conditional MLE of the odds ratio is +∞; reported as nil") == nil)
        // An underflow of model terms the report never prints is dropped; of the interaction, put in words.
        #expect(ReadableNotes.text("p-value-underflow: p-value below the smallest positive double (reported as 0) for: (Intercept), day") == nil)
        #expect(ReadableNotes.text("p-value-underflow: p-value below the smallest positive double (reported as 0) for: ns3:grouptreated")
            == "the time × group interaction's p value is below the smallest positive double (printed as < 0.0001)")
        // A group name in front becomes its label; the causes are the curve's events.
        #expect(ReadableNotes.text(
            "control: no-events-of-cause: the sample: no event of cause 2; its cumulative incidence stays 0 with standard error 0",
            groupLabel: { $0 == "control" ? "No corticosteroids" : $0 }, causes: ("death", "liver_transplant"))
            == "No corticosteroids: no liver transplant (the competing event) in this group: its cumulative incidence stays 0")
        #expect(ReadableNotes.text("wide-pairs: 8 of 21 matched pairs are further apart than 0.2 SD") == "8 of 21 matched pairs are further apart than 0.2 SD")
        #expect(ReadableNotes.text("Treated, IL6: zero-variance: all differences are equal") == "Treated, IL6: all differences are equal")
        #expect(ReadableNotes.text("no-corticosteroids: met_exclude_if") == "no-corticosteroids: met the exclusion rule")
        #expect(ReadableNotes.text("Temperature: 3 value(s) imputed") == "Temperature: 3 value(s) imputed")
        #expect(FlowLabels.text(reason: "extubated_before_day_0").lowercasedFirstWord
            == "no longer ventilated on the alignment day (extubated before day 0)")
        #expect(ReadableNotes.eventWords("liver_transplant") == "liver transplant")
    }
}

@Suite struct Table1DigitsTests {
    func row(_ label: String, _ unit: String?, _ t: (Double, Double, Double), _ c: (Double, Double, Double)) -> Table1.Row {
        Table1.Row(id: label, label: label, unit: unit, kind: .continuous,
                   treated: .init(n: 21, missing: 0, median: t.0, q1: t.1, q3: t.2),
                   control: .init(n: 39, missing: 1, median: c.0, q1: c.1, q3: c.2),
                   test: "mann-whitney", statistic: 1, pValue: 0.4, warnings: [])
    }

    @Test func oneNumberOfDecimalsPerRow() {
        // Years, days and scores are whole numbers, also when a quartile falls between two values.
        #expect(Table1HTML.rowDecimals(row("Age", "years", (63, 55, 71), (67, 59.5, 72))) == 0)
        #expect(Table1HTML.rowDecimals(row("SOFA score", nil, (7, 6, 7.3), (6, 4, 7))) == 0)
        #expect(Table1HTML.rowDecimals(row("Time on ventilation", "days", (28.5, 18.75, 29), (28, 10.5, 29))) == 0)
        // Whole-number data (quartiles in quarters): no decimals.
        #expect(Table1HTML.rowDecimals(row("Bilirubin", "µmol/L", (8, 6, 13), (7, 5, 13.5))) == 0)
        // Otherwise two significant digits of the quartiles' spread and of the smallest median.
        #expect(Table1HTML.rowDecimals(row("Temperature", "°C", (38.4, 37.8, 38.9), (38.6, 37.55, 39.3))) == 1)
        #expect(Table1HTML.rowDecimals(row("Body mass index", "kg/m²", (27.6, 26.1, 29.8), (26.8, 24.35, 31.15))) == 1)
        #expect(Table1HTML.rowDecimals(row("Procalcitonin", "µg/L", (0.65, 0.19, 1.43), (0.85, 0.325, 2.82))) == 2)
        #expect(Table1HTML.rowDecimals(row("INR", "ratio", (1.895, 1.7075, 2.12), (1.93, 1.68, 2.14))) == 2)
        #expect(Table1HTML.rowDecimals(row("Tiny", "g", (0.0042, 0.0011, 0.0093), (0.005, 0.002, 0.0071))) == 3)
        // Both groups and the quartiles share the row's decimals.
        let r = row("Body mass index", "kg/m²", (27.6, 26.1, 29.8), (26.8, 24.35, 31.15))
        let d = Table1HTML.rowDecimals(r)
        #expect(Table1HTML.cell(r.treated, kind: .continuous, decimals: d) == "27.6 [26.1–29.8]")
        #expect(Table1HTML.cell(r.control, kind: .continuous, decimals: d) == "26.8 [24.4–31.1] <span class=\"missing\">(1 missing)</span>")
    }

    @Test func oneFootnotePerTest() {
        let rows = (0..<30).map { i in
            var r = row("Row \(i)", "U/L", (55, 38, 75), (50, 39.5, 62))
            r.warnings = ["ties-normal-approximation: cannot compute the exact p-value with ties; the normal approximation with tie correction is used (as R)"]
            return r
        } + [Table1.Row(id: "sex", label: "Male sex", unit: nil, kind: .count, treated: .init(n: 21, missing: 0, count: 14, percent: 66.7),
                        control: .init(n: 39, missing: 0, count: 33, percent: 84.6), test: "fisher", statistic: nil, pValue: 0.19, warnings: [])]
        let html = Table1HTML.render(sections: [Table1.Section(title: "", rows: rows)], id: "t", caption: "c", treatedHeader: "T", controlHeader: "C")
        #expect(occurrences(of: "<li>", in: html) == 2, "\(html)")
        #expect(html.contains("<li><sup class=\"note-mark\">a</sup> Fisher&#39;s exact test</li>"))
        #expect(html.contains("<sup class=\"note-mark\">b</sup> Mann–Whitney U test (with tied values"))
        #expect(occurrences(of: "0.40<sup class=\"note-mark\">b</sup>", in: html) == 30)
        #expect(html.contains("0.19<sup class=\"note-mark\">a</sup>"))
        #expect(!html.contains("table-notes\"><li>"), "a numbered row note for the ties")
    }
}

@Suite struct ProtocolAppendixTests {
    @Test func blockYAMLBecomesRows() {
        let yaml = """
            dayzero_protocol: 1
            name: demo
            title: A long title that the encoder
              wraps onto a second line
            exclusions:
            - name: consent_refused
              label: Consent refused
              if:
                variable: consent_refused
                is: '1'
            windows:
              serial:
              - -10
              - 10
            parameters:
            - name: wbc
              unit: 10^9/L
              zero_rule:
                add_constant: 0.01
            """
        let rows = ProtocolAppendix.rows(yaml)
        #expect(rows.count == 6, "\(rows)")
        #expect(rows.contains(.init(section: "General", setting: "Title", value: "A long title that the encoder wraps onto a second line")))
        #expect(rows.contains(.init(section: "Exclusions", setting: "Consent refused", value: "if: variable consent refused; is 1")))
        #expect(rows.contains(.init(section: "Windows", setting: "Serial", value: "−10, 10")))
        #expect(rows.contains(.init(section: "Parameters", setting: "wbc", value: "unit: ×10⁹/L · zero rule: add constant 0.01")))
        #expect(ProtocolAppendix.rows("not: [a yaml: block").count <= 1)
    }
}

@Suite struct FigureExportTests {
    @Test func standaloneSVGsAndCSVs() throws {
        let html = StudyResultsFixtureRendered.withEffects
        let figures = FigureExport.figures(in: html)
        #expect(figures.count == occurrences(of: "<figure ", in: html))
        for f in figures {
            #expect(f.path.hasPrefix("figures/fig-") && f.path.hasSuffix(".svg"))
            #expect(xmlError(f.content) == nil, "\(f.path): \(xmlError(f.content) ?? "")")
            #expect(f.content.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"174mm\""))
            #expect(f.content.contains("font-family=\"Helvetica Neue, Helvetica, Arial, Liberation Sans, DejaVu Sans, sans-serif\""))
            #expect(f.content.contains("<style>text { white-space: pre; }"))
            // Every panel of the figure is inside, each nested SVG placed and sized.
            #expect(occurrences(of: "<svg", in: f.content) >= 2)
        }
        let forest = try #require(figures.first { $0.id == "sensitivity-forest" })
        #expect(occurrences(of: "<svg", in: forest.content) == 3)
        let tables = FigureExport.tables(in: html)
        #expect(tables.count == occurrences(of: "<table class=\"data", in: html))
        let outcomes = try #require(tables.first { $0.id == "sensitivity-outcomes" })
        let lines = outcomes.content.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == "Outcome and analysis set,Treated,Control,p value,Effect (95% CI)")
        #expect(lines.count == 1 + 5 + 10)
        #expect(FigureExport.csvField("Age, years") == "\"Age, years\"")
        #expect(FigureExport.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(FigureExport.plainText("<th>Age<sup class=\"note-mark\">1</sup>, <span title=\"full label\">full…</span><br/>(n = 2) &amp; more</th>")
            == "Age, full label (n = 2) & more")
    }

    @Test func theDocumentListsItsFiles() {
        var options = ReportOptions()
        options.protocolText = "name: demo\n"
        let document = ReportRenderer().document(StudyResultsFixture.make(), options: options)
        #expect(document.html.contains("<li><a href=\"#exports\">Figures and tables as files</a></li>"))
        #expect(!document.html.contains("<!-- exports -->"))
        #expect(document.files.contains { $0.path == "protocol.yaml" && $0.content == "name: demo\n" })
        for file in document.files { #expect(document.html.contains("<code>\(file.path)</code>"), "\(file.path) not listed") }
        #expect(xmlError(document.html) == nil)
        // The report without files is unchanged by the export.
        #expect(!ReportRenderer().render(StudyResultsFixture.make(), options: options).contains("id=\"exports\""))
    }
}

enum StudyResultsFixtureRendered {
    static let withEffects = ReportRenderer().render(StudyResultsFixture.makeWithEffects())
}
