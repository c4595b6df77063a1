#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A chi-square test: statistic, degrees of freedom and upper-tail p.
public struct ChiSquareStatistic: Sendable, Hashable, Codable {
    public var chiSquared: Double
    public var degreesOfFreedom: Int
    public var pValue: Double

    public init(chiSquared: Double, degreesOfFreedom: Int) {
        self.chiSquared = chiSquared
        self.degreesOfFreedom = degreesOfFreedom
        pValue = degreesOfFreedom > 0 && chiSquared.isFinite
            ? PValues.clamp(ChiSquaredDistribution.upperTail(max(chiSquared, 0), df: Double(degreesOfFreedom)))
            : 1
    }
}

/// A fitted Cox proportional hazards model — the components of `survival::coxph`'s value.
public struct CoxModelResult: Sendable, Hashable, Codable {
    public var names: [String]
    public var ties: CoxTies
    /// Observations and events (`n`, `nevent`).
    public var count: Int
    public var eventCount: Int
    /// β̂ (`coef`).
    public var coefficients: [Double]
    /// Model-based variance I(β̂)⁻¹, row-major p × p (`naive.var`, or `var` without robust).
    public var variance: [Double]
    /// √diag of `variance` (`se(coef)`).
    public var standardErrors: [Double]
    /// Sandwich variance D′D from the (cluster-summed, weighted) dfbeta residuals
    /// (`var` with `robust = TRUE` or `cluster()`); nil when not asked for.
    public var robustVariance: [Double]?
    /// `robust se`.
    public var robustStandardErrors: [Double]?
    /// Clusters behind the robust variance (observations when no cluster was given).
    public var clusterCount: Int?
    /// Log partial likelihood at β = 0 and at β̂ (`loglik`).
    public var logLikelihoodNull: Double
    public var logLikelihood: Double
    /// Newton–Raphson iterations (`iter`).
    public var iterations: Int
    public var converged: Bool
    /// Coefficients R flags as possibly infinite ("Loglik converged before variable …;
    /// coefficient may be infinite"): the score times the variance is not negligible at β̂,
    /// e.g. a binary covariate whose one level has no events.
    public var infinite: [Bool]
    /// Likelihood-ratio test 2(ℓ(β̂) − ℓ(0)) on p df (`logtest`).
    public var likelihoodRatioTest: ChiSquareStatistic
    /// Wald test β̂′I(β̂)β̂ with the model-based variance (`waldtest` without robust).
    public var waldTest: ChiSquareStatistic
    /// Wald test with the robust variance (`waldtest` with robust); nil without robust.
    public var robustWaldTest: ChiSquareStatistic?
    /// Score (log-rank) test U(0)′I(0)⁻¹U(0) (`sctest`).
    public var scoreTest: ChiSquareStatistic
    /// Robust score test from the score residuals at β = 0 (`robscore`); nil without robust.
    public var robustScoreTest: ChiSquareStatistic?
    public var warnings: [StatsWarning]

    /// exp(β̂ⱼ).
    public func hazardRatio(_ j: Int) -> Double { exp(coefficients[j]) }

    /// The standard error `summary.coxph` uses: robust when computed, else model-based.
    public func reportedStandardError(_ j: Int) -> Double { robustStandardErrors?[j] ?? standardErrors[j] }

    /// Wald z = β̂/se (`summary(fit)$coefficients[, "z"]`, robust se when computed).
    public func z(_ j: Int) -> Double { coefficients[j] / reportedStandardError(j) }

    /// Two-sided Wald p, 2Φ(−|z|) (`Pr(>|z|)`).
    public func waldP(_ j: Int) -> Double { PValues.clamp(2 * NormalDistribution.upperTail(abs(z(j)))) }

    /// Wald interval for the hazard ratio, exp(β̂ ± z₁₋α/₂·se) (`summary(fit)$conf.int`).
    public func hazardRatioInterval(_ j: Int, level: Double = 0.95) -> ConfidenceInterval {
        let q = NormalDistribution.quantile(1 - (1 - level) / 2)
        let se = reportedStandardError(j)
        return ConfidenceInterval(lower: exp(coefficients[j] - q * se), upper: exp(coefficients[j] + q * se), level: level)
    }
}

