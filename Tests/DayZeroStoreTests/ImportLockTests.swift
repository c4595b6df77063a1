#if canImport(Glibc)
import Glibc
#endif
import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStore

/// Two imports into the same store at once: the second fails at once with a clear message and
/// changes nothing; once the first has finished, an import goes through (issue 16, item 7).
@Suite("Import lock")
struct ImportLockTests {
    @Test("a store another import holds is refused untouched; free again afterwards")
    func secondImportFails() throws {
        let directory = try makeTestDirectory()
        let database = directory.appendingPathComponent("study.sqlite")
        try StudyStore.importStudy(folder: fixtureURL("valid-days"), to: database)
        let before = try Data(contentsOf: database)
        // Another import in progress: the same lock, held through a separate open file.
        let holder = try ImportLock(database)
        #expect {
            try StudyStore.importStudy(folder: fixtureURL("valid-timestamps"), to: database)
        } throws: { error in
            "\(error)".contains("another import into \(database.path) is running")
        }
        #expect(try Data(contentsOf: database) == before)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!names.contains { $0.contains(".importing-") }, "\(names)")
        holder.release()
        try StudyStore.importStudy(folder: fixtureURL("valid-timestamps"), to: database)
        #expect(try Data(contentsOf: database) != before)
        // The lock file goes with the import that held it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["study.sqlite"])
    }
}
