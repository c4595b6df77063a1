#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DayZeroCohort
import DayZeroStats
import Foundation

extension Pooling {
    /// The pooled results of checked summaries (`check`). Every statistic is computed from the
    /// sites' summed aggregates with the same code as the in-memory workup.
    public static func results(
        _ summaries: [SiteSummary], files: [String], options: PoolOptions = PoolOptions(), unmask: MaskedTotal? = nil
    ) throws -> PooledResults {
        try check(summaries, files: files)
        guard let first = summaries.first else { throw PoolError("no site summary given") }
        let sites = summaries.map(\.provenance.site)
        var warnings: [String] = []
        var options = options
        if options.siteEffect, first.settings.disclosure == .masked {
            warnings.append("site effect in the mixed model not computed: it needs each site's own sums, and masked summaries publish only the network totals")
            options.siteEffect = false
        }
        var sets: [PooledSet] = []
        for set in first.payload.sets {
            let perSite = try summaries.map { s in
                guard let match = s.payload.sets.first(where: { $0.id == set.id }) else {
                    throw PoolError("site \(s.provenance.site): no analysis set '\(set.id)' (the sites' summaries differ)")
                }
                return match
            }
            sets.append(try pooledSet(perSite, sites: sites, siteGrids: summaries.map(\.settings.timeSlotsPerDay), options: options, unmask: unmask))
        }
        var settings = first.settings
        settings.timeSlotsPerDay = pooledGrid(summaries.map(\.settings.timeSlotsPerDay))
        let provenance = PooledProvenance(
            tool: "dayzero pool", toolVersion: StudyAnalysis.toolVersion, protocolHash: first.provenance.protocolHash,
            settings: settings,
            sites: summaries.map { PooledSite(site: $0.provenance.site, toolVersion: $0.provenance.toolVersion, digest: $0.digest) })
        return PooledResults(
            formatVersion: PooledResults.formatVersion, provenance: provenance, options: options, sets: sets,
            notPoolable: first.payload.notPoolable, warnings: warnings, groups: first.payload.groups)
    }

    /// What to do about a block a site withheld under the minimum cell count.
    static let suppressedRemedy = "masked summaries withhold nothing (multi_site.disclosure: masked); or a lower multi_site.min_cell_count for the whole network"

