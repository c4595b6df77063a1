extension KaplanMeierCurve {
    /// The curve at chosen times — `summary(fit, times = times, extend = extend)`: the
    /// numbers at risk shown under a Kaplan–Meier plot.
    ///
    /// For each requested time t (sorted ascending; duplicates kept): `atRisk` is the number
    /// with time ≥ t; survival, standard errors and limits are those of the last step at or
    /// before t (1, 0 and 1 before the first step); `events` and `censored` count what
    /// happened after the previous requested time up to and including t. Without `extend`,
    /// times after the curve's last time are left out, as R does; with `extend` they are kept
    /// with 0 at risk and the last survival value.
    /// - Throws: `StatsError` for a NaN or negative requested time, and when no requested time
    ///   is left (R: "no points selected … consider using the extend argument").
    /// - Complexity: O((m + k) log m) for m requested times and k steps.
    public func summary(at times: [Double], extend: Bool = false) throws -> [KaplanMeierStep] {
        for (index, time) in times.enumerated() {
            if time.isNaN { throw StatsError("times[\(index)] is NaN; requested summary times must be numbers") }
            if time < 0 { throw StatsError("times[\(index)] is \(time); requested summary times must be ≥ 0") }
        }
        guard let lastTime = steps.last?.time else {
            throw StatsError("the curve has no steps to summarise")
        }
        let requested = times.filter { $0.isFinite && (extend || $0 <= lastTime) }.sorted()
        guard !requested.isEmpty else {
            let name = group.map { "group \"\($0)\"" } ?? "the curve"
            throw StatsError("no requested time is at or before the last time (\(lastTime)) of \(name); pass extend: true to report times beyond the data")
        }
        var rows: [KaplanMeierStep] = []
        rows.reserveCapacity(requested.count)
        var next = 0                // first step with time > the current requested time
        var events = 0
        var censored = 0
        for time in requested {
            while next < steps.count, steps[next].time <= time {
                events += steps[next].events
                censored += steps[next].censored
                next += 1
            }
            let atRisk: Int
            if next > 0, steps[next - 1].time == time {
                atRisk = steps[next - 1].atRisk
            } else {
                atRisk = next < steps.count ? steps[next].atRisk : 0
            }
            if next == 0 {
                rows.append(KaplanMeierStep(
                    time: time, atRisk: atRisk, events: events, censored: censored, survival: 1,
                    standardError: 0, logStandardError: 0, lower: 1, upper: 1))
            } else {
                let step = steps[next - 1]
                rows.append(KaplanMeierStep(
                    time: time, atRisk: atRisk, events: events, censored: censored,
                    survival: step.survival, standardError: step.standardError,
                    logStandardError: step.logStandardError, lower: step.lower, upper: step.upper))
            }
            events = 0
            censored = 0
        }
        return rows
    }
}
