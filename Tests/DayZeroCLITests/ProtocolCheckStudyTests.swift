import ArgumentParser
import DayZeroCLI
import DayZeroCohort
import DayZeroStore
import DayZeroTestSupport
import Foundation
import Testing

/// `dayzero protocol check FILE --study DIR | --db FILE`: the protocol is checked against the
/// study's own declarations (variables.csv, parameters.csv).
@Suite("protocol check against a study (in-process)")
struct ProtocolCheckStudyTests {
    /// A two-patient study folder declaring `stage` and the parameter `albumin`.
    func studyFolder() throws -> URL {
        let folder = try makeTemporaryDirectory("protocol-study")
        let files = [
            "variables.csv": "variable,label,kind,unit,levels,level_labels,minimum,maximum\nstage,Stage,categorical,,1|2|3|4,,,\n",
            "parameters.csv": "parameter,label,kind,unit,aggregation,minimum,maximum\nalbumin,Albumin,clinical,g/dL,mean,0.5,8\n",
            "patients.csv": "patient_id,site,sex,age,stage\nA,X,F,50,2\nB,X,M,60,\n",
            "icu_course.csv": "patient_id,icu_admission\nA,0\nB,0\n",
        ]
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        return folder
    }

    func protocolFile(variable: String, parameter: String, exclusion: String? = nil) throws -> URL {
        let url = try makeTemporaryDirectory("protocol-file").appendingPathComponent("p.yaml")
        let text = """
            dayzero_protocol: 1
            name: check
            treatment: {drug: d_penicillamine}
            exclusions:
              - {name: early, label: Stage 1, if: \(exclusion ?? "{variable: \(variable), is: \"1\"}")}
            alignment: {controls: fixed_icu_day, fixed_icu_day: 0}
            windows: {serial: [0, 10]}
            parameters:
              - {name: \(parameter), transform: log}
            outcomes: {horizon_days: 365}
            analysis_sets: [{name: main}]

            """
        try Data(text.utf8).write(to: url)
        return url
    }

    func exitCode(_ arguments: [String]) throws -> Int32 {
        var command = try DayZeroCommand.parseAsRoot(arguments)
        do {
            try command.run()
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        }
    }

    @Test("without the study a declared parameter is unknown; with --study or --db the protocol is valid")
    func declarationsMakeItValid() throws {
        let study = try studyFolder()
        let valid = try protocolFile(variable: "stage", parameter: "albumin")
        #expect(try exitCode(["protocol", "check", valid.path]) == 1)
        #expect(try exitCode(["protocol", "check", valid.path, "--study", study.path]) == 0)
        let db = try makeTemporaryDirectory("protocol-db").appendingPathComponent("s.sqlite")
        #expect(try exitCode(["import", study.path, "--db", db.path]) == 0)
        #expect(try exitCode(["protocol", "check", valid.path, "--db", db.path]) == 0)
    }

    @Test("an exclusion over a declared measured parameter is valid with --study; unknown parameters and cytokines are located errors")
    func measurementExclusion() throws {
        let study = try studyFolder()
        let albumin = try protocolFile(
            variable: "stage", parameter: "albumin", exclusion: "{parameter: albumin, below: 2.5, window: [0, 1], aggregation: min}")
        #expect(try exitCode(["protocol", "check", albumin.path, "--study", study.path]) == 0)
        #expect(try exitCode(["protocol", "check", albumin.path]) == 1)
        let declared = try StudyStore.readDeclarations(folder: study)
        let registry = ParameterRegistry(declared: declared.declaredParameters)
        func messages(_ exclusion: String) throws -> String {
            let file = try protocolFile(variable: "stage", parameter: "albumin", exclusion: exclusion)
            #expect(try exitCode(["protocol", "check", file.path, "--study", study.path]) == 1)
            let text = try String(contentsOf: file, encoding: .utf8)
            let issues = ProtocolYAML.check(text, registry: registry, baseline: declared.baselineRegistry).issues
            return ProtocolLoadError(file: "p.yaml", issues: issues).description
        }
        let unknown = try messages("{parameter: albumn, below: 2.5, window: [0, 1]}")
        #expect(unknown.contains("p.yaml:5:"), "\(unknown)")
        #expect(unknown.contains("unknown parameter 'albumn' (did you mean 'albumin'?)"), "\(unknown)")
        // Without a sofa: definition there is no SOFA score at all; a cytokine is not in measurements.csv.
        let noSOFA = try messages("{parameter: sofa, above: 10, window: [0, 1]}")
        #expect(noSOFA.contains("unknown parameter 'sofa'"), "\(noSOFA)")
        let cytokine = try messages("{parameter: il6, above: 100, window: [0, 1]}")
        #expect(cytokine.contains("p.yaml:5:"), "\(cytokine)")
        #expect(cytokine.contains("il6 is a cytokine (cytokines.csv); an exclusion's parameter rule reads measurements.csv"), "\(cytokine)")
    }

    @Test("a misspelled variable is found only against the study; a missing store is exit 2")
    func misspelledVariable() throws {
        let study = try studyFolder()
        let misspelled = try protocolFile(variable: "stge", parameter: "temperature")
        #expect(try exitCode(["protocol", "check", misspelled.path]) == 0)
        #expect(try exitCode(["protocol", "check", misspelled.path, "--study", study.path]) == 1)
        #expect(try exitCode(["protocol", "check", misspelled.path, "--db", "/nonexistent/s.sqlite"]) == 2)
        #expect(throws: (any Error).self) {
            try DayZeroCommand.parseAsRoot(["protocol", "check", misspelled.path, "--db", "x", "--study", "y"])
        }
    }
}
