import ArgumentParser
import DayZeroAnalysis
import DayZeroReport
import DayZeroCohort
import DayZeroPrivacy
import DayZeroStore
import Foundation

/// `dayzero site-summary [--db FILE | --study DIR] --protocol FILE --site NAME --out FILE`
public struct SiteSummaryCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "site-summary",
        abstract: "Write one site's aggregates for a pooled multi-site study (no patient row leaves the site).",
        discussion: """
            The summary holds sums and counts over patients only — no patient identifier, no date, no per-patient row or value — for every analysis set defined by per-patient rules (matched and weighted sets are site-level only). A disclosure report (FILE with .disclosure.txt) is written beside it: what leaves the site, block by block. The format and the method are in docs/multi-site.md.

            Alignment across sites: the controls' day 0 must be one ICU day for the whole network. Round 1: every site runs --alignment-round; the coordinator runs dayzero pool --alignment on those files, which prints the network's treated median start day and the protocol line to fix it (multi_site: alignment_day: N). Round 2: every site runs site-summary with that protocol.

            Settings: the protocol's multi_site section fixes what every site must apply alike (sites, disclosure, min_cell_count, time_slots_per_day, alignment_day, alignment_start_days; docs/protocol.md). An option below applies where the protocol is silent; an option that contradicts the protocol is refused. Without a time grid from either, the coarsest grid that holds the site's survival times is used (whole days, …, hundredths, minutes, seconds).

            Disclosure: with --key (the site's private key, dayzero site-key) and --network-keys (every site's public key) every number is masked for secure aggregation (docs/multi-site-secure-aggregation.md): only the network totals can be read, and no cell is withheld. Without them, plain mode withholds every block with a cell of 1 … min-cell-count − 1 patients.

            Self-check: before anything is written, the summary and its disclosure report are scanned for the study's patient identifiers, its calendar dates and (plain mode) released counts of 1 … min-cell-count − 1 patients; on any finding nothing is written and each finding is listed with file, line:column, JSON path and rule (docs/multi-site.md, "The disclosure self-check").

            Exit codes: 0 written; 1 the study or protocol breaks a rule, cannot be summarised (e.g. controls aligned on the site's own median), or the self-check found something that must not leave the site (nothing written); 2 a file could not be read or written; 64 usage.

            Examples:
              dayzero site-summary --alignment-round --study site-a/ --protocol protocol.yaml --site A --out a-round1.json
              dayzero site-summary --study site-a/ --protocol protocol-fixed.yaml --site A --out a.json
              dayzero site-summary --study site-a/ --protocol protocol-fixed.yaml --site A --key A.key --network-keys A.pub B.pub C.pub --out a.json
            """)

    @OptionGroup public var input: StudyInputOptions

    @Option(name: .long, help: "The site's name (as the network knows it; not a patient or place identifier is needed).")
    public var site: String

    @Option(name: .long, help: "The summary file to write.")
    public var out: String

    @Flag(name: .long, help: "Round 1 of the alignment protocol: only the treated patients per ICU start day.")
    public var alignmentRound = false

    @Option(name: .long, help: "The ICU start days round 1 counts, FIRST..LAST (the same at every site; default: the protocol's multi_site.alignment_start_days, else -14..90).")
    public var startDays: String?

    @Option(name: .long, help: "Minimum cell count: blocks with a cell of 1 … N − 1 patients are withheld (plain mode; default: the protocol's multi_site.min_cell_count, else 5).")
    public var minCellCount: Int?

    @Option(name: .long, help: "Slots per day of the survival time grid (1 whole days, 100 hundredths, 1440 minutes; default: the protocol's multi_site.time_slots_per_day, else the coarsest grid that holds the site's times).")
    public var timeSlotsPerDay: Int?

    @Option(name: .long, help: "Masked mode: the site's private key file (dayzero site-key).")
    public var key: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Masked mode: the public key files of every site of the network.")
    public var networkKeys: [String] = []

    public init() {}

    public func validate() throws {
        guard !site.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--site must not be empty") }
        if let n = minCellCount, !(1...MultiSiteStudySettings.maximumMinCellCount).contains(n) {
            throw ValidationError("--min-cell-count must be 1 … \(MultiSiteStudySettings.maximumMinCellCount)")
        }
        if let r = timeSlotsPerDay, !(1...MultiSiteStudySettings.maximumTimeSlotsPerDay).contains(r) {
            throw ValidationError("--time-slots-per-day must be 1 … \(MultiSiteStudySettings.maximumTimeSlotsPerDay)")
        }
        if let startDays, Self.range(startDays) == nil { throw ValidationError("--start-days must read FIRST..LAST, e.g. -14..90") }
        if (key == nil) != networkKeys.isEmpty { throw ValidationError("masked mode needs both --key and --network-keys") }
    }

    static func range(_ text: String) -> ClosedRange<Int>? {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a <= b, b - a <= MultiSiteStudySettings.maximumStartDaySpan else { return nil }
        return a...b
    }

    public func run() throws {
        let code = MultiSiteCommandLine.siteSummary(
            input: input, site: site, out: URL(fileURLWithPath: out), alignmentRound: alignmentRound,
            options: SiteSummaryOptions(startDays: startDays.flatMap(Self.range), minCellCount: minCellCount, timeSlotsPerDay: timeSlotsPerDay),
            keyFile: key, networkKeyFiles: networkKeys, output: { print($0) }, errors: writeToStandardError)
        if code != 0 { throw ExitCode(code) }
    }
}

