import Foundation

/// One CLIF table read from its CSV file (streamed: `CLIFFiles.read`): the header, the rows as
/// text and the line each row starts on (the header is line 1).
struct CLIFTable {
    let name: String
    let header: [String]
    let rows: [[String]]
    let lines: [Int]
    private let index: [String: Int]

    var file: String { "\(name).csv" }

    init(name: String, header: [String], rows: [[String]], lines: [Int]) {
        self.name = name
        self.header = header
        self.rows = rows
        self.lines = lines
        index = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func has(_ column: String) -> Bool { index[column] != nil }

    /// The value of `column` in row `r`, trimmed; `nil` when empty, `NA` or `NULL` (how R,
    /// pandas and databases write a missing value), or when the column is absent.
    func value(_ r: Int, _ column: String) -> String? {
        guard let i = index[column], i < rows[r].count else { return nil }
        let v = rows[r][i].trimmingCharacters(in: .whitespaces)
        return v.isEmpty || v == "NA" || v == "NULL" || v == "NaN" ? nil : v
    }

    func at(_ r: Int, _ column: String) -> CLIFLocation { CLIFLocation(file: file, line: lines[r], column: column) }
}

/// Reading the CSV files of a CLIF export (RFC 4180, UTF-8, comma-separated, a header row).
enum CLIFFiles {
    /// Why a table's file cannot be read.
    struct Failure: Error {
        var problem: CLIFProblem
    }

    /// The four bytes that open (and close) every Parquet file.
    static let parquetMagic: [UInt8] = Array("PAR1".utf8)

    /// How to convert a Parquet table to CSV, for the messages.
    static func conversionHint(_ table: String) -> String {
        "DayZero reads CLIF tables as CSV files only. Convert it, e.g. with DuckDB: duckdb -c \"COPY (SELECT * FROM '\(table).parquet') TO '\(table).csv' (HEADER)\", or in Python: pandas.read_parquet('\(table).parquet').to_csv('\(table).csv', index=False)"
    }

    /// Reads table `name` from `folder` (`<name>.csv`). A missing file, a Parquet file in its place
    /// and a file that is not UTF-8 CSV are problems located at the file.
    static func read(_ name: String, in folder: URL, display: String? = nil) throws(Failure) -> CLIFTable {
        let file = display ?? "\(name).csv"
        let url = folder.appendingPathComponent("\(name).csv")
        let parquet = folder.appendingPathComponent("\(name).parquet")
        guard FileManager.default.fileExists(atPath: url.path) else {
            if FileManager.default.fileExists(atPath: parquet.path) {
                throw Failure(problem: CLIFProblem(
                    CLIFLocation(file: "\(name).parquet"),
                    "the \(name) table is a Parquet file. \(conversionHint(name))", rule: "parquet-not-supported"))
            }
            throw Failure(problem: CLIFProblem(
                CLIFLocation(file: file),
                "the CLIF table \(name) is missing: the folder has no \(name).csv, and the mapping needs it. Export the table as \(name).csv (CLIF \(CLIFDictionary.version) column names; a header alone is an empty table).",
                rule: "table-missing"))
        }
        // The file is read in pieces and parsed as it comes (a large table is never held as one
        // text besides its records).
        var parser = CSVRecordParser()
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            var first = true
            while let chunk = try handle.read(upToCount: chunkSize), !chunk.isEmpty {
                var piece = chunk[...]
                if first {
                    first = false
                    if piece.starts(with: parquetMagic) {
                        throw Failure(problem: CLIFProblem(
                            CLIFLocation(file: file), "is a Parquet file, not CSV (it starts with PAR1). \(conversionHint(name))",
                            rule: "parquet-not-supported"))
                    }
                    if piece.starts(with: [0xEF, 0xBB, 0xBF]) { piece = piece.dropFirst(3) }
                }
                piece.withUnsafeBytes { parser.feed($0) }
            }
            parser.finish()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(problem: CLIFProblem(CLIFLocation(file: file), "cannot be read: \(error.localizedDescription)", rule: "file-unreadable"))
        }
        if let line = parser.invalidLine {
            throw Failure(problem: CLIFProblem(
                CLIFLocation(file: file), "is not UTF-8 text (line \(line) is not); save it as UTF-8 CSV", rule: "encoding"))
        }
        if let line = parser.unterminatedQuoteLine {
            throw Failure(problem: CLIFProblem(
                CLIFLocation(file: file, line: line),
                "a quoted field opens here and is never closed (a missing \" or a truncated file): the rest of the file would be read as one value",
                rule: "unterminated-quote"))
        }
        let (records, lines) = (parser.records, parser.lines)
        guard let header = records.first else {
            throw Failure(problem: CLIFProblem(CLIFLocation(file: file), "is empty: a CLIF table needs its header row", rule: "header-missing"))
        }
        if header.count == 1, let only = header.first, only.contains(";") || only.contains("\t") {
            throw Failure(problem: CLIFProblem(
                CLIFLocation(file: file, line: 1), "wrong delimiter: found '\(only.contains(";") ? ";" : "\\t")'; CLIF tables are comma-separated CSV", rule: "delimiter"))
        }
        // A row with more or fewer fields than the header has its values in the wrong columns.
        let uneven = records.indices.dropFirst().filter { records[$0].count != header.count }
        if let first = uneven.first {
            let more = uneven.count > 1 ? " (and \(uneven.count - 1) more row\(uneven.count == 2 ? "" : "s") whose number of fields differs)" : ""
            throw Failure(problem: CLIFProblem(
                CLIFLocation(file: file, line: lines[first]),
                "has \(records[first].count) field\(records[first].count == 1 ? "" : "s"), the header \(header.count)\(more): its values would fall into the wrong columns",
                rule: "field-count"))
        }
        return CLIFTable(
            name: name, header: header.map { $0.trimmingCharacters(in: .whitespaces) },
            rows: Array(records.dropFirst()), lines: Array(lines.dropFirst()))
    }

