// The REML criterion of the random-intercept model and its exact derivatives in θ = σ_b/σ.
//
// With M(θ) = XᵀW⁻¹X, b(θ) = XᵀW⁻¹e, q(θ) = eᵀW⁻¹e and r²(θ) = q − bᵀM⁻¹b (the penalised
// residual sum of squares of lme4), the REML deviance with σ profiled out is lme4's
//
//     d(θ) = Σᵢ log(1 + nᵢθ²) + log|M| + (N − p)(1 + log(2π r²/(N − p))),
//
// whose minimiser gives σ̂² = r²/(N − p) and logLik(REML) = −d/2. lmerTest differentiates the
// unprofiled deviance in (θ, σ),
//
//     D(θ, σ) = Σᵢ log(1 + nᵢθ²) + log|M| + r²/σ² + (N − p) log(2πσ²),
//
// numerically; here every derivative is exact. With cₙ = θ²/(1+nθ²),
// cₙ′ = 2θ/(1+nθ²)², cₙ″ = (2 − 6nθ²)/(1+nθ²)³ and Sₙ, uₙ, vₙ the size-group aggregates:
//
//     M′ = −Σ cₙ′Sₙ,  b′ = −Σ cₙ′uₙ,  q′ = −Σ cₙ′vₙ   (likewise ″),
//     (log|M|)′ = tr(M⁻¹M′),   (log|M|)″ = tr(M⁻¹M″) − tr(M⁻¹M′M⁻¹M′),
//     β̃ = M⁻¹b,  β̃′ = M⁻¹(b′ − M′β̃),
//     (r²)′ = q′ − 2b′ᵀβ̃ + β̃ᵀM′β̃,
//     (r²)″ = q″ − 2b″ᵀβ̃ − 2b′ᵀβ̃′ + 2β̃′ᵀM′β̃ + β̃ᵀM″β̃.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The REML criterion and its θ-derivatives at one θ.
struct LMMCriterionValue: Sendable {
    let theta: Double
    /// Profiled REML deviance d(θ) (= −2 logLik REML at σ̂(θ)).
    let deviance: Double
    /// r²(θ).
    let residualSquares: Double
    /// β̃ = M⁻¹b: the fixed effects of the shifted response.
    let coefficients: [Double]
    let factor: LMMCholesky
    /// Present when derivatives were requested.
    let derivatives: LMMCriterionDerivatives?
}

struct LMMCriterionDerivatives: Sendable {
    /// d′(θ), d″(θ) of the profiled deviance.
    let first: Double
    let second: Double
    /// Σ log(1+nθ²) + log|M| differentiated twice (the part of D not involving r²).
    let logDeterminantSecond: Double
    /// (r²)′, (r²)″.
    let residualSquaresFirst: Double
    let residualSquaresSecond: Double
    /// M⁻¹ and M′.
    let inverse: LMMMatrix
    let derivativeOfM: LMMMatrix
}

struct LMMREMLCriterion: Sendable {
    let statistics: LMMSufficientStatistics

    var residualDF: Double { Double(statistics.observationCount - statistics.columnCount) }

