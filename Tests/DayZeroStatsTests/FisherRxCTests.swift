import Foundation
import Testing
import DayZeroTestSupport
@testable import DayZeroStats

// Fisher's exact test for r×c tables and the chi-square/Fisher choice rule: hand-worked cases
// first (exact fractions, permuted rows, empty margins, degenerate tables, the work limit),
// then R parity against Fixtures/tests/fisher_rxc.json (fisher_rxc.R, R 4.2.2).

private struct FisherRxCFixture: Decodable {
    struct Case: Decodable {
        let name: String
        let table: [[Int]]
        let p: Double
        let choice: String
    }
    struct ChoiceCase: Decodable {
        let name: String
        let table: [[Int]]
        let choice: String
        let min_expected_exact: Double
    }
    struct SweepCase: Decodable {
        let table: [[Int]]
        let p: Double
    }
    let r_version: String
    let cases: [Case]
    let choices: [ChoiceCase]
    let sweep: [SweepCase]
}

private func fixture() throws -> FisherRxCFixture {
    try loadFixture(FisherRxCFixture.self, "tests/fisher_rxc.json")
}

// MARK: - Hand-worked

@Test func fisherRxCTwoByTwoEqualsTwoByTwoTest() throws {
    for table in [[[3, 1], [1, 3]], [[12, 5], [2, 9]], [[0, 7], [4, 1]], [[10, 10], [10, 10]], [[1, 30], [9, 2]]] {
        let rxc = try FisherExactTest.testRxC(table)
        let twoByTwo = try FisherExactTest.test(table)
        expectClose(rxc.pValue, twoByTwo.pValue, tolerance: 1e-12, "\(table): r×c vs 2×2 p")
        #expect(rxc.warnings.isEmpty)
        // With an empty row added it goes through the enumeration (R: FEXACT) instead: same p.
        let padded = try FisherExactTest.testRxC(table + [[0, 0]])
        expectClose(padded.pValue, twoByTwo.pValue, tolerance: 1e-12, "\(table) + empty row: enumeration vs 2×2 p")
        #expect(hasWarning(padded.warnings, "empty-margin"))
    }
    // Tea tasting: (1 + 16 + 16 + 1)/70; 5 tables (top-left 0…4).
    let tea = try FisherExactTest.testRxC([[3, 1], [1, 3]])
    expectClose(tea.pValue, 34.0 / 70, tolerance: 1e-14, "tea")
    #expect(tea.tablesEnumerated == 5)
    #expect(throws: StatsError.self) { try FisherExactTest.testRxC([[3, 1], [1, 3]], maxTables: 4) }
}

@Test func fisherRxCHandWorkedThreeByTwo() throws {
    // [[3, 0], [1, 2], [0, 1]]: rows r = (3, 3, 1), columns c = (4, 3), N = 7.
    // P(T) = Π r! Π c! / (N! Π n!) = (6·6·1·24·6)/5040 / Π n! = (36/35) / Π n!.
    // A table is fixed by its first column x = (x₁, x₂, x₃), x₁ + x₂ + x₃ = 4, x₃ ≤ 1, and
    // Π n! = Π xᵢ!(rᵢ − xᵢ)!:
    //   x = (1,3,0): 2·6·1 = 12 → 3/35      x = (0,3,1): 6·6·1 = 36 → 1/35
    //   x = (2,2,0): 2·2·1 =  4 → 9/35      x = (1,2,1): 2·2·1 =  4 → 9/35
    //   x = (3,1,0): 6·2·1 = 12 → 3/35      x = (2,1,1): 2·2·1 =  4 → 9/35
    //                                       x = (3,0,1): 6·6·1 = 36 → 1/35
    // (total 35/35). Observed x = (3,1,0), P_obs = 3/35; the tables with P ≤ 3/35 are
    // (1,3,0), (3,1,0), (0,3,1), (3,0,1): p = (3 + 3 + 1 + 1)/35 = 8/35.
    let result = try FisherExactTest.testRxC([[3, 0], [1, 2], [0, 1]])
    expectClose(result.pValue, 8.0 / 35, tolerance: 1e-14, "3×2 p = 8/35")
    #expect(result.warnings.isEmpty)
    #expect(result.table == [[3, 0], [1, 2], [0, 1]])
    // Permuted rows, swapped columns, the transpose: the same p.
    for table in [[[0, 1], [3, 0], [1, 2]], [[1, 2], [0, 1], [3, 0]], [[0, 3], [2, 1], [1, 0]], [[3, 1, 0], [0, 2, 1]]] {
        expectClose(try FisherExactTest.testRxC(table).pValue, 8.0 / 35, tolerance: 1e-14, "\(table): permuted")
    }
}

