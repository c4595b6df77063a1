import Foundation
import Testing
import DayZeroTestSupport
@testable import DayZeroStats

// Descriptive statistics: hand-worked cases, then R parity against
// Fixtures/descriptive/descriptive.json (descriptive.R).

private struct DescriptiveFixture: Decodable {
    struct QuantileCase: Decodable {
        let name: String
        let x: [Double?]
        let probs: [Double]
        let quantiles: [Double]
        let n: Int
        let missing: Int
    }
    struct GeometricCase: Decodable {
        let name: String
        let x: [Double?]
        let conf_level: Double
        let estimate: Double
        let lower: Double
        let upper: Double
        let log_mean: Double
        let log_sd: Double
        let n: Int
        let missing: Int
    }
    struct ProportionCase: Decodable {
        let count: Int
        let total: Int
        let correct: Bool
        let conf_level: Double
        let lower: Double
        let upper: Double
    }
    let quantiles: [QuantileCase]
    let geometric: [GeometricCase]
    let proportions: [ProportionCase]
}

private func fixture() throws -> DescriptiveFixture {
    try loadFixture(DescriptiveFixture.self, "descriptive/descriptive.json")
}

@Test func quantilesHandWorked() throws {
    // Unsorted with a missing value: sorted 1, 3, 4, 7, 10 (n = 5). Type 7: h = 1 + 4p.
    // p = .25 → h = 2 → 3; p = .1 → h = 1.4 → 1 + .4·(3 − 1) = 1.8; p = .9 → h = 4.6 → 7 + .6·3 = 8.8.
    let result = try Quantiles.type7([7, 1, nil, 3, 10, 4], probabilities: [0.25, 0.1, 0.9, 0.5])
    expectClose(result.values[0], 3, tolerance: 1e-15, "Q(.25)")
    expectClose(result.values[1], 1.8, tolerance: 1e-15, "Q(.1)")
    expectClose(result.values[2], 8.8, tolerance: 1e-15, "Q(.9)")
    expectClose(result.values[3], 4, tolerance: 1e-15, "Q(.5)")
    #expect(result.n == 5 && result.missing == 1)
    let summary = try MedianIQR([7, 1, .nan, 3, 10, 4])
    #expect(summary.median == 4 && summary.lowerQuartile == 3 && summary.upperQuartile == 7)
    #expect(summary.interquartileRange == 4 && summary.missing == 1)
    #expect(throws: StatsError.self) { try MedianIQR([nil, .nan]) }
    #expect(throws: StatsError.self) { try Quantiles.type7([1, 2], probabilities: [1.5]) }
    #expect(throws: StatsError.self) { try Quantiles.type7([1, .infinity], probabilities: [0.5]) }
}

@Test func geometricMeanHandWorked() throws {
    // GM(1, 10, 100) = 10 exactly in logs: mean ln = ln 10.
    let gm = try GeometricMean([100, 1, nil, 10])
    expectClose(gm.estimate, 10, tolerance: 1e-14, "GM")
    #expect(gm.n == 3 && gm.missing == 1 && gm.warnings.isEmpty)
    // Non-positive values are excluded with a warning, counted.
    let withZero = try GeometricMean([0, -2, 4, 16])
    expectClose(withZero.estimate, 8, tolerance: 1e-14, "GM(4, 16)")
    #expect(withZero.nonPositive == 2)
    #expect(hasWarning(withZero.warnings, "non-positive-values"))
    // One value: the value itself, no interval.
    let single = try GeometricMean([5])
    expectClose(single.estimate, 5, tolerance: 1e-15, "GM(5)")
    #expect(single.lower == nil && single.upper == nil)
    #expect(hasWarning(single.warnings, "single-observation"))
    // All equal: the interval is the point.
    let constant = try GeometricMean([3, 3, 3])
    expectClose(constant.lower, 3, tolerance: 1e-14, "constant lower")
    #expect(hasWarning(constant.warnings, "zero-variance"))
    #expect(throws: StatsError.self) { try GeometricMean([0, -1, nil]) }
}

@Test func proportionHandWorked() throws {
    let p = Proportion([true, false, nil, true, true])
    #expect(p.count == 3 && p.total == 4 && p.missing == 1)
    #expect(p.fraction == 0.75 && p.percent == 75)
    #expect(Proportion([nil]).fraction == nil)
    #expect(throws: StatsError.self) { try Proportion(count: 5, total: 4) }
    // Without continuity correction and z fixed, the Wilson bounds for 0/n are 0 and z²/(n + z²).
    let zero = try Proportion(count: 0, total: 10).wilsonInterval(continuityCorrection: false)
    let z = NormalDistribution.quantile(0.975)
    #expect(zero?.lower == 0)
    expectClose(zero?.upper, z * z / (10 + z * z), tolerance: 1e-14, "Wilson upper for 0/10")
}

@Test func quantilesMatchR() throws {
    for c in try fixture().quantiles {
        let result = try Quantiles.type7(c.x, probabilities: c.probs)
        #expect(result.n == c.n && result.missing == c.missing, "\(c.name): counts")
        for (index, p) in c.probs.enumerated() {
            // Same arithmetic as R: equal to the last bit, allow 1 ulp-ish.
            expectClose(result.values[index], c.quantiles[index], tolerance: 1e-15, "\(c.name) Q(\(p))")
        }
    }
}

@Test func geometricMeanMatchesR() throws {
    for c in try fixture().geometric {
        let gm = try GeometricMean(c.x, confidenceLevel: c.conf_level)
        #expect(gm.n == c.n && gm.missing == c.missing, "\(c.name): counts")
        // Closed form over exp/log/mean/sd and qt (R's qt ~1e-14): 1e-12.
        expectClose(gm.estimate, c.estimate, tolerance: 1e-12, "\(c.name) GM")
        expectClose(gm.lower, c.lower, tolerance: 1e-12, "\(c.name) lower")
        expectClose(gm.upper, c.upper, tolerance: 1e-12, "\(c.name) upper")
        expectClose(gm.logMean, c.log_mean, tolerance: 1e-12, "\(c.name) mean ln")
        expectClose(gm.logStandardDeviation, c.log_sd, tolerance: 1e-12, "\(c.name) sd ln")
    }
}

@Test func wilsonIntervalMatchesRPropTest() throws {
    for c in try fixture().proportions {
        let interval = try Proportion(count: c.count, total: c.total)
            .wilsonInterval(confidenceLevel: c.conf_level, continuityCorrection: c.correct)
        let label = "prop.test(\(c.count), \(c.total), correct = \(c.correct), conf = \(c.conf_level))"
        expectClose(interval?.lower, c.lower, tolerance: 1e-13, "\(label) lower")
        expectClose(interval?.upper, c.upper, tolerance: 1e-13, "\(label) upper")
    }
}
