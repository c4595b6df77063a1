import Testing
@testable import DayZeroCohort

@Suite("Eligibility, alignment and flow")
struct AlignmentTests {
    @Test(arguments: [
        (MedianRounding.halfDown, 11), (.halfUp, 12), (.lowerMiddle, 10), (.upperMiddle, 13),
    ])
    func evenNumberOfTreatedStartDays(rounding: MedianRounding, expected: Int) throws {
        // Start days 13, 10, 14, 9 (unsorted): middle two are 10 and 13, median 11.5.
        var b = StudyBuilder()
        for (id, start) in [("t1", 13.2), ("t2", 10.0), ("t3", 14.9), ("t4", 9.5)] {
            b.patient(id)
            b.treated(id, start: start)
        }
        b.patient("c1")
        var p = StudyProtocol.paperDefault
        p.alignment.medianRounding = rounding
        let cohort = try b.derive(p)
        #expect(cohort.flow.treatedMedianStartDay == 11.5)
        #expect(cohort.flow.controlAlignmentDay == expected, "rounding \(rounding)")
        let c1 = try #require(cohort.patient("c1"))
        #expect(cohort.patients[c1].day0 == expected)
        // Treated: day 0 is the ICU day of the first administration (⌊13.2⌋ = 13).
        let t1 = try #require(cohort.patient("t1"))
        #expect(cohort.patients[t1].day0 == 13)
        #expect(cohort.patients[t1].treatmentStartDay == 13)
    }

    @Test func medianOfWholeDaysOnNegativeAndOddInput() {
        #expect(MedianRounding.halfDown.median(of: [-3, -2]) == -3)  // −2.5 rounds down to −3
        #expect(MedianRounding.halfUp.median(of: [-3, -2]) == -2)
        #expect(MedianRounding.halfDown.median(of: [12, 3, 20]) == 12)
        #expect(MedianRounding.halfDown.median(of: [10, 14]) == 12)  // whole mean: no rounding needed
        #expect(MedianRounding.halfDown.median(of: []) == nil)
    }

    @Test func controlsLeavingAroundTheAlignmentDay() throws {
        // Treated start days 12 → controls' day 0 = ICU day 12.
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 12)
        b.patient("dayBefore", discharge: 11.5)  // left during day 11: excluded
        b.patient("atStart", discharge: 12.0)  // discharged on day 12 (day numbers): included
        b.patient("onDay", discharge: 12.7)  // left during day 12: included
        b.patient("diedBefore", discharge: nil, death: 11.9)  // died before day 12: excluded
        b.patient("stillIn", discharge: nil)  // still in the ICU: included
        let cohort = try b.derive()
        #expect(cohort.flow.controlAlignmentDay == 12)
        #expect(cohort.patient("dayBefore") == nil)
        #expect(cohort.patient("diedBefore") == nil)
        #expect(cohort.patient("atStart") != nil)
        #expect(cohort.patient("onDay") != nil)
        #expect(cohort.patient("stillIn") != nil)
        #expect(cohort.flow.controlsNotInICU == 2)
        #expect(cohort.flow.excluded(.notInICUOnAlignmentDay) == 2)
        #expect(cohort.flow.eligibleControls == 5)
        #expect(cohort.flow.controls == 3)
        #expect(cohort.flow.treated == 1)
        #expect(cohort.flow.analysed == 4)
        let screened = try #require(cohort.screening.first { $0.id == "dayBefore" })
        #expect(screened.exclusions == [.notInICUOnAlignmentDay])
    }

    @Test func controlsNotInICUKeptWhenTheProtocolSaysSo() throws {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 12)
        b.patient("gone", discharge: 3)
        var p = StudyProtocol.paperDefault
        p.alignment.excludeControlsNotInICU = false
        let cohort = try b.derive(p)
        #expect(cohort.patient("gone") != nil)
        #expect(cohort.flow.controlsNotInICU == 1)
        #expect(cohort.flow.controls == 1)
    }

    @Test func exclusionsCountedOnceUnderTheFirstReason() throws {
        var b = StudyBuilder()
        b.patient("both", immunocompromised: true, consentRefused: true)
        b.patient("refused", consentRefused: true)
        b.patient("t")
        b.treated("t", start: 5)
        // A treated patient who is immunocompromised does not count towards the median.
        b.patient("tImm", immunocompromised: true)
        b.treated("tImm", start: 30)
        b.data.patients.append(Patient(id: "noCourse", site: "A", sex: .female, age: 50))
        b.patient("c")
        let cohort = try b.derive()
        #expect(cohort.flow.screened == 6)
        #expect(cohort.flow.excluded(.immunocompromised) == 2)
        #expect(cohort.flow.excluded(.consentRefused) == 1)
        #expect(cohort.flow.excluded(.noICUCourse) == 1)
        #expect(cohort.flow.eligible == 2)
        #expect(cohort.flow.controlAlignmentDay == 5)
        let both = try #require(cohort.screening.first { $0.id == "both" })
        #expect(both.exclusions == [.immunocompromised, .consentRefused])
        #expect(cohort.flow.excludedBeforeAlignment.map(\.reason) == [.immunocompromised, .consentRefused, .noICUCourse])
    }

    @Test func noTreatedPatientsIsAnError() {
        var b = StudyBuilder()
        b.patient("c")
        #expect(throws: DerivationError.self) { try b.derive() }
    }

    @Test func fixedControlDay() throws {
        var b = StudyBuilder()
        b.patient("c")
        var p = StudyProtocol.paperDefault
        p.alignment.controls = .fixedICUDay
        p.alignment.fixedICUDay = 4
        let cohort = try b.derive(p)
        #expect(cohort.patients.first?.day0 == 4)
    }

    @Test func protocolNamingAnUnknownParameterIsRejected() {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 1)
        var p = StudyProtocol.paperDefault
        p.parameters.append(ParameterRule(name: "lactate", transform: .none))
        #expect(throws: DerivationError.self) { try b.derive(p) }
        // Declared by the study itself: accepted.
        b.data.declaredParameters = [ParameterDefinition(name: "lactate", label: "Lactate", unit: "mmol/L", aggregation: .max, minimum: 0.1, maximum: 40)]
        #expect(throws: Never.self) { try b.derive(p) }
    }
}
