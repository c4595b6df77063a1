import ArgumentParser
import DayZeroCohort
import DayZeroStore
import DayZeroSynth
import Foundation

/// `dayzero protocol`: write the default study protocol, or check a protocol file.
public struct ProtocolCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "protocol",
        abstract: "Write or check a study protocol (YAML; see docs/protocol.md).",
        discussion: """
            Examples:
              dayzero protocol init --out protocol.yaml  # the paper's protocol
              dayzero protocol check protocol.yaml --study study/
            """,
        subcommands: [ProtocolInitCommand.self, ProtocolCheckCommand.self]
    )

    public init() {}
}

/// `dayzero protocol init [--out FILE] [--force]`.
public struct ProtocolInitCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write the paper's protocol (Kooistra et al. 2020), or a built-in example's, with explanatory comments.",
        discussion: """
            Without --out the protocol is printed. An existing file is only replaced with --force. --example alcoholic-hepatitis writes the protocol of the second built-in example (docs/examples.md).

            Examples:
              dayzero protocol init --out protocol.yaml
              dayzero protocol init --example alcoholic-hepatitis --out ah-protocol.yaml
              dayzero protocol init | less  # read it with its comments
            """
    )

    @Option(name: .long, help: "The file to write.")
    var out: String?

    @Flag(name: .long, help: "Replace an existing file.")
    var force = false

    @Option(name: .long, help: "The built-in example whose protocol is written (\(StudyExample.knownNames)); default: kooistra.")
    var example: String?

    public init() {}

    public func validate() throws {
        if let example { _ = try StudyExample.parse(example) }
    }

    /// The protocol text to write.
    func text() throws -> String {
        try (example.map(StudyExample.parse) ?? .default).protocolYAML
    }

    public func run() throws {
        let yaml = try text()
        guard let out else {
            print(yaml, terminator: "")
            return
        }
        if FileManager.default.fileExists(atPath: out), !force {
            throw ValidationError("\(out) exists; use --force to replace it")
        }
        do {
            try yaml.write(toFile: out, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("cannot write \(out): \(error.localizedDescription)")
        }
        print("wrote \(out)")
    }
}

/// `dayzero protocol check FILE [--study DIR | --db FILE]`: exit 0 when valid, 1 with one
/// `FILE:LINE:COLUMN: error: …` line per problem otherwise (every problem at once), 2 when the
/// protocol or the study cannot be read.
public struct ProtocolCheckCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a protocol file: every problem with its line and column.",
        discussion: """
            Parameters and baseline variables are checked against the built-in ones and, with --study or --db, against those the study declares in parameters.csv and variables.csv. Without a study, names that are not built in are reported as unknown parameters, and variable names that are not built in are left to the analysis. Exit status: 0 valid, 1 problems found, 2 unreadable input.

            Examples:
              dayzero protocol check protocol.yaml
              dayzero protocol check protocol.yaml --study study/
              dayzero protocol check protocol.yaml --db study.sqlite
            """
    )

    @Argument(help: "The protocol file (YAML).")
    var file: String

    @Option(name: .long, help: "A study folder whose parameters.csv and variables.csv the protocol may use.")
    var study: String?

    @Option(name: .long, help: "A study store whose declared parameters and variables the protocol may use.")
    var db: String?

    public init() {}

    public func validate() throws {
        if db != nil && study != nil { throw ValidationError("give --db or --study, not both") }
    }

    /// The study's declarations, or none.
    func declarations() throws -> StudyData? {
        if let study {
            do {
                return try StudyStore.readDeclarations(folder: URL(fileURLWithPath: study))
            } catch let failure as StudyValidationError {
                writeToStandardError(failure.lines.joined(separator: "\n"))
                throw ExitCode(1)
            } catch {
                writeToStandardError("\(study): \(error)")
                throw ExitCode(2)
            }
        }
        if let db {
            guard FileManager.default.fileExists(atPath: db) else {
                writeToStandardError("\(db): no such study store")
                throw ExitCode(2)
            }
            do {
                return try StudyStore(url: URL(fileURLWithPath: db)).declarations()
            } catch {
                writeToStandardError("\(error)")
                throw ExitCode(2)
            }
        }
        return nil
    }

    public func run() throws {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read \(file) as UTF-8 text: \(error.localizedDescription)")
        }
        let declared = try declarations()
        let result = ProtocolYAML.check(
            text, registry: ParameterRegistry(declared: declared?.declaredParameters ?? []), baseline: declared?.baselineRegistry)
        guard result.issues.isEmpty, let value = result.protocol else {
                writeToStandardError(ProtocolLoadError(file: file, issues: result.issues).description)
            let n = result.issues.count
            writeToStandardError("\(file): \(n) problem\(n == 1 ? "" : "s")")
            throw ExitCode(1)
        }
        print("\(file): valid protocol '\(value.name)' (\(value.parameters.count) parameters, \(value.analysisSets.count) analysis sets)")
    }
}

