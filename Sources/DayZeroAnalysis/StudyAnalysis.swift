import Crypto
import DayZeroCohort
import DayZeroStats
import Foundation

/// The whole analysis of a study under a protocol: derivation, every analysis set's workup,
/// and the provenance that makes the results reproducible.
public struct StudyAnalysis: Sendable {
    public let study: StudyData
    public let cohort: DerivedCohort
    public let results: StudyResults
    /// The membership of each analysis set, in `results.analysisSets` order.
    public let memberships: [AnalysisSetMembership]
    /// The propensity-matched sets, in protocol order (their model, pairs and balance).
    public let matchedSets: [PropensityMatchedSet]
    /// The propensity-score-weighted sets, in protocol order (their model and weights).
    public let weightedSets: [PropensityWeightedSet]
    /// The workup the sets ran through, reused by the tidy exports.
    let workup: Workup

    /// The version written into provenance blocks.
    public static let toolVersion = "0.1.0"

    /// The R function each method's numbers are checked against.
    public static let referenceImplementations: [String: String] = [
        "fisher": "stats::fisher.test(x) (two-sided)",
        "mann-whitney": "stats::wilcox.test(treated, control) (exact if both n < 50 and no ties, else normal with continuity and tie correction)",
        "median-iqr": "stats::quantile(x, c(.25, .5, .75), type = 7)",
        "geometric-mean": "exp(mean(log(x))) with exp(t.test(log(x))$conf.int)",
        "mixed-model": "lmerTest::anova(lmer(value ~ factor(day) * group + (1 | patient), REML = TRUE), type = 3) (Satterthwaite)",
        "kaplan-meier": "survival::survfit(Surv(time, event) ~ group, conf.type = \"log\")",
        "log-rank": "survival::survdiff(Surv(time, event) ~ group)",
        "paired-t": "stats::t.test(post, pre, paired = TRUE)",
        "propensity-matching": "MatchIt::matchit(treat ~ covariates, method = \"nearest\", distance = \"glm\") (MatchIt >= 4.5.4 rule; see docs/methods/matching.md)",
        "balance": "cobalt::bal.tab(m, un = TRUE, stats = c(\"mean.diffs\", \"variance.ratios\")) (ATT defaults)",
    ]

    /// The methods the paper's workup always uses, plus those only some studies need —
    /// Pearson's χ² (categorical Table 1 rows), the Aalen–Johansen estimator and Gray's test
    /// (outcomes with a competing event) — listed only when a set used them.
    static func referenceImplementations(used sets: [AnalysisSetResults]) -> [String: String] {
        var methods = referenceImplementations
        // Each method is listed only when a set used it (a study without matching, proteomics
        // or survival curves does not cite MatchIt, t.test or survdiff).
        let rows: [Table1.Row] = sets.flatMap { s in s.table1.sections.flatMap(\.rows) + s.outcomeMeasures.map(\.row) }
        let curves: [SurvivalComparison] = sets.flatMap { s in s.outcomeMeasures.compactMap(\.survival) }
        let used: [String: Bool] = [
            "fisher": rows.contains { $0.test == "fisher" } || sets.contains { !$0.medication.isEmpty },
            "mann-whitney": rows.contains { $0.test == "mann-whitney" },
            "median-iqr": rows.contains { $0.kind == .continuous },
            "geometric-mean": sets.contains { !($0.kinetics + $0.cytokines).isEmpty },
            "mixed-model": sets.contains { !($0.kinetics + $0.cytokines).isEmpty },
            "kaplan-meier": !curves.isEmpty,
            "log-rank": !curves.isEmpty,
            "paired-t": sets.contains { $0.proteomics != nil },
            "propensity-matching": sets.contains { $0.matching != nil },
            "balance": sets.contains { $0.balance != nil },
        ]
        for (method, isUsed) in used where !isUsed { methods[method] = nil }
        if sets.contains(where: { $0.weighting != nil }) {
            methods["weighting"] = "WeightIt::weightit(treat ~ covariates, method = \"glm\", estimand) and trim() (formulas in base R); cobalt::bal.tab mean differences; "
                + "survival::survfit(weights = w); survival::coxph(weights = w, robust = TRUE); survey::svyglm(event ~ treated, svydesign(ids = ~1, weights = ~w)); "
                + "survey::svyglm(value ~ factor(day) * group, svydesign(ids = ~patient, weights = ~w)) with regTermTest (see docs/methods/weighting.md)"
        }
        if sets.contains(where: { $0.table1.sections.contains { $0.rows.contains { $0.test == "chi-square" } } }) {
            methods["chi-square"] = "stats::chisq.test(table, correct = FALSE) (categorical rows with every expected count >= 5; else stats::fisher.test(table), gtsummary's rule)"
        }
        // Time as a number (kinetics_model linear or spline): the formula the models match.
        let models = Set(sets.flatMap { ($0.kinetics + $0.cytokines).compactMap(\.timeModel) })
        if !models.isEmpty {
            var formulas: [String] = []
            if models.contains("linear") { formulas.append("value ~ time * group + (1 | patient)") }
            if models.contains(where: { $0.hasPrefix("spline") }) {
                formulas.append("value ~ splines::ns(time, knots = K, Boundary.knots = c(a, b)) * group + (1 | patient)")
            }
            methods["mixed-model"] = "lmerTest::anova(lmer(" + formulas.joined(separator: " or ")
                + ", REML = TRUE), type = 3) (Satterthwaite; time in periods from day 0)"
        }
        if sets.contains(where: { $0.outcomeMeasures.contains { $0.cumulativeIncidence != nil } }) {
            methods["aalen-johansen"] = "survival::survfit(Surv(time, factor(status, 0:2)) ~ group) (multi-state; infinitesimal-jackknife SE, conf.type = \"log\")"
            methods["gray"] = "cmprsk::cuminc(time, status, group, cencode = 0)$Tests (cause 1)"
        }
        return methods
    }

