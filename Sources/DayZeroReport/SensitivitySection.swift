import DayZeroAnalysis

/// The sensitivity analyses side by side: every analysis set's outcomes (summaries, p value and
/// any effect size the results carry), its kinetics p values with the panels that differ
/// between groups, and a forest plot of the outcome effect sizes across sets. Rendered once,
/// after the sets' chapters, when the results have more than one analysis set. Nothing is
/// computed here: the effect sizes are `OutcomeMeasureResult.effects` as the analysis wrote
/// them, and the section says plainly when there are none.
struct SensitivitySection {
    /// The level below which a kinetics panel is counted as differing between the groups.
    static let alpha = 0.05

    /// A panel differs between the groups: its whole-window mixed-model p is below `alpha`.
    static func differs(_ panel: KineticsPanel) -> Bool {
        guard let p = panel.interactionP(.overall), p.isFinite else { return false }
        return p < alpha
    }

    func render(_ results: StudyResults, contexts: [RenderContext], options: ReportOptions) -> String {
        let sets = results.analysisSets
        guard sets.count > 1, let first = contexts.first else { return "" }
        var s = "<section id=\"sensitivity\" class=\"sensitivity\">\n<h2>Sensitivity analyses</h2>\n"
        s += "<p>Each analysis is repeated in every analysis set: "
            + sets.map { Markup.html($0.comparisonLabel) }.joined(separator: "; ")
            + ". The tables below put the sets side by side; the first is the main analysis.</p>\n"
        s += outcomesTable(sets, contexts: contexts)
        s += kineticsTable(sets)
        s += forest(sets, groups: first.groups)
        return s + "</section>\n"
    }

    /// A set's name in a table header: its label, shortened, with its group sizes.
    func header(_ set: AnalysisSetResults) -> String {
        Markup.htmlShort(set.comparisonLabel, maxCharacters: 48) + "<br/>(\(set.flow.treated) vs \(set.flow.controls))"
    }

    /// One row per outcome and set: both groups' summaries, the p value and, when the results
    /// carry effect sizes, the first of them with its interval.
    func outcomesTable(_ sets: [AnalysisSetResults], contexts: [RenderContext]) -> String {
        var outcomes: [(name: String, label: String)] = []
        for set in sets {
            for m in set.outcomeMeasures where !outcomes.contains(where: { $0.name == m.name }) { outcomes.append((m.name, m.label)) }
        }
        guard !outcomes.isEmpty, let groups = contexts.first?.groups else { return "" }
        let anyEffect = sets.contains { $0.outcomeMeasures.contains { !$0.effects.isEmpty } }
        let columns = anyEffect ? 5 : 4
        var s = "<h3>Outcomes across analysis sets</h3>\n"
        s += "<table class=\"data sensitivity-outcomes\(anyEffect ? " with-effects" : "")\" id=\"sensitivity-outcomes\">\n<caption>"
            + Markup.html("Each outcome in every analysis set: n (%) or median [IQR] per group and the p value of the set's test"
                + (anyEffect ? "; the effect size (95% CI) where the analysis computed one." : "."))
            + "</caption>\n"
        s += "<colgroup><col class=\"c-label\"/><col class=\"c-group\"/><col class=\"c-group\"/><col class=\"c-p\"/>"
            + (anyEffect ? "<col class=\"c-effect\"/>" : "") + "</colgroup>\n"
        s += "<thead><tr><th scope=\"col\">Outcome and analysis set</th><th scope=\"col\" class=\"num\">\(Markup.htmlShort(groups.treated.label, maxCharacters: 40))</th>"
            + "<th scope=\"col\" class=\"num\">\(Markup.htmlShort(groups.control.label, maxCharacters: 40))</th><th scope=\"col\" class=\"num\">p value</th>"
            + (anyEffect ? "<th scope=\"col\" class=\"num\">Effect (95% CI)</th>" : "") + "</tr></thead>\n"
        for outcome in outcomes {
            s += "<tbody>\n<tr class=\"section\"><th colspan=\"\(columns)\" scope=\"rowgroup\">\(Markup.htmlShort(outcome.label, maxCharacters: 160))</th></tr>\n"
            for set in sets {
                guard let m = set.outcomeMeasures.first(where: { $0.name == outcome.name }) else { continue }
                let r = m.row
                let decimals = Table1HTML.rowDecimals(r)
                s += "<tr><th scope=\"row\">\(Markup.htmlShort(set.comparisonLabel, maxCharacters: 80)) <span class=\"muted\">(\(set.flow.treated) vs \(set.flow.controls))</span></th>"
                s += "<td class=\"num\">\(Table1HTML.cell(r.treated, kind: r.kind, decimals: decimals))</td>"
                s += "<td class=\"num\">\(Table1HTML.cell(r.control, kind: r.kind, decimals: decimals))</td>"
                s += "<td class=\"num\">\(Markup.escape(NumberFormat.pValue(r.pValue)))</td>"
                if anyEffect {
                    let effect = m.effects.first.map { ForestPlotSVG.name($0.measure) + " " + ForestPlotSVG.estimateText($0) } ?? "–"
                    s += "<td class=\"num\">\(Markup.escape(effect))</td>"
                }
                s += "</tr>\n"
            }
            s += "</tbody>\n"
        }
        return s + "</table>\n"
    }

