// Linear mixed model for repeated measures, fitted by REML.
//
// Model: y = Xβ + Zb + ε with one random intercept per subject, b ~ N(0, σ_b²),
// ε ~ N(0, σ²I). Parameterised as lme4 does: θ = σ_b/σ, σ² profiled out. The fit matches
// `lme4::lmer(y ~ X + (1 | subject), REML = TRUE)`; the tests match lmerTest's Satterthwaite
// t tests (`summary`) and type III F tests (`anova(type = 3)`). See docs/methods/mixed-model.md.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The random-effects structure of a mixed model.
///
/// Only the random intercept per subject is implemented. The estimation core works with
/// per-subject blocks ZᵢᵀZᵢ (1 × 1 here) grouped by value, so a random slope adds a case
/// here and a q × q block there without changing the public fit API.
public enum RandomEffectsStructure: Sendable, Hashable, Codable {
    /// `(1 | subject)`: one normally distributed intercept per subject.
    case interceptPerSubject
}

/// How the denominator degrees of freedom of t and F tests are approximated.
public enum DenominatorDFMethod: String, Sendable, Hashable, Codable {
    /// Satterthwaite, as lmerTest's default (`ddf = "Satterthwaite"`).
    case satterthwaite
    /// Kenward–Roger with the adjusted covariance Φ_A, as lmerTest's
    /// `ddf = "Kenward-Roger"` (pbkrtest).
    case kenwardRoger
}

/// One fixed effect as lmerTest's `summary()` reports it.
public struct FixedEffectEstimate: Sendable, Hashable, Codable {
    /// Column name (`(Intercept)`, `day3`, `groupB`, `day3:groupB`, …).
    public var name: String
    public var estimate: Double
    public var standardError: Double
    /// Satterthwaite degrees of freedom.
    public var degreesOfFreedom: Double
    public var tValue: Double
    /// Two-sided p-value, `2 * pt(-|t|, df)`.
    public var pValue: Double

    public init(name: String, estimate: Double, standardError: Double, degreesOfFreedom: Double, tValue: Double, pValue: Double) {
        self.name = name
        self.estimate = estimate
        self.standardError = standardError
        self.degreesOfFreedom = degreesOfFreedom
        self.tValue = tValue
        self.pValue = pValue
    }
}

/// A t test of one linear combination lᵀβ (lmerTest's `contest1D`).
public struct ContrastTTest: Sendable, Hashable, Codable {
    public var estimate: Double
    public var standardError: Double
    public var degreesOfFreedom: Double
    public var tValue: Double
    public var pValue: Double

    public init(estimate: Double, standardError: Double, degreesOfFreedom: Double, tValue: Double, pValue: Double) {
        self.estimate = estimate
        self.standardError = standardError
        self.degreesOfFreedom = degreesOfFreedom
        self.tValue = tValue
        self.pValue = pValue
    }
}

/// An F test of Lβ = 0 (lmerTest's `contestMD`), as one row of its ANOVA table.
public struct ContrastFTest: Sendable, Hashable, Codable {
    /// "Sum Sq" = Mean Sq × NumDF.
    public var sumOfSquares: Double
    /// "Mean Sq" = F × σ̂².
    public var meanSquare: Double
    /// "NumDF": the rank of L.
    public var numeratorDF: Int
    /// "DenDF": Satterthwaite denominator degrees of freedom.
    public var denominatorDF: Double
    public var fValue: Double
    /// `pf(F, NumDF, DenDF, lower.tail = FALSE)`.
    public var pValue: Double

    public init(sumOfSquares: Double, meanSquare: Double, numeratorDF: Int, denominatorDF: Double, fValue: Double, pValue: Double) {
        self.sumOfSquares = sumOfSquares
        self.meanSquare = meanSquare
        self.numeratorDF = numeratorDF
        self.denominatorDF = denominatorDF
        self.fValue = fValue
        self.pValue = pValue
    }
}

/// One row of a type III ANOVA table.
public struct AnovaTermTest: Sendable, Hashable, Codable {
    /// Term label, e.g. `day`, `group`, `day:group`.
    public var term: String
    public var test: ContrastFTest

    public init(term: String, test: ContrastFTest) {
        self.term = term
        self.test = test
    }
}

