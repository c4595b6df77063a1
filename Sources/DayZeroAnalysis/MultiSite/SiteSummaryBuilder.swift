import DayZeroCohort
import DayZeroStats
import Foundation

/// Why a site summary could not be written.
public struct SiteSummaryError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The per-site side of a pooled study: the aggregates of every analysis set defined by
/// per-patient rules, from the same workup code the in-memory analysis runs.
public struct SiteSummaryBuilder: Sendable {
    public let workup: Workup
    public let settings: MultiSiteSettings

    public init(study: StudyData, cohort: DerivedCohort, settings: MultiSiteSettings) {
        workup = Workup(study: study, cohort: cohort)
        self.settings = settings
    }

    /// The same site's workup with other settings.
    public init(workup: Workup, settings: MultiSiteSettings) {
        self.workup = workup
        self.settings = settings
    }

    /// The coarsest survival grid that holds every time of the site's time-to-event outcomes
    /// (of every cohort patient, so of every analysis set): the smallest divisor r of
    /// `MultiSiteStudySettings.derivedGridBase` (86 400: seconds, so hundredths of a day,
    /// minutes and hours as well) with every time a whole number of 1/r days; 1 without
    /// time-to-event outcomes. Plain summaries of sites with different grids pool exactly
    /// (`Pooling` moves each site's counts onto the finest of them); masked ones need the
    /// same grid (`multi_site.time_slots_per_day`).
    ///
    /// - Throws: `SiteSummaryError` when a time lies on no such grid (finer than a second).
    public func derivedTimeSlotsPerDay() throws -> Int {
        let measures = studyProtocol.outcomes.analysedMeasures.filter { $0.kind == .timeToEvent && $0.competing == nil }
        guard !measures.isEmpty else { return 1 }
        let followUps = workup.followUps(measures)
        var times: [(measure: String, time: Double)] = []
        for measure in measures {
            let h = Double(workup.horizon(of: measure))
            for f in followUps { times.append((measure.name, workup.observation(measure, f, horizon: h).time)) }
        }
        let base = MultiSiteStudySettings.derivedGridBase
        func onGrid(_ t: Double, _ r: Int) -> Bool { abs(t * Double(r) - (t * Double(r)).rounded()) <= 1e-6 }
        if let off = times.first(where: { !onGrid($0.time, base) }) {
            throw SiteSummaryError(
                "outcome '\(off.measure)': a time (\(off.time) days from day 0) lies on no grid up to \(base) slots per day (seconds); round the data's event and discharge times to whole seconds")
        }
        return (1...base).first { r in base % r == 0 && times.allSatisfy { onGrid($0.time, r) } } ?? base
    }

    var studyProtocol: StudyProtocol { workup.cohort.studyProtocol }

    /// The summary of every analysis set of the protocol (matched and weighted sets are listed
    /// as not poolable). `mask` turns each block's values into masked words (secure
    /// aggregation); without it, plain mode applies the minimum cell count.
    ///
    /// - Throws: `SiteSummaryError` when the protocol aligns the controls on the site's own
    ///   treated median (the pooled study needs one day for all sites: `fixed_icu_day`).
    public func payload(mask: SiteMask? = nil) throws -> SitePayload {
        if studyProtocol.alignment.controls == .treatedMedianStartDay {
            throw SiteSummaryError(
                "the protocol aligns the controls on the treated median start day (controls: treated_median_start_day); each site would use its own median. Agree on the network median first (dayzero site-summary --alignment-round, then dayzero pool --alignment) and state it in the protocol as multi_site: {alignment_day: N} (or alignment: controls: fixed_icu_day with fixed_icu_day: N)")
        }
        var sets: [SetSummary] = []
        var notPoolable: [NotAvailable] = []
        for rule in studyProtocol.analysisSets {
            let label = rule.description ?? rule.name
            if let membership = workup.cohort.membership(of: rule) {
                sets.append(try setSummary(membership, label: label, mask: mask))
            } else {
                let kind = rule.propensityMatching != nil ? "propensity-score matching" : "propensity-score weighting"
                notPoolable.append(NotAvailable(
                    item: label,
                    reason: "formed by \(kind), which needs every patient's covariates in one place",
                    remedy: "site-level only: each site's own dayzero analyze reports it"))
            }
        }
        let names = studyProtocol.groupLabels
        return SitePayload(sets: sets, notPoolable: notPoolable, groups: GroupNames(treated: names.treated, control: names.control))
    }

