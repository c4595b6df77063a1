/// Pearson's chi-square test of independence for an r×c table — R `chisq.test(table)`.
///
/// Expected counts Eᵢⱼ = (row total i)(column total j)/N; statistic Σ(|Oᵢⱼ − Eᵢⱼ| − c)²/Eᵢⱼ
/// with df = (r − 1)(c − 1) and p = P(χ²_df > statistic) (direct upper tail). For a 2×2 table with
/// `continuityCorrection` (R's default `correct = TRUE`) Yates' c = min(½, minᵢⱼ |Oᵢⱼ − Eᵢⱼ|) —
/// R takes the minimum over all cells — otherwise c = 0.
///
/// Edge cases: any Eᵢⱼ < 5 adds `small-expected-counts` (R's "Chi-squared approximation may be
/// incorrect"). Rows or columns with a zero total (R returns NaN there) are dropped with an
/// `empty-margin` warning and the test runs on the rest; if fewer than two rows or columns
/// remain, statistic and p-value are nil.
public enum ChiSquareTest {
    /// - Throws: `StatsError` if the table is not rectangular, smaller than 2×2, or has a
    ///   negative count.
    public static func pearson(_ table: [[Int]], continuityCorrection: Bool = true) throws -> ChiSquareTestResult {
        guard table.count >= 2, let width = table.first?.count, width >= 2, table.allSatisfy({ $0.count == width }) else {
            throw StatsError("the chi-square test needs a rectangular table with at least 2 rows and 2 columns (got row lengths \(table.map(\.count)))")
        }
        guard table.allSatisfy({ $0.allSatisfy { $0 >= 0 } }) else {
            throw StatsError("table counts must be non-negative (got \(table))")
        }
        var warnings: [StatsWarning] = []
        let rowTotals = table.map { $0.reduce(0, +) }
        let columnTotals = (0..<width).map { j in table.reduce(0) { $0 + $1[j] } }
        let keptRows = rowTotals.indices.filter { rowTotals[$0] > 0 }
        let keptColumns = columnTotals.indices.filter { columnTotals[$0] > 0 }
        let droppedRows = table.count - keptRows.count
        let droppedColumns = width - keptColumns.count
        if droppedRows + droppedColumns > 0 {
            warnings.append(StatsWarning(
                code: "empty-margin",
                message: "\(droppedRows) row(s) and \(droppedColumns) column(s) with a zero total were dropped (R would return NaN)"))
        }
        let total = rowTotals.reduce(0, +)
        var result = ChiSquareTestResult(statistic: nil, df: nil, pValue: nil, expected: [], continuityCorrection: false,
                                         total: total, warnings: warnings)
        guard keptRows.count >= 2, keptColumns.count >= 2 else {
            result.warnings.append(StatsWarning(
                code: "insufficient-data",
                message: "fewer than two non-empty rows or columns remain; no chi-square test computed"))
            return result
        }
        let n = Double(total)
        let expected = keptRows.map { i in keptColumns.map { j in Double(rowTotals[i]) * Double(columnTotals[j]) / n } }
        let observed = keptRows.map { i in keptColumns.map { j in Double(table[i][j]) } }
        let applyYates = continuityCorrection && keptRows.count == 2 && keptColumns.count == 2
        var yates = 0.0
        if applyYates {
            yates = 0.5
            for i in 0..<2 { for j in 0..<2 { yates = min(yates, abs(observed[i][j] - expected[i][j])) } }
        }
        var statistic = 0.0
        var smallExpected = false
        for i in observed.indices {
            for j in observed[i].indices {
                let e = expected[i][j]
                let d = abs(observed[i][j] - e) - yates
                statistic += d * d / e
                if e < 5 { smallExpected = true }
            }
        }
        if smallExpected {
            result.warnings.append(StatsWarning(
                code: "small-expected-counts",
                message: "some expected counts are below 5; the chi-square approximation may be inaccurate (consider Fisher's exact test)"))
        }
        let df = Double((keptRows.count - 1) * (keptColumns.count - 1))
        result.statistic = statistic
        result.df = df
        result.pValue = ChiSquaredDistribution.upperTail(statistic, df: df)
        result.expected = expected
        result.continuityCorrection = applyYates
        result.warnings += PValues.underflowWarnings(result.pValue)
        return result
    }
}

/// The outcome of `ChiSquareTest.pearson`.
public struct ChiSquareTestResult: Sendable, Hashable, Codable {
    /// Pearson's X² (Yates-corrected when `continuityCorrection`); nil if no test was possible.
    public var statistic: Double?
    public var df: Double?
    public var pValue: Double?
    /// Expected counts of the (non-empty rows/columns of the) table.
    public var expected: [[Double]]
    /// Whether Yates' correction was applied.
    public var continuityCorrection: Bool
    /// Grand total N.
    public var total: Int
    public var warnings: [StatsWarning]
}
