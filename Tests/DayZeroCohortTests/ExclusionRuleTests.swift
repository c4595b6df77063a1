import Testing
@testable import DayZeroCohort

/// Exclusions as named rules over what is known before alignment (baseline variables, events,
/// medication in ICU days; measurements in `MeasurementExclusionTests`), the variable and event
/// rules of analysis sets, and their checks.
/// The study declares two variables: `stage` (categorical 1–4) and `bilirubin_mg` (continuous).
@Suite("Exclusion rules and baseline-variable rules")
struct ExclusionRuleTests {
    static let stage = BaselineVariable(name: "stage", label: "Histologic stage", kind: .categorical, levels: ["1", "2", "3", "4"])
    static let oedema = BaselineVariable(name: "oedema", label: "Oedema", kind: .binary)
    static let score = BaselineVariable(name: "score", label: "Score", kind: .continuous, minimum: 0, maximum: 10)

    /// Patients: t (treated, day 12), and controls a…f with the facts each test needs.
    func study(_ build: (inout StudyBuilder) -> Void = { _ in }) -> StudyBuilder {
        var b = StudyBuilder()
        b.data.baselineVariables = [Self.stage, Self.oedema, Self.score]
        b.patient("t")
        b.treated("t", start: 12)
        build(&b)
        // Every patient gets a value list of the declared variables' length (unknown unless set).
        for i in b.data.patients.indices where b.data.patients[i].declared.isEmpty {
            b.data.patients[i].declared = [nil, nil, nil]
        }
        return b
    }

    func protocolWith(exclusions: [ExclusionRule]) -> StudyProtocol {
        var p = StudyProtocol.paperDefault
        p.exclusions = exclusions
        return p
    }

