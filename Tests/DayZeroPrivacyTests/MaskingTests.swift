import DayZeroPrivacy
import Testing

/// A network of `count` sites with deterministic keys ("site-1" …).
func testNetwork(_ count: Int) throws -> [SiteKeyPair] {
    try (1...count).map { try testKey("site-\($0)", seed: UInt8($0)) }
}

func sessions(_ keys: [SiteKeyPair], studyTag: String = "protocol-sha256") throws -> [MaskingSession] {
    try keys.map { try MaskingSession(own: $0, network: keys.map(\.publicKey), studyTag: studyTag) }
}

/// A fixed pseudo-random sequence (SplitMix64) for values that are not exact fractions.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
}

@Suite("Masking: masks cancel in the network sum, hide a site's values, and catch a missing site or a wrong key")
struct MaskingTests {
    @Test("3 sites, exact fractions: the pooled sums are the exact sums")
    func threeSitesExact() throws {
        let network = try sessions(try testNetwork(3))
        let values: [[Double]] = [[1.5, -2.25, 1_000_000, 7, 0], [0.125, 2.25, 3, -7, 0], [-1.625, 0, 5e9, 1, 0]]
        let masked = try zip(network, values).map { try $0.mask($1, block: "lmm.size-3") }
        #expect(masked.allSatisfy { $0.count == 6 })  // 5 values + the control slot
        #expect(try SecureSum.unmask(masked) == [0, 0, 5_001_000_003, 1, 0])
        // Any order of the sites gives the same sums.
        #expect(try SecureSum.unmask(masked.reversed()) == [0, 0, 5_001_000_003, 1, 0])
    }

