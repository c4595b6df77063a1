import DayZeroCohort
import Foundation
import GRDB

/// Rows per table written by an import or an export.
public struct StudySummary: Sendable, Equatable, CustomStringConvertible {
    /// Rows imported per table (tables absent from the folder are absent here).
    public var rowCounts: [StudyTable: Int]

    public init(rowCounts: [StudyTable: Int]) {
        self.rowCounts = rowCounts
    }

    /// Total data rows over all tables.
    public var totalRows: Int { rowCounts.values.reduce(0, +) }

    /// `patients.csv 78 rows, icu_course.csv 78 rows, …` in table order.
    public var description: String {
        StudyTable.allCases.compactMap { table in
            rowCounts[table].map { "\(table.fileName) \($0) row\($0 == 1 ? "" : "s")" }
        }.joined(separator: ", ")
    }
}

/// A study store: one SQLite file (through GRDB) holding one validated study.
///
/// Create one with `importStudy(folder:to:)`; open an existing one with `init(url:)`; read it
/// with `load()`; write the study folder back with `exportStudy(to:)`.
public struct StudyStore: Sendable {
    /// The database file.
    public let url: URL

    /// Opens an existing study store. Throws `StoreError.notAStudyStore` when the file is not
    /// a DayZero study store or was written by a newer DayZero, `StoreError.io` when it does
    /// not exist. The file is not modified.
    public init(url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StoreError.io("no study store at \(url.path)")
        }
        self.url = url
        try read { _ in }
    }

    /// Problems of a study folder, without writing anything: empty when the folder is valid.
    ///
    /// - Parameter limitPerRule: at most this many problems are listed per rule; the rest are counted.
    public static func validateStudy(folder: URL, limitPerRule: Int = 200) throws -> StudyValidationError? {
        let validator = StudyFolderValidator(folder: folder, limitPerRule: limitPerRule)
        var sink = DiscardingSink()
        try validator.run(sink: &sink)
        guard validator.collector.isEmpty else {
            return StudyValidationError(problems: validator.collector.problems, suppressed: validator.collector.suppressed)
        }
        return nil
    }

    /// Reads and validates a study folder into memory, without a database. Throws
    /// `StudyValidationError` listing every problem when the folder is not valid.
    public static func readStudy(folder: URL, limitPerRule: Int = 200) throws -> StudyData {
        let validator = StudyFolderValidator(folder: folder, limitPerRule: limitPerRule)
        var sink = StudyDataBuilder()
        try validator.run(sink: &sink)
        guard validator.collector.isEmpty else {
            throw StudyValidationError(problems: validator.collector.problems, suppressed: validator.collector.suppressed)
        }
        return sink.data
    }

    /// Imports a study folder into a new study store at `database`, all or nothing.
    ///
    /// The folder is validated completely; rows are written, while no problem has been found,
    /// into a temporary database next to `database` inside one transaction. (The folder is
    /// read and validated on a second thread, which hands the valid rows in file order to
    /// this one through a bounded queue; the database and the problems reported are the same
    /// as with one thread — see `StudyFolderValidator.runConcurrently`.) If any problem is
    /// found the temporary file is deleted and `StudyValidationError` lists every problem
    /// (`file:line:column: message [rule]`); otherwise the temporary file is closed, flushed
    /// to disk and renamed onto `database` in one atomic step. So a failed import leaves no
    /// database behind, and an existing file at `database` is either untouched (failure) or
    /// replaced whole (success), never damaged.
    ///
    /// - Throws: `StudyValidationError` (the data), `StoreError` (file system or SQLite).
    @discardableResult
    public static func importStudy(folder: URL, to database: URL, limitPerRule: Int = 200) throws -> StudySummary {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError.io("study folder \(folder.path) does not exist or is not a folder")
        }
        let directory = database.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(database.lastPathComponent).importing-\(UUID().uuidString)")
        defer { removeDatabaseFiles(at: temporary) }

        var configuration = Configuration()
        // References are checked by the validator and once more, for the whole database, by
        // `PRAGMA foreign_key_check` before the commit; checking each inserted row as well
        // would only repeat the work. Stores are opened with foreign keys on afterwards.
        configuration.foreignKeysEnabled = false
        configuration.prepareDatabase { db in
            // The temporary file is discarded on failure and synced once at the end, so SQLite
            // need not sync on each commit and needs no rollback journal; nobody else opens
            // the file while it is written. 16 KiB pages (set before the first table exists):
            // fewer pages to split and write for the same rows than the default 4 KiB.
            try db.execute(
                sql: """
                    PRAGMA page_size = 16384; PRAGMA synchronous = OFF; PRAGMA journal_mode = OFF;
                    PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -65536
                    """)
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: temporary.path, configuration: configuration)
        } catch {
            throw StoreError.io("cannot create a database in \(directory.path): \(error)")
        }
        let counts: [StudyTable: Int]
        do {
            try StudySchema.migrator.migrate(queue)
            counts = try queue.write { db in
                for index in StudySchema.indexes { try db.execute(sql: "DROP INDEX \(index.name)") }
                var sink = try DatabaseSink(db)
                // The folder is read and validated on a second thread while this one inserts.
                let (problems, suppressed) = try StudyFolderValidator.runConcurrently(
                    folder: folder, limitPerRule: limitPerRule, sink: &sink)
                guard problems.isEmpty else {
                    throw StudyValidationError(problems: problems, suppressed: suppressed)
                }
                try sink.buildIndexes(before: nil)
                let violations = try Int.fetchOne(db, sql: "SELECT count(*) FROM pragma_foreign_key_check") ?? 0
                guard violations == 0 else {
                    throw StoreError.database("\(violations) rows reference missing rows (foreign_key_check)")
                }
                return sink.counts
            }
            try queue.close()
        } catch let error as StudyValidationError {
            try? queue.close()
            throw error
        } catch let error as StoreError {
            try? queue.close()
            throw error
        } catch {
            try? queue.close()
            throw StoreError.database("\(error)")
        }
        do {
            let handle = try FileHandle(forUpdating: temporary)
            try handle.synchronize()
            try handle.close()
        } catch {
            throw StoreError.io("cannot flush \(temporary.path): \(error.localizedDescription)")
        }
        // rename(2) replaces the target atomically.
        guard rename(temporary.path, database.path) == 0 else {
            throw StoreError.io("cannot move the new study store to \(database.path) (errno \(errno))")
        }
        return StudySummary(rowCounts: counts)
    }

    private static func removeDatabaseFiles(at url: URL) {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let path = url.path + suffix
            if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    /// Runs `body` on a read-only connection after checking the file is a current study store.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: url.path, configuration: configuration)
        } catch {
            throw StoreError.notAStudyStore("\(url.path) is not a DayZero study store (\(error))")
        }
        defer { try? queue.close() }
        do {
            return try queue.read { db in
                let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                guard applicationID == StudySchema.applicationID else {
                    throw StoreError.notAStudyStore("\(url.path) is not a DayZero study store")
                }
                let migrator = StudySchema.migrator
                if try migrator.hasBeenSuperseded(db) {
                    throw StoreError.notAStudyStore("\(url.path) was written by a newer DayZero; update DayZero to read it")
                }
                guard try migrator.hasCompletedMigrations(db) else {
                    throw StoreError.notAStudyStore("\(url.path) has an older schema; import the study again")
                }
                return try body(db)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.notAStudyStore("\(url.path) is not a readable DayZero study store (\(error))")
        }
    }
}
