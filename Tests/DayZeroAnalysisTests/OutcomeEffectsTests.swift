@testable import DayZeroAnalysis
import DayZeroCohort
import DayZeroStats
import Testing

/// The outcome effects (`OutcomeMeasureResult.effects`) on the hand-made study of
/// `OutcomeMeasureTests` (3 treated, 3 controls, horizon 20): each effect is the stats library's
/// computation on the observations worked out there. R parity of the same computations on the
/// default cohort is in `DefaultCohortRParityTests` (scripts/recompute.R).
@Suite("Outcome effects")
struct OutcomeEffectsTests {
    static let treated = [true, true, true, false, false, false]

    func results(_ study: StudyData = OutcomeMeasureTests.study(), measures: [OutcomeMeasure] = OutcomeMeasureTests.measures) throws
        -> [OutcomeMeasureResult]
    {
        let analysis = try StudyAnalysis(study: study, protocol: OutcomeMeasureTests.protocolWith(measures))
        return try #require(analysis.results.analysisSets.first).outcomeMeasures
    }

    func cox(_ times: [Double], _ events: [Bool]) throws -> CoxModelResult {
        let data = try CoxData(times: times, events: events, covariates: Self.treated.map { [$0 ? 1 : 0] }, names: ["treated"])
        return try CoxRegression.fit(data)
    }

    @Test("death: the hazard ratio is coxph's on T1 5.5†, T2 12†, T3 20, C1 15, C2 20, C3 2†, with E-values (common outcome)")
    func deathHazardRatio() throws {
        let r = try results()
        let effects = try #require(r.first { $0.name == "death" }).effects
        #expect(effects.count == 1)
        let e = try #require(effects.first)
        let fit = try cox([5.5, 12, 20, 15, 20, 2], [true, true, false, false, false, true])
        #expect(e.measure == "hazardRatio")
        #expect(e.estimate == fit.hazardRatio(0))
        #expect(e.lower == fit.hazardRatioInterval(0).lower && e.upper == fit.hazardRatioInterval(0).upper)
        #expect(e.p == fit.waldP(0) && e.scoreP == fit.scoreTest.pValue && e.likelihoodRatioP == fit.likelihoodRatioTest.pValue)
        #expect(e.proportionalHazardsP != nil)
        #expect(e.method.contains("Efron ties") && e.method.contains("Wald") && !e.method.contains("clustered"))
        // 3 of 6 died (50% > 15%): the common-outcome HR transform.
        let ev = try EValue.hazardRatio(fit.hazardRatio(0), lower: e.lower, upper: e.upper, commonOutcome: true)
        #expect(e.eValue == ev.eValue && e.eValueLimit == ev.eValueLimit)
        #expect(e.eValueMethod?.contains("common outcome") == true)
    }

    @Test("transplant with death competing: the cause-specific hazard ratio (death censors)")
    func causeSpecific() throws {
        let e = try #require(try results().first { $0.name == "transplant" }?.effects.first)
        let fit = try cox([5.5, 3.2, 20, 15, 20, 0.5], [false, true, false, false, false, true])
        #expect(e.estimate == fit.hazardRatio(0))
        #expect(e.method.contains("cause-specific"))
    }

    @Test("death within 20 days (2/3 vs 1/2, C1 unknown): risk difference 1/6 with Newcombe's CI, Fisher's odds ratio, √OR E-values")
    func binaryEffects() throws {
        let effects = try #require(try results().first { $0.name == "death20" }).effects
        #expect(effects.map(\.measure) == ["riskDifference", "oddsRatio"])
        let rd = try RiskDifference.newcombe(events1: 2, total1: 3, events2: 1, total2: 2)
        #expect(abs(effects[0].estimate - 1.0 / 6.0) < 1e-15)
        #expect(effects[0].lower == rd.confidenceInterval.lower && effects[0].upper == rd.confidenceInterval.upper)
        let fisher = try FisherExactTest.test([[2, 1], [1, 1]])
        #expect(effects[0].p == fisher.pValue && effects[1].p == fisher.pValue)
        #expect(effects[0].eValue == nil)
        #expect(effects[1].estimate == fisher.oddsRatio)
        let ev = try EValue.oddsRatio(
            try #require(fisher.oddsRatio), lower: fisher.confidenceInterval?.lower, upper: fisher.confidenceInterval?.upper, commonOutcome: true)
        #expect(effects[1].eValue == ev.eValue && effects[1].eValueLimit == ev.eValueLimit)
    }

    @Test("ICU stay: the hazard of ICU discharge alive; free days: no effect")
    func durationAndFreeDays() throws {
        let r = try results()
        let icu = try #require(r.first { $0.name == "icu" }?.effects.first)
        #expect(icu.measure == "hazardRatio" && icu.method.contains("ICU discharge alive") && icu.event == "ICU discharge alive")
        #expect(try #require(r.first { $0.name == "vfd" }).effects.isEmpty)
    }

    @Test("no event in the treated group: no hazard ratio (coxph's estimate is infinite), said in a warning")
    func infiniteHazardRatio() throws {
        var study = OutcomeMeasureTests.study()
        study.events.append(ClinicalEvent(patientID: "C1", event: "late", time: 4))
        study.events.append(ClinicalEvent(patientID: "C2", event: "late", time: 6))
        let measure = OutcomeMeasure(name: "late", label: "Late", kind: .timeToEvent, event: "late")
        let r = try #require(try results(study, measures: [measure]).first)
        #expect(r.effects.isEmpty)
        #expect(r.warnings.contains { $0.hasPrefix("hazard ratio not estimable: the Cox estimate is infinite") && $0.contains("treated") })
    }
}
