import DayZeroStats
import DayZeroTestSupport
import Foundation
import Testing

@Suite struct CoxRegressionTests {}

// Cox proportional hazards: hand-worked cases with closed forms first, then parity with
// survival::coxph / cox.zph (Fixtures/cox/cox.R writes cox.json), then degenerate input.

extension CoxRegressionTests {
    /// Two groups, one event time: at t = 1 all n = a + b are at risk, d_a events in group a
    /// (x = 1), d_b in group b (x = 0), nobody else has an event. Breslow: ℓ(β) = d_a β − d
    /// log(a e^β + b), so U = d_a − d·a e^β/(a e^β + b) = 0 gives e^β̂ = d_a b/(d_b a).
    /// With a = 4, b = 6, d_a = 2, d_b = 1: e^β̂ = 2·6/(1·4) = 3. The information at β̂ is
    /// d·a e^β b/(a e^β + b)² = 3·12·6/18² = 2/3, so se(β̂) = √(3/2).
    /// At β = 0: U = 2 − 3·4/10 = 4/5 and I = 3·24/100 = 18/25, so the score test is
    /// (16/25)/(18/25) = 8/9.
    @Test func breslowClosedFormOneEventTime() throws {
        // Unsorted input; the censored observations at later times do not enter the risk sets
        // of the single event time except as members (they are all at risk at t = 1).
        let times: [Double] = [5, 1, 3, 1, 2, 1, 4, 6, 7, 8]
        let events = [false, true, false, true, false, true, false, false, false, false]
        let x: [Double] = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
        let data = try CoxData(times: times, events: events, covariates: x.map { [$0] }, names: ["a"])
        let fit = try CoxRegression.fit(data, ties: .breslow)
        #expect(abs(fit.hazardRatio(0) - 3) < 1e-6)
        #expect(abs(fit.standardErrors[0] - (1.5).squareRoot()) < 1e-6)
        #expect(abs(fit.scoreTest.chiSquared - 8.0 / 9.0) < 1e-12)
        #expect(fit.converged)
        #expect(fit.warnings.isEmpty)
        // Log-likelihood at 0: 2·0 − 3 log 10 (all weights 1).
        #expect(abs(fit.logLikelihoodNull - (-3 * log(10.0))) < 1e-12)
    }

    /// Efron with the same data: the three tied deaths enter as (r = 0, 1, 2) sub-steps with
    /// denominators S − (r/3)·S_D, S = 4e^β + 6, S_D = 2e^β + 1. At β = 0: S = 10, S_D = 3,
    /// ℓ(0) = −log 10 − log 9 − log 8 = −log 720.
    @Test func efronLogLikelihoodAtZero() throws {
        let times: [Double] = [5, 1, 3, 1, 2, 1, 4, 6, 7, 8]
        let events = [false, true, false, true, false, true, false, false, false, false]
        let x: [Double] = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
        let data = try CoxData(times: times, events: events, covariates: x.map { [$0] }, names: ["a"])
        let fit = try CoxRegression.fit(data)
        #expect(abs(fit.logLikelihoodNull - (-log(720.0))) < 1e-12)
        // Score at 0: Σ x_death − Σ_r (a_r/S_r) with a_r = 4 − (r/3)·2: 2 − (4/10 + (10/3)/9 + (8/3)/8).
        let u = 2 - (0.4 + (10.0 / 3) / 9 + (8.0 / 3) / 8)
        // Information at 0: Σ_r (a_r/S_r)(1 − a_r/S_r) (binary x).
        let means = [0.4, (10.0 / 3) / 9, (8.0 / 3) / 8]
        let information = means.reduce(0) { $0 + $1 * (1 - $1) }
        #expect(abs(fit.scoreTest.chiSquared - u * u / information) < 1e-12)
    }

