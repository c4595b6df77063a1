/// Competing-risks input shared by the Aalen–Johansen estimator and Gray's test.
///
/// A competing-risks observation is a time and a cause code: 0 for censored, a positive
/// integer for the cause of the event that ended follow-up (e.g. 1 = liver transplant,
/// 2 = death without transplant). Negative codes are refused. Times follow the survival
/// conventions of `SurvivalInput`: NaN is refused naming its index (drop and count incomplete
/// observations before the analysis), infinite and negative times are refused.
enum CompetingRisksInput {
    /// Checks lengths and values; returns the cause codes of the analysis in column order.
    /// Without `causeCodes`, the causes are the distinct positive codes observed, ascending
    /// (R: the levels of the status factor after the censoring level, when the factor is built
    /// from sorted codes). With `causeCodes`, every observed positive code must be listed.
    static func validate(
        times: [Double], causes: [Int], groups: [String]? = nil, causeCodes: [Int]?
    ) throws -> [Int] {
        guard causes.count == times.count else {
            throw StatsError("causes has \(causes.count) values but times has \(times.count); they must have the same length")
        }
        try SurvivalInput.validate(times: times, events: causes.map { $0 != 0 }, groups: groups)
        for (index, cause) in causes.enumerated() where cause < 0 {
            throw StatsError("causes[\(index)] is \(cause); cause codes are 0 (censored) or a positive integer (the cause of the event)")
        }
        let observed = Set(causes.filter { $0 > 0 })
        guard let causeCodes else { return observed.sorted() }
        var seen = Set<Int>()
        for code in causeCodes {
            guard code > 0 else {
                throw StatsError("causeCodes lists \(code); cause codes must be positive (0 is censoring)")
            }
            guard seen.insert(code).inserted else {
                throw StatsError("causeCodes lists \(code) twice; each cause must appear once")
            }
        }
        if let missing = observed.subtracting(seen).min() {
            throw StatsError("cause \(missing) occurs in causes but is not one of causeCodes \(causeCodes)")
        }
        return causeCodes
    }
}

/// Settings of a cumulative-incidence fit: those of a Kaplan–Meier fit (`conf.int`,
/// `conf.type`), whose defaults — 0.95 and `"log"` — are also `survfit`'s for multi-state data
/// (survival 3.5).
public typealias CumulativeIncidenceOptions = KaplanMeierOptions

/// One row of a cumulative-incidence curve: `survfit`'s multi-state values at one distinct
/// time (an event of any cause or a censoring). Arrays indexed by cause follow
/// `CumulativeIncidenceFit.causes`.
public struct CumulativeIncidenceStep: Sendable, Hashable, Codable {
    /// The time (after survival's near-tie merging, as `KaplanMeier`).
    public var time: Double
    /// Number at risk (still event-free and uncensored) just before this time — `n.risk` of
    /// the initial state.
    public var atRisk: Int
    /// Events of each cause at this time — `n.event`.
    public var events: [Int]
    /// Censorings at this time — `n.censor`.
    public var censored: Int
    /// Probability of being event-free: the all-cause Kaplan–Meier S(t) — `pstate[, 1]`, the
    /// state `(s0)`.
    public var eventFree: Double
    /// Infinitesimal-jackknife standard error of `eventFree` — `std.err[, 1]` (not Greenwood:
    /// survfit uses the jackknife for every state of a multi-state fit).
    public var eventFreeStandardError: Double
    /// Pointwise limits of `eventFree` (`nil` where R has NA).
    public var eventFreeLower: Double?
    public var eventFreeUpper: Double?
    /// Aalen–Johansen cumulative incidence Fₖ(t) of each cause — `pstate[, 1 + k]`.
    public var incidence: [Double]
    /// Infinitesimal-jackknife standard error of each Fₖ(t) — `std.err[, 1 + k]`.
    public var standardErrors: [Double]
    /// Pointwise limits of each Fₖ(t); `nil` where R has NA (`"log"` at F = 0).
    public var lower: [Double?]
    public var upper: [Double?]

