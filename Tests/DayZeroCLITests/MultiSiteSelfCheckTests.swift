import DayZeroAnalysis
import DayZeroCohort
@testable import DayZeroCLI
import DayZeroPrivacy
import DayZeroStore
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// `site-summary`'s disclosure self-check: the summary and its disclosure report are scanned
/// before anything is written; a finding writes nothing and exits 1 with every finding located.
@Suite("site-summary disclosure self-check", .serialized)
struct MultiSiteSelfCheckTests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
        func add(_ s: String) { lines.append(s) }
        var text: String { lines.joined(separator: "\n") }
    }

    /// `site-summary` on the bundled cohort; the exit code.
    static func siteSummary(_ arguments: [String], out: URL, round1: Bool, output: Lines, errors: Lines) throws -> Int32 {
        let command = try SiteSummaryCommand.parse((round1 ? ["--alignment-round"] : []) + arguments + ["--out", out.path])
        return MultiSiteCommandLine.siteSummary(
            input: command.input, site: command.site, out: out, alignmentRound: round1,
            options: SiteSummaryOptions(minCellCount: command.minCellCount, timeSlotsPerDay: command.timeSlotsPerDay),
            keyFile: command.key, networkKeyFiles: command.networkKeys, output: output.add, errors: errors.add)
    }

    @Test("a site named like a patient identifier or a date is refused; nothing is written; each finding is located")
    func refusal() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let patient = try #require(SyntheticCohort.default.patients.dropFirst(2).first?.id)
        let cases: [(site: String, kind: String, match: String)] = [
            (patient, "patient identifier", patient),
            ("2020-03-01", "date", "2020-03-01"),
        ]
        #expect(cases.count == 2)
        for (site, kind, match) in cases {
            let out = dir.appendingPathComponent("a-round1.json")
            let output = Lines()
            let errors = Lines()
            let code = try Self.siteSummary(["--site", site, "--min-cell-count", "1"], out: out, round1: true, output: output, errors: errors)
            #expect(code == 1, "\(site): \(errors.text)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "\(site): a file was written")
            #expect(output.lines.isEmpty)
            let text = errors.text
            #expect(text.contains("nothing was written"), "\(text)")
            // In the summary at the site's JSON path, and in the report's "Site:" line.
            let inSummary = try #require(errors.lines.first { $0.contains("a-round1.json:") }, "\(text)")
            #expect(inSummary.contains(": $.provenance.site: \(kind) \"\(match)\""), "\(inSummary)")
            #expect(inSummary.range(of: #"a-round1\.json:1:\d+: "#, options: .regularExpression) != nil, "\(inSummary)")
            let inReport = try #require(errors.lines.first { $0.contains("a-round1.disclosure.txt:") }, "\(text)")
            #expect(inReport.contains("a-round1.disclosure.txt:2:7: $: \(kind) \"\(match)\""), "\(inReport)")
        }
    }

    @Test("the bundled cohort's summaries (round 1, round 2 plain and masked) pass the self-check; the scan's cost")
    func noFalsePositives() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = Lines()
        let errors = Lines()
        // Plain, the default minimum cell count (5): round 1 and round 2 under the agreed day.
        var code = try Self.siteSummary(["--site", "A"], out: dir.appendingPathComponent("a-round1.json"), round1: true, output: output, errors: errors)
        #expect(code == 0, "\(errors.text)")
        let plainProtocol = dir.appendingPathComponent("plain.yaml")
        try Data((ProtocolYAML.defaultYAML + "\nmulti_site:\n  alignment_day: 12\n").utf8).write(to: plainProtocol)
        code = try Self.siteSummary(
            ["--site", "A", "--protocol", plainProtocol.path], out: dir.appendingPathComponent("a.json"), round1: false, output: output, errors: errors)
        #expect(code == 0, "\(errors.text)")
        // Masked, site A of three.
        let keys = dir.appendingPathComponent("keys")
        for site in ["A", "B", "C"] { _ = try SiteKeyCommand.write(site: site, folder: keys, force: false) }
        let maskedProtocol = dir.appendingPathComponent("masked.yaml")
        try Data((ProtocolYAML.defaultYAML + "\nmulti_site:\n  sites: [A, B, C]\n  time_slots_per_day: 100\n  alignment_day: 12\n").utf8)
            .write(to: maskedProtocol)
        let masked = dir.appendingPathComponent("a-masked.json")
        let started = Date()
        code = try Self.siteSummary(
            ["--site", "A", "--protocol", maskedProtocol.path, "--key", keys.appendingPathComponent("A.key").path, "--network-keys"]
                + ["A", "B", "C"].map { keys.appendingPathComponent("\($0).pub").path },
            out: masked, round1: false, output: output, errors: errors)
        let total = Date().timeIntervalSince(started)
        #expect(code == 0, "\(errors.text)")
        #expect(errors.lines.isEmpty, "\(errors.text)")
        // The scan of the written files again, timed: a fraction of the command's time.
        let summary = try Pooling.read(masked)
        #expect(summary.settings.disclosure == .masked)
        let json = try Data(contentsOf: masked)
        #expect(json.count > 5_000_000)
        let report = try String(contentsOf: dir.appendingPathComponent("a-masked.disclosure.txt"), encoding: .utf8)
        let scanStarted = Date()
        let findings = try SiteSummarySelfCheck.findings(
            summary: ("a-masked.json", json), report: ("a-masked.disclosure.txt", report),
            scan: try SiteSummarySelfCheck.scanner(study: SyntheticCohort.default, settings: summary.settings))
        let scan = Date().timeIntervalSince(scanStarted)
        #expect(findings.isEmpty, "\(findings.prefix(5))")
        #expect(scan < 0.5 * total, "scan \(scan) s of site-summary's \(total) s")
        // Numeric patient identifiers 0 … 999, which the labels ("Table 1", "IL-6", "day 28")
        // and the report's counts are full of, find nothing in the plain or the masked files;
        // searched as words, they would.
        var numeric = StudyData()
        numeric.patients = (0..<1000).map { Patient(id: "\($0)", site: "A", sex: .female, age: 50) }
        let files = ["a.json", "a-masked.json"]
        for name in files {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            let text = try String(contentsOf: dir.appendingPathComponent(name).deletingPathExtension().appendingPathExtension("disclosure.txt"), encoding: .utf8)
            let settings = try Pooling.decode(data, file: name).settings
            let found = try SiteSummarySelfCheck.findings(
                summary: (name, data), report: ("report", text), scan: try SiteSummarySelfCheck.scanner(study: numeric, settings: settings))
            #expect(found.isEmpty, "\(name): \(found.prefix(5))")
            let words = try DisclosureScan(patientIdentifiers: numeric.patients.map(\.id)).scan(text, file: "report", format: .text)
            #expect(words.findings.count > 10, "\(name)")
        }
        #expect(files.count == 2)
        print("masked site-summary of the bundled cohort: \(json.count) bytes, \(String(format: "%.2f", total)) s, of which the self-check scan \(String(format: "%.2f", scan)) s")
    }

    /// A crafted summary: one set, patients [treated, control], a label.
    static func crafted(disclosure: MultiSiteSettings.Disclosure, patients: [Double], label: String, site: String = "A") throws -> SiteSummary {
        let block = disclosure == .plain
            ? SlotBlock(values: patients)
            : SlotBlock(masked: Data(repeating: 7, count: 16 * (patients.count + 1)).base64EncodedString())
        let settings = MultiSiteSettings(disclosure: disclosure, minCellCount: 5, timeSlotsPerDay: 1)
        let set = SetSummary(
            id: "all", label: label, patients: block, kinetics: [], survival: [], binary: [], medication: [], proteomics: nil,
            notAvailable: [])
        return try SiteSummary(
            provenance: SiteProvenance(site: site, protocolHash: "h", toolVersion: StudyAnalysis.toolVersion, createdBy: "test"),
            settings: settings, payload: SitePayload(sets: [set]))
    }

    static func findings(_ summary: SiteSummary, study: StudyData) throws -> [SiteSummarySelfCheck.Located] {
        try SiteSummarySelfCheck.findings(
            summary: ("s.json", try summary.json()), report: ("s.disclosure.txt", DisclosureReport.text(summary)),
            scan: try SiteSummarySelfCheck.scanner(study: study, settings: summary.settings))
    }

    @Test("crafted builder output: a small cell (plain only), a numeric identifier as a whole string, a study date in two-digit form")
    func craftedFindings() throws {
        var study = StudyData()
        study.patients = ["17", "P 9", "MRN100017"].map { Patient(id: $0, site: "x", sex: .male, age: 60) }
        study.courses = [ICUCourse(patientID: "17", admissionTimestamp: "2020-03-01T22:00", discharge: 0.5)]
        // Clean: counts 0 and at least 5; labels with numbers that are not the identifier's whole string.
        #expect(try Self.findings(Self.crafted(disclosure: .plain, patients: [0, 17], label: "Table 17, IL-17, P 90"), study: study).isEmpty)
        // A released count of 3 under a minimum of 5 (plain); masked words are not counts.
        let small = try Self.findings(Self.crafted(disclosure: .plain, patients: [3, 40], label: "all"), study: study)
        #expect(small.count == 1 && small.first?.finding.kind == .smallCell, "\(small)")
        #expect(small.first?.finding.path == "$.payload.sets[0].patients.values[0]")
        #expect(small.first?.file == "s.json")
        #expect(small.first?.description.hasPrefix("s.json:1:") == true, "\(small)")
        #expect(try Self.findings(Self.crafted(disclosure: .masked, patients: [3, 40], label: "all"), study: study).isEmpty)
        // Identifiers: the numeric one as the whole label, the others as words; the report too.
        let leaks = try Self.findings(Self.crafted(disclosure: .masked, patients: [1, 2], label: "17"), study: study)
        #expect(leaks.map(\.finding.path) == ["$.payload.sets[0].label"], "\(leaks)")
        let words = try Self.findings(Self.crafted(disclosure: .masked, patients: [1, 2], label: "left: P 9 and MRN100017"), study: study)
        #expect(words.map(\.finding.match) == ["P 9", "MRN100017", "P 9", "MRN100017"], "\(words)")
        #expect(words.map(\.file) == ["s.json", "s.json", "s.disclosure.txt", "s.disclosure.txt"])
        // A study date (admission 2020-03-01 22:00, discharge 12 hours later: 2020-03-02) in a
        // form only the study's dates are searched in.
        #expect(SiteSummarySelfCheck.studyDates(study) == ["2020-03-01", "2020-03-02"])
        let date = try Self.findings(Self.crafted(disclosure: .masked, patients: [1, 2], label: "cohort of 2/3/20"), study: study)
        #expect(date.count == 2 && date.allSatisfy { $0.finding.kind == .date && $0.finding.match == "2/3/20" }, "\(date)")
    }

    @Test("the admission timestamp's seconds and the study dates around a leap day and a year end")
    func calendar() {
        let day = CivilTime.daysFromCivil(year: 2020, month: 3, day: 1) * 86_400
        #expect(LocalTimestamp(parsing: "2020-03-01T22:30:15")?.seconds == Int64(day + 81_015))
        #expect(LocalTimestamp(parsing: "2020-03-01 22:30")?.seconds == Int64(day + 81_000))
        #expect(LocalTimestamp(parsing: "2020-03-01")?.seconds == Int64(day))
        #expect(LocalTimestamp(parsing: "2020-13-01") == nil)
        #expect(LocalTimestamp(parsing: "2021-02-29") == nil)
        #expect(LocalTimestamp(parsing: "day 3") == nil)
        var study = StudyData()
        study.courses = [
            ICUCourse(patientID: "a", admissionTimestamp: "2020-02-28T12:00", discharge: 1, death: 1.6, followUpEnd: 0.25),
            ICUCourse(patientID: "b", admissionTimestamp: "1999-12-31T23:59", ventilationStart: 0.001),
            ICUCourse(patientID: "c", discharge: 4),
        ]
        #expect(SiteSummarySelfCheck.studyDates(study) == ["1999-12-31", "2000-01-01", "2020-02-28", "2020-02-29", "2020-03-01"])
    }
}
