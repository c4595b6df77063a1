import DayZeroAnalysis
import DayZeroCohort
@testable import DayZeroCLI
import DayZeroStore
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// Issue 16 through the commands: the reproducers that crashed `analyze --study`,
/// `report --study`, `analyze --protocol` and `import --db` now end with a located one-line
/// message and an exit code, and leave no temporary file.
@Suite(.serialized) struct HardeningCLITests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
        func add(_ s: String) { lines.append(s) }
        var text: String { lines.joined(separator: "\n") }
    }

    func run(report: Bool, _ arguments: [String], out: URL) throws -> (code: Int32, output: Lines, errors: Lines) {
        let output = Lines()
        let errors = Lines()
        let code: Int32
        if report {
            let command = try ReportCommand.parse(arguments + ["--out", out.path])
            code = AnalysisCommandLine.runReport(input: command.input, out: out, output: output.add, errors: errors.add)
        } else {
            let command = try AnalyzeCommand.parse(arguments + ["--out", out.path])
            code = AnalysisCommandLine.runAnalyze(input: command.input, out: out, output: output.add, errors: errors.add)
        }
        return (code, output, errors)
    }

    /// The synthetic study folder with `icu_course.csv`'s first data row's discharge set to `1e19`.
    func hugeTimeStudy(_ root: URL) throws -> URL {
        let folder = root.appendingPathComponent("study")
        try SyntheticCohort.write(to: folder)
        let url = folder.appendingPathComponent("icu_course.csv")
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[2] = "1e19"
        lines[1] = fields.joined(separator: ",")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return folder
    }

    @Test(arguments: [false, true])
    func hugeTimeInTheStudyFolder(report: Bool) throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try hugeTimeStudy(root)
        let run = try run(report: report, ["--study", folder.path], out: root.appendingPathComponent("out"))
        #expect(run.code == 1)
        #expect(run.errors.text.split(separator: "\n").contains(
            "icu_course.csv:2:3: icu_discharge \"1e19\" is outside the ICU-day range -100000 to 100000 (about 274 years either side of ICU admission) [out-of-range]"),
            "\(run.errors.text)")
        // Nothing but the study folder: no results, no `.importing-` file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["study"])
    }

    @Test func hugeTimeOnImport() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try hugeTimeStudy(root)
        let errors = Lines()
        let code = StoreCommandLine.runImport(
            folder: folder, database: root.appendingPathComponent("study.sqlite"), output: { _ in }, errors: errors.add)
        #expect(code == StoreCommandLine.exitInvalidStudy)
        #expect(errors.lines.last?.hasSuffix("[out-of-range]") == true, "\(errors.text)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["study"])
    }

    /// `protocol check` accepted these; `analyze` died (fatal allocation, overflow, hang, OOM).
    @Test(arguments: [
        ("ratio: 1\n", "ratio: 1000000000\n", "ratio must be at most 20 controls per treated patient, found 1000000000"),
        ("serial: [-10, 10]", "serial: [0, 9223372036854775807]", "window [0, 9223372036854775807] reaches beyond day ±3650"),
        ("horizon_days: 28", "horizon_days: 9223372036854775807", "horizon_days must be at most 3650 (ten years)"),
        ("serial: [-10, 10]", "serial: [-10, 100000000]", "window [-10, 100000000] reaches beyond day ±3650"),
    ])
    func protocolValuesAnalyzeCannotSurvive(old: String, new: String, message: String) throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("protocol.yaml")
        let text = ProtocolYAML.defaultYAML.replacingOccurrences(of: old, with: new)
        #expect(text != ProtocolYAML.defaultYAML)
        try text.write(to: file, atomically: true, encoding: .utf8)
        let run = try run(report: false, ["--protocol", file.path], out: root.appendingPathComponent("out"))
        #expect(run.code == 1)
        let line = run.errors.lines.first { $0.hasPrefix(file.path + ":") && $0.contains(message) }
        #expect(line != nil, "\(run.errors.text)")
        // `file:line:column: error: message (at path)`
        #expect(line.map { $0.dropFirst(file.path.count).split(separator: ":").count >= 3 } == true)
    }

    /// A matching ratio within the limit but above the controls available: the set is not
    /// formed, with a warning saying why; the other sets are analysed.
    @Test func matchingRatioAboveTheControls() throws {
        var p = StudyProtocol.paperDefault
        guard let k = p.analysisSets.firstIndex(where: { $0.propensityMatching != nil }) else {
            Issue.record("the default protocol has no matched set")
            return
        }
        p.analysisSets[k].propensityMatching?.ratio = 20
        var study = SyntheticCohort.default
        let cohort = try CohortDerivation.derive(study, protocol: p)
        // Keep only two controls.
        let controls = cohort.patients.filter { $0.group == .control }.map(\.id)
        let drop = Set(controls.dropFirst(2))
        study.patients = study.patients.filter { !drop.contains($0.id) }
        study.courses = study.courses.filter { !drop.contains($0.patientID) }
        let analysis = try StudyAnalysis(study: study, protocol: p)
        #expect(analysis.results.warnings.contains { $0.contains("ratio 20 asks for more controls per treated patient than the 2 controls") },
                "\(analysis.results.warnings)")
    }

    /// A `sum` that overflows to infinity stops the analysis with a message naming the series,
    /// the patient and the day, instead of an `EncodingError.invalidValue: inf` at the end.
    @Test func infiniteDailySum() throws {
        var p = StudyProtocol.paperDefault
        guard let k = p.parameters.firstIndex(where: { $0.name == "ferritin" }) else {
            Issue.record("the default protocol analyses no ferritin")
            return
        }
        p.parameters[k].aggregation = .sum
        var study = SyntheticCohort.default
        let cohort = try CohortDerivation.derive(study, protocol: p)
        let patient = try #require(cohort.patients.first).id
        for _ in 0..<2 {
            study.measurements.append(
                patientID: patient, time: 0.5, parameter: "ferritin", value: 1.7e308, sourceValue: 1.7e308, sourceUnit: "µg/L")
        }
        do {
            _ = try StudyAnalysis(study: study, protocol: p)
            Issue.record("the analysis must fail")
        } catch let error as NonFiniteValueError {
            #expect(error.description.hasPrefix("the daily value of ferritin[sum] for patient \(patient) on ICU day 0 is not a finite number"))
            #expect(!error.description.contains("\n"))
        }
    }

    // MARK: - Item 8: the output folder

    /// `--out` naming a file fails at once (before the study is loaded), with one line.
    @Test(arguments: [false, true])
    func outIsAFile(report: Bool) throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("results.txt")
        try Data("keep".utf8).write(to: file)
        let run = try run(report: report, [], out: file)
        #expect(run.code == 2)
        #expect(run.errors.lines == ["error: --out \(file.path) is a file; give the path of a folder to create or to replace"])
        #expect(try String(contentsOf: file, encoding: .utf8) == "keep")
    }

    /// A folder that is not empty is refused without --force (unchanged) and replaced whole
    /// with it; nothing is left beside it.
    @Test func reportReplacesAFolderOnlyWithForce() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("report")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false)
        try Data("mine".utf8).write(to: out.appendingPathComponent("notes.txt"))
        let refused = try run(report: true, [], out: out)
        #expect(refused.code == 2)
        #expect(refused.errors.lines == [
            "error: --out \(out.path) is not empty; pass --force to replace it (the old folder is kept until the new one is complete), or choose another folder"
        ])
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["notes.txt"])

        // A leftover of an interrupted run is removed, and said so in one line.
        let leftover = root.appendingPathComponent(".report.writing-0000")
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: false)
        let command = try ReportCommand.parse(["--out", out.path, "--force"])
        #expect(command.force)
        let output = Lines(), errors = Lines()
        let code = AnalysisCommandLine.runReport(input: command.input, out: out, force: command.force, output: output.add, errors: errors.add)
        #expect(code == 0, "\(errors.text)")
        #expect(output.lines.first == "Removed .report.writing-0000, left by an interrupted run.")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        #expect(files.contains("report.html") && files.contains("results.json") && !files.contains("notes.txt"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["report"])
    }

    // MARK: - Item 12: messages

    /// A CSV file given as the protocol: one capped, escaped line, not the whole file.
    @Test func csvAsProtocolIsNotEchoed() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("study")
        try SyntheticCohort.write(to: folder)
        let csv = folder.appendingPathComponent("measurements.csv")
        let run = try run(report: false, ["--protocol", csv.path], out: root.appendingPathComponent("out"))
        #expect(run.code == 1)
        let problem = try #require(run.errors.lines.first { $0.hasPrefix(csv.path + ":1:1: error: ") })
        #expect(problem.count < 400, "\(problem.count) characters")
        #expect(problem.contains("characters left out]"))
        #expect(run.errors.lines.allSatisfy { $0.count <= MessageText.lineLimit + 60 && !$0.contains("\n") })
    }

    /// Every line the commands print goes through `MessageText.line`.
    @Test func printedLinesAreEscaped() {
        let lines = Lines()
        StoreCommandLine.emitLines("one\ntwo\u{1B}[2J\u{202E}", to: lines.add)
        #expect(lines.lines == ["one", "two\\u{1B}[2J\\u{202E}"])
    }

    @Test func importOntoDevNullIsRefused() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("study")
        try SyntheticCohort.write(to: folder)
        let errors = Lines()
        let code = StoreCommandLine.runImport(
            folder: folder, database: URL(fileURLWithPath: "/dev/null"), output: { _ in }, errors: errors.add)
        #expect(code == StoreCommandLine.exitStoreFailure)
        #expect(errors.lines == [
            "error: /dev/null exists and is not a regular file (a directory, device, link or pipe); it was left untouched — choose another --db"
        ])
    }
}