    public init(
        time: Double, atRisk: Int, events: [Int], censored: Int, eventFree: Double,
        eventFreeStandardError: Double, eventFreeLower: Double?, eventFreeUpper: Double?,
        incidence: [Double], standardErrors: [Double], lower: [Double?], upper: [Double?]
    ) {
        self.time = time
        self.atRisk = atRisk
        self.events = events
        self.censored = censored
        self.eventFree = eventFree
        self.eventFreeStandardError = eventFreeStandardError
        self.eventFreeLower = eventFreeLower
        self.eventFreeUpper = eventFreeUpper
        self.incidence = incidence
        self.standardErrors = standardErrors
        self.lower = lower
        self.upper = upper
    }
}

/// The cumulative-incidence curves of one group.
public struct CumulativeIncidenceCurve: Sendable, Hashable, Codable {
    /// The group label, `nil` for an ungrouped fit.
    public var group: String?
    /// Number of observations.
    public var count: Int
    /// Events of each cause (in `CumulativeIncidenceFit.causes` order).
    public var eventCounts: [Int]
    /// One step per distinct time, events and censorings alike, in increasing time.
    public var steps: [CumulativeIncidenceStep]
}

/// Aalen–Johansen cumulative-incidence estimates, one curve per group.
public struct CumulativeIncidenceFit: Sendable, Hashable, Codable {
    /// The cause codes, in the order of every per-cause array.
    public var causes: [Int]
    /// Curves in level order.
    public var curves: [CumulativeIncidenceCurve]
    /// Coverage of the limits (`conf.int`).
    public var confidenceLevel: Double
    /// Transformation used for the limits (`conf.type`).
    public var confidenceType: SurvivalConfidenceType
    /// Conditions met and handled: `no-events` (all of a curve's observations censored: it
    /// stays event-free with every incidence 0), `no-events-of-cause` (a listed cause never
    /// occurs in a curve: its incidence stays 0 with standard error 0),
    /// `single-observation-group`, `empty-level`.
    public var warnings: [StatsWarning]
}

