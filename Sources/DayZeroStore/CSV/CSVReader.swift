import Foundation

// Why DayZero has its own CSV reader instead of a general-purpose one:
// - every error must name its exact location (`file:line:column`, the physical line where the
//   field starts, even inside multi-line quoted fields), which general readers do not report;
// - the study files must be strictly RFC 4180 (comma, `"` quoting with `""` escapes, CRLF or
//   LF) and strictly UTF-8, and a file that breaks those rules must be reported precisely
//   (wrong delimiter, UTF-16, Latin-1 bytes) instead of being guessed at;
// - it must stream: measurement files of large cohorts have tens of millions of rows, so the
//   reader works on fixed-size chunks, reuses one record buffer and allocates nothing per row
//   (target ≥ 1 M rows/s).

/// A problem found while reading the bytes of a CSV file (syntax or encoding).
struct CSVProblem: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case syntax
        case encoding
    }
    var kind: Kind
    var line: Int
    /// 1-based field number.
    var field: Int
    var message: String
}

/// Why a CSV file cannot be read at all.
enum CSVFileFailure: Error, Equatable {
    case cannotOpen(String)
    case utf16
}

/// A streaming RFC 4180 reader over a UTF-8 file.
///
/// `nextRecord()` advances to the next non-blank record; the record's fields are then
/// available through `fieldCount`, `withField(_:_:)` and `string(_:)`. Field content is unquoted
/// (`""` → `"`); surrounding spaces and tabs of an unquoted field are dropped, the content of a
/// quoted field is kept verbatim. A UTF-8 byte-order mark at the start is skipped. Problems of
/// the current record are in `problems` (they do not stop reading).
///
/// - Complexity: O(bytes); memory is one chunk plus the longest record.
final class CSVReader {
    /// Bytes read from the file per `read` call.
    private let chunkSize: Int
    private let handle: FileHandle?
    private var chunk: [UInt8] = []
    private var position = 0
    private var atEndOfFile = false

    // Parser state (persists across chunk boundaries).
    private enum State {
        case fieldStart, unquoted, quoted, afterQuote
    }
    /// The current record and the parser's position in the file, kept in one stored struct
    /// so that reading a record is one access to the reader, and its buffers are reused
    /// without being moved in and out (each move would cost reference counting).
    private var r = RecordState()

    /// Unquoted bytes of the fields of the current record, in order (a record without quotes is
    /// copied as it is, delimiters and surrounding spaces included).
    var bytes: [UInt8] { r.out }
    /// Physical line on which each field of the current record starts.
    var fieldLines: [Int] { r.lines }
    /// Physical line on which the current record starts.
    var recordLine: Int { r.recordLine }
    /// Syntax and encoding problems of the current record.
    var problems: [CSVProblem] { r.problems }
    /// False when the current record certainly holds no control character (a byte below 0x20,
    /// 0x7F, or the lead byte 0xC2 of a C1 control); true when it may (the validator then looks
    /// at each field, `StudyFolderValidator.checkControlCharacters`).
    var mayHaveControlCharacters: Bool { r.sawControl }
    /// Total records returned so far (header included).
    private(set) var recordCount = 0

