import DayZeroAnalysis

/// One part of an analysis set's chapter (flow, Table 1, a figure, …).
///
/// The report renders, for every analysis set, each section of `ReportRenderer.setSections`
/// in order. A new kind of result (e.g. the balance table of the propensity-matched set)
/// becomes a new conforming type inserted into that list; no other renderer changes.
package protocol SetSection: Sendable {
    /// HTML for `set`, or an empty string when the section does not apply to it.
    func render(_ set: AnalysisSetResults, context: RenderContext) -> String
}

/// A table column header for a group: its label (shortened past 60 characters) and its size.
func groupHeader(_ label: String, _ n: Int) -> String {
    Markup.htmlShort(label, maxCharacters: 60) + "<br/>(n = \(n))"
}

/// `<figure>` markup shared by the figure sections.
enum FigureHTML {
    static func figure(
        id: String, title: String, caption: String, legend: String?, panels: [String], notes: [Note],
        cssClass: String = "multi"
    ) -> String {
        var s = "<figure class=\"\(cssClass)\" id=\"\(id)\">\n"
        s += "<figcaption><strong>\(Markup.html(title))</strong> \(Markup.html(caption))</figcaption>\n"
        if let legend { s += "<div class=\"legend\">\(legend)</div>\n" }
        s += "<div class=\"panels\">\n"
        for panel in panels { s += "<div class=\"panel\">\(panel)</div>\n" }
        s += "</div>\n"
        s += warningList(notes)
        return s + "</figure>\n"
    }

    /// A short paragraph standing in for a figure whose data are absent, under the same id.
    static func absent(id: String, title: String, reason: String) -> String {
        "<p class=\"absent\" id=\"\(id)\"><strong>\(Markup.html(title))</strong> \(Markup.html(reason))</p>\n"
    }

    /// The window shared by all panels (`−10 to +10`), or `nil` when they differ.
    static func commonWindow(_ panels: [KineticsPanel]) -> (Int, Int)? {
        guard let first = panels.first else { return nil }
        let w = (first.firstDay, first.lastDay)
        return panels.allSatisfy({ ($0.firstDay, $0.lastDay) == w }) ? w : nil
    }

    static func kineticsCaption(_ panels: [KineticsPanel], admission: Bool, wording w: StudyWording = .icu) -> String {
        let window: String
        if let (a, b) = commonWindow(panels) {
            window = w.window(a, b)
        } else {
            window = "each panel's window (see its axis)"
        }
        let adm = admission ? "\(w.admissionValue) and " : ""
        let zero = w.aligned(0)
        let crossing = panels.contains { $0.firstDay < 0 && $0.lastDay > 0 }
        let continuous = panels.contains { $0.timeModel != nil }
        // A parameter analysed without a transform is shown as its arithmetic mean.
        let plain = panels.filter { $0.transform == "none" }.map(\.label)
        let mean: String
        if plain.isEmpty {
            mean = "Geometric mean"
        } else if plain.count == panels.count {
            mean = "Mean"
        } else {
            mean = "Geometric mean (arithmetic mean for \(plain.joined(separator: ", ")), analysed untransformed)"
        }
        return "\(mean) with 95% confidence interval per group for \(adm)\(window) around the \(w.alignmentNoun) (\(zero)). "
            + (panels.contains { $0.weighted != nil }
                ? "The means describe the patients unweighted. Differences between groups over time under the propensity-score weights: "
                    + "weighted least squares on transformed values with a \(w.period) × group interaction and a patient-clustered "
                    + "(design-based) variance, Wald F test of the interaction (survey::svyglm, regTermTest)."
                : "Differences between groups over time: linear mixed model on transformed values with a "
                    + (continuous ? "time × group interaction" : "\(w.period) × group interaction")
                    + " and the patient as random effect.")
            + " The p value under each title covers the whole window"
            + (crossing ? "; the p values on the left and right cover the \(w.periods) up to \(zero) and from \(zero) on." : ".")
            + " Log-scaled axes are marked."
            + (panels.contains { $0.days.contains { $0.n > 1 && $0.n < KineticsPanelSVG.minimumForScale } }
                ? " The axes are scaled on the days with at least \(KineticsPanelSVG.minimumForScale) patients in a group; wider intervals are clipped at the edge."
                : "")
    }

