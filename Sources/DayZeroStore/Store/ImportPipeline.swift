import DayZeroCohort
import Foundation

/// One validated row on its way from the validating thread to the database thread: the
/// arguments of one `StudySink` call.
///
/// The cases of the short tables are `indirect` (boxed): an enum is as large as its largest
/// case, and the queue holds tens of thousands of rows of the long tables.
enum StudyRow: Sendable, Equatable {
    case tablePresent(StudyTable)
    indirect case parameter(ParameterDefinition)
    indirect case baselineVariable(BaselineVariable)
    indirect case patient(Patient, key: Int)
    indirect case course(ICUCourse, patientKey: Int, formats: CourseFormats)
    indirect case proteomicsSample(ProteomicsSample, key: Int, patientKey: Int, format: TimeFormat)
    case measurement(DayZeroCohort.Measurement, patientKey: Int, format: TimeFormat)
    indirect case valueNames(ValueNames)
    case measurementRow(MeasurementRow)
    case medication(MedicationAdministration, patientKey: Int, format: TimeFormat)
    case event(ClinicalEvent, patientKey: Int, format: TimeFormat)
    case cytokine(CytokineMeasurement, patientKey: Int, format: TimeFormat)
    case proteomics(ProteomicsValue, sampleKey: Int)

    /// A row of one of the study's tables (not an announcement: a table's presence, the names a
    /// measurement batch refers to).
    var isTableRow: Bool {
        switch self {
        case .tablePresent, .valueNames: false
        default: true
        }
    }
}

/// What the receiving side of a `RowChannel` remembers to give a `MeasurementRow` its strings
/// back (for sinks that ask for them): the patients' IDs by key and the announced names.
struct RowNames {
    private var patientIDs: [Int: String] = [:]
    private var names: [ValueNames] = []

    mutating func note(_ row: StudyRow) {
        switch row {
        case .patient(let p, let key): patientIDs[key] = p.id
        case .valueNames(let n): names.append(n)
        default: break
        }
    }

    func patientID(_ key: Int) -> String { patientIDs[key] ?? "" }

    func names(_ index: Int32) -> ValueNames {
        let i = Int(index)
        return i >= 0 && i < names.count ? names[i] : ValueNames(parameter: "", unit: "")
    }
}

extension StudySink {
    /// Makes the `StudySink` call that `row` stands for (`known` supplies the strings of a
    /// `MeasurementRow` and must have seen every row before this one).
    mutating func apply(_ row: StudyRow, _ known: inout RowNames) throws {
        switch row {
        case .tablePresent(let table): try tablePresent(table)
        case .parameter(let p): try parameter(p)
        case .baselineVariable(let v): try baselineVariable(v)
        case .patient(let p, let key):
            known.note(row)
            try patient(p, key: key)
        case .course(let c, let patientKey, let formats): try course(c, patientKey: patientKey, formats: formats)
        case .proteomicsSample(let s, let key, let patientKey, let format):
            try proteomicsSample(s, key: key, patientKey: patientKey, format: format)
        case .measurement(let m, let patientKey, let format): try measurement(m, patientKey: patientKey, format: format)
        case .valueNames(let names):
            known.note(row)
            try valueNames(names)
        case .measurementRow(let m):
            try measurement(m, patientID: { known.patientID(m.patientKey) }, names: { known.names(m.names) })
        case .medication(let m, let patientKey, let format): try medication(m, patientKey: patientKey, format: format)
        case .event(let e, let patientKey, let format): try event(e, patientKey: patientKey, format: format)
        case .cytokine(let c, let patientKey, let format): try cytokine(c, patientKey: patientKey, format: format)
        case .proteomics(let v, let sampleKey): try proteomics(v, sampleKey: sampleKey)
        }
    }
}

/// How the validating thread ended.
enum ValidationOutcome: Sendable {
    /// The whole folder was read; `problems` is empty when it is valid.
    case completed(problems: [ValidationProblem], suppressed: [ValidationRule: Int])
    /// The read stopped early: the consumer cancelled it, or a file could not be read.
    case stopped(any Error & Sendable)
}

/// The consumer stopped taking rows (its own error is what the import reports).
struct ImportCancelled: Error {}

/// The queue of row batches between one producer (the validator) and one consumer (the
/// database writer): a `BatchQueue` plus the producer's outcome, delivered after the last batch.
///
/// Why: parsing and validating the CSV and inserting into SQLite each take about half of an
/// import; on a machine with two cores they can run at the same time. The queue holds at
/// most `capacity` batches, so memory stays bounded however large the study is. Rows keep
/// their order, so the database is the same as when one thread does both.
final class RowChannel: @unchecked Sendable {
    private let queue: BatchQueue<[StudyRow]>
    private let lock = NSLock()
    // Guarded by `lock`; written before the queue is closed, read after it ran dry.
    private var outcome: ValidationOutcome?

    init(capacity: Int) {
        queue = BatchQueue(capacity: capacity)
    }

    /// What the consumer receives next.
    enum Message {
        case rows([StudyRow])
        case end(ValidationOutcome)
    }

    /// Hands a batch to the consumer, waiting while the queue is full. Throws `ImportCancelled`
    /// once the consumer has cancelled.
    func send(_ batch: [StudyRow]) throws(ImportCancelled) {
        guard queue.send(batch) else { throw ImportCancelled() }
    }

    /// The producer's last message.
    func finish(_ result: ValidationOutcome) {
        lock.withLock { outcome = result }
        queue.close()
    }

