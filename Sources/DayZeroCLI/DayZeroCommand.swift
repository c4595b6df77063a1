import ArgumentParser
import DayZeroAnalysis

/// The root command of the `dayzero` tool.
public struct DayZeroCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dayzero",
        abstract: "Aligned-timeline observational cohort studies in intensive care.",
        version: StudyAnalysis.toolVersion,
        subcommands: [
            ReportCommand.self, AnalyzeCommand.self, ImportCommand.self, ExportCommand.self, SimulateCommand.self, ProtocolCommand.self,
        ],
        defaultSubcommand: ReportCommand.self
    )

    public init() {}
}
