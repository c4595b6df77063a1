import DayZeroAnalysis

/// One Kaplan–Meier panel (paper Fig. 4): a step function per group from (0, 1), censoring
/// ticks, the log-rank p under the title, and the numbers at risk in rows under the time axis,
/// each number centred on its tick (`SurvivalComparison.riskTimes` are the axis ticks). The
/// same panel draws cumulative incidence curves (from (0, 0), rising) with Gray's p.
/// How Kaplan–Meier panels are drawn, as survminer's `ggsurvplot(conf.int = TRUE,
/// surv.median.line = "hv", risk.table = TRUE, cumevents = …)`: confidence bands, median lines
/// and the cumulative number of events are each optional; `yLabels` overrides the y-axis title
/// of an outcome (by the outcome's name) when the study words it otherwise.
public struct SurvivalFigureOptions: Sendable, Equatable {
    /// The pointwise 95% confidence band of each curve (from the results' Kaplan–Meier or
    /// cumulative-incidence limits), shaded in the group's colour.
    public var confidenceBands: Bool
    /// Dashed lines from the y axis to each curve's median and down to the time axis.
    public var medianLines: Bool
    /// A second table under the numbers at risk: the cumulative number of events at each tick.
    public var cumulativeEvents: Bool
    /// The y-axis title by outcome name; without one it is derived from the event.
    public var yLabels: [String: String]

    public init(confidenceBands: Bool = true, medianLines: Bool = true, cumulativeEvents: Bool = false, yLabels: [String: String] = [:]) {
        self.confidenceBands = confidenceBands
        self.medianLines = medianLines
        self.cumulativeEvents = cumulativeEvents
        self.yLabels = yLabels
    }
}

