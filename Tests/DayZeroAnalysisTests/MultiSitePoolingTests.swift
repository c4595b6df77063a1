import DayZeroCohort
import DayZeroPrivacy
import DayZeroStats
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroAnalysis

/// The default cohort split over 3 sites (patients dealt round-robin in id order) → three
/// summaries → the pooled results equal the analysis of the whole cohort, to 1e-8 relative, for
/// every statistic pooled exactly; alignment agreed by the two-round protocol.
@Suite("Multi-site pooling of the default cohort")
struct MultiSitePoolingTests {
    static func sites(_ study: StudyData, count: Int) -> [StudyData] { SiteSplit.roundRobin(study, sites: count) }

    struct Fixture {
        var whole: StudyAnalysis
        var summaries: [SiteSummary]
        var fixedDay: Int
        var parts: [StudyData]
        var fixed: StudyProtocol
    }

    /// Round 1 (start-day counts) → network median → protocol with fixed_icu_day → round 2.
    static let fixture: Result<Fixture, any Error> = Result {
        let study = SyntheticCohort.default
        let whole = try StudyAnalysis(study: study, protocol: .paperDefault, seed: SyntheticCohort.defaultSeed)
        let parts = sites(study, count: 3)
        let settings = MultiSiteSettings(disclosure: .plain, minCellCount: 1, timeSlotsPerDay: 100)
        let round1 = try parts.enumerated().map { k, part in
            let cohort = try CohortDerivation.derive(part, protocol: .paperDefault)
            let payload = try SiteSummaryBuilder(study: part, cohort: cohort, settings: settings).alignmentPayload(days: -14...90)
            return try SiteSummary(
                provenance: SiteProvenance(site: "site\(k)", protocolHash: "h1", toolVersion: StudyAnalysis.toolVersion, createdBy: "test"),
                settings: settings, payload: payload)
        }
        let median = try Pooling.alignmentDay(round1, unmask: nil, median: { MedianRounding.halfDown.median(of: $0) })
        guard let day = median.day else { throw PoolError("no median") }
        var fixed = StudyProtocol.paperDefault
        fixed.alignment.controls = .fixedICUDay
        fixed.alignment.fixedICUDay = day
        let summaries = try parts.enumerated().map { k, part in
            let cohort = try CohortDerivation.derive(part, protocol: fixed)
            let payload = try SiteSummaryBuilder(study: part, cohort: cohort, settings: settings).payload()
            return try SiteSummary(
                provenance: SiteProvenance(site: "site\(k)", protocolHash: "h2", toolVersion: StudyAnalysis.toolVersion, createdBy: "test"),
                settings: settings, payload: payload)
        }
        return Fixture(whole: whole, summaries: summaries, fixedDay: day, parts: parts, fixed: fixed)
    }

