import DayZeroCohort
import DayZeroStats
import Foundation

/// Runs a protocol's specification curve (`robustness:`): every specification of the grid (or
/// of its seeded sample, `SpecificationGrid`) is the protocol with one alternative of every
/// dimension applied; each is derived and its analysis sets run through the workup, and the
/// headline results are collected (`RobustnessResults`). Method: docs/methods/robustness.md.
///
/// Specifications whose edited protocols are identical once restricted to the sets analysed
/// (e.g. a different caliper when only the main set is analysed) and with the proteomics lines
/// reset to the protocol's (no collected result reads them) share one analysis. Analyses that
/// differ only in a zero rule share one derivation, and every mixed-model test is fitted once
/// per distinct input (`KineticsFitCache`): a SOFA rule does not refit the CRP panel. The
/// derivations run concurrently on the machine's cores; each result goes to its slot and a
/// cached test equals a refitted one bit for bit, so the output does not depend on the
/// scheduling.
public enum RobustnessAnalysis {
    /// The significance level of the summaries and verdicts.
    public static let alpha = 0.05
    /// A result is robust when at least this share of its specifications agree (p < alpha, or
    /// p ≥ alpha).
    public static let robustShare = 0.9

    /// The specification curve of `studyProtocol` on `study`.
    ///
    /// - Parameters:
    ///   - seed: the synthetic cohort's seed, for provenance.
    ///   - started: called once with the number of distinct analyses to run.
    ///   - finished: called (from any thread) when one distinct analysis has finished.
    ///   - shareWork: share derivations and mixed-model fits between analyses (the default);
    ///     `false` derives and fits every analysis afresh (for the test that both give the same
    ///     bytes).
    public static func run(
        study: StudyData, protocol studyProtocol: StudyProtocol, seed: UInt64? = nil,
        started: ((Int) -> Void)? = nil, finished: (@Sendable () -> Void)? = nil, shareWork: Bool = true
    ) throws -> RobustnessResults {
        guard let settings = studyProtocol.robustness else { throw RobustnessError.noRobustnessSection }
        let issues = studyProtocol.validateRobustness(registry: ParameterRegistry(declared: study.declaredParameters), baseline: study.baselineRegistry)
        if !issues.isEmpty { throw ProtocolLoadError(file: nil, issues: issues) }
        let dims = settings.dimensions.map { $0.includingOwn(of: studyProtocol) }
        var own: [Int] = []
        for d in dims {
            guard let k = d.choice.ownAlternative(in: studyProtocol) else {
                throw RobustnessError.invalidGrid("the protocol's own choice is not among the alternatives of '\(d.name)'")
            }
            own.append(k)
        }
        let grid = try SpecificationGrid(
            sizes: dims.map(\.choice.count), own: own, maxSpecifications: settings.maxSpecifications, seed: settings.seed)
        let setNames = settings.analysisSets ?? studyProtocol.analysisSets.prefix(1).map(\.name)
        let sets = setNames.compactMap { studyProtocol.analysisSet(named: $0) }
        guard !sets.isEmpty else { throw RobustnessError.invalidGrid("no analysis set to analyse") }

        // The edited protocol of every specification, and the distinct ones.
        var base = studyProtocol
        base.robustness = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var distinct: [StudyProtocol] = []
        var keyIndex: [Data: Int] = [:]
        var analysisOf: [Int] = []
        let specChoices = grid.indices.map { SpecificationGrid.choices(of: $0, sizes: grid.sizes) }
        for choices in specChoices {
            var p = base
            for (d, k) in zip(dims, choices) { d.apply(k, to: &p) }
            p.analysisSets = p.analysisSets.filter { rule in sets.contains { $0.name == rule.name } }
            // No collected result reads the proteomics lines (the volcano is not a headline
            // result), so they are the protocol's own in every analysis: specifications that
            // differ only there share one analysis.
            p.proteomicsSettings = base.proteomicsSettings
            let key = try encoder.encode(p)
            if let k = keyIndex[key] {
                analysisOf.append(k)
            } else {
                keyIndex[key] = distinct.count
                analysisOf.append(distinct.count)
                distinct.append(p)
            }
        }
        // The distinct analyses grouped by their derivation: the zero rules are read by the
        // analysis (the aligned long table's transform), never by the derivation, so analyses
        // that differ only there share one derived cohort.
        var groupOf: [Data: Int] = [:]
        var groups: [[Int]] = []
        for (k, p) in distinct.enumerated() {
            var derivationOnly = p
            for i in derivationOnly.parameters.indices { derivationOnly.parameters[i].zeroRule = nil }
            let key = try encoder.encode(derivationOnly)
            if shareWork, let g = groupOf[key] {
                groups[g].append(k)
            } else {
                groupOf[key] = groups.count
                groups.append([k])
            }
        }
        started?(distinct.count)
        let work = distinct
        let fitCache = shareWork ? KineticsFitCache() : nil
        let byDerivation = groups
        let slots = ConcurrentSlots<SpecificationOutcome>(count: work.count)
        DispatchQueue.concurrentPerform(iterations: byDerivation.count) { g in
            let members = byDerivation[g]
            for (k, outcome) in zip(members, analyse(study: study, protocols: members.map { work[$0] }, fitCache: fitCache)) {
                slots[k] = outcome
                finished?()
            }
        }
        var outcomes: [SpecificationOutcome] = []
        for k in work.indices { outcomes.append(slots[k] ?? .failed("not run")) }

        let ownPosition = grid.indices.firstIndex(of: grid.ownIndex) ?? 0
        var warnings: [String] = []
        var failedCount = 0
        for (s, a) in analysisOf.enumerated() {
            if case .failed(let why) = outcomes[a] {
                failedCount += 1
                if failedCount <= 20 {
                    let text = zip(dims, specChoices[s]).map { "\($0.name)=\($0.choice.alternativeLabels[$1])" }.joined(separator: ", ")
                    warnings.append("specification \(s + 1) (\(text)) could not be analysed: \(why)")
                }
            }
        }
        if failedCount > 20 { warnings.append("\(failedCount - 20) more specifications could not be analysed") }
        guard case .analysed(let ownSets) = outcomes[analysisOf[ownPosition]] else {
            if case .failed(let why) = outcomes[analysisOf[ownPosition]] { throw RobustnessError.noSpecification(why) }
            throw RobustnessError.noSpecification("the protocol's own specification")
        }

        var curvesBySet: [RobustnessResults.SetCurves] = []
        for (si, rule) in sets.enumerated() {
            guard si < ownSets.count, let ownSet = ownSets[si] else {
                warnings.append("analysis set '\(rule.name)' could not be formed under the protocol's own specification; it has no curves")
                continue
            }
            var curves: [RobustnessResults.Curve] = []
            for headline in ownSet {
                var estimates: [Double?] = []
                var ps: [Double?] = []
                for a in analysisOf {
                    var value: Headline?
                    if case .analysed(let setsOfSpec) = outcomes[a], si < setsOfSpec.count, let list = setsOfSpec[si] {
                        value = list.first { $0.id == headline.id }
                    }
                    estimates.append(value?.estimate)
                    ps.append(value?.p)
                }
                let summary = summarise(
                    estimates: estimates, ps: ps, own: ownPosition, choices: specChoices, dimensions: dims,
                    actsOn: dims.map { $0.analysisSet.map { $0 == rule.name } ?? true }, sampled: grid.isSampled)
                curves.append(.init(
                    id: headline.id, label: headline.label, kind: headline.kind, estimateMeasure: headline.estimateMeasure,
                    estimate: estimates, p: ps, summary: summary))
            }
            curvesBySet.append(.init(id: rule.name, label: rule.label ?? rule.name, results: curves))
        }

        let provenance = Provenance(
            toolVersion: StudyAnalysis.toolVersion, inputHash: StudyHash.sha256(study),
            protocolHash: StudyHash.sha256(text: try ProtocolYAML.encode(studyProtocol)), seed: seed,
            referenceImplementations: [
                "mixed-model": StudyAnalysis.referenceImplementations["mixed-model"] ?? "",
                "specification-curve": "specr::run_specs over the same grid (Simonsohn, Simmons & Nelson 2020); see docs/methods/robustness.md",
            ])
        return RobustnessResults(
            schemaVersion: RobustnessResults.currentSchemaVersion, provenance: provenance, alpha: alpha, robustShare: robustShare,
            gridSize: grid.fullSize, sampled: grid.isSampled, samplingSeed: settings.seed,
            dimensions: zip(dims, own).map { d, o in
                .init(
                    name: d.name, label: d.displayLabel, vary: d.choice.kind.rawValue, alternatives: d.choice.alternativeLabels, own: o,
                    analysisSet: d.analysisSet)
            },
            specifications: zip(grid.indices, specChoices).map { .init(gridIndex: $0, choices: $1) },
            ownSpecification: ownPosition, distinctAnalyses: distinct.count, analysisSets: curvesBySet, warnings: warnings)
    }