    /// The kinetics and cytokine panels by set: the whole-window p value of each (in bold below
    /// `alpha`), and per set how many panels differ between the groups.
    func kineticsTable(_ sets: [AnalysisSetResults]) -> String {
        var panels: [(parameter: String, label: String)] = []
        for set in sets {
            for p in set.kinetics + set.cytokines where !panels.contains(where: { $0.parameter == p.parameter }) {
                panels.append((p.parameter, p.label))
            }
        }
        guard !panels.isEmpty else { return "" }
        var s = "<h3>Kinetics across analysis sets</h3>\n"
        s += "<table class=\"data sensitivity-kinetics\" id=\"sensitivity-kinetics\">\n<caption>"
            + Markup.html("Between-group difference over the whole window (p value of the time × group interaction: the mixed model's; in a weighted set the design-based Wald test under the weights) per parameter and analysis set; p < \(NumberFormat.compact(Self.alpha)) in bold.")
            + "</caption>\n<thead><tr><th scope=\"col\">Parameter</th>"
        for set in sets { s += "<th scope=\"col\" class=\"num\">\(header(set))</th>" }
        s += "</tr></thead>\n<tbody>\n"
        for panel in panels {
            s += "<tr><th scope=\"row\">\(Markup.htmlShort(panel.label, maxCharacters: 80))</th>"
            for set in sets {
                guard let shown = (set.kinetics + set.cytokines).first(where: { $0.parameter == panel.parameter }) else {
                    s += "<td class=\"num\">–</td>"
                    continue
                }
                let p = Markup.escape(NumberFormat.pValue(shown.interactionP(.overall)))
                s += Self.differs(shown) ? "<td class=\"num\"><strong>\(p)</strong></td>" : "<td class=\"num\">\(p)</td>"
            }
            s += "</tr>\n"
        }
        s += "</tbody>\n<tfoot><tr><th scope=\"row\">" + Markup.escape("Panels that differ (p < \(NumberFormat.compact(Self.alpha)))") + "</th>"
        for set in sets {
            let all = set.kinetics + set.cytokines
            s += "<td class=\"num\">\(all.filter(Self.differs).count) of \(all.count)</td>"
        }
        return s + "</tr></tfoot>\n</table>\n"
    }

