import Crypto
import Foundation

/// One 128-bit word of a masked vector: a fixed-point value plus the site's mask, mod 2¹²⁸.
///
/// In JSON it is a string of 32 lowercase hexadecimal digits, most significant first.
public struct MaskedValue: Codable, Sendable, Hashable, CustomStringConvertible {
    package let word: Word128

    package init(_ word: Word128) { self.word = word }

    /// Parses 32 hexadecimal digits.
    public init(hex: String) throws(PrivacyError) {
        guard let word = Word128(hex: hex) else { throw .invalidMaskedWord(hex) }
        self.word = word
    }

    /// 32 lowercase hexadecimal digits.
    public var hex: String { word.hex }

    public var description: String { hex }

    /// The word's 16 bytes, big-endian (for statistical checks of the masks).
    public var bytes: [UInt8] {
        (0..<16).map { index in
            let limb = index < 8 ? word.high : word.low
            return UInt8(truncatingIfNeeded: limb >> UInt64(56 - 8 * (index % 8)))
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let word = Word128(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: PrivacyError.invalidMaskedWord(text).description)
        }
        self.word = word
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(word.hex)
    }
}

extension MaskedValue {
    /// A masked vector as one text: the words' 16 bytes each, big-endian, concatenated and
    /// base64-encoded (RFC 4648, with padding). 21⅓ characters per word against 35 for a JSON
    /// list of 32-digit hex strings; the words are uniformly random, so nothing shorter exists.
    public static func packed(_ words: [MaskedValue]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 * words.count)
        for w in words {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: w.word.high >> UInt64(shift))) }
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: w.word.low >> UInt64(shift))) }
        }
        return Data(bytes).base64EncodedString()
    }

    /// The words of a `packed` text.
    /// - Throws: `PrivacyError.invalidMaskedVector` when the text is not base64 of whole 16-byte words.
    public static func unpacked(_ text: String) throws(PrivacyError) -> [MaskedValue] {
        guard let data = Data(base64Encoded: text) else { throw .invalidMaskedVector("not base64 text") }
        guard data.count % 16 == 0 else { throw .invalidMaskedVector("\(data.count) bytes is not a whole number of 16-byte words") }
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count, by: 16).map { MaskedValue(Word128(bigEndian: bytes, offset: $0)) }
    }
}

/// Pairwise additive masking of one site's vectors (Bonawitz et al. 2017, without dropout
/// recovery): the masks of all sites of the network cancel in the sum, so the coordinator
/// learns the network total of each slot and nothing else.
///
/// For every other site j, the pair key is HKDF-SHA256 (RFC 5869) of the X25519 shared secret
/// (RFC 7748), salt = the study tag (the protocol's SHA-256), info = "dayzero-mask 1" with the
/// two site names in byte order and the block name (each length-prefixed). Word t of the pair's
/// keystream is half of HMAC-SHA256(pair key, ⌊t/2⌋ as 8 bytes big-endian). Site i's mask is
/// Σ_{j > i} stream_ij − Σ_{j < i} stream_ij (mod 2¹²⁸, sites ordered by the UTF-8 bytes of
/// their names), so every pair's stream enters the network sum once with + and once with −.
///
/// Each masked vector carries one more word than it has values: the control slot, in which
/// every site puts 1. ``SecureSum/unmask(_:)`` checks that the pooled control equals the
/// number of vectors, which catches a missing or doubled site, a key outside the network, and
/// vectors masked for different blocks or studies.
///
/// A block name must be used once per study tag: masking two different vectors under the same
/// block name reuses the masks, and their difference is then readable. After a site drops out,
/// the others mask again under new block names (a new round): pair keys do not depend on the
/// network list, so re-masking under the old names would reveal the masks shared with the
/// missing site.
public struct MaskingSession: Sendable {
    /// The own site's name.
    public let site: String
    /// The study tag (salt of every pair key).
    public let studyTag: String
    /// The number of sites in the network, the own site included.
    public let networkSize: Int
    /// Per other site: its name, the sign of its stream in the own mask, the shared secret.
    private let pairs: [Pair]

    private struct Pair: Sendable {
        var other: String
        /// +1 when the other site sorts after the own site, else −1.
        var adds: Bool
        var secret: [UInt8]
        var info: [UInt8]
    }

    /// The context string at the start of every pair key's HKDF info.
    public static let context = "dayzero-mask 1"

    /// - Parameters:
    ///   - own: this site's key pair.
    ///   - network: the public keys of the network's sites; the own site may be listed (then its
    ///     key must be the own public key) or left out.
    ///   - studyTag: the protocol's SHA-256 (hex), so masks of different studies never coincide.
    /// - Throws: an invalid or duplicate site name, the own site listed with another key, fewer
    ///   than 2 or more than ``FixedPoint/maximumSites`` sites, a public key X25519 rejects.
    public init(own: SiteKeyPair, network: [SitePublicKey], studyTag: String) throws(PrivacyError) {
        try SiteName.validate(own.site)
        var seen: Set<String> = [own.site]
        var others: [SitePublicKey] = []
        for key in network {
            try SiteName.validate(key.site)
            if key.site == own.site {
                guard key == own.publicKey else { throw .ownKeyMismatch(site: own.site) }
                continue
            }
            guard seen.insert(key.site).inserted else { throw .duplicateSite(key.site) }
            others.append(key)
        }
        if network.filter({ $0.site == own.site }).count > 1 { throw .duplicateSite(own.site) }
        let size = others.count + 1
        guard size >= 2 else {
            throw .networkSize(count: size, rule: "masking needs at least 2 sites (3 to protect a site from the others)")
        }
        guard size <= FixedPoint.maximumSites else {
            throw .networkSize(count: size, rule: "at most \(FixedPoint.maximumSites) sites fit the fixed-point range")
        }
        let ownBytes = Array(own.site.utf8)
        var pairs: [Pair] = []
        for other in others.sorted(by: { Array($0.site.utf8).lexicographicallyPrecedes(Array($1.site.utf8)) }) {
            let secret = try own.sharedSecret(with: other)
            let otherBytes = Array(other.site.utf8)
            let adds = ownBytes.lexicographicallyPrecedes(otherBytes)
            let (first, second) = adds ? (ownBytes, otherBytes) : (otherBytes, ownBytes)
            var info = Self.lengthPrefixed(Array(Self.context.utf8))
            info += Self.lengthPrefixed(first)
            info += Self.lengthPrefixed(second)
            pairs.append(Pair(other: other.site, adds: adds, secret: secret, info: info))
        }
        self.site = own.site
        self.studyTag = studyTag
        self.networkSize = size
        self.pairs = pairs
    }

