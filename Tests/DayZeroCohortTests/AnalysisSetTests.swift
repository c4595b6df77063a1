import Testing
@testable import DayZeroCohort

/// The paper's sensitivity sets as protocol rules, with patients exactly at each threshold.
/// Treated patients start on ICU day 12, so every control's day 0 is ICU day 12 and its
/// criteria window −10…−1 is ICU days 2…11.
@Suite("Analysis-set rules")
struct AnalysisSetTests {
    func cohort(_ build: (inout StudyBuilder) -> Void) throws -> DerivedCohort {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 12)
        build(&b)
        return try b.derive()
    }

    func criteriaSet(_ c: DerivedCohort) throws -> AnalysisSetMembership {
        let rule = try #require(c.studyProtocol.analysisSet(named: "criteria-matched-controls"))
        return try #require(c.membership(of: rule))
    }

    func ids(_ c: DerivedCohort, _ m: AnalysisSetMembership) -> [String] { m.members.map { c.patients[$0].id } }

    @Test func feverThresholdIsStrictAndNeedsTwoDays() throws {
        let c = try cohort { b in
            // Exactly 38.5 on three days: not > 38.5.
            b.patient("at38_5")
            for d in [3.5, 4.5, 5.5] { b.measure("at38_5", "temperature", at: d, 38.5) }
            // 38.6 on exactly two days (not consecutive): qualifies.
            b.patient("twoDays")
            b.measure("twoDays", "temperature", at: 2.5, 38.6)
            b.measure("twoDays", "temperature", at: 9.5, 38.6)
            // 38.6 on one day only (two readings that day): does not qualify.
            b.patient("oneDay")
            b.measure("oneDay", "temperature", at: 6.1, 38.6)
            b.measure("oneDay", "temperature", at: 6.9, 39.0)
            // Fever on day 0 and day −11 does not count (window −10…−1).
            b.patient("outside")
            b.measure("outside", "temperature", at: 12.5, 39.5)
            b.measure("outside", "temperature", at: 1.5, 39.5)
            b.measure("outside", "temperature", at: 11.5, 39.5)
        }
        let m = try criteriaSet(c)
        #expect(ids(c, m) == ["t", "twoDays"])
        #expect(m.excludedCount(.failedIncludeRule) == 3)
        #expect(m.treated == 1 && m.controls == 1)
        let rule = ParameterCriterion(parameter: "temperature", threshold: .init(.above, 38.5), window: DayWindow(-10, -1), onAtLeastDays: 2)
        #expect(try c.qualifyingDays(rule, patient: #require(c.patient("at38_5"))) == 0)
        #expect(try c.qualifyingDays(rule, patient: #require(c.patient("outside"))) == 1)
    }

    @Test func ferritinThresholdIsStrict() throws {
        let c = try cohort { b in
            b.patient("at1800")
            b.measure("at1800", "ferritin", at: 5.5, 1800)
            b.patient("above")
            b.measure("above", "ferritin", at: 11.9, 1800.1)  // aligned −1: inside
        }
        #expect(ids(c, try criteriaSet(c)) == ["t", "above"])
    }

    @Test func imputedTemperatureCountsAsFever() throws {
        let c = try cohort { b in
            b.patient("cooled")
            b.measure("cooled", "actively_cooled", at: 4.5, 1)
            b.measure("cooled", "actively_cooled", at: 5.5, 1)
        }
        #expect(ids(c, try criteriaSet(c)) == ["t", "cooled"])
    }

    @Test func treatedPatientsAreKeptWhateverTheirValues() throws {
        let c = try cohort { b in b.patient("c") }
        #expect(ids(c, try criteriaSet(c)) == ["t"])
    }

    @Test func noCorticosteroidsSet() throws {
        let c = try cohort { b in
            b.give("t", "corticosteroids", at: 22.5)  // aligned +10: excluded
            b.patient("cBefore")
            b.give("cBefore", "corticosteroids", at: 2.0)  // −10: excluded
            b.patient("cEarly")
            b.give("cEarly", "corticosteroids", at: 1.9)  // −11: outside the window, kept
            b.patient("cNone")
        }
        let rule = try #require(c.studyProtocol.analysisSet(named: "no-corticosteroids"))
        let m = try #require(c.membership(of: rule))
        #expect(ids(c, m) == ["cEarly", "cNone"])
        #expect(m.excludedCount(.metExcludeRule) == 2)
        #expect(m.treated == 0 && m.controls == 2)
    }

    @Test func mainAndMatchedSets() throws {
        let c = try cohort { b in b.patient("c") }
        let sets = c.ruleBasedMemberships()
        #expect(sets.map(\.name) == ["main", "no-corticosteroids", "criteria-matched-controls"])
        #expect(sets[0].members == [0, 1])
        let matchedRule = try #require(c.studyProtocol.analysisSet(named: "propensity-matched"))
        #expect(c.membership(of: matchedRule) == nil)
        let matched = AnalysisSetMembership.matched(name: "propensity-matched", members: [1, 0], in: c)
        #expect(matched.members == [0, 1] && matched.excluded.isEmpty)
        let table = c.alignedLongTable(for: sets[2])
        #expect(table.analysisSet == "criteria-matched-controls")
    }

    @Test func nestedRulesAndDrugDayCounts() throws {
        let c = try cohort { b in
            b.patient("c")
            b.give("c", "remdesivir", at: 12.2)
            b.give("c", "remdesivir", at: 12.8)  // same day: one day
            b.give("c", "remdesivir", at: 13.1)
        }
        let i = try #require(c.patient("c"))
        let twoDays = Criterion.drug(DrugCriterion(drug: "Remdesivir", window: DayWindow(0, 5), onAtLeastDays: 2))
        let threeDays = Criterion.drug(DrugCriterion(drug: "remdesivir", window: DayWindow(0, 5), onAtLeastDays: 3))
        #expect(c.meets(twoDays, patient: i))
        #expect(!c.meets(threeDays, patient: i))
        #expect(c.meets(.anyOf([threeDays, twoDays]), patient: i))
        #expect(!c.meets(.allOf([threeDays, twoDays]), patient: i))
        #expect(c.meets(.not(threeDays), patient: i))
    }
}