/// `site-summary`'s disclosure self-check (docs/multi-site.md, "The disclosure self-check"):
/// every file it is about to write is scanned with `DisclosureScan` for the study's patient
/// identifiers, its calendar dates and, in plain mode, released counts below the minimum cell
/// count in force; a finding stops the command before anything is written.
enum SiteSummarySelfCheck {
    /// A finding in one of the files.
    struct Located: Sendable, Equatable, CustomStringConvertible {
        var file: String
        var finding: DisclosureFinding
        var description: String {
            "\(file):\(finding.line):\(finding.column): \(finding.path): \(finding.kind.rawValue) \"\(finding.match)\" (\(finding.rule))"
        }
    }

    /// The scan of a site's files: its patients' identifiers (numeric ones as whole strings,
    /// see `DisclosureScan.NumericIdentifiers`), its dates (`studyDates`), and in plain mode
    /// the minimum cell count at the summary's count cells. A masked summary has no readable
    /// count: its masked words are skipped (uniformly random), its strings and its remaining
    /// numbers (days, horizons, settings — the layout) are scanned for identifiers and dates.
    static func scanner(study: StudyData, settings: MultiSiteSettings) throws -> DisclosureScan {
        let plain = settings.disclosure == .plain
        return try DisclosureScan(
            patientIdentifiers: study.patients.map(\.id), studyDates: studyDates(study),
            minimumCellCount: plain ? settings.minCellCount : nil,
            countCellPaths: plain ? SiteSummary.countCellPaths : [], numericIdentifiers: .wholeStrings)
    }

    /// The findings in the summary's JSON and the report's text, in file order.
    static func findings(summary: (name: String, json: Data), report: (name: String, text: String), scan: DisclosureScan) throws -> [Located] {
        let inSummary = try scan.scan(String(decoding: summary.json, as: UTF8.self), file: summary.name).findings
        let inReport = try scan.scan(report.text, file: report.name, format: .text).findings
        return inSummary.map { Located(file: summary.name, finding: $0) } + inReport.map { Located(file: report.name, finding: $0) }
    }

    /// The error text: what was found, where, and that nothing was written.
    static func refusal(_ findings: [Located]) -> String {
        var lines = ["error: the disclosure self-check found \(findings.count) thing(s) in the output that must not leave the site; nothing was written:"]
        lines += findings.map { "  \($0)" }
        lines.append("A patient identifier or a date in a name the study chose (the site name, a label) is refused like a leak: rename it. Anything else is a defect of DayZero's summary builder: please report it.")
        return lines.joined(separator: "\n")
    }

