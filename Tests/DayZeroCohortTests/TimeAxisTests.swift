import Testing
@testable import DayZeroCohort

/// The time axis (`time_axis:`): hand-worked mappings of times to periods, then the derivation
/// counting windows and day 0 in periods, then the protocol keys and their checks.
@Suite("Time axis")
struct TimeAxisTests {
    // MARK: - The mapping, by hand

    @Test func defaultIsTheICUDay() {
        let axis = StudyProtocol.paperDefault.timeAxis
        #expect(axis == .icuDay)
        #expect(StudyProtocol.paperDefault.timeAxisSetting == nil)
        for t in [-3.5, -1.0, -0.25, 0.0, 0.999, 1.0, 12.5, 99.99] {
            #expect(axis.period(of: t) == icuDay(t), "t = \(t)")
        }
    }

    @Test(arguments: [
        // (t, floor, nearest) with P = 7
        (0.0, 0, 0), (3.4, 0, 0), (3.5, 0, 1), (6.99, 0, 1), (7.0, 1, 1), (10.5, 1, 2), (-0.1, -1, 0),
        (-3.5, -1, 0), (-3.6, -1, -1), (-7.0, -1, -1), (-10.5, -2, -1),
    ])
    func weeks(t: Double, floor: Int, nearest: Int) {
        #expect(TimeAxis(unit: "week", periodDays: 7, rounding: .floor).period(of: t) == floor, "floor(\(t) / 7)")
        #expect(TimeAxis(unit: "week", periodDays: 7, rounding: .nearest).period(of: t) == nearest, "nearest(\(t) / 7)")
    }

    /// Exact half periods go up with `nearest` (round half up of t / P), also below zero.
    @Test func exactHalvesRoundUp() {
        let axis = TimeAxis(unit: "6-month period", periodDays: 182, rounding: .nearest)
        #expect(axis.period(of: 91) == 1)
        #expect(axis.period(of: -91) == 0)
        #expect(axis.period(of: -273) == -1)
        #expect(axis.period(of: 90.999) == 0)
        let half = TimeAxis(unit: "period", periodDays: 0.5, rounding: .nearest)
        #expect(half.period(of: 0.25) == 1)
        #expect(half.period(of: -0.25) == 0)
    }

    /// pbcseq-style visits: scheduled every 182 days, some a few weeks early or late.
    @Test func visitScheduleOf182Days() {
        let floor = TimeAxis(unit: "6-month period", periodDays: 182, rounding: .floor)
        let nearest = TimeAxis(unit: "6-month period", periodDays: 182, rounding: .nearest)
        let scheduled = (0..<8).map { Double($0 * 182) }
        #expect(scheduled.map(floor.period(of:)) == Array(0..<8))
        #expect(scheduled.map(nearest.period(of:)) == Array(0..<8))
        // The real visits: 3 days early, 20 days late, …; nearest keeps the schedule, floor does not.
        let visits: [Double] = [0, 179, 384, 540, 735, 903, 1100, 1270]
        #expect(visits.map(nearest.period(of:)) == Array(0..<8))
        #expect(visits.map(floor.period(of:)) == [0, 0, 2, 2, 4, 4, 6, 6])
    }

    @Test func monthsOfFractionalLength() {
        let month = TimeAxis(unit: "month", periodDays: 30.4375, rounding: .floor)
        #expect(month.period(of: 30.4) == 0)
        #expect(month.period(of: 30.4375) == 1)
        #expect(month.period(of: 365.25) == 12)
        #expect(month.period(of: -0.01) == -1)
        #expect(month.start(ofPeriod: 12) == 365.25)
        let nearest = TimeAxis(unit: "month", periodDays: 30.4375, rounding: .nearest)
        #expect(nearest.start(ofPeriod: 1) == 15.21875)
        #expect(nearest.period(of: 15.21875) == 1)
        #expect(nearest.period(of: 15.2) == 0)
    }

    @Test func absurdTimesAreClamped() {
        let axis = TimeAxis(unit: "week", periodDays: 7, rounding: .nearest)
        #expect(axis.period(of: .nan) == icuDay(.nan))
        #expect(axis.period(of: 1e300) == icuDay(1e300))
    }

    // MARK: - The derivation counts periods

