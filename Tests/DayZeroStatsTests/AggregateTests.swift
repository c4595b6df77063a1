import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStats

// The aggregates (MixedModelSums, SurvivalCounts, LogRankContribution, MomentSums,
// CountTable): hand-worked sums first, then merging in any order equals the whole.

private func expectClose(
    _ actual: Double, _ expected: Double, _ tolerance: Double, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        isClose(actual, expected, tolerance: tolerance),
        "\(what()): actual \(actual), expected \(expected), relative error \(relativeError(actual, expected))",
        sourceLocation: sourceLocation)
}

/// A deterministic generator (SplitMix64) so the split is the same on every run.
private struct Mix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

// MARK: - Mixed model sums

/// Two subjects over 2 patterns: a with rows (pattern 0, y 1), (pattern 1, y 3); b with one row
/// (pattern 1, y 2). By hand: N = (1, 2), Σy = (1, 5), Σy² = 14; size 2: one subject,
/// m = (1, 1), 1ᵀy = 4 → Σmmᵀ packed (1, 1, 1), Σm(1ᵀy) = (4, 4), Σ(1ᵀy)² = 16; size 1:
/// m = (0, 1), 1ᵀy = 2 → packed (0, 0, 1), (0, 2), 4.
@Test func mixedModelSumsHandWorked() throws {
    var sums = MixedModelSums(patternCount: 2, maxSubjectSize: 2)
    try sums.addSubject(patterns: [1, 0], responses: [3, 1])   // unsorted rows
    try sums.addSubject(patterns: [1], responses: [2])
    #expect(sums.patternCounts == [1, 2])
    #expect(sums.patternSums == [1, 5])
    #expect(sums.responseSquares == 14)
    #expect(sums.sizes[1].subjects == 1)
    #expect(sums.sizes[1].outer == [1, 1, 1])
    #expect(sums.sizes[1].cross == [4, 4])
    #expect(sums.sizes[1].totalSquares == 16)
    #expect(sums.sizes[0].outer == [0, 0, 1])
    #expect(sums.sizes[0].cross == [0, 2])
    #expect(sums.sizes[0].totalSquares == 4)
    #expect(sums.subjectCount == 2)
    #expect(sums.observationCount == 3)
    // Slots round-trip.
    #expect(try MixedModelSums(slots: sums.slots, patternCount: 2, maxSubjectSize: 2) == sums)
    #expect(sums.slots.count == MixedModelSums.slotCount(patternCount: 2, maxSubjectSize: 2))
}

/// Four patterns in two blocks (0, 1 | 2, 3), as a two-day window's groups: subject a has rows
/// in patterns 0 and 1 (y 1, 2), subject b in 2 and 3 (y 3, 4). Size 2 by hand: Σmmᵀ packed
/// (order 4) = (1, 1, 0, 0 | 1, 0, 0 | 1, 1 | 1); without the cross-block entries (0,2), (0,3),
/// (1,2), (1,3) the block layout keeps (1, 1, 1 | 1, 1, 1): 6 of 10 entries.
@Test func mixedModelSumsBlockLayoutHandWorked() throws {
    var sums = MixedModelSums(patternCount: 4, maxSubjectSize: 2)
    try sums.addSubject(patterns: [1, 0], responses: [2, 1])
    try sums.addSubject(patterns: [2, 3], responses: [3, 4])
    #expect(sums.sizes[1].outer == [1, 1, 0, 0, 1, 0, 0, 1, 1, 1])
    let slots = try sums.slots(subjectBlocks: 2)
    // 2P + 1 = 9, then per size: subjects, Σ(1ᵀy)², cross (4), block triangles (3 + 3).
    #expect(slots.count == 9 + 2 * (2 + 4 + 6))
    #expect(slots.count == MixedModelSums.slotCount(patternCount: 4, maxSubjectSize: 2, subjectBlocks: 2))
    #expect(Array(slots[9..<21]) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])   // no subject of size 1
    #expect(Array(slots[21...]) == [2, 9 + 49, 3, 3, 7, 7, 1, 1, 1, 1, 1, 1])
    #expect(try MixedModelSums(slots: slots, patternCount: 4, maxSubjectSize: 2, subjectBlocks: 2) == sums)
    // One block is the full layout.
    #expect(try sums.slots(subjectBlocks: 1) == sums.slots)
    #expect(MixedModelSums.slotCount(patternCount: 4, maxSubjectSize: 2, subjectBlocks: 1) == MixedModelSums.slotCount(patternCount: 4, maxSubjectSize: 2))
    // A subject across the blocks, an uneven split or a wrong length is refused.
    var spanning = MixedModelSums(patternCount: 4, maxSubjectSize: 2)
    try spanning.addSubject(patterns: [1, 2], responses: [1, 1])
    #expect(throws: AggregateError.self) { _ = try spanning.slots(subjectBlocks: 2) }
    #expect(throws: AggregateError.self) { _ = try sums.slots(subjectBlocks: 3) }
    #expect(throws: AggregateError.self) { _ = try MixedModelSums(slots: slots.dropLast().map { $0 }, patternCount: 4, maxSubjectSize: 2, subjectBlocks: 2) }
}