    /// The study's calendar dates as YYYY-MM-DD: each ICU admission's date (a study written
    /// with admission timestamps) and the dates of the course's discharge, ventilation start
    /// and end, death and follow-up end (admission + days). Sorted, without repeats; empty
    /// for a study on day numbers only.
    static func studyDates(_ study: StudyData) -> [String] {
        var days = Set<Int>()
        for course in study.courses {
            guard let stamp = course.admissionTimestamp, let admission = LocalTimestamp(parsing: stamp)?.seconds else { continue }
            let admissionDays = Double(admission) / 86_400
            days.insert(Int(admissionDays.rounded(.down)))
            for t in [course.discharge, course.ventilationStart, course.ventilationEnd, course.death, course.followUpEnd] {
                guard let t, t.isFinite, abs(t) < 1e6 else { continue }
                days.insert(Int((admissionDays + t).rounded(.down)))
            }
        }
        // Years of four digits (what a date in a file can be found as).
        return days.sorted().map { LocalTimestamp(seconds: Int64($0) * 86_400, format: .date).text }
            .filter { $0.utf8.count == 10 && $0.utf8.first != UInt8(ascii: "-") }
    }
}

/// The command line's values of the settings the protocol's `multi_site:` may fix (`nil`: not given).
public struct SiteSummaryOptions: Sendable, Equatable {
    public var startDays: ClosedRange<Int>?
    public var minCellCount: Int?
    public var timeSlotsPerDay: Int?

    public init(startDays: ClosedRange<Int>? = nil, minCellCount: Int? = nil, timeSlotsPerDay: Int? = nil) {
        self.startDays = startDays
        self.minCellCount = minCellCount
        self.timeSlotsPerDay = timeSlotsPerDay
    }
}

/// The work behind `site-summary` and `pool`, testable in-process.
public enum MultiSiteCommandLine {
    /// The settings in force for a site summary (docs/multi-site.md, "Settings"): a value the
    /// protocol's `multi_site:` states is the study's, and an option that contradicts it is
    /// refused (every site must apply the same); an option applies where the protocol is silent,
    /// else the default (minimum cell count 5, start days −14…90, the survival grid derived from
    /// the site's times: `timeSlotsPerDay` nil). Masked mode is chosen by the keys; the
    /// protocol's `disclosure` (explicit, or masked because it names the sites) must agree.
    public static func settings(
        _ p: StudyProtocol, site: String, options: SiteSummaryOptions, masked: Bool
    ) throws -> (disclosure: MultiSiteSettings.Disclosure, minCellCount: Int, timeSlotsPerDay: Int?, startDays: ClosedRange<Int>) {
        let m = p.multiSite
        func agree<T: Equatable>(_ option: T?, _ stated: T?, flag: String, key: String, show: (T) -> String) throws -> T? {
            if let option, let stated, option != stated {
                throw InputFailure.invalid(
                    "\(flag) \(show(option)) contradicts the protocol's multi_site.\(key): \(show(stated)); every site applies the protocol's value (leave \(flag) out)",
                    located: false)
            }
            return option ?? stated
        }
        if let sites = m?.sites, !sites.contains(site) {
            throw InputFailure.invalid(
                "site '\(site)' is not one of the protocol's multi_site.sites (\(sites.joined(separator: ", ")))", located: false)
        }
        if let m {
            switch (m.disclosureInForce, masked) {
            case (.masked, false):
                let why = m.disclosure == nil ? "names the network's sites (masked is then the default)" : "states disclosure: masked"
                throw InputFailure.invalid(
                    "the protocol's multi_site \(why); give the site's key and the network's public keys (--key, --network-keys; dayzero site-key), or state disclosure: plain in the protocol",
                    located: false)
            case (.plain, true):
                throw InputFailure.invalid(
                    "--key and --network-keys contradict the protocol's multi_site.disclosure: plain; every site applies the protocol's mode", located: false)
            default: break
            }
        }
        let minCellCount = try agree(options.minCellCount, m?.minCellCount, flag: "--min-cell-count", key: "min_cell_count", show: { "\($0)" })
        let slots = try agree(options.timeSlotsPerDay, m?.timeSlotsPerDay, flag: "--time-slots-per-day", key: "time_slots_per_day", show: { "\($0)" })
        let stated = m?.alignmentStartDays.map { $0.start...$0.end }
        let startDays = try agree(options.startDays, stated, flag: "--start-days", key: "alignment_start_days", show: { "\($0.lowerBound)..\($0.upperBound)" })
        let defaultDays = MultiSiteStudySettings.defaultAlignmentStartDays
        return (masked ? .masked : .plain, minCellCount ?? MultiSiteStudySettings.defaultMinCellCount, slots,
                startDays ?? defaultDays.start...defaultDays.end)
    }

