import Crypto
import DayZeroStats
import Foundation

/// What one site contributes to a pooled multi-site study: aggregates only (sums and counts
/// over patients, in a layout decided by the protocol), never a patient identifier, a
/// per-patient row, an individual value or a date. Written by `dayzero site-summary`, read by
/// `dayzero pool`; the schema is in docs/multi-site.md.
public struct SiteSummary: Codable, Sendable, Equatable {
    /// The format version (`dayzero_site_summary: 2`: mixed-model sums without the cross-group
    /// entries, masked words as one base64 text per block; format 1 is not read).
    public static let formatVersion = 2

    public var formatVersion: Int
    public var provenance: SiteProvenance
    public var settings: MultiSiteSettings
    public var payload: SitePayload
    /// SHA-256 (hex) of the canonical JSON of provenance, settings and payload
    /// (`SiteSummary.canonicalDigest`); a file whose digest does not match is refused.
    public var digest: String

    enum CodingKeys: String, CodingKey {
        case formatVersion = "dayzero_site_summary"
        case provenance, settings, payload, digest
    }

    public init(provenance: SiteProvenance, settings: MultiSiteSettings, payload: SitePayload) throws {
        self.formatVersion = Self.formatVersion
        self.provenance = provenance
        self.settings = settings
        self.payload = payload
        self.digest = ""
        self.digest = try canonicalDigest()
    }

