import DayZeroAnalysis

/// A forest plot of outcome effect sizes across analysis sets: one panel per kind of effect
/// (hazard ratio, risk ratio, odds ratio on a log axis; risk difference on a linear axis in
/// percentage points), a row per outcome and analysis set with the estimate (a square: filled
/// for the first set, open for the others) and its confidence interval, a dashed line at no
/// effect, and the estimate, interval and p value printed on the right. Drawn in the report's
/// fonts and sizes; the numbers come from `OutcomeMeasureResult.effects` as computed.
package enum ForestPlotSVG {
    /// One drawn row: the outcome, the analysis set and its effect.
    package struct Row: Sendable {
        package var outcome: String
        package var set: String
        package var isFirstSet: Bool
        package var effect: OutcomeEffect

        package init(outcome: String, set: String, isFirstSet: Bool, effect: OutcomeEffect) {
            self.outcome = outcome
            self.set = set
            self.isFirstSet = isFirstSet
            self.effect = effect
        }
    }

    /// The effect kinds in the order their panels are drawn.
    static let measureOrder = ["hazardRatio", "riskRatio", "oddsRatio", "riskDifference"]

    /// What a measure is called in the report.
    package static func name(_ measure: String) -> String {
        switch measure {
        case "hazardRatio": return "Hazard ratio"
        case "riskRatio": return "Risk ratio"
        case "oddsRatio": return "Odds ratio"
        case "riskDifference": return "Risk difference"
        default: return ReadableNotes.eventWords(measure)
        }
    }

    /// Ratio measures are drawn on a log axis around 1; differences on a linear axis around 0.
    static func isRatio(_ measure: String) -> Bool { measure != "riskDifference" }

    /// A value as printed: ratios with two decimals (one from 10 on), a risk difference as
    /// percentage points with one decimal.
    package static func value(_ x: Double, measure: String) -> String {
        if isRatio(measure) { return NumberFormat.fixed(x, decimals: abs(x) >= 10 ? 1 : 2) }
        return NumberFormat.fixed(x * 100, decimals: 1)
    }

    /// `0.85 (0.40–1.80)`; `−5.0 (−20.1 to 10.2)` when a limit is negative; the estimate alone
    /// when the interval is not finite.
    package static func estimateText(_ e: OutcomeEffect) -> String {
        let point = value(e.estimate, measure: e.measure)
        guard let lo = e.lower, let hi = e.upper, lo.isFinite, hi.isFinite else { return "\(point) (CI not estimable)" }
        let separator = lo < 0 || hi < 0 ? " to " : "–"
        return "\(point) (\(value(lo, measure: e.measure))\(separator)\(value(hi, measure: e.measure)))"
    }

    /// The measures present in `rows`, in drawing order.
    package static func measures(_ rows: [Row]) -> [String] {
        let present = Set(rows.map(\.effect.measure))
        return measureOrder.filter { present.contains($0) } + present.subtracting(measureOrder).sorted()
    }

    static let width = 658.0  // 174 mm at 96 px per inch
    static let labelWidth = 250.0
    static let plotLeft = 262.0
    static let plotRight = 470.0
    static let textLeft = 480.0
    static let rowHeight = 17.0
    static let fontSize = 11.0

    /// The panel of one measure: rows grouped by outcome, in the order given.
    package static func render(_ rows: [Row], measure: String, id: String, treatedLabel: String) -> String {
        let rows = rows.filter { $0.effect.measure == measure && $0.effect.estimate.isFinite }
        let ratio = isRatio(measure)
        var outcomes: [String] = []
        for r in rows where !outcomes.contains(r.outcome) { outcomes.append(r.outcome) }
        let top = 34.0
        // Set labels wrap onto a second line rather than being cut.
        let setLines = rows.map { TextMetrics.wrap($0.set, maxWidth: labelWidth - 12, fontSize: fontSize, maxLines: 2).lines }
        let bodyRows = Double(outcomes.count) + setLines.map { $0.count > 1 ? 1.8 : 1 }.reduce(0, +)
        let axisY = top + bodyRows * rowHeight + 6
        let height = axisY + 44
        var canvas = SVGCanvas(width: width, height: height)

        let scaled: (Double) -> Double = { ratio ? $0 : $0 * 100 }
        var values = rows.flatMap { r in [r.effect.estimate, r.effect.lower, r.effect.upper].compactMap { $0 }.filter(\.isFinite) }
            .map(scaled)
        values.append(ratio ? 1 : 0)
        let axis = ratio
            ? AxisScale.logarithmic(values: values.filter { $0 > 0 }, range: (plotLeft, plotRight))
            : AxisScale.linear(values: values, range: (plotLeft, plotRight), include: [0])

        // Header.
        canvas.text("Outcome and analysis set", x: 4, y: 14, size: fontSize, bold: true, maxWidth: labelWidth)
        let unit = ratio ? "" : " (percentage points)"
        canvas.text("\(name(measure)) (95% CI)", x: textLeft, y: 14, size: fontSize, bold: true, maxWidth: width - textLeft - 4)
        canvas.line(4, 22, width - 4, 22, stroke: "#333", width: 1)

        // The no-effect line.
        if let x0 = axis.position(ratio ? 1 : 0) {
            canvas.line(x0, top - 6, x0, axisY, stroke: "#777", dash: "4 3")
        }
        var y = top
        for outcome in outcomes {
            canvas.text(outcome, x: 4, y: y + 4, size: fontSize, bold: true, maxWidth: labelWidth)
            y += rowHeight
            for (index, r) in rows.enumerated() where r.outcome == outcome {
                let e = r.effect
                let lines = setLines[index].isEmpty ? [r.set] : setLines[index]
                let wrapped = TextMetrics.wrap(r.set, maxWidth: labelWidth - 12, fontSize: fontSize, maxLines: 2)
                for (k, line) in lines.enumerated() {
                    canvas.text(line, x: 16, y: y + 4 + Double(k) * rowHeight * 0.8, size: fontSize, maxWidth: labelWidth - 12,
                                tooltip: k == 0 && wrapped.truncated ? r.set : nil)
                }
                let lo = e.lower.map(scaled), hi = e.upper.map(scaled)
                if let lo, let hi, let x1 = axis.clampedPosition(lo), let x2 = axis.clampedPosition(hi) {
                    canvas.line(x1, y, x2, y, stroke: "#1a1a1a", width: 1.4)
                }
                let p = e.p.map { ", " + NumberFormat.pStatement($0) } ?? ""
                let text = estimateText(e) + p
                if let x = axis.clampedPosition(scaled(e.estimate)) {
                    canvas.marker(r.isFirstSet ? .circle : .openSquare, x: x, y: y, size: 8, color: "#1a1a1a",
                                  title: "\(Markup.isolate(r.outcome)), \(Markup.isolate(r.set)): \(name(measure)) \(text)")
                }
                canvas.text(text, x: textLeft, y: y + 4, size: fontSize, maxWidth: width - textLeft - 4)
                y += rowHeight * (lines.count > 1 ? 1.8 : 1)
            }
        }

        // The x axis.
        canvas.line(plotLeft, axisY, plotRight, axisY, stroke: "#333")
        for (tick, label) in zip(axis.ticks, axis.tickLabels) {
            guard let x = axis.position(tick) else { continue }
            canvas.line(x, axisY, x, axisY + 4, stroke: "#333")
            canvas.text(label, x: x, y: axisY + 15, size: 10, anchor: .middle)
        }
        let direction = ratio
            ? "< 1: lower in \(Markup.isolate(treatedLabel))"
            : "< 0: lower in \(Markup.isolate(treatedLabel))"
        let centre = (plotLeft + plotRight) / 2
        canvas.text("\(name(measure))\(ratio ? " (log scale)" : unit); \(direction)", x: centre, y: axisY + 32,
                    size: 10, anchor: .middle, maxWidth: 2 * min(centre - 4, width - centre - 4))
        return canvas.svg(id: id, label: "Forest plot: \(name(measure)) of the outcomes across analysis sets")
    }
}