/// The Aalen–Johansen estimator of the cumulative incidence of each cause in the presence of
/// competing risks, with infinitesimal-jackknife standard errors — R's
/// `survival::survfit(Surv(time, status) ~ 1)` with `status` a factor whose first level is
/// censoring (the "compete" vignette's multi-state fit), columns `pstate`, `std.err`,
/// `lower`, `upper` (survival 3.5-3).
///
/// **Estimate.** At the distinct times t₁ < t₂ < … with nⱼ at risk, dⱼₖ events of cause k
/// and dⱼ = Σₖ dⱼₖ:
///
///     S(t)  = ∏_{tⱼ ≤ t} (1 − dⱼ/nⱼ)                      (all-cause Kaplan–Meier)
///     Fₖ(t) = Σ_{tⱼ ≤ t} S(tⱼ₋) · dⱼₖ/nⱼ                  (Aalen–Johansen)
///
/// so S + Σₖ Fₖ = 1 at every time. Censorings at an event time are still at risk then.
///
/// **Standard error.** survfit's default for multi-state curves is the infinitesimal
/// jackknife (IJ): the influence Uᵢ(t) = ∂p(t)/∂wᵢ of each observation's case weight on the
/// state probabilities p = (S, F₁, …, F_K), and Var p(t) = Σᵢ Uᵢ(t)². Differentiating the
/// product p(tⱼ) = p(tⱼ₋)·(I + dA(tⱼ)) gives, for observation i with exit time Tᵢ and
/// Yᵢ(t) = 1{Tᵢ ≥ t}, dNᵢₖ(t) = 1{Tᵢ = t, cause k}:
///
///     Uᵢ,S(t)  = S(t) · Bᵢ(min(t, Tᵢ)),   Bᵢ(s) = −Σ_{u ≤ s} (dNᵢ(u) − Yᵢ(u) d(u)/n(u)) / (n(u) − d(u))
///     Uᵢ,k(t)  = Σ_{u ≤ t} [ Uᵢ,S(u₋) · dₖ(u)/n(u) + S(u₋) · (dNᵢₖ(u) − Yᵢ(u) dₖ(u)/n(u)) / n(u) ]
///
/// (Uᵢ,S(t) = 0 for all i once S(t) = 0). Before its exit every observation has the same
/// influence; after it, Uᵢ,k(t) = eᵢₖ + bᵢ·(Fₖ(t) − Fₖ(Tᵢ)) with eᵢₖ = Uᵢ,k(Tᵢ) and
/// bᵢ = Bᵢ(Tᵢ) fixed. So Σᵢ Uᵢ,k(t)² is the at-risk part plus Σ_{Tᵢ < t} bᵢ²(Fₖ(t) + xᵢₖ)²
/// with xᵢₖ = eᵢₖ/bᵢ − Fₖ(Tᵢ), which a weighted Welford accumulator (weights bᵢ², West 1979)
/// evaluates as W·(Fₖ(t) + x̄)² + M₂ — a sum of non-negative terms, without the
/// cancellation of expanding the squares, in O(n log n + T·K) instead of the O(n·T·K) of
/// updating every Uᵢ at every time as survival's C code (`survfitci.c`) does. This is the
/// same number R reports (1e-9 relative in the parity tests), not cmprsk's delta-method
/// variance.
///
/// **Intervals.** As `survfit_confint(p, se, logse = FALSE, …)`: the standard error of
/// log p is se/p (0 when se = 0); `.log` gives p·exp(±z·se/p) with the upper limit capped at
/// 1 and no limits where p = 0; `.logLog` and `.plain` as for Kaplan–Meier.
///
/// Ties: times equal up to floating-point noise are merged first, as survfit's default
/// `timefix = TRUE`. Missing (NaN), infinite or negative times and negative cause codes are
/// refused with a `StatsError` naming the index.
public enum CumulativeIncidence {
    /// Fits one set of curves to all observations.
    /// - Parameters:
    ///   - times: follow-up times (≥ 0, any order).
    ///   - causes: 0 = censored, a positive code = the cause of the event.
    ///   - causeCodes: the causes to report, in column order; by default the distinct positive
    ///     codes observed, ascending. A listed cause that never occurs gets a 0 column and a
    ///     warning.
    /// - Complexity: O(n log n + T·K) for T distinct times and K causes.
    public static func estimate(
        times: [Double], causes: [Int], causeCodes: [Int]? = nil,
        options: CumulativeIncidenceOptions = CumulativeIncidenceOptions()
    ) throws -> CumulativeIncidenceFit {
        let codes = try CompetingRisksInput.validate(times: times, causes: causes, causeCodes: causeCodes)
        let z = try KaplanMeier.criticalValue(options.confidenceLevel)
        let fixed = SurvivalInput.mergingNearTies(times)
        let columns = columnIndices(causes: causes, codes: codes)
        let curve = makeCurve(
            group: nil, times: fixed, columns: columns, causeCount: codes.count,
            members: Array(times.indices), z: z, type: options.confidenceType)
        return CumulativeIncidenceFit(
            causes: codes, curves: [curve], confidenceLevel: options.confidenceLevel,
            confidenceType: options.confidenceType, warnings: curveWarnings(curve, codes: codes))
    }

    /// Fits one set of curves per group — `survfit(Surv(time, status) ~ group)`. Curves come
    /// in the order of `levels`, or in ascending label order when `levels` is `nil`; listed
    /// levels without observations are skipped with an `empty-level` warning.
    /// - Complexity: O(n log n + G·T·K).
    public static func estimate(
        times: [Double], causes: [Int], groups: [String], levels: [String]? = nil,
        causeCodes: [Int]? = nil, options: CumulativeIncidenceOptions = CumulativeIncidenceOptions()
    ) throws -> CumulativeIncidenceFit {
        let codes = try CompetingRisksInput.validate(
            times: times, causes: causes, groups: groups, causeCodes: causeCodes)
        let z = try KaplanMeier.criticalValue(options.confidenceLevel)
        let grouping = try SurvivalInput.groupIndices(groups, levels: levels)
        let fixed = SurvivalInput.mergingNearTies(times)
        let columns = columnIndices(causes: causes, codes: codes)
        var members = [[Int]](repeating: [], count: grouping.levels.count)
        for (index, level) in grouping.indices.enumerated() { members[level].append(index) }
        var warnings = grouping.emptyLevels.map {
            StatsWarning(code: "empty-level", message: "group level \"\($0)\" has no observations; no curve is drawn for it")
        }
        var curves: [CumulativeIncidenceCurve] = []
        for (level, label) in grouping.levels.enumerated() {
            let curve = makeCurve(
                group: label, times: fixed, columns: columns, causeCount: codes.count,
                members: members[level], z: z, type: options.confidenceType)
            warnings += curveWarnings(curve, codes: codes)
            curves.append(curve)
        }
        return CumulativeIncidenceFit(
            causes: codes, curves: curves, confidenceLevel: options.confidenceLevel,
            confidenceType: options.confidenceType, warnings: warnings)
    }

