@testable import DayZeroAnalysis
import DayZeroCohort
import DayZeroStats
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// The propensity-matched set of the default protocol on the bundled cohort: the paper's
/// "n = 21 both", MatchIt's pairs and balance (Tests/DayZeroStatsTests/Fixtures/matching/),
/// missing covariates counted, calipers leaving treated patients out.
@Suite struct MatchedSetTests {
    static let analysis: StudyAnalysis? = try? StudyAnalysis(
        study: SyntheticCohort.default, protocol: .paperDefault, seed: SyntheticCohort.defaultSeed)
    static let settings = MatchingSettings(covariates: ["age", "sex", "bmi"])

    /// The R fixture of the default cohort (written by matching.R from default_cohort.csv).
    struct Fixture: Decodable {
        struct Side: Decodable {
            var treatedMean: Double
            var controlMean: Double
            var difference: Double
            var varianceRatio: Double?
        }

        struct Row: Decodable {
            var name: String
            var before: Side
            var after: Side
        }

        struct Case: Decodable {
            var name: String
            var patientIDs: [String]?
            var treat: [Int]
            var design: [[Double]]
            var distance: [Double]
            var matchMatrix: [[Int]]
            var balance: [Row]
        }

        var cases: [Case]
    }

    static var statsFixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DayZeroStatsTests/Fixtures/matching")
    }

    func rCase() throws -> Fixture.Case {
        let data = try Data(contentsOf: Self.statsFixtures.appendingPathComponent("matching.json"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: data)
        return try #require(fixture.cases.first { $0.name == "default-cohort" })
    }

    func matchedSet() throws -> AnalysisSetResults {
        let analysis = try #require(Self.analysis)
        return try #require(analysis.results.analysisSets.first { $0.id == "propensity-matched" })
    }

    @Test func fourSetsWithTheMatchedOneSecond() throws {
        let analysis = try #require(Self.analysis)
        // The overlap-weighted set comes last, so the other sets keep their places.
        #expect(analysis.results.analysisSets.map(\.id) == [
            "main", "propensity-matched", "no-corticosteroids", "criteria-matched-controls", "overlap-weighted",
        ])
        #expect(analysis.results.warnings.isEmpty, "\(analysis.results.warnings)")
        for set in analysis.results.analysisSets where set.id != "propensity-matched" {
            #expect(set.matching == nil && set.balance == nil, "\(set.id) carries matching results")
        }
    }

    /// The paper: "propensity score-matched groups (n = 21 both)"; 18 of 39 controls unmatched.
    @Test func twentyOneBoth() throws {
        let set = try matchedSet()
        #expect(set.flow.treated == 21 && set.flow.controls == 21)
        let steps = Dictionary(uniqueKeysWithValues: set.flow.exclusions.map { ($0.reason, $0.count) })
        #expect(steps["propensity-matched: not_matched"] == 18)
        #expect(steps["propensity-matched: missing_covariate"] == nil)
        let m = try #require(set.matching)
        #expect(m.counts.treated == 21 && m.counts.controls == 39)
        #expect(m.counts.treatedMatched == 21 && m.counts.controlsMatched == 21 && m.counts.pairs == 21)
        #expect(m.counts.treatedUnmatched == 0 && m.counts.controlsUnmatched == 18)
        #expect(m.order == "largest" && m.ratio == 1 && !m.replace && m.caliper == nil)
        #expect(m.covariates.map(\.column) == ["age", "sex_male", "bmi"])
        #expect(set.table1.sections.flatMap(\.rows).first { $0.id == "age" }?.control.n == 21)
        // No caliper, and some pairs are wide: the warning says how many.
        #expect(m.widePairs > 0)
        #expect(set.warnings.contains { $0.hasPrefix("wide-pairs: \(m.widePairs) of 21 matched pairs") }, "\(set.warnings)")
    }

    /// The covariates exported to matching.csv are the ones R matched on (default_cohort.csv),
    /// and the pairs are MatchIt's.
    @Test func pairsEqualMatchItOnTheBundledCohort() throws {
        let analysis = try #require(Self.analysis)
        let matched = try #require(analysis.matchedSets.first)
        let r = try rCase()
        let ids = try #require(r.patientIDs)
        let cohortIDs = matched.units.map { analysis.cohort.patients[$0].id }
        #expect(cohortIDs == ids, "patients of the model differ from default_cohort.csv")
        #expect(matched.values == r.design, "covariate values differ from default_cohort.csv")
        #expect(matched.units.map { analysis.cohort.patients[$0].group == .treated ? 1 : 0 } == r.treat)
        let worst = zip(matched.result.scores, r.distance).map { relativeError($0, $1) }.max() ?? 1
        #expect(worst < 1e-10, "largest relative score difference from glm: \(worst)")

        var expected: [String: [String]] = [:]
        for (row, unit) in r.treat.indices.filter({ r.treat[$0] == 1 }).enumerated() {
            expected[ids[unit]] = r.matchMatrix[row].filter { $0 >= 0 }.map { ids[$0] }
        }
        var got: [String: [String]] = [:]
        for pair in matched.pairs {
            got[analysis.cohort.patients[pair.treated].id] = pair.controls.map { analysis.cohort.patients[$0].id }
        }
        #expect(got == expected, "pairs differ from MatchIt's: \(got.filter { expected[$0.key] != $0.value })")
    }

    @Test func balanceTableEqualsR() throws {
        let balance = try #require(try matchedSet().balance)
        let r = try rCase()
        #expect(balance.rows.map(\.id) == r.balance.map(\.name))
        #expect(balance.rows.map(\.kind) == ["distance", "continuous", "binary", "continuous"])
        for (row, want) in zip(balance.rows, r.balance) {
            for (label, got, expected) in [("before", row.before, want.before), ("after", row.after, want.after)] {
                #expect(isClose(got.treatedMean, expected.treatedMean, tolerance: 1e-10), "\(row.id) \(label) treated mean")
                #expect(isClose(got.controlMean, expected.controlMean, tolerance: 1e-10), "\(row.id) \(label) control mean")
                #expect(isClose(got.difference, expected.difference, tolerance: 1e-10),
                        "\(row.id) \(label) difference \(got.difference) vs R \(expected.difference)")
                #expect(got.varianceRatio.map { isClose($0, expected.varianceRatio ?? .nan, tolerance: 1e-10) } ?? (expected.varianceRatio == nil),
                        "\(row.id) \(label) variance ratio \(String(describing: got.varianceRatio)) vs R \(String(describing: expected.varianceRatio))")
            }
        }
        #expect(balance.sampleSizes.treatedMatched == 21 && balance.sampleSizes.controlsMatched == 21)
        #expect(balance.sampleSizes.controlsMatchedEffective == 21)
    }

    /// Two treated and three controls without a BMI are not scored: counted per group and in
    /// the flow as missing_covariate, apart from the unmatched controls.
    @Test func missingCovariatesAreCountedNotMatched() throws {
        var study = SyntheticCohort.default
        let cohort = try CohortDerivation.derive(study, protocol: .paperDefault)
        let treated = cohort.patients.filter { $0.group == .treated }.prefix(2).map(\.studyIndex)
        let controls = cohort.patients.filter { $0.group == .control }.suffix(3).map(\.studyIndex)
        for i in treated + controls { study.patients[i].bmi = nil }
        let derived = try CohortDerivation.derive(study, protocol: .paperDefault)
        let set = try PropensityMatchedSet(name: "propensity-matched", settings: Self.settings, cohort: derived, study: study)
        #expect(set.missingCovariates.count == 5)
        #expect(set.missingCount(.treated, in: derived) == 2 && set.missingCount(.control, in: derived) == 3)
        #expect(set.units.count == 55)
        #expect(set.membership.treated == 19 && set.membership.controls == 19)
        let workup = Workup(study: study, cohort: derived)
        let flow = workup.flow(set.membership, missingCovariate: set.missingCovariates.count)
        let steps = Dictionary(uniqueKeysWithValues: flow.exclusions.map { ($0.reason, $0.count) })
        #expect(steps["propensity-matched: missing_covariate"] == 5)
        #expect(steps["propensity-matched: not_matched"] == 60 - 38 - 5)
        let results = workup.matchingResults(set)
        #expect(results.counts.treatedMissingCovariate == 2 && results.counts.controlsMissingCovariate == 3)
        #expect(results.counts.treatedMatched == 19 && results.counts.controlsUnmatched == 36 - 19)
    }

    /// A caliper of 0.2 SD of the logit leaves the treated patients without a close control
    /// out of the set; no wide-pairs warning then.
    @Test func caliperLeavesTreatedOut() throws {
        let study = SyntheticCohort.default
        let cohort = try CohortDerivation.derive(study, protocol: .paperDefault)
        var settings = Self.settings
        settings.caliper = 0.2
        settings.caliperScale = .logitSD
        let set = try PropensityMatchedSet(name: "ps", settings: settings, cohort: cohort, study: study)
        let m = set.result.matching
        #expect(m.matchedTreatedCount < 21)
        #expect(set.membership.treated == m.matchedTreatedCount && set.membership.controls == m.matchedControlCount)
        #expect(set.result.warnings.map(\.code).contains("unmatched-treated"))
        #expect(!set.result.warnings.map(\.code).contains("wide-pairs"))
        let eta = set.result.logits
        let mean = eta.reduce(0, +) / Double(eta.count)
        let sd = (eta.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(eta.count - 1)).squareRoot()
        let width = try #require(m.caliperWidth)
        #expect(isClose(width, 0.2 * sd, tolerance: 1e-12))
        for (row, unit) in m.treatedUnits.enumerated() {
            for c in m.controls(ofTreatedRow: row) { #expect(abs(eta[unit] - eta[c]) <= width) }
        }
    }

    /// A set that cannot be matched (no control has the covariate) is left out with a reason.
    @Test func unmatchableSetIsReportedNotFatal() throws {
        var study = SyntheticCohort.default
        let cohort = try CohortDerivation.derive(study, protocol: .paperDefault)
        for p in cohort.patients where p.group == .control { study.patients[p.studyIndex].apacheII = nil }
        var proto = StudyProtocol.paperDefault
        proto.analysisSets = [
            AnalysisSetRule(name: "main"),
            AnalysisSetRule(name: "ps", propensityMatching: MatchingSettings(covariates: ["apache_ii"])),
        ]
        let analysis = try StudyAnalysis(study: study, protocol: proto)
        #expect(analysis.results.analysisSets.map(\.id) == ["main"])
        #expect(analysis.results.warnings.count == 1)
        #expect(analysis.results.warnings.first?.contains("analysis set 'ps': propensity-score matching failed") == true,
                "\(analysis.results.warnings)")
    }
}