@Test func mixedModelSumsRefuseOutsideLayoutAndMismatch() throws {
    var sums = MixedModelSums(patternCount: 2, maxSubjectSize: 1)
    #expect(throws: AggregateError.self) { try sums.addSubject(patterns: [0, 1], responses: [1, 2]) }
    #expect(throws: AggregateError.self) { try sums.addSubject(patterns: [2], responses: [1]) }
    #expect(throws: AggregateError.self) { try sums.merge(MixedModelSums(patternCount: 3, maxSubjectSize: 1)) }
    #expect(throws: AggregateError.self) { try sums.merge(MixedModelSums(patternCount: 2, maxSubjectSize: 2)) }
    #expect(throws: AggregateError.self) { _ = try MixedModelSums(slots: [1, 2], patternCount: 2, maxSubjectSize: 1) }
}

/// A day × group random-intercept data set: `subjects` patients, days 0…4, group by patient,
/// some days missing.
private func kineticsData(subjects: Int, seed: UInt64) -> (y: [Double], subject: [Int], day: [Int], group: [Int]) {
    var rng = Mix(state: seed)
    var y: [Double] = [], s: [Int] = [], d: [Int] = [], g: [Int] = []
    for i in 0..<subjects {
        let group = i % 2
        let b = rng.uniform() * 2 - 1
        for day in 0..<5 where rng.uniform() > 0.25 {
            y.append(5 + 0.3 * Double(day) + 0.4 * Double(group * day) + b + rng.uniform() - 0.5)
            s.append(i); d.append(day); g.append(group)
        }
    }
    return (y, s, d, g)
}

/// Three random parts, merged in different orders, give the fit of the whole; and the fit from
/// sums equals the fit from rows.
@Test func mixedModelSumsMergeEqualsWhole() throws {
    let data = kineticsData(subjects: 60, seed: 11)
    let dayFactor = try CategoricalVariable(name: "day", values: data.day.map { Optional($0) })
    let groupFactor = try CategoricalVariable(name: "group", levels: ["control", "treated"], codes: data.group.map(Int32.init))
    let design = try FixedEffectsDesign.crossed(dayFactor, groupFactor)
    let whole = try LinearMixedModel.fit(response: data.y, subjects: data.subject, design: design)
    let wholeAnova = try whole.typeIIIAnova()

    // Per-subject sums, assigned to 3 parts at random.
    var rng = Mix(state: 5)
    var parts = [MixedModelSums](repeating: MixedModelSums(patternCount: 10, maxSubjectSize: 5), count: 3)
    var all = MixedModelSums(patternCount: 10, maxSubjectSize: 5)
    for subject in Set(data.subject).sorted() {
        let rows = data.y.indices.filter { data.subject[$0] == subject }
        let patterns = rows.map { Int32(data.day[$0] + 5 * data.group[$0]) }
        let responses = rows.map { data.y[$0] }
        try parts[rng.int(3)].addSubject(patterns: patterns, responses: responses)
        try all.addSubject(patterns: patterns, responses: responses)
    }
    #expect(parts.allSatisfy { $0.subjectCount > 0 })
    for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
        var merged = parts[order[0]]
        try merged.merge(parts[order[1]])
        try merged.merge(parts[order[2]])
        #expect(merged.subjectCount == all.subjectCount)
        for (a, b) in zip(merged.slots, all.slots) { expectClose(a, b, 1e-12, "merged slot") }
        let fit = try LinearMixedModel.fit(sums: merged, design: design)
        let anova = try fit.typeIIIAnova()
        #expect(anova.rows.count == wholeAnova.rows.count)
        for (r, w) in zip(anova.rows, wholeAnova.rows) {
            expectClose(r.test.fValue, w.test.fValue, 1e-10, "F \(r.term)")
            expectClose(r.test.denominatorDF, w.test.denominatorDF, 1e-9, "df \(r.term)")
            expectClose(r.test.pValue, w.test.pValue, 1e-9, "p \(r.term)")
        }
        expectClose(fit.residualVariance, whole.residualVariance, 1e-10, "σ²")
        expectClose(fit.subjectVariance, whole.subjectVariance, 1e-9, "σ_b²")
        expectClose(fit.restrictedLogLikelihood, whole.restrictedLogLikelihood, 1e-12, "logLik")
    }
}

