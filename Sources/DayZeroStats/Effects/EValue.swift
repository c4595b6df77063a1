#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The E-value of an effect estimate and of its confidence limit closest to the null
/// (VanderWeele & Ding 2017, Ann Intern Med 167:268), following the conventions of R's
/// `EValue` package (`evalues.RR`, `evalues.OR`, `evalues.HR`, `evalues.MD`) with the null at 1.
public struct EValueResult: Sendable, Hashable, Codable {
    /// The estimate and limits on the risk-ratio scale the E-value is computed from (after the
    /// common-outcome transform, if any); a nil limit is unbounded (0 or +∞).
    public var riskRatio: Double
    public var riskRatioLower: Double?
    public var riskRatioUpper: Double?
    /// E-value of the estimate.
    public var eValue: Double
    /// E-value of the confidence limit closest to the null; 1 when the interval contains 1;
    /// nil when no interval was given.
    public var eValueLimit: Double?
    /// How the measure was put on the risk-ratio scale, e.g. "OR → RR by √OR (common outcome)".
    public var transform: String
}

/// E-values: the minimum strength of association, on the risk-ratio scale, that an unmeasured
/// confounder would need with both the treatment and the outcome, conditional on the measured
/// covariates, to fully explain away an observed association.
///
/// For a risk ratio RR ≥ 1, E = RR + √(RR·(RR − 1)); a ratio below 1 is inverted first. The
/// limit closest to the null is the lower limit when RR > 1 and the upper limit when RR < 1;
/// its E-value is 1 when the interval contains 1. Other measures are put on the RR scale first:
/// - odds ratio: RR ≈ OR when the outcome is rare (≤ 15% in every group), RR ≈ √OR when common;
/// - hazard ratio: RR ≈ HR when rare, RR ≈ (1 − 0.5^√HR)/(1 − 0.5^√(1/HR)) when common;
/// - standardised mean difference d with standard error s: RR ≈ exp(0.91·d), limits
///   exp(0.91·d ∓ 1.78·s).
/// Each transform is monotone, so it is applied to the estimate and to each limit.
public enum EValue {
    /// The outcome prevalence above which `EValue` treats an outcome as common.
    public static let commonOutcomeThreshold = 0.15

    /// E-value of a risk ratio (point): RR + √(RR(RR − 1)) after inverting RR < 1.
    /// - Throws: `StatsError` unless `riskRatio` is finite and > 0.
    public static func point(_ riskRatio: Double) throws -> Double {
        guard riskRatio > 0, riskRatio.isFinite else {
            throw StatsError("an E-value needs a finite ratio > 0 (got \(riskRatio))")
        }
        let rr = riskRatio < 1 ? 1 / riskRatio : riskRatio
        return rr + (rr * (rr - 1)).squareRoot()
    }

    /// `evalues.RR(est, lo, hi)`. A nil `lower` is 0, a nil `upper` +∞; pass `hasInterval: false`
    /// for an estimate without an interval.
    /// - Throws: `StatsError` for a ratio ≤ 0 or not finite, or limits that do not bracket it.
    public static func riskRatio(
        _ estimate: Double, lower: Double?, upper: Double?, hasInterval: Bool = true
    ) throws -> EValueResult {
        try compute(estimate, lower: lower, upper: upper, hasInterval: hasInterval, transform: "risk ratio")
    }

    /// `evalues.OR(est, lo, hi, rare =)`: √OR for a common outcome.
    public static func oddsRatio(
        _ estimate: Double, lower: Double?, upper: Double?, commonOutcome: Bool, hasInterval: Bool = true
    ) throws -> EValueResult {
        guard commonOutcome else {
            return try compute(estimate, lower: lower, upper: upper, hasInterval: hasInterval, transform: "OR taken as RR (rare outcome, ≤ 15%)")
        }
        try checkOrder(estimate, lower, upper)
        return try compute(
            estimate.squareRoot(), lower: lower.map { $0.squareRoot() }, upper: upper.map { $0.squareRoot() },
            hasInterval: hasInterval, transform: "OR → RR by √OR (common outcome, > 15%)")
    }

    /// `evalues.HR(est, lo, hi, rare =)`: (1 − 0.5^√HR)/(1 − 0.5^√(1/HR)) for a common outcome.
    public static func hazardRatio(
        _ estimate: Double, lower: Double?, upper: Double?, commonOutcome: Bool, hasInterval: Bool = true
    ) throws -> EValueResult {
        guard commonOutcome else {
            return try compute(estimate, lower: lower, upper: upper, hasInterval: hasInterval, transform: "HR taken as RR (rare outcome, ≤ 15%)")
        }
        try checkOrder(estimate, lower, upper)
        func common(_ hr: Double) -> Double {
            (1 - pow(0.5, hr.squareRoot())) / (1 - pow(0.5, (1 / hr).squareRoot()))
        }
        guard estimate > 0, estimate.isFinite else {
            throw StatsError("an E-value needs a finite ratio > 0 (got \(estimate))")
        }
        // HR → 0 maps to RR → 0 and HR → ∞ to RR → ∞: unbounded limits stay unbounded.
        let lo = lower.flatMap { $0 > 0 ? common($0) : nil }
        return try compute(
            common(estimate), lower: lo, upper: upper.map(common), hasInterval: hasInterval,
            transform: "HR → RR by (1 − 0.5^√HR)/(1 − 0.5^√(1/HR)) (common outcome, > 15%)")
    }

    /// `evalues.MD(est, se)`: d on the RR scale as exp(0.91·d), limits exp(0.91·d ∓ 1.78·se).
    public static func standardizedMeanDifference(_ d: Double, standardError se: Double) throws -> EValueResult {
        guard d.isFinite, se.isFinite, se >= 0 else {
            throw StatsError("a standardised mean difference needs a finite d and se ≥ 0 (got d = \(d), se = \(se))")
        }
        return try compute(
            exp(0.91 * d), lower: exp(0.91 * d - 1.78 * se), upper: exp(0.91 * d + 1.78 * se), hasInterval: true,
            transform: "SMD → RR by exp(0.91·d)")
    }

    static func checkOrder(_ estimate: Double, _ lower: Double?, _ upper: Double?) throws {
        if let lower, !(lower >= 0 && lower <= estimate) {
            throw StatsError("the lower limit \(lower) must be ≥ 0 and ≤ the estimate \(estimate)")
        }
        if let upper, !(upper >= estimate) {
            throw StatsError("the upper limit \(upper) must be ≥ the estimate \(estimate)")
        }
    }

    static func compute(
        _ rr: Double, lower: Double?, upper: Double?, hasInterval: Bool, transform: String
    ) throws -> EValueResult {
        let e = try point(rr)
        try checkOrder(rr, lower, upper)
        var limit: Double?
        if hasInterval {
            if rr > 1 {
                limit = try lower.map { $0 <= 1 ? 1 : try point($0) } ?? 1
            } else if rr < 1 {
                limit = try upper.map { $0 >= 1 ? 1 : try point($0) } ?? 1
            } else {
                limit = 1
            }
        }
        return EValueResult(
            riskRatio: rr, riskRatioLower: hasInterval ? lower : nil, riskRatioUpper: hasInterval ? upper : nil,
            eValue: e, eValueLimit: limit, transform: transform)
    }
}
