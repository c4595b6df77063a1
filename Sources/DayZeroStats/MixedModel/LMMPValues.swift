/// p-values for the mixed-model tests, from the shared distributions.
enum LMMPValues {
    /// `2 * pt(-|t|, df)`; an infinite df is the normal limit.
    static func twoSidedT(_ t: Double, df: Double) -> Double {
        if t.isNaN || df.isNaN { return .nan }
        if df.isInfinite { return 2 * NormalDistribution.upperTail(abs(t)) }
        return StudentTDistribution.twoSidedPValue(t, df: df)
    }

    /// `pf(f, df1, df2, lower.tail = FALSE)`; an infinite df2 is the chi-square limit.
    static func upperF(_ f: Double, df1: Double, df2: Double) -> Double {
        if f.isNaN || df2.isNaN { return .nan }
        if df2.isInfinite { return ChiSquaredDistribution.upperTail(f * df1, df: df1) }
        return FDistribution.upperTail(f, df1: df1, df2: df2)
    }
}
