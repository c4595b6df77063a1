@testable import DayZeroCLI
import DayZeroStore
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// `simulate`, `import` and `export` parsed as the shell would pass them, and run in-process.
@Suite struct StudyCommandsTests {
    @Test func simulateImportExportRoundTrip() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let study = root.appendingPathComponent("study")
        let db = root.appendingPathComponent("study.sqlite")
        let back = root.appendingPathComponent("back")

        let simulate = try DayZeroCommand.parseAsRoot(["simulate", "--out", study.path, "--patients", "30", "--seed", "7"])
        try #require(simulate as? SimulateCommand).run()
        let patients = try String(contentsOf: study.appendingPathComponent("patients.csv"), encoding: .utf8)
        #expect(patients.split(separator: "\n").count == 31)

        let importCommand = try #require(try DayZeroCommand.parseAsRoot(["import", study.path, "--db", db.path]) as? ImportCommand)
        try importCommand.run()
        #expect(FileManager.default.fileExists(atPath: db.path))

        let exportCommand = try #require(try DayZeroCommand.parseAsRoot(["export", "--db", db.path, back.path]) as? ExportCommand)
        try exportCommand.run()
        // The export writes numbers in shortest form (19.0 → 19): the same rows, and a second
        // import + export reproduces the first export byte for byte.
        let exported = try String(contentsOf: back.appendingPathComponent("patients.csv"), encoding: .utf8)
        #expect(exported.split(separator: "\n").count == 31)
        let db2 = root.appendingPathComponent("again.sqlite")
        let back2 = root.appendingPathComponent("back2")
        try #require(try DayZeroCommand.parseAsRoot(["import", back.path, "--db", db2.path]) as? ImportCommand).run()
        try #require(try DayZeroCommand.parseAsRoot(["export", "--db", db2.path, back2.path]) as? ExportCommand).run()
        for name in ["patients.csv", "icu_course.csv", "measurements.csv", "medications.csv", "cytokines.csv", "proteomics.csv"] {
            let a = try Data(contentsOf: back.appendingPathComponent(name))
            let b = try Data(contentsOf: back2.appendingPathComponent(name))
            #expect(a == b, "\(name) differs after a second round trip")
        }
    }

    @Test func simulateRefusesANonEmptyFolderWithoutForce() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try Data("x".utf8).write(to: root.appendingPathComponent("notes.txt"))
        #expect(throws: (any Error).self) { try DayZeroCommand.parseAsRoot(["simulate", "--out", root.path]) }
        #expect(throws: (any Error).self) { try DayZeroCommand.parseAsRoot(["simulate", "--out", root.path, "--patients", "0"]) }
    }

    @Test func importOfABrokenFolderExitsWithOneAndWritesNothing() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let study = root.appendingPathComponent("study")
        try SyntheticCohort.write(seed: 3, patients: 5, to: study)
        let measurements = study.appendingPathComponent("measurements.csv")
        var text = try String(contentsOf: measurements, encoding: .utf8)
        text += "NOBODY,1,temperature,38.5,°C\n"
        try text.write(to: measurements, atomically: true, encoding: .utf8)
        let db = root.appendingPathComponent("study.sqlite")
        var errors: [String] = []
        let code = StoreCommandLine.runImport(folder: study, database: db, output: { _ in }, errors: { errors.append($0) })
        #expect(code == StoreCommandLine.exitInvalidStudy)
        #expect(errors.contains { $0.hasPrefix("measurements.csv:") && $0.contains("NOBODY") }, "\(errors)")
        #expect(!FileManager.default.fileExists(atPath: db.path))
    }
}
