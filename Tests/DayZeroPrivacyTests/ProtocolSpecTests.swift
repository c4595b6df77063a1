import Crypto
import DayZeroPrivacy
import Foundation
import Testing

/// The masked words recomputed independently from docs/multi-site-secure-aggregation.md
/// (steps 3–7) with swift-crypto directly: sites running different DayZero builds must produce
/// words that cancel, so the protocol is pinned by its documentation, not by the code.
@Suite("Protocol as documented: masked words recomputed from the spec")
struct ProtocolSpecTests {
    /// 4-byte big-endian length, then the bytes.
    func lengthPrefixed(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        let count = UInt32(bytes.count)
        return [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)] + bytes
    }

    /// A 128-bit value as (high, low) with wrapping add and subtract.
    struct U128: Equatable {
        var high: UInt64
        var low: UInt64
        static func + (a: U128, b: U128) -> U128 {
            let (low, carry) = a.low.addingReportingOverflow(b.low)
            return U128(high: a.high &+ b.high &+ (carry ? 1 : 0), low: low)
        }
        static func - (a: U128, b: U128) -> U128 {
            let (low, borrow) = a.low.subtractingReportingOverflow(b.low)
            return U128(high: a.high &- b.high &- (borrow ? 1 : 0), low: low)
        }
        init(high: UInt64, low: UInt64) { self.high = high; self.low = low }
        init(bytes: ArraySlice<UInt8>) {
            high = bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
            low = bytes.dropFirst(8).reduce(0) { $0 << 8 | UInt64($1) }
        }
        var hex: String { String(format: "%016llx%016llx", high, low) }
    }

    @Test("site-2 of a 3-site network: fixed point + stream(site-3) − stream(site-1), control slot last")
    func recomputeMaskedWords() throws {
        let raw: [String: [UInt8]] = ["site-1": [UInt8](repeating: 1, count: 32), "site-2": [UInt8](repeating: 2, count: 32),
                                      "site-3": [UInt8](repeating: 3, count: 32)]
        let keys = try ["site-1", "site-2", "site-3"].map { try SiteKeyPair(site: $0, rawPrivateKey: raw[$0] ?? []) }
        let studyTag = "0f1e2d3c"
        let block = "fisher.counts"
        let values = [3.0, -0.5, 0.25]
        let session = try MaskingSession(own: keys[1], network: keys.map(\.publicKey), studyTag: studyTag)
        let masked = try session.mask(values, block: block)

        // Step 5 and 6: N = v·2^48 (exact here), then the control slot 1.
        var expected = (values + [1]).map { value -> U128 in
            let magnitude = U128(high: 0, low: UInt64(abs(value) * 0x1p48))
            return value < 0 ? U128(high: 0, low: 0) - magnitude : magnitude
        }
        let own = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw["site-2"] ?? [])
        for other in ["site-1", "site-3"] {
            // Step 3: X25519, HKDF-SHA256 with salt = study tag, info = context, names in order, block.
            let theirs = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw[other] ?? []).publicKey
            let secret = try own.sharedSecretFromKeyAgreement(with: theirs)
            let (first, second) = other < "site-2" ? (other, "site-2") : ("site-2", other)
            let info = lengthPrefixed("dayzero-mask 1") + lengthPrefixed(first) + lengthPrefixed(second) + lengthPrefixed(block)
            let pairKey = secret.hkdfDerivedSymmetricKey(using: SHA256.self, salt: Array(studyTag.utf8), sharedInfo: info, outputByteCount: 32)
            // Step 4: word t = half (t mod 2) of HMAC-SHA256(pair key, ⌊t/2⌋ as 8 bytes big-endian).
            for t in expected.indices {
                let counter = UInt64(t / 2)
                let message = (0..<8).map { UInt8(truncatingIfNeeded: counter >> UInt64(56 - 8 * $0)) }
                let code = Array(HMAC<SHA256>.authenticationCode(for: message, using: pairKey))
                let word = U128(bytes: code[(16 * (t % 2))..<(16 * (t % 2) + 16)])
                // Step 7: + the streams of later sites, − those of earlier ones.
                expected[t] = other > "site-2" ? expected[t] + word : expected[t] - word
            }
        }
        #expect(masked.count == 4)
        #expect(masked.map(\.hex) == expected.map(\.hex))
    }
}
