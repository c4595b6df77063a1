import DayZeroAnalysis

/// One kinetics or cytokine panel (paper Fig. 1, 2b–f, 3): per day and group the geometric
/// mean with its 95% CI, groups dodged sideways, the ICU-admission value at the left when
/// present, the overall interaction p under the title, the pre p at the left and the post p
/// at the right. A day without a geometric mean leaves a gap in the line.
package enum KineticsPanelSVG {
    static let width = 330.0
    static let height = 258.0
    /// The least left margin; a two-line axis title or wide tick labels push the plot right.
    static let plotLeft = 64.0
    static let plotRight = 318.0
    static let plotTop = 56.0
    static let plotBottom = 208.0
    /// Days beyond ±365 from day 0 are not drawn.
    static let maxDay = 365
    /// The fewest patients whose confidence interval sets the y axis.
    static let minimumForScale = 3

    /// Whether the panel's values cannot be negative: a log transform (log x, or log(x + c) for
    /// zeros) is only declared for non-negative data. Its axis then starts at 0 or above, and a
    /// confidence limit below 0 (possible when c is subtracted back) is drawn at the axis.
    static func nonNegative(_ panel: KineticsPanel) -> Bool {
        panel.transform.lowercased().hasPrefix("log")
    }

    /// The y-axis title as one line, or as two (label; unit and scale) when one does not fit
    /// the plot's height; each line shortened with "…" only when it alone does not fit.
    static func yTitleLines(label: String, unit: String, log: Bool, available: Double, size: Double) -> [String] {
        let detail = unit.isEmpty ? (log ? "log scale" : "") : (log ? "\(unit), log scale" : unit)
        let one = detail.isEmpty ? label : "\(label) (\(detail))"
        if TextMetrics.width(one, fontSize: size) <= available || detail.isEmpty { return [one] }
        return [label, "(\(detail))"]
    }

    package static func render(_ panel: KineticsPanel, id: String?, groups: GroupPalette, wording: StudyWording = .icu) -> String {
        var canvas = SVGCanvas(width: width, height: height)

        // Title and the three p-values, placed as in the paper.
        canvas.text(panel.label, x: width / 2, y: 16, size: 12.5, anchor: .middle, bold: true, maxWidth: width - 12)
        pText(&canvas, panel.interactionTest(.overall), x: width / 2, y: 32, anchor: .middle, size: 11, window: "Whole window", wording: wording)

        let nonNegative = Self.nonNegative(panel)
        // Data by group and day (first entry wins if a day is repeated).
        var byGroup: [String: [Int: DayGroupStatistic]] = [:]
        var admission: [String: DayGroupStatistic] = [:]
        for s in panel.days where byGroup[s.group]?[s.day] == nil { byGroup[s.group, default: [:]][s.day] = s }
        for s in panel.admission where admission[s.group] == nil { admission[s.group] = s }
        let present = groups.present(Set(byGroup.keys).union(admission.keys))

        // The drawn window: the panel's, widened to any data day, within ±maxDay so absurd day
        // numbers cannot overflow the arithmetic below.
        func clampDay(_ d: Int) -> Int { min(max(d, -maxDay), maxDay) }
        var firstDay = clampDay(min(panel.firstDay, panel.lastDay))
        var lastDay = clampDay(max(panel.firstDay, panel.lastDay))
        for s in panel.days {
            firstDay = min(firstDay, clampDay(s.day))
            lastDay = max(lastDay, clampDay(s.day))
        }
        let hasAdmission = !admission.isEmpty
        let offset = hasAdmission ? 2 : 0
        let slots = Double(offset + lastDay - firstDay + 1)

        // Y scale from every plotted mean, and the confidence limits of days with at least
        // `minimumForScale` patients: the interval of a day with two patients (t on 1 df) can
        // span six decades and would flatten every other day; its bar is clipped at the edge
        // and ends in an arrowhead there. Non-negative data keep the axis at 0 or above.
        var values: [Double] = []
        for s in panel.days + panel.admission {
            let limits = s.n >= minimumForScale ? [s.lower, s.upper] : []
            for v in [s.geometricMean] + limits {
                guard let v, v.isFinite else { continue }
                values.append(nonNegative ? max(v, 0) : v)
            }
        }
        let yScale = AxisScale.automatic(values: values, range: (plotBottom, plotTop))

        // The axis title (one or two rotated lines) and the tick labels set the left margin.
        let unit = panel.unit.trimmingCharactersInWhitespace()
        let titleSize = 10.0, tickSize = 9.5
        let titleLines = yTitleLines(label: panel.label, unit: unit, log: yScale.kind == .log10, available: plotBottom - plotTop, size: titleSize)
        let titleRight = titleLines.count == 1 ? 16.0 : 27.0
        let widestTick = yScale.tickLabels.map { TextMetrics.width($0, fontSize: tickSize) }.max() ?? 0
        let plotLeft = min(max(Self.plotLeft, titleRight + 4 + widestTick + 6), plotRight - 120)
        let plotWidth = plotRight - plotLeft
        let slotWidth = plotWidth / slots
        func xSlot(_ slot: Double) -> Double { plotLeft + (slot + 0.5) * slotWidth }
        func xDay(_ d: Int) -> Double { xSlot(Double(offset + d - firstDay)) }

        // The parts before and after day 0 are shown only when the window reaches across it;
        // otherwise the one part is the whole window, whose p is already under the title.
        if panel.firstDay < 0 && panel.lastDay > 0 {
            pText(&canvas, panel.interactionTest(.pre), x: plotLeft + 2, y: 48, anchor: .start, size: 10, window: "Before \(wording.aligned(0))", wording: wording)
            pText(&canvas, panel.interactionTest(.post), x: plotRight - 2, y: 48, anchor: .end, size: 10, window: "After \(wording.aligned(0))", wording: wording)
        }

        // Axes, ticks, grid.
        for (tick, label) in zip(yScale.ticks, yScale.tickLabels) {
            guard let y = yScale.position(tick) else { continue }
            canvas.line(plotLeft, y, plotRight, y, stroke: "#e6e6e6", width: 0.6)
            canvas.line(plotLeft - 4, y, plotLeft, y, stroke: "#333")
            canvas.text(label, x: plotLeft - 6, y: y + 3.5, size: tickSize, anchor: .end, maxWidth: plotLeft - 6 - titleRight - 3)
        }
        canvas.line(plotLeft, plotTop, plotLeft, plotBottom, stroke: "#333")
        canvas.line(plotLeft, plotBottom, plotRight, plotBottom, stroke: "#333")
        if (firstDay...lastDay).contains(0) {
            canvas.line(xDay(0), plotTop, xDay(0), plotBottom, stroke: "#999", width: 0.8, dash: "3 3")
        }
        let span = lastDay - firstDay
        let step = span <= 14 ? 1 : (span <= 28 ? 2 : 7)
        for d in firstDay...lastDay where d % step == 0 {
            let x = xDay(d)
            canvas.line(x, plotBottom, x, plotBottom + 4, stroke: "#333")
            canvas.text(NumberFormat.day(d), x: x, y: plotBottom + 15, size: 9.5, anchor: .middle, bold: d == 0)
        }
        if hasAdmission {
            let x = xSlot(0)
            canvas.line(x, plotBottom, x, plotBottom + 4, stroke: "#333")
            canvas.text(wording.admissionAbbreviation, x: x, y: plotBottom + 15, size: 9.5, anchor: .middle, tooltip: wording.admission.capitalizedFirst)
            // Axis break between the admission value and the serial days.
            let xb = xSlot(1)
            canvas.rect(x: xb - 3, y: plotBottom - 4, width: 6, height: 8, fill: "#fff")
            canvas.line(xb - 5, plotBottom + 4, xb - 1, plotBottom - 4, stroke: "#333")
            canvas.line(xb + 1, plotBottom + 4, xb + 5, plotBottom - 4, stroke: "#333")
        }
        canvas.text(wording.alignmentAxisTitle, x: (plotLeft + plotRight) / 2, y: plotBottom + 32, size: 10, anchor: .middle, maxWidth: plotWidth)
        let yMid = (plotTop + plotBottom) / 2
        let fullTitle = titleLines.joined(separator: " ")
        for (i, line) in titleLines.enumerated() {
            let x = titleLines.count == 1 ? 13.0 : (i == 0 ? 11.0 : 23.0)
            let cut = TextMetrics.width(line, fontSize: titleSize) > plotBottom - plotTop
            canvas.text(line, x: x, y: yMid, size: titleSize, anchor: .middle, maxWidth: plotBottom - plotTop, rotate: -90,
                        tooltip: cut || (titleLines.count > 1 && i == 0) ? fullTitle : nil)
        }

        if values.isEmpty {
            canvas.text("No data", x: (plotLeft + plotRight) / 2, y: yMid, size: 11, anchor: .middle, fill: "#666")
        }

        // Series: lines first, then error bars, then markers on top.
        let dodgeUnit = min(slotWidth * 0.22, 4.0)
        func dodge(_ index: Int) -> Double { (Double(index) - Double(present.count - 1) / 2) * dodgeUnit }
        for (index, entry) in present.enumerated() {
            guard let days = byGroup[entry.key] else { continue }
            var points: [(command: Character, x: Double, y: Double)] = []
            var previous: Int?
            for d in firstDay...lastDay {
                guard let gm = days[d]?.geometricMean, let y = yScale.position(gm) else { continue }
                let command: Character = (previous == d - 1) ? "L" : "M"
                points.append((command, xDay(d) + dodge(index), y))
                previous = d
            }
            if points.count > 1 {
                canvas.polyline(points, stroke: entry.style.color, width: 1.4, dash: entry.style.dash)
            }
        }
        for (index, entry) in present.enumerated() {
            var stats: [(Double, DayGroupStatistic, String)] = []
            if let a = admission[entry.key] { stats.append((xSlot(0) + dodge(index), a, wording.admission)) }
            for d in firstDay...lastDay {
                if let s = byGroup[entry.key]?[d] { stats.append((xDay(d) + dodge(index), s, wording.aligned(d))) }
            }
            for (x, s, when) in stats {
                if let lo = s.lower, let hi = s.upper, let y1 = yScale.clampedPosition(nonNegative ? max(lo, 0) : lo),
                   let y2 = yScale.clampedPosition(hi) {
                    canvas.line(x, y1, x, y2, stroke: entry.style.color, width: 1)
                    // A limit beyond the axis (a day with too few patients to set the scale)
                    // ends in an arrowhead at the edge instead of a cap.
                    for (y, value) in [(y1, lo), (y2, hi)] {
                        let beyond = yScale.position(value).map { $0 > plotBottom + 0.5 || $0 < plotTop - 0.5 } ?? (value > 0 || !nonNegative)
                        if beyond && !(nonNegative && value <= 0) {
                            let dir = y < yMid ? -1.0 : 1.0
                            canvas.raw("<path d=\"M\(NumberFormat.coordinate(x - 2.6)) \(NumberFormat.coordinate(y - dir * 3.5)) L\(NumberFormat.coordinate(x + 2.6)) \(NumberFormat.coordinate(y - dir * 3.5)) L\(NumberFormat.coordinate(x)) \(NumberFormat.coordinate(y)) Z\" fill=\"\(entry.style.color)\"/>")
                        } else {
                            canvas.line(x - 2.2, y, x + 2.2, y, stroke: entry.style.color, width: 1)
                        }
                    }
                }
                guard let gm = s.geometricMean, let y = yScale.position(gm) else { continue }
                canvas.marker(entry.style.marker, x: x, y: y, size: 5.5, color: entry.style.color,
                              title: tooltip(entry.label, when: when, s))
            }
        }
        return canvas.svg(id: id, label: panel.label)
    }

    static func tooltip(_ group: String, when: String, _ s: DayGroupStatistic) -> String {
        var t = "\(Markup.isolate(group)), \(when): "
        if let gm = s.geometricMean { t += NumberFormat.significant(gm, digits: 3) } else { t += "no value" }
        if let lo = s.lower, let hi = s.upper {
            t += " (95% CI \(NumberFormat.significant(lo, digits: 3))–\(NumberFormat.significant(hi, digits: 3)))"
        }
        return t + ", n = \(s.n)"
    }

    static func pText(
        _ canvas: inout SVGCanvas, _ test: InteractionTest?, x: Double, y: Double, anchor: SVGCanvas.Anchor, size: Double, window: String,
        wording: StudyWording
    ) {
        guard let test else {
            canvas.text("p = n/a", x: x, y: y, size: size, anchor: anchor, fill: "#666", tooltip: "\(window): not estimable")
            return
        }
        let (relation, value) = test.pValue.isFinite ? NumberFormat.pParts(test.pValue) : ("=", "n/a")
        let detail = "\(wording.alignedCapitalised(test.firstDay)) to \(NumberFormat.day(test.lastDay)): F = "
            + NumberFormat.significant(test.fStatistic, digits: 3) + " on " + NumberFormat.significant(test.numeratorDF, digits: 3)
            + " and " + NumberFormat.significant(test.denominatorDF, digits: 3) + " df, p = "
            + NumberFormat.significant(test.pValue, digits: 3) + "; \(test.observations) observations, \(test.patients) patients"
        canvas.spans([SVGCanvas.Span("p", italic: true), SVGCanvas.Span(" \(relation) \(value)")], x: x, y: y, size: size,
                     anchor: anchor, tooltip: detail)
    }
}

