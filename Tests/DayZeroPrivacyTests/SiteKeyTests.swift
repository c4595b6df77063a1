import DayZeroPrivacy
import Foundation
import Testing

/// Deterministic key pairs for tests: the raw private key is 32 copies of `seed`.
func testKey(_ site: String, seed: UInt8) throws -> SiteKeyPair {
    try SiteKeyPair(site: site, rawPrivateKey: [UInt8](repeating: seed, count: 32))
}

@Suite("Site keys: text formats round-trip; malformed files name file, line and rule")
struct SiteKeyTests {
    @Test("private and public key texts round-trip")
    func roundTrip() throws {
        let pair = SiteKeyPair.generate(site: "north")
        let text = pair.privateKeyText()
        #expect(text.hasPrefix("dayzero-site-key 1 site=north\n"))
        #expect(text.split(separator: "\n").count == 2)
        let read = try SiteKeyPair(privateKeyText: text, file: "north.key")
        #expect(read.site == "north")
        #expect(read.publicKey == pair.publicKey)
        #expect(read.privateKeyText() == text)
        let publicText = pair.publicKey.text()
        #expect(publicText.hasPrefix("dayzero-site-public-key 1 site=north\n"))
        #expect(try SitePublicKey(text: publicText, file: "north.pub") == pair.publicKey)
        // Windows line ends and no final newline are accepted.
        #expect(try SitePublicKey(text: publicText.replacingOccurrences(of: "\n", with: "\r\n"), file: "x") == pair.publicKey)
        #expect(try SitePublicKey(text: String(publicText.dropLast()), file: "x") == pair.publicKey)
    }

    @Test("two fresh keys differ; a raw key gives the same pair every time")
    func generation() throws {
        #expect(SiteKeyPair.generate(site: "a").publicKey != SiteKeyPair.generate(site: "a").publicKey)
        #expect(try testKey("a", seed: 7).publicKey == testKey("a", seed: 7).publicKey)
        #expect(try testKey("a", seed: 7).publicKey != testKey("b", seed: 7).publicKey)  // the site is part of the key's identity
    }

    @Test("site names with spaces, '=', '%' and non-ASCII round-trip percent-encoded")
    func awkwardNames() throws {
        for name in ["Hospital A", "a=b", "100%", "Sint-Jans Ziekenhuis ’s-Hertogenbosch"] {
            let pair = try testKey(name, seed: 3)
            let header = pair.privateKeyText().split(separator: "\n")[0]
            #expect(header.split(separator: " ").count == 3, "\(header)")
            #expect(try SiteKeyPair(privateKeyText: pair.privateKeyText(), file: "k").site == name)
            #expect(try SitePublicKey(text: pair.publicKey.text(), file: "p").site == name)
        }
    }

    @Test("JSON form: {site, x25519 base64}")
    func codable() throws {
        let key = try testKey("south", seed: 9).publicKey
        let data = try JSONEncoder().encode(key)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
        #expect(object["site"] == "south")
        #expect(object["x25519"] == key.base64)
        #expect(try JSONDecoder().decode(SitePublicKey.self, from: data) == key)
        let bad = Data(#"{"site":"south","x25519":"AAAA"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SitePublicKey.self, from: bad) }
    }

    @Test("malformed key files: the error names the file, the line and the rule")
    func malformed() throws {
        let pair = try testKey("north", seed: 1)
        let key = pair.privateKeyText().split(separator: "\n")[1]
        let cases: [(String, Int, String)] = [
            ("", 1, "empty"),
            ("dayzero-site-public-key 1 site=north\n\(key)\n", 1, "this is a 'dayzero-site-public-key' file"),
            ("dayzero-site-key 2 site=north\n\(key)\n", 1, "format version 2 is not supported"),
            ("dayzero-site-key 1 north\n\(key)\n", 1, "site=<name>"),
            ("dayzero-site-key 1 site=\n\(key)\n", 1, "must not be empty"),
            ("dayzero-site-key 1 site=north\n", 2, "missing the base64 key line"),
            ("dayzero-site-key 1 site=north\n***\n", 2, "not base64"),
            ("dayzero-site-key 1 site=north\nAAAA\n", 2, "32 bytes, the key line holds 3"),
            ("dayzero-site-key 1 site=north\n\(key)\nextra\n", 3, "unexpected text"),
        ]
        #expect(cases.count == 9)
        for (text, line, rule) in cases {
            do {
                _ = try SiteKeyPair(privateKeyText: text, file: "keys/north.key")
                Issue.record("accepted: \(text)")
            } catch {
                guard case .invalidKeyText(let file, let errorLine, let message) = error else {
                    Issue.record("unexpected error \(error)")
                    continue
                }
                #expect(file == "keys/north.key")
                #expect(errorLine == line, "\(error)")
                #expect(message.contains(rule), "\(error)")
                #expect(error.description.hasPrefix("keys/north.key:\(line): "))
            }
        }
    }
}
