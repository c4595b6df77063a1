@testable import DayZeroAnalysis
import DayZeroCohort
@testable import DayZeroReport
import Foundation
import Testing

extension StudyResultsFixture {
    /// A specification curve document: one set with a kinetics curve (p only) and a hazard-ratio
    /// curve, `specifications` specifications cycling through the dimensions' alternatives, p
    /// values spread over 1e-6…0.9, the protocol's own specification first.
    static func robustness(
        dimensionLabels: [String], alternatives: [[String]], specifications count: Int, resultLabel: String
    ) -> RobustnessResults {
        let dims = zip(dimensionLabels, alternatives).enumerated().map { k, d in
            RobustnessResults.Dimension(name: "d\(k)", label: d.0, vary: "window", alternatives: d.1, own: 0)
        }
        let specs = (0..<count).map { s in
            RobustnessResults.Specification(gridIndex: s, choices: dims.enumerated().map { k, d in (s / (k + 1)) % d.alternatives.count })
        }
        var ps: [Double?] = []
        var hr: [Double?] = []
        for s in 0..<count {
            let u = Double((s * 7919) % 1000) / 1000
            let exponent: Double = -6 * u
            ps.append(s % 17 == 5 ? nil : 0.9 * Foundation.pow(10, exponent))
            let v = Double((s * 104_729) % 1000) / 1000
            hr.append(Foundation.exp(v - 0.6))
        }
        func summary(_ p: [Double?]) -> RobustnessResults.Summary {
            RobustnessResults.Summary(
                specifications: p.compactMap { $0 }.count, significant: p.compactMap { $0 }.filter { $0 < 0.05 }.count,
                shareSignificant: 0.5, medianP: 0.04, minP: 1e-6, maxP: 0.9, medianEstimate: nil, minEstimate: nil, maxEstimate: nil,
                ownP: p.first ?? nil, ownEstimate: nil, verdict: "fragile",
                verdictText: "fragile: significant in 50% of \(count) specifications; depends on \(dimensionLabels[0])", dependsOn: "d0",
                shareByAlternative: dims.map { $0.alternatives.map { _ in 0.5 } })
        }
        let curves = [
            RobustnessResults.Curve(
                id: "kinetics.x.post", label: resultLabel, kind: "kinetics", estimateMeasure: nil,
                estimate: Array(repeating: nil, count: count), p: ps, summary: summary(ps)),
            RobustnessResults.Curve(
                id: "outcome.death.hazardRatio", label: resultLabel + ", hazard ratio", kind: "outcome", estimateMeasure: "hazardRatio",
                estimate: hr, p: ps, summary: summary(ps)),
        ]
        return RobustnessResults(
            schemaVersion: 1,
            provenance: Provenance(toolVersion: "0", inputHash: "a", protocolHash: "b", seed: nil, referenceImplementations: [:]),
            alpha: 0.05, robustShare: 0.9, gridSize: count * 2, sampled: true, samplingSeed: 1, dimensions: dims, specifications: specs,
            ownSpecification: 0, distinctAnalyses: count, analysisSets: [.init(id: "main", label: "Main analysis", results: curves)],
            warnings: [])
    }
}

@Suite("Robustness section")
struct RobustnessSectionTests {
    static let results = StudyResultsFixture.robustness(
        dimensionLabels: ["Norepinephrine zero rule", "Serial window"], alternatives: [["log(x + 0.01)", "zeros left out"], ["days −10 to 10", "days −7 to 7"]],
        specifications: 40, resultLabel: "Norepinephrine, after day 0")

    @Test func theSectionHasTheChoicesTheSummaryAndOneFigurePerResult() {
        let html = ReportRenderer().render(StudyResultsFixture.make(), robustness: Self.results)
        #expect(html.contains("<section id=\"robustness\""))
        #expect(html.contains("<a href=\"#robustness\">Robustness: specification curve</a>"))
        #expect(html.contains("<strong>log(x + 0.01)</strong>"))
        #expect(html.contains("Fragile: significant in 50% of 40 specifications; depends on Norepinephrine zero rule."))
        #expect(html.contains("<strong>fragile: depends on norepinephrine zero rule</strong>"))
        // A sampled grid says how a choice comes to be named.
        #expect(html.contains("named only when that split is beyond the sample&#39;s chance") || html.contains("named only when that split is beyond the sample's chance"))
        let figures = FigureExport.figures(in: html).filter { $0.id.hasPrefix("robustness-") }
        #expect(figures.map(\.id) == ["robustness-main-kinetics-x-post", "robustness-main-outcome-death-hazardRatio"])
        // Without results, no section.
        #expect(!ReportRenderer().render(StudyResultsFixture.make()).contains("id=\"robustness\""))
    }

