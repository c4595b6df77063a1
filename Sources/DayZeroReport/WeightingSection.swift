import DayZeroAnalysis
import DayZeroStats

/// A propensity-score-weighted set: how it was weighted, the weights per group (distribution,
/// effective sample size, trimming), the covariate balance before and after weighting (cobalt's
/// conventions for the estimand; differences above 0.1 flagged), the weighted Kaplan–Meier
/// survival at each outcome's horizon and the kinetics' design-based weighted tests. Renders
/// nothing for a set without weighting.
struct WeightingSection: SetSection {
    func render(_ set: AnalysisSetResults, context: RenderContext) -> String {
        guard let w = set.weighting else { return "" }
        let treated = Markup.htmlShort(context.groups.treated.label, maxCharacters: 40)
        let control = Markup.htmlShort(context.groups.control.label, maxCharacters: 40)
        func num(_ x: Double?) -> String { x.map { NumberFormat.significant($0, digits: 3) } ?? "–" }
        var s = "<h3>Propensity-score weighting</h3>\n"
        let label = BalanceSection.labels(set)
        var text = "Propensity score from a logistic model of treatment on "
            + w.covariates.map { label($0.covariate).lowercasedFirstWord }.joined(separator: ", ") + "; "
            + "\(Self.estimandWords(w.estimand)), as WeightIt computes them (not stabilised, not normalised). "
            + "\(w.treated) treated patients and \(w.controls) controls weighted"
        let missing = w.treatedMissingCovariate + w.controlsMissingCovariate
        text += missing > 0 ? "; \(missing) left out for a missing covariate." : "."
        if let at = w.trim, let cap = w.trimCap {
            text += " Weights above their \(NumberFormat.significant(100 * at, digits: 3))th percentile trimmed to \(num(cap)) (\(w.trimmedCount ?? 0) weights)."
        } else {
            text += " Weights not trimmed."
        }
        text += " Table 1, the daily means and the outcome rows above describe the patients unweighted; the comparisons under the weights are below and in the outcome effects."
        s += "<p class=\"weighting-summary\">\(Markup.html(text))</p>\n"

        // Weight distribution per group.
        s += "<table class=\"data weights\" id=\"\(context.id("weights-table"))\">\n<caption>Weights per group: distribution, total and Kish's effective sample size (Σw)²/Σw².</caption>\n"
        s += "<thead><tr><th scope=\"col\">Group</th><th scope=\"col\">n</th><th scope=\"col\">Min</th><th scope=\"col\">Q1</th><th scope=\"col\">Median</th>"
            + "<th scope=\"col\">Q3</th><th scope=\"col\">Max</th><th scope=\"col\">Sum</th><th scope=\"col\">Effective n</th></tr></thead>\n<tbody>\n"
        for (label, summary) in [(treated, w.treatedWeights), (control, w.controlWeights)] {
            guard let q = summary else { continue }
            s += "<tr><th scope=\"row\">\(label)</th><td>\(q.n)</td><td>\(num(q.min))</td><td>\(num(q.q1))</td><td>\(num(q.median))</td>"
                + "<td>\(num(q.q3))</td><td>\(num(q.max))</td><td>\(num(q.sum))</td><td>\(num(q.effectiveSampleSize))</td></tr>\n"
        }
        s += "</tbody>\n</table>\n"

        // Balance.
        if !w.balance.isEmpty {
            let denominator = w.estimand == "ATT" ? "the treated group's SD" : "the pooled SD √((s₁² + s₀²)/2)"
            s += "<table class=\"data balance\" id=\"\(context.id("weighting-balance-table"))\">\n<caption>"
                + Markup.html("Balance before and after weighting: means per group and the difference (standardised by \(denominator), unweighted, for continuous covariates and the score; raw for binary ones); differences beyond \(NumberFormat.significant(w.balanceThreshold, digits: 1)) after weighting are marked ✗.")
                + "</caption>\n"
            s += "<thead><tr><th scope=\"col\">Covariate</th><th scope=\"col\">Type</th><th scope=\"col\">\(treated) mean, before</th>"
                + "<th scope=\"col\">\(control) mean, before</th><th scope=\"col\">Difference, before</th><th scope=\"col\">\(treated) mean, weighted</th>"
                + "<th scope=\"col\">\(control) mean, weighted</th><th scope=\"col\">Difference, weighted</th></tr></thead>\n<tbody>\n"
            for row in w.balance {
                s += "<tr><th scope=\"row\">\(Markup.htmlShort(label(row.name), maxCharacters: 40))</th><td>\(Markup.html(BalanceSection.kindWords(row.kind.rawValue)))</td>"
                    + "<td>\(num(row.treatedBefore))</td><td>\(num(row.controlBefore))</td><td>\(num(row.before))</td>"
                    + "<td>\(num(row.treatedAfter))</td><td>\(num(row.controlAfter))</td><td>\(num(row.after))\(row.imbalanced ? " ✗" : "")</td></tr>\n"
            }
            s += "</tbody>\n</table>\n"
        }

        // Weighted survival at the horizon.
        if !w.survival.isEmpty {
            s += "<table class=\"data weighted-survival\" id=\"\(context.id("weighted-survival-table"))\">\n<caption>Weighted Kaplan–Meier estimate at the horizon (survfit with weights; robust 95% CI).</caption>\n"
            s += "<thead><tr><th scope=\"col\">Outcome</th><th scope=\"col\">Day</th><th scope=\"col\">\(treated)</th><th scope=\"col\">\(control)</th></tr></thead>\n<tbody>\n"
            func at(_ curve: WeightedSurvivalCurve, _ h: Int) -> String {
                guard let step = curve.steps.last(where: { $0.time <= Double(h) }) else { return "1" }
                return "\(num(step.survival)) (\(num(step.lower))–\(num(step.upper)))"
            }
            for r in w.survival {
                s += "<tr><th scope=\"row\">\(Markup.htmlShort(r.label, maxCharacters: 60))</th><td>\(r.horizonDays)</td>"
                    + "<td>\(at(r.treated, r.horizonDays))</td><td>\(at(r.control, r.horizonDays))</td></tr>\n"
            }
            s += "</tbody>\n</table>\n"
        }

        // Weighted kinetics tests.
        let panels = (set.kinetics + set.cytokines).filter { $0.weighted != nil }
        if !panels.isEmpty {
            s += "<table class=\"data weighted-kinetics\" id=\"\(context.id("weighted-kinetics-table"))\">\n<caption>"
                + Markup.html("Kinetics under the weights: weighted least squares of the transformed daily values on day × group with a patient-clustered sandwich variance (survey::svyglm), Wald F tests of the day × group interaction (regTermTest; denominator df = patients − coefficients). Not a weighted mixed model.")
                + "</caption>\n"
            s += "<thead><tr><th scope=\"col\">Parameter</th><th scope=\"col\">Whole window</th><th scope=\"col\">Before day 0</th><th scope=\"col\">After day 0</th></tr></thead>\n<tbody>\n"
            func cell(_ window: WeightedKineticsTests.Window?) -> String {
                guard let t = window?.interaction else { return "–" }
                return "F(\(t.numeratorDF), \(t.denominatorDF)) = \(NumberFormat.significant(t.fStatistic, digits: 3)), \(Markup.html(NumberFormat.pValue(t.pValue)))"
            }
            for p in panels {
                guard let t = p.weighted else { continue }
                s += "<tr><th scope=\"row\">\(Markup.htmlShort(p.label, maxCharacters: 40))</th><td>\(cell(t.overall))</td><td>\(cell(t.pre))</td><td>\(cell(t.post))</td></tr>\n"
            }
            s += "</tbody>\n</table>\n"
        }
        if !w.warnings.isEmpty { s += warningList(w.warnings.map { Note($0) }) }
        return s
    }

    /// The estimand's weights in words.
    static func estimandWords(_ estimand: String) -> String {
        switch estimand {
        case "ATE": "inverse probability of treatment weights for the average treatment effect (ATE)"
        case "ATT": "weights for the average treatment effect in the treated (ATT): treated 1, controls p/(1 − p)"
        case "ATO": "overlap weights (ATO): treated 1 − p, controls p"
        default: "\(estimand) weights"
        }
    }
}
