/// A categorical variable (R's `factor`): level labels in order — the first level is the
/// reference level of treatment contrasts (`contr.treatment`) — and a level code per row.
public struct CategoricalVariable: Sendable, Hashable {
    /// The variable name, used to build column names as R does (`day` + `3` → `day3`).
    public let name: String
    /// Level labels; `levels[0]` is the reference level.
    public let levels: [String]
    /// For each row the index into `levels`, or −1 when the value is missing.
    public let codes: [Int32]

    /// Number of rows.
    public var count: Int { codes.count }

    /// A factor from level codes (−1 = missing).
    /// - Throws: `StatsError` when a level label is repeated or empty, when there are no
    ///   levels, or when a code is outside −1 ..< levels.count.
    public init(name: String, levels: [String], codes: [Int32]) throws {
        guard !levels.isEmpty else {
            throw StatsError("factor '\(name)': needs at least one level")
        }
        guard Set(levels).count == levels.count else {
            throw StatsError("factor '\(name)': level labels must be distinct, got \(levels)")
        }
        let limit = Int32(levels.count)
        if let bad = codes.firstIndex(where: { $0 < -1 || $0 >= limit }) {
            throw StatsError(
                "factor '\(name)': row \(bad) has level code \(codes[bad]), outside -1..<\(levels.count)")
        }
        self.name = name
        self.levels = levels
        self.codes = codes
    }

    /// A factor from text values (nil = missing). Without `levels`, the levels are the distinct
    /// values in ascending code-point order (R's `factor()` in the C locale); pass `levels` to
    /// choose the reference level explicitly.
    /// - Throws: `StatsError` when a value is not among the given levels.
    public init(name: String, values: [String?], levels: [String]? = nil) throws {
        let resolved = levels ?? Array(Set(values.compactMap { $0 })).sorted()
        var index: [String: Int32] = [:]
        for (i, level) in resolved.enumerated() { index[level] = Int32(i) }
        var codes = [Int32](repeating: -1, count: values.count)
        for (row, value) in values.enumerated() {
            guard let value else { continue }
            guard let code = index[value] else {
                throw StatsError("factor '\(name)': row \(row) has value '\(value)', which is not a declared level")
            }
            codes[row] = code
        }
        try self.init(name: name, levels: resolved, codes: codes)
    }

    /// A factor from integer values such as study days (nil = missing). Without `levels`, the
    /// levels are the distinct values in numeric order, labelled by their decimal text, as
    /// `factor(day)` in R (so day −1 gives the column name `day-1`).
    /// - Throws: `StatsError` when a value is not among the given levels.
    public init(name: String, values: [Int?], levels: [Int]? = nil) throws {
        let resolved = levels ?? Array(Set(values.compactMap { $0 })).sorted()
        var index: [Int: Int32] = [:]
        for (i, level) in resolved.enumerated() { index[level] = Int32(i) }
        var codes = [Int32](repeating: -1, count: values.count)
        for (row, value) in values.enumerated() {
            guard let value else { continue }
            guard let code = index[value] else {
                throw StatsError("factor '\(name)': row \(row) has value \(value), which is not a declared level")
            }
            codes[row] = code
        }
        try self.init(name: name, levels: resolved.map { String($0) }, codes: codes)
    }
}

/// The fixed-effects design matrix X of a mixed model, with column names.
///
/// X is stored as its distinct rows ("patterns") plus a pattern index per observation. For a
/// factorial design the patterns are the cells (e.g. 21 days × 2 groups = 42 rows, whatever
/// the number of observations), so the sufficient statistics cost O(1) per observation and
/// no n × p matrix is ever formed. A general design given as a dense matrix has one pattern
/// per row.
public struct FixedEffectsDesign: Sendable {
    /// Column names, as R's `model.matrix` would name them for a factorial design.
    public let columnNames: [String]
    /// Number of observations (rows of X, including rows with a missing covariate).
    public let rowCount: Int
    /// The term each column belongs to (R's `assign`): "(Intercept)" or a term label such as
    /// "day", "group", "day:group". For a dense design each column is its own term.
    public let columnTerms: [String]
    /// Term labels in model order (without the intercept).
    public let termLabels: [String]

    /// Distinct rows of X (patterns × columns).
    let patterns: LMMMatrix
    /// Pattern index per observation; −1 when the row has a missing covariate.
    let patternOfRow: [Int32]
    /// Present for factorial designs: what the lmerTest type III construction needs.
    let factorial: FactorialStructure?

    /// Number of fixed-effect columns p.
    public var columnCount: Int { columnNames.count }

    /// Whether type III tests can be built for this design (a factorial design of factors).
    public var supportsTypeIIITests: Bool { factorial != nil }

