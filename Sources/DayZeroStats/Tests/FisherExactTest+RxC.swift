#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FisherExactTest {
    /// r×c two-sided test (R: fisher.test(table)).
    ///
    /// Conditioning on both margins, a table T with row totals rᵢ, column totals cⱼ and grand
    /// total N has the multivariate hypergeometric probability
    /// `P(T) = Π rᵢ! · Π cⱼ! / (N! · Π nᵢⱼ!)`.
    /// The two-sided p-value is `Σ P(T)` over every table T with the observed margins and
    /// `P(T) ≤ P_obs·(1 + slack)`, the slack absorbing rounding so that tables as likely as the
    /// observed one are counted:
    /// - a 2×2 input uses R's 2×2 rule, `P(T) ≤ P_obs·(1 + 10⁻⁷)` (as `FisherExactTest.test`);
    /// - any larger input uses the rule of R's network algorithm (FEXACT, Mehta & Patel),
    ///   `ln P(T) ≤ ln P_obs + 3.45254·10⁻⁷`.
    ///
    /// Rows and columns with a zero total carry no information (every table has zeros there)
    /// and are dropped with an `empty-margin` warning, as R does. If fewer than two non-empty
    /// rows or columns remain, the observed table is the only one with its margins and p = 1
    /// with a `degenerate-table` warning; R returns 1 for such a table when it has at least two
    /// rows and columns, and stops ("'x' must have at least 2 rows and columns", or FEXACT
    /// error 3 for an all-zero table) otherwise.
    ///
    /// Method: an exact enumeration, column by column, of all tables with the observed margins
    /// (the table is first transposed so that it has no more rows than columns, columns are
    /// taken in increasing order of their totals, and the last column is fixed by the others).
    /// ln P is accumulated cell by cell from ln n! (libm `lgamma`). At every column boundary
    /// the rest of the table is itself a table with margins r′ (the rows' remainders) and c′
    /// (the remaining columns); with S = Σ ln n′ᵢⱼ! over its cells, ln P = K − past − S, and
    /// - if even the most likely completion (least S) has P ≤ threshold, every completion is
    ///   counted, and their total is added in closed form with the identity
    ///   `Σ_{T′} Π 1/n′ᵢⱼ! = N′!/(Π r′ᵢ! Π c′ⱼ!)`;
    /// - if even the least likely completion (largest S) is above the threshold, none is.
    ///
    /// Both tests are tried first with cheap relaxations — `S ≥ max(Σᵢ E(r′ᵢ, |c′|),
    /// Σⱼ E(c′ⱼ, #{r′ᵢ > 0}))`, E(n, k) being Σ ln of k parts splitting n as evenly as possible
    /// (ln n! is convex), and `S ≤ min(Σ ln r′ᵢ!, Σ ln c′ⱼ!)` (ln a! + ln b! ≤ ln (a + b)!) — then
    /// with the exact least and largest S of the sub-table, found by recursion over its columns
    /// and memoised on (column, sorted r′) (the network algorithm's shortest and longest paths).
    /// Pruning never changes which tables are counted, only how fast.
    ///
    /// Numerics: the sum is formed relative to the observed table,
    /// `p = P_obs · Σ exp(ln P(T) − ln P_obs)` (every counted term is ≤ 1 + slack, so nothing
    /// overflows and a tiny p does not underflow term by term), with Neumaier-compensated
    /// summation. Each ln P carries an absolute error of about (r·c + r + c)·ε·ln N! (≈ 1e−11 for
    /// N = 1000), i.e. the same relative error in each probability; against R the p-values of
    /// the reference tables agree to 4e−12 relative (tests: 1e−9).
    ///
    /// - Complexity: at most proportional to the number of tables with the observed margins
    ///   (pruning removes most of them when p is small or large), times O(r + c) per column
    ///   step. `tablesEnumerated` counts the work units: each complete table evaluated, each
    ///   sub-table summed or discarded in closed form, and each column filling examined for the
    ///   exact bounds (so it can exceed the number of tables for tiny tables). The Job
    ///   satisfaction table of `?fisher.test` (4×4, N = 104) takes ~7·10⁶ units.
    /// - Parameters:
    ///   - table: `table[i][j]`, rows × columns (e.g. the r levels of a baseline variable × the
    ///     study groups). The orientation does not change the p-value.
    ///   - maxTables: the largest number of work units allowed. The enumeration stops with a
    ///     `StatsError` saying so as soon as it would go beyond this, so the call is bounded (it
    ///     never approximates); the default allows tens of seconds of work at most.
    /// - Throws: `StatsError` for an empty or ragged table, a negative count, a grand total above
    ///   2³¹ − 1 (R's integer limit), more than `maxCells` non-empty cells, `maxTables < 1`, or
    ///   when the enumeration would exceed `maxTables` work units.
    public static func testRxC(_ table: [[Int]], maxTables: Int = 50_000_000) throws -> FisherExactRxCResult {
        guard let width = table.first?.count, width > 0 else {
            throw StatsError("Fisher's exact test needs a table with at least one row and one column (got \(table.count) row(s))")
        }
        guard table.allSatisfy({ $0.count == width }) else {
            throw StatsError("Fisher's exact test needs a rectangular table (got row lengths \(table.map(\.count)))")
        }
        guard table.allSatisfy({ $0.allSatisfy { $0 >= 0 } }) else {
            throw StatsError("table counts must be non-negative (got \(table))")
        }
        guard maxTables >= 1 else {
            throw StatsError("maxTables must be at least 1 (got \(maxTables))")
        }
        let limit = Int(Int32.max)
        var total = 0
        for row in table {
            for count in row {
                total += min(count, limit)
                guard total <= limit else {
                    throw StatsError("the table's grand total exceeds 2^31 - 1 (R's integer limit for fisher.test)")
                }
            }
        }
        let rowTotals = table.map { $0.reduce(0, +) }
        let columnTotals = (0..<width).map { j in table.reduce(0) { $0 + $1[j] } }
        let keptRows = rowTotals.indices.filter { rowTotals[$0] > 0 }
        let keptColumns = columnTotals.indices.filter { columnTotals[$0] > 0 }
        var result = FisherExactRxCResult(table: table, pValue: 1, tablesEnumerated: 1, warnings: [])
        let droppedRows = table.count - keptRows.count
        let droppedColumns = width - keptColumns.count
        if droppedRows + droppedColumns > 0 {
            result.warnings.append(StatsWarning(
                code: "empty-margin",
                message: "\(droppedRows) row(s) and \(droppedColumns) column(s) with a zero total were dropped (as R's fisher.test does)"))
        }
        guard keptRows.count >= 2, keptColumns.count >= 2 else {
            result.warnings.append(StatsWarning(
                code: "degenerate-table",
                message: "fewer than two non-empty rows or columns remain: the table is fixed by its margins and p = 1"))
            return result
        }
        guard keptRows.count * keptColumns.count <= maxCells else {
            throw StatsError(
                "Fisher's exact test: a \(keptRows.count)×\(keptColumns.count) table (after dropping empty rows/columns) has more than "
                    + "\(maxCells) cells; it is too large for an exact enumeration (not computed)")
        }
        var reduced = keptRows.map { i in keptColumns.map { j in table[i][j] } }
        if reduced.count > keptColumns.count {
            reduced = keptColumns.indices.map { j in reduced.map { $0[j] } }
        }
        let logSlack = table.count == 2 && width == 2 ? log1p(1e-7) : 3.45254e-7
        var enumerator = RxCEnumeration(table: reduced, logSlack: logSlack, maxTables: maxTables)
        try enumerator.run()
        result.tablesEnumerated = enumerator.units
        result.pValue = PValues.clamp(enumerator.pValue)
        result.warnings += PValues.underflowWarnings(result.pValue)
        return result
    }

    /// The largest table `testRxC` enumerates, in cells after dropping empty rows and columns:
    /// the recursion goes one level per cell, so this bounds its stack depth. Any table this
    /// large has far more tables with its margins than an exact enumeration can visit.
    static let maxCells = 1_000

    /// The choice between Pearson's chi-square test (without continuity correction) and
    /// Fisher's exact test for a categorical variable across groups, as gtsummary's default
    /// (`add_p()` → `assign_tests()` for `tbl_summary`, gtsummary 2.x): `"chisq.test.no.correct"`
    /// when every expected count is at least 5, `"fisher.test"` otherwise.
    ///
    /// gtsummary forms the expected counts as `E = (rowSums(q)ᵢ · colSums(q)ⱼ) · N` with
    /// `q = proportions(table)` and tests `min E >= 5` in floating point. At an exact tie
    /// (rᵢ·cⱼ = 5N) that product is often a rounding below 5, and gtsummary then picks Fisher;
    /// to make the same choice this replicates the computation: qᵢⱼ = nᵢⱼ/N in double, the row
    /// and column sums accumulated as R's `rowSums`/`colSums` do (in `long double`, i.e.
    /// `Float80` on x86-64; in `Double` elsewhere, where R's `long double` is double on Apple
    /// arm64 — on aarch64 Linux R uses a 128-bit long double, and a tie can go either way).
    ///
    /// The table is taken as given: a row or column with a zero total (an unused factor level
    /// in gtsummary's `table()`) has expected count 0 and selects Fisher. An all-zero or empty
    /// table, a ragged table or a negative count selects the chi-square test, as gtsummary
    /// does when its computation fails or gives NaN (the chi-square routine then reports the
    /// problem).
    public static func categoricalTestChoice(_ table: [[Int]]) -> CategoricalAssociationTest {
        guard let width = table.first?.count, width > 0, table.allSatisfy({ $0.count == width }),
              table.allSatisfy({ $0.allSatisfy { $0 >= 0 } }) else {
            return .pearsonChiSquare
        }
        let total = table.reduce(0) { $0 + $1.reduce(0, +) }
        guard total > 0 else { return .pearsonChiSquare }
        let n = Double(total)
        let proportions = table.map { row in row.map { Double($0) / n } }
        let rowSums = proportions.map { row in RSum.sum(row) }
        let columnSums = (0..<width).map { j in RSum.sum(proportions.map { $0[j] }) }
        var smallest = Double.infinity
        for r in rowSums {
            for c in columnSums {
                smallest = min(smallest, r * c * n)
            }
        }
        return smallest >= 5 ? .pearsonChiSquare : .fisherExact
    }
}

