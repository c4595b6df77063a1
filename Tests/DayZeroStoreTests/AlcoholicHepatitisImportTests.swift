import DayZeroCohort
import DayZeroSynth
import Foundation
import Testing

@testable import DayZeroStore

@Suite("Alcoholic-hepatitis example import")
struct AlcoholicHepatitisImportTests {
    @Test("every file of the example passes every validation rule, and the import is the generated cohort", arguments: [
        AlcoholicHepatitisCohort.defaultSeed, 3,
    ])
    func importsCleanly(seed: UInt64) throws {
        let directory = try makeTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.appendingPathComponent("ah")
        try AlcoholicHepatitisCohort.write(seed: seed, patients: 200, to: folder)
        let database = directory.appendingPathComponent("ah.sqlite")
        let summary: StudySummary
        do {
            summary = try StudyStore.importStudy(folder: folder, to: database)
        } catch let failure as StudyValidationError {
            Issue.record("the example does not import:\n\(failure.lines.prefix(20).joined(separator: "\n"))")
            return
        }
        #expect(summary.rowCounts[.patients] == 200)
        #expect(summary.rowCounts[.icuCourse] == 200)
        #expect(summary.rowCounts[.variables] == 5)
        #expect(summary.rowCounts[.parameters] == 1)

        // Read back (folder and store): the generated cohort, value for value.
        let generated = try AlcoholicHepatitisCohort.generate(seed: seed, patients: 200)
        let read = try StudyStore.readStudy(folder: folder)
        #expect(read.baselineVariables == generated.baselineVariables)
        #expect(read.declaredParameters == generated.declaredParameters)
        #expect(read.courses == generated.courses)
        #expect(read.events == generated.events)
        #expect(read.medications == generated.medications)
        #expect(Array(read.measurements) == Array(generated.measurements))
        for (a, b) in zip(read.patients, generated.patients) where a != b {
            Issue.record("patient \(a.id) differs: read \(a), generated \(b)")
            break
        }
        let loaded = try StudyStore(url: database).load()
        #expect(loaded.patients.map(\.declared) == generated.patients.map(\.declared))
        #expect(loaded.measurements.count == generated.measurements.count)
    }
}
