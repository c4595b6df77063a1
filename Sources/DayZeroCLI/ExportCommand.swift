import ArgumentParser
import DayZeroStore
import Foundation

/// `dayzero export --db study.sqlite OUT_DIR`
public struct ExportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a study store back as a study folder of CSV files.",
        discussion: """
            Writes the tables that were imported, columns in canonical order, values in the
            units and time formats they were imported in. OUT_DIR must not exist or be empty.

            Exit codes: 0 exported; 2 the store could not be read or the folder not written.
            """)

    @Option(name: .long, help: "The study store to read.")
    public var db: String = "study.sqlite"

    @Argument(help: "The folder to write (must not exist or be empty).")
    public var outDir: String

    public init() {}

    public func run() throws {
        let code = StoreCommandLine.runExport(
            database: URL(fileURLWithPath: db), folder: URL(fileURLWithPath: outDir),
            output: { print($0) }, errors: writeToStandardError)
        if code != StoreCommandLine.exitSuccess { throw ExitCode(code) }
    }
}
