/// Which daily series: a parameter under one daily aggregation (`nil` for derived series such
/// as `sofa`, which have one value per day by construction).
public struct DailySeriesKey: Sendable, Hashable, CustomStringConvertible {
    public var parameter: String
    public var aggregation: DailyAggregation?

    public init(parameter: String, aggregation: DailyAggregation?) {
        self.parameter = parameter
        self.aggregation = aggregation
    }

    public var description: String { aggregation.map { "\(parameter)[\($0.rawValue)]" } ?? parameter }
}

/// Daily values of every series the protocol needs, for every included patient, stored
/// columnar: the values of patient `p`, series `s` are `days[r]`, `values[r]`, `imputed[r]`
/// for `r` in `range(patient: p, series: s)`, sorted by ICU day (one value per day).
///
/// The columns are `ChunkedColumn`s: a registry's table holds hundreds of millions of values
/// (≈ 13 bytes each), which an array grown by doubling would hold with up to as much slack
/// again, and copy at every doubling.
///
/// - Complexity: `range` is O(1); `value(patient:series:icuDay:)` is O(log d) for d days.
public struct DailyValueTable: Sendable {
    public let keys: [DailySeriesKey]
    public let keyIndex: [DailySeriesKey: Int]
    public let patientCount: Int
    /// `offsets[p * keys.count + s] ..< offsets[p * keys.count + s + 1]`.
    let offsets: [Int]
    /// ICU day of each value.
    public let days: ChunkedColumn<Int32>
    public let values: ChunkedColumn<Double>
    /// True where the temperature imputation set the value.
    public let imputed: ChunkedColumn<Bool>

    /// The rows of one patient's series.
    public func range(patient: Int, series: Int) -> Range<Int> {
        let i = patient * keys.count + series
        return offsets[i]..<offsets[i + 1]
    }

    /// The value on ICU day `icuDay`, or `nil`.
    public func value(patient: Int, series: Int, icuDay: Int) -> Double? {
        let r = range(patient: patient, series: series)
        var lo = r.lowerBound, hi = r.upperBound
        let target = Int32(clamping: icuDay)
        while lo < hi {
            let mid = (lo + hi) / 2
            if days[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        return lo < r.upperBound && days[lo] == target ? values[lo] : nil
    }

    /// Total number of stored values.
    public var count: Int { values.count }
}

/// Appends one patient at a time, series in key order.
struct DailyValueTableBuilder {
    let keys: [DailySeriesKey]
    var offsets: [Int] = [0]
    var days = ChunkedColumn<Int32>()
    var values = ChunkedColumn<Double>()
    var imputed = ChunkedColumn<Bool>()
    var patients = 0

    init(keys: [DailySeriesKey]) { self.keys = keys }

    /// Appends one patient's series; `series[s]` is sorted by day with unique days.
    mutating func append(patientSeries series: [DaySeries]) {
        for s in series {
            days.append(contentsOf: s.days.lazy.map { Int32(clamping: $0) })
            values.append(contentsOf: s.values)
            imputed.append(contentsOf: s.imputed)
            offsets.append(values.count)
        }
        patients += 1
    }

    func build() -> DailyValueTable {
        DailyValueTable(
            keys: keys, keyIndex: Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) }), patientCount: patients,
            offsets: offsets, days: days, values: values, imputed: imputed)
    }
}

/// A column of values appended in chunks of 2²⁰ (1 MiB–8 MiB each): it never holds more
/// than one chunk of unused capacity and never copies what it already holds, where an array
/// grown by doubling holds up to as much slack as values and copies them at every doubling —
/// at registry scale gigabytes of both.
public struct ChunkedColumn<Element: Sendable>: Sendable, RandomAccessCollection {
    private static var shift: Int { 20 }
    private static var mask: Int { (1 << shift) - 1 }
    private var chunks: [[Element]] = []
    public private(set) var count = 0

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> Element { chunks[position >> Self.shift][position & Self.mask] }

    public mutating func append(_ x: Element) {
        if count & Self.mask == 0 {
            var chunk: [Element] = []
            chunk.reserveCapacity(1 << Self.shift)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(x)
        count += 1
    }

    /// Appends `xs`, filling the last chunk before starting the next.
    public mutating func append<C: Collection>(contentsOf xs: C) where C.Element == Element {
        var i = xs.startIndex
        while i != xs.endIndex {
            if count & Self.mask == 0 {
                var chunk: [Element] = []
                chunk.reserveCapacity(1 << Self.shift)
                chunks.append(chunk)
            }
            let room = (1 << Self.shift) - (count & Self.mask)
            let end = xs.index(i, offsetBy: room, limitedBy: xs.endIndex) ?? xs.endIndex
            chunks[chunks.count - 1].append(contentsOf: xs[i..<end])
            count += xs.distance(from: i, to: end)
            i = end
        }
    }
}

extension ChunkedColumn: Equatable where Element: Equatable {
    public static func == (a: ChunkedColumn, b: ChunkedColumn) -> Bool { a.count == b.count && a.elementsEqual(b) }
}

/// One patient's daily values of one series, sorted by day.
struct DaySeries {
    var days: [Int] = []
    var values: [Double] = []
    var imputed: [Bool] = []

    mutating func append(day: Int, value: Double, imputed flag: Bool = false) {
        days.append(day)
        values.append(value)
        imputed.append(flag)
    }

    /// Index of `day`, if present (binary search).
    func index(of day: Int) -> Int? {
        var lo = 0, hi = days.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if days[mid] < day { lo = mid + 1 } else { hi = mid }
        }
        return lo < days.count && days[lo] == day ? lo : nil
    }

    func value(on day: Int) -> Double? { index(of: day).map { values[$0] } }
}

/// The temperature rule on one patient's series: on every flagged day the value becomes
/// `rule.value` (created on an unmeasured day when `imputeUnmeasuredDays`); with `lowerOnly`
/// only a measured value above `rule.value` is replaced (the others are kept, counted `kept`).
/// `counts` is updated when `count` is true (the primary series of the parameter).
func applyTemperatureImputation(
    _ series: inout DaySeries, flaggedDays: [Int], rule: TemperatureImputationRule, counts: inout ImputationCounts, count: Bool
) {
    guard !flaggedDays.isEmpty else { return }
    var out = DaySeries()
    var i = 0, j = 0
    let v = rule.value
    while i < series.days.count || j < flaggedDays.count {
        let measuredDay = i < series.days.count ? series.days[i] : Int.max
        let flagDay = j < flaggedDays.count ? flaggedDays[j] : Int.max
        if measuredDay < flagDay {
            out.append(day: measuredDay, value: series.values[i], imputed: series.imputed[i])
            i += 1
        } else if flagDay < measuredDay {
            if count { counts.flaggedDays += 1 }
            if rule.imputeUnmeasuredDays {
                out.append(day: flagDay, value: v, imputed: true)
                if count { counts.created += 1 }
            } else if count {
                counts.leftUnmeasured += 1
            }
            j += 1
        } else {
            let measured = series.values[i]
            if count { counts.flaggedDays += 1 }
            if rule.lowerOnly, !(measured > v) {
                if count { counts.kept += 1 }
                out.append(day: measuredDay, value: measured, imputed: series.imputed[i])
                i += 1
                j += 1
                continue
            }
            if count {
                if measured > v { counts.lowered += 1 } else if measured < v { counts.raised += 1 } else { counts.unchanged += 1 }
            }
            out.append(day: measuredDay, value: v, imputed: true)
            i += 1
            j += 1
        }
    }
    series = out
}