/// The test `FisherExactTest.categoricalTestChoice` selects (gtsummary's default rule).
public enum CategoricalAssociationTest: String, Sendable, Hashable, Codable, CaseIterable {
    /// Pearson's chi-square test without continuity correction (R `chisq.test(table, correct =
    /// FALSE)`; gtsummary's `"chisq.test.no.correct"`): `ChiSquareTest.pearson(_:continuityCorrection: false)`.
    case pearsonChiSquare
    /// Fisher's exact test (R `fisher.test(table)`): `FisherExactTest.testRxC(_:maxTables:)`.
    case fisherExact
}

/// The outcome of `FisherExactTest.testRxC`.
public struct FisherExactRxCResult: Sendable, Hashable, Codable {
    /// The table as given (before empty rows/columns were dropped).
    public var table: [[Int]]
    /// Two-sided p-value (R's `fisher.test(table)$p.value`).
    public var pValue: Double
    /// Work units of the enumeration: complete tables evaluated plus sub-tables summed or
    /// discarded in closed form (1 for a degenerate table).
    public var tablesEnumerated: Int
    public var warnings: [StatsWarning]
}

/// A sum accumulated as R's `rowSums`/`colSums` accumulate it (in `long double`).
enum RSum {
    static func sum(_ values: [Double]) -> Double {
        #if arch(x86_64) && !os(Windows)
        var accumulator: Float80 = 0
        for value in values { accumulator += Float80(value) }
        return Double(accumulator)
        #else
        var accumulator = 0.0
        for value in values { accumulator += value }
        return accumulator
        #endif
    }
}