/// Selecting the patterns of the days present gives the fit of a design built for those days.
@Test func mixedModelSumsSelectingPresentPatterns() throws {
    let data = kineticsData(subjects: 40, seed: 3)
    // Shift the days to 1…5 in a 0…5 layout: day 0 is empty.
    var sums = MixedModelSums(patternCount: 12, maxSubjectSize: 6)
    for subject in Set(data.subject).sorted() {
        let rows = data.y.indices.filter { data.subject[$0] == subject }
        try sums.addSubject(patterns: rows.map { Int32(data.day[$0] + 1 + 6 * data.group[$0]) }, responses: rows.map { data.y[$0] })
    }
    #expect(throws: AggregateError.self) { _ = try sums.selecting(patterns: [0, 1]) }
    let keep = (1...5).map { $0 } + (7...11).map { $0 }
    let selected = try sums.selecting(patterns: keep)
    let design = try FixedEffectsDesign.crossed(
        try CategoricalVariable(name: "day", values: data.day.map { Optional($0 + 1) }),
        try CategoricalVariable(name: "group", levels: ["control", "treated"], codes: data.group.map(Int32.init)))
    let rows = try LinearMixedModel.fit(response: data.y, subjects: data.subject, design: design)
    let fromSums = try LinearMixedModel.fit(sums: selected, design: design)
    #expect(rows.coefficients.count == fromSums.coefficients.count)
    for (a, b) in zip(rows.coefficients, fromSums.coefficients) { expectClose(a.estimate, b.estimate, 1e-10, a.name) }
}

// MARK: - Survival counts

/// Times 1, 2, 2, 3 (events at 1 and one at 2, censored at 2 and 3), one group: S(1) = 3/4,
/// S(2) = 3/4 · 2/3 = 1/2, Greenwood at 2: 1/(4·3) + 1/(3·2) = 1/4.
@Test func survivalCountsHandWorked() throws {
    var counts = try SurvivalCounts(groups: ["a"], times: [0, 1, 2, 3])
    try counts.add(group: 0, slot: 2, event: false)
    try counts.add(group: 0, slot: 1, event: true)
    try counts.add(group: 0, slot: 2, event: true)
    try counts.add(group: 0, slot: 3, event: false)
    let fit = try KaplanMeier.fit(counts: counts)
    let steps = try #require(fit.curves.first).steps
    #expect(steps.map(\.time) == [1, 2, 3])
    #expect(steps.map(\.atRisk) == [4, 3, 1])
    expectClose(steps[0].survival, 0.75, 1e-15, "S(1)")
    expectClose(steps[1].survival, 0.5, 1e-15, "S(2)")
    expectClose(try #require(steps[1].logStandardError), 0.5, 1e-15, "Greenwood SE of log S(2)")
    let rows = try KaplanMeier.fit(times: [2, 1, 2, 3], events: [false, true, true, false])
    #expect(rows.curves.first?.steps == fit.curves.first?.steps)
    #expect(throws: AggregateError.self) { try counts.add(group: 1, slot: 0, event: true) }
    #expect(throws: AggregateError.self) { _ = try SurvivalCounts(groups: ["a"], times: [0, 2, 1]) }
    #expect(throws: AggregateError.self) { try counts.merge(try SurvivalCounts(groups: ["a"], times: [0, 1])) }
    #expect(try SurvivalCounts(slots: counts.slots, groups: ["a"], times: [0, 1, 2, 3]) == counts)
}

/// Whole-day survival data of two groups split into 3 parts: merged counts give the curves and
/// the log-rank test of the whole, in any order; the stratified test adds the parts' sums.
@Test func survivalCountsMergeEqualsWhole() throws {
    var rng = Mix(state: 17)
    var times: [Double] = [], events: [Bool] = [], groups: [String] = [], part: [Int] = []
    for i in 0..<150 {
        times.append(Double(rng.int(29)))
        events.append(rng.uniform() < 0.4)
        groups.append(i % 3 == 0 ? "treated" : "control")
        part.append(rng.int(3))
    }
    let levels = ["control", "treated"]
    var parts: [SurvivalCounts] = []
    for p in 0..<3 {
        var c = try SurvivalCounts.grid(groups: levels, resolution: 1, horizon: 28)
        for i in times.indices where part[i] == p {
            try c.add(group: levels.firstIndex(of: groups[i]) ?? 0, slot: Int(times[i]), event: events[i])
        }
        parts.append(c)
    }
    let wholeKM = try KaplanMeier.fit(times: times, events: events, groups: groups, levels: levels)
    let wholeLR = try LogRank.test(times: times, events: events, groups: groups, levels: levels)
    for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2]] {
        var merged = parts[order[0]]
        try merged.merge(parts[order[1]])
        try merged.merge(parts[order[2]])
        let km = try KaplanMeier.fit(counts: merged)
        #expect(km.curves.count == wholeKM.curves.count)
        for (a, b) in zip(km.curves, wholeKM.curves) {
            #expect(a.steps.count == b.steps.count)
            for (s, t) in zip(a.steps, b.steps) {
                #expect(s.time == t.time && s.atRisk == t.atRisk && s.events == t.events)
                expectClose(s.survival, t.survival, 1e-12, "S(\(s.time))")
            }
        }
        let lr = try LogRank.test(counts: merged)
        expectClose(lr.chiSquared, wholeLR.chiSquared, 1e-12, "χ²")
        expectClose(lr.pValue, wholeLR.pValue, 1e-12, "p")
        #expect(lr.observed == wholeLR.observed)
    }
    // Stratified: the sum of the parts' own contributions.
    let stratified = try LogRank.test(strata: parts)
    var sum = LogRankContribution(parts[0])
    try sum.merge(LogRankContribution(parts[1]))
    try sum.merge(LogRankContribution(parts[2]))
    let fromSums = try LogRank.test(contribution: try LogRankContribution(slots: sum.slots, groups: 2), levels: levels)
    expectClose(fromSums.chiSquared, stratified.chiSquared, 1e-12, "stratified χ²")
    #expect(stratified.observed == wholeLR.observed)
}

