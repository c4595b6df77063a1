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
    /// - a 2×2 input is R's 2×2 branch: `P(T) ≤ P_obs·(1 + 10⁻⁷)`, computed by
    ///   `FisherExactTest.test` (one free cell, hypergeometric; `tablesEnumerated` is its support);
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
    /// taken in decreasing order of their totals, and the last column is fixed by the others).
    /// ln P = K − past − S, with K = ln(Π rᵢ! Π cⱼ! / N!), past = Σ ln n! over the columns
    /// filled so far and S the same over the rest (ln n! from libm `lgamma`). Partial tables
    /// that reach the same node — column j and the same sorted row remainders r′ (completions of
    /// permuted rows are permuted tables) — with the same past (to 2⁻³⁶, see
    /// `RxCEnumeration.runMerged`) are merged into one weighted path, as in Mehta & Patel's
    /// network algorithm (FEXACT). For each path at a node:
    /// - if even the most likely completion (least S) has P ≤ threshold, every completion is
    ///   counted, and their total is added in closed form with the identity
    ///   `Σ_{T′} Π 1/n′ᵢⱼ! = N′!/(Π r′ᵢ! Π c′ⱼ!)`;
    /// - if even the least likely completion (largest S) is above the threshold, none is;
    /// - with two columns left, the completions' S values are sorted once per node with
    ///   log-sum-exp suffix sums, and a binary search gives the counted mass;
    /// - otherwise the path is extended by every filling of column j.
    ///
    /// The least/largest S are bounded first by relaxations — `S ≥ max(Σᵢ E(r′ᵢ, |c′|),
    /// Σⱼ E(c′ⱼ, #{r′ᵢ > 0}))`, E(n, k) being Σ ln of k parts splitting n as evenly as possible
    /// (ln n! is convex), and `S ≤ min(Σ ln r′ᵢ!, Σ ln c′ⱼ!)` (ln a! + ln b! ≤ ln (a + b)!) — and
    /// then found exactly by recursion (memoised on the node: the network's shortest and
    /// longest paths). Pruning and merging change the speed, never which tables are counted.
    ///
    /// Numerics: the sum is formed relative to the observed table,
    /// `p = P_obs · Σ exp(ln P(T) − ln P_obs)` (every counted term is ≤ 1 + slack, so nothing
    /// overflows and a tiny p does not underflow term by term), with Neumaier-compensated
    /// summation. Each ln P carries an absolute error of about (r·c + r + c)·ε·ln N! (≈ 1e−11 for
    /// N = 1000), i.e. the same relative error in each probability; against R the p-values of
    /// the reference tables agree to 4e−12 relative (tests: 1e−9).
    ///
    /// - Complexity: at most proportional to the number of tables with the observed margins,
    ///   times O(r + c) per column step; merging and pruning remove most of that. The work is
    ///   counted in `tablesEnumerated` units: each path pruned, extended by one filling or
    ///   summed at a node, each complete table, and each column filling enumerated for the bounds
    ///   (so tiny tables can report more units than they have tables). ?fisher.test's Job
    ///   satisfaction table (4×4, N = 104) takes ~10⁶ units, ~1 s in a debug build.
    /// - Parameters:
    ///   - table: `table[i][j]`, rows × columns (e.g. the r levels of a baseline variable × the
    ///     study groups). The orientation does not change the p-value.
    ///   - maxTables: the largest number of work units allowed. The enumeration stops with a
    ///     `StatsError` saying so as soon as it would go beyond this, so the call is bounded (it
    ///     never approximates); the default bounds the work to about a minute in a debug build.
    /// - Throws: `StatsError` for an empty or ragged table, a negative count, a grand total above
    ///   2³¹ − 1 (R's integer limit), more than `maxCells` non-empty cells, `maxTables < 1`, when
    ///   the enumeration would exceed `maxTables` work units, or when it would hold more than
    ///   2²³ merged partial tables for one column (memory).
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
        if table.count == 2 && width == 2 {
            // R's 2×2 branch: the hypergeometric law of the top-left cell (Loader's saddle-point
            // probabilities, accurate to ~1e−14 for any N), as `FisherExactTest.test`.
            let k = table[0][0] + table[0][1]
            let m = table[0][0] + table[1][0]
            let support = min(k, m) - max(0, k - (total - m)) + 1
            guard support <= maxTables else {
                throw StatsError(
                    "Fisher's exact test: the 2×2 table has \(support) tables with its margins, more than \(maxTables) (maxTables); not computed")
            }
            result.pValue = try test(table).pValue
            result.tablesEnumerated = support
            result.warnings += PValues.underflowWarnings(result.pValue)
            return result
        }
        var reduced = keptRows.map { i in keptColumns.map { j in table[i][j] } }
        if reduced.count > keptColumns.count {
            reduced = keptColumns.indices.map { j in reduced.map { $0[j] } }
        }
        var enumerator = RxCEnumeration(table: reduced, logSlack: 3.45254e-7, maxTables: maxTables)
        try enumerator.runMerged()
        result.tablesEnumerated = enumerator.units
        result.pValue = PValues.clamp(enumerator.pValue)
        result.warnings += PValues.underflowWarnings(result.pValue)
        return result
    }

    /// The largest table `testRxC` enumerates, in cells after dropping empty rows and columns:
    /// the recursions over a column's cells and over the remaining columns go one level per
    /// cell, so this bounds their stack depth. Clinical tables are far smaller, and almost any
    /// table this large has more tables with its margins than `maxTables` allows anyway.
    public static let maxCells = 1_000

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
    /// Column totals in the order the columns are filled (decreasing; the last is forced).
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
    var finalsMemo: [[Int]: FinalColumns] = [:]
    var finalsStored = 0
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
        columns = columnTotals.sorted(by: >)
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

    /// The depth-first enumeration: one path per table (the reference for `runMerged`).
    mutating func runDepthFirst() throws {
        try visitColumn(0, past: 0)
    }

    /// One stored path class: the representative Σ ln n! of the cells filled so far, and how
    /// many paths (partial tables) share it.
    struct PathClass {
        var past: Double
        var weight: Double
    }

    /// The largest number of path classes held for one column (≈ 50 bytes each).
    static let maxStoredPaths = 1 << 23

    /// The network form of the same enumeration: column by column, all partial tables that
    /// reach the same node (column j, sorted row remainders — the completions of permuted rows
    /// are permuted tables) with the same Σ ln n! so far are merged into one class with a
    /// weight, and each class is pruned or extended as one path. Pasts are merged when they
    /// agree to the quantum q = max(2⁻³⁶, ln N!·2⁻⁵⁰), far below the slack, so merging changes
    /// a counted probability by at most q relative (1.5e−11 for N ≤ ~10⁴) and never which
    /// tables are counted except within q of the threshold.
    mutating func runMerged() throws {
        let last = columns.count - 1
        let quantum = max(0x1p-36, logFactorial[totalSuffix[0]] * 0x1p-50)
        // One level = the nodes of one column boundary, in order of first arrival (so the
        // order, and the p-value to the last bit, is the same on every run), each with its
        // path classes in order of first arrival.
        var nodes: [[Int]] = [remaining.sorted()]
        var classes: [PathClasses] = [PathClasses(index: [0: 0], paths: [PathClass(past: 0, weight: 1)])]
        for j in 0..<last {
            var nextIndex: [[Int]: Int] = [:]
            var nextNodes: [[Int]] = []
            var nextClasses: [PathClasses] = []
            var stored = 0
            for (node, rows) in nodes.enumerated() {
                let concentrated = rows.reduce(0.0) { $0 + logFactorial[$1] }
                let closedForm = logFactorial[totalSuffix[j]] - concentrated - logFactorialSuffix[j]
                var bounds = relaxedExtremes(j, rows: rows, concentrated: concentrated)
                var exact = false
                var fillings: [Filling] = []
                var childIDs: [Int] = []
                var finals: FinalColumns?
                for path in classes[node].paths {
                    var decided = false
                    while !decided {
                        if logConstant - path.past - bounds.smallest <= threshold {
                            try countUnit()
                            add(logConstant - path.past + closedForm, weight: path.weight)
                            decided = true
                        } else if logConstant - path.past - bounds.largest > threshold {
                            try countUnit()
                            decided = true
                        } else if j == last - 1 {
                            // The last two columns: sum the counted completions by a binary search.
                            if finals == nil { finals = try finalColumns(rows) }
                            if let finals {
                                try countUnit()
                                if let logMass = finals.logMass(atLeast: logConstant - path.past - threshold) {
                                    add(logConstant - path.past + logMass, weight: path.weight)
                                }
                            }
                            decided = true
                        } else if !exact {
                            bounds = try exactExtremes(j, rows: rows)
                            exact = true
                        } else {
                            if fillings.isEmpty {
                                fillings = try fillingsOf(j, rows: rows)
                                childIDs = fillings.map { filling in
                                    if let id = nextIndex[filling.child] { return id }
                                    nextIndex[filling.child] = nextNodes.count
                                    nextNodes.append(filling.child)
                                    nextClasses.append(PathClasses(index: [:], paths: []))
                                    return nextNodes.count - 1
                                }
                            }
                            for (filling, child) in zip(fillings, childIDs) {
                                try countUnit()
                                let past = path.past + filling.cells
                                let weight = path.weight * filling.count
                                let pastKey = Int64((past / quantum).rounded())
                                if let existing = nextClasses[child].index[pastKey] {
                                    nextClasses[child].paths[existing].weight += weight
                                } else {
                                    nextClasses[child].index[pastKey] = nextClasses[child].paths.count
                                    nextClasses[child].paths.append(PathClass(past: past, weight: weight))
                                    stored += 1
                                    if stored > Self.maxStoredPaths {
                                        throw StatsError(
                                            "Fisher's exact test: the r×c enumeration would hold more than \(Self.maxStoredPaths) partial tables "
                                                + "for one column; not computed (report it, or use a chi-square test)")
                                    }
                                }
                            }
                            decided = true
                        }
                    }
                }
            }
            nodes = nextNodes
            classes = nextClasses
        }
        // Every path is resolved at the last-but-one column at the latest: nothing is left.
    }

    /// The path classes of one node: by past key, the position in `paths` (arrival order).
    struct PathClasses {
        var index: [Int64: Int]
        var paths: [PathClass]
    }

    /// The completions of a node before the last two columns: each filling x of column j
    /// fixes the last column too, so the completion has S = Σ ln xᵢ! + Σ ln (rᵢ − xᵢ)!. Sorted by
    /// S with `logSuffix[k] = ln Σ_{k′ ≥ k} e^(−S)` (log-sum-exp from the largest S, the
    /// smallest terms, so each step loses at most ~ε), a path with past π counts exactly the
    /// completions with S ≥ K − π − threshold: one binary search instead of one step per filling.
    struct FinalColumns {
        var values: [Double] = []
        var logSuffix: [Double] = []

        init(enumeration: inout RxCEnumeration, j: Int, rows: [Int]) throws {
            var suffix = [Int](repeating: 0, count: rows.count)
            var free = 0
            for i in stride(from: rows.count - 1, through: 0, by: -1) {
                suffix[i] = free
                free += rows[i]
            }
            var found: [Double] = []
            try Self.collect(&enumeration, row: 0, left: enumeration.columns[j], value: 0, rows: rows, suffix: suffix, found: &found)
            found.sort()
            values = found
            logSuffix = [Double](repeating: -.infinity, count: found.count + 1)
            for k in stride(from: found.count - 1, through: 0, by: -1) {
                let term = -found[k]
                let rest = logSuffix[k + 1]
                logSuffix[k] = term >= rest ? term + log1p(exp(rest - term)) : rest + log1p(exp(term - rest))
            }
        }

        /// Each filling x of the column adds ln xᵢ! + ln (rᵢ − xᵢ)! (the last column's cell) per row.
        static func collect(_ enumeration: inout RxCEnumeration, row i: Int, left: Int, value: Double, rows: [Int], suffix: [Int],
                            found: inout [Double]) throws {
            let logFactorial = enumeration.logFactorial
            if i == rows.count - 1 {
                try enumeration.countUnit()
                found.append(value + logFactorial[left] + logFactorial[rows[i] - left])
                return
            }
            let low = max(0, left - suffix[i])
            let high = min(rows[i], left)
            if low > high { return }
            for count in low...high {
                try collect(&enumeration, row: i + 1, left: left - count,
                            value: value + logFactorial[count] + logFactorial[rows[i] - count], rows: rows, suffix: suffix, found: &found)
            }
        }

        /// ln Σ e^(−S) over S ≥ bound; nil when there is none.
        func logMass(atLeast bound: Double) -> Double? {
            var low = 0
            var high = values.count
            while low < high {
                let middle = (low + high) / 2
                if values[middle] >= bound { high = middle } else { low = middle + 1 }
            }
            return low < values.count ? logSuffix[low] : nil
        }
    }

    /// A filling of one column: the sorted row remainders it leaves, Σ ln n! of its cells, and
    /// how many fillings of the node share both.
    struct Filling {
        var child: [Int]
        var cells: Double
        var count: Double
    }

    /// The distinct fillings of column j from the node with sorted remainders `rows`.
    mutating func fillingsOf(_ j: Int, rows: [Int]) throws -> [Filling] {
        var suffix = [Int](repeating: 0, count: rows.count)
        var free = 0
        for i in stride(from: rows.count - 1, through: 0, by: -1) {
            suffix[i] = free
            free += rows[i]
        }
        var found: [[Int]: [Double: Double]] = [:]
        var child = rows
        try collectFillings(j, row: 0, left: columns[j], cells: 0, rows: rows, suffix: suffix, child: &child, found: &found)
        var fillings: [Filling] = []
        for childRows in found.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let byCells = found[childRows] ?? [:]
            for cells in byCells.keys.sorted() {
                fillings.append(Filling(child: childRows, cells: cells, count: byCells[cells] ?? 0))
            }
        }
        return fillings
    }

    mutating func collectFillings(_ j: Int, row i: Int, left: Int, cells: Double, rows: [Int], suffix: [Int],
                                  child: inout [Int], found: inout [[Int]: [Double: Double]]) throws {
        if i == rows.count - 1 {
            child[i] = rows[i] - left
            try countUnit()
            found[child.sorted(), default: [:]][cells + logFactorial[left], default: 0] += 1
            return
        }
        let low = max(0, left - suffix[i])
        let high = min(rows[i], left)
        if low > high { return }
        for count in low...high {
            child[i] = rows[i] - count
            try collectFillings(j, row: i + 1, left: left - count, cells: cells + logFactorial[count], rows: rows,
                                suffix: suffix, child: &child, found: &found)
        }
    }

    /// The `FinalColumns` of a node of the last-but-one column, kept (up to 2²³ values in all)
    /// for the exact extremes and the path classes that reach it.
    mutating func finalColumns(_ rows: [Int]) throws -> FinalColumns {
        if let known = finalsMemo[rows] { return known }
        let finals = try FinalColumns(enumeration: &self, j: columns.count - 2, rows: rows)
        if finalsStored + finals.values.count <= 1 << 23 {
            finalsMemo[rows] = finals
            finalsStored += finals.values.count
        }
        return finals
    }

    /// The relaxation bounds on Σ ln n′! (see `testRxC`) for the node (j, rows).
    func relaxedExtremes(_ j: Int, rows: [Int], concentrated: Double) -> Extremes {
        let columnsLeft = columns.count - j
        var rowsSplit = 0.0
        var nonEmptyRows = 0
        for r in rows {
            rowsSplit += evenSplit(r, columnsLeft)
            if r > 0 { nonEmptyRows += 1 }
        }
        var columnsSplit = 0.0
        for k in j..<columns.count { columnsSplit += evenSplit(columns[k], nonEmptyRows) }
        return Extremes(smallest: max(rowsSplit, columnsSplit), largest: min(concentrated, logFactorialSuffix[j]))
    }

    /// Adds weight·exp(logProbability − ln P_obs) (Neumaier).
    mutating func add(_ logProbability: Double, weight: Double = 1) {
        let term = weight * exp(logProbability - logObserved)
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
        if j == columns.count - 2 {
            // Two columns left: the sorted completions give both extremes (and are kept).
            let finals = try finalColumns(rows)
            return Extremes(smallest: finals.values.first ?? 0, largest: finals.values.last ?? 0)
        }
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
