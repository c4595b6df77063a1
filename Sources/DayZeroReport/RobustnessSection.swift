import DayZeroAnalysis
import Foundation

/// The specification curve (`robustness.json`, docs/methods/robustness.md): what was varied,
/// a summary table of every headline result (share of specifications with p < 0.05, median and
/// range, the protocol's own p and the verdict), and per headline result a specr-style figure:
/// the specifications sorted by the result (the effect estimate, or −log10 p), the 0.05 line,
/// the protocol's own specification highlighted, and beneath it the choice panel — one row per
/// alternative of every dimension, a tick where a specification uses it. Nothing is computed
/// here beyond sorting and layout.
struct RobustnessSection {
    func render(_ r: RobustnessResults, ids: IDRegistry) -> String {
        var s = "<section id=\"robustness\" class=\"robustness\">\n<h2>Robustness: specification curve</h2>\n"
        let sample = r.sampled
            ? "a sample of \(r.specifications.count) of its \(r.gridSize) specifications, drawn with seed \(r.samplingSeed) (the protocol's own specification always kept)"
            : "all \(r.specifications.count) specifications"
        s += "<p>" + Markup.html(
            "Each specification is the protocol with one alternative of every analytic choice below; every specification was derived and analysed again from the data. The grid has \(r.gridSize) specifications; this section shows \(sample). "
                + "Specifications that differ only in choices a set does not use (such as the matching caliper for the main analysis) give the same analysis; \(r.distinctAnalyses) distinct analyses were run. "
                + "A result is called robust when at least \(percent(r.robustShare)) of its specifications agree (p < \(NumberFormat.compact(r.alpha)), or p ≥ \(NumberFormat.compact(r.alpha))); otherwise it is fragile, and it depends on the choice whose alternatives split the share of p < \(NumberFormat.compact(r.alpha)) most"
                + (r.sampled
                    ? " — named only when that split is beyond the sample's chance (chi-square test of the choice's alternatives against significance, p < \(NumberFormat.compact(r.alpha)) divided by the number of choices); otherwise no single choice decides it."
                    : "."))
            + "</p>\n"
        s += choicesTable(r, id: ids.unique("robustness-choices"))
        for w in r.warnings { s += "<p class=\"muted\">" + Markup.html("Note: " + w) + "</p>\n" }
        for (k, set) in r.analysisSets.enumerated() {
            s += "<h3>\(Markup.html(set.label))</h3>\n"
            s += summaryTable(set, r: r, id: ids.unique("robustness-summary-\(set.id)"))
            // The first set shows every result's curve; the others (matched and criteria sets,
            // there for the choices that act on them) the curves of their fragile results, so
            // the section stays readable; every result is in the table above and robustness.json.
            let shown = k == 0 ? set.results : set.results.filter { $0.summary.verdict == "fragile" }
            if k > 0 {
                let fragile = shown.count
                s += "<p class=\"muted\">" + Markup.html(
                    fragile == 0
                        ? "No result of this set is fragile: the table above is its whole curve summary (every specification's value is in robustness.json)."
                        : "The curves of this set's \(fragile == 1 ? "fragile result follows" : "\(fragile) fragile results follow"); the robust ones are in the table above (every specification's value is in robustness.json).")
                    + "</p>\n"
            }
            for curve in shown {
                let id = ids.unique("robustness-\(set.id)-\(curve.id)".replacingOccurrences(of: ".", with: "-"))
                let svg = SpecificationCurveSVG.render(curve, results: r, id: id + "-svg", set: set.id)
                let plotted = curve.estimateMeasure != nil ? "its \(RobustnessAnalysis.measureName(curve.estimateMeasure ?? ""))" : "−log10 p"
                let caption = "Specifications sorted by \(plotted); black points p < \(NumberFormat.compact(r.alpha)), grey points p ≥ \(NumberFormat.compact(r.alpha)); the red diamond is the protocol's own specification"
                    + (curve.summary.ownP.map { " (\(NumberFormat.pStatement($0)))" } ?? "")
                    + ". Beneath: the alternative of each choice every specification uses (the protocol's own in red)"
                    + (r.dimensions.contains { $0.analysisSet.map { $0 != set.id } ?? false } ? "; choices acting on another set alone are left out. " : ". ")
                    + curve.summary.verdictText.prefix(1).uppercased() + curve.summary.verdictText.dropFirst() + "."
                s += FigureHTML.figure(
                    id: id, title: "Specification curve: \(curve.label).", caption: caption, legend: nil, panels: [svg], notes: [],
                    cssClass: "single robustness-curve")
            }
        }
        return s + "</section>\n"
    }