    /// Evaluates d(θ) (and, if asked, its first two derivatives). Returns nil when M is not
    /// numerically positive definite or r² is not positive.
    func evaluate(_ theta: Double, derivatives wantDerivatives: Bool) -> LMMCriterionValue? {
        let st = statistics
        let p = st.columnCount
        let t2 = theta * theta
        var m = st.crossProduct
        var b = st.crossResponse
        var q = st.residualSquares
        var logSum = 0.0
        var logFirst = 0.0
        var logSecond = 0.0
        var md = LMMMatrix(rows: wantDerivatives ? p : 0, columns: wantDerivatives ? p : 0)
        var mdd = md
        var bd = [Double](repeating: 0, count: wantDerivatives ? p : 0)
        var bdd = bd
        var qd = 0.0
        var qdd = 0.0
        for g in st.groups {
            let n = Double(g.size)
            let count = Double(g.subjectCount)
            let den = 1 + n * t2
            let c = t2 / den
            logSum += count * log1p(n * t2)
            if c != 0 {
                for i in 0..<(p * p) { m.storage[i] -= c * g.outer.storage[i] }
                for i in 0..<p { b[i] -= c * g.cross[i] }
                q -= c * g.totalSquares
            }
            if wantDerivatives {
                logFirst += count * 2 * n * theta / den
                logSecond += count * 2 * n * (1 - n * t2) / (den * den)
                let c1 = 2 * theta / (den * den)
                let c2 = (2 - 6 * n * t2) / (den * den * den)
                for i in 0..<(p * p) {
                    md.storage[i] -= c1 * g.outer.storage[i]
                    mdd.storage[i] -= c2 * g.outer.storage[i]
                }
                for i in 0..<p {
                    bd[i] -= c1 * g.cross[i]
                    bdd[i] -= c2 * g.cross[i]
                }
                qd -= c1 * g.totalSquares
                qdd -= c2 * g.totalSquares
            }
        }
        guard let factor = LMMCholesky(m) else { return nil }
        let beta = factor.solve(b)
        var r2 = q
        for i in 0..<p { r2 -= b[i] * beta[i] }
        guard r2 > 0, r2.isFinite else { return nil }
        let nu = residualDF
        let deviance = logSum + factor.logDeterminant + nu * (1 + log(2 * Double.pi * r2 / nu))
        var derivatives: LMMCriterionDerivatives? = nil
        if wantDerivatives {
            let inverse = factor.inverse
            let k = inverse * md
            var traceK = 0.0
            var traceKK = 0.0
            var traceInvMdd = 0.0
            for i in 0..<p {
                traceK += k[i, i]
                for j in 0..<p {
                    traceKK += k[i, j] * k[j, i]
                    traceInvMdd += inverse[i, j] * mdd[i, j]
                }
            }
            let mdBeta = md.multiply(beta)
            var rhs = bd
            for i in 0..<p { rhs[i] -= mdBeta[i] }
            let betaD = factor.solve(rhs)
            var r2d = qd
            var r2dd = qdd
            for i in 0..<p {
                r2d += -2 * bd[i] * beta[i] + beta[i] * mdBeta[i]
                r2dd += -2 * bdd[i] * beta[i] - 2 * bd[i] * betaD[i] + 2 * betaD[i] * mdBeta[i]
            }
            r2dd += mdd.quadraticForm(beta)
            let ldFirst = logFirst + traceK
            let ldSecond = logSecond + traceInvMdd - traceKK
            let ratio = r2d / r2
            derivatives = LMMCriterionDerivatives(
                first: ldFirst + nu * ratio,
                second: ldSecond + nu * (r2dd / r2 - ratio * ratio),
                logDeterminantSecond: ldSecond,
                residualSquaresFirst: r2d, residualSquaresSecond: r2dd,
                inverse: inverse, derivativeOfM: md)
        }
        return LMMCriterionValue(
            theta: theta, deviance: deviance, residualSquares: r2, coefficients: beta,
            factor: factor, derivatives: derivatives)
    }

