import DayZeroAnalysis

/// Everything a section renderer needs for one analysis set: the options, the id prefix of the
/// set, the document-wide id registry and the group styles.
package struct RenderContext {
    package let options: ReportOptions
    /// `set-<slug of the set id>`, unique in the document.
    package let setPrefix: String
    package let ids: IDRegistry
    package let groups: GroupPalette
    /// The sections left out of every chapter (no set has their data; the methods say so).
    package var leftOut: Set<LeftOutSection> = []

    package init(options: ReportOptions, setPrefix: String, ids: IDRegistry, groups: GroupPalette) {
        self.options = options
        self.setPrefix = setPrefix
        self.ids = ids
        self.groups = groups
    }

    /// `text` followed by ` (cf. <reference>)` when the report cites the paper's figures.
    package func cite(_ text: String, _ reference: String) -> String {
        options.paperFigureReferences ? "\(text) (cf. \(reference))." : "\(text)."
    }

    /// A note in words (`ReadableNotes.text`), a group name at its start shown as the group's
    /// label; `nil` when the reader should not see it.
    package func readable(_ warning: String, causes: (event: String, competing: String)? = nil) -> String? {
        let options = self.options
        return ReadableNotes.text(warning, groupLabel: { options.label(forGroup: $0) }, causes: causes)
    }

    /// A document-unique id `<setPrefix>-<suffix>`; `suffix` is slugged part by part.
    package func id(_ parts: String...) -> String {
        ids.unique(([setPrefix] + parts.map(Markup.slug)).joined(separator: "-"))
    }

    /// A context for `set` with the group names seen anywhere in its results, in order.
    package static func make(for set: AnalysisSetResults, options: ReportOptions, ids: IDRegistry) -> RenderContext {
        var seen: [String] = []
        func note(_ g: String) { if !seen.contains(g) { seen.append(g) } }
        for panel in set.kinetics + set.cytokines {
            for s in panel.admission + panel.days { note(s.group) }
        }
        for g in set.proteomics?.groups ?? [] { note(g.group) }
        for m in set.outcomeMeasures {
            for c in m.survival?.curves ?? [] { note(c.group) }
            for c in m.cumulativeIncidence?.curves ?? [] { note(c.group) }
        }
        let prefix = ids.unique("set-" + Markup.slug(set.id))
        return RenderContext(options: options, setPrefix: prefix, ids: ids, groups: GroupPalette(options: options, seen: seen))
    }
}

/// A note under a figure or table: an optional subject (e.g. the panel's label) and the text.
/// Both are user text and are escaped and isolated separately, so a right-to-left subject
/// cannot pull the text around it out of order.
struct Note: Equatable {
    var subject: String?
    var text: String

    init(_ text: String) {
        subject = nil
        self.text = text
    }

    init(_ subject: String, _ text: String) {
        self.subject = subject
        self.text = text
    }

    var html: String {
        (subject.map { Markup.html($0) + ": " } ?? "") + Markup.html(text)
    }
}

/// HTML for a list of notes under a figure or table; empty when there are none. Each note's
/// text is put in words (`ReadableNotes.text`; notes the reader should not see are dropped),
/// and repeated notes are shown once.
func warningList(_ notes: [Note], heading: String = "Notes") -> String {
    let readable = notes.compactMap { note -> Note? in
        guard let text = ReadableNotes.text(note.text) else { return nil }
        var shown = note
        shown.text = text
        return shown
    }
    let unique = readable.reduce(into: [Note]()) { acc, n in if !acc.contains(n) { acc.append(n) } }
    guard !unique.isEmpty else { return "" }
    var s = "<div class=\"notes\"><p class=\"notes-title\">\(Markup.escape(heading))</p><ul>"
    for n in unique { s += "<li>\(n.html)</li>" }
    return s + "</ul></div>\n"
}

/// A section that is left out of the whole report when no analysis set has its data, with one
/// line in the methods saying so (`ReportRenderer.leftOutSections`).
package enum LeftOutSection: String, CaseIterable, Sendable {
    case cytokines, proteomics, sofa, medication
}
