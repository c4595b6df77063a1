@testable import DayZeroAnalysis
import DayZeroCohort
import DayZeroStore
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// R parity of the free days (`kind: free_days`) on the alcoholic-hepatitis example: the
/// committed study folder `Fixtures/free-days/study/` (what `dayzero simulate --example
/// alcoholic-hepatitis` writes), analysed with the example's protocol, against
/// `Fixtures/free-days/free_days.json`, which `free_days.R` computed in R from the same CSV files
/// alone — the cohort (exclusions, treated, day 0, controls not in the ICU on day 0), the
/// analysis sets and each patient's ventilator-free days at day 28 by the rule of
/// docs/protocol.md — not from DayZero's exports. CI needs no R.
///
/// Compared: per analysis set the patients, their group and day 0 and their free days (all
/// exactly: whole days), the counts, and the Mann–Whitney W (exactly) and p (1e-9 relative).
@Suite("R parity: ventilator-free days (alcoholic-hepatitis example)")
struct FreeDaysParityTests {
    static let tolerance = 1e-9
    /// The fixture's patients per set (main: 172, no-infection-at-admission: 139).
    static let expectedPatients = 311

    static var folder: URL { fixtureURL("free-days") }

    @Test("each patient's free days and the Mann–Whitney p per set agree with R")
    func freeDaysAgreeWithR() throws {
        let fixture = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("free_days.json"))) as? [String: Any])
        let sets = try #require(fixture["sets"] as? [[String: Any]])
        let measureName = try #require(fixture["measure"] as? String)
        #expect(sets.count == 2)

        let study = try StudyStore.readStudy(folder: Self.folder.appendingPathComponent("study"))
        let analysis = try StudyAnalysis(study: study, protocol: .alcoholicHepatitis, seed: AlcoholicHepatitisCohort.defaultSeed)
        let measure = try #require(analysis.cohort.studyProtocol.outcomes.analysedMeasures.first { $0.name == measureName })
        #expect(measure.kind == .freeDays)
        #expect(analysis.cohort.flow.controlAlignmentDay == (fixture["controlDay0"] as? Int))
        let workup = Workup(study: study, cohort: analysis.cohort)

        var comparedPatients = 0
        var comparedPValues = 0
        var maxRelativeP = 0.0
        for expected in sets {
            let name = try #require(expected["name"] as? String)
            let membership = try #require(analysis.memberships.first { $0.name == name }, "analysis set \(name)")
            let result = try #require(analysis.results.analysisSets.first { $0.id == name })
            let row = try #require(result.outcomeMeasures.first { $0.name == measureName }).row

            // Per patient: DayZero's value for each member of the set (what outcomes.csv writes).
            var ours: [String: (group: String, day0: Int, days: Double?)] = [:]
            for r in workup.measureRows([measure], membership) {
                let p = analysis.cohort.patients[r.patient]
                ours[p.id] = (p.group == .treated ? "treated" : "control", p.day0, r.days)
            }
            let values = try #require(expected["values"] as? [[String: Any]])
            #expect(values.count == (expected["patients"] as? Int))
            #expect(ours.count == values.count, "\(name): DayZero has \(ours.count) patients, R \(values.count)")
            for v in values {
                let id = try #require(v["id"] as? String)
                guard let mine = ours[id] else {
                    Issue.record("\(name): patient \(id) is in R's set, not in DayZero's")
                    continue
                }
                comparedPatients += 1
                #expect(mine.group == (v["group"] as? String), "\(name) \(id): group")
                #expect(mine.day0 == (v["day0"] as? Int), "\(name) \(id): day 0 \(mine.day0), R \(String(describing: v["day0"]))")
                let theirs = (v["freeDays"] as? NSNumber)?.doubleValue
                #expect(mine.days == theirs, "\(name) \(id): free days \(String(describing: mine.days)), R \(String(describing: theirs))")
            }

            // Counts, W and p.
            #expect(row.treated.n + row.treated.missing == (expected["treated"] as? Int), "\(name): treated")
            #expect(row.control.n + row.control.missing == (expected["control"] as? Int), "\(name): controls")
            #expect(row.treated.missing == (expected["missingTreated"] as? Int), "\(name): treated without a value")
            #expect(row.control.missing == (expected["missingControl"] as? Int), "\(name): controls without a value")
            #expect(row.test == "mann-whitney")
            #expect(row.statistic == (expected["W"] as? NSNumber)?.doubleValue, "\(name): W \(String(describing: row.statistic))")
            let p = try #require(row.pValue, "\(name): DayZero has no p-value")
            let rp = try #require((expected["pValue"] as? NSNumber)?.doubleValue)
            comparedPValues += 1
            maxRelativeP = max(maxRelativeP, relativeError(p, rp))
            #expect(isClose(p, rp, tolerance: Self.tolerance), "\(name): p \(p), R \(rp)")
        }
        #expect(comparedPatients == Self.expectedPatients)
        #expect(comparedPValues == 2)
        print("FreeDaysParityTests: \(comparedPatients) patient values and \(comparedPValues) p-values compared; largest relative p difference \(maxRelativeP)")
    }

    /// The committed folder is the example's cohort: if the generator changes on purpose, write
    /// the folder again (`dayzero simulate --example alcoholic-hepatitis --out
    /// Tests/DayZeroAnalysisTests/Fixtures/free-days/study --force`) and rerun `free_days.R`.
    @Test("the committed study folder is what dayzero simulate --example alcoholic-hepatitis writes")
    func studyFolderIsTheExample() throws {
        let written = try makeTemporaryDirectory("free-days-study")
        defer { try? FileManager.default.removeItem(at: written) }
        try StudyExample.alcoholicHepatitis.write(
            seed: AlcoholicHepatitisCohort.defaultSeed, patients: AlcoholicHepatitisCohort.defaultPatientCount, to: written)
        let committed = Self.folder.appendingPathComponent("study")
        let names = try FileManager.default.contentsOfDirectory(atPath: written.path).sorted()
        #expect(try FileManager.default.contentsOfDirectory(atPath: committed.path).sorted() == names)
        #expect(names.count == 7)
        for name in names {
            let same = try Data(contentsOf: written.appendingPathComponent(name)) == Data(contentsOf: committed.appendingPathComponent(name))
            #expect(same, "\(name) differs from the example's synthetic cohort")
        }
    }
}
