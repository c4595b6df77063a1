import ArgumentParser
import DayZeroAnalysis
import DayZeroCohort
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

    @Option(name: .long, help: "A built-in example study and its protocol (\(StudyExample.knownNames)); default: kooistra. Not with --db or --study.")
    public var example: String?

    public init() {}

    public func validate() throws {
        if db != nil && study != nil { throw ValidationError("give --db or --study, not both") }
        if let example {
            if db != nil || study != nil { throw ValidationError("--example runs a bundled example study; give --example, --db or --study, not several") }
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
            return (try CohortDerivation.derive(study, protocol: studyProtocol, patientProgress: patientProgress), [:])
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
