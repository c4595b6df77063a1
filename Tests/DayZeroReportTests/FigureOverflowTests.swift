import DayZeroAnalysis
import DayZeroCohort
import DayZeroReport
import Foundation
import Testing

/// The estimated box of every `<text>` of an SVG, measured with the report's own `TextMetrics`
/// (bold 13% wider, as `SVGCanvas` counts it), from the markup alone.
struct SVGTextBoxes {
    struct Box: CustomStringConvertible {
        var text: String
        var minX, minY, maxX, maxY: Double
        /// The text's anchor point (its x and y attributes).
        var anchorX = 0.0, anchorY = 0.0
        var description: String {
            "\"\(text)\" [\(Int(minX.rounded()))…\(Int(maxX.rounded())) × \(Int(minY.rounded()))…\(Int(maxY.rounded()))]"
        }
        func overlaps(_ o: Box, slack: Double) -> Bool {
            min(maxX, o.maxX) - max(minX, o.minX) > slack && min(maxY, o.maxY) - max(minY, o.minY) > slack
        }
        func inside(_ r: (x: Double, y: Double, w: Double, h: Double), slack: Double) -> Bool {
            minX >= r.x - slack && maxX <= r.x + r.w + slack && minY >= r.y - slack && maxY <= r.y + r.h + slack
        }
    }

    var width = 0.0, height = 0.0
    var texts: [Box] = []
    /// Rectangles outside `<defs>` (boxes a text may sit in: the flow diagram's).
    var rects: [(x: Double, y: Double, w: Double, h: Double)] = []