/// ln n! from a table for n ≤ min(N, 2²⁰) (8 MiB at most) and libm `lgamma` above.
struct LogFactorials {
    let table: [Double]

    init(upTo n: Int) {
        table = (0...min(n, 1 << 20)).map { GammaSupport.logGamma(Double($0) + 1) }
    }

    subscript(_ n: Int) -> Double {
        n < table.count ? table[n] : GammaSupport.logGamma(Double(n) + 1)
    }
}

/// The column-by-column enumeration behind `FisherExactTest.testRxC` (see there).
struct RxCEnumeration {
    let rowCount: Int
    /// Column totals in the order the columns are filled (increasing; the last is forced).
    let columns: [Int]
    /// ln n!.
    let logFactorial: LogFactorials
    /// ln(Π rᵢ! Π cⱼ! / N!).
    let logConstant: Double
    /// ln P of the observed table.
    let logObserved: Double
    /// Tables with ln P ≤ threshold are counted.
    let threshold: Double
    /// Σ_{k ≥ j} ln cₖ! and Σ_{k ≥ j} cₖ.
    let logFactorialSuffix: [Double]
    let totalSuffix: [Int]
    let maxTables: Int

    /// What each row still has to place in the columns not yet filled.
    var remaining: [Int]
    /// Per column: Σ_{i′ > i} remaining[i′] when the column is started.
    var capacity: [[Int]]
    var units = 0
    /// Extremes of Σ ln n′! per column and sorted row remainders, and the number stored.
    var memo: [[[Int]: Extremes]]
    var memoSize = 0
    /// Σ exp(ln P − ln P_obs) over counted tables, with its Neumaier compensation.
    var sum = 0.0
    var compensation = 0.0

