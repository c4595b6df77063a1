import Foundation
import Testing

/// The browser test's PNG reader must itself be right, or "not blank" means nothing.
@Suite("PNG inspector")
struct PNGInspectorTests {
    /// zlib.compress(bytes(((i*i + i//7) % 61) + 48 for i in range(3000)), 9) in Python 3:
    /// a dynamic-Huffman block (BTYPE = 2).
    static let dynamicStream: [UInt8] = hexBytes(
        "78daedd1eba242300000e0571a217349a625236424995ca791f7ff7d1ee4f85ee1039202cf413e28f805fcce61a716af" +
        "b9bbb118e9404cc33009c9b8a41fc92ba560449dc7efda273444fdb8b916d4a18d82ac59adb887e9e24fbe88b52638f2" +
        "3274e161fbfd8062a0a8fa1a51071f5bb8445271fae69e325529c1c8459864f5ace1e7822a3505c9a174e6ec0cda9c20" +
        "4bd734687b61d1cb5eb1a0f791aa85f1f16516d960a8b27b48c298be47d9895b95f4a70abeacd697eb000a9685d8751c" +
        "1747f96735c3460dc733b31bef9b9a3cc7f037d44f9ae5251b37c32fc589aed71ef558a4c6982185d7f44e6e3712e7ec" +
        "ab5df2d9a65bc0af73285717a9895ded37b5ac662ddf742f6d0f3ed392952cb15279db9bd8d2c49e59faa065c3e5d3bd" +
        "91afecf890123937fbc8984be2689be01317e0e84695b092c97969547d5a43a48f1443c0dbbaaaea6e964cbfe066c2cf" +
        "6f589acd652d90d4d19ba31f00d8abf6aabd6aafdaabf6aabd6aafdaabfe6fd51f2cdd8cc1")

    static func hexBytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.makeIterator()
        while let a = it.next(), let b = it.next() {
            if let v = UInt8(String([a, b]), radix: 16) { out.append(v) }
        }
        return out
    }

    @Test("inflates a dynamic-Huffman zlib stream made by Python's zlib, Adler-32 checked")
    func dynamicHuffman() throws {
        let expected: [UInt8] = (0..<3000).map { (i: Int) -> UInt8 in
            let v: Int = (i * i + i / 7) % 61 + 48
            return UInt8(v)
        }
        let out = try PNGInspector.zlibInflate(Self.dynamicStream)
        #expect(out == expected)
        #expect(PNGInspector.adler32(expected) == 752_716_993)
    }

    @Test("a corrupted stream is rejected, not decoded into noise")
    func corrupted() {
        var bad = Self.dynamicStream
        bad[bad.count - 1] ^= 0xFF
        #expect(throws: PNGInspector.Failure.self) { try PNGInspector.zlibInflate(bad) }
    }

    /// A PNG built here with stored (uncompressed) deflate blocks and all five filter types.
    static func storedPNG(width: Int, height: Int, pixel: (Int, Int) -> (UInt8, UInt8, UInt8)) -> Data {
        var raw: [UInt8] = []
        for y in 0..<height {
            let filter = UInt8(y % 5)
            var row: [UInt8] = []
            for x in 0..<width {
                let (r, g, b) = pixel(x, y)
                row += [r, g, b]
            }
            // Apply the filter so decoding must undo it.
            let prev: [UInt8] = y == 0 ? [UInt8](repeating: 0, count: row.count) : {
                (0..<width).flatMap { x -> [UInt8] in let (r, g, b) = pixel(x, y - 1); return [r, g, b] }
            }()
            var filtered: [UInt8] = []
            for i in 0..<row.count {
                let a = i >= 3 ? Int(row[i - 3]) : 0, b = Int(prev[i]), c = i >= 3 ? Int(prev[i - 3]) : 0
                let predictor: Int
                switch filter {
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c)
                default: predictor = 0
                }
                filtered.append(UInt8((Int(row[i]) - predictor) & 0xFF))
            }
            raw += [filter] + filtered
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, raw.count - offset)
            let final: UInt8 = offset + n == raw.count ? 1 : 0
            zlib += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            zlib += raw[offset..<(offset + n)]
            offset += n
        } while offset < raw.count
        let adler = PNGInspector.adler32(raw)
        zlib += [UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF)]
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let n = data.count
            return [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] + Array(type.utf8) + data + [0, 0, 0, 0]
        }
        let ihdr: [UInt8] = [0, 0, 0, UInt8(width), 0, 0, 0, UInt8(height), 8, 2, 0, 0, 0]
        let bytes: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10] + chunk("IHDR", ihdr) + chunk("IDAT", zlib) + chunk("IEND", [])
        return Data(bytes)
    }

    @Test("counts inked pixels exactly through all five scanline filters")
    func unfiltering() throws {
        // 12×10 image: white, with a dark diagonal and a red square of 3×3.
        let png = Self.storedPNG(width: 12, height: 10) { x, y in
            if x == y { return (20, 20, 20) }
            if (7...9).contains(x), (1...3).contains(y) { return (230, 30, 30) }
            return (255, 255, 255)
        }
        let s = try PNGInspector.summarize(png)
        #expect(s.width == 12 && s.height == 10)
        #expect(s.inkedPixels == 10 + 9, "inked \(s.inkedPixels)")
        #expect(s.distinctColours == 3)
        let blank = try PNGInspector.summarize(Self.storedPNG(width: 8, height: 8) { _, _ in (255, 255, 255) })
        #expect(blank.inkedPixels == 0 && blank.distinctColours == 1)
    }
}
