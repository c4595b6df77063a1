import DayZeroCohort

/// The check of a measurements.csv row that repeats the patient of the row before and a
/// (parameter, unit) pair already found valid — nearly every row of a large study — done on the
/// field bytes, with no `String`, no dictionary and no access to the validator's state.
///
/// It decides only *that a row is valid*: when every check passes it returns the row as
/// numbers; when any check would fail (or cannot be decided here) it returns `nil` without
/// having changed anything, and the validator reads the row the ordinary way, which makes the
/// same checks and reports what is wrong with the same messages. So the problems reported are
/// those of the ordinary path by construction, and the rows handed on are the same: the same
/// parsers (`NumberSyntax`, `TimeSyntax`), the same conversion to the ICU-day scale
/// (`StudyFolderValidator.moment`) and the same comparisons.
///
/// The validator refreshes it after each row read the ordinary way (`refreshFastPath`): the
/// patient of that row becomes the one repeated rows are recognised by, and its pair, when
/// valid, joins the known pairs.
struct MeasurementFastPath {
    private let patientField: Int
    private let timeField: Int
    private let parameterField: Int
    private let valueField: Int
    private let unitField: Int
    private let valueRange: ClosedRange<Double>?
    /// False once a problem was found: rows are then read the ordinary way only.
    private(set) var enabled: Bool

    // The patient of the previous row, when its rows can be taken here.
    private var patientBytes: [UInt8] = []
    private var patientUsable = false
    private var patientKey = 0
    private var admission = Moment(value: 0, precision: .icuDay, calendarDay: 0)
    private var anchor: LocalTimestamp?
    /// The end of the patient's follow-up (death, else follow-up end, else discharge): a
    /// measurement after it goes to the ordinary path, which reports it.
    private var observationEnd: Moment?

    private var pairs = ValuePairTable()
    /// The names of a pair just added, to be announced to the sink before the next row.
    private(set) var pendingNames: ValueNames?
    /// The names of the pairs, by index.
    private var announced: [ValueNames] = []

    /// Names of the pair just added (`addPair` gave it the next index).
    mutating func announce(_ names: ValueNames) {
        pendingNames = names
        announced.append(names)
    }

    /// The pending names, once: the caller hands them to the sink.
    mutating func takePendingNames() -> ValueNames? {
        defer { pendingNames = nil }
        return pendingNames
    }

    func names(_ index: Int32) -> ValueNames {
        let i = Int(index)
        return i >= 0 && i < announced.count ? announced[i] : ValueNames(parameter: "", unit: "")
    }

    init(patient: Col, time: Col, parameter: Col, value: Col, unit: Col, enabled: Bool) {
        patientField = patient.field ?? -1
        timeField = time.field ?? -1
        parameterField = parameter.field ?? -1
        valueField = value.field ?? -1
        unitField = unit.field ?? -1
        valueRange = value.range
        self.enabled = enabled && [patientField, timeField, parameterField, valueField, unitField].allSatisfy { $0 >= 0 }
    }

    mutating func disable() { enabled = false }

    /// Takes the patient whose rows follow; `nil`, a patient who refused consent or one without
    /// an ICU course is left to the ordinary path (which reports or drops those rows).
    mutating func setPatient(bytes: [UInt8], info: PatientInfo?) {
        guard let info, !info.consentRefused, let course = info.course else {
            patientUsable = false
            return
        }
        patientBytes = bytes
        patientKey = info.key
        admission = course.admission
        anchor = course.anchor
        observationEnd = course.followUpEnd
        patientUsable = true
    }

    mutating func clearPatient() { patientUsable = false }

    /// Adds a valid pair unless known; returns the index its names get when it is new.
    mutating func addPair(parameter: UnsafeBufferPointer<UInt8>, unit: UnsafeBufferPointer<UInt8>, rule: ValueRule) -> Int32? {
        pairs.insert(parameter: parameter, unit: unit, rule: rule)
    }

    /// The current record as a valid measurement row, or `nil` when it must be read the
    /// ordinary way. The record has the header's field count (checked by `nextRow`).
    @inline(__always)
    func row(_ csv: CSVReader) -> MeasurementRow? {
        guard enabled, patientUsable else { return nil }
        return csv.withRecord { all, starts, ends in
            @inline(__always)
            func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: all[starts[i]..<ends[i]])
            }
            let patient = field(patientField)
            let samePatient = patientBytes.withUnsafeBufferPointer { known in
                known.count == patient.count && known.elementsEqual(patient)
            }
            guard samePatient else { return nil }
            let timeBytes = field(timeField)
            guard !timeBytes.isEmpty, case .success(let parsed) = StudyFolderValidator.parseTime(timeBytes),
                  let (moment, format) = StudyFolderValidator.moment(parsed, anchor: anchor),
                  StudyLimits.isDayInRange(moment.value)
            else { return nil }
            // `checkWithin` without its reports: either failure goes to the ordinary path.
            if Moment.isBefore(moment, admission) { return nil }
            if let observationEnd, Moment.isBefore(observationEnd, moment) { return nil }
            guard let pair = pairs.lookup(parameter: field(parameterField), unit: field(unitField)) else { return nil }
            guard let (value, canonical) = pair.check(field(valueField), range: valueRange) else { return nil }
            return MeasurementRow(
                patientKey: patientKey, time: moment.value, value: canonical, sourceValue: value, names: pair.names, format: format)
        }
    }
}

