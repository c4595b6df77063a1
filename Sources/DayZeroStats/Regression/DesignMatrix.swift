/// A dense design matrix of covariates, stored row-major so that a fit can stream through it
/// one observation at a time.
///
/// It holds the covariate columns only; an intercept is requested from the model
/// (`LogisticRegression.fit(…, intercept: true)`), never stored as a column of ones.
/// Categorical covariates enter as 0/1 dummy columns built by the caller, as R's
/// `model.matrix` builds them (treatment contrasts: one column per non-reference level).
public struct DesignMatrix: Sendable, Hashable {
    /// Number of observations (rows).
    public let rowCount: Int
    /// Column names, one per covariate.
    public let columnNames: [String]
    /// Row-major values: element (row i, column j) is `values[i * columnCount + j]`.
    public let values: [Double]

    /// Number of covariate columns.
    public var columnCount: Int { columnNames.count }

    /// Element (row, column).
    public subscript(row: Int, column: Int) -> Double { values[row * columnNames.count + column] }

    /// A design from row-major values.
    /// - Throws: `StatsError` if the value count is not `rowCount × columnNames.count`, if a
    ///   column name repeats, or if a value is NaN or infinite (named by row and column:
    ///   missing values are refused, not dropped — drop incomplete rows first and count them).
    public init(rowCount: Int, columnNames: [String], rowMajorValues values: [Double]) throws {
        guard rowCount >= 0 else { throw StatsError("rowCount is \(rowCount); it must be ≥ 0") }
        guard values.count == rowCount * columnNames.count else {
            throw StatsError("the design has \(values.count) values but \(rowCount) rows × \(columnNames.count) columns need \(rowCount * columnNames.count)")
        }
        var seen = Set<String>()
        for name in columnNames where !seen.insert(name).inserted {
            throw StatsError("column name \"\(name)\" appears twice in the design; names must be unique")
        }
        let p = columnNames.count
        for (index, value) in values.enumerated() where !value.isFinite {
            let what = value.isNaN ? "missing (NaN)" : "\(value)"
            throw StatsError("design row \(index / p), column \"\(columnNames[index % p])\" is \(what); every covariate value must be a finite number — drop incomplete rows before fitting and report how many were dropped")
        }
        self.rowCount = rowCount
        self.columnNames = columnNames
        self.values = values
    }

    /// A design from columns of equal length.
    /// - Throws: `StatsError` if the names and columns disagree in number, the columns differ
    ///   in length, or a value is not finite.
    public init(columns: [[Double]], names: [String]) throws {
        guard columns.count == names.count else {
            throw StatsError("\(columns.count) columns were given with \(names.count) names; give one name per column")
        }
        let n = columns.first?.count ?? 0
        for (j, column) in columns.enumerated() where column.count != n {
            throw StatsError("column \"\(names[j])\" has \(column.count) values but column \"\(names[0])\" has \(n); columns must have equal length")
        }
        let p = columns.count
        var values = [Double](repeating: 0, count: n * p)
        for (j, column) in columns.enumerated() {
            for (i, value) in column.enumerated() { values[i * p + j] = value }
        }
        try self.init(rowCount: n, columnNames: names, rowMajorValues: values)
    }
}
