import Foundation

/// The work behind `dayzero import` and `dayzero export`, as functions that write to given
/// outputs and return the exit code, so the commands can be tested in-process.
///
/// Exit codes (documented in `docs/data-format.md`):
/// - 0: success;
/// - 1: the study folder breaks the data format: every problem is printed, nothing is written;
/// - 2: the store failed: a folder or file could not be read or written, or the database is
///   not a DayZero study store.
/// (Usage errors — a missing argument, an unknown option — exit with 64, from swift-argument-parser.)
public enum StoreCommandLine {
    public static let exitSuccess: Int32 = 0
    public static let exitInvalidStudy: Int32 = 1
    public static let exitStoreFailure: Int32 = 2

    /// `dayzero import STUDY_DIR --db FILE`: validates and imports; prints a one-paragraph summary
    /// to `output`, or every problem to `errors`.
    public static func runImport(
        folder: URL, database: URL, limitPerRule: Int = 200,
        output: (String) -> Void, errors rawErrors: (String) -> Void, rowsRead: ((Int) -> Void)? = nil
    ) -> Int32 {
        func errors(_ message: String) { emitLines(message, to: rawErrors) }
        for name in StudyStore.removeStaleTemporaryFiles(of: database) {
            output("Removed \(name), left by an interrupted import of \(database.lastPathComponent).")
        }
        let existed = FileManager.default.fileExists(atPath: database.path)
        do {
            let summary = try StudyStore.importStudy(folder: folder, to: database, limitPerRule: limitPerRule, rowsRead: rowsRead)
            for name in summary.removedTemporaryFiles {
                output("Removed \(name), left by an interrupted import of \(database.lastPathComponent).")
            }
            output("Imported \(folder.path) into \(database.path)\(summary.replacedStore ? " (replacing the previous study store)" : ""):")
            for table in StudyTable.allCases {
                guard let n = summary.rowCounts[table] else { continue }
                output("  \(table.fileName.padding(toLength: 24, withPad: " ", startingAt: 0)) \(n) row\(n == 1 ? "" : "s")")
            }
            return exitSuccess
        } catch let failure as StudyValidationError {
            let n = failure.totalCount
            errors("error: \(folder.path) has \(n) problem\(n == 1 ? "" : "s"); nothing was imported"
                + (existed ? " (\(database.path) is unchanged)." : "."))
            for line in failure.lines { errors(line) }
            return exitInvalidStudy
        } catch {
            errors("error: " + (OutputFolder.isFileSystemError(error)
                ? OutputFolder.describe(error, writing: database.path) : "\(error)"))
            return exitStoreFailure
        }
    }

    /// `dayzero export --db FILE OUT_DIR [--force]`: writes the study folder back (through
    /// `OutputFolder`: the folder is checked first, and appears whole or not at all).
    public static func runExport(
        database: URL, folder: URL, force: Bool = false, output: (String) -> Void, errors rawErrors: (String) -> Void
    ) -> Int32 {
        func errors(_ message: String) { emitLines(message, to: rawErrors) }
        do {
            let target = try OutputFolder.check(folder, force: force, option: "OUT_DIR")
            for line in target.removeLeftovers() { output(line) }
        } catch {
            errors("error: \(error)")
            return exitStoreFailure
        }
        do {
            let store = try StudyStore(url: database)
            let summary = try store.exportStudy(to: folder, force: force)
            output("Exported \(database.path) to \(folder.path): \(summary.rowCounts.count) files, \(summary.totalRows) rows.")
            return exitSuccess
        } catch {
            errors("error: " + (OutputFolder.isFileSystemError(error)
                ? OutputFolder.describe(error, writing: folder.path) : "\(error)"))
            return exitStoreFailure
        }
    }

    /// Hands `message` to `errors` one line at a time, each escaped and capped
    /// (`MessageText.line`): a message never spans lines nor carries a raw control character.
    public static func emitLines(_ message: String, to errors: (String) -> Void) {
        for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
            errors(MessageText.line(String(line)))
        }
    }
}
