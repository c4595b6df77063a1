import DayZeroAnalysis

/// The patient flow diagram: screened patients down a central spine, each exclusion branching
/// off to the right in the order the rules apply, then the included patients splitting into
/// the treated and control groups. Counts come from `FlowResults` as they are; the renderer
/// only adds them up to say, under the diagram, when they do not reconcile.
package enum FlowDiagramSVG {
    static let width = 540.0
    static let spineX = 140.0
    static let mainWidth = 210.0
    static let sideX = 292.0
    static let sideWidth = 236.0
    static let fontSize = 11.0
    static let lineHeight = 14.0

    package static func render(_ flow: FlowResults, id: String, groups: GroupPalette, wording: StudyWording = .icu) -> String {
        var body = SVGCanvas(width: width, height: 0)
        var y = 8.0

        func box(x: Double, y: Double, width w: Double, lines: [String], bold: Bool, tooltip: String?) -> Double {
            let h = Double(lines.count) * lineHeight + 12
            body.rect(x: x, y: y, width: w, height: h, fill: "#fff", stroke: "#333", strokeWidth: 1.1, radius: 3)
            for (i, line) in lines.enumerated() {
                body.text(line, x: x + w / 2, y: y + 6 + lineHeight * Double(i + 1) - 3, size: fontSize, anchor: .middle,
                          bold: bold && i == lines.count - 1, maxWidth: w - 10, tooltip: i == 0 ? tooltip : nil)
            }
            return h
        }
        func arrowDown(_ x: Double, from y1: Double, to y2: Double) {
            body.line(x, y1, x, y2 - 5, stroke: "#333", width: 1.1)
            body.raw("<path d=\"M\(NumberFormat.coordinate(x - 4)) \(NumberFormat.coordinate(y2 - 6)) L\(NumberFormat.coordinate(x + 4)) \(NumberFormat.coordinate(y2 - 6)) L\(NumberFormat.coordinate(x)) \(NumberFormat.coordinate(y2)) Z\" fill=\"#333\"/>")
        }
        func arrowRight(from x1: Double, to x2: Double, at y: Double) {
            body.line(x1, y, x2 - 5, y, stroke: "#333", width: 1.1)
            body.raw("<path d=\"M\(NumberFormat.coordinate(x2 - 6)) \(NumberFormat.coordinate(y - 4)) L\(NumberFormat.coordinate(x2 - 6)) \(NumberFormat.coordinate(y + 4)) L\(NumberFormat.coordinate(x2)) \(NumberFormat.coordinate(y)) Z\" fill=\"#333\"/>")
        }

        let screenedHeight = box(x: spineX - mainWidth / 2, y: y, width: mainWidth,
                                 lines: ["Patients screened", "n = \(NumberFormat.count(flow.screened))"], bold: true, tooltip: nil)
        y += screenedHeight
        let spineTop = y
        // The flow's own steps (no ICU course; controls gone before day 0) are drawn only when
        // they exclude someone; the protocol's exclusion rules are always drawn, with their n.
        for step in flow.exclusions where step.count > 0 || !Self.builtInSteps.contains(step.reason) {
            let reason = FlowLabels.text(step)
            let wrapped = TextMetrics.wrap(reason, maxWidth: sideWidth - 16, fontSize: fontSize, maxLines: 3)
            let lines = ["Excluded: n = \(NumberFormat.count(step.count))"] + wrapped.lines
            let h = Double(lines.count) * lineHeight + 12
            let top = y + 14
            var sideLines = lines
            sideLines.removeFirst()
            // Count line first (bold), then the reason.
            body.rect(x: sideX, y: top, width: sideWidth, height: h, fill: "#f7f7f7", stroke: "#555", strokeWidth: 1, radius: 3)
            body.text(lines[0], x: sideX + 8, y: top + 6 + lineHeight - 3, size: fontSize, bold: true, maxWidth: sideWidth - 16)
            for (i, line) in sideLines.enumerated() {
                body.text(line, x: sideX + 8, y: top + 6 + lineHeight * Double(i + 2) - 3, size: fontSize, maxWidth: sideWidth - 16,
                          tooltip: i == 0 && wrapped.truncated ? reason : nil)
            }
            arrowRight(from: spineX, to: sideX, at: top + h / 2)
            y = top + h
        }
        y += 18
        arrowDown(spineX, from: spineTop, to: y)
        let included = flow.treated + flow.controls
        let includedHeight = box(x: spineX - mainWidth / 2, y: y, width: mainWidth,
                                 lines: ["Included in this analysis set", "n = \(NumberFormat.count(included))"], bold: true, tooltip: nil)
        y += includedHeight
        // Split into the two groups.
        let branchY = y + 14
        let leftX = spineX, rightX = sideX + sideWidth / 2
        body.line(spineX, y, spineX, branchY, stroke: "#333", width: 1.1)
        body.line(leftX, branchY, rightX, branchY, stroke: "#333", width: 1.1)
        let groupTop = branchY + 16
        arrowDown(leftX, from: branchY, to: groupTop)
        arrowDown(rightX, from: branchY, to: groupTop)
        let treatedLines = [groups.treated.label, "n = \(NumberFormat.count(flow.treated))"]
        var controlLines = [groups.control.label, "n = \(NumberFormat.count(flow.controls))"]
        if let day = flow.controlAlignmentDay {
            controlLines.insert("aligned on \(wording.anchorPeriodShort(day))", at: 1)
        }
        let h1 = box(x: leftX - 115, y: groupTop, width: 230, lines: treatedLines, bold: true, tooltip: groups.treated.label)
        let h2 = box(x: rightX - 115, y: groupTop, width: 230, lines: controlLines, bold: true, tooltip: groups.control.label)
        body.height = groupTop + max(h1, h2) + 8
        return body.svg(id: id, label: "Patient flow diagram")
    }

    /// The flow steps DayZero adds to the protocol's exclusion rules.
    static let builtInSteps: Set<String> = ["no_icu_course", "not_in_icu_on_alignment_day"]

    /// A sentence when screened − exclusions ≠ treated + controls, else `nil`.
    package static func reconciliationNote(_ flow: FlowResults) -> String? {
        let remaining = flow.screened - flow.exclusions.reduce(0) { $0 + $1.count }
        let included = flow.treated + flow.controls
        guard remaining != included else { return nil }
        return "The counts do not reconcile: \(flow.screened) screened minus \(flow.screened - remaining) excluded leaves \(remaining), but the groups hold \(included) patients."
    }
}

