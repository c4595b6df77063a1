import Foundation
import Testing
import DayZeroTestSupport
@testable import DayZeroStats

// t tests, Wilcoxon rank-sum, Fisher's exact and Pearson chi-square: hand-worked cases first
// (exact fractions, unsorted input, missing values, edge cases), then R parity against
// Fixtures/tests/tests.json (tests.R, R 4.2.2).

private struct TestsFixture: Decodable {
    struct TTestCase: Decodable {
        let name: String
        let method: String
        let x: [Double?]
        let y: [Double?]?
        let mu: Double
        let alternative: String
        let conf_level: Double
        let statistic: Double
        let df: Double
        let p: Double
        let ci_lower: Double?
        let ci_upper: Double?
        let stderr: Double
        let estimate: Double
    }
    struct WilcoxonCase: Decodable {
        let name: String
        let x: [Double?]
        let y: [Double?]
        let alternative: String
        let exact: String
        let correct: Bool
        let statistic: Double
        let p: Double
        let r_method: String
    }
    struct ConditionalCase: Decodable {
        let x: [Double]
        let y: [Double]
        let statistic: Double
        let p_two_sided: Double
        let p_less: Double
        let p_greater: Double
    }
    struct FisherCase: Decodable {
        let name: String
        let table: [[Int]]
        let alternative: String
        let p: Double
        let r_estimate: Double?
        let r_ci_lower: Double?
        let r_ci_upper: Double?
        let estimate: Double?
        let ci_lower: Double?
        let ci_upper: Double?
    }
    struct ChiSquareCase: Decodable {
        let name: String
        let table: [[Int]]
        let correct: Bool
        let statistic: Double
        let df: Double
        let p: Double
        let expected: [[Double]]
    }
    struct LargeCase: Decodable {
        let wilcoxon_statistic: Double
        let wilcoxon_p: Double
        let welch_statistic: Double
        let welch_df: Double
        let welch_p: Double
    }
    let large: LargeCase
    let ttest: [TTestCase]
    let wilcoxon: [WilcoxonCase]
    let wilcoxon_conditional: [ConditionalCase]
    let fisher: [FisherCase]
    let chisq: [ChiSquareCase]
}

private func fixture() throws -> TestsFixture {
    try loadFixture(TestsFixture.self, "tests/tests.json")
}

private func alternative(_ name: String) -> Alternative {
    Alternative(rawValue: name) ?? .twoSided
}

// MARK: - t tests

@Test func tTestHandWorked() throws {
    // x = (1, 2, 3), y = (4, 5, 6, nil): means 2 and 5, both variances 1, SE² = 1/3 + 1/3,
    // t = −3/√(2/3) = −3.674…, Welch df = (2/3)²/((1/3)²/2 · 2) = 4 (= Student df here).
    let welch = try TTest.welch([3, 1, 2], [4, nil, 6, 5])
    let t = -3 / (2.0 / 3).squareRoot()
    expectClose(welch.statistic, t, tolerance: 1e-14, "t")
    expectClose(welch.df, 4, tolerance: 1e-14, "Welch df")
    expectClose(welch.pValue, StudentTDistribution.twoSidedPValue(t, df: 4), tolerance: 1e-14, "p")
    #expect(welch.missingY == 1 && welch.nY == 3 && welch.estimate == -3)
    // Paired: differences (−3, −3, −4) … the pair with a missing y is dropped and counted.
    let paired = try TTest.paired([1, 2, 3, 9], [4, 5, 7, nil])
    #expect(paired.nX == 3 && paired.missingX == 1)
    expectClose(paired.estimate, -10.0 / 3, tolerance: 1e-14, "mean difference")
}

@Test func tTestEdgeCases() throws {
    // Zero variance: R stops ("data are essentially constant"); DayZero returns the means,
    // no statistic, and a warning.
    let constant = try TTest.welch([2, 2, 2], [2, 2])
    #expect(constant.statistic == nil && constant.pValue == nil)
    #expect(hasWarning(constant.warnings, "zero-variance"))
    #expect(constant.estimate == 0)
    let paired = try TTest.paired([1, 2, 3], [0, 1, 2])
    #expect(paired.pValue == nil && hasWarning(paired.warnings, "zero-variance"))
    // One group constant is fine for Welch (the other carries the variance).
    #expect(try TTest.welch([1, 1, 1], [1, 2, 3]).pValue != nil)
    // n = 1 in a group: Welch is undefined (R: "not enough 'x' observations").
    let single = try TTest.welch([5], [1, 2, 3])
    #expect(single.pValue == nil && hasWarning(single.warnings, "insufficient-data"))
    #expect(single.meanX == 5)
    #expect(hasWarning(try TTest.oneSample([4.2]).warnings, "insufficient-data"))
    // A group with nothing in it is an input error.
    #expect(throws: StatsError.self) { try TTest.welch([nil, .nan], [1, 2]) }
    #expect(throws: StatsError.self) { try TTest.paired([1, 2], [1]) }
    #expect(throws: StatsError.self) { try TTest.welch([1, 2], [1, 2], confidenceLevel: 1) }
}