/// Fitting entry point.
public enum LinearMixedModel {
    /// Fits y = Xβ + (1 | subject) + ε by REML.
    ///
    /// Rows whose response is not finite, or whose design row has a missing value, are left
    /// out (R's `na.omit`) and counted in `droppedRowCount`. Columns of X that are linearly
    /// dependent on earlier columns (R's `qr` rule, tolerance 1e-7) are dropped, as lme4 does,
    /// and listed in `droppedColumns` with a warning.
    ///
    /// - Complexity: one O(rows) pass builds per-subject sufficient statistics; each REML
    ///   evaluation then costs O(#distinct subject sizes · p² + p³).
    /// - Throws: `StatsError` for mismatched lengths, fewer than 2 subjects, no replication
    ///   within subjects (as many subjects as observations), or a response fitted exactly.
    public static func fit<Subject: Hashable>(
        response: [Double], subjects: [Subject], design: FixedEffectsDesign,
        randomEffects: RandomEffectsStructure = .interceptPerSubject
    ) throws -> LinearMixedModelFit {
        guard response.count == subjects.count else {
            throw StatsError("mixed model: \(response.count) responses but \(subjects.count) subject labels")
        }
        guard response.count == design.rowCount else {
            throw StatsError("mixed model: \(response.count) responses but the design has \(design.rowCount) rows")
        }
        var index: [Subject: Int32] = [:]
        index.reserveCapacity(1024)
        var subjectOfRow = [Int32](repeating: -1, count: response.count)
        var subjectCount: Int32 = 0
        // Rows usually come grouped by subject: reuse the previous usable row's code when the
        // label repeats, so the dictionary is consulted once per run rather than once per row.
        var lastRow = -1
        for i in 0..<response.count {
            guard response[i].isFinite, design.patternOfRow[i] >= 0 else { continue }
            defer { lastRow = i }
            if lastRow >= 0, subjects[lastRow] == subjects[i] {
                subjectOfRow[i] = subjectOfRow[lastRow]
                continue
            }
            if let code = index[subjects[i]] {
                subjectOfRow[i] = code
            } else {
                index[subjects[i]] = subjectCount
                subjectOfRow[i] = subjectCount
                subjectCount += 1
            }
        }
        return try fitPrepared(
            response: response, subjectOfRow: subjectOfRow, subjectCount: Int(subjectCount),
            design: design, randomEffects: randomEffects)
    }

    static func fitPrepared(
        response: [Double], subjectOfRow: [Int32], subjectCount: Int, design: FixedEffectsDesign,
        randomEffects: RandomEffectsStructure
    ) throws -> LinearMixedModelFit {
        guard subjectCount >= 2 else {
            throw StatsError("mixed model: the random intercept needs at least 2 subjects with usable observations, got \(subjectCount)")
        }
        let prepared = try LMMSufficientStatistics.prepareThroughSums(
            response: response, subjectOfRow: subjectOfRow, subjectCount: subjectCount, design: design)
        return try fit(prepared: prepared, design: design, randomEffects: randomEffects)
    }

    /// Fits the model from its aggregate: sums over subjects in the design's pattern space
    /// (`MixedModelSums`), e.g. several sites' sums merged. The result equals the fit of the
    /// rows the sums were taken from (up to rounding), with `droppedRowCount` 0.
    ///
    /// `design` supplies the patterns only (its rows, if any, are not read); its pattern count
    /// must equal `sums.patternCount`. For a factorial design the patterns are the cells, first
    /// factor fastest (`FixedEffectsDesign.factorial`).
    /// - Throws: `StatsError` for a layout that does not match the design, fewer than 2
    ///   subjects, no replication within subjects, or a response fitted exactly.
    public static func fit(
        sums: MixedModelSums, design: FixedEffectsDesign, randomEffects: RandomEffectsStructure = .interceptPerSubject
    ) throws -> LinearMixedModelFit {
        guard sums.subjectCount >= 2 else {
            throw StatsError("mixed model: the random intercept needs at least 2 subjects with usable observations, got \(sums.subjectCount)")
        }
        let prepared = try LMMSufficientStatistics.prepare(sums: sums, design: design)
        return try fit(prepared: prepared, design: design, randomEffects: randomEffects)
    }

    static func fit(
        prepared: LMMPreparedData, design: FixedEffectsDesign, randomEffects: RandomEffectsStructure
    ) throws -> LinearMixedModelFit {
        let st = prepared.statistics
        guard st.subjectCount < st.observationCount else {
            throw StatsError("mixed model: \(st.subjectCount) subjects for \(st.observationCount) observations; the number of subjects must be smaller than the number of observations (no replication within subjects)")
        }
        let criterion = LMMREMLCriterion(statistics: st)
        let optimum = try criterion.minimise()
        return try LinearMixedModelFit(
            design: design, prepared: prepared, optimum: optimum, randomEffects: randomEffects)
    }
}