/// The report section a kinetics panel is shown in: inflammation parameters, organ function
/// (SOFA), or other parameters. `ReportOptions.kineticsSections` assigns parameters from the
/// protocol; without an entry a parameter goes by the built-in names (the paper's figures).
public enum KineticsGroup: String, CaseIterable, Sendable {
    case inflammation
    case sofa
    case other

    /// Paper order within each figure; names are matched case-insensitively, with the few
    /// common aliases listed.
    static let order: [KineticsGroup: [[String]]] = [
        .inflammation: [["temperature", "temp"], ["ferritin"], ["procalcitonin", "pct"], ["wbc", "leukocytes"], ["crp"]],
        .sofa: [["creatinine"], ["bilirubin"], ["platelets", "thrombocytes"], ["pf_ratio", "pao2_fio2", "pf"],
                ["norepinephrine", "noradrenaline"], ["sofa"]],
    ]

    /// The section of `parameter` by the built-in names: the paper's Fig. 2b–f names are
    /// inflammation, its Fig. 3 names SOFA, every other name other.
    public static func builtIn(_ parameter: String) -> KineticsGroup {
        let name = parameter.lowercased()
        for group in [KineticsGroup.inflammation, .sofa] where (order[group] ?? []).contains(where: { $0.contains(name) }) {
            return group
        }
        return .other
    }

    /// Panels split into the inflammation figure, the SOFA figure and the rest. A panel's
    /// section is `sections[parameter]` (lower case), else `builtIn(parameter)`. Within a
    /// section the paper's names come first in the paper's order, then the others in results
    /// order.
    package static func split(_ panels: [KineticsPanel], sections: [String: KineticsGroup] = [:]) -> [(KineticsGroup, [KineticsPanel])] {
        func group(_ panel: KineticsPanel) -> KineticsGroup {
            let name = panel.parameter.lowercased()
            return sections[name] ?? builtIn(name)
        }
        var result: [(KineticsGroup, [KineticsPanel])] = []
        for g in KineticsGroup.allCases {
            var remaining = panels.filter { group($0) == g }
            var chosen: [KineticsPanel] = []
            for names in order[g] ?? [] {
                if let i = remaining.firstIndex(where: { names.contains($0.parameter.lowercased()) }) {
                    chosen.append(remaining.remove(at: i))
                }
            }
            result.append((g, chosen + remaining))
        }
        return result
    }
}

extension String {
    func trimmingCharactersInWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
