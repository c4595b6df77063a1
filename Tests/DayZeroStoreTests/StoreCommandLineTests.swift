import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStore

/// Captures the lines a command writes.
private final class Lines: @unchecked Sendable {
    var output: [String] = []
    var errors: [String] = []
}

@Suite("import and export commands (in-process)")
struct StoreCommandLineTests {
    @Test("import prints a summary and exits 0; export writes the folder and exits 0")
    func success() throws {
        let directory = try makeTestDirectory()
        let database = directory.appendingPathComponent("study.sqlite")
        let lines = Lines()
        let code = StoreCommandLine.runImport(
            folder: fixtureURL("valid-days"), database: database, output: { lines.output.append($0) },
            errors: { lines.errors.append($0) })
        #expect(code == 0)
        #expect(lines.errors.isEmpty)
        #expect(lines.output.count == 10)
        #expect(lines.output[1] == "  patients.csv             4 rows")
        #expect(lines.output[9] == "  parameters.csv           1 row")

        let out = directory.appendingPathComponent("out")
        let exportCode = StoreCommandLine.runExport(
            database: database, folder: out, output: { lines.output.append($0) }, errors: { lines.errors.append($0) })
        #expect(exportCode == 0)
        #expect(lines.output.last == "Exported \(database.path) to \(out.path): 9 files, 36 rows.")
        #expect(try folderContents(out) == folderContents(fixtureURL("valid-days")))
    }

    @Test("a broken folder: every problem on stderr, exit 1; unreadable input or store: exit 2")
    func failures() throws {
        let directory = try makeTestDirectory()
        let database = directory.appendingPathComponent("study.sqlite")
        let lines = Lines()
        let code = StoreCommandLine.runImport(
            folder: fixtureURL("broken-study"), database: database, output: { lines.output.append($0) },
            errors: { lines.errors.append($0) })
        #expect(code == StoreCommandLine.exitInvalidStudy)
        #expect(lines.output.isEmpty)
        #expect(lines.errors.first == "error: \(fixtureURL("broken-study").path) has 36 problems; nothing was imported.")
        #expect(Array(lines.errors.dropFirst()) == brokenStudyExpected)

        let missing = StoreCommandLine.runImport(
            folder: directory.appendingPathComponent("nope"), database: database, output: { _ in }, errors: { _ in })
        #expect(missing == StoreCommandLine.exitStoreFailure)
        let noStore = StoreCommandLine.runExport(
            database: database, folder: directory.appendingPathComponent("out"), output: { _ in }, errors: { _ in })
        #expect(noStore == StoreCommandLine.exitStoreFailure)
    }
}
