// Every aggregate as a flat vector of numbers ("slots") and back, given its layout. The
// vector is what a site masks for secure aggregation (every site's vector has the same
// length and order, so the network total is the slot-by-slot sum) and what a summary file
// stores; merging two aggregates is adding their vectors.

extension MixedModelSums {
    /// Number of slots of the layout: 2P + 1 + maxSize · (2 + P + P(P + 1)/2).
    public static func slotCount(patternCount p: Int, maxSubjectSize m: Int) -> Int {
        2 * p + 1 + m * (2 + p + p * (p + 1) / 2)
    }

    /// [Nₖ…, Σyₖ…, Σy², then per size n = 1 … maxSize: subjects, Σ(1ᵀy)², Σm(1ᵀy)…, Σmmᵀ packed…].
    public var slots: [Double] {
        var out: [Double] = []
        out.reserveCapacity(Self.slotCount(patternCount: patternCount, maxSubjectSize: maxSubjectSize))
        out += patternCounts
        out += patternSums
        out.append(responseSquares)
        for s in sizes {
            out.append(s.subjects)
            out.append(s.totalSquares)
            out += s.cross
            out += s.outer
        }
        return out
    }

    /// The sums from their slots.
    public init(slots: [Double], patternCount p: Int, maxSubjectSize m: Int) throws(AggregateError) {
        guard slots.count == Self.slotCount(patternCount: p, maxSubjectSize: m) else {
            throw .layoutMismatch(aggregate: "mixed-model sums", what: "\(slots.count) slots, expected \(Self.slotCount(patternCount: p, maxSubjectSize: m)) for \(p) patterns and sizes up to \(m)")
        }
        self.init(patternCount: p, maxSubjectSize: m)
        var i = 0
        func take(_ n: Int) -> [Double] {
            defer { i += n }
            return Array(slots[i..<(i + n)])
        }
        patternCounts = take(p)
        patternSums = take(p)
        responseSquares = take(1)[0]
        for n in 0..<m {
            sizes[n].subjects = take(1)[0]
            sizes[n].totalSquares = take(1)[0]
            sizes[n].cross = take(p)
            sizes[n].outer = take(p * (p + 1) / 2)
        }
    }
}

extension SurvivalCounts {
    /// [events of group 0 per time…, censorings of group 0 per time…, then group 1 …].
    public var slots: [Double] {
        var out: [Double] = []
        for g in groups.indices {
            out += events[g].map(Double.init)
            out += censored[g].map(Double.init)
        }
        return out
    }

    /// Counts from their slots (each must be a whole number ≥ 0).
    public init(slots: [Double], groups: [String], times: [Double]) throws(AggregateError) {
        try self.init(groups: groups, times: times)
        let t = times.count
        guard slots.count == 2 * t * groups.count else {
            throw .layoutMismatch(aggregate: "survival counts", what: "\(slots.count) slots, expected \(2 * t * groups.count)")
        }
        for v in slots where !(v >= 0 && v == v.rounded() && v < 1e15) {
            throw .outsideLayout(aggregate: "survival counts", what: "slot value \(v) is not a count")
        }
        for g in groups.indices {
            events[g] = slots[(2 * g * t)..<((2 * g + 1) * t)].map { Int($0) }
            censored[g] = slots[((2 * g + 1) * t)..<((2 * g + 2) * t)].map { Int($0) }
        }
    }
}

extension LogRankContribution {
    /// [counts…, observed…, expected…, variance (k × k)…].
    public var slots: [Double] { counts.map(Double.init) + observed.map(Double.init) + expected + variance }

    public init(slots: [Double], groups k: Int) throws(AggregateError) {
        guard slots.count == 3 * k + k * k else {
            throw .layoutMismatch(aggregate: "log-rank sums", what: "\(slots.count) slots, expected \(3 * k + k * k)")
        }
        self.init(
            counts: slots[0..<k].map { Int($0.rounded()) }, observed: slots[k..<(2 * k)].map { Int($0.rounded()) },
            expected: Array(slots[(2 * k)..<(3 * k)]), variance: Array(slots[(3 * k)...]))
    }
}

extension MomentSums {
    /// [n, Σy, Σy²].
    public var slots: [Double] { [count, sum, sumOfSquares] }

    public init(slots: [Double]) throws(AggregateError) {
        guard slots.count == 3 else {
            throw .layoutMismatch(aggregate: "moment sums", what: "\(slots.count) slots, expected 3")
        }
        self.init(count: slots[0], sum: slots[1], sumOfSquares: slots[2])
    }
}