    @Test("8 sites: masks of zero vectors cancel exactly; no site's masked vector is zero")
    func eightSitesCancel() throws {
        let network = try sessions(try testNetwork(8))
        let masked = try network.map { try $0.mask([Double](repeating: 0, count: 100), block: "km.days") }
        #expect(try SecureSum.unmask(masked) == [Double](repeating: 0, count: 100))
        let zero = try MaskedValue(hex: String(repeating: "0", count: 32))
        for vector in masked { #expect(vector.filter { $0 == zero }.isEmpty) }
    }

    @Test("8 sites, random values: pooled sums within sites × 2^-49 (+ 2 ulp) of the sums of the Doubles")
    func eightSitesRandomValues() throws {
        let network = try sessions(try testNetwork(8))
        var random = SplitMix(state: 42)
        let values = (0..<8).map { _ in (0..<500).map { _ in (random.uniform() - 0.5) * 2e4 * random.uniform() } }
        let masked = try zip(network, values).map { try $0.mask($1, block: "geometric-means") }
        let pooled = try SecureSum.unmask(masked)
        #expect(pooled.count == 500)
        /// The sum of the sites' Doubles to within 1 ulp (Neumaier's compensated sum): a plain
        /// Double sum would itself be off by several ulps, more than the fixed point.
        func accurateSum(_ terms: [Double]) -> Double {
            var sum = 0.0
            var compensation = 0.0
            for term in terms {
                let next = sum + term
                compensation += abs(sum) >= abs(term) ? (sum - next) + term : (term - next) + sum
                sum = next
            }
            return sum + compensation
        }
        var largestError = 0.0
        for slot in 0..<500 {
            let exact = accurateSum(values.map { $0[slot] })
            let error = abs(pooled[slot] - exact)
            largestError = max(largestError, error)
            #expect(error <= 8 * 0x1p-49 + 2 * exact.ulp, "slot \(slot): \(pooled[slot]) vs \(exact)")
        }
        #expect(largestError > 0)  // the values are not all exact multiples: the bound is exercised
    }

    @Test("one site's masked words look uniform: byte chi-square (255 df) below 370, the plain encoding far above")
    func maskedWordsLookUniform() throws {
        let network = try sessions(try testNetwork(3))
        let masked = try network[1].mask([Double](repeating: 0, count: 4_095), block: "uniformity")
        func chiSquare(_ bytes: [UInt8]) -> Double {
            var counts = [Int](repeating: 0, count: 256)
            for byte in bytes { counts[Int(byte)] += 1 }
            let expected = Double(bytes.count) / 256
            return counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        }
        let bytes = masked.flatMap(\.bytes)
        #expect(bytes.count == 4_096 * 16)
        // 255 df: mean 255, sd 22.6; 370 is 5 sd above the mean.
        let statistic = chiSquare(bytes)
        #expect(statistic < 370, "chi-square \(statistic)")
        // Control: the unmasked words (zeros and the control's 1) fail the same test.
        let plain = [UInt8](repeating: 0, count: 4_095 * 16) + [UInt8](repeating: 0, count: 9) + [1] + [UInt8](repeating: 0, count: 6)
        #expect(chiSquare(plain) > 1e6)
    }

    @Test("a missing site, a site sent twice, a wrong key, another block or study: the control slot says so")
    func controlSlot() throws {
        let keys = try testNetwork(4)
        let network = try sessions(keys)
        let values = [1.0, 2, 3]
        let masked = try network.map { try $0.mask(values, block: "fisher") }
        #expect(try SecureSum.unmask(masked) == [4, 8, 12])

        func expectControlMismatch(_ vectors: [[MaskedValue]], _ label: String) {
            do {
                let sums = try SecureSum.unmask(vectors)
                Issue.record("\(label): accepted, sums \(sums)")
            } catch {
                guard case .controlMismatch(let expected, _) = error else {
                    Issue.record("\(label): \(error)")
                    return
                }
                #expect(expected == vectors.count, "\(label)")
                #expect(error.description.contains("a site is missing"), "\(label)")
            }
        }
        expectControlMismatch(Array(masked.dropLast()), "missing site")
        expectControlMismatch(masked + [masked[0]], "site sent twice")
        expectControlMismatch(Array(masked.dropFirst()) + [masked[1]], "one site replaced by a copy of another")
        // Site 4 believes site 2's public key is an impostor's.
        let impostor = try testKey("site-2", seed: 99).publicKey
        let wrongNetwork = keys.map(\.publicKey).map { $0.site == "site-2" ? impostor : $0 }
        let wrong = try MaskingSession(own: keys[3], network: wrongNetwork, studyTag: "protocol-sha256")
        expectControlMismatch(Array(masked.dropLast()) + [try wrong.mask(values, block: "fisher")], "wrong key")
        expectControlMismatch(Array(masked.dropLast()) + [try network[3].mask(values, block: "fisher2")], "other block")
        let otherStudy = try MaskingSession(own: keys[3], network: keys.map(\.publicKey), studyTag: "another-protocol")
        expectControlMismatch(Array(masked.dropLast()) + [try otherStudy.mask(values, block: "fisher")], "other study")
    }

    @Test("deterministic: same keys, study and block give the same words; keys read back from text too")
    func determinism() throws {
        let keys = try testNetwork(3)
        let first = try sessions(keys)[0].mask([1, 2.5, -3], block: "b")
        let again = try sessions(keys)[0].mask([1, 2.5, -3], block: "b")
        #expect(first == again)
        let reread = try SiteKeyPair(privateKeyText: keys[0].privateKeyText(), file: "k")
        let fromText = try MaskingSession(own: reread, network: keys.map(\.publicKey), studyTag: "protocol-sha256")
        #expect(try fromText.mask([1, 2.5, -3], block: "b") == first)
        #expect(try sessions(keys)[0].mask([1, 2.5, -3], block: "c") != first)
        // The own key may be left out of the network list.
        let withoutOwn = try MaskingSession(own: keys[0], network: Array(keys.dropFirst()).map(\.publicKey), studyTag: "protocol-sha256")
        #expect(try withoutOwn.mask([1, 2.5, -3], block: "b") == first)
        #expect(withoutOwn.networkSize == 3)
    }

    @Test("masked words are 32 hexadecimal digits in JSON")
    func json() throws {
        let masked = try sessions(try testNetwork(3))[0].mask([1], block: "b")
        let hex = masked.map(\.hex)
        #expect(hex.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
        #expect(try hex.map { try MaskedValue(hex: $0) } == masked)
    }

    @Test("refused: duplicate site, own key mismatch, one site, empty block, out-of-range values, bad vectors")
    func refusals() throws {
        let keys = try testNetwork(3)
        let publicKeys = keys.map(\.publicKey)
        #expect(throws: PrivacyError.duplicateSite("site-2")) {
            try MaskingSession(own: keys[0], network: publicKeys + [publicKeys[1]], studyTag: "t")
        }
        #expect(throws: PrivacyError.ownKeyMismatch(site: "site-1")) {
            try MaskingSession(own: keys[0], network: [try testKey("site-1", seed: 50).publicKey] + publicKeys.dropFirst(), studyTag: "t")
        }
        #expect(throws: PrivacyError.self) { try MaskingSession(own: keys[0], network: [publicKeys[0]], studyTag: "t") }
        let lowOrder = try SitePublicKey(text: "dayzero-site-public-key 1 site=evil\n\(String(repeating: "A", count: 43))=\n", file: "evil.pub")
        #expect(throws: PrivacyError.keyAgreementFailed(site: "site-1", other: "evil")) {
            try MaskingSession(own: keys[0], network: publicKeys + [lowOrder], studyTag: "t")
        }
        let session = try sessions(keys)[0]
        #expect(throws: PrivacyError.emptyBlockName) { try session.mask([1], block: "") }
        for (value, rule) in [(Double.nan, "is not finite"), (0x1p64, "|v| < 2^64"), (-.infinity, "is not finite")] {
            do {
                _ = try session.mask([0, value], block: "km")
                Issue.record("accepted \(value)")
            } catch {
                guard case .valueOutOfRange(let block, let index, _, let message) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(block == "km" && index == 1 && message.contains(rule), "\(error)")
            }
        }
        #expect(throws: PrivacyError.noSites) { try SecureSum.unmask([]) }
        let a = try session.mask([1, 2], block: "x")
        let b = try sessions(keys)[1].mask([1], block: "x")
        #expect(throws: PrivacyError.lengthMismatch(site: 1, expected: 3, found: 2)) { try SecureSum.unmask([a, b]) }
    }
}