    func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }

    /// The dimensions and their alternatives, the protocol's own in bold.
    func choicesTable(_ r: RobustnessResults, id: String) -> String {
        var s = "<table class=\"data robustness-choices\" id=\"\(id)\">\n<caption>"
            + Markup.html("The analytic choices varied and their alternatives; the protocol's own choice in bold.") + "</caption>\n"
        s += "<thead><tr><th scope=\"col\">Choice</th><th scope=\"col\">Alternatives</th></tr></thead>\n<tbody>\n"
        for d in r.dimensions {
            let alternatives = d.alternatives.enumerated().map { k, a in
                k == d.own ? "<strong>\(Markup.html(a))</strong>" : Markup.html(a)
            }.joined(separator: "; ")
            s += "<tr><th scope=\"row\">\(Markup.html(d.label))</th><td>\(alternatives)</td></tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }

    /// One row per headline result: the share of specifications with p < alpha (of those with a
    /// p), median and range of p (and of the estimate), the protocol's own p, the verdict in
    /// short (the full line is under the result's figure).
    func summaryTable(_ set: RobustnessResults.SetCurves, r: RobustnessResults, id: String) -> String {
        let alpha = NumberFormat.compact(r.alpha)
        let anyEstimate = set.results.contains { $0.summary.medianEstimate != nil }
        var s = "<table class=\"data robustness-summary\" id=\"\(id)\">\n<caption>"
            + Markup.html("\(set.label): each headline result across the specifications — the share with p < \(alpha) (of the specifications with a p value), the median and range of p"
                + (anyEstimate ? " and of the effect estimate" : "") + ", the protocol's own p, and the verdict (fragile ones in bold).")
            + "</caption>\n"
        s += "<thead><tr><th scope=\"col\">Result</th><th scope=\"col\" class=\"num\">p &lt; \(alpha)</th>"
            + "<th scope=\"col\" class=\"num\">Median p (range)</th>"
            + (anyEstimate ? "<th scope=\"col\" class=\"num\">Estimate: median (range)</th>" : "")
            + "<th scope=\"col\" class=\"num\">Protocol's p</th><th scope=\"col\">Verdict</th></tr></thead>\n<tbody>\n"
        for c in set.results {
            let m = c.summary
            let share = m.shareSignificant.map { "\(RobustnessAnalysis.percentText($0)) of \(m.specifications)" } ?? "–"
            let range = m.medianP.map { NumberFormat.pValue($0) + " (" + NumberFormat.pValue(m.minP) + " to " + NumberFormat.pValue(m.maxP) + ")" } ?? "–"
            let estimate = m.medianEstimate.map { e in
                NumberFormat.compact(e) + " (" + (m.minEstimate.map(NumberFormat.compact) ?? "–") + " to " + (m.maxEstimate.map(NumberFormat.compact) ?? "–") + ")"
            } ?? "–"
            s += "<tr><th scope=\"row\">\(Markup.htmlShort(c.label, maxCharacters: 90))</th>"
                + "<td class=\"num\">\(Markup.escape(share))</td><td class=\"num\">\(Markup.escape(range))</td>"
                + (anyEstimate ? "<td class=\"num\">\(Markup.escape(estimate))</td>" : "")
                + "<td class=\"num\">\(Markup.escape(NumberFormat.pValue(m.ownP)))</td><td>\(verdict(c, r: r))</td></tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }

    /// The verdict in short: robust (significant or not), or fragile and the choice it depends on.
    func verdict(_ c: RobustnessResults.Curve, r: RobustnessResults) -> String {
        let m = c.summary
        switch m.verdict {
        case "robust": return (m.shareSignificant ?? 0) >= r.robustShare ? "robust, significant" : "robust, not significant"
        case "fragile":
            let label = m.dependsOn.flatMap { name in r.dimensions.first { $0.name == name }?.label }
            return "<strong>" + Markup.html(label.map { "fragile: depends on \(RobustnessAnalysis.lowerFirst($0))" } ?? "fragile") + "</strong>"
        default: return "no p value"
        }
    }
}

/// One specification curve as SVG (specr's `plot_specs`): the top panel plots each
/// specification's value sorted ascending — the effect estimate (log scale for a ratio) with
/// its no-effect line, or −log10 p with the p = 0.05 line — black when p < 0.05 (grey otherwise), with the
/// protocol's own specification as a red diamond; the choice panel beneath has one row per
/// alternative of every dimension and a tick at each specification using it. Ticks and points
/// are drawn at whole-pixel columns, merged into runs, so a curve of thousands of
/// specifications stays small.
package enum SpecificationCurveSVG {
    static let width = 658.0
    static let labelWidth = 230.0
    static let plotLeft = 240.0
    static let plotRight = 650.0
    static let topHeight = 150.0
    static let rowHeight = 11.0
    static let fontSize = 10.0

    /// - Parameter set: the analysis set of the curve: the choice panel leaves out the choices
    ///   acting on another set alone (they cannot change this curve).
    package static func render(_ curve: RobustnessResults.Curve, results r: RobustnessResults, id: String, set: String? = nil) -> String {
        let shownDimensions = r.dimensions.indices.filter { d in r.dimensions[d].analysisSet.map { $0 == set } ?? true }
        let useEstimate = curve.estimateMeasure != nil
        let ratio = ["riskRatio", "oddsRatio", "hazardRatio"].contains(curve.estimateMeasure ?? "")
        // The plotted value of each specification, and the order.
        var points: [(spec: Int, value: Double, significant: Bool)] = []
        for s in r.specifications.indices {
            let p = curve.p.indices.contains(s) ? curve.p[s] : nil
            let value: Double?
            if useEstimate {
                value = curve.estimate.indices.contains(s) ? curve.estimate[s] : nil
            } else {
                value = p.map { -Foundation.log10(max($0, 1e-300)) }
            }
            guard let value, value.isFinite, !(ratio && value <= 0) else { continue }
            points.append((s, value, (p ?? 1) < r.alpha))
        }
        points.sort { $0.value != $1.value ? $0.value < $1.value : $0.spec < $1.spec }
        let rows = shownDimensions.reduce(0) { $0 + r.dimensions[$1].alternatives.count + 1 }
        let top = 22.0
        let plotBottom = top + topHeight
        let choiceTop = plotBottom + 34
        let height = choiceTop + Double(rows) * rowHeight + 8
        var canvas = SVGCanvas(width: width, height: height)
        let n = max(points.count, 1)
        func x(_ k: Int) -> Double { plotLeft + (Double(k) + 0.5) * (plotRight - plotLeft) / Double(n) }

        // The value axis.
        var values = points.map(\.value)
        let reference: Double = useEstimate ? (ratio ? 1 : 0) : -Foundation.log10(r.alpha)
        values.append(reference)
        let axis = ratio
            ? AxisScale.logarithmic(values: values.filter { $0 > 0 }, range: (plotBottom, top))
            : AxisScale.linear(values: values, range: (plotBottom, top), include: useEstimate ? [0] : [0])
        let axisTitle = useEstimate ? RobustnessAnalysis.measureName(curve.estimateMeasure ?? "") + (ratio ? " (log scale)" : "") : "−log10 p"
        canvas.text(axisTitle.prefix(1).uppercased() + axisTitle.dropFirst(), x: plotLeft - 8, y: top - 8, size: fontSize, anchor: .end,
                    bold: true, maxWidth: labelWidth)
        canvas.line(plotLeft, top, plotLeft, plotBottom, stroke: "#333")
        canvas.line(plotLeft, plotBottom, plotRight, plotBottom, stroke: "#333")
        for (tick, label) in zip(axis.ticks, axis.tickLabels) {
            guard let y = axis.position(tick) else { continue }
            canvas.line(plotLeft - 4, y, plotLeft, y, stroke: "#333")
            canvas.text(label, x: plotLeft - 6, y: y + 3.5, size: fontSize, anchor: .end)
        }
        if let y = axis.position(reference) {
            canvas.line(plotLeft, y, plotRight, y, stroke: "#b2182b", dash: "4 3")
            // The line's key sits above the plot area at the right, outside the points (inside
            // the plot it overlapped the points at whichever end they came close to the line).
            let words = useEstimate ? "no effect" : "p = \(NumberFormat.compact(r.alpha))"
            let textWidth = TextMetrics.width(words, fontSize: fontSize - 1)
            canvas.text(words, x: plotRight, y: top - 8, size: fontSize - 1, anchor: .end, fill: "#b2182b")
            canvas.line(plotRight - textWidth - 24, top - 11, plotRight - textWidth - 4, top - 11, stroke: "#b2182b", dash: "4 3")
        }
        // Points: whole-pixel columns, one small square per distinct (column, row, kind).
        var filled = Set<[Int]>(), open = Set<[Int]>()
        var ownPoint: (Double, Double)?
        for (k, point) in points.enumerated() {
            guard let y = axis.clampedPosition(point.value) else { continue }
            let cell = [Int(x(k).rounded(.down)), Int(y.rounded(.down))]
            if point.significant { filled.insert(cell) } else { open.insert(cell) }
            if point.spec == r.ownSpecification { ownPoint = (x(k), y) }
        }
        let size = max(2, min(5, Int(((plotRight - plotLeft) / Double(n)).rounded(.down))))
        canvas.raw(path(filled.sorted { $0.lexicographicallyPrecedes($1) }, size: size, fill: "#1a1a1a"))
        canvas.raw(path(open.sorted { $0.lexicographicallyPrecedes($1) }, size: size, fill: "#9a9a9a"))
        if let (ox, oy) = ownPoint {
            canvas.raw("<path d=\"M\(c(ox)) \(c(oy - 6))L\(c(ox + 5)) \(c(oy))L\(c(ox)) \(c(oy + 6))L\(c(ox - 5)) \(c(oy))Z\" fill=\"#b2182b\" stroke=\"#fff\" stroke-width=\"0.8\"><title>\(Markup.escape("The protocol's own specification"))</title></path>")
        }
        canvas.text("\(points.count) specifications, sorted", x: (plotLeft + plotRight) / 2, y: plotBottom + 14, size: fontSize,
                    anchor: .middle)

        // The choice panel.
        var rank = Array(repeating: -1, count: r.specifications.count)
        for (k, point) in points.enumerated() { rank[point.spec] = k }
        var y = choiceTop
        for d in shownDimensions {
            let dim = r.dimensions[d]
            canvas.line(4, y - 1, plotRight, y - 1, stroke: "#ccc")
            canvas.text(dim.label, x: 4, y: y + rowHeight - 2.5, size: fontSize - 1, bold: true, maxWidth: labelWidth)
            y += rowHeight
            for (a, alternative) in dim.alternatives.enumerated() {
                let label = a == dim.own ? alternative + " (protocol)" : alternative
                canvas.text(label, x: 14, y: y + rowHeight - 2.5, size: fontSize - 1, fill: a == dim.own ? "#b2182b" : "#1a1a1a",
                            maxWidth: labelWidth - 10)
                var columns = Set<Int>()
                for (s, spec) in r.specifications.enumerated() where rank[s] >= 0 && spec.choices.indices.contains(d) && spec.choices[d] == a {
                    columns.insert(Int(x(rank[s]).rounded(.down)))
                }
                canvas.raw(runs(columns.sorted(), y: y + 1.5, height: rowHeight - 3, fill: a == dim.own ? "#b2182b" : "#4d4d4d"))
                y += rowHeight
            }
        }
        return canvas.svg(id: id, label: "Specification curve: \(curve.label)")
    }

    static func c(_ v: Double) -> String { NumberFormat.coordinate(v) }

    /// Squares of `size` at whole-pixel cells, one path.
    static func path(_ cells: [[Int]], size: Int, fill: String) -> String {
        guard !cells.isEmpty else { return "" }
        var d = ""
        for cell in cells { d += "M\(cell[0] - size / 2) \(cell[1] - size / 2)h\(size)v\(size)h-\(size)z" }
        return "<path d=\"\(d)\" fill=\"\(fill)\"/>"
    }

    /// Runs of consecutive pixel columns as rectangles, one path.
    static func runs(_ columns: [Int], y: Double, height: Double, fill: String) -> String {
        guard var start = columns.first else { return "" }
        var d = ""
        var last = start
        func flush() { d += "M\(start) \(c(y))h\(last - start + 1)v\(c(height))h-\(last - start + 1)z" }
        for col in columns.dropFirst() {
            if col == last + 1 {
                last = col
            } else {
                flush()
                start = col
                last = col
            }
        }
        flush()
        return "<path d=\"\(d)\" fill=\"\(fill)\"/>"
    }
}