@Test func tTestsMatchR() throws {
    for c in try fixture().ttest {
        let alt = alternative(c.alternative)
        let result: TTestResult
        switch c.method {
        case "welch": result = try TTest.welch(c.x, c.y ?? [], mu: c.mu, alternative: alt, confidenceLevel: c.conf_level)
        case "student": result = try TTest.student(c.x, c.y ?? [], mu: c.mu, alternative: alt, confidenceLevel: c.conf_level)
        case "paired": result = try TTest.paired(c.x, c.y ?? [], mu: c.mu, alternative: alt, confidenceLevel: c.conf_level)
        default: result = try TTest.oneSample(c.x, mu: c.mu, alternative: alt, confidenceLevel: c.conf_level)
        }
        // Closed forms over means/variances and pt/qt: 1e-12 relative (p-values from pt 1e-12;
        // intervals inherit qt's ~1e-13).
        expectClose(result.statistic, c.statistic, tolerance: 1e-12, "\(c.name): t")
        expectClose(result.df, c.df, tolerance: 1e-12, "\(c.name): df")
        expectClose(result.pValue, c.p, tolerance: 1e-12, "\(c.name): p")
        expectClose(result.standardError, c.stderr, tolerance: 1e-12, "\(c.name): stderr")
        expectClose(result.estimate, c.estimate, tolerance: 1e-12, "\(c.name): estimate")
        expectClose(result.confidenceInterval?.lower, c.ci_lower, tolerance: 1e-12, "\(c.name): CI lower")
        expectClose(result.confidenceInterval?.upper, c.ci_upper, tolerance: 1e-12, "\(c.name): CI upper")
        if c.p == 0 {
            #expect(hasWarning(result.warnings, "p-value-underflow"), "\(c.name): underflow warning")
        }
    }
}

// MARK: - Wilcoxon rank-sum

@Test func wilcoxonHandWorked() throws {
    // x = (3.3, 4.4, 2.2) unsorted, y = (0.5, 1.1): x holds ranks 3, 4, 5, W = 12 − 6 = 6 = max.
    // Of the C(5, 3) = 10 arrangements only one reaches 6: P(W ≥ 6) = 1/10, two-sided 2/10.
    let result = try WilcoxonRankSum.test([3.3, nil, 4.4, 2.2], [0.5, 1.1])
    #expect(result.statistic == 6 && result.method == .exact && result.missingX == 1)
    expectClose(result.pValue, 0.2, tolerance: 1e-15, "two-sided 2/10")
    expectClose(try WilcoxonRankSum.test([3.3, 4.4, 2.2], [0.5, 1.1], alternative: .greater).pValue, 0.1,
                tolerance: 1e-15, "greater 1/10")
    expectClose(try WilcoxonRankSum.test([3.3, 4.4, 2.2], [0.5, 1.1], alternative: .less).pValue, 1,
                tolerance: 1e-15, "less 10/10")
    // The counting distribution for m = 3, n = 2: 1, 1, 2, 2, 2, 1, 1 (sums to 10).
    #expect(WilcoxonRankSum.mannWhitneyCounts(3, 2) == [1, 1, 2, 2, 2, 1, 1])
    // All tied: no spread, no p-value, a warning.
    let tied = try WilcoxonRankSum.test([1, 1, 1], [1, 1])
    #expect(tied.pValue == nil && hasWarning(tied.warnings, "zero-variance"))
    // Ties under the automatic rule fall back to the normal approximation with a warning.
    let withTies = try WilcoxonRankSum.test([1, 2, 2, 3], [2, 4, 5])
    #expect(withTies.method == .normalApproximation && hasWarning(withTies.warnings, "ties-normal-approximation"))
    #expect(throws: StatsError.self) { try WilcoxonRankSum.test([], [1]) }
}

