import DayZeroAnalysis

/// The methods section and the provenance block.
///
/// The methods text is assembled from what the results say was done (windows, transforms,
/// thresholds, censoring rules, alignment day) and from the options (protocol name and text,
/// extra notes), with one row per method naming its R equivalent from
/// `Provenance.referenceImplementations`.
enum MethodsHTML {
    static func methods(_ results: StudyResults, options: ReportOptions, leftOut: Set<LeftOutSection> = []) -> String {
        let p = results.provenance
        var s = "<section id=\"methods\" class=\"methods\">\n<h2>Methods</h2>\n"
        s += "<p>All tables and figures were computed by \(Markup.html(p.tool)) \(Markup.html(p.toolVersion))"
        if let name = options.protocolName {
            s += " under the protocol <q>\(Markup.html(name))</q>"
        }
        s += ". Each statistic is checked against the R function listed below.</p>\n"

        if let main = results.analysisSets.first {
            s += "<ul class=\"method-list\">\n"
            for sentence in sentences(main, allSets: results.analysisSets, options: options) {
                s += "<li>\(sentence)</li>\n"
            }
            s += "</ul>\n"
        }
        for section in LeftOutSection.allCases where leftOut.contains(section) {
            s += "<p class=\"left-out\">\(Markup.html(leftOutLine(section, scope: options.protocolScope)))</p>\n"
        }
        for note in options.methodNotes {
            s += "<p>\(Markup.html(note))</p>\n"
        }

        s += "<table class=\"data methods-table\" id=\"methods-table\">\n<caption>Methods and their R equivalents.</caption>\n"
        s += "<colgroup><col class=\"c-method\"/><col class=\"c-r\"/><col class=\"c-use\"/></colgroup>\n"
        s += "<thead><tr><th scope=\"col\">Method</th><th scope=\"col\">R equivalent</th><th scope=\"col\">Used for</th></tr></thead>\n<tbody>\n"
        let methods = p.referenceImplementations.keys.sorted()
        if methods.isEmpty {
            s += "<tr><td colspan=\"3\">No reference implementations were recorded in the results.</td></tr>\n"
        }
        for method in methods {
            let r = p.referenceImplementations[method] ?? ""
            let use = options.methodDescriptions[method] ?? ""
            s += "<tr><th scope=\"row\">\(Markup.html(method))</th><td><code>\(Markup.html(r))</code></td><td>\(Markup.html(use))</td></tr>\n"
        }
        s += "</tbody></table>\n"

        if let text = options.protocolText {
            s += "<h3>Protocol as applied</h3>\n" + protocolTable(text)
        }
        return s + "</section>\n"
    }

    /// The protocol as a table of settings (`ProtocolAppendix`), one group of rows per section;
    /// the text itself when it cannot be read as block-style YAML.
    static func protocolTable(_ text: String) -> String {
        let rows = ProtocolAppendix.rows(text)
        guard !rows.isEmpty else { return "<pre class=\"protocol\">\(Markup.escape(text))</pre>\n" }
        var s = "<table class=\"data protocol-table\" id=\"protocol-table\">\n<caption>"
            + Markup.html("The protocol as applied, setting by setting (names in words, units as text, numbers as written). "
                + "dayzero report writes the protocol file itself beside the report as protocol.yaml.")
            + "</caption>\n<colgroup><col class=\"c-setting\"/><col class=\"c-value\"/></colgroup>\n"
            + "<thead><tr><th scope=\"col\">Setting</th><th scope=\"col\">Value</th></tr></thead>\n"
        var section: String?
        for row in rows {
            if row.section != section {
                if section != nil { s += "</tbody>\n" }
                section = row.section
                s += "<tbody>\n<tr class=\"section\"><th colspan=\"2\" scope=\"rowgroup\">\(Markup.htmlShort(row.section, maxCharacters: 160))</th></tr>\n"
            }
            s += "<tr><th scope=\"row\">\(Markup.htmlShort(row.setting, maxCharacters: 160))</th><td>\(Markup.html(row.value))</td></tr>\n"
        }
        if section != nil { s += "</tbody>\n" }
        return s + "</table>\n"
    }

    /// The one line saying why a section is not in the report: the protocol does not
    /// configure it, or the study has no data for it.
    static func leftOutLine(_ section: LeftOutSection, scope: ProtocolScope?) -> String {
        switch section {
        case .cytokines:
            return scope?.cytokineParameters == false
                ? "Cytokines: not in this report; the protocol analyses no cytokine parameters."
                : "Cytokines: not in this report; the study has no cytokine data."
        case .proteomics:
            return "Proteomics: not in this report; the study has no proteomics data."
        case .sofa:
            return scope?.sofa == false
                ? "Organ function (SOFA): not in this report; the protocol defines no SOFA score."
                : "Organ function (SOFA): not in this report; no SOFA score or SOFA input has data among the analysed parameters."
        case .medication:
            return scope?.medicationDrugs == false
                ? "Medication: not in this report; the protocol lists no medication drugs."
                : "Medication: not in this report; the study has no medication data for the listed drugs."
        }
    }

