// Kenward–Roger (1997) small-sample inference exactly as pbkrtest 0.5 (`vcovAdj`,
// `.KR_adjust`, `Lb_ddf`) computes it, which is what lmerTest calls for
// `ddf = "Kenward-Roger"`.
//
// pbkrtest parameterises V = σ_b² G₁ + σ² G₂ with G₁ = ZZᵀ (one block 11ᵀ per subject) and
// G₂ = I, at the REML estimates, and forms with Φ = Cov(β̂):
//   Pᵣ = −XᵀV⁻¹GᵣV⁻¹X,  Qᵣₛ = XᵀV⁻¹GᵣV⁻¹GₛV⁻¹X,  Kᵣₛ = tr(GᵣV⁻¹GₛV⁻¹),
//   IE₂ = K − 2 tr(ΦQᵣₛ) + tr(ΦPᵣΦPₛ),  W = 2 IE₂⁻¹,
//   Φ_A = Φ + 2Φ [Σᵣₛ Wᵣₛ (Qᵣₛ − PᵣΦPₛ)] Φ.
// With a random intercept every one of these matrices is a product of V⁻¹, J = 11ᵀ and I
// per subject. Such a product acts as a scalar α on the complement of 1 and as a scalar γ(n)
// on 1, so Xᵢᵀ(·)Xᵢ = α XᵢᵀXᵢ + (γ − α)/nᵢ · sᵢsᵢᵀ and tr(·) = (nᵢ − 1)α + γ: all the sums
// reduce to XᵀX and the size-group aggregates Sₙ, as for REML itself.
//
// The test of Lβ = 0 (q = rank L) then follows Kenward & Roger's A₁, A₂, B, g, c₁…c₃, ρ:
// denominator df m = 4 + (q + 2)/(qρ − 1), F = λ · (Lβ)ᵀ(LΦ_ALᵀ)⁻¹(Lβ)/q with scaling
// λ = m(1 − A₂/q)/(m − 2) (1 when |m − 2| < 0.01), as pbkrtest.

struct LMMKenwardRoger: Sendable {
    /// Φ = Cov(β̂) (unadjusted).
    let phi: LMMMatrix
    /// Φ_A, the adjusted covariance.
    let adjusted: LMMMatrix
    /// P₁, P₂.
    let p: [LMMMatrix]
    /// W = 2 IE₂⁻¹ (2 × 2).
    let w: LMMMatrix
    let sigma: Double

    init(statistics st: LMMSufficientStatistics, subjectVariance: Double, residualVariance s2: Double, covariance phi: LMMMatrix) {
        let dim = st.columnCount
        // Accumulate α·XᵀX + Σ_g (γ_g − α)/n_g · S_g.
        func combine(alpha: Double, gamma: (Double, Double) -> Double) -> LMMMatrix {
            var m = st.crossProduct
            for i in 0..<m.storage.count { m.storage[i] *= alpha }
            for g in st.groups {
                let n = Double(g.size)
                let lambda = s2 + n * subjectVariance
                let coefficient = (gamma(n, lambda) - alpha) / n
                if coefficient == 0 { continue }
                for i in 0..<m.storage.count { m.storage[i] += coefficient * g.outer.storage[i] }
            }
            return m
        }
        func scaled(_ m: LMMMatrix, _ c: Double) -> LMMMatrix {
            var out = m
            for i in 0..<out.storage.count { out.storage[i] *= c }
            return out
        }
        let s4 = s2 * s2
        let s6 = s4 * s2
        let p1 = scaled(combine(alpha: 0) { n, l in n / (l * l) }, -1)
        let p2 = scaled(combine(alpha: 1 / s4) { _, l in 1 / (l * l) }, -1)
        let q11 = combine(alpha: 0) { n, l in n * n / (l * l * l) }
        let q12 = combine(alpha: 0) { n, l in n / (l * l * l) }
        let q22 = combine(alpha: 1 / s6) { _, l in 1 / (l * l * l) }
        var k11 = 0.0
        var k12 = 0.0
        var k22 = 0.0
        for g in st.groups {
            let n = Double(g.size)
            let m = Double(g.subjectCount)
            let l = s2 + n * subjectVariance
            k11 += m * n * n / (l * l)
            k12 += m * n / (l * l)
            k22 += m * ((n - 1) / s4 + 1 / (l * l))
        }
        func traceProduct(_ a: LMMMatrix, _ b: LMMMatrix) -> Double {
            // tr(A B) for symmetric-or-not A, B: Σᵢⱼ Aᵢⱼ Bⱼᵢ.
            var s = 0.0
            for i in 0..<a.rows {
                for j in 0..<a.columns { s += a[i, j] * b[j, i] }
            }
            return s
        }
        let phiP1 = phi * p1
        let phiP2 = phi * p2
        var ie2 = LMMMatrix(rows: 2, columns: 2)
        ie2[0, 0] = k11 - 2 * traceProduct(phi, q11) + traceProduct(phiP1, phiP1)
        ie2[0, 1] = k12 - 2 * traceProduct(phi, q12) + traceProduct(phiP1, phiP2)
        ie2[1, 0] = ie2[0, 1]
        ie2[1, 1] = k22 - 2 * traceProduct(phi, q22) + traceProduct(phiP2, phiP2)
        // W = 2 IE₂⁻¹ (a pseudo-inverse when IE₂ is numerically singular, as pbkrtest).
        let (values, vectors) = LMMLinearAlgebra.symmetricEigen(ie2)
        let condition = values.map { abs($0) }.min() ?? 0
        let largest = values.map { abs($0) }.max() ?? 0
        let cutoff = condition > 1e-10 ? 0 : Double.ulpOfOne.squareRoot() * largest
        var w = LMMMatrix(rows: 2, columns: 2)
        for (k, v) in values.enumerated() where abs(v) > cutoff {
            for i in 0..<2 {
                for j in 0..<2 { w[i, j] += 2 * vectors[i, k] * vectors[j, k] / v }
            }
        }
        let p1PhiP1 = p1 * phiP1
        let p1PhiP2 = p1 * phiP2
        let p2PhiP2 = p2 * phiP2
        var uu = LMMMatrix(rows: dim, columns: dim)
        for i in 0..<dim {
            for j in 0..<dim {
                let off = (q12[i, j] - p1PhiP2[i, j]) + (q12[j, i] - p1PhiP2[j, i])
                uu[i, j] = w[0, 1] * off + w[0, 0] * (q11[i, j] - p1PhiP1[i, j])
                    + w[1, 1] * (q22[i, j] - p2PhiP2[i, j])
            }
        }
        let gammaMatrix = phi * uu * phi
        var adjusted = phi
        for i in 0..<adjusted.storage.count { adjusted.storage[i] += 2 * gammaMatrix.storage[i] }
        self.phi = phi
        self.adjusted = adjusted
        self.p = [p1, p2]
        self.w = w
        self.sigma = s2.squareRoot()
    }