    /// One headline value of one set under one specification.
    struct Headline: Sendable {
        var id: String
        var label: String
        var kind: String
        var estimateMeasure: String?
        var estimate: Double?
        var p: Double?
    }

    enum SpecificationOutcome: Sendable {
        /// Per analysis set (in `robustness.analysis_sets` order) its headline values, `nil` when
        /// the set could not be formed.
        case analysed([[Headline]?])
        case failed(String)
    }

    /// Derives the first of `protocols` (which differ from each other only in what the analysis
    /// reads, not the derivation) and runs each one's analysis sets (`p.analysisSets`, already
    /// restricted and in order) on that cohort, sharing `fitCache`'s mixed-model fits.
    static func analyse(study: StudyData, protocols: [StudyProtocol], fitCache: KineticsFitCache?) -> [SpecificationOutcome] {
        guard let first = protocols.first else { return [] }
        let derived: DerivedCohort
        do {
            derived = try CohortDerivation.derive(study, protocol: first)
        } catch {
            return protocols.map { _ in .failed("\(error)") }
        }
        return protocols.map { p in
            var cohort = derived
            cohort.studyProtocol = p
            do {
                let sets = try analyseSets(study: study, protocol: p, cohort: cohort, fitCache: fitCache)
                return .analysed(sets.map { $0.map(headlines) })
            } catch {
                return .failed("\(error)")
            }
        }
    }

