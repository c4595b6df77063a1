import DayZeroPrivacy
import Testing

/// The fixed-point format: N = round(v · 2⁴⁸) in two's complement mod 2¹²⁸, worked by hand.
@Suite("Fixed point: encoding by hand, range limits, correctly rounded decoding")
struct FixedPointTests {
    func word(_ value: Double) throws -> Word128 { try #require(FixedPoint.encode(value)) }

    @Test("exact fractions: 1 = 2^48, 1/2 = 2^47, 3/8 = 3·2^45, 0 = 0")
    func exactFractions() throws {
        #expect(try word(1) == Word128(high: 0, low: 1 << 48))
        #expect(try word(0.5) == Word128(high: 0, low: 1 << 47))
        #expect(try word(0.375) == Word128(high: 0, low: 3 << 45))
        #expect(try word(0) == .zero)
        #expect(try word(-0.0) == .zero)
        #expect(try word(1).hex == "00000000000000000001000000000000")
        for value in [1.0, 0.5, 0.375, -0.375, 1_000_000.25, -7] {
            #expect(FixedPoint.decode(try word(value)) == value)
        }
    }

    @Test("negative values are two's complement: −1 = 2^128 − 2^48")
    func negatives() throws {
        #expect(try word(-1) == Word128(high: .max, low: 0xFFFF_0000_0000_0000))
        #expect(try word(-1).hex == "ffffffffffffffffffff000000000000")
        #expect(try word(-0.375) == Word128(high: .max, low: 0 &- (3 << 45)))
        // −1 + 1 wraps to zero; 3/8 − 1 = −5/8.
        #expect(try word(-1) &+ word(1) == .zero)
        #expect(FixedPoint.decode(try word(0.375) &+ word(-1)) == -0.625)
    }

    @Test("integers are exact up to 2^53 and beyond (multiples of their ulp)")
    func integers() throws {
        let big = 9_007_199_254_740_991.0  // 2^53 − 1
        for value in [big, -big, 0x1p63, -0x1p63, 12_345_678_901_234_567_890.0] {
            #expect(FixedPoint.decode(try word(value)) == value, "\(value)")
        }
        // 2^63 · 2^48 = 2^111: bit 47 of the high limb.
        #expect(try word(0x1p63) == Word128(high: 1 << 47, low: 0))
    }

    @Test("rounding to the resolution 2^-48: ties to even, 0.1 within half a unit")
    func rounding() throws {
        #expect(try word(0x1p-49) == .zero)  // half a unit, tie → even (0)
        #expect(try word(3 * 0x1p-49) == Word128(high: 0, low: 2))  // 1.5 units → 2
        #expect(try word(-3 * 0x1p-49) == Word128(high: .max, low: .max - 1))  // −2
        let tenth = FixedPoint.decode(try word(0.1))
        #expect(abs(tenth - 0.1) <= 0x1p-49)
        #expect(tenth != 0.1)  // 0.1 is not a multiple of 2^-48: the test can see rounding
    }

    @Test("range: |v| < 2^64; 2^64, NaN and infinities are refused")
    func range() throws {
        let largest = 0x1p64.nextDown
        #expect(FixedPoint.decode(try word(largest)) == largest)
        #expect(FixedPoint.decode(try word(-largest)) == -largest)
        for value in [0x1p64, -0x1p64, Double.nan, .infinity, -.infinity] {
            #expect(FixedPoint.encode(value) == nil, "\(value)")
        }
    }

    @Test("decoding rounds once: 2^64 + 2^11 + 1 rounds up, the tie 2^64 + 2^11 to even")
    func decodingRoundsCorrectly() {
        // value = word · 2^-48; the ulp of 2^64 is 2^12.
        #expect(FixedPoint.decode(Word128(high: 1, low: (1 << 11) + 1)) == (0x1p64 + 0x1p12) * 0x1p-48)
        #expect(FixedPoint.decode(Word128(high: 1, low: 1 << 11)) == 0x1p64 * 0x1p-48)
        #expect(FixedPoint.decode(Word128(high: 1, low: 3 << 11)) == (0x1p64 + 0x1p13) * 0x1p-48)
    }

    @Test("hex text round-trips and rejects other lengths and digits")
    func hex() throws {
        let value = Word128(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210)
        #expect(value.hex == "0123456789abcdeffedcba9876543210")
        #expect(Word128(hex: value.hex) == value)
        #expect(Word128(hex: "0123456789ABCDEFFEDCBA9876543210") == value)
        #expect(Word128(hex: "0123") == nil)
        #expect(Word128(hex: "0123456789abcdeffedcba987654321g") == nil)
        #expect(throws: PrivacyError.invalidMaskedWord("xyz")) { try MaskedValue(hex: "xyz") }
    }
}
