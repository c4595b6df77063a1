#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The result of Gray's test for one cause — a row of `cmprsk::cuminc(…)$Tests` with the
/// score vector and its variance behind it.
public struct GrayTestResult: Sendable, Hashable, Codable {
    /// The cause code tested.
    public var cause: Int
    /// Group levels in the order used for every array below.
    public var levels: [String]
    /// Observations per group.
    public var counts: [Int]
    /// Events of the tested cause per group.
    public var events: [Int]
    /// Scores of the first k − 1 groups: Σ_t w(t)·(dᵍ₁(t) − d₁(t)·R̃ᵍ(t)/Σʰ R̃ʰ(t)) with
    /// R̃ᵍ = Rᵍ(1 − F̂ᵍ₁(t₋))/Ŝᵍ(t₋) — observed minus expected events of the cause on the
    /// subdistribution-hazard scale (see `GrayTest`).
    public var scores: [Double]
    /// Estimated covariance of `scores`, (k − 1) × (k − 1), `variance[g][h]`.
    public var variance: [[Double]]
    /// sᵀ V⁻¹ s (`stat`).
    public var statistic: Double
    /// Degrees of freedom: the rank of V, k − 1 when V is regular (`df`); 0 when the test is
    /// undefined.
    public var degreesOfFreedom: Int
    /// Upper chi-square tail of `statistic` on `degreesOfFreedom` (`pv`); 1 when df = 0.
    /// Computed as the upper tail directly: cmprsk's `1 - pchisq(stat, df)` loses all
    /// digits below about 1e-16.
    public var pValue: Double
    /// The weight exponent ρ of (1 − F̂(t₋))^ρ (`rho`).
    public var rho: Double
    /// Conditions met and handled: `single-group`, `no-events-of-cause`,
    /// `singular-variance`, `single-observation-group`, `empty-level`.
    public var warnings: [StatsWarning]
}

