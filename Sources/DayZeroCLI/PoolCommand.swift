import ArgumentParser
import DayZeroAnalysis
import Foundation

/// `dayzero pool SITE.json … --out DIR`
public struct PoolCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Pool site summaries into the network's results.json and report, exactly.",
        discussion: """
            Every statistic that is a function of sums over patients (mixed-model F tests, geometric means and CIs, Kaplan–Meier and log-rank, Fisher tests, paired t tests) is computed from the sites' summed aggregates and equals the analysis of the pooled patient rows; what cannot be pooled is listed as not available with the reason (docs/multi-site.md, docs/results.md).

            Refused (exit 1, the message names the file and the rule): different protocol hashes, different DayZero major versions, a changed file (digest mismatch), a truncated or invalid file (with line and column), a site given twice (same name or same digest), masked and plain summaries mixed, plain summaries with different minimum cell counts (masked ones withhold nothing, so theirs may differ).

            Examples:
              dayzero pool --alignment a-round1.json b-round1.json c-round1.json
              dayzero pool a.json b.json c.json --out pooled/ --site-stratified-log-rank --site-effect
            """)

    @Argument(help: "The site summaries (dayzero site-summary).")
    public var files: [String]

    @Option(name: .long, help: "The output folder (results.json, report.html).")
    public var out: String?

    @Flag(name: .long, help: "Round 2 of the alignment protocol: print the network median start day from round-1 summaries.")
    public var alignment = false

    @Flag(name: .long, help: "Add the site-stratified log-rank test.")
    public var siteStratifiedLogRank = false

    @Flag(name: .long, help: "Add mixed models with a site fixed effect (plain summaries only).")
    public var siteEffect = false

    @Flag(name: .long, help: "Replace an output folder that is not empty.")
    public var force = false

    public init() {}

    public func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one site summary") }
        if !alignment, out == nil { throw ValidationError("--out is required (the folder for results.json and report.html)") }
    }

    public func run() throws {
        let code = MultiSiteCommandLine.pool(
            files: files.map { URL(fileURLWithPath: $0) }, out: out.map { URL(fileURLWithPath: $0) }, alignment: alignment,
            options: PoolOptions(siteStratifiedLogRank: siteStratifiedLogRank, siteEffect: siteEffect), force: force,
            output: { print($0) }, errors: writeToStandardError)
        if code != 0 { throw ExitCode(code) }
    }
}