    /// Derives the cohort and runs the workup of every analysis set the protocol declares.
    /// A propensity-matched set is formed by `PropensityMatchedSet`; when its model or
    /// matching cannot be computed (e.g. no control with complete covariates) the set is left
    /// out and the reason is reported in `results.warnings`.
    public init(study: StudyData, protocol studyProtocol: StudyProtocol, seed: UInt64? = nil) throws {
        let cohort = try CohortDerivation.derive(study, protocol: studyProtocol)
        try self.init(study: study, protocol: studyProtocol, cohort: cohort, seed: seed)
    }

    /// The workup of the analysis sets of `studyProtocol` on an already derived cohort.
    ///
    /// `cohort` must come from `CohortDerivation.derive(study, protocol:)` with `studyProtocol`
    /// or with a protocol that differs from it only in `analysisSets` (the workup's rules —
    /// windows, transforms, outcomes — are read from `cohort.studyProtocol`; `studyProtocol`
    /// chooses the sets and is the protocol hashed into the provenance). A benchmark or a
    /// caller that wants one set derives once and passes a protocol with that set alone.
    ///
    /// The sets are independent, so their workups — and the input hash — run concurrently on
    /// the machine's cores; each result goes to its set's slot, so the output does not depend
    /// on the scheduling.
    ///
    /// `streamedDigests` are the digests of the tables a store streamed into the derivation
    /// instead of loading them (`StudyStore.deriveCohort`: measurements, cytokines, proteomics),
    /// by table name (`StudyDigest.tableNames`); those tables of `study` are then empty and not read.
    ///
    /// `setFinished` is called (from any thread) each time one set's workup has finished, for a
    /// caller's progress display.
    public init(
        study: StudyData, protocol studyProtocol: StudyProtocol, cohort: DerivedCohort, streamedDigests: [String: [UInt8]] = [:],
        seed: UInt64? = nil, setFinished: (@Sendable () -> Void)? = nil
    ) throws {
        // The input hash (one pass over every row) runs on its own thread from the start, beside
        // the per-study preparation of the workup and then the sets.
        let limitIssues = cohort.studyProtocol.limitIssues() + studyProtocol.limitIssues()
        if !limitIssues.isEmpty { throw ProtocolLoadError(file: nil, issues: limitIssues) }
        if let bad = cohort.firstNonFiniteDailyValue() {
            throw NonFiniteValueError(series: bad.series, patient: bad.patient, icuDay: bad.icuDay)
        }
        let hash = ConcurrentSlots<String>(count: 1)
        let hashing = DispatchGroup()
        DispatchQueue.global().async(group: hashing) { hash[0] = StudyHash.sha256(study, streamedDigests: streamedDigests) }
        let workup = Workup(study: study, cohort: cohort)
        enum Job: Sendable {
            case rule(AnalysisSetMembership, label: String)
            case matched(PropensityMatchedSet, label: String)
            case weighted(PropensityWeightedSet, label: String)
        }
        var jobs: [Job] = []
        var memberships: [AnalysisSetMembership] = []
        var matchedSets: [PropensityMatchedSet] = []
        var weightedSets: [PropensityWeightedSet] = []
        var warnings: [String] = []
        for rule in studyProtocol.analysisSets {
            let label = rule.description ?? rule.name
            if let membership = cohort.membership(of: rule) {
                memberships.append(membership)
                jobs.append(.rule(membership, label: label))
            } else if let settings = rule.propensityMatching {
                do {
                    let matched = try PropensityMatchedSet(name: rule.name, settings: settings, cohort: cohort, study: study)
                    memberships.append(matched.membership)
                    matchedSets.append(matched)
                    jobs.append(.matched(matched, label: label))
                } catch {
                    warnings.append("analysis set '\(rule.name)': propensity-score matching failed (\(error)); the set was not formed")
                }
            } else if let settings = rule.weighting {
                do {
                    let weighted = try PropensityWeightedSet(name: rule.name, settings: settings, cohort: cohort, study: study)
                    memberships.append(weighted.membership)
                    weightedSets.append(weighted)
                    jobs.append(.weighted(weighted, label: label))
                } catch {
                    warnings.append("analysis set '\(rule.name)': propensity-score weighting failed (\(error)); the set was not formed")
                }
            }
        }
        let work = jobs
        let slots = ConcurrentSlots<AnalysisSetResults>(count: work.count)
        DispatchQueue.concurrentPerform(iterations: work.count) { k in
            switch work[k] {
            case .rule(let membership, let label): slots[k] = workup.run(membership, label: label)
            case .matched(let matched, let label): slots[k] = workup.run(matched, label: label)
            case .weighted(let weighted, let label): slots[k] = workup.run(weighted, label: label)
            }
            setFinished?()
        }
        hashing.wait()
        var sets = slots.values
        for k in sets.indices {
            sets[k].shortLabel = studyProtocol.analysisSets.first { $0.name == sets[k].id }?.shortLabel
        }
        let provenance = Provenance(
            toolVersion: Self.toolVersion, inputHash: hash.values.first ?? "",
            protocolHash: StudyHash.sha256(text: try ProtocolYAML.encode(studyProtocol.withoutRobustness)), seed: seed,
            referenceImplementations: Self.referenceImplementations(used: sets))
        var results = StudyResults(provenance: provenance, analysisSets: sets)
        results.warnings = warnings
        self.study = study
        self.cohort = cohort
        self.results = results
        self.memberships = memberships
        self.matchedSets = matchedSets
        self.weightedSets = weightedSets
        self.workup = workup
    }

