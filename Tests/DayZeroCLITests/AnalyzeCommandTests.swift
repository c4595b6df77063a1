import DayZeroAnalysis
import DayZeroCohort
@testable import DayZeroCLI
import DayZeroReport
import DayZeroStore
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// End-to-end runs of `dayzero analyze`, parsed and run in-process.
@Suite(.serialized) struct AnalyzeCommandTests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
        func add(_ s: String) { lines.append(s) }
        var text: String { lines.joined(separator: "\n") }
    }

    func analyze(_ arguments: [String], out: URL) throws -> (code: Int32, output: Lines, errors: Lines) {
        let command = try AnalyzeCommand.parse(arguments + ["--out", out.path])
        let output = Lines()
        let errors = Lines()
        let code = AnalysisCommandLine.runAnalyze(
            input: command.input, out: out, progress: .lines(interval: 3600), output: output.add, errors: errors.add)
        return (code, output, errors)
    }

    @Test func bundledCohortWritesResultsAndExports() throws {
        let out = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try analyze([], out: out)
        #expect(run.code == 0, "\(run.errors.text)")
        #expect(run.output.text.contains("78 screened"))
        #expect(run.output.text.contains("21 treated + 39 controls analysed (controls aligned on ICU day 12)"))
        // Asked for plain progress lines: each step once, when it ends.
        #expect(run.errors.lines == run.errors.lines.filter { $0.contains(" … done (") })
        #expect(run.errors.lines.map { $0.prefix(6) } == ["[1/4] ", "[2/4] ", "[3/4] ", "[4/4] "])
        #expect(run.errors.text.contains("[2/4] deriving 78 screened patients … done"))
        #expect(run.errors.text.contains("[3/4] analysing 5 analysis sets … done"))
        let data = try Data(contentsOf: out.appendingPathComponent("results.json"))
        let results = try JSONDecoder().decode(StudyResults.self, from: data)
        #expect(results.provenance.seed == SyntheticCohort.defaultSeed)
        #expect(results.analysisSets.map(\.id) == ["main", "propensity-matched", "no-corticosteroids", "criteria-matched-controls", "overlap-weighted"])
        for name in TidyExport.fileNames {
            let text = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
            #expect(text.split(separator: "\n").count > 1, "\(name) has no data rows")
        }
        let pvalues = try String(contentsOf: out.appendingPathComponent("pvalues.csv"), encoding: .utf8)
        #expect(pvalues.hasPrefix("analysis_set,analysis,id,window,test,statistic,p_value\n"))
        #expect(pvalues.contains("main,table1,sex_male,,fisher,"))
    }

    /// The bundled cohort written as a study folder under `root` and imported into a store beside it.
    func simulatedFolderAndStore(in root: URL) throws -> (folder: URL, db: URL) {
        let folder = root.appendingPathComponent("study")
        let db = root.appendingPathComponent("study.sqlite")
        try SyntheticCohort.write(to: folder)
        _ = try StudyStore.importStudy(folder: folder, to: db)
        return (folder, db)
    }

    /// simulate → import → analyze --db analyses the same data as the in-memory default cohort.
    @Test func importedStudyGivesTheSameResults() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let (folder, db) = try simulatedFolderAndStore(in: root)
        let viaDB = try analyze(["--db", db.path], out: root.appendingPathComponent("a"))
        let viaFolder = try analyze(["--study", folder.path], out: root.appendingPathComponent("b"))
        #expect(viaDB.code == 0 && viaFolder.code == 0, "\(viaDB.errors.text) \(viaFolder.errors.text)")
        let a = try JSONDecoder().decode(StudyResults.self, from: Data(contentsOf: root.appendingPathComponent("a/results.json")))
        let b = try JSONDecoder().decode(StudyResults.self, from: Data(contentsOf: root.appendingPathComponent("b/results.json")))
        #expect(a == b)
        let inMemory = try StudyAnalysis(study: SyntheticCohort.default, protocol: .paperDefault)
        #expect(a.provenance.inputHash == inMemory.results.provenance.inputHash)
        #expect(a.analysisSets == inMemory.results.analysisSets)
    }

    /// An exclusion over measurements: `analyze --db` (rows of the excluding parameter read
    /// from the store before the streamed derivation) equals `analyze --study`, and the flow
    /// shows the rule with its label and count in protocol order.
    @Test func measurementExclusionStoreEqualsFolder() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let (folder, db) = try simulatedFolderAndStore(in: root)
        let file = root.appendingPathComponent("protocol.yaml")
        let anchor = "    if: {variable: consent_refused, is: 1}\n"
        #expect(ProtocolYAML.defaultYAML.contains(anchor))
        let text = ProtocolYAML.defaultYAML.replacingOccurrences(of: anchor, with: anchor + """
              - name: renal
                label: Creatinine above 2 mg/dL on 2 of ICU days 0–2
                if: {parameter: creatinine, above: 2 mg/dL, window: [0, 2], on_at_least_days: 2}

            """)
        try text.write(to: file, atomically: true, encoding: .utf8)
        let viaDB = try analyze(["--db", db.path, "--protocol", file.path], out: root.appendingPathComponent("a"))
        let viaFolder = try analyze(["--study", folder.path, "--protocol", file.path], out: root.appendingPathComponent("b"))
        #expect(viaDB.code == 0 && viaFolder.code == 0, "\(viaDB.errors.text) \(viaFolder.errors.text)")
        let a = try JSONDecoder().decode(StudyResults.self, from: Data(contentsOf: root.appendingPathComponent("a/results.json")))
        let b = try JSONDecoder().decode(StudyResults.self, from: Data(contentsOf: root.appendingPathComponent("b/results.json")))
        #expect(a.analysisSets == b.analysisSets)
        #expect(a.provenance.inputHash == b.provenance.inputHash)
        let flow = try #require(a.analysisSets.first?.flow)
        #expect(flow.exclusions.map(\.reason) == ["immunocompromised", "consent_refused", "renal", "no_icu_course", "not_in_icu_on_alignment_day"])
        let renal = try #require(flow.exclusions.first { $0.reason == "renal" })
        #expect(renal.label == "Creatinine above 2 mg/dL on 2 of ICU days 0–2")
        #expect(renal.count > 0)
        #expect(flow.treated + flow.controls < 60, "fewer than the default cohort's 21 + 39 are analysed")
    }

    @Test func brokenProtocolIsReportedWithItsLocation() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("protocol.yaml")
        let text = ProtocolYAMLText.brokenWindow
        try text.write(to: file, atomically: true, encoding: .utf8)
        let run = try analyze(["--protocol", file.path], out: root.appendingPathComponent("out"))
        #expect(run.code == 1)
        #expect(run.errors.text.contains("protocol.yaml:"), "\(run.errors.text)")
        #expect(!run.errors.text.hasPrefix("error: "), "the located message keeps its own prefix: \(run.errors.text)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out/results.json").path))
    }

    @Test func missingStoreIsAnInputError() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try analyze(["--db", root.appendingPathComponent("none.sqlite").path], out: root.appendingPathComponent("out"))
        #expect(run.code == 2)
        #expect(run.errors.text.contains("no such study store"))
    }

    @Test func dbAndStudyTogetherAreRejected() {
        #expect(throws: (any Error).self) { try AnalyzeCommand.parse(["--db", "a", "--study", "b"]) }
    }

    @Test func summaryUsesTheReportsNumberFormat() {
        let row = Table1.Row(
            id: "outcome.x", label: "Ventilation", unit: "days", kind: .continuous,
            treated: .init(n: 21, missing: 0, median: 28.5, q1: 18.75, q3: 29), control: .init(n: 39, missing: 0, median: 28, q1: 10.5, q3: 29),
            test: "mann-whitney", statistic: 1, pValue: 0.45123, warnings: [])
        let m = OutcomeMeasureResult(name: "x", label: "Ventilation", kind: "duration", horizonDays: 28, row: row, survival: nil,
                                     cumulativeIncidence: nil, leftOut: [], warnings: [])
        // Whole days as in the report's outcome table (R rounds 28.5 to 28, half to even), p as the report prints it.
        #expect(AnalysisCommandLine.outcomeText(m) == "Ventilation 28 [19–29] vs 28 [10–29], p = 0.45")
        #expect(NumberFormat.pStatement(0.00014) == "p = 0.0001")
        #expect(NumberFormat.pStatement(0.1) == "p = 0.10")
        #expect(NumberFormat.pStatement(0.999) == "p = 1")
    }
}

