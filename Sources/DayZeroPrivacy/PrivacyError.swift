/// Why a key file, a masking step, a secure sum or a disclosure scan failed.
///
/// Every case whose cause is input (a key file, a summary file, a site's vector) names that
/// input — the file and line, the block and slot, or the site — and the rule it broke.
public enum PrivacyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key file (or key text) breaks the format of `docs/multi-site-secure-aggregation.md`.
    case invalidKeyText(file: String, line: Int, rule: String)
    /// A site name is empty, too long or contains a control character.
    case invalidSiteName(name: String, rule: String)
    /// The network names a site twice.
    case duplicateSite(String)
    /// The network lists the own site with a public key that is not the own key's.
    case ownKeyMismatch(site: String)
    /// Too few or too many sites for the protocol.
    case networkSize(count: Int, rule: String)
    /// X25519 with another site's public key failed (a low-order or malformed key).
    case keyAgreementFailed(site: String, other: String)
    /// The block name is empty.
    case emptyBlockName
    /// A value cannot be encoded in the fixed-point format (not finite, or too large).
    case valueOutOfRange(block: String, index: Int, value: Double, rule: String)
    /// ``SecureSum/unmask(_:)`` was given no vectors.
    case noSites
    /// The sites' masked vectors do not have the same length.
    case lengthMismatch(site: Int, expected: Int, found: Int)
    /// The pooled control slot is not the number of vectors: a site is missing, was sent twice,
    /// used a key outside the network, or masked a different block or study.
    case controlMismatch(expectedSites: Int, found: String)
    /// A pooled slot does not fit the fixed-point range (the sum overflowed).
    case sumOutOfRange(index: Int)
    /// A masked word's text is not 32 hexadecimal digits.
    case invalidMaskedWord(String)
    /// A packed masked vector is not base64 of whole 16-byte words.
    case invalidMaskedVector(String)
    /// The text given to ``DisclosureScan`` is not valid JSON.
    case invalidJSON(file: String, line: Int, column: Int, rule: String)
    /// A study date or a cell path pattern given to ``DisclosureScan`` is malformed.
    case invalidScanSetting(String)

    public var description: String {
        switch self {
        case .invalidKeyText(let file, let line, let rule):
            "\(file):\(line): \(rule)"
        case .invalidSiteName(let name, let rule):
            "site name \"\(name)\": \(rule)"
        case .duplicateSite(let name):
            "the network names site \"\(name)\" more than once"
        case .ownKeyMismatch(let site):
            "the network's public key for \"\(site)\" is not this site's key (wrong key file or wrong site name)"
        case .networkSize(let count, let rule):
            "a network of \(count) site\(count == 1 ? "" : "s"): \(rule)"
        case .keyAgreementFailed(let site, let other):
            "X25519 key agreement between \"\(site)\" and \"\(other)\" failed (the public key of \"\(other)\" is not a valid X25519 key)"
        case .emptyBlockName:
            "a masked block needs a non-empty name"
        case .valueOutOfRange(let block, let index, let value, let rule):
            "block \"\(block)\", slot \(index): value \(value) \(rule)"
        case .noSites:
            "nothing to unmask: no site vectors were given"
        case .lengthMismatch(let site, let expected, let found):
            "site vector \(site + 1) has \(found) words, the first has \(expected): the sites masked different layouts"
        case .controlMismatch(let expected, let found):
            "the pooled control slot is \(found), not \(expected) (one per vector): a site is missing or was sent twice, "
                + "a site used a key outside the network, or the sites masked different blocks or studies"
        case .sumOutOfRange(let index):
            "pooled slot \(index) is outside the fixed-point range (the network sum overflowed)"
        case .invalidMaskedWord(let text):
            "masked word \"\(text)\": expected 32 hexadecimal digits"
        case .invalidMaskedVector(let rule):
            "masked vector: \(rule)"
        case .invalidJSON(let file, let line, let column, let rule):
            "\(file):\(line):\(column): \(rule)"
        case .invalidScanSetting(let message):
            message
        }
    }
}
