import ArgumentParser
import DayZeroSources
import DayZeroStore
import Foundation

/// `dayzero import STUDY_DIR --db study.sqlite` or `dayzero import --omop URL --schema cdm --db study.sqlite`
public struct ImportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Validate a study folder of CSV files, an OMOP CDM 5.4 database or a CLIF 2.x export, and import it into a SQLite study store.",
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
              dayzero import --clif /data/clif/ --mapping clif-mapping.yaml --db study.sqlite
              dayzero import --clif-mapping-init > clif-mapping.yaml
            """)

    @Argument(help: "The study folder (patients.csv, icu_course.csv, …).")
    public var studyDir: String?

    @Option(name: .long, help: "Import from an OMOP CDM 5.4 PostgreSQL database instead of a folder: postgresql://USER@HOST:PORT/DATABASE (docs/sources.md).")
    public var omop: String?

    @Option(name: .long, help: "The schema holding the OMOP tables (with --omop).")
    public var schema: String = "cdm"

    @Option(name: .long, help: "The mapping file (with --omop or --clif); default: the built-in one that --omop-mapping-init or --clif-mapping-init prints.")
    public var mapping: String?

    @Flag(name: .customLong("omop-mapping-init"), help: "Print the default OMOP mapping file (the Kooistra parameters) and exit.")
    public var omopMappingInit = false

    @Option(name: .long, help: "Import from a CLIF 2.x export instead: a folder of CLIF tables as CSV files (patient.csv, adt.csv, vitals.csv, …; docs/sources.md). --mapping names its CLIF mapping.")
    public var clif: String?

    @Flag(name: .customLong("clif-mapping-init"), help: "Print the default CLIF mapping file (the Kooistra parameters, with comments) and exit.")
    public var clifMappingInit = false

    @Option(name: .long, help: "The study store to create (an existing DayZero study store is replaced atomically; any other file is refused).")
    public var db: String = "study.sqlite"

    public init() {}

    public func validate() throws {
        if omopMappingInit || clifMappingInit { return }
        switch [studyDir != nil, omop != nil, clif != nil].filter({ $0 }).count {
        case 0: throw ValidationError("Name a study folder, an OMOP database with --omop, or a CLIF export with --clif.")
        case 1: break
        default: throw ValidationError("Name one source: a study folder, --omop or --clif.")
        }
        if studyDir != nil && mapping != nil { throw ValidationError("--mapping goes with --omop or --clif.") }
    }

    public func run() throws {
        if omopMappingInit {
            print(OMOPMapping.defaultYAML, terminator: "")
            return
        }
        if clifMappingInit {
            print(CLIFMapping.defaultYAML, terminator: "")
            return
        }
        // The import is one step; on a terminal its elapsed time (and for a folder the rows read
        // so far, with their rate) is shown live.
        let progress = ProgressDisplay(style: .automatic, total: 1, writeLine: writeToStandardError)
        let failed: (Int32) -> Bool = { $0 != StoreCommandLine.exitSuccess }
        let code: Int32
        if let clif {
            code = progress.step("importing the CLIF export \(clif)", failed: failed) {
                CLIFCommandLine.runImport(
                    folder: clif, mappingPath: mapping, database: URL(fileURLWithPath: db), output: { print($0) }, errors: writeToStandardError)
            }
        } else if let omop {
            code = progress.step("importing the OMOP database (schema \(schema))", failed: failed) {
                OMOPCommandLine.runImport(
                    url: omop, schema: schema, mappingPath: mapping, database: URL(fileURLWithPath: db),
                    output: { print($0) }, errors: writeToStandardError)
            }
        } else {
            guard let studyDir else { throw ExitCode(StoreCommandLine.exitStoreFailure) }
            let rows = ProgressCounter(total: nil, unit: "rows read")
            code = progress.step("importing \(studyDir)", counter: rows, failed: failed) {
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
