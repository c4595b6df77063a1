#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Convergence control of the IRLS fit — R's `glm.control()` defaults.
public struct LogisticRegressionOptions: Sendable, Hashable, Codable {
    /// Convergence when |D − D_old| / (|D| + 0.1) < epsilon, D the deviance (`epsilon`, 1e-8).
    public var epsilon: Double
    /// Maximum number of IRLS iterations (`maxit`, 25).
    public var maxIterations: Int

    public init(epsilon: Double = 1e-8, maxIterations: Int = 25) {
        self.epsilon = epsilon
        self.maxIterations = maxIterations
    }
}

/// One row of the coefficient table — `summary(glm)$coefficients`. All four values are `nil`
/// for a coefficient that is not estimable because its column is a linear combination of
/// earlier columns (R reports NA).
public struct LogisticCoefficient: Sendable, Hashable, Codable {
    public var name: String
    public var estimate: Double?
    /// √ of the diagonal of (XᵀWX)⁻¹.
    public var standardError: Double?
    /// Wald z = estimate / standard error.
    public var zValue: Double?
    /// Two-sided Wald p-value 2·Φ(−|z|).
    public var pValue: Double?

    /// `true` when the column was found linearly dependent on earlier columns.
    public var isAliased: Bool { estimate == nil }
}

/// Whether the outcome is (partly) perfectly predicted by the covariates, in which case the
/// maximum-likelihood estimate does not exist and some coefficients run off to ±∞.
public enum LogisticSeparation: String, Sendable, Hashable, Codable {
    case none
    /// Some, but not all, observations are perfectly predicted.
    case quasiComplete = "quasi-complete"
    /// Every observation is perfectly predicted.
    case complete
}

/// A fitted logistic regression — what `glm(y ~ X, family = binomial)` and its summary give.
public struct LogisticRegressionResult: Sendable, Hashable, Codable {
    /// Intercept first (named "(Intercept)", as in R) when requested, then the design columns.
    public var coefficients: [LogisticCoefficient]
    /// Unscaled covariance (XᵀWX)⁻¹ of the coefficients, in coefficient order — `vcov(fit)`;
    /// rows and columns of aliased coefficients are `nil`.
    public var covariance: [[Double?]]
    /// Fitted probabilities μᵢ — `fitted(fit)`, the propensity scores MatchIt uses.
    public var fittedProbabilities: [Double]
    /// Linear predictors ηᵢ = xᵢᵀβ — `fit$linear.predictors`.
    public var linearPredictors: [Double]
    /// Residual deviance −2 log L.
    public var deviance: Double
    /// Deviance of the model with only an intercept (or of μ = 0.5 without an intercept).
    public var nullDeviance: Double
    /// AIC = deviance + 2·rank (0/1 outcomes).
    public var aic: Double
    /// Number of estimable coefficients.
    public var rank: Int
    /// n − rank.
    public var residualDegreesOfFreedom: Int
    /// n − 1 with an intercept, n without.
    public var nullDegreesOfFreedom: Int
    /// IRLS iterations performed (`fit$iter`).
    public var iterations: Int
    /// Whether the deviance criterion was met within `maxIterations`.
    public var converged: Bool
    /// Separation diagnosis; anything but `.none` comes with a `separation` warning.
    public var separation: LogisticSeparation
    /// Conditions met and handled: `not-converged`, `fitted-probabilities-0-or-1`,
    /// `separation`, `rank-deficient`, `singular-weighted-design`, `non-finite-coefficients`.
    public var warnings: [StatsWarning]
}

