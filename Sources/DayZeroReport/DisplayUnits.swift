import DayZeroAnalysis
import DayZeroCohort

/// Showing parameters in the protocol's `display_unit`: the results stay in canonical units,
/// and the report converts each shown number with the unit's `UnitConversion` (all accepted
/// units increase with the canonical value, so medians, quartiles and confidence bounds map to
/// medians, quartiles and bounds). P values do not change.
package enum DisplayUnits {
    /// `panel` with its statistics and unit in the display unit of its parameter, if any.
    package static func panel(_ panel: KineticsPanel, options: ReportOptions) -> KineticsPanel {
        guard let conversion = options.displayUnits[panel.parameter] else { return panel }
        var p = panel
        p.unit = conversion.unit
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
        guard !options.displayUnits.isEmpty else { return sections }
        return sections.map { section in
            var section = section
            section.rows = section.rows.map { row in
                guard row.kind == .continuous, let dot = row.id.firstIndex(of: "."),
                      ["admission", "alignment"].contains(String(row.id[..<dot])),
                      let conversion = options.displayUnits[String(row.id[row.id.index(after: dot)...])]
                else { return row }
                var row = row
                row.unit = conversion.unit
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
}
