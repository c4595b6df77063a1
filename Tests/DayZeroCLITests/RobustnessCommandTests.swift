import DayZeroAnalysis
import DayZeroCohort
@testable import DayZeroCLI
import DayZeroTestSupport
import Foundation
import Testing

/// `dayzero robustness` and the report's robustness section end to end, in-process, on a small
/// grid (4 specifications).
@Suite(.serialized) struct RobustnessCommandTests {
    /// The default protocol with its grid replaced by `grid` (the lines of `robustness:`).
    static func protocolText(grid: String?) throws -> String {
        let text = ProtocolYAML.defaultYAML
        let start = try #require(text.range(of: "robustness:\n"))
        let end = try #require(text.range(of: "# Analysis sets.", range: start.upperBound..<text.endIndex))
        return text.replacingCharacters(in: start.lowerBound..<end.lowerBound, with: grid ?? "")
    }

    static let smallGrid = """
        robustness:
          dimensions:
            - name: rounding
              vary: median_rounding
              alternatives: [half_down, half_up]
            - name: norepinephrine_zeros
              label: Norepinephrine zero rule
              vary: zero_rule
              parameter: norepinephrine
              alternatives: [{add_constant: 0.01}, {add_constant: 0.1}]

        """

    func write(_ text: String, in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("protocol.yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func robustness(_ arguments: [String], out: URL) throws -> (code: Int32, output: AnalyzeCommandTests.Lines, errors: AnalyzeCommandTests.Lines) {
        let command = try RobustnessCommand.parse(arguments + ["--out", out.path])
        let output = AnalyzeCommandTests.Lines(), errors = AnalyzeCommandTests.Lines()
        let code = AnalysisCommandLine.runRobustness(
            input: command.input, out: out, force: command.force, progress: .lines(interval: 3600), output: output.add, errors: errors.add)
        return (code, output, errors)
    }

    @Test func smallGridEndToEndAndDeterministic() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try write(Self.protocolText(grid: Self.smallGrid), in: folder)
        let out = folder.appendingPathComponent("curve")
        let run = try robustness(["--protocol", path], out: out)
        #expect(run.code == 0, "\(run.errors.text)")
        #expect(run.errors.lines.map { $0.prefix(6) } == ["[1/3] ", "[2/3] ", "[3/3] "])
        #expect(run.errors.text.contains("[2/3] running the specification curve … done"))
        #expect(run.output.text.contains("Specification curve: 4 specifications over 2 choices"))
        #expect(run.output.text.contains("Norepinephrine, after day 0: "))
        let data = try Data(contentsOf: out.appendingPathComponent("robustness.json"))
        let r = try JSONDecoder().decode(RobustnessResults.self, from: data)
        #expect(r.specifications.map(\.choices) == [[0, 0], [0, 1], [1, 0], [1, 1]])
        #expect(r.ownSpecification == 0)
        #expect(r.dimensions.map(\.label) == ["Rounding of the controls' alignment day", "Norepinephrine zero rule"])
        #expect(r.analysisSets.map(\.id) == ["main"])
        // Same input, protocol and seed: the same bytes.
        let again = folder.appendingPathComponent("again")
        #expect(try robustness(["--protocol", path], out: again).code == 0)
        #expect(try Data(contentsOf: again.appendingPathComponent("robustness.json")) == data)
    }

    @Test func aProtocolWithoutAGridIsRefused() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try write(Self.protocolText(grid: nil), in: folder)
        let run = try robustness(["--protocol", path], out: folder.appendingPathComponent("curve"))
        #expect(run.code == 1)
        #expect(run.errors.text.contains("the protocol has no robustness: section"))
    }

    @Test func theReportShowsTheRobustnessSection() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try write(Self.protocolText(grid: Self.smallGrid), in: folder)
        let out = folder.appendingPathComponent("report")
        let command = try ReportCommand.parse(["--protocol", path, "--out", out.path])
        let output = AnalyzeCommandTests.Lines(), errors = AnalyzeCommandTests.Lines()
        let code = AnalysisCommandLine.runReport(
            input: command.input, out: out, progress: .lines(interval: 3600), robustness: true, output: output.add, errors: errors.add)
        #expect(code == 0, "\(errors.text)")
        #expect(errors.lines.map { $0.prefix(6) } == ["[1/6] ", "[2/6] ", "[3/6] ", "[4/6] ", "[5/6] ", "[6/6] "])
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<section id=\"robustness\""))
        #expect(html.contains("id=\"robustness-main-kinetics-norepinephrine-post\""))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("robustness.json").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("figures/fig-robustness-main-kinetics-norepinephrine-post.svg").path))
        // --no-robustness is parsed.
        #expect(try ReportCommand.parse(["--no-robustness"]).noRobustness)
    }
}