    @Test func degenerateInputIsATypedError() throws {
        let none = try CoxData(times: [1, 2, 3], events: [false, false, false], covariates: [[0], [1], [0]], names: ["x"])
        #expect(throws: StatsError.self) { try CoxRegression.fit(none) }
        let constant = try CoxData(times: [1, 2, 3], events: [true, true, false], covariates: [[1], [1], [1]], names: ["x"])
        #expect(throws: StatsError.self) { try CoxRegression.fit(constant) }
        #expect(throws: StatsError.self) {
            try CoxData(times: [1, .nan], events: [true, true], covariates: [[0], [1]], names: ["x"])
        }
        #expect(throws: StatsError.self) {
            try CoxData(times: [1, 2], events: [true, true], covariates: [[0], [.nan]], names: ["x"])
        }
        #expect(throws: StatsError.self) {
            try CoxData(times: [1, 2], events: [true, true], covariates: [[0], [1]], names: ["x"], weights: [1, 0])
        }
        #expect(throws: StatsError.self) {
            try CoxData(times: [1, 2], events: [true], covariates: [[0], [1]], names: ["x"])
        }
    }
}

// MARK: - R parity

struct CoxFixtures: Decodable {
    var survival_version: String
    var cases: [CoxCase]
}

struct CoxCase: Decodable {
    var name: String
    var ties: String
    var names: [String]
    var time: [Double]
    var status: [Int]
    var x: [[Double]]
    var weights: [Double]?
    var cluster: [String]?
    var strata: [String]?
    var robust: Bool
    var n: Int
    var nevent: Int
    var coef: [Double]
    var se: [Double?]
    var `var`: [Double?]
    var robust_se: [Double?]?
    var loglik: [Double]
    var iter: Int
    var wald: Double
    var wald_p: Double
    var score: Double
    var score_p: Double
    var lr: Double
    var lr_p: Double
    var robust_score: Double?
    var z: [Double?]
    var z_p: [Double?]
    var lower: [Double?]
    var upper: [Double?]
    var zph_chisq: [Double?]
    var zph_p: [Double?]
    var zph_global: Double?
    var zph_global_p: Double?
    var warnings: [String]
}

let coxCaseNames: [String] = {
    var names = [
        "lung_efron", "lung_breslow", "lung_sex", "lung_robust", "lung_cluster_inst", "lung_strata", "ovarian",
        "veteran_efron", "veteran_breslow",
    ]
    for k in 1...6 {
        let ties = k % 2 == 0 ? "breslow" : "efron"
        names += ["random\(k)_\(ties)", "random\(k)_weights", "random\(k)_cluster", "random\(k)_weights_cluster"]
    }
    return names + ["pairs_cluster", "no_events_treated"]
}()

func coxFixtures() throws -> CoxFixtures {
    try loadFixture(CoxFixtures.self, "cox/cox.json")
}

extension CoxRegressionTests {
    @Test func fixtureHoldsEveryCoxCase() throws {
        let fixtures = try coxFixtures()
        #expect(fixtures.cases.map(\.name) == coxCaseNames)
        #expect(fixtures.cases.count == 35)
    }

