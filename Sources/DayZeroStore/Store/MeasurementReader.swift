import DayZeroCohort
import GRDB
import GRDBSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the `measurement` table into a `MeasurementTable` through SQLite's C API: one
/// prepared statement stepped row by row, numbers read as numbers, and each distinct parameter
/// name and unit turned into a Swift `String` once (looked up by its bytes afterwards), so a
/// registry-sized table loads without a `Row`, a `String` or a dictionary lookup per field.
/// GRDB's `Row` cursor does the same job several times slower; everything else in `load` is
/// small enough not to matter.
enum MeasurementReader {
    /// Appends the measurement rows to `table` in stored order (`id`): every row, or with
    /// `parameters` only the rows of those parameters (one scan of the table, which has no
    /// index on the parameter).
    static func read(_ db: Database, patientIDs: [Int64: String], parameters: [String]? = nil, into table: inout MeasurementTable) throws {
        let statement: Statement
        if let parameters {
            let marks = Array(repeating: "?", count: parameters.count).joined(separator: ", ")
            statement = try db.makeStatement(
                sql: "SELECT patient, time, parameter, value, source_value, source_unit FROM measurement WHERE parameter IN (\(marks)) ORDER BY id")
            try statement.setArguments(StatementArguments(parameters))
        } else {
            // `id` counts rows from 1 in insertion order, so its maximum sizes the columns once.
            table.reserveCapacity(try Int.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM measurement") ?? 0)
            statement = try db.makeStatement(
                sql: "SELECT patient, time, parameter, value, source_value, source_unit FROM measurement ORDER BY id")
        }
        let s = statement.sqliteStatement
        var patientKeys: [Int64: Int32] = [:]
        var parameters = TextKeys()
        var units = TextKeys()
        var row = 0
        while true {
            let code = sqlite3_step(s)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw StoreError.database("reading measurements: \(String(cString: sqlite3_errmsg(sqlite3_db_handle(s))))")
            }
            for column: Int32 in 0..<6 where sqlite3_column_type(s, column) == SQLITE_NULL {
                throw StoreError.database("measurement row has NULL in column \(column)")
            }
            row += 1
            let time = try checkedStoreTime(sqlite3_column_double(s, 1), table: "measurement", column: "time", row: row)
            let patient = sqlite3_column_int64(s, 0)
            let p: Int32
            if let k = patientKeys[patient] {
                p = k
            } else {
                guard let id = patientIDs[patient] else { throw StoreError.database("row references unknown patient \(patient)") }
                p = table.patientKey(id)
                patientKeys[patient] = p
            }
            let k = try parameters.key(s, column: 2) { table.parameterKey($0) }
            let u = try units.key(s, column: 5) { table.unitKey($0) }
            table.append(
                patient: p, parameter: k, unit: u, time: time, value: try checkedStoreValue(sqlite3_column_double(s, 3), table: "measurement", column: "value", row: row),
                sourceValue: sqlite3_column_double(s, 4))
        }
    }

    /// Distinct text values of one column, found by their bytes (a handful of parameters or
    /// units, so a linear scan from the last match beats hashing).
    struct TextKeys {
        private var known: [(bytes: [UInt8], key: Int32)] = []
        private var last = 0

        mutating func key(_ s: OpaquePointer?, column: Int32, intern: (String) -> Int32) throws -> Int32 {
            if let k = try find(s, column: column) { return k }
            let text = try self.text(s, column: column)
            let k = intern(text)
            try add(s, column: column, key: k)
            return k
        }

        /// The key of the column's text if it was seen before.
        mutating func find(_ s: OpaquePointer?, column: Int32) throws -> Int32? {
            let bytes = try self.bytes(s, column: column)
            for step in 0..<known.count {
                let i = (last + step) % known.count
                if known[i].bytes.count == bytes.count, Self.same(known[i].bytes, bytes) {
                    last = i
                    return known[i].key
                }
            }
            return nil
        }

        private static func same(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
            a.withUnsafeBufferPointer { a in
                guard let x = a.baseAddress, let y = b.baseAddress else { return a.count == b.count }
                return memcmp(x, y, a.count) == 0
            }
        }

        /// The column's text, for a value `find` did not know.
        func text(_ s: OpaquePointer?, column: Int32) throws -> String {
            String(decoding: try bytes(s, column: column), as: UTF8.self)
        }

        /// Records the column's text under `key`.
        mutating func add(_ s: OpaquePointer?, column: Int32, key: Int32) throws {
            known.append((Array(try bytes(s, column: column)), key))
            last = known.count - 1
        }

        private func bytes(_ s: OpaquePointer?, column: Int32) throws -> UnsafeBufferPointer<UInt8> {
            guard let text = sqlite3_column_text(s, column) else { throw StoreError.database("measurement text column \(column) is NULL") }
            return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(s, column)))
        }
    }
}
