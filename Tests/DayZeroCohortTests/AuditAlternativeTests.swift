import Testing
@testable import DayZeroCohort

/// The audit's alternatives of issue 18 as derivation rules, by hand: SOFA with the last value
/// carried forward, the temperature imputed only where the measured value is above 40 °C, and a
/// criterion on consecutive days; and the robustness choices that set them.
@Suite("Audit alternatives: SOFA carried forward, temperature above 40 only, consecutive days")
struct AuditAlternativeTests {
    // MARK: SOFA, last value carried forward

    func sofaProtocol(_ policy: SOFAMissingPolicy) -> StudyProtocol {
        var p = StudyProtocol.paperDefault
        p.sofaDefinition?.missingComponents = policy
        return p
    }

    /// Components in order: respiration, coagulation, liver, cardiovascular, renal. Patient t
    /// (ventilated throughout):
    /// - ICU day 1: P/F 250 (2), platelets 120 (1), bilirubin 40 (2), norepinephrine 0.05 (3),
    ///   creatinine 200 (2) — complete, 10 under every policy.
    /// - day 2: P/F 350 (1), norepinephrine 0 (0), creatinine 120 (1); platelets and bilirubin
    ///   missing → measured 2; carried 1 + 2 (day 1) → 5.
    /// - day 3: platelets 40 (3) only → measured 3; carried respiration 1, cardiovascular 0,
    ///   renal 1 (day 2) and liver 2 (day 1) → 7.
    /// - day 6: bilirubin 110 (3) only → measured 3; carried respiration 1 (day 2, 4 days),
    ///   coagulation 3 (day 3, 3 days), cardiovascular 0 and renal 1 (day 2) → 8; with
    ///   `carry_forward_days: 3` only coagulation → 6.
    /// Patient u: ICU day 1 P/F 350 (1) only — nothing earlier of its own, nothing from t → 1.
    func sofaStudy() -> StudyBuilder {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 4)
        b.measure("t", "pf_ratio", at: 1.2, 250)
        b.measure("t", "platelets", at: 1.2, 120)
        b.measure("t", "bilirubin", at: 1.2, 40)
        b.measure("t", "norepinephrine", at: 1.2, 0.05)
        b.measure("t", "creatinine", at: 1.2, 200)
        b.measure("t", "pf_ratio", at: 2.2, 350)
        b.measure("t", "norepinephrine", at: 2.2, 0)
        b.measure("t", "creatinine", at: 2.2, 120)
        b.measure("t", "platelets", at: 3.2, 40)
        b.measure("t", "bilirubin", at: 6.2, 110)
        b.patient("u")
        b.measure("u", "pf_ratio", at: 1.5, 350)
        return b
    }

    func totals(_ c: DerivedCohort, _ id: String, days: [Int]) throws -> [Double?] {
        let i = try #require(c.patient(id))
        return days.map { c.value(patient: i, parameter: "sofa", icuDay: $0) }
    }

    @Test func sofaCarriesTheLastMeasuredComponentScoreForward() throws {
        let b = sofaStudy()
        let days = [1, 2, 3, 6]
        let carried = try b.derive(sofaProtocol(SOFAMissingPolicy(policy: .carryForward)))
        #expect(try totals(carried, "t", days: days) == [10, 5, 7, 8])
        #expect(try totals(carried, "u", days: [1]) == [1])
        let limited = try b.derive(sofaProtocol(SOFAMissingPolicy(policy: .carryForward, carryForwardDays: 3)))
        #expect(try totals(limited, "t", days: days) == [10, 5, 7, 6])
        let zero = try b.derive(sofaProtocol(SOFAMissingPolicy(policy: .sumAvailable)))
        #expect(try totals(zero, "t", days: days) == [10, 2, 3, 3])
        let complete = try b.derive(sofaProtocol(SOFAMissingPolicy(policy: .requireAll)))
        #expect(try totals(complete, "t", days: days) == [10, nil, nil, nil])
        // A carried score enters the total only: the component series and the table's
        // component columns stay the scores measured that day.
        let t = try #require(carried.patient("t"))
        #expect(carried.value(patient: t, parameter: "sofa_coagulation", icuDay: 2) == nil)
        #expect(carried.value(patient: t, parameter: "sofa_coagulation", icuDay: 3) == 3)
        let row = try #require((0..<carried.sofa.count).first { carried.sofa.patient[$0] == Int32(t) && carried.sofa.icuDay[$0] == 2 })
        #expect((0..<5).map { carried.sofa.component($0, row: row) } == [1, nil, nil, 0, 1])
        #expect(carried.sofa.missingComponents[row] == 2)
        #expect(carried.ruleCounts.sofaDaysScored == 5)
    }

    @Test func sofaDayScoreCarriesOnlyUnderCarryForward() {
        // Respiration 3 measured; coagulation missing with 2 to carry; the rest missing.
        let values: [String: Double] = ["pf_ratio": 150]
        var sofa = SOFADefinition.vincent1996WithoutGCS
        let carried: [Int?] = [4, 2, nil, nil, nil]
        func day(_ s: SOFADefinition) -> SOFADayScore {
            s.score(ventilated: true, carried: carried) { c, j in values[s.components[c].inputs[j].parameter] }
        }
        // Measured respiration wins over a carried one.
        sofa.missingComponents = SOFAMissingPolicy(policy: .carryForward)
        #expect(day(sofa).total == 5)
        #expect(day(sofa).carriedComponents == 1)
        #expect(day(sofa).missingComponents == 4)
        sofa.missingComponents = SOFAMissingPolicy(policy: .carryForward, minimumComponents: 3)
        #expect(day(sofa).total == nil)
        sofa.missingComponents = SOFAMissingPolicy(policy: .sumAvailable)
        #expect(day(sofa).total == 3)
        #expect(day(sofa).carriedComponents == 0)
        // The carry state: ages counted in periods, a component measured today is not carried.
        var state = SOFACarryForward(components: 2, limit: 2)
        state.record(SOFADayScore(components: [1, 4], missingComponents: 0, total: 5), day: 3)
        state.record(SOFADayScore(components: [nil, 2], missingComponents: 1, total: 2), day: 4)
        #expect(state.carried(to: 5) == [1, 2])
        #expect(state.carried(to: 6) == [nil, 2])
        #expect(state.carried(to: 4) == [1, nil])
    }

    @Test func carryForwardDaysIsCheckedAndRoundTrips() throws {
        let text = ProtocolYAML.defaultYAML.replacingOccurrences(
            of: "missing_components: {policy: sum_available, minimum_components: 1}",
            with: "missing_components: {policy: carry_forward, minimum_components: 1, carry_forward_days: 2}")
        let p = try ProtocolYAML.decode(text)
        #expect(p.sofaDefinition?.missingComponents == SOFAMissingPolicy(policy: .carryForward, carryForwardDays: 2))
        #expect(try ProtocolYAML.decode(ProtocolYAML.encode(p)) == p)
        let wrongPolicy = ProtocolYAML.check(ProtocolYAML.defaultYAML.replacingOccurrences(
            of: "missing_components: {policy: sum_available, minimum_components: 1}",
            with: "missing_components: {policy: sum_available, minimum_components: 1, carry_forward_days: 2}"))
        #expect(wrongPolicy.issues.contains {
            $0.path == "sofa.missing_components.carry_forward_days" && $0.message.contains("only with policy carry_forward")
        }, "\(wrongPolicy.issues)")
        let zero = ProtocolYAML.check(text.replacingOccurrences(of: "carry_forward_days: 2", with: "carry_forward_days: 0"))
        #expect(zero.issues.contains { $0.path == "sofa.missing_components.carry_forward_days" && $0.message.contains("at least 1") })
        // The default protocol's canonical text does not gain the new keys.
        let encoded = try ProtocolYAML.encode(.paperDefault)
        #expect(!encoded.contains("carry_forward_days"))
        #expect(!encoded.contains("lower_only"))
        #expect(!encoded.contains("consecutive: true"))
    }

    // MARK: temperature, only a measured value above 40 °C

    /// The days of `DailyValueTests.temperatureImputation`: ICU day 5 cooled 41.2; day 6 cooled
    /// 37.5; day 7 cooled, unmeasured; day 8 flag 0, 41.0; day 9 cooled, exactly 40.
    func temperatureStudy() -> StudyBuilder {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 10)
        b.measure("t", "temperature", at: 5.2, 41.2)
        b.measure("t", "actively_cooled", at: 5.3, 1)
        b.measure("t", "temperature", at: 6.4, 37.5)
        b.measure("t", "actively_cooled", at: 6.0, 1)
        b.measure("t", "actively_cooled", at: 7.5, 1)
        b.measure("t", "temperature", at: 8.4, 41.0)
        b.measure("t", "actively_cooled", at: 8.0, 0)
        b.measure("t", "temperature", at: 9.4, 40)
        b.measure("t", "actively_cooled", at: 9.0, 1)
        return b
    }

    @Test func temperatureAboveValueOnlyLowersAndNeverRaisesOrCreates() throws {
        let b = temperatureStudy()
        var p = StudyProtocol.paperDefault
        p.temperatureImputation = TemperatureImputationRule(imputeUnmeasuredDays: false, lowerOnly: true)
        let c = try b.derive(p)
        let t = try #require(c.patient("t"))
        #expect((5...9).map { c.value(patient: t, parameter: "temperature", icuDay: $0) } == [40, 37.5, nil, 41.0, 40])
        #expect(c.ruleCounts.imputation == ImputationCounts(
            flaggedDays: 4, lowered: 1, raised: 0, unchanged: 0, created: 0, leftUnmeasured: 1, kept: 2))
        #expect(c.ruleCounts.imputation.imputed == 1)
        let table = c.alignedLongTable()
        let rows = (0..<table.count).filter { table.parameters[Int(table.parameter[$0])] == "temperature" }
        #expect(rows.map { table.alignedDay[$0] } == [-5, -4, -2, -1])
        #expect(rows.map { table.imputed[$0] } == [true, false, false, false])
        // The four alternatives of the robustness choice, applied to the default protocol.
        let choice = RobustnessChoice.temperatureImputation([.everyFlaggedDay, .measuredDaysOnly, .aboveValueOnly, .none])
        var expected: [[Double?]] = []
        for k in 0..<4 {
            var q = StudyProtocol.paperDefault
            choice.apply(k, to: &q)
            #expect(TemperatureImputationChoice(q.temperatureImputation) == [.everyFlaggedDay, .measuredDaysOnly, .aboveValueOnly, .none][k])
            #expect(choice.ownAlternative(in: q) == k)
            let d = try b.derive(q)
            expected.append((5...9).map { d.value(patient: t, parameter: "temperature", icuDay: $0) })
        }
        #expect(expected == [
            [40, 40, 40, 41.0, 40],
            [40, 40, nil, 41.0, 40],
            [40, 37.5, nil, 41.0, 40],
            [41.2, 37.5, nil, 41.0, 40],
        ])
        #expect(choice.alternativeLabels == [
            "every cooled day, even unmeasured", "measured cooled days only", "only where measured higher", "not imputed",
        ])
    }

    @Test func lowerOnlyCannotCreateValues() throws {
        let text = ProtocolYAML.defaultYAML.replacingOccurrences(
            of: "  impute_unmeasured_days: true\n", with: "  impute_unmeasured_days: true\n  lower_only: true\n")
        #expect(text != ProtocolYAML.defaultYAML)
        let issues = ProtocolYAML.check(text).issues
        #expect(issues.contains { $0.path == "temperature_imputation.lower_only" && $0.message.contains("impute_unmeasured_days: false") }, "\(issues)")
        let fine = try ProtocolYAML.decode(text.replacingOccurrences(of: "impute_unmeasured_days: true\n  lower_only", with: "impute_unmeasured_days: false\n  lower_only"))
        #expect(fine.temperatureImputation?.lowerOnly == true)
        #expect(try ProtocolYAML.decode(ProtocolYAML.encode(fine)) == fine)
    }

    // MARK: criteria on consecutive days

    @Test func longestRunByHand() {
        #expect(longestRun([]) == 0)
        #expect(longestRun([3]) == 1)
        #expect(longestRun([1, 2, 4, 5, 6]) == 3)
        #expect(longestRun([-3, -2, 0, 2]) == 2)
    }

    /// Treated patients start on ICU day 12: a control's window −10…−1 is ICU days 2…11.
    func feverCohort(_ p: StudyProtocol) throws -> (DerivedCohort, [String]) {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 12)
        // ICU days 4 and 5: two consecutive fever days.
        b.patient("adjacent")
        for d in [4.5, 5.5] { b.measure("adjacent", "temperature", at: d, 38.6) }
        // Days 3 and 8: two fever days, apart.
        b.patient("apart")
        for d in [3.5, 8.5] { b.measure("apart", "temperature", at: d, 38.6) }
        // Days 6 and 8 with no value on day 7: the gap breaks the run.
        b.patient("gap")
        for d in [6.5, 8.5] { b.measure("gap", "temperature", at: d, 39.0) }
        // Days 6 and 8 with 37.0 on day 7: the normal day breaks the run.
        b.patient("broken")
        for d in [6.5, 8.5] { b.measure("broken", "temperature", at: d, 39.0) }
        b.measure("broken", "temperature", at: 7.5, 37.0)
        // Days 9, 10, 11: three in a row.
        b.patient("three")
        for d in [9.5, 10.5, 11.5] { b.measure("three", "temperature", at: d, 39.5) }
        // Days 1 and 2: a run of two, but day 1 is aligned −11, outside the window.
        b.patient("edge")
        for d in [1.5, 2.5] { b.measure("edge", "temperature", at: d, 39.5) }
        let c = try b.derive(p)
        let rule = try #require(c.studyProtocol.analysisSet(named: "criteria-matched-controls"))
        let m = try #require(c.membership(of: rule))
        return (c, m.members.map { c.patients[$0].id })
    }

    func feverProtocol(days: Int, consecutive: Bool) -> StudyProtocol {
        var p = StudyProtocol.paperDefault
        let dims = [
            RobustnessChoice.criterionDays(set: "criteria-matched-controls", parameter: "temperature", [days]),
            .criterionConsecutive(set: "criteria-matched-controls", parameter: "temperature", [consecutive ? .consecutive : .anyDays]),
        ]
        for d in dims { d.apply(0, to: &p) }
        return p
    }

    @Test func consecutiveFeverDays() throws {
        #expect(try feverCohort(feverProtocol(days: 2, consecutive: false)).1 == ["t", "adjacent", "apart", "gap", "broken", "three"])
        #expect(try feverCohort(feverProtocol(days: 2, consecutive: true)).1 == ["t", "adjacent", "three"])
        #expect(try feverCohort(feverProtocol(days: 3, consecutive: false)).1 == ["t", "three"])
        #expect(try feverCohort(feverProtocol(days: 3, consecutive: true)).1 == ["t", "three"])
        let (c, _) = try feverCohort(.paperDefault)
        let rule = ParameterCriterion(
            parameter: "temperature", threshold: .init(.above, 38.5), window: DayWindow(-10, -1), onAtLeastDays: 2, consecutive: true)
        #expect(try c.qualifyingDayList(rule, patient: #require(c.patient("gap"))) == [-6, -4])
        #expect(try !c.meets(.parameter(rule), patient: #require(c.patient("gap"))))
        #expect(try c.qualifyingDayList(rule, patient: #require(c.patient("edge"))) == [-10])
        // A drug on ICU days 12, 13 and 15 (aligned 0, 1, 3 for the treated patient).
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 12)
        for d in [12.5, 13.5, 15.5] { b.give("t", "corticosteroids", at: d) }
        let drugCohort = try b.derive()
        let t = try #require(drugCohort.patient("t"))
        func drug(_ n: Int, _ consecutive: Bool) -> Criterion {
            .drug(DrugCriterion(drug: "corticosteroids", window: DayWindow(0, 10), onAtLeastDays: n, consecutive: consecutive))
        }
        #expect(drugCohort.meets(drug(3, false), patient: t))
        #expect(!drugCohort.meets(drug(3, true), patient: t))
        #expect(drugCohort.meets(drug(2, true), patient: t))
    }

    @Test func consecutiveReadsFromYAMLAndTheChoiceNormalisesOneDay() throws {
        let text = ProtocolYAML.defaultYAML.replacingOccurrences(
            of: "- {parameter: temperature, above: 38.5, window: [-10, -1], on_at_least_days: 2}",
            with: "- {parameter: temperature, above: 38.5, window: [-10, -1], on_at_least_days: 2, consecutive: true}")
        #expect(text != ProtocolYAML.defaultYAML)
        let p = try ProtocolYAML.decode(text)
        let choice = RobustnessChoice.criterionConsecutive(set: "criteria-matched-controls", parameter: "temperature", [.anyDays, .consecutive])
        #expect(choice.ownAlternative(in: p) == 1)
        #expect(choice.ownAlternative(in: .paperDefault) == 0)
        #expect(try ProtocolYAML.decode(ProtocolYAML.encode(p)) == p)
        // One day is always a run: the choice leaves it non-consecutive in either order, so the
        // edited protocols are equal (and share one analysis in the specification curve).
        let days = RobustnessChoice.criterionDays(set: "criteria-matched-controls", parameter: "temperature", [1, 2])
        var a = StudyProtocol.paperDefault, b = StudyProtocol.paperDefault, plain = StudyProtocol.paperDefault
        days.apply(0, to: &a)
        choice.apply(1, to: &a)
        choice.apply(1, to: &b)
        days.apply(0, to: &b)
        days.apply(0, to: &plain)
        #expect(a == plain && b == plain)
        // Two days: consecutive set on the temperature rule only (ferritin untouched).
        var two = StudyProtocol.paperDefault
        choice.apply(1, to: &two)
        guard case .anyOf(let rules)? = two.analysisSet(named: "criteria-matched-controls")?.includeIf,
              case .parameter(let fever) = rules[0], case .parameter(let ferritin) = rules[1]
        else {
            Issue.record("the criteria set's rule is not any_of of two parameter rules")
            return
        }
        #expect(fever.consecutive && !ferritin.consecutive)
        #expect(choice.alternativeLabels == ["days need not be consecutive", "consecutive days"])
        let unknownSet = RobustnessChoice.criterionConsecutive(set: "nope", parameter: "temperature", [.anyDays])
        #expect(ProtocolValidator.missingTarget(unknownSet, in: .paperDefault) == "unknown analysis set 'nope'")
    }

    // MARK: labels

    @Test func choiceLabelsAreReadersWords() {
        #expect(RobustnessChoice.matchingCovariates(set: "m", [["age", "sex", "bmi", "apache_ii"], ["copd", "my_score"]]).alternativeLabels
            == ["age, sex, BMI, APACHE II", "COPD, my score"])
        #expect(RobustnessChoice.sofaMissingComponents([.sumAvailable, .requireAll, .carryForward]).alternativeLabels
            == ["missing component counts 0", "complete days only", "last value carried forward"])
    }
}
