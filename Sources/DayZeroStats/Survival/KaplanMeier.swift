#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How pointwise confidence limits of a survival curve are formed — survival's `conf.type`.
public enum SurvivalConfidenceType: String, Sendable, Hashable, Codable, CaseIterable {
    /// exp(log S ± z·se) with the upper limit capped at 1 — R's default (`"log"`).
    case log
    /// exp(−exp(log(−log S) ± z·se / log S)) — `"log-log"`; stays inside (0, 1).
    case logLog = "log-log"
    /// S ± z·se·S, clipped to [0, 1] — `"plain"`, the textbook linear interval.
    case plain
}

/// Settings of a Kaplan–Meier fit; the defaults are `survfit`'s.
public struct KaplanMeierOptions: Sendable, Hashable, Codable {
    /// Coverage of the pointwise intervals and of the median's interval (`conf.int`, 0.95).
    public var confidenceLevel: Double
    /// Transformation of the pointwise intervals (`conf.type`, `"log"`).
    public var confidenceType: SurvivalConfidenceType

    public init(confidenceLevel: Double = 0.95, confidenceType: SurvivalConfidenceType = .log) {
        self.confidenceLevel = confidenceLevel
        self.confidenceType = confidenceType
    }
}

/// One row of a survival curve: `survfit`'s values at one distinct time, or
/// `summary(fit, times = …)`'s values at a requested time.
///
/// `nil` stands exactly where R has NA, NaN or Inf: R's `std.err` is infinite once the curve
/// reaches 0 by the death of everyone at risk, so both standard errors and the limits are
/// undefined there; `"log"` limits are undefined at S = 0 and `"log-log"` limits at S = 0 and
/// S = 1.
public struct KaplanMeierStep: Sendable, Hashable, Codable {
    /// The time (after survival's near-tie merging, see `KaplanMeier`).
    public var time: Double
    /// Number at risk: observations with time ≥ this time (`n.risk`); 0 past the last
    /// observation in an extended summary.
    public var atRisk: Int
    /// Events at this time (`n.event`); in a summary, events since the previous requested time.
    public var events: Int
    /// Censorings at this time (`n.censor`); in a summary, since the previous requested time.
    public var censored: Int
    /// Kaplan–Meier estimate S(t) = ∏_{tⱼ ≤ t} (1 − dⱼ/nⱼ).
    public var survival: Double
    /// Greenwood standard error of S(t): S(t)·√Σ dⱼ/(nⱼ(nⱼ − dⱼ)) — `summary.survfit`'s
    /// `std.err`.
    public var standardError: Double?
    /// Greenwood standard error of −log S(t): √Σ dⱼ/(nⱼ(nⱼ − dⱼ)) — `survfit`'s `std.err`
    /// (R keeps the curve's standard error on the log scale).
    public var logStandardError: Double?
    /// Lower pointwise confidence limit.
    public var lower: Double?
    /// Upper pointwise confidence limit.
    public var upper: Double?

    public init(
        time: Double, atRisk: Int, events: Int, censored: Int, survival: Double,
        standardError: Double?, logStandardError: Double?, lower: Double?, upper: Double?
    ) {
        self.time = time
        self.atRisk = atRisk
        self.events = events
        self.censored = censored
        self.survival = survival
        self.standardError = standardError
        self.logStandardError = logStandardError
        self.lower = lower
        self.upper = upper
    }
}

/// Median survival with its confidence interval, as R's `print.survfit` reports it.
/// `nil` means "not reached" (R prints NA).
public struct MedianSurvival: Sendable, Hashable, Codable {
    public var estimate: Double?
    public var lower: Double?
    public var upper: Double?

    public init(estimate: Double?, lower: Double?, upper: Double?) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
    }
}

/// The Kaplan–Meier curve of one group.
public struct KaplanMeierCurve: Sendable, Hashable, Codable {
    /// The group label, `nil` for an ungrouped fit.
    public var group: String?
    /// Number of observations (`n`, `records`).
    public var count: Int
    /// Number of events.
    public var eventCount: Int
    /// One step per distinct time, events and censorings alike, in increasing time.
    public var steps: [KaplanMeierStep]
    /// Median survival and its confidence interval.
    public var median: MedianSurvival
    /// Coverage of the limits in `steps` and `median` (`conf.int`).
    public var confidenceLevel: Double
    /// Transformation used for the limits (`conf.type`).
    public var confidenceType: SurvivalConfidenceType
}

