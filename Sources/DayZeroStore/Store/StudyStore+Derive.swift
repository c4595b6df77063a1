import DayZeroCohort
import Foundation
import GRDB
import GRDBSQLite

/// A cohort derived from a store whose big tables were streamed, never held.
public struct StreamedCohort: Sendable {
    public var cohort: DerivedCohort
    /// The digests of the streamed tables (`MeasurementDigest`, `CytokineDigest`,
    /// `ProteomicsDigest`; rows in stored order) by table name — `"measurements"`,
    /// `"cytokines"`, `"proteomics"` — which `StudyAnalysis` combines into the input hash.
    public var digests: [String: [UInt8]]
    /// Number of measurement rows read.
    public var measurementRows: Int
    /// Number of cytokine and proteomics rows read.
    public var cytokineRows: Int
    public var proteomicsRows: Int
    /// True when the measurement or cytokine rows were not stored grouped by patient in study
    /// order, so they were read a second time sorted by patient (SQLite's external sort: slower,
    /// memory still bounded).
    public var readSortedByPatient: Bool
}

extension StudyStore {
    /// The tables `deriveCohort(study:protocol:)` streams instead of loading: what
    /// `load(omittingStreamedTables: true)` leaves empty.
    public static let streamedTables = ["measurements", "cytokines", "proteomics"]

    /// Derives the cohort of this store's study under `studyProtocol`, streaming the
    /// measurement, cytokine and proteomics rows into the derivation instead of loading them.
    ///
    /// `study` is this store's study as `load(omittingStreamedTables: true)` returns it. The
    /// measurement rows are read in stored order on this thread and the cytokine rows on a
    /// second (each computing its table's digest as the rows pass); both are handed in batches
    /// to the derivation on a third, which merges them patient by patient into a
    /// `CohortDeriver`. The proteomics values are read, digested and summed per patient and
    /// assay (`ProteomicsSumsBuilder`) on a fourth. Memory holds a few batches, not the tables
    /// (≈ 2.3 GiB of rows per 100 000 patients in the synthetic registry).
    ///
    /// A study exported patient by patient (the usual layout of an EHR extract, and the
    /// synthetic cohort's) is read once. When a patient's measurement or cytokine rows come
    /// after a later patient's, the derivation stops, the pass finishes the digests, and the
    /// rows are read again with `ORDER BY patient, id` (SQLite's external merge sort, bounded
    /// memory).
    ///
    /// The exclusions are decided before any row is streamed: when their rules read
    /// measurements (`StudyProtocol.exclusionParameters`), the rows of those parameters alone are
    /// read first, in stored order (one scan of the table), and handed to the `CohortDeriver`
    /// for its screening.
    ///
    /// The result equals `CohortDerivation.derive` on the fully loaded study, and the digests
    /// equal the in-memory ones, so the results and the input hash do not depend on the path.
    ///
    /// `patientProgress` is `CohortDeriver.patientProgress`: (patients done, cohort patients).
    public func deriveCohort(
        study: StudyData, protocol studyProtocol: StudyProtocol, patientProgress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> StreamedCohort {
        let patients = try read { db in try PatientKeys(db, study: study) }
        var exclusionMeasurements: MeasurementTable?
        let exclusionParameters = studyProtocol.exclusionParameters
        if !exclusionParameters.isEmpty {
            var ids: [Int64: String] = [:]
            for (key, index) in patients.studyIndexOfKey { ids[key] = patients.ids[Int(index)] }
            var table = MeasurementTable()
            try read { db in try MeasurementReader.read(db, patientIDs: ids, parameters: exclusionParameters, into: &table) }
            exclusionMeasurements = table
        }
        var deriver = try CohortDeriver(study: study, protocol: studyProtocol, exclusionMeasurements: exclusionMeasurements)
        deriver.patientProgress = patientProgress
        let sumsBuilder = deriver.proteomicsBuilder(samples: study.proteomicsSamples)
        let proteomics = BackgroundJob { [self] in try read { db in try ProteomicsStream.run(db, builder: sumsBuilder) } }
        let firstPass = try StreamPass(store: self, patients: patients, deriver: deriver).run(sortedByPatient: false)
        var outcome = firstPass
        var sorted = false
        if outcome.deriver == nil, outcome.derivationError == nil {
            sorted = true
            outcome = try StreamPass(store: self, patients: patients, deriver: deriver).run(sortedByPatient: true)
        }
        let (sums, proteomicsDigest, proteomicsRows) = try proteomics.value()
        if let error = outcome.derivationError { throw error }
        guard let derived = outcome.deriver, let measurementsDigest = firstPass.measurementsDigest,
              let cytokinesDigest = firstPass.cytokinesDigest
        else {
            throw StoreError.database("the measurement and cytokine rows could not be grouped by patient")
        }
        return StreamedCohort(
            cohort: derived.finish(proteomics: sums),
            digests: ["measurements": measurementsDigest, "cytokines": cytokinesDigest, "proteomics": proteomicsDigest],
            measurementRows: firstPass.measurementRows, cytokineRows: firstPass.cytokineRows, proteomicsRows: proteomicsRows,
            readSortedByPatient: sorted)
    }
}

/// The store's patients: integer key → study index (the study lists them by key), checked
/// against the study given.
struct PatientKeys: Sendable {
    let studyIndexOfKey: [Int64: Int32]
    let ids: [String]

