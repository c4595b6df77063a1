import DayZeroAnalysis
@testable import DayZeroCLI
import DayZeroTestSupport
import Foundation
import Testing

@Suite("simulate --sites: a network of study folders that import and analyse")
struct SimulateSitesCommandTests {
    @Test("--sites 3 --site-differences none: OUT/all has the plain default cohort's results.json statistics")
    func unionAnalysesLikeTheDefaultCohort() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let network = root.appendingPathComponent("network")
        let command = try #require(
            try DayZeroCommand.parseAsRoot(["simulate", "--sites", "3", "--site-differences", "none", "--out", network.path]) as? SimulateCommand)
        try command.run()
        let plain = root.appendingPathComponent("plain")
        try #require(try DayZeroCommand.parseAsRoot(["simulate", "--out", plain.path]) as? SimulateCommand).run()
        func results(_ folder: URL, _ name: String) throws -> [String: Any] {
            let out = root.appendingPathComponent("out-\(name)")
            let code = AnalysisCommandLine.runAnalyze(
                input: try AnalyzeCommand.parse(["--study", folder.path, "--out", out.path]).input, out: out,
                progress: .lines(interval: 3600), output: { _ in }, errors: { _ in })
            #expect(code == 0)
            let data = try Data(contentsOf: out.appendingPathComponent("results.json"))
            var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(object["provenance"] != nil)
            object["provenance"] = nil  // the input digest covers the site column
            return object
        }
        let union = try results(network.appendingPathComponent("all"), "all")
        let expected = try results(plain, "plain")
        #expect(union.count == expected.count && union.count >= 3)
        #expect(NSDictionary(dictionary: union).isEqual(to: expected))
        // Each site folder imports and analyses on its own.
        for site in ["site-1", "site-2", "site-3"] {
            let out = root.appendingPathComponent("out-\(site)")
            let code = AnalysisCommandLine.runAnalyze(
                input: try AnalyzeCommand.parse(["--study", network.appendingPathComponent(site).path, "--out", out.path]).input, out: out,
                progress: .lines(interval: 3600), output: { _ in }, errors: { _ in })
            #expect(code == 0, "\(site)")
        }
    }

    @Test("--sites is checked: range, format, example, --site-differences value and pairing")
    func validation() {
        let bad: [[String]] = [
            ["--sites", "1"], ["--sites", "17"], ["--sites", "3", "--format", "omop"],
            ["--sites", "3", "--example", "alcoholic-hepatitis"], ["--sites", "3", "--site-differences", "some"],
            ["--site-differences", "none"],
        ]
        for arguments in bad {
            #expect(throws: (any Error).self, "\(arguments)") {
                try DayZeroCommand.parseAsRoot(["simulate", "--out", "/tmp/dayzero-never-written"] + arguments)
            }
        }
    }
}
