/// One covariate's balance before and after weighting, as cobalt's `bal.tab` reports it for a
/// `weightit` object: the (weighted) group means and the mean difference treated − control —
/// standardised for a continuous covariate, a raw difference in proportions for a binary one.
public struct WeightedBalanceRow: Sendable, Hashable, Codable {
    public var name: String
    public var kind: CovariateBalanceRow.Kind
    public var treatedBefore: Double
    public var controlBefore: Double
    public var treatedAfter: Double
    public var controlAfter: Double
    /// Mean difference before weighting (standardised when `standardized`).
    public var before: Double
    /// Mean difference after weighting (standardised when `standardized`).
    public var after: Double
    /// True for continuous covariates and the propensity score: the differences are divided by
    /// `denominator`.
    public var standardized: Bool
    /// The standardisation denominator (unweighted SD), when standardised.
    public var denominator: Double?
    /// |after| > `WeightedBalance.threshold` (cobalt's `thresholds = c(m = .1)`).
    public var imbalanced: Bool
}

/// cobalt's balance statistics for weights (`bal.tab(W, un = TRUE, thresholds = c(m = .1))`).
///
/// Means are Σwx/Σw per group (all weights 1 before weighting). A covariate with exactly two
/// distinct values is binary (recoded 0/1 as cobalt's `binarize`) and its difference is the raw
/// difference in proportions; any other is continuous and its difference is divided by the
/// estimand's `s.d.denom` computed on the unweighted sample: the treated group's SD for the ATT,
/// the pooled √((s₁² + s₀²)/2) for the ATE and ATO (SDs with n − 1). A raw difference below
/// √ε (cobalt's `check_if_zero`) is 0.
public enum WeightedBalance {
    /// cobalt's default mean-difference threshold.
    public static let threshold = 0.1

    /// - Throws: `StatsError` when lengths differ, a value or weight is not finite or negative,
    ///   or a group has no unit.
    public static func table(
        covariates: [BalanceCovariate], treated: [Bool], weights: [Double], estimand: WeightingEstimand
    ) throws -> [WeightedBalanceRow] {
        let n = treated.count
        try Balance.checkWeights(weights, units: n)
        let n1 = treated.count { $0 }
        guard n1 >= 2, n - n1 >= 2 else {
            throw StatsError("balance needs at least two treated and two control units; found \(n1) treated of \(n)")
        }
        let ones = [Double](repeating: 1, count: n)
        var rows: [WeightedBalanceRow] = []
        for covariate in covariates.filter(\.isDistance) + covariates.filter({ !$0.isDistance }) {
            guard covariate.values.count == n else {
                throw StatsError("covariate \(covariate.name) has \(covariate.values.count) values for \(n) units")
            }
            if let bad = covariate.values.firstIndex(where: { !$0.isFinite }) {
                throw StatsError("covariate \(covariate.name), unit \(bad), is \(covariate.values[bad]); values must be finite")
            }
            let (x, binary) = Balance.coded(covariate.values)
            let kind: CovariateBalanceRow.Kind = covariate.isDistance ? .distance : (binary ? .binary : .continuous)
            var denominator: Double?
            if !binary {
                let v1 = Balance.weightedVariance(x, weights: ones, select: treated, group: true)
                let v0 = Balance.weightedVariance(x, weights: ones, select: treated, group: false)
                let sd = estimand == .att ? v1.squareRoot() : ((v1 + v0) / 2).squareRoot()
                if sd.isFinite, sd > Balance.zeroTolerance { denominator = sd }
            }
            let t0 = Balance.weightedMean(x, weights: ones, select: treated, group: true)
            let c0 = Balance.weightedMean(x, weights: ones, select: treated, group: false)
            let t1 = Balance.weightedMean(x, weights: weights, select: treated, group: true)
            let c1 = Balance.weightedMean(x, weights: weights, select: treated, group: false)
            let scale = denominator ?? 1
            // cobalt's check_if_zero: a raw difference below √ε is reported as 0 (the ATO's
            // exact balance on the model's covariates shows as 0, not as rounding noise).
            func difference(_ d: Double) -> Double { abs(d) < Balance.zeroTolerance ? 0 : d / scale }
            let after = difference(t1 - c1)
            rows.append(WeightedBalanceRow(
                name: covariate.name, kind: kind, treatedBefore: t0, controlBefore: c0, treatedAfter: t1, controlAfter: c1,
                before: difference(t0 - c0), after: after, standardized: denominator != nil, denominator: denominator,
                imbalanced: abs(after) > threshold))
        }
        return rows
    }
}
