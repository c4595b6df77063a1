/// The synthetic Olink-style inflammation panel: 75 assays of the Olink Target 96
/// Inflammation panel (assay names and UniProt accessions as Olink lists them), i.e. the 92
/// assays less 17 that are mostly below the limit of detection in plasma (IL-2, IL-4, IL-5,
/// IL-13, IL-33, IL-1α, IL-2RB, IL-20, IL-20RA, IL-22RA1, IL-24, TSLP, LIF, NRTN, ARTN,
/// β-NGF, FGF-5) — the usual QC removal that leaves the paper's 75 proteins.
///
/// The `OlinkID`s are synthetic (`OIDS0001`…), not Olink's catalogue numbers. Each assay's
/// typical NPX level, limit of detection and post-vs-pre effect are fixed properties of the
/// panel (drawn once from a constant seed), so every cohort seed measures the same "kit".
struct ProteomicsAssay: Sendable {
    var assay: String
    var uniProt: String
    var olinkID: String
    /// One of the 17 pro-inflammatory proteins that fall after anakinra in the paper's Fig. 2a.
    var fallsWithTreatment: Bool
    /// Typical NPX (log2) in these patients.
    var level: Double
    /// Limit of detection, NPX.
    var lod: Double
    /// Mean post − pre NPX difference in the treated and in the control group.
    var meanChange: (treated: Double, control: Double)
    /// Standard deviation of the per-patient post − pre differences.
    var changeSD: Double
}

enum ProteomicsPanel {
    static let panelName = "Olink Target 96 Inflammation"

    /// (assay, UniProt, falls with treatment, low abundance).
    private static let definitions: [(String, String, Bool, Bool)] = [
        ("IL8", "P10145", true, false), ("VEGFA", "P15692", false, false), ("CD8A", "P01732", false, false),
        ("MCP-3", "P80098", true, false), ("GDNF", "P39905", false, true), ("CDCP1", "Q9H5V8", false, false),
        ("CD244", "Q9BZW8", false, false), ("IL7", "P13232", false, false), ("OPG", "O00300", false, false),
        ("LAP TGF-beta-1", "P01137", false, false), ("uPA", "P00749", false, false), ("IL6", "P05231", true, false),
        ("IL-17C", "Q9P0M4", false, true), ("MCP-1", "P13500", true, false), ("IL-17A", "Q16552", true, false),
        ("CXCL11", "O14625", true, false), ("AXIN1", "O15169", false, false), ("TRAIL", "P50591", false, false),
        ("CXCL9", "Q07325", true, false), ("CST5", "P28325", false, false), ("OSM", "P13725", true, false),
        ("CXCL1", "P09341", false, false), ("CCL4", "P13236", true, false), ("CD6", "P30203", false, false),
        ("SCF", "P21583", false, false), ("IL18", "Q14116", true, false), ("SLAMF1", "Q13291", false, true),
        ("TGF-alpha", "P01135", false, false), ("MCP-4", "Q99616", false, false), ("CCL11", "P51671", false, false),
        ("TNFSF14", "O43557", false, false), ("FGF-23", "Q9GZV9", false, false), ("IL-10RA", "Q13651", false, true),
        ("MMP-1", "P03956", false, false), ("LIF-R", "P42702", false, false), ("FGF-21", "Q9NSA1", false, false),
        ("CCL19", "Q99731", true, false), ("IL-15RA", "Q13261", false, false), ("IL-10RB", "Q08334", false, false),
        ("IL-18R1", "Q13478", false, false), ("PD-L1", "Q9NZQ7", false, false), ("CXCL5", "P42830", false, false),
        ("TRANCE", "O14788", false, false), ("HGF", "P14210", false, false), ("IL-12B", "P29460", false, false),
        ("MMP-10", "P09238", false, false), ("IL10", "P22301", false, false), ("TNF", "P01375", true, false),
        ("CCL23", "P55773", false, false), ("CD5", "P06127", false, false), ("CCL3", "P10147", true, false),
        ("Flt3L", "P49771", false, false), ("CXCL6", "P80162", false, false), ("CXCL10", "P02778", true, false),
        ("4E-BP1", "Q13541", false, false), ("SIRT2", "Q8IXJ6", false, false), ("CCL28", "Q9NRJ3", false, true),
        ("DNER", "Q8NFT8", false, false), ("EN-RAGE", "P80511", true, false), ("CD40", "P25942", false, false),
        ("IFN-gamma", "P01579", false, true), ("FGF-19", "O95750", false, false), ("MCP-2", "P80075", true, false),
        ("CASP-8", "Q14790", false, false), ("CCL25", "O15444", false, false), ("CX3CL1", "P78423", false, false),
        ("TNFRSF9", "Q07011", false, false), ("NT-3", "P20783", false, true), ("TWEAK", "O43508", false, false),
        ("CCL20", "P78556", true, false), ("ST1A1", "P50225", false, false), ("STAMBP", "O95630", false, false),
        ("ADA", "P00813", false, false), ("TNFB", "P01374", false, false), ("CSF-1", "P09603", false, false),
    ]

    /// The seed of the panel's fixed properties (not the cohort seed).
    private static let panelSeed: UInt64 = 0x4F4C_494E_4B39_3621

    /// The 75 assays in panel order.
    static let assays: [ProteomicsAssay] = {
        var rng = Xoshiro256StarStar(seed: panelSeed)
        return definitions.enumerated().map { index, definition in
            let (assay, uniProt, falls, lowAbundance) = definition
            let level = rng.uniform(2.5, 9.5)
            let lod = lowAbundance ? level - rng.uniform(0.3, 0.9) : level - rng.uniform(2.5, 4.5)
            // 17 relevant falls in the treated group (fold change ≤ −2, i.e. log2 ≤ −1, with
            // margin); every other change, and every change in the controls, within ±0.45.
            let treated = falls ? -rng.uniform(1.25, 1.75) : rng.uniform(-0.45, 0.35)
            let control = rng.uniform(-0.4, 0.4)
            // SD of paired differences ≥ 1.5 × |mean|: paired t ≤ √15/1.5 ≈ 2.6 with 15 pairs,
            // so nothing reaches the paper's Bonferroni line (p < 0.000625), as in Fig. 2a.
            let sd = max(1.1, 1.5 * max(abs(treated), abs(control))) * rng.uniform(1.0, 1.2)
            let number = String(index + 1)
            let olinkID = "OIDS" + String(repeating: "0", count: max(0, 4 - number.count)) + number
            return ProteomicsAssay(
                assay: assay, uniProt: uniProt, olinkID: olinkID, fallsWithTreatment: falls, level: level, lod: lod,
                meanChange: (treated, control), changeSD: sd)
        }
    }()
}