    /// Minimises d(θ) over θ ≥ 0.
    ///
    /// A coarse logarithmic grid (θ = 0 and 10⁻⁴ … 10³, extended upward if needed) brackets
    /// the global minimum; Brent's method narrows the bracket on values only; Newton steps on
    /// the exact d′ and d″ then polish θ to machine precision (value-only optimisers such as
    /// lme4's BOBYQA stop at a relative θ error of about 1e-8, the square root of the
    /// deviance's rounding). When the minimum is at θ = 0 — the singular fit, where lme4 also
    /// returns 0 — θ is exactly 0.
    func minimise() throws -> LMMCriterionValue {
        var grid: [Double] = [0]
        var exponent = -4.0
        while exponent <= 3.0 + 1e-9 {
            grid.append(pow(10, exponent))
            exponent += 0.25
        }
        var values = grid.map { evaluate($0, derivatives: false)?.deviance ?? .infinity }
        var best = values.indices.min { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) } ?? 0
        while best == grid.count - 1 {
            guard let last = grid.last, last < 1e12 else {
                throw StatsError("mixed model: the REML criterion keeps decreasing as σ_b/σ grows beyond 1e12; the residual variance is not identifiable")
            }
            grid.append(last * pow(10, 0.25))
            values.append(evaluate(last * pow(10, 0.25), derivatives: false)?.deviance ?? .infinity)
            if values[values.count - 1] >= values[best] { break }
            best = values.count - 1
        }
        guard values[best].isFinite else {
            throw StatsError("mixed model: the REML criterion could not be evaluated (XᵀV⁻¹X singular or zero residual sum of squares for every θ); is the response fitted exactly by the fixed effects?")
        }
        let lower = grid[max(best - 1, 0)]
        let upper = grid[min(best + 1, grid.count - 1)]
        let f: (Double) -> Double = { self.evaluate($0, derivatives: false)?.deviance ?? .infinity }
        let brent = LMMBrent.minimise(f, lower: lower, upper: upper, relativeTolerance: 1e-10)
        var theta = brent.x
        // The boundary: lme4 returns exactly 0 when the optimum is there.
        if best == 0 || theta <= lower {
            let atZero = values[0]
            if atZero <= brent.value || theta < 1e-10 {
                guard let value = evaluate(0, derivatives: true) else {
                    throw StatsError("mixed model: the REML criterion could not be evaluated at σ_b = 0")
                }
                return value
            }
        }
        guard var current = evaluate(theta, derivatives: true), var d = current.derivatives else {
            throw StatsError("mixed model: the REML criterion could not be evaluated at θ = \(theta)")
        }
        // Newton polishing on d′ = 0, kept inside the bracket; stop when a step no longer
        // reduces |d′|.
        for _ in 0..<20 {
            guard d.second > 0 else { break }
            let step = d.first / d.second
            let candidate = theta - step
            guard candidate > lower, candidate < upper || upper == lower else { break }
            guard let next = evaluate(candidate, derivatives: true), let nd = next.derivatives else { break }
            if abs(nd.first) >= abs(d.first) && next.deviance > current.deviance { break }
            theta = candidate
            current = next
            d = nd
            if abs(step) <= 4 * Double.ulpOfOne * theta { break }
        }
        return current
    }
}

/// Brent's method for a one-dimensional minimum on [lower, upper] (golden section with
/// parabolic interpolation; Brent, *Algorithms for Minimization without Derivatives*, ch. 5).
enum LMMBrent {
    static func minimise(
        _ f: (Double) -> Double, lower: Double, upper: Double, relativeTolerance: Double
    ) -> (x: Double, value: Double) {
        let golden = 0.5 * (3 - 5.0.squareRoot())
        var a = lower
        var b = upper
        var x = a + golden * (b - a)
        var w = x
        var v = x
        var fx = f(x)
        var fw = fx
        var fv = fx
        var d = 0.0
        var e = 0.0
        for _ in 0..<200 {
            let mid = 0.5 * (a + b)
            let tol1 = relativeTolerance * abs(x) + 1e-300
            let tol2 = 2 * tol1
            if abs(x - mid) <= tol2 - 0.5 * (b - a) { break }
            var useGolden = true
            if abs(e) > tol1 {
                let r = (x - w) * (fx - fv)
                var q = (x - v) * (fx - fw)
                var p = (x - v) * q - (x - w) * r
                q = 2 * (q - r)
                if q > 0 { p = -p }
                q = abs(q)
                let eOld = e
                e = d
                if abs(p) < abs(0.5 * q * eOld) && p > q * (a - x) && p < q * (b - x) {
                    d = p / q
                    let u = x + d
                    if u - a < tol2 || b - u < tol2 { d = x < mid ? tol1 : -tol1 }
                    useGolden = false
                }
            }
            if useGolden {
                e = x >= mid ? a - x : b - x
                d = golden * e
            }
            let u = abs(d) >= tol1 ? x + d : x + (d > 0 ? tol1 : -tol1)
            let fu = f(u)
            if fu <= fx {
                if u >= x { a = x } else { b = x }
                v = w; fv = fw
                w = x; fw = fx
                x = u; fx = fu
            } else {
                if u < x { a = u } else { b = u }
                if fu <= fw || w == x {
                    v = w; fv = fw
                    w = u; fw = fu
                } else if fu <= fv || v == x || v == w {
                    v = u; fv = fu
                }
            }
        }
        // The bracket ends may beat the interior point when the minimum is at an end.
        let fa = f(lower)
        if fa < fx { return (lower, fa) }
        return (x, fx)
    }
}
