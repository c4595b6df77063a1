#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// How numbers are written in the report. All rules are documented in `docs/report.md`.
///
/// Formatting goes through C `printf` rounding of the binary value (`%.*f`), which is
/// correctly rounded and the same on every platform, so output is deterministic.
package enum NumberFormat {
    /// The typographic minus sign used for negative numbers in text.
    static let minus = "\u{2212}"

    /// A p-value as the paper prints it:
    /// - below 0.0001: `< 0.0001`;
    /// - 0.0001 ≤ p < 0.001: one significant digit (`0.0002`), so very small p-values are not
    ///   given a precision the tests do not have;
    /// - 0.001 ≤ p < 1: two significant digits, trailing zero kept (`0.50`, `0.049`, `0.19`);
    /// - a value that rounds to 1 (p ≥ 0.995): `1`.
    /// Missing or non-finite: `–`.
    package static func pValue(_ p: Double?) -> String {
        guard let p, p.isFinite else { return "–" }
        let (relation, value) = pParts(p)
        return relation == "<" ? "< \(value)" : value
    }

    /// The relation (`=` or `<`) and the number of a p-value, for `p = 0.02` / `p < 0.0001`.
    package static func pParts(_ p: Double) -> (relation: String, value: String) {
        if p < 0.0001 { return ("<", "0.0001") }
        if p < 0.001 {
            let s = significant(p, digits: 1)
            return ("=", s == "0.001" ? "0.0010" : s)
        }
        if p >= 0.995 { return ("=", "1") }
        return ("=", significant(p, digits: 2))
    }

    /// `p = 0.19`, `p < 0.0001`, or `p = n/a` when missing.
    package static func pStatement(_ p: Double?) -> String {
        guard let p, p.isFinite else { return "p = n/a" }
        let (relation, value) = pParts(p)
        return "p \(relation) \(value)"
    }

    /// `x` with `digits` significant digits in fixed notation, trailing zeros kept.
    package static func significant(_ x: Double, digits: Int) -> String {
        guard x.isFinite else { return "–" }
        if x == 0 { return "0" }
        var exponent = Int((log10(abs(x))).rounded(.down))
        var decimals = max(0, digits - 1 - exponent)
        // Rounding can carry into the next decade (0.0996 → 0.10): recompute once.
        let rounded = Double(fixed(abs(x), decimals: decimals, typographicMinus: false)) ?? abs(x)
        if rounded > 0, Int((log10(rounded)).rounded(.down)) > exponent {
            exponent += 1
            decimals = max(0, digits - 1 - exponent)
        }
        return fixed(x, decimals: decimals)
    }

    /// `x` with up to three significant digits and no trailing zeros (`2`, `1.5`, `0.000625`),
    /// for thresholds quoted in text.
    package static func compact(_ x: Double) -> String {
        var s = significant(x, digits: 3)
        if s.utf8.contains(0x2E) {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// `x` with exactly `decimals` decimals; negative values use the typographic minus, and a
    /// value that rounds to zero never shows a sign.
    package static func fixed(_ x: Double, decimals: Int, typographicMinus: Bool = true) -> String {
        guard x.isFinite else { return "–" }
        var s = printf(x, decimals: max(0, decimals))
        if s.hasPrefix("-") {
            let body = s.dropFirst()
            if body.allSatisfy({ $0 == "0" || $0 == "." }) {
                s = String(body)
            } else if typographicMinus {
                s = minus + body
            }
        }
        return s
    }

    /// Decimals for a median [IQR] cell: three significant digits of the largest absolute value
    /// (so 12.0 → 1, 1.39 → 2, 254 → 0), none when all three values are whole numbers, at most 3.
    package static func summaryDecimals(_ values: [Double]) -> Int {
        let finite = values.filter(\.isFinite)
        guard let largest = finite.map({ abs($0) }).max(), largest > 0 else { return 0 }
        if finite.allSatisfy({ $0 == $0.rounded() }) { return 0 }
        let exponent = Int((log10(largest)).rounded(.down))
        return min(3, max(0, 2 - exponent))
    }

    /// An SVG coordinate: two decimals, trailing zeros dropped; `0` for a non-finite value
    /// (callers skip non-finite values before drawing; this is a last guard against `NaN`).
    package static func coordinate(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        if let s = hundredths(x) { return s }
        var s = printf(x, decimals: 2)
        if s.utf8.contains(0x2E) {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        if s == "-0" { s = "0" }
        return s
    }

    /// `x` rounded to hundredths exactly as `%.2f` rounds it — the exact binary value, a tie
    /// to the even neighbour — written with trailing zeros dropped and without the sign of a
    /// zero; `nil` when |x| ≥ 10¹³. The report draws thousands of coordinates, and integer
    /// arithmetic on the significand is many times faster than formatting through printf:
    /// |x| = m · 2^(−s) with m < 2⁵³, so 100 · |x| = 100m · 2^(−s) with 100m < 2⁶⁰, and
    /// rounding it to an integer is a shift plus a look at the bits shifted out.
    static func hundredths(_ x: Double) -> String? {
        let a = x.magnitude
        guard a < 1e13 else { return nil }
        var q: UInt64 = 0
        if a != 0 {
            let m = a.isNormal ? a.significandBitPattern | (1 << 52) : a.significandBitPattern
            let shift = a.isNormal ? 52 - Int(a.exponent) : 1074
            let p = m * 100
            if shift <= 0 {
                q = p << UInt64(-shift)
            } else if shift < 62 {
                q = p >> UInt64(shift)
                let rest = p & ((1 << UInt64(shift)) - 1)
                let half: UInt64 = 1 << UInt64(shift - 1)
                if rest > half || (rest == half && q & 1 == 1) { q += 1 }
            }
            // shift ≥ 62: 100 · |x| < 2⁶⁰ · 2⁻⁶² < 0.5, rounds to 0.
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { out in
            // Filled from the end: [sign] integer digits [. d1 [d2]].
            var i = 24
            func put(_ byte: UInt8) {
                i -= 1
                out[i] = byte
            }
            let fraction = q % 100
            if fraction != 0 {
                if fraction % 10 != 0 { put(0x30 + UInt8(fraction % 10)) }
                put(0x30 + UInt8(fraction / 10))
                put(0x2E)
            }
            var whole = q / 100
            repeat {
                put(0x30 + UInt8(whole % 10))
                whole /= 10
            } while whole > 0
            if x < 0, q != 0 { put(0x2D) }
            return String(decoding: UnsafeBufferPointer(rebasing: out[i...]), as: UTF8.self)
        }
    }

    /// C's `%.*f` of `x` (correctly rounded, the same on every platform), without going through
    /// Foundation's string formatting.
    static func printf(_ x: Double, decimals: Int) -> String {
        // Sign, up to 309 integer digits, the point and the decimals, and the terminating NUL.
        let capacity = 320 + decimals
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer in
            let n = withVaList([Int32(clamping: decimals), x]) { vsnprintf(buffer.baseAddress, capacity, "%.*f", $0) }
            let count = min(max(0, Int(n)), capacity - 1)
            return UnsafeRawBufferPointer(start: buffer.baseAddress, count: count).withMemoryRebound(to: UInt8.self) {
                String(decoding: $0, as: UTF8.self)
            }
        }
    }

    /// An axis tick label: fixed notation with `decimals` decimals for ordinary magnitudes;
    /// powers of ten (`10⁶`) or `m×10ⁿ` for values of 10⁶ and above or below 10⁻⁴.
    package static func tick(_ v: Double, decimals: Int) -> String {
        guard v.isFinite else { return "–" }
        let a = abs(v)
        if a != 0, a >= 1e6 || a < 1e-4 {
            let exponent = Int((log10(a) + 1e-9).rounded(.down))
            let mantissa = v / pow(10, Double(exponent))
            let m = significant(mantissa, digits: 2)
            let power = "10" + superscript(exponent)
            if m == "1.0" || m == "1" { return power }
            if m == minus + "1.0" || m == minus + "1" { return minus + power }
            return m.replacingOccurrences(of: ".0", with: "") + "×" + power
        }
        let s = fixed(v, decimals: decimals)
        return a >= 10_000 ? groupThousands(s) : s
    }

    /// Digits grouped by three with a thin space (`100 000`), as in print; the fraction is untouched.
    static func groupThousands(_ s: String) -> String {
        var sign = ""
        var body = Substring(s)
        if body.hasPrefix(minus) {
            sign = minus
            body = body.dropFirst()
        }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = Array(parts[0])
        var grouped = ""
        for (i, ch) in integer.enumerated() {
            if i > 0, (integer.count - i) % 3 == 0 { grouped += "\u{2009}" }
            grouped.append(ch)
        }
        return sign + grouped + (parts.count > 1 ? "." + parts[1] : "")
    }

    static func superscript(_ n: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        var out = n < 0 ? "⁻" : ""
        for ch in String(abs(n)) {
            if let d = ch.wholeNumberValue { out.append(digits[d]) }
        }
        return out
    }

    /// A day number with the typographic minus: `−6`, `0`, `+6` when `signed`.
    package static func day(_ d: Int, signed: Bool = false) -> String {
        if d < 0 { return minus + String(-d) }
        if d > 0, signed { return "+" + String(d) }
        return String(d)
    }

    /// An integer count (`1234`), unchanged; a named helper so counts read alike everywhere.
    package static func count(_ n: Int) -> String {
        n < 0 ? minus + String(-n) : String(n)
    }
}