@Test func fisherRxCEmptyMarginsAndDegenerateTables() throws {
    // A zero row is dropped (warning): [[3, 0], [0, 0], [1, 4]] is the 2×2 [[3, 0], [1, 4]]
    // (P(X = 3 | m = 4, n = 4, k = 3) = 4/56 and P(0) = 4/56: p = 8/56 = 1/7).
    let zeroRow = try FisherExactTest.testRxC([[3, 0], [0, 0], [1, 4]])
    expectClose(zeroRow.pValue, 1.0 / 7, tolerance: 1e-13, "zero row dropped")
    #expect(hasWarning(zeroRow.warnings, "empty-margin"))
    #expect(zeroRow.table == [[3, 0], [0, 0], [1, 4]])
    // A zero column likewise.
    let zeroColumn = try FisherExactTest.testRxC([[3, 0, 0], [1, 0, 4]])
    expectClose(zeroColumn.pValue, 1.0 / 7, tolerance: 1e-13, "zero column dropped")
    #expect(hasWarning(zeroColumn.warnings, "empty-margin"))
    // One column (R stops: "'x' must have at least 2 rows and columns"): p = 1 with a warning.
    let oneColumn = try FisherExactTest.testRxC([[1], [2], [3]])
    #expect(oneColumn.pValue == 1 && oneColumn.tablesEnumerated == 1)
    #expect(hasWarning(oneColumn.warnings, "degenerate-table"))
    // One non-empty column of a 3×2 table (R returns 1).
    let oneNonEmpty = try FisherExactTest.testRxC([[1, 0], [2, 0], [3, 0]])
    #expect(oneNonEmpty.pValue == 1)
    #expect(hasWarning(oneNonEmpty.warnings, "degenerate-table") && hasWarning(oneNonEmpty.warnings, "empty-margin"))
    // One row; an all-zero table (R: FEXACT error 3).
    #expect(try FisherExactTest.testRxC([[4, 5, 6]]).pValue == 1)
    let zeros = try FisherExactTest.testRxC([[0, 0], [0, 0], [0, 0]])
    #expect(zeros.pValue == 1 && hasWarning(zeros.warnings, "degenerate-table"))
}

@Test func fisherRxCInputErrorsAndLimit() throws {
    #expect(throws: StatsError.self) { try FisherExactTest.testRxC([[1, 2], [3]]) }
    #expect(throws: StatsError.self) { try FisherExactTest.testRxC([[1, -2], [3, 4], [5, 6]]) }
    #expect(throws: StatsError.self) { try FisherExactTest.testRxC([]) }
    #expect(throws: StatsError.self) { try FisherExactTest.testRxC([[], []]) }
    #expect(throws: StatsError.self) { try FisherExactTest.testRxC([[1, 2], [3, 4]], maxTables: 0) }
    #expect(throws: StatsError.self) { try FisherExactTest.testRxC([[Int.max, 1], [1, 1]]) }
    // A 5×5 table with N = 100 has far more than 1000 tables with its margins: the call stops
    // with an error naming the limit instead of running on or approximating.
    let big = [[4, 5, 3, 4, 4], [3, 4, 5, 4, 4], [5, 3, 4, 4, 4], [4, 4, 4, 5, 3], [4, 4, 4, 3, 5]]
    do {
        _ = try FisherExactTest.testRxC(big, maxTables: 1000)
        Issue.record("expected the maxTables limit to be reported")
    } catch let error as StatsError {
        #expect(error.message.contains("1000") && error.message.contains("maxTables"))
    }
    // The count is deterministic: a limit of exactly the units a table needs is enough, one
    // fewer throws.
    let mtcars = [[1, 8, 2], [2, 4, 1], [12, 0, 2]]
    let units = try FisherExactTest.testRxC(mtcars).tablesEnumerated
    #expect(units > 1)
    expectClose(try FisherExactTest.testRxC(mtcars, maxTables: units).pValue, 8.2597156846191033e-05, tolerance: 1e-9, "at the limit")
    #expect(throws: StatsError.self) { try FisherExactTest.testRxC(mtcars, maxTables: units - 1) }
    // More than 1000 cells after dropping empty margins: refused before any recursion.
    #expect(throws: StatsError.self) { try FisherExactTest.testRxC([[Int]](repeating: [Int](repeating: 1, count: 40), count: 30)) }
}

@Test func fisherRxCTinyPValueDoesNotUnderflowTermByTerm() throws {
    // Perfect separation, 4×2 with rows of 60: P_obs = 1/C(240, 120) ≈ 1e−71 and it is the
    // least likely table (together with its mirror): p = 2/C(240, 120).
    let table = [[60, 0], [60, 0], [0, 60], [0, 60]]
    let result = try FisherExactTest.testRxC(table)
    let logBinomial = GammaSupport.logGamma(241) - 2 * GammaSupport.logGamma(121)
    expectClose(result.pValue, 2 * exp(-logBinomial), tolerance: 1e-10, "separated 4×2")
}

