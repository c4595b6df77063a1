@testable import DayZeroCLI
@testable import DayZeroSources
import DayZeroStore
import DayZeroTestSupport
import Foundation
import Testing

/// The commands: `dayzero simulate --format clif`, `dayzero import --clif` and
/// `--clif-mapping-init`, in-process.
@Suite(.serialized) struct CLIFCommandTests {
    @Test func importOptionsNameOneSource() throws {
        #expect(throws: (any Error).self) { try ImportCommand.parse(["study/", "--clif", "clif/"]) }
        #expect(throws: (any Error).self) { try ImportCommand.parse(["--omop", "postgresql://u@h/d", "--clif", "clif/"]) }
        let command = try ImportCommand.parse(["--clif", "clif/", "--mapping", "m.yaml", "--db", "s.sqlite"])
        #expect(command.clif == "clif/" && command.mapping == "m.yaml")
        #expect(try ImportCommand.parse(["--clif-mapping-init"]).clifMappingInit)
        #expect(try SimulateCommand.parse(["--out", "x", "--format", "clif"]).format == "clif")
    }

    @Test func simulateAndImportThroughTheCommandLine() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let clif = root.appendingPathComponent("clif")
        try SimulateCommand.parse(["--format", "clif", "--out", clif.path]).run()
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: clif.path)) == Set(CLIFDictionary.tables.map { "\($0).csv" } + ["dayzero"]))

        let db = root.appendingPathComponent("study.sqlite")
        let output = OMOPCommandTests.Lines(), errors = OMOPCommandTests.Lines()
        let code = CLIFCommandLine.runImport(folder: clif.path, mappingPath: nil, database: db, output: output.add, errors: errors.add)
        #expect(code == StoreCommandLine.exitSuccess, "\(errors.text)")
        #expect(output.text.contains("patients.csv             78 rows"), "\(output.text)")
        #expect(try StudyStore(url: db).load().patients.count == 78)

        // The mapping --clif-mapping-init prints, edited: an unknown scale. Exit 2, the store unchanged.
        let mapping = root.appendingPathComponent("clif-mapping.yaml")
        try CLIFMapping.defaultYAML.replacingOccurrences(of: "scale: by_range", with: "scale: percentage")
            .write(to: mapping, atomically: true, encoding: .utf8)
        let bad = OMOPCommandTests.Lines()
        #expect(CLIFCommandLine.runImport(folder: clif.path, mappingPath: mapping.path, database: db, output: { _ in }, errors: bad.add) == StoreCommandLine.exitStoreFailure)
        let scaleLine = (CLIFMapping.defaultYAML.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("scale: by_range") } ?? -1) + 1
        #expect(bad.text == "\(mapping.path):\(scaleLine):10: error: fio2.scale percentage must be one of by_range, fraction, percent", "\(bad.text)")

        // A broken export: exit 1, every problem listed, the store unchanged.
        try FileManager.default.removeItem(at: clif.appendingPathComponent("adt.csv"))
        let broken = OMOPCommandTests.Lines()
        #expect(CLIFCommandLine.runImport(folder: clif.path, mappingPath: nil, database: db, output: { _ in }, errors: broken.add) == StoreCommandLine.exitInvalidStudy)
        #expect(broken.text.hasPrefix("error: the CLIF export \(clif.path) has 1 problem; nothing was imported.\nadt.csv: the CLIF table adt is missing"), "\(broken.text)")
        #expect(try StudyStore(url: db).load().patients.count == 78)
    }
}
