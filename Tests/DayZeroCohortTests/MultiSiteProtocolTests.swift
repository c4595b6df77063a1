import Foundation
import Testing

@testable import DayZeroCohort

/// The protocol's `multi_site:` section (issue 15): read with defaults, written back, part of the
/// protocol text (so of its hash); bad values are issues located by line and column; the
/// default protocol has none.
@Suite("Protocol: multi-site section")
struct MultiSiteProtocolTests {
    static let block = """
        multi_site:
          sites: [amsterdam, utrecht, nijmegen]
          min_cell_count: 10
          time_slots_per_day: 100
          alignment_day: 12
          alignment_start_days: [-7, 60]

        """

    /// The default protocol's YAML with `block` appended (a top-level section).
    static func withBlock(_ block: String) -> String {
        ProtocolYAML.defaultYAML + (ProtocolYAML.defaultYAML.hasSuffix("\n") ? "" : "\n") + block
    }

    @Test func defaultProtocolHasNoSection() throws {
        #expect(StudyProtocol.paperDefault.multiSite == nil)
        #expect(try ProtocolYAML.decode(ProtocolYAML.defaultYAML).multiSite == nil)
        #expect(!(try ProtocolYAML.encode(.paperDefault)).contains("multi_site"))
    }

    @Test func sectionIsReadWithDefaultsAndWrittenBack() throws {
        let p = try ProtocolYAML.decode(Self.withBlock(Self.block))
        let m = try #require(p.multiSite)
        #expect(m.sites == ["amsterdam", "utrecht", "nijmegen"])
        #expect(m.disclosure == nil && m.disclosureInForce == .masked)
        #expect(m.minCellCount == 10 && m.minCellCountInForce == 10)
        #expect(m.timeSlotsPerDay == 100)
        #expect(m.alignmentDay == 12)
        #expect(m.alignmentStartDaysInForce == DayWindow(-7, 60))
        let again = try ProtocolYAML.decode(try ProtocolYAML.encode(p))
        #expect(again == p)
        // Part of the protocol text, so of the hash every summary carries.
        #expect(try ProtocolYAML.encode(p) != (try ProtocolYAML.encode(.paperDefault)))
        // Defaults of an empty-ish section: plain without sites, threshold 5, start days −14…90.
        let bare = try #require(try ProtocolYAML.decode(Self.withBlock("multi_site:\n  disclosure: plain\n")).multiSite)
        #expect(bare.disclosureInForce == .plain && bare.minCellCountInForce == 5)
        #expect(bare.alignmentStartDaysInForce == DayWindow(-14, 90) && bare.timeSlotsPerDay == nil)
        #expect(MultiSiteStudySettings().disclosureInForce == .plain)
        #expect(MultiSiteStudySettings(sites: ["a", "b"], disclosure: .plain).disclosureInForce == .plain)
    }

    @Test func siteProtocolUsesTheNetworkDay() throws {
        let p = try ProtocolYAML.decode(Self.withBlock(Self.block))
        #expect(p.alignment.controls == .treatedMedianStartDay)
        #expect(p.forSite.alignment.controls == .fixedICUDay && p.forSite.alignment.fixedICUDay == 12)
        #expect(p.forSite.multiSite?.alignmentDay == nil && p.forSite.multiSite?.minCellCount == 10)
        #expect(p.validate().isEmpty && p.forSite.validate().isEmpty)
        #expect(StudyProtocol.paperDefault.forSite == .paperDefault)
    }

    @Test func badValuesAreLocatedIssues() throws {
        let cases: [(block: String, path: String, fragment: String)] = [
            ("multi_site:\n  min_cell_count: 0\n", "multi_site.min_cell_count", "min_cell_count must be 1 to 1000, found 0"),
            ("multi_site:\n  time_slots_per_day: 100000\n", "multi_site.time_slots_per_day", "time_slots_per_day must be 1 to 86400, found 100000"),
            ("multi_site:\n  sites: [north, north]\n", "multi_site.sites[1]", "site 'north' is listed twice"),
            ("multi_site:\n  sites: [north]\n", "multi_site.sites", "at least two sites, found 1"),
            ("multi_site:\n  sites: [north, south pole]\n", "multi_site.sites[1]", "may hold only letters, digits"),
            ("multi_site:\n  alignment_day: -1\n", "multi_site.alignment_day", "alignment_day must be 0 or later, found -1"),
            ("multi_site:\n  alignment_start_days: [10, 5]\n", "multi_site.alignment_start_days", "start 10 is after its end 5"),
            ("multi_site:\n  disclosure: hidden\n", "multi_site.disclosure", "masked"),
            ("multi_site:\n  min_cel_count: 5\n", "multi_site", "min_cel_count"),
        ]
        #expect(cases.count == 9)
        for c in cases {
            let text = Self.withBlock(c.block)
            let issues = ProtocolYAML.check(text).issues
            let issue = try #require(issues.first { $0.path.hasPrefix(c.path) }, "\(c.block): \(issues)")
            #expect(issue.message.contains(c.fragment), "\(c.block): \(issue.message)")
            // The line of the section (the default protocol's last line + 1 or + 2).
            let line = try #require(issue.position?.line, "\(c.block): no position")
            #expect(line > ProtocolYAML.defaultYAML.split(separator: "\n", omittingEmptySubsequences: false).count - 2)
            #expect(throws: ProtocolLoadError.self) { try ProtocolYAML.decode(text) }
        }
    }

    @Test func alignmentDayConflictsWithAFixedDay() throws {
        var p = StudyProtocol.paperDefault
        p.alignment.controls = .fixedICUDay
        p.alignment.fixedICUDay = 12
        p.multiSite = MultiSiteStudySettings(alignmentDay: 12)
        let issues = p.validate()
        #expect(issues.contains { $0.path == "multi_site.alignment_day" && $0.message.contains("state it once") }, "\(issues)")
        p.multiSite = MultiSiteStudySettings(minCellCount: 3)
        #expect(p.validate().isEmpty)
        #expect(p.forSite == p)
    }
}