    static func pooledSet(
        _ perSite: [SetSummary], sites: [String], siteGrids: [Int], options: PoolOptions, unmask: MaskedTotal?
    ) throws -> PooledSet {
        guard let set = perSite.first else { throw PoolError("no site summary given") }
        var notAvailable = set.notAvailable
        var treated: Int?
        var controls: Int?
        switch try total(perSite.map(\.patients), sites: sites, unmask: unmask) {
        case .success(let v): treated = Int(v[0].rounded()); controls = Int(v[1].rounded())
        case .failure(let why): notAvailable.append(NotAvailable(item: "patient counts", reason: why.reason, remedy: Self.suppressedRemedy))
        }
        // Kinetics.
        var kinetics: [KineticsPanel] = []
        var cytokines: [KineticsPanel] = []
        var adjusted: [SiteAdjustedKinetics] = []
        for (k, block) in set.kinetics.enumerated() {
            let blocks = try perSite.map { s in
                guard k < s.kinetics.count, s.kinetics[k].parameter == block.parameter, s.kinetics[k].days.count == block.days.count else {
                    throw PoolError("the sites' kinetics layouts differ (parameter \(block.parameter))")
                }
                return s.kinetics[k]
            }
            let panel = try kineticsPanel(blocks, sites: sites, unmask: unmask, notAvailable: &notAvailable)
            if block.cytokine { cytokines.append(panel) } else { kinetics.append(panel) }
            if options.siteEffect { adjusted.append(try siteAdjusted(blocks, sites: sites)) }
        }
        // Outcomes.
        var survival: [PooledSurvival] = []
        for (k, block) in set.survival.enumerated() {
            survival.append(try pooledSurvival(
                perSite.map { $0.survival[k] }, sites: sites, siteGrids: siteGrids, options: options, unmask: unmask))
            _ = block
        }
        var binary: [PooledBinary] = []
        for (k, block) in set.binary.enumerated() {
            switch try total(perSite.map { $0.binary[k].counts }, sites: sites, unmask: unmask) {
            case .failure(let why):
                binary.append(PooledBinary(measure: block.measure, label: block.label, horizonDays: block.horizonDays, row: nil, notAvailable: why.reason))
            case .success(let v):
                func flags(_ yes: Double, _ no: Double, _ unknown: Double) -> [Bool?] {
                    [Bool?](repeating: true, count: Int(yes.rounded())) + [Bool?](repeating: false, count: Int(no.rounded()))
                        + [Bool?](repeating: nil, count: Int(unknown.rounded()))
                }
                let row = countRow(
                    id: "outcome.\(block.measure)", label: block.label, treated: flags(v[0], v[1], v[2]), control: flags(v[3], v[4], v[5]))
                binary.append(PooledBinary(measure: block.measure, label: block.label, horizonDays: block.horizonDays, row: row, notAvailable: nil))
            }
        }
        var medication: [MedicationRow] = []
        for (k, block) in set.medication.enumerated() {
            switch try total(perSite.map { $0.medication[k].counts }, sites: sites, unmask: unmask) {
            case .failure(let why):
                notAvailable.append(NotAvailable(item: "Medication: \(block.drug) \(block.period) day 0", reason: why.reason, remedy: Self.suppressedRemedy))
            case .success(let v):
                let t = Int(v[0].rounded()), tn = Int(v[1].rounded()), c = Int(v[2].rounded()), cn = Int(v[3].rounded())
                var p: Double?
                var w: [String] = []
                if tn == 0 || cn == 0 {
                    w.append("Fisher's exact test not computed: a group has no patients (treated \(tn), control \(cn))")
                } else {
                    do {
                        let r = try FisherExactTest.test([[t, tn - t], [c, cn - c]])
                        p = r.pValue
                        w += r.warnings.map(\.description)
                    } catch {
                        w.append("Fisher's exact test not computed: \(error)")
                    }
                }
                medication.append(MedicationRow(
                    drug: block.drug, period: block.period, firstDay: block.firstDay, lastDay: block.lastDay, treatedUsers: t,
                    treatedTotal: tn, controlUsers: c, controlTotal: cn, pValue: p, warnings: w))
            }
        }
        let proteomics = try pooledProteomics(perSite.map(\.proteomics), sites: sites, unmask: unmask, notAvailable: &notAvailable)
        let table1 = try pooledTable1(perSite.map { $0.table1 ?? [] }, sites: sites, unmask: unmask, notAvailable: &notAvailable)
        return PooledSet(
            id: set.id, label: set.label, treated: treated, controls: controls, kinetics: kinetics, cytokines: cytokines,
            siteAdjustedKinetics: adjusted, survival: survival, binary: binary, medication: medication, proteomics: proteomics,
            table1: table1, notAvailable: notAvailable)
    }

    // MARK: Table 1

