import Testing
@testable import DayZeroCohort

/// `CohortDeriver`: the rows of each patient given one patient at a time (as a store streams
/// them) derive the same cohort as `CohortDerivation.derive` on the study in memory.
@Suite("Cohort deriver (measurement rows patient by patient)")
struct CohortDeriverTests {
    /// A: treated from ICU day 2; B: control; C: excluded (immunocompromised); D: treated from
    /// day 3 with no measurement row at all, only an admission cytokine sample. Rows of A and B
    /// are given unsorted by time, with two temperatures on one day and a parameter the protocol
    /// does not use; B has a serial IL-6 at the time of a measurement row and two admission
    /// IL-6 values (their mean is the sample), C has cytokines that are not analysed.
    func study() -> StudyBuilder {
        var s = StudyBuilder()
        s.patient("A")
        s.patient("B")
        s.patient("C", immunocompromised: true)
        s.patient("D", death: 20)
        s.treated("A", start: 2.5)
        s.treated("D", start: 3.25)
        s.measure("A", "temperature", at: 1.75, 39.1)
        s.measure("A", "crp", at: 4.0, 120)
        s.measure("A", "temperature", at: 1.25, 38.0)
        s.measure("B", "crp", at: 3.5, 80)
        s.measure("B", "unused_parameter", at: 25.5, 1)
        s.measure("C", "crp", at: 1.0, 10)
        s.cytokine("B", "il6", at: 3.0, 50)
        s.cytokine("B", "il6", at: 0.25, 200, admission: true)
        s.cytokine("D", "il6", at: 0.5, 30, admission: true)
        s.cytokine("C", "il6", at: 0.5, 999, admission: true)
        s.cytokine("B", "il6", at: 0.25, 100, admission: true)
        s.cytokine("B", "il6", at: 3.0, 70)
        s.measure("B", "il6", at: 3.0, 10)
        return s
    }

    /// Feeds the deriver each study patient's rows, in study order, rows in their input order:
    /// the cytokine rows before the measurement rows (any order within a patient derives the same).
    func streamed(_ data: StudyData, order: [String]? = nil) throws(DerivationError) -> DerivedCohort {
        var deriver = try CohortDeriver(study: data, protocol: .paperDefault)
        let ids = order ?? data.patients.map(\.id)
        var rows = PatientMeasurementRows()
        for id in ids {
            guard let s = data.patients.firstIndex(where: { $0.id == id }) else { continue }
            rows.removeAll()
            for (r, c) in data.cytokines.enumerated() where c.patientID == id {
                rows.appendCytokine(deriver.cytokineKey(analyte: c.analyte, timepoint: c.timepoint), time: c.time, value: c.value, row: r)
            }
            for (r, m) in data.measurements.enumerated() where m.patientID == id {
                rows.append(slot: deriver.slot(parameter: m.parameter), time: m.time, value: m.value, order: r)
            }
            guard !rows.isEmpty else { continue }
            try deriver.add(studyIndex: s, rows: &rows)
        }
        var proteomics = deriver.proteomicsBuilder(samples: data.proteomicsSamples)
        for v in data.proteomics { proteomics.add(v) }
        return deriver.finish(proteomics: proteomics.finish())
    }

    func expectSame(_ a: DerivedCohort, _ b: DerivedCohort) {
        #expect(a.flow == b.flow)
        #expect(a.patients == b.patients)
        #expect(a.screening == b.screening)
        #expect(a.daily.keys == b.daily.keys)
        #expect(a.daily.days == b.daily.days)
        #expect(a.daily.values == b.daily.values)
        #expect(a.daily.imputed == b.daily.imputed)
        for p in 0..<a.patients.count {
            for s in a.daily.keys.indices { #expect(a.daily.range(patient: p, series: s) == b.daily.range(patient: p, series: s)) }
        }
        #expect(a.sofa == b.sofa)
        #expect(a.cytokineAdmission == b.cytokineAdmission)
        #expect(a.medicationUse == b.medicationUse)
        #expect(a.outcomes == b.outcomes)
        #expect(a.ruleCounts == b.ruleCounts)
    }

    @Test("patient by patient equals the in-memory derivation, hand-checked values included")
    func sameAsInMemory() throws {
        let data = study().data
        let memory = try CohortDerivation.derive(data, protocol: .paperDefault)
        let stream = try streamed(data)
        expectSame(stream, memory)
        // A's day-1 temperature is the day's maximum of 38.0 and 39.1; D (no rows) is analysed.
        let a = try #require(stream.patient("A"))
        #expect(stream.value(patient: a, parameter: "temperature", icuDay: 1) == 39.1)
        #expect(stream.value(patient: a, parameter: "crp", icuDay: 4) == 120)
        #expect(stream.patient("C") == nil)
        let d = try #require(stream.patient("D"))
        #expect(stream.patients[d].day0 == 3)
        // B's serial IL-6 values join its measurement row of the same day: the protocol's daily
        // mean of 10, 50 and 70; the admission sample is the mean of 200 and 100.
        let b = try #require(stream.patient("B"))
        #expect(stream.value(patient: b, parameter: "il6", icuDay: 3) == 130.0 / 3)
        #expect(stream.cytokineAdmission.value(patient: b, analyte: "il6") == 150)
        // D has cytokine rows only: its admission sample is there, and its last recorded time.
        #expect(stream.cytokineAdmission.value(patient: d, analyte: "il6") == 30)
        #expect(stream.cytokineAdmission.count == 2)
    }

    @Test("a parameter the protocol does not use has no slot but still counts as recorded")
    func unusedParameter() throws {
        let data = study().data
        let deriver = try CohortDeriver(study: data, protocol: .paperDefault)
        #expect(deriver.slot(parameter: "unused_parameter") == -1)
        #expect(deriver.slot(parameter: "crp") >= 0)
        var rows = PatientMeasurementRows()
        rows.append(slot: -1, time: 25.5, value: 1, order: 0)
        rows.append(slot: deriver.slot(parameter: "crp"), time: 3.5, value: 80, order: 1)
        #expect(rows.lastTime == 25.5)
        #expect(rows.observations.count == 1)
        var without = data
        without.measurements = MeasurementTable(data.measurements.filter { $0.parameter != "unused_parameter" })
        #expect(try streamed(without).outcomes == CohortDerivation.derive(without, protocol: .paperDefault).outcomes)
        #expect(try streamed(data).outcomes == CohortDerivation.derive(data, protocol: .paperDefault).outcomes)
    }

    @Test("rows out of study order are refused, naming the patient")
    func outOfOrder() throws {
        let data = study().data
        #expect(throws: DerivationError.self) { _ = try streamed(data, order: ["B", "A"]) }
        do {
            _ = try streamed(data, order: ["B", "A"])
        } catch {
            #expect("\(error)".contains("patient A"), "\(error)")
        }
        // The same patient twice is out of order too.
        var deriver = try CohortDeriver(study: data, protocol: .paperDefault)
        var rows = PatientMeasurementRows()
        rows.append(slot: deriver.slot(parameter: "crp"), time: 1, value: 5, order: 0)
        try deriver.add(studyIndex: 0, rows: &rows)
        #expect(throws: DerivationError.self) { try deriver.add(studyIndex: 0, rows: &rows) }
    }
}
