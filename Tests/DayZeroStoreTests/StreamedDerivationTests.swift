import DayZeroCohort
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing
@testable import DayZeroStore

/// `StudyStore.deriveCohort`: the measurement rows streamed from the store give the cohort and
/// the measurement digest of the study loaded whole — whether the rows are stored grouped by
/// patient (one pass) or not (a second pass sorted by patient).
@Suite("Cohort derived from a store's streamed measurement rows", .serialized)
struct StreamedDerivationTests {
    /// The default cohort's folder; with `interleave`, measurements.csv has the patients' rows
    /// dealt round robin, patients in reverse order (each patient's own rows keep their order).
    func makeStore(interleave: Bool) throws -> (root: URL, store: StudyStore) {
        let root = try makeTemporaryDirectory()
        let folder = root.appendingPathComponent("study")
        try SyntheticCohort.write(to: folder)
        if interleave {
            let file = folder.appendingPathComponent("measurements.csv")
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
            var byPatient: [Substring: [Substring]] = [:]
            var order: [Substring] = []
            for line in lines.dropFirst() {
                let id = line.prefix { $0 != "," }
                if byPatient[id] == nil { order.append(id) }
                byPatient[id, default: []].append(line)
            }
            var out = [lines[0]]
            var k = 0
            while out.count < lines.count {
                for id in order.reversed() where k < byPatient[id, default: []].count { out.append(byPatient[id, default: []][k]) }
                k += 1
            }
            try (out.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        let db = root.appendingPathComponent("study.sqlite")
        _ = try StudyStore.importStudy(folder: folder, to: db)
        return (root, try StudyStore(url: db))
    }

    func check(interleave: Bool) throws {
        let (root, store) = try makeStore(interleave: interleave)
        defer { try? FileManager.default.removeItem(at: root) }
        let whole = try store.load()
        let partial = try store.load(measurements: false)
        #expect(partial.measurements.isEmpty)
        var withoutMeasurements = whole
        withoutMeasurements.measurements = []
        #expect(partial == withoutMeasurements)

        let streamed = try store.deriveCohort(study: partial, protocol: .paperDefault)
        #expect(streamed.readSortedByPatient == interleave)
        #expect(streamed.measurementRows == whole.measurements.count)
        #expect(streamed.measurementsDigest == StudyDigest.tableDigest("measurements", of: whole))
        #expect(StudyDigest.sha256(partial, measurements: streamed.measurementsDigest) == StudyDigest.sha256(whole))

        let memory = try CohortDerivation.derive(whole, protocol: .paperDefault)
        let cohort = streamed.cohort
        #expect(cohort.flow == memory.flow)
        #expect(cohort.patients == memory.patients)
        #expect(cohort.daily.values == memory.daily.values)
        #expect(cohort.daily.days == memory.daily.days)
        #expect(cohort.daily.imputed == memory.daily.imputed)
        #expect(cohort.sofa == memory.sofa)
        #expect(cohort.outcomes == memory.outcomes)
        #expect(cohort.ruleCounts == memory.ruleCounts)
        #expect(cohort.daily.count > 1000)
    }

    @Test("rows stored grouped by patient: one pass, same cohort and digest as the whole study")
    func grouped() throws { try check(interleave: false) }

    @Test("rows interleaved across patients: read again sorted by patient, same cohort and digest")
    func interleaved() throws { try check(interleave: true) }

    @Test("a study that is not the store's is refused")
    func mismatchedStudy() throws {
        let (root, store) = try makeStore(interleave: false)
        defer { try? FileManager.default.removeItem(at: root) }
        var other = try store.load(measurements: false)
        other.patients.swapAt(0, 1)
        #expect(throws: StoreError.self) { _ = try store.deriveCohort(study: other, protocol: .paperDefault) }
        other.patients.swapAt(0, 1)
        other.patients.removeLast()
        #expect(throws: StoreError.self) { _ = try store.deriveCohort(study: other, protocol: .paperDefault) }
    }

    @Test("the hand-made fixtures (day numbers, timestamps) derive the same streamed as in memory")
    func fixtures() throws {
        for name in ["valid-days", "valid-timestamps"] {
            let root = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: root) }
            let db = root.appendingPathComponent("study.sqlite")
            _ = try StudyStore.importStudy(folder: fixtureURL(name), to: db)
            let store = try StudyStore(url: db)
            let whole = try store.load()
            let memory = Result { try CohortDerivation.derive(whole, protocol: .paperDefault) }
            let streamed = Result { try store.deriveCohort(study: store.load(measurements: false), protocol: .paperDefault) }
            switch (memory, streamed) {
            case (.success(let a), .success(let b)):
                #expect(b.cohort.daily.count > 0, "\(name)")
                #expect(b.measurementsDigest == StudyDigest.tableDigest("measurements", of: whole), "\(name)")
                #expect(a.flow == b.cohort.flow, "\(name)")
                #expect(a.patients == b.cohort.patients, "\(name)")
                #expect(a.daily.values == b.cohort.daily.values && a.daily.days == b.cohort.daily.days, "\(name)")
                #expect(a.sofa == b.cohort.sofa, "\(name)")
                #expect(a.outcomes == b.cohort.outcomes, "\(name)")
                #expect(a.ruleCounts == b.cohort.ruleCounts, "\(name)")
            case (.failure(let a), .failure(let b)):
                Issue.record("\(name): the fixture should derive; in memory: \(a); streamed: \(b)")
            default:
                Issue.record("\(name): in memory \(memory), streamed \(streamed)")
            }
        }
    }
}