    static func close(_ a: Double?, _ b: Double?, _ tol: Double = 1e-8) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?): return isClose(x, y, tolerance: tol)
        default: return false
        }
    }

    @Test("the two-round alignment gives the whole cohort's treated median start day")
    func alignment() throws {
        let f = try Self.fixture.get()
        #expect(f.fixedDay == f.whole.cohort.flow.controlAlignmentDay)
    }

    @Test("a protocol aligned on each site's own median is refused")
    func ownMedianRefused() throws {
        let part = Self.sites(SyntheticCohort.default, count: 3)[0]
        let cohort = try CohortDerivation.derive(part, protocol: .paperDefault)
        #expect(throws: SiteSummaryError.self) {
            _ = try SiteSummaryBuilder(study: part, cohort: cohort, settings: MultiSiteSettings()).payload()
        }
    }

    @Test("pool equals analyze on the whole cohort for every exactly pooled statistic")
    func pooledEqualsWhole() throws {
        let f = try Self.fixture.get()
        let pooled = try Pooling.results(f.summaries, files: ["a.json", "b.json", "c.json"], options: PoolOptions(siteStratifiedLogRank: true))
        let sets = f.whole.results.analysisSets
        #expect(pooled.sets.count == sets.filter { s in f.whole.matchedSets.allSatisfy { $0.membership.name != s.id } && f.whole.weightedSets.allSatisfy { $0.membership.name != s.id } }.count)
        #expect(!pooled.sets.isEmpty)
        let comparison = PoolingComparison(pooled: pooled, whole: f.whole.results)
        #expect(comparison.mismatches.isEmpty, "\(comparison.mismatches.count) mismatches: \(comparison.mismatches.prefix(10))")
        #expect(comparison.count("patients") == 2 * pooled.sets.count)
        #expect(comparison.shortfalls(PoolingComparison.defaultProtocolCoverage(sets: pooled.sets.count)).isEmpty, "\(comparison.compared)")
        #expect(pooled.sets.allSatisfy { $0.survival.allSatisfy { $0.stratifiedLogRank != nil } })
    }

    @Test("a survival block moves exactly onto a finer grid; the pooled grid is the sites' least common multiple")
    func regridByHand() throws {
        // Horizon 1 day on whole days: [events 0, 1 | censored 0, 1] per group, two groups.
        let block = SlotBlock(values: [1, 2, 3, 4, 5, 6, 7, 8])
        let moved = try Pooling.regrid(block, horizon: 1, from: 1, to: 2)
        #expect(moved.values == [1, 0, 2, 3, 0, 4, 5, 0, 6, 7, 0, 8])
        #expect(try Pooling.regrid(block, horizon: 1, from: 2, to: 2) == block)
        let suppressed = SlotBlock(suppressed: "cells below the minimum cell count", withheldCells: 1)
        #expect(try Pooling.regrid(suppressed, horizon: 1, from: 1, to: 100) == suppressed)
        #expect(throws: PoolError.self) { _ = try Pooling.regrid(block, horizon: 2, from: 1, to: 2) }
        #expect(Pooling.pooledGrid([100, 1440]) == 7200)
        #expect(Pooling.pooledGrid([1, 1, 1]) == 1)
        #expect(Pooling.pooledGrid([4, 100, 25]) == 100)
    }

    @Test("the grid derived from the data holds the default cohort's times; plain sites on different grids pool exactly")
    func derivedGrid() throws {
        let f = try Self.fixture.get()
        let grids = try f.parts.map { part in
            let cohort = try CohortDerivation.derive(part, protocol: f.fixed)
            return try SiteSummaryBuilder(study: part, cohort: cohort, settings: MultiSiteSettings()).derivedTimeSlotsPerDay()
        }
        #expect(grids.count == 3)
        #expect(grids.allSatisfy { 100 % $0 == 0 } && grids.contains(100), "\(grids)")
        // Site 1 on 200 slots per day, the others on 100: the pool moves them onto 200.
        let settings = MultiSiteSettings(disclosure: .plain, minCellCount: 1, timeSlotsPerDay: 200)
        var summaries = f.summaries
        let cohort = try CohortDerivation.derive(f.parts[1], protocol: f.fixed)
        summaries[1] = try SiteSummary(
            provenance: SiteProvenance(site: "site1", protocolHash: "h2", toolVersion: StudyAnalysis.toolVersion, createdBy: "test"),
            settings: settings, payload: try SiteSummaryBuilder(study: f.parts[1], cohort: cohort, settings: settings).payload())
        let pooled = try Pooling.results(summaries, files: ["a", "b", "c"])
        #expect(pooled.provenance.settings.timeSlotsPerDay == 200)
        let comparison = PoolingComparison(pooled: pooled, whole: f.whole.results)
        #expect(comparison.mismatches.isEmpty, "\(comparison.mismatches.prefix(10))")
        #expect(comparison.count("Kaplan–Meier steps") > 100)
        // Masked summaries must share one grid.
        var masked = summaries.map { s in
            var m = s
            m.settings.disclosure = .masked
            return m
        }
        masked[1].settings.timeSlotsPerDay = 200
        #expect(throws: PoolError.self) { try Pooling.check(masked, files: ["a", "b", "c"]) }
        masked[1].settings.timeSlotsPerDay = 100
        try Pooling.check(masked, files: ["a", "b", "c"])
    }

    @Test("different minimum cell counts: refused in plain mode, accepted in masked mode (nothing is withheld there)")
    func minimumCellCountsByMode() throws {
        let f = try Self.fixture.get()
        var plain = f.summaries
        plain[2].settings.minCellCount = 3
        #expect(throws: PoolError.self) { try Pooling.check(plain, files: ["a", "b", "c"]) }
        do {
            try Pooling.check(plain, files: ["a", "b", "c"])
        } catch {
            #expect("\(error)".contains("c: minimum cell count 3, a's 1"), "\(error)")
        }
        var masked = plain.map { s in
            var m = s
            m.settings.disclosure = .masked
            return m
        }
        try Pooling.check(masked, files: ["a", "b", "c"])
        // The builder masks before the cell check: a masked block is the same whatever the count.
        let part = f.parts[0]
        let cohort = try CohortDerivation.derive(part, protocol: f.fixed)
        let mask: SiteMask = { values, _ in values.map { "\($0)" }.joined(separator: ",") }
        let low = SiteSummaryBuilder(study: part, cohort: cohort, settings: MultiSiteSettings(disclosure: .masked, minCellCount: 1, timeSlotsPerDay: 100))
        let high = SiteSummaryBuilder(study: part, cohort: cohort, settings: MultiSiteSettings(disclosure: .masked, minCellCount: 1000, timeSlotsPerDay: 100))
        let a = try low.payload(mask: mask)
        let b = try high.payload(mask: mask)
        #expect(a == b)
        #expect(a.sets.allSatisfy { $0.patients.suppressed == nil && $0.kinetics.allSatisfy { $0.days.allSatisfy { $0.suppressed == nil } } })
        masked[0].settings.minCellCount = 1000
        try Pooling.check(masked, files: ["a", "b", "c"])
    }

    /// Every number of the two pooled documents, by JSON path.
    static func numbers(_ value: Any, _ path: String = "$", into out: inout [String: Double]) {
        if let d = value as? [String: Any] {
            for (k, v) in d { numbers(v, path + "." + k, into: &out) }
        } else if let a = value as? [Any] {
            for (i, v) in a.enumerated() { numbers(v, path + "[\(i)]", into: &out) }
        } else if let n = value as? NSNumber, !(value is Bool) {
            out[path] = n.doubleValue
        }
    }

    @Test("masked mode (secure aggregation) gives plain mode's pooled numbers")
    func maskedEqualsPlain() throws {
        let f = try Self.fixture.get()
        let keys = (0..<3).map { SiteKeyPair.generate(site: "site\($0)") }
        let settings = MultiSiteSettings(disclosure: .masked, minCellCount: 1, timeSlotsPerDay: 100)
        let masked = try f.parts.enumerated().map { k, part in
            let session = try MaskingSession(own: keys[k], network: keys.map(\.publicKey), studyTag: "h2")
            let cohort = try CohortDerivation.derive(part, protocol: f.fixed)
            let payload = try SiteSummaryBuilder(study: part, cohort: cohort, settings: settings)
                .payload(mask: { values, block in MaskedValue.packed(try session.mask(values, block: block)) })
            return try SiteSummary(
                provenance: SiteProvenance(site: "site\(k)", protocolHash: "h2", toolVersion: StudyAnalysis.toolVersion, createdBy: "test"),
                settings: settings, payload: payload)
        }
        // No readable value in a masked file.
        for s in masked { #expect(s.payload.sets.allSatisfy { $0.patients.values == nil && $0.patients.masked != nil }) }
        let unmask: MaskedTotal = { blocks in
            try SecureSum.unmask(try blocks.map { try MaskedValue.unpacked($0) })
        }
        let a = try Pooling.results(masked, files: ["a", "b", "c"], unmask: unmask)
        let b = try Pooling.results(f.summaries, files: ["a", "b", "c"])
        let encoder = JSONEncoder()
        var x: [String: Double] = [:]
        var y: [String: Double] = [:]
        Self.numbers(try JSONSerialization.jsonObject(with: encoder.encode(a.sets)), into: &x)
        Self.numbers(try JSONSerialization.jsonObject(with: encoder.encode(b.sets)), into: &y)
        #expect(x.count == y.count)
        #expect(x.count > 5000)
        var worst = (path: "", error: 0.0)
        for (path, v) in y {
            guard let u = x[path] else { Issue.record("\(path) missing in the masked pool"); continue }
            let e = relativeError(u, v)
            if e > worst.error { worst = (path, e) }
        }
        #expect(worst.error < 1e-8, "largest relative difference \(worst.error) at \(worst.path)")
        // A site missing from the masked pool is refused (the control slot), not silently wrong.
        #expect(throws: (any Error).self) { _ = try Pooling.results(Array(masked.prefix(2)), files: ["a", "b"], unmask: unmask) }
    }

    @Test("the site effect and the stratified log-rank are computed; a one-site pool equals that site")
    func options() throws {
        let f = try Self.fixture.get()
        let pooled = try Pooling.results(f.summaries, files: ["a", "b", "c"], options: PoolOptions(siteStratifiedLogRank: true, siteEffect: true))
        let set = try #require(pooled.sets.first)
        #expect(!set.siteAdjustedKinetics.isEmpty)
        #expect(set.siteAdjustedKinetics.contains { $0.overall != nil })
        #expect(set.survival.allSatisfy { $0.stratifiedLogRank != nil })
    }
}

