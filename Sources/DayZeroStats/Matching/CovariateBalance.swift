/// One covariate (or the distance) whose balance is assessed.
public struct BalanceCovariate: Sendable, Hashable {
    public var name: String
    /// One value per unit, in the unit order of the matching.
    public var values: [Double]
    /// The distance (propensity score) row, listed first by cobalt.
    public var isDistance: Bool

    public init(name: String, values: [Double], isDistance: Bool = false) {
        self.name = name
        self.values = values
        self.isDistance = isDistance
    }
}

/// Balance of one covariate in one sample (before or after matching).
public struct BalanceStatistics: Sendable, Hashable, Codable {
    /// (Weighted) mean in the treated group — for a binary covariate, the proportion.
    public var treatedMean: Double
    /// (Weighted) mean in the control group.
    public var controlMean: Double
    /// cobalt's `Diff`: the standardised mean difference for a continuous covariate, the raw
    /// difference in proportions for a binary one (treated − control).
    public var difference: Double
    /// Whether `difference` was divided by a standard deviation (false for binary
    /// covariates, and for differences below √ε ≈ 1.5e-8, which cobalt leaves raw).
    public var standardized: Bool
    /// cobalt's `V.Ratio`: treated over control (weighted) variance; continuous covariates
    /// only, absent when a group has fewer than two units with weight or no variance.
    public var varianceRatio: Double?
}

/// One row of the balance table.
public struct CovariateBalanceRow: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case distance, continuous, binary
    }

    public var name: String
    public var kind: Kind
    public var before: BalanceStatistics
    public var after: BalanceStatistics
}

/// Sample sizes as cobalt reports them for a `matchit` object.
public struct BalanceSampleSizes: Sendable, Hashable, Codable {
    public var treatedAll: Int
    public var controlAll: Int
    /// Units with a non-zero matching weight.
    public var treatedMatched: Int
    public var controlMatched: Int
    /// Effective sample size of the matched controls, (Σw)²/Σw² (equals `controlMatched`
    /// for 1:1 matching without replacement).
    public var controlMatchedEffective: Double
    public var treatedUnmatched: Int
    public var controlUnmatched: Int
}

/// The balance table before and after matching.
public struct CovariateBalance: Sendable, Hashable, Codable {
    public var rows: [CovariateBalanceRow]
    public var sampleSizes: BalanceSampleSizes
    public var warnings: [StatsWarning]
}

/// Covariate balance before and after matching, as `cobalt::bal.tab(m.out, un = TRUE,
/// stats = c("mean.diffs", "variance.ratios"))` reports it for an ATT `matchit` object with
/// cobalt's defaults.
///
/// - Type: a covariate with exactly two distinct values is binary (coded 0/1: a value 0 stays
///   0 and the other becomes 1; without a 0, the smaller value becomes 0); others are
///   continuous. The distance row is typed like any other column.
/// - Means: weighted means Σwx/Σw; "before" gives every unit weight 1, "after" uses the
///   matching weights (0 for unmatched units).
/// - `Diff` (cobalt's defaults `continuous = "std"`, `binary = "raw"`, `s.d.denom =
///   "treated"` for the ATT): treated − control mean; continuous rows are divided by the
///   standard deviation of the treated group in the *unmatched* sample (n − 1), the same
///   denominator before and after, so the two are comparable. When that SD is below √ε the
///   SD of all units is used instead; a difference below √ε in absolute value is left
///   unstandardised (cobalt's `check_if_zero`).
/// - `V.Ratio`: treated over control variance, each the weighted variance
///   Σw̃(x − x̄)²/(1 − Σw̃²) with w̃ = w/Σw (the unbiased sample variance when weights are
///   equal); continuous rows only.
public enum Balance {
    /// cobalt's zero tolerance, `sqrt(.Machine$double.eps)`.
    public static let zeroTolerance = Double.ulpOfOne.squareRoot()

