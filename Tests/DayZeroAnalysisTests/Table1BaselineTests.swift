@testable import DayZeroAnalysis
import DayZeroCohort
import DayZeroSynth
import Testing

/// Table 1's baseline rows from the protocol's `baseline:` sections and the study's declared
/// variables: categorical rows (counts per level, the test chosen by gtsummary's rule, missing
/// values), rows nobody has a value for left out, and the default sections.
@Suite("Table 1 baseline rows")
struct Table1BaselineTests {
    @Test("categorical row, small expected counts: Fisher's exact test, p = 19/28 by hand")
    func categoricalFisher() throws {
        // Levels a, b, c; treated a, a, b, unknown; control a, b, b, c, c, unknown, unknown
        // (unsorted on purpose). Table [[2, 1], [1, 2], [0, 2]], margins rows (3, 3, 2),
        // columns (3, 5), N = 8. P(table) = C(3,t1)·C(3,t2)·C(2,t3)/C(8,3) with t the treated
        // counts; P(observed) = 3·3·1/56 = 9/56. Tables no more probable: (0,1,2) 3/56,
        // (0,2,1) 6/56, (1,0,2) 3/56, (2,0,1) 6/56, (2,1,0) 9/56, (3,0,0) 1/56, (0,3,0) 1/56,
        // (1,2,0) 9/56 → 38/56 = 19/28.
        let row = categoricalRow(
            id: "x", label: "X", levels: ["a", "b", "c"], levelLabels: ["A", "B", "C"],
            treated: [0, nil, 1, 0], control: [2, 1, nil, 0, 2, 1, nil])
        #expect(row.kind == .categorical && row.test == "fisher")
        let p = try #require(row.pValue)
        #expect(abs(p - 19.0 / 28.0) < 1e-12)
        let levels = try #require(row.levels)
        #expect(levels.map(\.label) == ["A", "B", "C"])
        #expect(levels.map { $0.treated.count } == [2, 1, 0])
        #expect(levels.map { $0.control.count } == [1, 2, 2])
        #expect(levels[1].control.percent == 40)
        #expect(row.treated.n == 3 && row.treated.missing == 1 && row.control.n == 5 && row.control.missing == 2)
        #expect(row.warnings.contains("missing values: treated 1, control 2"))
    }

    @Test("a set that selects on a characteristic shows its row untested (0 vs 0 is the rule, not a finding); other sets test it")
    func rowSelectedBySetRuleIsNotTested() throws {
        let analysis = try StudyAnalysis(study: AlcoholicHepatitisCohort.default, protocol: .alcoholicHepatitis)
        func row(_ set: String) throws -> Table1.Row {
            let s = try #require(analysis.results.analysisSets.first { $0.id == set })
            return try #require(s.table1.sections.flatMap(\.rows).first { $0.id == "infection_admission" })
        }
        let main = try row("main")
        #expect(main.test == "fisher" && main.pValue != nil)
        let selected = try row("no-infection-at-admission")
        #expect(selected.treated.count == 0 && selected.control.count == 0)
        #expect(selected.test == nil && selected.pValue == nil && selected.statistic == nil)
        #expect(selected.warnings.last?.hasPrefix("not tested: the analysis set's rule selects on this characteristic") == true)
        #expect(!selected.warnings.contains { $0.contains("degenerate") })
        // The patient with an unknown status is still counted as missing.
        #expect(selected.treated.missing + selected.control.missing == main.treated.missing + main.control.missing)
        // A constant row the set's rule does not name keeps its test; a varying one is not constant.
        #expect(!Workup.isConstant(main))
    }

