import ArgumentParser
import DayZeroAnalysis
import DayZeroCohort
import DayZeroReport
import DayZeroSources
import DayZeroStore
import Foundation

/// `dayzero analyze [--db FILE | --study DIR] [--protocol FILE] --out DIR`
public struct AnalyzeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Run the workup of every analysis set and write results.json and the tidy CSV exports.",
        discussion: """
            Without --db or --study the bundled synthetic cohort is analysed. results.json is described in docs/results.md; the tidy exports (aligned_long.csv, table1_values.csv, outcomes.csv, medication_use.csv, proteomics_pairs.csv, pvalues.csv, matching.csv) hold the data as analysed, from which scripts/recompute.R recomputes every p-value in R.

            The output folder is checked before the analysis (its parent must exist and be writable; a folder that is not empty is replaced only with --force) and appears whole: the files are written into a hidden folder beside it (.NAME.writing-…) that is then renamed into place, and a folder being replaced stays intact until the new one is complete.

            Exit codes: 0 done; 1 the study or the protocol breaks a rule (every problem listed on stderr); 2 a file could not be found, read or written (or the output folder is not empty and --force was not given); 64 a command-line usage error.

            Examples:
              dayzero analyze --out out/  # results.json and the tidy CSVs
              dayzero analyze --study study/ --protocol protocol.yaml --out out/
              Rscript scripts/recompute.R out/  # every p value recomputed in R
            """)

    @OptionGroup public var input: StudyInputOptions

    @Option(name: .long, help: "The output folder.")
    public var out: String = "dayzero-output"

    @Flag(name: .long, help: "Replace an output folder that is not empty (the old folder stays intact until the new one is complete).")
    public var force = false

    @Flag(name: .long, help: "Print every analysis set's details (Table 1 highlights, every kinetics p value, every outcome) after the summary, and with --omop the rows and bytes read from the database.")
    public var verbose = false

    @Option(name: .customLong("print-sql"), help: "Print the pushdown's query (daily aggregates, last times, checks, rows outside the window) for --protocol, --mapping and --schema in this SQL dialect (postgresql or spark), or the OMOP CDM 5.4 DDL (ddl), and exit (docs/sources.md).")
    public var printSQL: String?

    public init() {}

    public func validate() throws {
        if let printSQL, printSQL != "ddl", SQLDialect(rawValue: printSQL) == nil {
            throw ValidationError("--print-sql takes postgresql, spark or ddl")
        }
    }

    public func run() throws {
        if let printSQL {
            do {
                print(try AnalysisCommandLine.sql(printSQL, input: input), terminator: "")
            } catch let failure as InputFailure {
                writeToStandardError(failure.located ? failure.description : "error: \(failure)")
                throw ExitCode(failure.exitCode)
            }
            return
        }
        let code = AnalysisCommandLine.runAnalyze(
            input: input, out: URL(fileURLWithPath: out), force: force, verbose: verbose, progress: .automatic,
            output: { print($0) }, errors: writeToStandardError)
        if code != 0 { throw ExitCode(code) }
    }
}

/// The work behind `dayzero analyze` and `dayzero report`, testable in-process.
public enum AnalysisCommandLine {
    /// `--print-sql`: the pushdown's query in `dialect`, or the CDM DDL (`ddl`).
    static func sql(_ dialect: String, input: StudyInputOptions) throws -> String {
        let (schema, mapping, _, _) = try input.omopSchemaAndMapping()
        if dialect == "ddl" { return "CREATE SCHEMA IF NOT EXISTS \(schema);\n" + OMOPDDL.statements(schema: schema) + "\n" }
        guard let d = SQLDialect(rawValue: dialect) else { throw InputFailure.unreadable("unknown SQL dialect \(dialect)") }
        return OMOPPushdown.querySQL(mapping: mapping, schema: schema, protocol: try input.omopProtocol(), dialect: d) + ";\n"
    }

    /// Loads, analyses, writes `results.json` and the tidy exports, prints a summary.
    public static func runAnalyze(
        input: StudyInputOptions, out: URL, force: Bool = false, verbose: Bool = false, progress: ProgressStyle = .none,
        output: (String) -> Void, errors: @escaping (String) -> Void
    ) -> Int32 {
        runWorkup(input: input, out: out, force: force, report: false, verbose: verbose, progress: progress, output: output, errors: errors)
    }

