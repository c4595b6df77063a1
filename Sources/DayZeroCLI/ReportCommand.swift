import ArgumentParser
import DayZeroAnalysis
import DayZeroCohort
import DayZeroReport
import Foundation

/// `dayzero report [--db FILE | --study DIR] [--protocol FILE] --out DIR` — the main job.
public struct ReportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Run the whole workup and write report.html, results.json and the tidy CSV exports.",
        discussion: """
            Without --db or --study the bundled synthetic cohort (78 screened patients shaped like Kooistra et al., Crit Care 2020) is analysed; --example alcoholic-hepatitis runs the second built-in example (its synthetic cohort and its protocol; see docs/examples.md). report.html is one self-contained file: inline SVG figures, no network references, no JavaScript; open it in any browser or print it to PDF. Beside it: every figure as a standalone SVG (figures/fig-<id>.svg, 174 mm wide), every table as CSV (tables/<id>.csv) and the protocol as applied (protocol.yaml). The terminal shows the flow and one line per analysis set; --verbose adds every set's p values. Patient identifiers never appear in it (they do appear in the tidy exports, which are data files).

            The output folder is checked before the analysis (its parent must exist and be writable; a folder that is not empty, such as the report of an earlier run, is replaced only with --force) and appears whole: the files are written into a hidden folder beside it (.NAME.writing-…) that is then renamed into place, and a folder being replaced stays intact until the new one is complete. A hidden folder left by an interrupted run is removed by the next run, which says so.

            Exit codes: 0 done; 1 the study or the protocol breaks a rule (every problem listed on stderr); 2 a file could not be found, read or written (or the output folder is not empty and --force was not given); 64 a command-line usage error.

            Examples:
              dayzero  # the bundled cohort's report into dayzero-report/
              dayzero report --db study.sqlite --protocol protocol.yaml --out my-report/
              dayzero report --study study/ --out my-report/ --force --verbose
              dayzero report --example alcoholic-hepatitis --out ah-report/
            """)

    @OptionGroup public var input: StudyInputOptions

    @Option(name: .long, help: "The output folder.")
    public var out: String = "dayzero-report"

    @Flag(name: .long, help: "Replace an output folder that is not empty (the old folder stays intact until the new one is complete).")
    public var force = false

    @Flag(name: .long, help: "Print every analysis set's details (Table 1 highlights, every kinetics p value, every outcome) after the summary.")
    public var verbose = false

    @Flag(name: .long, help: "Leave out the specification curve (the protocol's robustness: section; see dayzero robustness).")
    public var noRobustness = false

    public init() {}

    public func run() throws {
        let code = AnalysisCommandLine.runReport(
            input: input, out: URL(fileURLWithPath: out), force: force, verbose: verbose, progress: .automatic,
            robustness: !noRobustness, output: { print($0) }, errors: writeToStandardError)
        if code != 0 { throw ExitCode(code) }
    }
}

extension AnalysisCommandLine {
    /// Loads, analyses and writes `report.html`, `results.json` and the tidy exports.
    public static func runReport(
        input: StudyInputOptions, out: URL, force: Bool = false, verbose: Bool = false, progress: ProgressStyle = .none,
        robustness: Bool = false, output: (String) -> Void, errors: @escaping (String) -> Void
    ) -> Int32 {
        runWorkup(
            input: input, out: out, force: force, report: true, verbose: verbose, progress: progress, robustness: robustness, output: output,
            errors: errors)
    }

    /// The report options for a study: everything the protocol says about the report
    /// (`ReportOptions(protocol:registry:)`: group labels, title, alignment text, figure
    /// references, sections, display units), the protocol's name and canonical text, and what
    /// each method is used for.
    static func reportOptions(_ loaded: LoadedStudy) -> ReportOptions {
        let p = loaded.studyProtocol
        let registry = ParameterRegistry(declared: loaded.study.declaredParameters)
        let medication = p.medications.drugs.isEmpty ? [] : ["medication use"]
        let cytokines = p.parameters.contains { registry[$0.name]?.kind == .cytokine }
        // What each outcome test is used for, by the outcomes' own labels.
        let measures = p.outcomes.analysedMeasures
        func labels(_ kinds: Set<OutcomeMeasure.Kind>, competing: Bool? = nil) -> [String] {
            measures.filter { m in kinds.contains(m.kind) && (competing.map { (m.competing != nil) == $0 } ?? true) }.map(\.label)
        }
        let descriptions = [
            "fisher": (["Table 1 counts"] + medication + labels([.binary])).joined(separator: ", "),
            "mann-whitney": (["Table 1 continuous characteristics"] + labels([.duration, .freeDays])).joined(separator: ", "),
            "median-iqr": "Table 1 and outcome summaries",
            "geometric-mean": cytokines ? "values per period of the kinetics and cytokine figures" : "values per period of the kinetics figures",
            "mixed-model": "between-group differences over time (whole window, before and after day 0)",
            "kaplan-meier": labels([.duration, .timeToEvent], competing: false).joined(separator: ", "),
            "log-rank": "comparison of the Kaplan–Meier curves",
            "paired-t": "proteomics, post versus pre per assay",
            "chi-square": "Table 1 categorical characteristics (every expected count at least 5)",
            "aalen-johansen": "cumulative incidence of " + labels([.timeToEvent], competing: true).joined(separator: ", "),
            "gray": "comparison of the cumulative incidence curves",
        ]
        var options = ReportOptions(
            protocol: p, registry: registry,
            studyName: loaded.reportName ?? loaded.source,
            methodNotes: loaded.methodNote.map { [$0] } ?? [],
            methodDescriptions: descriptions)
        options.attachments = loaded.attachments
        return options
    }
}
