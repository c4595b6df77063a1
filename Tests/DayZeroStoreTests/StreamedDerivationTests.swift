import DayZeroCohort
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing
@testable import DayZeroStore

/// `StudyStore.deriveCohort`: the measurement, cytokine and proteomics rows streamed from the
/// store give the cohort and the digests of the study loaded whole — whether the rows are stored
/// grouped by patient (one pass) or not (a second pass sorted by patient).
@Suite("Cohort derived from a store's streamed rows", .serialized)
struct StreamedDerivationTests {
    /// The default cohort's folder; each file of `interleave` (`measurements.csv`,
    /// `cytokines.csv`) has the patients' rows dealt round robin, patients in reverse order (each
    /// patient's own rows keep their order).
    /// With `cytokineOnly`, the first and last `cytokineOnly` patients of cytokines.csv lose
    /// their measurement rows (their cytokine rows reach the derivation alone).
    func makeStore(interleave: Set<String> = [], cytokineOnly: Int = 0) throws -> (root: URL, store: StudyStore) {
        let root = try makeTemporaryDirectory()
        let folder = root.appendingPathComponent("study")
        try SyntheticCohort.write(to: folder)
        if cytokineOnly > 0 {
            func lines(_ name: String) throws -> [Substring] {
                try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                    .split(separator: "\n", omittingEmptySubsequences: true)
            }
            var ids: [Substring] = []
            for line in try lines("cytokines.csv").dropFirst() {
                let id = line.prefix { $0 != "," }
                if ids.last != id { ids.append(id) }
            }
            let dropped = Set(ids.prefix(cytokineOnly) + ids.suffix(cytokineOnly))
            let kept = try lines("measurements.csv").enumerated().filter { k, line in k == 0 || !dropped.contains(line.prefix { $0 != "," }) }
            try (kept.map(\.element).joined(separator: "\n") + "\n")
                .write(to: folder.appendingPathComponent("measurements.csv"), atomically: true, encoding: .utf8)
        }
        for name in interleave.sorted() {
            let file = folder.appendingPathComponent(name)
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

    /// The default protocol with two exclusions over measurements: creatinine above 2 mg/dL on
    /// 2 of ICU days 0–2 (the day's maximum, the protocol's aggregation), and the day's mean CRP
    /// at least 300 mg/L on ICU day 0 or 1.
    static let measurementExclusions: StudyProtocol = {
        var p = StudyProtocol.paperDefault
        p.exclusions += [
            ExclusionRule(name: "renal", label: "Creatinine above 2 mg/dL on 2 of ICU days 0–2", rule: .parameter(ParameterCriterion(
                parameter: "creatinine", threshold: Threshold(.above, 176.84), window: DayWindow(0, 2), onAtLeastDays: 2))),
            ExclusionRule(name: "crp", label: "Mean CRP ≥ 300 mg/L on ICU day 0 or 1", rule: .parameter(ParameterCriterion(
                parameter: "crp", threshold: Threshold(.atLeast, 300), window: DayWindow(0, 1), aggregation: .mean))),
        ]
        return p
    }()

    func check(interleave: Set<String>, cytokineOnly: Int = 0, protocol studyProtocol: StudyProtocol = .paperDefault) throws {
        let (root, store) = try makeStore(interleave: interleave, cytokineOnly: cytokineOnly)
        defer { try? FileManager.default.removeItem(at: root) }
        let whole = try store.load()
        let partial = try store.load(omittingStreamedTables: true)
        #expect(partial.measurements.isEmpty && partial.cytokines.isEmpty && partial.proteomics.isEmpty)
        var withoutStreamed = whole
        withoutStreamed.measurements = []
        withoutStreamed.cytokines = []
        withoutStreamed.proteomics = []
        #expect(partial == withoutStreamed)
        #expect(!whole.cytokines.isEmpty && !whole.proteomics.isEmpty && !partial.proteomicsSamples.isEmpty)

        let streamed = try store.deriveCohort(study: partial, protocol: studyProtocol)
        #expect(streamed.readSortedByPatient == !interleave.isEmpty)
        #expect(streamed.measurementRows == whole.measurements.count)
        #expect(streamed.cytokineRows == whole.cytokines.count)
        #expect(streamed.proteomicsRows == whole.proteomics.count)
        #expect(Set(streamed.digests.keys) == Set(StudyStore.streamedTables))
        for name in StudyStore.streamedTables {
            #expect(streamed.digests[name] == StudyDigest.tableDigest(name, of: whole), "\(name)")
        }
        #expect(StudyDigest.sha256(partial, streamed: streamed.digests) == StudyDigest.sha256(whole))
        #expect(StudyDigest.sha256(partial) != StudyDigest.sha256(whole))

        let memory = try CohortDerivation.derive(whole, protocol: studyProtocol)
        let cohort = streamed.cohort
        #expect(cohort.flow == memory.flow)
        #expect(cohort.screening == memory.screening)
        for step in memory.flow.excludedBeforeAlignment where studyProtocol.exclusionParameters.contains(step.reason.name) {
            // The measurement exclusions do exclude some patients, and not all.
            #expect(step.count > 0 && step.count < memory.flow.screened / 2, "\(step)")
        }
        #expect(cohort.patients == memory.patients)
        #expect(cohort.daily.values == memory.daily.values)
        #expect(cohort.daily.days == memory.daily.days)
        #expect(cohort.daily.imputed == memory.daily.imputed)
        #expect(cohort.sofa == memory.sofa)
        #expect(cohort.outcomes == memory.outcomes)
        #expect(cohort.ruleCounts == memory.ruleCounts)
        #expect(cohort.cytokineAdmission == memory.cytokineAdmission)
        #expect(cohort.proteomics == memory.proteomics)
        // Fewer patients are analysed under extra exclusions.
        let full = studyProtocol.exclusions == StudyProtocol.paperDefault.exclusions
        #expect(cohort.daily.count > 1000)
        #expect(cohort.cytokineAdmission.count > (full ? 100 : 20))
        if cytokineOnly > 0 {
            // Some analysed patients do reach the derivation with cytokine rows alone.
            let measured = Set(whole.measurements.patientIDs)
            let alone = Set(cohort.cytokineAdmission.patient.map { cohort.patients[Int($0)].id }).subtracting(measured)
            #expect(alone.count >= 2, "\(alone)")
        }
        #expect(cohort.proteomics.entries.count > (full ? 1000 : 100))
    }

    @Test("rows stored grouped by patient: one pass, same cohort and digests as the whole study")
    func grouped() throws { try check(interleave: []) }

    @Test("measurement rows interleaved across patients: read again sorted by patient, same cohort and digests")
    func interleaved() throws { try check(interleave: ["measurements.csv"]) }

    @Test("cytokine rows interleaved (measurements grouped): read again sorted by patient, same cohort and digests")
    func cytokinesInterleaved() throws { try check(interleave: ["cytokines.csv"]) }

    @Test("patients with cytokine rows and no measurement row (first and last ones too), grouped and sorted passes")
    func cytokineOnlyPatients() throws {
        try check(interleave: [], cytokineOnly: 3)
        try check(interleave: ["measurements.csv"], cytokineOnly: 3)
    }

    @Test("exclusions over measurements: the streamed path reads those parameters' rows first, same screening and cohort")
    func measurementExclusions() throws {
        try check(interleave: [], protocol: Self.measurementExclusions)
        try check(interleave: ["measurements.csv"], protocol: Self.measurementExclusions)
    }

    @Test("a study that is not the store's is refused")
    func mismatchedStudy() throws {
        let (root, store) = try makeStore()
        defer { try? FileManager.default.removeItem(at: root) }
        var other = try store.load(omittingStreamedTables: true)
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
            let streamed = Result { try store.deriveCohort(study: store.load(omittingStreamedTables: true), protocol: .paperDefault) }
            switch (memory, streamed) {
            case (.success(let a), .success(let b)):
                #expect(b.cohort.daily.count > 0, "\(name)")
                for table in StudyStore.streamedTables {
                    #expect(b.digests[table] == StudyDigest.tableDigest(table, of: whole), "\(name), \(table)")
                }
                #expect(a.flow == b.cohort.flow, "\(name)")
                #expect(a.patients == b.cohort.patients, "\(name)")
                #expect(a.daily.values == b.cohort.daily.values && a.daily.days == b.cohort.daily.days, "\(name)")
                #expect(a.sofa == b.cohort.sofa, "\(name)")
                #expect(a.outcomes == b.cohort.outcomes, "\(name)")
                #expect(a.ruleCounts == b.cohort.ruleCounts, "\(name)")
                #expect(a.cytokineAdmission == b.cohort.cytokineAdmission, "\(name)")
                #expect(a.proteomics == b.cohort.proteomics, "\(name)")
            case (.failure(let a), .failure(let b)):
                Issue.record("\(name): the fixture should derive; in memory: \(a); streamed: \(b)")
            default:
                Issue.record("\(name): in memory \(memory), streamed \(streamed)")
            }
        }
    }
}
