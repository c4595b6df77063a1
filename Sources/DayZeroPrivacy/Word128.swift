/// An unsigned 128-bit integer with wrapping (mod 2¹²⁸) arithmetic, as two 64-bit limbs.
///
/// Swift's `UInt128` exists on this toolchain but needs macOS 15 on Apple platforms, while the
/// package supports macOS 13; two limbs cost a carry per addition and keep one code path.
/// Only what the masking protocol needs: wrapping add, subtract, negate, and conversion to and
/// from bytes and hexadecimal text (big-endian).
package struct Word128: Hashable, Sendable {
    package var high: UInt64
    package var low: UInt64

    package static let zero = Word128(high: 0, low: 0)

    /// a + b mod 2¹²⁸.
    package static func &+ (a: Word128, b: Word128) -> Word128 {
        let (low, carry) = a.low.addingReportingOverflow(b.low)
        return Word128(high: a.high &+ b.high &+ (carry ? 1 : 0), low: low)
    }

    /// a − b mod 2¹²⁸.
    package static func &- (a: Word128, b: Word128) -> Word128 {
        let (low, borrow) = a.low.subtractingReportingOverflow(b.low)
        return Word128(high: a.high &- b.high &- (borrow ? 1 : 0), low: low)
    }

    /// −self mod 2¹²⁸ (two's complement).
    package var negated: Word128 { Word128.zero &- self }

    /// The sign bit of the two's complement reading.
    package var isNegative: Bool { high >> 63 == 1 }

    /// The word from 16 big-endian bytes starting at `offset`.
    package init<Bytes: RandomAccessCollection>(bigEndian bytes: Bytes, offset: Int) where Bytes.Element == UInt8, Bytes.Index == Int {
        var high: UInt64 = 0
        var low: UInt64 = 0
        let start = bytes.startIndex + offset
        for index in 0..<8 { high = high << 8 | UInt64(bytes[start + index]) }
        for index in 8..<16 { low = low << 8 | UInt64(bytes[start + index]) }
        self.init(high: high, low: low)
    }

    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 32 lowercase hexadecimal digits, most significant first.
    package var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in 0..<32 {
            let limb = index < 16 ? high : low
            let shift = UInt64(60 - 4 * (index % 16))
            bytes[index] = digits[Int((limb >> shift) & 0xF)]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses exactly 32 hexadecimal digits (either case); nil otherwise.
    package init?(hex text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 32 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            let value: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = UInt64(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = UInt64(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            if index < 16 { high = high << 4 | value } else { low = low << 4 | value }
        }
        self.init(high: high, low: low)
    }
}
