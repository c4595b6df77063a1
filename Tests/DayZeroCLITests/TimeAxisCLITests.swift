import DayZeroAnalysis
import DayZeroCohort
@testable import DayZeroCLI
import DayZeroTestSupport
import Foundation
import Testing

/// `dayzero analyze` with a long window: the categorical model is refused before anything is
/// fitted (located message, exit 1), the linear model runs and announces what it fits.
@Suite(.serialized) struct TimeAxisCLITests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
        func add(_ s: String) { lines.append(s) }
        var text: String { lines.joined(separator: "\n") }
    }

    func run(protocolText: String) throws -> (code: Int32, output: Lines, errors: Lines, out: URL) {
        let dir = try makeTemporaryDirectory()
        let file = dir.appendingPathComponent("protocol.yaml")
        try Data(protocolText.utf8).write(to: file)
        let out = dir.appendingPathComponent("out")
        let command = try AnalyzeCommand.parse(["--protocol", file.path, "--out", out.path])
        let output = Lines(), errors = Lines()
        let code = AnalysisCommandLine.runAnalyze(input: command.input, out: out, output: output.add, errors: errors.add)
        return (code, output, errors, out)
    }

    static let longWindow = ProtocolYAML.defaultYAML.replacingOccurrences(of: "serial: [-10, 10]", with: "serial: [-182, 182]")

    @Test func categoricalModelOnAYearLongWindowIsRefused() throws {
        let r = try run(protocolText: Self.longWindow)
        defer { try? FileManager.default.removeItem(at: r.out.deletingLastPathComponent()) }
        #expect(r.code == 1, "\(r.errors.text)")
        let line = try #require(
            ProtocolYAML.defaultYAML.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("serial: [-10, 10]") }) + 1
        #expect(r.errors.text.contains(
            "protocol.yaml:\(line):11: error: window [-182, 182] has 365 day periods: the categorical kinetics model would fit 365 time levels, above max_levels 60"),
            "\(r.errors.text)")
        #expect(!r.errors.text.contains("analysing"))
    }

    @Test func linearModelOnAYearLongWindowRuns() throws {
        let r = try run(protocolText: Self.longWindow + "kinetics_model: {time: linear}\n")
        defer { try? FileManager.default.removeItem(at: r.out.deletingLastPathComponent()) }
        #expect(r.code == 0, "\(r.errors.text)")
        #expect(r.errors.text.contains("kinetics: 18 parameters × 5 analysis sets, linear time on windows of up to 365 days"), "\(r.errors.text)")
        let results = try JSONDecoder().decode(StudyResults.self, from: Data(contentsOf: r.out.appendingPathComponent("results.json")))
        let panel = try #require(results.analysisSets.first?.kinetics.first { $0.parameter == "temperature" })
        #expect(panel.timeModel == "linear")
        #expect(panel.firstDay == -182 && panel.lastDay == 182 && panel.days.count == 730)
        #expect(panel.overall?.numeratorDF == 1)
    }
}