/// Logistic regression by iteratively reweighted least squares, step for step as R's
/// `glm.fit` with `family = binomial` (logit link), so that fitted probabilities agree with
/// R to rounding on well-conditioned data — not just to the convergence tolerance.
///
/// The iteration: start from μ = (y + 0.5)/2, η = logit μ. Each step forms the working
/// response zᵢ = ηᵢ + (yᵢ − μᵢ)/μ′(ηᵢ) and weights wᵢ = μ′(ηᵢ)²/(μᵢ(1 − μᵢ)), solves the
/// weighted least squares XᵀWXβ = XᵀWz, and recomputes η, μ and the deviance; it stops when
/// |D − D_old|/(|D| + 0.1) < ε (1e-8) or after 25 steps. μ and μ′ use R's clamped inverse
/// link: for |η| > 30 they are computed at ±30 (μ = ε/(1 + ε) or 1/(1 + ε), μ′ = ε, ε the
/// machine epsilon), so fitted values never reach exactly 0 or 1. Standard errors come from
/// (XᵀWX)⁻¹ at the weights of the last step, as `summary.glm` takes them from the last QR.
///
/// Scale: the weighted cross-products are accumulated row by row (O(p²) memory, nothing
/// n × n), in blocks of 1024 rows to keep the summation error small, and the p × p system is
/// solved by Cholesky. R solves the same least-squares problem by Householder QR, which is
/// more robust on ill-conditioned designs; on well-conditioned ones both are accurate to
/// far below the 1e-10 that propensity scores need. Cost: O(n·p²) per iteration.
///
/// Rank: a column that is (numerically) a linear combination of earlier columns is aliased
/// and its coefficient reported as not estimable, as R's pivoting does. The test is made at
/// the first iteration, where all weights are equal, so it is a property of the design: the
/// column's residual after projecting out the earlier columns has squared norm
/// ≤ 1e-10 × its own (R's QR uses a norm ratio of 1e-11; the normal equations lose half the
/// digits, so the threshold sits where they can still resolve it).
///
/// Separation: R only warns when a fitted probability is within 10ε of 0 or 1, which misses
/// most quasi-complete separation (R then reports "converged" with huge standard errors).
/// Here the last IRLS step is checked as a certificate: with separation the step moves the
/// linear predictors of the perfectly predicted observations by about 1 per iteration
/// (Newton on an exponential tail) while the deviance no longer changes, and the direction
/// of that step is itself a separating direction. So separation is reported when the last
/// step changes some ηᵢ by more than 0.01 and no observation's ηᵢ moves away from its own
/// outcome by more than 1e-3 of the largest change; it is complete when every observation
/// moves towards its outcome by more than that, quasi-complete otherwise.
public enum LogisticRegression {
    /// Fits `outcome ~ design` (plus an intercept unless `intercept` is false).
    /// - Throws: `StatsError` when lengths disagree, there are no observations or no
    ///   coefficients, the options are invalid, or the design's rank exceeds n.
    /// - Complexity: O(iterations · n · p²) time, O(n + p²) extra memory.
    public static func fit(
        outcome: [Bool], design: DesignMatrix, intercept: Bool = true,
        options: LogisticRegressionOptions = LogisticRegressionOptions()
    ) throws -> LogisticRegressionResult {
        let n = design.rowCount
        guard outcome.count == n else {
            throw StatsError("outcome has \(outcome.count) values but the design has \(n) rows; they must match")
        }
        guard n > 0 else { throw StatsError("the design has no rows; logistic regression needs observations") }
        let names = (intercept ? ["(Intercept)"] : []) + design.columnNames
        let p = names.count
        guard p > 0 else {
            throw StatsError("the model has no coefficients: the design has no columns and intercept is false")
        }
        guard options.epsilon > 0, options.epsilon.isFinite else {
            throw StatsError("epsilon is \(options.epsilon); it must be a positive number")
        }
        guard options.maxIterations >= 1 else {
            throw StatsError("maxIterations is \(options.maxIterations); it must be at least 1")
        }

        var warnings: [StatsWarning] = []
        var engine = IRLSEngine(design: design, outcome: outcome, intercept: intercept)
        var deviancePrevious = engine.start()
        var accumulated = engine.sweep(coefficients: nil)

        var coefficients = [Double](repeating: 0, count: p)
        var covarianceSource: CholeskyDecomposition?
        var aliased = [Bool](repeating: false, count: p)
        var lastStep = (maximum: 0.0, minimumSigned: 0.0)
        var deviance = deviancePrevious
        var iterations = 0
        var converged = false

        for iteration in 1...options.maxIterations {
            let cholesky: CholeskyDecomposition
            if iteration == 1 {
                cholesky = CholeskyDecomposition(
                    symmetric: accumulated.gram, dimension: p, relativeTolerance: 1e-10)
                aliased = cholesky.skipped
                if cholesky.rank > n {
                    throw StatsError("the design has rank \(cholesky.rank) but only \(n) observations")
                }
            } else {
                cholesky = CholeskyDecomposition(
                    symmetric: accumulated.gram, dimension: p, relativeTolerance: 1e-13, excluding: aliased)
                if cholesky.rank < p - aliased.count(where: { $0 }) {
                    warnings.append(StatsWarning(
                        code: "singular-weighted-design",
                        message: "IRLS stopped at iteration \(iteration): the weighted design became numerically singular, which happens when fitted probabilities collapse to 0 or 1; the estimates of iteration \(iteration - 1) are reported"))
                    break
                }
            }
            let proposal = cholesky.solve(accumulated.rhs)
            guard proposal.allSatisfy({ $0.isFinite }) else {
                if iteration == 1 {
                    throw StatsError("IRLS produced non-finite coefficients at the first iteration; check the design for extreme values")
                }
                warnings.append(StatsWarning(
                    code: "non-finite-coefficients",
                    message: "IRLS produced non-finite coefficients at iteration \(iteration); the estimates of iteration \(iteration - 1) are reported"))
                break
            }
            covarianceSource = cholesky
            coefficients = proposal
            accumulated = engine.sweep(coefficients: proposal)
            deviance = accumulated.deviance
            lastStep = (accumulated.maximumStep, accumulated.minimumSignedStep)
            iterations = iteration
            if abs(deviance - deviancePrevious) / (0.1 + abs(deviance)) < options.epsilon {
                converged = true
                break
            }
            deviancePrevious = deviance
        }

        let rank = p - aliased.count(where: { $0 })
        if !converged {
            warnings.append(StatsWarning(
                code: "not-converged",
                message: "IRLS did not converge in \(iterations) iterations (R: \"glm.fit: algorithm did not converge\"); the estimates of the last iteration are reported"))
        }
        let fitted = engine.mu
        let extreme = 10 * Double.ulpOfOne
        if fitted.contains(where: { $0 > 1 - extreme || $0 < extreme }) {
            warnings.append(StatsWarning(
                code: "fitted-probabilities-0-or-1",
                message: "fitted probabilities numerically 0 or 1 occurred (R: \"glm.fit: fitted probabilities numerically 0 or 1 occurred\")"))
        }
        let separation = diagnoseSeparation(
            step: lastStep, engine: engine, outcome: outcome, names: names, warnings: &warnings)
        if rank < p {
            let dropped = (0..<p).filter { aliased[$0] }.map { names[$0] }
            warnings.append(StatsWarning(
                code: "rank-deficient",
                message: "the design has rank \(rank) < \(p) coefficients: \(dropped.joined(separator: ", ")) \(dropped.count == 1 ? "is a linear combination" : "are linear combinations") of earlier columns and not estimable (R reports NA)"))
        }

        let inverse = covarianceSource?.inverse() ?? [Double](repeating: 0, count: p * p)
        var table: [LogisticCoefficient] = []
        for j in 0..<p {
            if aliased[j] {
                table.append(LogisticCoefficient(name: names[j], estimate: nil, standardError: nil, zValue: nil, pValue: nil))
                continue
            }
            let se = inverse[j * p + j].squareRoot()
            let z = coefficients[j] / se
            table.append(LogisticCoefficient(
                name: names[j], estimate: coefficients[j], standardError: se, zValue: z,
                pValue: 2 * NormalDistribution.cdf(-abs(z))))
        }
        let covariance = (0..<p).map { i in
            (0..<p).map { j -> Double? in aliased[i] || aliased[j] ? nil : inverse[i * p + j] }
        }
        return LogisticRegressionResult(
            coefficients: table, covariance: covariance, fittedProbabilities: fitted,
            linearPredictors: engine.eta, deviance: deviance,
            nullDeviance: engine.nullDeviance(), aic: deviance + 2 * Double(rank), rank: rank,
            residualDegreesOfFreedom: n - rank, nullDegreesOfFreedom: n - (intercept ? 1 : 0),
            iterations: iterations, converged: converged, separation: separation, warnings: warnings)
    }

    /// Reads the certificate described in the type's documentation from the last IRLS step.
    static func diagnoseSeparation(
        step: (maximum: Double, minimumSigned: Double), engine: IRLSEngine, outcome: [Bool],
        names: [String], warnings: inout [StatsWarning]
    ) -> LogisticSeparation {
        let tolerance = 1e-3 * step.maximum
        guard step.maximum > 0.01, step.minimumSigned >= -tolerance else { return .none }
        let moving = engine.countMovingTowardsOutcome(threshold: tolerance)
        let n = outcome.count
        let kind: LogisticSeparation = moving == n ? .complete : .quasiComplete
        let allSame = outcome.allSatisfy { $0 == outcome[0] }
        let detail = allSame
            ? "every outcome is \(outcome[0] ? 1 : 0), so the intercept runs off to \(outcome[0] ? "+" : "−")∞"
            : "\(moving) of \(n) observations are perfectly predicted and the coefficients keep growing along a separating direction"
        warnings.append(StatsWarning(
            code: "separation",
            message: "\(kind == .complete ? "complete" : "quasi-complete") separation: \(detail); the maximum-likelihood estimate does not exist, and the estimates and standard errors reported are those of the last iteration, not meaningful for inference"))
        return kind
    }
}
