import DayZeroCohort
import DayZeroSynth
import Foundation
import Testing
@testable import DayZeroAnalysis

@Suite("Row order of the measurement table")
struct RowOrderTests {
    /// The derivation groups rows by patient through row numbers; interleaving the patients'
    /// rows (each patient's own rows keep their order, which breaks ties of equal times) must
    /// not change any result — only the input hash, which covers the stored order.
    @Test("interleaved patients give the same results as rows grouped by patient")
    func interleavedPatients() throws {
        let study = SyntheticCohort.default
        var byPatient: [String: [DayZeroCohort.Measurement]] = [:]
        var order: [String] = []
        for m in study.measurements {
            if byPatient[m.patientID] == nil { order.append(m.patientID) }
            byPatient[m.patientID, default: []].append(m)
        }
        var interleaved = MeasurementTable()
        var next = [String: Int]()
        var remaining = study.measurements.count
        // Round robin, patients in reverse order of appearance.
        while remaining > 0 {
            for id in order.reversed() {
                let k = next[id, default: 0]
                guard let rows = byPatient[id], k < rows.count else { continue }
                interleaved.append(rows[k])
                next[id] = k + 1
                remaining -= 1
            }
        }
        var shuffled = study
        shuffled.measurements = interleaved
        #expect(shuffled.measurements.count == study.measurements.count)
        #expect(shuffled.measurements.patient != study.measurements.patient)

        let a = try StudyAnalysis(study: study, protocol: .paperDefault)
        let b = try StudyAnalysis(study: shuffled, protocol: .paperDefault)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let setsA = try encoder.encode(a.results.analysisSets)
        let setsB = try encoder.encode(b.results.analysisSets)
        #expect(setsA == setsB)
        #expect(a.results.provenance.inputHash != b.results.provenance.inputHash)
        #expect(a.cohort.daily.values == b.cohort.daily.values)
    }

    @Test("the input hash is the same however the names were interned, and changes with any value")
    func hashIgnoresInterning() {
        let study = SyntheticCohort.default
        var rebuilt = study
        var table = MeasurementTable()
        // Intern every parameter first, in reverse order, then append the rows.
        for name in study.measurements.parameterNames.reversed() { _ = table.parameterKey(name) }
        table.append(contentsOf: study.measurements)
        rebuilt.measurements = table
        #expect(rebuilt.measurements.parameterNames != study.measurements.parameterNames)
        #expect(StudyHash.sha256(rebuilt) == StudyHash.sha256(study))

        var changed = study
        var rows = Array(study.measurements)
        rows[rows.count / 2].value = rows[rows.count / 2].value.nextUp
        changed.measurements = MeasurementTable(rows)
        #expect(StudyHash.sha256(changed) != StudyHash.sha256(study))
        var missingBMI = study
        missingBMI.patients[0].bmi = nil
        #expect(StudyHash.sha256(missingBMI) != StudyHash.sha256(study))
    }
}