@Test func wilcoxonMatchesR() throws {
    for c in try fixture().wilcoxon {
        let method: WilcoxonRankSum.Method = c.exact == "exact" ? .exact : (c.exact == "normal" ? .normalApproximation : .automatic)
        let result = try WilcoxonRankSum.test(c.x, c.y, alternative: alternative(c.alternative), method: method,
                                              continuityCorrection: c.correct)
        #expect(result.statistic == c.statistic, "\(c.name): W \(result.statistic) vs \(c.statistic)")
        #expect((result.method == .exact) == c.r_method.contains("exact"), "\(c.name): method \(result.method) vs \(c.r_method)")
        // Exact: sums of integer counts (1e-13); normal: pnorm of a closed form (1e-12).
        expectClose(result.pValue, c.p, tolerance: 1e-12, "\(c.name): p")
    }
}

@Test func wilcoxonExactConditionalMatchesEnumeration() throws {
    for (index, c) in try fixture().wilcoxon_conditional.enumerated() {
        for (alt, expected) in [(Alternative.twoSided, c.p_two_sided), (.less, c.p_less), (.greater, c.p_greater)] {
            let result = try WilcoxonRankSum.test(c.x, c.y, alternative: alt, method: .exactConditional)
            #expect(result.statistic == c.statistic)
            // Ratios of integer subset counts: 1e-14.
            expectClose(result.pValue, expected, tolerance: 1e-14, "conditional case \(index) \(alt)")
        }
    }
    // Without ties the conditional distribution is the ordinary exact one.
    let x: [Double?] = [1.5, 8.2, 3.1, 9.9, 4.4, 7.0]
    let y: [Double?] = [0.2, 2.6, 5.3, 6.1, 1.1]
    expectClose(try WilcoxonRankSum.test(x, y, method: .exactConditional).pValue,
                try WilcoxonRankSum.test(x, y, method: .exact).pValue, tolerance: 1e-14, "no ties: conditional = exact")
}

@Test func cohortScaleGroupsMatchR() throws {
    // 60 000 vs 40 000 values with many ties, rebuilt from tests.R's formula. Exercises the
    // O(N log N) ranking and the tie-corrected normal approximation at cohort scale.
    let x: [Double?] = (1...60_000).map { Double(($0 * 7919) % 10007) / 100 }
    let y: [Double?] = (1...40_000).map { Double(($0 * 104_729) % 10009) / 100 + 0.5 }
    let expected = try fixture().large
    let wilcoxon = try WilcoxonRankSum.test(x, y)
    #expect(wilcoxon.statistic == expected.wilcoxon_statistic)
    #expect(wilcoxon.method == .normalApproximation && wilcoxon.hasTies)
    expectClose(wilcoxon.pValue, expected.wilcoxon_p, tolerance: 1e-12, "large wilcox p")
    let welch = try TTest.welch(x, y)
    // Sums of 10⁵ terms: 1e−11 on the statistic and p (summation order differs from R).
    expectClose(welch.statistic, expected.welch_statistic, tolerance: 1e-11, "large t")
    expectClose(welch.df, expected.welch_df, tolerance: 1e-11, "large df")
    expectClose(welch.pValue, expected.welch_p, tolerance: 1e-11, "large p")
}

// MARK: - Fisher's exact test

@Test func fisherHandWorked() throws {
    // Tea tasting [[3, 1], [1, 3]]: P(X = 0…4) = (1, 16, 36, 16, 1)/70; two-sided p at x = 3
    // sums the tables no more likely than 16/70: (1 + 16 + 16 + 1)/70 = 34/70.
    let tea = try FisherExactTest.test([[3, 1], [1, 3]])
    expectClose(tea.pValue, 34.0 / 70, tolerance: 1e-14, "tea two-sided")
    expectClose(try FisherExactTest.test([[3, 1], [1, 3]], alternative: .greater).pValue, 17.0 / 70, tolerance: 1e-14, "tea greater")
    expectClose(try FisherExactTest.test([[3, 1], [1, 3]], alternative: .less).pValue, 69.0 / 70, tolerance: 1e-14, "tea less")
    // The MLE satisfies E_ψ[X] = x.
    let law = FisherExactTest.ConditionalLaw(m: 4, n: 4, k: 4)
    let theta = try #require(tea.oddsRatio.map { log($0) })
    expectClose(law.moments(theta).mean, 3, tolerance: 1e-12, "E[X | ψ̂] = x")
    // A zero off-diagonal cell: MLE is +∞ → nil with a warning; upper bound unbounded.
    let infinite = try FisherExactTest.test([[7, 0], [3, 5]])
    #expect(infinite.oddsRatio == nil && hasWarning(infinite.warnings, "odds-ratio-infinite"))
    #expect(infinite.confidenceInterval?.upper == nil)
    // A zero margin fixes the table.
    let fixed = try FisherExactTest.test([[0, 0], [3, 4]])
    #expect(fixed.pValue == 1 && hasWarning(fixed.warnings, "degenerate-table"))
    #expect(throws: StatsError.self) { try FisherExactTest.test([[1, 2, 3], [4, 5, 6]]) }
    #expect(throws: StatsError.self) { try FisherExactTest.test([[1, -2], [4, 5]]) }
}

