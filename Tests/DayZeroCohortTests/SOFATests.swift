import Testing
@testable import DayZeroCohort

/// SOFA cut-offs of Vincent et al. 1996 (Table 1), checked at and around every boundary.
@Suite("SOFA")
struct SOFATests {
    let sofa = SOFADefinition.vincent1996WithoutGCS

    func input(_ component: String, _ parameter: String) throws -> SOFAInput {
        let c = try #require(sofa.components.first { $0.name == component })
        return try #require(c.inputs.first { $0.parameter == parameter })
    }

    func check(_ component: String, _ parameter: String, ventilated: Bool = true, _ cases: [(Double, Int)]) throws {
        let i = try input(component, parameter)
        for (x, expected) in cases {
            let s = i.score(x, ventilated: ventilated)
            #expect(s == expected, "\(parameter) = \(x) (ventilated \(ventilated)): got \(s), expected \(expected)")
        }
    }

    @Test func respiration() throws {
        try check("respiration", "pf_ratio", [
            (450, 0), (400, 0), (399.9, 1), (300, 1), (299.9, 2), (200, 2), (199.9, 3), (100, 3), (99.9, 4), (40, 4),
        ])
        // Without ventilation scores 3 and 4 do not apply: P/F < 200 stays at 2.
        try check("respiration", "pf_ratio", ventilated: false, [(199.9, 2), (99.9, 2), (300, 1), (299.9, 2)])
    }

    @Test func coagulation() throws {
        try check("coagulation", "platelets", [
            (150, 0), (149.9, 1), (100, 1), (99.9, 2), (50, 2), (49.9, 3), (20, 3), (19.9, 4), (0, 4),
        ])
    }

    @Test func liver() throws {
        // µmol/L: <20 → 0, 20–32 → 1, 33–101 → 2, 102–204 → 3, >204 → 4; values between the
        // printed ranges take the lower score.
        try check("liver", "bilirubin", [
            (19.9, 0), (20, 1), (32, 1), (32.5, 1), (33, 2), (101.9, 2), (102, 3), (204, 3), (204.1, 4),
        ])
    }

    @Test func renal() throws {
        try check("renal", "creatinine", [
            (109.9, 0), (110, 1), (170.9, 1), (171, 2), (299.9, 2), (300, 3), (440, 3), (440.1, 4),
        ])
        try check("renal", "urine_output", [(500, 0), (499.9, 3), (200, 3), (199.9, 4)])
    }

    @Test func cardiovascular() throws {
        try check("cardiovascular", "map", [(70, 0), (69.9, 1)])
        try check("cardiovascular", "norepinephrine", [(0, 0), (0.01, 3), (0.1, 3), (0.11, 4)])
        try check("cardiovascular", "epinephrine", [(0, 0), (0.1, 3), (0.100001, 4)])
        try check("cardiovascular", "dopamine", [(0, 0), (5, 2), (5.1, 3), (15, 3), (15.1, 4)])
        try check("cardiovascular", "dobutamine", [(0, 0), (2.5, 2)])
    }

    @Test func dayScoreWithMissingComponents() {
        // Components: respiration, coagulation, liver, cardiovascular, renal.
        // Day values: P/F 150 (ventilated → 3), platelets missing, bilirubin 40 (2),
        // cardiovascular: MAP 65 (1) and norepinephrine 0.05 (3) → max 3, renal missing.
        let values: [String: Double] = ["pf_ratio": 150, "bilirubin": 40, "map": 65, "norepinephrine": 0.05]
        let s = sofa.score(ventilated: true) { c, j in values[sofa.components[c].inputs[j].parameter] }
        #expect(s.components == [3, nil, 2, 3, nil])
        #expect(s.missingComponents == 2)
        #expect(s.total == 8)
        var strict = sofa
        strict.missingComponents = SOFAMissingPolicy(policy: .requireAll)
        #expect(strict.score(ventilated: true) { c, j in values[sofa.components[c].inputs[j].parameter] }.total == nil)
        var atLeastFour = sofa
        atLeastFour.missingComponents = SOFAMissingPolicy(policy: .sumAvailable, minimumComponents: 4)
        #expect(atLeastFour.score(ventilated: true) { c, j in values[sofa.components[c].inputs[j].parameter] }.total == nil)
        let none = sofa.score(ventilated: true) { _, _ in nil }
        #expect(none.total == nil && none.missingComponents == 5)
    }

    @Test func ventilationDays() {
        // Ventilated from 2.5 to 5.0 (end at a day boundary counts for that day).
        #expect(!isVentilated(onICUDay: 1, start: 2.5, end: 5.0))
        #expect(isVentilated(onICUDay: 2, start: 2.5, end: 5.0))
        #expect(isVentilated(onICUDay: 5, start: 2.5, end: 5.0))
        #expect(!isVentilated(onICUDay: 6, start: 2.5, end: 5.0))
        #expect(isVentilated(onICUDay: 60, start: 0, end: nil))
        #expect(!isVentilated(onICUDay: 0, start: nil, end: nil))
    }

    @Test func sofaFromStudyDataUsesWorstDailyValuesAndVentilation() throws {
        var b = StudyBuilder()
        b.patient("t", ventilation: (0, 3.5))
        b.treated("t", start: 2)
        // Day 1 (ventilated): two P/F values, the lowest (180) counts → 3; platelets 120 → 1;
        // bilirubin 10 → 0; norepinephrine 0 → 0; creatinine 350 → 3. Total 7, none missing.
        b.measure("t", "pf_ratio", at: 1.2, 250)
        b.measure("t", "pf_ratio", at: 1.8, 180)
        b.measure("t", "platelets", at: 1.1, 120)
        b.measure("t", "bilirubin", at: 1.1, 10)
        b.measure("t", "norepinephrine", at: 1.3, 0)
        b.measure("t", "creatinine", at: 1.1, 350)
        // Day 4 (not ventilated: extubated at 3.5): P/F 150 → 2 only; the rest missing.
        b.measure("t", "pf_ratio", at: 4.5, 150)
        let cohort = try b.derive()
        let t = try #require(cohort.patient("t"))
        #expect(cohort.sofa.count == 2)
        #expect(cohort.sofa.icuDay == [1, 4])
        #expect((0..<5).map { cohort.sofa.component($0, row: 0) } == [3, 1, 0, 0, 3])
        #expect(cohort.sofa.total == [7, 2])
        #expect(cohort.sofa.missingComponents == [0, 4])
        #expect(cohort.value(patient: t, parameter: "sofa", icuDay: 1) == 7)
        #expect(cohort.value(patient: t, parameter: "sofa", alignedDay: 2) == 2)
        #expect(cohort.value(patient: t, parameter: "sofa_renal", icuDay: 1) == 3)
        #expect(cohort.ruleCounts.sofaDaysScored == 2)
        #expect(cohort.ruleCounts.sofaDaysWithMissingComponents == 1)
    }
}
