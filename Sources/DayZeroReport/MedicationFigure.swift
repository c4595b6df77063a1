import DayZeroAnalysis

/// Medication use (paper Additional File 4, Fig. 2): one panel per drug, as in the paper's
/// three panels (a corticosteroids, b remdesivir, c chloroquine). Each panel shows, per period
/// (before and after day 0), the percentage of treated and control patients who received the
/// drug as a pair of bars (treated solid, control hatched, the percentage printed on each bar
/// so grey print keeps every number) with Fisher's p above the pair; and the same numbers as a
/// table.
package enum MedicationSVG {
    static let width = 330.0
    static let height = 240.0
    static let plotLeft = 54.0
    static let plotRight = 318.0
    static let plotTop = 48.0
    static let plotBottom = 200.0

    /// The drugs in order of first appearance, each with its rows in order.
    static func byDrug(_ rows: [MedicationRow]) -> [(drug: String, rows: [MedicationRow])] {
        var out: [(drug: String, rows: [MedicationRow])] = []
        for row in rows {
            if let i = out.firstIndex(where: { $0.drug == row.drug }) {
                out[i].rows.append(row)
            } else {
                out.append((row.drug, [row]))
            }
        }
        return out
    }

    /// One panel per drug; `id(drug)` gives each panel's SVG id.
    package static func panels(_ rows: [MedicationRow], id: (String) -> String, groups: GroupPalette) -> [String] {
        byDrug(rows).map { panel(drug: $0.drug, rows: $0.rows, id: id($0.drug), groups: groups) }
    }

    /// The panel of one drug: a bar pair per period.
    package static func panel(drug: String, rows: [MedicationRow], id: String, groups: GroupPalette) -> String {
        var canvas = SVGCanvas(width: width, height: height)
        let treated = groups.treated, control = groups.control
        canvas.raw(HatchPattern.definition(id: "\(id)-hatch", color: control.style.color))
        canvas.text(drug.capitalizedFirst, x: width / 2, y: 16, size: 12.5, anchor: .middle, bold: true, maxWidth: width - 12,
                    tooltip: drug.capitalizedFirst == drug ? nil : drug)

        let yScale = AxisScale.fixed(domain: (0, 100), ticks: [0, 25, 50, 75, 100], decimals: 0, range: (plotBottom, plotTop))
        for (tick, label) in zip(yScale.ticks, yScale.tickLabels) {
            guard let y = yScale.position(tick) else { continue }
            canvas.line(plotLeft, y, plotRight, y, stroke: "#e6e6e6", width: 0.6)
            canvas.line(plotLeft - 4, y, plotLeft, y, stroke: "#333")
            canvas.text(label, x: plotLeft - 6, y: y + 3.5, size: 9.5, anchor: .end)
        }
        canvas.line(plotLeft, plotTop, plotLeft, plotBottom, stroke: "#333")
        canvas.line(plotLeft, plotBottom, plotRight, plotBottom, stroke: "#333")
        canvas.text("Patients (%)", x: 13, y: (plotTop + plotBottom) / 2, size: 10, anchor: .middle, rotate: -90)

        let categoryWidth = (plotRight - plotLeft) / Double(max(rows.count, 1))
        let barWidth = min(34, categoryWidth * 0.32)
        for (i, row) in rows.enumerated() {
            let x0 = plotLeft + categoryWidth * Double(i)
            let center = x0 + categoryWidth / 2
            if i > 0 { canvas.line(x0, plotTop, x0, plotBottom, stroke: "#ccc", width: 0.6, dash: "2 2") }
            for (k, side) in [(treated, row.treatedUsers, row.treatedTotal), (control, row.controlUsers, row.controlTotal)].enumerated() {
                let (entry, users, total) = side
                let x = center - barWidth - 1.5 + Double(k) * (barWidth + 3)
                guard total > 0 else {
                    canvas.text("n/a", x: x + barWidth / 2, y: plotBottom - 4, size: 9, anchor: .middle, fill: "#666")
                    continue
                }
                let percent = 100 * Double(users) / Double(total)
                guard let y = yScale.clampedPosition(percent) else { continue }
                let fill = k == 1 ? "url(#\(id)-hatch)" : entry.style.color
                canvas.rect(x: x, y: y, width: barWidth, height: plotBottom - y, fill: fill, stroke: entry.style.color,
                            title: "\(Markup.isolate(entry.label)), \(Markup.isolate(row.drug)), \(Markup.isolate(row.period)): \(users)/\(total)")
                canvas.text(NumberFormat.fixed(percent, decimals: 0), x: x + barWidth / 2, y: y - 3, size: 9.5, anchor: .middle)
            }
            let (relation, value) = row.pValue.map { $0.isFinite ? NumberFormat.pParts($0) : ("=", "n/a") } ?? ("=", "n/a")
            canvas.spans([SVGCanvas.Span("p", italic: true), SVGCanvas.Span(" \(relation) \(value)")], x: center, y: plotTop - 10,
                         size: 10, anchor: .middle, maxWidth: categoryWidth - 4,
                         tooltip: "Fisher's exact test, \(Markup.isolate(row.drug)), \(Markup.isolate(row.period))")
            canvas.text(row.period.capitalizedFirst, x: center, y: plotBottom + 15, size: 10, anchor: .middle, maxWidth: categoryWidth - 4)
            canvas.text("days \(NumberFormat.day(row.firstDay)) to \(NumberFormat.day(row.lastDay))",
                        x: center, y: plotBottom + 29, size: 9, anchor: .middle, fill: "#555", maxWidth: categoryWidth - 4)
        }
        return canvas.svg(id: id, label: "Medication use: \(Markup.isolate(drug))")
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
