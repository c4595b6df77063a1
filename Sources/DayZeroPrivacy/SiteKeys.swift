import Crypto
import Foundation

/// A site's X25519 key pair (RFC 7748), the long-term key it masks its summaries with.
///
/// Text format (a `.key` file, to be kept private, mode 0600):
///
///     dayzero-site-key 1 site=<name>
///     <base64 of the 32-byte X25519 private key>
///
/// The site name is written percent-encoded where it contains a space, `%`, `=` or a character
/// outside printable ASCII, so any name round-trips. A trailing newline is optional.
public struct SiteKeyPair: Sendable {
    /// The site's name, as the network knows it.
    public let site: String
    /// The raw 32-byte X25519 private key.
    let privateKeyBytes: [UInt8]
    /// The matching public key.
    public let publicKey: SitePublicKey

    /// The header word of the private key format.
    public static let formatName = "dayzero-site-key"
    /// The version of the text formats.
    public static let formatVersion = 1

    /// A fresh key pair from the system's secure random source.
    public static func generate(site: String) -> SiteKeyPair {
        let key = Curve25519.KeyAgreement.PrivateKey()
        return SiteKeyPair(site: site, key: key)
    }

    /// A key pair from a raw 32-byte X25519 private key (deterministic tests, key import).
    public init(site: String, rawPrivateKey: [UInt8]) throws(PrivacyError) {
        let key: Curve25519.KeyAgreement.PrivateKey
        do {
            key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: rawPrivateKey)
        } catch {
            throw .invalidKeyText(file: "<raw key>", line: 1, rule: "an X25519 private key is 32 bytes, got \(rawPrivateKey.count)")
        }
        self.init(site: site, key: key)
    }

    /// Reads the private key format; `file` names the source in errors.
    public init(privateKeyText text: String, file: String) throws(PrivacyError) {
        let (site, bytes) = try KeyText.parse(text, file: file, formatName: Self.formatName)
        let key: Curve25519.KeyAgreement.PrivateKey
        do {
            key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: bytes)
        } catch {
            throw .invalidKeyText(file: file, line: 2, rule: "not an X25519 private key")
        }
        self.init(site: site, key: key)
    }

    private init(site: String, key: Curve25519.KeyAgreement.PrivateKey) {
        self.site = site
        self.privateKeyBytes = Array(key.rawRepresentation)
        self.publicKey = SitePublicKey(site: site, keyBytes: Array(key.publicKey.rawRepresentation))
    }

    /// The private key format (ends with a newline).
    public func privateKeyText() -> String {
        KeyText.render(formatName: Self.formatName, site: site, bytes: privateKeyBytes)
    }

    /// The X25519 shared secret with `other` (32 bytes).
    ///
    /// An all-zero secret (a low-order public key, which would make the pair's masks
    /// predictable to whoever chose it) is refused, as RFC 7748 §6.1 allows; swift-crypto does
    /// not check it itself.
    func sharedSecret(with other: SitePublicKey) throws(PrivacyError) -> [UInt8] {
        let bytes: [UInt8]
        do {
            let own = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateKeyBytes)
            let theirs = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: other.keyBytes)
            bytes = try own.sharedSecretFromKeyAgreement(with: theirs).withUnsafeBytes { Array($0) }
        } catch {
            throw .keyAgreementFailed(site: site, other: other.site)
        }
        guard bytes.contains(where: { $0 != 0 }) else { throw .keyAgreementFailed(site: site, other: other.site) }
        return bytes
    }
}

/// A site's public X25519 key, as the coordinator hands it to every site of the network.
///
/// Text format (a `.pub` file):
///
///     dayzero-site-public-key 1 site=<name>
///     <base64 of the 32-byte X25519 public key>
///
/// In JSON (`Codable`): `{"site": "<name>", "x25519": "<base64>"}`.
public struct SitePublicKey: Sendable, Hashable, Codable {
    /// The site's name.
    public let site: String
    /// The raw 32-byte X25519 public key.
    let keyBytes: [UInt8]

    /// The header word of the public key format.
    public static let formatName = "dayzero-site-public-key"

    init(site: String, keyBytes: [UInt8]) {
        self.site = site
        self.keyBytes = keyBytes
    }

