#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DayZeroCohort
import GRDB
import GRDBSQLite

/// Typed, checked access to the rows of one prepared statement through SQLite's C API, for
/// the tables a registry-sized load reads by the million (`load`, the streamed derivation):
/// no GRDB `Row` per row, a missing value where one is required is an error (a damaged file
/// gives a message, not a crash), and a text equal to the same column's text in the previous
/// row reuses that row's `String` (rows come grouped by patient and sample, so IDs repeat).
struct StatementRows {
    private let statement: Statement
    private let table: String
    private var previous: [(bytes: [UInt8], text: String)?]

    /// Prepares `sql` (a SELECT on `table`, named in error messages).
    init(_ db: Database, table: String, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        self.table = table
        previous = Array(repeating: nil, count: Int(sqlite3_column_count(statement.sqliteStatement)))
    }

    private var s: OpaquePointer { statement.sqliteStatement }

    /// The 1-based number of the current row in reading order (named in error messages).
    private(set) var row = 0

    /// Moves to the next row; false after the last.
    mutating func step() throws -> Bool {
        let code = sqlite3_step(s)
        if code == SQLITE_DONE { return false }
        guard code == SQLITE_ROW else {
            throw StoreError.database("reading \(table): \(String(cString: sqlite3_errmsg(sqlite3_db_handle(s))))")
        }
        row += 1
        return true
    }

    /// A required ICU-day time, checked against `StudyLimits.maximumAbsoluteDay` (the import
    /// refuses anything beyond it, so only an altered store holds one).
    func time(_ column: Int32) throws -> Double {
        try checkedStoreTime(try double(column), table: table, column: String(cString: sqlite3_column_name(s, column)), row: row)
    }

    /// A required value (measurement, cytokine, NPX), checked against
    /// `StudyLimits.maximumAbsoluteValue` like `time`.
    func value(_ column: Int32) throws -> Double {
        try checkedStoreValue(try double(column), table: table, column: String(cString: sqlite3_column_name(s, column)), row: row)
    }

    /// An optional ICU-day time, checked like `time`.
    func optionalTime(_ column: Int32) throws -> Double? {
        guard let t = optionalDouble(column) else { return nil }
        return try checkedStoreTime(t, table: table, column: String(cString: sqlite3_column_name(s, column)), row: row)
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(s, column) == SQLITE_NULL }

    private func required(_ column: Int32) throws {
        if isNull(column) {
            throw StoreError.database("\(table) row has NULL in required column \(String(cString: sqlite3_column_name(s, column)))")
        }
    }

    func int64(_ column: Int32) throws -> Int64 {
        try required(column)
        return sqlite3_column_int64(s, column)
    }

    func double(_ column: Int32) throws -> Double {
        try required(column)
        return sqlite3_column_double(s, column)
    }

    func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : sqlite3_column_double(s, column) }

    /// A 0/1 column.
    func flag(_ column: Int32) throws -> Bool { try int64(column) != 0 }

    mutating func text(_ column: Int32) throws -> String {
        guard let text = sqlite3_column_text(s, column) else {
            throw StoreError.database("\(table) row has NULL in required column \(String(cString: sqlite3_column_name(s, column)))")
        }
        let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(s, column)))
        let c = Int(column)
        if let last = previous[c], last.bytes.count == bytes.count,
           last.bytes.withUnsafeBufferPointer({ a in
               guard let x = a.baseAddress, let y = bytes.baseAddress else { return true }
               return memcmp(x, y, bytes.count) == 0
           }) {
            return last.text
        }
        let string = String(decoding: bytes, as: UTF8.self)
        previous[c] = (Array(bytes), string)
        return string
    }

    mutating func optionalText(_ column: Int32) throws -> String? { isNull(column) ? nil : try text(column) }
}

/// `time` when it is a time the import accepts (finite, within ±`StudyLimits.maximumAbsoluteDay`);
/// otherwise the store was altered after import and reading it stops with a message naming
/// the table, the row and the column.
@inline(__always)
func checkedStoreTime(_ time: Double, table: String, column: @autoclosure () -> String, row: Int) throws -> Double {
    guard StudyLimits.isDayInRange(time) else {
        throw StoreError.notAStudyStore(
            "the study store is damaged: \(table) row \(row) has \(column()) \(time) outside the ICU-day range -100000 to 100000 that import enforces; import the study again")
    }
    return time
}

/// `value` when it is a number the import accepts (finite, within ±`StudyLimits.maximumAbsoluteValue`);
/// otherwise the store was altered after import (see `checkedStoreTime`).
@inline(__always)
func checkedStoreValue(_ value: Double, table: String, column: @autoclosure () -> String, row: Int) throws -> Double {
    guard StudyLimits.isValueInRange(value) else {
        throw StoreError.notAStudyStore(
            "the study store is damaged: \(table) row \(row) has \(column()) \(value) outside the range -1e15 to 1e15 that import enforces; import the study again")
    }
    return value
}