    @Test("categorical row, every expected count ≥ 5: chi-square without correction, p = exp(−x/2) for 2 df")
    func categoricalChiSquare() throws {
        // chisq.test(matrix(c(30, 30, 40, 35, 25, 40), ncol = 2), correct = FALSE):
        // x = Σ (O − E)²/E = 0.83916083916083917, df 2, p = exp(−x/2).
        let treated = Array(repeating: 0, count: 30) + Array(repeating: 1, count: 30) + Array(repeating: 2, count: 40)
        let control = Array(repeating: 0, count: 35) + Array(repeating: 1, count: 25) + Array(repeating: 2, count: 40)
        let row = categoricalRow(
            id: "x", label: "X", levels: ["a", "b", "c"], levelLabels: ["a", "b", "c"],
            treated: treated.map { Optional($0) }, control: control.map { Optional($0) })
        #expect(row.test == "chi-square")
        let x = try #require(row.statistic)
        #expect(abs(x - 0.83916083916083917) < 1e-12)
        let p = try #require(row.pValue)
        #expect(abs(p - 0.6573225616392886) / 0.6573225616392886 < 1e-12)
    }

    @Test("a level nobody has is shown with 0 and left out of the test; one level only: no test")
    func emptyLevels() throws {
        let row = categoricalRow(
            id: "x", label: "X", levels: ["a", "b"], levelLabels: ["a", "b"], treated: [0, 0], control: [0, nil])
        #expect(row.pValue == nil && row.test == nil)
        #expect(row.levels?.map { $0.treated.count } == [2, 0])
        #expect(row.warnings.contains { $0.hasPrefix("no association test") })
    }

    /// The bundled cohort with two declared variables: `stage` (categorical, known for all but
    /// every seventh patient) and `never_recorded` (binary, unknown for everyone).
    static func studyWithVariables() -> StudyData {
        var study = SyntheticCohort.default
        study.baselineVariables = [
            BaselineVariable(name: "stage", label: "Stage", kind: .categorical, levels: ["I", "II", "III"]),
            BaselineVariable(name: "never_recorded", label: "Never recorded", kind: .binary),
        ]
        for i in study.patients.indices {
            study.patients[i].declared = [i % 7 == 0 ? nil : Double(i % 3), nil]
        }
        return study
    }

    @Test("the protocol's sections and order; a row (and a section) nobody has a value for is left out; categorical rows")
    func protocolSections() throws {
        let study = Self.studyWithVariables()
        var p = StudyProtocol.paperDefault
        p.baseline = [
            BaselineSection(title: "Disease", variables: ["stage"]),
            BaselineSection(title: "Demographics", variables: ["age", "sex"]),
            BaselineSection(title: "Nothing known", variables: ["never_recorded"]),
        ]
        let analysis = try StudyAnalysis(study: study, protocol: p)
        let main = try #require(analysis.results.analysisSets.first)
        let titles = main.table1.sections.map(\.title)
        #expect(titles == ["Disease", "Demographics", "Clinical parameters on admission day", "Clinical parameters on alignment day"])
        #expect(main.table1.sections[0].rows.map(\.id) == ["stage"])
        #expect(main.table1.sections[1].rows.map(\.id) == ["age", "sex_male"])
        let stage = main.table1.sections[0].rows[0]
        #expect(stage.kind == .categorical && stage.levels?.count == 3 && stage.pValue != nil)
        #expect(stage.treated.n + stage.treated.missing == main.flow.treated)
        #expect(stage.treated.missing + stage.control.missing > 0)
        // Without symptom_days in the sections, its alignment-day row is not shown either.
        #expect(!main.table1.sections.flatMap(\.rows).contains { $0.id == "alignment.symptom_days" })
    }

    @Test("without baseline: the default sections, declared variables after the built-in characteristics")
    func defaultSections() throws {
        var p = StudyProtocol.paperDefault
        p.baseline = nil
        let analysis = try StudyAnalysis(study: Self.studyWithVariables(), protocol: p)
        let main = try #require(analysis.results.analysisSets.first)
        #expect(main.table1.sections[0].title == "Patient characteristics")
        #expect(main.table1.sections[0].rows.map(\.id) == ["sex_male", "age", "bmi", "apache_ii", "symptom_days", "stage"])
        #expect(main.table1.sections[1].title == "Medical history" && main.table1.sections[1].rows.count == 9)
    }
}