    /// Round 1 of the alignment protocol: treated patients per ICU start day over
    /// `days` (the layout every site uses).
    public func alignmentPayload(days: ClosedRange<Int>, mask: SiteMask? = nil) throws -> SitePayload {
        var counts = [Double](repeating: 0, count: days.count)
        for p in workup.cohort.patients where p.group == .treated {
            guard let d = p.treatmentStartDay else { continue }
            guard days.contains(d) else {
                throw SiteSummaryError("a treated patient's start day lies outside the alignment layout \(days.lowerBound)…\(days.upperBound); widen it with --start-days")
            }
            counts[d - days.lowerBound] += 1
        }
        let block = try self.block(counts, name: "alignment", cells: counts, mask: mask)
        return SitePayload(alignment: AlignmentBlock(
            firstDay: days.lowerBound, lastDay: days.upperBound, medianRounding: studyProtocol.alignment.medianRounding.rawValue, counts: block))
    }

    /// A block: masked, or plain with the cells checked against the minimum cell count.
    /// `cells` are the patient counts the block's values rest on.
    func block(_ values: [Double], name: String, cells: [Double], mask: SiteMask?) throws -> SlotBlock {
        if let mask { return SlotBlock(masked: try mask(values, name)) }
        let small = cells.filter { $0 > 0 && $0 < Double(settings.minCellCount) }.count
        if small > 0 {
            return SlotBlock(suppressed: "cells below the minimum cell count", withheldCells: small)
        }
        return SlotBlock(values: values)
    }

    func setSummary(
        _ membership: AnalysisSetMembership, label: String, mask: SiteMask?
    ) throws -> SetSummary {
        let (treated, control) = workup.groups(membership)
        let counts = [Double(treated.count), Double(control.count)]
        let id = membership.name
        return SetSummary(
            id: id, label: label, patients: try block(counts, name: "\(id)/patients", cells: counts, mask: mask),
            kinetics: try kinetics(membership, mask: mask), survival: try survival(membership, mask: mask),
            binary: try binary(membership, mask: mask), medication: try medication(membership, mask: mask),
            proteomics: try proteomics(membership, mask: mask), table1: try table1(membership, mask: mask),
            notAvailable: Self.notAvailable(studyProtocol))
    }

    /// Table 1's binary and categorical baseline rows: counts per level (yes / no) and unknown,
    /// per group; every row of the protocol's sections (or the default sections), so the layout
    /// does not depend on which variables the site has values for.
    func table1(_ membership: AnalysisSetMembership, mask: SiteMask?) throws -> [Table1CountBlock] {
        let (treated, control) = workup.groups(membership)
        let variables = workup.study.baselineRegistry
        let sections = studyProtocol.baseline ?? BaselineSection.defaultSections(declared: workup.study.baselineVariables)
        let selected = workup.selectingRowIDs(membership)
        var out: [Table1CountBlock] = []
        for section in sections {
            for name in section.variables {
                guard let v = variables[name], v.kind != .continuous else { continue }
                let id = Workup.baselineRowID(name)
                let categories = v.kind == .binary ? 2 : v.levels.count
                var values: [Double] = []
                for members in [treated, control] {
                    var counts = [Double](repeating: 0, count: categories + 1)
                    for i in members {
                        let patient = workup.study.patients[workup.cohort.patients[i].studyIndex]
                        guard let x = variables.value(name, of: patient) else {
                            counts[categories] += 1
                            continue
                        }
                        let k = v.kind == .binary ? (x != 0 ? 0 : 1) : Int(x)
                        if k >= 0 && k < categories { counts[k] += 1 } else { counts[categories] += 1 }
                    }
                    values += counts
                }
                out.append(Table1CountBlock(
                    id: id, label: v.label, section: section.title, kind: v.kind == .binary ? "count" : "categorical",
                    levels: v.kind == .binary ? [] : v.levels, levelLabels: v.kind == .binary ? [] : v.levels.indices.map(v.levelLabel),
                    selectedOn: selected.contains(id),
                    counts: try block(values, name: "\(membership.name)/table1/\(id)", cells: values, mask: mask)))
            }
        }
        return out
    }

