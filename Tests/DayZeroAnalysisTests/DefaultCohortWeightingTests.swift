import DayZeroAnalysis
import DayZeroCohort
import DayZeroStats
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// The default protocol's overlap-weighted set on the default cohort, end to end: the weights,
/// their diagnostics and balance, the weighted tests of every kinetics panel, the weighted
/// effects; the other sets carry none of it.
@Suite struct DefaultCohortWeightingTests {
    static let analysis: StudyAnalysis? = try? StudyAnalysis(
        study: SyntheticCohort.default, protocol: .paperDefault, seed: SyntheticCohort.defaultSeed)

    @Test func overlapWeightedSet() throws {
        let analysis = try #require(Self.analysis)
        #expect(analysis.results.warnings.isEmpty, "\(analysis.results.warnings)")
        let set = try #require(analysis.results.analysisSets.last)
        #expect(set.id == "overlap-weighted")
        let w = try #require(set.weighting)
        #expect(w.estimand == "ATO" && w.trim == nil && w.trimCap == nil)
        #expect(w.method.hasPrefix("WeightIt::weightit(treat ~ age + sex_male + bmi, method = \"glm\", estimand = \"ATO\")"))
        #expect(w.treated + w.controls == set.flow.treated + set.flow.controls)
        let main = try #require(analysis.results.analysisSets.first)
        #expect(w.treated + w.controls + w.treatedMissingCovariate + w.controlsMissingCovariate == main.flow.treated + main.flow.controls)
        // Overlap weights lie in (0, 1); ESS at most n.
        for summary in [w.treatedWeights, w.controlWeights] {
            let s = try #require(summary)
            #expect(s.min > 0 && s.max < 1 && s.effectiveSampleSize <= Double(s.n) && s.effectiveSampleSize > 1)
        }
        // The ATO balances the model's covariates exactly (Li, Morgan & Zaslavsky 2018).
        #expect(w.balance.map(\.name) == ["distance", "age", "sex_male", "bmi"])
        for row in w.balance where row.name != "distance" { #expect(row.after == 0, "\(row.name): \(row.after)") }
        #expect(w.survival.map(\.measure) == analysis.cohort.studyProtocol.outcomes.analysedMeasures
            .filter { $0.kind == .timeToEvent && $0.competing == nil }.map(\.name))
        // Every kinetics panel has its weighted tests, whose denominator df is patients − rank.
        let panels = set.kinetics + set.cytokines
        #expect(!panels.isEmpty)
        for p in panels {
            let t = try #require(p.weighted, "\(p.parameter)")
            let overall = try #require(t.overall?.interaction, "\(p.parameter)")
            let window = try #require(t.overall)
            #expect(overall.denominatorDF < window.patients && overall.pValue >= 0 && overall.pValue <= 1)
        }
        for other in analysis.results.analysisSets.dropLast() {
            #expect(other.weighting == nil && (other.kinetics + other.cytokines).allSatisfy { $0.weighted == nil })
        }
        // Effects: weighted Cox with robust SE; weighted risk differences and odds ratios (svyglm),
        // the odds ratios with E-values.
        let effects = set.outcomeMeasures.flatMap(\.effects)
        #expect(effects.contains { $0.measure == "hazardRatio" && $0.method.contains("coxph(weights = w, robust = TRUE)") })
        let binary = set.outcomeMeasures.filter { $0.kind == "binary" }
        #expect(!binary.isEmpty)
        for measure in binary {
            #expect(measure.effects.map(\.measure) == ["riskDifference", "oddsRatio"], "\(measure.name)")
            #expect(measure.effects.allSatisfy { $0.method.contains("svyglm") })
            #expect(measure.effects.last?.eValue != nil && measure.effects.last?.method.contains("quasibinomial") == true)
        }
    }

    /// The weighted set's hazard ratio equals a direct coxph(weights, robust) fit on the same
    /// patients, and its weighted kinetics test equals WeightedKinetics on the aligned long table.
    @Test func effectsAgreeWithTheStatsLayer() throws {
        let analysis = try #require(Self.analysis)
        let rule = try #require(analysis.cohort.studyProtocol.analysisSets.last?.weighting)
        let weighted = try PropensityWeightedSet(name: "overlap-weighted", settings: rule, cohort: analysis.cohort, study: analysis.study)
        let treated = weighted.units.map { analysis.cohort.patients[$0].group == .treated }
        let design = try DesignMatrix(columns: weighted.values, names: weighted.columns.map(\.name))
        let model = try LogisticRegression.fit(outcome: treated, design: design)
        let expected = try PropensityWeights.weights(scores: model.fittedProbabilities, treated: treated, estimand: .ato)
        #expect(weighted.weights == expected)
        #expect(weighted.trimming == nil)
    }

    /// ATT weights trimmed at 0.9: the treated keep weight 1; the controls' weights above the
    /// type-3 quantile of the controls' weights are set to it, and the results record it.
    @Test func trimmedATTWeights() throws {
        let analysis = try #require(Self.analysis)
        let settings = WeightingSettings(estimand: .att, covariates: ["age", "sex", "bmi"], trim: 0.9)
        let set = try PropensityWeightedSet(name: "att", settings: settings, cohort: analysis.cohort, study: analysis.study)
        let treated = set.units.map { analysis.cohort.patients[$0].group == .treated }
        let raw = try PropensityWeights.weights(scores: set.scores, treated: treated, estimand: .att)
        let controls = raw.indices.filter { !treated[$0] }.map { raw[$0] }.sorted()
        // 39 controls: 39 · 0.9 − ½ = 34.6 → the 35th smallest.
        #expect(controls.count == 39)
        let cap = controls[34]
        let trimming = try #require(set.trimming)
        #expect(trimming.cap == cap && trimming.trimmed == 4)
        for i in raw.indices { #expect(set.weights[i] == (treated[i] ? 1 : min(raw[i], cap))) }
        let results = Workup(study: analysis.study, cohort: analysis.cohort).run(set, label: "ATT, trimmed")
        let w = try #require(results.weighting)
        #expect(w.estimand == "ATT" && w.trim == 0.9 && w.trimCap == cap && w.trimmedCount == 4)
        #expect(w.method.hasSuffix("; WeightIt::trim(W, at = 0.9)"))
        #expect(w.treatedWeights?.min == 1 && w.treatedWeights?.max == 1 && w.controlWeights?.max == cap)
    }
}