/// What a reader is shown for a flow step or a patient left out of an outcome: the protocol's
/// label when the results carry one, the words of DayZero's own steps, else the machine name
/// with its underscores and hyphens as spaces (never the raw code).
package enum FlowLabels {
    /// DayZero's own reasons, by their machine names.
    static let words: [String: String] = [
        "no_icu_course": "No ICU course recorded",
        "not_in_icu_on_alignment_day": "Controls no longer in the ICU on the alignment day",
        "not_matched": "Not matched",
        "met_exclude_if": "Met the set's exclusion rule",
        "failed_include_if": "Did not meet the set's inclusion rule",
        "extubated_before_day_0": "No longer ventilated on the alignment day (extubated before day 0)",
        "never_ventilated": "Never mechanically ventilated",
        "started_after_day_0": "Mechanical ventilation started after day 0",
        "ventilated_on_day_0": "Ventilated on day 0",
    ]

    package static func text(_ step: FlowResults.Step) -> String {
        if let label = step.label?.trimmingCharactersInWhitespace(), !label.isEmpty { return label }
        return text(reason: step.reason)
    }

    /// The words for a reason code; a set's own step (`<set>: <reason>`) by its reason.
    package static func text(reason: String) -> String {
        let own = reason.split(separator: ":", maxSplits: 1).last.map { String($0).trimmingCharactersInWhitespace() } ?? reason
        return words[own] ?? words[reason] ?? humanize(own)
    }

    /// `consent_refused` → "Consent refused".
    package static func humanize(_ code: String) -> String {
        let spaced = code.map { $0 == "_" ? " " : String($0) }.joined()
        return spaced.trimmingCharactersInWhitespace().capitalizedFirst
    }
}