/// Kaplan–Meier estimates, one curve per group.
public struct KaplanMeierFit: Sendable, Hashable, Codable {
    /// Curves in level order.
    public var curves: [KaplanMeierCurve]
    /// Conditions met and handled: `no-events` (a curve without events stays at 1 and has no
    /// median), `single-observation-group`, `empty-level`.
    public var warnings: [StatsWarning]
}

/// The Kaplan–Meier estimator with Greenwood standard errors — `survival::survfit(Surv(time,
/// status) ~ group)` with its defaults.
///
/// Ties: at a time with both events and censorings the events come first, so those censored
/// at t are still at risk at t (R's convention). Times equal up to floating-point noise are
/// merged first, exactly as survival's default `timefix = TRUE` does. Missing (NaN), infinite
/// or negative times are refused with a `StatsError` naming the index.
public enum KaplanMeier {
    /// Fits one curve to all observations.
    /// - Complexity: O(n log n).
    public static func fit(
        times: [Double], events: [Bool], options: KaplanMeierOptions = KaplanMeierOptions()
    ) throws -> KaplanMeierFit {
        try SurvivalInput.validate(times: times, events: events)
        let z = try criticalValue(options.confidenceLevel)
        let fixed = SurvivalInput.mergingNearTies(times)
        let curve = makeCurve(
            group: nil, times: fixed, events: events, members: Array(times.indices), z: z, options: options)
        return KaplanMeierFit(curves: [curve], warnings: curveWarnings(curve))
    }

    /// Fits one curve per group. Curves come in the order of `levels`, or in ascending label
    /// order when `levels` is `nil`; listed levels without observations are skipped with an
    /// `empty-level` warning.
    /// - Complexity: O(n log n).
    public static func fit(
        times: [Double], events: [Bool], groups: [String], levels: [String]? = nil,
        options: KaplanMeierOptions = KaplanMeierOptions()
    ) throws -> KaplanMeierFit {
        try SurvivalInput.validate(times: times, events: events, groups: groups)
        let z = try criticalValue(options.confidenceLevel)
        let grouping = try SurvivalInput.groupIndices(groups, levels: levels)
        let fixed = SurvivalInput.mergingNearTies(times)
        var members = [[Int]](repeating: [], count: grouping.levels.count)
        for (index, level) in grouping.indices.enumerated() { members[level].append(index) }
        var warnings = grouping.emptyLevels.map {
            StatsWarning(code: "empty-level", message: "group level \"\($0)\" has no observations; no curve is drawn for it")
        }
        var curves: [KaplanMeierCurve] = []
        for (level, label) in grouping.levels.enumerated() {
            let curve = makeCurve(
                group: label, times: fixed, events: events, members: members[level], z: z, options: options)
            warnings += curveWarnings(curve)
            curves.append(curve)
        }
        return KaplanMeierFit(curves: curves, warnings: warnings)
    }

    /// The two-sided normal critical value z for the confidence level (qnorm(1 − α/2)).
    static func criticalValue(_ level: Double) throws -> Double {
        guard level > 0, level < 1 else {
            throw StatsError("confidenceLevel is \(level); it must lie strictly between 0 and 1")
        }
        return NormalDistribution.quantile(1 - (1 - level) / 2)
    }

    static func curveWarnings(_ curve: KaplanMeierCurve) -> [StatsWarning] {
        let name = curve.group.map { "group \"\($0)\"" } ?? "the sample"
        var warnings: [StatsWarning] = []
        if curve.eventCount == 0 {
            warnings.append(StatsWarning(
                code: "no-events",
                message: curve.count == 1
                    ? "\(name): its only observation is censored; survival stays 1 and the median is not reached"
                    : "\(name): all \(curve.count) observations are censored; survival stays 1 and the median is not reached"))
        }
        if curve.count == 1 {
            warnings.append(StatsWarning(
                code: "single-observation-group",
                message: "\(name) has a single observation; its curve, limits and median rest on one patient"))
        }
        return warnings
    }

