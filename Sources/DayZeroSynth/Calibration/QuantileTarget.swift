import Foundation

/// A target distribution given by the three numbers a paper prints, median [Q1–Q3], turned
/// into a full quantile function: a two-piece normal on a linear or logarithmic scale whose
/// lower half has the spread of (median − Q1) and whose upper half that of (Q3 − median).
///
/// `Q(u) = t⁻¹(t(median) + s·Φ⁻¹(u))`, with `s = (t(median) − t(Q1))/z₀.₇₅` for `u < ½` and
/// `s = (t(Q3) − t(median))/z₀.₇₅` otherwise, `z₀.₇₅ = Φ⁻¹(0.75)`. It passes exactly through
/// the three printed quantiles, follows the printed skew, and is clamped to `bounds` (the
/// plausible range, well inside the catalog's physiological range).
struct QuantileTarget: Sendable {
    enum Scale: Sendable { case linear, log }

    static let upperQuartileZ = 0.6744897501960817

    var median: Double
    var lowerQuartile: Double
    var upperQuartile: Double
    var scale: Scale
    var bounds: ClosedRange<Double>

    init(_ median: Double, _ lowerQuartile: Double, _ upperQuartile: Double, _ scale: Scale, bounds: ClosedRange<Double>) {
        self.median = median
        self.lowerQuartile = lowerQuartile
        self.upperQuartile = upperQuartile
        self.scale = scale
        self.bounds = bounds
    }

    func transform(_ x: Double) -> Double {
        switch scale {
        case .linear: x
        case .log: log(x)
        }
    }

    func inverse(_ t: Double) -> Double {
        switch scale {
        case .linear: t
        case .log: exp(t)
        }
    }

    /// Lower and upper half spreads on the transformed scale (per unit of z).
    var spreads: (lower: Double, upper: Double) {
        let m = transform(median)
        return ((m - transform(lowerQuartile)) / Self.upperQuartileZ, (transform(upperQuartile) - m) / Self.upperQuartileZ)
    }

    /// The quantile at `u` in (0, 1), clamped to `bounds`.
    func quantile(_ u: Double) -> Double {
        clamp(inverse(transformedQuantile(z: NormalQuantile.value(u))))
    }

    /// The transformed-scale value at standard-normal score `z`.
    func transformedQuantile(z: Double) -> Double {
        let (lower, upper) = spreads
        return transform(median) + (z < 0 ? lower : upper) * z
    }

    func clamp(_ x: Double) -> Double {
        min(max(x, bounds.lowerBound), bounds.upperBound)
    }

    /// `count` values by stratified (Latin-hypercube) sampling, in random order: the i-th
    /// value is drawn from the i-th of `count` equal-probability strata, `u = (i + U)/count`.
    /// The sample quantiles of a group of 21 or 39 then sit within a few percent of the
    /// target's, which is how the default cohort lands on the paper's medians and IQRs with
    /// an honest random draw rather than hand-placed numbers.
    func stratifiedSample(count: Int, using rng: inout Xoshiro256StarStar) -> [Double] {
        guard count > 0 else { return [] }
        var values = (0..<count).map { i in
            quantile(min(max((Double(i) + rng.openUniform()) / Double(count), 1e-12), 1 - 1e-12))
        }
        rng.shuffle(&values)
        return values
    }
}

/// Assigns the values of `pool` to the patients whose earlier values are `reference`, with
/// a rank correlation controlled by `noise`: patients are ordered by their reference rank
/// (as a fraction) plus N(0, noise²), and the sorted pool is dealt out in that order. The
/// marginal distribution of `pool` is kept exactly; `noise` 0 gives a monotone pairing,
/// large noise an independent one.
func pairByRank(_ pool: [Double], with reference: [Double], noise: Double, descending: Bool = false,
                using rng: inout Xoshiro256StarStar) -> [Double] {
    let n = min(pool.count, reference.count)
    guard n > 0 else { return [] }
    let referenceOrder = (0..<n).sorted { reference[$0] < reference[$1] || (reference[$0] == reference[$1] && $0 < $1) }
    var referenceRank = [Double](repeating: 0, count: n)
    for (rank, index) in referenceOrder.enumerated() {
        referenceRank[index] = Double(rank) / Double(max(n - 1, 1))
    }
    let keys = (0..<n).map { (descending ? 1 - referenceRank[$0] : referenceRank[$0]) + noise * rng.normal() }
    let dealOrder = (0..<n).sorted { keys[$0] < keys[$1] || (keys[$0] == keys[$1] && $0 < $1) }
    let sortedPool = Array(pool.prefix(n)).sorted()
    var result = [Double](repeating: 0, count: n)
    for (position, index) in dealOrder.enumerated() {
        result[index] = sortedPool[position]
    }
    return result
}