/// A fitted random-intercept model: lme4's estimates and lmerTest's Satterthwaite tests.
public struct LinearMixedModelFit: Sendable {
    /// Names of the estimated coefficients (design columns left after the rank check).
    public let coefficientNames: [String]
    /// lmerTest `summary(fit)$coefficients`: estimate, SE, Satterthwaite df, t, p.
    public let coefficients: [FixedEffectEstimate]
    /// `vcov(fit)`: σ̂² (XᵀW⁻¹X)⁻¹, row-major rows.
    public let covariance: [[Double]]
    /// σ̂², the residual variance.
    public let residualVariance: Double
    /// σ̂_b², the random-intercept variance (0 for a singular fit).
    public let subjectVariance: Double
    /// θ̂ = σ̂_b/σ̂ (lme4's `getME(fit, "theta")`).
    public let theta: Double
    /// `logLik(fit, REML = TRUE)`.
    public let restrictedLogLikelihood: Double
    /// `REMLcrit(fit)` = −2 logLik.
    public var remlCriterion: Double { -2 * restrictedLogLikelihood }
    public let observationCount: Int
    public let subjectCount: Int
    /// Rows left out because of a missing response or covariate.
    public let droppedRowCount: Int
    /// Design columns dropped as linearly dependent.
    public let droppedColumns: [String]
    /// True when θ̂ < 1e-4 (lme4's `isSingular` tolerance).
    public let isSingular: Bool
    public let randomEffects: RandomEffectsStructure
    /// Conditions met and handled: singular fit, dropped rows or columns, an ill-conditioned
    /// variance-parameter Hessian.
    public let warnings: [StatsWarning]

    let design: FixedEffectsDesign
    let prepared: LMMPreparedData
    let satterthwaite: LMMSatterthwaite
    let beta: [Double]
    let sigma: Double

    init(
        design: FixedEffectsDesign, prepared: LMMPreparedData, optimum: LMMCriterionValue,
        randomEffects: RandomEffectsStructure
    ) throws {
        let st = prepared.statistics
        let nu = Double(st.observationCount - st.columnCount)
        let sigma2 = optimum.residualSquares / nu
        let sigma = sigma2.squareRoot()
        var beta = st.shift
        for i in 0..<beta.count { beta[i] += optimum.coefficients[i] }
        guard let derivs = optimum.derivatives else {
            throw StatsError("mixed model: internal error, derivatives missing at the optimum")
        }
        let sat = LMMSatterthwaite(
            theta: optimum.theta, sigma: sigma, residualDF: nu, residualSquares: optimum.residualSquares,
            derivatives: derivs)
        var warnings: [StatsWarning] = []
        if prepared.droppedRowCount > 0 {
            warnings.append(StatsWarning(
                code: "missing-values",
                message: "\(prepared.droppedRowCount) of \(design.rowCount) rows have a missing response or covariate and were left out"))
        }
        let dropped = prepared.droppedColumns.map { design.columnNames[$0] }
        if !dropped.isEmpty {
            warnings.append(StatsWarning(
                code: "rank-deficient",
                message: "fixed-effect model matrix is rank deficient so dropping \(dropped.count) column(s): \(dropped.joined(separator: ", "))"))
        }
        let singular = optimum.theta < 1e-4
        if singular {
            warnings.append(StatsWarning(
                code: "singular-fit",
                message: optimum.theta == 0
                    ? "boundary (singular) fit: the random-intercept variance is estimated as 0; the model reduces to ordinary least squares"
                    : "boundary (singular) fit: the random-intercept standard deviation is below 1e-4 of the residual one"))
        }
        warnings.append(contentsOf: sat.warnings)
        let names = prepared.keptColumns.map { design.columnNames[$0] }
        self.coefficientNames = names
        self.beta = beta
        self.sigma = sigma
        self.satterthwaite = sat
        self.covariance = (0..<beta.count).map { sat.covariance.row($0) }
        var coefficients: [FixedEffectEstimate] = []
        for j in 0..<beta.count {
            var l = [Double](repeating: 0, count: beta.count)
            l[j] = 1
            let test = sat.tTest(l, beta: beta)
            coefficients.append(FixedEffectEstimate(
                name: names[j], estimate: beta[j], standardError: test.standardError,
                degreesOfFreedom: test.degreesOfFreedom, tValue: test.tValue, pValue: test.pValue))
        }
        self.coefficients = coefficients
        let underflow = coefficients.filter { $0.pValue == 0 }.map(\.name)
        if !underflow.isEmpty {
            warnings.append(StatsWarning(
                code: "p-value-underflow",
                message: "p-value below the smallest positive double (reported as 0) for: \(underflow.joined(separator: ", "))"))
        }
        self.residualVariance = sigma2
        self.subjectVariance = optimum.theta * optimum.theta * sigma2
        self.theta = optimum.theta
        self.restrictedLogLikelihood = -optimum.deviance / 2
        self.observationCount = st.observationCount
        self.subjectCount = st.subjectCount
        self.droppedRowCount = prepared.droppedRowCount
        self.droppedColumns = dropped
        self.isSingular = singular
        self.randomEffects = randomEffects
        self.warnings = warnings
        self.design = design
        self.prepared = prepared
    }

