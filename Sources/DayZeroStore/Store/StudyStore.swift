import DayZeroCohort
import Foundation
import GRDB

/// Rows per table written by an import or an export.
public struct StudySummary: Sendable, Equatable, CustomStringConvertible {
    /// Rows imported per table (tables absent from the folder are absent here).
    public var rowCounts: [StudyTable: Int]

    /// True when the import replaced an existing DayZero study store.
    public var replacedStore = false
    /// Temporary files of earlier imports of the same store that were interrupted (a crash,
    /// a kill) and that this import removed.
    public var removedTemporaryFiles: [String] = []

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

    /// The study's own declarations — `parameters.csv` and `variables.csv` — validated as on
    /// import, without reading the other tables (what `dayzero protocol check --study` needs).
    ///
    /// - Throws: `StudyValidationError` when either file breaks a rule.
    public static func readDeclarations(folder: URL) throws -> StudyData {
        let validator = StudyFolderValidator(folder: folder, limitPerRule: 200)
        var sink = StudyDataBuilder()
        try validator.run(sink: &sink, only: [.parameters, .variables])
        guard validator.collector.isEmpty else {
            throw StudyValidationError(problems: validator.collector.problems, suppressed: validator.collector.suppressed)
        }
        return sink.data
    }

    /// The declared parameters and baseline variables of the store (no other table is read).
    public func declarations() throws -> StudyData {
        try read { db in
            StudyData(declaredParameters: try loadParameters(db), baselineVariables: try Self.loadBaselineVariables(db))
        }
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
    ///
    /// `rowsRead` is called (on the importing thread) after each batch of rows with the number of
    /// rows read and validated so far, for a progress display.
    public static func importStudy(
        folder: URL, to database: URL, limitPerRule: Int = 200, rowsRead: ((Int) -> Void)? = nil
    ) throws -> StudySummary {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError.io("study folder \(folder.path) does not exist or is not a folder")
        }
        let directory = database.deletingLastPathComponent()
        // One import per store at a time: a second one fails at once, before touching anything.
        let lock = try ImportLock(database)
        defer { lock.release() }
        // Only a DayZero study store is ever replaced; anything else is refused untouched.
        let replacing = try checkReplaceable(database)
        let stale = removeStaleTemporaryFiles(of: database)
        let temporary = directory.appendingPathComponent("\(temporaryPrefix(of: database))\(UUID().uuidString)")
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
                    folder: folder, limitPerRule: limitPerRule, sink: &sink, rowsApplied: rowsRead)
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
        var summary = StudySummary(rowCounts: counts)
        summary.replacedStore = replacing
        summary.removedTemporaryFiles = stale
        return summary
    }

    /// `.study.sqlite.importing-`: the name of an import's temporary file before its UUID.
    static func temporaryPrefix(of database: URL) -> String { ".\(database.lastPathComponent).importing-" }

    /// Whether `database` exists and may be replaced. Only a regular file that starts with the
    /// SQLite header and carries DayZero's application id is a study store; anything else — a
    /// text file, another program's SQLite database, a directory, a device such as /dev/null,
    /// a symbolic link, a pipe — is refused and left untouched (not even opened by SQLite).
    static func checkReplaceable(_ database: URL) throws -> Bool {
        var info = stat()
        guard lstat(database.path, &info) == 0 else {
            if errno == ENOENT { return false }
            throw StoreError.io("cannot examine \(database.path) (errno \(errno))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw StoreError.notAStudyStore(
                "\(database.path) exists and is not a regular file (a directory, device, link or pipe); it was left untouched — choose another --db")
        }
        guard isStudyStoreFile(database) else {
            throw StoreError.notAStudyStore(
                "\(database.path) exists and is not a DayZero study store; it was left untouched — remove it yourself or choose another --db")
        }
        return true
    }

    /// True when the file's first 100 bytes are an SQLite header with DayZero's application id
    /// (big-endian at offset 68).
    static func isStudyStoreFile(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 100), header.count == 100 else { return false }
        let bytes = [UInt8](header)
        guard bytes[0..<16].elementsEqual(Array("SQLite format 3\u{0}".utf8)) else { return false }
        let id = bytes[68..<72].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return Int32(bitPattern: id) == StudySchema.applicationID
    }

    /// Removes the temporary files that interrupted imports of `database` left next to it
    /// (`.study.sqlite.importing-UUID`, with SQLite's `-journal`, `-wal`, `-shm`), except those
    /// an import in another process still holds locked. Returns the names removed.
    public static func removeStaleTemporaryFiles(of database: URL) -> [String] {
        let directory = database.deletingLastPathComponent()
        let prefix = temporaryPrefix(of: database)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            let uuid = rest.prefix(36)
            guard UUID(uuidString: String(uuid)) != nil,
                  ["", "-journal", "-wal", "-shm"].contains(String(rest.dropFirst(36)))
            else { continue }
            let path = directory.appendingPathComponent(name).path
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, !isLockedByAnotherProcess(path) else { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(name) }
        }
        return removed
    }

    /// True when another process holds a POSIX lock on the file (an import still writing it:
    /// SQLite locks its database files with fcntl).
    private static func isLockedByAnotherProcess(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 0
        guard fcntl(fd, F_GETLK, &lock) == 0 else { return false }
        return lock.l_type != Int16(F_UNLCK)
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

/// The exclusive lock an import holds on its target store (`flock` on `.NAME.sqlite.lock`
/// beside it): two imports into the same store at once would otherwise both succeed and the
/// last rename win silently. The second fails at once (it does not wait). The lock is released
/// when the process ends, however it ends, so a killed import never leaves a store locked (only
/// an empty lock file, which the next import reuses and removes).
///
/// The file is removed while still locked, after the import's last step: an import that opened
/// it before then still finds it locked and fails; one that comes later creates a new one.
struct ImportLock {
    let fd: Int32
    let url: URL

    /// `.study.sqlite.lock`: the lock file of `database`.
    static func lockFile(of database: URL) -> URL {
        database.deletingLastPathComponent().appendingPathComponent(".\(database.lastPathComponent).lock")
    }

    /// - Throws: `StoreError.io` when another import holds the lock or the lock file cannot be opened.
    init(_ database: URL) throws {
        let url = Self.lockFile(of: database)
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            throw StoreError.io("cannot open the lock file \(url.path) (errno \(errno)); is the folder writable?")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            close(fd)
            throw StoreError.io(busy
                ? "another import into \(database.path) is running; run this one when it has finished (nothing was changed)"
                : "cannot lock \(url.path) (errno \(errno))")
        }
        self.fd = fd
        self.url = url
    }

    func release() {
        unlink(url.path)
        flock(fd, LOCK_UN)
        close(fd)
    }
}

