/// The first line of each two-part key of a large table (cytokines: sample and analyte;
/// proteomics: sample and assay), for the `duplicate-key` rule.
///
/// Why not a `[String: Int]` of the joined key: at registry scale these tables have tens of
/// millions of rows, and a joined key is a heap-allocated string per row (≈ 100 bytes with the
/// dictionary entry — 9 GiB for 1 000 000 patients). Each part is interned once as a 32-bit
/// number instead, so a row costs one `UInt64 → line` entry; the parts repeat (a sample has a
/// few dozen rows, an analyte or assay appears in every sample), so their dictionaries stay
/// small. Exact: no hashing of the key itself, hence no false duplicates.
struct KeyLines {
    private var firstParts: [String: UInt32] = [:]
    private var secondParts: [String: UInt32] = [:]
    private var lines: [UInt64: Int] = [:]

    /// The line on which (`first`, `second`) was recorded before, or `nil` — after recording
    /// `line` for it.
    mutating func previousLine(_ first: String, _ second: String, line: Int) -> Int? {
        previousLine(firstPart(first), secondPart(second), line: line)
    }

    /// The same, for parts already interned (`firstPart`, `secondPart`): a caller that sees a
    /// part on many rows interns it once.
    mutating func previousLine(_ first: UInt32, _ second: UInt32, line: Int) -> Int? {
        let key = UInt64(first) << 32 | UInt64(second)
        if let known = lines[key] { return known }
        lines[key] = line
        return nil
    }

    /// The number of a first part (the same for the same text, whoever asks first).
    mutating func firstPart(_ s: String) -> UInt32 { Self.intern(s, &firstParts) }

    /// The number of a second part.
    mutating func secondPart(_ s: String) -> UInt32 { Self.intern(s, &secondParts) }

    private static func intern(_ s: String, _ table: inout [String: UInt32]) -> UInt32 {
        if let k = table[s] { return k }
        let k = UInt32(truncatingIfNeeded: table.count)
        table[s] = k
        return k
    }
}
