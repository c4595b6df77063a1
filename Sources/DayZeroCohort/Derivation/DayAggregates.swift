/// The per-patient-day aggregates of one measured parameter, computed outside Swift — by the
/// database, in the pushdown of the OMOP source (`docs/sources.md`, "Pushdown") — from the
/// parameter's canonical values of one patient on one ICU day:
///
/// - `count`, `minimum`, `maximum`, `sum` of the values;
/// - `first` and `last`: the values of the earliest and latest row by (time, input order),
///   the order the row-fed derivation sorts by;
/// - `anyNonZero`: some value is not 0 (the temperature imputation's flag).
///
/// A parameter given this way gets each series value from these aggregates
/// (`DailyAggregation.value(of:)`): `max`, `min`, `sum`, `first`, `last` directly, `mean` as
/// `sum / count` (the expression of `DailyAggregation.aggregate`). `median` cannot be given
/// this way — its parameters are fed as rows (`CohortDeriver.rowOnlyParameters`). A source may
/// leave out (as NaN) the aggregates no series of the parameter needs: only the needed ones
/// are read.
public struct DayAggregates: Sendable, Equatable {
    /// The ICU day (period of the protocol's ICU-day axis).
    public var day: Int
    public var count: Int
    public var minimum: Double
    public var maximum: Double
    public var sum: Double
    public var first: Double
    public var last: Double
    public var anyNonZero: Bool

    public init(day: Int, count: Int, minimum: Double, maximum: Double, sum: Double, first: Double, last: Double, anyNonZero: Bool) {
        self.day = day
        self.count = count
        self.minimum = minimum
        self.maximum = maximum
        self.sum = sum
        self.first = first
        self.last = last
        self.anyNonZero = anyNonZero
    }

    /// The aggregates of `values` (in (time, input order) order) on `day`, as the database
    /// computes them; `nil` for no values. For tests that check both sides agree.
    public init?(day: Int, values: [Double]) {
        guard let f = values.first, let l = values.last, let lo = values.min(), let hi = values.max() else { return nil }
        self.init(day: day, count: values.count, minimum: lo, maximum: hi, sum: values.reduce(0, +), first: f, last: l,
                  anyNonZero: values.contains { $0 != 0 })
    }
}

extension DailyAggregation {
    /// The day's value from its aggregates; `nil` for `median` (not expressible from them).
    public func value(of a: DayAggregates) -> Double? {
        guard a.count > 0 else { return nil }
        switch self {
        case .max: return a.maximum
        case .min: return a.minimum
        case .sum: return a.sum
        case .mean: return a.sum / Double(a.count)
        case .first: return a.first
        case .last: return a.last
        case .median: return nil
        }
    }

    /// Whether the day's value can be computed from `DayAggregates` (all but `median`).
    public var isExpressibleFromDayAggregates: Bool { self != .median }
}

/// One patient's pushed-down daily aggregates: for each parameter given this way, its days in
/// ascending order, and the latest time (ICU days) of any of the patient's rows of these
/// parameters (the "last recorded" time the outcomes may use).
public struct PatientDayAggregates: Sendable, Equatable {
    /// Parameter name → its days, ascending, unique.
    public var parameters: [String: [DayAggregates]]
    public var lastTime: Double?

    public init(parameters: [String: [DayAggregates]] = [:], lastTime: Double? = nil) {
        self.parameters = parameters
        self.lastTime = lastTime
    }
}

/// The pushed-down daily aggregates of a study: `parameters` are the parameters given this way
/// (their rows are not in `StudyData.measurements`), `byPatient` their aggregates by patient id.
public struct PushedDailyValues: Sendable, Equatable {
    public var parameters: Set<String>
    public var byPatient: [String: PatientDayAggregates]

    public init(parameters: Set<String>, byPatient: [String: PatientDayAggregates]) {
        self.parameters = parameters
        self.byPatient = byPatient
    }
}

extension CohortDeriver {
    /// The daily aggregations the protocol needs of each measured parameter (the series of
    /// `SeriesPlan`: parameter rules, SOFA inputs, criteria, the temperature imputation and its
    /// flag), by parameter. A source that aggregates per day itself computes these.
    public static func dailyAggregations(protocol p: StudyProtocol, registry: ParameterRegistry) -> [String: [DailyAggregation]] {
        let plan = SeriesPlan(protocol: p, registry: registry)
        var out: [String: [DailyAggregation]] = [:]
        for (parameter, slot) in plan.sourceSlot { out[parameter] = plan.slotTargets[slot].map(\.aggregation) }
        return out
    }

    /// The parameters whose days cannot be given as `DayAggregates` under protocol `p`: those
    /// with a `median` series, and those an exclusion rule reads (the exclusions read rows,
    /// `init(study:protocol:exclusionMeasurements:)`); every parameter when the protocol's time
    /// axis is not the ICU day (the aggregates are per ICU day).
    public static func rowOnlyParameters(protocol p: StudyProtocol, registry: ParameterRegistry) -> (all: Bool, names: Set<String>) {
        guard p.timeAxis.isICUDay else { return (true, []) }
        var names = Set(p.exclusionParameters)
        for (parameter, aggregations) in dailyAggregations(protocol: p, registry: registry)
        where aggregations.contains(where: { !$0.isExpressibleFromDayAggregates }) {
            names.insert(parameter)
        }
        return (false, names)
    }
}
