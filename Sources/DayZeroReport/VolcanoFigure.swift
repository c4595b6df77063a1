import DayZeroAnalysis
import Foundation

/// The proteomics volcano plot (paper Fig. 2a), one panel per group: x = signed mean fold
/// change (post vs pre), y = −log10 p, dashed lines at ±the relevance fold change and at the
/// Bonferroni threshold. Assays that are relevant (|FC| at or above the threshold) are filled
/// in the group colour, the others drawn as open grey points; assays beyond both lines are
/// labelled. Assays without a p-value cannot be placed and are counted under the panel.
package enum VolcanoSVG {
    static let width = 340.0
    static let height = 300.0
    static let plotLeft = 50.0
    static let plotRight = 328.0
    static let plotTop = 40.0
    static let plotBottom = 242.0
    static let labelSize = 8.0
    static let labelMaxWidth = 80.0

    /// The x and y scales shared by all panels of one volcano, so groups compare at a glance.
    package static func scales(_ volcano: VolcanoResults) -> (x: AxisScale, y: AxisScale) {
        var maxAbsFC = abs(volcano.relevanceFoldChange) * 1.25
        var maxY = 0.0
        for g in volcano.groups {
            for p in g.points {
                if p.foldChange.isFinite { maxAbsFC = max(maxAbsFC, abs(p.foldChange)) }
                if let y = p.minusLog10P, y.isFinite { maxY = max(maxY, y) }
            }
        }
        let threshold = significanceLine(volcano)
        if let threshold { maxY = max(maxY, threshold * 1.12) }
        if !maxAbsFC.isFinite || maxAbsFC <= 0 { maxAbsFC = 2 }
        let x = AxisScale.linear(values: [-maxAbsFC, maxAbsFC], range: (plotLeft, plotRight), targetTicks: 9, allowQuarterSteps: false)
        let y = AxisScale.linear(values: [maxY], range: (plotBottom, plotTop), include: [0])
        return (x, y)
    }

    /// −log10 of the Bonferroni threshold, when it is a usable probability.
    static func significanceLine(_ volcano: VolcanoResults) -> Double? {
        let p = volcano.significanceP
        guard p.isFinite, p > 0, p < 1 else { return nil }
        return -log10(p)
    }

    package static func render(_ volcano: VolcanoResults, group: VolcanoResults.Group, entry: GroupPalette.Entry, id: String?) -> String {
        var canvas = SVGCanvas(width: width, height: height)
        let (xScale, yScale) = scales(volcano)
        let relevance = abs(volcano.relevanceFoldChange)
        let placed = group.points.filter { ($0.minusLog10P?.isFinite ?? false) && $0.foldChange.isFinite }
        let threshold = significanceLine(volcano)
        let relevantCount = placed.filter { abs($0.foldChange) >= relevance }.count
        let significantCount = placed.filter { p in (p.pValue ?? 1) < volcano.significanceP }.count

        canvas.text(entry.label, x: width / 2, y: 16, size: 12.5, anchor: .middle, bold: true, maxWidth: width - 12)
        canvas.text("\(relevantCount) of \(placed.count) relevant, \(significantCount) significant",
                    x: width / 2, y: 31, size: 9.5, anchor: .middle, fill: "#444", maxWidth: width - 12)

        for (tick, label) in zip(yScale.ticks, yScale.tickLabels) {
            guard let y = yScale.position(tick) else { continue }
            canvas.line(plotLeft, y, plotRight, y, stroke: "#eee", width: 0.6)
            canvas.line(plotLeft - 4, y, plotLeft, y, stroke: "#333")
            canvas.text(label, x: plotLeft - 6, y: y + 3.5, size: 9.5, anchor: .end)
        }
        for (tick, label) in zip(xScale.ticks, xScale.tickLabels) {
            guard let x = xScale.position(tick) else { continue }
            canvas.line(x, plotBottom, x, plotBottom + 4, stroke: "#333")
            canvas.text(label, x: x, y: plotBottom + 15, size: 9.5, anchor: .middle)
        }
        canvas.line(plotLeft, plotTop, plotLeft, plotBottom, stroke: "#333")
        canvas.line(plotLeft, plotBottom, plotRight, plotBottom, stroke: "#333")
        for fc in [-relevance, relevance] {
            if let x = xScale.position(fc) {
                canvas.line(x, plotTop, x, plotBottom, stroke: "#555", width: 0.9, dash: "4 3")
            }
        }
        var reserved: [LabelRepel.Box] = []
        if let threshold, let y = yScale.position(threshold) {
            canvas.line(plotLeft, y, plotRight, y, stroke: "#555", width: 0.9, dash: "4 3")
            let text = "p = \(NumberFormat.significant(volcano.significanceP, digits: 3))"
            canvas.text(text, x: plotRight - 2, y: y - 3, size: 8.5, anchor: .end, fill: "#444", tooltip: "Bonferroni threshold")
            let w = TextMetrics.width(text, fontSize: 8.5)
            reserved.append(LabelRepel.Box(x: plotRight - 2 - w / 2, y: y - 3 - 0.26 * 8.5, width: w, height: 8.5))
        }
        canvas.text("Mean fold change (post vs pre)", x: (plotLeft + plotRight) / 2, y: plotBottom + 32, size: 10, anchor: .middle)
        canvas.spans([SVGCanvas.Span("−log"), SVGCanvas.Span("10"), SVGCanvas.Span(" "), SVGCanvas.Span("p", italic: true)],
                     x: 14, y: (plotTop + plotBottom) / 2, size: 10, anchor: .middle, rotate: -90)

        // Non-relevant points first (grey, open), relevant ones on top (filled).
        let ordered = placed.enumerated().sorted { a, b in
            let ra = abs(a.element.foldChange) >= relevance, rb = abs(b.element.foldChange) >= relevance
            return ra == rb ? a.offset < b.offset : !ra
        }
        var anchors: [LabelRepel.Anchor] = []
        var obstacles: [(x: Double, y: Double)] = []
        for (_, point) in ordered {
            guard let yv = point.minusLog10P, let x = xScale.clampedPosition(point.foldChange), let y = yScale.clampedPosition(yv) else { continue }
            let relevant = abs(point.foldChange) >= relevance
            let tip = "\(Markup.isolate(point.assay)) (\(Markup.isolate(point.uniProt))): fold change \(NumberFormat.significant(point.foldChange, digits: 3)), "
                + (point.pValue.map { "p = " + NumberFormat.significant($0, digits: 3) } ?? "p n/a") + ", \(point.pairs) pairs"
            if relevant {
                canvas.marker(entry.style.marker, x: x, y: y, size: 6.5, color: entry.style.color, title: tip)
            } else {
                canvas.marker(.openCircle, x: x, y: y, size: 5, color: "#8c8c8c", title: tip)
            }
            obstacles.append((x, y))
            if relevant {
                let shown = TextMetrics.truncate(point.assay, maxWidth: labelMaxWidth, fontSize: labelSize)
                anchors.append(LabelRepel.Anchor(x: x, y: y, text: shown.text, full: shown.truncated ? point.assay : nil,
                                                 width: TextMetrics.width(shown.text, fontSize: labelSize), height: labelSize + 2))
            }
        }
        // Every relevant assay is named; the labels are pushed apart (and off the points) as
        // ggrepel does, and joined to their point by a leader line when moved away from it.
        let boxes = LabelRepel.place(anchors, obstacles: obstacles, reserved: reserved, bounds: (plotLeft + 2, plotTop + 2, plotRight - 2, plotBottom - 2))
        for (a, box) in zip(anchors, boxes) {
            let cx = min(max(a.x, box.x - box.width / 2), box.x + box.width / 2)
            let cy = min(max(a.y, box.y - box.height / 2), box.y + box.height / 2)
            if hypot(cx - a.x, cy - a.y) > 4.5 {
                canvas.line(a.x, a.y, cx, cy, stroke: "#777", width: 0.6)
            }
        }
        for (a, box) in zip(anchors, boxes) {
            canvas.text(a.text, x: box.x, y: box.y + labelSize * 0.35, size: labelSize, anchor: .middle, tooltip: a.full)
        }
        let unplaced = group.points.count - placed.count
        if unplaced > 0 {
            canvas.text("\(unplaced) assay\(unplaced == 1 ? "" : "s") without a p value not shown", x: width / 2,
                        y: plotBottom + 48, size: 9, anchor: .middle, fill: "#555")
        }
        return canvas.svg(id: id, label: "Volcano plot, \(Markup.isolate(entry.label))")
    }
}

