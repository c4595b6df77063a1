import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStats

// Linear mixed model (REML, random intercept): hand-worked closed forms first, then parity
// with lme4 + lmerTest on the cases written by Fixtures/mixed-model/mixed_model.R.

private func expectClose(
    _ actual: Double, _ expected: Double, _ tolerance: Double, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        isClose(actual, expected, tolerance: tolerance),
        "\(what()): actual \(actual), expected \(expected), relative error \(relativeError(actual, expected)) > \(tolerance)",
        sourceLocation: sourceLocation)
}

/// p-values far in the tail inherit the relative error of their statistic multiplied by
/// |d ln p / d ln t| (about ν + 1 for a large t): a t of 23 085 that agrees with R to 4e-8
/// gives p = 1e-287 agreeing to 6e-5. Below 1e-10 the comparison is therefore made on ln p,
/// whose relative error is the statistic's; above, on p itself.
private func expectPValueClose(
    _ actual: Double, _ expected: Double, _ tolerance: Double, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    if expected < 1e-10 && actual > 0 && expected > 0 {
        expectClose(log(actual), log(expected), tolerance, "ln " + what(), sourceLocation: sourceLocation)
    } else {
        expectClose(actual, expected, tolerance, what(), sourceLocation: sourceLocation)
    }
}

// MARK: - Hand-worked cases

/// Balanced one-way layout, 3 subjects × 2 observations, intercept only. REML has a closed
/// form here: σ̂² = MSE, σ̂_b² = (MSB − MSE)/n when MSB > MSE, β̂ = ȳ, Var(β̂) = MSB/(mn), and
/// the Satterthwaite df of the intercept is m − 1.
/// y: subject a {1, 3}, b {4, 6}, c {8, 10} → MSE = 2, MSB = 222/9, σ̂_b² = 102/9, β̂ = 16/3,
/// Var(β̂) = 37/9, −2 logLik = 5 log 2π + 3 log 2 + 3 log(222/9) + log(9/37) + 5.
/// Rows are unsorted and one extra row has a missing response.
@Test func balancedOneWayClosedForm() throws {
    let y: [Double] = [6, 1, .nan, 10, 3, 8, 4]
    let subjects = ["b", "a", "c", "c", "a", "c", "b"]
    let design = try FixedEffectsDesign.matrix(Array(repeating: [1.0], count: y.count), columnNames: ["(Intercept)"])
    let fit = try LinearMixedModel.fit(response: y, subjects: subjects, design: design)
    #expect(fit.observationCount == 6)
    #expect(fit.subjectCount == 3)
    #expect(fit.droppedRowCount == 1)
    #expect(fit.warnings.map(\.code) == ["missing-values"])
    let tol = 1e-12  // closed form; θ is polished by Newton steps on the exact derivative
    expectClose(fit.residualVariance, 2, tol, "σ²")
    expectClose(fit.subjectVariance, 102.0 / 9, tol, "σ_b²")
    expectClose(fit.coefficients[0].estimate, 16.0 / 3, tol, "β̂")
    expectClose(fit.coefficients[0].standardError, (37.0 / 9).squareRoot(), tol, "SE")
    expectClose(fit.coefficients[0].degreesOfFreedom, 2, 1e-10, "Satterthwaite df = m − 1")
    let minus2LogLik = 5 * log(2 * Double.pi) + 3 * log(2.0) + 3 * log(222.0 / 9) + log(9.0 / 37) + 5
    expectClose(fit.restrictedLogLikelihood, -minus2LogLik / 2, tol, "REML logLik")
    #expect(!fit.isSingular)
}

