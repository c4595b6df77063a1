import DayZeroAnalysis
import DayZeroCohort

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
        let labels = Self.labels(set)
        if let m = set.matching {
            // In a list "Sex, male" reads as two items: "sex (male)".
            let covariates = m.covariates.map { c -> String in
                let label = labels(c.column).lowercasedFirstWord
                guard let comma = label.range(of: ", ") else { return label }
                return "\(label[..<comma.lowerBound]) (\(label[comma.upperBound...]))"
            }.joined(separator: ", ")
            var text = "Propensity score from a logistic model of treatment on \(covariates); nearest-neighbour matching "
                + "\(m.ratio):1 \(m.replace ? "with" : "without") replacement, \(Self.orderWords(m.order))"
            if let caliper = m.caliper {
                text += ", caliper \(NumberFormat.significant(caliper, digits: 3)) \(Self.caliperWords(m.caliperScale))"
            }
            text += ". \(m.counts.treatedMatched) of \(m.counts.treated) treated patients matched to \(m.counts.controlsMatched) of \(m.counts.controls) controls."
            if m.caliper == nil, m.widePairs > 0 {
                text += " No caliper: \(m.widePairs) of \(m.counts.pairs) pairs are further apart than 0.2 SD of the logit of the score, the usual caliper (propensity_matching: caliper: 0.2, caliper_scale: logit_sd sets one)."
            }
            s += "<p class=\"matching-summary\">\(Markup.html(text))</p>\n"
        }
        s += table(balance, id: context.id("balance-table"), treated: context.groups.treated.label, control: context.groups.control.label,
                   labels: labels)
        let plot = LovePlotSVG.render(balance, id: context.id("balance-plot", "svg"), labels: labels)
        var notes = balance.warnings.map { Note(Self.withoutCode($0)) }
        notes += (set.matching?.warnings ?? []).map { Note(Self.withoutCode($0)) }
        s += FigureHTML.figure(
            id: context.id("balance-plot"), title: "Covariate balance.",
            caption: "Absolute standardised mean difference (continuous covariates and the propensity score) or absolute "
                + "difference in proportions (binary covariates) before (open grey circles) and after (filled black circles) matching; "
                + "the dashed line marks \(NumberFormat.significant(Self.threshold, digits: 1)).",
            legend: nil, panels: [plot], notes: notes)
        return s
    }

    /// The reader's name of a balance row (a model column: `distance`, `age`, `sex_male`,
    /// `bmi`, a comorbidity): "Propensity score", else the label Table 1 of the set gives the
    /// same variable (from the protocol or the study's variables), else the built-in catalog's
    /// label, else the name with its underscores as spaces.
    static func labels(_ set: AnalysisSetResults) -> (String) -> String {
        var known: [String: String] = ["distance": "Propensity score", "sex": "Sex, male", "sex_male": "Sex, male", "age": "Age"]
        for v in BaselineCatalog.all { known[v.name] = v.label }
        for row in set.table1.sections.flatMap(\.rows) {
            let name = row.id.hasPrefix("history.") ? String(row.id.dropFirst("history.".count)) : row.id
            guard !name.contains(".") else { continue }
            known[name] = row.label
        }
        return { id in known[id] ?? FlowLabels.humanize(id) }
    }

    /// A warning without its leading machine code ("wide-pairs: 8 of 21 …" → "8 of 21 …").
    static func withoutCode(_ warning: String) -> String {
        guard let colon = warning.range(of: ": ") else { return warning }
        let code = warning[..<colon.lowerBound]
        guard !code.isEmpty, code.allSatisfy({ $0.isLowercase || $0 == "-" || $0 == "_" || $0.isNumber }), code.contains(where: { $0 == "-" || $0 == "_" })
        else { return warning }
        return String(warning[colon.upperBound...]).capitalizedFirst
    }

    static func orderWords(_ order: String) -> String {
        switch order {
        case "largest": "highest propensity score first"
        case "smallest": "lowest propensity score first"
        case "random": "in random order"
        case "data": "in data order"
        default: FlowLabels.humanize(order)
        }
    }

    static func caliperWords(_ scale: String?) -> String {
        switch scale {
        case "score_sd"?: "SD of the propensity score"
        case "logit_sd"?: "SD of the logit of the propensity score"
        case nil: ""
        case let other?: FlowLabels.humanize(other)
        }
    }

    static func kindWords(_ kind: String) -> String {
        switch kind {
        case "distance": "score"
        case "continuous": "continuous"
        case "binary": "binary"
        default: FlowLabels.humanize(kind)
        }
    }

    func table(
        _ balance: BalanceTable, id: String, treated: String = "Treated", control: String = "Control",
        labels: (String) -> String = { $0 == "distance" ? "Propensity score" : FlowLabels.humanize($0) }
    ) -> String {
        let t = Markup.htmlShort(treated, maxCharacters: 40)
        let c = Markup.htmlShort(control, maxCharacters: 40)
        var s = "<table class=\"data balance\" id=\"\(id)\">\n<caption>Balance before and after matching: means per group, "
            + "the difference (standardised for continuous covariates and the score, raw for binary ones) and the variance ratio.</caption>\n"
        let sub = "<th scope=\"col\" class=\"num\">\(t) mean</th><th scope=\"col\" class=\"num\">\(c) mean</th>"
            + "<th scope=\"col\" class=\"num\">Diff.</th><th scope=\"col\" class=\"num\">Var. ratio</th>"
        s += "<thead><tr><th scope=\"col\" rowspan=\"2\">Covariate</th><th scope=\"col\" rowspan=\"2\">Type</th>"
            + "<th scope=\"colgroup\" colspan=\"4\">Before matching</th><th scope=\"colgroup\" colspan=\"4\">After matching</th></tr>\n"
            + "<tr>\(sub)\(sub)</tr></thead>\n<tbody>\n"
        func num(_ x: Double?) -> String { x.map { NumberFormat.significant($0, digits: 3) } ?? "–" }
        for row in balance.rows {
            s += "<tr><th scope=\"row\">\(Markup.htmlShort(labels(row.id), maxCharacters: 60))</th><td>\(Markup.html(Self.kindWords(row.kind)))</td>"
            for side in [row.before, row.after] {
                for v in [side.treatedMean, side.controlMean, side.difference] { s += "<td class=\"num\">\(num(v))</td>" }
                s += "<td class=\"num\">\(num(side.varianceRatio))</td>"
            }
            s += "</tr>\n"
        }
        let n = balance.sampleSizes
        s += "</tbody>\n<tfoot><tr><td colspan=\"10\">Sample sizes: all \(n.treatedAll) treated and \(n.controlsAll) controls; "
            + "matched \(n.treatedMatched) treated and \(n.controlsMatched) controls; unmatched \(n.treatedUnmatched) treated and "
            + "\(n.controlsUnmatched) controls.</td></tr></tfoot>\n</table>\n"
        return s
    }

}