    public static func siteSummary(
        input: StudyInputOptions, site: String, out: URL, alignmentRound: Bool, options: SiteSummaryOptions = SiteSummaryOptions(),
        keyFile: String? = nil, networkKeyFiles: [String] = [],
        output: (String) -> Void, errors: (String) -> Void
    ) -> Int32 {
        do {
            var loaded = try input.load()
            let studyProtocol = loaded.studyProtocol
            // The hash of results.json (robustness: left out): the pooled and the whole-cohort
            // results of one protocol file carry the same hash.
            let protocolHash = StudyHash.sha256(text: try ProtocolYAML.encode(studyProtocol.withoutRobustness))
            let chosen = try settings(studyProtocol, site: site, options: options, masked: keyFile != nil)
            var mask: SiteMask?
            if let keyFile {
                let session = try maskingSession(
                    site: site, keyFile: keyFile, networkKeyFiles: networkKeyFiles, studyTag: protocolHash, sites: studyProtocol.multiSite?.sites)
                mask = { values, block in MaskedValue.packed(try session.mask(values, block: block)) }
            }
            // The network's control day (multi_site.alignment_day) in place of the site's own median.
            loaded.studyProtocol = studyProtocol.forSite
            let cohort = try loaded.derive().cohort
            var builder = SiteSummaryBuilder(
                study: loaded.study, cohort: cohort,
                settings: MultiSiteSettings(disclosure: chosen.disclosure, minCellCount: chosen.minCellCount, timeSlotsPerDay: chosen.timeSlotsPerDay ?? 1))
            if chosen.timeSlotsPerDay == nil, !alignmentRound {
                builder = SiteSummaryBuilder(workup: builder.workup, settings: MultiSiteSettings(
                    disclosure: chosen.disclosure, minCellCount: chosen.minCellCount, timeSlotsPerDay: try builder.derivedTimeSlotsPerDay()))
            }
            let settings = builder.settings
            let payload = alignmentRound
                ? try builder.alignmentPayload(days: chosen.startDays, mask: mask)
                : try builder.payload(mask: mask)
            let provenance = SiteProvenance(
                site: site, protocolHash: protocolHash,
                toolVersion: StudyAnalysis.toolVersion,
                createdBy: "dayzero site-summary" + (alignmentRound ? " --alignment-round" : "") + (settings.disclosure == .masked ? " (masked)" : ""))
            let summary = try SiteSummary(provenance: provenance, settings: settings, payload: payload)
            let report = out.deletingPathExtension().appendingPathExtension("disclosure.txt")
            let json = try summary.json()
            let reportText = DisclosureReport.text(summary)
            let findings = try SiteSummarySelfCheck.findings(
                summary: (out.lastPathComponent, json), report: (report.lastPathComponent, reportText),
                scan: try SiteSummarySelfCheck.scanner(study: loaded.study, settings: settings))
            guard findings.isEmpty else {
                errors(SiteSummarySelfCheck.refusal(findings))
                return 1
            }
            do {
                try json.write(to: out, options: .atomic)
                try Data(reportText.utf8).write(to: report, options: .atomic)
            } catch {
                errors("error: cannot write \(out.path): \(error.localizedDescription)")
                return 2
            }
            output("Wrote \(out.path) (\(alignmentRound ? "alignment round 1" : "\(payload.sets.count) analysis set(s)"), \(settings.disclosure.rawValue)) and the disclosure report \(report.path).")
            return 0
        } catch let failure as InputFailure {
            errors(failure.located ? failure.description : "error: \(failure)")
            return failure.exitCode
        } catch {
            errors("error: \(error)")
            return 1
        }
    }

