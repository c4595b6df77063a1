/// The fixed-point format in which a site's values are masked and summed.
///
/// A value v is the integer N = round(v · 2⁴⁸) (ties to even) in two's complement mod 2¹²⁸.
/// Sums of such integers are exact; the pooled sum is decoded once, correctly rounded to the
/// nearest Double, and scaled back by 2⁻⁴⁸.
///
/// - Resolution: 2⁻⁴⁸ ≈ 3.6e-15 absolute per value per site. Integers, and every Double with
///   |v| ≥ 32 (whose last bit is worth 2⁻⁴⁸ or more), are encoded exactly; smaller values are
///   rounded to a multiple of 2⁻⁴⁸ (relative error ≤ 2⁻⁴⁹/|v|). A pooled sum of K sites is
///   therefore within K · 2⁻⁴⁹ of the exact sum of the sites' Doubles, plus one rounding of the
///   result to Double.
/// - Range: |v| < 2⁶⁴ ≈ 1.8e19 per value (so |N| < 2¹¹²), at most 2¹⁴ sites: any network sum
///   has |ΣN| < 2¹²⁶ and cannot wrap. Larger or non-finite values are refused with
///   ``PrivacyError/valueOutOfRange(block:index:value:rule:)``.
public enum FixedPoint {
    /// Fraction bits: N = round(v · 2^fractionBits).
    public static let fractionBits = 48
    /// The weight of the last bit, 2⁻⁴⁸.
    public static let resolution: Double = 0x1p-48
    /// Values must satisfy |v| < magnitudeLimit = 2⁶⁴.
    public static let magnitudeLimit: Double = 0x1p64
    /// The largest network whose sums cannot wrap, 2¹⁴ sites.
    public static let maximumSites = 1 << 14

    /// The fixed-point word of `value`, or nil when it is not finite or |value| ≥ 2⁶⁴.
    package static func encode(_ value: Double) -> Word128? {
        guard value.isFinite, abs(value) < magnitudeLimit else { return nil }
        let scaled = (value * 0x1p48).rounded(.toNearestOrEven)
        let magnitude = magnitudeWord(abs(scaled))
        return scaled < 0 ? magnitude.negated : magnitude
    }

    /// The value of a fixed-point word (two's complement), correctly rounded to Double.
    package static func decode(_ word: Word128) -> Double {
        let negative = word.isNegative
        let magnitude = negative ? word.negated : word
        let value = toDouble(magnitude) * 0x1p-48
        return negative ? -value : value
    }

    /// |word| read as two's complement: the magnitude's bit length (for range checks).
    package static func magnitudeBitLength(_ word: Word128) -> Int {
        let magnitude = word.isNegative ? word.negated : word
        if magnitude.high != 0 { return 128 - magnitude.high.leadingZeroBitCount }
        return 64 - magnitude.low.leadingZeroBitCount
    }

    /// An integer-valued Double in [0, 2¹¹²) as a word, exactly.
    private static func magnitudeWord(_ x: Double) -> Word128 {
        if x < 0x1p64 { return Word128(high: 0, low: UInt64(x)) }
        // x = m · 2^(e − 52) with the 53-bit significand m and 64 ≤ e < 112.
        let significand = UInt64(1) << 52 | x.significandBitPattern
        let shift = Int(x.exponent) - 52  // 12 ... 59
        return Word128(high: significand >> UInt64(64 - shift), low: significand << UInt64(shift))
    }

    /// An unsigned word as the nearest Double (ties to even): the top 64 bits with a sticky bit
    /// for everything below them, converted once.
    private static func toDouble(_ word: Word128) -> Double {
        if word.high == 0 { return Double(word.low) }
        let leadingZeros = word.high.leadingZeroBitCount
        let dropped = 64 - leadingZeros  // bits of `low` below the top 64 bits
        var top = leadingZeros == 0 ? word.high : word.high << UInt64(leadingZeros) | word.low >> UInt64(dropped)
        let lostBits = dropped == 64 ? word.low : word.low & ((UInt64(1) << UInt64(dropped)) - 1)
        if lostBits != 0 { top |= 1 }
        return Double(sign: .plus, exponent: dropped, significand: Double(top))
    }
}
