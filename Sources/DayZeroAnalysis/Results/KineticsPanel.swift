/// One parameter over aligned time: geometric mean with 95% CI per day and group, and the
/// mixed-model time × group p-values for the whole window and the pre and post parts.
public struct KineticsPanel: Codable, Sendable, Equatable {
    public var parameter: String
    public var label: String
    public var unit: String
    /// The aligned-day window analysed, inclusive.
    public var firstDay: Int
    public var lastDay: Int
    /// How values were transformed before the model (`log`, `log(x + 1)`, …).
    public var transform: String
    /// The ICU-admission sample per group (cytokines), when the protocol asks for it. Its `day`
    /// is 0 by convention: it is the admission sample, not aligned day 0 (its aligned day, which
    /// differs per patient, is in `aligned_long.csv`).
    public var admission: [DayGroupStatistic]
    public var days: [DayGroupStatistic]
    /// Model p-values: whole window, first day…0, 0…last day.
    public var overall: InteractionTest?
    public var pre: InteractionTest?
    public var post: InteractionTest?
    public var warnings: [String]
    /// The kinetics model's time (`kinetics_model`): `linear` or `spline(knots: 3, 6)`; absent
    /// (`nil`) for the categorical model, each period a level.
    public var timeModel: String?
    /// The protocol's time unit (`time_axis.unit`), absent on the ICU-day axis: `day` in
    /// `firstDay`, `lastDay` and `days[].day` then means this period.
    public var timeUnit: String?
    /// In a propensity-score-weighted set: the design-based Wald tests under the weights
    /// (`survey::svyglm` + `regTermTest`); absent in other sets.
    public var weighted: WeightedKineticsTests?

    public init(
        parameter: String, label: String, unit: String, firstDay: Int, lastDay: Int, transform: String,
        admission: [DayGroupStatistic], days: [DayGroupStatistic], overall: InteractionTest?, pre: InteractionTest?,
        post: InteractionTest?, warnings: [String], timeModel: String? = nil, timeUnit: String? = nil,
        weighted: WeightedKineticsTests? = nil
    ) {
        self.parameter = parameter
        self.label = label
        self.unit = unit
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.transform = transform
        self.admission = admission
        self.days = days
        self.overall = overall
        self.pre = pre
        self.post = post
        self.warnings = warnings
        self.timeModel = timeModel
        self.timeUnit = timeUnit
        self.weighted = weighted
    }
}

/// The geometric mean and its 95% CI of one group on one aligned day (back-transformed).
public struct DayGroupStatistic: Codable, Sendable, Equatable {
    public var day: Int
    public var group: String
    public var n: Int
    public var geometricMean: Double?
    public var lower: Double?
    public var upper: Double?

    public init(day: Int, group: String, n: Int, geometricMean: Double?, lower: Double?, upper: Double?) {
        self.day = day
        self.group = group
        self.n = n
        self.geometricMean = geometricMean
        self.lower = lower
        self.upper = upper
    }
}

/// The type III F test of the day × group interaction of `value ~ day * group + (1 | patient)`
/// (lmerTest, Satterthwaite denominator df) on one window; with `kinetics_model: linear` or
/// `spline`, of `value ~ time * group` or `value ~ ns(time, …) * group` (`timeModel`).
public struct InteractionTest: Codable, Sendable, Equatable {
    public var firstDay: Int
    public var lastDay: Int
    public var observations: Int
    public var patients: Int
    public var fStatistic: Double
    public var numeratorDF: Double
    public var denominatorDF: Double
    public var pValue: Double
    public var warnings: [String]
    /// The model fitted on this window when time is not categorical: `linear`, or
    /// `spline(knots: …)` with the knots inside this window (the sub-windows keep only theirs).
    public var timeModel: String?

    public init(
        firstDay: Int, lastDay: Int, observations: Int, patients: Int, fStatistic: Double, numeratorDF: Double,
        denominatorDF: Double, pValue: Double, warnings: [String], timeModel: String? = nil
    ) {
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.observations = observations
        self.patients = patients
        self.fStatistic = fStatistic
        self.numeratorDF = numeratorDF
        self.denominatorDF = denominatorDF
        self.pValue = pValue
        self.warnings = warnings
        self.timeModel = timeModel
    }
}
