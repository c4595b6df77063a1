import ArgumentParser
import DayZeroAnalysis
import DayZeroCohort
import DayZeroReport
import DayZeroSources
import DayZeroStore
import DayZeroSynth
import Foundation

/// Where a command reads its study and protocol from: `--db` (a study store), `--study` (a
/// study folder, validated as on import), or neither (the bundled synthetic cohort).
public struct StudyInputOptions: ParsableArguments {
    @Option(name: .long, help: "A study store written by `dayzero import`.")
    public var db: String?

    @Option(name: .long, help: "A study folder of CSV files (validated as on import).")
    public var study: String?

    @Option(name: .long, help: "A protocol file (YAML); default: the paper's protocol (`dayzero protocol init` writes it), or the example's.")
    public var `protocol`: String?

    @Option(name: .long, help: "A built-in example study and its protocol (\(StudyExample.knownNames)); default: kooistra. Not with --db, --study or --omop.")
    public var example: String?

    @Option(name: .long, help: "Read the study straight from an OMOP CDM 5.4 PostgreSQL database: postgresql://USER@HOST:PORT/DATABASE (docs/sources.md).")
    public var omop: String?

    @Option(name: .long, help: "The schema holding the OMOP tables (with --omop or --print-sql).")
    public var schema: String = "cdm"

    @Option(name: .long, help: "The OMOP mapping file (with --omop or --print-sql); default: the built-in one (`dayzero import --omop-mapping-init`).")
    public var mapping: String?

    @Flag(name: .customLong("no-pushdown"), help: "With --omop: read every measurement row, as `import --omop` does, instead of letting the database aggregate them per patient and ICU day.")
    public var noPushdown = false

    public init() {}

    public func validate() throws {
        let sources = [db != nil, study != nil, omop != nil].filter { $0 }.count
        if sources > 1 { throw ValidationError("give one of --db, --study and --omop") }
        if omop == nil && noPushdown { throw ValidationError("--no-pushdown goes with --omop") }
        if let example {
            if db != nil || study != nil || omop != nil { throw ValidationError("--example runs a bundled example study; give one of --example, --db, --study and --omop, not several") }
            _ = try StudyExample.parse(example)
        }
    }
}

extension StudyExample {
    /// The example called `name`, or a usage error listing the known examples.
    static func parse(_ name: String) throws -> StudyExample {
        guard let example = StudyExample.named(name) else {
            throw ValidationError("unknown example '\(name)'; the known examples are: "
                + StudyExample.allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: "; "))
        }
        return example
    }
}

/// A loaded study with its protocol and, for the bundled cohort, its seed.
public struct LoadedStudy: Sendable {
    /// Every table; from a store (`--db`) the measurements, cytokines and proteomics values stay
    /// in the store (`store`) and are streamed by the analysis, so those tables are empty here.
    public var study: StudyData
    /// The store the study was read from (`--db`).
    public var store: StudyStore?
    public var studyProtocol: StudyProtocol
    public var seed: UInt64?
    /// What was read, for messages: a path, or "the bundled synthetic cohort (seed …)".
    public var source: String
    /// From `--omop` with the pushdown: the daily aggregates the database computed.
    public var pushed: PushedDailyValues? = nil
    /// From `--omop`: what crossed the connection (printed with `--verbose`), and the notes.
    public var transfer: String? = nil
    public var notes: [String] = []
    /// From `--omop`: the study's name in the report (the database and schema, not the
    /// server's address), how it was read (the methods), and the mapping file as applied,
    /// written beside the report.
    public var reportName: String? = nil
    public var methodNote: String? = nil
    public var attachments: [ReportAttachment] = []
}

/// A study or protocol a command cannot use, with the message to print and the exit code:
/// 1 when the input breaks a rule (validation or protocol problems, each already located as
/// `file:line:column`), 2 when a file cannot be found or read.
struct InputFailure: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32
    /// The message already has its own `file:line:column: error:` prefixes.
    var located: Bool

    static func unreadable(_ message: String) -> InputFailure {
        InputFailure(description: message, exitCode: 2, located: false)
    }

    static func invalid(_ message: String, located: Bool) -> InputFailure {
        InputFailure(description: message, exitCode: 1, located: located)
    }
}

