/// DayZeroStats: the numerics every DayZero analysis uses — special functions, distributions,
/// descriptive statistics, hypothesis tests, Kaplan–Meier, logistic regression, linear mixed
/// models and multiple-testing corrections — with no cohort knowledge. Each method matches R;
/// `docs/methods.md` gives the formula, the R call and the tolerance.
public enum DayZeroStats {
    /// The version of the statistics core, reported in provenance blocks.
    public static let version = "0.1.0"
}