    /// The balance table of `covariates` for the treatment indicator `treated` and matching
    /// `weights` (one per unit, e.g. `NearestNeighborMatch.weights`).
    /// - Throws: `StatsError` when lengths differ, a value or weight is not finite, a weight
    ///   is negative, or a group has no unit (before) or no weighted unit (after).
    public static func table(
        covariates: [BalanceCovariate], treated: [Bool], weights: [Double]
    ) throws -> CovariateBalance {
        let n = treated.count
        try Balance.checkWeights(weights, units: n)
        let n1 = treated.count { $0 }
        guard n1 > 0, n1 < n else { throw StatsError("balance needs treated and control units; found \(n1) treated of \(n)") }
        let treatedWeight = (0..<n).reduce(0.0) { treated[$1] ? $0 + weights[$1] : $0 }
        let controlWeight = (0..<n).reduce(0.0) { treated[$1] ? $0 : $0 + weights[$1] }
        guard treatedWeight > 0, controlWeight > 0 else {
            throw StatsError("after matching a group has no unit with weight (treated Σw = \(treatedWeight), control Σw = \(controlWeight))")
        }
        var warnings: [StatsWarning] = []
        let ones = [Double](repeating: 1, count: n)
        var rows: [CovariateBalanceRow] = []
        for covariate in covariates.filter(\.isDistance) + covariates.filter({ !$0.isDistance }) {
            guard covariate.values.count == n else {
                throw StatsError("covariate \(covariate.name) has \(covariate.values.count) values for \(n) units")
            }
            if let bad = covariate.values.firstIndex(where: { !$0.isFinite }) {
                throw StatsError("covariate \(covariate.name), unit \(bad), is \(covariate.values[bad]); values must be finite (drop incomplete units first)")
            }
            let (x, binary) = coded(covariate.values)
            let kind: CovariateBalanceRow.Kind = covariate.isDistance ? .distance : (binary ? .binary : .continuous)
            // The standardisation denominator: the treated group's SD in the unmatched sample.
            var denominator: Double?
            if !binary {
                let sdTreated = weightedVariance(x, weights: ones, select: treated, group: true).squareRoot()
                if sdTreated.isFinite, !(abs(sdTreated) < zeroTolerance) {
                    denominator = sdTreated
                } else {
                    denominator = weightedVariance(x, weights: ones, select: treated, group: nil).squareRoot()
                }
            }
            func statistics(_ w: [Double]) -> BalanceStatistics {
                let m1 = weightedMean(x, weights: w, select: treated, group: true)
                let m0 = weightedMean(x, weights: w, select: treated, group: false)
                var diff = m1 - m0
                var standardized = false
                if let denominator, !(abs(diff) < zeroTolerance), denominator > 0 {
                    diff /= denominator
                    standardized = true
                }
                var ratio: Double?
                if !binary {
                    let enough = { (g: Bool) in (0..<n).count { treated[$0] == g && w[$0] != 0 } >= 2 }
                    if enough(true), enough(false) {
                        let v1 = weightedVariance(x, weights: w, select: treated, group: true)
                        let v0 = weightedVariance(x, weights: w, select: treated, group: false)
                        let r = v1 / v0
                        ratio = r.isFinite ? r : nil
                    }
                }
                return BalanceStatistics(
                    treatedMean: m1, controlMean: m0, difference: diff, standardized: standardized, varianceRatio: ratio)
            }
            let row = CovariateBalanceRow(name: covariate.name, kind: kind, before: statistics(ones), after: statistics(weights))
            if !binary && (row.before.varianceRatio == nil || row.after.varianceRatio == nil) {
                warnings.append(StatsWarning(
                    code: "variance-ratio-undefined",
                    message: "\(covariate.name): a variance ratio is not defined (a group has fewer than two weighted units or no variance)"))
            }
            rows.append(row)
        }
        let matchedTreated = (0..<n).count { treated[$0] && weights[$0] > 0 }
        let matchedControl = (0..<n).count { !treated[$0] && weights[$0] > 0 }
        var sumSquares = 0.0
        for i in 0..<n where !treated[i] { sumSquares += weights[i] * weights[i] }
        let sizes = BalanceSampleSizes(
            treatedAll: n1, controlAll: n - n1, treatedMatched: matchedTreated, controlMatched: matchedControl,
            controlMatchedEffective: controlWeight * controlWeight / sumSquares,
            treatedUnmatched: n1 - matchedTreated, controlUnmatched: n - n1 - matchedControl)
        return CovariateBalance(rows: rows, sampleSizes: sizes, warnings: warnings)
    }

    /// The values as analysed and whether the covariate is binary (exactly two distinct values),
    /// recoded to 0/1 as cobalt's `binarize` does.
    static func coded(_ values: [Double]) -> (values: [Double], binary: Bool) {
        guard let first = values.first, let second = values.first(where: { $0 != first }) else { return (values, false) }
        if values.contains(where: { $0 != first && $0 != second }) { return (values, false) }
        let zero = (first == 0 || second == 0) ? 0 : min(first, second)
        return (values.map { $0 == zero ? 0 : 1 }, true)
    }

    /// Σwx/Σw over the units with `select[i] == group` (all units when `group` is nil).
    static func weightedMean(_ x: [Double], weights: [Double], select: [Bool], group: Bool?) -> Double {
        var sw = 0.0
        var swx = 0.0
        for i in x.indices where group == nil || select[i] == group {
            sw += weights[i]
            swx += weights[i] * x[i]
        }
        return swx / sw
    }

    /// cobalt's weighted variance Σw̃(x − x̄)²/(1 − Σw̃²), w̃ = w/Σw, over the selected units.
    static func weightedVariance(_ x: [Double], weights: [Double], select: [Bool], group: Bool?) -> Double {
        var sw = 0.0
        for i in x.indices where group == nil || select[i] == group { sw += weights[i] }
        var mean = 0.0
        var sumSquaredWeights = 0.0
        for i in x.indices where group == nil || select[i] == group {
            let w = weights[i] / sw
            mean += w * x[i]
            sumSquaredWeights += w * w
        }
        var ss = 0.0
        for i in x.indices where group == nil || select[i] == group {
            let d = x[i] - mean
            ss += weights[i] / sw * d * d
        }
        return ss / (1 - sumSquaredWeights)
    }
}

extension Balance {
    /// One finite, non-negative weight per unit, or a `StatsError` naming the first that is not.
    static func checkWeights(_ weights: [Double], units n: Int) throws {
        guard weights.count == n else {
            throw StatsError("weights has \(weights.count) values for \(n) units; give one weight per unit")
        }
        if let bad = weights.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
            throw StatsError("weight of unit \(bad) is \(weights[bad]); weights must be finite and non-negative")
        }
    }
}
