// Dense linear algebra for the mixed model: small matrices only (p × p with p the number of
// fixed effects, q × q contrasts, cell × column pattern tables). Row-major storage. Kept
// internal and prefixed `LMM` so it cannot collide with other numerics in DayZeroStats.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A dense row-major matrix of `Double`, used for the fixed-effects algebra of the mixed model.
struct LMMMatrix: Sendable, Equatable {
    var rows: Int
    var columns: Int
    var storage: [Double]

    init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = rows
        self.columns = columns
        self.storage = [Double](repeating: value, count: rows * columns)
    }

    init(rows: Int, columns: Int, storage: [Double]) {
        precondition(storage.count == rows * columns, "LMMMatrix storage size mismatch")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    static func identity(_ n: Int) -> LMMMatrix {
        var m = LMMMatrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    subscript(i: Int, j: Int) -> Double {
        get { storage[i * columns + j] }
        set { storage[i * columns + j] = newValue }
    }

    func row(_ i: Int) -> [Double] {
        Array(storage[(i * columns)..<((i + 1) * columns)])
    }

    func column(_ j: Int) -> [Double] {
        (0..<rows).map { self[$0, j] }
    }

    var transposed: LMMMatrix {
        var t = LMMMatrix(rows: columns, columns: rows)
        for i in 0..<rows {
            for j in 0..<columns { t[j, i] = self[i, j] }
        }
        return t
    }

    /// The sub-matrix with the given rows and columns (in the order given).
    func selecting(rows rowIndices: [Int], columns columnIndices: [Int]) -> LMMMatrix {
        var out = LMMMatrix(rows: rowIndices.count, columns: columnIndices.count)
        for (a, i) in rowIndices.enumerated() {
            for (b, j) in columnIndices.enumerated() { out[a, b] = self[i, j] }
        }
        return out
    }

    static func * (lhs: LMMMatrix, rhs: LMMMatrix) -> LMMMatrix {
        precondition(lhs.columns == rhs.rows, "LMMMatrix product dimension mismatch")
        var out = LMMMatrix(rows: lhs.rows, columns: rhs.columns)
        let n = rhs.columns
        lhs.storage.withUnsafeBufferPointer { a in
            rhs.storage.withUnsafeBufferPointer { b in
                out.storage.withUnsafeMutableBufferPointer { c in
                    for i in 0..<lhs.rows {
                        for k in 0..<lhs.columns {
                            let aik = a[i * lhs.columns + k]
                            if aik == 0 { continue }
                            let bRow = k * n
                            let cRow = i * n
                            for j in 0..<n { c[cRow + j] += aik * b[bRow + j] }
                        }
                    }
                }
            }
        }
        return out
    }

    func multiply(_ v: [Double]) -> [Double] {
        precondition(v.count == columns, "LMMMatrix-vector dimension mismatch")
        var out = [Double](repeating: 0, count: rows)
        for i in 0..<rows {
            var s = 0.0
            let base = i * columns
            for j in 0..<columns { s += storage[base + j] * v[j] }
            out[i] = s
        }
        return out
    }

    /// xᵀ A x for a square matrix A.
    func quadraticForm(_ x: [Double]) -> Double {
        precondition(rows == columns && x.count == rows, "quadratic form dimension mismatch")
        var total = 0.0
        for i in 0..<rows {
            var s = 0.0
            let base = i * columns
            for j in 0..<columns { s += storage[base + j] * x[j] }
            total += x[i] * s
        }
        return total
    }

    /// Copies the upper triangle onto the lower one (accumulations fill only the upper half).
    mutating func symmetrizeFromUpper() {
        for i in 0..<rows {
            for j in 0..<i { self[i, j] = self[j, i] }
        }
    }
}

/// Cholesky factor L (lower triangular, A = L Lᵀ) of a symmetric positive-definite matrix.
struct LMMCholesky: Sendable {
    let n: Int
    let lower: LMMMatrix

    /// Returns nil when A is not numerically positive definite (a pivot ≤ 0).
    init?(_ a: LMMMatrix) {
        precondition(a.rows == a.columns, "Cholesky needs a square matrix")
        let n = a.rows
        var l = LMMMatrix(rows: n, columns: n)
        for j in 0..<n {
            var d = a[j, j]
            for k in 0..<j { d -= l[j, k] * l[j, k] }
            if !(d > 0) || !d.isFinite { return nil }
            let ljj = d.squareRoot()
            l[j, j] = ljj
            for i in (j + 1)..<max(n, j + 1) {
                var s = a[i, j]
                for k in 0..<j { s -= l[i, k] * l[j, k] }
                l[i, j] = s / ljj
            }
        }
        self.n = n
        self.lower = l
    }

    /// log det A = 2 Σ log Lᵢᵢ.
    var logDeterminant: Double {
        var s = 0.0
        for i in 0..<n { s += log(lower[i, i]) }
        return 2 * s
    }

    /// Solves A x = b.
    func solve(_ b: [Double]) -> [Double] {
        var y = b
        for i in 0..<n {
            var s = y[i]
            for k in 0..<i { s -= lower[i, k] * y[k] }
            y[i] = s / lower[i, i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<max(n, i + 1) { s -= lower[k, i] * y[k] }
            y[i] = s / lower[i, i]
        }
        return y
    }

    /// A⁻¹, symmetric, via the inverse of the triangular factor: A⁻¹ = L⁻ᵀ L⁻¹.
    var inverse: LMMMatrix {
        var linv = LMMMatrix(rows: n, columns: n)
        for j in 0..<n {
            linv[j, j] = 1 / lower[j, j]
            for i in (j + 1)..<max(n, j + 1) {
                var s = 0.0
                for k in j..<i { s -= lower[i, k] * linv[k, j] }
                linv[i, j] = s / lower[i, i]
            }
        }
        var out = LMMMatrix(rows: n, columns: n)
        for i in 0..<n {
            for j in i..<n {
                var s = 0.0
                for k in j..<n { s += linv[k, i] * linv[k, j] }
                out[i, j] = s
                out[j, i] = s
            }
        }
        return out
    }
}

enum LMMLinearAlgebra {
    /// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations.
    ///
    /// Jacobi is slow for large matrices but accurate to a few ulps of the largest eigenvalue
    /// for every eigenvalue, which is what the Satterthwaite F test needs on its q × q
    /// contrast covariance (q is the numerator df, at most a few dozen). Values are returned in
    /// decreasing order (as R's `eigen`); `vectors` holds the eigenvectors as columns.
    static func symmetricEigen(_ a: LMMMatrix) -> (values: [Double], vectors: LMMMatrix) {
        let n = a.rows
        var m = a
        var v = LMMMatrix.identity(n)
        if n > 1 {
            for _ in 0..<100 {
                var off = 0.0
                var diag = 0.0
                for i in 0..<n {
                    diag += m[i, i] * m[i, i]
                    for j in (i + 1)..<n { off += m[i, j] * m[i, j] }
                }
                if off == 0 || off <= 1e-34 * diag { break }
                for p in 0..<(n - 1) {
                    for q in (p + 1)..<n {
                        let apq = m[p, q]
                        if apq == 0 { continue }
                        let app = m[p, p]
                        let aqq = m[q, q]
                        let tau = (aqq - app) / (2 * apq)
                        let t = (tau >= 0 ? 1.0 : -1.0) / (abs(tau) + (1 + tau * tau).squareRoot())
                        let c = 1 / (1 + t * t).squareRoot()
                        let s = t * c
                        for k in 0..<n {
                            let mkp = m[k, p]
                            let mkq = m[k, q]
                            m[k, p] = c * mkp - s * mkq
                            m[k, q] = s * mkp + c * mkq
                        }
                        for k in 0..<n {
                            let mpk = m[p, k]
                            let mqk = m[q, k]
                            m[p, k] = c * mpk - s * mqk
                            m[q, k] = s * mpk + c * mqk
                        }
                        m[p, q] = 0
                        m[q, p] = 0
                        for k in 0..<n {
                            let vkp = v[k, p]
                            let vkq = v[k, q]
                            v[k, p] = c * vkp - s * vkq
                            v[k, q] = s * vkp + c * vkq
                        }
                    }
                }
            }
        }
        let order = (0..<n).sorted { m[$0, $0] > m[$1, $1] || (m[$0, $0] == m[$1, $1] && $0 < $1) }
        let values = order.map { m[$0, $0] }
        var vectors = LMMMatrix(rows: n, columns: n)
        for (newIndex, oldIndex) in order.enumerated() {
            for k in 0..<n { vectors[k, newIndex] = v[k, oldIndex] }
        }
        return (values, vectors)
    }

    /// Residuals of the least-squares regression of each column of `y` on the columns of `x`
    /// (R's `resid(lm.fit(x, y))`), via modified Gram–Schmidt with R's rank rule: a column of
    /// `x` whose remaining norm falls below 1e-7 of its original norm adds nothing. The
    /// residuals are the projection onto the orthogonal complement of the column space of x,
    /// which does not depend on how that space is spanned.
    static func residualsAfterProjection(of y: LMMMatrix, onto x: LMMMatrix) -> LMMMatrix {
        precondition(x.rows == y.rows, "projection dimension mismatch")
        let basis = orthonormalBasis(of: x)
        var out = y
        for j in 0..<y.columns {
            var col = y.column(j)
            // Two passes of Gram–Schmidt for accuracy.
            for _ in 0..<2 {
                for q in basis {
                    var dot = 0.0
                    for i in 0..<col.count { dot += q[i] * col[i] }
                    for i in 0..<col.count { col[i] -= dot * q[i] }
                }
            }
            for i in 0..<col.count { out[i, j] = col[i] }
        }
        return out
    }

    /// Orthonormal basis of the column space of x, columns taken in order and a column
    /// skipped when its norm after orthogonalisation is below 1e-7 of its original norm
    /// (R's `qr(x, tol = 1e-7)`, LINPACK `dqrdc2`, which moves such columns to the end).
    static func orthonormalBasis(of x: LMMMatrix) -> [[Double]] {
        independentColumns(of: x).basis
    }

    /// Which columns of x R's `qr(x, tol = 1e-7)` keeps (its pivot's first `rank` entries),
    /// and an orthonormal basis of their span.
    static func independentColumns(of x: LMMMatrix, tolerance: Double = 1e-7)
        -> (kept: [Int], dropped: [Int], basis: [[Double]])
    {
        var basis: [[Double]] = []
        var kept: [Int] = []
        var dropped: [Int] = []
        for j in 0..<x.columns {
            var col = x.column(j)
            var original = 0.0
            for v in col { original += v * v }
            original = original.squareRoot()
            let reference = original == 0 ? 1.0 : original
            for _ in 0..<2 {
                for q in basis {
                    var dot = 0.0
                    for i in 0..<col.count { dot += q[i] * col[i] }
                    for i in 0..<col.count { col[i] -= dot * q[i] }
                }
            }
            var norm = 0.0
            for v in col { norm += v * v }
            norm = norm.squareRoot()
            if norm < tolerance * reference {
                dropped.append(j)
            } else {
                kept.append(j)
                basis.append(col.map { $0 / norm })
            }
        }
        return (kept, dropped, basis)
    }

    /// R's `zapsmall(x)` with the default 7 digits: every entry rounded to
    /// `max(0, 7 − ceiling(log10(max |x|)))` decimal places.
    static func zapSmall(_ x: LMMMatrix) -> LMMMatrix {
        var largest = 0.0
        for v in x.storage where v.isFinite { largest = max(largest, abs(v)) }
        let digits = largest > 0 ? max(0, 7 - Int(ceil(log10(largest)))) : 7
        var out = x
        let scale = pow(10.0, Double(digits))
        for i in 0..<out.storage.count {
            let v = out.storage[i]
            guard v.isFinite else { continue }
            let r = (v * scale).rounded(.toNearestOrAwayFromZero) / scale
            out.storage[i] = r == 0 ? 0 : r
        }
        return out
    }
}
