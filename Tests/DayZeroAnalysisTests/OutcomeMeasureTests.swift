@testable import DayZeroAnalysis
import DayZeroCohort
import DayZeroStats
import Testing

/// The declared outcomes (`outcomes.measures`) on a hand-made study whose answers are worked
/// out by hand. Everybody's day 0 is ICU day 0 (treated start on day 0, controls on the fixed
/// day 0), horizon 20 days:
///
/// | patient | group | ventilation | discharge | death | follow-up end | transplant |
/// |---|---|---|---|---|---|---|
/// | T1 | treated | 0 – 5.5 | 5.5 | 5.5 | | |
/// | T2 | treated | 0 – 2.5 | 6 | 12 | | 3.2 |
/// | T3 | treated | 0 – 4 | 9 | | 30 | |
/// | C1 | control | | 8 | | 15 | |
/// | C2 | control | | 10 | 25 | | |
/// | C3 | control | | 2 | 2 | | 0.5 |
@Suite("Declared outcomes")
struct OutcomeMeasureTests {
    static func study() -> StudyData {
        var s = StudyData()
        func add(_ id: String, vent: (Double, Double)?, discharge: Double, death: Double?, followUp: Double?) {
            s.patients.append(Patient(id: id, site: "A", sex: .female, age: 50))
            s.courses.append(ICUCourse(
                patientID: id, discharge: discharge, ventilationStart: vent?.0, ventilationEnd: vent?.1, death: death,
                followUpEnd: followUp))
        }
        add("T1", vent: (0, 5.5), discharge: 5.5, death: 5.5, followUp: nil)
        add("T2", vent: (0, 2.5), discharge: 6, death: 12, followUp: nil)
        add("T3", vent: (0, 4), discharge: 9, death: nil, followUp: 30)
        add("C1", vent: nil, discharge: 8, death: nil, followUp: 15)
        add("C2", vent: nil, discharge: 10, death: 25, followUp: nil)
        add("C3", vent: nil, discharge: 2, death: 2, followUp: nil)
        for id in ["T1", "T2", "T3"] { s.medications.append(MedicationAdministration(patientID: id, drug: "d", time: 0.5)) }
        s.events.append(ClinicalEvent(patientID: "T2", event: "transplant", time: 3.2))
        s.events.append(ClinicalEvent(patientID: "C3", event: "transplant", time: 0.5))
        return s
    }

    static func protocolWith(_ measures: [OutcomeMeasure], counting: DurationCounting = .calendarDaysInclusive) -> StudyProtocol {
        var p = StudyProtocol.paperDefault
        p.treatment = TreatmentRule(drug: "d")
        p.exclusions = []
        p.alignment = AlignmentRule(controls: .fixedICUDay, fixedICUDay: 0)
        p.parameters = []
        p.temperatureImputation = nil
        p.sofaDefinition = nil
        p.medications = .none
        p.baseline = [BaselineSection(title: "Patients", variables: ["age"])]
        p.analysisSets = [AnalysisSetRule(name: "main")]
        p.outcomes = OutcomeSettings(horizonDays: 20, durationCounting: counting, measures: measures)
        return p
    }

    static let measures = [
        OutcomeMeasure(name: "death", label: "Death", kind: .timeToEvent, event: "death"),
        OutcomeMeasure(name: "transplant", label: "Transplant", kind: .timeToEvent, event: "transplant", competing: "death"),
        OutcomeMeasure(name: "death10", label: "Death within 10 days", kind: .binary, event: "death", horizonDays: 10),
        OutcomeMeasure(name: "death20", label: "Death within 20 days", kind: .binary, event: "death"),
        OutcomeMeasure(name: "vfd", label: "Ventilator-free days", kind: .freeDays, of: .ventilation),
        OutcomeMeasure(name: "icu", label: "ICU length of stay", kind: .duration, of: .icuStay),
    ]

