/// Cholesky factorisation A = L·Lᵀ of a small dense symmetric positive semi-definite matrix,
/// with rank detection: a column whose pivot is negligible is skipped, i.e. treated as a
/// linear combination of the columns before it, the way R's pivoting QR in `lm`/`glm` moves
/// aliased columns out.
///
/// Column j is skipped when its pivot — the part of A_jj not explained by the earlier
/// columns — is ≤ `relativeTolerance`·A_jj (or A_jj ≤ 0). Because the test is relative to the
/// column's own diagonal it does not depend on the columns' units (it is the test on the
/// unit-diagonal rescaled matrix). On a Gram matrix XᵀWX the pivot ratio is the squared
/// residual-norm ratio of column j after projecting out the earlier columns; rounding in the
/// normal equations leaves that ratio accurate to about 1e-15 only, so tolerances far
/// below that cannot be honoured.
///
/// Skipped columns solve to 0 and get zero rows and columns in the inverse: the result is the
/// solution (inverse) of the subsystem of kept columns — a generalized inverse of A.
///
/// Storage is row-major n × n; only the lower triangle of the input is read.
/// - Complexity: O(n³) to factor, O(n²) per solve.
struct CholeskyDecomposition: Sendable {
    let dimension: Int
    /// Row-major lower-triangular factor; rows and columns of skipped indices are zero.
    private(set) var factor: [Double]
    /// `true` for columns treated as dependent on earlier ones.
    private(set) var skipped: [Bool]

    /// Number of kept columns.
    var rank: Int { skipped.count(where: { !$0 }) }

    /// Factors `symmetric` (row-major, n × n). Columns flagged in `excluding` are skipped
    /// regardless of their pivots.
    init(symmetric a: [Double], dimension n: Int, relativeTolerance: Double, excluding: [Bool]? = nil) {
        dimension = n
        factor = [Double](repeating: 0, count: n * n)
        skipped = excluding ?? [Bool](repeating: false, count: n)
        for j in 0..<n where !skipped[j] {
            let diagonal = a[j * n + j]
            var pivot = diagonal
            for k in 0..<j { pivot -= factor[j * n + k] * factor[j * n + k] }
            guard diagonal > 0, pivot > relativeTolerance * diagonal, pivot.isFinite else {
                skipped[j] = true
                continue
            }
            let root = pivot.squareRoot()
            factor[j * n + j] = root
            for i in (j + 1)..<n where !skipped[i] {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= factor[i * n + k] * factor[j * n + k] }
                factor[i * n + j] = sum / root
            }
        }
        // Rows of columns skipped later may hold values computed before they were skipped.
        for i in 0..<n where skipped[i] {
            for k in 0..<n { factor[i * n + k] = 0 }
        }
    }

    /// Solves A·x = b on the kept columns; skipped components of x are 0.
    func solve(_ b: [Double]) -> [Double] {
        let n = dimension
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n where !skipped[i] {
            var sum = b[i]
            for k in 0..<i { sum -= factor[i * n + k] * y[k] }
            y[i] = sum / factor[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) where !skipped[i] {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= factor[k * n + i] * x[k] }
            x[i] = sum / factor[i * n + i]
        }
        return x
    }

    /// The inverse of the kept block, embedded in an n × n row-major matrix with zeros for
    /// skipped rows and columns. Computed as L⁻ᵀL⁻¹ and symmetrised.
    func inverse() -> [Double] {
        let n = dimension
        var result = [Double](repeating: 0, count: n * n)
        var unit = [Double](repeating: 0, count: n)
        for j in 0..<n where !skipped[j] {
            unit[j] = 1
            let column = solve(unit)
            unit[j] = 0
            for i in 0..<n { result[i * n + j] = column[i] }
        }
        for i in 0..<n {
            for j in (i + 1)..<n {
                let mean = (result[i * n + j] + result[j * n + i]) / 2
                result[i * n + j] = mean
                result[j * n + i] = mean
            }
        }
        return result
    }
}