    /// `results.json`: sorted keys, pretty-printed, byte-identical for identical input.
    public func resultsJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(results)
        data.append(0x0A)
        return data
    }
}

extension StudyProtocol {
    /// The protocol without its `robustness:` section: what `results.json` depends on (the
    /// specification curve is written to `robustness.json`), so its protocol hash.
    public var withoutRobustness: StudyProtocol {
        var p = self
        p.robustness = nil
        return p
    }
}

/// SHA-256 fingerprints of the input study and the protocol, for provenance.
public enum StudyHash {
    /// SHA-256 of the text, hex.
    public static func sha256(text: String) -> String {
        StudyDigest.hex(SHA256.hash(data: Data(text.utf8)))
    }

    /// SHA-256 of the study's canonical form (`StudyDigest`), hex. `streamedDigests` replace
    /// the digests of the tables a store computed while streaming their rows (those tables of
    /// `study` are then not read).
    public static func sha256(_ study: StudyData, streamedDigests: [String: [UInt8]] = [:]) -> String {
        StudyDigest.sha256(study, streamed: streamedDigests)
    }
}

/// Results written from concurrent jobs, one slot each, read after they all ended.
final class ConcurrentSlots<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    subscript(i: Int) -> Value? {
        get { lock.withLock { slots[i] } }
        set { lock.withLock { slots[i] = newValue } }
    }

    /// The filled slots, in slot order.
    var values: [Value] { lock.withLock { slots.compactMap { $0 } } }
}

/// A daily value is not a finite number (the day's `sum` of values overflowed), so the
/// analysis stops before any infinity reaches `results.json`.
public struct NonFiniteValueError: Error, Sendable, CustomStringConvertible {
    public var series: String
    public var patient: String
    public var icuDay: Int

    public var description: String {
        "the daily value of \(series) for patient \(patient) on ICU day \(icuDay) is not a finite number (the day's values add up beyond the largest number); values are limited to -1e15 to 1e15"
    }
}
