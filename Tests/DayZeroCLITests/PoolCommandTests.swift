import DayZeroAnalysis
@testable import DayZeroCLI
import DayZeroTestSupport
import Foundation
import Testing

/// `dayzero pool` refuses bad summaries with a message naming the file and the rule, and
/// `dayzero site-summary` + `pool` run end to end on the bundled cohort.
@Suite(.serialized) struct PoolCommandTests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
        func add(_ s: String) { lines.append(s) }
        var text: String { lines.joined(separator: "\n") }
    }

    static func summary(
        site: String, hash: String = "abc", version: String = StudyAnalysis.toolVersion,
        disclosure: MultiSiteSettings.Disclosure = .plain, patients: [Double] = [10, 12]
    ) throws -> SiteSummary {
        let block = disclosure == .plain ? SlotBlock(values: patients) : SlotBlock(masked: Data(repeating: 0, count: 16 * (patients.count + 1)).base64EncodedString())
        let set = SetSummary(
            id: "all", label: "All", patients: block, kinetics: [], survival: [], binary: [], medication: [], proteomics: nil,
            notAvailable: [])
        return try SiteSummary(
            provenance: SiteProvenance(site: site, protocolHash: hash, toolVersion: version, createdBy: "test"),
            settings: MultiSiteSettings(disclosure: disclosure), payload: SitePayload(sets: [set]))
    }

    func write(_ s: SiteSummary, _ name: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try s.json().write(to: url)
        return url
    }

    func pool(_ files: [URL], out: URL) -> (code: Int32, errors: String) {
        let errors = Lines()
        let code = MultiSiteCommandLine.pool(
            files: files, out: out, alignment: false, options: PoolOptions(), output: { _ in }, errors: errors.add)
        return (code, errors.text)
    }

    @Test func goodSummariesPool() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try ["A", "B", "C"].map { try write(try Self.summary(site: $0), "\($0).json", in: dir) }
        let out = dir.appendingPathComponent("pooled")
        let r = pool(files, out: out)
        #expect(r.code == 0, "\(r.errors)")
        let results = try JSONDecoder().decode(PooledResults.self, from: Data(contentsOf: out.appendingPathComponent("results.json")))
        #expect(results.sets.first?.treated == 30)
        #expect(results.sets.first?.controls == 36)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
    }

    @Test func refusals() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try write(try Self.summary(site: "A"), "a.json", in: dir)
        let b = try write(try Self.summary(site: "B"), "b.json", in: dir)
        let out = dir.appendingPathComponent("out")
        var cases: [(files: [URL], expected: [String])] = []
        // Different protocol hashes.
        cases.append(([a, try write(try Self.summary(site: "C", hash: "other"), "c-hash.json", in: dir)], ["c-hash.json", "protocol hash"]))
        // Different DayZero major versions.
        cases.append(([a, try write(try Self.summary(site: "C", version: "9.0.0"), "c-version.json", in: dir)], ["c-version.json", "major version"]))
        // Tampered: a count changed after writing.
        let tampered = dir.appendingPathComponent("c-tampered.json")
        let text = String(decoding: try Self.summary(site: "C").json(), as: UTF8.self)
        try Data(text.replacingOccurrences(of: "12", with: "13").utf8).write(to: tampered)
        cases.append(([a, tampered], ["c-tampered.json", "digest does not match"]))
        // Truncated.
        let truncated = dir.appendingPathComponent("c-truncated.json")
        let bytes = try Self.summary(site: "C").json()
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        cases.append(([a, truncated], ["c-truncated.json", "not a valid JSON file", "line", "column"]))
        // A site sent twice: same name, and the same file under another name.
        cases.append(([a, b, try write(try Self.summary(site: "A", patients: [7, 8]), "a-again.json", in: dir)], ["a-again.json", "site 'A' was already given"]))
        let copy = dir.appendingPathComponent("copy-of-b.json")
        try FileManager.default.copyItem(at: b, to: copy)
        cases.append(([a, b, copy], ["copy-of-b.json"]))
        // Masked and plain mixed.
        cases.append(([a, try write(try Self.summary(site: "C", disclosure: .masked), "c-masked.json", in: dir)], ["c-masked.json", "cannot be mixed"]))
        // A format-1 summary (before the cross-group zeros were dropped and masked words packed).
        let old = dir.appendingPathComponent("c-format1.json")
        let current = String(decoding: try Self.summary(site: "C").json(), as: UTF8.self)
        try Data(current.replacingOccurrences(of: "\"dayzero_site_summary\":2", with: "\"dayzero_site_summary\":1").utf8).write(to: old)
        #expect(current.contains("\"dayzero_site_summary\":2"))
        cases.append(([a, old], ["c-format1.json", "site summary format 1; this DayZero reads format 2"]))
        #expect(cases.count == 8)
        for c in cases {
            let r = pool(c.files, out: out)
            #expect(r.code == 1, "\(c.expected): exit \(r.code)")
            for fragment in c.expected { #expect(r.errors.contains(fragment), "expected '\(fragment)' in: \(r.errors)") }
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("results.json").path))
        }
    }

    @Test func siteSummaryAndPoolEndToEnd() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Round 1 on the bundled cohort as one site, then the fixed protocol.
        let round1 = dir.appendingPathComponent("a-round1.json")
        let output = Lines()
        let errors = Lines()
        let command = try SiteSummaryCommand.parse(["--alignment-round", "--site", "A", "--out", round1.path])
        // Plain mode with the default minimum cell count withholds start days with 1–4 patients.
        var code = MultiSiteCommandLine.siteSummary(
            input: command.input, site: "A", out: round1, alignmentRound: true,
            output: output.add, errors: errors.add)
        #expect(code == 0, "\(errors.text)")
        code = MultiSiteCommandLine.pool(files: [round1], out: nil, alignment: true, options: PoolOptions(), output: output.add, errors: errors.add)
        #expect(code == 1)
        #expect(errors.text.contains("withheld by site A"))
        code = MultiSiteCommandLine.siteSummary(
            input: command.input, site: "A", out: round1, alignmentRound: true,
            options: SiteSummaryOptions(minCellCount: 1), output: output.add, errors: errors.add)
        #expect(code == 0, "\(errors.text)")
        code = MultiSiteCommandLine.pool(files: [round1], out: nil, alignment: true, options: PoolOptions(), output: output.add, errors: errors.add)
        #expect(code == 0, "\(errors.text)")
        #expect(output.text.contains("fixed_icu_day: "))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("a-round1.disclosure.txt").path))
        // Without the fixed day the summary is refused.
        let refused = MultiSiteCommandLine.siteSummary(
            input: command.input, site: "A", out: dir.appendingPathComponent("a.json"), alignmentRound: false,
            output: output.add, errors: errors.add)
        #expect(refused == 1)
        #expect(errors.text.contains("fixed_icu_day"))
        #expect(output.text.contains("fixed_icu_day: 12"))
    }
}