    /// The shared steps of `analyze` and `report`: load, derive, analyse, (render,) write, each
    /// shown once by `progress` on `errors`.
    ///
    /// The output folder is checked first (`OutputFolder.check`), so a path that cannot be
    /// written fails at once; leftovers of interrupted runs are removed (one line each on
    /// `output`); every file is then written through `OutputFolder.write`, which puts the
    /// complete folder in place in one step.
    static func runWorkup(
        input: StudyInputOptions, out: URL, force: Bool = false, report: Bool, verbose: Bool = false, progress style: ProgressStyle = .none,
        robustness: Bool = false, output: (String) -> Void, errors rawErrors: @escaping (String) -> Void
    ) -> Int32 {
        let errors: (String) -> Void = { message in StoreCommandLine.emitLines(message, to: rawErrors) }
        guard let folder = openOutputFolder(out, force: force, output: output, errors: errors) else { return 2 }
        let lineWriter = LineWriter(rawErrors)
        // The report's specification curve (`robustness:`) is one more step when asked for.
        let curveStep = report && robustness
        let progress = ProgressDisplay(style: style, total: (report ? 5 : 4) + (curveStep ? 1 : 0), writeLine: { lineWriter.write($0) })
        do {
            let loaded = try progress.step("loading the study") { try input.load() }
            for note in loaded.notes { output("note: \(note)") }
            if verbose, let transfer = loaded.transfer { output(transfer) }
            if let line = kineticsLine(loaded.studyProtocol) { errors(line) }
            let patients = loaded.study.patients.count
            let analysed = ProgressCounter(total: nil, unit: "patients analysed")
            let derived = try progress.step("deriving \(patients) screened patients", count: (patients, "patients"), counter: analysed) {
                try loaded.derive(patientProgress: { done, total in analysed.update(done: done, total: total) })
            }
            let setCount = loaded.studyProtocol.analysisSets.count
            let setsDone = ProgressCounter(total: setCount, unit: "sets")
            let analysis = try progress.step("analysing \(setCount) analysis sets", counter: setsDone) {
                try loaded.analyse(derived, setFinished: { setsDone.increment() })
            }
            var robustnessResults: RobustnessResults?
            if curveStep {
                if loaded.studyProtocol.robustness != nil {
                    robustnessResults = try robustnessStep(loaded, progress: progress)
                } else {
                    progress.step("no specification curve (the protocol has no robustness: section)") {}
                }
            }
            let document = report
                ? progress.step("rendering report.html") {
                    ReportRenderer().document(analysis.results, options: reportOptions(loaded), robustness: robustnessResults)
                }
                : nil
            try progress.step("writing the files") {
                try folder.write { directory in
                    try analysis.resultsJSON().write(to: directory.appendingPathComponent("results.json"))
                    if let robustnessResults {
                        try RobustnessAnalysis.json(robustnessResults).write(to: directory.appendingPathComponent("robustness.json"))
                    }
                    do {
                        try TidyExport.write(analysis, to: directory)
                    } catch let failure as ExportWriteError {
                        throw POSIXError(POSIXErrorCode(rawValue: failure.code) ?? .EIO)
                    }
                    if let document {
                        try Data(document.html.utf8).write(to: directory.appendingPathComponent("report.html"))
                        for file in document.files {
                            let url = directory.appendingPathComponent(file.path)
                            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                            try Data(file.content.utf8).write(to: url)
                        }
                    }
                }
            }
            output("Analysed \(loaded.source).")
            for line in summaryLines(analysis.results, protocol: loaded.studyProtocol, verbose: verbose) { output(line) }
            if let document {
                let figures = document.files.filter { $0.path.hasPrefix("figures/") }.count
                let tables = document.files.filter { $0.path.hasPrefix("tables/") }.count
                output("Report: \(out.appendingPathComponent("report.html").path) (\(figures) figures as SVG, \(tables) tables as CSV beside it)")
            }
            output("Wrote \(out.appendingPathComponent("results.json").path) and \(TidyExport.fileNames.count) tidy CSV files.")
            return 0
        } catch {
            return reportStop(error, writing: out, errors: errors)
        }
    }

