// Satterthwaite degrees of freedom exactly as lmerTest computes them, with exact derivatives.
//
// lmerTest (Kuznetsova, Brockhoff & Christensen 2017, J Stat Softw 82(13)) works in the
// variance parameters φ = (θ, σ):
//   * A = Cov(φ̂) = 2 H⁻¹, H the Hessian of the REML deviance D(θ, σ) at the optimum (a
//     pseudo-inverse over eigenvalues > 1e-8, warning on negative or near-zero ones);
//   * Jₖ = ∂Cov(β̂)/∂φₖ with Cov(β̂) = σ² M(θ)⁻¹, so J_θ = −σ² M⁻¹M′M⁻¹ and J_σ = 2σ M⁻¹;
//   * t test of lᵀβ: ν = 2 (lᵀCl)² / (gᵀAg) with gₖ = lᵀJₖl;
//   * F test of Lβ = 0: eigen-decompose L C Lᵀ = P D Pᵀ, keep the q eigenvalues above
//     √ε · d₁, F = Σ (pₘᵀLβ)²/dₘ / q, νₘ = 2dₘ²/(gₘᵀAgₘ) for each direction, and the
//     denominator df 2E/(E − q) with E = Σ νₘ/(νₘ − 2) (2 when any νₘ ≤ 2; the mean when the
//     νₘ agree to 1e-8).
// lmerTest obtains H and Jₖ by Richardson-extrapolated finite differences (numDeriv); here
// they are the analytic derivatives of the same functions, so the two agree to the accuracy
// of numDeriv (typically 1e-9 relative or better).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct LMMSatterthwaite: Sendable {
    /// Cov(β̂) = σ² M⁻¹.
    let covariance: LMMMatrix
    /// ∂Cov(β̂)/∂θ and ∂Cov(β̂)/∂σ.
    let jacobians: [LMMMatrix]
    /// Hessian of D(θ, σ) at the optimum (2 × 2).
    let hessian: LMMMatrix
    /// A = 2 H⁺.
    let varianceParameterCovariance: LMMMatrix
    let sigma: Double
    let warnings: [StatsWarning]

    init(theta: Double, sigma: Double, residualDF nu: Double, residualSquares r2: Double, derivatives d: LMMCriterionDerivatives) {
        let s2 = sigma * sigma
        var h = LMMMatrix(rows: 2, columns: 2)
        h[0, 0] = d.logDeterminantSecond + d.residualSquaresSecond / s2
        h[0, 1] = -2 * d.residualSquaresFirst / (s2 * sigma)
        h[1, 0] = h[0, 1]
        h[1, 1] = 6 * r2 / (s2 * s2) - 2 * nu / s2
        self.hessian = h
        let (values, vectors) = LMMLinearAlgebra.symmetricEigen(h)
        let tolerance = 1e-8
        var warnings: [StatsWarning] = []
        let negative = values.filter { $0 < -tolerance }
        let nearZero = values.filter { $0 > -tolerance && $0 < tolerance }
        if !negative.isEmpty {
            warnings.append(StatsWarning(
                code: "hessian-negative-eigenvalue",
                message: "the REML Hessian in (θ, σ) has \(negative.count) negative eigenvalue(s) \(negative); the fit may not have converged (lmerTest: 'Model failed to converge'), Satterthwaite df use the positive part only"))
        }
        if !nearZero.isEmpty {
            warnings.append(StatsWarning(
                code: "hessian-near-zero-eigenvalue",
                message: "the REML Hessian in (θ, σ) has \(nearZero.count) eigenvalue(s) within 1e-8 of zero \(nearZero); Satterthwaite df use the positive part only"))
        }
        var a = LMMMatrix(rows: 2, columns: 2)
        for (k, value) in values.enumerated() where value > tolerance {
            for i in 0..<2 {
                for j in 0..<2 { a[i, j] += 2 * vectors[i, k] * vectors[j, k] / value }
            }
        }
        self.varianceParameterCovariance = a
        let inverse = d.inverse
        var covariance = inverse
        for i in 0..<covariance.storage.count { covariance.storage[i] *= s2 }
        var jTheta = inverse * d.derivativeOfM * inverse
        for i in 0..<jTheta.storage.count { jTheta.storage[i] *= -s2 }
        var jSigma = inverse
        for i in 0..<jSigma.storage.count { jSigma.storage[i] *= 2 * sigma }
        // θ = 0 exactly: M′ = 0, so J_θ is exactly zero (no −0 noise).
        if theta == 0 { jTheta = LMMMatrix(rows: inverse.rows, columns: inverse.columns) }
        self.covariance = covariance
        self.jacobians = [jTheta, jSigma]
        self.sigma = sigma
        self.warnings = warnings
    }

    /// Variance of lᵀβ̂ and its Satterthwaite df.
    func varianceAndDF(_ l: [Double]) -> (variance: Double, df: Double) {
        let variance = covariance.quadraticForm(l)
        let g = jacobians.map { $0.quadraticForm(l) }
        let denominator = varianceParameterCovariance.quadraticForm(g)
        return (variance, 2 * variance * variance / denominator)
    }

    func tTest(_ l: [Double], beta: [Double]) -> ContrastTTest {
        var estimate = 0.0
        for i in 0..<l.count { estimate += l[i] * beta[i] }
        let (variance, df) = varianceAndDF(l)
        let se = variance.squareRoot()
        let t = estimate / se
        return ContrastTTest(
            estimate: estimate, standardError: se, degreesOfFreedom: df, tValue: t,
            pValue: LMMPValues.twoSidedT(t, df: df))
    }

    /// nil when L Cov(β̂) Lᵀ has rank 0 (lmerTest returns an empty row there).
    func fTest(_ l: LMMMatrix, beta: [Double]) -> ContrastFTest? {
        if l.rows == 1 {
            return oneDimensional(l.row(0), beta: beta)
        }
        let vl = l * covariance * l.transposed
        let (d, p) = LMMLinearAlgebra.symmetricEigen(vl)
        let eps = Double.ulpOfOne.squareRoot()
        let tolerance = max(eps * (d.first ?? 0), 0)
        let q = d.filter { $0 > tolerance }.count
        guard q > 0 else { return nil }
        // Rows pₘᵀL for the q retained directions.
        var ptl: [[Double]] = []
        for m in 0..<q {
            var row = [Double](repeating: 0, count: l.columns)
            for i in 0..<l.rows {
                let pim = p[i, m]
                if pim == 0 { continue }
                for j in 0..<l.columns { row[j] += pim * l[i, j] }
            }
            ptl.append(row)
        }
        if q == 1 {
            return oneDimensional(ptl[0], beta: beta)
        }
        var fSum = 0.0
        var nus: [Double] = []
        for m in 0..<q {
            var estimate = 0.0
            for j in 0..<beta.count { estimate += ptl[m][j] * beta[j] }
            fSum += estimate * estimate / d[m]
            let g = jacobians.map { $0.quadraticForm(ptl[m]) }
            nus.append(2 * d[m] * d[m] / varianceParameterCovariance.quadraticForm(g))
        }
        let f = fSum / Double(q)
        let ddf = Self.fStatisticDF(nus)
        let meanSquare = f * sigma * sigma
        return ContrastFTest(
            sumOfSquares: meanSquare * Double(q), meanSquare: meanSquare, numeratorDF: q,
            denominatorDF: ddf, fValue: f, pValue: LMMPValues.upperF(f, df1: Double(q), df2: ddf))
    }

    private func oneDimensional(_ l: [Double], beta: [Double]) -> ContrastFTest {
        let t = tTest(l, beta: beta)
        let f = t.tValue * t.tValue
        let meanSquare = f * sigma * sigma
        return ContrastFTest(
            sumOfSquares: meanSquare, meanSquare: meanSquare, numeratorDF: 1,
            denominatorDF: t.degreesOfFreedom, fValue: f,
            pValue: LMMPValues.upperF(f, df1: 1, df2: t.degreesOfFreedom))
    }

    /// lmerTest's `get_Fstat_ddf`.
    static func fStatisticDF(_ nu: [Double]) -> Double {
        if nu.count == 1 { return nu[0] }
        var allClose = true
        for i in 1..<nu.count where !(abs(nu[i] - nu[i - 1]) < 1e-8) { allClose = false }
        if allClose { return nu.reduce(0, +) / Double(nu.count) }
        if nu.contains(where: { $0 <= 2 }) { return 2 }
        let e = nu.reduce(0) { $0 + $1 / ($1 - 2) }
        return 2 * e / (e - Double(nu.count))
    }
}