/// What leaves a site: scanned in the summary file's text, with hostile identifiers planted.
@Suite("Site summary disclosure")
struct SiteSummaryDisclosureTests {
    /// One site of the default cohort with its patients renamed to hostile identifiers: a date,
    /// numbers that also occur as counts, and names.
    static func hostileSite() throws -> (study: StudyData, ids: [String]) {
        let part = MultiSitePoolingTests.sites(SyntheticCohort.default, count: 3)[1]
        var rename: [String: String] = [:]
        for (k, p) in part.patients.enumerated() {
            rename[p.id] = switch k % 4 {
            case 0: "2020-03-\(String(format: "%02d", k % 28 + 1))"
            case 1: "\(k)"
            case 2: "PAT-\(k)-Jansen"
            default: "MRN\(100_000 + k)"
            }
        }
        var s = part
        func r(_ id: String) -> String { rename[id] ?? id }
        s.patients = part.patients.map { var p = $0; p.id = r(p.id); return p }
        s.courses = part.courses.map { var c = $0; c.patientID = r(c.patientID); return c }
        s.measurements = MeasurementTable(part.measurements.map { var m = $0; m.patientID = r(m.patientID); return m })
        s.medications = part.medications.map { var m = $0; m.patientID = r(m.patientID); return m }
        s.events = part.events.map { var e = $0; e.patientID = r(e.patientID); return e }
        s.cytokines = part.cytokines.map { var c = $0; c.patientID = r(c.patientID); return c }
        s.proteomicsSamples = part.proteomicsSamples.map { var p = $0; p.patientID = r(p.patientID); return p }
        return (s, Array(rename.values))
    }