    /// A p-value underflow of model terms the report does not show (the intercept, the main
    /// effects): only the time × group interaction is tested and printed, so such a note would
    /// speak of a number the reader never sees. It stays in `results.json`.
    static func concernsUnshownTermsOnly(_ warning: String) -> Bool {
        let marker = "p-value below the smallest positive double (reported as 0) for: "
        guard let range = warning.range(of: marker) else { return false }
        let terms = warning[range.upperBound...].split(separator: ",").map { String($0).trimmingCharactersInWhitespace() }
        return !terms.contains { $0.contains(":") }
    }

    static func panelNotes(_ panels: [KineticsPanel]) -> [Note] {
        var notes: [Note] = []
        for panel in panels {
            let tests = [panel.overall, panel.pre, panel.post].compactMap { $0 }
            for w in panel.warnings + tests.flatMap(\.warnings) where !concernsUnshownTermsOnly(w) {
                notes.append(Note(panel.label, w))
            }
        }
        return notes
    }
}

struct FlowSection: SetSection {
    func render(_ set: AnalysisSetResults, context: RenderContext) -> String {
        let id = context.id("flow")
        let svg = FlowDiagramSVG.render(set.flow, id: context.id("flow", "diagram"), groups: context.groups, wording: context.options.wording)
        var notes: [Note] = []
        if let note = FlowDiagramSVG.reconciliationNote(set.flow) { notes.append(Note(note)) }
        var caption = "Screened patients, exclusions in the order the rules apply, and the groups compared."
        if let day = set.flow.controlAlignmentDay {
            caption += " Controls are aligned on \(context.options.wording.anchorPeriod(day))"
                + (context.options.controlAlignment?.reason(context.options.wording) ?? "") + "."
        }
        return "<h3>Patient flow</h3>\n"
            + FigureHTML.figure(id: id, title: "Patient flow.", caption: caption, legend: nil, panels: [svg], notes: notes,
                                cssClass: "single flow")
    }
}

struct Table1Section: SetSection {
    func render(_ set: AnalysisSetResults, context: RenderContext) -> String {
        let id = context.id("table1")
        let caption = "Patient characteristics at \(context.options.wording.admission) and on the \(context.options.wording.alignmentNoun). "
            + "Data are n (%) or median [IQR]; the letter after each p value names its test under the table."
        return "<h3>Table 1</h3>\n"
            + Table1HTML.render(
                sections: DisplayUnits.table1(set.table1.sections, options: context.options), id: id, caption: caption,
                treatedHeader: groupHeader(context.groups.treated.label, set.flow.treated),
                controlHeader: groupHeader(context.groups.control.label, set.flow.controls))
    }
}

struct CytokineSection: SetSection {
    func render(_ set: AnalysisSetResults, context: RenderContext) -> String {
        guard !set.cytokines.isEmpty || !context.leftOut.contains(.cytokines) else { return "" }
        let title = context.cite("Circulating cytokines", "Fig. 1")
        let figureID = context.id("fig", "cytokines")
        guard !set.cytokines.isEmpty else {
            return "<h3>Cytokines</h3>\n" + FigureHTML.absent(id: figureID, title: title, reason: "No cytokine data in this analysis set.")
        }
        let panels = set.cytokines.map { panel in
            KineticsPanelSVG.render(DisplayUnits.panel(panel, options: context.options), id: context.id("fig", "cytokine", panel.parameter),
                                    groups: context.groups, wording: context.options.wording)
        }
        let seen = Set(set.cytokines.flatMap { ($0.days + $0.admission).map(\.group) })
        let legend = Legend.svg(context.groups.present(seen), id: nil)
        let admission = set.cytokines.contains { !$0.admission.isEmpty }
        return "<h3>Cytokines</h3>\n"
            + FigureHTML.figure(id: figureID, title: title, caption: FigureHTML.kineticsCaption(set.cytokines, admission: admission, wording: context.options.wording),
                                legend: legend, panels: panels, notes: FigureHTML.panelNotes(set.cytokines))
    }
}