    static func attribute(_ name: String, in tag: String) -> String? {
        guard let r = tag.range(of: " \(name)=\"") else { return nil }
        let rest = tag[r.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    static func decode(_ s: String) -> String {
        var out = s
        for (entity, ch) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&apos;", "'")] {
            out = out.replacingOccurrences(of: entity, with: ch)
        }
        while let r = out.range(of: "&#x"), let end = out[r.upperBound...].firstIndex(of: ";"),
              let v = UInt32(out[r.upperBound..<end], radix: 16), let u = Unicode.Scalar(v) {
            out.replaceSubrange(r.lowerBound...end, with: String(Character(u)))
        }
        return out.replacingOccurrences(of: "&amp;", with: "&")
    }

    static func stripTags(_ s: String) -> String {
        var out = "", inTag = false
        for ch in s {
            if ch == "<" { inTag = true } else if ch == ">" { inTag = false } else if !inTag { out.append(ch) }
        }
        return out
    }

    init(_ svg: String) {
        if let vb = Self.attribute("viewBox", in: svg) {
            let parts = vb.split(separator: " ").compactMap { Double($0) }
            if parts.count == 4 { width = parts[2]; height = parts[3] }
        }
        // Drop <defs>…</defs> and every <title>…</title>: neither is drawn.
        var body = svg
        for (open, close) in [("<defs>", "</defs>"), ("<title>", "</title>")] {
            while let a = body.range(of: open), let b = body.range(of: close, range: a.upperBound..<body.endIndex) {
                body.removeSubrange(a.lowerBound..<b.upperBound)
            }
        }
        var rest = body[...]
        while let start = rest.range(of: "<rect ") {
            let end = rest[start.lowerBound...].firstIndex(of: ">") ?? rest.endIndex
            let tag = String(rest[start.lowerBound..<end])
            if let x = Self.attribute("x", in: tag).flatMap(Double.init), let y = Self.attribute("y", in: tag).flatMap(Double.init),
               let w = Self.attribute("width", in: tag).flatMap(Double.init), let h = Self.attribute("height", in: tag).flatMap(Double.init) {
                rects.append((x, y, w, h))
            }
            rest = rest[end...]
        }
        rest = body[...]
        while let start = rest.range(of: "<text "), let close = rest.range(of: "</text>", range: start.upperBound..<rest.endIndex) {
            let element = rest[start.lowerBound..<close.lowerBound]
            guard let gt = element.firstIndex(of: ">") else { break }
            let tag = String(element[..<gt])
            let content = Self.decode(Self.stripTags(String(element[element.index(after: gt)...])))
            let x = Self.attribute("x", in: tag).flatMap(Double.init) ?? 0
            let y = Self.attribute("y", in: tag).flatMap(Double.init) ?? 0
            let size = Self.attribute("font-size", in: tag).flatMap(Double.init) ?? 11
            let bold = Self.attribute("font-weight", in: tag) == "bold"
            let w = TextMetrics.width(content, fontSize: size) * (bold ? 1.13 : 1)
            let (a, b): (Double, Double)
            switch Self.attribute("text-anchor", in: tag) {
            case "middle"?: (a, b) = (-w / 2, w / 2)
            case "end"?: (a, b) = (-w, 0)
            default: (a, b) = (0, w)
            }
            let ascent = 0.76 * size, descent = 0.24 * size
            if let t = Self.attribute("transform", in: tag), t.hasPrefix("rotate(-90") {
                // rotate(−90 x y): (x + dx, y + dy) → (x + dy, y − dx).
                texts.append(Box(text: content, minX: x - ascent, minY: y - b, maxX: x + descent, maxY: y - a, anchorX: x, anchorY: y))
            } else {
                texts.append(Box(text: content, minX: x + a, minY: y - ascent, maxX: x + b, maxY: y + descent, anchorX: x, anchorY: y))
            }
            rest = rest[close.upperBound...]
        }
    }

    /// Every problem: a text outside the canvas, two texts on top of each other, a text whose
    /// anchor lies in a box (a rectangle larger than a marker) but which runs out of it.
    func problems(slack: Double = 0.5, overlapSlack: Double = 1) -> [String] {
        var out: [String] = []
        for t in texts where !t.text.isEmpty && !t.inside((0, 0, width, height), slack: slack) {
            out.append("outside the \(Int(width))×\(Int(height)) canvas: \(t)")
        }
        for i in texts.indices {
            for j in texts.indices where j > i && texts[i].overlaps(texts[j], slack: overlapSlack) {
                out.append("overlap: \(texts[i]) and \(texts[j])")
            }
        }
        let boxes = rects.filter { $0.w > 40 && $0.h > 16 }
        for t in texts {
            let anchorX = t.anchorX, anchorY = t.anchorY
            let holders = boxes.filter { anchorX >= $0.x && anchorX <= $0.x + $0.w && anchorY >= $0.y && anchorY <= $0.y + $0.h }
            if let box = holders.min(by: { $0.w * $0.h < $1.w * $1.h }), !t.inside(box, slack: slack) {
                out.append("out of its box \(box): \(t)")
            }
        }
        return out
    }
}

/// Every figure at the shortest and the longest label the catalogs allow (parameter, baseline
/// and comorbidity labels and units of `ParameterCatalog` / `BaselineCatalog`; group, drug,
/// outcome, assay and exclusion names from one character to long ones) has no text outside its
/// canvas, no two texts on top of each other and no text running out of its box.
@Suite("Figure text overflow")
struct FigureOverflowTests {
    static let catalogLabels = ParameterCatalog.all.map(\.label) + BaselineCatalog.all.map(\.label)
    static let catalogUnits = ParameterCatalog.all.map(\.unit)
    static var shortestLabel: String { catalogLabels.min { ($0.count, $0) < ($1.count, $1) } ?? "X" }
    static var longestLabel: String { catalogLabels.max { ($0.count, $0) < ($1.count, $1) } ?? "X" }
    static var longestUnit: String { catalogUnits.max { ($0.count, $0) < ($1.count, $1) } ?? "" }

    /// The two label lengths: (short, long) per kind of name.
    struct Names {
        var parameter: String, unit: String, group: (String, String), drug: String, period: String, outcome: String
        var event: String, assay: String, exclusion: String, covariate: String
    }

    static let extremes: [Names] = [
        Names(parameter: "X", unit: "", group: ("A", "B"), drug: "X", period: "a", outcome: "X", event: "death", assay: "X",
              exclusion: "X", covariate: "X"),
        Names(parameter: shortestLabel, unit: "%", group: ("Anakinra", "Control"), drug: "Corticosteroids", period: "before",
              outcome: "ICU length of stay", event: "ICU discharge alive", assay: "IL6", exclusion: "Consent refused", covariate: "BMI"),
        Names(parameter: longestLabel, unit: longestUnit,
              group: ("Anakinra 100 mg subcutaneously four times daily", "Standard care without interleukin-1 blockade"),
              drug: "Hydroxychloroquine and azithromycin combination", period: "after day 0, treatment phase",
              outcome: "Time on invasive mechanical ventilation after alignment", event: "extubation alive without reintubation within 48 hours",
              assay: "Tumor necrosis factor receptor superfamily member 9", exclusion: String(repeating: "Pre-existing immunocompromised state ", count: 6),
              covariate: longestLabel),
    ]

