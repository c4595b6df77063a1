import DayZeroAnalysis
import DayZeroReport
import Foundation
import Testing

/// The ids every report of the fixture must carry (docs/report.md lists the scheme).
func expectedIDs(sets: [String] = ["main", "no-corticosteroids"]) -> [String] {
    var ids = ["report-header", "contents", "methods", "methods-table", "provenance"]
    for set in sets {
        let p = "set-\(set)"
        ids += [p, "\(p)-flow", "\(p)-flow-diagram", "\(p)-table1", "\(p)-fig-cytokines", "\(p)-volcano",
                "\(p)-volcano-treated", "\(p)-volcano-control", "\(p)-fig-inflammation", "\(p)-fig-sofa",
                "\(p)-medication", "\(p)-medication-corticosteroids", "\(p)-medication-remdesivir", "\(p)-medication-chloroquine",
                "\(p)-medication-table", "\(p)-outcomes-table",
                "\(p)-fig-outcomes", "\(p)-km-ventilation-days", "\(p)-km-icu-los", "\(p)-km-death"]
        ids += ["tnf-alpha", "il6", "il8", "il10", "ip10", "mcp1", "il1ra"].map { "\(p)-fig-cytokine-\($0)" }
        ids += ["temperature", "ferritin", "procalcitonin", "wbc", "crp", "creatinine", "bilirubin", "platelets", "pf-ratio",
                "norepinephrine", "sofa"].map { "\(p)-fig-kinetics-\($0)" }
    }
    return ids
}

@Suite("Whole document")
struct DocumentTests {
    var results: StudyResults { Rendered.results }
    var html: String { Rendered.html }

    @Test("the fixture has the shape the brief asks for")
    func fixtureShape() {
        #expect(results.analysisSets.count == 2)
        let main = results.analysisSets[0]
        #expect(main.kinetics.count == 11)
        #expect(main.cytokines.count == 7)
        #expect(main.proteomics?.groups.map(\.points.count) == [75, 75])
        #expect(Set(main.kinetics[0].days.map(\.day)).count == 21)
        #expect(main.outcomeMeasures[4].survival?.curves.allSatisfy { $0.steps.count > 3 && $0.atRisk.count == 5 } == true)
        #expect(main.outcomeMeasures[4].survival?.curves.allSatisfy { $0.events > 0 } == true)
    }

    @Test("every SVG, and the document as a whole, is well-formed XML")
    func wellFormed() {
        let html = self.html
        let svgs = svgElements(in: html)
        // Per set: flow 1, cytokines 7 + legend, volcano 2, inflammation 5 + legend, SOFA 6 + legend,
        // medication 3 (one per drug) + legend, KM 3 + legend = 32.
        #expect(svgs.count == 2 * 32, "found \(svgs.count) SVG elements")
        for (i, svg) in svgs.enumerated() {
            if let error = xmlError(svg) {
                Issue.record("SVG #\(i) is not well-formed: \(error)\n\(svg.prefix(300))")
            }
        }
        #expect(xmlError("<root>" + svgs.joined(separator: "\n") + "</root>") == nil)
        // The whole document is written as XHTML-compatible markup, so it parses as XML too:
        // a stray unescaped character anywhere would show up here.
        let error = xmlError(html)
        #expect(error == nil, "document: \(error ?? "")")
    }

    @Test("no NaN or infinity reaches any SVG")
    func noNonFinite() {
        for svg in svgElements(in: html) {
            for bad in ["NaN", "nan", "inf", "Infinity"] {
                #expect(!svg.contains(bad), "\(bad) in \(svg.prefix(120))")
            }
        }
    }

