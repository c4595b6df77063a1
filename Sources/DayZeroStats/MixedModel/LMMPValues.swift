/// p-values for the mixed-model tests, from the shared distributions (both accept real and
/// infinite df, and compute the upper tail directly, so tiny p-values keep their digits).
enum LMMPValues {
    /// `2 * pt(-|t|, df)`.
    static func twoSidedT(_ t: Double, df: Double) -> Double {
        StudentTDistribution.twoSidedPValue(t, df: df)
    }

    /// `pf(f, df1, df2, lower.tail = FALSE)`.
    static func upperF(_ f: Double, df1: Double, df2: Double) -> Double {
        FDistribution.upperTail(f, df1: df1, df2: df2)
    }
}
