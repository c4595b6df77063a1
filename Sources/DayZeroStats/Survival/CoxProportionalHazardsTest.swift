#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The time scale g(t) of the proportional-hazards test (`cox.zph(transform =)`).
public enum CoxTimeTransform: String, Sendable, Hashable, Codable {
    /// 1 − S(t−), the left-continuous Kaplan–Meier of all observations (cox.zph's default).
    case km
    case identity
    /// Ranks of the times (average ranks for ties, as R's `rank`).
    case rank
    case log
}

/// The test of proportional hazards — the `table` of `survival::cox.zph` (survival ≥ 3.0).
public struct CoxPHTestResult: Sendable, Hashable, Codable {
    public var transform: CoxTimeTransform
    /// One row per covariate, in the model's order.
    public var terms: [Row]
    public var global: ChiSquareStatistic
    public var warnings: [StatsWarning]

    public struct Row: Sendable, Hashable, Codable {
        public var name: String
        public var test: ChiSquareStatistic
    }
}

/// The score test of proportional hazards of survival 3.x's `cox.zph` (Grambsch & Therneau
/// 1994, in the exact score form): augment the model with the time-varying terms xⱼ·g(t), with
/// g centred at its mean over the event times, and test their coefficients γ = 0 by the score
/// test at (β̂, γ = 0). With U = (0, U_γ) and the 2p × 2p information I of (β, γ) at that point,
/// the term j test is U′ I_{[β, γⱼ]}⁻¹ U on 1 df and the global test U′I⁻¹U on p df. Case
/// weights enter the score and information as in the fit; the KM time scale is unweighted,
/// as cox.zph computes it.
public enum CoxProportionalHazardsTest {
    /// - Parameters:
    ///   - fit: the model fitted to `data` (its coefficients and ties are used).
    /// - Throws: `StatsError` when `fit` does not match `data`, or a transform is undefined
    ///   (log of a zero time).
    public static func test(
        _ fit: CoxModelResult, data: CoxData, transform: CoxTimeTransform = .km
    ) throws -> CoxPHTestResult {
        let n = data.count, p = data.dimension
        guard fit.coefficients.count == p, fit.count == n else {
            throw StatsError("the fit has \(fit.coefficients.count) coefficients for \(fit.count) observations but the data have \(p) covariates and \(n) observations")
        }
        let g = try timeScale(data, transform)
        var eventMean = 0.0
        var events = 0
        for i in 0..<n where data.events[i] { eventMean += g[i]; events += 1 }
        eventMean /= Double(events)
        let gt = g.map { $0 - eventMean }
        let x = data.centredCovariates()
        let beta = fit.coefficients
        let m = 2 * p
        var u = [Double](repeating: 0, count: m)
        var imat = [Double](repeating: 0, count: m * m)
        var a = [Double](repeating: 0, count: p), a2 = [Double](repeating: 0, count: p)
        var cmat = [Double](repeating: 0, count: p * p), cmat2 = [Double](repeating: 0, count: p * p)
        for run in data.strataRuns() {
            var denom = 0.0
            for j in 0..<p { a[j] = 0 }
            for j in 0..<(p * p) { cmat[j] = 0 }
            var position = run.upperBound - 1
            while position >= run.lowerBound {
                let time = data.times[data.order[position]]
                let weightOfTime = gt[data.order[position]]
                var deaths = 0
                var deadWeight = 0.0
                var denom2 = 0.0
                for j in 0..<p { a2[j] = 0 }
                for j in 0..<(p * p) { cmat2[j] = 0 }
                while position >= run.lowerBound, data.times[data.order[position]] == time {
                    let i = data.order[position]
                    var eta = 0.0
                    for j in 0..<p { eta += beta[j] * x[i * p + j] }
                    let w = data.weights[i]
                    let risk = exp(eta) * w
                    if data.events[i] {
                        deaths += 1
                        deadWeight += w
                        denom2 += risk
                        for j in 0..<p {
                            let xj = x[i * p + j]
                            u[j] += w * xj
                            u[j + p] += weightOfTime * w * xj
                            a2[j] += risk * xj
                            for k in 0...j { cmat2[j * p + k] += risk * xj * x[i * p + k] }
                        }
                    } else {
                        denom += risk
                        for j in 0..<p {
                            let xj = x[i * p + j]
                            a[j] += risk * xj
                            for k in 0...j { cmat[j * p + k] += risk * xj * x[i * p + k] }
                        }
                    }
                    position -= 1
                }
                guard deaths > 0 else { continue }
                let steps = fit.ties == .breslow ? 1 : deaths
                let fraction = 1 / Double(steps)
                let weightPerStep = deadWeight / Double(steps)
                for _ in 0..<steps {
                    denom += denom2 * fraction
                    for j in 0..<p {
                        a[j] += a2[j] * fraction
                        let mean = a[j] / denom
                        u[j] -= weightPerStep * mean
                        u[j + p] -= weightOfTime * weightPerStep * mean
                        for k in 0...j {
                            cmat[j * p + k] += cmat2[j * p + k] * fraction
                            let term = weightPerStep * (cmat[j * p + k] - mean * a[k]) / denom
                            imat[k * m + j] += term
                            imat[k * m + j + p] += term * weightOfTime
                            imat[(k + p) * m + j + p] += term * weightOfTime * weightOfTime
                        }
                    }
                }
            }
        }
        // Fill the symmetric 2p × 2p matrix from the upper blocks written above.
        for j in 0..<p {
            for k in 0..<j {
                imat[j * m + k] = imat[k * m + j]
                imat[j * m + k + p] = imat[k * m + j + p]
                imat[(j + p) * m + k + p] = imat[(k + p) * m + j + p]
            }
        }
        for j in 0..<p {
            for k in 0..<p { imat[(j + p) * m + k] = imat[k * m + j + p] }
        }
        var warnings: [StatsWarning] = []
        func quadratic(_ indices: [Int]) -> Double {
            let size = indices.count
            var sub = [Double](repeating: 0, count: size * size)
            var vector = [Double](repeating: 0, count: size)
            for (r, a) in indices.enumerated() {
                vector[r] = a >= p ? u[a] : 0
                for (c, b) in indices.enumerated() { sub[r * size + c] = imat[a * m + b] }
            }
            let factor = CholeskyDecomposition(symmetric: sub, dimension: size, relativeTolerance: pow(Double.ulpOfOne, 0.75))
            if factor.rank < size, !warnings.contains(where: { $0.code == "singular-information" }) {
                warnings.append(StatsWarning(code: "singular-information", message: "the information of the time-varying terms is singular; the tests use a generalized inverse"))
            }
            let solved = factor.solve(vector)
            var total = 0.0
            for r in 0..<size { total += solved[r] * vector[r] }
            return total
        }
        let rows = (0..<p).map { j in
            CoxPHTestResult.Row(name: data.names[j], test: ChiSquareStatistic(chiSquared: quadratic(Array(0..<p) + [p + j]), degreesOfFreedom: 1))
        }
        let global = ChiSquareStatistic(chiSquared: quadratic(Array(0..<m)), degreesOfFreedom: p)
        return CoxPHTestResult(transform: transform, terms: rows, global: global, warnings: warnings)
    }

