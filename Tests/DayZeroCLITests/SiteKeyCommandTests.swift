@testable import DayZeroCLI
import DayZeroPrivacy
import DayZeroTestSupport
import Foundation
import Testing

@Suite("site-key: writes NAME.key (0600) and NAME.pub that read back as one key pair")
struct SiteKeyCommandTests {
    @Test("parse + run in-process; files, modes, round trip, refusal to overwrite")
    func writesKeyPair() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("keys")
        let command = try #require(try DayZeroCommand.parseAsRoot(["site-key", "--site", "north", "--out", folder.path]) as? SiteKeyCommand)
        try command.run()
        let keyPath = folder.appendingPathComponent("north.key").path
        let publicPath = folder.appendingPathComponent("north.pub").path
        let keyMode = try #require(try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? NSNumber)
        #expect(keyMode.intValue == 0o600)
        let publicMode = try #require(try FileManager.default.attributesOfItem(atPath: publicPath)[.posixPermissions] as? NSNumber)
        #expect(publicMode.intValue == 0o644)
        let pair = try SiteKeyPair(privateKeyText: try String(contentsOfFile: keyPath, encoding: .utf8), file: keyPath)
        let publicKey = try SitePublicKey(text: try String(contentsOfFile: publicPath, encoding: .utf8), file: publicPath)
        #expect(pair.site == "north")
        #expect(pair.publicKey == publicKey)
        #expect(publicKey.fingerprint.split(separator: " ").count == 16)

        // A second run without --force is refused and leaves the key alone; with --force it replaces it.
        #expect(throws: (any Error).self) { try SiteKeyCommand.write(site: "north", folder: folder, force: false) }
        #expect(try SitePublicKey(text: try String(contentsOfFile: publicPath, encoding: .utf8), file: publicPath) == publicKey)
        let replaced = try SiteKeyCommand.write(site: "north", folder: folder, force: true)
        #expect(try SitePublicKey(text: try String(contentsOfFile: publicPath, encoding: .utf8), file: publicPath) != publicKey)
        #expect(replaced.privateKey.path == keyPath)
    }

    @Test("site names that cannot be file names are refused at parse time")
    func badNames() {
        for name in ["", "a/b", ".hidden", "two words", "zürich"] {
            #expect(throws: (any Error).self, "\(name)") {
                try DayZeroCommand.parseAsRoot(["site-key", "--site", name, "--out", "/tmp/never"])
            }
        }
    }

    @Test("--help lists the examples")
    func help() {
        let help = SiteKeyCommand.helpMessage()
        #expect(help.contains("dayzero site-key --site north --out keys/"))
        #expect(help.contains("0600"))
    }
}