    /// Table 1's binary and categorical rows from the sites' counts, built by the workup's own
    /// row functions (`countRow`, `categoricalRow`) from the pooled counts, in the first site's
    /// section and row order; rows nobody has a value for are left out, as in the workup.
    static func pooledTable1(
        _ blocks: [[Table1CountBlock]], sites: [String], unmask: MaskedTotal?, notAvailable: inout [NotAvailable]
    ) throws -> Table1? {
        guard let first = blocks.first, !first.isEmpty else { return nil }
        guard blocks.allSatisfy({ $0.map(\.id) == first.map(\.id) && $0.map(\.levels) == first.map(\.levels) }) else {
            throw PoolError("the sites' Table 1 rows differ (the baseline variables or their levels); every site needs the same baseline sections and variables")
        }
        var sections: [Table1.Section] = []
        for (r, row) in first.enumerated() {
            switch try total(blocks.map { $0[r].counts }, sites: sites, unmask: unmask) {
            case .failure(let why):
                notAvailable.append(NotAvailable(item: "Table 1: \(row.label)", reason: why.reason, remedy: suppressedRemedy))
            case .success(let v):
                let k = row.kind == "count" ? 2 : row.levels.count
                guard v.count == 2 * (k + 1) else { throw PoolError("Table 1 row \(row.id): \(v.count) counts, expected \(2 * (k + 1))") }
                let counts = v.map { Int($0.rounded()) }
                let treated = Array(counts[0...k]), control = Array(counts[(k + 1)...])
                guard (treated + control).contains(where: { $0 > 0 }), treated.dropLast().reduce(0, +) + control.dropLast().reduce(0, +) > 0 else { continue }
                var built: Table1.Row
                if row.kind == "count" {
                    func flags(_ c: [Int]) -> [Bool?] {
                        [Bool?](repeating: true, count: c[0]) + [Bool?](repeating: false, count: c[1]) + [Bool?](repeating: nil, count: c[2])
                    }
                    built = countRow(id: row.id, label: row.label, treated: flags(treated), control: flags(control))
                } else {
                    func codes(_ c: [Int]) -> [Int?] {
                        c.dropLast().enumerated().flatMap { [Int?](repeating: $0.offset, count: $0.element) } + [Int?](repeating: nil, count: c[k])
                    }
                    built = categoricalRow(
                        id: row.id, label: row.label, levels: row.levels, levelLabels: row.levelLabels, treated: codes(treated), control: codes(control))
                }
                if row.selectedOn { Workup.untestIfConstant(&built) }
                if let i = sections.firstIndex(where: { $0.title == row.section }) {
                    sections[i].rows.append(built)
                } else {
                    sections.append(Table1.Section(title: row.section, rows: [built]))
                }
            }
        }
        return sections.isEmpty ? nil : Table1(sections: sections)
    }

    // MARK: kinetics

    static func backTransform(_ block: KineticsBlock) -> (Double) -> Double {
        guard block.logScale else { return { $0 } }
        if let c = block.addedConstant { return { Workup.expMinus($0, c) } }
        return { exp($0) }
    }

    /// The workup's `dayStatistic` from moment sums.
    static func dayStatistic(day: Int, group: String, sums s: MomentSums, back: (Double) -> Double) -> DayGroupStatistic {
        let n = Int(s.count.rounded())
        guard n > 0, let mean = s.mean else { return DayGroupStatistic(day: day, group: group, n: 0, geometricMean: nil, lower: nil, upper: nil) }
        guard n > 1, let ci = s.meanInterval() else {
            return DayGroupStatistic(day: day, group: group, n: n, geometricMean: back(mean), lower: nil, upper: nil)
        }
        return DayGroupStatistic(day: day, group: group, n: n, geometricMean: back(ci.mean), lower: back(ci.lower), upper: back(ci.upper))
    }

