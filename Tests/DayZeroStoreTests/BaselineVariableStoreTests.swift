import DayZeroCohort
import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStore

/// variables.csv and the further columns of patients.csv: what is read, what is unknown, what
/// is refused, and the round trip through a store (`Fixtures/valid-variables`: four patients,
/// a categorical, a binary and a continuous declared variable, empty cells, and a built-in
/// history flag that is absent for most columns).
@Suite("Declared baseline variables")
struct BaselineVariableStoreTests {
    @Test("values by kind; empty cells and absent built-in columns are unknown")
    func readsValues() throws {
        let study = try StudyStore.readStudy(folder: fixtureURL("valid-variables"))
        #expect(study.baselineVariables.map(\.name) == ["stage", "edema", "albumin"])
        #expect(study.baselineVariables[0].levelLabels == ["Stage 1", "Stage 2", "Stage 3", "Stage 4"])
        #expect(study.baselineVariables[2].unit == "g/dL" && study.baselineVariables[2].maximum == 8)
        // stage is the level index: "4" → 3.
        #expect(study.patients.map(\.declared) == [[3, 1, 2.6], [2, 0, nil], [nil, nil, 3.48], [1, 0, 2.54]])
        // copd: 0, empty (unknown), 1, 0; the other history columns are absent: unknown.
        #expect(study.patients.map { $0.history(.copd) } == [false, nil, true, false])
        #expect(study.patients.allSatisfy { $0.history(.hypertension) == nil })
        #expect(study.patients.allSatisfy { $0.immunocompromised == nil && $0.consentRefused == nil })
        let registry = study.baselineRegistry
        #expect(registry.value("stage", of: study.patients[0]) == 3)
        #expect(registry.value("edema", of: study.patients[2]) == nil)
        #expect(registry.value("sex", of: study.patients[2]) == 1)
    }

    @Test("import, load and export: the same study, and the files come back")
    func roundTrip() throws {
        let input = fixtureURL("valid-variables")
        let directory = try makeTestDirectory()
        let database = directory.appendingPathComponent("study.sqlite")
        let summary = try StudyStore.importStudy(folder: input, to: database)
        #expect(summary.rowCounts[.variables] == 3 && summary.rowCounts[.patients] == 4)
        let store = try StudyStore(url: database)
        #expect(try store.load() == StudyStore.readStudy(folder: input))
        let declarations = try store.declarations()
        #expect(declarations.baselineVariables.map(\.name) == ["stage", "edema", "albumin"])
        let output = directory.appendingPathComponent("export")
        try store.exportStudy(to: output)
        // The export writes every built-in column (empty where unknown); reading it back gives
        // the same study, and importing it again gives the same data.
        #expect(try StudyStore.readStudy(folder: output) == StudyStore.readStudy(folder: input))
        let variables = try String(contentsOf: output.appendingPathComponent("variables.csv"), encoding: .utf8)
        #expect(variables == (try String(contentsOf: input.appendingPathComponent("variables.csv"), encoding: .utf8)))
    }

    @Test("the digest sees declared values and unknown flags")
    func digest() throws {
        var study = try StudyStore.readStudy(folder: fixtureURL("valid-variables"))
        let before = StudyDigest.sha256(study)
        study.patients[1].declared[2] = 3.0
        #expect(StudyDigest.sha256(study) != before)
        study = try StudyStore.readStudy(folder: fixtureURL("valid-variables"))
        study.patients[1].unknownHistory = []
        #expect(StudyDigest.sha256(study) != before, "unknown COPD and absent COPD must hash differently")
    }

    /// Writes the fixture with `patients` and `variables` replaced, and returns the problems.
    func problems(patients: String? = nil, variables: String? = nil) throws -> [String] {
        let folder = try makeTestDirectory()
        for name in ["patients.csv", "icu_course.csv", "variables.csv"] {
            try FileManager.default.copyItem(at: fixtureURL("valid-variables/\(name)"), to: folder.appendingPathComponent(name))
        }
        if let patients { try Data(patients.utf8).write(to: folder.appendingPathComponent("patients.csv")) }
        if let variables { try Data(variables.utf8).write(to: folder.appendingPathComponent("variables.csv")) }
        do {
            _ = try StudyStore.readStudy(folder: folder)
            return []
        } catch let failure as StudyValidationError {
            return failure.lines
        }
    }

    @Test("a column neither built in nor declared, a level not declared, a binary that is not 0/1, a value out of range")
    func refusedCells() throws {
        let lines = try problems(patients: """
            patient_id,site,sex,age,stage,edema,albumin,smoker
            V1,Mayo,F,58.8,5,yes,9,1
            V2,Mayo,F,56.4,3,0,,0
            V3,Mayo,M,70.1,,,3.48,0
            V4,Mayo,F,54.7,2,0,2.54,0

            """)
        #expect(lines.contains { $0.hasPrefix("patients.csv:1:8: unknown column \"smoker\"") && $0.contains("and those declared in variables.csv") })
        #expect(lines.contains("patients.csv:2:5: stage \"5\" is not one of its levels: 1, 2, 3, 4 [invalid-choice]"), "\(lines)")
        #expect(lines.contains("patients.csv:2:6: edema \"yes\" is not a flag (use 1 or 0) [malformed-flag]"))
        #expect(lines.contains("patients.csv:2:7: albumin 9 is outside the plausible range 0.5 to 8 [out-of-range]"))
        #expect(lines.count == 4, "\(lines)")
    }

    @Test("declarations: built-in names, bad kinds, categorical without levels, levels on a number, duplicates")
    func refusedDeclarations() throws {
        let lines = try problems(
            patients: "patient_id,site,sex,age\nV1,Mayo,F,58.8\nV2,Mayo,F,56.4\nV3,Mayo,M,70.1\nV4,Mayo,F,54.7\n",
            variables: """
                variable,label,kind,unit,levels,level_labels,minimum,maximum
                bmi,BMI,continuous,,,,,
                Stage,Stage,categorical,,1|2,,,
                grade,Grade,ordinal,,,,,
                class,Class,categorical,,only,,,
                dose,Dose,continuous,,1|2,,,
                class,Class again,binary,,,,,
                labels,Labels,categorical,,a|b|c,A|B,,
                range,Range,binary,,,,0,1

                """)
        #expect(lines.contains { $0.hasPrefix("variables.csv:2:1: variable \"bmi\" is a built-in column of patients.csv") })
        #expect(lines.contains { $0.hasPrefix("variables.csv:3:1: variable \"Stage\" is not a valid name") })
        #expect(lines.contains { $0.hasPrefix("variables.csv:4:3: kind \"ordinal\" is not one of: binary, categorical, continuous") })
        #expect(lines.contains { $0.hasPrefix("variables.csv:5:5: a categorical variable needs at least two levels") })
        #expect(lines.contains { $0.hasPrefix("variables.csv:6:5: levels and level_labels are for categorical variables only") })
        #expect(lines.contains { $0.hasPrefix("variables.csv:7:1: duplicate key") })
        #expect(lines.contains { $0.hasPrefix("variables.csv:8:6: level_labels has 2 labels for 3 levels") })
        #expect(lines.contains { $0.hasPrefix("variables.csv:9:7: minimum and maximum are for continuous variables only") })
        #expect(lines.count == 8, "\(lines)")
    }
}