    func results(_ counting: DurationCounting = .calendarDaysInclusive) throws -> [OutcomeMeasureResult] {
        let analysis = try StudyAnalysis(study: Self.study(), protocol: Self.protocolWith(Self.measures, counting: counting))
        let main = try #require(analysis.results.analysisSets.first)
        return main.outcomeMeasures
    }

    /// One treated patient whose day 0 is ICU day 10 (first dose at 10.4), with the paper's
    /// outcomes (28 days): its death observation, 28-day mortality and secondary infection.
    func paperOutcomes(
        discharge: Double?, death: Double? = nil, followUpEnd: Double? = nil, lastMeasurement: Double? = nil, infection: Double? = nil
    ) throws -> (death: MeasureObservation, mortality: Bool?, infection: Bool?) {
        var s = StudyData()
        s.patients.append(Patient(id: "t", site: "A", sex: .female, age: 50))
        s.courses.append(ICUCourse(patientID: "t", discharge: discharge, ventilationStart: 0, ventilationEnd: 20, death: death, followUpEnd: followUpEnd))
        s.medications.append(MedicationAdministration(patientID: "t", drug: "anakinra", time: 10.4))
        if let lastMeasurement { s.measurements.append(patientID: "t", time: lastMeasurement, parameter: "crp", value: 50, sourceValue: 50, sourceUnit: "mg/L") }
        if let infection { s.events.append(ClinicalEvent(patientID: "t", event: "secondary_infection", time: infection)) }
        s.events.append(ClinicalEvent(patientID: "t", event: "other_event", time: 12))
        var p = StudyProtocol.paperDefault
        p.exclusions = []
        let cohort = try CohortDerivation.derive(s, protocol: p)
        let workup = Workup(study: s, cohort: cohort)
        let measures = OutcomeMeasure.paperOutcomes(p.outcomes)
        #expect(measures.map(\.name) == ["secondary_infection", "ventilation_days", "icu_los", "mortality", "death"])
        let follow = try #require(workup.followUps(measures).first)
        let death = try #require(measures.first { $0.name == "death" })
        let mortality = try #require(measures.first { $0.name == "mortality" })
        let secondary = try #require(measures.first { $0.name == "secondary_infection" })
        return (workup.observation(death, follow, horizon: 28), workup.binaryStatus(mortality, follow, horizon: 28),
                workup.binaryStatus(secondary, follow, horizon: 28))
    }

    @Test("the paper's mortality from day 0 (ICU day 10): death within 28 days, else censored when last known alive, at most 28")
    func paperMortality() throws {
        // Discharged alive at 22.5, no follow-up recorded: vital status known to discharge only.
        let o = try paperOutcomes(discharge: 22.5)
        #expect(o.death == MeasureObservation(time: 12.5, cause: 0))
        #expect(o.mortality == nil, "alive for less than the horizon: unknown, not a survivor")
        // Follow-up to day 90: censored at the horizon, a survivor.
        let f = try paperOutcomes(discharge: 22.5, followUpEnd: 90)
        #expect(f.death == MeasureObservation(time: 28, cause: 0))
        #expect(f.mortality == false)
        // Died after ICU discharge on day 35 (25 days after day 0).
        let d = try paperOutcomes(discharge: 30, death: 35)
        #expect(d.death == MeasureObservation(time: 25, cause: 1))
        #expect(d.mortality == true)
        // Died 28.5 days after day 0: not within the horizon.
        let late = try paperOutcomes(discharge: 30, death: 38.5)
        #expect(late.death == MeasureObservation(time: 28, cause: 0))
        #expect(late.mortality == false)
        // Still in the ICU at data lock, last measurement at 19.2: censored there.
        let open = try paperOutcomes(discharge: nil, lastMeasurement: 19.2)
        #expect(open.death.cause == 0 && abs(open.death.time - 9.2) < 1e-12)
    }