    /// The output folder of an analysis command, checked (exists only with `force`, can be
    /// written), with the leftovers of interrupted runs removed (one line each on `output`);
    /// `nil` after the error is written when it cannot be used (exit code 2).
    static func openOutputFolder(_ out: URL, force: Bool, output: (String) -> Void, errors: (String) -> Void) -> OutputFolder? {
        let folder: OutputFolder
        do {
            folder = try OutputFolder.check(out, force: force)
        } catch {
            errors("error: \(error)")
            return nil
        }
        for line in folder.removeLeftovers() { output(line) }
        return folder
    }

    /// Writes what stopped an analysis command (analyze, report, robustness) and returns its
    /// exit code: 1 when the study or the protocol breaks a rule, 2 when a file could not be
    /// found, read or written (an input failure carries its own code).
    static func reportStop(_ error: any Error, writing out: URL, errors: (String) -> Void) -> Int32 {
        switch error {
        case let failure as InputFailure:
            errors(failure.located ? failure.description : "error: \(failure)")
            return failure.exitCode
        case let failure as ProtocolLoadError:
            errors("\(failure)")
            return 1
        case is DerivationError, is RobustnessError:
            errors("error: \(error)")
            return 1
        case let failure as OutputFolder.Failure:
            errors("error: \(failure)")
            return 2
        default:
            errors("error: " + (OutputFolder.isFileSystemError(error) ? OutputFolder.describe(error, writing: out.path) : "\(error)"))
            return 2
        }
    }

    /// What the kinetics step will fit, written before the analysis when the protocol sets a
    /// time axis or a kinetics model (long windows are where the time goes):
    /// `kinetics: 19 parameters × 4 analysis sets, spline(knots: -90, 0, 90) time on windows of up to 365 month periods`.
    static func kineticsLine(_ p: StudyProtocol) -> String? {
        guard p.timeAxisSetting != nil || p.kineticsModelSetting != nil else { return nil }
        let kinetics = p.parameters.filter(\.kinetics)
        guard !kinetics.isEmpty else { return nil }
        let windows = kinetics.map { $0.window ?? p.windows.serial } + [p.windows.cytokines]
        let longest = windows.map { $0.end.subtractingReportingOverflow($0.start).partialValue &+ 1 }.max() ?? 0
        let model = p.kineticsModel
        let time = model.time == .categorical ? "categorical time (one level per period)" : "\(model.label) time"
        let unit = longest == 1 ? StudyWording(protocol: p).period : StudyWording(protocol: p).periods
        return "kinetics: \(kinetics.count) parameters × \(p.analysisSets.count) analysis sets, \(time) on windows of up to \(longest) \(unit)"
    }

    /// A short summary of the results: the flow, then one line per analysis set with its group
    /// sizes, the headline outcome (the first declared) and how many kinetics panels differ
    /// between the groups. With `verbose`, each set's details follow (Table 1 highlights, every
    /// kinetics p value, every outcome). Numbers as the report writes them (`NumberFormat`).
    public static func summaryLines(_ results: StudyResults, protocol studyProtocol: StudyProtocol? = nil, verbose: Bool = false) -> [String] {
        let wording = studyProtocol.map { StudyWording(protocol: $0) } ?? .icu
        var lines: [String] = []
        guard let main = results.analysisSets.first else { return ["No analysis set could be formed."] }
        let flow = main.flow
        lines.append("Cohort flow: \(flow.screened) screened")
        for step in flow.exclusions where !step.reason.contains(":") && step.count > 0 {
            lines.append("  − \(step.count) \(FlowLabels.text(step).lowercasedFirstWord)")
        }
        lines.append("  = \(flow.treated) treated + \(flow.controls) controls analysed"
            + (flow.controlAlignmentDay.map { " (controls aligned on \(wording.anchorPeriod($0)))" } ?? ""))
        if let headline = main.outcomeMeasures.first {
            lines.append("Analysis sets (headline outcome: \(headline.label); kinetics: panels with p < 0.05 over the whole window):")
        } else {
            lines.append("Analysis sets (kinetics: panels with p < 0.05 over the whole window):")
        }
        let width = results.analysisSets.map(\.id.count).max() ?? 0
        for set in results.analysisSets {
            let panels = set.kinetics + set.cytokines
            let differ = panels.filter { $0.interactionP(.overall).map { $0 < 0.05 } ?? false }.count
            var line = "  \(set.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(set.flow.treated) vs \(set.flow.controls)"
            if let m = set.outcomeMeasures.first { line += "; \(outcomeText(m, weighted: set.isWeighted))" }
            if !panels.isEmpty { line += "; \(differ) of \(panels.count) kinetics panels differ" }
            lines.append(line)
        }
        if verbose {
            for set in results.analysisSets { lines += detailLines(set, wording: wording) }
        }
        for warning in results.warnings { lines.append("note: \(ReadableNotes.text(warning) ?? warning)") }
        return lines
    }

