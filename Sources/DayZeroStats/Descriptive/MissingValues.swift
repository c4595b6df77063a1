/// The missing-value rule every DayZeroStats routine follows.
///
/// Inputs are `[Double?]`. `nil` and NaN are *missing*: they are dropped and counted (the
/// result reports the count, so nothing disappears silently), like R's `na.rm = TRUE` /
/// `na.omit`. ±∞ is not a measurement: it is rejected with a `StatsError` naming the index.
/// `[Double]` arguments convert implicitly.
public enum MissingValues {
    /// The non-missing values in input order and the number of missing ones.
    ///
    /// - Throws: `StatsError` if a value is ±∞; `argument` names the input in the message.
    public static func partition(_ values: [Double?], argument: String = "values") throws -> (values: [Double], missing: Int) {
        var kept: [Double] = []
        kept.reserveCapacity(values.count)
        var missing = 0
        for (index, value) in values.enumerated() {
            guard let value, !value.isNaN else {
                missing += 1
                continue
            }
            if value.isInfinite {
                throw StatsError("\(argument)[\(index)] is \(value); values must be finite (use nil or NaN for a missing value)")
            }
            kept.append(value)
        }
        return (kept, missing)
    }

    /// Pairs (x[i], y[i]) with both present, for paired tests; a pair with either member
    /// missing is dropped and counted (R `t.test(x, y, paired = TRUE)` does the same).
    public static func partitionPairs(_ x: [Double?], _ y: [Double?]) throws -> (x: [Double], y: [Double], missing: Int) {
        guard x.count == y.count else {
            throw StatsError("paired data need equal lengths: x has \(x.count) values, y has \(y.count)")
        }
        var keptX: [Double] = []
        var keptY: [Double] = []
        keptX.reserveCapacity(x.count)
        keptY.reserveCapacity(y.count)
        var missing = 0
        for index in x.indices {
            guard let a = x[index], let b = y[index], !a.isNaN, !b.isNaN else {
                missing += 1
                continue
            }
            if a.isInfinite { throw StatsError("x[\(index)] is \(a); values must be finite") }
            if b.isInfinite { throw StatsError("y[\(index)] is \(b); values must be finite") }
            keptX.append(a)
            keptY.append(b)
        }
        return (keptX, keptY, missing)
    }
}