    /// g(tᵢ) for every observation.
    static func timeScale(_ data: CoxData, _ transform: CoxTimeTransform) throws -> [Double] {
        let times = data.times
        switch transform {
        case .identity:
            return times
        case .log:
            for (i, t) in times.enumerated() where !(t > 0) {
                throw StatsError("times[\(i)] is \(t); the log time scale needs times > 0")
            }
            return times.map { log($0) }
        case .rank:
            let order = times.indices.sorted { times[$0] < times[$1] }
            var ranks = [Double](repeating: 0, count: times.count)
            var start = 0
            while start < order.count {
                var end = start
                while end + 1 < order.count, times[order[end + 1]] == times[order[start]] { end += 1 }
                let average = Double(start + end + 2) / 2
                for q in start...end { ranks[order[q]] = average }
                start = end + 1
            }
            return ranks
        case .km:
            // Unweighted Kaplan–Meier of all observations; 1 − S(t−) at each time.
            let order = times.indices.sorted { times[$0] < times[$1] }
            var result = [Double](repeating: 0, count: times.count)
            var survival = 1.0
            var atRisk = times.count
            var start = 0
            while start < order.count {
                var end = start
                var deaths = 0
                while end < order.count, times[order[end]] == times[order[start]] {
                    if data.events[order[end]] { deaths += 1 }
                    end += 1
                }
                for q in start..<end { result[order[q]] = 1 - survival }
                survival *= 1 - Double(deaths) / Double(atRisk)
                atRisk -= end - start
                start = end
            }
            return result
        }
    }
}