struct ProteomicsSection: SetSection {
    func render(_ set: AnalysisSetResults, context: RenderContext) -> String {
        guard set.proteomics.map({ !$0.groups.isEmpty }) == true || !context.leftOut.contains(.proteomics) else { return "" }
        let id = context.id("volcano")
        let title = context.cite("Proteomics inflammation panel", "Fig. 2a")
        guard let volcano = set.proteomics, !volcano.groups.isEmpty else {
            return "<h3>Proteomics</h3>\n" + FigureHTML.absent(id: id, title: title, reason: "No proteomics data in this analysis set.")
        }
        let entries = context.groups.present(Set(volcano.groups.map(\.group)))
        var panels: [String] = []
        for entry in entries {
            guard let group = volcano.groups.first(where: { $0.group == entry.key }) else { continue }
            panels.append(VolcanoSVG.render(volcano, group: group, entry: entry, id: context.id("volcano", entry.key)))
        }
        let assays = volcano.groups.map(\.points.count).max() ?? 0
        let caption = "Per group, the mean fold change of each of \(assays) assays after versus before day 0 (x; a fold change "
            + "below 1 is shown as its negative reciprocal) against −log10 of the paired t test p value (y). Dashed lines: "
            + "|fold change| = \(NumberFormat.compact(abs(volcano.relevanceFoldChange))) (relevance) and p = "
            + "\(NumberFormat.compact(volcano.significanceP)) (Bonferroni). Filled points are relevant changes."
        return "<h3>Proteomics</h3>\n"
            + FigureHTML.figure(id: id, title: title, caption: caption, legend: nil, panels: panels, notes: volcano.warnings.map { Note($0) })
            + VolcanoSVG.table(volcano, entries: entries, id: context.id("volcano", "table"))
    }
}

struct KineticsSection: SetSection {
    let group: KineticsGroup

    func render(_ set: AnalysisSetResults, context: RenderContext) -> String {
        let split = KineticsGroup.split(set.kinetics, sections: context.options.kineticsSections)
        guard let panels = split.first(where: { $0.0 == group })?.1, !panels.isEmpty else { return "" }
        let (heading, title, figureSlug): (String, String, String)
        switch group {
        case .inflammation:
            (heading, title, figureSlug) = ("Inflammation parameters", context.cite("Kinetics of inflammatory parameters", "Fig. 2b–f"), "inflammation")
        case .sofa:
            (heading, title, figureSlug) = ("Organ function (SOFA)", context.cite("SOFA components and total SOFA score", "Fig. 3"), "sofa")
        case .other:
            if let custom = context.options.otherParametersTitle {
                (heading, title, figureSlug) = (custom, "Kinetics: \(custom).", "other")
            } else {
                (heading, title, figureSlug) = ("Other parameters", "Kinetics of other parameters.", "other")
            }
        }
        let figureID = context.id("fig", figureSlug)
        let svgs = panels.map {
            KineticsPanelSVG.render(DisplayUnits.panel($0, options: context.options), id: context.id("fig", "kinetics", $0.parameter),
                                    groups: context.groups, wording: context.options.wording)
        }
        let seen = Set(panels.flatMap { ($0.days + $0.admission).map(\.group) })
        let legend = Legend.svg(context.groups.present(seen), id: nil)
        let admission = panels.contains { !$0.admission.isEmpty }
        return "<h3>\(Markup.html(heading))</h3>\n"
            + FigureHTML.figure(id: figureID, title: title, caption: FigureHTML.kineticsCaption(panels, admission: admission, wording: context.options.wording),
                                legend: legend, panels: svgs, notes: FigureHTML.panelNotes(panels))
    }
}

