import DayZeroStats
import DayZeroTestSupport
import Foundation
import Testing

@Suite struct EffectsTests {}

// E-values and risk differences: hand-worked values first, then the formulas as R computes
// them (Fixtures/effects/effects.R writes effects.json).

extension EffectsTests {
    /// VanderWeele & Ding's worked example: RR 3.9 (1.8–8.7) → E-value 3.9 + √(3.9·2.9) ≈ 7.26;
    /// the lower limit 1.8 gives 1.8 + √(1.8·0.8) = 1.8 + 1.2 = 3 exactly.
    @Test func vanderWeeleDingExample() throws {
        let e = try EValue.riskRatio(3.9, lower: 1.8, upper: 8.7)
        #expect(abs(e.eValue - (3.9 + (3.9 * 2.9).squareRoot())) < 1e-14)
        #expect(abs((e.eValueLimit ?? 0) - 3) < 1e-14)
    }

    /// RR = 1/4 inverts to 4: 4 + √12. An interval containing 1 gives a limit E-value of 1;
    /// a ratio of 1 gives 1. OR 9 (common outcome) → RR 3 → 3 + √6.
    @Test func inversionCrossingAndCommonOdds() throws {
        #expect(abs(try EValue.point(0.25) - (4 + 12.0.squareRoot())) < 1e-14)
        #expect(try EValue.riskRatio(0.25, lower: 0.1, upper: 1.2).eValueLimit == 1)
        #expect(try EValue.riskRatio(1, lower: 0.5, upper: 2).eValue == 1)
        let or = try EValue.oddsRatio(9, lower: 4, upper: 16, commonOutcome: true)
        #expect(or.riskRatio == 3)
        #expect(abs(or.eValue - (3 + 6.0.squareRoot())) < 1e-14)
        #expect(abs((or.eValueLimit ?? 0) - (2 + 2.0.squareRoot())) < 1e-14)
        // HR 1 maps to RR 1 under the common-outcome transform; the transform is symmetric:
        // HR → RR(HR) and 1/HR → 1/RR(HR).
        let h = try EValue.hazardRatio(2, lower: nil, upper: nil, commonOutcome: true, hasInterval: false)
        let hInv = try EValue.hazardRatio(0.5, lower: nil, upper: nil, commonOutcome: true, hasInterval: false)
        #expect(abs(h.riskRatio * hInv.riskRatio - 1) < 1e-14)
        #expect(h.eValueLimit == nil)
    }

    @Test func invalidInputIsATypedError() {
        #expect(throws: StatsError.self) { try EValue.point(0) }
        #expect(throws: StatsError.self) { try EValue.point(.infinity) }
        #expect(throws: StatsError.self) { try EValue.riskRatio(2, lower: 2.5, upper: 3) }
        #expect(throws: StatsError.self) { try EValue.standardizedMeanDifference(0.3, standardError: -1) }
        #expect(throws: StatsError.self) { try RiskDifference.newcombe(events1: 3, total1: 2, events2: 0, total2: 4) }
    }

    /// 7/21 vs 12/21: d = −5/21. Wilson for 0 of 10: lower 0, upper z²/(n + z²).
    @Test func riskDifferenceHandWorked() throws {
        let r = try RiskDifference.newcombe(events1: 7, total1: 21, events2: 12, total2: 21)
        #expect(abs(r.difference - (-5.0 / 21)) < 1e-15)
        let w = try RiskDifference.wilson(events: 0, total: 10)
        let z = NormalDistribution.quantile(0.975)
        #expect(w.lower == 0)
        #expect(abs((w.upper ?? 0) - z * z / (10 + z * z)) < 1e-15)
    }
}

private struct EffectsFixture: Decodable {
    struct EValueCase: Decodable {
        var measure: String
        var common: Bool
        var estimate: Double
        var lower: Double?
        var upper: Double?
        var se: Double?
        var rr: Double
        var rr_lower: Double?
        var rr_upper: Double?
        var evalue: Double
        var evalue_limit: Double
    }
    struct RDCase: Decodable {
        var x1: Int, n1: Int, x2: Int, n2: Int
        var difference: Double
        var wilson1: [Double]
        var wilson2: [Double]
        var lower: Double
        var upper: Double
    }
    var evalues: [EValueCase]
    var risk_differences: [RDCase]
}

extension EffectsTests {
    // Closed forms: agreement to rounding, asserted at 1e-12.
    @Test func matchesREValueFormulas() throws {
        let fixture = try loadFixture(EffectsFixture.self, "effects/effects.json")
        #expect(fixture.evalues.count == 15)
        for c in fixture.evalues {
            let label = "\(c.measure) \(c.estimate) common=\(c.common)"
            let e: EValueResult
            switch c.measure {
            case "rr": e = try EValue.riskRatio(c.estimate, lower: c.lower, upper: c.upper)
            case "or": e = try EValue.oddsRatio(c.estimate, lower: c.lower, upper: c.upper, commonOutcome: c.common)
            case "hr": e = try EValue.hazardRatio(c.estimate, lower: c.lower, upper: c.upper, commonOutcome: c.common)
            default: e = try EValue.standardizedMeanDifference(c.estimate, standardError: c.se ?? .nan)
            }
            expectClose(e.riskRatio, c.rr, tolerance: 1e-12, "\(label) rr")
            expectClose(e.riskRatioUpper, c.rr_upper, tolerance: 1e-12, "\(label) rr upper")
            expectClose(e.eValue, c.evalue, tolerance: 1e-12, "\(label) E")
            expectClose(e.eValueLimit, c.evalue_limit, tolerance: 1e-12, "\(label) E limit")
        }
    }

    @Test func matchesNewcombeFromPropTest() throws {
        let fixture = try loadFixture(EffectsFixture.self, "effects/effects.json")
        #expect(fixture.risk_differences.count == 5)
        for c in fixture.risk_differences {
            let label = "\(c.x1)/\(c.n1) vs \(c.x2)/\(c.n2)"
            let r = try RiskDifference.newcombe(events1: c.x1, total1: c.n1, events2: c.x2, total2: c.n2)
            expectClose(r.difference, c.difference, tolerance: 1e-14, "\(label) d")
            expectClose(r.wilson1.lower, c.wilson1[0], tolerance: 1e-12, "\(label) wilson1 lower")
            expectClose(r.wilson1.upper, c.wilson1[1], tolerance: 1e-12, "\(label) wilson1 upper")
            expectClose(r.wilson2.lower, c.wilson2[0], tolerance: 1e-12, "\(label) wilson2 lower")
            expectClose(r.wilson2.upper, c.wilson2[1], tolerance: 1e-12, "\(label) wilson2 upper")
            expectClose(r.confidenceInterval.lower, c.lower, tolerance: 1e-12, "\(label) lower")
            expectClose(r.confidenceInterval.upper, c.upper, tolerance: 1e-12, "\(label) upper")
        }
    }
}