    /// The workup of every set of `p` on `cohort` (as `StudyAnalysis` forms them; a matched or
    /// weighted set that cannot be formed is `nil`).
    static func analyseSets(
        study: StudyData, protocol p: StudyProtocol, cohort: DerivedCohort, fitCache: KineticsFitCache? = nil
    ) throws -> [AnalysisSetResults?] {
        let issues = p.limitIssues()
        if !issues.isEmpty { throw ProtocolLoadError(file: nil, issues: issues) }
        let workup = Workup(study: study, cohort: cohort, fitCache: fitCache)
        return p.analysisSets.map { rule in
            let label = rule.description ?? rule.name
            if let membership = cohort.membership(of: rule) { return workup.run(membership, label: label) }
            if let settings = rule.propensityMatching {
                return (try? PropensityMatchedSet(name: rule.name, settings: settings, cohort: cohort, study: study)).map {
                    workup.run($0, label: label)
                }
            }
            if let settings = rule.weighting {
                return (try? PropensityWeightedSet(name: rule.name, settings: settings, cohort: cohort, study: study)).map {
                    workup.run($0, label: label)
                }
            }
            return nil
        }
    }

    /// The headline results of one set: each kinetics and cytokine panel's p (whole window,
    /// before and after day 0), each outcome effect (estimate and p), and each Table 1 row of
    /// the alignment day (p).
    static func headlines(_ set: AnalysisSetResults) -> [Headline] {
        var out: [Headline] = []
        for panel in set.kinetics + set.cytokines {
            let windows: [(String, String, KineticsPanel.Window)] = [
                ("overall", "whole window", .overall), ("pre", "before day 0", .pre), ("post", "after day 0", .post),
            ]
            for (key, words, window) in windows {
                out.append(Headline(
                    id: "kinetics.\(panel.parameter).\(key)", label: "\(panel.label), \(words)", kind: "kinetics",
                    estimateMeasure: nil, estimate: nil, p: finite(panel.interactionP(window))))
            }
        }
        for measure in set.outcomeMeasures {
            for effect in measure.effects {
                out.append(Headline(
                    id: "outcome.\(measure.name).\(effect.measure)", label: "\(measure.label), \(measureName(effect.measure))",
                    kind: "outcome", estimateMeasure: effect.measure, estimate: finite(effect.estimate), p: finite(effect.p)))
            }
        }
        for row in set.table1.sections.flatMap(\.rows) where row.id.hasPrefix("alignment.") {
            out.append(Headline(
                id: "table1.\(row.id)", label: row.label.localizedCaseInsensitiveContains("alignment day") ? row.label : "\(row.label) on the alignment day",
                kind: "table1", estimateMeasure: nil, estimate: nil,
                p: finite(row.pValue)))
        }
        return out
    }