/// Same layout with MSB < MSE: y a {1, 3}, b {2, 4}, c {1.5, 3.5} gives MSE = 2, MSB = 1/2,
/// so the REML estimate of σ_b² is on the boundary 0 and σ̂² = SST/(N − 1) = 7/5; β̂ = 5/2
/// with Var = σ̂²/6; the t test then has N − p = 5 df (J_θ = 0 and H_σσ = 4(N−p)/σ²).
@Test func balancedOneWaySingularBoundary() throws {
    let y: [Double] = [3.5, 1, 4, 3, 2, 1.5]
    let subjects = [3, 1, 2, 1, 2, 3]
    let design = try FixedEffectsDesign.matrix(Array(repeating: [1.0], count: y.count), columnNames: ["(Intercept)"])
    let fit = try LinearMixedModel.fit(response: y, subjects: subjects, design: design)
    #expect(fit.theta == 0, "θ = \(fit.theta), expected exactly 0 as lme4")
    #expect(fit.subjectVariance == 0)
    #expect(fit.isSingular)
    #expect(fit.warnings.contains { $0.code == "singular-fit" }, "warnings: \(fit.warnings)")
    expectClose(fit.residualVariance, 7.0 / 5, 1e-12, "σ² = SST/(N−1)")
    expectClose(fit.coefficients[0].estimate, 2.5, 1e-12, "β̂")
    expectClose(fit.coefficients[0].standardError, (7.0 / 30).squareRoot(), 1e-12, "SE")
    expectClose(fit.coefficients[0].degreesOfFreedom, 5, 1e-12, "df = N − p")
    // −2 logLik at θ = 0 is the OLS REML criterion: (N−p)(1 + log(2π σ̂²)) + log(XᵀX).
    let minus2 = 5 * (1 + log(2 * Double.pi * 7.0 / 5)) + log(6.0)
    expectClose(fit.remlCriterion, minus2, 1e-12, "REML criterion")
}

/// A day effect of 10⁶ residual SDs with ~120 denominator df: the p-value underflows to
/// exactly 0 (as R's `pf` does), reported with a warning rather than a silent 0 or a NaN.
@Test func pValueUnderflowIsReported() throws {
    var y: [Double] = []
    var subjects: [Int] = []
    var day: [Int?] = []
    var group: [String?] = []
    for s in 0..<40 {
        for d in 0..<4 {
            let noise = Double((s * 7 + d * 3) % 5) - 2
            y.append(1e6 * Double(d) + noise + Double(s % 3))
            subjects.append(s)
            day.append(d)
            group.append(s < 20 ? "A" : "B")
        }
    }
    let design = try FixedEffectsDesign.crossed(
        CategoricalVariable(name: "day", values: day), CategoricalVariable(name: "group", values: group))
    let fit = try LinearMixedModel.fit(response: y, subjects: subjects, design: design)
    let table = try fit.typeIIIAnova()
    let dayRow = try #require(table.rows.first { $0.term == "day" })
    #expect(dayRow.test.pValue == 0, "p = \(dayRow.test.pValue)")
    #expect(table.warnings.contains { $0.code == "p-value-underflow" }, "warnings: \(table.warnings)")
    #expect(fit.warnings.contains { $0.code == "p-value-underflow" }, "warnings: \(fit.warnings)")
    #expect(!fit.coefficients.contains { $0.pValue.isNaN })
}

@Test func invalidInputIsRejectedWithAMessage() throws {
    let design = try FixedEffectsDesign.matrix([[1], [1], [1]], columnNames: ["(Intercept)"])
    #expect(throws: StatsError.self) {
        try LinearMixedModel.fit(response: [1, 2], subjects: [1, 2, 3], design: design)
    }
    // One subject: no random intercept can be estimated.
    #expect(throws: StatsError.self) {
        try LinearMixedModel.fit(response: [1, 2, 3], subjects: [1, 1, 1], design: design)
    }
    // As many subjects as observations: σ_b and σ are not separately identifiable.
    #expect(throws: StatsError.self) {
        try LinearMixedModel.fit(response: [1, 2, 3], subjects: [1, 2, 3], design: design)
    }
    #expect(throws: StatsError.self) {
        try FixedEffectsDesign.matrix([[1, 2], [1]], columnNames: ["a", "b"])
    }
    #expect(throws: StatsError.self) {
        try CategoricalVariable(name: "day", values: ["1", "2"], levels: ["1"])
    }
    let day = try CategoricalVariable(name: "day", values: [1, 2, 1, 2])
    let group = try CategoricalVariable(name: "group", values: ["A", "A", "B", "B"])
    // day:group without group is not hierarchical.
    #expect(throws: StatsError.self) {
        try FixedEffectsDesign.factorial([day, group], terms: [["day"], ["day", "group"]])
    }
    // A dense design has no term structure for type III.
    let fit = try LinearMixedModel.fit(
        response: [1, 2, 4, 3, 5, 7], subjects: [1, 1, 2, 2, 3, 3],
        design: FixedEffectsDesign.matrix([[1, 0], [1, 1], [1, 0], [1, 1], [1, 0], [1, 1]], columnNames: ["(Intercept)", "x"]))
    #expect(throws: StatsError.self) { try fit.typeIIIAnova() }
    #expect(throws: StatsError.self) { try fit.tTest([1]) }
}