extension StudyInputOptions {
    /// Reads the study and the protocol. Validation problems of a study folder or a protocol
    /// are thrown with every problem in the message.
    public func load() throws -> LoadedStudy {
        let study: StudyData
        let source: String
        var seed: UInt64?
        var store: StudyStore?
        var defaultProtocol = StudyProtocol.paperDefault
        if let omop {
            return try loadOMOP(omop)
        }
        if let db {
            guard FileManager.default.fileExists(atPath: db) else { throw InputFailure.unreadable("\(db): no such study store") }
            let opened = try StudyStore(url: URL(fileURLWithPath: db))
            study = try opened.load(omittingStreamedTables: true)
            store = opened
            source = db
        } else if let folder = self.study {
            do {
                study = try StudyStore.readStudy(folder: URL(fileURLWithPath: folder))
            } catch let failure as StudyValidationError {
                throw InputFailure.invalid(
                    "\(folder) has \(failure.totalCount) problem(s):\n" + failure.lines.joined(separator: "\n"), located: false)
            }
            source = folder
        } else {
            let example = try self.example.map(StudyExample.parse) ?? .default
            study = example.study
            seed = example.defaultSeed
            defaultProtocol = example.studyProtocol
            source = example == .kooistra
                ? "the bundled synthetic cohort (seed \(SyntheticCohort.defaultSeed))"
                : "the bundled example '\(example.rawValue)' (synthetic, seed \(example.defaultSeed))"
        }
        var studyProtocol = defaultProtocol
        if let path = self.protocol {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw InputFailure.unreadable("\(path): cannot read the protocol file (\(error.localizedDescription))")
            }
            do {
                studyProtocol = try ProtocolYAML.decode(
                    text, registry: ParameterRegistry(declared: study.declaredParameters), baseline: study.baselineRegistry, file: path)
            } catch {
                throw InputFailure.invalid("\(error)", located: true)
            }
        }
        return LoadedStudy(study: study, store: store, studyProtocol: studyProtocol, seed: seed, source: source)
    }
}

extension LoadedStudy {
    /// Derives the cohort and runs every analysis set's workup (`derive`, then `analyse(_:)`).
    func analyse() throws -> StudyAnalysis {
        try analyse(derive())
    }

    /// The derived cohort: from a store the measurement, cytokine and proteomics rows are
    /// streamed into the derivation (`StudyStore.deriveCohort`), otherwise the study in memory
    /// is derived.
    func derive(patientProgress: (@Sendable (Int, Int) -> Void)? = nil) throws -> (cohort: DerivedCohort, digests: [String: [UInt8]]) {
        guard let store else {
            return (try CohortDerivation.derive(study, protocol: studyProtocol, pushed: pushed, patientProgress: patientProgress), [:])
        }
        let streamed = try store.deriveCohort(study: study, protocol: studyProtocol, patientProgress: patientProgress)
        return (streamed.cohort, streamed.digests)
    }

    /// Every analysis set's workup on the derived cohort.
    func analyse(
        _ derived: (cohort: DerivedCohort, digests: [String: [UInt8]]), setFinished: (@Sendable () -> Void)? = nil
    ) throws -> StudyAnalysis {
        try StudyAnalysis(
            study: study, protocol: studyProtocol, cohort: derived.cohort, streamedDigests: derived.digests, seed: seed,
            setFinished: setFinished)
    }
}