    func palette(_ n: Names) -> GroupPalette {
        var options = ReportOptions()
        options.groupLabels = ["treated": n.group.0, "control": n.group.1]
        return GroupPalette(options: options, seen: ["treated", "control"])
    }

    func expectClean(_ svg: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let boxes = SVGTextBoxes(svg)
        #expect(boxes.width > 0 && !boxes.texts.isEmpty, "\(what): no text found", sourceLocation: sourceLocation)
        let problems = boxes.problems()
        #expect(problems.isEmpty, Comment(rawValue: "\(what):\n" + problems.joined(separator: "\n")), sourceLocation: sourceLocation)
    }

    @Test func catalogExtremesAreWhatTheTestUses() {
        #expect(Self.longestLabel.count >= 40, "the catalogs' longest label: \(Self.longestLabel)")
        #expect(Self.shortestLabel.count <= 5, "the catalogs' shortest label: \(Self.shortestLabel)")
        #expect(Self.extremes.count == 3)
    }

    @Test func kineticsPanels() {
        let base = StudyResultsFixture.make().analysisSets[0]
        var rendered = 0
        for n in Self.extremes {
            for source in base.kinetics + base.cytokines {
                var panel = source
                panel.label = n.parameter
                panel.unit = n.unit
                expectClean(KineticsPanelSVG.render(panel, id: "k", groups: palette(n)), "kinetics \(source.parameter) as \(n.parameter)")
                rendered += 1
            }
        }
        #expect(rendered == 3 * (base.kinetics.count + base.cytokines.count) && rendered >= 30)
    }

    @Test func survivalPanels() throws {
        let base = StudyResultsFixture.make().analysisSets[0]
        var rendered = 0
        for n in Self.extremes {
            for m in base.outcomeMeasures {
                guard var curve = m.survival else { continue }
                curve.event = n.event
                for cumulative in [false, true] {
                    let options = SurvivalFigureOptions(cumulativeEvents: cumulative)
                    expectClean(SurvivalSVG.render(curve, title: n.outcome, id: "km", groups: palette(n), options: options),
                                "KM \(m.name), \(n.outcome)")
                    rendered += 1
                }
            }
        }
        #expect(rendered == 3 * 3 * 2)
    }

    @Test func volcanoPanels() throws {
        let volcano = try #require(StudyResultsFixture.make().analysisSets[0].proteomics)
        for n in Self.extremes {
            var v = volcano
            for g in v.groups.indices {
                for p in v.groups[g].points.indices { v.groups[g].points[p].assay = "\(n.assay) \(p)" }
            }
            let groups = palette(n)
            for entry in [groups.treated, groups.control] {
                guard let group = v.groups.first(where: { $0.group == entry.key }) else { Issue.record("no group \(entry.key)"); continue }
                expectClean(VolcanoSVG.render(v, group: group, entry: entry, id: "v"), "volcano \(entry.key), \(n.assay)")
            }
        }
    }

    @Test func medicationPanels() {
        let rows = StudyResultsFixture.make().analysisSets[0].medication
        for n in Self.extremes {
            let drugs = rows.map(\.drug).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let renamed = rows.map { r -> MedicationRow in
                var r = r
                r.drug = "\(n.drug) \((drugs.firstIndex(of: r.drug) ?? 0) + 1)"
                r.period = r.period == "before" ? n.period : "\(n.period) (2)"
                return r
            }
            let panels = MedicationSVG.panels(renamed, id: { "m-\($0.count)" }, groups: palette(n))
            #expect(panels.count == 3)
            for svg in panels { expectClean(svg, "medication, \(n.drug)") }
        }
    }