    /// Reads the public key format; `file` names the source in errors.
    public init(text: String, file: String) throws(PrivacyError) {
        let (site, bytes) = try KeyText.parse(text, file: file, formatName: Self.formatName)
        do {
            _ = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: bytes)
        } catch {
            throw .invalidKeyText(file: file, line: 2, rule: "not an X25519 public key")
        }
        self.init(site: site, keyBytes: bytes)
    }

    /// The public key format (ends with a newline).
    public func text() -> String {
        KeyText.render(formatName: Self.formatName, site: site, bytes: keyBytes)
    }

    /// SHA-256 of the raw public key as 16 groups of 4 hex digits, for checking out of band
    /// (by phone, on paper) that a site's key is the one the coordinator passed on.
    public var fingerprint: String {
        let hex = SHA256.hash(data: keyBytes).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
        var groups: [Substring] = []
        var rest = Substring(hex)
        while !rest.isEmpty {
            groups.append(rest.prefix(4))
            rest = rest.dropFirst(4)
        }
        return groups.joined(separator: " ")
    }

    /// The key as base64 (44 characters).
    public var base64: String { Data(keyBytes).base64EncodedString() }

    private enum CodingKeys: String, CodingKey {
        case site
        case x25519
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let site = try container.decode(String.self, forKey: .site)
        let text = try container.decode(String.self, forKey: .x25519)
        guard let data = Data(base64Encoded: text), data.count == 32 else {
            throw DecodingError.dataCorruptedError(
                forKey: .x25519, in: container, debugDescription: "site \"\(site)\": x25519 must be the base64 of 32 bytes")
        }
        self.init(site: site, keyBytes: Array(data))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(site, forKey: .site)
        try container.encode(base64, forKey: .x25519)
    }
}

/// Site names: the rule every key and network checks.
public enum SiteName {
    /// The longest accepted name, in UTF-8 bytes.
    public static let maximumLength = 200

    /// Throws unless `name` is 1 … 200 UTF-8 bytes without control characters.
    public static func validate(_ name: String) throws(PrivacyError) {
        guard !name.isEmpty else { throw .invalidSiteName(name: name, rule: "must not be empty") }
        guard name.utf8.count <= maximumLength else {
            throw .invalidSiteName(name: name, rule: "longer than \(maximumLength) bytes")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidSiteName(name: name, rule: "contains a control character")
        }
    }
}

/// The two key text formats: a header line and a base64 line.
enum KeyText {
    static func render(formatName: String, site: String, bytes: [UInt8]) -> String {
        "\(formatName) \(SiteKeyPair.formatVersion) site=\(percentEncode(site))\n\(Data(bytes).base64EncodedString())\n"
    }

    static func parse(_ text: String, file: String, formatName: String) throws(PrivacyError) -> (site: String, bytes: [UInt8]) {
        // Line ends: \n, \r\n (one Character in Swift) or \r.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard let header = lines.first else {
            throw .invalidKeyText(file: file, line: 1, rule: "empty; expected the header line '\(formatName) 1 site=<name>'")
        }
        let words = header.split(separator: " ", omittingEmptySubsequences: false)
        guard words.count == 3, words[0] == formatName else {
            let other = formatName == SiteKeyPair.formatName ? SitePublicKey.formatName : SiteKeyPair.formatName
            let hint = words.first.map { $0 == other } == true ? " (this is a '\(other)' file)" : ""
            throw .invalidKeyText(file: file, line: 1, rule: "expected the header line '\(formatName) 1 site=<name>'\(hint)")
        }
        guard words[1] == "\(SiteKeyPair.formatVersion)" else {
            throw .invalidKeyText(file: file, line: 1, rule: "format version \(words[1]) is not supported (this DayZero reads version 1)")
        }
        guard words[2].hasPrefix("site="), let site = percentDecode(String(words[2].dropFirst(5))) else {
            throw .invalidKeyText(file: file, line: 1, rule: "expected site=<name> (percent-encoded) as the third word")
        }
        do {
            try SiteName.validate(site)
        } catch {
            throw .invalidKeyText(file: file, line: 1, rule: error.description)
        }
        guard lines.count >= 2 else {
            throw .invalidKeyText(file: file, line: 2, rule: "missing the base64 key line")
        }
        guard lines.count == 2 else {
            throw .invalidKeyText(file: file, line: 3, rule: "unexpected text after the key line")
        }
        guard let data = Data(base64Encoded: String(lines[1])) else {
            throw .invalidKeyText(file: file, line: 2, rule: "the key line is not base64")
        }
        guard data.count == 32 else {
            throw .invalidKeyText(file: file, line: 2, rule: "an X25519 key is 32 bytes, the key line holds \(data.count)")
        }
        return (site, Array(data))
    }

    /// Percent-encodes bytes outside printable ASCII, and space, `%` and `=`.
    static func percentEncode(_ name: String) -> String {
        var out = ""
        for byte in name.utf8 {
            if byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "%") && byte != UInt8(ascii: "=") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    static func percentDecode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(bytes: bytes, encoding: .utf8)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
