#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How tied event times enter the Cox partial likelihood (`coxph(ties =)`).
public enum CoxTies: String, Sendable, Hashable, Codable {
    /// Efron's approximation, `survival::coxph`'s default.
    case efron
    /// Breslow's approximation.
    case breslow
}

/// Validated right-censored data for a Cox model: times, event indicators, a covariate matrix
/// and optional case weights, strata and clusters. Built once, shared by `CoxRegression.fit`
/// and `CoxProportionalHazardsTest.test`.
///
/// Missing values are refused with the index named, as in `KaplanMeier`; times equal up to
/// floating-point noise are merged as survival's `aeqSurv` does (`coxph.control(timefix =
/// TRUE)`).
public struct CoxData: Sendable {
    public let names: [String]
    /// Observations.
    public let count: Int
    /// Covariates.
    public let dimension: Int
    /// Times after survival's `timefix` merge of near-ties.
    let times: [Double]
    let events: [Bool]
    /// Row-major n × p covariates as given (not centred).
    let covariates: [Double]
    let weights: [Double]
    /// Stratum index per observation (0 when there are no strata).
    let strata: [Int]
    /// Cluster index per observation in order of first appearance, or nil.
    let clusters: [Int]?
    let clusterCount: Int
    /// Observation indices sorted by stratum, then time.
    let order: [Int]

    /// - Parameters:
    ///   - covariates: one row per observation, each of `names.count` values.
    ///   - weights: case weights (`coxph(weights =)`), each > 0; nil for 1.
    ///   - strata: stratum labels (`strata()` term); nil for one stratum.
    ///   - clusters: cluster labels (`cluster()` term) for the cluster-robust variance; nil to
    ///     treat every observation as its own cluster when a robust variance is asked for.
    /// - Throws: `StatsError` for empty or mismatched input, a missing or non-finite value,
    ///   a negative time or a weight ≤ 0 (R: "Invalid weights, must be >0").
    public init(
        times: [Double], events: [Bool], covariates: [[Double]], names: [String],
        weights: [Double]? = nil, strata: [String]? = nil, clusters: [String]? = nil
    ) throws {
        try SurvivalInput.validate(times: times, events: events)
        let n = times.count
        let p = names.count
        guard p >= 1 else { throw StatsError("names is empty; a Cox model needs at least one covariate") }
        guard covariates.count == n else {
            throw StatsError("covariates has \(covariates.count) rows but times has \(n); they must have the same length")
        }
        var x = [Double](repeating: 0, count: n * p)
        for (i, row) in covariates.enumerated() {
            guard row.count == p else {
                throw StatsError("covariates[\(i)] has \(row.count) values but there are \(p) names \(names)")
            }
            for (j, value) in row.enumerated() {
                if value.isNaN {
                    throw StatsError("covariates[\(i)][\(j)] (\(names[j])) is missing (NaN); drop incomplete observations before the Cox model and report how many were dropped")
                }
                guard value.isFinite else { throw StatsError("covariates[\(i)][\(j)] (\(names[j])) is \(value); covariates must be finite") }
                x[i * p + j] = value
            }
        }
        if let weights {
            guard weights.count == n else {
                throw StatsError("weights has \(weights.count) values but times has \(n); they must have the same length")
            }
            for (i, w) in weights.enumerated() where !(w > 0 && w.isFinite) {
                throw StatsError("weights[\(i)] is \(w); case weights must be finite and > 0")
            }
        }
        if let strata, strata.count != n {
            throw StatsError("strata has \(strata.count) values but times has \(n); they must have the same length")
        }
        if let clusters, clusters.count != n {
            throw StatsError("clusters has \(clusters.count) values but times has \(n); they must have the same length")
        }
        self.names = names
        count = n
        dimension = p
        self.times = SurvivalInput.mergingNearTies(times)
        self.events = events
        self.covariates = x
        self.weights = weights ?? [Double](repeating: 1, count: n)
        // Strata numbered in sorted label order (R's factor order), clusters by first appearance
        // (coxph's match(cluster, unique(cluster))).
        if let strata {
            let levels = Array(Set(strata)).sorted()
            var position: [String: Int] = [:]
            for (index, level) in levels.enumerated() { position[level] = index }
            self.strata = strata.map { position[$0] ?? 0 }
        } else {
            self.strata = [Int](repeating: 0, count: n)
        }
        if let clusters {
            var position: [String: Int] = [:]
            var indices: [Int] = []
            indices.reserveCapacity(n)
            for label in clusters {
                if let existing = position[label] {
                    indices.append(existing)
                } else {
                    position[label] = position.count
                    indices.append(position.count - 1)
                }
            }
            self.clusters = indices
            clusterCount = position.count
        } else {
            self.clusters = nil
            clusterCount = n
        }
        let fixed = self.times
        let stratum = self.strata
        order = (0..<n).sorted { a, b in
            stratum[a] != stratum[b] ? stratum[a] < stratum[b] : (fixed[a] != fixed[b] ? fixed[a] < fixed[b] : a < b)
        }
    }

    /// Number of observations with the event.
    public var eventCount: Int { events.count(where: { $0 }) }

    /// Covariates centred at their weighted means (coxph centres before fitting; the partial
    /// likelihood, its derivatives and the residuals do not change).
    func centredCovariates() -> [Double] {
        let n = count, p = dimension
        var totalWeight = 0.0
        for w in weights { totalWeight += w }
        var x = covariates
        for j in 0..<p {
            var mean = 0.0
            for i in 0..<n { mean += weights[i] * x[i * p + j] }
            mean /= totalWeight
            for i in 0..<n { x[i * p + j] -= mean }
        }
        return x
    }

    /// Runs of `order` that share a stratum, as ranges of positions in `order`.
    func strataRuns() -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        for position in 1...count where position == count || strata[order[position]] != strata[order[start]] {
            runs.append(start..<position)
            start = position
        }
        return runs
    }
}