    /// Column of each observation's cause (−1 for censored).
    static func columnIndices(causes: [Int], codes: [Int]) -> [Int] {
        var column: [Int: Int] = [:]
        for (index, code) in codes.enumerated() { column[code] = index }
        return causes.map { $0 == 0 ? -1 : (column[$0] ?? -1) }
    }

    static func curveWarnings(_ curve: CumulativeIncidenceCurve, codes: [Int]) -> [StatsWarning] {
        let name = curve.group.map { "group \"\($0)\"" } ?? "the sample"
        var warnings: [StatsWarning] = []
        let total = curve.eventCounts.reduce(0, +)
        if total == 0 {
            warnings.append(StatsWarning(
                code: "no-events",
                message: "\(name): all \(curve.count) observations are censored; it stays event-free and every cumulative incidence stays 0"))
        } else {
            for (column, code) in codes.enumerated() where curve.eventCounts[column] == 0 {
                warnings.append(StatsWarning(
                    code: "no-events-of-cause",
                    message: "\(name): no event of cause \(code); its cumulative incidence stays 0 with standard error 0"))
            }
        }
        if curve.count == 1 {
            warnings.append(StatsWarning(
                code: "single-observation-group",
                message: "\(name) has a single observation; its curves and limits rest on one patient"))
        }
        return warnings
    }

    /// Weighted running mean and sum of squares (West 1979) of values x with weights w:
    /// Σ w·(c + x)² = W·(c + x̄)² + M₂ for any shift c.
    struct WeightedSquares {
        var weight = 0.0
        var mean = 0.0
        var m2 = 0.0
        /// Σ of the squares of influences that no longer change.
        var constant = 0.0

        mutating func add(value x: Double, weight w: Double) {
            let total = weight + w
            let delta = x - mean
            mean += delta * (w / total)
            m2 += w * delta * (x - mean)
            weight = total
        }

        func sum(shift c: Double) -> Double {
            guard weight > 0 else { return constant }
            let centre = c + mean
            return weight * centre * centre + m2 + constant
        }
    }

