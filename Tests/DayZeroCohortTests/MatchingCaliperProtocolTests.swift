import Testing

@testable import DayZeroCohort

/// The propensity matching's caliper option (issue 18 item 5): absent by default (no caliper,
/// the Kooistra pairs), `caliper: c` with `caliper_scale: logit_sd` for MatchIt's
/// `caliper = c(lp = c), std.caliper = TRUE` on the logit; a bad value is a located issue.
@Suite("Protocol: the matching caliper")
struct MatchingCaliperProtocolTests {
    /// The default protocol text with the one line containing `old` replaced by `new`.
    func replacing(_ old: String, _ new: String) throws -> String {
        let lines = ProtocolYAML.defaultYAML.split(separator: "\n", omittingEmptySubsequences: false)
        let hits = lines.indices.filter { lines[$0].contains(old) }
        try #require(hits.count == 1, "'\(old)' must be on exactly one line of the default (found \(hits.count))")
        var out = lines.map(String.init)
        out[hits[0]] = out[hits[0]].replacingOccurrences(of: old, with: new)
        return out.joined(separator: "\n")
    }

    @Test func defaultHasNoCaliper() throws {
        let p = try ProtocolYAML.decode(ProtocolYAML.defaultYAML)
        let matching = p.analysisSets.compactMap(\.propensityMatching)
        #expect(matching.count == 1)
        #expect(matching.first?.caliper == nil)
    }

    @Test func logitCaliperIsRead() throws {
        let text = try replacing("caliper_scale: score_sd", "caliper_scale: logit_sd\n      caliper: 0.2")
        let p = try ProtocolYAML.decode(text)
        let m = try #require(p.analysisSets.compactMap(\.propensityMatching).first)
        #expect(m.caliper == 0.2 && m.caliperScale == .logitSD)
    }

    @Test func nonPositiveCaliperIsALocatedIssue() throws {
        let text = try replacing("caliper_scale: score_sd", "caliper_scale: logit_sd\n      caliper: 0")
        let issues = ProtocolYAML.check(text).issues
        let issue = try #require(issues.first { $0.path.hasSuffix("propensity_matching.caliper") })
        #expect(issue.message == "caliper must be greater than 0, found 0")
        #expect(issue.path == "analysis_sets[1].propensity_matching.caliper")
        #expect(issue.position?.line != nil)
        #expect(throws: ProtocolLoadError.self) { try ProtocolYAML.decode(text) }
    }

    @Test func unknownCaliperScaleIsALocatedIssue() throws {
        let text = try replacing("caliper_scale: score_sd", "caliper_scale: logit")
        let issues = ProtocolYAML.check(text).issues
        let issue = try #require(issues.first { $0.path.hasSuffix("caliper_scale") }, "\(issues)")
        #expect(issue.message.contains("logit_sd"))
        #expect(issue.position?.line != nil)
    }
}
