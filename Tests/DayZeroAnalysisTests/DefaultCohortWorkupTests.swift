import DayZeroAnalysis
import DayZeroCohort
import DayZeroSynth
import Foundation
import Testing

/// The workup of the bundled synthetic cohort: counts and count-only p-values equal the
/// paper's printed values, every analysis is present, and the output is deterministic.
@Suite struct DefaultCohortWorkupTests {
    static let analysis: StudyAnalysis? = try? StudyAnalysis(
        study: SyntheticCohort.default, protocol: .paperDefault, seed: SyntheticCohort.defaultSeed)

    func mainSet() throws -> AnalysisSetResults {
        let analysis = try #require(Self.analysis)
        return try #require(analysis.results.analysisSets.first { $0.id == "main" })
    }

    func row(_ set: AnalysisSetResults, _ id: String) throws -> Table1.Row {
        try #require(set.table1.sections.flatMap(\.rows).first { $0.id == id }, "no Table 1 row \(id)")
    }

    @Test func flowMatchesThePaper() throws {
        let main = try mainSet()
        #expect(main.flow.screened == 78)
        #expect(main.flow.treated == 21)
        #expect(main.flow.controls == 39)
        #expect(main.flow.controlAlignmentDay == 12)
        let byReason = Dictionary(uniqueKeysWithValues: main.flow.exclusions.map { ($0.reason, $0.count) })
        #expect(byReason["immunocompromised"] == 9)
        #expect(byReason["consent_refused"] == 1)
        #expect(byReason["not_in_icu_on_alignment_day"] == 8)
    }

    /// Fisher p-values that depend only on counts, as printed in the paper (2 significant digits).
    @Test(arguments: [
        ("sex_male", 14, 33, 0.19), ("history.copd", 0, 5, 0.15), ("history.diabetes_mellitus", 7, 7, 0.21),
        ("history.hypertension", 8, 22, 0.28), ("history.cardiovascular_insufficiency", 4, 10, 0.75),
        ("history.metastatic_neoplasm", 2, 2, 0.61), ("history.hematologic_malignancy", 1, 0, 0.35),
        ("history.respiratory_insufficiency", 1, 2, 1.0), ("history.renal_insufficiency", 0, 1, 1.0),
        ("history.immunological_insufficiency", 0, 1, 1.0),
    ])
    func countRowsMatchThePaper(id: String, treated: Int, control: Int, paperP: Double) throws {
        let r = try row(try mainSet(), id)
        #expect(r.treated.count == treated)
        #expect(r.control.count == control)
        #expect(r.treated.n == 21 && r.control.n == 39)
        let p = try #require(r.pValue)
        #expect(abs(p - paperP) < 0.005 || (paperP == 1 && p == 1), "\(id): p = \(p), paper \(paperP)")
    }

    @Test func outcomeCountsMatchThePaper() throws {
        let measures = try mainSet().outcomeMeasures
        #expect(measures.map(\.name) == ["secondary_infection", "ventilation_days", "icu_los", "mortality", "death"])
        func measure(_ name: String) throws -> OutcomeMeasureResult { try #require(measures.first { $0.name == name }) }
        let infection = try measure("secondary_infection").row
        #expect(infection.treated.count == 7)
        #expect(infection.control.count == 9)
        let p = try #require(infection.pValue)
        #expect(abs(p - 0.54) < 0.005, "secondary infection p = \(p)")
        let mortality = try measure("mortality").row
        #expect(mortality.treated.count == 4)
        #expect(mortality.control.count == 7)
        let death = try #require(try measure("death").survival)
        #expect(death.curves.map(\.events) == [4, 7])
        #expect(death.logRankP != nil)
        #expect(try measure("ventilation_days").survival?.logRankP != nil)
        #expect(try measure("icu_los").survival?.logRankP != nil)
        #expect(death.curves.allSatisfy { $0.atRisk.count == 5 && $0.atRisk.first == $0.patients })
    }

    @Test func everyAnalysisIsPresent() throws {
        let main = try mainSet()
        let kinetics = Set(main.kinetics.map(\.parameter))
        for p in ["temperature", "ferritin", "procalcitonin", "wbc", "crp", "creatinine", "bilirubin", "platelets", "pf_ratio", "norepinephrine", "sofa"] {
            #expect(kinetics.contains(p), "kinetics panel \(p) missing")
        }
        #expect(Set(main.cytokines.map(\.parameter)) == ["tnf_alpha", "il6", "il8", "il10", "ip10", "mcp1", "il1ra"])
        for panel in main.kinetics + main.cytokines {
            #expect(panel.overall != nil && panel.pre != nil && panel.post != nil, "\(panel.parameter): \(panel.warnings)")
        }
        for panel in main.cytokines { #expect(panel.admission.count == 2, "\(panel.parameter) admission values") }
        let volcano = try #require(main.proteomics)
        #expect(volcano.groups.count == 2)
        #expect(volcano.groups.allSatisfy { $0.points.count == 75 })
        #expect(Set(main.medication.map(\.drug)) == ["corticosteroids", "remdesivir", "chloroquine"])
        let steroidsBefore = try #require(main.medication.first { $0.drug == "corticosteroids" && $0.period == "before" })
        #expect(steroidsBefore.treatedUsers == 1 && steroidsBefore.controlUsers == 10)
    }

    /// The paper's direction of effect on the alignment day (bias by indication).
    @Test func alignmentDayShowsBiasByIndication() throws {
        let main = try mainSet()
        for id in ["alignment.temperature", "alignment.ferritin", "alignment.asat"] {
            let r = try row(main, id)
            let t = try #require(r.treated.median)
            let c = try #require(r.control.median)
            #expect(t > c, "\(id): treated \(t) vs control \(c)")
        }
    }

    @Test func resultsJSONIsByteIdentical() throws {
        let a = try #require(Self.analysis)
        let b = try StudyAnalysis(study: SyntheticCohort.default, protocol: .paperDefault, seed: SyntheticCohort.defaultSeed)
        let ja = try a.resultsJSON()
        #expect(ja == (try b.resultsJSON()))
        let text = String(decoding: ja, as: UTF8.self)
        #expect(!text.contains("NaN") && !text.contains("Infinity"))
        let decoded = try JSONDecoder().decode(StudyResults.self, from: ja)
        #expect(decoded == a.results)
    }
}