    @Test("non-finite numbers smuggled into results are dropped, not drawn")
    func nonFiniteInput() {
        var r = results
        var panel = r.analysisSets[0].kinetics[0]
        panel.days[0].geometricMean = .nan
        panel.days[1].lower = -.infinity
        panel.days[2].upper = .infinity
        panel.days[3] = DayGroupStatistic(day: panel.days[3].day, group: panel.days[3].group, n: 1, geometricMean: .infinity, lower: .nan, upper: .nan)
        panel.overall?.pValue = .nan
        r.analysisSets[0].kinetics[0] = panel
        r.analysisSets[0].outcomeMeasures[4].survival?.curves[0].steps[0].survival = .nan
        r.analysisSets[0].outcomeMeasures[4].survival?.logRankP = .infinity
        r.analysisSets[0].proteomics?.groups[0].points[0].minusLog10P = .infinity
        r.analysisSets[0].proteomics?.groups[0].points[1].foldChange = .nan
        r.analysisSets[0].table1.sections[0].rows[1].treated.median = .nan
        r.analysisSets[0].medication[0].pValue = .nan
        let html = ReportRenderer().render(r)
        for svg in svgElements(in: html) {
            #expect(!svg.contains("NaN") && !svg.contains("nan") && !svg.contains("inf"), "\(svg.prefix(120))")
            #expect(xmlError(svg) == nil)
        }
        #expect(!html.contains("NaN") && !html.contains(">nan") && !html.contains("inf<"))
    }

    @Test("extreme but finite numbers, odd windows and clashing group names render without trapping")
    func extremes() {
        var r = results
        var panel = r.analysisSets[0].kinetics[1]
        panel.firstDay = Int.min
        panel.lastDay = Int.max
        panel.days[0] = DayGroupStatistic(day: Int.max, group: "treated", n: 1, geometricMean: 1e308, lower: -1e308, upper: 1e308)
        panel.days[1] = DayGroupStatistic(day: -3, group: "treated", n: 1, geometricMean: .leastNonzeroMagnitude, lower: 0, upper: 1e-300)
        r.analysisSets[0].kinetics[1] = panel
        r.analysisSets[0].outcomeMeasures[2].survival?.riskTimes = [0, 1e300]
        r.analysisSets[0].outcomeMeasures[2].survival?.curves[0].atRisk = []
        r.analysisSets[0].proteomics?.groups[1].points[2].foldChange = -1e308
        r.analysisSets[0].medication[0].treatedTotal = 0
        r.analysisSets[0].flow.exclusions = []
        let options = ReportOptions(treatedGroup: "same", controlGroup: "same")
        let html = ReportRenderer().render(r, options: options)
        for svg in svgElements(in: html) {
            #expect(xmlError(svg) == nil)
            #expect(!svg.contains("NaN") && !svg.contains("inf"))
        }
        #expect(html.contains("id=\"set-main-fig-kinetics-ferritin\""))
    }

    @Test("same results give byte-identical HTML")
    func deterministic() {
        let a = Rendered.html
        let b = ReportRenderer().render(StudyResultsFixture.make())
        #expect(a == b)
        #expect(a.utf8.count > 100_000)
    }

    @Test("self-contained: no scripts, no links, no URLs")
    func selfContained() {
        let lower = html.lowercased()
        for needle in ["<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "http:", "https:", "//fonts", "src=", "javascript:", "url(http", "@font-face"] {
            #expect(!lower.contains(needle), "found \(needle)")
        }
        // The only url() references are same-document hatch patterns.
        var rest = lower[...]
        while let r = rest.range(of: "url(") {
            #expect(rest[r.upperBound...].hasPrefix("#"), "non-local url( at \(rest[r.lowerBound...].prefix(40))")
            rest = rest[r.upperBound...]
        }
        #expect(lower.contains("@media print"))
        #expect(lower.contains("break-before: page"))
        #expect(lower.contains("break-inside: avoid"))
    }

    @Test("every expected id is present exactly once")
    func ids() {
        let counts = idCounts(in: html)
        for id in expectedIDs() {
            #expect(counts[id] == 1, "id \(id) appears \(counts[id] ?? 0) times")
        }
        #expect(counts.filter { $0.value > 1 }.isEmpty, "duplicated ids: \(counts.filter { $0.value > 1 })")
    }

    @Test("panels that match no paper figure land in an 'other parameters' figure")
    func otherParameters() {
        var r = results
        var lactate = r.analysisSets[0].kinetics[3]
        lactate.parameter = "lactate"
        lactate.label = "Lactate"
        lactate.unit = "mmol/L"
        r.analysisSets[0].kinetics.append(lactate)
        let html = ReportRenderer().render(r)
        #expect(html.contains("id=\"set-main-fig-other\""))
        #expect(html.contains("id=\"set-main-fig-kinetics-lactate\""))
        #expect(!html.contains("id=\"set-no-corticosteroids-fig-other\""))
    }