@Test func fisherRxCMergedEnumerationEqualsDepthFirst() throws {
    // The network form (merged paths, closed-form sub-tables, binary search over the last two
    // columns) against the plain depth-first enumeration (one path per table) on seeded
    // random tables with positive margins: same p to 1e−12, including ties of probability.
    var state: UInt64 = 20_251_204
    func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
    var compared = 0
    while compared < 60 {
        let rows = 2 + next(4)
        let columns = 2 + next(3)
        let total = 4 + next(30)
        var table = [[Int]](repeating: [Int](repeating: 0, count: columns), count: rows)
        for _ in 0..<total { table[next(rows)][next(columns)] += 1 }
        guard table.allSatisfy({ $0.reduce(0, +) > 0 }),
              (0..<columns).allSatisfy({ j in table.contains { $0[j] > 0 } }) else { continue }
        let slack = rows == 2 && columns == 2 ? log1p(1e-7) : 3.45254e-7
        var depthFirst = RxCEnumeration(table: table, logSlack: slack, maxTables: 50_000_000)
        try depthFirst.runDepthFirst()
        let merged = try FisherExactTest.testRxC(table)
        expectClose(merged.pValue, PValuesForTests.clamp(depthFirst.pValue), tolerance: 1e-12, "\(table): merged vs depth-first")
        compared += 1
    }
    #expect(compared == 60)
}

private enum PValuesForTests {
    static func clamp(_ p: Double) -> Double { min(1, max(0, p)) }
}

// MARK: - Choice rule

@Test func categoricalTestChoiceHandWorked() throws {
    // Expected counts r·c/N: [[20, 18], [15, 14], [10, 12]] → min 22·32/89 ≈ 7.9 ≥ 5: chi-square.
    #expect(FisherExactTest.categoricalTestChoice([[20, 18], [15, 14], [10, 12]]) == .pearsonChiSquare)
    // A level of 5 patients: 5·(≈ 34)/69 < 5: Fisher.
    #expect(FisherExactTest.categoricalTestChoice([[20, 18], [15, 14], [2, 3]]) == .fisherExact)
    // An empty level (unused factor level in gtsummary's table()) has expected count 0: Fisher.
    #expect(FisherExactTest.categoricalTestChoice([[20, 18], [15, 14], [0, 0]]) == .fisherExact)
    // gtsummary's NaN / error branches pick the chi-square test.
    #expect(FisherExactTest.categoricalTestChoice([[0, 0], [0, 0]]) == .pearsonChiSquare)
    #expect(FisherExactTest.categoricalTestChoice([]) == .pearsonChiSquare)
    #expect(FisherExactTest.categoricalTestChoice([[1, 2], [3]]) == .pearsonChiSquare)
}

// MARK: - R parity

@Test func fisherRxCMatchesR() throws {
    let fixture = try fixture()
    #expect(fixture.cases.count == 39)
    var compared = 0
    for c in fixture.cases {
        let result = try FisherExactTest.testRxC(c.table)
        // Exact enumeration with log-factorials (error ~1e−13 relative per table) against
        // FEXACT's network algorithm: 1e−9 relative.
        expectClose(result.pValue, c.p, tolerance: 1e-9, "\(c.name): p")
        #expect(result.tablesEnumerated >= 1)
        #expect(FisherExactTest.categoricalTestChoice(c.table).rawValue == c.choice, "\(c.name): choice")
        compared += 1
    }
    #expect(compared == 39)
}

@Test func fisherRxCMatchesRSweep() throws {
    // 200 seeded random tables (2–6 × 2–4, N = 2…60, many zeros): same tolerance.
    let sweep = try fixture().sweep
    #expect(sweep.count == 200)
    var compared = 0
    for (index, c) in sweep.enumerated() {
        expectClose(try FisherExactTest.testRxC(c.table).pValue, c.p, tolerance: 1e-9, "sweep \(index) \(c.table): p")
        compared += 1
    }
    #expect(compared == 200)
}

@Test func categoricalTestChoiceMatchesGtsummaryAtTies() throws {
    let fixture = try fixture()
    #expect(fixture.choices.count == 44)
    var ties = 0
    var fisherAtTies = 0
    for c in fixture.choices {
        let choice = FisherExactTest.categoricalTestChoice(c.table)
        #expect(choice.rawValue == c.choice, "\(c.name): choice (min expected \(c.min_expected_exact))")
        if c.min_expected_exact == 5 {
            ties += 1
            if c.choice == "fisherExact" { fisherAtTies += 1 }
        }
    }
    // The fixture has exact ties resolved both ways by gtsummary's floating arithmetic.
    #expect(ties >= 40 && fisherAtTies > 0 && fisherAtTies < ties)
}
