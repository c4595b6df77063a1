import ArgumentParser
import DayZeroAnalysis
import DayZeroCohort
import DayZeroReport
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
            """)

    @OptionGroup public var input: StudyInputOptions

    @Option(name: .long, help: "The output folder.")
    public var out: String = "dayzero-output"

    @Flag(name: .long, help: "Replace an output folder that is not empty (the old folder stays intact until the new one is complete).")
    public var force = false

    public init() {}

    public func run() throws {
        let code = AnalysisCommandLine.runAnalyze(
            input: input, out: URL(fileURLWithPath: out), force: force, output: { print($0) }, errors: writeToStandardError)
        if code != 0 { throw ExitCode(code) }
    }
}

/// The work behind `dayzero analyze` and `dayzero report`, testable in-process.
public enum AnalysisCommandLine {
    /// Loads, analyses, writes `results.json` and the tidy exports, prints a summary.
    public static func runAnalyze(
        input: StudyInputOptions, out: URL, force: Bool = false, output: (String) -> Void, errors: @escaping (String) -> Void
    ) -> Int32 {
        runWorkup(input: input, out: out, force: force, report: false, output: output, errors: errors)
    }

    /// The shared steps of `analyze` and `report`, each with a progress line on `errors`.
    ///
    /// The output folder is checked first (`OutputFolder.check`), so a path that cannot be
    /// written fails at once; leftovers of interrupted runs are removed (one line each on
    /// `output`); every file is then written through `OutputFolder.write`, which puts the
    /// complete folder in place in one step.
    static func runWorkup(
        input: StudyInputOptions, out: URL, force: Bool = false, report: Bool, output: (String) -> Void,
        errors rawErrors: @escaping (String) -> Void
    ) -> Int32 {
        let errors: (String) -> Void = { message in StoreCommandLine.emitLines(message, to: rawErrors) }
        let folder: OutputFolder
        do {
            folder = try OutputFolder.check(out, force: force)
        } catch {
            errors("error: \(error)")
            return 2
        }
        for line in folder.removeLeftovers() { output(line) }
        let progress = Progress(write: errors)
        do {
            let loaded = try progress.step("loading the study") { try input.load() }
            if let line = kineticsLine(loaded.studyProtocol) { errors(line) }
            let analysis = try progress.step("analysing \(loaded.study.patients.count) screened patients") {
                try loaded.analyse()
            }
            let html = report
                ? progress.step("rendering report.html") { ReportRenderer().render(analysis.results, options: reportOptions(loaded)) }
                : nil
            try progress.step("writing \(report ? "report.html, " : "")results.json and the tidy exports to \(out.path)") {
                try folder.write { directory in
                    try analysis.resultsJSON().write(to: directory.appendingPathComponent("results.json"))
                    do {
                        try TidyExport.write(analysis, to: directory)
                    } catch let failure as ExportWriteError {
                        throw POSIXError(POSIXErrorCode(rawValue: failure.code) ?? .EIO)
                    }
                    if let html { try Data(html.utf8).write(to: directory.appendingPathComponent("report.html")) }
                }
            }
            output("Analysed \(loaded.source).")
            for line in summaryLines(analysis.results, protocol: loaded.studyProtocol) { output(line) }
            if report { output("Report: \(out.appendingPathComponent("report.html").path)") }
            output("Wrote \(out.appendingPathComponent("results.json").path) and \(TidyExport.fileNames.count) tidy CSV files.")
            return 0
        } catch let failure as InputFailure {
            errors(failure.located ? failure.description : "error: \(failure)")
            return failure.exitCode
        } catch let failure as DerivationError {
            errors("error: \(failure)")
            return 1
        } catch let failure as OutputFolder.Failure {
            errors("error: \(failure)")
            return 2
        } catch {
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

    /// A readable summary of the results: the flow, then per analysis set the group sizes and
    /// the p-values a reader looks for first.
    public static func summaryLines(_ results: StudyResults, protocol studyProtocol: StudyProtocol? = nil) -> [String] {
        let wording = studyProtocol.map { StudyWording(protocol: $0) } ?? .icu
        var lines: [String] = []
        guard let main = results.analysisSets.first else { return ["No analysis set could be formed."] }
        let flow = main.flow
        lines.append("Cohort flow: \(flow.screened) screened")
        for step in flow.exclusions where !step.reason.contains(":") && step.count > 0 {
            lines.append("  − \(step.count) \(step.label ?? step.reason.replacingOccurrences(of: "_", with: " "))")
        }
        lines.append("  = \(flow.treated) treated + \(flow.controls) controls analysed"
            + (flow.controlAlignmentDay.map { " (controls aligned on \(wording.anchorPeriod($0)))" } ?? ""))
        for set in results.analysisSets {
            lines.append("")
            lines.append("[\(set.id)] \(set.flow.treated) treated vs \(set.flow.controls) controls")
            let rows = set.table1.sections.flatMap(\.rows)
            for id in ["alignment.temperature", "alignment.ferritin", "alignment.asat"] {
                guard let r = rows.first(where: { $0.id == id }) else { continue }
                lines.append("  Table 1, alignment day, \(r.label): \(cell(r.treated)) vs \(cell(r.control)), p \(formatP(r.pValue))")
            }
            for panel in set.kinetics {
                let sides = panel.firstDay < 0 && panel.lastDay > 0
                    ? ", before \(wording.aligned(0)) \(formatP(panel.pre?.pValue)), after \(formatP(panel.post?.pValue))" : ""
                lines.append("  kinetics \(panel.label): p overall \(formatP(panel.overall?.pValue))\(sides)")
            }
            // The outcomes of the main set (the sensitivity sets' are in the report).
            for m in set.id == main.id ? set.outcomeMeasures : [] {
                let r = m.row
                let values = r.kind == .continuous
                    ? "\(cell(r.treated)) vs \(cell(r.control))"
                    : "\(r.treated.count ?? 0)/\(r.treated.n) vs \(r.control.count ?? 0)/\(r.control.n)"
                lines.append("  \(m.label) (\(m.horizonDays) days): \(values), p \(formatP(r.pValue))")
            }
        }
        for warning in results.warnings { lines.append("note: \(warning)") }
        return lines
    }

    static func cell(_ s: Table1.GroupSummary) -> String {
        guard let m = s.median, let q1 = s.q1, let q3 = s.q3 else { return "–" }
        return "\(short(m)) [\(short(q1))–\(short(q3))]"
    }

    static func short(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : "\(r)"
    }

    /// "= p" with two significant digits, as the paper prints p-values, or "< 0.0001".
    static func formatP(_ p: Double?) -> String {
        guard let p else { return "not computed" }
        if p >= 0.995 { return "= 1" }
        if p < 1e-4 { return "< 0.0001" }
        var digits = 2
        var scale = p
        while scale < 0.1 {
            scale *= 10
            digits += 1
        }
        let factor = pow(10.0, Double(digits))
        let rounded = (p * factor).rounded() / factor
        var s = "\(rounded)"
        if s.contains("e") { s = String(format: "%.\(digits)f", rounded) }
        return "= " + s
    }
}
