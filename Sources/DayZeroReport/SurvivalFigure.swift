import DayZeroAnalysis

/// One Kaplan–Meier panel (paper Fig. 4): a step function per group from (0, 1), censoring
/// ticks, the log-rank p under the title, and the numbers at risk in rows under the time axis,
/// each number centred on its tick (`SurvivalComparison.riskTimes` are the axis ticks). The
/// same panel draws cumulative incidence curves (from (0, 0), rising) with Gray's p.
package enum SurvivalSVG {
    static let width = 340.0
    static let plotLeft = 68.0
    static let plotRight = 326.0
    static let plotTop = 42.0
    static let plotBottom = 190.0
    static let rowHeight = 14.0

    /// What one panel draws: per group the steps (time, value, censored count) and the numbers
    /// at risk, the value at time 0, the axis title, and the test line under the title.
    struct Panel {
        struct Curve {
            var group: String
            var steps: [(time: Double, value: Double, censored: Int)]
            var atRisk: [Int]
        }

        var title: String
        var testLine: [SVGCanvas.Span]
        var testDetail: String
        var yLabel: String
        var start: Double
        var riskTimes: [Double]
        var curves: [Curve]
    }

    /// "Event: … · TEST p = …", the p formatted as everywhere in the report.
    static func testSpans(_ prefix: String, test: String, p: Double?) -> [SVGCanvas.Span] {
        guard let p, p.isFinite else {
            return [SVGCanvas.Span(prefix), SVGCanvas.Span(" · \(test) "), SVGCanvas.Span("p", italic: true), SVGCanvas.Span(" = n/a")]
        }
        let (relation, value) = NumberFormat.pParts(p)
        return [SVGCanvas.Span(prefix), SVGCanvas.Span(" · \(test) "), SVGCanvas.Span("p", italic: true), SVGCanvas.Span(" \(relation) \(value)")]
    }

    package static func render(_ comparison: SurvivalComparison, title: String, id: String?, groups: GroupPalette) -> String {
        var detail = "Event: \(Markup.isolate(comparison.event))"
        if let chi = comparison.logRankChiSquare, let df = comparison.logRankDF {
            detail += "; χ² = \(NumberFormat.significant(chi, digits: 3)) on \(df) df"
        }
        let panel = Panel(
            title: title, testLine: testSpans("Event: \(Markup.isolate(comparison.event))", test: "log-rank", p: comparison.logRankP),
            testDetail: detail,
            yLabel: comparison.event.lowercased() == "death" ? "Proportion alive" : "Proportion event-free", start: 1,
            riskTimes: comparison.riskTimes,
            curves: comparison.curves.map { c in
                Panel.Curve(group: c.group, steps: c.steps.map { ($0.time, $0.survival, $0.censored) }, atRisk: c.atRisk)
            })
        return render(panel, id: id, groups: groups)
    }

    /// Cumulative incidence of the event per group (Aalen–Johansen), rising from 0, with Gray's p.
    package static func render(
        _ comparison: CumulativeIncidenceComparison, title: String, id: String?, groups: GroupPalette
    ) -> String {
        var detail = "Event: \(Markup.isolate(comparison.event)); competing: \(Markup.isolate(comparison.competing))"
        if let chi = comparison.grayStatistic, let df = comparison.grayDF {
            detail += "; Gray's χ² = \(NumberFormat.significant(chi, digits: 3)) on \(df) df"
        }
        let panel = Panel(
            title: title,
            testLine: testSpans("Competing: \(Markup.isolate(comparison.competing))", test: "Gray", p: comparison.grayP), testDetail: detail,
            yLabel: "Cumulative incidence", start: 0, riskTimes: comparison.riskTimes,
            curves: comparison.curves.map { c in
                Panel.Curve(group: c.group, steps: c.steps.map { ($0.time, $0.incidence, $0.censored) }, atRisk: c.atRisk)
            })
        return render(panel, id: id, groups: groups)
    }

    /// The axis unit: days, or years (365 days a tick) when the numbers at risk are given a year
    /// or more apart, so a ten-year axis reads 0 … 10 rather than 0, 365, … 3650.
    static func timeUnit(_ riskTimes: [Double]) -> (divisor: Double, title: String) {
        let steps = zip(riskTimes.dropFirst(), riskTimes).map { $0 - $1 }
        guard let first = steps.first, first >= 365, first.truncatingRemainder(dividingBy: 365) == 0 else {
            return (1, "Days from alignment (day 0)")
        }
        return (365, "Years from alignment (day 0; a year = 365 days)")
    }

    static func render(_ comparison: Panel, id: String?, groups: GroupPalette) -> String {
        let title = comparison.title
        let unit = timeUnit(comparison.riskTimes)
        var comparison = comparison
        if unit.divisor != 1 {
            comparison.riskTimes = comparison.riskTimes.map { $0 / unit.divisor }
            for c in comparison.curves.indices {
                comparison.curves[c].steps = comparison.curves[c].steps.map { ($0.time / unit.divisor, $0.value, $0.censored) }
            }
        }
        let present = groups.present(Set(comparison.curves.map(\.group)))
        let curves = present.compactMap { entry in comparison.curves.first { $0.group == entry.key }.map { (entry, $0) } }
        // Each group takes two rows of the risk table: its full label, then its numbers.
        let height = plotBottom + 52 + 2 * rowHeight * Double(max(curves.count, 1)) + 6
        var canvas = SVGCanvas(width: width, height: height)

        canvas.text(title, x: width / 2, y: 16, size: 12.5, anchor: .middle, bold: true, maxWidth: width - 12)
        canvas.spans(comparison.testLine, x: width / 2, y: 32, size: 10.5, anchor: .middle, maxWidth: width - 12, tooltip: comparison.testDetail)

        // Time axis: ticks at the risk times when given, else nice ticks.
        var maxTime = comparison.riskTimes.filter(\.isFinite).max() ?? 0
        for c in comparison.curves { for s in c.steps where s.time.isFinite { maxTime = max(maxTime, s.time) } }
        if maxTime <= 0 { maxTime = 1 }
        let riskTimes = comparison.riskTimes.filter { $0.isFinite && $0 >= 0 && $0 <= maxTime }
        let xScale: AxisScale
        if riskTimes.count >= 2 {
            let decimals = riskTimes.allSatisfy { $0 == $0.rounded() } ? 0 : 1
            // (A horizon that is not a whole number of years ends on a fraction: 1826 days → 5.0.)
            xScale = AxisScale.fixed(domain: (0, maxTime), ticks: riskTimes, decimals: decimals, range: (plotLeft, plotRight))
        } else {
            xScale = AxisScale.linear(values: [0, maxTime], range: (plotLeft, plotRight))
        }
        let yScale = AxisScale.fixed(domain: (0, 1), ticks: [0, 0.25, 0.5, 0.75, 1], decimals: 2, range: (plotBottom, plotTop))

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
        canvas.text(unit.title, x: (plotLeft + plotRight) / 2, y: plotBottom + 30, size: 10, anchor: .middle)
        canvas.text(comparison.yLabel, x: 14, y: (plotTop + plotBottom) / 2, size: 10, anchor: .middle, maxWidth: plotBottom - plotTop, rotate: -90)

        for (entry, curve) in curves {
            let steps = curve.steps.filter { $0.time.isFinite && $0.value.isFinite }.sorted { $0.time < $1.time }
            guard let x0 = xScale.position(0), let y0 = yScale.position(comparison.start) else { continue }
            var points: [(command: Character, x: Double, y: Double)] = [("M", x0, y0)]
            var current = comparison.start
            var lastX = x0
            for s in steps {
                guard let x = xScale.clampedPosition(s.time) else { continue }
                let survival = min(max(s.value, 0), 1)
                if survival != current, let y = yScale.position(survival), let yPrev = yScale.position(current) {
                    points.append(("L", x, yPrev))
                    points.append(("L", x, y))
                    current = survival
                }
                lastX = x
            }
            if let y = yScale.position(current) { points.append(("L", lastX, y)) }
            canvas.polyline(points, stroke: entry.style.color, width: 1.6, dash: entry.style.dash)
            for s in steps where s.censored > 0 {
                guard let x = xScale.clampedPosition(s.time), let y = yScale.position(min(max(s.value, 0), 1)) else { continue }
                canvas.line(x, y - 3.5, x, y + 3.5, stroke: entry.style.color, width: 1.2)
            }
        }

        // Numbers at risk, aligned under the ticks.
        let tableTop = plotBottom + 46
        canvas.text("Number at risk", x: 4, y: tableTop, size: 9.5, bold: true)
        for (row, item) in curves.enumerated() {
            let (entry, curve) = item
            let labelY = tableTop + rowHeight * Double(2 * row + 1)
            let y = labelY + rowHeight
            canvas.marker(entry.style.marker, x: 8, y: labelY - 3.5, size: 6, color: entry.style.color)
            canvas.text(entry.label, x: 15, y: labelY, size: 9.5, maxWidth: width - 19, tooltip: entry.label)
            for (i, time) in comparison.riskTimes.enumerated() where i < curve.atRisk.count {
                guard let x = xScale.position(time), time <= maxTime, time >= 0 else { continue }
                canvas.text(NumberFormat.count(curve.atRisk[i]), x: x, y: y, size: 9.5, anchor: .middle)
            }
        }
        return canvas.svg(id: id, label: title)
    }
}
