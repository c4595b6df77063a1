import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStore

/// Two CSV texts hold the same rows: same fields, compared as numbers where both parse as
/// numbers (`38.0` = `38`), else as text.
private func semanticallyEqual(_ a: String, _ b: String) -> (Bool, String) {
    let linesA = a.split(separator: "\n", omittingEmptySubsequences: false)
    let linesB = b.split(separator: "\n", omittingEmptySubsequences: false)
    guard linesA.count == linesB.count else { return (false, "\(linesA.count) vs \(linesB.count) lines") }
    for (i, (x, y)) in zip(linesA, linesB).enumerated() where x != y {
        let fx = x.split(separator: ",", omittingEmptySubsequences: false)
        let fy = y.split(separator: ",", omittingEmptySubsequences: false)
        guard fx.count == fy.count else { return (false, "line \(i + 1): \(x) vs \(y)") }
        for (u, v) in zip(fx, fy) where u != v {
            guard let du = try? NumberSyntax.parse(String(u)).get(), let dv = try? NumberSyntax.parse(String(v)).get(), du == dv
            else { return (false, "line \(i + 1): \(x) vs \(y)") }
        }
    }
    return (true, "")
}

@Suite("Default synthetic cohort")
struct DefaultCohortImportTests {
    @Test("the default cohort imports, with the paper's flow facts, and round-trips")
    func defaultCohort() throws {
        let directory = try makeTestDirectory()
        let folder = directory.appendingPathComponent("cohort")
        _ = try SyntheticCohort.write(
            seed: SyntheticCohort.defaultSeed, patients: SyntheticCohort.defaultPatientCount, to: folder, progress: { _ in })
        let database = directory.appendingPathComponent("study.sqlite")
        let summary = try StudyStore.importStudy(folder: folder, to: database)
        #expect(summary.rowCounts[.patients] == 78)
        #expect(summary.rowCounts[.icuCourse] == 78)

        let study = try StudyStore(url: database).load()
        #expect(study.patients.filter { $0.immunocompromised == true }.count == 9)
        #expect(study.patients.filter { $0.consentRefused == true }.count == 1)
        // A patient who refused consent has no data beyond the ICU course.
        let refused = Set(study.patients.filter { $0.consentRefused == true }.map(\.id))
        #expect(!study.measurements.contains { refused.contains($0.patientID) })
        #expect(!study.medications.contains { refused.contains($0.patientID) })
        #expect(Set(study.medications.filter { $0.drug == "anakinra" }.map(\.patientID)).count == 21)

        // Export, import again, export again: identical stores, identical exports, and the
        // first export holds the generator's rows (numbers in shortest form).
        let export1 = directory.appendingPathComponent("export1")
        try StudyStore(url: database).exportStudy(to: export1)
        let second = directory.appendingPathComponent("second.sqlite")
        try StudyStore.importStudy(folder: export1, to: second)
        let export2 = directory.appendingPathComponent("export2")
        try StudyStore(url: second).exportStudy(to: export2)
        #expect(try StudyStore(url: database).dump() == StudyStore(url: second).dump())
        #expect(try folderContents(export1) == folderContents(export2))
        let original = try folderContents(folder)
        let exported = try folderContents(export1)
        #expect(original.keys.sorted() == exported.keys.sorted())
        for (name, data) in original {
            let (same, why) = semanticallyEqual(
                String(decoding: data, as: UTF8.self), String(decoding: exported[name] ?? Data(), as: UTF8.self))
            #expect(same, "\(name): \(why)")
        }
    }
}
