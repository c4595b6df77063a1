import DayZeroCohort
import Foundation
import GRDB
import GRDBSQLite

/// A cohort derived from a store whose measurement rows were streamed, never held.
public struct StreamedCohort: Sendable {
    public var cohort: DerivedCohort
    /// The measurement table's digest (`MeasurementDigest`, rows in stored order), which
    /// `StudyAnalysis` combines into the input hash.
    public var measurementsDigest: [UInt8]
    /// Number of measurement rows read.
    public var measurementRows: Int
    /// True when the rows were not stored grouped by patient in study order, so they were read
    /// a second time sorted by patient (SQLite's external sort: slower, memory still bounded).
    public var readSortedByPatient: Bool
}

extension StudyStore {
    /// Derives the cohort of this store's study under `studyProtocol`, streaming the
    /// measurement rows patient by patient into a `CohortDeriver` instead of loading them.
    ///
    /// `study` is this store's study as `load(measurements: false)` returns it (every table
    /// but the measurements). The rows are read in stored order on this thread — computing the
    /// measurement digest as they pass — and handed in batches to the derivation on a second
    /// thread, so reading and deriving overlap on two cores and memory holds a few batches,
    /// not the table (≈ 1.5 GiB per 100 000 patients in the synthetic registry).
    ///
    /// A study exported patient by patient (the usual layout of an EHR extract, and the
    /// synthetic cohort's) is read once. When a patient's rows come after a later patient's,
    /// the derivation stops, the pass finishes the digest, and the rows are read again with
    /// `ORDER BY patient, id` (SQLite's external merge sort, bounded memory).
    ///
    /// The result equals `CohortDerivation.derive` on the fully loaded study, and the digest
    /// equals the in-memory one, so the results and the input hash do not depend on the path.
    public func deriveCohort(study: StudyData, protocol studyProtocol: StudyProtocol) throws -> StreamedCohort {
        let deriver = try CohortDeriver(study: study, protocol: studyProtocol)
        let firstPass = try read { db in
            try MeasurementStream(db: db, study: study, deriver: deriver).run(sortedByPatient: false)
        }
        var outcome = firstPass
        var sorted = false
        if outcome.cohort == nil, outcome.derivationError == nil {
            sorted = true
            outcome = try read { db in
                try MeasurementStream(db: db, study: study, deriver: deriver).run(sortedByPatient: true)
            }
        }
        if let error = outcome.derivationError { throw error }
        guard let cohort = outcome.cohort, let digest = firstPass.digest else {
            throw StoreError.database("the measurement rows could not be grouped by patient")
        }
        return StreamedCohort(cohort: cohort, measurementsDigest: digest, measurementRows: firstPass.rows, readSortedByPatient: sorted)
    }
}

/// One pass over the measurement table feeding a `CohortDeriver` on a second thread.
private struct MeasurementStream {
    let db: Database
    let study: StudyData
    let deriver: CohortDeriver

    struct Outcome {
        /// `nil` when the pass found the rows not grouped by patient (or the derivation failed).
        var cohort: DerivedCohort?
        var derivationError: DerivationError?
        /// The measurement digest (stored-order pass only).
        var digest: [UInt8]?
        var rows = 0
    }

