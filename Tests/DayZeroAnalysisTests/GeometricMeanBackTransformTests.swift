@testable import DayZeroAnalysis
import DayZeroCohort
import DayZeroSynth
import Foundation
import Testing

/// The back-transform of a day's mean under log(x + c): exp(m) − c written as c·expm1(m − log c).
@Suite struct GeometricMeanBackTransformTests {
    static let cohort = try? CohortDerivation.derive(SyntheticCohort.default, protocol: .paperDefault)

    func workup() throws -> Workup {
        Workup(study: SyntheticCohort.default, cohort: try #require(Self.cohort))
    }

    /// Norepinephrine's rule: log(x + 0.01).
    let rule = ParameterRule(name: "norepinephrine", unit: "µg/kg/min", aggregation: .max, transform: .log, zeroRule: .addConstant(0.01))

    @Test func aDayOnWhichEveryValueIsZeroHasMeanAndLimitsExactlyZero() throws {
        // Seven zeros: y = log(0 + 0.01) seven times. The plain sum/7 of log(0.01) is not
        // log(0.01) to the last bit, and exp(·) − 0.01 printed as −1.4e-17 before.
        let y = Array(repeating: log(0.01), count: 7)
        let plain = y.reduce(0, +) / 7
        #expect(exp(plain) - 0.01 != 0, "the case the fix is for: the naive path is not exactly 0")
        let s = try workup().dayStatistic(day: 3, group: .treated, logValues: y, rule: rule)
        #expect(s.n == 7)
        #expect(s.geometricMean == 0 && s.lower == 0 && s.upper == 0)
        #expect(s.geometricMean?.sign == .plus)
        // One patient with 0: n = 1, no interval.
        let one = try workup().dayStatistic(day: 3, group: .control, logValues: [log(0.01)], rule: rule)
        #expect(one.geometricMean == 0 && one.lower == nil && one.upper == nil)
    }

    @Test func handWorkedValuesUnderLogXPlusC() throws {
        // x = 0.09 and 0.39: y = log 0.1 and log 0.4, mean = log 0.2 → 0.2 − 0.01 = 0.19.
        let s = try workup().dayStatistic(day: 0, group: .treated, logValues: [log(0.4), log(0.1)], rule: rule)
        let gm = try #require(s.geometricMean)
        #expect(abs(gm - 0.19) < 1e-15)
        // The interval: mean ± t(0.975, 1)·s/√2 with s = |log 4|/√2, so ± 12.7062047361747 · log(4) / 2.
        let half = 12.706204736174707 * log(4.0) / 2
        let lower = try #require(s.lower), upper = try #require(s.upper)
        #expect(abs(lower - (0.2 * exp(-half) - 0.01)) < 1e-12)
        #expect(abs(upper - (0.2 * exp(half) - 0.01)) < 1e-6 * (0.2 * exp(half)))
    }

    @Test func expMinusIsExactAtTheConstantAndAgreesElsewhere() {
        #expect(Workup.expMinus(log(0.01), 0.01) == 0)
        #expect(Workup.expMinus(log(1.0), 1) == 0)
        for (m, c) in [(0.0, 1.0), (1.5, 0.01), (-3.0, 0.5), (2.0, 1.0)] {
            let naive = exp(m) - c
            #expect(abs(Workup.expMinus(m, c) - naive) <= 1e-14 * max(1, abs(naive)))
        }
        // Without a positive constant it is plain exp(m) − c.
        #expect(Workup.expMinus(0, 0) == 1)
    }
}