    init(_ db: Database, study: StudyData) throws {
        var studyIndexOfKey: [Int64: Int32] = [:]
        studyIndexOfKey.reserveCapacity(study.patients.count)
        let keys = try Row.fetchCursor(db, sql: "SELECT id, patient_id FROM patient ORDER BY id")
        var n = 0
        while let row = try keys.next() {
            let key: Int64 = try row.decode(Int64.self, atIndex: 0)
            let id: String = try row.decode(String.self, atIndex: 1)
            guard n < study.patients.count, study.patients[n].id == id else {
                throw StoreError.database("the study given does not match the store's patient table (row \(n + 1): \(id))")
            }
            studyIndexOfKey[key] = Int32(n)
            n += 1
        }
        guard n == study.patients.count else {
            throw StoreError.database("the study given has \(study.patients.count) patients, the store \(n)")
        }
        self.studyIndexOfKey = studyIndexOfKey
        ids = study.patients.map(\.id)
    }

    func studyIndex(_ key: Int64) throws -> Int32 {
        guard let i = studyIndexOfKey[key] else { throw StoreError.database("row references unknown patient \(key)") }
        return i
    }
}

/// One pass over the measurement and cytokine tables, each read on its own thread and
/// connection, feeding a `CohortDeriver` on a third.
private struct StreamPass {
    let store: StudyStore
    let patients: PatientKeys
    let deriver: CohortDeriver

    struct Outcome {
        /// The deriver with every patient's rows; `nil` when the pass found the rows not grouped
        /// by patient (or the derivation failed).
        var deriver: CohortDeriver?
        var derivationError: DerivationError?
        /// The digests (stored-order pass only).
        var measurementsDigest: [UInt8]?
        var cytokinesDigest: [UInt8]?
        var measurementRows = 0
        var cytokineRows = 0
    }