@Test func fisherMatchesR() throws {
    for c in try fixture().fisher {
        let result = try FisherExactTest.test(c.table, alternative: alternative(c.alternative))
        // Sums of saddle-point hypergeometric probabilities: 1e-12.
        expectClose(result.pValue, c.p, tolerance: 1e-12, "\(c.name): p")
        // The same roots as R's estimate/interval, solved to 1e-13 in R; Newton here: 1e-9.
        let expectedEstimate = c.estimate.flatMap { $0.isFinite ? $0 : nil }
        expectClose(result.oddsRatio, expectedEstimate, tolerance: 1e-9, "\(c.name): conditional MLE")
        if c.alternative == "two.sided" {
            expectClose(result.confidenceInterval?.lower, c.ci_lower, tolerance: 1e-9, "\(c.name): CI lower")
            expectClose(result.confidenceInterval?.upper, c.ci_upper, tolerance: 1e-9, "\(c.name): CI upper")
            // fisher.test itself stops uniroot at tol ≈ 1.2e−4 on ψ (or 1/ψ): agree to 1e−2 relative.
            expectClose(result.oddsRatio, c.r_estimate, tolerance: 1e-2, "\(c.name): fisher.test estimate")
            expectClose(result.confidenceInterval?.lower, c.r_ci_lower, tolerance: 1e-2, "\(c.name): fisher.test CI lower")
            expectClose(result.confidenceInterval?.upper, c.r_ci_upper, tolerance: 1e-2, "\(c.name): fisher.test CI upper")
        }
    }
}

// MARK: - Chi-square

@Test func chiSquareHandWorked() throws {
    // [[10, 10], [10, 10]]: E = 10 everywhere, X² = 0, p = 1, Yates c = min(½, 0) = 0.
    let null = try ChiSquareTest.pearson([[10, 10], [10, 10]])
    #expect(null.statistic == 0 && null.pValue == 1 && null.df == 1)
    // [[20, 0], [0, 20]] uncorrected: E = 10, X² = 4·10²/10 = 40; Yates: 4·9.5²/10 = 36.1.
    expectClose(try ChiSquareTest.pearson([[20, 0], [0, 20]], continuityCorrection: false).statistic, 40, tolerance: 1e-14, "X²")
    expectClose(try ChiSquareTest.pearson([[20, 0], [0, 20]]).statistic, 36.1, tolerance: 1e-14, "Yates X²")
    // A zero column is dropped with a warning; then too few columns remain.
    let empty = try ChiSquareTest.pearson([[3, 0], [4, 0]])
    #expect(empty.pValue == nil && hasWarning(empty.warnings, "empty-margin"))
    #expect(hasWarning(try ChiSquareTest.pearson([[1, 2], [3, 4]]).warnings, "small-expected-counts"))
    #expect(throws: StatsError.self) { try ChiSquareTest.pearson([[1, 2]]) }
}

@Test func chiSquareMatchesR() throws {
    for c in try fixture().chisq {
        let result = try ChiSquareTest.pearson(c.table, continuityCorrection: c.correct)
        expectClose(result.statistic, c.statistic, tolerance: 1e-12, "\(c.name): X²")
        expectClose(result.df, c.df, tolerance: 0, "\(c.name): df")
        expectClose(result.pValue, c.p, tolerance: 1e-12, "\(c.name): p")
        for (i, row) in c.expected.enumerated() {
            for (j, e) in row.enumerated() {
                expectClose(result.expected[i][j], e, tolerance: 1e-14, "\(c.name): E[\(i)][\(j)]")
            }
        }
    }
}