    @Test("the paper's secondary infection: the event kind within 28 days of the start of day 0")
    func paperSecondaryInfection() throws {
        func infected(at time: Double) throws -> Bool? { try paperOutcomes(discharge: 30, followUpEnd: 90, infection: time).infection }
        #expect(try infected(at: 9.9) == false)  // before day 0
        #expect(try infected(at: 10.0) == true)
        #expect(try infected(at: 38.0) == true)  // exactly 28 days
        #expect(try infected(at: 38.5) == false)
        // Discharged alive at 22.5 and not followed: without the event, its status at day 28 is unknown.
        #expect(try paperOutcomes(discharge: 22.5).infection == nil)
    }

    func observations() throws -> [String: [String: MeasureObservation]] {
        let study = Self.study()
        let p = Self.protocolWith(Self.measures)
        let cohort = try CohortDerivation.derive(study, protocol: p)
        let workup = Workup(study: study, cohort: cohort)
        let follow = workup.followUps(Self.measures)
        var out: [String: [String: MeasureObservation]] = [:]
        for m in Self.measures where m.kind == .timeToEvent {
            for (i, patient) in cohort.patients.enumerated() {
                out[m.name, default: [:]][patient.id] = workup.observation(m, follow[i], horizon: 20)
            }
        }
        return out
    }

    @Test("time-to-event observations: events after day 0, the competing event, censoring at the horizon or last known alive")
    func observationsByHand() throws {
        let o = try observations()
        let death = try #require(o["death"])
        #expect(death["T1"] == MeasureObservation(time: 5.5, cause: 1))
        #expect(death["T2"] == MeasureObservation(time: 12, cause: 1))
        #expect(death["T3"] == MeasureObservation(time: 20, cause: 0))
        #expect(death["C1"] == MeasureObservation(time: 15, cause: 0))
        #expect(death["C2"] == MeasureObservation(time: 20, cause: 0), "death on day 25 is after the horizon")
        #expect(death["C3"] == MeasureObservation(time: 2, cause: 1))
        let transplant = try #require(o["transplant"])
        #expect(transplant["T1"] == MeasureObservation(time: 5.5, cause: 2))
        #expect(transplant["T2"] == MeasureObservation(time: 3.2, cause: 1))
        #expect(transplant["T3"] == MeasureObservation(time: 20, cause: 0))
        #expect(transplant["C1"] == MeasureObservation(time: 15, cause: 0))
        #expect(transplant["C3"] == MeasureObservation(time: 0.5, cause: 1))
    }

    @Test("Kaplan–Meier of death and Aalen–Johansen of transplant with death competing, by hand")
    func curvesByHand() throws {
        let r = try results()
        let death = try #require(r.first { $0.name == "death" }?.survival)
        let treated = try #require(death.curves.first { $0.group == "treated" })
        // 3 at risk: death at 5.5 → 2/3, death at 12 → 1/3, censored at 20.
        #expect(treated.steps.map(\.survival).map { ($0 * 3).rounded() } == [2, 1, 1])
        #expect(abs((treated.steps.last?.survival ?? 0) - 1.0 / 3.0) < 1e-15)
        #expect(death.riskTimes == [0, 7, 14, 20])
        let incidence = try #require(r.first { $0.name == "transplant" }?.cumulativeIncidence)
        let t = try #require(incidence.curves.first { $0.group == "treated" })
        // Transplant at 3.2 (3 at risk): 1/3; death at 5.5 (2 at risk): competing 1/3.
        #expect(t.events == 1 && t.competingEvents == 1)
        #expect(abs((t.steps.last?.incidence ?? 0) - 1.0 / 3.0) < 1e-15)
        #expect(abs((t.steps.last?.competingIncidence ?? 0) - 1.0 / 3.0) < 1e-15)
        let c = try #require(incidence.curves.first { $0.group == "control" })
        #expect(abs((c.steps.first?.incidence ?? 0) - 1.0 / 3.0) < 1e-15 && c.steps.first?.time == 0.5)
        // Gray's test is the stats library's on the same observations.
        let gray = try GrayTest.test(
            times: [5.5, 3.2, 20, 15, 20, 0.5], causes: [2, 1, 0, 0, 0, 1],
            groups: ["treated", "treated", "treated", "control", "control", "control"], levels: ["control", "treated"], cause: 1)
        #expect(incidence.grayP == gray.pValue && incidence.grayStatistic == gray.statistic)
        let row = try #require(r.first { $0.name == "transplant" }?.row)
        #expect(row.test == "gray" && row.treated.count == 1 && row.control.count == 1)
    }