    init(table: [[Int]], logSlack: Double, maxTables: Int) {
        rowCount = table.count
        let width = table.first?.count ?? 0
        let rowTotals = table.map { $0.reduce(0, +) }
        let columnTotals = (0..<width).map { j in table.reduce(0) { $0 + $1[j] } }
        let total = rowTotals.reduce(0, +)
        let logFactorial = LogFactorials(upTo: total)
        self.logFactorial = logFactorial
        columns = columnTotals.sorted()
        var constant = -logFactorial[total]
        for r in rowTotals { constant += logFactorial[r] }
        for c in columnTotals { constant += logFactorial[c] }
        logConstant = constant
        var observed = constant
        for row in table { for count in row { observed -= logFactorial[count] } }
        logObserved = observed
        threshold = observed + logSlack
        var logSuffix = [Double](repeating: 0, count: width + 1)
        var suffix = [Int](repeating: 0, count: width + 1)
        for j in stride(from: width - 1, through: 0, by: -1) {
            logSuffix[j] = logSuffix[j + 1] + logFactorial[columns[j]]
            suffix[j] = suffix[j + 1] + columns[j]
        }
        logFactorialSuffix = logSuffix
        totalSuffix = suffix
        self.maxTables = maxTables
        remaining = rowTotals
        capacity = [[Int]](repeating: [Int](repeating: 0, count: table.count), count: width)
        memo = [[[Int]: Extremes]](repeating: [:], count: width)
    }

    /// The least and largest Σ ln n′ᵢⱼ! over the completions of a sub-table.
    struct Extremes {
        var smallest: Double
        var largest: Double
    }

    /// p = P_obs · Σ exp(ln P − ln P_obs).
    var pValue: Double {
        let relative = sum + compensation
        return relative > 0 ? exp(logObserved + log(relative)) : 0
    }

    mutating func run() throws {
        try visitColumn(0, past: 0)
    }

    /// Adds exp(logProbability − ln P_obs) (Neumaier).
    mutating func add(_ logProbability: Double) {
        let term = exp(logProbability - logObserved)
        let next = sum + term
        if abs(sum) >= abs(term) {
            compensation += (sum - next) + term
        } else {
            compensation += (term - next) + sum
        }
        sum = next
    }

    mutating func countUnit() throws {
        units += 1
        if units > maxTables {
            throw StatsError(
                "Fisher's exact test: the r×c table has more than \(maxTables) tables (maxTables) to enumerate with its margins; "
                    + "not computed (report it, or use a chi-square test)")
        }
    }

    /// At the boundary before column j; `past` = Σ ln n! of the cells filled so far.
    mutating func visitColumn(_ j: Int, past: Double) throws {
        let last = columns.count - 1
        if j == last {
            // The last column is the rows' remainders.
            var cells = past
            for r in remaining { cells += logFactorial[r] }
            try countUnit()
            let logProbability = logConstant - cells
            if logProbability <= threshold { add(logProbability) }
            return
        }
        // Bounds on Σ ln n′! over the completions (columns j…last, row totals `remaining`).
        let columnsLeft = columns.count - j
        var rowsSplit = 0.0
        var rowsConcentrated = 0.0
        var nonEmptyRows = 0
        for r in remaining {
            rowsSplit += evenSplit(r, columnsLeft)
            rowsConcentrated += logFactorial[r]
            if r > 0 { nonEmptyRows += 1 }
        }
        var columnsSplit = 0.0
        for k in j...last { columnsSplit += evenSplit(columns[k], nonEmptyRows) }
        let smallest = max(rowsSplit, columnsSplit)
        let largest = min(rowsConcentrated, logFactorialSuffix[j])
        if logConstant - past - smallest <= threshold {
            // Every completion counts: their total mass in closed form.
            try countUnit()
            add(logConstant - past + logFactorial[totalSuffix[j]] - rowsConcentrated - logFactorialSuffix[j])
            return
        }
        if logConstant - past - largest > threshold {
            try countUnit()
            return
        }
        // The relaxations could not decide: the exact extremes of the sub-table (memoised).
        let exact = try exactExtremes(j, rows: remaining.sorted())
        if logConstant - past - exact.smallest <= threshold {
            try countUnit()
            add(logConstant - past + logFactorial[totalSuffix[j]] - rowsConcentrated - logFactorialSuffix[j])
            return
        }
        if logConstant - past - exact.largest > threshold {
            try countUnit()
            return
        }
        var free = 0
        for i in stride(from: rowCount - 1, through: 0, by: -1) {
            capacity[j][i] = free
            free += remaining[i]
        }
        try fill(j, row: 0, left: columns[j], past: past)
    }