    /// What the pooled workup leaves out, for every set.
    static func notAvailable(_ p: StudyProtocol) -> [NotAvailable] {
        let siteLevel = "site-level only: each site's own dayzero analyze reports it"
        var items = [
            NotAvailable(
                item: "Table 1: continuous rows (medians, IQRs, Mann–Whitney tests)",
                reason: "rank statistics: they need the patients' values in one place, not sums (the binary and categorical rows are pooled)",
                remedy: siteLevel),
        ]
        for m in p.outcomes.analysedMeasures {
            switch m.kind {
            case .duration, .freeDays:
                items.append(NotAvailable(
                    item: m.label, reason: "a median with a Mann–Whitney test: a rank statistic, not a sum",
                    remedy: siteLevel + "; a time-to-event or binary form of the outcome pools exactly"))
            case .timeToEvent where m.competing != nil:
                items.append(NotAvailable(
                    item: "\(m.label): cumulative incidence and Gray's test", reason: "a competing event is not pooled in this version",
                    remedy: siteLevel))
            case .timeToEvent, .binary:
                items.append(NotAvailable(
                    item: "\(m.label): hazard ratio and effect measures", reason: "the Cox and effect models are not pooled",
                    remedy: "the pooled curves, log-rank and Fisher tests are exact; the effect measures are " + siteLevel))
            }
        }
        if p.kineticsModel.time != .categorical {
            items.append(NotAvailable(
                item: "kinetics mixed models", reason: "only the categorical time model (factor(day) * group) is pooled; the protocol uses \(p.kineticsModel.label)",
                remedy: "kinetics_model: categorical in the protocol pools exactly"))
        }
        return items
    }

    // MARK: kinetics

    func kinetics(_ membership: AnalysisSetMembership, mask: SiteMask?) throws -> [KineticsBlock] {
        let builder = AlignedLongTableBuilder(cohort: workup.cohort, membership: membership)
        let registry = ParameterRegistry(declared: workup.study.declaredParameters)
        var out: [KineticsBlock] = []
        for (k, rule) in studyProtocol.parameters.enumerated() where rule.kinetics {
            let table = builder.table(parameter: k)
            let window = workup.cohort.window(of: rule)
            let prefix = "\(membership.name)/\(rule.name)"
            let D = window.end - window.start + 1
            var daySums = [MomentSums](repeating: MomentSums(), count: 2 * D)
            var admissionSums = [MomentSums](repeating: MomentSums(), count: 2)
            var hasAdmission = false
            for r in 0..<table.count {
                let g = table.group[r] == .treated ? 0 : 1
                switch table.timepoint[r] {
                case .daily:
                    let d = Int(table.alignedDay[r])
                    guard d >= window.start, d <= window.end else { continue }
                    daySums[2 * (d - window.start) + g].add(table.analysedValue[r])
                case .admission:
                    hasAdmission = true
                    admissionSums[g].add(table.analysedValue[r])
                }
            }
            var dayBlocks: [SlotBlock] = []
            for (i, s) in daySums.enumerated() {
                dayBlocks.append(try block(s.slots, name: "\(prefix)/day\(i)", cells: [s.count], mask: mask))
            }
            let admission = hasAdmission
                ? try admissionSums.enumerated().map { try block($1.slots, name: "\(prefix)/admission\($0)", cells: [$1.count], mask: mask) }
                : []
            var models: [ModelBlock] = []
            if studyProtocol.kineticsModel.time == .categorical {
                var parts = [("whole window", window.start, window.end)]
                if window.start < 0 && window.end >= 0 { parts.append(("before day 0", window.start, 0)) }
                if window.end > 0 && window.start <= 0 { parts.append(("after day 0", 0, window.end)) }
                for (part, first, last) in parts where last > first {
                    let sums = try Self.modelSums(table, first: first, last: last)
                    let cells = sums.patternCounts + sums.sizes.map(\.subjects)
                    models.append(ModelBlock(
                        part: part, firstDay: first, lastDay: last,
                        sums: try block(try sums.slots(subjectBlocks: 2), name: "\(prefix)/model/\(first)..\(last)", cells: cells, mask: mask)))
                }
            }
            let definition = registry[rule.name]
            var logScale = true
            var constant: Double?
            switch (rule.transform, rule.zeroRule) {
            case (.none, _): logScale = false
            case (.log, .addConstant(let c)?): constant = c
            case (.log, _): break
            }
            out.append(KineticsBlock(
                parameter: rule.name, label: definition?.label ?? (rule.name == "sofa" ? "SOFA score" : rule.name),
                unit: rule.unit ?? definition?.unit ?? "", transform: rule.transformLabel,
                logScale: logScale, addedConstant: constant, cytokine: definition?.kind == .cytokine, firstDay: window.start, lastDay: window.end,
                days: dayBlocks, admission: admission, models: models))
        }
        return out
    }

