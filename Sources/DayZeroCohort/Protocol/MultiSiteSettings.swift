/// How a multi-site study pools its sites' summaries (`multi_site:`; docs/multi-site.md):
/// what every site must apply alike, so that it is fixed by the protocol (whose SHA-256 every
/// summary carries and `dayzero pool` compares) rather than by each site's command line.
///
/// YAML (see docs/protocol.md, "Multi-site studies"):
/// ```yaml
/// multi_site:
///   sites: [amsterdam, utrecht, nijmegen]   # the network (optional)
///   disclosure: masked                       # masked | plain (default: masked when sites are named)
///   min_cell_count: 5                        # plain mode's threshold (default 5)
///   time_slots_per_day: 100                  # the survival grid (default: derived from the data)
///   alignment_day: 12                        # the network's control day 0 (optional)
///   alignment_start_days: [-14, 90]          # round 1's layout (default [-14, 90])
/// ```
/// A protocol without the section is a single-centre protocol; `dayzero site-summary` then
/// takes these settings from its command line (with the same defaults).
public struct MultiSiteStudySettings: Codable, Sendable, Equatable {
    /// How a summary's numbers leave a site.
    public enum Disclosure: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
        /// Numbers in the clear; blocks with a small cell withheld (`min_cell_count`).
        case plain
        /// Pairwise-masked numbers (secure aggregation): only the network totals are readable.
        case masked
    }

    /// The network's site names (as `dayzero site-key --site` and `site-summary --site` spell
    /// them); `nil`: not fixed by the protocol.
    public var sites: [String]?
    /// `nil`: masked when `sites` are named, else plain (`disclosureInForce`).
    public var disclosure: Disclosure?
    /// Plain mode: a block with a cell of 1 … min_cell_count − 1 patients is withheld; `nil`: 5.
    public var minCellCount: Int?
    /// Slots per day of the survival time grid; `nil`: each site derives it from its data
    /// (the coarsest divisor of `derivedGridBase` that holds every time).
    public var timeSlotsPerDay: Int?
    /// The ICU day of the controls' day 0 for the whole network (agreed by the two-round
    /// protocol or fixed by the coordinator), used by `site-summary` when
    /// `alignment.controls` is `treated_median_start_day`; `nil`: not agreed yet.
    public var alignmentDay: Int?
    /// The ICU start days round 1 counts; `nil`: `defaultAlignmentStartDays`.
    public var alignmentStartDays: DayWindow?

    /// The default minimum cell count (OHDSI's `minCellCount`).
    public static let defaultMinCellCount = 5
    /// The default start days of round 1.
    public static let defaultAlignmentStartDays = DayWindow(-14, 90)
    /// The finest survival grid: 86 400 slots per day (seconds), a multiple of 100 and of 1440,
    /// so times in hundredths of a day, in minutes and in seconds all lie on it; a derived grid
    /// divides it, so the grids of any two sites refine to one of at most 86 400 slots per day.
    public static let derivedGridBase = 86_400
    /// The largest `time_slots_per_day`.
    public static let maximumTimeSlotsPerDay = derivedGridBase
    /// The largest `min_cell_count`.
    public static let maximumMinCellCount = 1000
    /// The widest round-1 layout (days).
    public static let maximumStartDaySpan = 100_000

    public init(
        sites: [String]? = nil, disclosure: Disclosure? = nil, minCellCount: Int? = nil, timeSlotsPerDay: Int? = nil,
        alignmentDay: Int? = nil, alignmentStartDays: DayWindow? = nil
    ) {
        self.sites = sites
        self.disclosure = disclosure
        self.minCellCount = minCellCount
        self.timeSlotsPerDay = timeSlotsPerDay
        self.alignmentDay = alignmentDay
        self.alignmentStartDays = alignmentStartDays
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sites, disclosure
        case minCellCount = "min_cell_count"
        case timeSlotsPerDay = "time_slots_per_day"
        case alignmentDay = "alignment_day"
        case alignmentStartDays = "alignment_start_days"
    }

    /// The disclosure mode in force: the protocol's, else masked when the sites are named.
    public var disclosureInForce: Disclosure { disclosure ?? (sites == nil ? .plain : .masked) }

    /// The minimum cell count in force.
    public var minCellCountInForce: Int { minCellCount ?? Self.defaultMinCellCount }

    /// Round 1's start days in force.
    public var alignmentStartDaysInForce: DayWindow { alignmentStartDays ?? Self.defaultAlignmentStartDays }

    /// Whether `name` may name a site (`dayzero site-key`'s rule): letters, digits, `.`, `_`, `-`.
    public static func isValidSiteName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { s in
            (s.isASCII && (("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s))) || s == "." || s == "_" || s == "-"
        }
    }
}

extension StudyProtocol {
    /// The protocol a site applies to its own patients: with `multi_site.alignment_day` and
    /// `alignment.controls: treated_median_start_day`, the controls are aligned on that day
    /// (`fixed_icu_day`; the section's `alignment_day` is then cleared), since each site's own
    /// median would differ from the network's; else the protocol itself. Valid when `self` is.
    public var forSite: StudyProtocol {
        guard let day = multiSite?.alignmentDay, alignment.controls == .treatedMedianStartDay else { return self }
        var p = self
        p.alignment.controls = .fixedICUDay
        p.alignment.fixedICUDay = day
        p.multiSite?.alignmentDay = nil  // applied (a fixed day and alignment_day are one rule too many)
        return p
    }
}

extension ProtocolValidator {
    /// The rules of `multi_site:`: site names valid (`dayzero site-key`'s characters) and
    /// unique, at least two; `1 ≤ min_cell_count ≤ 1000`; `1 ≤ time_slots_per_day ≤ 86400`;
    /// `alignment_day` only with `alignment.controls: treated_median_start_day` (with
    /// `fixed_icu_day` the day is stated there), `0 ≤ alignment_day ≤ 3650`;
    /// `alignment_start_days` in order and at most 100 000 days wide.
    mutating func multiSite(_ m: MultiSiteStudySettings, alignment: AlignmentRule) {
        let path = "multi_site"
        if let sites = m.sites {
            if sites.count < 2 {
                fail(.invalidValue, "\(path).sites", "a network names at least two sites, found \(sites.count)")
            }
            for (i, name) in sites.enumerated() where !MultiSiteStudySettings.isValidSiteName(name) {
                fail(.invalidValue, "\(path).sites[\(i)]",
                     "site name \(MessageText.singleQuoted(name)) may hold only letters, digits, '.', '_' and '-' (as dayzero site-key --site)")
            }
            duplicates(sites, "\(path).sites", "site")
        }
        if let n = m.minCellCount, !(1...MultiSiteStudySettings.maximumMinCellCount).contains(n) {
            fail(n < 1 ? .invalidValue : .tooLarge, "\(path).min_cell_count",
                 "min_cell_count must be 1 to \(MultiSiteStudySettings.maximumMinCellCount), found \(n) (1 withholds nothing)")
        }
        if let r = m.timeSlotsPerDay, !(1...MultiSiteStudySettings.maximumTimeSlotsPerDay).contains(r) {
            fail(r < 1 ? .invalidValue : .tooLarge, "\(path).time_slots_per_day",
                 "time_slots_per_day must be 1 to \(MultiSiteStudySettings.maximumTimeSlotsPerDay), found \(r) (1: whole days; 100: hundredths; 1440: minutes; 86400: seconds)")
        }
        if let d = m.alignmentDay {
            switch alignment.controls {
            case .fixedICUDay:
                fail(.invalidValue, "\(path).alignment_day",
                     "alignment_day is only used with alignment.controls: treated_median_start_day; with fixed_icu_day the controls' day is alignment.fixed_icu_day (state it once)")
            case .treatedMedianStartDay:
                if d < 0 { fail(.invalidValue, "\(path).alignment_day", "alignment_day must be 0 or later, found \(d)") }
                if d > StudyLimits.maximumHorizonDays {
                    fail(.tooLarge, "\(path).alignment_day", "alignment_day must be at most \(StudyLimits.maximumHorizonDays) (ten years), found \(d)")
                }
            }
        }
        if let w = m.alignmentStartDays {
            if w.start > w.end {
                fail(.windowOrder, "\(path).alignment_start_days", "alignment_start_days start \(w.start) is after its end \(w.end)")
            } else if w.end - w.start > MultiSiteStudySettings.maximumStartDaySpan {
                fail(.tooLarge, "\(path).alignment_start_days",
                     "alignment_start_days spans \(w.end - w.start + 1) days; at most \(MultiSiteStudySettings.maximumStartDaySpan + 1)")
            }
        }
    }
}
