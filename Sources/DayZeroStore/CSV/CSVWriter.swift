import Foundation

/// A buffered RFC 4180 writer: comma-separated, LF line ends, UTF-8 without byte-order mark.
/// A field is quoted only when it must be (it contains `,`, `"`, CR or LF, or starts or ends
/// with a space or tab, which the reader would otherwise drop), with `"` doubled inside.
final class CSVWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var fieldsInRow = 0
    private static let flushThreshold = 1 << 20

    /// Creates (or truncates) the file at `url`.
    init(url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw StoreError.io("cannot create \(url.path)")
        }
        handle = try FileHandle(forWritingTo: url)
        buffer.reserveCapacity(Self.flushThreshold + 4096)
    }

    /// Appends one field to the current row.
    func field(_ text: String) {
        if fieldsInRow > 0 { buffer.append(44) }
        fieldsInRow += 1
        var needsQuotes = false
        for b in text.utf8 where b == 44 || b == 34 || b == 10 || b == 13 {
            needsQuotes = true
            break
        }
        if let first = text.utf8.first, first == 32 || first == 9 { needsQuotes = true }
        if let last = text.utf8.last, last == 32 || last == 9 { needsQuotes = true }
        if !needsQuotes {
            buffer.append(contentsOf: text.utf8)
            return
        }
        buffer.append(34)
        for b in text.utf8 {
            buffer.append(b)
            if b == 34 { buffer.append(34) }
        }
        buffer.append(34)
    }

    /// Appends an optional field: `nil` is written as an empty field.
    func field(_ text: String?) {
        field(text ?? "")
    }

    /// Appends a number in shortest round-trip form (`formatNumber`), or empty for `nil`.
    func number(_ value: Double?) {
        field(value.map(formatNumber) ?? "")
    }

    /// Ends the current row.
    func endRow() throws {
        buffer.append(10)
        fieldsInRow = 0
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Writes a whole row.
    func row(_ fields: [String]) throws {
        for f in fields { field(f) }
        try endRow()
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file.
    func close() throws {
        try flush()
        try handle.close()
    }
}