    /// How many bytes `read` takes from a file at a time.
    static let chunkSize = 1 << 20

    /// The records of an RFC 4180 text (quoted fields with `""`, LF or CRLF line ends; blank
    /// lines skipped) and the line each starts on.
    static func parse(_ text: String) -> (records: [[String]], lines: [Int]) {
        var parser = CSVRecordParser()
        Array(text.utf8).withUnsafeBytes { parser.feed($0) }
        parser.finish()
        return (parser.records, parser.lines)
    }
}

/// An RFC 4180 parser fed a text's bytes in pieces of any size (quoted fields with `""`, LF or
/// CRLF line ends; blank lines skipped): the records and the line each starts on (the first
/// line is 1), and the first line holding a field that is not UTF-8.
struct CSVRecordParser {
    private(set) var records: [[String]] = []
    private(set) var lines: [Int] = []
    private(set) var invalidLine: Int?
    /// The line where a quoted field opened that the text never closed.
    private(set) var unterminatedQuoteLine: Int?
    private var quoteLine = 1
    private var fields: [String] = []
    private var field: [UInt8] = []
    private var quoted = false, afterQuote = false, fieldWasQuoted = false
    /// A `"` inside a quoted field that ended a piece: `""` (an escaped quote) or the closing
    /// quote, told by the next byte.
    private var pendingQuote = false
    private var line = 1, recordLine = 1
    private var recordStarted = false

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        for b in bytes { consume(b) }
    }

    /// Ends the text: the last record, if it has no line end.
    mutating func finish() {
        if pendingQuote {
            pendingQuote = false
            quoted = false
            afterQuote = true
        }
        if quoted { unterminatedQuoteLine = quoteLine }
        if recordStarted { endRecord() }
    }

    private mutating func endField() {
        if let text = String(validating: field, as: UTF8.self) {
            fields.append(text)
        } else {
            if invalidLine == nil { invalidLine = line }
            fields.append(String(decoding: field, as: UTF8.self))
        }
        field.removeAll(keepingCapacity: true)
        fieldWasQuoted = false
    }

    private mutating func endRecord() {
        let blank = fields.isEmpty && !fieldWasQuoted && field.allSatisfy { $0 == 32 || $0 == 9 }
        endField()
        if !blank {
            records.append(fields)
            lines.append(recordLine)
        }
        fields.removeAll(keepingCapacity: true)
        recordStarted = false
    }

    private mutating func consume(_ b: UInt8) {
        if pendingQuote {
            pendingQuote = false
            if b == UInt8(ascii: "\"") {
                field.append(b)
                return
            }
            quoted = false
            afterQuote = true
        }
        if !recordStarted {
            recordStarted = true
            recordLine = line
        }
        if quoted {
            if b == UInt8(ascii: "\"") {
                pendingQuote = true
            } else {
                if b == UInt8(ascii: "\n") { line += 1 }
                field.append(b)
            }
            return
        }
        switch b {
        case UInt8(ascii: "\""):
            if field.allSatisfy({ $0 == 32 || $0 == 9 }) && !afterQuote {
                field.removeAll()
                quoted = true
                fieldWasQuoted = true
                quoteLine = line
            } else {
                field.append(b)
            }
        case UInt8(ascii: ","):
            endField()
            afterQuote = false
        case UInt8(ascii: "\r"):
            break
        case UInt8(ascii: "\n"):
            endRecord()
            afterQuote = false
            line += 1
        default:
            if !afterQuote { field.append(b) }
        }
    }
}

