/// Why a number field could not be read.
enum NumberParseFailure: Error, Equatable {
    /// The text contains a `,`: a decimal comma or a thousands separator.
    case decimalComma
    /// Anything else that is not `[+-]digits[.digits][e[+-]digits]`.
    case notANumber
    /// Too large for a Double.
    case notFinite
}

/// The number syntax of the study files: `.` as the decimal separator, an optional sign and an
/// optional exponent (`1.5e-3`); no thousands separators, no `NaN`/`Inf`, no hexadecimal.
///
/// Parsing is done on the field's bytes. Most values in ICU data have few significant digits,
/// so the common case is exact with one multiplication (Clinger's fast path: a mantissa below
/// 2^53 times or divided by an exactly representable power of ten 10^0…10^22 is correctly
/// rounded by IEEE arithmetic). Everything else goes to the standard library's correctly
/// rounded conversion, so every number is read exactly as `Double("…")` would read it.
enum NumberSyntax {
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Result<Double, NumberParseFailure> {
        var i = 0
        let n = b.count
        var negative = false
        if i < n, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            negative = b[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var digitCount = 0
        var decimalExponent = 0
        while i < n, b[i] >= 48, b[i] <= 57 {
            accumulate(b[i], &mantissa, &significantDigits, &decimalExponent, fraction: false)
            digitCount += 1
            i += 1
        }
        if i < n, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, b[i] >= 48, b[i] <= 57 {
                accumulate(b[i], &mantissa, &significantDigits, &decimalExponent, fraction: true)
                digitCount += 1
                i += 1
            }
        }
        guard digitCount > 0 else { return .failure(failure(b)) }
        if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < n, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                expNegative = b[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            var expDigits = 0
            while i < n, b[i] >= 48, b[i] <= 57 {
                if e < 100_000 { e = e * 10 + Int(b[i] - 48) }
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { return .failure(failure(b)) }
            decimalExponent += expNegative ? -e : e
        }
        guard i == n else { return .failure(failure(b)) }

        var value: Double
        if significantDigits <= 19, mantissa <= (1 << 53), decimalExponent >= -22, decimalExponent <= 22 {
            value = Double(mantissa)
            if decimalExponent >= 0 {
                value *= exactPowersOfTen[decimalExponent]
            } else {
                value /= exactPowersOfTen[-decimalExponent]
            }
            if negative { value = -value }
        } else if mantissa == 0 {
            value = 0
        } else {
            guard let v = Double(String(decoding: b, as: UTF8.self)) else { return .failure(.notANumber) }
            value = v
        }
        guard value.isFinite else { return .failure(.notFinite) }
        // −0 and 0 are the same measurement; keep one spelling so exports are stable.
        return .success(value == 0 ? 0 : value)
    }

    /// Adds one decimal digit. Leading zeros are not significant; once 19 significant digits are
    /// held, further digits only move the decimal exponent (and send the value to the slow path).
    @inline(__always)
    private static func accumulate(
        _ c: UInt8, _ mantissa: inout UInt64, _ significant: inout Int, _ exponent: inout Int, fraction: Bool
    ) {
        let d = UInt64(c - 48)
        if mantissa == 0 && d == 0 {
            if fraction { exponent -= 1 }
            return
        }
        if significant < 19 {
            mantissa = mantissa * 10 + d
            significant += 1
            if fraction { exponent -= 1 }
        } else {
            significant += 1
            if !fraction { exponent += 1 }
        }
    }

    private static func failure(_ b: UnsafeBufferPointer<UInt8>) -> NumberParseFailure {
        b.contains(UInt8(ascii: ",")) ? .decimalComma : .notANumber
    }

    /// Parses a Swift string (convenience for tests and non-file input).
    static func parse(_ text: String) -> Result<Double, NumberParseFailure> {
        var copy = text
        return copy.withUTF8 { parse($0) }
    }
}

/// Shortest round-trip decimal text of a Double, without exponent for everyday magnitudes:
/// `38.5`, `12`, `0.00001`, `250000`. The digits are those of Swift's `description` (the
/// shortest string that reads back to the same Double), so `parse(format(x)) == x` for every
/// finite `x`; only the placement of the decimal point differs. Exponent notation is kept
/// outside 1e-30…1e30, where plain digits would be unreadable.
public func formatNumber(_ value: Double) -> String {
    if value == 0 { return "0" }
    if value == value.rounded(.towardZero), abs(value) < 1e15 {
        return String(Int64(value))
    }
    let description = value.description
    guard description.contains("e") else {
        return description.hasSuffix(".0") ? String(description.dropLast(2)) : description
    }
    // description is "[-]d[.ddd]e[+-]x"
    var text = Substring(description)
    var sign = ""
    if text.hasPrefix("-") {
        sign = "-"
        text = text.dropFirst()
    }
    guard let eIndex = text.firstIndex(of: "e"), let exponent = Int(text[text.index(after: eIndex)...]),
          abs(exponent) <= 30
    else { return description }
    let mantissa = text[..<eIndex]
    var digits = mantissa.filter { $0 != "." }
    while digits.count > 1, digits.hasSuffix("0") { digits.removeLast() }
    let integerDigits = (mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count)
    let point = integerDigits + exponent
    if point <= 0 {
        return sign + "0." + String(repeating: "0", count: -point) + digits
    } else if point >= digits.count {
        return sign + digits + String(repeating: "0", count: point - digits.count)
    } else {
        let split = digits.index(digits.startIndex, offsetBy: point)
        return sign + digits[..<split] + "." + digits[split...]
    }
}

/// A number for an error message: at most six significant digits, so a converted value reads
/// `46.1111` rather than `46.111111111111114`. Very small magnitudes (below 1e-280, subnormals
/// such as `1e-310` included) keep their digits as read: scaling them up by a power of ten
/// would overflow to infinity and print `nan`.
func formatForMessage(_ value: Double) -> String {
    guard value.isFinite, value != 0 else { return formatNumber(value) }
    let magnitude = Int((abs(value).logBase10()).rounded(.down))
    let scale = 5 - magnitude
    if scale <= 0 { return formatNumber(value.rounded()) }
    let factor = pow10(scale)
    let rounded = (value * factor).rounded() / factor
    guard factor.isFinite, rounded.isFinite, rounded != 0 else { return formatNumber(value) }
    return formatNumber(rounded)
}

private func pow10(_ n: Int) -> Double {
    var r = 1.0
    for _ in 0..<n { r *= 10 }
    return r
}

extension Double {
    /// log10 without Foundation: enough precision for choosing a digit position.
    fileprivate func logBase10() -> Double {
        var x = self
        var e = 0.0
        while x >= 10 {
            x /= 10
            e += 1
        }
        while x < 1 {
            x *= 10
            e -= 1
        }
        return e
    }
}
