/// Validation and preparation shared by Kaplan–Meier and the log-rank test.
///
/// Missing values are refused, not dropped: a NaN time names its index in the error, so the
/// caller drops incomplete observations itself and counts them where the exclusion is shown
/// (DESIGN.md §3: nothing is dropped silently).
enum SurvivalInput {
    /// The tolerance of survival's `aeqSurv` (its `timefix`): `sqrt(.Machine$double.eps)`.
    static let timeTolerance = Double.ulpOfOne.squareRoot()

    /// Checks lengths and values of right-censored survival data.
    static func validate(times: [Double], events: [Bool], groups: [String]? = nil) throws {
        guard !times.isEmpty else {
            throw StatsError("times is empty; survival estimates need at least one observation")
        }
        guard events.count == times.count else {
            throw StatsError("events has \(events.count) values but times has \(times.count); they must have the same length")
        }
        if let groups, groups.count != times.count {
            throw StatsError("groups has \(groups.count) values but times has \(times.count); they must have the same length")
        }
        for (index, time) in times.enumerated() {
            if time.isNaN {
                throw StatsError("times[\(index)] is missing (NaN); drop incomplete observations before the survival analysis and report how many were dropped")
            }
            if !time.isFinite {
                throw StatsError("times[\(index)] is \(time); survival times must be finite")
            }
            if time < 0 {
                throw StatsError("times[\(index)] is \(time); survival times must be ≥ 0 (time from day 0)")
            }
        }
    }

    /// Merges times that are equal up to floating-point noise, as survival's `aeqSurv` does by
    /// default (`timefix = TRUE` in `survfit` and `survdiff`): sort the distinct times; a time
    /// whose gap to the previous distinct time is ≤ 1.49e-8 in absolute terms, or relative to
    /// the mean absolute distinct time, joins the previous time's class; every time is then
    /// replaced by the smallest time of its class. Without this, 0.1 × 3 and 0.3 would be two
    /// event times.
    static func mergingNearTies(_ times: [Double]) -> [Double] {
        var distinct = times.sorted()
        var write = 0
        for value in distinct where write == 0 || distinct[write - 1] != value {
            distinct[write] = value
            write += 1
        }
        distinct.removeLast(distinct.count - write)
        guard distinct.count > 1 else { return times }
        var meanAbsolute = 0.0
        for value in distinct { meanAbsolute += abs(value) }
        meanAbsolute /= Double(distinct.count)
        var cuts: [Double] = [distinct[0]]
        var anyTied = false
        for k in 1..<distinct.count {
            let gap = distinct[k] - distinct[k - 1]
            let tied = gap <= timeTolerance || gap / meanAbsolute <= timeTolerance
            if tied { anyTied = true } else { cuts.append(distinct[k]) }
        }
        guard anyTied else { return times }
        return times.map { time in
            // Largest cut ≤ time (binary search; cuts are sorted and cuts[0] ≤ every time).
            var low = 0
            var high = cuts.count - 1
            while low < high {
                let mid = (low + high + 1) / 2
                if cuts[mid] <= time { low = mid } else { high = mid - 1 }
            }
            return cuts[low]
        }
    }

    /// Maps group labels to level indices. Without `levels`, the levels are the distinct
    /// labels in ascending `String` order (R's `factor` order for ASCII labels in the C
    /// locale); pass `levels` to fix the order, e.g. `["treated", "control"]`. Levels with no
    /// observations are dropped and reported in `emptyLevels`.
    static func groupIndices(_ groups: [String], levels: [String]?) throws
        -> (indices: [Int], levels: [String], emptyLevels: [String])
    {
        var order: [String]
        if let levels {
            var seen = Set<String>()
            for level in levels where !seen.insert(level).inserted {
                throw StatsError("levels lists \"\(level)\" twice; each group level must appear once")
            }
            order = levels
        } else {
            order = Array(Set(groups)).sorted()
        }
        var position: [String: Int] = [:]
        for (index, level) in order.enumerated() { position[level] = index }
        var raw = [Int](repeating: 0, count: groups.count)
        var used = [Bool](repeating: false, count: order.count)
        for (index, label) in groups.enumerated() {
            guard let level = position[label] else {
                throw StatsError("groups[\(index)] is \"\(label)\", which is not one of levels \(order)")
            }
            raw[index] = level
            used[level] = true
        }
        var remap = [Int](repeating: -1, count: order.count)
        var kept: [String] = []
        var empty: [String] = []
        for (index, level) in order.enumerated() {
            if used[index] {
                remap[index] = kept.count
                kept.append(level)
            } else {
                empty.append(level)
            }
        }
        return (raw.map { remap[$0] }, kept, empty)
    }
}
