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

extension MixedModelSums {
    /// Number of slots of the layout without the cross-block entries of Σ mmᵀ, for patterns
    /// that fall into `blocks` consecutive runs of P/blocks that no subject spans (the groups
    /// of a day × group design: a patient belongs to one group):
    /// 2P + 1 + maxSize · (2 + P + blocks · q(q + 1)/2), q = P/blocks.
    public static func slotCount(patternCount p: Int, maxSubjectSize m: Int, subjectBlocks b: Int) -> Int {
        let q = b > 0 ? p / b : 0
        return 2 * p + 1 + m * (2 + p + b * q * (q + 1) / 2)
    }

    /// The slots of `slots` without the entries of Σ mmᵀ that pair patterns of different
    /// blocks (zero by construction when no subject has rows in two blocks): the same order,
    /// the packed triangle of each size replaced by each block's own packed triangle in turn.
    /// `subjectBlocks` 1 gives `slots`. The layout depends on P, maxSize and the number of
    /// blocks only — never on the data — so every site's vector lines up slot by slot.
    ///
    /// - Throws: `AggregateError.outsideLayout` when P is not a multiple of `subjectBlocks`
    ///   or a subject spans two blocks (a cross-block entry is not 0).
    public func slots(subjectBlocks b: Int) throws(AggregateError) -> [Double] {
        let p = patternCount
        guard b >= 1, p % b == 0 else {
            throw .outsideLayout(aggregate: "mixed-model sums", what: "\(p) patterns do not fall into \(b) equal blocks")
        }
        let q = p / b
        var out: [Double] = []
        out.reserveCapacity(Self.slotCount(patternCount: p, maxSubjectSize: maxSubjectSize, subjectBlocks: b))
        out += patternCounts
        out += patternSums
        out.append(responseSquares)
        for (n, s) in sizes.enumerated() {
            out.append(s.subjects)
            out.append(s.totalSquares)
            out += s.cross
            for k in 0..<p {
                let blockEnd = (k / q + 1) * q
                for l in k..<p {
                    let v = s.outer[Self.packedIndex(k, l, order: p)]
                    if l < blockEnd {
                        out.append(v)
                    } else if v != 0 {
                        throw .outsideLayout(
                            aggregate: "mixed-model sums",
                            what: "subjects of size \(n + 1) have rows in patterns \(k) and \(l) of different blocks of \(q)")
                    }
                }
            }
        }
        return out
    }

    /// The sums from the slots of `slots(subjectBlocks:)`; the cross-block entries are 0.
    public init(slots: [Double], patternCount p: Int, maxSubjectSize m: Int, subjectBlocks b: Int) throws(AggregateError) {
        guard b >= 1, p % b == 0 else {
            throw .layoutMismatch(aggregate: "mixed-model sums", what: "\(p) patterns do not fall into \(b) equal blocks")
        }
        let expected = Self.slotCount(patternCount: p, maxSubjectSize: m, subjectBlocks: b)
        guard slots.count == expected else {
            throw .layoutMismatch(
                aggregate: "mixed-model sums",
                what: "\(slots.count) slots, expected \(expected) for \(p) patterns in \(b) blocks and sizes up to \(m)")
        }
        self.init(patternCount: p, maxSubjectSize: m)
        let q = p / b
        var i = 0
        func take(_ n: Int) -> ArraySlice<Double> {
            defer { i += n }
            return slots[i..<(i + n)]
        }
        patternCounts = Array(take(p))
        patternSums = Array(take(p))
        responseSquares = slots[i]
        i += 1
        for n in 0..<m {
            sizes[n].subjects = slots[i]
            sizes[n].totalSquares = slots[i + 1]
            i += 2
            sizes[n].cross = Array(take(p))
            for k in 0..<p {
                let blockEnd = (k / q + 1) * q
                for l in k..<blockEnd {
                    sizes[n].outer[Self.packedIndex(k, l, order: p)] = slots[i]
                    i += 1
                }
            }
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
