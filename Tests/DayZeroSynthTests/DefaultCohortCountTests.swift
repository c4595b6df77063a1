import DayZeroCohort
import DayZeroSynth
import Testing

/// The paper's counts (Kooistra et al. 2020, results section and Table 1), written out here
/// independently of the generator's own constants.
@Suite("Default cohort: flow and count-based Table 1 rows equal the paper's")
struct DefaultCohortCountTests {
    let facts = defaultFacts

    @Test("flow: 78 screened, 9 immunocompromised, 1 refused, 8 gone by day 12, 21 treated, 39 controls")
    func flow() {
        #expect(facts.study.patients.count == 78)
        #expect(facts.immunocompromised.count == 9)
        #expect(facts.refused.count == 1)
        #expect(facts.goneBeforeAlignment.count == 8)
        #expect(facts.treated.count == 21)
        #expect(facts.controls.count == 39)
    }

    @Test("median first anakinra day is ICU day 12")
    func medianStartDay() throws {
        let starts = facts.treated.compactMap { facts.startDay[$0].map(Double.init) }
        let median = try #require(quantile7(starts, 0.5))
        #expect(median == 12, "start days \(starts.sorted())")
    }

    @Test("the refused patient has only patients and icu_course rows")
    func refusedHasNoClinicalData() throws {
        let id = try #require(facts.refused.first)
        let study = facts.study
        #expect(study.courses.contains { $0.patientID == id })
        #expect(!study.measurements.contains { $0.patientID == id })
        #expect(!study.medications.contains { $0.patientID == id })
        #expect(!study.events.contains { $0.patientID == id })
        #expect(!study.cytokines.contains { $0.patientID == id })
        #expect(!study.proteomicsSamples.contains { $0.patientID == id })
    }

    @Test("sex: 14/21 vs 33/39 male")
    func sex() {
        #expect(count(facts.treated) { facts.patients[$0]?.sex == .male } == 14)
        #expect(count(facts.controls) { facts.patients[$0]?.sex == .male } == 33)
    }

    @Test("every medical-history row of Table 1", arguments: [
        (Comorbidity.cardiovascularInsufficiency, 4, 10), (.hypertension, 8, 22), (.respiratoryInsufficiency, 1, 2),
        (.renalInsufficiency, 0, 1), (.metastaticNeoplasm, 2, 2), (.immunologicalInsufficiency, 0, 1),
        (.copd, 0, 5), (.diabetesMellitus, 7, 7), (.hematologicMalignancy, 1, 0),
    ])
    func comorbidity(_ comorbidity: Comorbidity, treated: Int, control: Int) {
        let t = count(facts.treated) { facts.patients[$0]?.comorbidities.contains(comorbidity) == true }
        let c = count(facts.controls) { facts.patients[$0]?.comorbidities.contains(comorbidity) == true }
        #expect(t == treated && c == control, "\(comorbidity.label): \(t) vs \(c), paper \(treated) vs \(control)")
    }

    @Test("secondary infections within 28 days after day 0: 7 vs 9")
    func secondaryInfections() {
        func infected(_ id: String) -> Bool {
            let day0 = facts.dayZero(id)
            return facts.study.events.contains {
                $0.patientID == id && $0.event == "secondary_infection" && $0.time > Double(day0) && $0.time <= Double(day0 + 28)
            }
        }
        #expect(count(facts.treated, infected) == 7)
        #expect(count(facts.controls, infected) == 9)
        // Infections outside the window exist, so the window matters.
        let outside = facts.study.events.filter { event in
            let day0 = facts.dayZero(event.patientID)
            return (facts.treated + facts.controls).contains(event.patientID) && (event.time < Double(day0) || event.time > Double(day0 + 28))
        }
        #expect(!outside.isEmpty)
    }

    @Test("28-day deaths after day 0: 4 vs 7")
    func deaths() {
        func died(_ id: String) -> Bool {
            guard let death = facts.courses[id]?.death else { return false }
            return death - Double(facts.dayZero(id)) <= 28
        }
        #expect(count(facts.treated, died) == 4)
        #expect(count(facts.controls, died) == 7)
    }

    @Test("medication before day −10…−1 and after day +1…+10 (corticosteroids 1/21 vs 10/39 before, 3/21 vs 11/39 after)",
          arguments: [("corticosteroids", 1, 10, 3, 11), ("chloroquine", 5, 10, 0, 1), ("remdesivir", 1, 2, 1, 1)])
    func medication(_ drug: String, treatedBefore: Int, controlBefore: Int, treatedAfter: Int, controlAfter: Int) {
        func used(_ id: String, _ window: ClosedRange<Int>) -> Bool {
            facts.study.medications.contains { $0.patientID == id && $0.drug == drug && window.contains($0.day - facts.dayZero(id)) }
        }
        // The counts hold whichever side day 0 itself is counted on.
        for before in [-10...(-1), -10...0] {
            #expect(count(facts.treated) { used($0, before) } == treatedBefore, "\(drug) before, treated")
            #expect(count(facts.controls) { used($0, before) } == controlBefore, "\(drug) before, controls")
        }
        for after in [1...10, 0...10] {
            #expect(count(facts.treated) { used($0, after) } == treatedAfter, "\(drug) after, treated")
            #expect(count(facts.controls) { used($0, after) } == controlAfter, "\(drug) after, controls")
        }
    }

    @Test("every seed gives the paper's counts at 78 patients", arguments: [1 as UInt64, 99, 123_456_789])
    func otherSeeds(_ seed: UInt64) throws {
        let other = CohortFacts(try SyntheticCohort.generate(seed: seed, patients: 78))
        #expect([other.immunocompromised.count, other.refused.count, other.goneBeforeAlignment.count,
                 other.treated.count, other.controls.count] == [9, 1, 8, 21, 39])
        #expect(other.alignmentDay == 12)
        #expect(count(other.treated) { other.patients[$0]?.sex == .male } == 14)
        #expect(count(other.controls) { other.patients[$0]?.comorbidities.contains(.copd) == true } == 5)
    }
}
