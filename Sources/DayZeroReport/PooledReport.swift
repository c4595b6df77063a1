import DayZeroAnalysis

/// The HTML report of `dayzero pool`: the pooled results drawn with the report's own figure and
/// table components (kinetics panels with the pooled mixed-model p values, Kaplan–Meier panels
/// with the log-rank test, the Fisher tables, the volcano), and a section saying what was
/// pooled exactly and what is not available, and why.
public enum PooledReport {
    public static func html(_ results: PooledResults, options: ReportOptions = ReportOptions(title: "DayZero pooled multi-site report")) -> String {
        var options = options
        if let g = results.groups, options.groupLabels.isEmpty {
            options.groupLabels = [options.treatedGroup: g.treated, options.controlGroup: g.control]
        }
        let palette = GroupPalette(options: options, seen: [])
        let treatedLabel = palette.treated.label
        let controlLabel = palette.control.label
        var body: [String] = []
        let e = Markup.escape
        body.append("<h1>\(e(options.title))</h1>")
        let p = results.provenance
        body.append("<p>Pooled from \(p.sites.count) site summaries (\(p.sites.map { e($0.site) }.joined(separator: ", "))) by DayZero \(e(p.toolVersion)); protocol SHA-256 <code>\(e(p.protocolHash))</code>. Disclosure: \(p.settings.disclosure == .masked ? "masked (secure aggregation: only network totals were readable)" : "plain, minimum cell count \(p.settings.minCellCount)").</p>")
        body.append("<section><h2>What was pooled, and how exactly</h2><ul>")
        body.append("<li>Pooled exactly (equal to the analysis of all sites' patient rows, to 1e-8 relative): the mixed-model F tests of day × group (whole window, before and after day 0; Satterthwaite df, type III) from per-subject-size sums; the geometric means with their 95% CIs from n, Σ log y, Σ (log y)²; Kaplan–Meier curves, Greenwood limits and the log-rank test from events and censorings per time slot; Fisher's exact tests from 2 × 2 counts; Table 1's binary and categorical characteristics (n (%), Fisher's exact or the χ² test) from counts per level; the proteomics paired t tests from per-assay sums of the differences.</li>")
        body.append("<li>Survival times are counted on a grid of \(p.settings.timeSlotsPerDay == 1 ? "1 slot" : "\(p.settings.timeSlotsPerDay) slots") per day; the pooled curves are exact for times on that grid.</li>")
        if results.options.siteStratifiedLogRank { body.append("<li>Option: site-stratified log-rank test (each site's observed, expected and variance sums added).</li>") }
        if results.options.siteEffect { body.append("<li>Option: mixed models with a site fixed effect (factor(day) * group + site).</li>") }
        body.append("</ul>")
        body.append(notAvailableTable(results))
        for w in results.warnings { body.append("<p class=\"note\">\(e(w))</p>") }
        body.append("</section>")
        for set in results.sets {
            let heading = set.label.hasSuffix(".") ? String(set.label.dropLast()) : set.label
            body.append("<section><h2>\(e(heading))</h2>")
            if let t = set.treated, let c = set.controls {
                body.append("<p>Over all sites: \(t) patient\(t == 1 ? "" : "s") in the \(e(treatedLabel)) group and \(c) in the \(e(controlLabel)) group.</p>")
            }
            if let table1 = set.table1, let t = set.treated, let c = set.controls {
                body.append("<h3>Table 1 (binary and categorical characteristics)</h3>")
                body.append(Table1HTML.render(
                    sections: table1.sections, id: "pooled-\(set.id)-table1",
                    caption: "Baseline characteristics over all sites, pooled exactly from each site's counts: n (%) per group; the letter after each p value names its test under the table. Medians and IQRs of the continuous characteristics are site-level only (see \"Not available\").",
                    treatedHeader: groupHeader(treatedLabel, t), controlHeader: groupHeader(controlLabel, c)))
            }
            let panels = set.kinetics + set.cytokines
            for (kind, group) in [("kinetics", set.kinetics), ("cytokines", set.cytokines)] where !group.isEmpty {
                let svgs = group.map { panel in
                    KineticsPanelSVG.render(panel, id: "pooled-\(set.id)-\(kind)-\(panel.parameter)", groups: palette)
                }
                let seen = Set(group.flatMap { ($0.days + $0.admission).map(\.group) })
                body.append("<h3>\(kind == "kinetics" ? "Clinical parameters" : "Cytokines") (pooled mixed models)</h3>")
                body.append(FigureHTML.figure(
                    id: "pooled-\(set.id)-\(kind)", title: kind == "kinetics" ? "Kinetics, all sites." : "Cytokines, all sites.",
                    caption: FigureHTML.kineticsCaption(group, admission: group.contains { !$0.admission.isEmpty })
                        + " The p values are the pooled mixed models' (Satterthwaite df, type III), equal to the analysis of all sites' patient rows.",
                    legend: Legend.svg(palette.present(seen), id: nil), panels: svgs, notes: []))
                let notes = group.flatMap { p in p.warnings.map { "\(p.label): \($0)" } }
                if !notes.isEmpty { body.append("<ul class=\"notes\">" + notes.map { "<li>\(e($0))</li>" }.joined() + "</ul>") }
            }
            if !set.siteAdjustedKinetics.isEmpty {
                body.append("<h3>Mixed models with a site effect</h3><table><thead><tr><th>Parameter</th><th>Whole window</th><th>Before day 0</th><th>After day 0</th></tr></thead><tbody>")
                for a in set.siteAdjustedKinetics {
                    func cell(_ t: InteractionTest?) -> String {
                        guard let t else { return "<td>n/a</td>" }
                        return "<td>F = \(NumberFormat.significant(t.fStatistic, digits: 3)) on \(Int(t.numeratorDF)) and \(NumberFormat.significant(t.denominatorDF, digits: 4)) df, p = \(NumberFormat.pValue(t.pValue))</td>"
                    }
                    let label = panels.first { $0.parameter == a.parameter }?.label ?? a.parameter
                    body.append("<tr><td>\(e(label))</td>\(cell(a.overall))\(cell(a.pre))\(cell(a.post))</tr>")
                }
                body.append("</tbody></table>")
            }
            if !set.survival.isEmpty {
                body.append("<h3>Outcomes: Kaplan–Meier curves and log-rank tests</h3>")
                var panels: [String] = []
                var seen: Set<String> = []
                var lines: [String] = []
                var missing: [String] = []
                for (k, s) in set.survival.enumerated() {
                    if let c = s.comparison {
                        panels.append(SurvivalSVG.render(c, title: s.label, id: "pooled-\(set.id)-survival-\(k)", groups: palette))
                        seen.formUnion(c.curves.map(\.group))
                    }
                    if let st = s.stratifiedLogRank {
                        lines.append("\(e(s.label)): site-stratified log-rank χ² = \(NumberFormat.significant(st.chiSquare, digits: 3)) on \(st.df) df, p = \(NumberFormat.pValue(st.pValue)).")
                    }
                    if let why = s.notAvailable { missing.append("<li>\(e(s.label)): not available — \(e(why)).</li>") }
                }
                if !panels.isEmpty {
                    body.append(FigureHTML.figure(
                        id: "pooled-\(set.id)-outcomes", title: "Outcomes, all sites.",
                        caption: "Kaplan–Meier curves (p from the log-rank test), with the numbers at risk under each time axis; ticks mark censored patients. Pooled from each site's events and censorings per time slot: equal to the curves of all sites' patients.",
                        legend: Legend.svg(palette.present(seen), id: nil), panels: panels, notes: []))
                }
                if !lines.isEmpty { body.append("<p>" + lines.joined(separator: "<br/>") + "</p>") }
                if !missing.isEmpty { body.append("<ul class=\"notes\">" + missing.joined() + "</ul>") }
            }
            if !set.binary.isEmpty || !set.medication.isEmpty {
                func share(_ k: Int, _ n: Int) -> String { n > 0 ? "\(k)/\(n) (\(Int((100 * Double(k) / Double(n)).rounded()))%)" : "\(k)/\(n)" }
                body.append("<h3>Counts and Fisher's exact tests</h3><table><caption>Patients with the outcome or the drug among those with a known status, per group, over all sites; p from Fisher's exact test of the pooled 2 × 2 table.</caption><thead><tr><th></th><th>\(e(treatedLabel))</th><th>\(e(controlLabel))</th><th>p</th></tr></thead><tbody>")
                for b in set.binary {
                    if let row = b.row {
                        func g(_ s: Table1.GroupSummary) -> String { share(s.count ?? 0, s.n) + (s.missing > 0 ? "; \(s.missing) unknown" : "") }
                        body.append("<tr><td>\(e(b.label))</td><td>\(g(row.treated))</td><td>\(g(row.control))</td><td>\(NumberFormat.pValue(row.pValue))</td></tr>")
                    } else {
                        body.append("<tr><td>\(e(b.label))</td><td colspan=\"3\">not available: \(e(b.notAvailable ?? ""))</td></tr>")
                    }
                }
                for m in set.medication {
                    body.append("<tr><td>\(e(m.drug.prefix(1).uppercased() + m.drug.dropFirst())), \(e(m.period)) day 0</td><td>\(share(m.treatedUsers, m.treatedTotal))</td><td>\(share(m.controlUsers, m.controlTotal))</td><td>\(NumberFormat.pValue(m.pValue))</td></tr>")
                }
                body.append("</tbody></table>")
            }
            if let v = set.proteomics {
                body.append("<h3>Proteomics (pooled paired t tests)</h3><div class=\"panels\">")
                for (g, group) in v.groups.enumerated() {
                    guard let entry = palette.entries.first(where: { $0.key == group.group }) ?? palette.entries.first else { continue }
                    body.append(VolcanoSVG.render(v, group: group, entry: entry, id: "pooled-\(set.id)-volcano-\(g)"))
                }
                body.append("</div>")
            }
            body.append("</section>")
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"/><title>\(e(options.title))</title><style>\(Stylesheet.css)</style></head>
            <body>
            \(body.joined(separator: "\n"))
            </body></html>

            """
    }

    /// "Not available in the pooled analysis" as a table: the statistic, the analysis sets it
    /// concerns (by label; "every set" when all), why it is not pooled, and what to do. Items
    /// that repeat for every set are one row.
    static func notAvailableTable(_ results: PooledResults) -> String {
        let e = Markup.escape
        func bare(_ label: String) -> String { label.hasSuffix(".") ? String(label.dropLast()) : label }
        struct Row { var items: [String]; var reason: String; var remedy: String; var sets: [String] }
        let wholeSet = "Every statistic of the set"
        var rows: [Row] = results.notPoolable.map { Row(items: [wholeSet], reason: $0.reason, remedy: $0.remedy ?? "", sets: [bare($0.item)]) }
        // One row per statistic with the sets it concerns, then statistics of one kind
        // ("Proteomics: IL8", "Proteomics: VEGFA") with the same reason and sets in one row.
        var perItem: [Row] = []
        for set in results.sets {
            for n in set.notAvailable {
                if let i = perItem.firstIndex(where: { $0.items == [n.item] && $0.reason == n.reason && $0.remedy == (n.remedy ?? "") }) {
                    perItem[i].sets.append(bare(set.label))
                } else {
                    perItem.append(Row(items: [n.item], reason: n.reason, remedy: n.remedy ?? "", sets: [bare(set.label)]))
                }
            }
        }
        func kind(_ item: String) -> String? { item.range(of: ": ").map { String(item[..<$0.lowerBound]) } }
        for row in perItem {
            if let k = kind(row.items[0]),
               let i = rows.firstIndex(where: { $0.items[0] != wholeSet && kind($0.items[0]) == k && $0.reason == row.reason && $0.remedy == row.remedy && $0.sets == row.sets }) {
                rows[i].items.append(row.items[0])
            } else {
                rows.append(row)
            }
        }
        guard !rows.isEmpty else { return "<h3>Not available in the pooled analysis</h3><p>Nothing: every statistic of the summaries was pooled.</p>" }
        let perSet = results.sets.count
        var out = "<h3>Not available in the pooled analysis</h3><table class=\"not-available\"><colgroup><col style=\"width:24%\"/><col style=\"width:20%\"/><col style=\"width:28%\"/><col style=\"width:28%\"/></colgroup><thead><tr><th>Statistic</th><th>Analysis set</th><th>Why it is not pooled</th><th>What to do</th></tr></thead><tbody>"
        for r in rows {
            var statistic = r.items[0]
            if r.items.count > 1, let k = kind(r.items[0]) {
                let names = r.items.map { String($0.dropFirst(k.count + 2)) }
                statistic = "\(k): " + (names.count > 8 ? names.prefix(8).joined(separator: ", ") + " and \(names.count - 8) more" : names.joined(separator: ", "))
            }
            let sets = perSet > 1 && r.sets.count == perSet && r.items[0] != wholeSet ? "all \(perSet) pooled sets" : r.sets.map(e).joined(separator: "; ")
            out += "<tr><td>\(e(statistic.prefix(1).uppercased() + statistic.dropFirst()))</td><td>\(sets)</td><td>\(e(r.reason))</td><td>\(e(r.remedy))</td></tr>"
        }
        return out + "</tbody></table>"
    }
}