    /// A general design from a dense matrix (one inner array per observation).
    ///
    /// A row with a non-finite entry is treated as missing and left out of the fit (counted
    /// in the fit's `droppedRowCount`), as R's default `na.omit`.
    /// - Throws: `StatsError` when the rows have different lengths, the names do not match the
    ///   column count, or names repeat.
    public static func matrix(_ rows: [[Double]], columnNames: [String]) throws -> FixedEffectsDesign {
        let p = columnNames.count
        guard p > 0 else { throw StatsError("design: needs at least one column") }
        guard Set(columnNames).count == p else {
            throw StatsError("design: column names must be distinct, got \(columnNames)")
        }
        var storage: [Double] = []
        storage.reserveCapacity(rows.count * p)
        var patternOfRow = [Int32](repeating: 0, count: rows.count)
        for (i, row) in rows.enumerated() {
            guard row.count == p else {
                throw StatsError("design: row \(i) has \(row.count) entries but there are \(p) column names")
            }
            storage.append(contentsOf: row)
            patternOfRow[i] = row.allSatisfy { $0.isFinite } ? Int32(i) : -1
        }
        return FixedEffectsDesign(
            columnNames: columnNames, rowCount: rows.count, columnTerms: columnNames,
            termLabels: columnNames.filter { $0 != "(Intercept)" },
            patterns: LMMMatrix(rows: rows.count, columns: p, storage: storage),
            patternOfRow: patternOfRow, factorial: nil)
    }

    /// The main repeated-measures design `first * second` in R's notation: intercept, the two
    /// main effects and their interaction, with treatment contrasts — e.g. `day * group`.
    public static func crossed(_ first: CategoricalVariable, _ second: CategoricalVariable) throws
        -> FixedEffectsDesign
    {
        try factorial([first, second], terms: [[first.name], [second.name], [first.name, second.name]])
    }

    /// A factorial design: an intercept plus the given terms, each a set of factor names, coded
    /// with treatment contrasts exactly as R's `model.matrix` (`contr.treatment`).
    ///
    /// Terms are ordered as R's `terms()` orders them (by the number of factors, stably), the
    /// factors inside a term follow the order of `factors`, and within an interaction the
    /// first factor's level varies fastest. The model must be hierarchical (every margin of an
    /// interaction is itself a term), which is what makes treatment-contrast coding of every
    /// factor in every term correct; R codes non-hierarchical terms differently.
    /// - Throws: `StatsError` for unknown, repeated or empty terms, factors of different
    ///   lengths, or a non-hierarchical model.
    public static func factorial(_ factors: [CategoricalVariable], terms: [[String]]) throws
        -> FixedEffectsDesign
    {
        guard let rowCount = factors.first?.count else {
            throw StatsError("factorial design: needs at least one factor")
        }
        guard Set(factors.map(\.name)).count == factors.count else {
            throw StatsError("factorial design: factor names must be distinct")
        }
        for f in factors where f.count != rowCount {
            throw StatsError("factorial design: factor '\(f.name)' has \(f.count) rows, expected \(rowCount)")
        }
        guard !terms.isEmpty else { throw StatsError("factorial design: needs at least one term") }
        let cellCount = factors.reduce(1.0) { $0 * Double($1.levels.count) }
        guard cellCount <= 1_000_000 else {
            throw StatsError("factorial design: \(Int(cellCount)) cells (product of the level counts) exceeds the limit of 1 000 000")
        }
        var termSets: [[Int]] = []
        for term in terms {
            guard !term.isEmpty else { throw StatsError("factorial design: empty term") }
            var indices: [Int] = []
            for name in term {
                guard let idx = factors.firstIndex(where: { $0.name == name }) else {
                    throw StatsError("factorial design: term uses unknown factor '\(name)'")
                }
                indices.append(idx)
            }
            let sorted = Array(Set(indices)).sorted()
            guard sorted.count == indices.count else {
                throw StatsError("factorial design: term \(term) repeats a factor")
            }
            guard !termSets.contains(sorted) else {
                throw StatsError("factorial design: term \(term) is given twice")
            }
            termSets.append(sorted)
        }
        // R's terms(): stable order by term order (number of factors).
        termSets = termSets.enumerated()
            .sorted { ($0.element.count, $0.offset) < ($1.element.count, $1.offset) }
            .map(\.element)
        for term in termSets where term.count > 1 {
            for f in term {
                let margin = term.filter { $0 != f }
                guard termSets.contains(margin) else {
                    let label = term.map { factors[$0].name }.joined(separator: ":")
                    let marginLabel = margin.map { factors[$0].name }.joined(separator: ":")
                    throw StatsError(
                        "factorial design: term '\(label)' needs its margin '\(marginLabel)' as a term (hierarchical models only)")
                }
            }
        }
        let structure = FactorialStructure(factors: factors, terms: termSets)
        return FixedEffectsDesign(
            columnNames: structure.columnNames, rowCount: rowCount,
            columnTerms: structure.columnTerms, termLabels: structure.termLabels,
            patterns: structure.cellPatterns, patternOfRow: structure.cellOfRow(),
            factorial: structure)
    }

