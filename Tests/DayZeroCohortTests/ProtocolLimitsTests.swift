import Testing
import Yams

@testable import DayZeroCohort

/// Issue 16: protocol files that crashed `protocol check` (stack overflow on deep nesting),
/// took minutes and gigabytes (aliases expanding exponentially) or that `check` accepted but
/// `analyze` could not survive (huge windows, horizon, matching ratio). Each reproducer now
/// gets one located issue, at once.
@Suite("Protocol limits")
struct ProtocolLimitsTests {
    /// The default protocol text with the one line containing `old` replaced by `new`.
    func replacing(_ old: String, _ new: String) throws -> String {
        let lines = ProtocolYAML.defaultYAML.split(separator: "\n", omittingEmptySubsequences: false)
        let hits = lines.indices.filter { lines[$0].contains(old) }
        try #require(hits.count == 1, "'\(old)' must be on exactly one line of the default (found \(hits.count))")
        var out = lines.map(String.init)
        out[hits[0]] = out[hits[0]].replacingAll(old, with: new)
        return out.joined(separator: "\n")
    }

    /// The default protocol with `text` appended (after the analysis sets, its last key).
    func appending(_ text: String) -> String {
        ProtocolYAML.defaultYAML + text
    }

    var lineCount: Int { ProtocolYAML.defaultYAML.split(separator: "\n", omittingEmptySubsequences: false).count }

    let depthMessage = "the protocol nests lists and mappings more than 64 levels deep (a protocol needs about 10)"

    /// The one issue of `text`, which must be a `too_large` one.
    func onlyIssue(_ text: String) throws -> ProtocolIssue {
        let issues = ProtocolYAML.check(text).issues
        try #require(issues.count == 1, "\(issues)")
        #expect(issues[0].kind == .tooLarge)
        return issues[0]
    }

    // MARK: - Nesting depth

    @Test func tenThousandNestedListsUnderAnUnknownKey() throws {
        let issue = try onlyIssue(appending("zzz: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n"))
        #expect(issue.message == depthMessage)
        // `zzz:` and its value are two levels; the 63rd `[` (column 5 + 63) is the 65th.
        #expect(issue.position == SourcePosition(line: lineCount, column: 68))
    }

    @Test func fiveThousandNestedNotRules() throws {
        let rule = String(repeating: "{not: ", count: 5_000) + "{drug: anakinra}" + String(repeating: "}", count: 5_000)
        let issue = try onlyIssue(appending("  - name: deep\n    include_if: \(rule)\n"))
        #expect(issue.message == depthMessage)
        #expect(issue.position?.line == lineCount + 1)
    }

    @Test func thousandsOfBlockLevels() throws {
        var mapping = "zzz:\n"
        for level in 1..<3_000 { mapping += String(repeating: " ", count: level) + "k\(level):\n" }
        let issue = try onlyIssue(appending(mapping))
        #expect(issue.message == depthMessage)
        let sequence = try onlyIssue(appending("zzz:\n" + String(repeating: "- ", count: 10_000) + "x\n"))
        #expect(sequence.message == depthMessage)
        #expect(sequence.position?.line == lineCount + 1)
    }

    @Test func nestingWithinTheLimitIsOnlyAnUnknownKey() throws {
        let issues = ProtocolYAML.check(appending("zzz: " + String(repeating: "[", count: 50) + String(repeating: "]", count: 50) + "\n")).issues
        #expect(issues.map(\.kind) == [.unknownKey])
    }

    /// The tree walk (after the text scan) is iterative and stops at the limit too.
    @Test func treeWalkStopsAtTheLimit() throws {
        let node = try #require(try Yams.compose(yaml: String(repeating: "[", count: 70) + String(repeating: "]", count: 70)))
        let issue = try #require(ProtocolLimits.checkTree(node))
        #expect(issue.message == depthMessage)
        #expect(issue.position == SourcePosition(line: 1, column: 64))
    }

    // MARK: - Aliases