/// Edge cases give a defined result or a typed error, never a crash or a silent NaN.
@Test func edgeCasesAreDefined() throws {
    // A constant response: REML is undefined (zero residual sum of squares) → StatsError.
    let design = try FixedEffectsDesign.matrix(Array(repeating: [1.0], count: 6), columnNames: ["(Intercept)"])
    #expect(throws: StatsError.self) {
        try LinearMixedModel.fit(response: [2, 2, 2, 2, 2, 2], subjects: [1, 1, 2, 2, 3, 3], design: design)
    }
    // A group with a single subject (and a day it was not seen on): fits, with finite tests.
    var y: [Double] = []
    var subjects: [Int] = []
    var day: [Int?] = []
    var group: [String?] = []
    for s in 0..<9 {
        for d in 0..<3 where !(s == 8 && d == 2) {
            y.append(Double((s * 5 + d * 7) % 11) / 3 + Double(d))
            subjects.append(s)
            day.append(d)
            group.append(s == 8 ? "B" : "A")
        }
    }
    let crossed = try FixedEffectsDesign.crossed(
        CategoricalVariable(name: "day", values: day), CategoricalVariable(name: "group", values: group))
    let fit = try LinearMixedModel.fit(response: y, subjects: subjects, design: crossed)
    #expect(fit.droppedColumns == ["day2:groupB"])
    #expect(fit.warnings.contains { $0.code == "rank-deficient" })
    for c in fit.coefficients {
        #expect(c.estimate.isFinite && c.standardError.isFinite && c.degreesOfFreedom.isFinite && !c.pValue.isNaN, "\(c)")
    }
    let table = try fit.typeIIIAnova()
    #expect(table.rows.map(\.term) == ["day", "group", "day:group"])
    #expect(table.warnings.contains { $0.code == "missing-cells" })
    for row in table.rows { #expect(!row.test.pValue.isNaN && row.test.denominatorDF.isFinite, "\(row)") }
}

@Test func factorialColumnsFollowRModelMatrix() throws {
    let day = try CategoricalVariable(name: "day", values: [-1, 0, 2, -1, 0, 2])
    let group = try CategoricalVariable(name: "group", values: ["ctl", "ctl", "ctl", "trt", "trt", "trt"])
    let design = try FixedEffectsDesign.crossed(day, group)
    #expect(design.columnNames == ["(Intercept)", "day0", "day2", "grouptrt", "day0:grouptrt", "day2:grouptrt"])
    #expect(design.columnTerms == ["(Intercept)", "day", "day", "group", "day:group", "day:group"])
    #expect(design.termLabels == ["day", "group", "day:group"])
    // Row 4 is day 0, group trt: intercept, day0, grouptrt, day0:grouptrt.
    let k = Int(design.patternOfRow[4])
    #expect(design.patterns.row(k) == [1, 1, 0, 1, 1, 0])
}

// MARK: - R parity

private struct MixedModelFixture: Decodable {
    let cases: [Case]

    struct Case: Decodable {
        let name: String
        let description: String
        let design: String
        let data: DataColumns
        let expected: Expected
    }

    struct DataColumns: Decodable {
        let y: [Double?]
        let subject: [String]
        let day: [String?]?
        let dayLevels: [String]?
        let group: [String?]?
        let groupLevels: [String]?
        let x: [Double]?
    }