    /// Opens `url`. Throws when the file cannot be opened or is UTF-16/UTF-32 encoded (detected
    /// by its byte-order mark, or by NUL bytes among the first bytes).
    init(url: URL, chunkSize: Int = 1 << 20) throws(CSVFileFailure) {
        self.chunkSize = max(1, chunkSize)
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw .cannotOpen(error.localizedDescription)
        }
        r.out.reserveCapacity(1024)
        r.starts.reserveCapacity(32)
        r.ends.reserveCapacity(32)
        r.lines.reserveCapacity(32)
        refill(minimum: 4)  // enough to recognise a byte-order mark
        if chunk.count >= 2, (chunk[0] == 0xFF && chunk[1] == 0xFE) || (chunk[0] == 0xFE && chunk[1] == 0xFF) {
            throw .utf16
        }
        if chunk.prefix(4).contains(0) { throw .utf16 }
        if chunk.count >= 3, chunk[0] == 0xEF, chunk[1] == 0xBB, chunk[2] == 0xBF { position = 3 }
    }

    /// Reads from an in-memory buffer (tests).
    init(data: [UInt8]) throws(CSVFileFailure) {
        chunkSize = data.count
        handle = nil
        chunk = data
        atEndOfFile = true
        if chunk.count >= 2, (chunk[0] == 0xFF && chunk[1] == 0xFE) || (chunk[0] == 0xFE && chunk[1] == 0xFF) {
            throw .utf16
        }
        if chunk.prefix(4).contains(0) { throw .utf16 }
        if chunk.count >= 3, chunk[0] == 0xEF, chunk[1] == 0xBB, chunk[2] == 0xBF { position = 3 }
    }

    deinit {
        try? handle?.close()
    }

    /// Reads the next chunk (at least `minimum` bytes unless the file ends first).
    private func refill(minimum: Int = 1) {
        guard !atEndOfFile, let handle else {
            atEndOfFile = true
            chunk = []
            position = 0
            return
        }
        let data = (try? handle.read(upToCount: max(chunkSize, minimum))) ?? Data()
        if data.isEmpty {
            atEndOfFile = true
            chunk = []
        } else {
            chunk = [UInt8](data)
        }
        position = 0
    }

    var fieldCount: Int { r.ends.count }

    /// The byte range of field `i` (0-based) in `bytes`.
    @inline(__always)
    func range(_ i: Int) -> Range<Int> {
        r.starts[i]..<r.ends[i]
    }

    /// Calls `body` with the bytes of field `i` (0-based).
    @inline(__always)
    func withField<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let span = range(i)
        return try r.out.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[span]))
        }
    }

    /// True when field `i` (0-based) holds exactly `expected`.
    @inline(__always)
    func field(_ i: Int, equals expected: [UInt8]) -> Bool {
        let span = range(i)
        guard span.count == expected.count else { return false }
        return r.out.withUnsafeBufferPointer { all in
            expected.withUnsafeBufferPointer { e in
                var k = 0
                let start = span.lowerBound
                while k < e.count {
                    if all[start + k] != e[k] { return false }
                    k += 1
                }
                return true
            }
        }
    }

    /// Calls `body` with the bytes of fields `i` and `j` (0-based).
    @inline(__always)
    func withFields<R>(_ i: Int, _ j: Int, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> R) -> R {
        let a = range(i), b = range(j)
        return r.out.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(rebasing: all[a]), UnsafeBufferPointer(rebasing: all[b]))
        }
    }

    /// Calls `body` with the bytes of the whole record and the start and end offset of each
    /// field in them (field `i` is `bytes[starts[i]..<ends[i]]`): one access to the reader per
    /// record for code that reads every field.
    @inline(__always)
    func withRecord<R>(
        _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>) throws -> R
    ) rethrows -> R {
        try r.withRecord(body)
    }

    /// Field `i` (0-based) as a string.
    func string(_ i: Int) -> String {
        withField(i) { String(decoding: $0, as: UTF8.self) }
    }

    /// True when field `i` is empty.
    func isEmpty(_ i: Int) -> Bool { range(i).isEmpty }

    /// Advances to the next record that is not a blank line. Returns `false` at the end of the file.
    func nextRecord() -> Bool {
        while true {
            guard let ended = readRecord() else { return false }
            if ended { break }
        }
        recordCount += 1
        validateEncoding()
        return true
    }

    /// The parser state of one record. All per-byte work happens on this struct, passed
    /// `inout` to a static function, so the hot loop touches no class properties and no boxed
    /// captures (either would cost a dynamic exclusivity check per byte).
    private struct RecordState {
        var state = State.fieldStart
        var fieldQuoted = false
        var recordHadQuote = false
        var started = false
        var fieldStart = 0
        var line = 1
        var skipLineFeed = false
        var quotedCarriageReturn = false
        var quoteLine = 0
        var recordLine = 0
        var out: [UInt8] = []
        var starts: [Int] = []
        var ends: [Int] = []
        var lines: [Int] = []
        var problems: [CSVProblem] = []
        /// True when the current record is known to be ASCII without control bytes (`scanLine` saw it).
        var checkedEncoding = false
        /// True when the current record may hold a control character (see `mayHaveControlCharacters`).
        var sawControl = false

        /// Starts a new record at the current line, keeping the buffers' capacity.
        mutating func reset() {
            state = .fieldStart
            fieldQuoted = false
            recordHadQuote = false
            started = false
            fieldStart = 0
            quotedCarriageReturn = false
            quoteLine = 0
            recordLine = line
            checkedEncoding = false
            sawControl = false
            out.removeAll(keepingCapacity: true)
            starts.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            lines.removeAll(keepingCapacity: true)
            if !problems.isEmpty { problems.removeAll(keepingCapacity: true) }
        }

        func withRecord<R>(
            _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>) throws -> R
        ) rethrows -> R {
            try out.withUnsafeBufferPointer { all in
                try starts.withUnsafeBufferPointer { s in
                    try ends.withUnsafeBufferPointer { try body(all, s, $0) }
                }
            }
        }

        mutating func endField() {
            if !fieldQuoted {
                // Drop trailing spaces and tabs of an unquoted field.
                while out.count > fieldStart, out[out.count - 1] == 32 || out[out.count - 1] == 9 {
                    out.removeLast()
                }
            }
            starts.append(fieldStart)
            ends.append(out.count)
            fieldStart = out.count
            fieldQuoted = false
            quotedCarriageReturn = false
        }

        mutating func problem(_ line: Int, _ message: String) {
            problems.append(CSVProblem(kind: .syntax, line: line, field: ends.count + 1, message: message))
        }
    }

    /// Consumes bytes of `buffer` from `position` until the record ends (returns `true`) or the
    /// buffer is exhausted (returns `false`).
    private static func scan(_ buffer: UnsafeBufferPointer<UInt8>, _ position: inout Int, _ r: inout RecordState) -> Bool {
        let count = buffer.count
        var p = position
        defer { position = p }
        while p < count {
            let c = buffer[p]
            p += 1
            if r.skipLineFeed {
                r.skipLineFeed = false
                if c == 10 { continue }
            }
            if !r.started {
                r.started = true
                r.recordLine = r.line
                r.lines.append(r.line)
            }
            switch r.state {
            case .fieldStart, .unquoted:
                switch c {
                case 44:  // ,
                    r.endField()
                    r.lines.append(r.line)
                    r.state = .fieldStart
                case 10, 13:
                    r.line += 1
                    if c == 13 { r.skipLineFeed = true }
                    r.endField()
                    return true
                case 34:  // "
                    if r.state == .fieldStart {
                        r.state = .quoted
                        r.fieldQuoted = true
                        r.recordHadQuote = true
                        r.quoteLine = r.line
                    } else {
                        r.problem(r.line, "a '\"' inside an unquoted field (quote the whole field and double the quotes inside it)")
                        r.out.append(c)
                    }
                case 32, 9:
                    // Leading spaces of an unquoted field are dropped; inner ones kept.
                    if r.state == .unquoted { r.out.append(c) }
                default:
                    // The rest of an unquoted field up to the next delimiter, line end or quote
                    // is taken as it is, in one append (spaces and tabs inside it are kept).
                    r.state = .unquoted
                    var end = p
                    while end < count {
                        let d = buffer[end]
                        if d == 44 || d == 10 || d == 13 || d == 34 { break }
                        end += 1
                    }
                    r.out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[(p - 1)..<end]))
                    p = end
                }
            case .quoted:
                if c == 34 {
                    r.state = .afterQuote
                } else {
                    if c == 13 {
                        r.line += 1
                        r.quotedCarriageReturn = true
                    } else {
                        if c == 10 && !r.quotedCarriageReturn { r.line += 1 }
                        r.quotedCarriageReturn = false
                    }
                    r.out.append(c)
                }
            case .afterQuote:
                switch c {
                case 34:  // "" inside quotes is one "
                    r.out.append(34)
                    r.state = .quoted
                case 44:
                    r.endField()
                    r.lines.append(r.line)
                    r.state = .fieldStart
                case 10, 13:
                    r.line += 1
                    if c == 13 { r.skipLineFeed = true }
                    r.endField()
                    return true
                case 32, 9:
                    continue
                default:
                    r.problem(r.line, "text after the closing '\"' of a quoted field (write a '\"' inside quotes as '\"\"')")
                    r.out.append(c)
                    r.state = .unquoted
                    r.fieldQuoted = false
                }
            }
        }
        return false
    }

    /// A record that lies on one line of the current chunk and has no quote — nearly every
    /// record — is read here in two passes over its bytes: one to find its end (stopping at a
    /// quote, which leaves the record to `scan`), one to split it at the commas. The bytes are
    /// copied once, delimiters included; each field's range drops its surrounding spaces and
    /// tabs, exactly as `scan` drops them from an unquoted field. Returns `nil`, having changed
    /// nothing, when the record must go through `scan`; else whether its bytes are all ASCII
    /// without control bytes (no encoding or control-character check needed).
    private static func scanLine(
        _ buffer: UnsafeBufferPointer<UInt8>, _ position: inout Int, _ r: inout RecordState
    ) -> Bool? {
        let count = buffer.count
        let first = position
        var p = first
        var orAll: UInt8 = 0
        var sawControl = false
        while p < count {
            let c = buffer[p]
            if c == 10 || c == 13 { break }
            if c == 34 { return nil }
            orAll |= c
            if c < 0x20 || c == 0x7F { sawControl = true }
            p += 1
        }
        guard p < count else { return nil }
        let end = p
        r.out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[first..<end]))
        r.out.withUnsafeBufferPointer { out in
            var fieldStart = 0
            var i = 0
            let n = out.count
            while true {
                if i == n || out[i] == 44 {
                    var s = fieldStart, e = i
                    while s < e && (out[s] == 32 || out[s] == 9) { s += 1 }
                    while e > s && (out[e - 1] == 32 || out[e - 1] == 9) { e -= 1 }
                    r.starts.append(s)
                    r.ends.append(e)
                    r.lines.append(r.line)
                    if i == n { break }
                    fieldStart = i + 1
                }
                i += 1
            }
        }
        r.started = true
        r.recordLine = r.line
        r.line += 1
        r.skipLineFeed = buffer[end] == 13
        position = end + 1
        return orAll < 0x80 && !sawControl
    }

    /// Reads one physical record. `nil` at end of file; `false` for a blank line (skipped).
    private func readRecord() -> Bool? {
        r.reset()
        // The line feed of a CRLF ending, then a one-line record without quotes.
        if r.skipLineFeed, position < chunk.count, chunk[position] == 10 {
            position += 1
            r.skipLineFeed = false
        }
        if !r.skipLineFeed, position < chunk.count {
            var p = position
            if let plainASCII = chunk.withUnsafeBufferPointer({ Self.scanLine($0, &p, &r) }) {
                position = p
                r.checkedEncoding = plainASCII
                // A line holding nothing (or only spaces) is blank and skipped.
                return !(r.ends.count == 1 && r.ends[0] == r.starts[0])
            }
        }
        while true {
            if position >= chunk.count {
                if !atEndOfFile && handle != nil {
                    refill()
                    continue
                }
                atEndOfFile = true
                if !r.started { return nil }
                if r.state == .quoted {
                    r.problem(r.quoteLine, "the quoted field opened on line \(r.quoteLine) is never closed (a missing '\"')")
                }
                r.endField()
                return true
            }
            var p = position
            let recordDone = chunk.withUnsafeBufferPointer { Self.scan($0, &p, &r) }
            position = p
            if recordDone {
                // A line holding nothing (or only spaces) is blank and skipped.
                return !(r.ends.count == 1 && r.ends[0] == 0 && !r.recordHadQuote && r.problems.isEmpty)
            }
        }
    }

    /// Checks that every field is valid UTF-8 and contains no NUL byte. Pure-ASCII records
    /// (the usual case) are accepted after one pass over the bytes.
    private func validateEncoding() {
        if r.checkedEncoding { return }
        var orAll: UInt8 = 0
        var sawNul = false
        var sawControl = false
        r.out.withUnsafeBufferPointer { all in
            for b in all {
                orAll |= b
                if b < 0x20 || b == 0x7F || b == 0xC2 {
                    sawControl = true
                    if b == 0 { sawNul = true }
                }
            }
        }
        r.sawControl = sawControl
        if orAll < 0x80 && !sawNul { return }
        for i in 0..<r.ends.count {
            if let (position, byte) = withField(i, { UTF8Check.firstInvalid($0) }) {
                let message: String
                if byte == 0 {
                    message = "a NUL byte at character \(position) (the file is probably UTF-16; save it as UTF-8)"
                } else {
                    let hex = String(byte, radix: 16, uppercase: true)
                    message = "byte 0x\(hex.count < 2 ? "0" : "")\(hex) at character \(position) is not valid UTF-8 (the file is probably Latin-1/Windows-1252; save it as UTF-8)"
                }
                r.problems.append(CSVProblem(kind: .encoding, line: r.lines[i], field: i + 1, message: message))
            }
        }
    }
}

/// UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
enum UTF8Check {
    /// The 1-based character position and the value of the first invalid byte (or NUL), or `nil`.
    static func firstInvalid(_ b: UnsafeBufferPointer<UInt8>) -> (Int, UInt8)? {
        var i = 0
        var character = 0
        let n = b.count
        while i < n {
            character += 1
            let c = b[i]
            if c == 0 { return (character, 0) }
            if c < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return (character, c)
            }
            guard i + length <= n else { return (character, c) }
            let second = b[i + 1]
            guard second >= low && second <= high else { return (character, c) }
            for k in 2..<max(2, length) where b[i + k] & 0xC0 != 0x80 {
                return (character, c)
            }
            i += length
        }
        return nil
    }
}