package enum LovePlotSVG {
    static let threshold = BalanceSection.threshold

    /// A Love plot (cobalt's `love.plot`): one row per covariate, |difference| on the x axis,
    /// before (open grey circles) and after (filled black circles) matching — neutral colours,
    /// since the group colours mean treated and control everywhere else. Sized and lettered as
    /// the other panels (330 wide, 9.5–10 px text); long labels wrap to two lines.
    package static func render(_ balance: BalanceTable, id: String, labels: (String) -> String = { $0 }) -> String {
        let size = 9.5
        let rowHeight = 24.0
        let width = 330.0
        let left = 112.0
        let right = 14.0
        let top = 14.0
        let plotWidth = width - left - right
        let height = top + rowHeight * Double(balance.rows.count) + 62
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
            canvas.text(NumberFormat.tick(tick, decimals: step < 0.25 ? 1 : 2), x: x(tick), y: bottom + 15, size: size, anchor: .middle)
            tick += step
        }
        canvas.text("Absolute difference", x: left + plotWidth / 2, y: bottom + 31, size: 10, anchor: .middle, maxWidth: plotWidth)
        // Legend: before (open grey) and after (filled black).
        canvas.marker(.openCircle, x: left + 6, y: bottom + 46, size: 6.5, color: "#8c8c8c")
        canvas.text("Before matching", x: left + 14, y: bottom + 49.5, size: size)
        canvas.marker(.circle, x: left + 106, y: bottom + 46, size: 6.5, color: "#1a1a1a")
        canvas.text("After matching", x: left + 114, y: bottom + 49.5, size: size)
        canvas.line(x(Self.threshold), top - 4, x(Self.threshold), bottom, stroke: "#777", dash: "4 3")
        for (i, row) in balance.rows.enumerated() {
            let y = top + rowHeight * (Double(i) + 0.5)
            canvas.line(left, y, left + plotWidth, y, stroke: "#eee")
            let label = labels(row.id)
            let wrapped = TextMetrics.wrap(label, maxWidth: left - 10, fontSize: size, maxLines: 2)
            let first = y + 3.5 - Double(wrapped.lines.count - 1) * 5.5
            for (k, line) in wrapped.lines.enumerated() {
                canvas.text(line, x: left - 6, y: first + Double(k) * 11, size: size, anchor: .end, maxWidth: left - 10,
                            tooltip: k == 0 && wrapped.truncated ? label : nil)
            }
            let before = abs(row.before.difference)
            let after = abs(row.after.difference)
            canvas.marker(.openCircle, x: x(before), y: y, size: 6.5, color: "#8c8c8c",
                          title: "\(Markup.isolate(label)) before: \(NumberFormat.significant(row.before.difference, digits: 3))")
            canvas.marker(.circle, x: x(after), y: y, size: 6.5, color: "#1a1a1a",
                          title: "\(Markup.isolate(label)) after: \(NumberFormat.significant(row.after.difference, digits: 3))")
        }
        return canvas.svg(id: id, label: "Love plot of covariate balance before and after matching")
    }
}

extension String {
    /// The first word in lower case unless it is an abbreviation ("Age" → "age", "BMI" stays).
    package var lowercasedFirstWord: String {
        guard let first = first, first.isUppercase else { return self }
        let word = prefix { !$0.isWhitespace && $0 != "," }
        if word.count > 1, word.dropFirst().contains(where: { $0.isUppercase || $0.isNumber }) { return self }
        return first.lowercased() + dropFirst()
    }
}
