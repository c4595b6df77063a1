/// The alternative hypothesis of a test, as R's `alternative = "two.sided" | "less" | "greater"`.
public enum Alternative: String, Sendable, Hashable, Codable, CaseIterable {
    case twoSided = "two.sided"
    /// The first group (or the estimate) is smaller than under the null.
    case less
    /// The first group (or the estimate) is larger than under the null.
    case greater
}

/// A confidence interval; a nil bound is unbounded (one-sided intervals, as R's −Inf/Inf),
/// so that results stay JSON-encodable.
public struct ConfidenceInterval: Sendable, Hashable, Codable {
    public var lower: Double?
    public var upper: Double?
    public var level: Double

    public init(lower: Double?, upper: Double?, level: Double) {
        self.lower = lower
        self.upper = upper
        self.level = level
    }
}

/// The p-value underflow rule shared by every test.
///
/// A p-value below the smallest normal double (2.2e−308) has lost precision or underflowed to
/// 0. DayZero keeps the computed number (0 when it underflowed — R returns the same 0) and adds
/// a `p-value-underflow` warning saying the p-value is below 2.2e−308, so a report can print
/// "p < 1e−300" instead of a misleading exact value.
enum PValues {
    static func underflowWarnings(_ p: Double?) -> [StatsWarning] {
        guard let p, p < Double.leastNormalMagnitude else { return [] }
        return [StatsWarning(
            code: "p-value-underflow",
            message: "the p-value is below 2.2e-308 (the smallest normal double) and is reported as \(p); read it as p < 1e-300")]
    }

    /// Clamps rounding noise into [0, 1].
    static func clamp(_ p: Double) -> Double {
        min(1, max(0, p))
    }
}
