import DayZeroCohort
import DayZeroFuzzTargets
import DayZeroStore
import Foundation
import Testing

/// Replays the committed fuzz corpus (`Tests/Fuzz/Corpus`, docs/fuzzing.md) through the fuzz
/// targets in the ordinary build: every seed and every input the campaigns kept — crashers
/// included, once fixed — must run through the readers without a crash, and the seeds that are
/// valid studies and protocols must stay valid (so the corpus keeps reaching deep code).
@Suite("Fuzz corpus replay")
struct FuzzCorpusTests {
    /// Update these when inputs are added to the corpus (scripts/fuzz.sh prints the counts).
    static let expectedCSVFiles = 176
    static let expectedProtocolFiles = 210

    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Corpus")

    /// The corpus files of one target, in name order.
    func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let folder = Self.corpus.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { name in
            (name, Array(try Data(contentsOf: folder.appendingPathComponent(name))))
        }
    }

    @Test("every study-folder input runs through the import without a crash")
    func csvCorpus() throws {
        let inputs = try inputs("csv")
        #expect(inputs.count == Self.expectedCSVFiles)
        var outcomes: [String: CSVFuzzOutcome] = [:]
        for input in inputs {
            let outcome = fuzzCSV(input.bytes)
            #expect(outcome != .failed, "\(input.name)")
            outcomes[input.name] = outcome
        }
        // The seeds made from valid study folders are still read whole.
        #expect(outcomes["fixture-valid-days.txt"] == .valid(rows: 36))
        #expect(outcomes["valid-days-bom-crlf.txt"] == .valid(rows: 36))
        #expect(outcomes["fixture-valid-timestamps.txt"] == .valid(rows: 14))
        #expect(outcomes["fixture-valid-variables.txt"] == .valid(rows: 11))
        #expect(outcomes["pbcseq-5-patients.txt"] == .valid(rows: 64))
        #expect(outcomes["synthetic-kooistra-2-patients.txt"] == .valid(rows: 38))
        #expect(outcomes["synthetic-alcoholic-hepatitis-2-patients.txt"] == .valid(rows: 20))
        // … and the broken ones are refused.
        #expect(outcomes["fixture-broken-study.txt"].map { if case .invalid = $0 { true } else { false } } == true)
        #expect(outcomes["utf16-patients.txt"].map { if case .invalid = $0 { true } else { false } } == true)
    }

    @Test("every protocol input runs through protocol check without a crash")
    func protocolCorpus() throws {
        let inputs = try inputs("protocol")
        #expect(inputs.count == Self.expectedProtocolFiles)
        var valid: [String] = []
        for input in inputs {
            let outcome = fuzzProtocol(input.bytes)
            if case .roundTripMismatch(let difference) = outcome {
                Issue.record("\(input.name): \(difference)")
            }
            if outcome == .valid { valid.append(input.name) }
        }
        // The built-in protocols and the PBC example are valid (and so are some inputs that the
        // campaigns kept); the edge-case seeds are not.
        #expect(Set(["alcoholic-hepatitis.yaml", "default.yaml", "pbcseq.yaml"]).isSubset(of: valid))
        #expect(valid.filter { $0.hasSuffix(".yaml") }.count == 3)
    }

    @Test("the fuzz input format: `head *.csv` sections, unknown names and leading bytes ignored")
    func studyFolderFormat() {
        let input = Array("junk\n==> patients.csv <==\na,b\n\n==> notes.txt <==\nx\n==> events.csv <==\n==> icu_course.csv <==\n\u{0}\r\n==> patients.csv <==\nc".utf8)
        let files = fuzzStudyFolder(input)
        #expect(files == [.patients: Array("c".utf8), .events: [], .icuCourse: [0, 13, 10]])
        #expect(fuzzStudyFolder([]).isEmpty)
        #expect(fuzzCSV(Array("no section at all".utf8)) == .noTables)
        #expect(fuzzProtocol([0xFF, 0xFE]) == .notUTF8)
    }
}
