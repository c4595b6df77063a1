import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output folder that always holds one complete run: what `report`, `analyze` and `export`
/// write.
///
/// - `check(_:force:)`, before any work, refuses a path that cannot become the folder (a
///   regular file or any other non-folder, a missing or read-only parent) and a folder that is
///   not empty unless `force` is given — each with a one-line message saying what to do.
/// - `write(_:)` writes every file into a hidden sibling `.NAME.writing-UUID` (same parent, so
///   the same file system) and then puts it in place with one atomic rename: onto a path that
///   does not exist or is an empty folder, `rename(2)`; over a folder being replaced (`force`),
///   an atomic exchange of the two folders (`renameat2(RENAME_EXCHANGE)` on Linux,
///   `renamex_np(RENAME_SWAP)` on macOS), after which the old files, now under the hidden name,
///   are deleted. So a `kill -9` at any moment leaves at the path either the old complete folder
///   or the new complete one, and at most one hidden `.NAME.writing-…` folder beside it.
/// - `removeLeftovers()` deletes such hidden folders of earlier runs that were interrupted.
///
/// On a file system without the atomic exchange the old folder is first renamed aside to
/// `.NAME.replaced-UUID`; if the run is killed before the new folder is renamed in,
/// `removeLeftovers()` renames the old folder back.
public struct OutputFolder: Sendable {
    /// The folder to write.
    public let url: URL
    /// Whether a folder that is not empty may be replaced.
    public let force: Bool
    /// The command-line option that named the folder, for messages (`--out`, `OUT_DIR`).
    public let option: String

    /// A path that cannot be used, or a write that failed: one human line naming the path.
    public struct Failure: Error, Sendable, CustomStringConvertible, Equatable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// The steps of `write(_:)`, for tests that stop it where a `kill -9` could.
    package enum Step: Sendable, Equatable {
        /// Every file is in the hidden folder; nothing at the path has changed.
        case written
        /// The old folder was renamed aside (only without the atomic exchange).
        case movedAside
        /// The new folder is at the path; the old one, if any, is under a hidden name.
        case placed
    }

    /// Stops `write(_:)` after a step, as if the process had been killed there: nothing is
    /// cleaned up. Returns `true` to stop. Tests only.
    package var interruption: (@Sendable (Step) -> Bool)?
    /// Pretends the file system has no atomic exchange (tests of the fallback).
    package var exchangeUnavailable = false

    /// The hidden name prefixes of this folder's work in progress.
    var writingPrefix: String { ".\(url.lastPathComponent).writing-" }
    var replacedPrefix: String { ".\(url.lastPathComponent).replaced-" }
    var parent: URL { url.deletingLastPathComponent() }

