import DayZeroAnalysis
import DayZeroCohort
import DayZeroReport
import Foundation
import Testing

/// The report's texts follow the protocol: the alignment rule, figure references, the sections
/// left out, the kinetics sections, display units and group labels.
@Suite("Report texts from the protocol")
struct ProtocolTextTests {
    /// A non-COVID protocol: no SOFA, no cytokines, no medication drugs, fixed-day alignment.
    static var plainProtocol: StudyProtocol {
        var p = StudyProtocol.paperDefault
        p.name = "plain-study"
        p.title = "A plain study"
        p.sofaDefinition = nil
        let registry = ParameterRegistry()
        p.parameters = p.parameters.filter { registry[$0.name]?.kind != .cytokine && $0.name != "sofa" }
        p.medications = .none
        p.report = nil
        p.alignment = AlignmentRule(controls: .fixedICUDay, fixedICUDay: 5, excludeControlsNotInICU: false)
        p.groups = GroupLabels(treated: "Drug X", control: "Usual care")
        return p
    }

    /// The fixture as such a study would give it: no cytokines, proteomics, medication or SOFA
    /// score, controls on ICU day 5.
    static var plainResults: StudyResults {
        var r = StudyResultsFixture.make()
        for i in r.analysisSets.indices {
            r.analysisSets[i].cytokines = []
            r.analysisSets[i].proteomics = nil
            r.analysisSets[i].medication = []
            r.analysisSets[i].kinetics.removeAll { $0.parameter == "sofa" }
            r.analysisSets[i].flow.controlAlignmentDay = 5
        }
        return r
    }

