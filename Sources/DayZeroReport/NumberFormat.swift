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
        if let q = scaledMagnitude(x.magnitude, decimals: 2) {
            // The same text without building and trimming "%.2f": drop zero hundredths and
            // tenths here, and the sign of a value that rounds to 0.
            let decimals = q % 100 == 0 ? 0 : (q % 10 == 0 ? 1 : 2)
            let scale: UInt64 = decimals == 0 ? 100 : (decimals == 1 ? 10 : 1)
            return fixedText(q / scale, decimals: decimals, negative: x < 0 && q != 0)
        }
        var s = printf(x, decimals: 2)
        if s.utf8.contains(0x2E) {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        if s == "-0" { s = "0" }
        return s
    }

    static let powersOfTen: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]

    /// C's `%.*f` of `x`: the exact binary value correctly rounded, a tie to the even neighbour
    /// (the same on every platform), without going through Foundation's string formatting.
    ///
    /// The report formats thousands of numbers, so the common case — at most 6 decimals and
    /// |x| < 10¹² — is done in integer arithmetic: |x| = m · 2⁻ˢ with m < 2⁵³, so
    /// |x| · 10ᵈ = m · 10ᵈ · 2⁻ˢ, where m · 10ᵈ < 2⁷³ is exact as a 128-bit product, and
    /// rounding it to an integer is a shift plus a look at the bits shifted out. Anything else
    /// goes to `vsnprintf`.
    static func printf(_ x: Double, decimals: Int) -> String {
        if x.isFinite, let q = scaledMagnitude(x.magnitude, decimals: decimals) {
            return fixedText(q, decimals: decimals, negative: x.sign == .minus)
        }
        // Sign, up to 309 integer digits, the point and the decimals, and the terminating NUL.
        let capacity = 320 + max(0, decimals)
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer in
            let n = withVaList([Int32(clamping: decimals), x]) { vsnprintf(buffer.baseAddress, capacity, "%.*f", $0) }
            let count = min(max(0, Int(n)), capacity - 1)
            return UnsafeRawBufferPointer(start: buffer.baseAddress, count: count).withMemoryRebound(to: UInt8.self) {
                String(decoding: $0, as: UTF8.self)
            }
        }
    }

    /// `a · 10^decimals` rounded to the nearest integer, a tie to even, for a finite `a ≥ 0`;
    /// `nil` outside 0…6 decimals or when `a ≥ 10¹²`.
    static func scaledMagnitude(_ a: Double, decimals: Int) -> UInt64? {
        guard decimals >= 0, decimals < powersOfTen.count, a < 1e12 else { return nil }
        guard a != 0 else { return 0 }
        let m = a.isNormal ? a.significandBitPattern | (1 << 52) : a.significandBitPattern
        // a < 10¹² < 2⁴⁰, so the shift is at least 13.
        let shift = a.isNormal ? 52 - Int(a.exponent) : 1074
        // p = m · 10ᵈ = high · 2⁶⁴ + low < 2⁷³, so high < 2⁹.
        let (high, low) = m.multipliedFullWidth(by: powersOfTen[decimals])
        guard shift < 74 else { return 0 }  // p · 2⁻ˢ < 2⁷³⁻⁷⁴ = ½
        let q: UInt64
        let comparison: Int  // the bits shifted out against half of the last kept unit
        if shift < 64 {
            q = (high << UInt64(64 - shift)) | (low >> UInt64(shift))
            let rest = low & ((1 << UInt64(shift)) - 1)
            let half: UInt64 = 1 << UInt64(shift - 1)
            comparison = rest < half ? -1 : (rest == half ? 0 : 1)
        } else {
            let s = shift - 64
            q = high >> UInt64(s)
            if s == 0 {
                let half: UInt64 = 1 << 63
                comparison = low < half ? -1 : (low == half ? 0 : 1)
            } else {
                let restHigh = high & ((1 << UInt64(s)) - 1)
                let halfHigh: UInt64 = 1 << UInt64(s - 1)
                comparison = restHigh < halfHigh ? -1 : (restHigh > halfHigh || low > 0 ? 1 : 0)
            }
        }
        return comparison > 0 || (comparison == 0 && q & 1 == 1) ? q + 1 : q
    }

    /// The `%.*f` text of `q · 10^−decimals` with an optional `-`.
    static func fixedText(_ q: UInt64, decimals: Int, negative: Bool) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { out in
            // Filled from the end: [-] integer digits [. decimals].
            var i = 32
            var rest = q
            if decimals > 0 {
                for _ in 0..<decimals {
                    i -= 1
                    out[i] = 0x30 + UInt8(rest % 10)
                    rest /= 10
                }
                i -= 1
                out[i] = 0x2E
            }
            repeat {
                i -= 1
                out[i] = 0x30 + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            if negative {
                i -= 1
                out[i] = 0x2D
            }
            return String(decoding: UnsafeBufferPointer(rebasing: out[i...]), as: UTF8.self)
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