    /// pbkrtest's denominator df and the A₂ term, for a full-row-rank L (q rows).
    func degreesOfFreedom(_ l: LMMMatrix) -> (df: Double, a2: Double)? {
        let q = Double(l.rows)
        // Θ = Lᵀ(LΦLᵀ)⁻¹L.
        let lt = l.transposed
        guard let factor = LMMCholesky(l * phi * lt) else { return nil }
        var solved = LMMMatrix(rows: l.rows, columns: l.columns)
        for j in 0..<l.columns {
            let column = factor.solve(l.column(j))
            for i in 0..<l.rows { solved[i, j] = column[i] }
        }
        let theta = lt * solved
        let thetaPhi = theta * phi
        let u = p.map { thetaPhi * $0 * phi }
        func trace(_ m: LMMMatrix) -> Double { (0..<m.rows).reduce(0) { $0 + m[$1, $1] } }
        func traceProduct(_ a: LMMMatrix, _ b: LMMMatrix) -> Double {
            var s = 0.0
            for i in 0..<a.rows {
                for j in 0..<a.columns { s += a[i, j] * b[j, i] }
            }
            return s
        }
        var a1 = 0.0
        var a2 = 0.0
        for i in 0..<2 {
            for j in i..<2 {
                let e = i == j ? 1.0 : 2.0
                a1 += e * w[i, j] * trace(u[i]) * trace(u[j])
                a2 += e * w[i, j] * traceProduct(u[i], u[j])
            }
        }
        let b = (a1 + 6 * a2) / (2 * q)
        let g = ((q + 1) * a1 - (q + 4) * a2) / ((q + 2) * a2)
        let denominator = 3 * q + 2 * (1 - g)
        let c1 = g / denominator
        let c2 = (q - g) / denominator
        let c3 = (q + 2 - g) / denominator
        var v0 = 1 + c1 * b
        let v1 = 1 - c2 * b
        let v2 = 1 - c3 * b
        if abs(v0) < 1e-10 { v0 = 0 }
        let x = 1 - a2 / q
        let ratio = (abs(x) < 1e-14 && abs(v1) < 1e-14) ? 1 : x / v1
        let rho = ratio * ratio * v0 / (q * v2)
        return (4 + (q + 2) / (q * rho - 1), a2)
    }

    func tTest(_ l: [Double], beta: [Double]) -> ContrastTTest? {
        var estimate = 0.0
        for i in 0..<l.count { estimate += l[i] * beta[i] }
        let variance = adjusted.quadraticForm(l)
        guard variance > 0, let (df, _) = degreesOfFreedom(LMMMatrix(rows: 1, columns: l.count, storage: l)) else {
            return nil
        }
        let se = variance.squareRoot()
        let t = estimate / se
        return ContrastTTest(
            estimate: estimate, standardError: se, degreesOfFreedom: df, tValue: t,
            pValue: LMMPValues.twoSidedT(t, df: df))
    }

    /// lmerTest's Kenward–Roger row: Mean Sq from the unscaled F (Φ_A Wald / q), F scaled.
    func fTest(_ hypothesis: LMMMatrix, beta: [Double]) -> ContrastFTest? {
        // pbkrtest's force_full_rank: replace a rank-deficient L by an orthonormal basis of
        // its row space (the KR statistic depends on the row space only).
        let rank = LMMLinearAlgebra.independentColumns(of: hypothesis.transposed)
        guard !rank.kept.isEmpty else { return nil }
        var l = hypothesis
        if rank.kept.count < hypothesis.rows {
            l = LMMMatrix(rows: rank.basis.count, columns: hypothesis.columns)
            for (i, row) in rank.basis.enumerated() {
                for j in 0..<row.count { l[i, j] = row[j] }
            }
        }
        let q = Double(l.rows)
        guard let (df, a2) = degreesOfFreedom(l),
            let factor = LMMCholesky(l * adjusted * l.transposed)
        else { return nil }
        let lb = l.multiply(beta)
        let solved = factor.solve(lb)
        var wald = 0.0
        for i in 0..<lb.count { wald += lb[i] * solved[i] }
        let unscaled = wald / q
        let scaling = abs(df - 2) < 1e-2 ? 1 : df * (1 - a2 / q) / (df - 2)
        let f = unscaled * scaling
        let meanSquare = unscaled * sigma * sigma
        return ContrastFTest(
            sumOfSquares: meanSquare * q, meanSquare: meanSquare, numeratorDF: l.rows,
            denominatorDF: df, fValue: f, pValue: LMMPValues.upperF(f, df1: q, df2: df))
    }
}
