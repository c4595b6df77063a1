// The aggregate of a random-intercept mixed model: raw sums in pattern space, grouped by
// subject size.
//
// A design with P distinct rows ("patterns", e.g. the day × group cells of a window) writes
// subject i's rows as the count vector mᵢ (observations per pattern) and the response total
// 1ᵀyᵢ. With P the pattern matrix (P × p), sᵢ = Xᵢᵀ1 = Pᵀmᵢ, and every sum REML needs
// (LMMSufficientStatistics) follows from
//
//     per pattern k:     Nₖ (count), Σ y over the pattern's rows
//     per size n:        subjects, Σ mᵢmᵢᵀ, Σ mᵢ·(1ᵀyᵢ), Σ (1ᵀyᵢ)²     (subjects with nᵢ = n)
//     overall:           Σ y²
//
// after the least-squares shift β₀ (fitted value fₖ = Pₖβ₀ per pattern):
//
//     XᵀX = Σₖ Nₖ PₖᵀPₖ,   Xᵀe = Σₖ Pₖ (Σyₖ − Nₖ fₖ),   eᵀe = Σy² − 2 Σₖ fₖ Σyₖ + Σₖ Nₖ fₖ²,
//     Σ sᵢsᵢᵀ = Pᵀ(Σ mmᵀ)P,   Σ sᵢtᵢ = Pᵀ(Σ m(1ᵀy) − (Σ mmᵀ) f),
//     Σ tᵢ² = Σ(1ᵀy)² − 2 fᵀΣ m(1ᵀy) + fᵀ(Σ mmᵀ) f,
//
// with tᵢ = 1ᵀeᵢ = 1ᵀyᵢ − mᵢᵀf. The sums may be taken about a centre cₖ per pattern (y − cₖ
// for a row of pattern k; part of the layout, 0 unless chosen): f is then replaced by f − c in
// the formulas, which keeps the subtractions of residual size when the response is far from 0
// (an in-memory fit centres each pattern on its mean). No sum holds a subject identifier; all are additive, so two
// sites' sums merge by adding slot by slot (associative and commutative), and the fit of the
// merged sums is the fit of the pooled rows. The layout — P patterns and sizes 1 … maxSize —
// is fixed by the design and the protocol, not by the data.

/// Sums of one subject size n.
public struct MixedModelSizeSums: Sendable, Hashable, Codable {
    /// Number of subjects with n observations (a count, kept as Double so that every slot of
    /// the aggregate is a number of the same kind).
    public var subjects: Double
    /// Σ mᵢmᵢᵀ, packed upper triangle by rows: (k, l) with k ≤ l at k·P − k(k−1)/2 + (l − k).
    public var outer: [Double]
    /// Σ mᵢ·(1ᵀyᵢ) (P entries).
    public var cross: [Double]
    /// Σ (1ᵀyᵢ)².
    public var totalSquares: Double
}

/// The additive aggregate of `y ~ X + (1 | subject)` over a design with `patternCount`
/// distinct rows: see the file comment for the algebra.
public struct MixedModelSums: Sendable, Hashable, Codable {
    /// P, the number of patterns (design rows) the slots refer to.
    public let patternCount: Int
    /// The largest subject size the layout holds; `sizes[n − 1]` holds subjects with n rows.
    public let maxSubjectSize: Int
    /// The centre cₖ per pattern the responses are summed about (y − cₖ); all 0 by default.
    public let centers: [Double]
    /// Nₖ per pattern.
    public var patternCounts: [Double]
    /// Σ y per pattern.
    public var patternSums: [Double]
    /// Σ y² over all rows.
    public var responseSquares: Double
    /// Per subject size 1 … maxSubjectSize.
    public var sizes: [MixedModelSizeSums]

    /// Empty sums over `patternCount` patterns for subjects of at most `maxSubjectSize` rows,
    /// about `centers` (one per pattern; nil: all 0).
    public init(patternCount: Int, maxSubjectSize: Int, centers: [Double]? = nil) {
        self.patternCount = patternCount
        self.maxSubjectSize = maxSubjectSize
        self.centers = centers ?? [Double](repeating: 0, count: patternCount)
        patternCounts = [Double](repeating: 0, count: patternCount)
        patternSums = [Double](repeating: 0, count: patternCount)
        responseSquares = 0
        let packed = patternCount * (patternCount + 1) / 2
        sizes = (0..<maxSubjectSize).map { _ in
            MixedModelSizeSums(
                subjects: 0, outer: [Double](repeating: 0, count: packed),
                cross: [Double](repeating: 0, count: patternCount), totalSquares: 0)
        }
    }

    /// Number of subjects.
    public var subjectCount: Int { Int(sizes.reduce(0) { $0 + $1.subjects }) }
    /// Number of observations.
    public var observationCount: Int { Int(patternCounts.reduce(0, +)) }

    /// Index of (k, l), k ≤ l, in a packed upper triangle of order P (`sizes[n].outer`).
    @inline(__always)
    public static func packedIndex(_ k: Int, _ l: Int, order p: Int) -> Int { k * p - k * (k - 1) / 2 + (l - k) }