    @Test("absent proteomics, cytokines and medication keep their ids with a sentence")
    func absentParts() {
        var r = results
        r.analysisSets[1].proteomics = nil
        r.analysisSets[1].cytokines = []
        r.analysisSets[1].medication = []
        let html = ReportRenderer().render(r)
        #expect(html.contains("<p class=\"absent\" id=\"set-no-corticosteroids-volcano\">"))
        #expect(html.contains("<p class=\"absent\" id=\"set-no-corticosteroids-fig-cytokines\">"))
        #expect(html.contains("<p class=\"absent\" id=\"set-no-corticosteroids-medication\">"))
        #expect(xmlError(html) == nil)
    }

    @Test("patient identifiers never appear: results carry none and the default render shows none")
    func noPatientIdentifiers() throws {
        // The schema itself: no key of the encoded results names a patient identifier.
        let json = String(decoding: try JSONEncoder().encode(results), as: UTF8.self).lowercased()
        for key in ["\"patient\"", "\"patientid\"", "\"patient_id\"", "\"patientids\"", "\"mrn\"", "\"identifier\""] {
            #expect(!json.contains(key + ":"), "results JSON has key \(key)")
        }
        // The default (option-less) render: no id-like tokens such as P001 or patient 12.
        let html = Rendered.html
        let pattern = try NSRegularExpression(pattern: "\\b(P|PT|pt|patient[ _-]?)\\d{2,}\\b")
        let hits = pattern.matches(in: html, range: NSRange(html.startIndex..., in: html)).compactMap { Range($0.range, in: html).map { String(html[$0]) } }
        // UniProt accessions of assays live only in tooltips (P10000…), never as identifiers of patients.
        #expect(hits.allSatisfy { $0.hasPrefix("P1") && $0.count == 6 }, "id-like tokens: \(Set(hits).sorted().prefix(10))")
    }

    @Test("methods list every reference implementation with the tool version; provenance is complete")
    func methodsAndProvenance() throws {
        let options = ReportOptions(protocolName: "Kooistra 2020", protocolText: "alignment:\n  controls: median_start_day\n",
                                    methodNotes: ["Body temperature above 40 °C in cooled patients is imputed as 40 °C."],
                                    methodDescriptions: ["fisher": "Table 1 counts, medication, secondary infection"])
        let html = ReportRenderer().render(results, options: options)
        let methods = try #require(html.range(of: "<section id=\"methods\"")).lowerBound
        let provenance = try #require(html.range(of: "<section id=\"provenance\"")).lowerBound
        let methodsText = String(html[methods..<provenance])
        for (name, r) in results.provenance.referenceImplementations {
            #expect(methodsText.contains(">\(name)<"), "method \(name) missing")
            #expect(methodsText.contains(r.replacingOccurrences(of: "\"", with: "&quot;")), "R equivalent of \(name) missing")
        }
        #expect(methodsText.contains("dayzero 0.1.0"))
        #expect(methodsText.contains("Kooistra 2020"))
        // The protocol text as a table of settings, names in words.
        #expect(methodsText.contains("id=\"protocol-table\"") && methodsText.contains("median start day"))
        #expect(methodsText.contains("imputed as 40 °C"))
        #expect(methodsText.contains("Table 1 counts, medication, secondary infection"))
        #expect(methodsText.contains("ICU day 12"))
        let provenanceText = String(html[provenance...])
        #expect(provenanceText.contains(results.provenance.inputHash))
        #expect(provenanceText.contains(results.provenance.protocolHash))
        #expect(provenanceText.contains("20200688"))
        #expect(provenanceText.contains("0.1.0"))
    }

    @Test("Table 1 cells follow the paper's formats")
    func table1Cells() {
        let html = self.html
        for cell in ["14 (67)", "33 (85)", "63 [55–71]", "27.7 [25.9–29.9]", "8.2 [7.0–12.0]", "0.66 [0.18–1.39]",
                     "3380 [2028–18343] <span class=\"missing\">(2 missing)</span>", "39.1 [38.3–40.0]"] {
            #expect(html.contains(">\(cell)<"), "cell \(cell) not found")
        }
        for p in [">0.19<", ">0.50<", ">1<", ">0.0093<", ">0.0012<", ">0.0002<"] {
            #expect(html.contains(p), "p cell \(p) not found")
        }
        #expect(html.contains("No SOFA score could be computed"))
    }
}