    /// The forest plot of the effect sizes, or a sentence saying which effects the results hold.
    func forest(_ sets: [AnalysisSetResults], groups: GroupPalette) -> String {
        var rows: [ForestPlotSVG.Row] = []
        var outcomeOrder: [String] = []
        for set in sets {
            for m in set.outcomeMeasures where !outcomeOrder.contains(m.label) { outcomeOrder.append(m.label) }
        }
        for outcome in outcomeOrder {
            for (index, set) in sets.enumerated() {
                guard let m = set.outcomeMeasures.first(where: { $0.label == outcome }) else { continue }
                for effect in m.effects {
                    rows.append(.init(outcome: outcome, set: set.comparisonLabel, isFirstSet: index == 0, effect: effect))
                }
            }
        }
        let s = "<h3>Effect sizes across analysis sets</h3>\n"
        let drawable = rows.filter { $0.effect.estimate.isFinite }
        guard !drawable.isEmpty else {
            return s + "<p class=\"absent\" id=\"sensitivity-forest\">" + Markup.html(
                "No effect sizes: these results hold no hazard ratio, risk difference, risk ratio or odds ratio for any outcome "
                    + "in any analysis set, so there is no forest plot. The outcomes are compared above by their tests' p values.")
                + "</p>\n"
        }
        let measures = ForestPlotSVG.measures(drawable)
        let panels = measures.map { measure in
            ForestPlotSVG.render(drawable, measure: measure, id: "sensitivity-forest-" + Markup.slug(measure),
                                 treatedLabel: groups.treated.label)
        }
        var have: [String] = []
        for outcome in outcomeOrder {
            let kinds = measures.filter { measure in drawable.contains { $0.outcome == outcome && $0.effect.measure == measure } }
            if !kinds.isEmpty { have.append("\(outcome): \(kinds.map { ForestPlotSVG.name($0).lowercased() }.joined(separator: ", "))") }
        }
        let without = outcomeOrder.filter { o in !drawable.contains { $0.outcome == o } }
        var caption = "Estimates (filled circle: the main analysis; open squares: the sensitivity sets) with 95% confidence intervals of each outcome in each analysis set; "
            + "the dashed line marks no effect. Effects computed: " + have.joined(separator: "; ") + "."
        if !without.isEmpty { caption += " No effect size for " + without.joined(separator: ", ") + "." }
        let methods = Self.methodWords(drawable.map(\.effect))
        if !methods.isEmpty { caption += " Methods: " + methods.joined(separator: "; ") + " (each effect's computation in full: results.json)." }
        let notes = drawable.flatMap { r in r.effect.warnings.map { Note("\(r.outcome), \(r.set)", $0) } }
        return s + FigureHTML.figure(id: "sensitivity-forest", title: "Effect sizes across analysis sets.", caption: caption,
                                     legend: nil, panels: panels, notes: notes, cssClass: "single forest")
    }
}

extension SensitivitySection {
    /// The effects' methods in a few words per measure, naming the variants that occur (matched
    /// pairs, weights) — the full `OutcomeEffect.method` strings stay in results.json.
    static func methodWords(_ effects: [OutcomeEffect]) -> [String] {
        var words: [String] = []
        for measure in ForestPlotSVG.measureOrder {
            let methods = effects.filter { $0.measure == measure }.map(\.method)
            guard !methods.isEmpty else { continue }
            let matched = methods.contains { $0.contains("matched pair") }
            let weighted = methods.contains { $0.contains("weights") }
            switch measure {
            case "hazardRatio":
                let ties = methods.contains { $0.contains("Breslow") } ? "Breslow" : "Efron"
                var w = "hazard ratios from Cox proportional hazards models (\(ties) ties, Wald CI and p"
                if matched { w += "; robust SE clustered on the matched pair in a matched set" }
                if weighted { w += "; robust SE under the weights in a weighted set" }
                words.append(w + ")")
            case "riskDifference":
                let known = methods.allSatisfy { $0.contains("Newcombe") || $0.contains("svyglm") }
                guard known else {
                    words.append("risk differences: " + Set(methods).sorted().joined(separator: "; "))
                    continue
                }
                var w = "risk differences with Newcombe's hybrid score CI and Fisher's exact p"
                if weighted { w += " (in a weighted set: design-based SE with a t-based CI, as survey::svyglm)" }
                words.append(w)
            case "oddsRatio":
                words.append("odds ratios as Fisher's conditional maximum-likelihood estimate with its exact CI")
            case "riskRatio":
                words.append("risk ratios")
            default:
                break
            }
        }
        return words
    }
}

extension AnalysisSetResults {
    /// The set's name where sets are compared side by side: its short label, else its
    /// description (results written before short labels existed).
    var comparisonLabel: String { shortLabel ?? label }
}
