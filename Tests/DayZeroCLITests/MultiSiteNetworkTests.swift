import DayZeroAnalysis
import DayZeroCohort
@testable import DayZeroCLI
import DayZeroTestSupport
import Foundation
import Testing

/// The network end to end through the commands: `dayzero simulate --sites 3` (sites that
/// differ in case mix and measurement frequency) → `site-summary --alignment-round` at every
/// site → `pool --alignment` → the protocol's `multi_site: alignment_day` → `site-summary` at
/// every site (survival grid derived from the data) → `pool`, compared with `analyze` of
/// `all/` (the union of the sites) under the same protocol file.
@Suite("Multi-site network end to end (simulate, site-summary, pool, analyze)", .serialized)
struct MultiSiteNetworkTests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
        func add(_ s: String) { lines.append(s) }
        var text: String { lines.joined(separator: "\n") }
    }

    @Test func pooledSitesEqualTheUnion() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let network = root.appendingPathComponent("network")
        try #require(try DayZeroCommand.parseAsRoot(["simulate", "--sites", "3", "--out", network.path]) as? SimulateCommand).run()
        let sites = ["site-1", "site-2", "site-3"]
        let block = "multi_site:\n  sites: [\(sites.joined(separator: ", "))]\n  disclosure: plain\n  min_cell_count: 1\n"
        let round1Protocol = root.appendingPathComponent("round1.yaml")
        try Data((ProtocolYAML.defaultYAML + "\n" + block).utf8).write(to: round1Protocol)
        let output = Lines()
        let errors = Lines()
        func summarise(_ site: String, protocol file: URL, round1: Bool) throws -> URL {
            let out = root.appendingPathComponent("\(site)\(round1 ? "-round1" : "").json")
            let command = try SiteSummaryCommand.parse(
                (round1 ? ["--alignment-round"] : []) + ["--study", network.appendingPathComponent(site).path, "--protocol", file.path,
                                                         "--site", site, "--out", out.path])
            let code = MultiSiteCommandLine.siteSummary(
                input: command.input, site: site, out: out, alignmentRound: round1, output: output.add, errors: errors.add)
            guard code == 0 else {
                Issue.record("\(site): \(errors.text)")
                throw PoolError("site-summary failed at \(site)")
            }
            return out
        }
        // Round 1: start-day counts; the coordinator's median.
        let round1 = try sites.map { try summarise($0, protocol: round1Protocol, round1: true) }
        var code = MultiSiteCommandLine.pool(files: round1, out: nil, alignment: true, options: PoolOptions(), output: output.add, errors: errors.add)
        try #require(code == 0, "\(errors.text)")
        let line = try #require(output.lines.first { $0.hasPrefix("  alignment_day: ") }, "\(output.text)")
        let day = try #require(Int(line.dropFirst("  alignment_day: ".count)))
        // Round 2 under the agreed day; the survival grid is derived at each site.
        let protocolFile = root.appendingPathComponent("protocol.yaml")
        try Data((ProtocolYAML.defaultYAML + "\n" + block + "  alignment_day: \(day)\n").utf8).write(to: protocolFile)
        let summaries = try sites.map { try summarise($0, protocol: protocolFile, round1: false) }
        let grids = try summaries.map { try Pooling.read($0).settings.timeSlotsPerDay }
        #expect(grids.allSatisfy { 100 % $0 == 0 } && grids.contains(100), "\(grids)")
        let pooledFolder = root.appendingPathComponent("pooled")
        code = MultiSiteCommandLine.pool(
            files: summaries, out: pooledFolder, alignment: false, options: PoolOptions(siteStratifiedLogRank: true),
            output: output.add, errors: errors.add)
        try #require(code == 0, "\(errors.text)")
        // analyze of all/ under the same protocol file (which keeps the treated median).
        let wholeFolder = root.appendingPathComponent("whole")
        code = AnalysisCommandLine.runAnalyze(
            input: try AnalyzeCommand.parse(["--study", network.appendingPathComponent("all").path, "--protocol", protocolFile.path, "--out", wholeFolder.path]).input,
            out: wholeFolder, progress: .lines(interval: 3600), output: { _ in }, errors: errors.add)
        try #require(code == 0, "\(errors.text)")
        let pooled = try JSONDecoder().decode(PooledResults.self, from: Data(contentsOf: pooledFolder.appendingPathComponent("results.json")))
        let whole = try JSONDecoder().decode(StudyResults.self, from: Data(contentsOf: wholeFolder.appendingPathComponent("results.json")))
        #expect(whole.analysisSets.first?.flow.controlAlignmentDay == day)
        #expect(pooled.provenance.protocolHash == whole.provenance.protocolHash)
        #expect(pooled.provenance.sites.map(\.site) == sites)
        #expect(pooled.provenance.settings.timeSlotsPerDay == 100)
        // Every set defined by per-patient rules is pooled (matched and weighted ones are not).
        #expect(pooled.sets.count == 3 && pooled.notPoolable.count == 2, "\(pooled.sets.map(\.id)), \(pooled.notPoolable.map(\.item))")
        let comparison = PoolingComparison(pooled: pooled, whole: whole)
        #expect(comparison.mismatches.isEmpty, "\(comparison.mismatches.count) mismatches: \(comparison.mismatches.prefix(10))")
        #expect(comparison.count("mixed-model F") > 20)
        #expect(comparison.count("day statistics") > 300)
        #expect(comparison.count("Kaplan–Meier steps") > 100)
        #expect(comparison.count("log-rank") > 3)
        #expect(comparison.count("Fisher") > 5)
        #expect(comparison.count("paired t") > 200)
        #expect(comparison.count("Table 1 p") >= 5 * pooled.sets.count, "\(comparison.compared)")
        #expect(comparison.worst.difference < 1e-8, "\(comparison.worst)")
    }

    @Test func optionsThatContradictTheProtocolAreRefused() throws {
        var p = StudyProtocol.paperDefault
        p.multiSite = MultiSiteStudySettings(sites: ["north", "south", "east"], minCellCount: 10, timeSlotsPerDay: 100)
        // Masked by default once the sites are named: plain (no keys) is refused.
        #expect(throws: (any Error).self) { _ = try MultiSiteCommandLine.settings(p, site: "north", options: SiteSummaryOptions(), masked: false) }
        let chosen = try MultiSiteCommandLine.settings(p, site: "north", options: SiteSummaryOptions(minCellCount: 10), masked: true)
        #expect(chosen.disclosure == .masked && chosen.minCellCount == 10 && chosen.timeSlotsPerDay == 100 && chosen.startDays == -14...90)
        var refused: [(SiteSummaryOptions, String, Bool, String)] = [
            (SiteSummaryOptions(minCellCount: 5), "north", true, "--min-cell-count 5 contradicts the protocol's multi_site.min_cell_count: 10"),
            (SiteSummaryOptions(timeSlotsPerDay: 1), "north", true, "--time-slots-per-day 1 contradicts"),
            (SiteSummaryOptions(), "west", true, "site 'west' is not one of the protocol's multi_site.sites"),
        ]
        p.multiSite?.alignmentStartDays = DayWindow(-7, 30)
        refused.append((SiteSummaryOptions(startDays: -14...90), "north", true, "--start-days -14..90 contradicts the protocol's multi_site.alignment_start_days: -7..30"))
        #expect(refused.count == 4)
        for (options, site, masked, fragment) in refused {
            do {
                _ = try MultiSiteCommandLine.settings(p, site: site, options: options, masked: masked)
                Issue.record("accepted: \(options)")
            } catch {
                #expect("\(error)".contains(fragment), "\(error)")
            }
        }
        // An explicit plain mode refuses keys; without the section the options decide.
        p.multiSite?.disclosure = .plain
        #expect(throws: (any Error).self) { _ = try MultiSiteCommandLine.settings(p, site: "north", options: SiteSummaryOptions(), masked: true) }
        let open = try MultiSiteCommandLine.settings(.paperDefault, site: "x", options: SiteSummaryOptions(minCellCount: 3), masked: false)
        #expect(open.disclosure == .plain && open.minCellCount == 3 && open.timeSlotsPerDay == nil && open.startDays == -14...90)
    }
}
