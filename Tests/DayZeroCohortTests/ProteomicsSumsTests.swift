import Testing
@testable import DayZeroCohort

/// `ProteomicsSumsBuilder`: the NPX sums per cohort patient and assay, whatever the order of the
/// rows (its caches only speed up the usual order), against sums done the obvious way.
@Suite("Proteomics sums per patient and assay")
struct ProteomicsSumsTests {
    @Test("hand-worked: pre/post sums and counts, QC warnings counted not summed, unknown samples skipped, volcano order")
    func handWorked() {
        let patients = [
            CohortPatient(id: "P2", studyIndex: 0, group: .treated, day0: 3, treatmentStartDay: 3),
            CohortPatient(id: "P1", studyIndex: 1, group: .control, day0: 5, treatmentStartDay: nil),
        ]
        let samples = [
            ProteomicsSample(sampleID: "s1", patientID: "P2", time: 1, timepoint: .pre),
            ProteomicsSample(sampleID: "s2", patientID: "P2", time: 6, timepoint: .post),
            ProteomicsSample(sampleID: "s3", patientID: "P1", time: 2, timepoint: .pre),
            ProteomicsSample(sampleID: "s4", patientID: "X9", time: 2, timepoint: .pre),
            ProteomicsSample(sampleID: "s5", patientID: "P2", time: 2, timepoint: .pre),
        ]
        let index = ["P2": 0, "P1": 1]
        var b = ProteomicsSumsBuilder(samples: samples, patients: patients) { index[$0] }
        b.add(sampleID: "s1", assay: "IL8", uniProt: "P10145", panel: "Inflammation", npx: 7.5, qcWarning: false)
        b.add(sampleID: "s1", assay: "CD8A", uniProt: "P01732", panel: "Inflammation", npx: 6.25, qcWarning: false)
        b.add(sampleID: "s4", assay: "IL8", uniProt: "P10145", panel: "Inflammation", npx: 100, qcWarning: false)
        b.add(sampleID: "s2", assay: "CD8A", uniProt: "P01732", panel: "Inflammation", npx: 5.5, qcWarning: false)
        b.add(sampleID: "s2", assay: "IL8", uniProt: "P10145", panel: "Inflammation", npx: 9, qcWarning: true)
        b.add(sampleID: "s3", assay: "IL8", uniProt: "P10145", panel: "Inflammation", npx: 4, qcWarning: false)
        b.add(sampleID: "s5", assay: "IL8", uniProt: "P10145", panel: "Inflammation", npx: 8.5, qcWarning: false)
        b.add(sampleID: "s5", assay: "IL8", uniProt: "P10145", panel: nil, npx: 1, qcWarning: false)
        let sums = b.finish()
        #expect(sums.valueRows == 8)
        #expect(sums.qcWarnings.map(\.patient) == [0] && sums.qcWarnings.map(\.count) == [1])
        // Sorted by assay (name, UniProt, panel), then group (control first), then patient ID.
        let rows = sums.entries.map { e in
            (sums.assays[Int(e.assay)].name, sums.assays[Int(e.assay)].panel, patients[Int(e.patient)].id, e.preSum, e.nPre, e.postSum, e.nPost)
        }
        let expected: [(String, String, String, Double, Int, Double, Int)] = [
            ("CD8A", "Inflammation", "P2", 6.25, 1, 5.5, 1),
            ("IL8", "", "P2", 1, 1, 0, 0),
            ("IL8", "Inflammation", "P1", 4, 1, 0, 0),
            ("IL8", "Inflammation", "P2", 16, 2, 0, 0),
        ]
        #expect(rows.count == expected.count)
        for (r, e) in zip(rows, expected) {
            #expect(r.0 == e.0 && r.1 == e.1 && r.2 == e.2 && r.3 == e.3 && r.4 == e.4 && r.5 == e.5 && r.6 == e.6, "\(r) vs \(e)")
        }
    }

    @Test("any row order (patients' samples apart, assays shuffled, thousands of keys) gives the obvious sums")
    func anyOrder() {
        let patientCount = 300, assayCount = 40
        let patients = (0..<patientCount).map {
            CohortPatient(id: "P\($0)", studyIndex: $0, group: $0 % 3 == 0 ? .treated : .control, day0: 0, treatmentStartDay: nil)
        }
        var samples: [ProteomicsSample] = []
        for p in 0..<patientCount {
            for k in 0..<2 { samples.append(ProteomicsSample(sampleID: "S\(p)-\(k)", patientID: "P\(p)", time: Double(k), timepoint: k == 0 ? .pre : .post)) }
        }
        var index: [String: Int] = [:]
        for p in 0..<patientCount { index["P\(p)"] = p }
        // Every sample lists the assays in its own order; samples are dealt so that each
        // patient's two samples are far apart (the builder's caches miss).
        var rows: [(sample: String, assay: Int, npx: Double)] = []
        for k in 0..<2 {
            for p in 0..<patientCount {
                var assays = Array(0..<assayCount)
                if p % 2 == 1 { assays.reverse() }
                if p % 5 == 0 { assays.swapAt(0, assayCount - 1) }
                for a in assays { rows.append(("S\(p)-\(k)", a, Double((p * 7919 + a * 104_729 + k * 13) % 1000) / 64)) }
            }
        }
        var b = ProteomicsSumsBuilder(samples: samples, patients: patients) { index[$0] }
        var obvious: [String: (pre: Double, post: Double)] = [:]
        for r in rows {
            b.add(sampleID: r.sample, assay: "A\(r.assay)", uniProt: "U\(r.assay)", panel: "panel", npx: r.npx, qcWarning: false)
            let patient = r.sample.split(separator: "-")[0].dropFirst()
            let key = "A\(r.assay)/P\(patient)"
            var s = obvious[key] ?? (0, 0)
            if r.sample.hasSuffix("-0") { s.pre += r.npx } else { s.post += r.npx }
            obvious[key] = s
        }
        let sums = b.finish()
        #expect(sums.entries.count == patientCount * assayCount)
        #expect(sums.assays.count == assayCount)
        for e in sums.entries {
            let key = "\(sums.assays[Int(e.assay)].name)/\(patients[Int(e.patient)].id)"
            #expect(e.nPre == 1 && e.nPost == 1 && e.preSum == obvious[key]?.pre && e.postSum == obvious[key]?.post, "\(key)")
        }
    }
}
