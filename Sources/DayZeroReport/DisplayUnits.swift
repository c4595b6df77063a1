import DayZeroAnalysis
import DayZeroCohort

/// Showing parameters in the protocol's `display_unit`: the results stay in canonical units,
/// and the report converts each shown number with the unit's `UnitConversion` (all accepted
/// units increase with the canonical value, so medians, quartiles and confidence bounds map to
/// medians, quartiles and bounds). P values do not change.
package enum DisplayUnits {
    /// `panel` with its statistics and unit in the display unit of its parameter, if any.
    package static func panel(_ panel: KineticsPanel, options: ReportOptions) -> KineticsPanel {
        guard let conversion = options.displayUnits[panel.parameter] else {
            var p = panel
            p.unit = typeset(panel.unit)
            return p
        }
        var p = panel
        p.unit = typeset(conversion.unit)
        func convert(_ s: DayGroupStatistic) -> DayGroupStatistic {
            var s = s
            s.geometricMean = s.geometricMean.map(conversion.fromCanonical)
            s.lower = s.lower.map(conversion.fromCanonical)
            s.upper = s.upper.map(conversion.fromCanonical)
            return s
        }
        p.days = panel.days.map(convert)
        p.admission = panel.admission.map(convert)
        return p
    }

    /// Table 1 sections with the parameter rows (`admission.<name>`, `alignment.<name>`) in
    /// their parameters' display units.
    package static func table1(_ sections: [Table1.Section], options: ReportOptions) -> [Table1.Section] {
        sections.map { section in
            var section = section
            section.rows = section.rows.map { row in
                guard row.kind == .continuous, let dot = row.id.firstIndex(of: "."),
                      ["admission", "alignment"].contains(String(row.id[..<dot])),
                      let conversion = options.displayUnits[String(row.id[row.id.index(after: dot)...])]
                else {
                    var row = row
                    row.unit = row.unit.map(typeset)
                    return row
                }
                var row = row
                row.unit = typeset(conversion.unit)
                func convert(_ g: Table1.GroupSummary) -> Table1.GroupSummary {
                    var g = g
                    g.median = g.median.map(conversion.fromCanonical)
                    g.q1 = g.q1.map(conversion.fromCanonical)
                    g.q3 = g.q3.map(conversion.fromCanonical)
                    return g
                }
                row.treated = convert(row.treated)
                row.control = convert(row.control)
                return row
            }
            return section
        }
    }

    /// A unit as a manuscript prints it: the data format's ASCII powers `^N` become
    /// superscripts, and a unit that starts with a power of ten gets the multiplication sign:
    /// "10^9/L" → "×10⁹/L", "10^3/mm^3" → "×10³/mm³", "mL/min/1.73m^2" → "mL/min/1.73m²". A "^"
    /// not followed by a whole number is kept as written.
    package static func typeset(_ unit: String) -> String {
        guard unit.contains("^") else { return unit }
        var out = ""
        var rest = Substring(unit)
        while let caret = rest.firstIndex(of: "^") {
            out += rest[..<caret]
            var digits = rest[rest.index(after: caret)...]
            let negative = digits.first == "-" || digits.first == "−"
            if negative { digits = digits.dropFirst() }
            let number = digits.prefix { $0.isASCII && $0.isNumber }
            guard !number.isEmpty, let n = Int(number) else {
                out.append("^")
                rest = rest[rest.index(after: caret)...]
                continue
            }
            out += NumberFormat.superscript(negative ? -n : n)
            rest = digits.dropFirst(number.count)
        }
        out += rest
        return out.hasPrefix("10") && unit.hasPrefix("10^") ? "×" + out : out
    }
}
