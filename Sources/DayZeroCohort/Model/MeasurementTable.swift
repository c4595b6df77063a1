/// The measurements of a study (`measurements.csv`) stored by column, with patient IDs,
/// parameter names and units interned: 28 bytes per row (three 32-bit keys, time and value)
/// instead of a `Measurement` value with three strings (72 bytes plus the array's slack), which is
/// what lets a registry-sized study (tens of millions of rows) fit in memory. The value as
/// written in the source is kept only for the rows whose unit was converted (1.6% of the
/// synthetic registry's rows); elsewhere it equals the canonical value.
///
/// It is a random-access collection of `Measurement` values — `table[i]` rebuilds row `i` — so
/// code that reads rows one by one needs no change; code on the hot path (the derivation, the
/// input hash) reads the columns and the interned names directly.
public struct MeasurementTable: Sendable, RandomAccessCollection, ExpressibleByArrayLiteral, Equatable {
    /// Distinct patient IDs, in order of first appearance.
    public private(set) var patientIDs: [String] = []
    /// Distinct parameter names, in order of first appearance.
    public private(set) var parameterNames: [String] = []
    /// Distinct source units, in order of first appearance.
    public private(set) var unitNames: [String] = []

    /// Row `r`'s patient: `patientIDs[Int(patient[r])]`.
    public private(set) var patient: [Int32] = []
    /// Row `r`'s parameter: `parameterNames[Int(parameter[r])]`.
    public private(set) var parameter: [Int32] = []
    /// Row `r`'s source unit: `unitNames[Int(unit[r])]`.
    public private(set) var unit: [Int32] = []
    /// Time on the ICU-day scale.
    public private(set) var time: [Double] = []
    /// Value in the parameter's canonical unit.
    public private(set) var value: [Double] = []
    /// The rows whose source value differs from `value` (ascending), and those source values.
    private var convertedRows: [Int] = []
    private var convertedSourceValues: [Double] = []

    private var patientKeys: [String: Int32] = [:]
    private var parameterKeys: [String: Int32] = [:]
    private var unitKeys: [String: Int32] = [:]

    public init() {}

    public init(arrayLiteral elements: Measurement...) {
        self.init(elements)
    }

    public init<S: Sequence>(_ rows: S) where S.Element == Measurement {
        reserveCapacity(rows.underestimatedCount)
        for m in rows { append(m) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { time.count }

    public subscript(position: Int) -> Measurement {
        Measurement(
            patientID: patientIDs[Int(patient[position])], time: time[position], parameter: parameterNames[Int(parameter[position])],
            value: value[position], sourceValue: sourceValue(row: position), sourceUnit: unitNames[Int(unit[position])])
    }

    /// Row `r`'s value as written in its source unit.
    public func sourceValue(row r: Int) -> Double {
        guard let last = convertedRows.last, r <= last else { return value[r] }
        var lo = 0, hi = convertedRows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if convertedRows[mid] < r { lo = mid + 1 } else { hi = mid }
        }
        return convertedRows[lo] == r ? convertedSourceValues[lo] : value[r]
    }

    private mutating func appendSourceValue(_ sv: Double, value v: Double) {
        // Bit patterns, so −0.0 and NaN payloads survive as written.
        guard sv.bitPattern != v.bitPattern else { return }
        convertedRows.append(value.count - 1)
        convertedSourceValues.append(sv)
    }

    public mutating func reserveCapacity(_ n: Int) {
        patient.reserveCapacity(n)
        parameter.reserveCapacity(n)
        unit.reserveCapacity(n)
        time.reserveCapacity(n)
        value.reserveCapacity(n)
    }

    /// Appends one row. Rows of one patient usually come together, so the previous row's
    /// patient is tried before the dictionary.
    public mutating func append(_ m: Measurement) {
        append(patientID: m.patientID, time: m.time, parameter: m.parameter, value: m.value, sourceValue: m.sourceValue, sourceUnit: m.sourceUnit)
    }

    /// Appends one row from its fields.
    public mutating func append(patientID: String, time t: Double, parameter name: String, value v: Double, sourceValue sv: Double, sourceUnit u: String) {
        let p: Int32
        if let last = patient.last, patientIDs[Int(last)] == patientID {
            p = last
        } else {
            p = Self.intern(patientID, in: &patientIDs, keys: &patientKeys)
        }
        patient.append(p)
        parameter.append(Self.intern(name, in: &parameterNames, keys: &parameterKeys))
        unit.append(Self.intern(u, in: &unitNames, keys: &unitKeys))
        time.append(t)
        value.append(v)
        appendSourceValue(sv, value: v)
    }

    /// Appends rows; the columns grow geometrically (no exact `reserveCapacity` here, which
    /// would make repeated small appends quadratic).
    /// The key of patient `id`, interning it if new (for readers that resolve each distinct
    /// name once and then append rows by key).
    public mutating func patientKey(_ id: String) -> Int32 { Self.intern(id, in: &patientIDs, keys: &patientKeys) }

    /// The key of parameter `name`, interning it if new.
    public mutating func parameterKey(_ name: String) -> Int32 { Self.intern(name, in: &parameterNames, keys: &parameterKeys) }

    /// The key of source unit `name`, interning it if new.
    public mutating func unitKey(_ name: String) -> Int32 { Self.intern(name, in: &unitNames, keys: &unitKeys) }

    /// Appends one row by keys from `patientKey`, `parameterKey` and `unitKey`.
    /// - Precondition: each key was returned by this table (a reader's own invariant, not input).
    public mutating func append(patient p: Int32, parameter k: Int32, unit u: Int32, time t: Double, value v: Double, sourceValue sv: Double) {
        patient.append(p)
        parameter.append(k)
        unit.append(u)
        time.append(t)
        value.append(v)
        appendSourceValue(sv, value: v)
    }

    public mutating func append<S: Sequence>(contentsOf rows: S) where S.Element == Measurement {
        for m in rows { append(m) }
    }

    private static func intern(_ s: String, in names: inout [String], keys: inout [String: Int32]) -> Int32 {
        if let k = keys[s] { return k }
        let k = Int32(truncatingIfNeeded: names.count)
        names.append(s)
        keys[s] = k
        return k
    }

    /// Row by row: two tables are equal when they hold the same measurements in the same order,
    /// however their names were interned.
    public static func == (a: MeasurementTable, b: MeasurementTable) -> Bool {
        guard a.count == b.count, a.time == b.time, a.value == b.value, a.convertedRows == b.convertedRows,
              a.convertedSourceValues == b.convertedSourceValues
        else { return false }
        for r in a.indices {
            guard a.patientIDs[Int(a.patient[r])] == b.patientIDs[Int(b.patient[r])],
                  a.parameterNames[Int(a.parameter[r])] == b.parameterNames[Int(b.parameter[r])],
                  a.unitNames[Int(a.unit[r])] == b.unitNames[Int(b.unit[r])]
            else { return false }
        }
        return true
    }
}