struct MedicationSection: SetSection {
    func render(_ set: AnalysisSetResults, context: RenderContext) -> String {
        guard !set.medication.isEmpty || !context.leftOut.contains(.medication) else { return "" }
        let id = context.id("medication")
        let title = context.cite("Medication use", "Additional File 4, Fig. 2")
        guard !set.medication.isEmpty else {
            return "<h3>Medication</h3>\n" + FigureHTML.absent(id: id, title: title, reason: "No medication data in this analysis set.")
        }
        let charts = MedicationSVG.panels(set.medication, id: { context.id("medication", $0) }, groups: context.groups)
        let legend = Legend.svg([context.groups.treated, context.groups.control], id: nil, bars: true, patternPrefix: id)
        let caption = "Percentage of patients per group who received each drug before and after day 0; p from Fisher's exact test."
        return "<h3>Medication</h3>\n"
            + FigureHTML.figure(id: id, title: title, caption: caption, legend: legend, panels: charts, notes: [])
            + MedicationSVG.table(set.medication, id: context.id("medication", "table"), groups: context.groups)
    }
}

struct OutcomesSection: SetSection {
    func render(_ set: AnalysisSetResults, context: RenderContext) -> String {
        renderMeasures(set.outcomeMeasures, set: set, context: context)
    }

    /// "n (%) or median [IQR]", or the one the rows use.
    static func summaryWords(_ measures: [OutcomeMeasureResult]) -> String {
        let counts = measures.contains { $0.row.kind != .continuous }
        let medians = measures.contains { $0.row.kind == .continuous }
        return counts && medians ? "n (%) or median [IQR]" : (medians ? "median [IQR]" : "n (%)")
    }

    /// The tests the rows used, in a fixed order: "Gray's test", "the log-rank test or Fisher's
    /// exact test", ….
    static func testWords(_ measures: [OutcomeMeasureResult]) -> String {
        let used = Set(measures.compactMap(\.row.test))
        let names = [("log-rank", "the log-rank test"), ("gray", "Gray's test"), ("fisher", "Fisher's exact test"),
                     ("mann-whitney", "the Mann–Whitney U test")].filter { used.contains($0.0) }.map(\.1)
        guard let last = names.last else { return "no test (none could be computed)" }
        return names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " or " + last
    }

    /// What the methods section says of one declared outcome.
    static func methodsSentence(_ m: OutcomeMeasureResult) -> String {
        let within = "within \(horizonWords(m.horizonDays))"
        switch m.kind {
        case "time_to_event":
            if let c = m.cumulativeIncidence {
                return "\(m.label): time to \(ReadableNotes.eventWords(c.event)) \(within), with \(ReadableNotes.eventWords(c.competing)) as a competing event; cumulative incidence by the Aalen–Johansen estimator, compared with Gray's test; \(c.censoring)."
            }
            let censoring = m.survival?.censoring ?? ""
            return "\(m.label): time to \(m.survival?.event ?? "the event") \(within); Kaplan–Meier estimates compared with the log-rank test; \(censoring)."
        case "binary":
            return "\(m.label): whether the event happened \(within), compared with Fisher's exact test; a patient censored earlier without the event is counted as missing."
        case "free_days":
            return "\(m.label): days alive and free of support from day 0 to day \(m.horizonDays) (death within the horizon counts as 0), compared with the Mann–Whitney U test."
        default:
            return "\(m.label): days from day 0 (at most \(m.horizonDays + 1)), compared with the Mann–Whitney U test; Kaplan–Meier curves with the log-rank test."
        }
    }