package enum SurvivalSVG {
    static let width = 340.0
    /// The least left margin; it widens (up to `maxPlotLeft`) so the risk table's group names fit beside their numbers.
    static let plotLeft = 68.0
    static let maxPlotLeft = 140.0
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
            /// Pointwise 95% limits at each step (`nil` where not estimable).
            var limits: [(lower: Double?, upper: Double?)] = []
            /// Events at each step (for the cumulative number of events).
            var events: [Int] = []
            /// The median time (Kaplan–Meier only), when reached.
            var median: Double?
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

    /// The y-axis title of a Kaplan–Meier panel from the event it counts: "Survival" when the
    /// event is death, "Still ventilated" for extubation, "Still in ICU" (or hospital) for a
    /// discharge, else "Free of <event>"; ggsurvplot's "Survival probability" reads wrong for
    /// events that are good news.
    package static func survivalAxisTitle(event: String) -> String {
        let e = event.lowercased()
        if e.contains("extubat") || e.contains("weaned") || e.contains("liberat") { return "Still ventilated" }
        if e.contains("discharge") {
            if e.contains("hospital") { return "Still in hospital" }
            if e.contains("icu") || e.contains("intensive care") { return "Still in ICU" }
            return "Not yet discharged"
        }
        if e == "death" || e.hasPrefix("death") || e.contains("died") || e.contains("mortality") { return "Survival" }
        let trimmed = event.trimmingCharactersInWhitespace()
        return trimmed.isEmpty ? "Event-free" : "Free of \(trimmed)"
    }

    package static func render(
        _ comparison: SurvivalComparison, title: String, id: String?, groups: GroupPalette,
        options: SurvivalFigureOptions = SurvivalFigureOptions(), yLabel: String? = nil
    ) -> String {
        var detail = "Event: \(Markup.isolate(comparison.event))"
        if let chi = comparison.logRankChiSquare, let df = comparison.logRankDF {
            detail += "; χ² = \(NumberFormat.significant(chi, digits: 3)) on \(df) df"
        }
        let panel = Panel(
            title: title, testLine: testSpans("Event: \(Markup.isolate(comparison.event))", test: "log-rank", p: comparison.logRankP),
            testDetail: detail,
            yLabel: yLabel ?? survivalAxisTitle(event: comparison.event), start: 1,
            riskTimes: comparison.riskTimes,
            curves: comparison.curves.map { c in
                Panel.Curve(group: c.group, steps: c.steps.map { ($0.time, $0.survival, $0.censored) }, atRisk: c.atRisk,
                            limits: c.steps.map { ($0.lower, $0.upper) }, events: c.steps.map(\.events), median: c.median)
            })
        return render(panel, id: id, groups: groups, options: options)
    }

    /// Cumulative incidence of the event per group (Aalen–Johansen), rising from 0, with Gray's p.
    package static func render(
        _ comparison: CumulativeIncidenceComparison, title: String, id: String?, groups: GroupPalette,
        options: SurvivalFigureOptions = SurvivalFigureOptions(), yLabel: String? = nil
    ) -> String {
        var detail = "Event: \(Markup.isolate(comparison.event)); competing: \(Markup.isolate(comparison.competing))"
        if let chi = comparison.grayStatistic, let df = comparison.grayDF {
            detail += "; Gray's χ² = \(NumberFormat.significant(chi, digits: 3)) on \(df) df"
        }
        let panel = Panel(
            title: title,
            testLine: testSpans("Competing: \(Markup.isolate(comparison.competing))", test: "Gray", p: comparison.grayP), testDetail: detail,
            yLabel: yLabel ?? "Cumulative incidence", start: 0, riskTimes: comparison.riskTimes,
            curves: comparison.curves.map { c in
                Panel.Curve(group: c.group, steps: c.steps.map { ($0.time, $0.incidence, $0.censored) }, atRisk: c.atRisk,
                            limits: c.steps.map { ($0.lower, $0.upper) }, events: c.steps.map(\.events), median: nil)
            })
        return render(panel, id: id, groups: groups, options: options)
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

    static func render(_ comparison: Panel, id: String?, groups: GroupPalette, options: SurvivalFigureOptions = SurvivalFigureOptions()) -> String {
        let title = comparison.title
        let unit = timeUnit(comparison.riskTimes)
        var comparison = comparison
        if unit.divisor != 1 {
            comparison.riskTimes = comparison.riskTimes.map { $0 / unit.divisor }
            for c in comparison.curves.indices {
                comparison.curves[c].steps = comparison.curves[c].steps.map { ($0.time / unit.divisor, $0.value, $0.censored) }
                comparison.curves[c].median = comparison.curves[c].median.map { $0 / unit.divisor }
            }
        }
        let present = groups.present(Set(comparison.curves.map(\.group)))
        let curves = present.compactMap { entry in comparison.curves.first { $0.group == entry.key }.map { (entry, $0) } }
        // Each group takes one row of the risk table, its name left of its numbers (as
        // ggsurvplot's), when the names fit a left margin of at most `maxPlotLeft`; else two
        // rows: its full name, then its numbers.
        let widestName = curves.map { TextMetrics.width($0.0.label, fontSize: 9.5) }.max() ?? 0
        let twoRows = 17 + widestName + 14 > Self.maxPlotLeft
        let plotLeft = twoRows ? Self.plotLeft : max(Self.plotLeft, (17 + widestName + 14).rounded(.up))
        let labelRoom = plotLeft - 17 - 12
        let rowsPerGroup = twoRows ? 2.0 : 1.0
        let tableHeight = 18 + rowsPerGroup * rowHeight * Double(max(curves.count, 1))
        let tables = options.cumulativeEvents ? 2.0 : 1.0
        let height = plotBottom + 34 + tables * tableHeight + 8
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

        // Confidence bands under everything else: a step-shaped area per group.
        if options.confidenceBands {
            for (entry, curve) in curves {
                band(&canvas, curve, start: comparison.start, xScale: xScale, yScale: yScale, color: entry.style.color)
            }
        }
        // Median lines ("hv"): across from the y axis at 0.5 to the curve, and down to the time axis.
        if options.medianLines, comparison.start == 1, let y = yScale.position(0.5) {
            let medians = curves.compactMap { item -> Double? in
                guard let m = item.1.median, m.isFinite, m >= 0 else { return nil }
                return xScale.clampedPosition(m)
            }
            if let far = medians.max() {
                canvas.line(plotLeft, y, far, y, stroke: "#555", width: 0.8, dash: "3 3")
                for x in medians { canvas.line(x, y, x, plotBottom, stroke: "#555", width: 0.8, dash: "3 3") }
            }
        }

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

        // Numbers at risk (and, when asked, the cumulative number of events), under the ticks.
        var tableTop = plotBottom + 46
        func table(_ heading: String, _ numbers: (Panel.Curve) -> [Int]) {
            canvas.text(heading, x: 4, y: tableTop, size: 9.5, bold: true, maxWidth: width - 8)
            for (row, item) in curves.enumerated() {
                let (entry, curve) = item
                let labelY = tableTop + rowHeight * (rowsPerGroup * Double(row) + 1)
                let y = labelY + rowHeight * (rowsPerGroup - 1)
                canvas.marker(entry.style.marker, x: 8, y: labelY - 3.5, size: 6, color: entry.style.color)
                canvas.text(entry.label, x: 15, y: labelY, size: 9.5, maxWidth: twoRows ? width - 19 : labelRoom)
                let values = numbers(curve)
                for (i, time) in comparison.riskTimes.enumerated() where i < values.count {
                    guard let x = xScale.position(time), time <= maxTime, time >= 0 else { continue }
                    canvas.text(NumberFormat.count(values[i]), x: x, y: y, size: 9.5, anchor: .middle)
                }
            }
            tableTop += tableHeight
        }
        table("Number at risk") { $0.atRisk }
        if options.cumulativeEvents {
            table("Cumulative number of events") { curve in
                comparison.riskTimes.map { t in
                    zip(curve.steps, curve.events).reduce(0) { $0 + ($1.0.time <= t + 1e-9 ? $1.1 : 0) }
                }
            }
        }
        return canvas.svg(id: id, label: title)
    }

    /// The pointwise confidence band of one curve as a step-shaped area (right-continuous, as
    /// the curve), shaded in `color`; stretches without limits are left open.
    static func band(_ canvas: inout SVGCanvas, _ curve: Panel.Curve, start: Double, xScale: AxisScale, yScale: AxisScale, color: String) {
        guard curve.limits.count == curve.steps.count, !curve.steps.isEmpty else { return }
        let order = curve.steps.indices.filter { curve.steps[$0].time.isFinite }.sorted { curve.steps[$0].time < curve.steps[$1].time }
        // Runs of consecutive steps with both limits; each run is one closed path.
        var runs: [[(x0: Double, x1: Double, lo: Double, hi: Double)]] = []
        var current: [(x0: Double, x1: Double, lo: Double, hi: Double)] = []
        for (k, i) in order.enumerated() {
            let t0 = curve.steps[i].time
            let t1 = k + 1 < order.count ? curve.steps[order[k + 1]].time : t0
            guard let lo = curve.limits[i].lower, let hi = curve.limits[i].upper, lo.isFinite, hi.isFinite,
                  let x0 = xScale.clampedPosition(t0), let x1 = xScale.clampedPosition(t1),
                  let yLo = yScale.clampedPosition(min(max(lo, 0), 1)), let yHi = yScale.clampedPosition(min(max(hi, 0), 1))
            else {
                if !current.isEmpty { runs.append(current); current = [] }
                continue
            }
            current.append((x0, x1, yLo, yHi))
        }
        if !current.isEmpty { runs.append(current) }
        for run in runs where run.contains(where: { $0.x1 > $0.x0 }) {
            var d = "M\(NumberFormat.coordinate(run[0].x0)) \(NumberFormat.coordinate(run[0].hi))"
            for seg in run {
                d += " L\(NumberFormat.coordinate(seg.x0)) \(NumberFormat.coordinate(seg.hi)) L\(NumberFormat.coordinate(seg.x1)) \(NumberFormat.coordinate(seg.hi))"
            }
            for seg in run.reversed() {
                d += " L\(NumberFormat.coordinate(seg.x1)) \(NumberFormat.coordinate(seg.lo)) L\(NumberFormat.coordinate(seg.x0)) \(NumberFormat.coordinate(seg.lo))"
            }
            canvas.raw("<path d=\"\(d) Z\" fill=\"\(color)\" fill-opacity=\"0.14\" stroke=\"none\"/>")
        }
    }
}
