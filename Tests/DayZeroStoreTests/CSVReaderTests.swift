import Foundation
import Testing

@testable import DayZeroStore

/// One record as read: fields, the line of each field, and the problems.
private struct ReadRecord: Equatable, CustomStringConvertible {
    var fields: [String]
    var lines: [Int]
    var problems: [String]

    var description: String { "\(fields) lines \(lines) problems \(problems)" }
}

private func readAll(_ reader: CSVReader) -> [ReadRecord] {
    var records: [ReadRecord] = []
    while reader.nextRecord() {
        records.append(
            ReadRecord(
                fields: (0..<reader.fieldCount).map { reader.string($0) }, lines: reader.fieldLines,
                problems: reader.problems.map { "\($0.line):\($0.field): \($0.message)" }))
    }
    return records
}

private func read(_ bytes: [UInt8]) throws -> [ReadRecord] {
    try readAll(CSVReader(data: bytes))
}

private func read(_ text: String) throws -> [ReadRecord] {
    try read(Array(text.utf8))
}

@Suite("CSV reader")
struct CSVReaderTests {
    @Test("LF and CRLF give the same records and line numbers")
    func lineEnds() throws {
        let lf = try read("a,b\n1,2\n3,4\n")
        let crlf = try read("a,b\r\n1,2\r\n3,4\r\n")
        let expected = [
            ReadRecord(fields: ["a", "b"], lines: [1, 1], problems: []),
            ReadRecord(fields: ["1", "2"], lines: [2, 2], problems: []),
            ReadRecord(fields: ["3", "4"], lines: [3, 3], problems: []),
        ]
        #expect(lf == expected)
        #expect(crlf == expected)
        // No newline after the last record.
        #expect(try read("a,b\r\n1,2") == Array(expected.prefix(2)))
    }

    @Test("quoted fields hold commas, doubled quotes and newlines; lines stay exact")
    func quoting() throws {
        let text = "id,detail,n\r\nP1,\"a, b\",1\r\nP2,\"say \"\"hi\"\"\",2\r\nP3,\"line 1\r\nline 2\nline 3\",3\r\nP4,\"\",4\r\n"
        let records = try read(text)
        #expect(records.count == 5)
        #expect(records[1].fields == ["P1", "a, b", "1"])
        #expect(records[2].fields == ["P2", "say \"hi\"", "2"])
        #expect(records[3].fields == ["P3", "line 1\r\nline 2\nline 3", "3"])
        // The multi-line field starts on line 4; the field after it is on line 6.
        #expect(records[3].lines == [4, 4, 6])
        #expect(records[4].fields == ["P4", "", "4"])
        #expect(records[4].lines == [7, 7, 7])
        #expect(records.allSatisfy { $0.problems.isEmpty })
    }

    @Test("a UTF-8 byte-order mark is skipped")
    func byteOrderMark() throws {
        let records = try read([0xEF, 0xBB, 0xBF] + Array("patient_id,x\nµ,1\n".utf8))
        #expect(records[0].fields == ["patient_id", "x"])
        #expect(records[1].fields == ["µ", "1"])
    }

    @Test("blank lines are skipped; spaces around unquoted fields dropped, kept inside quotes")
    func blanksAndSpaces() throws {
        let records = try read("a,b\n\n  1 , two words \n   \n\" 3 \",4\n")
        #expect(records.map(\.fields) == [["a", "b"], ["1", "two words"], [" 3 ", "4"]])
        #expect(records.map { $0.lines[0] } == [1, 3, 5])
    }

    @Test("an empty field list, a lone empty line and an empty file")
    func emptiness() throws {
        #expect(try read("").isEmpty)
        #expect(try read("\n\n").isEmpty)
        #expect(try read("a,,c\n,,\n").map(\.fields) == [["a", "", "c"], ["", "", ""]])
    }

    @Test("syntax problems are located: unterminated quote, stray quote, text after a closing quote")
    func syntaxProblems() throws {
        let unterminated = try read("a,b\n1,\"open\n2,3\n")
        #expect(unterminated.count == 2)
        #expect(unterminated[1].problems == ["2:2: the quoted field opened on line 2 is never closed (a missing '\"')"])

        let stray = try read("a,b\n1,x\"y\n")
        #expect(stray[1].problems == ["2:2: a '\"' inside an unquoted field (quote the whole field and double the quotes inside it)"])
        #expect(stray[1].fields == ["1", "x\"y"])

        let after = try read("a,b\n\"x\"y,2\n")
        #expect(after[1].problems == ["2:1: text after the closing '\"' of a quoted field (write a '\"' inside quotes as '\"\"')"])
    }

    @Test("invalid UTF-8 is reported with line, field and character")
    func invalidUTF8() throws {
        // "café" in Latin-1: é is the single byte 0xE9.
        let latin1 = try read(Array("a,b\n1,caf".utf8) + [0xE9] + Array("\n2,ok\n".utf8))
        #expect(latin1[1].problems == [
            "2:2: byte 0xE9 at character 4 is not valid UTF-8 (the file is probably Latin-1/Windows-1252; save it as UTF-8)"
        ])
        #expect(latin1[2].problems.isEmpty)
        // Overlong encoding of '/', an encoded surrogate, a truncated sequence: all rejected.
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF5, 0x80, 0x80, 0x80]] {
            let records = try read(Array("x\n".utf8) + bad + [10])
            #expect(records[1].problems.count == 1, "bytes \(bad)")
        }
        // Valid multi-byte characters pass: µ (2 bytes), € (3 bytes), 🦠 (4 bytes).
        let valid = try read("x\nµ€🦠\n")
        #expect(valid[1].problems.isEmpty)
        #expect(valid[1].fields == ["µ€🦠"])
    }

    @Test("UTF-16 is refused, with or without byte-order mark")
    func utf16() throws {
        let text = "patient_id,site\nP1,A\n"
        var withBOM: [UInt8] = [0xFF, 0xFE]
        var withoutBOM: [UInt8] = []
        for unit in text.utf16 {
            withBOM += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
            withoutBOM += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
        }
        #expect(throws: CSVFileFailure.utf16) { try CSVReader(data: withBOM) }
        #expect(throws: CSVFileFailure.utf16) { try CSVReader(data: withoutBOM) }
        #expect(throws: CSVFileFailure.utf16) { try CSVReader(data: [0xFE, 0xFF, 0, 0x61]) }
    }

    @Test("records are the same for every chunk size (state survives chunk boundaries)")
    func chunkBoundaries() throws {
        let text = "\u{FEFF}id,detail,value\r\nP1,\"a, \"\"b\"\"\r\nc\",38.5\r\n\r\nP2,  spaced  ,µg/L\nP3,\"\",\r\nP4,caf\u{E9},1"
        let directory = try makeTestDirectory()
        let url = directory.appendingPathComponent("t.csv")
        try Data(text.utf8).write(to: url)
        let reference = try readAll(CSVReader(url: url))
        #expect(reference.count == 5)
        #expect(reference[1].fields == ["P1", "a, \"b\"\r\nc", "38.5"])
        #expect(reference[2].lines == [5, 5, 5])
        for size in 1...24 {
            let records = try readAll(CSVReader(url: url, chunkSize: size))
            #expect(records == reference, "chunk size \(size)")
        }
    }
}

/// A fresh temporary directory for one test.
func makeTestDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
