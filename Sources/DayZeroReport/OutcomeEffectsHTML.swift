import DayZeroAnalysis

/// The effect sizes of the declared outcomes (`OutcomeMeasureResult.effects`), rendered as a
/// small table right under the outcome table: per outcome its hazard ratio (Cox), or risk
/// difference and odds ratio (binary), with the 95% CI, p and the E-values of the estimate and
/// of the confidence limit closest to the null. Renders nothing when no outcome has an effect.
enum OutcomeEffectsHTML {
    /// - Parameters:
    ///   - weighted: the set is propensity-score weighted (weighted Cox with robust SE, survey
    ///     GLMs for the binary outcomes).
    ///   - matched: the set is matched (Cox with SEs robust to the matching).
    static func render(_ measures: [OutcomeMeasureResult], id: String, weighted: Bool = false, matched: Bool = false) -> String {
        let rows = measures.flatMap { m in m.effects.map { (m, $0) } }
        guard !rows.isEmpty else { return "" }
        let methods = weighted
            ? "hazard ratios from weighted Cox models (Efron ties, robust SE, Wald CI and p), risk differences and odds ratios "
                + "from survey-weighted GLMs (design-based SE, t-based CI and p)"
            : "hazard ratios from Cox models (Efron ties, \(matched ? "SE robust to the matching, " : "")Wald CI and p), risk differences "
                + "(Newcombe CI, Fisher p) and odds ratios (conditional MLE, exact CI and p)"
        var s = "<table class=\"data outcome-effects\" id=\"\(id)\">\n<caption>"
            + Markup.html(
                "Effect sizes, treated vs control: \(methods); E-values (VanderWeele & Ding) for the "
                    + "estimate and for the confidence limit closest to the null (see the methods; each effect's exact method is in its tooltip).")
            + "</caption>\n"
        s += "<thead><tr><th scope=\"col\">Outcome</th><th scope=\"col\">Effect</th><th scope=\"col\" class=\"num\">Estimate (95% CI)</th>"
            + "<th scope=\"col\" class=\"num\">p value</th><th scope=\"col\" class=\"num\">E-value (CI limit)</th></tr></thead>\n<tbody>\n"
        for (m, e) in rows {
            s += "<tr><th scope=\"row\">\(Markup.htmlShort(m.label, maxCharacters: 60))</th>"
            let words = measureWords(e.measure) + (e.event.map { " of \($0)" } ?? "")
            s += "<td title=\"\(Markup.escape(e.method))\">\(Markup.htmlShort(words, maxCharacters: 80))</td>"
            s += "<td class=\"num\">\(estimate(e))</td><td class=\"num\">\(NumberFormat.pValue(e.p))</td>"
            s += "<td class=\"num\">\(eValue(e))</td></tr>\n"
        }
        s += "</tbody>\n</table>\n"
        return s
    }

    static func measureWords(_ measure: String) -> String {
        switch measure {
        case "hazardRatio": "Hazard ratio"
        case "riskDifference": "Risk difference"
        case "riskRatio": "Risk ratio"
        case "oddsRatio": "Odds ratio"
        default: measure
        }
    }

    static func number(_ x: Double, _ measure: String) -> String {
        measure == "riskDifference" ? NumberFormat.fixed(x, decimals: 3) : NumberFormat.significant(x, digits: 3)
    }

    static func estimate(_ e: OutcomeEffect) -> String {
        let lower = e.lower.map { number($0, e.measure) } ?? (e.measure == "riskDifference" ? "–" : "0")
        let upper = e.upper.map { number($0, e.measure) } ?? "∞"
        return "\(number(e.estimate, e.measure)) (\(lower) to \(upper))"
    }

    static func eValue(_ e: OutcomeEffect) -> String {
        guard let value = e.eValue else { return "–" }
        // The limit's E-value is exactly 1 whenever the interval contains the null.
        let limit = e.eValueLimit.map { " (\($0 == 1 ? "1" : NumberFormat.significant($0, digits: 3)))" } ?? ""
        return NumberFormat.significant(value, digits: 3) + limit
    }
}
