import ArgumentParser
import DayZeroAnalysis

/// The root command of the `dayzero` tool.
public struct DayZeroCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dayzero",
        abstract: "Aligned-timeline observational cohort studies in intensive care.",
        discussion: """
            Without a subcommand, dayzero runs report: the whole workup of the bundled synthetic cohort into dayzero-report/.

            Examples:
              dayzero  # report of the bundled cohort
              dayzero simulate --out study/ && dayzero import study/ --db study.sqlite
              dayzero protocol init --out protocol.yaml
              dayzero report --db study.sqlite --protocol protocol.yaml --out my-report/
              dayzero help report  # a subcommand's options and examples
            """,
        version: StudyAnalysis.toolVersion,
        subcommands: [
            ReportCommand.self, AnalyzeCommand.self, RobustnessCommand.self, ImportCommand.self, ExportCommand.self, SimulateCommand.self,
            ProtocolCommand.self, SiteKeyCommand.self, SiteSummaryCommand.self, PoolCommand.self,
        ],
        defaultSubcommand: ReportCommand.self
    )

    public init() {}
}