/// Gray's (1988) K-sample test for equality of the cumulative incidence of one cause across
/// groups — `cmprsk::cuminc(ftime, fstatus, group, strata, rho = 0, cencode = 0)$Tests`
/// (cmprsk 2.2-11, Fortran routine `crstm`).
///
/// Within each stratum, at each distinct time t with events, group g has Rᵍ at risk, dᵍ₁
/// events of the tested cause and dᵍ₂ of other causes; Ŝᵍ(t₋) is the group's all-cause
/// Kaplan–Meier just before t and F̂ᵍ₁(t₋) its cumulative incidence of the cause. With the
/// subdistribution "risk sets" Rᵍ(1 − F̂ᵍ₁(t₋))/Ŝᵍ(t₋), the pooled F̂₁ (increments
/// d₁/Σᵍ Rᵍ/Ŝᵍ(t₋)) and the weight w(t) = (1 − F̂₁(t₋))^ρ:
///
///     sᵍ = Σ_t w(t) · [dᵍ₁ − d₁ · (Rᵍ(1 − F̂ᵍ₁(t₋))/Ŝᵍ(t₋)) / Σʰ (Rʰ(1 − F̂ʰ₁(t₋))/Ŝʰ(t₋))]
///
/// for the first k − 1 groups, summed over strata. Its covariance V is Gray's
/// martingale-based estimator (Gray 1988, §2; the terms for events of the cause and of the
/// competing causes are accumulated per group, with the tie corrections 1 − (d − 1)/(n − 1),
/// exactly as `crstm` does). The statistic sᵀ V⁻¹ s is referred to χ² on k − 1 degrees of
/// freedom.
///
/// Differences from R, all flagged with a warning: one group (R computes no test) gives
/// statistic 0, df 0, p 1; a cause without events, or any singular V (R reports `stat = -1`,
/// `pv = 1`), is solved with a generalized inverse (dependent directions left out) and df is
/// the rank of V. Times are compared exactly, as cmprsk does (no near-tie merging, unlike
/// `CumulativeIncidence`). Empty levels are dropped, as cuminc drops unused factor levels.
///
/// Reference: Gray RJ (1988). A class of K-sample tests for comparing the cumulative
/// incidence of a competing risk. Annals of Statistics 16:1141–1154.
public enum GrayTest {
    /// Tests one cause.
    /// - Parameters:
    ///   - times: follow-up times (≥ 0, any order).
    ///   - causes: 0 = censored, a positive code = the cause of the event.
    ///   - groups: group label of each observation; `levels` fixes their order (ascending
    ///     labels by default). The order changes `scores` but not the statistic.
    ///   - strata: optional stratum labels; scores and variances are summed over strata.
    ///   - cause: the cause code whose cumulative incidence is compared.
    ///   - rho: the exponent of the weight (1 − F̂(t₋))^ρ; 0 (the default) is cuminc's.
    /// - Throws: `StatsError` for invalid input (NaN, negative or infinite times, negative
    ///   cause codes, mismatched lengths, non-positive `cause`, non-finite `rho`).
    /// - Complexity: O(n log n + T·k²) per stratum.
    public static func test(
        times: [Double], causes: [Int], groups: [String], levels: [String]? = nil,
        strata: [String]? = nil, cause: Int, rho: Double = 0
    ) throws -> GrayTestResult {
        _ = try CompetingRisksInput.validate(times: times, causes: causes, groups: groups, causeCodes: nil)
        guard cause > 0 else {
            throw StatsError("cause is \(cause); the tested cause must be a positive code (0 is censoring)")
        }
        guard rho.isFinite else { throw StatsError("rho is \(rho); it must be a finite number") }
        if let strata, strata.count != times.count {
            throw StatsError("strata has \(strata.count) values but times has \(times.count); they must have the same length")
        }
        let grouping = try SurvivalInput.groupIndices(groups, levels: levels)
        let k = grouping.levels.count
        var warnings = grouping.emptyLevels.map {
            StatsWarning(code: "empty-level", message: "group level \"\($0)\" has no observations and is left out")
        }
        var counts = [Int](repeating: 0, count: k)
        var events = [Int](repeating: 0, count: k)
        for (index, g) in grouping.indices.enumerated() {
            counts[g] += 1
            if causes[index] == cause { events[g] += 1 }
        }
        for g in 0..<k where counts[g] == 1 {
            warnings.append(StatsWarning(
                code: "single-observation-group",
                message: "group \"\(grouping.levels[g])\" has a single observation; it contributes little information to the test"))
        }
        // 0 = censored, 1 = the tested cause, 2 = another cause (crstm's coding).
        let codes = causes.map { $0 == 0 ? 0 : ($0 == cause ? 1 : 2) }
        let m = max(k - 1, 0)
        var scores = [Double](repeating: 0, count: m)
        var variance = [Double](repeating: 0, count: m * m)
        if k >= 2 {
            var strataMembers: [[Int]] = [Array(times.indices)]
            if let strata {
                var position: [String: Int] = [:]
                strataMembers = []
                for (index, label) in strata.enumerated() {
                    if let s = position[label] {
                        strataMembers[s].append(index)
                    } else {
                        position[label] = strataMembers.count
                        strataMembers.append([index])
                    }
                }
            }
            for members in strataMembers {
                accumulate(
                    times: times, codes: codes, groups: grouping.indices, members: members, k: k,
                    rho: rho, scores: &scores, variance: &variance)
            }
        }
        var statistic = 0.0
        var df = 0
        if k < 2 {
            warnings.append(StatsWarning(
                code: "single-group",
                message: "only one group (\(grouping.levels.first ?? "")) has observations; there is nothing to compare and the test is reported as statistic 0, df 0, p 1"))
        } else if events.reduce(0, +) == 0 {
            warnings.append(StatsWarning(
                code: "no-events-of-cause",
                message: "no event of cause \(cause); the test is undefined and is reported as statistic 0, df 0, p 1"))
        } else {
            let cholesky = CholeskyDecomposition(symmetric: variance, dimension: m, relativeTolerance: 1e-10)
            let solution = cholesky.solve(scores)
            for a in 0..<m { statistic += solution[a] * scores[a] }
            df = cholesky.rank
            if statistic < 0 || !statistic.isFinite { statistic = 0 }
            if cholesky.rank < m {
                warnings.append(StatsWarning(
                    code: "singular-variance",
                    message: "the variance of the scores has rank \(cholesky.rank) instead of \(m); dependent directions are left out (generalized inverse) and df = \(cholesky.rank) (cmprsk reports stat = -1, p = 1)"))
            }
        }
        let pValue = df > 0 ? ChiSquaredDistribution.upperTail(statistic, df: Double(df)) : 1
        return GrayTestResult(
            cause: cause, levels: grouping.levels, counts: counts, events: events, scores: scores,
            variance: (0..<m).map { g in Array(variance[(g * m)..<(g * m + m)]) },
            statistic: statistic, degreesOfFreedom: df, pValue: pValue, rho: rho, warnings: warnings)
    }