    /// Visits every 182 days (some off schedule), half-yearly periods with nearest rounding:
    /// day 0 of a treated patient is the period of the first administration, the series holds
    /// one value per period, a window [-1, 3] counts periods, and controls take the treated
    /// median period.
    @Test func derivationInPeriods() throws {
        var b = StudyBuilder()
        b.patient("t1", discharge: 3000, ventilation: nil)
        b.give("t1", "anakinra", at: 190)  // period 1
        b.patient("t2", discharge: 3000, ventilation: nil)
        b.give("t2", "anakinra", at: 360)  // period 2
        b.patient("t3", discharge: 3000, ventilation: nil)
        b.give("t3", "anakinra", at: 170)  // period 1
        b.patient("c1", discharge: 3000, ventilation: nil)
        for (t, v) in [(0.0, 10.0), (179, 20), (384, 30), (540, 40), (735, 50), (903, 60)] {
            b.measure("t1", "crp", at: t, v)
            b.measure("c1", "crp", at: t, v + 1)
        }
        // Two visits fall into period 3 of t1 (540 and 560): aggregated by the parameter's rule (max).
        b.measure("t1", "crp", at: 560, 45)
        b.give("c1", "corticosteroids", at: 200)  // period 1 of c1 = aligned −0
        var p = StudyProtocol.paperDefault
        p.timeAxisSetting = TimeAxis(unit: "6-month period", periodDays: 182, rounding: .nearest)
        p.windows.serial = DayWindow(-1, 3)
        p.medications = MedicationSettings(drugs: ["corticosteroids"], before: DayWindow(-1, -1), after: DayWindow(0, 1))
        let cohort = try b.derive(p)
        let t1 = try #require(cohort.patient("t1"))
        let t2 = try #require(cohort.patient("t2"))
        let c1 = try #require(cohort.patient("c1"))
        #expect(cohort.patients[t1].day0 == 1)
        #expect(cohort.patients[t2].day0 == 2)
        #expect(cohort.flow.controlAlignmentDay == 1)  // median of 1, 2, 1
        #expect(cohort.patients[c1].day0 == 1)
        // t1's values by aligned period: period 0 → −1, period 1 (179) → 0, 2 (384) → 1, 3 (540, 560) → 2, 4 (735) → 3.
        #expect(cohort.value(patient: t1, parameter: "crp", alignedDay: -1) == 10)
        #expect(cohort.value(patient: t1, parameter: "crp", alignedDay: 0) == 20)
        #expect(cohort.value(patient: t1, parameter: "crp", alignedDay: 2) == 45)
        #expect(cohort.value(patient: t1, parameter: "crp", alignedDay: 3) == 50)
        #expect(cohort.value(patient: c1, parameter: "crp", alignedDay: 4) == 61)
        let table = cohort.alignedLongTable()
        let t1Days = (0..<table.count).filter { Int(table.patient[$0]) == t1 && table.parameters[Int(table.parameter[$0])] == "crp" }
            .map { Int(table.alignedDay[$0]) }
        #expect(t1Days == [-1, 0, 1, 2, 3])  // period 5 (903) is aligned 4: outside [-1, 3]
        let steroids = try #require(cohort.medicationUse.first)
        #expect(steroids.after[c1] == true)
        #expect(steroids.before[c1] == false)
    }

    /// A control's exit is compared with the start of its period 0: with floor and 7-day
    /// periods, period 2 starts at day 14.
    @Test func controlsNotInICUCompareWithThePeriodStart() throws {
        var b = StudyBuilder()
        b.patient("t1")
        b.give("t1", "anakinra", at: 15)  // week 2
        b.patient("c-gone", discharge: 13.9)
        b.patient("c-stays", discharge: 14.0)
        var p = StudyProtocol.paperDefault
        p.timeAxisSetting = TimeAxis(unit: "week", periodDays: 7, rounding: .floor)
        p.windows.serial = DayWindow(-2, 2)
        p.windows.cytokines = DayWindow(-2, 2)
        let cohort = try b.derive(p)
        #expect(cohort.flow.controlAlignmentDay == 2)
        #expect(cohort.patient("c-gone") == nil)
        #expect(cohort.patient("c-stays") != nil)
    }

    // MARK: - Protocol keys and checks

    @Test func yamlKeysAreRead() throws {
        let text = ProtocolYAML.defaultYAML
            .replacingAll("serial: [-10, 10]", with: "serial: [-4, 12]")
            + "time_axis:\n  unit: month\n  period_days: 30.4375\n  rounding: nearest\nkinetics_model:\n  time: spline\n  knots: [3, 6]\n"
        let issues = ProtocolYAML.check(text).issues
        #expect(issues.isEmpty, "\(issues)")
        let p = try ProtocolYAML.decode(text)
        #expect(p.timeAxis == TimeAxis(unit: "month", periodDays: 30.4375, rounding: .nearest))
        #expect(p.kineticsModel == KineticsModel(time: .spline, knots: [3, 6]))
        #expect(p.kineticsModel.label == "spline(knots: 3, 6)")
        #expect(p.kineticsModel.interiorKnots(first: -4, last: 0) == [])
        #expect(p.kineticsModel.interiorKnots(first: 0, last: 12) == [3, 6])
        // The default protocol has neither key and encodes without them.
        let encoded = try ProtocolYAML.encode(.paperDefault)
        #expect(!encoded.contains("time_axis") && !encoded.contains("kinetics_model"))
    }