/// Controls of the Newton–Raphson fit, `coxph.control`'s defaults.
public struct CoxControl: Sendable, Hashable {
    /// Convergence: stop when |1 − ℓ_best/ℓ_new| ≤ eps.
    public var eps: Double = 1e-9
    public var maxIterations: Int = 20
    /// Pivot tolerance of the information's Cholesky factor (`toler.chol`, eps^0.75 of the
    /// machine), relative to the column's diagonal.
    public var cholesky: Double = pow(Double.ulpOfOne, 0.75)
    /// `toler.inf`: √eps.
    public var infinite: Double = 1e-9.squareRoot()

    public init() {}
}

/// Cox proportional hazards regression — `survival::coxph(Surv(time, status) ~ x, ties =,
/// weights =, robust =, cluster =)` for right-censored data, optionally stratified.
///
/// Partial likelihood (Breslow): ℓ(β) = Σ_t [Σ_{i∈D_t} wᵢηᵢ − W_t log Σ_{j∈R_t} wⱼe^{ηⱼ}]; Efron
/// replaces the log term by (W_t/d_t) Σ_{r<d_t} log(Σ_{R_t} wⱼe^{ηⱼ} − (r/d_t) Σ_{D_t} wⱼe^{ηⱼ}).
/// The fit is coxfit6's Newton–Raphson from β = 0: a step that lowers ℓ (or is not finite) is
/// pulled back toward the last good β (the k-th consecutive halving puts it at
/// (new + k·old)/(k + 1)); it stops when |1 − ℓ_best/ℓ_new| ≤ 1e-9 and returns the β just
/// evaluated, with the information inverted there (model-based variance).
/// Robust variance: D′D with D the dfbeta residuals (score residuals × case weight × I⁻¹),
/// summed within clusters (Lin & Wei 1989).
public enum CoxRegression {
    /// - Parameter robust: compute the sandwich variance (implied by clusters in `data`).
    /// - Throws: `StatsError` when there are no events or the information at β = 0 is
    ///   singular (a constant or collinear covariate).
    public static func fit(
        _ data: CoxData, ties: CoxTies = .efron, robust: Bool = false, control: CoxControl = CoxControl()
    ) throws -> CoxModelResult {
        let n = data.count, p = data.dimension
        guard data.eventCount > 0 else {
            throw StatsError("no events: all \(n) observations are censored, so the Cox partial likelihood has no information")
        }
        let x = data.centredCovariates()
        let engine = CoxEngine(data: data, x: x, ties: ties)
        var beta = [Double](repeating: 0, count: p)
        let start = engine.evaluate(beta)
        let startFactor = CholeskyDecomposition(symmetric: start.information, dimension: p, relativeTolerance: control.cholesky)
        if startFactor.rank < p {
            let dependent = (0..<p).filter { startFactor.skipped[$0] }.map { data.names[$0] }
            throw StatsError("the information matrix is singular: \(dependent) is constant among the observations at risk or a linear combination of the other covariates; drop it")
        }
        let startStep = startFactor.solve(start.score)
        var scoreStatistic = 0.0
        for j in 0..<p { scoreStatistic += start.score[j] * startStep[j] }

        var best = start.logLikelihood
        var newBeta = (0..<p).map { beta[$0] + startStep[$0] }
        var halving = 0.0
        var converged = false
        var iterations = 0
        var current = start
        var currentFactor = startFactor
        if control.maxIterations > 0 {
            for iteration in 1...control.maxIterations {
                iterations = iteration
                let trial = engine.evaluate(newBeta)
                let factor = CholeskyDecomposition(symmetric: trial.information, dimension: p, relativeTolerance: control.cholesky)
                let finite = trial.logLikelihood.isFinite && trial.score.allSatisfy(\.isFinite) && trial.information.allSatisfy(\.isFinite)
                if finite, abs(1 - best / trial.logLikelihood) <= control.eps {
                    beta = newBeta
                    best = trial.logLikelihood
                    current = trial
                    currentFactor = factor
                    converged = true
                    break
                }
                if !finite || trial.logLikelihood < best {
                    halving += 1
                    for j in 0..<p { newBeta[j] = (newBeta[j] + halving * beta[j]) / (halving + 1) }
                } else {
                    halving = 0
                    best = trial.logLikelihood
                    let step = factor.solve(trial.score)
                    beta = newBeta
                    for j in 0..<p { newBeta[j] = beta[j] + step[j] }
                }
            }
        }
        var warnings: [StatsWarning] = []
        if !converged {
            current = engine.evaluate(beta)
            best = current.logLikelihood
            currentFactor = CholeskyDecomposition(symmetric: current.information, dimension: p, relativeTolerance: control.cholesky)
            if control.maxIterations > 0 {
                warnings.append(StatsWarning(
                    code: "not-converged",
                    message: "ran out of iterations (\(control.maxIterations)) and did not converge; the last improving estimate is reported"))
            }
        }
        let variance = currentFactor.inverse()
        var infinite = [Bool](repeating: false, count: p)
        if control.maxIterations > 1 {
            for j in 0..<p {
                var product = 0.0
                for k in 0..<p { product += current.score[k] * variance[k * p + j] }
                let drift = abs(product)
                infinite[j] = !current.score[j].isFinite || (drift > control.eps && drift > control.infinite * abs(beta[j]))
            }
        }
        for j in 0..<p where infinite[j] {
            warnings.append(StatsWarning(
                code: "infinite-coefficient",
                message: "the log partial likelihood converged before \(data.names[j]) did: its coefficient may be infinite (e.g. one group has no events); its estimate, standard error and Wald test are not meaningful"))
        }
        if currentFactor.rank < p {
            warnings.append(StatsWarning(code: "singular-information", message: "the information matrix at the estimate is singular; the variance is a generalized inverse"))
        }
        let standardErrors = (0..<p).map { variance[$0 * p + $0].squareRoot() }
        // Wald: β̂′ V⁻¹ β̂ with V = I⁻¹ (the generalized inverse's inverse on the kept columns).
        let waldFactor = CholeskyDecomposition(symmetric: variance, dimension: p, relativeTolerance: control.cholesky)
        let waldSolve = waldFactor.solve(beta)
        var wald = 0.0
        for j in 0..<p { wald += beta[j] * waldSolve[j] }

        var robustVariance: [Double]?
        var robustWald: ChiSquareStatistic?
        var robustScore: ChiSquareStatistic?
        let wantsRobust = robust || data.clusters != nil
        if wantsRobust {
            let residuals = engine.scoreResiduals(beta)
            let groups = data.clusters ?? Array(0..<n)
            let g = data.clusters == nil ? n : data.clusterCount
            // dfbeta = weighted score residual × I⁻¹, summed per cluster.
            var dfbeta = [Double](repeating: 0, count: g * p)
            for i in 0..<n {
                for j in 0..<p {
                    var sum = 0.0
                    for k in 0..<p { sum += residuals[i * p + k] * data.weights[i] * variance[k * p + j] }
                    dfbeta[groups[i] * p + j] += sum
                }
            }
            let v = crossProduct(dfbeta, rows: g, columns: p)
            robustVariance = v
            let robustFactor = CholeskyDecomposition(symmetric: v, dimension: p, relativeTolerance: control.cholesky)
            let solved = robustFactor.solve(beta)
            var statistic = 0.0
            for j in 0..<p { statistic += beta[j] * solved[j] }
            robustWald = ChiSquareStatistic(chiSquared: statistic, degreesOfFreedom: p)
            // Robust score test: score residuals at β = 0, summed per cluster.
            let nullResiduals = engine.scoreResiduals([Double](repeating: 0, count: p))
            var collapsed = [Double](repeating: 0, count: g * p)
            var total = [Double](repeating: 0, count: p)
            for i in 0..<n {
                for j in 0..<p {
                    let value = nullResiduals[i * p + j] * data.weights[i]
                    collapsed[groups[i] * p + j] += value
                    total[j] += value
                }
            }
            let meat = crossProduct(collapsed, rows: g, columns: p)
            let meatFactor = CholeskyDecomposition(symmetric: meat, dimension: p, relativeTolerance: control.cholesky)
            let solvedScore = meatFactor.solve(total)
            var scoreRobust = 0.0
            for j in 0..<p { scoreRobust += total[j] * solvedScore[j] }
            robustScore = ChiSquareStatistic(chiSquared: scoreRobust, degreesOfFreedom: p)
        }
        return CoxModelResult(
            names: data.names, ties: ties, count: n, eventCount: data.eventCount, coefficients: beta, variance: variance,
            standardErrors: standardErrors, robustVariance: robustVariance,
            robustStandardErrors: robustVariance.map { v in (0..<p).map { v[$0 * p + $0].squareRoot() } },
            clusterCount: wantsRobust ? (data.clusters == nil ? n : data.clusterCount) : nil,
            logLikelihoodNull: start.logLikelihood, logLikelihood: best, iterations: iterations, converged: converged,
            infinite: infinite,
            likelihoodRatioTest: ChiSquareStatistic(chiSquared: 2 * (best - start.logLikelihood), degreesOfFreedom: p),
            waldTest: ChiSquareStatistic(chiSquared: wald, degreesOfFreedom: p), robustWaldTest: robustWald,
            scoreTest: ChiSquareStatistic(chiSquared: scoreStatistic, degreesOfFreedom: p), robustScoreTest: robustScore,
            warnings: warnings)
    }

