import DayZeroAnalysis

/// Renders `StudyResults` as one self-contained HTML document.
///
/// The document has inline CSS and inline SVG only: no scripts, no external fonts, images or
/// style sheets, and no URL of any kind, so it opens offline and prints to PDF (each analysis
/// set starts on a new page; figures, panels and tables are kept whole). Nothing is computed
/// here beyond layout: every number shown comes from the results, formatted by the rules in
/// `docs/report.md`. The same results and options always give byte-identical output (no
/// clock, no randomness, dictionaries read in sorted order). Every element id is stable and
/// listed in `docs/report.md`.
public struct ReportRenderer: Sendable {
    /// The sections of each analysis set's chapter, in order.
    package let setSections: [any SetSection]

    public init() {
        setSections = [
            FlowSection(),
            Table1Section(),
            BalanceSection(),
            WeightingSection(),
            CytokineSection(),
            ProteomicsSection(),
            KineticsSection(group: .inflammation),
            KineticsSection(group: .sofa),
            KineticsSection(group: .other),
            MedicationSection(),
            OutcomesSection(),
        ]
    }

    /// The complete HTML document for `results`.
    public func render(_ results: StudyResults, options: ReportOptions = ReportOptions(), robustness: RobustnessResults? = nil) -> String {
        render(results, options: options, exports: false, robustness: robustness)
    }

    /// The HTML document with the files that go beside it: every figure as a standalone SVG
    /// (`figures/fig-<id>.svg`), every table as CSV (`tables/<id>.csv`) and, when the options
    /// hold the protocol text, `protocol.yaml`; the document lists them in its last section.
    /// With `robustness` (`dayzero robustness`'s results), the report has a robustness section
    /// with the specification curves after the sensitivity analyses.
    public func document(_ results: StudyResults, options: ReportOptions = ReportOptions(), robustness: RobustnessResults? = nil) -> ReportDocument {
        let html = render(results, options: options, exports: true, robustness: robustness)
        var files = FigureExport.figures(in: html) + FigureExport.tables(in: html)
        if let text = options.protocolText {
            files.append(FigureExport.File(path: "protocol.yaml", content: text, id: "protocol", title: "The protocol as applied"))
        }
        for a in options.attachments {
            files.append(FigureExport.File(path: a.path, content: a.content, id: a.path, title: a.title))
        }
        let listing = Self.exportListing(files)
        return ReportDocument(
            html: html.replacingOccurrences(of: Self.exportsPlaceholder, with: listing),
            files: files.map { ReportDocument.File(path: $0.path, content: $0.content) })
    }

    static let exportsPlaceholder = "<!-- exports -->\n"

    /// The section listing the files beside the report, by folder.
    static func exportListing(_ files: [FigureExport.File]) -> String {
        var s = "<section id=\"exports\" class=\"exports\">\n<h2>Figures and tables as files</h2>\n"
        s += "<p>Beside this report, each figure is a standalone SVG (174 mm wide, generic fonts) and each table a CSV file "
            + "(comma-separated, UTF-8), named by the element's id in this report.</p>\n<ul class=\"file-list\">\n"
        for file in files {
            s += "<li><code>\(Markup.escape(file.path))</code> \(Markup.html(file.title))</li>\n"
        }
        return s + "</ul>\n</section>\n"
    }

    func render(_ results: StudyResults, options: ReportOptions, exports: Bool, robustness: RobustnessResults? = nil) -> String {
        let ids = IDRegistry()
        for reserved in ["contents", "methods", "methods-table", "provenance", "report-header", "sensitivity", "sensitivity-outcomes",
                         "sensitivity-kinetics", "sensitivity-forest", "protocol-table", "exports", "robustness"] { _ = ids.unique(reserved) }
        let leftOut = Self.leftOutSections(results, options: options)
        let contexts = results.analysisSets.map { set in
            var context = RenderContext.make(for: set, options: options, ids: ids)
            context.leftOut = leftOut
            return context
        }

        var html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        html += "<meta name=\"generator\" content=\"\(Markup.escape(results.provenance.tool)) \(Markup.escape(results.provenance.toolVersion))\"/>\n"
        html += "<title>\(Markup.escape(options.title))</title>\n<style>\n\(Stylesheet.css)</style>\n</head>\n<body>\n"
        html += header(results, options: options)
        html += contents(results, contexts: contexts, exports: exports, robustness: robustness != nil)
        for (set, context) in zip(results.analysisSets, contexts) {
            html += "<section class=\"analysis-set\" id=\"\(context.setPrefix)\">\n"
            if let short = set.shortLabel, short != set.label {
                html += "<h2>\(Markup.html(short))</h2>\n<p class=\"set-description\">\(Markup.html(set.label))</p>\n"
            } else {
                html += "<h2>\(Markup.html(set.label))</h2>\n"
            }
            html += warningList(set.warnings.map { Note($0) }, heading: "Warnings for this analysis set")
            for section in setSections {
                html += section.render(set, context: context)
            }
            html += "</section>\n"
        }
        html += SensitivitySection().render(results, contexts: contexts, options: options)
        if let robustness { html += RobustnessSection().render(robustness, ids: ids) }
        html += MethodsHTML.methods(results, options: options, leftOut: leftOut)
        html += MethodsHTML.provenance(results.provenance, schemaVersion: results.schemaVersion)
        if exports { html += Self.exportsPlaceholder }
        html += "</body>\n</html>\n"
        return html
    }

