#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// RFC 4180 CSV encoded straight into UTF-8 bytes: fields are separated by `,`, rows end in
/// `\n`, and a field holding a comma, a double quote, a line feed or a carriage return is
/// enclosed in double quotes with every double quote doubled. Numbers are appended as bytes
/// without a `String` per field.
///
/// Quoting looks at bytes, not `Character`s: `"\r\n"` is one `Character`, equal to neither
/// `"\r"` nor `"\n"`, and a quote followed by a combining mark is one `Character` too — byte by
/// byte, every quote is doubled, so any reader splits the file back into the same fields.
struct CSVBytes: TextOutputStream {
    /// The encoded text so far.
    var bytes: [UInt8] = []
    /// Whether the current row already has a field (the next one needs a comma).
    private var inRow = false

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends a text field, quoted when it needs to be.
    mutating func field(_ text: String) {
        separate()
        var text = text
        text.withUTF8 { appendQuotedIfNeeded($0) }
    }

    /// Appends a field already encoded by `encode(_:)` (for names repeated on many rows).
    mutating func field(encoded: [UInt8]) {
        separate()
        bytes.append(contentsOf: encoded)
    }

    /// Appends an empty field (a missing value).
    mutating func emptyField() {
        separate()
    }

    /// Appends `1` or `0`.
    mutating func field(flag: Bool) {
        separate()
        bytes.append(flag ? 0x31 : 0x30)
    }

    /// Appends an integer in decimal.
    mutating func field(_ n: Int) {
        separate()
        appendInteger(Int64(n))
    }

    /// Appends a number in the form `number(_:)` documents; an empty field for `nil`.
    mutating func field(_ x: Double?) {
        separate()
        if let x { appendNumber(x) }
    }

    /// Appends a whole row of text fields (a header, or a small table's row).
    mutating func row(_ fields: [String]) {
        for f in fields { field(f) }
        endRow()
    }

    /// Ends the current row.
    mutating func endRow() {
        bytes.append(0x0A)
        inRow = false
    }

    /// A text field encoded once, quoted when it needs to be, for `field(encoded:)`.
    static func encode(_ text: String) -> [UInt8] {
        var csv = CSVBytes()
        csv.field(text)
        return csv.bytes
    }

    /// The CSV form of a double: an integral value below 10¹⁵ in magnitude as integer digits
    /// (`3`, `-12`, `0` also for −0.0), anything else as string interpolation writes it —
    /// Swift's shortest round-trip digits (`0.1`, `1e-05`, `1000000000000000.0`, `inf`, `nan`),
    /// which R's `read.csv` reads back to the same double.
    static func number(_ x: Double) -> String {
        var csv = CSVBytes()
        csv.appendNumber(x)
        return String(decoding: csv.bytes, as: UTF8.self)
    }

    private mutating func separate() {
        if inRow { bytes.append(0x2C) }
        inRow = true
    }

    private mutating func appendQuotedIfNeeded(_ text: UnsafeBufferPointer<UInt8>) {
        guard text.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
            bytes.append(contentsOf: text)
            return
        }
        bytes.append(0x22)
        for byte in text {
            bytes.append(byte)
            if byte == 0x22 { bytes.append(0x22) }
        }
        bytes.append(0x22)
    }

    private mutating func appendNumber(_ x: Double) {
        // Integral and below 10¹⁵: exactly representable in Int64, written as integer digits.
        if x == x.rounded(), abs(x) < 1e15 {
            appendInteger(Int64(x))
        } else {
            // What string interpolation writes (`"\(x)"` calls `write(to:)`): the standard
            // library's shortest round-trip digits, handed over as ASCII bytes through
            // `_writeASCII` without a `String`. (`description` differs only for NaN: it drops
            // the sign and payload that `write(to:)` spells out, e.g. `-nan`, `snan(0x1)`.)
            x.write(to: &self)
        }
    }

    private mutating func appendInteger(_ n: Int64) {
        if n < 0 { bytes.append(0x2D) }
        var magnitude = n.magnitude
        // 20 digits hold any UInt64.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var i = 20
            repeat {
                i -= 1
                digits[i] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i...]))
        }
    }

    // TextOutputStream, for `Double.write(to:)` only.

    mutating func write(_ string: String) {
        bytes.append(contentsOf: string.utf8)
    }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
    }
}

/// A failure writing an export file, with the path and the system's reason.
public struct ExportWriteError: Error, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var reason: String
    /// The `errno` of the failure (`ENOSPC` on a full disk).
    public var code: Int32

    public var description: String { "could not \(operation) \(path): \(reason)" }

    init(_ operation: String, _ path: String, errno code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
        reason = String(cString: strerror(code))
    }
}

/// A CSV file written row by row through a buffer of about 1 MiB, so memory stays flat however
/// many rows are written.
///
/// The rows go to a temporary file beside the destination (`.name.tmp-PID-RANDOM`); `close()` writes
/// what is buffered and closes it, `publish()` renames it over the destination. A writer that
/// ends before `publish()` (an error was thrown) closes and removes its temporary file, so a
/// failure never leaves a half-written export under the real name.
struct CSVFileWriter: ~Copyable {
    /// Rows are handed to the file once this many bytes are buffered.
    static let flushThreshold = 1 << 20

    /// The row being built and the rows not yet written.
    var csv: CSVBytes
    let destination: String
    let temporary: String
    private var descriptor: Int32
    private var published = false

    /// Creates the temporary file and writes the header row.
    init(_ url: URL, header: [String]) throws {
        destination = url.path
        let directory = url.deletingLastPathComponent().path
        // Process id, a random part and O_EXCL: a writer never writes into another's temporary file.
        let unique = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(unique)"
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if descriptor < 0 { throw ExportWriteError("create", temporary, errno: errno) }
        csv = CSVBytes(capacity: Self.flushThreshold + (64 << 10))
        csv.row(header)
    }

    deinit {
        if descriptor >= 0 { _ = closeDescriptor(descriptor) }
        if !published { unlink(temporary) }
    }

    /// Ends the current row, writing the buffer out when it is full.
    mutating func endRow() throws {
        csv.endRow()
        if csv.bytes.count >= Self.flushThreshold { try flush() }
    }

    /// Writes out what is buffered and closes the temporary file.
    mutating func close() throws {
        try flush()
        let fd = descriptor
        descriptor = -1
        if closeDescriptor(fd) != 0 { throw ExportWriteError("write", temporary, errno: errno) }
    }

    /// Renames the closed temporary file to the destination.
    mutating func publish() throws {
        if rename(temporary, destination) != 0 { throw ExportWriteError("rename \(temporary) to", destination, errno: errno) }
        published = true
    }

    private mutating func flush() throws {
        let fd = descriptor
        let path = temporary
        try csv.bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = writeDescriptor(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ExportWriteError("write", path, errno: errno)
                }
                offset += n
            }
        }
        csv.bytes.removeAll(keepingCapacity: true)
    }
}

// The C calls under names of their own: inside `CSVFileWriter`, `close` and `write` are its methods.
private func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }
private func writeDescriptor(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, bytes, count) }
