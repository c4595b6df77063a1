import Foundation

/// Where a JSON text stops being valid, as line and column (1-based), for error messages
/// (Foundation's decoder does not report a position on every platform).
enum JSONLocator {
    /// The first syntax error, or nil when the text is one valid JSON value.
    static func firstError(in bytes: [UInt8]) -> (line: Int, column: Int, message: String)? {
        var i = 0
        func position(_ at: Int) -> (Int, Int) {
            var line = 1, column = 1
            for b in bytes[0..<min(at, bytes.count)] {
                if b == 0x0A { line += 1; column = 1 } else { column += 1 }
            }
            return (line, column)
        }
        struct Failure: Error { var at: Int; var message: String }
        func skipSpace() { while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 } }
        func expect(_ text: String) throws {
            for b in text.utf8 {
                guard i < bytes.count else { throw Failure(at: i, message: "unexpected end of file") }
                guard bytes[i] == b else { throw Failure(at: i, message: "unexpected character") }
                i += 1
            }
        }
        func string() throws {
            i += 1
            while true {
                guard i < bytes.count else { throw Failure(at: i, message: "unexpected end of file inside a string") }
                let b = bytes[i]
                if b == 0x22 { i += 1; return }
                if b == 0x5C { i += 2; continue }
                if b < 0x20 { throw Failure(at: i, message: "control character inside a string") }
                i += 1
            }
        }
        func number() throws {
            let start = i
            while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
            guard let text = String(bytes: bytes[start..<i], encoding: .utf8), Double(text) != nil else {
                throw Failure(at: start, message: "invalid number")
            }
        }
        func value(depth: Int) throws {
            guard depth < 512 else { throw Failure(at: i, message: "nesting deeper than 512") }
            skipSpace()
            guard i < bytes.count else { throw Failure(at: i, message: "unexpected end of file") }
            switch bytes[i] {
            case 0x7B:  // {
                i += 1
                skipSpace()
                if i < bytes.count, bytes[i] == 0x7D { i += 1; return }
                while true {
                    skipSpace()
                    guard i < bytes.count else { throw Failure(at: i, message: "unexpected end of file") }
                    guard bytes[i] == 0x22 else { throw Failure(at: i, message: "expected a key") }
                    try string()
                    skipSpace()
                    try expect(":")
                    try value(depth: depth + 1)
                    skipSpace()
                    guard i < bytes.count else { throw Failure(at: i, message: "unexpected end of file") }
                    if bytes[i] == 0x2C { i += 1; continue }
                    if bytes[i] == 0x7D { i += 1; return }
                    throw Failure(at: i, message: "expected ',' or '}'")
                }
            case 0x5B:  // [
                i += 1
                skipSpace()
                if i < bytes.count, bytes[i] == 0x5D { i += 1; return }
                while true {
                    try value(depth: depth + 1)
                    skipSpace()
                    guard i < bytes.count else { throw Failure(at: i, message: "unexpected end of file") }
                    if bytes[i] == 0x2C { i += 1; continue }
                    if bytes[i] == 0x5D { i += 1; return }
                    throw Failure(at: i, message: "expected ',' or ']'")
                }
            case 0x22: try string()
            case 0x74: try expect("true")
            case 0x66: try expect("false")
            case 0x6E: try expect("null")
            default: try number()
            }
        }
        do {
            try value(depth: 0)
            skipSpace()
            if i < bytes.count { throw Failure(at: i, message: "text after the end of the JSON value") }
            return nil
        } catch let f as Failure {
            let (line, column) = position(f.at)
            return (line, column, f.message)
        } catch {
            return (1, 1, "\(error)")
        }
    }
}
