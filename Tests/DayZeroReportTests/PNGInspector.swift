import Foundation

/// Just enough PNG decoding to tell a rendered page from a blank one, without zlib (which
/// Foundation does not expose on Linux): chunk parsing, a DEFLATE decoder (stored, fixed and
/// dynamic Huffman blocks, decoded bit by bit as in the RFC 1951 reference), the Adler-32
/// check of the zlib stream, and PNG scanline unfiltering for 8-bit RGB/RGBA images.
enum PNGInspector {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    struct Summary {
        var width: Int
        var height: Int
        /// Pixels with any RGB channel below 235 (i.e. visibly not white).
        var inkedPixels: Int
        /// Distinct colours after keeping the top 4 bits of each channel.
        var distinctColours: Int
        var inkedFraction: Double { Double(inkedPixels) / Double(max(1, width * height)) }
    }

    static func summarize(_ data: Data) throws -> Summary {
        let bytes = [UInt8](data)
        let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
        guard bytes.count > 8, Array(bytes[0..<8]) == signature else { throw Failure("not a PNG file") }
        var pos = 8
        var width = 0, height = 0, colourType = -1, bitDepth = 0, interlace = 0
        var idat: [UInt8] = []
        func be32(_ p: Int) -> Int { Int(bytes[p]) << 24 | Int(bytes[p + 1]) << 16 | Int(bytes[p + 2]) << 8 | Int(bytes[p + 3]) }
        while pos + 8 <= bytes.count {
            let length = be32(pos)
            let type = String(decoding: bytes[(pos + 4)..<(pos + 8)], as: UTF8.self)
            let start = pos + 8
            guard start + length + 4 <= bytes.count else { throw Failure("truncated chunk \(type)") }
            switch type {
            case "IHDR":
                width = be32(start)
                height = be32(start + 4)
                bitDepth = Int(bytes[start + 8])
                colourType = Int(bytes[start + 9])
                interlace = Int(bytes[start + 12])
            case "IDAT":
                idat.append(contentsOf: bytes[start..<(start + length)])
            default:
                break
            }
            pos = start + length + 4
            if type == "IEND" { break }
        }
        guard bitDepth == 8, interlace == 0, colourType == 2 || colourType == 6 else {
            throw Failure("unsupported PNG: bit depth \(bitDepth), colour type \(colourType), interlace \(interlace)")
        }
        let raw = try zlibInflate(idat)
        let bpp = colourType == 6 ? 4 : 3
        let stride = width * bpp
        guard raw.count == height * (stride + 1) else { throw Failure("decoded \(raw.count) bytes, expected \(height * (stride + 1))") }
        var previous = [UInt8](repeating: 0, count: stride)
        var current = [UInt8](repeating: 0, count: stride)
        var inked = 0
        var colours = Set<Int>()
        for row in 0..<height {
            let base = row * (stride + 1)
            let filter = raw[base]
            for i in 0..<stride {
                let x = Int(raw[base + 1 + i])
                let a = i >= bpp ? Int(current[i - bpp]) : 0
                let b = Int(previous[i])
                let c = i >= bpp ? Int(previous[i - bpp]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c)
                default: throw Failure("bad filter type \(filter) in row \(row)")
                }
                current[i] = UInt8((x + predictor) & 0xFF)
            }
            var px = 0
            while px < stride {
                let r = Int(current[px]), g = Int(current[px + 1]), bl = Int(current[px + 2])
                if r < 235 || g < 235 || bl < 235 { inked += 1 }
                colours.insert((r >> 4) << 8 | (g >> 4) << 4 | (bl >> 4))
                px += bpp
            }
            swap(&previous, &current)
        }
        return Summary(width: width, height: height, inkedPixels: inked, distinctColours: colours.count)
    }

    // MARK: - zlib / DEFLATE

    static func zlibInflate(_ data: [UInt8]) throws -> [UInt8] {
        guard data.count >= 6 else { throw Failure("zlib stream too short") }
        guard data[0] & 0x0F == 8, (Int(data[0]) << 8 | Int(data[1])) % 31 == 0 else { throw Failure("bad zlib header") }
        guard data[1] & 0x20 == 0 else { throw Failure("zlib preset dictionary not supported") }
        var reader = BitReader(bytes: data, position: 2)
        let out = try inflate(&reader)
        let end = data.count
        let stored = UInt32(data[end - 4]) << 24 | UInt32(data[end - 3]) << 16 | UInt32(data[end - 2]) << 8 | UInt32(data[end - 1])
        let computed = adler32(out)
        guard stored == computed else { throw Failure("Adler-32 mismatch: stored \(stored), computed \(computed)") }
        return out
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + 5552)
            while i < end {
                a &+= UInt32(bytes[i])
                b &+= a
                i += 1
            }
            a %= 65521
            b %= 65521
        }
        return b << 16 | a
    }

    struct BitReader {
        let bytes: [UInt8]
        var position: Int
        var bitBuffer = 0
        var bitCount = 0

        init(bytes: [UInt8], position: Int) {
            self.bytes = bytes
            self.position = position
        }

        mutating func bits(_ n: Int) throws -> Int {
            while bitCount < n {
                guard position < bytes.count else { throw Failure("DEFLATE stream ends early") }
                bitBuffer |= Int(bytes[position]) << bitCount
                position += 1
                bitCount += 8
            }
            let v = bitBuffer & ((1 << n) - 1)
            bitBuffer >>= n
            bitCount -= n
            return v
        }

        mutating func alignToByte() {
            bitBuffer = 0
            bitCount = 0
        }
    }

    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        init(lengths: [Int]) {
            for l in lengths { counts[l] += 1 }
            counts[0] = 0
            var offsets = [Int](repeating: 0, count: 16)
            for l in 1..<16 { offsets[l] = offsets[l - 1] + counts[l - 1] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, l) in lengths.enumerated() where l != 0 {
                symbols[offsets[l]] = symbol
                offsets[l] += 1
            }
        }

        func decode(_ r: inout BitReader) throws -> Int {
            var code = 0, first = 0, index = 0
            for length in 1..<16 {
                code |= try r.bits(1)
                let count = counts[length]
                if code - count < first { return symbols[index + (code - first)] }
                index += count
                first += count
                first <<= 1
                code <<= 1
            }
            throw Failure("invalid Huffman code")
        }
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                               4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    static func inflate(_ r: inout BitReader) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(r.bytes.count * 4)
        var last = false
        while !last {
            last = try r.bits(1) == 1
            let type = try r.bits(2)
            switch type {
            case 0:
                r.alignToByte()
                guard r.position + 4 <= r.bytes.count else { throw Failure("stored block header cut") }
                let len = Int(r.bytes[r.position]) | Int(r.bytes[r.position + 1]) << 8
                let nlen = Int(r.bytes[r.position + 2]) | Int(r.bytes[r.position + 3]) << 8
                guard len == (~nlen & 0xFFFF) else { throw Failure("stored block length check failed") }
                r.position += 4
                guard r.position + len <= r.bytes.count else { throw Failure("stored block cut") }
                out.append(contentsOf: r.bytes[r.position..<(r.position + len)])
                r.position += len
            case 1:
                var lengths = [Int](repeating: 8, count: 288)
                for i in 144..<256 { lengths[i] = 9 }
                for i in 256..<280 { lengths[i] = 7 }
                try codes(&r, &out, Huffman(lengths: lengths), Huffman(lengths: [Int](repeating: 5, count: 30)))
            case 2:
                let hlit = try r.bits(5) + 257, hdist = try r.bits(5) + 1, hclen = try r.bits(4) + 4
                let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
                var codeLengths = [Int](repeating: 0, count: 19)
                for i in 0..<hclen { codeLengths[order[i]] = try r.bits(3) }
                let lengthCode = Huffman(lengths: codeLengths)
                var lengths: [Int] = []
                while lengths.count < hlit + hdist {
                    let sym = try lengthCode.decode(&r)
                    switch sym {
                    case 0..<16: lengths.append(sym)
                    case 16:
                        guard let prev = lengths.last else { throw Failure("repeat with no previous length") }
                        lengths += [Int](repeating: prev, count: 3 + (try r.bits(2)))
                    case 17: lengths += [Int](repeating: 0, count: 3 + (try r.bits(3)))
                    default: lengths += [Int](repeating: 0, count: 11 + (try r.bits(7)))
                    }
                }
                guard lengths.count == hlit + hdist else { throw Failure("code lengths overrun") }
                try codes(&r, &out, Huffman(lengths: Array(lengths[0..<hlit])), Huffman(lengths: Array(lengths[hlit...])))
            default:
                throw Failure("invalid block type 3")
            }
        }
        return out
    }

    static func codes(_ r: inout BitReader, _ out: inout [UInt8], _ lit: Huffman, _ dist: Huffman) throws {
        while true {
            let sym = try lit.decode(&r)
            if sym < 256 {
                out.append(UInt8(sym))
            } else if sym == 256 {
                return
            } else {
                let li = sym - 257
                guard li < lengthBase.count else { throw Failure("bad length symbol \(sym)") }
                let length = lengthBase[li] + (try r.bits(lengthExtra[li]))
                let di = try dist.decode(&r)
                guard di < distanceBase.count else { throw Failure("bad distance symbol \(di)") }
                let distance = distanceBase[di] + (try r.bits(distanceExtra[di]))
                guard distance <= out.count else { throw Failure("distance \(distance) beyond output") }
                let start = out.count - distance
                for k in 0..<length { out.append(out[start + k]) }
            }
        }
    }
}