    /// A horizon in days, with whole years beside it when it is a year or more and within a
    /// hundredth of a whole number of years of 365.25 days: "28 days", "3650 days (10 years)",
    /// "1826 days (5 years)", "365 days (1 year)".
    static func horizonWords(_ days: Int) -> String {
        let years = Double(days) / 365.25
        let whole = years.rounded()
        guard days >= 365, whole >= 1, abs(years - whole) < 0.01 else { return "\(days) days" }
        return "\(days) days (\(Int(whole)) year\(whole == 1 ? "" : "s"))"
    }

    /// The declared outcomes: one table of their rows, then a panel per curve (Kaplan–Meier or
    /// cumulative incidence).
    func renderMeasures(_ measures: [OutcomeMeasureResult], set: AnalysisSetResults, context: RenderContext) -> String {
        guard !measures.isEmpty else { return "" }
        var s = "<h3>Outcomes</h3>\n"
        let horizons = Set(measures.map(\.horizonDays))
        let within = horizons.count == 1
            ? "in the \(Self.horizonWords(horizons.first ?? 0)) after the alignment day" : "after the alignment day (horizon per outcome)"
        s += Table1HTML.render(
            sections: [Table1.Section(title: "", rows: measures.map(\.row))], id: context.id("outcomes", "table"),
            caption: "Outcomes \(within): \(Self.summaryWords(measures)); the letter after each p value names its test under the table (see the methods).",
            treatedHeader: groupHeader(context.groups.treated.label, set.flow.treated),
            controlHeader: groupHeader(context.groups.control.label, set.flow.controls))
        s += OutcomeEffectsHTML.render(measures, id: context.id("outcome-effects", "table"), weighted: set.weighting != nil, matched: set.matching != nil)
        var panels: [String] = []
        var notes: [Note] = []
        var seen: Set<String> = []
        for m in measures {
            if let curve = m.survival {
                panels.append(SurvivalSVG.render(curve, title: m.label, id: context.id("km", m.name), groups: context.groups,
                                                 options: context.options.survivalFigure, yLabel: context.options.survivalFigure.yLabels[m.name]))
                seen.formUnion(curve.curves.map(\.group))
                if !curve.censoring.isEmpty { notes.append(Note(m.label, curve.censoring)) }
                for left in curve.leftOut {
                    let why = FlowLabels.text(left).lowercasedFirstWord
                    notes.append(Note(m.label, "\(left.count) patient\(left.count == 1 ? "" : "s") left out: \(why)"))
                }
                for w in curve.warnings { if let text = context.readable(w) { notes.append(Note(m.label, text)) } }
            }
            if let curve = m.cumulativeIncidence {
                panels.append(SurvivalSVG.render(curve, title: m.label, id: context.id("cif", m.name), groups: context.groups,
                                                 options: context.options.survivalFigure, yLabel: context.options.survivalFigure.yLabels[m.name]))
                seen.formUnion(curve.curves.map(\.group))
                notes.append(Note(m.label, curve.censoring))
                for w in curve.warnings {
                    if let text = context.readable(w, causes: (curve.event, curve.competing)) { notes.append(Note(m.label, text)) }
                }
            }
        }
        guard !panels.isEmpty else { return s }
        let legend = Legend.svg(context.groups.present(seen), id: nil)
        var kinds: [String] = []
        if measures.contains(where: { $0.survival != nil }) { kinds.append("Kaplan–Meier curves (p from the log-rank test)") }
        if measures.contains(where: { $0.cumulativeIncidence != nil }) {
            kinds.append("cumulative incidence curves with a competing event (Aalen–Johansen; p from Gray's test)")
        }
        let caption = kinds.joined(separator: " and ").capitalizedFirst
            + ", with the numbers at risk under each time axis. Ticks mark censored patients"
            + (context.options.survivalFigure.confidenceBands ? "; shaded bands are pointwise 95% confidence intervals" : "")
            + (context.options.survivalFigure.medianLines ? "; dashed lines mark the median times" : "") + "."
        s += FigureHTML.figure(
            id: context.id("fig", "outcomes"), title: context.cite("Outcomes", "Fig. 4"), caption: caption, legend: legend, panels: panels,
            notes: notes)
        return s
    }
}
