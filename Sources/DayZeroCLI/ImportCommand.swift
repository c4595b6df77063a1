import ArgumentParser
import DayZeroStore
import Foundation

/// `dayzero import STUDY_DIR --db study.sqlite`
public struct ImportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Validate a study folder of CSV files and import it into a SQLite study store.",
        discussion: """
            The import is all or nothing: every problem in the folder is reported as
            file:line:column: message [rule], and nothing is written unless there is none.
            A failed import leaves no database behind and never changes an existing one.
            The data format is described in docs/data-format.md.

            Exit codes: 0 imported; 1 the study folder has problems (listed on stderr);
            2 a file or the database could not be read or written.

            Examples:
              dayzero simulate --out study/ && dayzero import study/ --db study.sqlite
              dayzero import /data/icu-export/ --db /data/study.sqlite
            """)

    @Argument(help: "The study folder (patients.csv, icu_course.csv, …).")
    public var studyDir: String

    @Option(name: .long, help: "The study store to create (an existing DayZero study store is replaced atomically; any other file is refused).")
    public var db: String = "study.sqlite"

    public init() {}

    public func run() throws {
        // The import is one step without counts inside; on a terminal its elapsed time is shown live.
        let progress = ProgressDisplay(style: .automatic, total: 1, writeLine: writeToStandardError)
        let code = progress.step("importing \(studyDir)") {
            StoreCommandLine.runImport(
                folder: URL(fileURLWithPath: studyDir), database: URL(fileURLWithPath: db),
                output: { print($0) }, errors: writeToStandardError)
        }
        if code != StoreCommandLine.exitSuccess { throw ExitCode(code) }
    }
}

/// Writes a message to standard error, one line per line of it, each escaped and capped
/// (`MessageText.line`, through `StoreCommandLine.emitLines`).
@Sendable func writeToStandardError(_ message: String) {
    StoreCommandLine.emitLines(message) { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