    /// Reads every row — in stored order (`sortedByPatient == false`, digests computed) or
    /// sorted by patient — and derives while reading.
    func run(sortedByPatient: Bool) throws -> Outcome {
        let hashing = !sortedByPatient
        let measurementQueue = BatchQueue<MeasurementBatch>(capacity: 4)
        let cytokineQueue = BatchQueue<CytokineBatch>(capacity: 4)
        let job = DerivationJob(deriver: deriver, patients: patients, hashing: hashing)
        let consumer = BackgroundJob { job.run(measurementQueue, cytokineQueue) }
        let (store, patients, deriver) = (store, patients, deriver)
        let cytokines = BackgroundJob {
            try store.read { db in
                try CytokineStream(db: db, patients: patients, deriver: deriver).run(cytokineQueue, sortedByPatient: sortedByPatient)
            }
        }
        let measurements: (rows: Int, grouped: Bool)
        do {
            measurements = try store.read { db in
                try MeasurementStream(db: db, patients: patients, deriver: deriver).run(measurementQueue, sortedByPatient: sortedByPatient)
            }
        } catch {
            measurementQueue.cancel()
            cytokineQueue.cancel()
            _ = try? cytokines.value()
            try consumer.value()
            throw error
        }
        let cytokineOutcome: (rows: Int, grouped: Bool, digest: [UInt8]?)
        do {
            cytokineOutcome = try cytokines.value()
        } catch {
            measurementQueue.cancel()
            try consumer.value()
            throw error
        }
        try consumer.value()
        var outcome = Outcome()
        outcome.measurementRows = measurements.rows
        outcome.cytokineRows = cytokineOutcome.rows
        outcome.measurementsDigest = job.measurementsDigest
        outcome.cytokinesDigest = cytokineOutcome.digest
        switch job.result {
        case .success(let derived)? where measurements.grouped && cytokineOutcome.grouped: outcome.deriver = derived
        case .failure(let error)?: outcome.derivationError = error
        default: break
        }
        return outcome
    }
}

/// The measurement rows of one pass, sent in batches (the digest is computed by the job).
private struct MeasurementStream {
    let db: Database
    let patients: PatientKeys
    let deriver: CohortDeriver

    /// Sends the rows; returns how many were read and whether they were grouped by patient in
    /// study order.
    func run(_ queue: BatchQueue<MeasurementBatch>, sortedByPatient: Bool) throws -> (rows: Int, grouped: Bool) {
        let cohortOfStudy = deriver.cohortIndexOfStudyPatient
        // The stored-order pass hands every row to the job, which computes the digest (SHA-256
        // of every row) beside the derivation: the two threads then share the work about
        // evenly (SQLite's row decoding here, hashing and deriving there).
        let hashing = !sortedByPatient
        var rows = 0
        var grouped = true
        // A row's input order (the tie-break of equal times) is its position in the table:
        // the row count in the stored-order pass, the `id` when sorted by patient.
        let statement = try db.makeStatement(
            sql: sortedByPatient
                ? "SELECT patient, time, parameter, value, id FROM measurement ORDER BY patient, id"
                : "SELECT patient, time, parameter, value FROM measurement ORDER BY id")
        let s = statement.sqliteStatement
        var parameters = MeasurementReader.TextKeys()
        var parameterCount: Int32 = 0
        var currentKey = Int64.min
        var currentIndex: Int32 = -1
        var currentNeeded = false
        var batch = MeasurementBatch(deriving: true)
        while true {
            let code = sqlite3_step(s)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw StoreError.database("reading measurements: \(String(cString: sqlite3_errmsg(sqlite3_db_handle(s))))")
            }
            // Every column is NOT NULL in the schema (checked on insert); the text column is
            // still checked (`TextKeys`), the numbers need no per-row type test.
            let key = sqlite3_column_int64(s, 0)
            if key != currentKey {
                let index = try patients.studyIndex(key)
                if grouped, index <= currentIndex {
                    // Not grouped by patient in study order: the derivation stops after the
                    // rows sent so far; a stored-order pass still finishes the digest.
                    grouped = false
                    if sortedByPatient { break }
                    if batch.count > 0, !queue.send(batch) { break }
                    batch = MeasurementBatch(deriving: false)
                }
                currentKey = key
                currentIndex = index
                currentNeeded = hashing || cohortOfStudy[Int(index)] >= 0
            }
            rows += 1
            guard currentNeeded else { continue }
            let p: Int32
            if let known = try parameters.find(s, column: 2) {
                p = known
            } else {
                let name = try parameters.text(s, column: 2)
                p = parameterCount
                parameterCount += 1
                batch.newParameters.append((Array(name.utf8), deriver.slot(parameter: name)))
                try parameters.add(s, column: 2, key: p)
            }
            let time = try checkedStoreTime(sqlite3_column_double(s, 1), table: "measurement", column: "time", row: rows)
            batch.append(studyIndex: currentIndex, parameter: p, time: time,
                         value: try checkedStoreValue(sqlite3_column_double(s, 3), table: "measurement", column: "value", row: rows), order: sortedByPatient ? Int(sqlite3_column_int64(s, 4)) : rows - 1)
            if batch.count >= MeasurementBatch.capacity {
                if !queue.send(batch) { break }
                batch = MeasurementBatch(deriving: grouped)
            }
        }
        if batch.count > 0 || !batch.newParameters.isEmpty { _ = queue.send(batch) }
        queue.close()
        return (rows, grouped)
    }
}