    func excluded(_ c: DerivedCohort) -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: c.screening.map { ($0.id, $0.exclusions.map(\.name)) })
    }

    @Test("a categorical rule, a continuous threshold and unknown values: unknown never meets a comparison")
    func variableRules() throws {
        let b = study { b in
            b.data.patients[0].declared = [1, nil, nil]
            for (id, stage, score) in [("a", 3.0, 2.0), ("b", 0.0, 7.5), ("c", nil, nil), ("d", 2.0, 7.0)] as [(String, Double?, Double?)] {
                b.patient(id)
                b.data.patients[b.data.patients.count - 1].declared = [stage, nil, score]
            }
        }
        let p = protocolWith(exclusions: [
            ExclusionRule(
                name: "advanced", label: "Stage 4",
                rule: .variable(VariableCriterion(variable: "stage", test: .oneOf(["4"])))),
            ExclusionRule(
                name: "early-or-high-score", label: "Stage 1, or score above 7",
                rule: .anyOf([
                    .variable(VariableCriterion(variable: "stage", test: .oneOf(["1"]))),
                    .variable(VariableCriterion(variable: "score", test: .threshold(.init(.above, 7)))),
                ])),
            ExclusionRule(
                name: "stage-unknown", label: "Stage not recorded",
                rule: .variable(VariableCriterion(variable: "stage", test: .unknown(true)))),
        ])
        let c = try b.derive(p)
        let reasons = excluded(c)
        // a: stage index 3 = level "4" → advanced. b: stage "1" (index 0) and score 7.5 → the
        // second rule (counted once, under the first that applies). c: unknown stage only meets
        // `unknown: true`. d: stage "3", score exactly 7 is not above 7 → included.
        #expect(reasons["a"] == ["advanced"])
        #expect(reasons["b"] == ["early-or-high-score"])
        #expect(reasons["c"] == ["stage-unknown"])
        #expect(reasons["d"] == [])
        #expect(reasons["t"] == [])
        let flow = c.flow.excludedBeforeAlignment
        #expect(flow.map(\.reason.name) == ["advanced", "early-or-high-score", "stage-unknown", "no_icu_course"])
        #expect(flow.map(\.label) == ["Stage 4", "Stage 1, or score above 7", "Stage not recorded", "No ICU course recorded"])
        #expect(flow.map(\.count) == [1, 1, 1, 0])
    }

    @Test("a patient meeting several rules is counted under the first, all reasons kept")
    func flowOrder() throws {
        let b = study { b in
            b.patient("a")
            b.data.patients[b.data.patients.count - 1].declared = [3, 1, nil]
        }
        let p = protocolWith(exclusions: [
            ExclusionRule(name: "oedema", label: "Oedema", rule: .variable(VariableCriterion(variable: "oedema", test: .oneOf(["yes"])))),
            ExclusionRule(name: "stage4", label: "Stage 4", rule: .variable(VariableCriterion(variable: "stage", test: .oneOf(["4"])))),
        ])
        let c = try b.derive(p)
        #expect(excluded(c)["a"] == ["oedema", "stage4"])
        #expect(c.flow.excludedBeforeAlignment.map(\.count) == [1, 0, 0])
    }

    @Test("event and drug rules before alignment count ICU days from admission, both ends included")
    func eventAndDrugRules() throws {
        let b = study { b in
            b.patient("early")        // transplant on ICU day 2: inside [0, 2]
            b.event("early", "transplant", at: 2.9)
            b.patient("late")         // on day 3: outside
            b.event("late", "transplant", at: 3.0)
            b.patient("steroid")      // steroids on two distinct ICU days 0 and 1
            b.give("steroid", "corticosteroids", at: 0.2)
            b.give("steroid", "corticosteroids", at: 0.8)
            b.give("steroid", "corticosteroids", at: 1.5)
            b.patient("once")         // steroids on one day only
            b.give("once", "corticosteroids", at: 0.5)
        }
        let p = protocolWith(exclusions: [
            ExclusionRule(name: "transplant", label: "Transplant in the first 3 ICU days",
                          rule: .event(EventCriterion(event: "transplant", window: DayWindow(0, 2)))),
            ExclusionRule(name: "steroids", label: "Corticosteroids on 2 of the first 3 ICU days",
                          rule: .drug(DrugCriterion(drug: "Corticosteroids", window: DayWindow(0, 2), onAtLeastDays: 2))),
        ])
        let reasons = excluded(try b.derive(p))
        #expect(reasons["early"] == ["transplant"])
        #expect(reasons["late"] == [])
        #expect(reasons["steroid"] == ["steroids"])
        #expect(reasons["once"] == [])
    }

    @Test("the built-in words immunocompromised and consent_refused read the patients.csv facts; unknown is not met")
    func builtInExclusions() throws {
        var b = study()
        b.patient("ic", immunocompromised: true)
        b.patient("unknown")
        b.data.patients[b.data.patients.count - 1].immunocompromised = nil
        b.data.patients[b.data.patients.count - 1].declared = [nil, nil, nil]
        let c = try b.derive(protocolWith(exclusions: ExclusionRule.builtIn))
        #expect(excluded(c)["ic"] == ["immunocompromised"])
        #expect(excluded(c)["unknown"] == [])
    }

    @Test("analysis sets: a variable rule and an event rule in aligned days")
    func analysisSetRules() throws {
        let b = study { b in
            b.patient("s4")
            b.data.patients[b.data.patients.count - 1].declared = [3, nil, nil]
            b.patient("inf")   // control, day 0 = ICU day 12; infection on ICU day 14 = aligned day 2
            b.event("inf", "infection", at: 14.5)
            b.patient("none")
        }
        var p = StudyProtocol.paperDefault
        p.analysisSets.append(AnalysisSetRule(
            name: "not-stage-4", excludeIf: .variable(VariableCriterion(variable: "stage", test: .in4))))
        p.analysisSets.append(AnalysisSetRule(
            name: "infection-after", includeIf: .event(EventCriterion(event: "infection", window: DayWindow(0, 2)))))
        let c = try b.derive(p)
        let notStage4Rule = try #require(p.analysisSet(named: "not-stage-4"))
        let notStage4 = try #require(c.membership(of: notStage4Rule))
        #expect(Set(notStage4.members.map { c.patients[$0].id }) == ["t", "inf", "none"])
        let infectionRule = try #require(p.analysisSet(named: "infection-after"))
        let infection = try #require(c.membership(of: infectionRule))
        #expect(infection.members.map { c.patients[$0].id } == ["inf"])
    }

    @Test("checks: unknown variables (with the study), thresholds on categories, unknown levels, derived parameters in exclusions")
    func validation() throws {
        var p = StudyProtocol.paperDefault
        p.exclusions = [
            ExclusionRule(name: "a", label: "A", rule: .variable(VariableCriterion(variable: "stge", test: .oneOf(["4"])))),
            ExclusionRule(name: "b", label: "B", rule: .variable(VariableCriterion(variable: "stage", test: .threshold(.init(.above, 2))))),
            ExclusionRule(name: "c", label: "C", rule: .variable(VariableCriterion(variable: "stage", test: .oneOf(["5"])))),
            ExclusionRule(name: "d", label: "D", rule: .parameter(ParameterCriterion(
                parameter: "sofa", threshold: .init(.above, 1), window: DayWindow(0, 1)))),
            ExclusionRule(name: "no_icu_course", label: "E", rule: .variable(VariableCriterion(variable: "oedema", test: .oneOf(["maybe"])))),
            ExclusionRule(name: "a", label: "", rule: .variable(VariableCriterion(variable: "sex", test: .oneOf(["X"])))),
        ]
        let study = BaselineRegistry(declared: [Self.stage, Self.oedema, Self.score])
        let issues = p.validate(baseline: study).map { "\($0.path): \($0.message)" }
        #expect(issues.contains { $0.hasPrefix("exclusions[0].if.variable: unknown baseline variable 'stge' (did you mean 'stage'?)") })
        #expect(issues.contains { $0.hasPrefix("exclusions[1].if: 'stage' is categorical") })
        #expect(issues.contains { $0.hasPrefix("exclusions[2].if.is: '5' is not a value of stage (accepted: 1, 2, 3, 4)") })
        #expect(issues.contains { $0.hasPrefix("exclusions[3].if.parameter: sofa is derived: SOFA is scored from the daily values") })
        #expect(issues.contains { $0.hasPrefix("exclusions[4].name: 'no_icu_course' is the name of a built-in step") })
        #expect(issues.contains { $0.hasPrefix("exclusions[4].if.is: 'maybe' is not a value of oedema (accepted: 1, 0 (or yes, no))") })
        #expect(issues.contains { $0.hasPrefix("exclusions[5].name: exclusion 'a' is listed twice") })
        #expect(issues.contains { $0.hasPrefix("exclusions[5].label: an exclusion's label must not be empty") })
        #expect(issues.contains { $0.hasPrefix("exclusions[5].if.is: 'X' is not a value of sex (accepted: M, F)") })
        #expect(issues.count == 9, "\(issues)")
        // Without the study, names outside the built-in ones cannot be judged and pass.
        let unknownStudy = p.validate().map(\.path)
        #expect(!unknownStudy.contains("exclusions[0].if.variable"))
    }
}

extension VariableCriterion.Test {
    /// Stage "4".
    static let in4 = VariableCriterion.Test.oneOf(["4"])
}