    /// One set's details for `--verbose`.
    static func detailLines(_ set: AnalysisSetResults, wording: StudyWording) -> [String] {
        var lines = ["", "[\(set.id)] \(set.label): \(set.flow.treated) treated vs \(set.flow.controls) controls"]
        let rows = set.table1.sections.flatMap(\.rows)
        for id in ["alignment.temperature", "alignment.ferritin", "alignment.asat"] {
            guard let r = rows.first(where: { $0.id == id }) else { continue }
            let d = Table1HTML.rowDecimals(r)
            lines.append("  Table 1, \(wording.alignmentNoun), \(r.label): \(cell(r.treated, decimals: d)) vs \(cell(r.control, decimals: d)), \(NumberFormat.pStatement(r.pValue))")
        }
        for panel in set.kinetics + set.cytokines {
            let sides = panel.firstDay < 0 && panel.lastDay > 0
                ? "; before \(wording.aligned(0)) \(NumberFormat.pStatement(panel.interactionP(.pre))), after \(NumberFormat.pStatement(panel.interactionP(.post)))" : ""
            lines.append("  kinetics \(panel.label)\(panel.weighted == nil ? "" : " (weighted)"): overall \(NumberFormat.pStatement(panel.interactionP(.overall)))\(sides)")
        }
        for m in set.outcomeMeasures { lines.append("  \(m.label): \(outcomeText(m, label: false, weighted: set.isWeighted))") }
        return lines
    }

    /// `Secondary infection within 28 days 7/21 vs 9/39, p = 0.54`.
    /// In a weighted set the row's counts and test are unweighted, so the weighted effect is the
    /// headline: `Secondary infection within 28 days, weighted risk difference 7.2 (−19.0 to 33.4) percentage points, p = 0.59`.
    static func outcomeText(_ m: OutcomeMeasureResult, label: Bool = true, weighted: Bool = false) -> String {
        if weighted, let e = m.effects.first {
            return (label ? "\(m.label), " : "") + "weighted \(ForestPlotSVG.name(e.measure).lowercasedFirstWord) "
                + "\(ForestPlotSVG.estimateText(e))\(e.measure == "riskDifference" ? " percentage points" : ""), \(NumberFormat.pStatement(e.p))"
        }
        let r = m.row
        let d = Table1HTML.rowDecimals(r)
        let values = r.kind == .continuous
            ? "\(cell(r.treated, decimals: d)) vs \(cell(r.control, decimals: d))"
            : "\(r.treated.count ?? 0)/\(r.treated.n) vs \(r.control.count ?? 0)/\(r.control.n)"
        return (label ? "\(m.label) " : "") + "\(values), \(NumberFormat.pStatement(r.pValue))"
    }

    /// `39.0 [38.3–40.0]` with the row's decimals, as in the report.
    static func cell(_ s: Table1.GroupSummary, decimals: Int) -> String {
        guard let m = s.median, let q1 = s.q1, let q3 = s.q3 else { return "–" }
        return "\(NumberFormat.fixed(m, decimals: decimals)) [\(NumberFormat.fixed(q1, decimals: decimals))–\(NumberFormat.fixed(q3, decimals: decimals))]"
    }
}

/// Writes progress lines from the timer thread and the caller through one lock.
final class LineWriter: @unchecked Sendable {
    private let write: (String) -> Void
    private let lock = NSLock()

    init(_ write: @escaping (String) -> Void) {
        self.write = write
    }

    func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        StoreCommandLine.emitLines(line, to: write)
    }
}
