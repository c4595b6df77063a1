/// A weighted least-squares fit with the design-based (cluster-robust) variance of
/// `survey::svyglm(y ~ X, design = svydesign(ids = ~cluster, weights = ~w), family = gaussian())`.
///
/// β̂ = (XᵀWX)⁻¹XᵀWy. With uᵢ = xᵢwᵢ(yᵢ − xᵢᵀβ̂) summed within clusters to s_c (C clusters), the
/// variance is V = C/(C − 1) · A⁻¹(Σ_c s_c s_cᵀ)A⁻¹, A = XᵀWX — survey's linearisation estimator
/// of a one-stage with-replacement cluster design (`svyrecvar`; the cluster totals sum to zero
/// at β̂, so centring them changes nothing); with every unit its own cluster (`ids = ~1`) it is
/// n/(n − 1) times the HC0 sandwich. The residual degrees of freedom are survey's:
/// `degf(design) + 1 − rank` = C − rank. A column that is a linear combination of earlier
/// columns is aliased (coefficient `nil`), as in `glm`'s pivoting QR.
public struct SurveyLinearModel: Sendable, Hashable {
    public let names: [String]
    /// One per column; `nil` for an aliased column.
    public let coefficients: [Double?]
    /// Row-major p × p covariance; rows and columns of aliased columns are 0.
    public let covariance: [Double]
    public let rank: Int
    public let clusterCount: Int
    public let observationCount: Int
    /// C − rank (svyglm's `df.residual`).
    public let residualDF: Int

    /// Relative pivot tolerance of the normal equations (the squared residual-norm ratio below
    /// which a column counts as aliased).
    public static let aliasTolerance = 1e-10

    /// - Parameters:
    ///   - design: one row per observation, each `names.count` values (include the intercept column).
    ///   - weights: sampling weights, each ≥ 0 and finite.
    ///   - clusters: cluster index per observation (any integers).
    /// - Throws: `StatsError` for mismatched lengths, non-finite values, fewer than two clusters
    ///   or no estimable column.
    public init(response: [Double], design: [[Double]], names: [String], weights: [Double], clusters: [Int]) throws {
        let n = response.count, p = names.count
        guard n > 0, p > 0 else { throw StatsError("the regression needs observations and columns") }
        guard design.count == n, weights.count == n, clusters.count == n else {
            throw StatsError("response, design, weights and clusters must have one entry per observation (\(n))")
        }
        if let bad = design.firstIndex(where: { $0.count != p }) {
            throw StatsError("design row \(bad) has \(design[bad].count) values for \(p) columns")
        }
        if let bad = response.firstIndex(where: { !$0.isFinite }) { throw StatsError("response \(bad) is \(response[bad]); values must be finite") }
        if let bad = weights.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw StatsError("weight \(bad) is \(weights[bad]); weights must be finite and non-negative")
        }
        var a = [Double](repeating: 0, count: p * p)
        var b = [Double](repeating: 0, count: p)
        for i in 0..<n {
            let x = design[i], w = weights[i]
            for j in 0..<p {
                guard x[j].isFinite else { throw StatsError("design row \(i), column \(names[j]) is \(x[j]); values must be finite") }
                b[j] += w * x[j] * response[i]
                for k in 0...j { a[j * p + k] += w * x[j] * x[k] }
            }
        }
        for j in 0..<p { for k in (j + 1)..<p { a[j * p + k] = a[k * p + j] } }
        let factor = CholeskyDecomposition(symmetric: a, dimension: p, relativeTolerance: Self.aliasTolerance)
        guard factor.rank > 0 else { throw StatsError("no column of the design is estimable") }
        let beta = factor.solve(b)
        let inverse = factor.inverse()
        var clusterIndex: [Int: Int] = [:]
        for c in clusters where clusterIndex[c] == nil { clusterIndex[c] = clusterIndex.count }
        let count = clusterIndex.count
        guard count >= 2 else { throw StatsError("the design-based variance needs at least two clusters; found \(count)") }
        var totals = [Double](repeating: 0, count: count * p)
        for i in 0..<n {
            let x = design[i]
            var fitted = 0.0
            for j in 0..<p { fitted += x[j] * beta[j] }
            let u = weights[i] * (response[i] - fitted)
            let c = clusterIndex[clusters[i]] ?? 0
            for j in 0..<p { totals[c * p + j] += u * x[j] }
        }
        var meat = [Double](repeating: 0, count: p * p)
        for c in 0..<count {
            for j in 0..<p {
                let sj = totals[c * p + j]
                for k in 0..<p { meat[j * p + k] += sj * totals[c * p + k] }
            }
        }
        let scale = Double(count) / Double(count - 1)
        var temp = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in 0..<p { var s = 0.0; for k in 0..<p { s += inverse[i * p + k] * meat[k * p + j] }; temp[i * p + j] = s } }
        var v = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in 0..<p { var s = 0.0; for k in 0..<p { s += temp[i * p + k] * inverse[k * p + j] }; v[i * p + j] = scale * s } }
        self.names = names
        self.coefficients = (0..<p).map { factor.skipped[$0] ? nil : beta[$0] }
        self.covariance = v
        self.rank = factor.rank
        self.clusterCount = count
        self.observationCount = n
        self.residualDF = count - factor.rank
    }

    /// The standard error of column `j` (`nil` when aliased).
    public func standardError(_ j: Int) -> Double? {
        coefficients[j] == nil ? nil : covariance[j * names.count + j].squareRoot()
    }

    /// `survey::regTermTest(model, terms)` (method "Wald") on the non-aliased coefficients among
    /// `columns`: X² = β̂ᵀV⁻¹β̂ with q coefficients; F = X²/q on (q, `residualDF`) degrees of
    /// freedom (regTermTest's default denominator df, the model's `df.residual`), and the χ²
    /// p-value on q df (regTermTest with `df = Inf`). `nil` when no coefficient is estimable,
    /// the covariance block is singular or `residualDF` < 1.
    public func waldTest(columns: [Int]) -> SurveyWaldTest? {
        let kept = columns.filter { coefficients[$0] != nil }
        let q = kept.count
        guard q > 0, residualDF >= 1 else { return nil }
        let p = names.count
        var block = [Double](repeating: 0, count: q * q)
        for (a, i) in kept.enumerated() { for (b, j) in kept.enumerated() { block[a * q + b] = covariance[i * p + j] } }
        let factor = CholeskyDecomposition(symmetric: block, dimension: q, relativeTolerance: 1e-12)
        guard factor.rank == q else { return nil }
        let beta = kept.map { coefficients[$0] ?? 0 }
        let solved = factor.solve(beta)
        let chi = zip(beta, solved).reduce(0) { $0 + $1.0 * $1.1 }
        let f = chi / Double(q)
        return SurveyWaldTest(
            chiSquared: chi, numeratorDF: q, denominatorDF: residualDF, fStatistic: f,
            pValue: FDistribution.upperTail(f, df1: Double(q), df2: Double(residualDF)),
            chiSquaredPValue: ChiSquaredDistribution.upperTail(chi, df: Double(q)))
    }
}

/// A design-based Wald test of a group of coefficients (`survey::regTermTest`).
public struct SurveyWaldTest: Sendable, Hashable, Codable {
    public var chiSquared: Double
    public var numeratorDF: Int
    public var denominatorDF: Int
    public var fStatistic: Double
    /// P(F(q, ddf) > F): regTermTest's default.
    public var pValue: Double
    /// P(χ²_q > X²): regTermTest with `df = Inf`.
    public var chiSquaredPValue: Double
}