    @Test func flowDiagrams() {
        let base = StudyResultsFixture.make().analysisSets[0]
        for n in Self.extremes {
            var flow = base.flow
            flow.exclusions = flow.exclusions.map { FlowResults.Step(reason: $0.reason, label: n.exclusion, count: $0.count) }
                + [FlowResults.Step(reason: "study_rule", label: nil, count: 3)]
            flow.controlAlignmentDay = 12
            expectClean(FlowDiagramSVG.render(flow, id: "f", groups: palette(n)), "flow, \(n.exclusion.prefix(20))")
        }
    }

    @Test func lovePlots() throws {
        for n in Self.extremes {
            let balance = try StudyResultsFixture.balance(ids: ["distance", "a", "b", "c", "d"])
            let svg = LovePlotSVG.render(balance, id: "l", labels: { $0 == "distance" ? "Propensity score" : "\(n.covariate) \($0)" })
            expectClean(svg, "Love plot, \(n.covariate)")
        }
    }

    /// A specification curve with each extreme as the dimension and alternative labels and the
    /// result label, over a few specifications and over a thousand.
    @Test func specificationCurves() {
        for n in Self.extremes {
            for count in [3, 1200] {
                let r = StudyResultsFixture.robustness(
                    dimensionLabels: [n.parameter, n.exclusion, n.covariate],
                    alternatives: [[n.drug, n.period], [n.assay, n.event, n.unit.isEmpty ? "x" : n.unit], [n.outcome]],
                    specifications: count, resultLabel: "\(n.parameter), after day 0")
                for curve in r.analysisSets[0].results {
                    expectClean(SpecificationCurveSVG.render(curve, results: r, id: "s"), "specification curve \(curve.id), \(n.parameter), \(count)")
                }
            }
        }
    }

    @Test func theCheckCatchesOverflow() {
        // A text wider than its canvas, and two texts on top of each other, are reported.
        let wide = "<svg viewBox=\"0 0 50 20\" width=\"50\" height=\"20\"><text x=\"2\" y=\"14\" font-size=\"11\">A long text here</text></svg>"
        #expect(SVGTextBoxes(wide).problems().count == 1)
        let stacked = "<svg viewBox=\"0 0 200 40\"><text x=\"10\" y=\"20\" font-size=\"10\">first</text><text x=\"14\" y=\"22\" font-size=\"10\">second</text></svg>"
        #expect(SVGTextBoxes(stacked).problems().contains { $0.hasPrefix("overlap") })
        // Rotated −90 about its anchor: the text runs up from y.
        let rotated = "<svg viewBox=\"0 0 40 40\"><text x=\"12\" y=\"30\" font-size=\"10\" transform=\"rotate(-90 12 30)\">Procalcitonin</text></svg>"
        #expect(SVGTextBoxes(rotated).problems().contains { $0.hasPrefix("outside") })
        // Out of a flow box.
        let boxed = "<svg viewBox=\"0 0 300 60\"><rect x=\"10\" y=\"10\" width=\"60\" height=\"30\" fill=\"#fff\"/><text x=\"14\" y=\"28\" font-size=\"11\">Consent refused by the patient</text></svg>"
        #expect(SVGTextBoxes(boxed).problems().contains { $0.hasPrefix("out of its box") })
        // Entities and the typographic minus are measured as the characters they stand for.
        let t = SVGTextBoxes("<svg viewBox=\"0 0 100 20\"><text x=\"0\" y=\"10\" font-size=\"10\">&#x2212;10 &amp; 5</text></svg>").texts
        #expect(t.count == 1 && t[0].text == "−10 & 5")
    }

    @Test func figuresUseTheTypographicMinus() {
        let set = StudyResultsFixture.make().analysisSets[0]
        let groups = GroupPalette(options: ReportOptions(), seen: ["treated", "control"])
        var svgs = (set.kinetics + set.cytokines).map { KineticsPanelSVG.render($0, id: "k", groups: groups) }
        svgs += MedicationSVG.panels(set.medication, id: { $0 }, groups: groups)
        for svg in svgs {
            for t in SVGTextBoxes(svg).texts {
                let hyphenMinus = t.text.range(of: "(^|[ (])-[0-9]", options: .regularExpression) != nil
                #expect(!hyphenMinus, "\(t.text)")
            }
        }
        #expect(svgs.count >= 15)
    }
}