extension StudyInputOptions {
    /// The protocol file (or the paper's protocol), decoded against the catalog: an OMOP
    /// study declares no parameters or variables of its own.
    func omopProtocol() throws -> StudyProtocol {
        guard let path = self.protocol else { return .paperDefault }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw InputFailure.unreadable("\(path): cannot read the protocol file (\(error.localizedDescription))")
        }
        do {
            return try ProtocolYAML.decode(text, registry: ParameterRegistry(declared: []), baseline: BaselineRegistry(declared: []), file: path)
        } catch {
            throw InputFailure.invalid("\(error)", located: true)
        }
    }

    /// The schema and the mapping of `--omop` / `--print-sql`.
    func omopSchemaAndMapping() throws -> (schema: OMOPSchemaName, mapping: OMOPMapping, file: String, text: String) {
        guard let schemaName = OMOPSchemaName(schema) else {
            throw InputFailure.unreadable("--schema \(schema) is not a plain lower-case schema name (letters, digits, _)")
        }
        do {
            if let path = mapping {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                return (schemaName, try OMOPMapping.parse(text, file: path), path, text)
            }
            return (schemaName, try OMOPMapping.default, "the default mapping", OMOPMapping.defaultYAML)
        } catch let problems as OMOPMapping.Problem {
            // Each line is already `FILE:LINE:COLUMN: error: …`.
            throw InputFailure(description: problems.description, exitCode: 2, located: true)
        } catch {
            throw InputFailure.unreadable("\(error)")
        }
    }

    /// The name of the mapping file written beside a report of an `--omop` study.
    static let omopMappingAttachment = "omop-mapping.yaml"

    /// The methods' sentence on an `--omop` study: the schema (never the server, whose address
    /// does not belong in a manuscript), the mapping with its SHA-256, and the route.
    static func omopMethodNote(schema: String, mappingPath: String?, mappingText: String, pushdown: Bool) -> String {
        let hash = StudyHash.sha256(text: mappingText)
        let mapping = mappingPath.map { "the mapping file \(URL(fileURLWithPath: $0).lastPathComponent)" } ?? "DayZero's default mapping"
        return "Data source: an OMOP CDM 5.4 database (schema \(schema)), read with \(mapping) (\(omopMappingAttachment) beside this report; SHA-256 \(hash.prefix(12))): "
            + "each parameter, drug, baseline variable and event is the concept set named there, with the concepts' descendants in concept_ancestor; "
            + (pushdown
                ? "the per-patient, per-ICU-day aggregates were computed in the database (pushdown) and only those crossed the connection."
                : "every mapped row was read (--no-pushdown).")
    }

    /// `--omop`: reads the study from the database (`OMOPPushdown.load`), with the daily
    /// aggregation in the database unless `--no-pushdown`.
    func loadOMOP(_ url: String) throws -> LoadedStudy {
        let studyProtocol = try omopProtocol()
        let (schemaName, mapping, mappingFile, mappingText) = try omopSchemaAndMapping()
        let target: PostgresTarget
        do {
            target = try PostgresTarget(url: url)
        } catch {
            throw InputFailure.unreadable("\(error)")
        }
        let box = OMOPLoadBox()
        let done = DispatchSemaphore(value: 0)
        let pushdown = !noPushdown
        Task.detached {
            do {
                box.set(.success(try await OMOPPushdown.load(
                    target: target, schema: schemaName, mapping: mapping, mappingFile: mappingFile, protocol: studyProtocol, pushdown: pushdown)))
            } catch {
                box.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        switch box.get() {
        case .success(let loaded):
            // The protocol as `--db` reads it: against the study's own registries.
            var studyProtocol = studyProtocol
            if let path = self.protocol, let text = try? String(contentsOfFile: path, encoding: .utf8) {
                do {
                    studyProtocol = try ProtocolYAML.decode(
                        text, registry: ParameterRegistry(declared: loaded.study.declaredParameters), baseline: loaded.study.baselineRegistry, file: path)
                } catch {
                    throw InputFailure.invalid("\(error)", located: true)
                }
            }
            let route = loaded.pushed == nil
                ? "every row read (--no-pushdown)"
                : "pushdown: \(loaded.pushed?.parameters.count ?? 0) parameters aggregated per patient and ICU day in the database, \(loaded.dailyRows) daily rows"
            return LoadedStudy(
                study: loaded.study, store: nil, studyProtocol: studyProtocol, seed: nil, source: "\(target) schema \(schemaName)",
                pushed: loaded.pushed,
                transfer: "transferred from \(target): \(loaded.rowsTransferred) rows, \(loaded.bytesTransferred) bytes (\(route))",
                notes: loaded.notes,
                reportName: "OMOP CDM database \(target.database), schema \(schemaName.name)",
                methodNote: Self.omopMethodNote(schema: schemaName.name, mappingPath: self.mapping, mappingText: mappingText, pushdown: loaded.pushed != nil),
                attachments: [ReportAttachment(path: Self.omopMappingAttachment, title: "The OMOP concept mapping as applied (\(mappingFile))", content: mappingText)])
        case .failure(let error as OMOPImportError):
            let n = error.problems.count
            var lines = ["error: \(target) schema \(schemaName) has \(n) problem\(n == 1 ? "" : "s"); nothing was analysed."]
            lines += error.problems.map(\.description)
            lines += error.notes.map { "note: \($0)" }
            throw InputFailure.invalid(lines.joined(separator: "\n"), located: true)
        case .failure(let error):
            throw InputFailure.unreadable("\(error)")
        case nil:
            throw InputFailure.unreadable("the OMOP read did not finish")
        }
    }
}

/// The result of the OMOP read, handed from its task to the waiting command.
final class OMOPLoadBox: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<OMOPPushdown.Loaded, any Error>?
    func set(_ r: Result<OMOPPushdown.Loaded, any Error>) { lock.withLock { result = r } }
    func get() -> Result<OMOPPushdown.Loaded, any Error>? { lock.withLock { result } }
}