    /// Tests every cause that occurs, in ascending code order — all rows of `cuminc$Tests`.
    public static func testEachCause(
        times: [Double], causes: [Int], groups: [String], levels: [String]? = nil,
        strata: [String]? = nil, rho: Double = 0
    ) throws -> [GrayTestResult] {
        let codes = try CompetingRisksInput.validate(times: times, causes: causes, groups: groups, causeCodes: nil)
        return try codes.map {
            try test(times: times, causes: causes, groups: groups, levels: levels, strata: strata, cause: $0, rho: rho)
        }
    }

    /// Adds one stratum's scores and variance (k − 1 first groups) — the computation of
    /// crstm's inner routine, written from Gray (1988) and that routine's structure.
    static func accumulate(
        times: [Double], codes: [Int], groups: [Int], members: [Int], k: Int, rho: Double,
        scores: inout [Double], variance: inout [Double]
    ) {
        let m = k - 1
        let order = members.sorted { times[$0] < times[$1] }
        var atRisk = [Int](repeating: 0, count: k)
        for index in members { atRisk[groups[index]] += 1 }
        var incidenceBefore = [Double](repeating: 0, count: k)   // F̂ᵍ₁(t₋)
        var incidence = [Double](repeating: 0, count: k)         // F̂ᵍ₁(t)
        var survivalBefore = [Double](repeating: 1, count: k)    // Ŝᵍ(t₋)
        var survival = [Double](repeating: 1, count: k)          // Ŝᵍ(t)
        var pooledBefore = 0.0                                   // pooled F̂₁(t₋)
        // c: cumulative Σ a·d₁/(Σ R/Ŝ · (1 − F̂₁(t₋))), k × k; a: this time's k × k weights.
        var c = [Double](repeating: 0, count: k * k)
        var a = [Double](repeating: 0, count: k * k)
        var v3 = [Double](repeating: 0, count: k)
        var v2 = [Double](repeating: 0, count: m * k)
        var v = [Double](repeating: 0, count: m * m)
        var s = [Double](repeating: 0, count: m)
        var count = [[Int]](repeating: [Int](repeating: 0, count: k), count: 3)  // [code][group]

        var position = 0
        while position < order.count {
            let time = times[order[position]]
            for code in 0..<3 { for g in 0..<k { count[code][g] = 0 } }
            var leaving: [Int] = []
            while position < order.count, times[order[position]] == time {
                let index = order[position]
                count[codes[index]][groups[index]] += 1
                leaving.append(groups[index])
                position += 1
            }
            let cause = count[1].reduce(0, +)
            let other = count[2].reduce(0, +)
            var pooled = pooledBefore
            if cause > 0 || other > 0 {
                var riskSum = 0.0        // Σ R/Ŝ(t₋)
                var subRiskSum = 0.0     // Σ R(1 − F̂₁(t₋))/Ŝ(t₋)
                for g in 0..<k where atRisk[g] > 0 {
                    let r = Double(atRisk[g])
                    let failing = Double(count[1][g] + count[2][g])
                    survival[g] = survivalBefore[g] * (r - failing) / r
                    incidence[g] = incidenceBefore[g] + survivalBefore[g] * Double(count[1][g]) / r
                    riskSum += r / survivalBefore[g]
                    subRiskSum += r * (1 - incidenceBefore[g]) / survivalBefore[g]
                }
                let d1 = Double(cause)
                pooled = pooledBefore + d1 / riskSum
                let weight = pow(1 - pooledBefore, rho)
                // cmprsk divides by 1 − F̂₁(t₋) unguarded; it is 0 only once nobody is left.
                let divisor = riskSum * (1 - pooledBefore)
                for i in 0..<k {
                    for j in i..<k { a[i * k + j] = 0 }
                    guard atRisk[i] > 0 else { continue }
                    let t1 = Double(atRisk[i]) / survivalBefore[i]
                    a[i * k + i] = weight * t1 * (1 - t1 / riskSum)
                    if divisor > 0 { c[i * k + i] += a[i * k + i] * d1 / divisor }
                    for j in (i + 1)..<k where atRisk[j] > 0 {
                        a[i * k + j] = -weight * t1 * Double(atRisk[j]) / (survivalBefore[j] * riskSum)
                        if divisor > 0 { c[i * k + j] += a[i * k + j] * d1 / divisor }
                    }
                }
                for i in 1..<k {
                    for j in 0..<i {
                        a[i * k + j] = a[j * k + i]
                        c[i * k + j] = c[j * k + i]
                    }
                }
                for i in 0..<m where atRisk[i] > 0 {
                    let expected = d1 * Double(atRisk[i]) * (1 - incidenceBefore[i]) / (survivalBefore[i] * subRiskSum)
                    s[i] += weight * (Double(count[1][i]) - expected)
                }
                if cause > 0 {
                    for g in 0..<k where atRisk[g] > 0 {
                        let t4 = survival[g] > 0 ? 1 - (1 - pooled) / survival[g] : 1
                        let t5 = cause > 1 ? 1 - (d1 - 1) / (riskSum * survivalBefore[g] - 1) : 1
                        let t3 = t5 * survivalBefore[g] * d1 / (riskSum * Double(atRisk[g]))
                        v3[g] += t4 * t4 * t3
                        for i in 0..<m {
                            let t1 = a[i * k + g] - t4 * c[i * k + g]
                            v2[i * k + g] += t1 * t4 * t3
                            for j in 0...i {
                                let t2 = a[j * k + g] - t4 * c[j * k + g]
                                v[i * m + j] += t1 * t2 * t3
                            }
                        }
                    }
                }
                if other > 0 {
                    for g in 0..<k where survival[g] > 0 && count[2][g] > 0 {
                        let t4 = (1 - pooled) / survival[g]
                        let d2 = Double(count[2][g])
                        let r = Double(atRisk[g])
                        let t5 = count[2][g] > 1 ? 1 - (d2 - 1) / (r - 1) : 1
                        let t3 = t5 * survivalBefore[g] * survivalBefore[g] * d2 / (r * r)
                        v3[g] += t4 * t4 * t3
                        for i in 0..<m {
                            let t1 = t4 * c[i * k + g]
                            v2[i * k + g] -= t1 * t4 * t3
                            for j in 0...i {
                                let t2 = t4 * c[j * k + g]
                                v[i * m + j] += t1 * t2 * t3
                            }
                        }
                    }
                }
            }
            for g in leaving { atRisk[g] -= 1 }
            pooledBefore = pooled
            incidenceBefore = incidence
            survivalBefore = survival
        }
        // The terms carried by c: Σ_g c(i,g)c(j,g)v3(g) + c(i,g)v2(j,g) + c(j,g)v2(i,g).
        for i in 0..<m {
            for j in 0...i {
                var sum = v[i * m + j]
                for g in 0..<k {
                    sum += c[i * k + g] * c[j * k + g] * v3[g]
                    sum += c[i * k + g] * v2[j * k + g]
                    sum += c[j * k + g] * v2[i * k + g]
                }
                variance[i * m + j] += sum
                if i != j { variance[j * m + i] += sum }
            }
            scores[i] += s[i]
        }
    }
}