/// The cytokine rows of one pass: the digest of every row (stored-order pass) computed here,
/// the cohort patients' rows sent in batches to the job.
private struct CytokineStream {
    let db: Database
    let patients: PatientKeys
    let deriver: CohortDeriver

    func run(_ queue: BatchQueue<CytokineBatch>, sortedByPatient: Bool) throws -> (rows: Int, grouped: Bool, digest: [UInt8]?) {
        let cohortOfStudy = deriver.cohortIndexOfStudyPatient
        var digest = CytokineDigest()
        var rows = 0
        var grouped = true
        var sending = true
        struct Lookup: Hashable {
            var timepoint: CytokineTimepoint
            var analyte: String
        }
        var keys: [Lookup: CytokineKey] = [:]
        var cytokines = try StatementRows(
            db, table: "cytokine",
            sql: "SELECT patient, sample_id, time, timepoint, analyte, value, below_lod, id FROM cytokine ORDER BY "
                + (sortedByPatient ? "patient, id" : "id"))
        var currentKey = Int64.min
        var currentIndex: Int32 = -1
        var batch = CytokineBatch()
        do {
            while try cytokines.step() {
                let key = try cytokines.int64(0)
                if key != currentKey {
                    let index = try patients.studyIndex(key)
                    if grouped, index <= currentIndex {
                        grouped = false
                        if sortedByPatient { break }
                        if sending { queue.cancel() }
                        sending = false
                    }
                    currentKey = key
                    currentIndex = index
                }
                rows += 1
                let timepointText = try cytokines.text(3)
                guard let timepoint = CytokineTimepoint(rawValue: timepointText) else {
                    throw StoreError.database("unknown cytokine timepoint \(timepointText)")
                }
                let analyte = try cytokines.text(4)
                let time = try cytokines.time(2), value = try cytokines.value(5)
                if !sortedByPatient {
                    digest.add(
                        patientID: patients.ids[Int(currentIndex)], sampleID: try cytokines.text(1), time: time, timepoint: timepoint,
                        analyte: analyte, value: value, belowLOD: try cytokines.flag(6))
                }
                guard sending, cohortOfStudy[Int(currentIndex)] >= 0 else { continue }
                let lookup = Lookup(timepoint: timepoint, analyte: analyte)
                let k: CytokineKey
                if let known = keys[lookup] {
                    k = known
                } else {
                    k = deriver.cytokineKey(analyte: analyte, timepoint: timepoint)
                    keys[lookup] = k
                }
                batch.append(studyIndex: currentIndex, key: k, time: time, value: value,
                             row: sortedByPatient ? Int(try cytokines.int64(7)) : rows - 1)
                if batch.count >= CytokineBatch.capacity {
                    if !queue.send(batch) { sending = false }
                    batch = CytokineBatch()
                }
            }
        } catch {
            queue.cancel()
            throw error
        }
        if sending, batch.count > 0 { _ = queue.send(batch) }
        queue.close()
        return (rows, grouped, sortedByPatient ? nil : digest.finalize())
    }
}

/// The proteomics values in stored order: their digest and their sums per cohort patient and assay.
private enum ProteomicsStream {
    static func run(_ db: Database, builder: ProteomicsSumsBuilder) throws -> (ProteomicsSums, [UInt8], Int) {
        var builder = builder
        var digest = ProteomicsDigest()
        var sampleIDs: [Int64: String] = [:]
        var samples = try StatementRows(db, table: "proteomics_sample", sql: "SELECT id, sample_id FROM proteomics_sample")
        while try samples.step() { sampleIDs[try samples.int64(0)] = try samples.text(1) }
        var rows = 0
        try StudyStore.forEachProteomicsValue(db, sampleIDs: sampleIDs) { v in
            digest.add(v)
            builder.add(v)
            rows += 1
        }
        return (builder.finish(), digest.finalize(), rows)
    }
}