    func issues(_ extra: String, serial: String = "[-10, 10]") -> [ProtocolIssue] {
        ProtocolYAML.check(ProtocolYAML.defaultYAML.replacingAll("serial: [-10, 10]", with: "serial: \(serial)") + extra).issues
    }

    @Test func badTimeAxisIsLocated() throws {
        let lines = ProtocolYAML.defaultYAML.split(separator: "\n", omittingEmptySubsequences: false).count
        var found = issues("time_axis:\n  unit: ''\n  period_days: 0\n  rounding: ceiling\n")
        #expect(found.count == 1, "\(found)")  // the keyword error stops the section
        #expect(found.first?.kind == .unknownValue)
        #expect(found.first?.position?.line == lines + 3)
        found = issues("time_axis:\n  unit: ''\n  period_days: -7\n")
        #expect(found.map(\.path) == ["time_axis.unit", "time_axis.period_days"], "\(found)")
        #expect(found.last?.message == "period_days must be a finite number of days above 0, found -7.0")
        #expect(found.last?.position?.line == lines + 2)
        found = issues("time_axis: {period_days: .inf}\n")
        #expect(found.map(\.path) == ["time_axis.period_days"], "\(found)")
        found = issues("time_axis: {period_days: 1e9}\n")
        #expect(found.map(\.kind) == [.tooLarge], "\(found)")
    }

    @Test func badKineticsModelIsLocated() {
        var found = issues("kinetics_model: {time: linear, knots: [3], max_levels: 10}\n")
        #expect(found.map(\.path) == ["kinetics_model.knots", "kinetics_model.max_levels"], "\(found)")
        found = issues("kinetics_model: {time: spline, knots: [3, 3, 1]}\n")
        #expect(found.map(\.message) == ["knots must increase strictly: 3 follows 3", "knots must increase strictly: 1 follows 3"], "\(found)")
        found = issues("kinetics_model: {time: quadratic}\n")
        #expect(found.map(\.kind) == [.unknownValue], "\(found)")
        found = issues("kinetics_model: {max_levels: 1}\n")
        #expect(found.map(\.message) == ["max_levels must be at least 2, found 1"], "\(found)")
    }

    /// Above max_levels the categorical model is refused before anything is fitted, with the
    /// number of levels and what to do; linear and spline time take the same window.
    @Test func categoricalModelRefusesTooManyLevels() throws {
        var found = issues("", serial: "[-182, 182]")
        #expect(found.count == 1, "\(found)")
        let issue = try #require(found.first)
        #expect(issue.kind == .tooLarge)
        #expect(issue.path == "windows.serial")
        #expect(issue.message.hasPrefix("window [-182, 182] has 365 day periods: the categorical kinetics model would fit 365 time levels, above max_levels 60; use kinetics_model: {time: linear}"))
        #expect(issue.position != nil)
        found = issues("kinetics_model: {max_levels: 400}\n", serial: "[-182, 182]")
        #expect(found.isEmpty, "\(found)")
        found = issues("kinetics_model: {time: linear}\n", serial: "[-182, 182]")
        #expect(found.isEmpty, "\(found)")
        found = issues("kinetics_model: {time: spline, knots: [-90, 0, 90]}\n", serial: "[-182, 182]")
        #expect(found.isEmpty, "\(found)")
        // 60 levels pass, 61 do not; a parameter's own window is checked where it is written.
        #expect(issues("", serial: "[-30, 29]").isEmpty)
        #expect(issues("", serial: "[-30, 30]").map(\.path) == ["windows.serial"])
        // A protocol built in code: the analysis's limit check refuses it too.
        var p = StudyProtocol.paperDefault
        p.windows.serial = DayWindow(-182, 182)
        #expect(p.limitIssues().map(\.path) == ["windows.serial"])
        p.kineticsModelSetting = KineticsModel(time: .linear)
        #expect(p.limitIssues().isEmpty)
    }
}

extension TimeAxisTests {
    /// A window beyond the limits is reported once, as the limit it breaks, and the level count
    /// of the categorical model never overflows on it.
    @Test func hugeWindowIsOnlyTheWindowLimit() {
        var p = StudyProtocol.paperDefault
        p.windows.serial = DayWindow(Int.min, Int.max)
        #expect(p.limitIssues().map(\.path) == ["windows.serial"])
        #expect(p.limitIssues().first?.message.hasPrefix("window [") == true)
        #expect(p.limitIssues().first?.message.contains("reaches beyond day ±3650") == true)
    }
}