    /// One parameter's panel; a mixed model or a day withheld by a site is also listed in
    /// `notAvailable` (by the parameter's label), the panel keeps the detail as warnings.
    static func kineticsPanel(
        _ blocks: [KineticsBlock], sites: [String], unmask: MaskedTotal?, notAvailable: inout [NotAvailable]
    ) throws -> KineticsPanel {
        guard let b = blocks.first else { throw PoolError("no site summary given") }
        let back = backTransform(b)
        var warnings: [String] = []
        var days: [DayGroupStatistic] = []
        for day in b.firstDay...b.lastDay {
            for (g, group) in [StudyGroup.treated, .control].enumerated() {
                let i = 2 * (day - b.firstDay) + g
                switch try total(blocks.map { $0.days[i] }, sites: sites, unmask: unmask) {
                case .success(let v): days.append(dayStatistic(day: day, group: groupLabel(group), sums: try MomentSums(slots: v), back: back))
                case .failure(let why):
                    days.append(DayGroupStatistic(day: day, group: groupLabel(group), n: 0, geometricMean: nil, lower: nil, upper: nil))
                    warnings.append("day \(day), \(groupLabel(group)): not available (\(why.reason))")
                    let item = NotAvailable(item: "Daily geometric means: \(b.label)", reason: why.reason, remedy: suppressedRemedy)
                    if !notAvailable.contains(item) { notAvailable.append(item) }
                }
            }
        }
        var admission: [DayGroupStatistic] = []
        if !b.admission.isEmpty {
            for (g, group) in [StudyGroup.treated, .control].enumerated() {
                switch try total(blocks.map { $0.admission[g] }, sites: sites, unmask: unmask) {
                case .success(let v): admission.append(dayStatistic(day: 0, group: groupLabel(group), sums: try MomentSums(slots: v), back: back))
                case .failure(let why): warnings.append("admission sample, \(groupLabel(group)): not available (\(why.reason))")
                }
            }
        }
        var tests: [String: InteractionTest] = [:]
        for (m, model) in b.models.enumerated() {
            switch try total(blocks.map { $0.models[m].sums }, sites: sites, unmask: unmask) {
            case .failure(let why):
                warnings.append("mixed model (\(model.part)) not available: \(why.reason)")
                notAvailable.append(NotAvailable(item: "Mixed models: \(b.label) (\(model.part))", reason: why.reason, remedy: suppressedRemedy))
            case .success(let v):
                let D = model.lastDay - model.firstDay + 1
                let sums = try MixedModelSums(slots: v, patternCount: 2 * D, maxSubjectSize: D, subjectBlocks: 2)
                switch interaction(sums, first: model.firstDay, last: model.lastDay) {
                case .success(let t): tests[model.part] = t
                case .failure(let message): warnings.append("mixed model (\(model.part)) not fitted: \(message)")
                }
            }
        }
        return KineticsPanel(
            parameter: b.parameter, label: b.label, unit: b.unit, firstDay: b.firstDay, lastDay: b.lastDay, transform: b.transform,
            admission: admission, days: days, overall: tests["whole window"], pre: tests["before day 0"], post: tests["after day 0"],
            warnings: warnings)
    }

    /// The workup's `interaction` (lmerTest type III F test of day:group) from pooled sums:
    /// the design is built for the days present, as `factor(day)` would.
    static func interaction(_ sums: MixedModelSums, first: Int, last: Int, siteCount: Int = 1) -> ModelOutcome {
        let D = last - first + 1
        let P = 2 * D
        var present: [Int] = []
        var hasGroup = [false, false]
        for s in 0..<siteCount {
            for d in 0..<D {
                for g in 0..<2 where sums.patternCounts[s * P + d + D * g] > 0 { hasGroup[g] = true }
            }
        }
        for d in 0..<D where (0..<siteCount).contains(where: { s in sums.patternCounts[s * P + d] + sums.patternCounts[s * P + d + D] > 0 }) {
            present.append(d)
        }
        guard !present.isEmpty else { return .failure("no values in days \(first)…\(last)") }
        guard hasGroup[0], hasGroup[1] else {
            return .failure("values from the \(groupLabel(hasGroup[1] ? .treated : .control)) group only in days \(first)…\(last)")
        }
        do {
            var keep: [Int] = []
            for s in 0..<siteCount { for g in 0..<2 { for d in present { keep.append(s * P + d + D * g) } } }
            let selected = try sums.selecting(patterns: keep)
            let day = try CategoricalVariable(name: "day", levels: present.map { String(first + $0) }, codes: [])
            let group = try CategoricalVariable(name: "group", levels: groupLevels, codes: [])
            let design: FixedEffectsDesign
            if siteCount > 1 {
                let site = try CategoricalVariable(name: "site", levels: (0..<siteCount).map { "s\($0)" }, codes: [])
                design = try FixedEffectsDesign.factorial([day, group, site], terms: [["day"], ["group"], ["site"], ["day", "group"]])
            } else {
                design = try FixedEffectsDesign.crossed(day, group)
            }
            let fit = try LinearMixedModel.fit(sums: selected, design: design)
            let anova = try fit.typeIIIAnova()
            guard let row = anova.rows.first(where: { $0.term == "day:group" }) else {
                return .failure("the day × group interaction is not estimable in days \(first)…\(last)")
            }
            return .success(InteractionTest(
                firstDay: first, lastDay: last, observations: fit.observationCount, patients: fit.subjectCount,
                fStatistic: row.test.fValue, numeratorDF: Double(row.test.numeratorDF), denominatorDF: row.test.denominatorDF,
                pValue: row.test.pValue, warnings: (fit.warnings + anova.warnings).map(\.description)))
        } catch {
            return .failure("\(error)")
        }
    }