/// Rows of several patients on their way from the reader to the derivation.
private struct MeasurementBatch: Sendable {
    static let capacity = 1 << 16
    /// False once the reader found the rows not grouped by patient: digest only.
    let deriving: Bool
    /// Parameters first seen in this batch, in key order: name bytes and series slot.
    var newParameters: [(bytes: [UInt8], slot: Int32)] = []
    var studyIndex: [Int32] = []
    var parameter: [Int32] = []
    var time: [Double] = []
    var value: [Double] = []
    var order: [Int] = []

    init(deriving: Bool) {
        self.deriving = deriving
        studyIndex.reserveCapacity(Self.capacity)
        parameter.reserveCapacity(Self.capacity)
        time.reserveCapacity(Self.capacity)
        value.reserveCapacity(Self.capacity)
        order.reserveCapacity(Self.capacity)
    }

    var count: Int { time.count }

    mutating func append(studyIndex i: Int32, parameter k: Int32, time t: Double, value v: Double, order o: Int) {
        studyIndex.append(i)
        parameter.append(k)
        time.append(t)
        value.append(v)
        order.append(o)
    }
}

/// Cytokine rows of cohort patients on their way from the reader to the derivation.
private struct CytokineBatch: Sendable {
    static let capacity = 1 << 14
    var studyIndex: [Int32] = []
    var key: [CytokineKey] = []
    var time: [Double] = []
    var value: [Double] = []
    var row: [Int] = []

    init() {
        studyIndex.reserveCapacity(Self.capacity)
        key.reserveCapacity(Self.capacity)
        time.reserveCapacity(Self.capacity)
        value.reserveCapacity(Self.capacity)
        row.reserveCapacity(Self.capacity)
    }

    var count: Int { time.count }

    mutating func append(studyIndex i: Int32, key k: CytokineKey, time t: Double, value v: Double, row r: Int) {
        studyIndex.append(i)
        key.append(k)
        time.append(t)
        value.append(v)
        row.append(r)
    }
}

/// The job's side of the cytokine queue: the next row's patient, and taking the rows of one
/// patient. Used on the job's thread only.
private struct CytokineFeed {
    let queue: BatchQueue<CytokineBatch>
    private var batch = CytokineBatch()
    private var position = 0

    init(_ queue: BatchQueue<CytokineBatch>) { self.queue = queue }

    /// The study index of the next row; `nil` after the last (or once the reader stopped
    /// sending: the rows were not grouped by patient).
    mutating func nextIndex() -> Int32? {
        while position >= batch.count {
            guard let next = queue.receive() else { return nil }
            batch = next
            position = 0
        }
        return batch.studyIndex[position]
    }

    /// Moves the rows of study patient `i` that come next into `rows`.
    mutating func take(patient i: Int32, into rows: inout PatientMeasurementRows) {
        while nextIndex() == i {
            rows.appendCytokine(batch.key[position], time: batch.time[position], value: batch.value[position], row: batch.row[position])
            position += 1
        }
    }
}

/// The derivation's thread of a `StreamPass`: the measurement digest of every row (stored-order
/// pass), and the cohort patients' measurement and cytokine rows merged patient by patient into
/// the deriver (both streams come in ascending study order). `result` and `measurementsDigest`
/// are read after the thread finished (`BackgroundJob.value()`).
private final class DerivationJob: @unchecked Sendable {
    private var deriver: CohortDeriver
    private let cohortOfStudy: [Int32]
    /// Every study patient's ID as UTF-8, back to back (`patientOffsets[i] ..< patientOffsets[i + 1]`),
    /// so the digest reads them in place (no array retained per row); `nil` when no digest is computed.
    private let patientText: [UInt8]?
    private let patientOffsets: [Int]
    private let lock = NSLock()
    private var outcome: Result<CohortDeriver, DerivationError>?
    private var finalDigest: [UInt8]?