    /// Sentences (as HTML) describing what the results of the first (main) set show was done.
    /// Fixed wording is ours; every part that comes from the results is escaped and isolated
    /// on its own.
    static func sentences(_ set: AnalysisSetResults, allSets: [AnalysisSetResults], options: ReportOptions = ReportOptions()) -> [String] {
        func h(_ text: String) -> String { Markup.html(text) }
        var out: [String] = []
        if let day = set.flow.controlAlignmentDay {
            let rule = options.controlAlignment
            let w = options.wording
            var text = "Treated patients are aligned on \(w.treatedAlignment); controls on \(w.anchorPeriod(day))\(rule?.reason(w) ?? "")."
            if rule?.excludesControlsNotInICU == true { text += " " + w.controlsGoneSentence }
            out.append(h(text))
        }
        let categorical = set.table1.sections.contains { $0.rows.contains { $0.kind == .categorical } }
        out.append(h("Table 1: counts as n (%) compared with Fisher's exact test; "
            + (categorical ? "categories as n (%) per level compared with Pearson's χ² test without continuity correction, or Fisher's exact test when an expected count is below 5; " : "")
            + "continuous characteristics as median [IQR] compared with the Mann–Whitney U test."))
        let panels = set.kinetics + set.cytokines
        if !panels.isEmpty {
            var byTransform: [String: [String]] = [:]
            for panel in panels { byTransform[panel.transform, default: []].append(panel.label) }
            let transforms = byTransform.keys.sorted().map { t in
                h(t) + " for " + (byTransform[t] ?? []).map { h($0) }.joined(separator: ", ")
            }
            let what = set.cytokines.isEmpty ? "Kinetics" : (set.kinetics.isEmpty ? "Cytokines" : "Kinetics and cytokines")
            let w = options.wording
            let models = Set(panels.map(\.timeModel))
            let interaction = models == [nil]
                ? "a \(w.period) × group interaction (each \(w.period) a level)"
                : "a time × group interaction"
            let mean = panels.allSatisfy { $0.transform == "none" } ? "the mean"
                : (panels.contains { $0.transform == "none" } ? "the geometric mean (the mean when untransformed)" : "the geometric mean")
            out.append(h("\(what): per group and \(w.period) \(mean) with its 95% confidence interval; between-group differences over time from a linear mixed model with \(interaction) and a random intercept per patient, fitted on transformed values (")
                + transforms.joined(separator: "; ")
                + h("), tested with a type III F test with Satterthwaite degrees of freedom over the whole window"
                    + (panels.contains { $0.firstDay < 0 && $0.lastDay > 0 } ? " and over the \(w.periods) before and after \(w.aligned(0))." : ".")))
            if models != [nil] { out.append(h(timeModelSentence(models, wording: w))) }
            if let rule = options.timeAxisRule { out.append(h(rule)) }
        }
        if let v = set.proteomics {
            out.append(h("Proteomics: per group and assay the mean paired difference after versus before day 0 on the log2 (NPX) scale, shown as a signed fold change, with a paired t test; relevance at |fold change| ≥ \(NumberFormat.compact(abs(v.relevanceFoldChange))), significance after Bonferroni correction at p < \(NumberFormat.compact(v.significanceP))."))
        }
        if !set.medication.isEmpty {
            out.append(h("Medication: the share of patients receiving each drug per period, compared with Fisher's exact test."))
        }
        if !set.outcomeMeasures.isEmpty {
            out.append(h("Outcomes, measured from the start of day 0: ") + set.outcomeMeasures.map { h(OutcomesSection.methodsSentence($0)) }.joined(separator: " "))
        }
        if allSets.count > 1 {
            out.append(h("Every analysis is repeated for each analysis set: ") + allSets.map { h($0.label) }.joined(separator: "; ") + ".")
        }
        return out
    }

    /// How time enters the mixed models, from the panels' `timeModel` (`nil` = categorical,
    /// `linear`, `spline(knots: …)`), with the lmerTest formula each matches.
    static func timeModelSentence(_ models: Set<String?>, wording w: StudyWording) -> String {
        var parts: [String] = []
        if models.contains(nil) { parts.append("as categories (each \(w.period) a level: value ~ factor(time) * group + (1 | patient))") }
        if models.contains("linear") { parts.append("as a linear covariate (value ~ time * group + (1 | patient), 1 df)") }
        let splines = models.compactMap { $0 }.filter { $0.hasPrefix("spline") }.sorted()
        if !splines.isEmpty {
            let knots = splines.map { String($0.dropFirst("spline(".count).dropLast($0.hasSuffix(")") ? 1 : 0)) }.joined(separator: "; ")
            parts.append("as a natural cubic spline with the window's ends as boundary knots and interior knots in \(w.periods) (\(knots)): "
                + "value ~ splines::ns(time, knots, Boundary.knots) * group + (1 | patient), the interaction with knots + 1 df")
        }
        return "Time (in \(w.periods) from \(w.aligned(0))) enters the mixed models " + parts.joined(separator: "; ")
            + "; fitted by REML as lmerTest::lmer, the interaction tested by anova(type = 3, ddf = \"Satterthwaite\")."
    }

    static func provenance(_ p: Provenance, schemaVersion: Int) -> String {
        var s = "<section id=\"provenance\" class=\"provenance\">\n<h2>Provenance</h2>\n<dl>\n"
        s += "<dt>Tool</dt><dd>\(Markup.html(p.tool)) \(Markup.html(p.toolVersion))</dd>\n"
        s += "<dt>Results schema version</dt><dd>\(schemaVersion)</dd>\n"
        s += "<dt>Input (SHA-256)</dt><dd><code>\(Markup.escape(p.inputHash))</code></dd>\n"
        s += "<dt>Protocol (SHA-256)</dt><dd><code>\(Markup.escape(p.protocolHash))</code></dd>\n"
        s += "<dt>Seed</dt><dd>\(p.seed.map { String($0) } ?? "none (input not generated by DayZero)")</dd>\n"
        s += "</dl>\n<p>Running the same version on the same input and protocol reproduces this report byte for byte.</p>\n</section>\n"
        return s
    }
}