    /// The mixed models with a site fixed effect: each site's sums placed in its own block of
    /// patterns (cell + 2D·site; a subject belongs to one site, so the per-size Σ mmᵀ is block
    /// diagonal), design `factor(day) * group + site`.
    static func siteAdjusted(_ blocks: [KineticsBlock], sites: [String]) throws -> SiteAdjustedKinetics {
        guard let b = blocks.first else { throw PoolError("no site summary given") }
        var result = SiteAdjustedKinetics(parameter: b.parameter, overall: nil, pre: nil, post: nil, warnings: [])
        for (m, model) in b.models.enumerated() {
            let D = model.lastDay - model.firstDay + 1
            let P = 2 * D
            let K = blocks.count
            var combined = MixedModelSums(patternCount: K * P, maxSubjectSize: D)
            var missing: String?
            for (s, block) in blocks.enumerated() {
                guard let v = block.models[m].sums.values else {
                    missing = "withheld by site \(sites[s])"
                    break
                }
                let one = try MixedModelSums(slots: v, patternCount: P, maxSubjectSize: D, subjectBlocks: 2)
                for k in 0..<P {
                    combined.patternCounts[s * P + k] = one.patternCounts[k]
                    combined.patternSums[s * P + k] = one.patternSums[k]
                }
                combined.responseSquares += one.responseSquares
                for n in 0..<D {
                    combined.sizes[n].subjects += one.sizes[n].subjects
                    combined.sizes[n].totalSquares += one.sizes[n].totalSquares
                    for k in 0..<P {
                        combined.sizes[n].cross[s * P + k] = one.sizes[n].cross[k]
                        for l in k..<P {
                            combined.sizes[n].outer[MixedModelSums.packedIndex(s * P + k, s * P + l, order: K * P)] =
                                one.sizes[n].outer[MixedModelSums.packedIndex(k, l, order: P)]
                        }
                    }
                }
            }
            if let missing {
                result.warnings.append("site-adjusted mixed model (\(model.part)) not available: \(missing)")
                continue
            }
            switch interaction(combined, first: model.firstDay, last: model.lastDay, siteCount: K) {
            case .success(let t):
                switch model.part {
                case "whole window": result.overall = t
                case "before day 0": result.pre = t
                default: result.post = t
                }
            case .failure(let message): result.warnings.append("site-adjusted mixed model (\(model.part)) not fitted: \(message)")
            }
        }
        return result
    }

    // MARK: survival

    /// The survival grid of the pooled counts: the least common multiple of the sites' grids
    /// (each divides 86 400 when derived, so the result does too).
    static func pooledGrid(_ grids: [Int]) -> Int {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        return grids.reduce(1) { a, b in a / gcd(a, b) * b }
    }

