import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStats

// Continuous time in the kinetics mixed model: R's natural cubic spline basis (splines::ns) and
// the type III F test of time × group in y ~ time * group + (1 | id) and
// y ~ ns(time, knots, Boundary.knots) * group + (1 | id), against
// Fixtures/mixed-model/continuous_time.R (lme4 + lmerTest).
//
// Tolerances: the basis is a closed form (B-splines and two Householder reflections) → 1e-12
// absolute (its entries lie in [-1, 1] inside the boundary, up to ~3 when extrapolated).
// The model is an iterative REML fit: lme4's BOBYQA stops ~1e-8 (relative) from the optimum in
// θ and lmerTest's derivatives are finite differences (docs/methods/mixed-model.md), so
// estimates, F, DenDF and p are compared at 1e-6 relative, as the other mixed-model fixtures.

private struct ContinuousTimeFixture: Decodable {
    struct Basis: Decodable {
        var name: String
        var x: [Double]
        var knots: [Double]
        var boundary: [Double]
        var basis: [[Double]]
    }
    struct Coefficient: Decodable {
        var name: String
        var estimate: Double
        var se: Double
        var df: Double
        var p: Double
    }
    struct Interaction: Decodable {
        var term: String
        var numDF: Double
        var denDF: Double
        var F: Double
        var p: Double
        var hypothesis: [[Double]]
    }
    struct Data: Decodable {
        var id: [String]
        var time: [Double]
        var group: [String]
        var y: [Double]
    }
    struct Model: Decodable {
        var name: String
        var timeModel: String
        var knots: [Double]
        var boundary: [Double]?
        var data: Data
        var coefficients: [Coefficient]
        var sigma2: Double
        var theta: [Double]
        var interaction: Interaction
    }
    var bases: [Basis]
    var models: [Model]
}

private func load() throws -> ContinuousTimeFixture {
    try loadFixture(ContinuousTimeFixture.self, "mixed-model/continuous_time.json")
}

private func expectRelative(_ a: Double, _ e: Double, _ tol: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(isClose(a, e, tolerance: tol), "\(what): \(a) vs R \(e) (relative error \(relativeError(a, e)))", sourceLocation: sourceLocation)
}

@Suite("Continuous time: ns basis and time × group tests vs R")
struct ContinuousTimeTests {
    /// A hand-worked check first: without interior knots ns is one column. The cubic Bernstein
    /// basis B₀…B₃ of u = (x − a)/(b − a) without B₀ has second derivatives (−12, 6, 0) at a and
    /// (6, −12, 6) at b (÷ (b − a)²); their null space is (1, 2, 3)/√14, so
    /// ns(x) = (B₁ + 2B₂ + 3B₃)/√14 = 3u/√14 — a line, continued linearly outside [a, b].
    @Test func noKnotBasisIsALine() throws {
        let s = try NaturalCubicSpline(knots: [], boundary: (2, 6))
        #expect(s.columnCount == 1)
        for x in [2.0, 3.0, 4.0, 5.5, 6.0, 8.0, 0.0] {
            let expected = 3 * ((x - 2) / 4) / 14.0.squareRoot()
            #expect(abs(s.basis(x)[0] - expected) < 1e-14, "ns(\(x)) = \(s.basis(x)[0]), expected \(expected)")
        }
    }

    @Test func knotsAreValidated() {
        #expect(throws: StatsError.self) { try NaturalCubicSpline(knots: [7], boundary: (0, 6)) }
        #expect(throws: StatsError.self) { try NaturalCubicSpline(knots: [3, 3], boundary: (0, 6)) }
        #expect(throws: StatsError.self) { try NaturalCubicSpline(knots: [], boundary: (6, 6)) }
    }

    @Test func basisMatchesSplinesNs() throws {
        let fixture = try load()
        #expect(fixture.bases.count == 5)
        var compared = 0
        for c in fixture.bases {
            let s = try NaturalCubicSpline(knots: c.knots, boundary: (c.boundary[0], c.boundary[1]))
            #expect(c.x.count == c.basis.count)
            for (x, expected) in zip(c.x, c.basis) {
                let row = s.basis(x)
                #expect(row.count == expected.count, "\(c.name): columns")
                for (a, e) in zip(row, expected) {
                    #expect(abs(a - e) <= 1e-12, "\(c.name): ns(\(x)) entry \(a) vs R \(e)")
                    compared += 1
                }
            }
        }
        #expect(compared == 30 + 6 + 14 + 32 + 90)
    }

    @Test func interactionTestsMatchLmerTest() throws {
        let fixture = try load()
        #expect(fixture.models.count == 9)
        for m in fixture.models {
            let basis: ContinuousTimeBasis
            if m.timeModel == "linear" {
                basis = .linear
            } else {
                let b = try #require(m.boundary)
                basis = .spline(try NaturalCubicSpline(knots: m.knots, boundary: (b[0], b[1])))
            }
            let result = try LinearMixedModel.continuousTimeInteraction(
                response: m.data.y, time: m.data.time, treated: m.data.group.map { $0 == "treated" }, subjects: m.data.id, basis: basis)
            let fit = result.fit
            // Coefficients in R's order; names differ only in how the basis columns are spelled.
            #expect(fit.coefficients.count == m.coefficients.count, "\(m.name): coefficient count")
            for (a, e) in zip(fit.coefficients, m.coefficients) {
                expectRelative(a.estimate, e.estimate, 1e-6, "\(m.name) \(e.name) estimate")
                expectRelative(a.standardError, e.se, 1e-6, "\(m.name) \(e.name) SE")
                expectRelative(a.degreesOfFreedom, e.df, 1e-6, "\(m.name) \(e.name) df")
                // Far in the tail p magnifies its t's error ~ν-fold: compared on ln p (as mixed_model.json).
                if e.p < 1e-10 {
                    expectRelative(log(a.pValue), log(e.p), 1e-6, "\(m.name) \(e.name) ln p")
                } else {
                    expectRelative(a.pValue, e.p, 1e-6, "\(m.name) \(e.name) p")
                }
            }
            expectRelative(fit.residualVariance, m.sigma2, 1e-6, "\(m.name) sigma2")
            expectRelative(fit.theta, m.theta[0], 1e-6, "\(m.name) theta")
            // lmerTest's hypothesis for the interaction: the unit rows of its coefficients.
            let interactionColumns = fit.coefficientNames.enumerated().filter { $0.element.hasSuffix(":grouptreated") }.map(\.offset)
            #expect(m.interaction.hypothesis.count == interactionColumns.count, "\(m.name): hypothesis rows")
            for (row, j) in zip(m.interaction.hypothesis, interactionColumns) {
                #expect(row.enumerated().allSatisfy { $0.element == ($0.offset == j ? 1 : 0) }, "\(m.name): hypothesis row \(row)")
            }
            let t = result.test
            #expect(Double(t.numeratorDF) == m.interaction.numDF, "\(m.name): NumDF")
            expectRelative(t.fValue, m.interaction.F, 1e-6, "\(m.name) F")
            expectRelative(t.denominatorDF, m.interaction.denDF, 1e-6, "\(m.name) DenDF")
            if m.interaction.p < 1e-10 {
                expectRelative(log(t.pValue), log(m.interaction.p), 1e-6, "\(m.name) ln p")
            } else {
                expectRelative(t.pValue, m.interaction.p, 1e-6, "\(m.name) p")
            }
        }
    }
}