    @Test("binary at the horizon: a patient censored earlier alive is missing, not a survivor")
    func binaryByHand() throws {
        let r = try results()
        let ten = try #require(r.first { $0.name == "death10" }?.row)
        #expect(ten.treated.count == 1 && ten.treated.n == 3 && ten.control.count == 1 && ten.control.n == 3)
        let twenty = try #require(r.first { $0.name == "death20" }?.row)
        // C1 was last known alive on day 15: unknown at day 20.
        #expect(twenty.treated.count == 2 && twenty.treated.n == 3)
        #expect(twenty.control.count == 1 && twenty.control.n == 2 && twenty.control.missing == 1)
        let fisher = try FisherExactTest.test([[2, 1], [1, 1]])
        #expect(twenty.pValue == fisher.pValue)
        #expect(try #require(r.first { $0.name == "death20" }).warnings.contains { $0.hasPrefix("1 patient(s) censored before day 20") })
    }

    @Test("ventilator-free days: death = 0, calendar days supported, unknown when not followed to the horizon")
    func freeDaysByHand() throws {
        let calendar = try #require(try results().first { $0.name == "vfd" }?.row)
        // Treated: T1 and T2 died within 20 days → 0; T3 ventilated on days 0–4 → 20 − 5 = 15.
        // Control: C1 unknown (alive, last known day 15); C2 never ventilated, alive at 20 → 20;
        // C3 died → 0.
        #expect(calendar.treated.median == 0 && calendar.treated.q3 == 7.5)
        #expect(calendar.control.n == 2 && calendar.control.missing == 1 && calendar.control.median == 10)
        let w = try WilcoxonRankSum.test([0, 0, 15], [20, 0])
        #expect(calendar.pValue == w.pValue)
        // Elapsed counting: T3 16 free days.
        let elapsed = try #require(try results(.elapsedDays).first { $0.name == "vfd" }?.row)
        #expect(elapsed.treated.q3 == 8)
    }

    @Test("checks of the declarations")
    func validation() {
        let p = Self.protocolWith([
            OutcomeMeasure(name: "a", kind: .timeToEvent),
            OutcomeMeasure(name: "b", kind: .binary, event: "death", competing: "x"),
            OutcomeMeasure(name: "c", kind: .freeDays),
            OutcomeMeasure(name: "d", kind: .duration, event: "death", of: .icuStay, horizonDays: 5),
            OutcomeMeasure(name: "e", kind: .timeToEvent, event: "death", competing: "death", horizonDays: 99_999),
            OutcomeMeasure(name: "a", kind: .binary, event: "death"),
        ])
        let issues = p.validate().map { "\($0.path): \($0.message)" }
        #expect(issues.contains("outcomes.measures[0]: a time_to_event outcome needs event: death or an events.csv kind"))
        #expect(issues.contains("outcomes.measures[1].competing: competing is for time_to_event outcomes"))
        #expect(issues.contains("outcomes.measures[2]: a free_days outcome needs of: ventilation or icu_stay"))
        #expect(issues.contains("outcomes.measures[3]: event and competing are for time_to_event and binary outcomes"))
        #expect(issues.contains("outcomes.measures[3].horizon_days: duration outcomes use outcomes.horizon_days"))
        #expect(issues.contains("outcomes.measures[4].competing: the competing event must differ from the event"))
        #expect(issues.contains { $0.hasPrefix("outcomes.measures[4].horizon_days: horizon_days must be at most") })
        #expect(issues.contains("outcomes.measures[5].name: outcome 'a' is listed twice"))
        #expect(issues.count == 8, "\(issues)")
    }
}