    /// The masked vector of `values` for `block`: values.count + 1 words, the last the control
    /// slot. Deterministic: the same keys, study tag, block and values give the same words.
    /// - Complexity: O(values.count × sites) HMAC-SHA256 evaluations (one per two words per pair).
    public func mask(_ values: [Double], block: String) throws(PrivacyError) -> [MaskedValue] {
        guard !block.isEmpty else { throw .emptyBlockName }
        var words: [Word128] = []
        words.reserveCapacity(values.count + 1)
        for (index, value) in values.enumerated() {
            guard value.isFinite else {
                throw .valueOutOfRange(block: block, index: index, value: value, rule: "is not finite")
            }
            guard let word = FixedPoint.encode(value) else {
                throw .valueOutOfRange(block: block, index: index, value: value, rule: "is outside the fixed-point range |v| < 2^64")
            }
            words.append(word)
        }
        words.append(FixedPoint.encode(1) ?? .zero)
        let blockInfo = Self.lengthPrefixed(Array(block.utf8))
        for pair in pairs {
            let stream = Keystream(secret: pair.secret, salt: Array(studyTag.utf8), info: pair.info + blockInfo)
            for start in stride(from: 0, to: words.count, by: 2) {
                let (first, second) = stream.words(start / 2)
                for (index, piece) in [(start, first), (start + 1, second)] where index < words.count {
                    words[index] = pair.adds ? words[index] &+ piece : words[index] &- piece
                }
            }
        }
        return words.map(MaskedValue.init)
    }

    private static func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] {
        let count = UInt32(truncatingIfNeeded: bytes.count)
        return [UInt8(count >> 24), UInt8(truncatingIfNeeded: count >> 16), UInt8(truncatingIfNeeded: count >> 8), UInt8(truncatingIfNeeded: count)] + bytes
    }
}

/// The keystream of one pair and block: HKDF-SHA256 → HMAC-SHA256 in counter mode.
struct Keystream {
    let key: SymmetricKey

    init(secret: [UInt8], salt: [UInt8], info: [UInt8]) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret), salt: salt, info: info, outputByteCount: 32)
    }

    /// Words 2c and 2c + 1: the two halves of HMAC(key, c as 8 bytes big-endian).
    func words(_ counter: Int) -> (Word128, Word128) {
        let value = UInt64(counter)
        let message = (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) }
        let code = Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        return (Word128(bigEndian: code, offset: 0), Word128(bigEndian: code, offset: 16))
    }
}

/// The coordinator's side: adds the sites' masked vectors and decodes the network totals.
public enum SecureSum {
    /// The network total of each slot (the control slot checked and dropped).
    ///
    /// - Parameter sites: one masked vector per site, in any order.
    /// - Throws: no vectors; vectors of different lengths; a pooled control slot that is not
    ///   the number of vectors (a site missing or doubled, a wrong key, a different block or
    ///   study); a pooled slot outside the fixed-point range.
    /// - Complexity: O(sites × slots).
    public static func unmask(_ sites: [[MaskedValue]]) throws(PrivacyError) -> [Double] {
        guard let first = sites.first else { throw .noSites }
        guard !first.isEmpty else { throw .lengthMismatch(site: 0, expected: 1, found: 0) }
        for (index, vector) in sites.enumerated() where vector.count != first.count {
            throw .lengthMismatch(site: index, expected: first.count, found: vector.count)
        }
        var sums = [Word128](repeating: .zero, count: first.count)
        for vector in sites {
            for (index, value) in vector.enumerated() { sums[index] = sums[index] &+ value.word }
        }
        let control = sums[sums.count - 1]
        let expected = FixedPoint.encode(Double(sites.count))
        guard sites.count <= FixedPoint.maximumSites, control == expected else {
            let readable = FixedPoint.magnitudeBitLength(control) <= 64 + FixedPoint.fractionBits
            throw .controlMismatch(
                expectedSites: sites.count,
                found: readable ? "\(FixedPoint.decode(control))" : "a random-looking word (\(control.hex))")
        }
        let limit = FixedPoint.fractionBits + 64 + 14
        var totals: [Double] = []
        totals.reserveCapacity(sums.count - 1)
        for (index, sum) in sums.dropLast().enumerated() {
            guard FixedPoint.magnitudeBitLength(sum) <= limit else { throw .sumOutOfRange(index: index) }
            totals.append(FixedPoint.decode(sum))
        }
        return totals
    }
}