    /// The next batch, or the producer's outcome once every batch was received.
    func receive() -> Message {
        if let batch = queue.receive() { return .rows(batch) }
        return .end(lock.withLock { outcome } ?? .completed(problems: [], suppressed: [:]))
    }

    /// Stops the producer at its next `send` (batches already queued are dropped).
    func cancel() { queue.cancel() }
}

/// A sink that packs the rows into batches and sends them through a `RowChannel`.
struct ChannelSink: StudySink {
    let channel: RowChannel
    let batchSize: Int
    private var batch: [StudyRow] = []

    init(channel: RowChannel, batchSize: Int) {
        self.channel = channel
        self.batchSize = max(1, batchSize)
        batch.reserveCapacity(self.batchSize)
    }

    @inline(__always)
    private mutating func add(_ row: StudyRow) throws {
        batch.append(row)
        if batch.count >= batchSize { try flush() }
    }

    /// Sends the rows collected so far.
    mutating func flush() throws {
        guard !batch.isEmpty else { return }
        let full = batch
        batch = []
        batch.reserveCapacity(batchSize)
        try channel.send(full)
    }

    mutating func tablePresent(_ table: StudyTable) throws { try add(.tablePresent(table)) }
    mutating func parameter(_ p: ParameterDefinition) throws { try add(.parameter(p)) }
    mutating func baselineVariable(_ v: BaselineVariable) throws { try add(.baselineVariable(v)) }
    mutating func patient(_ p: Patient, key: Int) throws { try add(.patient(p, key: key)) }
    mutating func course(_ c: ICUCourse, patientKey: Int, formats: CourseFormats) throws {
        try add(.course(c, patientKey: patientKey, formats: formats))
    }
    mutating func proteomicsSample(_ s: ProteomicsSample, key: Int, patientKey: Int, format: TimeFormat) throws {
        try add(.proteomicsSample(s, key: key, patientKey: patientKey, format: format))
    }
    mutating func measurement(_ m: DayZeroCohort.Measurement, patientKey: Int, format: TimeFormat) throws {
        try add(.measurement(m, patientKey: patientKey, format: format))
    }
    mutating func valueNames(_ names: ValueNames) throws { try add(.valueNames(names)) }
    mutating func measurement(_ row: MeasurementRow, patientID: () -> String, names: () -> ValueNames) throws {
        try add(.measurementRow(row))
    }
    mutating func medication(_ m: MedicationAdministration, patientKey: Int, format: TimeFormat) throws {
        try add(.medication(m, patientKey: patientKey, format: format))
    }
    mutating func event(_ e: ClinicalEvent, patientKey: Int, format: TimeFormat) throws {
        try add(.event(e, patientKey: patientKey, format: format))
    }
    mutating func cytokine(_ c: CytokineMeasurement, patientKey: Int, format: TimeFormat) throws {
        try add(.cytokine(c, patientKey: patientKey, format: format))
    }
    mutating func proteomics(_ v: ProteomicsValue, sampleKey: Int) throws { try add(.proteomics(v, sampleKey: sampleKey)) }
}

extension StudyFolderValidator {
    /// Validates `folder` on a thread of its own and feeds the valid rows, in order, to `sink`
    /// on the calling thread: the same calls, in the same order, as `run(sink:)` makes.
    ///
    /// Errors keep the single-threaded meaning: the validator hands rows over only while no
    /// problem is known, so an error thrown by `sink` always comes from a row before the first
    /// problem and is what this throws (the validator is then stopped); otherwise the
    /// validator's problems are returned (empty when the folder is valid).
    ///
    /// - Parameters:
    ///   - batchSize: rows per batch handed between the threads;
    ///   - capacity: batches the queue holds at most (memory ≈ capacity × batchSize rows).
    ///   - rowsApplied: called after each batch with the number of rows handed to `sink` so far
    ///     (for a progress display).
    static func runConcurrently<S: StudySink>(
        folder: URL, limitPerRule: Int, sink: inout S, batchSize: Int = 4096, capacity: Int = 16,
        rowsApplied: ((Int) -> Void)? = nil
    ) throws -> (problems: [ValidationProblem], suppressed: [ValidationRule: Int]) {
        let channel = RowChannel(capacity: capacity)
        let producer = Thread {
            let validator = StudyFolderValidator(folder: folder, limitPerRule: limitPerRule)
            var batches = ChannelSink(channel: channel, batchSize: batchSize)
            do {
                try validator.run(sink: &batches)
                try batches.flush()
                channel.finish(.completed(problems: validator.collector.problems, suppressed: validator.collector.suppressed))
            } catch let error as ImportCancelled {
                channel.finish(.stopped(error))
            } catch {
                channel.finish(.stopped(StoreError.io("\(error)")))
            }
        }
        producer.stackSize = 8 << 20
        producer.start()

        var failure: (any Error)?
        var known = RowNames()
        var applied = 0
        while true {
            switch channel.receive() {
            case .rows(let rows):
                guard failure == nil else { continue }
                do {
                    for row in rows {
                        try sink.apply(row, &known)
                        if row.isTableRow { applied += 1 }
                    }
                    rowsApplied?(applied)
                } catch {
                    failure = error
                    channel.cancel()
                }
            case .end(let outcome):
                if let failure { throw failure }
                switch outcome {
                case .completed(let problems, let suppressed):
                    return (problems, suppressed)
                case .stopped(let error):
                    throw error
                }
            }
        }
    }
}