/// Protocol texts for the CLI tests.
enum ProtocolYAMLText {
    /// The default protocol with the serial window reversed.
    static var brokenWindow: String {
        ProtocolYAML.defaultYAML.replacingOccurrences(of: "serial: [-10, 10]", with: "serial: [10, -10]")
    }
}

/// `dayzero report` (the main job) end to end, in-process.
@Suite struct ReportCommandTests {
    @Test func bundledCohortReport() throws {
        let out = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let command = try ReportCommand.parse(["--out", out.path])
        let output = AnalyzeCommandTests.Lines()
        let errors = AnalyzeCommandTests.Lines()
        let code = AnalysisCommandLine.runReport(input: command.input, out: out, output: output.add, errors: errors.add)
        #expect(code == 0, "\(errors.text)")
        // Progress was not asked for: none in the captured output.
        #expect(errors.lines.isEmpty, "\(errors.text)")
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        for id in ["set-main-table1", "set-main-flow", "set-main-km-death", "methods", "provenance"] {
            #expect(html.contains("id=\"\(id)\""), "report.html lacks id \(id)")
        }
        #expect(html.contains("Anakinra"))
        // Patient identifiers of the synthetic cohort (P0001 …) never reach the report.
        #expect(!html.contains("P0001"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("results.json").path))
    }

    @Test func reportIsTheDefaultCommand() throws {
        let parsed = try DayZeroCommand.parseAsRoot(["--out", "x"])
        #expect(parsed is ReportCommand)
    }
}