    struct Coefficient: Decodable {
        let name: String
        let estimate: Double
        let se: Double
        let df: Double
        let t: Double
        let p: Double
    }

    struct AnovaRow: Decodable {
        let term: String
        let sumSq: Double
        let meanSq: Double
        let numDF: Double
        let denDF: Double
        let F: Double
        let p: Double
    }

    struct Expected: Decodable {
        let theta: Double
        let thetaDefaultControl: Double
        let sigma2: Double
        let subjectVariance: Double
        let logLikREML: Double
        let isSingular: Bool
        let nobs: Int
        let coefficientNames: [String]
        let coefficients: [Coefficient]
        let vcov: [[Double]]
        let vcovVarpar: [[Double]]
        let anovaTypeIII: [AnovaRow]
        let hypotheses: [String: [[Double]]]
        let kenwardRogerCoefficients: [Coefficient]
        let kenwardRogerAnovaTypeIII: [AnovaRow]
    }
}

private func loadCases() throws -> [MixedModelFixture.Case] {
    try loadFixture(MixedModelFixture.self, "mixed-model/mixed_model.json").cases
}

private func fitCase(_ c: MixedModelFixture.Case) throws -> LinearMixedModelFit {
    let y = c.data.y.map { $0 ?? .nan }
    let design: FixedEffectsDesign
    switch c.design {
    case "numeric":
        let x = c.data.x ?? []
        design = try FixedEffectsDesign.matrix(x.map { [1, $0] }, columnNames: ["(Intercept)", "x"])
    case "factor":
        let day = try CategoricalVariable(name: "day", values: c.data.day ?? [], levels: c.data.dayLevels)
        design = try FixedEffectsDesign.factorial([day], terms: [["day"]])
    default:
        let day = try CategoricalVariable(name: "day", values: c.data.day ?? [], levels: c.data.dayLevels)
        let group = try CategoricalVariable(name: "group", values: c.data.group ?? [], levels: c.data.groupLevels)
        design = try FixedEffectsDesign.crossed(day, group)
    }
    return try LinearMixedModel.fit(response: y, subjects: c.data.subject, design: design)
}

// Tolerances: lme4 stops its value-only optimiser about 1e-8 (relative) from the optimum in θ
// and lmerTest differentiates numerically (numDeriv, ~1e-8 relative on the df here), while
// this fit solves d′(θ) = 0 to machine precision and differentiates exactly. Everything
// therefore agrees to ~1e-7 or better; 1e-6 is the contract (docs/methods/mixed-model.md).
private let parityTolerance = 1e-6