    /// D′D for a row-major rows × columns matrix D.
    static func crossProduct(_ d: [Double], rows: Int, columns p: Int) -> [Double] {
        var result = [Double](repeating: 0, count: p * p)
        for r in 0..<rows {
            for a in 0..<p {
                let value = d[r * p + a]
                guard value != 0 else { continue }
                for b in 0..<p { result[a * p + b] += value * d[r * p + b] }
            }
        }
        return result
    }
}

/// The partial likelihood, its derivatives and the score residuals on centred covariates.
struct CoxEngine {
    let data: CoxData
    /// Row-major centred covariates.
    let x: [Double]
    let ties: CoxTies

    struct Evaluation {
        var logLikelihood: Double
        var score: [Double]
        /// Row-major p × p information (minus the Hessian).
        var information: [Double]
    }

    func linearPredictor(_ beta: [Double], _ i: Int) -> Double {
        let p = data.dimension
        var eta = 0.0
        for j in 0..<p { eta += beta[j] * x[i * p + j] }
        return eta
    }

    /// ℓ(β), U(β) and I(β), accumulated backwards in time within each stratum (coxfit6_iter).
    func evaluate(_ beta: [Double]) -> Evaluation {
        let p = data.dimension
        var loglik = 0.0
        var u = [Double](repeating: 0, count: p)
        var imat = [Double](repeating: 0, count: p * p)
        var a = [Double](repeating: 0, count: p), a2 = [Double](repeating: 0, count: p)
        var cmat = [Double](repeating: 0, count: p * p), cmat2 = [Double](repeating: 0, count: p * p)
        for run in data.strataRuns() {
            var denom = 0.0
            for j in 0..<p { a[j] = 0 }
            for j in 0..<(p * p) { cmat[j] = 0 }
            var position = run.upperBound - 1
            while position >= run.lowerBound {
                let time = data.times[data.order[position]]
                var deaths = 0
                var deadWeight = 0.0
                var denom2 = 0.0
                for j in 0..<p { a2[j] = 0 }
                for j in 0..<(p * p) { cmat2[j] = 0 }
                while position >= run.lowerBound, data.times[data.order[position]] == time {
                    let i = data.order[position]
                    let eta = linearPredictor(beta, i)
                    let w = data.weights[i]
                    let risk = exp(eta) * w
                    if data.events[i] {
                        deaths += 1
                        deadWeight += w
                        denom2 += risk
                        loglik += w * eta
                        for j in 0..<p {
                            let xj = x[i * p + j]
                            u[j] += w * xj
                            a2[j] += risk * xj
                            for k in 0...j { cmat2[j * p + k] += risk * xj * x[i * p + k] }
                        }
                    } else {
                        denom += risk
                        for j in 0..<p {
                            let xj = x[i * p + j]
                            a[j] += risk * xj
                            for k in 0...j { cmat[j * p + k] += risk * xj * x[i * p + k] }
                        }
                    }
                    position -= 1
                }
                guard deaths > 0 else { continue }
                let steps = ties == .breslow || deaths == 1 ? 1 : deaths
                let fraction = 1 / Double(steps)
                let weightPerStep = deadWeight / Double(steps)
                for _ in 0..<steps {
                    denom += denom2 * fraction
                    loglik -= weightPerStep * log(denom)
                    for j in 0..<p {
                        a[j] += a2[j] * fraction
                        let mean = a[j] / denom
                        u[j] -= weightPerStep * mean
                        for k in 0...j {
                            cmat[j * p + k] += cmat2[j * p + k] * fraction
                            imat[j * p + k] += weightPerStep * (cmat[j * p + k] - mean * a[k]) / denom
                        }
                    }
                }
            }
        }
        for j in 0..<p {
            for k in 0..<j { imat[k * p + j] = imat[j * p + k] }
        }
        return Evaluation(logLikelihood: loglik, score: u, information: imat)
    }