    /// Builds one curve from the observations listed in `members`, through their counts per
    /// distinct time (`SurvivalCounts`), as a pooled curve is built.
    static func makeCurve(
        group: String?, times: [Double], events: [Bool], members: [Int], z: Double,
        options: KaplanMeierOptions
    ) -> KaplanMeierCurve {
        let distinct = Array(Set(members.map { times[$0] })).sorted()
        var slot: [Double: Int] = [:]
        for (j, t) in distinct.enumerated() { slot[t] = j }
        var deaths = [Int](repeating: 0, count: distinct.count)
        var censored = [Int](repeating: 0, count: distinct.count)
        for i in members {
            guard let j = slot[times[i]] else { continue }
            if events[i] { deaths[j] += 1 } else { censored[j] += 1 }
        }
        return makeCurve(group: group, times: distinct, deaths: deaths, censored: censored, z: z, options: options)
    }

    /// Fits one curve per group of `counts` (groups without observations are skipped with an
    /// `empty-level` warning) — the Kaplan–Meier fit of the observations the counts were taken
    /// from, e.g. several sites' counts merged.
    public static func fit(counts: SurvivalCounts, options: KaplanMeierOptions = KaplanMeierOptions()) throws -> KaplanMeierFit {
        let z = try criticalValue(options.confidenceLevel)
        var warnings: [StatsWarning] = []
        var curves: [KaplanMeierCurve] = []
        for (g, label) in counts.groups.enumerated() {
            guard counts.observationCounts[g] > 0 else {
                warnings.append(StatsWarning(code: "empty-level", message: "group level \"\(label)\" has no observations; no curve is drawn for it"))
                continue
            }
            let curve = makeCurve(
                group: label, times: counts.times, deaths: counts.events[g], censored: counts.censored[g], z: z, options: options)
            warnings += curveWarnings(curve)
            curves.append(curve)
        }
        return KaplanMeierFit(curves: curves, warnings: warnings)
    }

    /// Builds one curve from counts per ascending time; times with neither events nor
    /// censorings are not steps.
    static func makeCurve(
        group: String?, times: [Double], deaths deathCounts: [Int], censored censorCounts: [Int], z: Double,
        options: KaplanMeierOptions
    ) -> KaplanMeierCurve {
        var steps: [KaplanMeierStep] = []
        let total = deathCounts.reduce(0, +) + censorCounts.reduce(0, +)
        var atRisk = total
        var survival = 1.0
        var greenwood = 0.0          // Σ d/(n(n − d)); +∞ once everyone at risk has died
        var eventCount = 0
        for j in times.indices where deathCounts[j] + censorCounts[j] > 0 {
            let deaths = deathCounts[j]
            let censored = censorCounts[j]
            if deaths > 0 {
                let n = Double(atRisk)
                let d = Double(deaths)
                survival *= (n - d) / n
                greenwood = deaths == atRisk ? .infinity : greenwood + d / (n * (n - d))
            }
            let logSE = greenwood.isFinite ? greenwood.squareRoot() : nil
            let limits = confidenceLimits(
                survival: survival, logStandardError: logSE, z: z, type: options.confidenceType)
            steps.append(KaplanMeierStep(
                time: times[j], atRisk: atRisk, events: deaths, censored: censored, survival: survival,
                standardError: logSE.map { $0 * survival }, logStandardError: logSE,
                lower: limits.lower, upper: limits.upper))
            eventCount += deaths
            atRisk -= deaths + censored
        }
        return KaplanMeierCurve(
            group: group, count: total, eventCount: eventCount, steps: steps,
            median: medianSurvival(steps), confidenceLevel: options.confidenceLevel,
            confidenceType: options.confidenceType)
    }

    /// Pointwise limits from S and the standard error of −log S, as survival's
    /// `survfit_confint`. The log-scale standard error makes the `log` interval the natural
    /// one (Greenwood's variance is a variance of log S); `log-log` is the same interval
    /// mapped through the complementary log-log transform, which keeps both limits inside
    /// (0, 1); `plain` is S ± z·SE(S).
    static func confidenceLimits(
        survival s: Double, logStandardError: Double?, z: Double, type: SurvivalConfidenceType
    ) -> (lower: Double?, upper: Double?) {
        guard let se = logStandardError else { return (nil, nil) }
        switch type {
        case .log:
            guard s > 0 else { return (nil, nil) }
            let logS = log(s)
            return (exp(logS - z * se), min(exp(logS + z * se), 1))
        case .logLog:
            guard s > 0, s < 1 else { return (nil, nil) }
            let logS = log(s)
            let half = z * se / logS
            let center = log(-logS)
            return (exp(-exp(center - half)), exp(-exp(center + half)))
        case .plain:
            let half = se * s * z
            return (max(s - half, 0), min(s + half, 1))
        }
    }
}