    /// The sections no analysis set has data for: left out of every chapter, with one line in
    /// the methods. A section that only some sets lack stays, with a line saying so in those sets.
    static func leftOutSections(_ results: StudyResults, options: ReportOptions) -> Set<LeftOutSection> {
        let sets = results.analysisSets
        guard !sets.isEmpty else { return [] }
        var out: Set<LeftOutSection> = []
        if sets.allSatisfy({ $0.cytokines.isEmpty }) { out.insert(.cytokines) }
        if sets.allSatisfy({ ($0.proteomics?.groups ?? []).isEmpty }) { out.insert(.proteomics) }
        if sets.allSatisfy({ $0.medication.isEmpty }) { out.insert(.medication) }
        let hasSOFA = sets.contains { set in
            KineticsGroup.split(set.kinetics, sections: options.kineticsSections).contains { $0.0 == .sofa && !$0.1.isEmpty }
        }
        if !hasSOFA { out.insert(.sofa) }
        return out
    }

    func header(_ results: StudyResults, options: ReportOptions) -> String {
        var s = "<header id=\"report-header\">\n<h1>\(Markup.html(options.title))</h1>\n"
        if let study = options.studyName { s += "<p class=\"study\">\(Markup.html(study))</p>\n" }
        s += "<p class=\"byline\">Generated by \(Markup.html(results.provenance.tool)) \(Markup.html(results.provenance.toolVersion))"
        s += " from input <code>\(Markup.escape(String(results.provenance.inputHash.prefix(12))))</code>"
        s += " and protocol <code>\(Markup.escape(String(results.provenance.protocolHash.prefix(12))))</code>."
        s += " Full provenance at the end of the report.</p>\n</header>\n"
        return s
    }

    func contents(_ results: StudyResults, contexts: [RenderContext], exports: Bool = false, robustness: Bool = false) -> String {
        var s = "<nav id=\"contents\">\n<h2>Contents</h2>\n<ol>\n"
        for (set, context) in zip(results.analysisSets, contexts) {
            let title = set.shortLabel.map { $0 == set.label ? $0 : "\($0): \(set.label)" } ?? set.label
            s += "<li><a href=\"#\(context.setPrefix)\">\(Markup.htmlShort(title, maxCharacters: 120))</a>"
            s += " <span class=\"muted\">(\(set.flow.treated) \(short(context.groups.treated.label)), "
            s += "\(set.flow.controls) \(short(context.groups.control.label)))</span></li>\n"
        }
        if results.analysisSets.count > 1 { s += "<li><a href=\"#sensitivity\">Sensitivity analyses</a></li>\n" }
        if robustness { s += "<li><a href=\"#robustness\">Robustness: specification curve</a></li>\n" }
        s += "<li><a href=\"#methods\">Methods</a></li>\n<li><a href=\"#provenance\">Provenance</a></li>\n"
        if exports { s += "<li><a href=\"#exports\">Figures and tables as files</a></li>\n" }
        s += "</ol>\n</nav>\n"
        return s
    }
}

/// A group label inside the contents line: the default labels in lower case, long ones shortened.
private func short(_ label: String) -> String {
    Markup.htmlShort(label == "Treated" || label == "Control" ? label.lowercased() : label, maxCharacters: 40)
}

extension String {
    /// The default labels "Treated"/"Control" read better in lower case inside a sentence;
    /// user-chosen labels are kept as written.
    func lowercasedIfPlain() -> String {
        self == "Treated" || self == "Control" ? lowercased() : self
    }
}

/// A rendered report and the files that go beside it (`ReportRenderer.document`).
public struct ReportDocument: Sendable, Equatable {
    /// A file beside `report.html`: its path relative to the report folder and its text.
    public struct File: Sendable, Equatable {
        public var path: String
        public var content: String
    }

    public var html: String
    public var files: [File]
}
