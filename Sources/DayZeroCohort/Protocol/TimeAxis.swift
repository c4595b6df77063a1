/// The protocol's time axis (`time_axis:`): how a time in ICU days becomes the whole period
/// number every window, alignment day and kinetics model counts in.
///
/// The default — no `time_axis:` key — is the ICU day: `unit: day`, `period_days: 1`,
/// `rounding: floor`, so a time `t` lies in period ⌊t⌋ (the rule DayZero always had).
///
/// YAML:
/// ```yaml
/// time_axis:
///   unit: month            # the name shown in the report (singular, free text)
///   period_days: 30.4375   # one period in ICU days
///   rounding: floor        # floor | nearest
/// ```
public struct TimeAxis: Codable, Sendable, Hashable {
    /// The period's name in the report ("day", "week", "month", "6-month period", …).
    public var unit: String
    /// The length of one period in ICU days (finite, > 0).
    public var periodDays: Double
    public var rounding: TimeRounding

    public init(unit: String = "day", periodDays: Double = 1, rounding: TimeRounding = .floor) {
        self.unit = unit
        self.periodDays = periodDays
        self.rounding = rounding
    }

    /// Today's ICU-day axis: period = ICU day ⌊t⌋.
    public static let icuDay = TimeAxis(unit: "day", periodDays: 1, rounding: .floor)

    /// Whether this is the ICU-day axis (period 1, floor), whatever its unit label.
    public var isICUDay: Bool { periodDays == 1 && rounding == .floor }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case unit
        case periodDays = "period_days"
        case rounding
    }

    /// Every key is optional: the absent ones are the ICU day's (`day`, 1, `floor`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        unit = try c.decodeIfPresent(String.self, forKey: .unit) ?? "day"
        periodDays = try c.decodeIfPresent(Double.self, forKey: .periodDays) ?? 1
        rounding = try c.decodeIfPresent(TimeRounding.self, forKey: .rounding) ?? .floor
    }

    /// The period number of time `t` (ICU days since admission; negative before admission):
    ///
    /// - `floor`: ⌊t / P⌋ — the period `[kP, (k+1)P)` containing `t`;
    /// - `nearest`: ⌊t / P + ½⌋ computed as ⌊q⌋ + (q − ⌊q⌋ ≥ ½ ? 1 : 0) with q = t / P (no
    ///   rounding error at the half) — the period whose centre `kP` is nearest, an exact half
    ///   going up (−½ → 0, ½ → 1, −1½ → −1).
    ///
    /// With P = 1 and `floor` this is `icuDay(t)` exactly (t / 1 = t). It is the one function that
    /// turns a time into a period in the derivation (measurements, cytokines, medications,
    /// events, treatment start). Never traps: like `icuDay`, an absurd or NaN time is clamped.
    @inlinable
    public func period(of t: Double) -> Int {
        if periodDays == 1 && rounding == .floor { return DayZeroCohort.icuDay(t) }
        let q = t / periodDays
        switch rounding {
        case .floor:
            return DayZeroCohort.icuDay(q)
        case .nearest:
            let f = q.rounded(.down)
            guard f.isFinite else { return DayZeroCohort.icuDay(q) }
            return DayZeroCohort.icuDay(q - f >= 0.5 ? f + 1 : f)
        }
    }

    /// The ICU day the outcomes of a patient aligned on period `k` count from: the ICU day
    /// holding time `kP` (the start of period k with `floor`, its centre with `nearest`); on the
    /// ICU-day axis, `k` itself. Outcomes keep their elapsed-time rules in days from its start.
    public func outcomeOriginDay(ofPeriod k: Int) -> Int {
        isICUDay ? k : DayZeroCohort.icuDay(Double(k) * periodDays)
    }

    /// The first time (ICU days) in period `k`: `kP` with `floor`, `(k − ½)P` with `nearest`.
    /// A time `t` is in period `k` exactly when `start(k) ≤ t < start(k + 1)`.
    @inlinable
    public func start(ofPeriod k: Int) -> Double {
        switch rounding {
        case .floor: Double(k) * periodDays
        case .nearest: (Double(k) - 0.5) * periodDays
        }
    }
}

/// How a time becomes a period number (`time_axis.rounding`).
public enum TimeRounding: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    /// The period containing the time: ⌊t / P⌋ (the ICU day's rule).
    case floor
    /// The nearest period: ⌊t / P + ½⌋ (a visit scheduled at kP, early or late, lands in k).
    case nearest
}

/// How the kinetics mixed model treats time (`kinetics_model:`).
///
/// YAML:
/// ```yaml
/// kinetics_model:
///   time: categorical     # categorical (default) | linear | spline
///   knots: [3, 6]         # spline only: interior knots, in periods
///   max_levels: 60        # categorical only: refuse a window of more periods
/// ```
public struct KineticsModel: Codable, Sendable, Hashable {
    public var time: KineticsTime
    /// Interior knots of the natural cubic spline (periods, strictly increasing); spline only.
    public var knots: [Double]?
    /// The most periods a window may have under the categorical model; `nil` = the default.
    public var maxLevels: Int?

    /// The categorical model's default limit on the periods of a window.
    public static let defaultMaxLevels = 60

    public init(time: KineticsTime = .categorical, knots: [Double]? = nil, maxLevels: Int? = nil) {
        self.time = time
        self.knots = knots
        self.maxLevels = maxLevels
    }

    /// Today's model: each period of the window a factor level.
    public static let categorical = KineticsModel()

