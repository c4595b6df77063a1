@testable import DayZeroAnalysis
import DayZeroCohort
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// The streaming CSV writer against the String-based writer it replaced (`LegacyTidyExport`,
/// `LegacyCSVText`): same bytes for hand-made fields, for millions of doubles, and for every
/// export of the bundled cohort and of a cohort whose identifiers need quoting.
@Suite struct TidyExportStreamingTests {
    /// A seeded SplitMix64, so the random doubles are the same on every run.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let hostileFields = [
        "", "plain", "a,b", "say \"hi\"", "\"", "\"\"", ",", "line\nbreak", "cr\rreturn", "x\r\ny", "trailing,", " spaced ",
        "café", "Größe", "日本語,テキスト", "emoji 🧪🏳️‍🌈", "שלום", "مرحبا, عالم", "mixed עברית and \"English\"",
        "\u{202E}override\u{202C}", "\u{2067}isolate\u{2069}", "tab\there", "semi;colon", "e\u{301}", "NUL\u{0}byte",
    ]

    @Test func numbersMatchTheStringForm() {
        var edge: [Double] = [
            0, -0.0, 1, -1, 0.1, -0.1, 0.5, 1.5, 2.5, -2.5, 1e15, -1e15, 1e15 - 1, -(1e15 - 1), 999_999_999_999_999.9,
            1e15 + 0.5, 1e16, 1e-5, 1e-4, .leastNonzeroMagnitude * 2024, -.leastNonzeroMagnitude * 2024, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
            -.greatestFiniteMagnitude, .infinity, -.infinity, .nan, -.nan, .signalingNaN, .ulpOfOne, 1 / 3, 2.0 / 3,
            123_456_789.123_456_789, 9_007_199_254_740_994, 4_503_599_627_370_496.5, 0.000_123, 1e22, 1e23, 1.7e308,
            Double(Int64.max), Double(Int64.min), 100, 1e14, 123.0,
        ]
        edge += edge.map { $0.nextUp } + edge.map { $0.nextDown }
        var generator = SplitMix64(state: 20_261_122)
        var values = edge
        for _ in 0..<20_000 {
            values.append(Double(bitPattern: generator.next()))  // every exponent, NaN payloads included
            values.append(Double.random(in: -1e6...1e6, using: &generator))
            values.append(Double(Int64.random(in: -2_000_000_000_000_000...2_000_000_000_000_000, using: &generator)))
            values.append(Double.random(in: 0..<1, using: &generator) * pow(10, Double(Int.random(in: -30...30, using: &generator))))
            values.append((Double.random(in: -1e4...1e4, using: &generator) * 100).rounded() / 100)
        }
        var mismatches: [String] = []
        var csv = CSVBytes()
        var legacy = ""
        for x in values {
            let expected = LegacyCSVText.number(x)
            let actual = CSVBytes.number(x)
            if actual != expected, mismatches.count < 10 { mismatches.append("\(x.bitPattern): got \(actual), expected \(expected)") }
            csv.field(x)
            legacy += legacy.isEmpty ? expected : "," + expected
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        // The same bytes when appended one after the other into one row.
        let expected = Array(legacy.utf8)
        let firstDifference = zip(csv.bytes, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(csv.bytes == expected, "\(csv.bytes.count) bytes vs \(expected.count), first difference at \(String(describing: firstDifference))")
    }

    @Test func fieldsMatchTheStringWriter() throws {
        var legacy = LegacyCSVText(header: ["id", "text", "n"])
        var csv = CSVBytes()
        csv.row(["id", "text", "n"])
        for (i, field) in Self.hostileFields.enumerated() {
            legacy.add([String(i), field, LegacyCSVText.number(Double(i) / 7)])
            csv.field(i)
            csv.field(field)
            csv.field(Double(i) / 7)
            csv.endRow()
            // A pre-encoded field is the same as the field written directly.
            var direct = CSVBytes()
            direct.field(field)
            #expect(CSVBytes.encode(field) == direct.bytes, "\(field.debugDescription)")
        }
        let expected = Array(legacy.text.utf8)
        #expect(csv.bytes == expected, "got\n\(String(decoding: csv.bytes, as: UTF8.self))\nexpected\n\(legacy.text)")
        #expect(String(decoding: csv.bytes, as: UTF8.self).contains("\"say \"\"hi\"\"\""))
        #expect(String(decoding: csv.bytes, as: UTF8.self).contains("\"x\r\ny\""))
    }

    /// One deliberate difference from the String writer: a double quote followed by a combining
    /// mark is one `Character`, which `replacingOccurrences(of: "\"", with: "\"\"")` does not
    /// match, so the old writer left that quote single — and a CSV reader then ended the field
    /// there. Quotes are doubled byte by byte now.
    @Test func quoteBeforeACombiningMarkIsDoubled() {
        let field = "x\"\u{301}y"
        var csv = CSVBytes()
        csv.field(field)
        #expect(csv.bytes == Array("\"x\"\"\u{301}y\"".utf8))
        var legacy = LegacyCSVText(header: [])
        legacy.add([field])
        #expect(legacy.text == "\n\"x\"\u{301}y\"\n", "the old writer's malformed form, kept here as the record of the change")
    }

    /// Rows written through the file writer, across many buffer flushes, are the rows built in memory.
    @Test func fileWriterStreamsAcrossFlushesAndPublishesAtomically() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("big.csv")
        var expected = CSVBytes()
        expected.row(["k", "text", "x"])
        do {
            var writer = try CSVFileWriter(url, header: ["k", "text", "x"])
            for k in 0..<100_000 {
                let text = Self.hostileFields[k % Self.hostileFields.count]
                let x = Double(k) * 1.000_000_1 / 3
                writer.csv.field(k)
                writer.csv.field(text)
                writer.csv.field(x)
                try writer.endRow()
                expected.field(k)
                expected.field(text)
                expected.field(x)
                expected.endRow()
            }
            #expect(!FileManager.default.fileExists(atPath: url.path), "the real name appears only when published")
            try writer.close()
            try writer.publish()
        }
        #expect(expected.bytes.count > 2 * CSVFileWriter.flushThreshold)
        let written = try Data(contentsOf: url)
        #expect(written == Data(expected.bytes), "\(written.count) bytes written, \(expected.bytes.count) expected")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["big.csv"])
    }

    /// A writer that ends without being published (an error was thrown) leaves no file behind,
    /// and an export already under the real name stays as it was.
    @Test func abandonedWriterLeavesNoFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("x.csv")
        try Data("old\n".utf8).write(to: url)
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            var writer = try CSVFileWriter(url, header: ["a"])
            for k in 0..<300_000 {
                writer.csv.field(k)
                try writer.endRow()
            }
            throw Stop()
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["x.csv"])
        #expect(try Data(contentsOf: url) == Data("old\n".utf8))
        // A destination in a folder that does not exist: a typed error naming the path.
        let missing = directory.appendingPathComponent("no/such/folder/y.csv")
        #expect {
            _ = try CSVFileWriter(missing, header: ["a"])
        } throws: { error in
            "\(error)".contains("no/such/folder") && "\(error)".contains("could not create")
        }
    }

    /// Compares the streamed exports with the String-based ones, file by file; on a difference,
    /// shows the first line that differs.
    /// The exports are written twice into the same folder: the second run replaces the first.
    func expectSameExports(_ analysis: StudyAnalysis) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try TidyExport.write(analysis, to: directory)
        try TidyExport.write(analysis, to: directory)
        let expected = LegacyTidyExport.texts(analysis)
        for (name, text) in zip(TidyExport.fileNames, expected) {
            let written = try Data(contentsOf: directory.appendingPathComponent(name))
            guard written != Data(text.utf8) else { continue }
            let got = String(decoding: written, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let want = text.split(separator: "\n", omittingEmptySubsequences: false)
            let line = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, want.count)
            Issue.record("""
                \(name) differs (\(written.count) bytes vs \(text.utf8.count)) at line \(line + 1):
                got      \(line < got.count ? String(got[line]) : "<end>")
                expected \(line < want.count ? String(want[line]) : "<end>")
                """)
        }
        // Only the seven exports remain: no temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == TidyExport.fileNames.sorted())
    }

    @Test func defaultCohortExportsEqualTheStringExports() throws {
        let analysis = try StudyAnalysis(study: SyntheticCohort.default, protocol: .paperDefault, seed: SyntheticCohort.defaultSeed)
        try expectSameExports(analysis)
    }

    /// The bundled cohort with patient identifiers that need quoting (commas, quotes, line
    /// breaks) or are right-to-left or non-ASCII: the identifiers reach aligned_long,
    /// table1_values, outcomes, medication_use, proteomics_pairs and matching.csv.
    @Test func hostileIdentifiersEqualTheStringExports() throws {
        var study = SyntheticCohort.default
        let pieces = ["a,b", "say \"hi\"", "line\nbreak", "x\r\ny", "שלום", "مرحبا", "日本", "🧪", "\u{202E}rev"]
        var newID: [String: String] = [:]
        for (k, p) in study.patients.enumerated() {
            newID[p.id] = "\(pieces[k % pieces.count]) \(p.id)"
        }
        func rename(_ id: String) -> String { newID[id] ?? id }
        for i in study.patients.indices { study.patients[i].id = rename(study.patients[i].id) }
        for i in study.courses.indices { study.courses[i].patientID = rename(study.courses[i].patientID) }
        study.measurements = MeasurementTable(study.measurements.map { m in
            var m = m
            m.patientID = rename(m.patientID)
            return m
        })
        for i in study.medications.indices { study.medications[i].patientID = rename(study.medications[i].patientID) }
        for i in study.events.indices { study.events[i].patientID = rename(study.events[i].patientID) }
        for i in study.cytokines.indices { study.cytokines[i].patientID = rename(study.cytokines[i].patientID) }
        for i in study.proteomicsSamples.indices {
            study.proteomicsSamples[i].patientID = rename(study.proteomicsSamples[i].patientID)
        }
        // The main and the propensity-matched set (whose matching.csv lists controls by id) suffice.
        var p = StudyProtocol.paperDefault
        p.analysisSets = p.analysisSets.filter { $0.name == "main" || $0.propensityMatching != nil }
        let analysis = try StudyAnalysis(study: study, protocol: p, seed: SyntheticCohort.defaultSeed)
        #expect(analysis.results.analysisSets.map(\.id) == ["main", "propensity-matched"])
        #expect(analysis.results.analysisSets.first?.flow.treated == 21)
        try expectSameExports(analysis)
        let texts = LegacyTidyExport.texts(analysis)
        for (name, text) in zip(TidyExport.fileNames, texts) where name != "pvalues.csv" {
            #expect(text.contains("\"say \"\"hi\"\" "), "the hostile identifiers reach \(name)")
        }
    }
}
