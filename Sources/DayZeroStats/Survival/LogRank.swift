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
        let k = grouping.levels.count
        guard k >= 2 else {
            throw StatsError("the log-rank test needs at least two groups with observations; found \(k) (\(grouping.levels))")
        }
        var warnings = grouping.emptyLevels.map {
            StatsWarning(code: "empty-level", message: "group level \"\($0)\" has no observations and is left out")
        }
        let fixed = SurvivalInput.mergingNearTies(times)
        let order = fixed.indices.sorted { fixed[$0] < fixed[$1] }

        var counts = [Int](repeating: 0, count: k)
        for level in grouping.indices { counts[level] += 1 }
        var atRisk = counts                       // n_g at risk at the current time
        var total = order.count                   // n at risk at the current time
        var observed = [Int](repeating: 0, count: k)
        var expected = [Double](repeating: 0, count: k)
        var variance = [Double](repeating: 0, count: k * k)
        var deathsByGroup = [Int](repeating: 0, count: k)
        var leavingByGroup = [Int](repeating: 0, count: k)

        var position = 0
        while position < order.count {
            let time = fixed[order[position]]
            var deaths = 0
            var leaving = 0
            for g in 0..<k { deathsByGroup[g] = 0; leavingByGroup[g] = 0 }
            while position < order.count, fixed[order[position]] == time {
                let index = order[position]
                let g = grouping.indices[index]
                if events[index] { deaths += 1; deathsByGroup[g] += 1 }
                leaving += 1
                leavingByGroup[g] += 1
                position += 1
            }
            if deaths > 0 {
                let n = Double(total)
                let d = Double(deaths)
                for g in 0..<k {
                    observed[g] += deathsByGroup[g]
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
            for g in 0..<k { atRisk[g] -= leavingByGroup[g] }
        }

        for g in 0..<k where counts[g] == 1 {
            warnings.append(StatsWarning(
                code: "single-observation-group",
                message: "group \"\(grouping.levels[g])\" has a single observation; it contributes little information to the test"))
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
                    message: "group \"\(grouping.levels[g])\" has no expected events (no member at risk at any event time); it is left out of the test"))
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
            levels: grouping.levels, counts: counts, observed: observed, expected: expected,
            variance: (0..<k).map { g in Array(variance[(g * k)..<(g * k + k)]) },
            chiSquared: chiSquared, degreesOfFreedom: df, pValue: pValue, warnings: warnings)
    }
}