    /// The limit in force for the categorical model.
    public var levelLimit: Int { maxLevels ?? Self.defaultMaxLevels }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case time, knots
        case maxLevels = "max_levels"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        time = try c.decodeIfPresent(KineticsTime.self, forKey: .time) ?? .categorical
        knots = try c.decodeIfPresent([Double].self, forKey: .knots)
        maxLevels = try c.decodeIfPresent(Int.self, forKey: .maxLevels)
    }

    /// The interior knots of a (sub-)window `[first, last]`: the protocol's knots strictly inside it.
    public func interiorKnots(first: Int, last: Int) -> [Double] {
        (knots ?? []).filter { $0 > Double(first) && $0 < Double(last) }
    }

    /// The label `results.json` shows: `linear`, `spline(knots: 3, 6)`, `categorical`.
    public var label: String {
        switch time {
        case .categorical: "categorical"
        case .linear: "linear"
        case .spline: "spline(knots: " + ((knots ?? []).isEmpty ? "none" : (knots ?? []).map(formatKnot).joined(separator: ", ")) + ")"
        }
    }
}

/// The shortest decimal text of a knot: 3 → "3", 2.5 → "2.5".
func formatKnot(_ k: Double) -> String {
    if k == k.rounded(), abs(k) < 1e15 { return String(Int(k)) }
    return "\(k)"
}

/// Time in the kinetics model.
public enum KineticsTime: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
    /// `y ~ factor(period) * group + (1 | patient)`: each period a level (the paper's model).
    case categorical
    /// `y ~ time * group + (1 | patient)`, time = the aligned period number.
    case linear
    /// `y ~ ns(time, knots, Boundary.knots = window ends) * group + (1 | patient)`.
    case spline
}

extension ProtocolValidator {
    /// `time_axis`: a non-empty unit, `period_days` finite and > 0 (and at most the window
    /// limit); `kinetics_model`: knots only with `spline` (finite, strictly increasing),
    /// `max_levels` only with `categorical` (≥ 2), and under the categorical model no kinetics
    /// window with more periods than `max_levels` (the model would have a level per period).
    mutating func timeSettings(_ p: StudyProtocol) {
        if let axis = p.timeAxisSetting {
            nonEmpty(axis.unit, "time_axis.unit", "the time axis unit")
            if !axis.periodDays.isFinite || !(axis.periodDays > 0) {
                fail(.invalidValue, "time_axis.period_days", "period_days must be a finite number of days above 0, found \(axis.periodDays)")
            } else if axis.periodDays > Double(StudyLimits.maximumWindowDay) {
                fail(.tooLarge, "time_axis.period_days",
                     "period_days must be at most \(StudyLimits.maximumWindowDay) (ten years), found \(axis.periodDays)")
            }
        }
        guard let model = p.kineticsModelSetting else {
            levels(p, limit: KineticsModel.defaultMaxLevels)
            return
        }
        if let knots = model.knots {
            if model.time != .spline {
                fail(.invalidValue, "kinetics_model.knots", "knots are only used with time: spline (found time: \(model.time.rawValue))")
            }
            for (i, k) in knots.enumerated() where !k.isFinite {
                fail(.invalidValue, "kinetics_model.knots[\(i)]", "a knot must be a finite number of periods, found \(k)")
            }
            for i in knots.indices.dropFirst() where knots[i - 1].isFinite && knots[i].isFinite && !(knots[i] > knots[i - 1]) {
                fail(.invalidValue, "kinetics_model.knots[\(i)]", "knots must increase strictly: \(formatKnot(knots[i])) follows \(formatKnot(knots[i - 1]))")
            }
        }
        if let m = model.maxLevels {
            if model.time != .categorical {
                fail(.invalidValue, "kinetics_model.max_levels", "max_levels is only used with time: categorical (found time: \(model.time.rawValue))")
            } else if m < 2 {
                fail(.invalidValue, "kinetics_model.max_levels", "max_levels must be at least 2, found \(m)")
            }
        }
        if model.time == .categorical, model.levelLimit >= 2 { levels(p, limit: model.levelLimit) }
    }

    /// Refuses, under the categorical model, a kinetics window longer than `limit` periods.
    private mutating func levels(_ p: StudyProtocol, limit: Int) {
        let unit = p.timeAxis.unit
        func check(_ w: DayWindow, _ path: String) {
            // A window beyond the limits or out of order is reported by `window(_:_:)`.
            let windowLimit = StudyLimits.maximumWindowDay
            guard w.start <= w.end, w.start >= -windowLimit, w.end <= windowLimit else { return }
            let n = w.end - w.start + 1
            guard n > limit else { return }
            fail(.tooLarge, path,
                 "window \(w) has \(n) \(unit) periods: the categorical kinetics model would fit \(n) time levels, above max_levels \(limit); use kinetics_model: {time: linear} or {time: spline, knots: […]}, a coarser time_axis, a shorter window, or raise kinetics_model.max_levels")
        }
        var serialUsed = false, cytokinesUsed = false
        for (i, r) in p.parameters.enumerated() where r.kinetics {
            if let w = r.window {
                check(w, "parameters[\(i)].window")
            } else if registry[r.name]?.kind == .cytokine {
                cytokinesUsed = true
            } else {
                serialUsed = true
            }
        }
        if serialUsed { check(p.windows.serial, "windows.serial") }
        if cytokinesUsed { check(p.windows.cytokines, "windows.cytokines") }
    }
}
