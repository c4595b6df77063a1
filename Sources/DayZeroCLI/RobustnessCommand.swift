import ArgumentParser
import DayZeroAnalysis
import DayZeroCohort
import DayZeroStore
import Foundation

/// `dayzero robustness [--db FILE | --study DIR] [--protocol FILE] --out DIR`
public struct RobustnessCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "robustness",
        abstract: "Run the protocol's specification curve and write robustness.json.",
        discussion: """
            Every specification of the protocol's robustness: grid (one alternative of every dimension: zero rules, SOFA rules, temperature imputation, alignment rounding, windows, proteomics line, matching, criteria) is derived and analysed; a grid larger than max_specifications is sampled with the section's seed, always keeping the protocol's own specification. For each headline result (each kinetics p before, after and over the whole window; each outcome effect; each Table 1 row of the alignment day) robustness.json holds the estimate and p value of every specification, the share with p < 0.05, the median and range, and a verdict (robust, or fragile and the choice it depends on). Without --db or --study the bundled cohort is analysed with the default protocol's grid. The method: docs/methods/robustness.md; the file: docs/results.md. dayzero report shows the same curves in its robustness section.

            Exit codes: 0 done; 1 the study or the protocol breaks a rule, or the protocol has no robustness: section; 2 a file could not be found, read or written; 64 a command-line usage error.

            Examples:
              dayzero robustness --out curve/
              dayzero robustness --study study/ --protocol protocol.yaml --out curve/
              dayzero robustness --db study.sqlite --protocol p.yaml --out curve/ --force
            """)

    @OptionGroup public var input: StudyInputOptions

    @Option(name: .long, help: "The output folder.")
    public var out: String = "dayzero-robustness"

    @Flag(name: .long, help: "Replace an output folder that is not empty.")
    public var force = false

    public init() {}

    public func run() throws {
        let code = AnalysisCommandLine.runRobustness(
            input: input, out: URL(fileURLWithPath: out), force: force, progress: .automatic,
            output: { print($0) }, errors: writeToStandardError)
        if code != 0 { throw ExitCode(code) }
    }
}

extension AnalysisCommandLine {
    /// Loads the study, runs the protocol's specification curve and writes `robustness.json`;
    /// prints one verdict line per headline result of the first set.
    public static func runRobustness(
        input: StudyInputOptions, out: URL, force: Bool = false, progress style: ProgressStyle = .none,
        output: (String) -> Void, errors rawErrors: @escaping (String) -> Void
    ) -> Int32 {
        let errors: (String) -> Void = { message in StoreCommandLine.emitLines(message, to: rawErrors) }
        guard let folder = openOutputFolder(out, force: force, output: output, errors: errors) else { return 2 }
        let lineWriter = LineWriter(rawErrors)
        let progress = ProgressDisplay(style: style, total: 3, writeLine: { lineWriter.write($0) })
        do {
            let loaded = try progress.step("loading the study") { try input.load() }
            guard loaded.studyProtocol.robustness != nil else {
                errors("error: \(RobustnessError.noRobustnessSection)")
                return 1
            }
            let results = try robustnessStep(loaded, progress: progress)
            try progress.step("writing the files") {
                try folder.write { directory in
                    try RobustnessAnalysis.json(results).write(to: directory.appendingPathComponent("robustness.json"))
                }
            }
            output("Analysed \(loaded.source).")
            for line in robustnessSummary(results) { output(line) }
            output("Wrote \(out.appendingPathComponent("robustness.json").path).")
            return 0
        } catch {
            return reportStop(error, writing: out, errors: errors)
        }
    }

    /// The specification curve as one progress step with a live count of the analyses done.
    /// The study must be in memory: a store's streamed tables are loaded first.
    static func robustnessStep(_ loaded: LoadedStudy, progress: ProgressDisplay) throws -> RobustnessResults {
        var study = loaded.study
        if let store = loaded.store { study = try store.load() }
        let counter = ProgressCounter(total: nil, unit: "specifications analysed")
        let full = study
        return try progress.step("running the specification curve", counter: counter) {
            try RobustnessAnalysis.run(
                study: full, protocol: loaded.studyProtocol, seed: loaded.seed,
                started: { counter.update(done: 0, total: $0) }, finished: { counter.increment() })
        }
    }

    /// The terminal summary: the grid, then one verdict line per headline result of each set.
    static func robustnessSummary(_ r: RobustnessResults) -> [String] {
        var lines = [
            "Specification curve: \(r.specifications.count) specifications"
                + (r.sampled ? " (a seeded sample of \(r.gridSize))" : "") + " over \(r.dimensions.count) choices, "
                + "\(r.distinctAnalyses) distinct analyses.",
        ]
        for set in r.analysisSets {
            lines.append("\(set.label):")
            for curve in set.results { lines.append("  \(curve.label): \(curve.summary.verdictText)") }
        }
        for w in r.warnings { lines.append("warning: \(w)") }
        return lines
    }
}