/// What the fast path needs of a valid (parameter, unit) pair: plain numbers.
struct ValuePair {
    var parameterStart: Int
    var parameterCount: Int
    var unitStart: Int
    var unitCount: Int
    var factor: Double
    var offset: Double
    var minimum: Double
    var maximum: Double
    var isFlag: Bool
    /// The index of the pair's `ValueNames` announced to the sink.
    var names: Int32

    /// The value written in `bytes` and its canonical value, when every value rule holds: a
    /// number, within the column's `range`, and after conversion (`UnitConversion.toCanonical`,
    /// the same expression) within the parameter's limits (0 or 1 for a flag); `nil` sends the
    /// row to the ordinary path.
    func check(_ bytes: UnsafeBufferPointer<UInt8>, range: ClosedRange<Double>?) -> (value: Double, canonical: Double)? {
        guard !bytes.isEmpty, case .success(let value) = NumberSyntax.parse(bytes), StudyLimits.isValueInRange(value) else { return nil }
        if let range, !range.contains(value) { return nil }
        let canonical = value * factor + offset
        guard canonical >= minimum && canonical <= maximum && (!isFlag || canonical == 0 || canonical == 1) else { return nil }
        return (value, canonical)
    }
}

/// Valid (parameter, unit) pairs keyed by their bytes: open addressing over 1 024 slots with an
/// FNV-1a hash, at most 16 probes (a study has a few dozen pairs); the key bytes are kept back
/// to back in one array. A hit is confirmed by comparing the bytes; a pair that finds no free
/// slot is simply not kept (its rows take the ordinary path).
struct ValuePairTable {
    private static let slotCount = 1_024
    private static let probes = 16
    private var slots = [Int32](repeating: -1, count: slotCount)
    private var pairs: [ValuePair] = []
    private var keyBytes: [UInt8] = []

    @inline(__always)
    private static func hash(_ parameter: UnsafeBufferPointer<UInt8>, _ unit: UnsafeBufferPointer<UInt8>) -> Int {
        pairSlot(parameter, unit, slotCount: slotCount)
    }

    @inline(__always)
    private func matches(_ pair: ValuePair, _ parameter: UnsafeBufferPointer<UInt8>, _ unit: UnsafeBufferPointer<UInt8>) -> Bool {
        guard pair.parameterCount == parameter.count, pair.unitCount == unit.count else { return false }
        return keyBytes.withUnsafeBufferPointer { keys in
            UnsafeBufferPointer(rebasing: keys[pair.parameterStart..<(pair.parameterStart + pair.parameterCount)])
                .elementsEqual(parameter)
                && UnsafeBufferPointer(rebasing: keys[pair.unitStart..<(pair.unitStart + pair.unitCount)]).elementsEqual(unit)
        }
    }

    @inline(__always)
    func lookup(parameter: UnsafeBufferPointer<UInt8>, unit: UnsafeBufferPointer<UInt8>) -> ValuePair? {
        var slot = Self.hash(parameter, unit)
        for _ in 0..<Self.probes {
            let index = Int(slots[slot])
            guard index >= 0 else { return nil }
            let pair = pairs[index]
            if matches(pair, parameter, unit) { return pair }
            slot = (slot + 1) & (Self.slotCount - 1)
        }
        return nil
    }

    /// Keeps the pair; returns its names index when it was not known and found a slot.
    mutating func insert(parameter: UnsafeBufferPointer<UInt8>, unit: UnsafeBufferPointer<UInt8>, rule: ValueRule) -> Int32? {
        var slot = Self.hash(parameter, unit)
        for _ in 0..<Self.probes {
            let index = Int(slots[slot])
            if index < 0 {
                let names = Int32(pairs.count)
                let parameterStart = keyBytes.count
                keyBytes.append(contentsOf: parameter)
                let unitStart = keyBytes.count
                keyBytes.append(contentsOf: unit)
                pairs.append(
                    ValuePair(
                        parameterStart: parameterStart, parameterCount: parameter.count, unitStart: unitStart, unitCount: unit.count,
                        factor: rule.conversion.factor, offset: rule.conversion.offset, minimum: rule.minimum, maximum: rule.maximum,
                        isFlag: rule.isFlag, names: names))
                slots[slot] = names
                return names
            }
            if matches(pairs[index], parameter, unit) { return nil }
            slot = (slot + 1) & (Self.slotCount - 1)
        }
        return nil
    }
}