    /// The mixed-model sums of the daily rows in first…last: pattern (day − first) + D·g with
    /// g 1 for treated (the design's cell order: day fastest, groups control, treated).
    static func modelSums(_ table: AlignedLongTable, first: Int, last: Int) throws -> MixedModelSums {
        let D = last - first + 1
        var sums = MixedModelSums(patternCount: 2 * D, maxSubjectSize: D)
        var patterns: [Int32] = []
        var responses: [Double] = []
        var current: Int32 = -1
        func flush() throws {
            if !patterns.isEmpty { try sums.addSubject(patterns: patterns, responses: responses) }
            patterns.removeAll(keepingCapacity: true)
            responses.removeAll(keepingCapacity: true)
        }
        // Rows come grouped by patient (AlignedLongTable's row order).
        var seen = Set<Int32>()
        for r in 0..<table.count where table.timepoint[r] == .daily {
            let d = Int(table.alignedDay[r])
            guard d >= first, d <= last else { continue }
            if table.patient[r] != current {
                try flush()
                current = table.patient[r]
                guard seen.insert(current).inserted else {
                    throw SiteSummaryError("the long table's rows are not grouped by patient")
                }
            }
            patterns.append(Int32(d - first + (table.group[r] == .treated ? D : 0)))
            responses.append(table.analysedValue[r])
        }
        try flush()
        return sums
    }

    // MARK: outcomes

    func survival(_ membership: AnalysisSetMembership, mask: SiteMask?) throws -> [SurvivalBlock] {
        let measures = studyProtocol.outcomes.analysedMeasures.filter { $0.kind == .timeToEvent && $0.competing == nil }
        let followUps = workup.followUps(measures)
        var out: [SurvivalBlock] = []
        for measure in measures {
            let h = workup.horizon(of: measure)
            let r = settings.timeSlotsPerDay
            var counts = try SurvivalCounts(groups: groupLevels, times: (0...(h * r)).map { Double($0) / Double(r) })
            for i in membership.members {
                let o = workup.observation(measure, followUps[i], horizon: Double(h))
                let slot = Int((o.time * Double(r)).rounded())
                guard abs(o.time * Double(r) - Double(slot)) <= 1e-6 else {
                    throw SiteSummaryError(
                        "outcome '\(measure.name)': a time (\(o.time) days from day 0) is not on the grid of \(r == 1 ? "1 slot" : "\(r) slots") per day; state a finer multi_site.time_slots_per_day (or --time-slots-per-day), e.g. 100 for times in hundredths of a day, or leave it out to derive the grid from the data")
                }
                try counts.add(group: workup.cohort.patients[i].group == .treated ? 1 : 0, slot: slot, event: o.cause == 1)
            }
            let eventWords = measure.event == OutcomeMeasure.death ? "death" : measure.event ?? ""
            let censoring = measure.event == OutcomeMeasure.death
                ? "alive: censored when last known alive, at most day \(h)"
                : "censored at death or when last known alive, at most day \(h)"
            let name = "\(membership.name)/\(measure.name)"
            let cells = counts.events.flatMap { $0 } + counts.censored.flatMap { $0 }
            out.append(SurvivalBlock(
                measure: measure.name, label: measure.label, event: eventWords, censoring: censoring, horizonDays: h,
                counts: try block(counts.slots, name: "\(name)/counts", cells: cells.map(Double.init), mask: mask),
                logRank: try block(LogRankContribution(counts).slots, name: "\(name)/logrank", cells: cells.map(Double.init), mask: mask)))
        }
        return out
    }

