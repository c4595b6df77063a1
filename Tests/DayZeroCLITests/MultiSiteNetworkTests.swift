import DayZeroAnalysis
import DayZeroCohort
@testable import DayZeroCLI
import DayZeroTestSupport
import Foundation
import Testing

/// The network end to end through the commands: `dayzero simulate --sites 3` (sites that
/// differ in case mix and measurement frequency) → `site-summary --alignment-round` at every
/// site → `pool --alignment` → the protocol's `multi_site: alignment_day` → `site-summary` at
/// every site → `pool`, compared with `analyze` of `all/` (the union of the sites) under the
/// same protocol file. Once in plain mode (survival grid derived from the data at each site),
/// once masked (keys from `dayzero site-key`, secure aggregation in both rounds).
@Suite("Multi-site network end to end (simulate, site-summary, pool, analyze)", .serialized)
struct MultiSiteNetworkTests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
        func add(_ s: String) { lines.append(s) }
        var text: String { lines.joined(separator: "\n") }
    }

    static let sites = ["site-1", "site-2", "site-3"]

    /// Values compared between the pool and `analyze` of `all/` — the same in both modes
    /// (nothing withheld: plain with minimum cell count 1, masked withholds nothing). The
    /// simulated network is seeded, so the count is fixed; a change means the comparison or
    /// the simulated network changed.
    static let comparedValues = 11_178

    /// One run of the network through the commands.
    struct Run {
        var day: Int
        var summaries: [URL]
        var pooled: PooledResults
        var whole: StudyResults
    }

    /// Simulates the network into `root`, runs both rounds at every site with the protocol's
    /// `multi_site:` section `block` (`alignment_day` appended for round 2) and the site's extra
    /// `site-summary` arguments, pools, and runs `analyze` of `all/` under round 2's protocol.
    static func run(root: URL, block: String, arguments: (String) -> [String] = { _ in [] }, poolOptions: PoolOptions) throws -> Run {
        let network = root.appendingPathComponent("network")
        try #require(try DayZeroCommand.parseAsRoot(["simulate", "--sites", "\(sites.count)", "--out", network.path]) as? SimulateCommand).run()
        let round1Protocol = root.appendingPathComponent("round1.yaml")
        try Data((ProtocolYAML.defaultYAML + "\n" + block).utf8).write(to: round1Protocol)
        let output = Lines()
        let errors = Lines()
        func summarise(_ site: String, protocol file: URL, round1: Bool) throws -> URL {
            let out = root.appendingPathComponent("\(site)\(round1 ? "-round1" : "").json")
            let command = try SiteSummaryCommand.parse(
                (round1 ? ["--alignment-round"] : []) + ["--study", network.appendingPathComponent(site).path, "--protocol", file.path,
                                                         "--site", site, "--out", out.path] + arguments(site))
            let code = MultiSiteCommandLine.siteSummary(
                input: command.input, site: site, out: out, alignmentRound: round1,
                options: SiteSummaryOptions(
                    startDays: command.startDays.flatMap(SiteSummaryCommand.range), minCellCount: command.minCellCount,
                    timeSlotsPerDay: command.timeSlotsPerDay),
                keyFile: command.key, networkKeyFiles: command.networkKeys, output: output.add, errors: errors.add)
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
        // Round 2 under the agreed day.
        let protocolFile = root.appendingPathComponent("protocol.yaml")
        try Data((ProtocolYAML.defaultYAML + "\n" + block + "  alignment_day: \(day)\n").utf8).write(to: protocolFile)
        let summaries = try sites.map { try summarise($0, protocol: protocolFile, round1: false) }
        let pooledFolder = root.appendingPathComponent("pooled")
        code = MultiSiteCommandLine.pool(
            files: summaries, out: pooledFolder, alignment: false, options: poolOptions, output: output.add, errors: errors.add)
        try #require(code == 0, "\(errors.text)")
        // analyze of all/ under the same protocol file (which keeps the treated median).
        let wholeFolder = root.appendingPathComponent("whole")
        code = AnalysisCommandLine.runAnalyze(
            input: try AnalyzeCommand.parse(["--study", network.appendingPathComponent("all").path, "--protocol", protocolFile.path, "--out", wholeFolder.path]).input,
            out: wholeFolder, progress: .lines(interval: 3600), output: { _ in }, errors: errors.add)
        try #require(code == 0, "\(errors.text)")
        let pooled = try JSONDecoder().decode(PooledResults.self, from: Data(contentsOf: pooledFolder.appendingPathComponent("results.json")))
        let whole = try JSONDecoder().decode(StudyResults.self, from: Data(contentsOf: wholeFolder.appendingPathComponent("results.json")))
        return Run(day: day, summaries: summaries, pooled: pooled, whole: whole)
    }

    /// What both modes must show: the agreed day, one protocol hash, every set defined by
    /// per-patient rules pooled, and every compared value within 1e-8 of `analyze`.
    static func expectPooledEqualsWhole(_ run: Run) -> PoolingComparison {
        let (pooled, whole) = (run.pooled, run.whole)
        #expect(whole.analysisSets.first?.flow.controlAlignmentDay == run.day)
        #expect(pooled.provenance.protocolHash == whole.provenance.protocolHash)
        #expect(pooled.provenance.sites.map(\.site) == sites)
        #expect(pooled.provenance.settings.timeSlotsPerDay == 100)
        // Matched and weighted sets are not pooled.
        #expect(pooled.sets.count == 3 && pooled.notPoolable.count == 2, "\(pooled.sets.map(\.id)), \(pooled.notPoolable.map(\.item))")
        let comparison = PoolingComparison(pooled: pooled, whole: whole)
        #expect(comparison.mismatches.isEmpty, "\(comparison.mismatches.count) mismatches: \(comparison.mismatches.prefix(10))")
        #expect(comparison.shortfalls(PoolingComparison.defaultProtocolCoverage(sets: pooled.sets.count)).isEmpty, "\(comparison.compared)")
        #expect(comparison.total == comparedValues, "\(comparison.compared)")
        #expect(comparison.worst.difference < 1e-8, "\(comparison.worst)")
        return comparison
    }

    @Test func pooledSitesEqualTheUnion() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let block = "multi_site:\n  sites: [\(Self.sites.joined(separator: ", "))]\n  disclosure: plain\n  min_cell_count: 1\n"
        // No grid stated: each site derives its own; the pool moves them onto the finest.
        let run = try Self.run(root: root, block: block, poolOptions: PoolOptions(siteStratifiedLogRank: true))
        let grids = try run.summaries.map { try Pooling.read($0).settings.timeSlotsPerDay }
        #expect(grids.allSatisfy { 100 % $0 == 0 } && grids.contains(100), "\(grids)")
        #expect(run.pooled.provenance.settings.disclosure == .plain)
        _ = Self.expectPooledEqualsWhole(run)
        #expect(run.pooled.sets.allSatisfy { $0.survival.allSatisfy { $0.stratifiedLogRank != nil } })
    }

    /// Masked in both rounds: keys from `dayzero site-key`, every site's summary masked with the
    /// network's public keys. The protocol names the sites and the grid (masked words add slot
    /// by slot, so one grid) and leaves the minimum cell count to the sites: site-2 states 3,
    /// the others keep 5 — the pool accepts it, since nothing is withheld in masked mode.
    @Test func maskedSitesEqualTheUnion() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let keys = root.appendingPathComponent("keys")
        for site in Self.sites {
            try #require(try DayZeroCommand.parseAsRoot(["site-key", "--site", site, "--out", keys.path]) as? SiteKeyCommand).run()
        }
        let block = "multi_site:\n  sites: [\(Self.sites.joined(separator: ", "))]\n  time_slots_per_day: 100\n"
        let publicKeys = Self.sites.map { keys.appendingPathComponent("\($0).pub").path }
        let run = try Self.run(
            root: root, block: block,
            arguments: { site in
                ["--key", keys.appendingPathComponent("\(site).key").path, "--network-keys"] + publicKeys
                    + (site == "site-2" ? ["--min-cell-count", "3"] : [])
            },
            poolOptions: PoolOptions(siteStratifiedLogRank: true))
        let read = try run.summaries.map(Pooling.read)
        #expect(read.map(\.settings.disclosure) == [.masked, .masked, .masked])
        #expect(read.map(\.settings.minCellCount) == [5, 3, 5])
        // No readable value in a masked file.
        #expect(read.allSatisfy { $0.payload.sets.allSatisfy { $0.patients.values == nil && $0.patients.masked != nil } })
        #expect(run.pooled.provenance.settings.disclosure == .masked)
        _ = Self.expectPooledEqualsWhole(run)
        #expect(run.pooled.sets.allSatisfy { $0.survival.allSatisfy { $0.stratifiedLogRank != nil } })
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
