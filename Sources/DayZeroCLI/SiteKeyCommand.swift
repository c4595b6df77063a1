import ArgumentParser
import DayZeroPrivacy
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dayzero site-key --site NAME --out DIR`: a site's X25519 key pair for masked summaries.
public struct SiteKeyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "site-key",
        abstract: "Create a site's key pair for masked (secure-aggregation) site summaries.",
        discussion: """
            Writes DIR/NAME.key (the private key, file mode 0600: it never leaves the site) and \
            DIR/NAME.pub (the public key: send it to the coordinator, who hands every site the \
            network's public keys). Each site masks its summary with pairwise masks derived from its \
            private key and the other sites' public keys; the masks cancel only in the sum over all \
            sites, so the coordinator reads network totals and no site's own numbers. The printed \
            fingerprint lets the sites check out of band that the coordinator passed on the right keys. \
            Protocol, guarantees and limits: docs/multi-site-secure-aggregation.md.

            NAME is the site's name in the network: letters, digits, '.', '_' and '-', not starting \
            with '.'. Existing key files are not replaced unless --force is given.

            Examples:
              dayzero site-key --site north --out keys/
              dayzero site-key --site umc-utrecht --out /secure/keys --force  # a new pair
            """
    )

    @Option(name: .long, help: "The site's name in the network (letters, digits, '.', '_', '-').")
    public var site: String

    @Option(name: .long, help: "The folder to write NAME.key and NAME.pub into (created if needed).")
    public var out: String

    @Flag(name: .long, help: "Replace existing NAME.key and NAME.pub.")
    public var force = false

    public init() {}

    public func validate() throws {
        try Self.validateFileSafe(site)
    }

    public func run() throws {
        let written = try Self.write(site: site, folder: URL(fileURLWithPath: out), force: force)
        print("wrote \(written.privateKey.path) (private: keep it at the site, mode 0600)")
        print("wrote \(written.publicKey.path) (public: send it to the coordinator)")
        print("public key fingerprint of \(site): \(written.fingerprint)")
    }

    /// Site names usable as file names.
    static func validateFileSafe(_ site: String) throws {
        do {
            try SiteName.validate(site)
        } catch {
            throw ValidationError("--site: \(error.description)")
        }
        let allowed = site.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
        }
        guard allowed, !site.hasPrefix(".") else {
            throw ValidationError("--site \(site): use letters, digits, '.', '_' and '-' only, not starting with '.' (it names the key files).")
        }
    }

    /// What ``write(site:folder:force:)`` wrote.
    public struct Written: Sendable, Equatable {
        public var privateKey: URL
        public var publicKey: URL
        /// SHA-256 of the raw public key, hex in groups of four.
        public var fingerprint: String
    }

    /// Creates the key pair and writes both files; the private key file is created with mode
    /// 0600 (never readable by others, not even briefly).
    public static func write(site: String, folder: URL, force: Bool) throws -> Written {
        try validateFileSafe(site)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let keyURL = folder.appendingPathComponent("\(site).key")
        let publicURL = folder.appendingPathComponent("\(site).pub")
        for url in [keyURL, publicURL] where FileManager.default.fileExists(atPath: url.path) {
            guard force else { throw ValidationError("\(url.path) exists; pass --force to replace the key pair.") }
            try FileManager.default.removeItem(at: url)
        }
        let pair = SiteKeyPair.generate(site: site)
        try writeExclusively(pair.privateKeyText(), to: keyURL, mode: 0o600)
        try writeExclusively(pair.publicKey.text(), to: publicURL, mode: 0o644)
        return Written(privateKey: keyURL, publicKey: publicURL, fingerprint: pair.publicKey.fingerprint)
    }

    private static func writeExclusively(_ text: String, to url: URL, mode: mode_t) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard descriptor >= 0 else {
            throw ValidationError("cannot create \(url.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        // The umask may have cleared bits of `mode`; set exactly what is asked.
        _ = fchmod(descriptor, mode)
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { posixWrite(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw ValidationError("cannot write \(url.path): \(String(cString: strerror(errno)))")
        }
    }
}

/// write(2), outside ``SiteKeyCommand`` whose `write` method would shadow it.
private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
