@testable import DayZeroCLI
@testable import DayZeroSources
import DayZeroStore
import DayZeroTestSupport
import Foundation
import Testing

/// The commands: `dayzero simulate --format omop` and `dayzero import --omop`, in-process.
@Suite(.serialized) struct OMOPCommandTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ s: String) { lock.withLock { lines.append(s) } }
        var text: String { lock.withLock { lines.joined(separator: "\n") } }
    }

    @Test func importOptionsNameOneSource() throws {
        #expect(throws: (any Error).self) { try ImportCommand.parse([]) }
        #expect(throws: (any Error).self) { try ImportCommand.parse(["study/", "--omop", "postgresql://u@h/d"]) }
        #expect(throws: (any Error).self) { try ImportCommand.parse(["study/", "--mapping", "m.yaml"]) }
        let command = try ImportCommand.parse(["--omop", "postgresql://u@h/d", "--schema", "omop", "--mapping", "m.yaml", "--db", "s.sqlite"])
        #expect(command.omop == "postgresql://u@h/d" && command.schema == "omop" && command.mapping == "m.yaml")
        #expect(try ImportCommand.parse(["--omop-mapping-init"]).omopMappingInit)
        #expect(throws: (any Error).self) { try SimulateCommand.parse(["--out", "x", "--format", "xml"]) }
    }

    /// `analyze --example … --omop …` names every source it cannot be combined with, --omop too.
    @Test func exampleWithOMOPNamesOMOP() throws {
        for command in ["analyze", "report"] {
            do {
                _ = try DayZeroCommand.parseAsRoot([command, "--example", "kooistra", "--omop", "postgresql://u@h/d"])
                Issue.record("\(command) --example --omop was accepted")
            } catch {
                let message = DayZeroCommand.message(for: error)
                #expect(message.contains("--omop") && message.contains("--example") && message.contains("--study"), "\(message)")
            }
        }
    }

    /// simulate --format omop, load, import --omop through the command line's exit codes.
    @Test func simulateLoadAndImportThroughTheCommandLine() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let omop = root.appendingPathComponent("omop")
        try SimulateCommand.parse(["--format", "omop", "--out", omop.path]).run()
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: omop.path)) == Set(OMOPWriter.tables.map { "\($0).csv" }))
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        try OMOPFixture.load(omop, into: cluster)

        let db = root.appendingPathComponent("study.sqlite")
        let output = Lines(), errors = Lines()
        let code = OMOPCommandLine.runImport(url: cluster.url, schema: "cdm", mappingPath: nil, database: db, output: output.add, errors: errors.add)
        #expect(code == StoreCommandLine.exitSuccess, "\(errors.text)")
        #expect(output.text.contains("patients.csv             78 rows"), "\(output.text)")
        #expect(try StudyStore(url: db).load().patients.count == 78)

        // A mapping file from --omop-mapping-init's text, with an unknown unit concept added
        // twice: refused with the file named, exit 2, the store unchanged.
        let mapping = root.appendingPathComponent("mapping.yaml")
        try (OMOPMapping.defaultYAML.replacingOccurrences(of: "\nunits:", with: "\nunits:\n  - {concept: 8653, unit: \"°C\"}"))
            .write(to: mapping, atomically: true, encoding: .utf8)
        let badMapping = Lines()
        #expect(OMOPCommandLine.runImport(url: cluster.url, schema: "cdm", mappingPath: mapping.path, database: db, output: { _ in }, errors: badMapping.add) == StoreCommandLine.exitStoreFailure)
        #expect(badMapping.text.contains("mapping.yaml:13:5: error: units: concept 8653 is listed twice"), "\(badMapping.text)")

        let wrong = Lines()
        #expect(OMOPCommandLine.runImport(url: cluster.url, schema: "omop", mappingPath: nil, database: db, output: { _ in }, errors: wrong.add) == StoreCommandLine.exitInvalidStudy)
        #expect(wrong.text.contains("has no schema omop; its schemas are cdm"), "\(wrong.text)")
        #expect(try StudyStore(url: db).load().patients.count == 78)

        // Not YAML at all: the parser's own words, with the file named.
        try "units: [".write(to: mapping, atomically: true, encoding: .utf8)
        let notYAML = Lines()
        #expect(OMOPCommandLine.runImport(url: cluster.url, schema: "cdm", mappingPath: mapping.path, database: db, output: { _ in }, errors: notYAML.add) == StoreCommandLine.exitStoreFailure)
        #expect(notYAML.text.hasPrefix("\(mapping.path):2:1: error: not valid YAML: "), "\(notYAML.text)")
        #expect(!notYAML.text.contains(": :"), "\(notYAML.text)")
    }
}