    static func fixedProtocol(_ day: Int) -> StudyProtocol {
        var p = StudyProtocol.paperDefault
        p.alignment.controls = .fixedICUDay
        p.alignment.fixedICUDay = day
        return p
    }

    @Test("no identifier, no date and (plain mode) no cell below the threshold in the file")
    func scan() throws {
        let (study, ids) = try Self.hostileSite()
        let cohort = try CohortDerivation.derive(study, protocol: Self.fixedProtocol(12))
        let settings = MultiSiteSettings(disclosure: .plain, minCellCount: 5, timeSlotsPerDay: 100)
        let summary = try SiteSummary(
            provenance: SiteProvenance(site: "B", protocolHash: "h", toolVersion: StudyAnalysis.toolVersion, createdBy: "test"),
            settings: settings, payload: try SiteSummaryBuilder(study: study, cohort: cohort, settings: settings).payload())
        let text = String(decoding: try summary.json(), as: UTF8.self)
        let report = DisclosureReport.text(summary)
        #expect(ids.count > 20)
        for id in ids {
            #expect(!text.contains("\"\(id)\""), "identifier \(id) as a string in the summary")
            #expect(!report.contains(id) || Int(id) != nil, "identifier \(id) in the disclosure report")
            if Int(id) == nil { #expect(!text.contains(id), "identifier \(id) in the summary") }
        }
        #expect(text.range(of: #"\d{4}-\d{2}-\d{2}"#, options: .regularExpression) == nil, "an ISO date in the summary")
        // Every released count is 0 or at least 5.
        var counts: [Double] = []
        var withheld = 0
        for set in summary.payload.sets {
            func add(_ b: SlotBlock, _ pick: ([Double]) -> [Double]) {
                if let v = b.values { counts += pick(v) } else { withheld += 1 }
            }
            add(set.patients) { $0 }
            for k in set.kinetics {
                for d in k.days + k.admission { add(d) { [$0[0]] } }
                for m in k.models {
                    let D = m.lastDay - m.firstDay + 1
                    add(m.sums) { v in
                        let sums = try? MixedModelSums(slots: v, patternCount: 2 * D, maxSubjectSize: D, subjectBlocks: 2)
                        return (sums?.patternCounts ?? [-1]) + (sums?.sizes.map(\.subjects) ?? [])
                    }
                }
            }
            for s in set.survival { add(s.counts) { $0 } }
            for b in set.binary { add(b.counts) { $0 } }
            for m in set.medication { add(m.counts) { [$0[0], $0[1] - $0[0], $0[2], $0[3] - $0[2]] } }
            if let p = set.proteomics { for b in p.sums { add(b) { [$0[0], $0[3]] } } }
            for r in set.table1 ?? [] { add(r.counts) { $0 } }
        }
        #expect(counts.count > 100)
        #expect(withheld > 0)
        let small = counts.filter { $0 != 0 && $0 < 5 }
        #expect(small.isEmpty, "released cells below 5: \(small.prefix(10))")
        #expect(report.contains("WITHHELD"))
        #expect(!text.contains("patientID") && !text.contains("patient_id"))
        // The secure-aggregation layer's scan: identifiers as words in strings, dates in any form.
        let scanner = try DisclosureScan(patientIdentifiers: ids)
        let result = try scanner.scan(text, file: "site.json")
        // A planted numeric identifier ("1", "9") also occurs as a word inside the protocol's and
        // the registry's own texts ("Table 1", "IL-1", the unit 10^9/L), the same at every site;
        // numeric identifiers are therefore checked above as whole JSON strings (never present)
        // and as counts (the threshold check). Every other finding is a failure.
        let findings = result.findings.filter { Int($0.match) == nil }
        #expect(findings.isEmpty, "\(findings.prefix(5))")
        #expect(result.stringsScanned > 100)
        let reportScan = try scanner.scan(report, file: "site.disclosure.txt", format: .text)
        #expect(reportScan.findings.filter { Int($0.match) == nil }.isEmpty, "\(reportScan.findings.prefix(5))")
    }
}