    /// Places the column-j cells from `row` on, `left` of the column total still to place.
    mutating func fill(_ j: Int, row i: Int, left: Int, past: Double) throws {
        if i == rowCount - 1 {
            // The last row takes the rest; the lower bound below guaranteed left ≤ remaining[i].
            remaining[i] -= left
            defer { remaining[i] += left }
            try visitColumn(j + 1, past: past + logFactorial[left])
            return
        }
        let low = max(0, left - capacity[j][i])
        let high = min(remaining[i], left)
        if low > high { return }
        for count in low...high {
            remaining[i] -= count
            defer { remaining[i] += count }
            try fill(j, row: i + 1, left: left - count, past: past + logFactorial[count])
        }
    }

    /// The exact least and largest Σ ln n′ᵢⱼ! over the completions of columns j…last with row
    /// totals `rows` (sorted: permuting rows permutes the completions, so the extremes depend
    /// only on the multiset). Found by recursion over column j's fillings, memoised per column
    /// (at most 2²¹ entries in all; beyond that they are recomputed); each filling is a work unit.
    mutating func exactExtremes(_ j: Int, rows: [Int]) throws -> Extremes {
        if j == columns.count - 1 {
            var cells = 0.0
            for r in rows { cells += logFactorial[r] }
            return Extremes(smallest: cells, largest: cells)
        }
        if let known = memo[j][rows] { return known }
        var suffix = [Int](repeating: 0, count: rows.count)
        var free = 0
        for i in stride(from: rows.count - 1, through: 0, by: -1) {
            suffix[i] = free
            free += rows[i]
        }
        var result = Extremes(smallest: .infinity, largest: -.infinity)
        var child = rows
        try extremesOfFillings(j, row: 0, left: columns[j], cells: 0, rows: rows, suffix: suffix, child: &child, result: &result)
        if memoSize < 1 << 21 {
            memo[j][rows] = result
            memoSize += 1
        }
        return result
    }

    /// The fillings of column j from `row` on (as `fill`), folding each into `result`.
    mutating func extremesOfFillings(_ j: Int, row i: Int, left: Int, cells: Double, rows: [Int], suffix: [Int],
                                     child: inout [Int], result: inout Extremes) throws {
        if i == rows.count - 1 {
            child[i] = rows[i] - left
            try countUnit()
            let below = try exactExtremes(j + 1, rows: child.sorted())
            let here = cells + logFactorial[left]
            result.smallest = min(result.smallest, here + below.smallest)
            result.largest = max(result.largest, here + below.largest)
            return
        }
        let low = max(0, left - suffix[i])
        let high = min(rows[i], left)
        if low > high { return }
        for count in low...high {
            child[i] = rows[i] - count
            try extremesOfFillings(j, row: i + 1, left: left - count, cells: cells + logFactorial[count], rows: rows,
                                   suffix: suffix, child: &child, result: &result)
        }
    }

    /// The least Σ ln nₖ! over k parts summing to n (the most even split); 0 parts → ln n!.
    func evenSplit(_ n: Int, _ parts: Int) -> Double {
        if parts <= 1 { return logFactorial[n] }
        let quotient = n / parts
        let extra = n % parts
        return Double(parts - extra) * logFactorial[quotient] + Double(extra) * logFactorial[quotient + 1]
    }
}
