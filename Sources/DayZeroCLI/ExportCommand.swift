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
            units and time formats they were imported in. OUT_DIR must not exist or be empty,
            unless --force is given; the folder appears whole (written beside it, then renamed
            into place), and a folder being replaced stays intact until the new one is complete.

            Exit codes: 0 exported; 2 the store could not be read or the folder not written.

            Examples:
              dayzero export --db study.sqlite back/
              dayzero export --db study.sqlite back/ --force  # replace an earlier export
            """)

    @Option(name: .long, help: "The study store to read.")
    public var db: String = "study.sqlite"

    @Argument(help: "The folder to write (must not exist or be empty).")
    public var outDir: String

    @Flag(name: .long, help: "Replace an OUT_DIR that is not empty (the old folder stays intact until the new one is complete).")
    public var force = false

    public init() {}

    public func run() throws {
        let code = StoreCommandLine.runExport(
            database: URL(fileURLWithPath: db), folder: URL(fileURLWithPath: outDir), force: force,
            output: { print($0) }, errors: writeToStandardError)
        if code != StoreCommandLine.exitSuccess { throw ExitCode(code) }
    }
}
