/// A byte buffer that CSV rows are formatted into, with number formatting that never goes
/// through `String(format:)` or locale-dependent code: a value is printed from its integer
/// count of 10^−decimals, so the text is a pure function of the value and the decimals.
struct CSVBuffer {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    mutating func newline() { bytes.append(UInt8(ascii: "\n")) }

    /// Text, quoted as RFC 4180 requires when it holds a comma, quote or line break.
    mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            var needsQuotes = false
            for byte in utf8 where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 10 || byte == 13 {
                needsQuotes = true
                break
            }
            if !needsQuotes {
                bytes.append(contentsOf: utf8)
                return
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in utf8 {
                if byte == UInt8(ascii: "\"") { bytes.append(byte) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    mutating func flag(_ value: Bool) { bytes.append(value ? UInt8(ascii: "1") : UInt8(ascii: "0")) }

    /// A flag that may be unknown: an empty field.
    mutating func flag(_ value: Bool?) { if let value { flag(value) } }

    mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        var power: UInt64 = 1
        while magnitude / power >= 10 { power *= 10 }
        while power > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8((magnitude / power) % 10))
            power /= 10
        }
    }

    /// `value` with exactly `decimals` decimals (half away from zero); with `trim`, trailing
    /// zeros of the fraction (and a bare point) are dropped: 12.50 → 12.5, 3.00 → 3.
    mutating func number(_ value: Double, decimals: Int, trim: Bool = false) {
        let scale = powerOfTen(decimals)
        let scaled = (value * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled.isFinite, abs(scaled) < 9.0e18 else {
            bytes.append(contentsOf: "\(value)".utf8)
            return
        }
        var units = Int64(scaled)
        if units == 0 {  // never print "-0"
            bytes.append(UInt8(ascii: "0"))
            if !trim && decimals > 0 {
                bytes.append(UInt8(ascii: "."))
                for _ in 0..<decimals { bytes.append(UInt8(ascii: "0")) }
            }
            return
        }
        if units < 0 {
            bytes.append(UInt8(ascii: "-"))
            units = -units
        }
        var divisor: Int64 = 1
        for _ in 0..<decimals { divisor *= 10 }
        integer(units / divisor)
        var fraction = units % divisor
        var places = decimals
        if trim {
            while places > 0 && fraction % 10 == 0 {
                fraction /= 10
                places -= 1
            }
        }
        guard places > 0 else { return }
        bytes.append(UInt8(ascii: "."))
        var power: Int64 = 1
        for _ in 1..<places { power *= 10 }
        while power > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8((fraction / power) % 10))
            power /= 10
        }
    }

    /// An optional number; `nil` is the empty field.
    mutating func number(_ value: Double?, decimals: Int, trim: Bool = false) {
        guard let value else { return }
        number(value, decimals: decimals, trim: trim)
    }
}