    /// A second set shows the curves of its fragile results only, and a choice acting on one set
    /// alone appears in that set's choice panel, not in the other's.
    @Test func laterSetsShowTheirFragileCurvesAndEachPanelItsOwnChoices() {
        var r = Self.results
        r.dimensions[1].analysisSet = "matched"
        var matched = r.analysisSets[0]
        matched.id = "matched"
        matched.label = "Matched"
        matched.results[1].summary.verdict = "robust"
        r.analysisSets.append(matched)
        let html = ReportRenderer().render(StudyResultsFixture.make(), robustness: r)
        let figures = FigureExport.figures(in: html).filter { $0.id.hasPrefix("robustness-") }
        #expect(figures.map(\.id) == [
            "robustness-main-kinetics-x-post", "robustness-main-outcome-death-hazardRatio", "robustness-matched-kinetics-x-post",
        ])
        #expect(html.contains("fragile result follows; the robust ones are in the table above"))
        let curve = r.analysisSets[0].results[0]
        let mainPanel = SpecificationCurveSVG.render(curve, results: r, id: "a", set: "main")
        let matchedPanel = SpecificationCurveSVG.render(curve, results: r, id: "b", set: "matched")
        #expect(!mainPanel.contains("Serial window") && matchedPanel.contains("Serial window"))
        #expect(mainPanel.contains("Norepinephrine zero rule") && matchedPanel.contains("Norepinephrine zero rule"))
    }

    @Test func theFigureMarksTheProtocolTheLineAndEveryAlternative() {
        let curve = Self.results.analysisSets[0].results[0]
        let svg = SpecificationCurveSVG.render(curve, results: Self.results, id: "s")
        #expect(svg.contains("<title>The protocol&#39;s own specification</title>"))
        #expect(svg.contains(">p = 0.05<"))
        // The line's key is above the plot area (top 22), right-aligned at its right edge, so it
        // never covers a point.
        #expect(svg.contains("<text x=\"650\" y=\"14\" font-size=\"9\" text-anchor=\"end\" fill=\"#b2182b\">p = 0.05</text>"), "\(svg.prefix(3000))")
        for label in ["Norepinephrine zero rule", "log(x + 0.01) (protocol)", "zeros left out", "Serial window", "days −10 to 10 (protocol)", "days −7 to 7"] {
            #expect(svg.contains(">\(Markup.escape(label))<"), "\(label)")
        }
        // 40 specifications, 3 without a p: 37 points sorted.
        #expect(svg.contains(">37 specifications, sorted<"))
        let hr = SpecificationCurveSVG.render(Self.results.analysisSets[0].results[1], results: Self.results, id: "h")
        #expect(hr.contains(">no effect<"))
        #expect(hr.contains("Hazard ratio (log scale)"))
    }

    /// Every label of the default protocol's grid fits the choice panel uncut: a dimension's
    /// (bold) in the label column, each alternative with " (protocol)" appended in its indented
    /// column — the widths `SVGCanvas.text(maxWidth:)` cuts at.
    @Test func theDefaultGridsLabelsFitTheChoicePanel() throws {
        let dims = try #require(StudyProtocol.paperDefault.robustness?.dimensions)
        #expect(dims.count == 12)
        var checked = 0
        for d in dims {
            let width = TextMetrics.width(d.displayLabel, fontSize: SpecificationCurveSVG.fontSize - 1)
            #expect(width <= SpecificationCurveSVG.labelWidth / 1.13, "\(d.displayLabel): \(width)")
            for a in d.choice.alternativeLabels {
                let w = TextMetrics.width(a + " (protocol)", fontSize: SpecificationCurveSVG.fontSize - 1)
                #expect(w <= SpecificationCurveSVG.labelWidth - 10, "\(a): \(w)")
                checked += 1
            }
        }
        #expect(checked == 32)
    }

    @Test func runsMergeAdjacentColumns() {
        #expect(SpecificationCurveSVG.runs([3, 4, 5, 9], y: 1, height: 2, fill: "#000") == "<path d=\"M3 1h3v2h-3zM9 1h1v2h-1z\" fill=\"#000\"/>")
        #expect(SpecificationCurveSVG.runs([], y: 1, height: 2, fill: "#000") == "")
    }
}