@Test(arguments: [
    "sleepstudy-numeric", "sleepstudy-factor", "orthodont-crossed", "random-unbalanced",
    "random-tiny-group", "random-singular", "random-three-groups", "random-missing-cell",
    "random-21-days-offset",
])
func estimatesMatchLme4(caseName: String) throws {
    let c = try #require(try loadCases().first { $0.name == caseName })
    let fit = try fitCase(c)
    let e = c.expected
    #expect(fit.observationCount == e.nobs)
    #expect(fit.coefficientNames == e.coefficientNames)
    #expect(fit.isSingular == e.isSingular)
    if e.theta == 0 {
        #expect(fit.theta == 0, "\(caseName): θ \(fit.theta), lme4 0")
        #expect(fit.warnings.contains { $0.code == "singular-fit" })
    } else {
        // θ to 1e-7: R's own θ is only converged to ~1e-8.
        expectClose(fit.theta, e.theta, 1e-7, "\(caseName) θ")
    }
    expectClose(fit.residualVariance, e.sigma2, parityTolerance, "\(caseName) σ²")
    expectClose(fit.subjectVariance, e.subjectVariance, parityTolerance, "\(caseName) σ_b²")
    // logLik is stationary at the optimum: the θ difference enters squared.
    expectClose(fit.restrictedLogLikelihood, e.logLikREML, 1e-12, "\(caseName) logLik")
    for (a, x) in zip(fit.coefficients, e.coefficients) {
        #expect(a.name == x.name)
        expectClose(a.estimate, x.estimate, parityTolerance, "\(caseName) \(x.name) estimate")
        expectClose(a.standardError, x.se, parityTolerance, "\(caseName) \(x.name) SE")
        expectClose(a.tValue, x.t, parityTolerance, "\(caseName) \(x.name) t")
        expectClose(a.degreesOfFreedom, x.df, parityTolerance, "\(caseName) \(x.name) df")
        expectPValueClose(a.pValue, x.p, parityTolerance, "\(caseName) \(x.name) p")
    }
    for i in 0..<e.vcov.count {
        for j in 0..<e.vcov.count {
            let scale = (e.vcov[i][i] * e.vcov[j][j]).squareRoot()
            #expect(
                abs(fit.covariance[i][j] - e.vcov[i][j]) <= parityTolerance * scale,
                "\(caseName) vcov[\(i),\(j)]: \(fit.covariance[i][j]) vs \(e.vcov[i][j])")
        }
    }
    // lmerTest's Cov(θ̂, σ̂) = 2 H⁻¹ (numDeriv Hessian vs the exact one here).
    // At θ = 0 numDeriv steps θ by 1e-4 (its step for a zero coordinate), so lmerTest's
    // second difference carries a rounding error of about ε·D/h² ≈ 1e-5 relative on the θθ
    // entry; that entry does not enter any df there (J_θ = 0 at θ = 0), and is checked to 1e-4.
    let a = fit.satterthwaite.varianceParameterCovariance
    for i in 0..<2 {
        for j in 0..<2 {
            let scale = (e.vcovVarpar[i][i] * e.vcovVarpar[j][j]).squareRoot()
            let tolerance = (e.theta == 0 && i == 0 && j == 0) ? 1e-4 : parityTolerance
            #expect(
                abs(a[i, j] - e.vcovVarpar[i][j]) <= tolerance * max(scale, 1e-300),
                "\(caseName) vcov_varpar[\(i),\(j)]: \(a[i, j]) vs \(e.vcovVarpar[i][j])")
        }
    }
}

@Test(arguments: [
    "sleepstudy-numeric", "sleepstudy-factor", "orthodont-crossed", "random-unbalanced",
    "random-tiny-group", "random-singular", "random-three-groups", "random-missing-cell",
    "random-21-days-offset",
])
func typeIIIMatchesLmerTest(caseName: String) throws {
    let c = try #require(try loadCases().first { $0.name == caseName })
    let fit = try fitCase(c)
    let e = c.expected
    let rows: [AnovaTermTest]
    if c.design == "numeric" {
        // One numeric term: lmerTest tests its coefficient (type I row of the Doolittle factor).
        let test = try fit.fTest([[0, 1]])
        rows = [AnovaTermTest(term: "x", test: test)]
    } else {
        let hypotheses = try fit.typeIIIHypotheses()
        #expect(hypotheses.map(\.term) == e.anovaTypeIII.map(\.term))
        for (term, l) in hypotheses {
            let expected = try #require(e.hypotheses[term])
            #expect(l.count == expected.count, "\(caseName) \(term): \(l.count) rows, lmerTest \(expected.count)")
            for (r, x) in zip(l, expected) {
                for (v, w) in zip(r, x) {
                    #expect(abs(v - w) <= 1e-12, "\(caseName) \(term) hypothesis entry \(v) vs \(w)")
                }
            }
        }
        rows = try fit.typeIIIAnova().rows
    }
    #expect(rows.map(\.term) == e.anovaTypeIII.map(\.term))
    for (a, x) in zip(rows, e.anovaTypeIII) {
        let t = a.test
        #expect(Double(t.numeratorDF) == x.numDF, "\(caseName) \(x.term) NumDF")
        expectClose(t.fValue, x.F, parityTolerance, "\(caseName) \(x.term) F")
        expectClose(t.denominatorDF, x.denDF, parityTolerance, "\(caseName) \(x.term) DenDF")
        expectPValueClose(t.pValue, x.p, parityTolerance, "\(caseName) \(x.term) p")
        expectClose(t.sumOfSquares, x.sumSq, parityTolerance, "\(caseName) \(x.term) Sum Sq")
        expectClose(t.meanSquare, x.meanSq, parityTolerance, "\(caseName) \(x.term) Mean Sq")
    }
}

