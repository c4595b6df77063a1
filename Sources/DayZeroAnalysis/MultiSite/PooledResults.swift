/// The pooled `results.json` of `dayzero pool` (docs/results.md, "Pooled results"): every
/// statistic computed from the sites' summed aggregates, equal to the analysis of the pooled
/// patient rows; what cannot be pooled is listed with the reason, never approximated.
public struct PooledResults: Codable, Sendable, Equatable {
    public static let formatVersion = 1

    public var formatVersion: Int
    public var provenance: PooledProvenance
    public var options: PoolOptions
    public var sets: [PooledSet]
    /// Analysis sets that are site-level only (matched, weighted).
    public var notPoolable: [NotAvailable]
    public var warnings: [String]
    /// The protocol's group names (legends of the report); nil from summaries without them.
    public var groups: GroupNames?

    enum CodingKeys: String, CodingKey {
        case formatVersion = "dayzero_pooled_results"
        case provenance, options, sets, notPoolable, warnings, groups
    }
}

public struct PooledProvenance: Codable, Sendable, Equatable {
    public var tool: String
    public var toolVersion: String
    public var protocolHash: String
    public var settings: MultiSiteSettings
    public var sites: [PooledSite]
}

public struct PooledSite: Codable, Sendable, Equatable {
    public var site: String
    public var toolVersion: String
    public var digest: String
}

/// The pooled analysis' options.
public struct PoolOptions: Codable, Sendable, Equatable {
    /// Add the site-stratified log-rank test (each site's own observed, expected and variance
    /// sums added: `survdiff(… + strata(site))`).
    public var siteStratifiedLogRank: Bool
    /// Add a site fixed effect to the mixed models (`factor(day) * group + site`); needs each
    /// site's own sums (plain mode).
    public var siteEffect: Bool

    public init(siteStratifiedLogRank: Bool = false, siteEffect: Bool = false) {
        self.siteStratifiedLogRank = siteStratifiedLogRank
        self.siteEffect = siteEffect
    }
}

public struct PooledSet: Codable, Sendable, Equatable {
    public var id: String
    public var label: String
    public var treated: Int?
    public var controls: Int?
    public var kinetics: [KineticsPanel]
    public var cytokines: [KineticsPanel]
    /// With the site fixed effect (option): per parameter the day × group tests.
    public var siteAdjustedKinetics: [SiteAdjustedKinetics]
    public var survival: [PooledSurvival]
    public var binary: [PooledBinary]
    public var medication: [MedicationRow]
    public var proteomics: VolcanoResults?
    /// Table 1's binary and categorical baseline rows from the pooled counts: n (%) per group
    /// (and level) with Fisher's exact or the chi-square test, as the workup's rows; the
    /// continuous rows (medians, IQRs) are site-level only.
    public var table1: Table1?
    public var notAvailable: [NotAvailable]
}

public struct SiteAdjustedKinetics: Codable, Sendable, Equatable {
    public var parameter: String
    public var overall: InteractionTest?
    public var pre: InteractionTest?
    public var post: InteractionTest?
    public var warnings: [String]
}

public struct PooledSurvival: Codable, Sendable, Equatable {
    public var measure: String
    public var label: String
    public var comparison: SurvivalComparison?
    /// The site-stratified log-rank test (option).
    public var stratifiedLogRank: StratifiedLogRank?
    public var notAvailable: String?
}

public struct StratifiedLogRank: Codable, Sendable, Equatable {
    public var chiSquare: Double
    public var df: Int
    public var pValue: Double
}

public struct PooledBinary: Codable, Sendable, Equatable {
    public var measure: String
    public var label: String
    public var horizonDays: Int
    /// Events / known per group and Fisher's exact test, as the workup's outcome row.
    public var row: Table1.Row?
    public var notAvailable: String?
}