    /// A plain survival block of grid `r` moved onto the finer grid `to` (a multiple of r): the
    /// count of time k/r goes to slot k·(to/r), every other slot is 0. Exact; suppressed and
    /// masked blocks are returned as they are (masked summaries share one grid, `check`).
    static func regrid(_ block: SlotBlock, horizon h: Int, from r: Int, to target: Int) throws -> SlotBlock {
        guard r != target, let v = block.values else { return block }
        let t = h * r + 1
        let factor = target / r
        let u = h * target + 1
        guard target % r == 0, v.count % t == 0 else {
            throw PoolError("a survival block of \(v.count) numbers does not fit \(h) days on a grid of \(r) slots per day")
        }
        var out = [Double](repeating: 0, count: v.count / t * u)
        for row in 0..<(v.count / t) {
            for k in 0..<t where v[row * t + k] != 0 { out[row * u + k * factor] = v[row * t + k] }
        }
        var moved = block
        moved.values = out
        return moved
    }

    static func pooledSurvival(
        _ blocks: [SurvivalBlock], sites: [String], siteGrids: [Int], options: PoolOptions, unmask: MaskedTotal?
    ) throws -> PooledSurvival {
        guard let b = blocks.first, blocks.count == siteGrids.count else { throw PoolError("no site summary given") }
        var result = PooledSurvival(measure: b.measure, label: b.label, comparison: nil, stratifiedLogRank: nil, notAvailable: nil)
        let slotsPerDay = pooledGrid(siteGrids)
        let times = (0...(b.horizonDays * slotsPerDay)).map { Double($0) / Double(slotsPerDay) }
        let counts = try zip(blocks, siteGrids).map { block, r in
            try regrid(block.counts, horizon: block.horizonDays, from: r, to: slotsPerDay)
        }
        switch try total(counts, sites: sites, unmask: unmask) {
        case .failure(let why):
            result.notAvailable = why.reason
        case .success(let v):
            let counts = try SurvivalCounts(slots: v, groups: groupLevels, times: times)
            result.comparison = comparison(counts, event: b.event, censoring: b.censoring, horizon: b.horizonDays)
        }
        if options.siteStratifiedLogRank {
            switch try total(blocks.map(\.logRank), sites: sites, unmask: unmask) {
            case .failure(let why):
                result.notAvailable = (result.notAvailable.map { $0 + "; " } ?? "") + "site-stratified log-rank: \(why.reason)"
            case .success(let v):
                do {
                    let sums = try LogRankContribution(slots: v, groups: groupLevels.count)
                    let test = try LogRank.test(contribution: sums, levels: groupLevels)
                    result.stratifiedLogRank = StratifiedLogRank(chiSquare: test.chiSquared, df: test.degreesOfFreedom, pValue: test.pValue)
                } catch {
                    result.notAvailable = (result.notAvailable.map { $0 + "; " } ?? "") + "site-stratified log-rank: \(error)"
                }
            }
        }
        return result
    }

    /// The workup's `survival` comparison from counts (groups control, treated).
    static func comparison(_ counts: SurvivalCounts, event: String, censoring: String, horizon: Int) -> SurvivalComparison {
        let riskTimes = Workup.riskTimes(horizon: horizon)
        let observations = counts.observationCounts
        return Workup.survivalComparison(
            event: event, censoring: censoring, riskTimes: riskTimes, leftOut: [],
            group: { label in
                guard let g = counts.groups.firstIndex(of: label), observations[g] > 0 else { return nil }
                return (fit: {
                            var one = try SurvivalCounts(groups: [label], times: counts.times)
                            one.events = [counts.events[g]]
                            one.censored = [counts.censored[g]]
                            return try KaplanMeier.fit(counts: one)
                        },
                        atRisk: riskTimes.map { t in
                            counts.times.indices.filter { counts.times[$0] >= t }.reduce(0) { $0 + counts.events[g][$1] + counts.censored[g][$1] }
                        })
            },
            logRank: observations.allSatisfy { $0 > 0 } ? { try LogRank.test(counts: counts) } : nil)
    }

