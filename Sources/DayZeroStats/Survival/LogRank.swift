/// The result of the log-rank test — the components of `survival::survdiff`'s value.
public struct LogRankResult: Sendable, Hashable, Codable {
    /// Group levels in the order used for every array below.
    public var levels: [String]
    /// Observations per group (`N`).
    public var counts: [Int]
    /// Observed events per group (`obs`).
    public var observed: [Int]
    /// Expected events per group under equal hazards (`exp`).
    public var expected: [Double]
    /// Variance–covariance matrix of observed − expected (`var`), k × k, `variance[g][h]`.
    public var variance: [[Double]]
    /// The log-rank statistic (O − E)ᵀ V⁻ (O − E) over the groups with expected events,
    /// leaving one out (`chisq`).
    public var chiSquared: Double
    /// Degrees of freedom: groups with expected > 0, minus 1 (0 when the test is undefined).
    public var degreesOfFreedom: Int
    /// Upper chi-square tail of `chiSquared` on `degreesOfFreedom`; 1 when df = 0.
    public var pValue: Double
    /// Conditions met and handled: `no-events`, `no-expected-events`, `singular-variance`,
    /// `single-observation-group`, `empty-level`.
    public var warnings: [StatsWarning]
}

/// The log-rank test comparing k ≥ 2 survival curves — `survival::survdiff(Surv(time,
/// status) ~ group)` with `rho = 0`.
public enum LogRank {
    /// Runs the log-rank test.
    ///
    /// At each distinct event time t with nₜ at risk, dₜ events and n_gt at risk in group g:
    /// E_g = Σ dₜ n_gt / nₜ and V_gh = Σ dₜ(nₜ − dₜ)/(nₜ²(nₜ − 1)) · n_gt(δ_gh nₜ − n_ht)
    /// (times with nₜ = 1 add nothing to V). Groups with E = 0 are left out of the statistic,
    /// as survdiff does, and one more group is dropped because V has rank k − 1; the
    /// statistic solves the remaining system by a Cholesky factorisation.
    ///
    /// Edge cases give a defined result and a warning: no events at all (R returns p = NaN
    /// with df = −1; here χ² = 0, df = 0, p = 1); a group with no expected events (left out,
    /// df reduced, as R does); a singular variance matrix, e.g. when every event time kills
    /// everyone at risk (R stops with "system is exactly singular"; here the dependent
    /// directions are left out — a generalized inverse — and df is the rank).
    /// Ties, near-ties and missing values are handled as in `KaplanMeier`.
    /// - Throws: `StatsError` for invalid input or fewer than two non-empty groups.
    /// - Complexity: O(n log n + T·k²) for T distinct event times.
    public static func test(
        times: [Double], events: [Bool], groups: [String], levels: [String]? = nil
    ) throws -> LogRankResult {
        try SurvivalInput.validate(times: times, events: events, groups: groups)
        let grouping = try SurvivalInput.groupIndices(groups, levels: levels)
        guard grouping.levels.count >= 2 else {
            throw StatsError("the log-rank test needs at least two groups with observations; found \(grouping.levels.count) (\(grouping.levels))")
        }
        let warnings = grouping.emptyLevels.map {
            StatsWarning(code: "empty-level", message: "group level \"\($0)\" has no observations and is left out")
        }
        let counts = try SurvivalCounts.exact(
            times: times, events: events, groupIndex: grouping.indices, groups: grouping.levels)
        let contribution = LogRankContribution(counts)
        return finish(contribution, levels: grouping.levels, warnings: warnings)
    }

    /// The log-rank test from counts per group and time (e.g. several sites' counts merged):
    /// the test of the observations the counts were taken from. Groups without observations
    /// are left out with an `empty-level` warning.
    /// - Throws: `StatsError` with fewer than two non-empty groups.
    public static func test(counts: SurvivalCounts) throws -> LogRankResult {
        try test(strata: [counts])
    }

    /// The stratified log-rank test (`survdiff(Surv(time, status) ~ group + strata(s))`): the
    /// observed, expected and variance sums of each stratum (e.g. each site) added. Every
    /// stratum must have the same groups.
    public static func test(strata: [SurvivalCounts]) throws -> LogRankResult {
        guard let first = strata.first else { throw StatsError("the log-rank test needs at least one stratum") }
        var total = LogRankContribution(first)
        for s in strata.dropFirst() {
            guard s.groups == first.groups else {
                throw StatsError("stratified log-rank: strata have different groups (\(first.groups) vs \(s.groups))")
            }
            try total.merge(LogRankContribution(s))
        }
        return try test(contribution: total, levels: first.groups)
    }

    /// The log-rank test from summed contributions (each site's own O, E and V: a site-stratified
    /// test that needs no site's counts).
    public static func test(contribution: LogRankContribution, levels: [String]) throws -> LogRankResult {
        guard contribution.counts.count == levels.count else {
            throw StatsError("log-rank: \(contribution.counts.count) groups in the sums but \(levels.count) labels")
        }
        let nonEmpty = contribution.counts.indices.filter { contribution.counts[$0] > 0 }
        guard nonEmpty.count >= 2 else {
            throw StatsError("the log-rank test needs at least two groups with observations; found \(nonEmpty.count) (\(nonEmpty.map { levels[$0] }))")
        }
        let warnings = contribution.counts.indices.filter { contribution.counts[$0] == 0 }.map {
            StatsWarning(code: "empty-level", message: "group level \"\(levels[$0])\" has no observations and is left out")
        }
        let k = levels.count
        let reduced = LogRankContribution(
            counts: nonEmpty.map { contribution.counts[$0] }, observed: nonEmpty.map { contribution.observed[$0] },
            expected: nonEmpty.map { contribution.expected[$0] },
            variance: nonEmpty.flatMap { g in nonEmpty.map { h in contribution.variance[g * k + h] } })
        return finish(reduced, levels: nonEmpty.map { levels[$0] }, warnings: warnings)
    }

