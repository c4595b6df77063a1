import DayZeroTestSupport
import Foundation
import Testing
@testable import DayZeroStore

@Suite("Duplicate keys of the large tables")
struct KeyLinesTests {
    @Test("the first line of a two-part key is returned for its repeats, never for another key")
    func handWorked() {
        var keys = KeyLines()
        #expect(keys.previousLine("S1", "il6", line: 2) == nil)
        #expect(keys.previousLine("S1", "il8", line: 3) == nil)
        #expect(keys.previousLine("S2", "il6", line: 4) == nil)
        // Parts that would collide if simply joined are different keys.
        #expect(keys.previousLine("S1i", "l6", line: 5) == nil)
        #expect(keys.previousLine("S1", "il6", line: 6) == 2)
        #expect(keys.previousLine("S2", "il6", line: 7) == 4)
        // A repeat reports the first line, not the latest repeat.
        #expect(keys.previousLine("S1", "il6", line: 8) == 2)
        #expect(keys.previousLine("", "", line: 9) == nil)
        #expect(keys.previousLine("", "", line: 10) == 9)
    }

    @Test("duplicate proteomics and cytokine rows are reported with their first line")
    func endToEnd() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.appendingPathComponent("study")
        try FileManager.default.copyItem(at: fixtureURL("valid-days"), to: folder)
        for (name, line) in [("proteomics.csv", 2), ("cytokines.csv", 3)] {
            let url = folder.appendingPathComponent(name)
            let text = try String(contentsOf: url, encoding: .utf8)
            let rows = text.split(separator: "\n", omittingEmptySubsequences: true)
            try Data((text + rows[line - 1] + "\n").utf8).write(to: url)
        }
        do {
            try StudyStore.importStudy(folder: folder, to: directory.appendingPathComponent("s.sqlite"))
            Issue.record("the import accepted duplicate keys")
        } catch let error as StudyValidationError {
            let duplicates = error.problems.map(\.description).filter { $0.contains("[duplicate-key]") }
            #expect(duplicates.count == 2, "\(duplicates)")
            #expect(duplicates.contains { $0.hasPrefix("cytokines.csv:6:") && $0.hasSuffix("already appears on line 3 [duplicate-key]") })
            #expect(duplicates.contains {
                $0.hasPrefix("proteomics.csv:5:") && $0.contains("SampleID \"OL001\" with UniProt \"P05231\" and Assay \"IL6\"")
                    && $0.hasSuffix("already appears on line 2 [duplicate-key]")
            })
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("s.sqlite").path))
    }
}
