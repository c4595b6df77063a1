import DayZeroCohort
import DayZeroTestSupport
import Foundation
import GRDB
import Testing

@testable import DayZeroStore

/// Issue 16: inputs that used to crash the importer or the store reader (an `Int(Double)` trap
/// on a time of ±2^63 or more, an infinity reaching the JSON encoder) or that `--db` used to
/// replace blindly. Each test starts from the reproducer and expects a located one-line
/// message, no crash and nothing left behind.
@Suite("Hardening: limits of the study folder and the store")
struct HardeningTests {
    /// A copy of `Fixtures/valid-days` in a fresh directory, with line `line` (1-based) of
    /// `file` replaced by `text` (or `text` appended when `line` is nil).
    func folder(_ file: String, line: Int?, _ text: String) throws -> (directory: URL, folder: URL) {
        let directory = try makeTestDirectory()
        let folder = directory.appendingPathComponent("study")
        try FileManager.default.copyItem(at: fixtureURL("valid-days"), to: folder)
        let url = folder.appendingPathComponent(file)
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let line { lines[line - 1] = text } else { lines.insert(text, at: lines.count - (lines.last == "" ? 1 : 0)) }
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return (directory, folder)
    }

    /// The problem lines of an import that must fail; checks that nothing but the study folder
    /// is left in the directory (no database, no `.importing-` file).
    func problems(_ directory: URL, _ folder: URL) throws -> [String] {
        let database = directory.appendingPathComponent("study.sqlite")
        do {
            try StudyStore.importStudy(folder: folder, to: database)
            Issue.record("the import succeeded but must fail")
            return []
        } catch let error as StudyValidationError {
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["study"])
            return error.lines
        }
    }

    static let dayRange = "-100000 to 100000 (about 274 years either side of ICU admission)"

    /// Every time column with a day number of ±2^63 or more (the original reproducer is
    /// `icu_course.csv` row `A,0,1e19`): refused with `out-of-range`, located.
    @Test(arguments: [
        ("icu_course.csv", 2, "P01,0,1e19,0,14,,28", "icu_course.csv:2:3: icu_discharge \"1e19\""),
        ("icu_course.csv", 2, "P01,0,20,9.3e18,14,,28", "icu_course.csv:2:4: ventilation_start \"9.3e18\""),
        ("icu_course.csv", 2, "P01,0,20,0,1e300,,28", "icu_course.csv:2:5: ventilation_end \"1e300\""),
        ("icu_course.csv", 2, "P01,0,20,0,14,-1e19,28", "icu_course.csv:2:6: death \"-1e19\""),
        ("icu_course.csv", 2, "P01,0,20,0,14,,100001", "icu_course.csv:2:7: follow_up_end \"100001\""),
        ("icu_course.csv", 2, "P01,1e19,20,0,14,,28", "icu_course.csv:2:2: icu_admission \"1e19\""),
        ("measurements.csv", 2, "P01,1e19,temperature,38.4,°C", "measurements.csv:2:2: time \"1e19\""),
        ("measurements.csv", 2, "P01,-9.3e18,temperature,38.4,°C", "measurements.csv:2:2: time \"-9.3e18\""),
        ("medications.csv", 2, "P01,anakinra,1e19,100,mg", "medications.csv:2:3: time \"1e19\""),
        ("events.csv", 2, "P01,secondary_infection,1e300,x", "events.csv:2:3: time \"1e300\""),
        ("cytokines.csv", 2, "P01,C01,1e19,admission,il6,120.5,pg/mL,0", "cytokines.csv:2:3: time \"1e19\""),
        ("proteomics_samples.csv", 2, "OL001,P01,1e19,pre", "proteomics_samples.csv:2:3: time \"1e19\""),
    ])
    func hugeDayNumbers(file: String, line: Int, text: String, prefix: String) throws {
        let (directory, folder) = try folder(file, line: line, text)
        defer { try? FileManager.default.removeItem(at: directory) }
        let lines = try problems(directory, folder)
        let expected = "\(prefix) is outside the ICU-day range \(Self.dayRange) [out-of-range]"
        #expect(lines.contains(expected), "\(lines)")
    }

    /// A timestamp millions of days from the admission fits an Int but not the time range; its
    /// year (outside 1900–2100) is refused first, so it never reaches the day arithmetic.
    @Test func timestampFarFromAdmission() throws {
        let (directory, folder) = try folder("icu_course.csv", line: 2, "P01,2020-03-01,9999-12-31,0,14,,28")
        defer { try? FileManager.default.removeItem(at: directory) }
        let lines = try problems(directory, folder)
        #expect(lines.contains(
            "icu_course.csv:2:3: icu_discharge \"9999-12-31\" is in the year 9999; timestamps and dates lie within the years 1900 to 2100 [out-of-range]"),
            "\(lines)")
    }

    /// The limits themselves are accepted: ±100000 days.
    @Test func timesAtTheLimitImport() throws {
        let (directory, folder) = try folder("icu_course.csv", line: 2, "P01,0,20,0,14,,100000")
        defer { try? FileManager.default.removeItem(at: directory) }
        try StudyStore.importStudy(folder: folder, to: directory.appendingPathComponent("study.sqlite"))
    }

    /// parameters.csv with maximum 1.7e308 (a `sum` of two such values was infinite and
    /// `analyze` died in the JSON encoder): refused at import, located.
    @Test func hugeDeclaredRange() throws {
        let (directory, folder) = try folder("parameters.csv", line: 2, "lactate,Lactate,clinical,mmol/L,sum,0,1.7e308")
        defer { try? FileManager.default.removeItem(at: directory) }
        let lines = try problems(directory, folder)
        #expect(lines.contains("parameters.csv:2:7: maximum 1.7e+308 is outside the range of accepted numbers, -1e15 to 1e15 [out-of-range]"),
                "\(lines)")
    }

    /// Any number beyond ±1e15 is refused, on the fast paths as on the ordinary one.
    @Test func hugeValues() throws {
        let (directory, folder) = try folder("proteomics.csv", line: 2, "OL001,OID00471,P05231,IL6,Olink Target 96 Inflammation,1e300,1.2,PASS")
        defer { try? FileManager.default.removeItem(at: directory) }
        let lines = try problems(directory, folder)
        #expect(lines.contains("proteomics.csv:2:6: NPX 1e+300 is outside the range of accepted numbers, -1e15 to 1e15 [out-of-range]"), "\(lines)")
    }

    // MARK: - A store altered after import

    /// A valid store in a fresh directory, altered by `sql`.
    func alteredStore(_ sql: String) throws -> (directory: URL, store: StudyStore) {
        let directory = try makeTestDirectory()
        let database = directory.appendingPathComponent("study.sqlite")
        try StudyStore.importStudy(folder: fixtureURL("valid-days"), to: database)
        let queue = try DatabaseQueue(path: database.path)
        try queue.write { try $0.execute(sql: sql) }
        try queue.close()
        return (directory, try StudyStore(url: database))
    }

    func message(_ body: () throws -> Void) -> String {
        do {
            try body()
        } catch {
            return "\(error)"
        }
        return "(no error)"
    }

    @Test func alteredTimesAreRefusedNamingTableRowAndColumn() throws {
        let cases = [
            ("UPDATE measurement SET time = 1e300 WHERE id = 2", "measurement row 2 has time 1e+300"),
            ("UPDATE icu_course SET discharge = -1e300 WHERE id = 1", "icu_course row 1 has discharge -1e+300"),
            ("UPDATE medication SET time = 1e19 WHERE id = 1", "medication row 1 has time 1e+19"),
            ("UPDATE event SET time = 1e19 WHERE id = 2", "event row 2 has time 1e+19"),
            ("UPDATE cytokine SET time = 1e19 WHERE id = 1", "cytokine row 1 has time 1e+19"),
            ("UPDATE proteomics_sample SET time = 1e19 WHERE id = 1", "proteomics_sample row 1 has time 1e+19"),
            ("UPDATE measurement SET value = 1.7e308 WHERE id = 3", "measurement row 3 has value 1.7e+308"),
        ]
        for (sql, expected) in cases {
            let (directory, store) = try alteredStore(sql)
            defer { try? FileManager.default.removeItem(at: directory) }
            let text = message { _ = try store.load() }
            #expect(text.hasPrefix("the study store is damaged: \(expected) outside the "), "\(sql): \(text)")
            #expect(!text.contains("\n"))
        }
    }

    @Test func alteredTimeInTheStreamedDerivationAndTheExport() throws {
        let (directory, store) = try alteredStore("UPDATE measurement SET time = 1e300 WHERE id = 2")
        defer { try? FileManager.default.removeItem(at: directory) }
        let study = try store.load(omittingStreamedTables: true)
        let derive = message { _ = try store.deriveCohort(study: study, protocol: .paperDefault) }
        #expect(derive.hasPrefix("the study store is damaged: measurement row 2 has time 1e+300 outside the "), "\(derive)")
        let export = message { _ = try store.exportStudy(to: directory.appendingPathComponent("back")) }
        #expect(export.hasPrefix("the study store is damaged:"), "\(export)")
    }

    // MARK: - --db replaces only a study store

    @Test func onlyAStudyStoreIsReplaced() throws {
        let directory = try makeTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = directory.appendingPathComponent("notes.txt")
        try "keep me\n".write(to: text, atomically: true, encoding: .utf8)
        let other = directory.appendingPathComponent("other.sqlite")
        let queue = try DatabaseQueue(path: other.path)
        try queue.write { try $0.execute(sql: "CREATE TABLE t(x); INSERT INTO t VALUES (1)") }
        try queue.close()
        let otherBytes = try Data(contentsOf: other)
        let empty = directory.appendingPathComponent("empty.sqlite")
        FileManager.default.createFile(atPath: empty.path, contents: Data())
        let subdirectory = directory.appendingPathComponent("folder.sqlite")
        try FileManager.default.createDirectory(at: subdirectory, withIntermediateDirectories: false)
        let link = directory.appendingPathComponent("link.sqlite")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: text)

        for target in [text, other, empty] {
            let m = message { try StudyStore.importStudy(folder: fixtureURL("valid-days"), to: target) }
            #expect(m == "\(target.path) exists and is not a DayZero study store; it was left untouched — remove it yourself or choose another --db")
        }
        for target in [subdirectory, link, URL(fileURLWithPath: "/dev/null")] {
            let m = message { try StudyStore.importStudy(folder: fixtureURL("valid-days"), to: target) }
            #expect(m == "\(target.path) exists and is not a regular file (a directory, device, link or pipe); it was left untouched — choose another --db")
        }
        #expect(try String(contentsOf: text, encoding: .utf8) == "keep me\n")
        #expect(try Data(contentsOf: other) == otherBytes)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == text.path)

        // A study store is replaced, and the summary says so.
        let store = directory.appendingPathComponent("study.sqlite")
        #expect(try !StudyStore.importStudy(folder: fixtureURL("valid-days"), to: store).replacedStore)
        #expect(try StudyStore.importStudy(folder: fixtureURL("valid-days"), to: store).replacedStore)
        // Nothing else appeared (no temporary files).
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
                == ["notes.txt", "other.sqlite", "empty.sqlite", "folder.sqlite", "link.sqlite", "study.sqlite"])
    }

    @Test func staleTemporaryFilesAreRemovedOnTheNextImport() throws {
        let directory = try makeTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let uuid = "12345678-1234-1234-1234-123456789012"
        let stale = [".study.sqlite.importing-\(uuid)", ".study.sqlite.importing-\(uuid)-journal"]
        let kept = [".study.sqlite.importing-notes", ".other.sqlite.importing-\(uuid)"]
        for name in stale + kept {
            FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: Data("x".utf8))
        }
        var output: [String] = []
        let code = StoreCommandLine.runImport(
            folder: fixtureURL("valid-days"), database: directory.appendingPathComponent("study.sqlite"),
            output: { output.append($0) }, errors: { Issue.record("\($0)") })
        #expect(code == 0)
        #expect(Array(output.prefix(2)) == stale.map { "Removed \($0), left by an interrupted import of study.sqlite." })
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == Set(kept + ["study.sqlite"]))
    }
}