    /// Builds the curves of the observations listed in `members`.
    static func makeCurve(
        group: String?, times: [Double], columns: [Int], causeCount k: Int, members: [Int],
        z: Double, type: SurvivalConfidenceType
    ) -> CumulativeIncidenceCurve {
        let order = members.sorted { times[$0] < times[$1] }
        var steps: [CumulativeIncidenceStep] = []
        var atRisk = order.count
        var survival = 1.0
        var survivalIsZero = false
        var greenwood = 0.0                                 // G(t) = Σ d/(n(n − d)) while S > 0
        var incidence = [Double](repeating: 0, count: k)    // Fₖ(t)
        var shared = [Double](repeating: 0, count: k)       // Pₖ − Qₖ: influence of anyone still at risk
        var past = [WeightedSquares](repeating: WeightedSquares(), count: k)
        var pastSurvival = 0.0                              // Σ_{Tᵢ < t} bᵢ² (event-free state)
        var eventCounts = [Int](repeating: 0, count: k)
        var deathsByCause = [Int](repeating: 0, count: k)
        var position = 0
        while position < order.count {
            let time = times[order[position]]
            var censored = 0
            for c in 0..<k { deathsByCause[c] = 0 }
            while position < order.count, times[order[position]] == time {
                let column = columns[order[position]]
                if column >= 0 { deathsByCause[column] += 1 } else { censored += 1 }
                position += 1
            }
            let deaths = deathsByCause.reduce(0, +)
            let n = Double(atRisk)
            let before = survival                            // S(t₋)
            if deaths > 0 {
                let d = Double(deaths)
                for c in 0..<k where deathsByCause[c] > 0 {
                    let hazard = Double(deathsByCause[c]) / n
                    incidence[c] += before * hazard
                    // Pₖ += S(t₋)·λₖ·G(t₋);  Qₖ += S(t₋)·λₖ/n.
                    shared[c] += before * hazard * greenwood - before * hazard / n
                }
                if deaths == atRisk {
                    survival = 0
                    survivalIsZero = true
                } else {
                    survival *= (n - d) / n
                    greenwood += d / (n * (n - d))
                }
            }
            // Variances at t: observations at risk at t (the same influence, plus S(t₋)/n for
            // an event of the cause at t) and those that left before t.
            var errors = [Double](repeating: 0, count: k)
            var lower = [Double?](repeating: nil, count: k)
            var upper = [Double?](repeating: nil, count: k)
            for c in 0..<k {
                let u = shared[c]
                let own = deathsByCause[c] > 0 ? u + before / n : u
                let current = Double(atRisk - deathsByCause[c]) * u * u
                    + Double(deathsByCause[c]) * own * own
                let variance = current + past[c].sum(shift: incidence[c])
                errors[c] = variance.squareRoot()
                (lower[c], upper[c]) = limits(incidence[c], errors[c], z: z, type: type)
            }
            var survivalError = 0.0
            if !survivalIsZero {
                let d = Double(deaths)
                let eventB = deaths > 0 ? greenwood - 1 / (n - d) : 0
                let sum = pastSurvival + (n - d) * greenwood * greenwood + d * eventB * eventB
                survivalError = survival * sum.squareRoot()
            }
            let survivalLimits = limits(survival, survivalError, z: z, type: type)
            steps.append(CumulativeIncidenceStep(
                time: time, atRisk: atRisk, events: deathsByCause, censored: censored,
                eventFree: survival, eventFreeStandardError: survivalError,
                eventFreeLower: survivalLimits.lower, eventFreeUpper: survivalLimits.upper,
                incidence: incidence, standardErrors: errors, lower: lower, upper: upper))

            // Those leaving at t join the past: influence eᵢₖ now, slope bᵢ afterwards.
            // Once S = 0 nothing changes any more, so their influence is constant.
            let d = Double(deaths)
            var leaving: [(count: Int, cause: Int)] = []
            if censored > 0 { leaving.append((censored, -1)) }
            for c in 0..<k where deathsByCause[c] > 0 { leaving.append((deathsByCause[c], c)) }
            for (count, cause) in leaving {
                let m = Double(count)
                let slope = survivalIsZero ? 0 : (cause < 0 ? greenwood : greenwood - 1 / (n - d))
                if !survivalIsZero { pastSurvival += m * slope * slope }
                for c in 0..<k {
                    let e = cause == c ? shared[c] + before / n : shared[c]
                    if slope == 0 {
                        past[c].constant += m * e * e
                    } else {
                        past[c].add(value: e / slope - incidence[c], weight: m * slope * slope)
                    }
                }
            }
            for c in 0..<k { eventCounts[c] += deathsByCause[c] }
            atRisk -= deaths + censored
        }
        return CumulativeIncidenceCurve(
            group: group, count: order.count, eventCounts: eventCounts, steps: steps)
    }

    /// Limits as `survfit_confint(p, se, logse = FALSE)`: se of log p is se/p (0 if se = 0).
    static func limits(
        _ p: Double, _ se: Double, z: Double, type: SurvivalConfidenceType
    ) -> (lower: Double?, upper: Double?) {
        let logSE = se == 0 ? 0 : se / p
        guard logSE.isFinite else { return (nil, nil) }
        return KaplanMeier.confidenceLimits(survival: p, logStandardError: logSE, z: z, type: type)
    }
}
