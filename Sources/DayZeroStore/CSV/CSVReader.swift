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
    private var line = 1
    private var skipLineFeed = false

    /// Unquoted bytes of every field of the current record, back to back.
    private(set) var bytes: [UInt8] = []
    /// End offset in `bytes` of each field of the current record.
    private var ends: [Int] = []
    /// Physical line on which each field of the current record starts.
    private(set) var fieldLines: [Int] = []
    /// Physical line on which the current record starts.
    private(set) var recordLine = 0
    /// Syntax and encoding problems of the current record.
    private(set) var problems: [CSVProblem] = []
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
        bytes.reserveCapacity(1024)
        ends.reserveCapacity(32)
        fieldLines.reserveCapacity(32)
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

    var fieldCount: Int { ends.count }

    /// The byte range of field `i` (0-based) in `bytes`.
    @inline(__always)
    func range(_ i: Int) -> Range<Int> {
        (i == 0 ? 0 : ends[i - 1])..<ends[i]
    }

    /// Calls `body` with the bytes of field `i` (0-based).
    @inline(__always)
    func withField<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let r = range(i)
        return try bytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[r]))
        }
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

    /// Reads one physical record. `nil` at end of file; `false` for a blank line (skipped).
    ///
    /// The loop works on local copies of the parser state and of the output buffers (moved out
    /// of the instance and back), so the per-byte work has no class-property accesses.
    private func readRecord() -> Bool? {
        var out = bytes
        bytes = []
        out.removeAll(keepingCapacity: true)
        var fieldEnds = ends
        ends = []
        fieldEnds.removeAll(keepingCapacity: true)
        var lines = fieldLines
        fieldLines = []
        lines.removeAll(keepingCapacity: true)
        problems.removeAll(keepingCapacity: true)

        var state = State.fieldStart
        var fieldQuoted = false
        var recordHadQuote = false
        var started = false
        var fieldStart = 0
        var ln = line
        var skipLF = skipLineFeed
        var quotedCR = false
        var quoteLine = 0
        var found: [CSVProblem] = []

        func endField() {
            if !fieldQuoted {
                // Drop trailing spaces and tabs of an unquoted field.
                while out.count > fieldStart, out[out.count - 1] == 32 || out[out.count - 1] == 9 {
                    out.removeLast()
                }
            }
            fieldEnds.append(out.count)
            fieldStart = out.count
            fieldQuoted = false
            quotedCR = false
        }

        var result: Bool?
        while true {
            if position >= chunk.count {
                if !atEndOfFile && handle != nil {
                    refill()
                    continue
                }
                atEndOfFile = true
                if !started {
                    result = nil
                    break
                }
                if state == .quoted {
                    found.append(CSVProblem(
                        kind: .syntax, line: quoteLine, field: fieldEnds.count + 1,
                        message: "the quoted field opened on line \(quoteLine) is never closed (a missing '\"')"))
                }
                endField()
                result = true
                break
            }
            var recordDone = false
            let count = chunk.count
            chunk.withUnsafeBufferPointer { buffer in
                var p = position
                defer { position = p }
                while p < count {
                    let c = buffer[p]
                    p += 1
                    if skipLF {
                        skipLF = false
                        if c == 10 { continue }
                    }
                    if !started {
                        started = true
                        recordLine = ln
                        lines.append(ln)
                    }
                    switch state {
                    case .fieldStart, .unquoted:
                        switch c {
                        case 44:  // ,
                            endField()
                            lines.append(ln)
                            state = .fieldStart
                        case 10, 13:
                            ln += 1
                            if c == 13 { skipLF = true }
                            endField()
                            recordDone = true
                            return
                        case 34:  // "
                            if state == .fieldStart {
                                state = .quoted
                                fieldQuoted = true
                                recordHadQuote = true
                                quoteLine = ln
                            } else {
                                found.append(CSVProblem(
                                    kind: .syntax, line: ln, field: fieldEnds.count + 1,
                                    message: "a '\"' inside an unquoted field (quote the whole field and double the quotes inside it)"))
                                out.append(c)
                            }
                        case 32, 9:
                            // Leading spaces of an unquoted field are dropped; inner ones kept.
                            if state == .unquoted { out.append(c) }
                        default:
                            state = .unquoted
                            out.append(c)
                        }
                    case .quoted:
                        if c == 34 {
                            state = .afterQuote
                        } else {
                            if c == 13 {
                                ln += 1
                                quotedCR = true
                            } else {
                                if c == 10 && !quotedCR { ln += 1 }
                                quotedCR = false
                            }
                            out.append(c)
                        }
                    case .afterQuote:
                        switch c {
                        case 34:  // "" inside quotes is one "
                            out.append(34)
                            state = .quoted
                        case 44:
                            endField()
                            lines.append(ln)
                            state = .fieldStart
                        case 10, 13:
                            ln += 1
                            if c == 13 { skipLF = true }
                            endField()
                            recordDone = true
                            return
                        case 32, 9:
                            continue
                        default:
                            found.append(CSVProblem(
                                kind: .syntax, line: ln, field: fieldEnds.count + 1,
                                message: "text after the closing '\"' of a quoted field (write a '\"' inside quotes as '\"\"')"))
                            out.append(c)
                            state = .unquoted
                            fieldQuoted = false
                        }
                    }
                }
            }
            if recordDone {
                // A line holding nothing (or only spaces) is blank and skipped.
                result = (fieldEnds.count == 1 && fieldEnds[0] == 0 && !recordHadQuote && found.isEmpty) ? false : true
                break
            }
        }
        bytes = out
        ends = fieldEnds
        fieldLines = lines
        line = ln
        skipLineFeed = skipLF
        if !found.isEmpty { problems = found }
        return result
    }

    /// Checks that every field is valid UTF-8 and contains no NUL byte. Pure-ASCII records
    /// (the usual case) are accepted after one pass over the bytes.
    private func validateEncoding() {
        var orAll: UInt8 = 0
        var sawNul = false
        for b in bytes {
            orAll |= b
            if b == 0 { sawNul = true }
        }
        if orAll < 0x80 && !sawNul { return }
        for i in 0..<ends.count {
            if let (position, byte) = withField(i, { UTF8Check.firstInvalid($0) }) {
                let message: String
                if byte == 0 {
                    message = "a NUL byte at character \(position) (the file is probably UTF-16; save it as UTF-8)"
                } else {
                    let hex = String(byte, radix: 16, uppercase: true)
                    message = "byte 0x\(hex.count < 2 ? "0" : "")\(hex) at character \(position) is not valid UTF-8 (the file is probably Latin-1/Windows-1252; save it as UTF-8)"
                }
                problems.append(CSVProblem(kind: .encoding, line: fieldLines[i], field: i + 1, message: message))
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
