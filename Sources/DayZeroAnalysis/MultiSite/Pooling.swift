#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DayZeroStats
import Foundation

/// Why `dayzero pool` refuses its input; the message names the file and the rule.
public struct PoolError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Adds masked blocks: the sites' masked words of one block (`SlotBlock.masked` texts, same
/// order as the sites) → the network totals. Supplied by the secure-aggregation layer.
public typealias MaskedTotal = @Sendable (_ blocks: [String]) throws -> [Double]

/// The coordinator's side: reads and checks site summaries and computes the pooled results.
public enum Pooling {
    /// Reads one summary file: valid JSON (an error names line and column), the right format,
    /// and a digest that matches the content.
    public static func read(_ url: URL) throws -> SiteSummary {
        let name = url.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PoolError("\(name): cannot be read (\(error.localizedDescription))")
        }
        return try decode(data, file: name)
    }

    /// Decodes a summary's bytes (see `read`); `file` names it in messages.
    public static func decode(_ data: Data, file name: String) throws -> SiteSummary {
        struct Header: Decodable {
            let version: Int?
            enum CodingKeys: String, CodingKey { case version = "dayzero_site_summary" }
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            throw PoolError("\(name): not a valid JSON file (\(jsonLocation(error, data: data))); the file may be truncated")
        }
        guard let version = header.version else {
            throw PoolError("\(name): not a DayZero site summary (no dayzero_site_summary key)")
        }
        guard version == SiteSummary.formatVersion else {
            throw PoolError("\(name): site summary format \(version); this DayZero reads format \(SiteSummary.formatVersion)")
        }
        let summary: SiteSummary
        do {
            summary = try JSONDecoder().decode(SiteSummary.self, from: data)
        } catch {
            throw PoolError("\(name): the site summary does not follow format \(SiteSummary.formatVersion) (\(jsonLocation(error, data: data)))")
        }
        guard try summary.canonicalDigest() == summary.digest else {
            throw PoolError("\(name): the content digest does not match (the file was changed after dayzero site-summary wrote it); ask the site for a new summary")
        }
        return summary
    }

    /// Line and column of the first JSON syntax error (`JSONLocator`), else the decoder's
    /// description of what does not fit the format (a missing key, a wrong type, with its path).
    static func jsonLocation(_ error: any Error, data: Data) -> String {
        if let e = JSONLocator.firstError(in: [UInt8](data)) { return "\(e.message) at line \(e.line), column \(e.column)" }
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map(\.stringValue).joined(separator: ".")
            return p.isEmpty ? "the top level" : p
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context): return "missing key '\(key.stringValue)' at \(path(context))"
        case DecodingError.typeMismatch(_, let context): return "wrong type at \(path(context)): \(context.debugDescription)"
        case DecodingError.valueNotFound(_, let context): return "missing value at \(path(context))"
        case DecodingError.dataCorrupted(let context): return "\(context.debugDescription) at \(path(context))"
        default: return "\(error)"
        }
    }

    /// The rules every set of summaries must satisfy together: one protocol, one DayZero major
    /// version, one disclosure mode and layout, one minimum cell count (plain mode: masked
    /// summaries withhold nothing, whatever their setting), each site once. `files` names the summaries in
    /// messages (same order).
    public static func check(_ summaries: [SiteSummary], files: [String]) throws {
        guard summaries.count == files.count, let first = summaries.first else {
            throw PoolError("no site summary given")
        }
        func major(_ v: String) -> String { String(v.split(separator: ".").first ?? "") }
        var sites: [String: String] = [:]
        var digests: [String: String] = [:]
        for (s, file) in zip(summaries, files) {
            if s.provenance.protocolHash != first.provenance.protocolHash {
                throw PoolError("\(file): protocol hash \(s.provenance.protocolHash.prefix(12))… differs from \(files[0])'s \(first.provenance.protocolHash.prefix(12))…; every site must apply the same protocol")
            }
            if major(s.provenance.toolVersion) != major(first.provenance.toolVersion) {
                throw PoolError("\(file): written by DayZero \(s.provenance.toolVersion), \(files[0]) by \(first.provenance.toolVersion); summaries of different major versions are not pooled")
            }
            if major(s.provenance.toolVersion) != major(StudyAnalysis.toolVersion) {
                throw PoolError("\(file): written by DayZero \(s.provenance.toolVersion); this is DayZero \(StudyAnalysis.toolVersion) (major versions differ)")
            }
            if s.settings.disclosure != first.settings.disclosure {
                throw PoolError("\(file): disclosure mode \(s.settings.disclosure.rawValue), \(files[0]) \(first.settings.disclosure.rawValue); masked and plain summaries cannot be mixed")
            }
            // Masked blocks are never withheld (SiteSummaryBuilder.block masks before the cell
            // check), so the minimum cell count changes nothing in a masked summary.
            if s.settings.disclosure == .plain, s.settings.minCellCount != first.settings.minCellCount {
                throw PoolError("\(file): minimum cell count \(s.settings.minCellCount), \(files[0])'s \(first.settings.minCellCount); every site applies the protocol's multi_site.min_cell_count")
            }
            // Plain counts on different survival grids are moved onto the finest (exact); masked
            // words can only be added slot by slot.
            if s.settings.disclosure == .masked, s.settings.timeSlotsPerDay != first.settings.timeSlotsPerDay {
                throw PoolError("\(file): survival grid of \(s.settings.timeSlotsPerDay) slots per day, \(files[0])'s \(first.settings.timeSlotsPerDay); masked summaries need one grid: state multi_site.time_slots_per_day in the protocol")
            }
            if (s.payload.alignment == nil) != (first.payload.alignment == nil) {
                throw PoolError("\(file): an alignment-round summary cannot be pooled with an analysis summary (\(files[0]))")
            }
            if let other = sites[s.provenance.site] {
                throw PoolError("\(file): site '\(s.provenance.site)' was already given (\(other)); each site is pooled once")
            }
            if let other = digests[s.digest] {
                throw PoolError("\(file): the same summary as \(other) (identical digest); each site is pooled once")
            }
            sites[s.provenance.site] = file
            digests[s.digest] = file
        }
    }

    /// Sums one block over the sites: nil with the reason when a site suppressed it.
    static func total(_ blocks: [SlotBlock], sites: [String], unmask: MaskedTotal?) throws -> Result<[Double], NotPooled> {
        if let first = blocks.first, first.masked != nil {
            guard let unmask else { throw PoolError("masked summaries need the secure-aggregation layer") }
            let words = try blocks.enumerated().map { k, b in
                guard let m = b.masked else { throw PoolError("\(sites[k]): a block is not masked") }
                return m
            }
            return .success(try unmask(words))
        }
        var sum: [Double]?
        for (k, b) in blocks.enumerated() {
            guard let v = b.values else {
                return .failure(NotPooled(
                    reason: "withheld by site \(sites[k]): a cell below the minimum cell count"))
            }
            if var s = sum {
                guard s.count == v.count else { throw PoolError("\(sites[k]): a block has \(v.count) numbers, another site's \(s.count)") }
                for i in s.indices { s[i] += v[i] }
                sum = s
            } else {
                sum = v
            }
        }
        guard let sum else { throw PoolError("no site summary given") }
        return .success(sum)
    }

    struct NotPooled: Error { var reason: String }

    /// Round 2 of the alignment protocol: the network's treated median start day from the
    /// sites' round-1 counts, with `rounding` as the protocol's `median_rounding`.
    public static func alignmentDay(_ summaries: [SiteSummary], unmask: MaskedTotal?, median: ([Int]) -> Int?) throws -> (day: Int?, treated: Int) {
        let blocks = try summaries.map { s in
            guard let a = s.payload.alignment else { throw PoolError("site \(s.provenance.site): not an alignment-round summary (write it with --alignment-round)") }
            return a
        }
        guard let first = blocks.first else { throw PoolError("no site summary given") }
        for (b, s) in zip(blocks, summaries) where b.firstDay != first.firstDay || b.lastDay != first.lastDay {
            throw PoolError("site \(s.provenance.site): start days \(b.firstDay)…\(b.lastDay), another site \(first.firstDay)…\(first.lastDay)")
        }
        switch try total(blocks.map(\.counts), sites: summaries.map(\.provenance.site), unmask: unmask) {
        case .failure(let why):
            throw PoolError("the start-day counts cannot be pooled: \(why.reason); use masked mode (secure aggregation) for round 1")
        case .success(let counts):
            var days: [Int] = []
            for (k, c) in counts.enumerated() {
                days += [Int](repeating: first.firstDay + k, count: Int(c.rounded()))
            }
            return (median(days), days.count)
        }
    }
}
