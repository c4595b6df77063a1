extension KaplanMeier {
    /// The tolerance of survival's median rule: `sqrt(.Machine$double.eps)`.
    static let medianTolerance = Double.ulpOfOne.squareRoot()

    /// Median survival as `print.survfit` computes it: the median is the first time at which
    /// the curve is ≤ 0.5; when the curve equals 0.5 (within 1.49e-8) on an interval, it is
    /// the midpoint of that interval — the first such time and the next time the curve drops
    /// — and, if the curve never drops below 0.5 again, the first such time. The confidence
    /// limits apply the same rule to the lower and upper pointwise limits: the median's lower
    /// limit is where the lower curve crosses 0.5, its upper limit where the upper curve does.
    static func medianSurvival(_ steps: [KaplanMeierStep]) -> MedianSurvival {
        MedianSurvival(
            estimate: firstCrossing(steps.map { ($0.time, Optional($0.survival)) }),
            lower: firstCrossing(steps.map { ($0.time, $0.lower) }),
            upper: firstCrossing(steps.map { ($0.time, $0.upper) }))
    }

    /// The first time the step function `points` is at or below 0.5, with the midpoint rule
    /// for a curve that sits exactly at 0.5. Undefined values (`nil`) are skipped, as R
    /// skips NA.
    static func firstCrossing(_ points: [(time: Double, value: Double?)]) -> Double? {
        let kept = points.compactMap { point -> (time: Double, value: Double)? in
            guard let value = point.value, value < 0.5 + medianTolerance else { return nil }
            return (point.time, value)
        }
        guard let first = kept.first else { return nil }
        if abs(first.value - 0.5) < medianTolerance,
           let drop = kept.first(where: { $0.value < first.value })
        {
            return (first.time + drop.time) / 2
        }
        return first.time
    }
}
