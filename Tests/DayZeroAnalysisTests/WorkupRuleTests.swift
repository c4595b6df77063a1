@testable import DayZeroAnalysis
import DayZeroCohort
import DayZeroSynth
import Testing

/// Rules of the workup that the bundled cohort alone does not exercise.
@Suite struct WorkupRuleTests {
    static let cohort = try? CohortDerivation.derive(SyntheticCohort.default, protocol: .paperDefault)

    @Test func aWindowWithoutDayZeroHasNoBeforeAndAfterTests() throws {
        var p = StudyProtocol.paperDefault
        let k = try #require(p.parameters.firstIndex { $0.name == "temperature" })
        p.parameters[k].window = DayWindow(3, 6)
        let analysis = try StudyAnalysis(study: SyntheticCohort.default, protocol: p)
        let main = try #require(analysis.results.analysisSets.first)
        let panel = try #require(main.kinetics.first { $0.parameter == "temperature" })
        #expect(panel.overall?.firstDay == 3 && panel.overall?.lastDay == 6)
        #expect(panel.pre == nil && panel.post == nil)
        // No part before or after day 0 exists by design: nothing failed, so nothing is noted.
        #expect(!panel.warnings.contains { $0.contains("before day 0") || $0.contains("after day 0") })
        #expect(panel.days.map(\.day).min() == 3)
    }

    @Test func volcanoLinesComeFromTheProtocol() throws {
        var p = StudyProtocol.paperDefault
        p.analysisSets = [AnalysisSetRule(name: "main")]
        let paper = try StudyAnalysis(study: SyntheticCohort.default, protocol: p)
        let volcano = try #require(paper.results.analysisSets.first?.proteomics)
        #expect(volcano.significanceP == 0.000625 && volcano.relevanceFoldChange == 2)
        p.proteomicsSettings = ProteomicsSettings(relevanceFoldChange: 1.5, significanceP: 0.01)
        let other = try StudyAnalysis(study: SyntheticCohort.default, protocol: p)
        let changed = try #require(other.results.analysisSets.first?.proteomics)
        #expect(changed.significanceP == 0.01 && changed.relevanceFoldChange == 1.5)
    }

    @Test func csvFieldsWithLineBreaksAndQuotesAreQuoted() {
        var csv = CSVText(header: ["a", "b"])
        csv.add(["x\r\ny", "say \"hi\", then"])
        csv.add(["plain", "12.5"])
        #expect(csv.text == "a,b\n\"x\r\ny\",\"say \"\"hi\"\", then\"\nplain,12.5\n")
    }
}
