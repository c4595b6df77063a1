/// The human-readable disclosure report written beside a site summary: for a site's data
/// officer, exactly what leaves the site, block by block — what it is, how many numbers, and
/// how small cells are protected (masked) or withheld (plain mode's minimum cell count).
public enum DisclosureReport {
    public static func text(_ s: SiteSummary) -> String {
        var lines: [String] = []
        let masked = s.settings.disclosure == .masked
        lines.append("DayZero site summary — disclosure report")
        lines.append("Site: \(s.provenance.site)")
        lines.append("Protocol SHA-256: \(s.provenance.protocolHash)")
        lines.append("DayZero \(s.provenance.toolVersion); content digest \(s.digest)")
        lines.append("")
        lines.append("What leaves the site: sums and counts over patients only. No patient identifier, no date, no per-patient row and no individual value is in the file.")
        if masked {
            lines.append("Mode: masked (secure aggregation). Every number below is sent as a masked 128-bit word: it is the value plus pairwise masks shared with the other sites, which cancel only in the network total. No single site's value can be read by the coordinator, and a site's values are protected from the other sites as long as at least 3 sites take part and not all others collude. Only the network total of each number is ever readable; that total is what the pooled report publishes.")
        } else {
            let k = s.settings.minCellCount
            let rule = k <= 1
                ? "No block is withheld (minimum cell count \(k): every cell is released)."
                : "A block is withheld whole when any of its cells rests on \(k == 2 ? "1 patient" : "1 to \(k - 1) patients") (a count of 0 is released)."
            lines.append("Mode: plain, minimum cell count \(k). \(rule) Statistics that need a withheld block are marked \"not available\" in the pooled report, never approximated.")
        }
        lines.append("Survival times are counted on a grid of \(slotWords(s.settings.timeSlotsPerDay)) per day from day 0.")
        lines.append("")
        var released = 0
        var withheld = 0
        func describe(_ block: SlotBlock, _ what: String) -> String {
            if block.masked != nil {
                released += block.count
                return "- \(what): \(block.count) number(s), masked"
            }
            if block.suppressed != nil {
                withheld += 1
                return "- \(what): WITHHELD — \(block.withheldCells ?? 0) cell(s) with 1–\(s.settings.minCellCount - 1) patients (minimum cell count \(s.settings.minCellCount))"
            }
            released += block.count
            return "- \(what): \(block.count) number(s), released"
        }
        if let a = s.payload.alignment {
            lines.append("Alignment round 1: treated patients per ICU start day \(a.firstDay)…\(a.lastDay).")
            lines.append(describe(a.counts, "counts per start day"))
        }
        for set in s.payload.sets {
            lines.append("Analysis set \(set.id) (\(set.label))")
            lines.append(describe(set.patients, "patients per group (treated, control)"))
            for k in set.kinetics {
                let smallDays = k.days.filter { $0.suppressed != nil }.count
                let n = k.days.reduce(0) { $0 + $1.count }
                if masked || smallDays == 0 {
                    lines.append("- \(k.parameter): n, sum and sum of squares of the analysed values per day and group, days \(k.firstDay)…\(k.lastDay): \(n) number(s), \(masked ? "masked" : "released")")
                } else {
                    lines.append("- \(k.parameter): n, sum and sum of squares per day and group, days \(k.firstDay)…\(k.lastDay): \(n) number(s) released; \(smallDays) day × group cell(s) WITHHELD (1–\(s.settings.minCellCount - 1) patients)")
                    withheld += smallDays
                }
                released += masked || smallDays == 0 ? n : 0
                for a in k.admission { lines.append(describe(a, "\(k.parameter): admission sample sums")) }
                for m in k.models {
                    lines.append(describe(m.sums, "\(k.parameter): mixed-model sums (\(m.part), days \(m.firstDay)…\(m.lastDay); per day × group cell: count and sum; per subject size: subjects, sums of squares and cross-products)"))
                }
            }
            for o in set.survival {
                lines.append(describe(o.counts, "\(o.measure): events and censorings per group and grid time, 0…\(o.horizonDays) days"))
                lines.append(describe(o.logRank, "\(o.measure): the site's own log-rank sums (for the site-stratified test)"))
            }
            for o in set.binary { lines.append(describe(o.counts, "\(o.measure): yes / no / unknown per group at day \(o.horizonDays)")) }
            for m in set.medication { lines.append(describe(m.counts, "medication \(m.drug) \(m.period) day 0: users and patients per group")) }
            if let p = set.proteomics {
                let small = p.sums.filter { $0.suppressed != nil }.count
                let n = p.sums.reduce(0) { $0 + $1.count }
                lines.append("- proteomics: per assay (\(p.assays.count) assays, names from the Olink panels) and group: n, sum and sum of squares of the paired differences: \(masked ? "\(n) number(s), masked" : "\(n) number(s) released" + (small > 0 ? "; \(small) assay(s) WITHHELD (a group with 1–\(s.settings.minCellCount - 1) patients)" : ""))")
                withheld += small
                released += n
                lines.append(describe(p.qcExcluded, "proteomics: NPX values left out for a QC warning"))
            }
            for row in set.table1 ?? [] {
                let what = row.kind == "count" ? "yes / no / unknown" : "per level (\(row.levels.count)) and unknown"
                lines.append(describe(row.counts, "Table 1, \(row.label): patients \(what) per group"))
            }
            if !set.notAvailable.isEmpty {
                lines.append("  Not sent (computed at the site only): " + set.notAvailable.map { "\($0.item) — \($0.reason)" }.joined(separator: "; "))
            }
            lines.append("")
        }
        for n in s.payload.notPoolable { lines.append("Not sent: the analysis set '\(n.item)' — \(n.reason)") }
        lines.append("Total: \(released) number(s) \(masked ? "masked" : "released"), \(withheld) block(s) withheld.")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// "1 slot" / "100 slots": the survival grid's resolution in words.
func slotWords(_ n: Int) -> String { n == 1 ? "1 slot" : "\(n) slots" }
