// Natural cubic spline basis, written to reproduce R's `splines::ns(x, knots, Boundary.knots)`
// (intercept = FALSE) exactly: the same B-spline basis (order 4, boundary knots repeated four
// times), the same constraint (zero second derivative at both boundary knots) and the same
// orthogonal complement — the Householder vectors of LINPACK's dqrdc2 (R's default `qr`) and
// dqrsl's Qᵀy (`qr.qty`) — so the columns are R's, not only their span. Outside the boundary
// knots the basis continues linearly, as ns does. Checked to 1e-12 against R's basis values
// (Tests/DayZeroStatsTests/Fixtures/mixed-model/continuous_time.json).

/// R's `ns(x, knots = knots, Boundary.knots = boundary)`: `knots.count + 1` columns.
public struct NaturalCubicSpline: Sendable, Hashable {
    /// Interior knots, strictly increasing, strictly inside the boundary knots.
    public let knots: [Double]
    public let lowerBoundary: Double
    public let upperBoundary: Double
    /// `[a, a, a, a, knots…, b, b, b, b]`.
    private let allKnots: [Double]
    /// dqrdc2's factorisation of t(const): Householder vectors (columns) and qraux.
    private let householder: [[Double]]
    private let qraux: [Double]

    /// Number of basis columns (`knots.count + 1`).
    public var columnCount: Int { knots.count + 1 }

    /// - Throws: `StatsError` when the boundary knots are not finite with `lower < upper`, or
    ///   an interior knot is not finite, not strictly increasing or not strictly inside them.
    public init(knots: [Double], boundary: (Double, Double)) throws {
        let (a, b) = boundary
        guard a.isFinite, b.isFinite, a < b else {
            throw StatsError("natural spline: boundary knots must be finite with lower < upper, got (\(a), \(b))")
        }
        for (i, k) in knots.enumerated() {
            guard k.isFinite, k > a, k < b else {
                throw StatsError("natural spline: interior knot \(k) must lie strictly inside the boundary knots (\(a), \(b))")
            }
            if i > 0, !(k > knots[i - 1]) {
                throw StatsError("natural spline: interior knots must increase strictly, got \(knots)")
            }
        }
        self.knots = knots
        lowerBoundary = a
        upperBoundary = b
        let all = [a, a, a, a] + knots + [b, b, b, b]
        allKnots = all
        // const = splineDesign(Aknots, c(a, b), 4, derivs = c(2, 2)) without its first column;
        // t(const) is m × 2 (m = nb − 1) and is factorised as dqrdc2 does (no pivoting is
        // needed: its two columns are independent).
        let nb = all.count - 4
        let m = nb - 1
        let d2a = Self.bsplines(all, x: a, derivative: 2, interval: Self.interval(all, a))
        let d2b = Self.bsplines(all, x: b, derivative: 2, interval: Self.interval(all, b))
        var x = [Array(d2a[1...]), Array(d2b[1...])]  // columns of t(const)
        var qraux = [0.0, 0.0]
        for l in 0..<2 {
            var nrm = 0.0
            // dnrm2 (scaled sum of squares; the same value to rounding)
            for i in l..<m { nrm += x[l][i] * x[l][i] }
            var nrmxl = nrm.squareRoot()
            guard nrmxl != 0 else { continue }
            if x[l][l] != 0 { nrmxl = x[l][l] < 0 ? -abs(nrmxl) : abs(nrmxl) }
            for i in l..<m { x[l][i] /= nrmxl }
            x[l][l] += 1
            for j in (l + 1)..<2 {
                var dot = 0.0
                for i in l..<m { dot += x[l][i] * x[j][i] }
                let t = -dot / x[l][l]
                for i in l..<m { x[j][i] += t * x[l][i] }
            }
            qraux[l] = x[l][l]
            x[l][l] = -nrmxl
        }
        householder = x
        self.qraux = qraux
    }

    /// The basis row of `x` (R's `ns(...)` row for that value); non-finite `x` gives NaNs.
    public func basis(_ x: Double) -> [Double] {
        guard x.isFinite else { return [Double](repeating: .nan, count: columnCount) }
        let nb = allKnots.count - 4
        var row: [Double]
        if x < lowerBoundary || x > upperBoundary {
            // ns: value and slope at the nearer boundary knot, continued linearly.
            let pivot = x < lowerBoundary ? lowerBoundary : upperBoundary
            let interval = Self.interval(allKnots, pivot)
            let value = Self.bsplines(allKnots, x: pivot, derivative: 0, interval: interval)
            let slope = Self.bsplines(allKnots, x: pivot, derivative: 1, interval: interval)
            row = (0..<nb).map { value[$0] + (x - pivot) * slope[$0] }
        } else {
            row = Self.bsplines(allKnots, x: x, derivative: 0, interval: Self.interval(allKnots, x))
        }
        var y = Array(row[1...])  // intercept = FALSE drops the first B-spline
        let m = y.count
        // dqrsl, job 1000: y ← Qᵀy = H₂H₁y.
        for j in 0..<min(2, m - 1) where qraux[j] != 0 {
            var u = householder[j]
            u[j] = qraux[j]
            var dot = 0.0
            for i in j..<m { dot += u[i] * y[i] }
            let t = -dot / u[j]
            for i in j..<m { y[i] += t * u[i] }
        }
        return Array(y[2...])
    }

    /// The knot interval μ (t_μ ≤ x < t_μ₊₁) used for `x` in [a, b]; at the upper boundary the
    /// last non-empty interval (the basis is continuous from the left there, as splineDesign).
    static func interval(_ t: [Double], _ x: Double) -> Int {
        let order = 4
        let last = t.count - order - 1  // index of the last non-empty interval's left knot
        var mu = order - 1
        while mu < last, t[mu + 1] <= x { mu += 1 }
        return mu
    }

    /// The values (or `derivative`-th derivatives) of all order-4 B-splines on knots `t` at `x`,
    /// with the order-1 splines the indicator of interval `interval` (Cox–de Boor recursion;
    /// terms with a zero knot span are 0).
    static func bsplines(_ t: [Double], x: Double, derivative: Int, interval: Int) -> [Double] {
        let order = 4
        let nb = t.count - order
        func b(_ i: Int, _ k: Int, _ d: Int) -> Double {
            if k == 1 { return d == 0 && i == interval ? 1 : 0 }
            let left = t[i + k - 1] - t[i]
            let right = t[i + k] - t[i + 1]
            if d == 0 {
                var v = 0.0
                if left > 0 { v += (x - t[i]) / left * b(i, k - 1, 0) }
                if right > 0 { v += (t[i + k] - x) / right * b(i + 1, k - 1, 0) }
                return v
            }
            var v = 0.0
            if left > 0 { v += b(i, k - 1, d - 1) / left }
            if right > 0 { v -= b(i + 1, k - 1, d - 1) / right }
            return Double(k - 1) * v
        }
        return (0..<nb).map { b($0, order, derivative) }
    }
}
