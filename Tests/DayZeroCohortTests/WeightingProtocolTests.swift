import Foundation
import Testing

@testable import DayZeroCohort

/// The weighting analysis set (issue 18 item 3): `weighting: {estimand, covariates, trim}`; the
/// default protocol's overlap-weighted set comes last; bad values are located issues.
@Suite("Protocol: weighted analysis sets")
struct WeightingProtocolTests {
    func replacing(_ old: String, _ new: String) throws -> String {
        let lines = ProtocolYAML.defaultYAML.split(separator: "\n", omittingEmptySubsequences: false)
        let hits = lines.indices.filter { lines[$0].contains(old) }
        try #require(hits.count == 1, "'\(old)' must be on exactly one line of the default (found \(hits.count))")
        var out = lines.map(String.init)
        out[hits[0]] = out[hits[0]].replacingOccurrences(of: old, with: new)
        return out.joined(separator: "\n")
    }

    @Test func defaultEndsWithTheOverlapWeightedSet() throws {
        let p = try ProtocolYAML.decode(ProtocolYAML.defaultYAML)
        #expect(p.analysisSets.count == 5)
        let last = try #require(p.analysisSets.last)
        #expect(last.name == "overlap-weighted")
        #expect(last.weighting == WeightingSettings(estimand: .ato, covariates: ["age", "sex", "bmi"]))
        #expect(!last.isRuleBased && last.propensityMatching == nil)
        #expect(p.analysisSets == StudyProtocol.paperDefault.analysisSets)
    }

    @Test func trimAndEstimandAreRead() throws {
        let text = try replacing("estimand: ATO", "estimand: ATT\n      trim: 0.99")
        let w = try #require(try ProtocolYAML.decode(text).analysisSets.last?.weighting)
        #expect(w.estimand == .att && w.trim == 0.99)
        // Round trip through the encoder.
        let again = try ProtocolYAML.decode(try ProtocolYAML.encode(try ProtocolYAML.decode(text)))
        #expect(again.analysisSets.last?.weighting == w)
    }

    @Test func trimOutsideTheRangeIsALocatedIssue() throws {
        for bad in ["1", "0.4"] {
            let text = try replacing("estimand: ATO", "estimand: ATO\n      trim: \(bad)")
            let issues = ProtocolYAML.check(text).issues
            let issue = try #require(issues.first { $0.path.hasSuffix("weighting.trim") }, "\(issues)")
            #expect(issue.path == "analysis_sets[4].weighting.trim")
            #expect(issue.message.contains("above 0.5 and below 1, found \(bad)"))
            #expect(issue.position?.line != nil)
            #expect(throws: ProtocolLoadError.self) { try ProtocolYAML.decode(text) }
        }
    }

    @Test func unknownEstimandAndCovariateAreLocatedIssues() throws {
        let estimand = ProtocolYAML.check(try replacing("estimand: ATO", "estimand: ATX")).issues
        let e = try #require(estimand.first { $0.path.hasSuffix("estimand") }, "\(estimand)")
        #expect(e.message.contains("ATO") && e.position?.line != nil)
        let text = try replacing("        - bmi", "        - bmj")
        let issues = ProtocolYAML.check(text).issues
        let c = try #require(issues.first { $0.path == "analysis_sets[4].weighting.covariates[2]" }, "\(issues)")
        #expect(c.message.contains("unknown covariate 'bmj'") && c.message.contains("did you mean 'bmi'"))
    }

    @Test func weightedSetHasNoRulesAndIsNotAlsoMatched() throws {
        var p = StudyProtocol.paperDefault
        p.analysisSets[4].excludeIf = .drug(DrugCriterion(drug: "corticosteroids", window: DayWindow(-10, 10)))
        p.analysisSets[4].propensityMatching = MatchingSettings(covariates: ["age"])
        let issues = p.validate().map { "\($0.path): \($0.message)" }
        #expect(issues.contains("analysis_sets[4].weighting: a set is either propensity-matched or weighted, not both"), "\(issues)")
        var q = StudyProtocol.paperDefault
        q.analysisSets[4].excludeIf = .drug(DrugCriterion(drug: "corticosteroids", window: DayWindow(-10, 10)))
        let more = q.validate().map { "\($0.path): \($0.message)" }
        #expect(more.contains("analysis_sets[4].weighting: a weighted set has no applies_to, include_if or exclude_if"), "\(more)")
        var r = StudyProtocol.paperDefault
        r.analysisSets[4].weighting?.covariates = []
        #expect(r.validate().contains { $0.path == "analysis_sets[4].weighting.covariates" && $0.message == "weighting needs at least one covariate" })
    }
}