    static func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }

    /// An effect measure in words.
    public static func measureName(_ measure: String) -> String {
        switch measure {
        case "riskDifference": "risk difference"
        case "riskRatio": "risk ratio"
        case "oddsRatio": "odds ratio"
        case "hazardRatio": "hazard ratio"
        default: measure
        }
    }

    /// The summary and verdict of one curve (see docs/methods/robustness.md):
    /// robust when at least `robustShare` of the specifications with a p value agree (p < alpha,
    /// or all the others); otherwise fragile, and it "depends on" the dimension whose
    /// alternatives' shares of p < alpha differ most (largest max − min over the alternatives
    /// used; the first such dimension in protocol order on a tie). Only the dimensions marked in
    /// `actsOn` (default: all) can be named: a choice acting on another analysis set alone (a
    /// matching caliper, for the main set) cannot change this curve, and any difference in its
    /// shares is the sample's. When the specifications are a sample of the grid (`sampled`), a
    /// dimension is named only when its split is beyond the sample's chance: Pearson's
    /// chi-square test of its alternatives × (p < alpha, not) — R `chisq.test(table)` — gives
    /// p < alpha / (the dimensions that can be named). Under a choice that changes nothing, which
    /// alternative a sampled specification has is independent of its significance.
    static func summarise(
        estimates: [Double?], ps: [Double?], own: Int, choices: [[Int]], dimensions: [RobustnessDimension], actsOn: [Bool]? = nil,
        sampled: Bool = false
    ) -> RobustnessResults.Summary {
        let pValues = ps.compactMap { $0 }
        let est = estimates.compactMap { $0 }
        let n = pValues.count
        let significant = pValues.filter { $0 < alpha }.count
        let share = n > 0 ? Double(significant) / Double(n) : nil
        var shareByAlternative: [[Double?]] = []
        /// Per dimension, per alternative used: [with p < alpha, without].
        var splits: [[[Int]]] = []
        for (d, dim) in dimensions.enumerated() {
            var hits = Array(repeating: 0, count: dim.choice.count)
            var totals = Array(repeating: 0, count: dim.choice.count)
            for (s, p) in ps.enumerated() {
                guard let p else { continue }
                totals[choices[s][d]] += 1
                if p < alpha { hits[choices[s][d]] += 1 }
            }
            shareByAlternative.append(zip(hits, totals).map { $1 > 0 ? Double($0) / Double($1) : nil })
            splits.append(zip(hits, totals).filter { $1 > 0 }.map { [$0, $1 - $0] })
        }
        var verdict = "none"
        var text = "no p value in any specification"
        var dependsOn: String?
        var dependsOnP: Double?
        if let share {
            let percent = percentText(share)
            // A tolerance of 1e-9 so that, e.g., 4 of 40 counts as 10% (1 − 0.9 is 0.0999…).
            if share >= robustShare - 1e-9 {
                verdict = "robust"
                text = "robust: significant in \(percent) of \(n) specifications"
            } else if share <= 1 - robustShare + 1e-9 {
                verdict = "robust"
                text = "robust: not significant in \(percentText(1 - share)) of \(n) specifications"
            } else {
                verdict = "fragile"
                let eligible = shareByAlternative.indices.filter { actsOn?[$0] ?? true }
                var best: (index: Int, spread: Double, p: Double?)?
                for d in eligible {
                    let used = shareByAlternative[d].compactMap { $0 }
                    guard let hi = used.max(), let lo = used.min(), hi - lo > (best?.spread ?? 0) else { continue }
                    var p: Double?
                    if sampled {
                        guard let test = try? ChiSquareTest.pearson(splits[d]), let chanceP = test.pValue,
                              chanceP < alpha / Double(eligible.count) else { continue }
                        p = chanceP
                    }
                    best = (d, hi - lo, p)
                }
                if let best {
                    dependsOn = dimensions[best.index].name
                    dependsOnP = best.p
                    text = "fragile: significant in \(percent) of \(n) specifications; depends on \(lowerFirst(dimensions[best.index].displayLabel))"
                } else {
                    text = "fragile: significant in \(percent) of \(n) specifications; no single choice decides it"
                }
            }
        }
        return RobustnessResults.Summary(
            specifications: n, significant: significant, shareSignificant: share, medianP: median(pValues), minP: pValues.min(),
            maxP: pValues.max(), medianEstimate: median(est), minEstimate: est.min(), maxEstimate: est.max(),
            ownP: ps.indices.contains(own) ? ps[own] : nil, ownEstimate: estimates.indices.contains(own) ? estimates[own] : nil,
            verdict: verdict, verdictText: text, dependsOn: dependsOn, dependsOnP: dependsOnP, shareByAlternative: shareByAlternative)
    }

    /// A share as a whole percent; never "100%" or "0%" unless it is exactly 1 or 0.
    public static func percentText(_ share: Double) -> String {
        var k = Int((share * 100).rounded())
        if k == 100, share < 1 { k = 99 }
        if k == 0, share > 0 { k = 1 }
        return "\(k)%"
    }

    public static func lowerFirst(_ s: String) -> String {
        guard let first = s.first, s.dropFirst().first.map({ !$0.isUppercase }) ?? true else { return s }
        return first.lowercased() + s.dropFirst()
    }

    /// The median (type 7: the mean of the middle two of an even count).
    static func median(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        let m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }

    /// `robustness.json`: sorted keys, pretty-printed, byte-identical for identical input.
    public static func json(_ results: RobustnessResults) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(results)
        data.append(0x0A)
        return data
    }
}

extension RobustnessAnalysis {
    /// `summarise` of p values alone, with the protocol's specification first (for tests).
    package static func summariseForTests(
        ps: [Double?], choices: [[Int]], dimensions: [RobustnessDimension], actsOn: [Bool]? = nil, sampled: Bool = false
    ) -> RobustnessResults.Summary {
        summarise(estimates: ps.map { _ in nil }, ps: ps, own: 0, choices: choices, dimensions: dimensions, actsOn: actsOn, sampled: sampled)
    }
}