    /// The masking session of `site` from its private key file and the network's public key
    /// files; the study tag is the protocol's SHA-256, so masks never repeat across studies.
    static func maskingSession(site: String, keyFile: String, networkKeyFiles: [String], studyTag: String, sites: [String]? = nil) throws -> MaskingSession {
        func read(_ path: String) throws -> String {
            do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw InputFailure.unreadable("\(path): cannot read the key file (\(error.localizedDescription))")
            }
        }
        let own = try SiteKeyPair(privateKeyText: try read(keyFile), file: keyFile)
        guard own.site == site else {
            throw InputFailure.invalid("\(keyFile): the key belongs to site '\(own.site)', not '\(site)'", located: false)
        }
        let network = try networkKeyFiles.map { path in try SitePublicKey(text: try read(path), file: path) }
        if let sites, Set(network.map(\.site)) != Set(sites) {
            throw InputFailure.invalid(
                "the network keys are of sites \(network.map(\.site).sorted().joined(separator: ", ")); the protocol's multi_site.sites are \(sites.sorted().joined(separator: ", ")); give one public key per site of the protocol",
                located: false)
        }
        return try MaskingSession(own: own, network: network, studyTag: studyTag)
    }

    /// The coordinator's unmasking: the sites' masked words of one block → the network totals.
    public static let unmask: MaskedTotal = { blocks in
        try SecureSum.unmask(try blocks.map { try MaskedValue.unpacked($0) })
    }

    /// `dayzero pool`: reads and checks the summaries, then writes results.json and
    /// report.html into `out` (or, with `alignment`, prints the network median start day).
    public static func pool(
        files: [URL], out: URL?, alignment: Bool, options: PoolOptions, force: Bool = false, unmask: MaskedTotal? = MultiSiteCommandLine.unmask,
        output: (String) -> Void, errors: (String) -> Void
    ) -> Int32 {
        let summaries: [SiteSummary]
        do {
            summaries = try files.map(Pooling.read)
            try Pooling.check(summaries, files: files.map(\.lastPathComponent))
        } catch {
            errors("error: \(error)")
            return 1
        }
        if alignment {
            do {
                guard let rounding = summaries.first?.payload.alignment.flatMap({ MedianRounding(rawValue: $0.medianRounding) }) else {
                    errors("error: \(files[0].lastPathComponent): not an alignment-round summary (write it with dayzero site-summary --alignment-round)")
                    return 1
                }
                let result = try Pooling.alignmentDay(summaries, unmask: unmask, median: { rounding.median(of: $0) })
                guard let day = result.day else {
                    errors("error: no treated patient at any site; the network median start day is undefined")
                    return 1
                }
                output("Network treated median start day: ICU day \(day) (\(result.treated) treated patients over \(summaries.count) sites, \(rounding.rawValue)).")
                output("Fix it in the protocol for round 2, in its multi_site section (analyze on the pooled rows keeps the treated median, which is this day):")
                output("multi_site:")
                output("  alignment_day: \(day)")
                output("or, replacing the alignment rule (the protocol then no longer states the median):")
                output("alignment:")
                output("  controls: fixed_icu_day")
                output("  fixed_icu_day: \(day)")
                return 0
            } catch {
                errors("error: \(error)")
                return 1
            }
        }
        guard let out else {
            errors("error: --out is required (the folder for results.json and report.html)")
            return 64
        }
        let folder: OutputFolder
        do {
            folder = try OutputFolder.check(out, force: force)
        } catch {
            errors("error: \(error)")
            return 2
        }
        let results: PooledResults
        do {
            results = try Pooling.results(summaries, files: files.map(\.lastPathComponent), options: options, unmask: unmask)
        } catch {
            // A summary breaks a rule (a masked site missing or doubled, layouts that differ).
            errors("error: \(error)")
            return 1
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            var json = try encoder.encode(results)
            json.append(0x0A)
            let html = PooledReport.html(results)
            try folder.write { directory in
                try json.write(to: directory.appendingPathComponent("results.json"))
                try Data(html.utf8).write(to: directory.appendingPathComponent("report.html"))
            }
            output("Pooled \(summaries.count) sites (\(summaries.map(\.provenance.site).joined(separator: ", "))) into \(out.path): results.json and report.html.")
            return 0
        } catch {
            errors("error: \(error)")
            return 2
        }
    }
}