    func binary(_ membership: AnalysisSetMembership, mask: SiteMask?) throws -> [BinaryBlock] {
        let measures = studyProtocol.outcomes.analysedMeasures.filter { $0.kind == .binary }
        let followUps = workup.followUps(measures)
        let (treated, control) = workup.groups(membership)
        var out: [BinaryBlock] = []
        for measure in measures {
            let h = workup.horizon(of: measure)
            var values: [Double] = []
            for members in [treated, control] {
                var yes = 0.0, no = 0.0, unknown = 0.0
                for i in members {
                    switch workup.binaryStatus(measure, followUps[i], horizon: Double(h)) {
                    case true?: yes += 1
                    case false?: no += 1
                    case nil: unknown += 1
                    }
                }
                values += [yes, no, unknown]
            }
            out.append(BinaryBlock(
                measure: measure.name, label: measure.label, horizonDays: h,
                counts: try block(values, name: "\(membership.name)/\(measure.name)", cells: values, mask: mask)))
        }
        return out
    }

    func medication(_ membership: AnalysisSetMembership, mask: SiteMask?) throws -> [MedicationBlock] {
        let (treated, control) = workup.groups(membership)
        let settings = studyProtocol.medications
        var out: [MedicationBlock] = []
        for use in workup.cohort.medicationUse {
            for (period, flags, window) in [("before", use.before, settings.before), ("after", use.after, settings.after)] {
                let t = Double(treated.filter { flags[$0] }.count)
                let c = Double(control.filter { flags[$0] }.count)
                let values = [t, Double(treated.count), c, Double(control.count)]
                let cells = [t, Double(treated.count) - t, c, Double(control.count) - c]
                out.append(MedicationBlock(
                    drug: use.drug, period: period, firstDay: window.start, lastDay: window.end,
                    counts: try block(values, name: "\(membership.name)/medication/\(use.drug)/\(period)", cells: cells, mask: mask)))
            }
        }
        return out
    }

    func proteomics(_ membership: AnalysisSetMembership, mask: SiteMask?) throws -> ProteomicsBlock? {
        let index = workup.cohort.proteomics
        guard index.valueRows > 0 else { return nil }
        let data = workup.proteomicsData(membership)
        // The layout: every assay of the site's registry (not only those with pairs), in
        // registry order; pooled by key across sites.
        var sums = [[MomentSums]](repeating: [MomentSums(), MomentSums()], count: index.assays.count)
        for e in data.pairs {
            let entry = index.entries[e]
            let g = workup.cohort.patients[Int(entry.patient)].group == .treated ? 0 : 1
            sums[Int(entry.assay)][g].add(entry.postSum / Double(entry.nPost) - entry.preSum / Double(entry.nPre))
        }
        var blocks: [SlotBlock] = []
        for (a, pair) in sums.enumerated() {
            blocks.append(try block(
                pair[0].slots + pair[1].slots, name: "\(membership.name)/proteomics/\(a)", cells: [pair[0].count, pair[1].count], mask: mask))
        }
        let qc = Double(data.qcExcluded)
        return ProteomicsBlock(
            assays: index.assays.map { .init(name: $0.name, uniProt: $0.uniProt, panel: $0.panel) }, sums: blocks,
            qcExcluded: try block([qc], name: "\(membership.name)/proteomics/qc", cells: [qc], mask: mask),
            relevanceFoldChange: studyProtocol.proteomics.relevanceFoldChange, significanceP: studyProtocol.proteomics.significanceP)
    }
}
