import Testing
@testable import DayZeroCohort

/// Outcomes measured from the start of day 0; in these cases day 0 is ICU day 10 (time 10.0).
@Suite("Outcomes after day 0")
struct OutcomeTests {
    func outcomes(
        discharge: Double?, ventilation: (start: Double, end: Double?)?, death: Double? = nil, followUpEnd: Double? = nil,
        protocol p: StudyProtocol = .paperDefault, lastMeasurement: Double? = nil
    ) throws -> PatientOutcomes {
        var b = StudyBuilder()
        b.patient("t", discharge: discharge, ventilation: ventilation, death: death, followUpEnd: followUpEnd)
        b.treated("t", start: 10.4)
        if let lastMeasurement { b.measure("t", "crp", at: lastMeasurement, 50) }
        let cohort = try b.derive(p)
        return try #require(cohort.outcomes.first)
    }

    @Test func extubatedBeforeDayZeroIsLeftOutOfTheVentilationCurve() throws {
        let o = try outcomes(discharge: 30, ventilation: (0, 9.5))
        #expect(o.ventilationStatus == .extubatedBeforeDay0)
        #expect(o.ventilation == nil)
        // Never ventilated / started after day 0.
        #expect(try outcomes(discharge: 30, ventilation: nil).ventilationStatus == .neverVentilated)
        #expect(try outcomes(discharge: 30, ventilation: (11.0, 15)).ventilationStatus == .startedAfterDay0)
    }

    @Test func extubatedOnDayZeroIsIncluded() throws {
        // Extubated at 10.25 (during day 0): event at 0.25 days, counted as 1 calendar day.
        let o = try outcomes(discharge: 30, ventilation: (0, 10.25))
        #expect(o.ventilationStatus == .ventilatedOnDay0)
        #expect(o.ventilation == TimeToEvent(time: 0.25, event: true, days: 1))
        // With day numbers: extubated on day 10 (time 10.0) still counts as ventilated on day 0.
        let d = try outcomes(discharge: 30, ventilation: (0, 10.0))
        #expect(d.ventilation == TimeToEvent(time: 0, event: true, days: 1))
    }

    @Test func extubationAliveWithinAndBeyondTheHorizon() throws {
        let o = try outcomes(discharge: 40, ventilation: (0, 27.0))
        #expect(o.ventilation == TimeToEvent(time: 17, event: true, days: 18))  // days 0…17 inclusive
        let late = try outcomes(discharge: 60, ventilation: (0, 38.5))  // 28.5 days after day 0
        #expect(late.ventilation == TimeToEvent(time: 28, event: false, days: 29))
        let exactly = try outcomes(discharge: 60, ventilation: (0, 38.0))  // exactly 28 days
        #expect(exactly.ventilation == TimeToEvent(time: 28, event: true, days: 29))
    }

    @Test func deathWhileVentilated() throws {
        // Died at 15.5 while ventilated (no end recorded), in the ICU.
        let worst = try outcomes(discharge: 15.5, ventilation: (0, nil), death: 15.5)
        #expect(worst.ventilation == TimeToEvent(time: 28, event: false, days: 29))
        #expect(worst.icuStay == TimeToEvent(time: 28, event: false, days: 29))
        var p = StudyProtocol.paperDefault
        p.outcomes.deathDuringVentilation = .censorAtDeath
        p.outcomes.deathInICU = .censorAtDeath
        let censored = try outcomes(discharge: 15.5, ventilation: (0, 15.5), death: 15.5, protocol: p)
        // Extubation at the moment of death is not "extubation alive".
        #expect(censored.ventilation == TimeToEvent(time: 5.5, event: false, days: 6))
        #expect(censored.icuStay == TimeToEvent(time: 5.5, event: false, days: 6))
        p.outcomes.durationCounting = .elapsedDays
        let elapsed = try outcomes(discharge: 15.5, ventilation: (0, 15.5), death: 15.5, protocol: p)
        #expect(elapsed.icuStay.days == 5.5)
    }

    /// Mortality and secondary infection are declared outcomes (`OutcomeMeasure.paperOutcomes`):
    /// their rules are tested with the other declared outcomes (OutcomeMeasureTests).
    @Test func icuStayCensoring() throws {
        // Discharged alive at 22.5, no follow-up recorded.
        let o = try outcomes(discharge: 22.5, ventilation: (0, 20))
        #expect(o.icuStay == TimeToEvent(time: 12.5, event: true, days: 13))
        // Died after ICU discharge on day 35: the ICU stay ends alive.
        let d = try outcomes(discharge: 30, ventilation: (0, 20), death: 35)
        #expect(d.icuStay == TimeToEvent(time: 20, event: true, days: 21))
        // Still in the ICU and ventilated at data lock, last measurement at 19.2: censored there.
        let open = try outcomes(discharge: nil, ventilation: (0, nil), lastMeasurement: 19.2)
        #expect(open.icuStay.event == false && abs(open.icuStay.time - 9.2) < 1e-12)
        #expect(open.ventilation?.event == false && abs((open.ventilation?.time ?? -1) - 9.2) < 1e-12)
    }
}