    // The fit retraces coxfit6's iterations from β = 0, so β̂ agrees with coxph's to rounding
    // (checked: ≤ 1e-12 relative); asserted at 1e-8 for coefficients, variances, tests and
    // cox.zph. The infinite-coefficient case is compared only for its flags and the
    // iteration count (its β̂ ≈ −20 is where the iterations stopped, not an estimate).
    @Test(arguments: coxCaseNames)
    func matchesCoxph(caseName: String) throws {
        let fixture = try #require(try coxFixtures().cases.first { $0.name == caseName })
        let data = try CoxData(
            times: fixture.time, events: fixture.status.map { $0 == 1 }, covariates: fixture.x, names: fixture.names,
            weights: fixture.weights, strata: fixture.strata, clusters: fixture.cluster)
        let ties: CoxTies = fixture.ties == "breslow" ? .breslow : .efron
        let fit = try CoxRegression.fit(data, ties: ties, robust: fixture.robust)
        let p = fixture.names.count
        #expect(fit.coefficients.count == p && fixture.coef.count == p)
        #expect(fit.count == fixture.n && fit.eventCount == fixture.nevent, "\(caseName): n, events")
        #expect(fit.iterations == fixture.iter, "\(caseName): iterations \(fit.iterations) vs \(fixture.iter)")
        let tol = 1e-8
        if caseName == "no_events_treated" {
            #expect(fit.infinite == [true])
            #expect(fit.warnings.contains { $0.code == "infinite-coefficient" })
            #expect(fixture.warnings.contains { $0.contains("coefficient may be infinite") })
            expectClose(fit.coefficients[0], fixture.coef[0], tolerance: 1e-6, "\(caseName) coef")
            return
        }
        #expect(fit.infinite == [Bool](repeating: false, count: p))
        #expect(fit.warnings.isEmpty, "\(caseName): \(fit.warnings)")
        for j in 0..<p {
            let label = "\(caseName) \(fixture.names[j])"
            expectClose(fit.coefficients[j], fixture.coef[j], tolerance: tol, "\(label) coef")
            expectClose(fit.standardErrors[j], fixture.se[j], tolerance: tol, "\(label) se")
            if let robust = fixture.robust_se {
                expectClose(fit.robustStandardErrors?[j], robust[j], tolerance: tol, "\(label) robust se")
            }
            expectClose(fit.z(j), fixture.z[j], tolerance: tol, "\(label) z")
            expectClose(fit.waldP(j), fixture.z_p[j], tolerance: tol, "\(label) p")
            let ci = fit.hazardRatioInterval(j)
            expectClose(ci.lower, fixture.lower[j], tolerance: tol, "\(label) lower")
            expectClose(ci.upper, fixture.upper[j], tolerance: tol, "\(label) upper")
        }
        #expect(fit.variance.count == fixture.var.count)
        for (a, b) in zip(fit.variance, fixture.var) { expectClose(a, b, tolerance: tol, "\(caseName) var") }
        expectClose(fit.logLikelihoodNull, fixture.loglik[0], tolerance: 1e-12, "\(caseName) loglik0")
        expectClose(fit.logLikelihood, fixture.loglik[1], tolerance: 1e-12, "\(caseName) loglik")
        expectClose(fit.scoreTest.chiSquared, fixture.score, tolerance: tol, "\(caseName) score")
        expectClose(fit.scoreTest.pValue, fixture.score_p, tolerance: tol, "\(caseName) score p")
        expectClose(fit.likelihoodRatioTest.chiSquared, fixture.lr, tolerance: 1e-7, "\(caseName) LR")
        expectClose(fit.likelihoodRatioTest.pValue, fixture.lr_p, tolerance: 1e-6, "\(caseName) LR p")
        let wald = fixture.robust ? fit.robustWaldTest : fit.waldTest
        expectClose(wald?.chiSquared, fixture.wald, tolerance: tol, "\(caseName) wald")
        expectClose(wald?.pValue, fixture.wald_p, tolerance: tol, "\(caseName) wald p")
        expectClose(fit.robustScoreTest?.chiSquared, fixture.robust_score, tolerance: tol, "\(caseName) robust score")

        let zph = try CoxProportionalHazardsTest.test(fit, data: data)
        #expect(zph.terms.count == p && fixture.zph_chisq.count == p)
        for (row, (chisq, pz)) in zip(zph.terms, zip(fixture.zph_chisq, fixture.zph_p)) {
            expectClose(row.test.chiSquared, chisq, tolerance: tol, "\(caseName) zph \(row.name)")
            expectClose(row.test.pValue, pz, tolerance: tol, "\(caseName) zph p \(row.name)")
        }
        expectClose(zph.global.chiSquared, fixture.zph_global, tolerance: tol, "\(caseName) zph global")
        expectClose(zph.global.pValue, fixture.zph_global_p, tolerance: tol, "\(caseName) zph global p")
    }
}