    /// Score residuals (`residuals(fit, type = "score", weighted = FALSE)`), row-major n × p in
    /// the caller's observation order: for observation i,
    /// Σ_t δᵢ(t) Σ_r (xᵢ − x̄_r)/d_t − Σ_t Yᵢ(t) e^{ηᵢ} Σ_r cᵢᵣ λ_r (xᵢ − x̄_r), where r runs over
    /// Efron's d_t sub-steps (one step for Breslow), λ_r = (W_t/d_t)/(S_t − (r/d_t)S_t^D),
    /// x̄_r the matching weighted mean, and cᵢᵣ = 1 − r/d_t for an event at t, 1 otherwise.
    ///
    /// In O(n·p), as coxscore2: the risk-set sums come from one backward pass; a forward pass
    /// keeps H = Σλ and XH = Σλx̄ over the event times so far, so the at-risk term of i is
    /// −e^{ηᵢ}(xᵢH(Tᵢ) − XH(Tᵢ)), and an event gets back the (r/d_t) share of its own time.
    func scoreResiduals(_ beta: [Double]) -> [Double] {
        let n = data.count, p = data.dimension
        var residuals = [Double](repeating: 0, count: n * p)
        let score = (0..<n).map { exp(linearPredictor(beta, $0)) }
        for run in data.strataRuns() {
            // Groups of equal time in the run, ascending.
            var groups: [Range<Int>] = []
            var start = run.lowerBound
            while start < run.upperBound {
                var end = start
                let time = data.times[data.order[start]]
                while end < run.upperBound, data.times[data.order[end]] == time { end += 1 }
                groups.append(start..<end)
                start = end
            }
            // Backward: S_t and a_t = Σ_{R_t} w e^η x for each group.
            var denoms = [Double](repeating: 0, count: groups.count)
            var sums = [Double](repeating: 0, count: groups.count * p)
            var denom = 0.0
            var a = [Double](repeating: 0, count: p)
            for g in stride(from: groups.count - 1, through: 0, by: -1) {
                for q in groups[g] {
                    let i = data.order[q]
                    let risk = score[i] * data.weights[i]
                    denom += risk
                    for j in 0..<p { a[j] += risk * x[i * p + j] }
                }
                denoms[g] = denom
                for j in 0..<p { sums[g * p + j] = a[j] }
            }
            // Forward: cumulative hazard and hazard-weighted means.
            var cumulative = 0.0
            var weightedMeans = [Double](repeating: 0, count: p)
            var xbar = [Double](repeating: 0, count: p)
            for (g, group) in groups.enumerated() {
                let deaths = group.map { data.order[$0] }.filter { data.events[$0] }
                var deathTerms: [Int: [Double]] = [:]
                if !deaths.isEmpty {
                    var eDenom = 0.0, deadWeight = 0.0
                    var a2 = [Double](repeating: 0, count: p)
                    for i in deaths {
                        let risk = score[i] * data.weights[i]
                        eDenom += risk
                        deadWeight += data.weights[i]
                        for j in 0..<p { a2[j] += risk * x[i * p + j] }
                    }
                    let d = deaths.count
                    let steps = ties == .breslow || d == 1 ? 1 : d
                    let meanWeight = deadWeight / Double(steps)
                    for i in deaths { deathTerms[i] = [Double](repeating: 0, count: p) }
                    for r in 0..<steps {
                        let down = steps == 1 ? 0 : Double(r) / Double(d)
                        let working = denoms[g] - down * eDenom
                        let hazard = meanWeight / working
                        cumulative += hazard
                        for j in 0..<p {
                            xbar[j] = (sums[g * p + j] - down * a2[j]) / working
                            weightedMeans[j] += hazard * xbar[j]
                        }
                        for i in deaths {
                            for j in 0..<p {
                                let centred = x[i * p + j] - xbar[j]
                                deathTerms[i]?[j] += centred / Double(steps) + score[i] * down * hazard * centred
                            }
                        }
                    }
                }
                for q in group {
                    let i = data.order[q]
                    let own = deathTerms[i]
                    for j in 0..<p {
                        residuals[i * p + j] = -score[i] * (x[i * p + j] * cumulative - weightedMeans[j]) + (own?[j] ?? 0)
                    }
                }
            }
        }
        return residuals
    }
}