    /// lmerTest's `summary(fit, ddf = ...)` coefficient table; `coefficients` holds the
    /// Satterthwaite version. Kenward–Roger uses the adjusted covariance Φ_A for the SE.
    /// - Throws: `StatsError` when a Kenward–Roger variance is not positive.
    public func coefficientTable(method: DenominatorDFMethod) throws -> [FixedEffectEstimate] {
        guard method == .kenwardRoger else { return coefficients }
        let kr = kenwardRoger()
        return try coefficientNames.enumerated().map { (j, name) in
            var l = [Double](repeating: 0, count: beta.count)
            l[j] = 1
            guard let t = kr.tTest(l, beta: beta) else {
                throw StatsError("Kenward–Roger: the adjusted variance of '\(name)' is not positive")
            }
            return FixedEffectEstimate(
                name: name, estimate: t.estimate, standardError: t.standardError,
                degreesOfFreedom: t.degreesOfFreedom, tValue: t.tValue, pValue: t.pValue)
        }
    }

    /// t test of lᵀβ = 0 for a vector over `coefficientNames` (lmerTest's `contest1D`).
    /// - Throws: `StatsError` when the length does not match the coefficients, or a
    ///   Kenward–Roger variance is not positive.
    public func tTest(_ contrast: [Double], method: DenominatorDFMethod = .satterthwaite) throws -> ContrastTTest {
        guard contrast.count == beta.count else {
            throw StatsError("mixed model t test: contrast has \(contrast.count) entries, the model has \(beta.count) coefficients")
        }
        switch method {
        case .satterthwaite:
            return satterthwaite.tTest(contrast, beta: beta)
        case .kenwardRoger:
            guard let t = kenwardRoger().tTest(contrast, beta: beta) else {
                throw StatsError("Kenward–Roger t test: the adjusted variance of the contrast is not positive")
            }
            return t
        }
    }

    /// F test of Lβ = 0, rows of L over `coefficientNames` (lmerTest's `contestMD`). With
    /// Satterthwaite this includes lmerTest's eigen-decomposition of L Cov(β̂) Lᵀ and its rank
    /// rule; with Kenward–Roger, pbkrtest's scaled F.
    /// - Throws: `StatsError` when a row has the wrong length, L has no rows or rank 0.
    public func fTest(_ hypothesis: [[Double]], method: DenominatorDFMethod = .satterthwaite) throws -> ContrastFTest {
        guard !hypothesis.isEmpty else { throw StatsError("mixed model F test: the hypothesis matrix has no rows") }
        for (i, row) in hypothesis.enumerated() where row.count != beta.count {
            throw StatsError("mixed model F test: row \(i) has \(row.count) entries, the model has \(beta.count) coefficients")
        }
        var l = LMMMatrix(rows: hypothesis.count, columns: beta.count)
        for (i, row) in hypothesis.enumerated() {
            for j in 0..<row.count { l[i, j] = row[j] }
        }
        let result: ContrastFTest?
        switch method {
        case .satterthwaite: result = satterthwaite.fTest(l, beta: beta)
        case .kenwardRoger: result = kenwardRoger().fTest(l, beta: beta)
        }
        guard let test = result else {
            throw StatsError("mixed model F test: the hypothesis has rank 0 (or, for Kenward–Roger, a non-positive adjusted variance)")
        }
        return test
    }

    func kenwardRoger() -> LMMKenwardRoger {
        LMMKenwardRoger(
            statistics: prepared.statistics, subjectVariance: subjectVariance,
            residualVariance: residualVariance, covariance: satterthwaite.covariance)
    }
}