    /// The digest over the canonical form: sorted keys, no whitespace.
    public func canonicalDigest() throws -> String {
        struct Content: Encodable {
            let formatVersion: Int
            let provenance: SiteProvenance
            let settings: MultiSiteSettings
            let payload: SitePayload
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(Content(formatVersion: formatVersion, provenance: provenance, settings: settings, payload: payload))
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// The file's JSON: sorted keys, compact (a summary holds up to millions of numbers, most
    /// of them 0; the disclosure report beside it is the human-readable form).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}

extension SiteSummary {
    /// The JSON paths (`DisclosureScan`'s patterns: `*` any member, `[*]` any index) of the
    /// numbers in a plain summary file that are patient counts themselves: a released one must
    /// be 0 or at least the minimum cell count. Patients per group; the n of each day × group
    /// and admission sum (`[n, Σy, Σy²]`); events and censorings per survival grid time; the
    /// log-rank sums' patients and observed events per group (the first 2 · 2 numbers); binary
    /// outcome, medication and Table 1 counts; the proteomics n per group (`[n, Σd, Σd²]`
    /// twice) and QC count; round 1's treated patients per start day. The mixed-model sums'
    /// counts (Nₖ, subjects per size) sit at positions that depend on the block's days, and a
    /// medication's non-users are a difference: the builder's own rule withholds those
    /// (`SiteSummaryBuilder.block`), the paths do not reach them.
    public static let countCellPaths: [String] = [
        "$.payload.alignment.counts.values[*]",
        "$.payload.sets[*].patients.values[*]",
        "$.payload.sets[*].kinetics[*].days[*].values[0]",
        "$.payload.sets[*].kinetics[*].admission[*].values[0]",
        "$.payload.sets[*].survival[*].counts.values[*]",
        "$.payload.sets[*].survival[*].logRank.values[0]",
        "$.payload.sets[*].survival[*].logRank.values[1]",
        "$.payload.sets[*].survival[*].logRank.values[2]",
        "$.payload.sets[*].survival[*].logRank.values[3]",
        "$.payload.sets[*].binary[*].counts.values[*]",
        "$.payload.sets[*].medication[*].counts.values[*]",
        "$.payload.sets[*].proteomics.sums[*].values[0]",
        "$.payload.sets[*].proteomics.sums[*].values[3]",
        "$.payload.sets[*].proteomics.qcExcluded.values[*]",
        "$.payload.sets[*].table1[*].counts.values[*]",
    ]
}

/// Where a summary comes from: no patient, no date.
public struct SiteProvenance: Codable, Sendable, Equatable {
    public var site: String
    /// SHA-256 of the canonical YAML of the protocol the site applied; every site of a pooled
    /// study must have the same.
    public var protocolHash: String
    public var toolVersion: String
    /// The command that wrote the file, without paths.
    public var createdBy: String

    public init(site: String, protocolHash: String, toolVersion: String, createdBy: String) {
        self.site = site
        self.protocolHash = protocolHash
        self.toolVersion = toolVersion
        self.createdBy = createdBy
    }
}

/// The disclosure and layout settings a summary was written with; every site must use the same.
public struct MultiSiteSettings: Codable, Sendable, Equatable {
    /// `plain` (threshold-checked values) or `masked` (secure aggregation).
    public enum Disclosure: String, Codable, Sendable, Equatable { case plain, masked }
    public var disclosure: Disclosure
    /// Minimum cell count: in plain mode a block with a patient count 1 … minCellCount − 1 in
    /// any of its cells is suppressed (OHDSI's `minCellCount`; 0 counts are not suppressed).
    public var minCellCount: Int
    /// Slots per day of the survival time grid (1: whole days; 100: 0.01 day).
    public var timeSlotsPerDay: Int

    public init(disclosure: Disclosure = .plain, minCellCount: Int = 5, timeSlotsPerDay: Int = 1) {
        self.disclosure = disclosure
        self.minCellCount = minCellCount
        self.timeSlotsPerDay = timeSlotsPerDay
    }
}

/// One block of numbers: its values (plain) or their masked words (masked), or nothing when
/// suppressed under the minimum cell count (plain only; `suppressed` says why).
public struct SlotBlock: Codable, Sendable, Equatable {
    public var values: [Double]?
    /// The masked 128-bit words (secure aggregation; one more than the values: the control
    /// slot), 16 bytes each, big-endian, concatenated, as base64 text; only the network total
    /// is readable.
    public var masked: String?
    /// Why the block was withheld (plain mode). Words only: a summary's strings hold no digit
    /// that a numeric patient identifier could be mistaken for; the numbers are `withheldCells`.
    public var suppressed: String?
    /// How many of the block's cells rest on 1 … minCellCount − 1 patients (plain mode).
    public var withheldCells: Int?

    public init(values: [Double]? = nil, masked: String? = nil, suppressed: String? = nil, withheldCells: Int? = nil) {
        self.values = values
        self.masked = masked
        self.suppressed = suppressed
        self.withheldCells = withheldCells
    }

    /// Number of numbers the block holds (or would hold; masked: the words, with the control slot).
    public var count: Int {
        if let values { return values.count }
        guard let masked else { return 0 }
        let padding = masked.hasSuffix("==") ? 2 : masked.hasSuffix("=") ? 1 : 0
        return (masked.utf8.count / 4 * 3 - padding) / 16
    }
}

/// Masks one block's values for secure aggregation: the values and the block's name (unique in
/// the study) → the masked words as `SlotBlock.masked` text.
public typealias SiteMask = (_ values: [Double], _ block: String) throws -> String

/// Everything a site sends: the round-1 alignment counts, or the analysis sets' aggregates.
public struct SitePayload: Codable, Sendable, Equatable {
    /// Round 1 of the alignment protocol: treated patients per ICU start day.
    public var alignment: AlignmentBlock?
    public var sets: [SetSummary]
    /// Sets defined by matching or weighting: site-level only (`item` is the set's label).
    public var notPoolable: [NotAvailable]
    /// The protocol's display names of the groups (for the pooled report's legends).
    public var groups: GroupNames?

    public init(alignment: AlignmentBlock? = nil, sets: [SetSummary] = [], notPoolable: [NotAvailable] = [], groups: GroupNames? = nil) {
        self.alignment = alignment
        self.sets = sets
        self.notPoolable = notPoolable
        self.groups = groups
    }
}

/// The display names of the treated and the control group (the protocol's `groups:`).
public struct GroupNames: Codable, Sendable, Equatable {
    public var treated: String
    public var control: String

    public init(treated: String, control: String) {
        self.treated = treated
        self.control = control
    }
}

/// Something the pooled analysis does not produce, why, and what the study can do instead.
public struct NotAvailable: Codable, Sendable, Equatable {
    /// The statistic in a reader's words (labels, not protocol ids).
    public var item: String
    public var reason: String
    /// What to do instead (e.g. the site-level analysis, masked summaries).
    public var remedy: String?

    public init(item: String, reason: String, remedy: String? = nil) {
        self.item = item
        self.reason = reason
        self.remedy = remedy
    }
}

/// Treated patients per ICU start day `firstDay + k` (round 1 of the alignment protocol).
public struct AlignmentBlock: Codable, Sendable, Equatable {
    public var firstDay: Int
    public var lastDay: Int
    /// The protocol's `median_rounding` (`half_down`, `half_up`) for the network median.
    public var medianRounding: String
    public var counts: SlotBlock
}

/// The aggregates of one analysis set.
public struct SetSummary: Codable, Sendable, Equatable {
    public var id: String
    public var label: String
    /// [treated, control] patients.
    public var patients: SlotBlock
    public var kinetics: [KineticsBlock]
    public var survival: [SurvivalBlock]
    public var binary: [BinaryBlock]
    public var medication: [MedicationBlock]
    public var proteomics: ProteomicsBlock?
    /// Table 1's binary and categorical baseline rows (counts per level and group).
    public var table1: [Table1CountBlock]?
    public var notAvailable: [NotAvailable]

    public init(
        id: String, label: String, patients: SlotBlock, kinetics: [KineticsBlock], survival: [SurvivalBlock], binary: [BinaryBlock],
        medication: [MedicationBlock], proteomics: ProteomicsBlock?, table1: [Table1CountBlock]? = nil, notAvailable: [NotAvailable]
    ) {
        self.table1 = table1
        self.id = id
        self.label = label
        self.patients = patients
        self.kinetics = kinetics
        self.survival = survival
        self.binary = binary
        self.medication = medication
        self.proteomics = proteomics
        self.notAvailable = notAvailable
    }
}

/// One kinetics parameter: per window day × group the moment sums of the analysed values
/// (n, Σy, Σy²; block 2·(day − first) + g with g 0 treated, 1 control), the admission
/// sample's likewise (treated, control), and the mixed-model sums of the whole window and its parts.
public struct KineticsBlock: Codable, Sendable, Equatable {
    public var parameter: String
    public var label: String
    public var unit: String
    public var transform: String
    /// Whether the analysed values are logs (the day statistics are then back-transformed by exp).
    public var logScale: Bool
    /// c of log(x + c), subtracted after the back-transform.
    public var addedConstant: Double?
    public var cytokine: Bool
    public var firstDay: Int
    public var lastDay: Int
    public var days: [SlotBlock]
    public var admission: [SlotBlock]
    public var models: [ModelBlock]
}

/// The mixed-model sums of days first…last: patterns (day − first) + D·g with g 0 control,
/// 1 treated (D = last − first + 1), subject sizes 1 … D (`MixedModelSums.slots`).
public struct ModelBlock: Codable, Sendable, Equatable {
    /// "whole window", "before day 0" or "after day 0".
    public var part: String
    public var firstDay: Int
    public var lastDay: Int
    public var sums: SlotBlock
}

/// A time-to-event outcome: events and censorings per group (control, treated) and grid time
/// 0, 1/r, … horizon (`SurvivalCounts.slots`), and the site's own log-rank sums for the
/// site-stratified test.
public struct SurvivalBlock: Codable, Sendable, Equatable {
    public var measure: String
    public var label: String
    public var event: String
    public var censoring: String
    public var horizonDays: Int
    public var counts: SlotBlock
    public var logRank: SlotBlock
}

/// A binary or categorical baseline variable of Table 1 (the protocol's `baseline:` sections):
/// binary [treated yes, no, unknown, control yes, no, unknown]; categorical [treated per level…,
/// unknown, control per level…, unknown]. The rows are the protocol's (and the study's declared
/// variables'), whether or not the site has values, so every site's layout is the same.
public struct Table1CountBlock: Codable, Sendable, Equatable {
    /// The Table 1 row id (`sex_male`, `history.NAME`, the variable's name).
    public var id: String
    public var label: String
    public var section: String
    /// `count` or `categorical` (`Table1.Kind`).
    public var kind: String
    public var levels: [String]
    public var levelLabels: [String]
    /// The set's own include/exclude rule names the variable (its test is then left out when
    /// every member has the same value, as in the workup).
    public var selectedOn: Bool
    public var counts: SlotBlock
}

/// A binary outcome: [[treated yes, no, unknown], [control yes, no, unknown]] flattened.
public struct BinaryBlock: Codable, Sendable, Equatable {
    public var measure: String
    public var label: String
    public var horizonDays: Int
    public var counts: SlotBlock
}

/// Medication use: [treated users, treated total, control users, control total].
public struct MedicationBlock: Codable, Sendable, Equatable {
    public var drug: String
    public var period: String
    public var firstDay: Int
    public var lastDay: Int
    public var counts: SlotBlock
}

/// Proteomics: per assay the moment sums of the paired differences post − pre of the treated
/// and the control group ([n, Σd, Σd²] twice); the assay list is the layout.
public struct ProteomicsBlock: Codable, Sendable, Equatable {
    public struct Assay: Codable, Sendable, Equatable, Hashable {
        public var name: String
        public var uniProt: String
        public var panel: String
    }
    public var assays: [Assay]
    public var sums: [SlotBlock]
    /// NPX values left out for an Olink QC warning.
    public var qcExcluded: SlotBlock
    /// The protocol's volcano lines (|fold change| and p).
    public var relevanceFoldChange: Double
    public var significanceP: Double
}