    /// Checks that `url` can be written as an output folder, before any analysis is run.
    public static func check(_ url: URL, force: Bool, option: String = "--out") throws(Failure) -> OutputFolder {
        let url = url.standardizedFileURL
        let path = url.path
        let named = "\(option) \(MessageText.escaped(path))"
        let fileManager = FileManager.default
        var status = stat()
        if lstat(path, &status) == 0 {
            let type = status.st_mode & S_IFMT
            guard type == S_IFDIR else {
                let what = type == S_IFREG ? "a file" : type == S_IFLNK ? "a symbolic link" : "not a folder (a device or a pipe)"
                throw Failure("\(named) is \(what); give the path of a folder to create or to replace")
            }
            let entries = (try? fileManager.contentsOfDirectory(atPath: path)) ?? []
            if !entries.isEmpty && !force {
                throw Failure("\(named) is not empty; pass --force to replace it (the old folder is kept until the new one is complete), or choose another folder")
            }
        }
        let parentPath = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: parentPath, isDirectory: &isDirectory) else {
            throw Failure("\(named): the folder \(MessageText.escaped(parentPath)) it would be created in does not exist; create it first")
        }
        guard isDirectory.boolValue else {
            throw Failure("\(named): \(MessageText.escaped(parentPath)) is not a folder")
        }
        guard access(parentPath, W_OK | X_OK) == 0 else {
            throw Failure("\(named): cannot write in \(MessageText.escaped(parentPath)) (\(Self.reason(errno: errno)))")
        }
        return OutputFolder(url: url, force: force, option: option)
    }

    init(url: URL, force: Bool, option: String) {
        self.url = url
        self.force = force
        self.option = option
    }

    /// Deletes the hidden folders that interrupted runs left beside this folder and, after an
    /// interruption between the two renames of the fallback, puts the old folder back. Returns
    /// one line per leftover, for the user.
    public func removeLeftovers() -> [String] {
        let fileManager = FileManager.default
        let names = ((try? fileManager.contentsOfDirectory(atPath: parent.path)) ?? []).sorted()
        var lines: [String] = []
        for name in names where name.hasPrefix(replacedPrefix) {
            let leftover = parent.appendingPathComponent(name)
            if !fileManager.fileExists(atPath: url.path), rename(leftover.path, url.path) == 0 {
                lines.append("Restored \(MessageText.escaped(url.path)) from \(MessageText.escaped(name)), left by an interrupted run.")
            } else if (try? fileManager.removeItem(at: leftover)) != nil {
                lines.append("Removed \(MessageText.escaped(name)), left by an interrupted run.")
            }
        }
        for name in names where name.hasPrefix(writingPrefix) {
            if (try? fileManager.removeItem(at: parent.appendingPathComponent(name))) != nil {
                lines.append("Removed \(MessageText.escaped(name)), left by an interrupted run.")
            }
        }
        return lines
    }

    /// Calls `body` with a new hidden folder to fill, then puts that folder at `url` (see the
    /// type's description). An error of `body` removes the hidden folder and leaves `url` as it
    /// was; file-system errors are thrown as `Failure` lines naming the path.
    @discardableResult
    public func write<T>(_ body: (URL) throws -> T) throws -> T {
        let fileManager = FileManager.default
        let temporary = parent.appendingPathComponent(writingPrefix + UUID().uuidString, isDirectory: true)
        do {
            try fileManager.createDirectory(at: temporary, withIntermediateDirectories: false)
        } catch {
            throw Failure(Self.describe(error, writing: url.path))
        }
        var keepTemporary = false
        defer { if !keepTemporary { try? fileManager.removeItem(at: temporary) } }
        let value: T
        do {
            value = try body(temporary)
        } catch {
            // A full disk or a refused write becomes one line naming the folder; any other
            // error (a damaged store, a failed analysis) is the body's own.
            guard Self.isFileSystemError(error) else { throw error }
            throw Failure(Self.describe(error, writing: url.path))
        }
        if interruption?(.written) == true {
            keepTemporary = true
            return value
        }
        let existing = ((try? fileManager.contentsOfDirectory(atPath: url.path)) ?? nil).map { !$0.isEmpty } ?? false
        if !existing {
            // No folder, or an empty one: rename(2) replaces an empty directory atomically.
            guard rename(temporary.path, url.path) == 0 else {
                throw Failure("cannot write \(MessageText.escaped(url.path)): \(Self.reason(errno: errno))")
            }
            keepTemporary = true
            return value
        }
        guard force else {
            throw Failure("\(option) \(MessageText.escaped(url.path)) is not empty; pass --force to replace it, or choose another folder")
        }
        let code = exchangeUnavailable ? ENOSYS : Self.exchange(temporary.path, url.path)
        if code == 0 {
            // The old files are now in the hidden folder, which the deferred removal deletes.
            if interruption?(.placed) == true {
                keepTemporary = true
            }
            return value
        }
        guard code == ENOSYS || code == EINVAL || code == ENOTSUP else {
            throw Failure("cannot replace \(MessageText.escaped(url.path)): \(Self.reason(errno: code))")
        }
        // Without an atomic exchange: the old folder aside, the new one in, the old one deleted.
        let aside = parent.appendingPathComponent(replacedPrefix + UUID().uuidString, isDirectory: true)
        guard rename(url.path, aside.path) == 0 else {
            throw Failure("cannot replace \(MessageText.escaped(url.path)): \(Self.reason(errno: errno))")
        }
        if interruption?(.movedAside) == true {
            keepTemporary = true
            return value
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = Self.reason(errno: errno)
            _ = rename(aside.path, url.path)
            throw Failure("cannot replace \(MessageText.escaped(url.path)): \(reason)")
        }
        keepTemporary = true
        if interruption?(.placed) == true { return value }
        try? fileManager.removeItem(at: aside)
        return value
    }

    /// Swaps two paths atomically; 0, or the `errno` of the failure (`ENOSYS` when the system
    /// has no such call).
    static func exchange(_ a: String, _ b: String) -> Int32 {
        #if os(Linux)
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "renameat2") else { return ENOSYS }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: UInt32 = 2  // RENAME_EXCHANGE, <linux/fs.h>
        return renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0 ? 0 : errno
        #elseif canImport(Darwin)
        return renamex_np(a, b, UInt32(RENAME_SWAP)) == 0 ? 0 : errno
        #else
        return ENOSYS
        #endif
    }

    /// `no space left on device`: the system's text for an `errno`, starting lower case.
    public static func reason(errno code: Int32) -> String {
        let text = String(cString: strerror(code))
        guard let first = text.first else { return "error \(code)" }
        return first.lowercased() + text.dropFirst()
    }

    /// A file-system or database error as one human line naming `path`:
    /// `cannot write out/: no space left on device`. Foundation's errors (`NSError`, with the
    /// POSIX error under them), SQLite's (`SQLITE_FULL`, `SQLITE_IOERR`, …), the tidy exports'
    /// and the POSIX codes themselves are recognised; anything else keeps its own description.
    public static func describe(_ error: any Error, writing path: String) -> String {
        let shown = MessageText.escaped(path)
        if let code = posixCode(error) { return "cannot write \(shown): \(reason(errno: code))" }
        if let database = error as? DatabaseError {
            switch database.resultCode {
            case .SQLITE_FULL: return "cannot write \(shown): \(reason(errno: ENOSPC))"
            case .SQLITE_READONLY: return "cannot write \(shown): the file or its folder is read-only"
            case .SQLITE_CANTOPEN: return "cannot write \(shown): the database file cannot be opened"
            case .SQLITE_IOERR: return "cannot write \(shown): input/output error"
            default: return "cannot write \(shown): database error (\(MessageText.escaped(database.message ?? "\(database.resultCode)")))"
            }
        }
        return "cannot write \(shown): \(MessageText.escaped("\(error)"))"
    }

    /// True for the errors `describe` turns into a file-system message.
    public static func isFileSystemError(_ error: any Error) -> Bool {
        if posixCode(error) != nil { return true }
        if let database = error as? DatabaseError {
            return [.SQLITE_FULL, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_IOERR].contains(database.resultCode)
        }
        return false
    }

    /// The POSIX error code behind `error`, if it has one.
    static func posixCode(_ error: any Error) -> Int32? {
        if let posix = error as? POSIXError { return posix.code.rawValue }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(ns.code) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, let code = posixCode(underlying) { return code }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case CocoaError.fileWriteOutOfSpace.rawValue: return ENOSPC
            case CocoaError.fileWriteNoPermission.rawValue, CocoaError.fileReadNoPermission.rawValue: return EACCES
            case CocoaError.fileWriteVolumeReadOnly.rawValue: return EROFS
            case CocoaError.fileWriteFileExists.rawValue: return EEXIST
            case CocoaError.fileNoSuchFile.rawValue, CocoaError.fileReadNoSuchFile.rawValue: return ENOENT
            default: return nil
            }
        }
        return nil
    }
}
