import ArgumentParser
import DayZeroSources
import DayZeroStore
import Foundation

/// `dayzero import STUDY_DIR --db study.sqlite` or `dayzero import --omop URL --schema cdm --db study.sqlite`
public struct ImportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Validate a study folder of CSV files, or an OMOP CDM 5.4 database, and import it into a SQLite study store.",
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
              dayzero import --omop postgresql://me@host/cdm --db study.sqlite
              dayzero import --omop-mapping-init > mapping.yaml
            """)

    @Argument(help: "The study folder (patients.csv, icu_course.csv, …).")
    public var studyDir: String?

    @Option(name: .long, help: "Import from an OMOP CDM 5.4 PostgreSQL database instead of a folder: postgresql://USER@HOST:PORT/DATABASE (docs/sources.md).")
    public var omop: String?

    @Option(name: .long, help: "The schema holding the OMOP tables (with --omop).")
    public var schema: String = "cdm"

    @Option(name: .long, help: "The OMOP mapping file (with --omop); default: the built-in one that --omop-mapping-init prints.")
    public var mapping: String?

    @Flag(name: .customLong("omop-mapping-init"), help: "Print the default OMOP mapping file (the Kooistra parameters) and exit.")
    public var omopMappingInit = false

    @Option(name: .long, help: "The study store to create (an existing DayZero study store is replaced atomically; any other file is refused).")
    public var db: String = "study.sqlite"

    public init() {}

    public func validate() throws {
        if omopMappingInit { return }
        switch (studyDir, omop) {
        case (nil, nil): throw ValidationError("Name a study folder, or an OMOP database with --omop.")
        case (.some, .some): throw ValidationError("Name either a study folder or --omop, not both.")
        case (.some, nil) where mapping != nil: throw ValidationError("--mapping goes with --omop.")
        default: break
        }
    }

    public func run() throws {
        if omopMappingInit {
            print(OMOPMapping.defaultYAML, terminator: "")
            return
        }
        // The import is one step; on a terminal its elapsed time (and for a folder the rows read
        // so far, with their rate) is shown live.
        let progress = ProgressDisplay(style: .automatic, total: 1, writeLine: writeToStandardError)
        let code: Int32
        if let omop {
            code = progress.step("importing the OMOP database (schema \(schema))") {
                OMOPCommandLine.runImport(
                    url: omop, schema: schema, mappingPath: mapping, database: URL(fileURLWithPath: db),
                    output: { print($0) }, errors: writeToStandardError)
            }
        } else {
            guard let studyDir else { throw ExitCode(StoreCommandLine.exitStoreFailure) }
            let rows = ProgressCounter(total: nil, unit: "rows read")
            code = progress.step("importing \(studyDir)", counter: rows) {
                StoreCommandLine.runImport(
                    folder: URL(fileURLWithPath: studyDir), database: URL(fileURLWithPath: db),
                    output: { print($0) }, errors: writeToStandardError, rowsRead: { rows.update(done: $0) })
            }
        }
        if code != StoreCommandLine.exitSuccess { throw ExitCode(code) }
    }
}

/// Writes a message to standard error, one line per line of it, each escaped and capped
/// (`MessageText.line`, through `StoreCommandLine.emitLines`).
@Sendable func writeToStandardError(_ message: String) {
    StoreCommandLine.emitLines(message) { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
