import ArgumentParser
import DayZeroAnalysis
@testable import DayZeroCLI
import DayZeroCohort
import DayZeroStore
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// `--example`: the built-in examples from the command line, and the alcoholic-hepatitis
/// example end to end in one command.
@Suite struct ExampleCommandTests {
    @Test func exampleOptionParsing() throws {
        let report = try #require(try DayZeroCommand.parseAsRoot(["report", "--example", "alcoholic-hepatitis", "--out", "x"]) as? ReportCommand)
        #expect(report.input.example == "alcoholic-hepatitis")
        let analyze = try #require(try DayZeroCommand.parseAsRoot(["analyze", "--example", "kooistra"]) as? AnalyzeCommand)
        #expect(analyze.input.example == "kooistra")
        // The default command keeps working without --example (the Kooistra report).
        let plain = try #require(try DayZeroCommand.parseAsRoot([]) as? ReportCommand)
        #expect(plain.input.example == nil)
        #expect(try plain.input.load().studyProtocol == .paperDefault)
        #expect(try plain.input.load().source == "the bundled synthetic cohort (seed 20201214)")
        // An unknown name lists the known examples.
        do {
            _ = try DayZeroCommand.parseAsRoot(["report", "--example", "hepatitis"])
            Issue.record("an unknown example was accepted")
        } catch {
            let message = DayZeroCommand.message(for: error)
            #expect(message.contains("unknown example 'hepatitis'"))
            #expect(message.contains("kooistra") && message.contains("alcoholic-hepatitis"))
            #expect(DayZeroCommand.exitCode(for: error) == .validationFailure)
        }
        #expect(throws: (any Error).self) { try DayZeroCommand.parseAsRoot(["simulate", "--example", "x", "--out", "/tmp/never"]) }
        #expect(throws: (any Error).self) { try DayZeroCommand.parseAsRoot(["protocol", "init", "--example", "x"]) }
        // --example is a bundled study: not with --study or --db.
        #expect(throws: (any Error).self) {
            try DayZeroCommand.parseAsRoot(["report", "--example", "alcoholic-hepatitis", "--study", "somewhere"])
        }
    }

    @Test func simulateAndProtocolInitForTheExample() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let study = root.appendingPathComponent("ah")
        try #require(try DayZeroCommand.parseAsRoot(["simulate", "--example", "alcoholic-hepatitis", "--out", study.path]) as? SimulateCommand).run()
        let reference = root.appendingPathComponent("reference")
        try AlcoholicHepatitisCohort.write(to: reference)
        for name in ["patients.csv", "variables.csv", "measurements.csv", "events.csv"] {
            #expect(try Data(contentsOf: study.appendingPathComponent(name)) == Data(contentsOf: reference.appendingPathComponent(name)))
        }
        let file = root.appendingPathComponent("protocol.yaml")
        try #require(try DayZeroCommand.parseAsRoot(["protocol", "init", "--example", "alcoholic-hepatitis", "--out", file.path]) as? ProtocolInitCommand).run()
        #expect(try String(contentsOf: file, encoding: .utf8) == ProtocolYAML.alcoholicHepatitisYAML)
        let kooistra = try #require(try DayZeroCommand.parseAsRoot(["protocol", "init"]) as? ProtocolInitCommand)
        #expect(try kooistra.text() == ProtocolYAML.defaultYAML)
        // The written study and protocol run as any study does: `protocol check --study`.
        let check = try #require(try DayZeroCommand.parseAsRoot(["protocol", "check", file.path, "--study", study.path]) as? ProtocolCheckCommand)
        try check.run()
    }

    @Test func oneCommandRunsTheWholeExample() throws {
        let out = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let command = try ReportCommand.parse(["--example", "alcoholic-hepatitis", "--out", out.path])
        let output = AnalyzeCommandTests.Lines()
        let errors = AnalyzeCommandTests.Lines()
        let code = AnalysisCommandLine.runReport(input: command.input, out: out, output: output.add, errors: errors.add)
        #expect(code == 0, "\(errors.text)")
        #expect(output.text.contains("Analysed the bundled example 'alcoholic-hepatitis' (synthetic, seed 20150423)."))
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Prednisolone") && html.contains("No corticosteroids"))
        #expect(html.contains("Hepatic encephalopathy (West Haven grade)"))
        #expect(!html.contains("P0001"))
        // The methods say what this study used each test for, not the paper's outcomes.
        #expect(html.contains("Table 1 counts, Death within 28 days, Death within 90 days, Secondary infection within 28 days"))
        #expect(!html.contains("28-day mortality"))

        let data = try Data(contentsOf: out.appendingPathComponent("results.json"))
        let results = try JSONDecoder().decode(StudyResults.self, from: data)
        let main = try #require(results.analysisSets.first)
        // The flow docs/examples.md states.
        #expect(main.flow.screened == 200)
        let steps = Dictionary(uniqueKeysWithValues: main.flow.exclusions.map { ($0.reason, $0.count) })
        #expect(steps["maddrey-below-32"] == 14)
        #expect(steps["gi-bleeding-early"] == 10)
        #expect(steps["not_in_icu_on_alignment_day"] == 4)
        #expect(main.flow.treated == 80 && main.flow.controls == 92)
        #expect(main.flow.controlAlignmentDay == 1)

        // Table 1: the declared variables, the encephalopathy grade as a categorical row.
        let rows = main.table1.sections.flatMap(\.rows)
        let grade = try #require(rows.first { $0.label.hasPrefix("Hepatic encephalopathy") })
        #expect(grade.kind == .categorical)
        #expect(grade.levels?.map(\.label) == ["None", "Grade 1", "Grade 2", "Grade 3", "Grade 4"])
        #expect(grade.pValue != nil)
        #expect(rows.contains { $0.label == "Maddrey discriminant function" && $0.kind == .continuous })
        #expect(main.table1.sections.map(\.title).starts(with: ["Patient characteristics", "Severity of liver disease", "At ICU admission"]))

        // The declared outcomes, in order.
        let measures = try #require(main.outcomeMeasures)
        #expect(measures.map(\.name) == ["death", "transplant", "death_28d", "death_90d", "infection_28d", "vfd_28", "icu_los"])
        let byName = Dictionary(uniqueKeysWithValues: measures.map { ($0.name, $0) })
        for name in ["death", "transplant"] {
            let incidence = try #require(byName[name]?.cumulativeIncidence, "\(name): no cumulative incidence")
            #expect(incidence.grayP != nil, "\(name): no Gray's test")
            #expect(incidence.curves.count == 2)
            #expect(byName[name]?.horizonDays == 365)
        }
        let death90 = try #require(byName["death_90d"])
        #expect(death90.row.treated.missing + death90.row.control.missing > 0, "nobody lost to follow-up before day 90")
        #expect(death90.row.pValue != nil)
        let vfd = try #require(byName["vfd_28"])
        #expect(vfd.row.kind == .continuous && vfd.row.treated.median != nil && vfd.row.pValue != nil)
        #expect(byName["icu_los"]?.survival != nil)
        // The lab kinetics were analysed.
        #expect(main.kinetics.map(\.parameter).contains("inr"))
        // The sensitivity set without infection at admission is smaller.
        let second = try #require(results.analysisSets.dropFirst().first)
        #expect(second.flow.controls < main.flow.controls)
    }
}