/// Kenward–Roger: lmerTest's `summary(fit, ddf = "Kenward-Roger")` and
/// `anova(fit, type = 3, ddf = "Kenward-Roger")` (pbkrtest 0.5.2). pbkrtest's matrices are
/// closed forms (no numerical differentiation), so the remaining difference is R's θ.
@Test(arguments: [
    "sleepstudy-numeric", "sleepstudy-factor", "orthodont-crossed", "random-unbalanced",
    "random-tiny-group", "random-singular", "random-three-groups", "random-missing-cell",
    "random-21-days-offset",
])
func kenwardRogerMatchesPbkrtest(caseName: String) throws {
    let c = try #require(try loadCases().first { $0.name == caseName })
    let fit = try fitCase(c)
    let e = c.expected
    let coefficients = try fit.coefficientTable(method: .kenwardRoger)
    #expect(coefficients.count == e.kenwardRogerCoefficients.count)
    for (a, x) in zip(coefficients, e.kenwardRogerCoefficients) {
        #expect(a.name == x.name)
        expectClose(a.estimate, x.estimate, parityTolerance, "\(caseName) KR \(x.name) estimate")
        expectClose(a.standardError, x.se, parityTolerance, "\(caseName) KR \(x.name) SE")
        expectClose(a.degreesOfFreedom, x.df, parityTolerance, "\(caseName) KR \(x.name) df")
        expectClose(a.tValue, x.t, parityTolerance, "\(caseName) KR \(x.name) t")
        expectPValueClose(a.pValue, x.p, parityTolerance, "\(caseName) KR \(x.name) p")
    }
    let rows: [AnovaTermTest] = c.design == "numeric"
        ? [AnovaTermTest(term: "x", test: try fit.fTest([[0, 1]], method: .kenwardRoger))]
        : try fit.typeIIIAnova(method: .kenwardRoger).rows
    #expect(rows.map(\.term) == e.kenwardRogerAnovaTypeIII.map(\.term))
    for (a, x) in zip(rows, e.kenwardRogerAnovaTypeIII) {
        let t = a.test
        #expect(Double(t.numeratorDF) == x.numDF, "\(caseName) KR \(x.term) NumDF")
        expectClose(t.fValue, x.F, parityTolerance, "\(caseName) KR \(x.term) F")
        expectClose(t.denominatorDF, x.denDF, parityTolerance, "\(caseName) KR \(x.term) DenDF")
        expectPValueClose(t.pValue, x.p, parityTolerance, "\(caseName) KR \(x.term) p")
        expectClose(t.sumOfSquares, x.sumSq, parityTolerance, "\(caseName) KR \(x.term) Sum Sq")
        expectClose(t.meanSquare, x.meanSq, parityTolerance, "\(caseName) KR \(x.term) Mean Sq")
    }
}

/// Balanced one-way case: Kenward–Roger and Satterthwaite both give m − 1 = 2 df and the
/// unadjusted variance MSB/(mn) (the KR adjustment vanishes for a balanced intercept-only
/// model).
@Test func kenwardRogerBalancedOneWay() throws {
    let y: [Double] = [6, 1, 10, 3, 8, 4]
    let subjects = ["b", "a", "c", "a", "c", "b"]
    let design = try FixedEffectsDesign.matrix(Array(repeating: [1.0], count: y.count), columnNames: ["(Intercept)"])
    let fit = try LinearMixedModel.fit(response: y, subjects: subjects, design: design)
    let kr = try fit.tTest([1], method: .kenwardRoger)
    expectClose(kr.degreesOfFreedom, 2, 1e-10, "KR df")
    expectClose(kr.standardError, (37.0 / 9).squareRoot(), 1e-12, "KR SE")
}
