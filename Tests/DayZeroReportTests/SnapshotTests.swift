import DayZeroAnalysis
import DayZeroCohort
import DayZeroReport
import Testing

/// Byte-for-byte snapshots of one figure of each kind, rendered from the fixture's main set.
/// Re-record with `DAYZERO_RECORD_SNAPSHOTS=1 swift test --filter DayZeroReportTests` (that run
/// fails on purpose); review the files under `__Snapshots__/` before committing them.
@Suite("Snapshots")
struct SnapshotTests {
    let set = StudyResultsFixture.make().analysisSets[0]
    let groups = GroupPalette(options: ReportOptions(), seen: ["treated", "control"])

    @Test("flow diagram")
    func flow() {
        assertSnapshot(FlowDiagramSVG.render(set.flow, id: "snapshot-flow", groups: groups), named: "flow.svg")
    }

    @Test("Table 1 HTML")
    func table1() {
        let html = Table1HTML.render(sections: set.table1.sections, id: "snapshot-table1", caption: "Table 1",
                                     treatedHeader: "Treated<br/>(n = 21)", controlHeader: "Control<br/>(n = 39)")
        assertSnapshot(html, named: "table1.html")
    }

    @Test("kinetics panel (linear axis) and cytokine panel (log axis, admission value)")
    func kinetics() throws {
        let temperature = try #require(set.kinetics.first { $0.parameter == "temperature" })
        assertSnapshot(KineticsPanelSVG.render(temperature, id: "snapshot-temperature", groups: groups), named: "kinetics-temperature.svg")
        let il1ra = try #require(set.cytokines.first { $0.parameter == "il1ra" })
        assertSnapshot(KineticsPanelSVG.render(il1ra, id: "snapshot-il1ra", groups: groups), named: "cytokine-il1ra.svg")
    }

    @Test("kinetics panel in a display unit: bilirubin converted from µmol/L to mg/dL")
    func kineticsDisplayUnit() throws {
        let bilirubin = try #require(set.kinetics.first { $0.parameter == "bilirubin" })
        var options = ReportOptions()
        options.displayUnits = ["bilirubin": UnitConversion("mg/dL", factor: 17.104)]
        let shown = DisplayUnits.panel(bilirubin, options: options)
        #expect(shown.unit == "mg/dL")
        assertSnapshot(KineticsPanelSVG.render(shown, id: "snapshot-bilirubin", groups: groups), named: "kinetics-bilirubin-mgdl.svg")
    }

    @Test("volcano plot")
    func volcano() throws {
        let volcano = try #require(set.proteomics)
        let svg = VolcanoSVG.render(volcano, group: volcano.groups[0], entry: groups.treated, id: "snapshot-volcano")
        assertSnapshot(svg, named: "volcano-treated.svg")
    }

    @Test("Kaplan–Meier panel with numbers at risk")
    func survival() throws {
        let svg = SurvivalSVG.render(try #require(set.outcomeMeasures[4].survival), title: "Mortality", id: "snapshot-km", groups: groups)
        assertSnapshot(svg, named: "km-mortality.svg")
    }

    @Test("a changed figure fails its snapshot (the comparison can fail)")
    func mismatchIsReported() {
        let svg = FlowDiagramSVG.render(set.flow, id: "snapshot-flow", groups: groups)
        withKnownIssue("the flow diagram with one count changed must not match the baseline") {
            assertSnapshot(svg.replacingOccurrences(of: "n = 78", with: "n = 79"), named: "flow.svg")
        }
    }

    @Test("medication bars: one panel per drug, as the paper's three panels")
    func medication() throws {
        let panels = MedicationSVG.panels(set.medication, id: { "snapshot-medication-\($0.lowercased())" }, groups: groups)
        #expect(panels.count == 3)
        assertSnapshot(try #require(panels.first), named: "medication.svg")
    }

    @Test("Love plot")
    func lovePlot() throws {
        let balance = try StudyResultsFixture.balance()
        let labels = ["distance": "Propensity score", "age": "Age", "sex_male": "Sex, male", "bmi": "Body mass index"]
        let svg = LovePlotSVG.render(balance, id: "snapshot-love", labels: { labels[$0] ?? $0 })
        assertSnapshot(svg, named: "love-plot.svg")
    }
}
