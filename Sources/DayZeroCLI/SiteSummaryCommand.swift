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

            Alignment across sites: the controls' day 0 must be one ICU day for the whole network. Round 1: every site runs --alignment-round; the coordinator runs dayzero pool --alignment on those files, which prints the network's treated median start day and the protocol lines to fix it (controls: fixed_icu_day, fixed_icu_day: N). Round 2: every site runs site-summary with that protocol.

            Disclosure: with --key (the site's private key, dayzero site-key) and --network-keys (every site's public key) every number is masked for secure aggregation (docs/multi-site-secure-aggregation.md): only the network totals can be read, and no cell is withheld. Without them, plain mode withholds every block with a cell of 1 … min-cell-count − 1 patients.

            Exit codes: 0 written; 1 the study or protocol breaks a rule, or cannot be summarised (e.g. controls aligned on the site's own median); 2 a file could not be read or written; 64 usage.

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

    @Option(name: .long, help: "The ICU start days round 1 counts, FIRST..LAST (the same at every site).")
    public var startDays: String = "-14..90"

    @Option(name: .long, help: "Minimum cell count: blocks with a cell of 1 … N − 1 patients are withheld (plain mode).")
    public var minCellCount: Int = 5

    @Option(name: .long, help: "Slots per day of the survival time grid (1 for whole days; 100 for hundredths).")
    public var timeSlotsPerDay: Int = 1

    @Option(name: .long, help: "Masked mode: the site's private key file (dayzero site-key).")
    public var key: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Masked mode: the public key files of every site of the network.")
    public var networkKeys: [String] = []

    public init() {}

    public func validate() throws {
        guard !site.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--site must not be empty") }
        guard minCellCount >= 1 else { throw ValidationError("--min-cell-count must be at least 1") }
        guard timeSlotsPerDay >= 1, timeSlotsPerDay <= 1440 else { throw ValidationError("--time-slots-per-day must be 1 … 1440") }
        guard Self.range(startDays) != nil else { throw ValidationError("--start-days must read FIRST..LAST, e.g. -14..90") }
        if (key == nil) != networkKeys.isEmpty { throw ValidationError("masked mode needs both --key and --network-keys") }
    }

    static func range(_ text: String) -> ClosedRange<Int>? {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a <= b, b - a <= 100_000 else { return nil }
        return a...b
    }

    public func run() throws {
        let code = MultiSiteCommandLine.siteSummary(
            input: input, site: site, out: URL(fileURLWithPath: out), alignmentRound: alignmentRound,
            startDays: Self.range(startDays) ?? -14...90,
            settings: MultiSiteSettings(disclosure: key == nil ? .plain : .masked, minCellCount: minCellCount, timeSlotsPerDay: timeSlotsPerDay),
            keyFile: key, networkKeyFiles: networkKeys, output: { print($0) }, errors: writeToStandardError)
        if code != 0 { throw ExitCode(code) }
    }
}

/// The work behind `site-summary` and `pool`, testable in-process.
public enum MultiSiteCommandLine {
    public static func siteSummary(
        input: StudyInputOptions, site: String, out: URL, alignmentRound: Bool, startDays: ClosedRange<Int>,
        settings: MultiSiteSettings, keyFile: String? = nil, networkKeyFiles: [String] = [],
        output: (String) -> Void, errors: (String) -> Void
    ) -> Int32 {
        do {
            let loaded = try input.load()
            let protocolHash = StudyHash.sha256(text: try ProtocolYAML.encode(loaded.studyProtocol))
            var mask: ((_ values: [Double], _ block: String) throws -> [String])?
            if let keyFile {
                let session = try maskingSession(site: site, keyFile: keyFile, networkKeyFiles: networkKeyFiles, studyTag: protocolHash)
                mask = { values, block in try session.mask(values, block: block).map(\.hex) }
            }
            let cohort = try loaded.derive().cohort
            let builder = SiteSummaryBuilder(study: loaded.study, cohort: cohort, settings: settings)
            let payload = alignmentRound
                ? try builder.alignmentPayload(days: startDays, mask: mask)
                : try builder.payload(mask: mask)
            let provenance = SiteProvenance(
                site: site, protocolHash: protocolHash,
                toolVersion: StudyAnalysis.toolVersion,
                createdBy: "dayzero site-summary" + (alignmentRound ? " --alignment-round" : "") + (settings.disclosure == .masked ? " (masked)" : ""))
            let summary = try SiteSummary(provenance: provenance, settings: settings, payload: payload)
            let report = out.deletingPathExtension().appendingPathExtension("disclosure.txt")
            do {
                try summary.json().write(to: out, options: .atomic)
                try Data(DisclosureReport.text(summary).utf8).write(to: report, options: .atomic)
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
    static func maskingSession(site: String, keyFile: String, networkKeyFiles: [String], studyTag: String) throws -> MaskingSession {
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
        return try MaskingSession(own: own, network: network, studyTag: studyTag)
    }

    /// The coordinator's unmasking: the sites' masked words of one block → the network totals.
    public static let unmask: MaskedTotal = { blocks in
        try SecureSum.unmask(try blocks.map { words in try words.map { try MaskedValue(hex: $0) } })
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
                output("Fix it in the protocol for round 2:")
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
