/// The patients of one analysis set and why the others are not in it.
public struct AnalysisSetMembership: Sendable, Equatable {
    public struct Exclusion: Sendable, Equatable {
        public enum Reason: String, Sendable, Codable {
            /// The patient met the set's `exclude_if` rule.
            case metExcludeRule = "met_exclude_if"
            /// The patient did not meet the set's `include_if` rule.
            case failedIncludeRule = "failed_include_if"
            /// Not selected by propensity-score matching.
            case notMatched = "not_matched"
        }

        public var patient: Int
        public var reason: Reason
    }

    public var name: String
    /// Patient numbers (into `DerivedCohort.patients`), ascending.
    public var members: [Int]
    /// Every included patient left out of the set, with the reason (ascending patient order).
    public var excluded: [Exclusion]
    public var treated: Int
    public var controls: Int

    /// Counts of the exclusions by reason.
    public func excludedCount(_ reason: Exclusion.Reason) -> Int { excluded.filter { $0.reason == reason }.count }

    /// A set whose members were chosen outside the rules (propensity matching): every other
    /// included patient is `not_matched`.
    public static func matched(name: String, members: [Int], in cohort: DerivedCohort) -> AnalysisSetMembership {
        let chosen = Set(members)
        let sorted = chosen.sorted()
        let excluded = cohort.patients.indices.filter { !chosen.contains($0) }.map { Exclusion(patient: $0, reason: .notMatched) }
        let treated = sorted.filter { cohort.patients[$0].group == .treated }.count
        return AnalysisSetMembership(name: name, members: sorted, excluded: excluded, treated: treated, controls: sorted.count - treated)
    }
}

extension DerivedCohort {
    /// Membership of a rule-based set; `nil` for a propensity-matched set (its members come from
    /// the matching, see `AnalysisSetMembership.matched`).
    ///
    /// A patient of a group selected by `applies_to` is a member when it meets `include_if`
    /// (if given) and does not meet `exclude_if` (if given); a patient of the other group is
    /// always a member. An include failure is reported before an exclude match.
    public func membership(of rule: AnalysisSetRule) -> AnalysisSetMembership? {
        guard rule.isRuleBased else { return nil }
        var members: [Int] = []
        var excluded: [AnalysisSetMembership.Exclusion] = []
        var treated = 0
        for i in patients.indices {
            let selected = rule.appliesTo.selects(patients[i].group)
            if selected, let inc = rule.includeIf, !meets(inc, patient: i) {
                excluded.append(.init(patient: i, reason: .failedIncludeRule))
                continue
            }
            if selected, let exc = rule.excludeIf, meets(exc, patient: i) {
                excluded.append(.init(patient: i, reason: .metExcludeRule))
                continue
            }
            members.append(i)
            if patients[i].group == .treated { treated += 1 }
        }
        return AnalysisSetMembership(name: rule.name, members: members, excluded: excluded, treated: treated, controls: members.count - treated)
    }

    /// Memberships of every rule-based set of the protocol, in protocol order (matched sets are
    /// skipped: the analysis layer adds them after matching).
    public func ruleBasedMemberships() -> [AnalysisSetMembership] {
        studyProtocol.analysisSets.compactMap { membership(of: $0) }
    }

    /// Whether patient `patient` meets `criterion`.
    ///
    /// Day counting: distinct aligned days inside the window (both ends included) on which the
    /// drug was given / the day's value meets the threshold; days without a value never count.
    /// With `consecutive`, the longest run of such days in a row must reach `on_at_least_days`
    /// (a day without a value, or not meeting the threshold, breaks the run).
    /// Thresholds are strict for `above`/`below` (38.5 is not above 38.5) and inclusive for
    /// `at_least`/`at_most`.
    public func meets(_ criterion: Criterion, patient i: Int) -> Bool {
        switch criterion {
        case .anyOf(let rules): return rules.contains { meets($0, patient: i) }
        case .allOf(let rules): return rules.allSatisfy { meets($0, patient: i) }
        case .not(let rule): return !meets(rule, patient: i)
        case .drug(let d):
            return d.isMet(byDays: qualifyingDayList(d, patient: i))
        case .parameter(let c):
            return c.isMet(byDays: qualifyingDayList(c, patient: i))
        case .variable(let v):
            return setFacts.meets(v, patient: i)
        case .event(let e):
            return setFacts.meets(e, patient: i, dayOffset: patients[i].day0)
        }
    }

    /// Distinct aligned days in the window on which the drug was given.
    public func qualifyingDays(_ d: DrugCriterion, patient i: Int) -> Int {
        qualifyingDayList(d, patient: i).count
    }

    /// The aligned days in the window on which the drug was given, ascending.
    public func qualifyingDayList(_ d: DrugCriterion, patient i: Int) -> [Int] {
        guard let k = drugDays.drugs.firstIndex(of: d.drug.lowercased()) else { return [] }
        let day0 = patients[i].day0
        return drugDays.days(patient: i, drug: k).map { Int($0) - day0 }.filter { d.window.contains($0) }
    }

    /// Aligned days in the window on which the parameter's day value meets the threshold.
    public func qualifyingDays(_ c: ParameterCriterion, patient i: Int) -> Int {
        qualifyingDayList(c, patient: i).count
    }

    /// The aligned days in the window on which the parameter's day value meets the threshold,
    /// ascending.
    public func qualifyingDayList(_ c: ParameterCriterion, patient i: Int) -> [Int] {
        guard let s = seriesIndex(parameter: c.parameter, aggregation: c.aggregation) else { return [] }
        let day0 = patients[i].day0
        var days: [Int] = []
        for r in daily.range(patient: i, series: s) {
            let aligned = Int(daily.days[r]) - day0
            if aligned > c.window.end { break }
            if aligned >= c.window.start, c.threshold.isMet(by: daily.values[r]) { days.append(aligned) }
        }
        return days
    }
}
