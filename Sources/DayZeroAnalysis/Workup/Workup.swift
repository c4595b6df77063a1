import DayZeroCohort
import Foundation
import DayZeroStats

/// Runs the paper's workup (DESIGN.md §1, analyses 1–6) on one analysis set of a derived
/// cohort. Pure: the same cohort, study and membership give the same results.
public struct Workup: Sendable {
    public let study: StudyData
    public let cohort: DerivedCohort
    /// Mixed-model tests shared between the analyses of one specification-curve run; `nil`
    /// fits every test afresh.
    let fitCache: KineticsFitCache?

    public init(study: StudyData, cohort: DerivedCohort) {
        self.init(study: study, cohort: cohort, fitCache: nil)
    }

    init(study: StudyData, cohort: DerivedCohort, fitCache: KineticsFitCache?) {
        self.study = study
        self.cohort = cohort
        self.fitCache = fitCache
    }

    var studyProtocol: StudyProtocol { cohort.studyProtocol }

    /// The workup of `membership` (the patients of one analysis set).
    public func run(_ membership: AnalysisSetMembership, label: String) -> AnalysisSetResults {
        run(membership, label: label, matched: nil)
    }

    /// The workup of a propensity-matched set: the set's workup plus how it was matched and
    /// its balance table; the flow counts missing-covariate patients apart from unmatched ones.
    public func run(_ matched: PropensityMatchedSet, label: String) -> AnalysisSetResults {
        run(matched.membership, label: label, matched: matched)
    }

    /// The workup of a propensity-score-weighted set: the workup of its patients, the kinetics
    /// panels' weighted tests, weighted effects, and the `weighting` block.
    public func run(_ weighted: PropensityWeightedSet, label: String) -> AnalysisSetResults {
        run(weighted.membership, label: label, matched: nil, weighted: weighted)
    }

    /// The parts that read the aligned long table (kinetics, cytokines) and the parts that do
    /// not (Table 1, proteomics, medication, outcomes) run concurrently. The long table is
    /// never built whole: each parameter's rows are built, analysed and dropped inside the
    /// concurrent panel loop (`longTableAnalyses`).
    func run(
        _ membership: AnalysisSetMembership, label: String, matched: PropensityMatchedSet?, weighted: PropensityWeightedSet? = nil
    ) -> AnalysisSetResults {
        let weights = weighted?.weightByPatient
        let design = weighted.map(EffectDesign.init(weighted:)) ?? EffectDesign(matched)
        typealias LongTableParts = (kinetics: [KineticsPanel], cytokines: [KineticsPanel], warnings: [String])
        typealias OtherParts = (
            table1: Table1, volcano: VolcanoResults?, medication: [MedicationRow], measures: [OutcomeMeasureResult]
        )
        let longTableParts: @Sendable () -> LongTableParts = {
            let parts = longTableAnalyses(AlignedLongTableBuilder(cohort: cohort, membership: membership), weights: weights)
            var warnings: [String] = []
            for (rule, counts) in zip(studyProtocol.parameters, parts.counts) where counts.zerosExcluded + counts.nonPositiveExcluded > 0 {
                warnings.append(
                    "\(rule.name): \(counts.zerosExcluded) zero and \(counts.nonPositiveExcluded) other non-positive value(s) left out of the log-scale analysis (\(rule.transformLabel))")
            }
            return (parts.kinetics, parts.cytokines, warnings)
        }
        let otherParts: @Sendable () -> OtherParts = {
            (
                table1(membership), proteomics(membership), medication(membership),
                outcomeMeasures(studyProtocol.outcomes.analysedMeasures, membership, design: design)
            )
        }
        let first = ConcurrentSlots<LongTableParts>(count: 1)
        let second = ConcurrentSlots<OtherParts>(count: 1)
        DispatchQueue.concurrentPerform(iterations: 2) { job in
            if job == 0 { first[0] = longTableParts() } else { second[0] = otherParts() }
        }
        // Both slots are filled once `concurrentPerform` returns.
        let fromTable = first[0] ?? longTableParts()
        let rest = second[0] ?? otherParts()
        var warnings = fromTable.warnings
        if let matched { warnings = matched.result.warnings.map(\.description) + warnings }
        let weighting = weighted.map(weightingResults)
        if let weighting { warnings = weighting.warnings + warnings }
        return AnalysisSetResults(
            id: membership.name, label: label, flow: flow(membership, missingCovariate: matched?.missingCovariates.count ?? weighted?.missingCovariates.count ?? 0),
            table1: rest.table1, kinetics: fromTable.kinetics, cytokines: fromTable.cytokines, proteomics: rest.volcano,
            medication: rest.medication, outcomeMeasures: rest.measures,
            matching: matched.map(matchingResults), balance: matched.map { BalanceTable($0.balance) }, warnings: warnings, weighting: weighting)
    }

    /// The flow of one set: the cohort's exclusions, then the set's own. Of a matched set's
    /// `not_matched` patients, the `missingCovariate` ones that could not be scored are
    /// counted first, as `missing_covariate`.
    func flow(_ membership: AnalysisSetMembership, missingCovariate: Int = 0) -> FlowResults {
        let alignmentUnit = studyProtocol.timeAxis.unit == "day" ? "day" : "period"
        var steps = cohort.flow.excludedBeforeAlignment.map {
            FlowResults.Step(reason: $0.reason.name, label: $0.label, count: $0.count)
        }
        steps.append(.init(
            reason: CohortExclusion.notInICUOnAlignmentDay.name,
            label: studyProtocol.reportSettings.stay.map { "Controls whose \($0) ended before the alignment \(alignmentUnit)" }
                ?? "Controls no longer in the ICU on the alignment \(alignmentUnit)",
            count: cohort.flow.controlsNotInICU))
        if missingCovariate > 0 {
            steps.append(.init(
                reason: "\(membership.name): missing_covariate", label: "A matching covariate is unknown", count: missingCovariate))
        }
        let reasons: [AnalysisSetMembership.Exclusion.Reason] = [.failedIncludeRule, .metExcludeRule, .notMatched]
        let labels: [AnalysisSetMembership.Exclusion.Reason: String] = [
            .failedIncludeRule: "Did not meet the set's inclusion rule", .metExcludeRule: "Met the set's exclusion rule",
            .notMatched: "Not matched",
        ]
        for reason in reasons {
            let n = membership.excludedCount(reason) - (reason == .notMatched ? missingCovariate : 0)
            if n > 0 { steps.append(.init(reason: "\(membership.name): \(reason.rawValue)", label: labels[reason], count: n)) }
        }
        return FlowResults(
            screened: cohort.flow.screened, exclusions: steps, treated: membership.treated,
            controls: membership.controls, controlAlignmentDay: cohort.flow.controlAlignmentDay)
    }

    /// Splits the members of a set into treated and control patient numbers (ascending).
    func groups(_ membership: AnalysisSetMembership) -> (treated: [Int], control: [Int]) {
        var t: [Int] = []
        var c: [Int] = []
        for i in membership.members {
            if cohort.patients[i].group == .treated { t.append(i) } else { c.append(i) }
        }
        return (t, c)
    }
}

/// The label of a group in results and exports; `control` sorts first, as R's `factor()` does.
func groupLabel(_ group: StudyGroup) -> String { group.rawValue }

/// The group levels in R's default (alphabetical) order.
let groupLevels = [StudyGroup.control.rawValue, StudyGroup.treated.rawValue]