    init(
        columnNames: [String], rowCount: Int, columnTerms: [String], termLabels: [String],
        patterns: LMMMatrix, patternOfRow: [Int32], factorial: FactorialStructure?
    ) {
        self.columnNames = columnNames
        self.rowCount = rowCount
        self.columnTerms = columnTerms
        self.termLabels = termLabels
        self.patterns = patterns
        self.patternOfRow = patternOfRow
        self.factorial = factorial
    }
}

/// The cell structure of a factorial design: the treatment-contrast columns of X and the
/// overparameterised indicator columns (lmerTest's "rdX") per cell.
struct FactorialStructure: Sendable {
    let factors: [CategoricalVariable]
    /// Terms as sorted factor indices, in model order.
    let terms: [[Int]]
    /// Number of cells: the product of the level counts; cell index has the first factor fastest.
    let cellCount: Int
    let strides: [Int]
    let columnNames: [String]
    let columnTerms: [String]
    let termLabels: [String]
    /// Cells × columns of X (treatment contrasts).
    let cellPatterns: LMMMatrix
    /// Cells × columns of the overparameterised design: intercept and, per term, one
    /// indicator per combination of levels (R's `model.matrix(~ 0 + term)`).
    let overparameterisedPatterns: LMMMatrix
    let overparameterisedNames: [String]

    init(factors: [CategoricalVariable], terms: [[Int]]) {
        self.factors = factors
        self.terms = terms
        var strides: [Int] = []
        var cells = 1
        for f in factors {
            strides.append(cells)
            cells *= f.levels.count
        }
        self.strides = strides
        self.cellCount = cells
        let labels = terms.map { $0.map { factors[$0].name }.joined(separator: ":") }
        self.termLabels = labels

        // Level combinations of a term, first factor fastest; `contrasts` skips level 0.
        func combinations(_ term: [Int], contrasts: Bool) -> [[Int]] {
            var result: [[Int]] = [[]]
            for f in term {
                let levels = contrasts ? Array(1..<factors[f].levels.count) : Array(0..<factors[f].levels.count)
                var next: [[Int]] = []
                for level in levels {
                    for partial in result { next.append(partial + [level]) }
                }
                result = next
            }
            // `next` above puts the new factor outermost, so earlier factors vary fastest.
            return result
        }
        func name(_ term: [Int], _ combo: [Int]) -> String {
            zip(term, combo).map { factors[$0.0].name + factors[$0.0].levels[$0.1] }.joined(separator: ":")
        }
        // Decode each cell into factor levels.
        var cellLevels: [[Int]] = []
        cellLevels.reserveCapacity(cells)
        for c in 0..<cells {
            var rest = c
            var levels: [Int] = []
            for f in factors {
                levels.append(rest % f.levels.count)
                rest /= f.levels.count
            }
            cellLevels.append(levels)
        }
        var names = ["(Intercept)"]
        var columnTerms = ["(Intercept)"]
        var columns: [(term: [Int], combo: [Int])] = []
        var overNames = ["(Intercept)"]
        var overColumns: [(term: [Int], combo: [Int])] = []
        for (t, term) in terms.enumerated() {
            for combo in combinations(term, contrasts: true) {
                names.append(name(term, combo))
                columnTerms.append(labels[t])
                columns.append((term, combo))
            }
            for combo in combinations(term, contrasts: false) {
                overNames.append(name(term, combo))
                overColumns.append((term, combo))
            }
        }
        func patternMatrix(_ cols: [(term: [Int], combo: [Int])]) -> LMMMatrix {
            var m = LMMMatrix(rows: cells, columns: cols.count + 1)
            for c in 0..<cells {
                m[c, 0] = 1
                for (j, col) in cols.enumerated() {
                    var match = true
                    for (f, level) in zip(col.term, col.combo) where cellLevels[c][f] != level {
                        match = false
                        break
                    }
                    m[c, j + 1] = match ? 1 : 0
                }
            }
            return m
        }
        self.columnNames = names
        self.columnTerms = columnTerms
        self.cellPatterns = patternMatrix(columns)
        self.overparameterisedNames = overNames
        self.overparameterisedPatterns = patternMatrix(overColumns)
    }

    /// Cell index of each observation, −1 when any factor is missing.
    func cellOfRow() -> [Int32] {
        guard let n = factors.first?.count else { return [] }
        var out = [Int32](repeating: 0, count: n)
        for (f, factor) in factors.enumerated() {
            let stride = Int32(strides[f])
            factor.codes.withUnsafeBufferPointer { codes in
                for i in 0..<n {
                    let code = codes[i]
                    if code < 0 || out[i] < 0 {
                        out[i] = -1
                    } else {
                        out[i] += code * stride
                    }
                }
            }
        }
        return out
    }

    /// Whether term `a` is strictly contained in term `b` (lmerTest's `term_contain` for
    /// factor-only terms: all of a's factors are in b, and b has more).
    func isContained(_ a: Int, in b: Int) -> Bool {
        let fa = Set(terms[a])
        let fb = Set(terms[b])
        return fa.isSubset(of: fb) && fb.count > fa.count
    }
}
