import DayZeroAnalysis

/// The covariate balance of a propensity-matched set: how the set was matched, the balance
/// table before and after matching (cobalt's defaults: standardised mean difference for
/// continuous covariates and the score, raw difference in proportions for binary ones,
/// variance ratios for continuous ones) and a Love plot of the absolute differences.
/// Renders nothing for a set without a balance table.
struct BalanceSection: SetSection {
    /// The conventional threshold of acceptable imbalance, drawn as a dashed line.
    static let threshold = 0.1

    func render(_ set: AnalysisSetResults, context: RenderContext) -> String {
        guard let balance = set.balance, !balance.rows.isEmpty else { return "" }
        var s = "<h3>Propensity-score matching and covariate balance</h3>\n"
        if let m = set.matching {
            let covariates = m.covariates.map(\.covariate).joined(separator: ", ")
            var text = "Propensity score from a logistic model of treatment on \(covariates); \(m.method) matching "
                + "\(m.ratio):1 \(m.replace ? "with" : "without") replacement, \(m.order) score first"
            if let caliper = m.caliper {
                text += ", caliper \(NumberFormat.significant(caliper, digits: 3)) \(m.caliperScale ?? "")"
            }
            text += ". \(m.counts.treatedMatched) of \(m.counts.treated) treated patients matched to \(m.counts.controlsMatched) of \(m.counts.controls) controls."
            if m.caliper == nil, m.widePairs > 0 {
                text += " No caliper: \(m.widePairs) of \(m.counts.pairs) pairs are further apart than 0.2 SD of the logit of the score, the usual caliper (propensity_matching: caliper: 0.2, caliper_scale: logit_sd sets one)."
            }
            s += "<p class=\"matching-summary\">\(Markup.html(text))</p>\n"
        }
        s += table(balance, id: context.id("balance-table"), treated: context.groups.treated.label, control: context.groups.control.label)
        let plot = lovePlot(balance, id: context.id("balance-plot", "svg"))
        var notes = balance.warnings.map { Note($0) }
        notes += (set.matching?.warnings ?? []).map { Note($0) }
        s += FigureHTML.figure(
            id: context.id("balance-plot"), title: "Covariate balance.",
            caption: "Absolute standardised mean difference (continuous covariates and the propensity score) or absolute "
                + "difference in proportions (binary covariates) before (open circles) and after (filled circles) matching; "
                + "the dashed line marks \(NumberFormat.significant(Self.threshold, digits: 1)).",
            legend: nil, panels: [plot], notes: notes, cssClass: "single")
        return s
    }

    func label(_ row: BalanceTable.Row) -> String {
        row.id == "distance" ? "Propensity score" : row.id
    }

    func table(_ balance: BalanceTable, id: String, treated: String = "Treated", control: String = "Control") -> String {
        let t = Markup.htmlShort(treated, maxCharacters: 40)
        let c = Markup.htmlShort(control, maxCharacters: 40)
        var s = "<table class=\"data balance\" id=\"\(id)\">\n<caption>Balance before and after matching: means per group, "
            + "the difference (standardised for continuous covariates and the score, raw for binary ones) and the variance ratio.</caption>\n"
        s += "<thead><tr><th scope=\"col\">Covariate</th><th scope=\"col\">Type</th>"
            + "<th scope=\"col\">\(t) mean, before</th><th scope=\"col\">\(c) mean, before</th><th scope=\"col\">Difference, before</th><th scope=\"col\">Variance ratio, before</th>"
            + "<th scope=\"col\">\(t) mean, after</th><th scope=\"col\">\(c) mean, after</th><th scope=\"col\">Difference, after</th><th scope=\"col\">Variance ratio, after</th></tr></thead>\n<tbody>\n"
        func num(_ x: Double?) -> String { x.map { NumberFormat.significant($0, digits: 3) } ?? "–" }
        for row in balance.rows {
            s += "<tr><th scope=\"row\">\(Markup.htmlShort(label(row), maxCharacters: 40))</th><td>\(Markup.html(row.kind))</td>"
            s += "<td>\(num(row.before.treatedMean))</td><td>\(num(row.before.controlMean))</td><td>\(num(row.before.difference))</td><td>\(num(row.before.varianceRatio))</td>"
            s += "<td>\(num(row.after.treatedMean))</td><td>\(num(row.after.controlMean))</td><td>\(num(row.after.difference))</td><td>\(num(row.after.varianceRatio))</td></tr>\n"
        }
        let n = balance.sampleSizes
        s += "</tbody>\n<tfoot><tr><td colspan=\"10\">Sample sizes: all \(n.treatedAll) treated and \(n.controlsAll) controls; "
            + "matched \(n.treatedMatched) treated and \(n.controlsMatched) controls; unmatched \(n.treatedUnmatched) treated and "
            + "\(n.controlsUnmatched) controls.</td></tr></tfoot>\n</table>\n"
        return s
    }

    /// A Love plot: one row per covariate, |difference| on the x axis, before and after.
    func lovePlot(_ balance: BalanceTable, id: String) -> String {
        let rowHeight = 22.0
        let left = 170.0
        let right = 30.0
        let top = 16.0
        let width = 560.0
        let plotWidth = width - left - right
        let height = top + rowHeight * Double(balance.rows.count) + 44
        let largest = balance.rows.flatMap { [abs($0.before.difference), abs($0.after.difference)] }.filter(\.isFinite).max() ?? 0
        let maxX = max(0.25, (largest * 1.1 * 10).rounded(.up) / 10)
        func x(_ v: Double) -> Double { left + plotWidth * min(max(v, 0), maxX) / maxX }
        var canvas = SVGCanvas(width: width, height: height)
        let bottom = top + rowHeight * Double(balance.rows.count)
        canvas.line(left, bottom, left + plotWidth, bottom, stroke: "#333")
        let step = maxX <= 0.5 ? 0.1 : (maxX <= 1.5 ? 0.25 : 0.5)
        var tick = 0.0
        while tick <= maxX + 1e-9 {
            canvas.line(x(tick), bottom, x(tick), bottom + 4, stroke: "#333")
            canvas.text(NumberFormat.tick(tick, decimals: step < 0.25 ? 1 : 2), x: x(tick), y: bottom + 16, size: 10, anchor: .middle)
            tick += step
        }
        canvas.text("Absolute difference (standardised for continuous covariates)", x: left + plotWidth / 2, y: bottom + 34,
                    size: 11, anchor: .middle)
        canvas.line(x(Self.threshold), top - 4, x(Self.threshold), bottom, stroke: "#777", dash: "4 3")
        let style = GroupStyle.at(0)
        for (i, row) in balance.rows.enumerated() {
            let y = top + rowHeight * (Double(i) + 0.5)
            canvas.line(left, y, left + plotWidth, y, stroke: "#eee")
            canvas.text(label(row), x: left - 8, y: y + 4, size: 10.5, anchor: .end, maxWidth: left - 14)
            let before = abs(row.before.difference)
            let after = abs(row.after.difference)
            canvas.marker(.openCircle, x: x(before), y: y, size: 7, color: "#555",
                          title: "\(Markup.isolate(label(row))) before: \(NumberFormat.significant(row.before.difference, digits: 3))")
            canvas.marker(.circle, x: x(after), y: y, size: 7, color: style.color,
                          title: "\(Markup.isolate(label(row))) after: \(NumberFormat.significant(row.after.difference, digits: 3))")
        }
        return canvas.svg(id: id, label: "Love plot of covariate balance before and after matching")
    }
}