    /// Adds one subject: its rows' pattern indices and responses (same length, at least one).
    /// - Throws: `AggregateError.outsideLayout` for a pattern outside 0 ..< P or more rows
    ///   than `maxSubjectSize`.
    public mutating func addSubject(patterns: [Int32], responses: [Double]) throws(AggregateError) {
        let n = patterns.count
        guard n > 0, responses.count == n else {
            throw .outsideLayout(aggregate: "mixed-model sums", what: "a subject needs at least one row and a response per row (got \(n) patterns, \(responses.count) responses)")
        }
        guard n <= maxSubjectSize else {
            throw .outsideLayout(aggregate: "mixed-model sums", what: "a subject has \(n) observations; the layout holds at most \(maxSubjectSize)")
        }
        var total = 0.0
        for (k32, raw) in zip(patterns, responses) {
            let k = Int(k32)
            guard k >= 0, k < patternCount else {
                throw .outsideLayout(aggregate: "mixed-model sums", what: "pattern \(k) outside 0..<\(patternCount)")
            }
            let y = raw - centers[k]
            patternCounts[k] += 1
            patternSums[k] += y
            responseSquares += y * y
            total += y
        }
        // mᵢ as (pattern, count) runs of the sorted pattern indices.
        let sorted = patterns.sorted()
        var keys: [Int] = []
        var counts: [Double] = []
        for k32 in sorted {
            let k = Int(k32)
            if keys.last == k { counts[counts.count - 1] += 1 } else { keys.append(k); counts.append(1) }
        }
        let p = patternCount
        sizes[n - 1].subjects += 1
        sizes[n - 1].totalSquares += total * total
        for a in keys.indices {
            let k = keys[a]
            sizes[n - 1].cross[k] += counts[a] * total
            for b in a..<keys.count { sizes[n - 1].outer[Self.packedIndex(k, keys[b], order: p)] += counts[a] * counts[b] }
        }
    }

    /// Adds `other` slot by slot.
    /// - Throws: `AggregateError.layoutMismatch` when the pattern counts or the size ranges differ.
    public mutating func merge(_ other: MixedModelSums) throws(AggregateError) {
        guard other.patternCount == patternCount else {
            throw .layoutMismatch(aggregate: "mixed-model sums", what: "\(patternCount) vs \(other.patternCount) patterns")
        }
        guard other.maxSubjectSize == maxSubjectSize else {
            throw .layoutMismatch(aggregate: "mixed-model sums", what: "subject sizes up to \(maxSubjectSize) vs \(other.maxSubjectSize)")
        }
        guard other.centers == centers else {
            throw .layoutMismatch(aggregate: "mixed-model sums", what: "the sums are taken about different centres")
        }
        for k in 0..<patternCount {
            patternCounts[k] += other.patternCounts[k]
            patternSums[k] += other.patternSums[k]
        }
        responseSquares += other.responseSquares
        for n in sizes.indices {
            sizes[n].subjects += other.sizes[n].subjects
            sizes[n].totalSquares += other.sizes[n].totalSquares
            for k in sizes[n].cross.indices { sizes[n].cross[k] += other.sizes[n].cross[k] }
            for k in sizes[n].outer.indices { sizes[n].outer[k] += other.sizes[n].outer[k] }
        }
    }

    /// The sums over a subset of the patterns, renumbered 0 ..< keep.count (e.g. the cells of
    /// the days present, when a design is built for them only). Patterns left out must be empty.
    /// - Throws: `AggregateError.outsideLayout` when a left-out pattern has observations.
    public func selecting(patterns keep: [Int]) throws(AggregateError) -> MixedModelSums {
        let kept = Set(keep)
        for k in 0..<patternCount where !kept.contains(k) && patternCounts[k] != 0 {
            throw .outsideLayout(aggregate: "mixed-model sums", what: "pattern \(k) has observations but is left out")
        }
        var out = MixedModelSums(
            patternCount: keep.count, maxSubjectSize: maxSubjectSize, centers: keep.map { $0 >= 0 && $0 < patternCount ? centers[$0] : 0 })
        for (a, k) in keep.enumerated() {
            guard k >= 0, k < patternCount else {
                throw .outsideLayout(aggregate: "mixed-model sums", what: "pattern \(k) outside 0..<\(patternCount)")
            }
            out.patternCounts[a] = patternCounts[k]
            out.patternSums[a] = patternSums[k]
        }
        out.responseSquares = responseSquares
        let p = patternCount
        let q = keep.count
        for n in sizes.indices {
            out.sizes[n].subjects = sizes[n].subjects
            out.sizes[n].totalSquares = sizes[n].totalSquares
            for (a, k) in keep.enumerated() {
                out.sizes[n].cross[a] = sizes[n].cross[k]
                for b in a..<q {
                    let l = keep[b]
                    out.sizes[n].outer[Self.packedIndex(a, b, order: q)] = sizes[n].outer[Self.packedIndex(min(k, l), max(k, l), order: p)]
                }
            }
        }
        return out
    }

    /// Σ mmᵀ of size index `n` at (k, l), any order.
    @inline(__always)
    func outer(_ n: Int, _ k: Int, _ l: Int) -> Double {
        sizes[n].outer[Self.packedIndex(min(k, l), max(k, l), order: patternCount)]
    }
}
