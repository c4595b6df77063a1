// The aggregate of Kaplan–Meier, Greenwood and the log-rank test: per group and per distinct
// time, the number of events and of censorings.
//
// Everything the estimators need follows from these counts: the number at risk at time tⱼ is
// the number of observations minus those that ended before tⱼ (nⱼ = N − Σ_{tᵢ < tⱼ} (dᵢ + cᵢ));
// S(t) = ∏ (1 − dⱼ/nⱼ), Greenwood's Σ dⱼ/(nⱼ(nⱼ − dⱼ)), and the log-rank sums
// E_g = Σ dⱼ n_gj/nⱼ and V_gh. Right-censored data without delayed entry need nothing else.
//
// The times are the layout: fixed by the caller (the distinct times of one data set, or a
// grid 0, r, 2r, … up to the horizon decided by the protocol, so that every site's counts line
// up slot by slot). Two counts with the same groups and times merge by adding.

/// Events and censorings per group and time.
public struct SurvivalCounts: Sendable, Hashable, Codable {
    /// Group labels, in the order of the rows of `events` and `censored`.
    public let groups: [String]
    /// The times of the slots, strictly ascending.
    public let times: [Double]
    /// Events per group (rows) and time (columns).
    public var events: [[Int]]
    /// Censorings per group and time.
    public var censored: [[Int]]

    /// Empty counts over the given groups and strictly ascending times.
    /// - Throws: `AggregateError.outsideLayout` when the times are not strictly ascending and
    ///   finite, or the groups repeat.
    public init(groups: [String], times: [Double]) throws(AggregateError) {
        guard Set(groups).count == groups.count else {
            throw .outsideLayout(aggregate: "survival counts", what: "group labels repeat: \(groups)")
        }
        for k in times.indices where !times[k].isFinite || (k > 0 && !(times[k] > times[k - 1])) {
            throw .outsideLayout(aggregate: "survival counts", what: "the times must be finite and strictly ascending (slot \(k): \(times[k]))")
        }
        self.groups = groups
        self.times = times
        events = groups.map { _ in [Int](repeating: 0, count: times.count) }
        censored = events
    }

    /// Counts on the grid 0, r, 2r, …, horizon (r = `resolution`; the horizon is rounded up
    /// to a whole number of steps).
    public static func grid(groups: [String], resolution r: Double, horizon: Double) throws(AggregateError) -> SurvivalCounts {
        guard r > 0, r.isFinite, horizon >= 0, horizon.isFinite else {
            throw .outsideLayout(aggregate: "survival counts", what: "the grid needs a positive resolution and a horizon ≥ 0 (got \(r), \(horizon))")
        }
        let steps = Int((horizon / r).rounded(.up))
        guard steps < 10_000_000 else {
            throw .outsideLayout(aggregate: "survival counts", what: "\(steps + 1) grid times exceed the limit of 10 000 000")
        }
        return try SurvivalCounts(groups: groups, times: (0...steps).map { Double($0) * r })
    }

    /// The slot of `time` on a grid of resolution `r` and whether the time lies on the grid
    /// (within 1e-9 of a step, relative to the step).
    public static func gridSlot(_ time: Double, resolution r: Double) -> (slot: Int, onGrid: Bool) {
        let x = time / r
        let slot = Int(x.rounded())
        return (slot, abs(x - Double(slot)) <= 1e-9 * max(1, abs(x)))
    }

    /// Adds one observation to slot `slot` of group `group`.
    public mutating func add(group: Int, slot: Int, event: Bool) throws(AggregateError) {
        guard group >= 0, group < groups.count, slot >= 0, slot < times.count else {
            throw .outsideLayout(aggregate: "survival counts", what: "group \(group), slot \(slot) outside \(groups.count) groups × \(times.count) times")
        }
        if event { events[group][slot] += 1 } else { censored[group][slot] += 1 }
    }

    /// Adds `other` slot by slot.
    public mutating func merge(_ other: SurvivalCounts) throws(AggregateError) {
        guard other.groups == groups else {
            throw .layoutMismatch(aggregate: "survival counts", what: "groups \(groups) vs \(other.groups)")
        }
        guard other.times == times else {
            throw .layoutMismatch(aggregate: "survival counts", what: "\(times.count) vs \(other.times.count) times, or different times")
        }
        for g in groups.indices {
            for j in times.indices {
                events[g][j] += other.events[g][j]
                censored[g][j] += other.censored[g][j]
            }
        }
    }

    /// Observations per group.
    public var observationCounts: [Int] { groups.indices.map { g in events[g].reduce(0, +) + censored[g].reduce(0, +) } }

    /// The counts of the observations: times merged as survival's `timefix` does
    /// (`SurvivalInput.mergingNearTies`), one slot per distinct merged time, groups in the
    /// given order. Validates as `KaplanMeier.fit`.
    static func exact(times: [Double], events: [Bool], groupIndex: [Int], groups: [String]) throws -> SurvivalCounts {
        let fixed = SurvivalInput.mergingNearTies(times)
        var distinct = Array(Set(fixed)).sorted()
        if distinct.isEmpty { distinct = [] }
        var slot: [Double: Int] = [:]
        for (j, t) in distinct.enumerated() { slot[t] = j }
        var counts = try SurvivalCounts(groups: groups, times: distinct)
        for i in fixed.indices {
            guard let j = slot[fixed[i]] else { continue }
            try counts.add(group: groupIndex[i], slot: j, event: events[i])
        }
        return counts
    }
}