    /// "Billion laughs": 40 analysis sets, each `any_of` four aliases of the one before (12 KB;
    /// 4^40 rules once expanded). Refused after counting 100 000 nodes.
    @Test func aliasExpansionIsCapped() throws {
        var sets = "  - name: x0\n    include_if: &a0 {drug: anakinra}\n"
        for k in 1..<40 {
            sets += "  - name: x\(k)\n    include_if: &a\(k) {any_of: [*a\(k - 1), *a\(k - 1), *a\(k - 1), *a\(k - 1)]}\n"
        }
        let issue = try onlyIssue(appending(sets))
        #expect(issue.message
                == "the protocol holds more than 100000 values once its aliases (*name) are expanded; repeat less through aliases")
        #expect(issue.position != nil)
    }

    /// Aliases themselves remain allowed.
    @Test func ordinaryAliasesAreAccepted() throws {
        let text = try replacing(
            "exclude_if: {drug: corticosteroids",
            "exclude_if: &steroids {drug: corticosteroids") + "  - name: steroids-again\n    exclude_if: *steroids\n"
        #expect(ProtocolYAML.check(text).issues.isEmpty, "\(ProtocolYAML.check(text).issues)")
    }

    // MARK: - Values analyze cannot survive

    func limitIssue(_ old: String, _ new: String) throws -> ProtocolIssue {
        let text = try replacing(old, new)
        let issue = try onlyIssue(text)
        // decode (what analyze and report run) refuses the same file with the same issue.
        #expect(throws: ProtocolLoadError.self) { try ProtocolYAML.decode(text) }
        return issue
    }

    @Test func hugeMatchingRatio() throws {
        let issue = try limitIssue("ratio: 1", "ratio: 1000000000")
        #expect(issue.message == "ratio must be at most 20 controls per treated patient, found 1000000000")
        #expect(issue.path == "analysis_sets[1].propensity_matching.ratio")
        #expect(issue.position?.column == 14)
    }

    @Test func serialWindowToIntMax() throws {
        let issue = try limitIssue("serial: [-10, 10]", "serial: [0, 9223372036854775807]")
        #expect(issue.message
                == "window [0, 9223372036854775807] reaches beyond day ±3650; a window lies within days -3650 to 3650 (ten years either side of day 0)")
        #expect(issue.path == "windows.serial")
        let line = try #require(
            ProtocolYAML.defaultYAML.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("serial: [-10, 10]") })
        #expect(issue.position == SourcePosition(line: line + 1, column: 11))
    }

    @Test func serialWindowOfAHundredMillionDays() throws {
        let issue = try limitIssue("serial: [-10, 10]", "serial: [-10, 100000000]")
        #expect(issue.path == "windows.serial")
        #expect(issue.message.hasPrefix("window [-10, 100000000] reaches beyond day ±3650"))
    }

    @Test func horizonIntMax() throws {
        let issue = try limitIssue("horizon_days: 28", "horizon_days: 9223372036854775807")
        #expect(issue.message == "horizon_days must be at most 3650 (ten years), found 9223372036854775807")
        #expect(issue.path == "outcomes.horizon_days")
    }

    @Test func criterionWindowAndDayCountDoNotOverflow() throws {
        let text = try replacing(
            "window: [-10, -1], on_at_least_days: 2}",
            "window: [-9223372036854775807, 9223372036854775807], on_at_least_days: 9223372036854775807}")
        let issues = ProtocolYAML.check(text).issues
        #expect(issues.map(\.kind) == [.tooLarge], "\(issues)")
    }

    @Test func valuesAtTheLimitsAreAccepted() throws {
        var text = try replacing("serial: [-10, 10]", "serial: [-3650, 3650]")
        text = text.replacingAll("horizon_days: 28", with: "horizon_days: 3650").replacingAll("ratio: 1\n", with: "ratio: 20\n")
        // A window of 7301 periods is refused under the categorical kinetics model (max_levels,
        // TimeAxisTests); with time as a covariate it is within the limits.
        text += "kinetics_model: {time: linear}\n"
        #expect(ProtocolYAML.check(text).issues.isEmpty, "\(ProtocolYAML.check(text).issues)")
    }

    /// A protocol built in code is checked against the same limits (`StudyAnalysis` runs this).
    @Test func limitIssuesOfAProtocolBuiltInCode() {
        var p = StudyProtocol.paperDefault
        #expect(p.limitIssues().isEmpty)
        p.outcomes.horizonDays = Int.max
        p.windows.serial = DayWindow(0, Int.max)
        #expect(p.limitIssues().map(\.path) == ["windows.serial", "outcomes.horizon_days"])
    }
}

extension ProtocolLimitsTests {
    /// An unbalanced `[` in a plain scalar does not hide deep block nesting after it.
    @Test func unbalancedBracketDoesNotHideBlockDepth() throws {
        var text = appending("zzz: see [1\n")
        text += "yyy:\n"
        for level in 1..<200 { text += String(repeating: " ", count: level) + "k\(level):\n" }
        let issues = ProtocolYAML.check(text).issues
        #expect(issues.count == 1 && issues[0].kind == .tooLarge, "\(issues)")
    }
}