/// CLIF's datetimes: `YYYY-MM-DD HH:MM:SS+00:00` (UTC, as the dictionary asks), read as seconds
/// since 1970-01-01T00:00:00 UTC. `T` may separate date and time; seconds may be left out; the
/// zone may be `+HH:MM`, `+HHMM`, `Z` or ` UTC` (any offset is converted to UTC) or absent (read
/// as UTC). Fractional seconds are accepted when they are zero.
enum CLIFTime {
    static let expected = "YYYY-MM-DD HH:MM:SS+00:00 (UTC), e.g. 2020-03-14 16:20:00+00:00"

    static func parse(_ text: String) -> Int? {
        let b = Array(text.utf8)
        func digits(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for k in from..<(from + count) {
                guard b[k] >= 48, b[k] <= 57 else { return nil }
                v = v * 10 + Int(b[k] - 48)
            }
            return v
        }
        guard b.count >= 16, let y = digits(0, 4), b[4] == UInt8(ascii: "-"), let mo = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let d = digits(8, 2), b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"),
              let h = digits(11, 2), b[13] == UInt8(ascii: ":"), let mi = digits(14, 2)
        else { return nil }
        var i = 16
        var s = 0
        if i < b.count, b[i] == UInt8(ascii: ":") {
            guard let sec = digits(i + 1, 2) else { return nil }
            s = sec
            i += 3
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                let start = i
                while i < b.count, b[i] == UInt8(ascii: "0") { i += 1 }
                guard i > start, i == b.count || !(b[i] >= 48 && b[i] <= 57) else { return nil }
            }
        }
        var offset = 0
        let rest = String(decoding: b[i...], as: UTF8.self)
        switch rest {
        case "", "Z", " UTC", "UTC":
            offset = 0
        default:
            let r = Array(rest.utf8)
            guard r.count == 6 || r.count == 5, r[0] == UInt8(ascii: "+") || r[0] == UInt8(ascii: "-") else { return nil }
            let hh = Int(String(decoding: r[1...2], as: UTF8.self))
            let mm = Int(String(decoding: r.count == 6 ? r[4...5] : r[3...4], as: UTF8.self))
            guard let hh, let mm, r.count == 5 || r[3] == UInt8(ascii: ":"), hh <= 14, mm < 60 else { return nil }
            offset = (hh * 3600 + mm * 60) * (r[0] == UInt8(ascii: "-") ? -1 : 1)
        }
        guard let day = date(y, mo, d), h < 24, mi < 60, s < 60 else { return nil }
        return day * 86_400 + h * 3600 + mi * 60 + s - offset
    }

    /// `YYYY-MM-DD` as days since 1970-01-01, if valid.
    static func parseDate(_ text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        return date(y, m, d)
    }

    static func date(_ y: Int, _ m: Int, _ d: Int) -> Int? {
        guard (1800...2200).contains(y), (1...12).contains(m), d >= 1 else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let length = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard d <= length else { return nil }
        return OMOPCalendar.days(year: y, month: m, day: d)
    }

    /// DayZero's timestamp syntax (`YYYY-MM-DDTHH:MM:SS`, UTC wall clock) for `seconds`.
    static func dayZeroText(_ seconds: Int) -> String {
        OMOPCalendar.timestampText(seconds).replacingOccurrences(of: " ", with: "T")
    }

    /// CLIF's syntax for `seconds` (`YYYY-MM-DD HH:MM:SS+00:00`).
    static func clifText(_ seconds: Int) -> String {
        OMOPCalendar.timestampText(seconds) + "+00:00"
    }
}
