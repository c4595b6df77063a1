import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStore

/// Issue 16, item 8: an output folder always holds one complete run. A `kill -9` is simulated
/// by stopping `OutputFolder.write` after each of its steps without any clean-up; at every
/// such point the path holds the old complete folder or the new complete one, and the next run
/// removes what was left beside it, one line per leftover.
@Suite("Hardening: output folders are replaced whole")
struct OutputFolderTests {
    /// A directory holding `out/` with the files of an earlier run.
    func previousRun() throws -> (directory: URL, out: URL) {
        let directory = try makeTestDirectory()
        let out = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false)
        try Data("old report".utf8).write(to: out.appendingPathComponent("report.html"))
        try Data("old results".utf8).write(to: out.appendingPathComponent("results.json"))
        return (directory, out)
    }

    /// The new run's files.
    func writeNew(_ folder: URL) throws {
        try Data("new report".utf8).write(to: folder.appendingPathComponent("report.html"))
        try Data("new results".utf8).write(to: folder.appendingPathComponent("results.json"))
        try Data("a,b\n".utf8).write(to: folder.appendingPathComponent("pvalues.csv"))
    }

    func contents(_ folder: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            result[name] = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        }
        return result
    }

    let old = ["report.html": "old report", "results.json": "old results"]
    let new = ["report.html": "new report", "results.json": "new results", "pvalues.csv": "a,b\n"]

    func hidden(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }.sorted()
    }

    @Test func replacedWithForceLeavesNothingBeside() throws {
        let (directory, out) = try previousRun()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try OutputFolder.check(out, force: true)
        try folder.write { try writeNew($0) }
        #expect(try contents(out) == new)
        #expect(try hidden(directory).isEmpty)
    }

    @Test func notEmptyWithoutForceIsRefusedBeforeAnyWork() throws {
        let (directory, out) = try previousRun()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: OutputFolder.Failure(
            "--out \(out.path) is not empty; pass --force to replace it (the old folder is kept until the new one is complete), or choose another folder")) {
            try OutputFolder.check(out, force: false)
        }
        #expect(try contents(out) == old)
    }

    @Test func aFileOrAMissingParentIsRefused() throws {
        let directory = try makeTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("notes.txt")
        try Data("keep".utf8).write(to: file)
        #expect(throws: OutputFolder.Failure("--out \(file.path) is a file; give the path of a folder to create or to replace")) {
            try OutputFolder.check(file, force: true)
        }
        let missing = directory.appendingPathComponent("no/such/out")
        #expect(throws: OutputFolder.Failure(
            "--out \(missing.path): the folder \(directory.path)/no/such it would be created in does not exist; create it first")) {
            try OutputFolder.check(missing, force: false)
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == "keep")
    }

    /// Killed after writing, before the exchange: the old folder is intact; the next run
    /// removes the hidden folder and says so.
    @Test func killedBeforeTheExchangeKeepsTheOldFolder() throws {
        let (directory, out) = try previousRun()
        defer { try? FileManager.default.removeItem(at: directory) }
        var folder = try OutputFolder.check(out, force: true)
        folder.interruption = { $0 == .written }
        try folder.write { try writeNew($0) }
        #expect(try contents(out) == old)
        let leftovers = try hidden(directory)
        #expect(leftovers.count == 1 && leftovers[0].hasPrefix(".out.writing-"))

        let next = try OutputFolder.check(out, force: true)
        #expect(next.removeLeftovers() == ["Removed \(leftovers[0]), left by an interrupted run."])
        #expect(try hidden(directory).isEmpty)
        try next.write { try writeNew($0) }
        #expect(try contents(out) == new)
    }

    /// Killed after the exchange, before the old files are deleted: the new folder is complete.
    @Test func killedAfterTheExchangeHasTheNewFolder() throws {
        let (directory, out) = try previousRun()
        defer { try? FileManager.default.removeItem(at: directory) }
        var folder = try OutputFolder.check(out, force: true)
        folder.interruption = { $0 == .placed }
        try folder.write { try writeNew($0) }
        #expect(try contents(out) == new)
        let leftovers = try hidden(directory)
        #expect(leftovers.count == 1)
        #expect(try OutputFolder.check(out, force: true).removeLeftovers().count == 1)
        #expect(try hidden(directory).isEmpty)
    }

    /// Without the atomic exchange: killed between moving the old folder aside and moving the
    /// new one in, the next run puts the old folder back.
    @Test func fallbackKilledBetweenTheRenamesRestoresTheOldFolder() throws {
        let (directory, out) = try previousRun()
        defer { try? FileManager.default.removeItem(at: directory) }
        var folder = try OutputFolder.check(out, force: true)
        folder.exchangeUnavailable = true
        folder.interruption = { $0 == .movedAside }
        try folder.write { try writeNew($0) }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let lines = try OutputFolder.check(out, force: true).removeLeftovers()
        #expect(lines.count == 2 && lines[0].hasPrefix("Restored \(out.path) from .out.replaced-"), "\(lines)")
        #expect(try contents(out) == old)
        #expect(try hidden(directory).isEmpty)

        var again = try OutputFolder.check(out, force: true)
        again.exchangeUnavailable = true
        try again.write { try writeNew($0) }
        #expect(try contents(out) == new)
        #expect(try hidden(directory).isEmpty)
    }

    /// A failure while writing (here a full disk, `/dev/full`) leaves the old folder and
    /// nothing beside it, and is one line naming the folder.
    @Test func aFailedWriteKeepsTheOldFolder() throws {
        let (directory, out) = try previousRun()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try OutputFolder.check(out, force: true)
        #expect(throws: OutputFolder.Failure("cannot write \(out.path): no space left on device")) {
            try folder.write { temporary in
                try writeNew(temporary)
                try Data("x".utf8).write(to: URL(fileURLWithPath: "/dev/full"))
            }
        }
        #expect(try contents(out) == old)
        #expect(try hidden(directory).isEmpty)
    }

    @Test func fileSystemErrorsAreOneHumanLine() {
        let full = NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteOutOfSpace.rawValue)
        #expect(OutputFolder.describe(full, writing: "/r/out") == "cannot write /r/out: no space left on device")
        let exists = NSError(domain: NSCocoaErrorDomain, code: 516, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EEXIST))])
        #expect(OutputFolder.describe(exists, writing: "/r/out") == "cannot write /r/out: file exists")
        #expect(OutputFolder.describe(POSIXError(.EACCES), writing: "a\nb") == "cannot write a\\nb: permission denied")
    }
}
