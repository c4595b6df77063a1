import ArgumentParser

/// The root command of the `dayzero` tool.
public struct DayZeroCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dayzero",
        abstract: "Aligned-timeline observational cohort studies in intensive care.",
        version: "0.1.0",
        subcommands: [
            ReportCommand.self, AnalyzeCommand.self, ImportCommand.self, ExportCommand.self, SimulateCommand.self, ProtocolCommand.self,
        ],
        defaultSubcommand: ReportCommand.self
    )

    public init() {}
}