    // MARK: proteomics

    static func pooledProteomics(
        _ blocks: [ProteomicsBlock?], sites: [String], unmask: MaskedTotal?, notAvailable: inout [NotAvailable]
    ) throws -> VolcanoResults? {
        let present = blocks.compactMap { $0 }
        guard !present.isEmpty else { return nil }
        // The assay layout: masked blocks must line up; plain blocks are matched by assay key.
        var assays: [ProteomicsBlock.Assay] = []
        var seen = Set<ProteomicsBlock.Assay>()
        for b in present { for a in b.assays where seen.insert(a).inserted { assays.append(a) } }
        let masked = present.first?.qcExcluded.masked != nil
        if masked {
            guard present.count == blocks.count, present.allSatisfy({ $0.assays == present[0].assays }) else {
                throw PoolError("masked proteomics blocks need the same assay list at every site (declare the network's assay list)")
            }
        }
        var sums: [[MomentSums]] = []
        var points: [[VolcanoResults.Point]] = [[], []]
        var warnings: [String] = []
        for a in assays {
            var siteBlocks: [SlotBlock] = []
            var siteNames: [String] = []
            for (k, b) in blocks.enumerated() {
                guard let b, let i = b.assays.firstIndex(of: a) else { continue }
                siteBlocks.append(b.sums[i])
                siteNames.append(sites[k])
            }
            switch try total(siteBlocks, sites: siteNames, unmask: unmask) {
            case .failure(let why):
                notAvailable.append(NotAvailable(item: "proteomics: \(a.name)", reason: why.reason, remedy: Self.suppressedRemedy))
                continue
            case .success(let v):
                let pair = [try MomentSums(slots: Array(v[0..<3])), try MomentSums(slots: Array(v[3..<6]))]
                sums.append(pair)
                for (g, s) in pair.enumerated() where s.count > 0 {
                    let label = groupLabel(g == 0 ? .treated : .control)
                    let d = s.mean ?? 0
                    let fc = d >= 0 ? pow(2, d) : -pow(2, -d)
                    var pValue: Double?
                    if s.count < 2 {
                        warnings.append("\(label), \(a.name): \(Int(s.count)) patient(s) with both samples; no t-test")
                    } else if let t = s.tTest() {
                        pValue = t.pValue
                    } else {
                        warnings.append("\(label), \(a.name): paired t-test not computed: the differences have zero variance")
                    }
                    var minusLog10P = pValue.map { -log10($0) }
                    if let p = pValue, p == 0 { minusLog10P = -log10(Double.leastNonzeroMagnitude) }
                    points[g].append(.init(
                        assay: a.name, uniProt: a.uniProt, panel: a.panel.isEmpty ? nil : a.panel, pairs: Int(s.count),
                        meanLog2Difference: d, foldChange: fc, pValue: pValue, minusLog10P: minusLog10P))
                }
            }
        }
        // The workup orders points by assay name, UniProt and panel.
        for g in 0..<2 { points[g].sort { ($0.assay, $0.uniProt, $0.panel ?? "") < ($1.assay, $1.uniProt, $1.panel ?? "") } }
        if case .success(let qc) = try total(present.map(\.qcExcluded), sites: sites, unmask: unmask), let n = qc.first, n > 0 {
            warnings.insert("\(Int(n.rounded())) NPX value(s) with an Olink QC warning left out", at: 0)
        }
        return VolcanoResults(
            groups: [.init(group: groupLabel(.treated), points: points[0]), .init(group: groupLabel(.control), points: points[1])],
            relevanceFoldChange: present[0].relevanceFoldChange, significanceP: present[0].significanceP, warnings: warnings)
    }
}