    /// Reads every row — in stored order (`sortedByPatient == false`, digest computed) or
    /// sorted by patient — and derives while reading.
    func run(sortedByPatient: Bool) throws -> Outcome {
        // Patients: the store's integer key → study index (the study lists them by key).
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
        let cohortOfStudy = deriver.cohortIndexOfStudyPatient
        // The stored-order pass hands every row to the second thread, which computes the digest
        // (SHA-256 of every row) beside the derivation: the two threads then share the work
        // about evenly (SQLite's row decoding here, hashing and deriving there).
        let hashing = !sortedByPatient
        let queue = BatchQueue<MeasurementBatch>(capacity: 4)
        let job = DerivationJob(
            deriver: deriver, cohortOfStudy: cohortOfStudy, patientIDs: hashing ? study.patients.map(\.id) : nil)
        let consumer = BackgroundJob { job.run(queue) }

        var rows = 0
        var grouped = true
        do {
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
                    guard let index = studyIndexOfKey[key] else { throw StoreError.database("row references unknown patient \(key)") }
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
                batch.append(studyIndex: currentIndex, parameter: p, time: sqlite3_column_double(s, 1),
                             value: sqlite3_column_double(s, 3), order: sortedByPatient ? Int(sqlite3_column_int64(s, 4)) : rows - 1)
                if batch.count >= MeasurementBatch.capacity {
                    if !queue.send(batch) { break }
                    batch = MeasurementBatch(deriving: grouped)
                }
            }
            if batch.count > 0 || !batch.newParameters.isEmpty { _ = queue.send(batch) }
            queue.close()
        } catch {
            queue.cancel()
            try consumer.value()
            throw error
        }
        try consumer.value()
        var outcome = Outcome()
        outcome.rows = rows
        outcome.digest = job.digest
        switch job.result {
        case .success(let cohort)? where grouped: outcome.cohort = cohort
        case .failure(let error)?: outcome.derivationError = error
        default: break
        }
        return outcome
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

/// The second thread of a `MeasurementStream`: the digest of every row (stored-order pass) and
/// the derivation of the cohort patients' rows. `result` and `digest` are read after the
/// thread finished (`BackgroundJob.value()`).
private final class DerivationJob: @unchecked Sendable {
    private var deriver: CohortDeriver
    private let cohortOfStudy: [Int32]
    /// Every study patient's ID as UTF-8, back to back (`patientOffsets[i] ..< patientOffsets[i + 1]`),
    /// so the digest reads them in place (no array retained per row); `nil` when no digest is computed.
    private let patientText: [UInt8]?
    private let patientOffsets: [Int]
    private let lock = NSLock()
    private var outcome: Result<DerivedCohort, DerivationError>?
    private var finalDigest: [UInt8]?

    init(deriver: CohortDeriver, cohortOfStudy: [Int32], patientIDs: [String]?) {
        self.deriver = deriver
        self.cohortOfStudy = cohortOfStudy
        var text: [UInt8] = []
        var offsets = [0]
        for id in patientIDs ?? [] {
            text.append(contentsOf: id.utf8)
            offsets.append(text.count)
        }
        patientText = patientIDs == nil ? nil : text
        patientOffsets = offsets
    }

    /// `nil` when the rows were not grouped by patient or the reader failed.
    var result: Result<DerivedCohort, DerivationError>? { lock.withLock { outcome } }
    var digest: [UInt8]? { lock.withLock { finalDigest } }

    func run(_ queue: BatchQueue<MeasurementBatch>) {
        var rows = PatientMeasurementRows()
        var current: Int32 = -1
        var digest = MeasurementDigest()
        // Parameter names back to back too, extended as the reader announces them.
        var parameterText: [UInt8] = []
        var parameterOffsets: [Int] = [0]
        var parameterSlots: [Int32] = []
        var deriving = true
        var failure: DerivationError?
        while let batch = queue.receive() {
            for p in batch.newParameters {
                parameterText.append(contentsOf: p.bytes)
                parameterOffsets.append(parameterText.count)
                parameterSlots.append(p.slot)
            }
            if !batch.deriving { deriving = false }
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
                    if current >= 0 {
                        do throws(DerivationError) {
                            try deriver.add(studyIndex: Int(current), rows: &rows)
                        } catch {
                            failure = error
                            deriving = false
                            break
                        }
                    }
                    rows.removeAll()
                    current = i
                }
                rows.append(slot: parameterSlots[Int(batch.parameter[r])], time: batch.time[r], value: batch.value[r], order: batch.order[r])
            }
        }
        guard !queue.wasCancelled else { return }
        let hashed = patientText == nil ? nil : digest.finalize()
        var result: Result<DerivedCohort, DerivationError>?
        if let failure {
            result = .failure(failure)
        } else if deriving {
            do throws(DerivationError) {
                if current >= 0 { try deriver.add(studyIndex: Int(current), rows: &rows) }
                result = .success(deriver.finish())
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