/// survdiff(Surv(t, e) ~ g + strata(s)) on a tiny case, worked by hand: stratum 1 has times
/// a:1 (event), b:2 (event); stratum 2 has a:1 (event), b:1 (event). Stratum 1 at t = 1: n = 2,
/// d = 1, E_a = 1/2, V = 1/4; at t = 2 only b at risk: E_b += 1, V += 0. Stratum 2 at t = 1:
/// n = 2, d = 2, E_a = 1, V = 0 (n − d = 0). O_a = 2, E_a = 1.5, V = 1/4 → χ² = 0.25/0.25 = 1.
@Test func stratifiedLogRankHandWorked() throws {
    var s1 = try SurvivalCounts(groups: ["a", "b"], times: [1, 2])
    try s1.add(group: 0, slot: 0, event: true)
    try s1.add(group: 1, slot: 1, event: true)
    var s2 = try SurvivalCounts(groups: ["a", "b"], times: [1, 2])
    try s2.add(group: 0, slot: 0, event: true)
    try s2.add(group: 1, slot: 0, event: true)
    let test = try LogRank.test(strata: [s1, s2])
    #expect(test.observed == [2, 2])
    expectClose(test.expected[0], 1.5, 1e-15, "E_a")
    expectClose(test.chiSquared, 1, 1e-14, "χ²")
    #expect(test.degreesOfFreedom == 1)
}

// MARK: - Moment sums

/// y = 1, 2, 4: n 3, Σ 7, Σy² 21, mean 7/3, s² = (21 − 49/3)/2 = 7/3; the t interval is
/// t.test(c(1, 2, 4))$conf.int = (−1.461 250, 6.127 916) in R.
@Test func momentSumsHandWorked() throws {
    var s = MomentSums([4, 1])
    s.add(2)
    #expect(s.slots == [3, 7, 21])
    expectClose(try #require(s.variance), 7.0 / 3, 1e-15, "s²")
    let ci = try #require(s.meanInterval())
    expectClose(ci.lower, -1.4612497, 1e-6, "lower")
    expectClose(ci.upper, 6.1279164, 1e-6, "upper")
    let t = try #require(s.tTest())
    let direct = try TTest.oneSample([1, 2, 4])
    expectClose(t.t, try #require(direct.statistic), 1e-14, "t")
    expectClose(t.pValue, try #require(direct.pValue), 1e-13, "p")
    var a = MomentSums([1])
    a.merge(MomentSums([2, 4]))
    #expect(a == s)
    #expect(MomentSums([5]).meanInterval() == nil)
    #expect(MomentSums([3, 3]).tTest() == nil)
    #expect(try MomentSums(slots: s.slots) == s)
}

@Test func countTableMerge() throws {
    var t = CountTable([[1, 2], [3, 4]])
    try t.merge(CountTable([[10, 20], [30, 40]]))
    #expect(t.cells == [[11, 22], [33, 44]])
    #expect(throws: AggregateError.self) { try t.merge(CountTable([[1, 2, 3], [4, 5, 6]])) }
}
