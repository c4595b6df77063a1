import DayZeroAnalysis

/// Medication use (paper Additional File 4, Fig. 2): for each drug and period, the percentage of
/// treated and control patients who received it, as grouped bars (treated solid, control
/// hatched, percentages printed on the bars so grey print keeps every number) with Fisher's p
/// above each pair; and the same numbers as a table.
package enum MedicationSVG {
    static let plotLeft = 50.0
    static let plotTop = 44.0
    static let plotBottom = 200.0
    static let categoryWidth = 70.0

    package static func render(_ rows: [MedicationRow], id: String, groups: GroupPalette) -> String {
        let plotRight = plotLeft + categoryWidth * Double(max(rows.count, 1))
        let width = plotRight + 12
        var canvas = SVGCanvas(width: width, height: 262)
        let treated = groups.treated, control = groups.control
        canvas.raw(HatchPattern.definition(id: "\(id)-hatch", color: control.style.color))

        canvas.text("Patients receiving each drug", x: width / 2, y: 16, size: 12.5, anchor: .middle, bold: true, maxWidth: width - 12)
        let yScale = AxisScale.fixed(domain: (0, 100), ticks: [0, 25, 50, 75, 100], decimals: 0, range: (plotBottom, plotTop))
        for (tick, label) in zip(yScale.ticks, yScale.tickLabels) {
            guard let y = yScale.position(tick) else { continue }
            canvas.line(plotLeft, y, plotRight, y, stroke: "#eee", width: 0.6)
            canvas.line(plotLeft - 4, y, plotLeft, y, stroke: "#333")
            canvas.text(label, x: plotLeft - 6, y: y + 3.5, size: 9.5, anchor: .end)
        }
        canvas.line(plotLeft, plotTop, plotLeft, plotBottom, stroke: "#333")
        canvas.line(plotLeft, plotBottom, plotRight, plotBottom, stroke: "#333")
        canvas.text("Patients (%)", x: 14, y: (plotTop + plotBottom) / 2, size: 10, anchor: .middle, rotate: -90)

        let barWidth = 20.0
        var drugStart: (name: String, x: Double)?
        func closeDrug(at x: Double) {
            guard let d = drugStart else { return }
            let mid = (d.x + x) / 2
            canvas.text(d.name, x: mid, y: plotBottom + 42, size: 10.5, anchor: .middle, bold: true, maxWidth: x - d.x - 4)
            canvas.line(d.x + 4, plotBottom + 30, x - 4, plotBottom + 30, stroke: "#999", width: 0.6)
        }
        for (i, row) in rows.enumerated() {
            let x0 = plotLeft + categoryWidth * Double(i)
            if drugStart?.name != row.drug {
                closeDrug(at: x0)
                drugStart = (row.drug, x0)
                if i > 0 { canvas.line(x0, plotTop, x0, plotBottom, stroke: "#ccc", width: 0.6, dash: "2 2") }
            }
            let center = x0 + categoryWidth / 2
            for (k, side) in [(treated, row.treatedUsers, row.treatedTotal), (control, row.controlUsers, row.controlTotal)].enumerated() {
                let (entry, users, total) = side
                let x = center - barWidth - 1 + Double(k) * (barWidth + 2)
                guard total > 0 else {
                    canvas.text("n/a", x: x + barWidth / 2, y: plotBottom - 4, size: 8, anchor: .middle, fill: "#666")
                    continue
                }
                let percent = 100 * Double(users) / Double(total)
                guard let y = yScale.clampedPosition(percent) else { continue }
                let fill = k == 1 ? "url(#\(id)-hatch)" : entry.style.color
                canvas.rect(x: x, y: y, width: barWidth, height: plotBottom - y, fill: fill, stroke: entry.style.color,
                            title: "\(Markup.isolate(entry.label)), \(Markup.isolate(row.drug)), \(Markup.isolate(row.period)): \(users)/\(total)")
                canvas.text(NumberFormat.fixed(percent, decimals: 0), x: x + barWidth / 2, y: y - 3, size: 8.5, anchor: .middle)
            }
            let (relation, value) = row.pValue.map { $0.isFinite ? NumberFormat.pParts($0) : ("=", "n/a") } ?? ("=", "n/a")
            canvas.spans([SVGCanvas.Span("p", italic: true), SVGCanvas.Span(" \(relation) \(value)")], x: center, y: plotTop - 6,
                         size: 9, anchor: .middle, tooltip: "Fisher's exact test, \(Markup.isolate(row.drug)), \(Markup.isolate(row.period))")
            canvas.text(row.period, x: center, y: plotBottom + 13, size: 9.5, anchor: .middle, maxWidth: categoryWidth - 4)
            canvas.text("\(NumberFormat.day(row.firstDay)) to \(NumberFormat.day(row.lastDay))", x: center, y: plotBottom + 25,
                        size: 8.5, anchor: .middle, fill: "#555", maxWidth: categoryWidth - 4)
        }
        closeDrug(at: plotRight)
        return canvas.svg(id: id + "-chart", label: "Medication use")
    }

    /// The medication numbers as an HTML table.
    package static func table(_ rows: [MedicationRow], id: String, groups: GroupPalette) -> String {
        var s = "<table class=\"data medication\" id=\"\(id)\">\n"
        s += "<caption>Medication use before and after day 0: patients who received the drug / patients in the group (%); p from Fisher&#39;s exact test.</caption>\n"
        s += "<colgroup><col class=\"c-drug\"/><col class=\"c-period\"/><col class=\"c-group\"/><col class=\"c-group\"/><col class=\"c-p\"/></colgroup>\n"
        s += "<thead><tr><th scope=\"col\">Drug</th><th scope=\"col\">Period (days)</th>"
        s += "<th scope=\"col\" class=\"num\">\(Markup.htmlShort(groups.treated.label, maxCharacters: 60))</th>"
        s += "<th scope=\"col\" class=\"num\">\(Markup.htmlShort(groups.control.label, maxCharacters: 60))</th>"
        s += "<th scope=\"col\" class=\"num\">p value</th></tr></thead>\n<tbody>\n"
        for row in rows {
            s += "<tr><th scope=\"row\">\(Markup.htmlShort(row.drug, maxCharacters: 80))</th>"
            s += "<td>\(Markup.htmlShort(row.period, maxCharacters: 80)) (\(NumberFormat.day(row.firstDay)) to \(NumberFormat.day(row.lastDay)))</td>"
            s += "<td class=\"num\">\(cell(row.treatedUsers, row.treatedTotal))</td><td class=\"num\">\(cell(row.controlUsers, row.controlTotal))</td>"
            s += "<td class=\"num\">\(Markup.escape(NumberFormat.pValue(row.pValue)))</td></tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    static func cell(_ users: Int, _ total: Int) -> String {
        guard total > 0 else { return "\(users)/\(total)" }
        return "\(users)/\(total) (\(NumberFormat.fixed(100 * Double(users) / Double(total), decimals: 0)))"
    }
}