    /// The `<svg>` element with `id`.
    func svg(_ id: String, in html: String) throws -> String {
        let start = try #require(html.range(of: "<svg id=\"\(id)\"") ?? html.range(of: "id=\"\(id)\""))
        let end = try #require(html.range(of: "</svg>", range: start.upperBound..<html.endIndex))
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// The HTML between the element with `id` and the next `<h3>` (a chapter's section).
    func section(from id: String, in html: String) throws -> String {
        let start = try #require(html.range(of: "id=\"\(id)\""))
        let end = html.range(of: "<h3>", range: start.upperBound..<html.endIndex)?.lowerBound ?? html.endIndex
        return String(html[start.lowerBound..<end])
    }

    @Test("a protocol without SOFA, cytokines, proteomics data or medication: those sections are left out, one line each in the methods")
    func sectionsLeftOut() throws {
        let options = ReportOptions(protocol: Self.plainProtocol)
        let html = ReportRenderer().render(Self.plainResults, options: options)
        for set in ["set-main", "set-no-corticosteroids"] {
            for id in ["fig-cytokines", "volcano", "medication", "fig-sofa"] {
                #expect(!html.contains("id=\"\(set)-\(id)\""), "\(set)-\(id) is still in the report")
            }
        }
        for heading in ["<h3>Cytokines</h3>", "<h3>Proteomics</h3>", "<h3>Medication</h3>", "<h3>Organ function (SOFA)</h3>"] {
            #expect(!html.contains(heading))
        }
        #expect(!html.contains("No cytokine data in this analysis set"))
        let methods = try section(from: "methods", in: html)
        for line in [
            "Cytokines: not in this report; the protocol analyses no cytokine parameters.",
            "Proteomics: not in this report; the study has no proteomics data.",
            "Organ function (SOFA): not in this report; the protocol defines no SOFA score.",
            "Medication: not in this report; the protocol lists no medication drugs.",
        ] {
            #expect(occurrences(of: "<p class=\"left-out\">\(line)</p>", in: methods) == 1, "missing: \(line)")
        }
        // Without SOFA, bilirubin and creatinine are other parameters, not organ function.
        let other = try section(from: "set-main-fig-other", in: html)
        for parameter in ["creatinine", "bilirubin", "platelets", "pf-ratio", "norepinephrine"] {
            #expect(other.contains("id=\"set-main-fig-kinetics-\(parameter)\""), "\(parameter) not under other parameters")
        }
        let inflammation = try section(from: "set-main-fig-inflammation", in: html)
        #expect(inflammation.contains("id=\"set-main-fig-kinetics-temperature\""))
        #expect(!inflammation.contains("bilirubin"))
        // No paper references without report.paper_figure_references.
        for reference in ["cf. Fig. 1", "cf. Fig. 2", "cf. Fig. 3", "Additional File 4"] {
            #expect(!html.contains(reference), "\(reference) printed for a protocol without paper references")
        }
        #expect(xmlError(html) == nil)
    }

    @Test("a study with cytokine parameters but no cytokine data says so; a set without data keeps its sentence")
    func noDataVersusNotConfigured() throws {
        var p = Self.plainProtocol
        p.parameters.append(ParameterRule(name: "il6", transform: .log, zeroRule: .excludeZeros))
        let options = ReportOptions(protocol: p)
        let html = ReportRenderer().render(Self.plainResults, options: options)
        #expect(html.contains("<p class=\"left-out\">Cytokines: not in this report; the study has no cytokine data.</p>"))
        // One set with cytokines: the section is back, with a sentence in the set without data.
        var results = Self.plainResults
        results.analysisSets[0].cytokines = StudyResultsFixture.make().analysisSets[0].cytokines
        let partial = ReportRenderer().render(results, options: options)
        #expect(partial.contains("id=\"set-main-fig-cytokines\""))
        #expect(partial.contains("<p class=\"absent\" id=\"set-no-corticosteroids-fig-cytokines\">"))
        #expect(!partial.contains("Cytokines: not in this report"))
    }

    @Test("fixed_icu_day: the alignment text names the fixed day, never the treated median")
    func fixedDayAlignment() throws {
        let html = ReportRenderer().render(Self.plainResults, options: ReportOptions(protocol: Self.plainProtocol))
        let flow = try section(from: "set-main-flow", in: html)
        #expect(flow.contains("Controls are aligned on ICU day 5, the fixed day set by the protocol."))
        #expect(!html.contains("median start day"))
        let methods = try section(from: "methods", in: html)
        #expect(methods.contains("controls on ICU day 5, the fixed day set by the protocol."))
        // exclude_controls_not_in_icu: false — the methods do not claim the exclusion.
        #expect(!methods.contains("no longer in the ICU"))
    }

    @Test("treated median: the alignment text names the median and its rounding; the default cites the paper")
    func medianAlignment() throws {
        let html = ReportRenderer().render(StudyResultsFixture.make(), options: ReportOptions(protocol: .paperDefault))
        #expect(html.contains("Controls are aligned on ICU day 12, the median start day of the treated group (a median between two days is rounded down)."))
        #expect(html.contains("Controls no longer in the ICU on that day are excluded."))
        var p = StudyProtocol.paperDefault
        p.alignment.medianRounding = .upperMiddle
        let upper = ReportRenderer().render(StudyResultsFixture.make(), options: ReportOptions(protocol: p))
        #expect(upper.contains("the median start day of the treated group (with an even count, the upper of the two middle days)."))
        // The Kooistra protocol keeps the paper's figure references and section layout.
        for reference in ["(cf. Fig. 1)", "(cf. Fig. 2a)", "(cf. Fig. 2b–f)", "(cf. Fig. 3)", "(cf. Additional File 4, Fig. 2)"] {
            #expect(html.contains(reference), "missing \(reference)")
        }
        let sofa = try section(from: "set-main-fig-sofa", in: html)
        for parameter in ["creatinine", "bilirubin", "platelets", "pf-ratio", "norepinephrine", "sofa"] {
            #expect(sofa.contains("id=\"set-main-fig-kinetics-\(parameter)\""), "\(parameter) not under SOFA")
        }
        #expect(!html.contains("id=\"set-main-fig-other\""))
        #expect(!html.contains("class=\"left-out\""))
        // Without a protocol, only the day is named.
        #expect(Rendered.html.contains("Controls are aligned on ICU day 12."))
    }

    @Test("section: on a parameter moves its panel")
    func sectionKey() throws {
        var p = StudyProtocol.paperDefault
        let i = try #require(p.parameters.firstIndex { $0.name == "crp" })
        p.parameters[i].section = .other
        let html = ReportRenderer().render(StudyResultsFixture.make(), options: ReportOptions(protocol: p))
        let other = try section(from: "set-main-fig-other", in: html)
        #expect(other.contains("id=\"set-main-fig-kinetics-crp\""))
        #expect(try !section(from: "set-main-fig-inflammation", in: html).contains("crp"))
    }

    @Test("display units: Table 1 values and the kinetics axis in the display unit, p values unchanged")
    func displayUnits() throws {
        var p = StudyProtocol.paperDefault
        for (name, unit) in [("bilirubin", "mg/dL"), ("temperature", "°F")] {
            let i = try #require(p.parameters.firstIndex { $0.name == name })
            p.parameters[i].displayUnit = unit
        }
        #expect(p.validate().isEmpty)
        var results = StudyResultsFixture.make()
        // A bilirubin row at the alignment day: 17.104 [8.552–34.208] µmol/L = 1 [0.5–2] mg/dL
        // (shown 1.00 [0.50–2.00]); the controls' 17.104 [17.104–17.104] = 1 [1–1], whole numbers.
        let bilirubin = Table1.Row(
            id: "alignment.bilirubin", label: "Bilirubin", unit: "µmol/L", kind: .continuous,
            treated: .init(n: 21, missing: 0, median: 17.104, q1: 8.552, q3: 34.208),
            control: .init(n: 39, missing: 0, median: 17.104, q1: 17.104, q3: 17.104),
            test: "mann-whitney", statistic: 300, pValue: 0.0123, warnings: [])
        let last = results.analysisSets[0].table1.sections.count - 1
        results.analysisSets[0].table1.sections[last].rows.append(bilirubin)
        let html = ReportRenderer().render(results, options: ReportOptions(protocol: p))
        let table = try section(from: "set-main-table1", in: html)
        // One number of decimals per row (`Table1HTML.rowDecimals`): 1.0 [0.5–2.0] and 1.0 [1.0–1.0].
        #expect(table.contains("<th scope=\"row\">Bilirubin, mg/dL</th><td class=\"num\">1.0 [0.5–2.0]</td><td class=\"num\">1.0 [1.0–1.0]</td><td class=\"num\" title=\"Mann–Whitney U test\">0.012<sup class=\"note-mark\">b</sup></td>"))
        // Temperature at the alignment day: 39.1 [38.3–40.0] °C = 102.38 [100.94–104] °F → 102.4 [100.9–104.0].
        #expect(table.contains("<th scope=\"row\">Temperature, °F</th><td class=\"num\">102.4 [100.9–104.0]</td>"), "\(table)")
        #expect(!table.contains("Temperature, °C"))
        // Other rows keep their units.
        #expect(table.contains("Ferritin, µg/L"))

        // The bilirubin panel: axis title in mg/dL, tooltips converted.
        let panel = try svg("set-main-fig-kinetics-bilirubin", in: html)
        let texts = visibleText(ofSVGTextElements: panel)
        #expect(texts.contains { $0.hasPrefix("Bilirubin (mg/dL") }, "\(texts)")
        #expect(!panel.contains("µmol/L"))
        let source = try #require(results.analysisSets[0].kinetics.first { $0.parameter == "bilirubin" })
        let day = try #require(source.days.first { $0.geometricMean != nil })
        let gm = try #require(day.geometricMean)
        // The tooltip shows three significant digits of the converted value, not the canonical one.
        let converted = String(format: "%.3g", gm / 17.104)
        #expect(panel.contains(": \(converted) (95% CI") || panel.contains(": \(converted)0 (95% CI"), "no tooltip with \(converted)")
        // results.json is untouched: the panel in the results still says µmol/L.
        #expect(source.unit == "µmol/L")
    }

    @Test("group labels from the protocol in the flow diagram, Table 1 and legends")
    func groupLabels() throws {
        let html = ReportRenderer().render(Self.plainResults, options: ReportOptions(protocol: Self.plainProtocol))
        let flow = try svg("set-main-flow-diagram", in: html)
        #expect(visibleText(ofSVGTextElements: flow).contains("Usual care"))
        #expect(visibleText(ofSVGTextElements: flow).contains("Drug X"))
        let table = try section(from: "set-main-table1", in: html)
        #expect(table.contains(">Drug X<br/>(n = 21)</th>"))
        #expect(table.contains(">Usual care<br/>(n = 39)</th>"))
        let inflammation = try section(from: "set-main-fig-inflammation", in: html)
        let legend = try #require(inflammation.range(of: "<div class=\"legend\">"))
        let legendText = String(inflammation[legend.lowerBound...].prefix(3000))
        #expect(legendText.contains("Usual care") && legendText.contains("Drug X"))
        // (The protocol appendix names the protocol's own keys, `treated:` and `control:`; the report before it uses the labels.)
        let beforeMethods = String(html[..<(html.range(of: "<section id=\"methods\"")?.lowerBound ?? html.endIndex)])
        #expect(!beforeMethods.contains(">Treated<") && !beforeMethods.contains(">Control<"))
    }
}