extension VolcanoSVG {
    /// The relevant assays of each group as a table under the volcano (the labels in the plot
    /// are lost when names are long or many; the table keeps every one): assay, UniProt, fold
    /// change, p, and whether the change is also significant. Groups in palette order, assays by
    /// p then name. Empty when no group has a relevant assay.
    package static func table(_ volcano: VolcanoResults, entries: [GroupPalette.Entry], id: String) -> String {
        let relevance = abs(volcano.relevanceFoldChange)
        var rows: [(GroupPalette.Entry, VolcanoResults.Point)] = []
        for entry in entries {
            guard let group = volcano.groups.first(where: { $0.group == entry.key }) else { continue }
            let relevant = group.points.filter { $0.foldChange.isFinite && abs($0.foldChange) >= relevance }
            let sorted = relevant.sorted { a, b in
                let pa = a.pValue ?? .infinity, pb = b.pValue ?? .infinity
                return pa != pb ? pa < pb : (a.assay, a.uniProt) < (b.assay, b.uniProt)
            }
            rows += sorted.map { (entry, $0) }
        }
        guard !rows.isEmpty else { return "" }
        var s = "<table class=\"data volcano-relevant\" id=\"\(id)\">\n"
        s += "<caption>Relevant changes (|fold change| ≥ \(NumberFormat.compact(relevance))) per group, by p value; "
            + "significant: p below the Bonferroni threshold \(NumberFormat.compact(volcano.significanceP)).</caption>\n"
        s += "<thead><tr><th scope=\"col\">Group</th><th scope=\"col\">Assay</th><th scope=\"col\">UniProt</th>"
            + "<th scope=\"col\" class=\"num\">Fold change</th><th scope=\"col\" class=\"num\">p value</th><th scope=\"col\">Significant</th></tr></thead>\n<tbody>\n"
        for (entry, point) in rows {
            let significant = (point.pValue ?? 1) < volcano.significanceP
            s += "<tr><td>\(Markup.htmlShort(entry.label, maxCharacters: 40))</td><th scope=\"row\">\(Markup.htmlShort(point.assay, maxCharacters: 60))</th>"
            s += "<td>\(Markup.htmlShort(point.uniProt, maxCharacters: 20))</td>"
            s += "<td class=\"num\">\(Markup.escape(NumberFormat.significant(point.foldChange, digits: 3)))</td>"
            s += "<td class=\"num\">\(Markup.escape(NumberFormat.pValue(point.pValue)))</td><td>\(significant ? "yes" : "no")</td></tr>\n"
        }
        return s + "</tbody></table>\n"
    }
}
