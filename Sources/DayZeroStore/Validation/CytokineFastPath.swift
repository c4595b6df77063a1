import DayZeroCohort

/// The check of a cytokines.csv row that repeats the patient, the sample, the time and the
/// timepoint of the row before, with an (analyte, unit) pair already found valid — every row of
/// a sample after its first — done on the field bytes.
///
/// As `MeasurementFastPath`: it only recognises valid rows and returns `nil`, having changed
/// nothing, for any other, which the validator then reads the ordinary way. A sample's first
/// row always takes the ordinary path, which records the sample's facts (patient, time,
/// timepoint) and checks the one-admission-sample rule; later rows repeat the same bytes for
/// those fields, so the facts agree and the time (already found inside the stay) converts the
/// same way. The duplicate-key record is consulted last, as in `ProteomicsFastPath`.
struct CytokineFastPath {
    private let patientField: Int
    private let sampleField: Int
    private let timeField: Int
    private let timepointField: Int
    private let analyteField: Int
    private let valueField: Int
    private let unitField: Int
    private let belowLODField: Int
    private let valueRange: ClosedRange<Double>?
    private(set) var enabled: Bool

    // The patient and sample of the previous row, when their rows can be taken here.
    private var usable = false
    private var patientBytes: [UInt8] = []
    private var patientID = ""
    private var patientKey = 0
    private var sampleBytes: [UInt8] = []
    private var sampleID = ""
    private var samplePart: UInt32 = 0
    private var timeBytes: [UInt8] = []
    private var timepointBytes: [UInt8] = []
    private var timepoint = CytokineTimepoint.serial
    private var time = 0.0
    private var format = TimeFormat.dayNumber

    private var pairs = ValuePairTable()
    /// By pair index: the analyte's name, the unit as written, and the interned analyte text.
    private var pairNames: [(analyte: String, unit: String, keyPart: UInt32)] = []

    init(
        patient: Col, sample: Col, time: Col, timepoint: Col, analyte: Col, value: Col, unit: Col, belowLOD: Col, enabled: Bool
    ) {
        patientField = patient.field ?? -1
        sampleField = sample.field ?? -1
        timeField = time.field ?? -1
        timepointField = timepoint.field ?? -1
        analyteField = analyte.field ?? -1
        valueField = value.field ?? -1
        unitField = unit.field ?? -1
        belowLODField = belowLOD.field ?? -1
        valueRange = value.range
        self.enabled = enabled
            && [patientField, sampleField, timeField, timepointField, analyteField, valueField, unitField].allSatisfy { $0 >= 0 }
    }

    mutating func disable() { enabled = false }

    /// Forgets the patient and sample (the next row takes the ordinary path).
    mutating func clear() { usable = false }

    /// After a valid row read the ordinary way: its patient, sample, time and timepoint become
    /// the ones later rows are recognised by (`nil` patient information, a refused consent, no
    /// ICU course, a timepoint not written canonically or an unconvertible time: not usable).
    mutating func takeRow(_ csv: CSVReader, patientBytes: [UInt8], patientID: String, info: PatientInfo?, keys: inout KeyLines) {
        usable = false
        guard let info, !info.consentRefused, let course = info.course else { return }
        let fields: ([UInt8], [UInt8], [UInt8])? = csv.withRecord { all, starts, ends in
            func field(_ i: Int) -> [UInt8] { Array(all[starts[i]..<ends[i]]) }
            return (field(sampleField), field(timeField), field(timepointField))
        }
        guard let (sample, timeText, timepointText) = fields, !sample.isEmpty, !timeText.isEmpty,
              let tp = CytokineTimepoint.allCases.first(where: { Array($0.rawValue.utf8) == timepointText })
        else { return }
        let converted: (moment: Moment, format: TimeFormat)? = timeText.withUnsafeBufferPointer { b in
            guard case .success(let parsed) = StudyFolderValidator.parseTime(b) else { return nil }
            return StudyFolderValidator.moment(parsed, anchor: course.anchor)
        }
        guard let converted, StudyLimits.isDayInRange(converted.moment.value) else { return }
        self.patientBytes = patientBytes
        self.patientID = patientID
        patientKey = info.key
        sampleBytes = sample
        sampleID = String(decoding: sample, as: UTF8.self)
        samplePart = keys.firstPart(sampleID)
        timeBytes = timeText
        timepointBytes = timepointText
        timepoint = tp
        time = converted.moment.value
        format = converted.format
        usable = true
    }

    /// Adds a valid (analyte, unit) pair of the current row unless known.
    mutating func addPair(_ csv: CSVReader, rule: ValueRule, keys: inout KeyLines) {
        let analyteText = csv.withRecord { all, starts, ends in
            String(decoding: UnsafeBufferPointer(rebasing: all[starts[analyteField]..<ends[analyteField]]), as: UTF8.self)
        }
        let added = csv.withRecord { all, starts, ends in
            pairs.insert(
                parameter: UnsafeBufferPointer(rebasing: all[starts[analyteField]..<ends[analyteField]]),
                unit: UnsafeBufferPointer(rebasing: all[starts[unitField]..<ends[unitField]]), rule: rule)
        }
        guard let added, Int(added) == pairNames.count else { return }
        pairNames.append((rule.definition.name, rule.unit, keys.secondPart(analyteText)))
    }

    /// The current record as a valid cytokine row with its patient key and time format, or
    /// `nil` when it must be read the ordinary way. The record has the header's field count.
    @inline(__always)
    func row(_ csv: CSVReader, keys: inout KeyLines) -> (CytokineMeasurement, Int, TimeFormat)? {
        guard enabled, usable else { return nil }
        let parsed: (pair: Int32, value: Double, canonical: Double, belowLOD: Bool)? = csv.withRecord { all, starts, ends in
            @inline(__always)
            func field(_ i: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: all[starts[i]..<ends[i]]) }
            @inline(__always)
            func same(_ i: Int, _ known: [UInt8]) -> Bool {
                let f = field(i)
                return known.withUnsafeBufferPointer { $0.count == f.count && $0.elementsEqual(f) }
            }
            guard same(patientField, patientBytes), same(sampleField, sampleBytes), same(timeField, timeBytes),
                  same(timepointField, timepointBytes)
            else { return nil }
            guard let pair = pairs.lookup(parameter: field(analyteField), unit: field(unitField)) else { return nil }
            guard let (value, canonical) = pair.check(field(valueField), range: valueRange) else { return nil }
            var belowLOD = false
            if belowLODField >= 0 {
                let b = field(belowLODField)
                if b.count == 1 && b[0] == UInt8(ascii: "1") {
                    belowLOD = true
                } else if !(b.isEmpty || (b.count == 1 && b[0] == UInt8(ascii: "0"))) {
                    return nil
                }
            }
            return (pair.names, value, canonical, belowLOD)
        }
        guard let parsed else { return nil }
        let names = pairNames[Int(parsed.pair)]
        // Last: a key seen before goes to the ordinary path, which reports it.
        guard keys.previousLine(samplePart, names.keyPart, line: csv.recordLine) == nil else { return nil }
        return (
            CytokineMeasurement(
                patientID: patientID, sampleID: sampleID, time: time, timepoint: timepoint, analyte: names.analyte,
                value: parsed.canonical, sourceValue: parsed.value, sourceUnit: names.unit, belowLOD: parsed.belowLOD),
            patientKey, format
        )
    }
}