    /// χ², df and p from O, E and V (groups all non-empty).
    static func finish(_ sums: LogRankContribution, levels: [String], warnings initial: [StatsWarning]) -> LogRankResult {
        var warnings = initial
        let k = levels.count
        let counts = sums.counts
        let observed = sums.observed
        let expected = sums.expected
        let variance = sums.variance
        for g in 0..<k where counts[g] == 1 {
            warnings.append(StatsWarning(
                code: "single-observation-group",
                message: "group \"\(levels[g])\" has a single observation; it contributes little information to the test"))
        }
        let informative = (0..<k).filter { expected[$0] > 0 }
        var chiSquared = 0.0
        var df = 0
        if observed.reduce(0, +) == 0 {
            warnings.append(StatsWarning(
                code: "no-events",
                message: "all observations are censored; the log-rank test is undefined and is reported as χ² = 0, df = 0, p = 1"))
        } else {
            for g in 0..<k where expected[g] == 0 {
                warnings.append(StatsWarning(
                    code: "no-expected-events",
                    message: "group \"\(levels[g])\" has no expected events (no member at risk at any event time); it is left out of the test"))
            }
            if informative.count >= 2 {
                let kept = Array(informative.dropFirst())
                let m = kept.count
                var matrix = [Double](repeating: 0, count: m * m)
                var difference = [Double](repeating: 0, count: m)
                for (a, g) in kept.enumerated() {
                    difference[a] = Double(observed[g]) - expected[g]
                    for (b, h) in kept.enumerated() { matrix[a * m + b] = variance[g * k + h] }
                }
                let cholesky = CholeskyDecomposition(
                    symmetric: matrix, dimension: m, relativeTolerance: 1e-10)
                let solution = cholesky.solve(difference)
                for a in 0..<m { chiSquared += solution[a] * difference[a] }
                df = cholesky.rank
                if cholesky.rank < m {
                    warnings.append(StatsWarning(
                        code: "singular-variance",
                        message: "the variance matrix of observed − expected has rank \(cholesky.rank) instead of \(m); dependent directions are left out (generalized inverse) and df = \(cholesky.rank)"))
                }
            }
        }
        let pValue = df > 0 ? ChiSquaredDistribution.upperTail(chiSquared, df: Double(df)) : 1
        return LogRankResult(
            levels: levels, counts: counts, observed: observed, expected: expected,
            variance: (0..<k).map { g in Array(variance[(g * k)..<(g * k + k)]) },
            chiSquared: chiSquared, degreesOfFreedom: df, pValue: pValue, warnings: warnings)
    }
}

/// The additive sums of a log-rank test: per group the observations, observed and expected
/// events, and the k × k variance of O − E (row-major). One stratum's sums come from its
/// counts; strata (sites) add, which gives the stratified test.
public struct LogRankContribution: Sendable, Hashable, Codable {
    public var counts: [Int]
    public var observed: [Int]
    public var expected: [Double]
    public var variance: [Double]

    public init(counts: [Int], observed: [Int], expected: [Double], variance: [Double]) {
        self.counts = counts
        self.observed = observed
        self.expected = expected
        self.variance = variance
    }

    /// The sums of one stratum: at each time with dₜ > 0 events, nₜ at risk and n_gt at risk in
    /// group g, E_g += dₜ n_gt/nₜ and V_gh += dₜ(nₜ − dₜ)/(nₜ²(nₜ − 1)) · n_gt(δ_gh nₜ − n_ht).
    public init(_ c: SurvivalCounts) {
        let k = c.groups.count
        var atRisk = c.observationCounts
        var total = atRisk.reduce(0, +)
        counts = atRisk
        observed = [Int](repeating: 0, count: k)
        expected = [Double](repeating: 0, count: k)
        variance = [Double](repeating: 0, count: k * k)
        for j in c.times.indices {
            var deaths = 0
            var leaving = 0
            for g in 0..<k {
                deaths += c.events[g][j]
                leaving += c.events[g][j] + c.censored[g][j]
            }
            if deaths > 0 {
                let n = Double(total)
                let d = Double(deaths)
                for g in 0..<k {
                    observed[g] += c.events[g][j]
                    expected[g] += d * Double(atRisk[g]) / n
                }
                if total > 1 {
                    let factor = d * (n - d) / (n * n * (n - 1))
                    for g in 0..<k where atRisk[g] > 0 {
                        let ng = Double(atRisk[g])
                        for h in 0..<k {
                            let nh = Double(atRisk[h])
                            variance[g * k + h] += factor * ng * ((g == h ? n : 0) - nh)
                        }
                    }
                }
            }
            total -= leaving
            for g in 0..<k { atRisk[g] -= c.events[g][j] + c.censored[g][j] }
        }
    }

    /// Adds another stratum's sums.
    public mutating func merge(_ other: LogRankContribution) throws(AggregateError) {
        guard other.counts.count == counts.count, other.variance.count == variance.count else {
            throw .layoutMismatch(aggregate: "log-rank sums", what: "\(counts.count) vs \(other.counts.count) groups")
        }
        for g in counts.indices {
            counts[g] += other.counts[g]
            observed[g] += other.observed[g]
            expected[g] += other.expected[g]
        }
        for i in variance.indices { variance[i] += other.variance[i] }
    }
}