    init(deriver: CohortDeriver, patients: PatientKeys, hashing: Bool) {
        self.deriver = deriver
        self.cohortOfStudy = deriver.cohortIndexOfStudyPatient
        var text: [UInt8] = []
        var offsets = [0]
        for id in hashing ? patients.ids : [] {
            text.append(contentsOf: id.utf8)
            offsets.append(text.count)
        }
        patientText = hashing ? text : nil
        patientOffsets = offsets
    }

    /// The deriver with every patient's rows (not yet finished); `nil` when the rows were not
    /// grouped by patient or a reader failed.
    var result: Result<CohortDeriver, DerivationError>? { lock.withLock { outcome } }
    var measurementsDigest: [UInt8]? { lock.withLock { finalDigest } }

    func run(_ queue: BatchQueue<MeasurementBatch>, _ cytokineQueue: BatchQueue<CytokineBatch>) {
        var rows = PatientMeasurementRows()
        var cytokines = CytokineFeed(cytokineQueue)
        var current: Int32 = -1
        var digest = MeasurementDigest()
        // Parameter names back to back too, extended as the reader announces them.
        var parameterText: [UInt8] = []
        var parameterOffsets: [Int] = [0]
        var parameterSlots: [Int32] = []
        var deriving = true
        var failure: DerivationError?

        /// Hands the rows gathered for `current` (with its cytokine rows) to the deriver.
        func flush() throws(DerivationError) {
            guard current >= 0 else { return }
            cytokines.take(patient: current, into: &rows)
            try deriver.add(studyIndex: Int(current), rows: &rows)
            rows.removeAll()
            current = -1
        }
        /// Hands the patients before study index `i` that have cytokine rows only to the deriver.
        func cytokinePatients(before i: Int32) throws(DerivationError) {
            while let next = cytokines.nextIndex(), next < i {
                current = next
                try flush()
            }
        }
        func stop(_ error: DerivationError) {
            failure = error
            deriving = false
            // The cytokine reader must not wait on a queue nobody reads; it finishes its digest.
            cytokineQueue.cancel()
        }

        while let batch = queue.receive() {
            for p in batch.newParameters {
                parameterText.append(contentsOf: p.bytes)
                parameterOffsets.append(parameterText.count)
                parameterSlots.append(p.slot)
            }
            if !batch.deriving, deriving {
                deriving = false
                cytokineQueue.cancel()
            }
            // The cytokine reader cancels its queue when its rows are not grouped by patient (or
            // it failed): this pass's cohort will be discarded, so only the digest goes on.
            if deriving, cytokineQueue.wasCancelled { deriving = false }
            if let patientText {
                patientText.withUnsafeBytes { patients in
                    parameterText.withUnsafeBytes { parameters in
                        for r in 0..<batch.count {
                            let i = Int(batch.studyIndex[r]), p = Int(batch.parameter[r])
                            digest.add(
                                patient: UnsafeRawBufferPointer(rebasing: patients[patientOffsets[i]..<patientOffsets[i + 1]]),
                                time: batch.time[r],
                                parameter: UnsafeRawBufferPointer(rebasing: parameters[parameterOffsets[p]..<parameterOffsets[p + 1]]),
                                value: batch.value[r])
                        }
                    }
                }
            }
            guard deriving else { continue }
            for r in 0..<batch.count {
                let i = batch.studyIndex[r]
                guard cohortOfStudy[Int(i)] >= 0 else { continue }
                if i != current {
                    do throws(DerivationError) {
                        try flush()
                        try cytokinePatients(before: i)
                    } catch {
                        stop(error)
                        break
                    }
                    current = i
                }
                rows.append(slot: parameterSlots[Int(batch.parameter[r])], time: batch.time[r], value: batch.value[r], order: batch.order[r])
            }
        }
        guard !queue.wasCancelled else { return }
        let hashed = patientText == nil ? nil : digest.finalize()
        var result: Result<CohortDeriver, DerivationError>?
        if let failure {
            result = .failure(failure)
        } else if deriving {
            do throws(DerivationError) {
                try flush()
                try cytokinePatients(before: .max)
                result = .success(deriver)
            } catch {
                result = .failure(error)
            }
        }
        lock.withLock {
            outcome = result
            finalDigest = hashed
        }
    }
}
