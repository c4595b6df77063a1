import DayZeroCohort

/// The check of a proteomics.csv row that repeats the sample of the row before and an assay
/// (OlinkID, UniProt, Assay, Panel) seen before — nearly every row — done on the field bytes.
///
/// As `MeasurementFastPath`: it only recognises rows that are valid, and returns `nil` without
/// having changed anything for any other row, which the validator then reads the ordinary way
/// (same checks, same messages). The one state it changes is the duplicate-key record, and only
/// as its very last check: a key seen before sends the row to the ordinary path, which finds
/// the same earlier line and reports it; a new key is recorded exactly as the ordinary path
/// records it (same interned parts, same line).
struct ProteomicsFastPath {
    private let sampleField: Int
    private let olinkField: Int
    private let uniProtField: Int
    private let assayField: Int
    private let panelField: Int
    private let npxField: Int
    private let lodField: Int
    private let qcField: Int
    private let npxRange: ClosedRange<Double>?
    private let lodRange: ClosedRange<Double>?
    private(set) var enabled: Bool

    // The sample of the previous row, when its rows can be taken here.
    private var sampleBytes: [UInt8] = []
    private var sampleUsable = false
    private var sampleID = ""
    private var sampleKey = 0
    private var samplePart: UInt32 = 0

    /// The assays seen, keyed by the bytes of their four fields.
    private var assays: [Assay] = []
    private var keyBytes: [UInt8] = []
    private var slots = [Int32](repeating: -1, count: slotCount)
    private static let slotCount = 4_096
    private static let probes = 32

    private struct Assay {
        var olinkID: String?
        var uniProt: String
        var assay: String
        var panel: String?
        /// The interned (UniProt, Assay) part of the duplicate key.
        var keyPart: UInt32
        /// Start and length in `keyBytes` of OlinkID, UniProt, Assay and Panel.
        var parts: (Int, Int, Int, Int, Int, Int, Int, Int)
    }

    init(sample: Col, olinkID: Col, uniProt: Col, assay: Col, panel: Col, npx: Col, lod: Col, qc: Col, enabled: Bool) {
        sampleField = sample.field ?? -1
        olinkField = olinkID.field ?? -1
        uniProtField = uniProt.field ?? -1
        assayField = assay.field ?? -1
        panelField = panel.field ?? -1
        npxField = npx.field ?? -1
        lodField = lod.field ?? -1
        qcField = qc.field ?? -1
        npxRange = npx.range
        lodRange = lod.range
        self.enabled = enabled && sampleField >= 0 && uniProtField >= 0 && assayField >= 0 && npxField >= 0
    }

    mutating func disable() { enabled = false }

    /// Takes the sample whose rows follow (`nil` when it is not defined: left to the ordinary path).
    mutating func setSample(bytes: [UInt8], id: String, key: Int?, keys: inout KeyLines) {
        guard let key else {
            sampleUsable = false
            return
        }
        sampleBytes = bytes
        sampleID = id
        sampleKey = key
        samplePart = keys.firstPart(id)
        sampleUsable = true
    }

    mutating func clearSample() { sampleUsable = false }

    @inline(__always)
    private static func field(_ all: UnsafeBufferPointer<UInt8>, _ starts: UnsafeBufferPointer<Int>, _ ends: UnsafeBufferPointer<Int>, _ i: Int)
        -> UnsafeBufferPointer<UInt8>
    {
        i < 0 ? UnsafeBufferPointer(start: nil, count: 0) : UnsafeBufferPointer(rebasing: all[starts[i]..<ends[i]])
    }

    @inline(__always)
    private static func hash(
        _ o: UnsafeBufferPointer<UInt8>, _ u: UnsafeBufferPointer<UInt8>, _ s: UnsafeBufferPointer<UInt8>, _ p: UnsafeBufferPointer<UInt8>
    ) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in o { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h = (h ^ 0xFF) &* 0x100_0000_01b3
        for b in u { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h = (h ^ 0xFF) &* 0x100_0000_01b3
        for b in s { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h = (h ^ 0xFF) &* 0x100_0000_01b3
        for b in p { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: (h ^ (h >> 32)) & UInt64(slotCount - 1))
    }

    @inline(__always)
    private func matches(_ a: Assay, _ o: UnsafeBufferPointer<UInt8>, _ u: UnsafeBufferPointer<UInt8>, _ s: UnsafeBufferPointer<UInt8>, _ p: UnsafeBufferPointer<UInt8>) -> Bool {
        let (os, oc, us, uc, ss, sc, ps, pc) = a.parts
        guard oc == o.count, uc == u.count, sc == s.count, pc == p.count else { return false }
        return keyBytes.withUnsafeBufferPointer { k in
            UnsafeBufferPointer(rebasing: k[os..<(os + oc)]).elementsEqual(o)
                && UnsafeBufferPointer(rebasing: k[us..<(us + uc)]).elementsEqual(u)
                && UnsafeBufferPointer(rebasing: k[ss..<(ss + sc)]).elementsEqual(s)
                && UnsafeBufferPointer(rebasing: k[ps..<(ps + pc)]).elementsEqual(p)
        }
    }

    /// The assay index of these four fields, or `nil`.
    @inline(__always)
    private func lookup(_ o: UnsafeBufferPointer<UInt8>, _ u: UnsafeBufferPointer<UInt8>, _ s: UnsafeBufferPointer<UInt8>, _ p: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = Self.hash(o, u, s, p)
        for _ in 0..<Self.probes {
            let index = Int(slots[slot])
            guard index >= 0 else { return nil }
            if matches(assays[index], o, u, s, p) { return index }
            slot = (slot + 1) & (Self.slotCount - 1)
        }
        return nil
    }

    /// After a row read the ordinary way: remembers its assay fields (when UniProt and Assay
    /// are given), so that later rows naming the same assay are taken here.
    mutating func addAssay(_ csv: CSVReader, keys: inout KeyLines) {
        guard enabled else { return }
        let found: (new: Bool, slot: Int, strings: (String?, String, String, String?))? = csv.withRecord { all, starts, ends in
            let o = Self.field(all, starts, ends, olinkField), u = Self.field(all, starts, ends, uniProtField)
            let s = Self.field(all, starts, ends, assayField), p = Self.field(all, starts, ends, panelField)
            guard !u.isEmpty, !s.isEmpty else { return nil }
            var slot = Self.hash(o, u, s, p)
            for _ in 0..<Self.probes {
                let index = Int(slots[slot])
                if index < 0 {
                    func text(_ b: UnsafeBufferPointer<UInt8>) -> String { String(decoding: b, as: UTF8.self) }
                    return (true, slot, (o.isEmpty ? nil : text(o), text(u), text(s), p.isEmpty ? nil : text(p)))
                }
                if matches(assays[index], o, u, s, p) { return (false, slot, (nil, "", "", nil)) }
                slot = (slot + 1) & (Self.slotCount - 1)
            }
            return nil
        }
        guard let found, found.new else { return }
        let (olinkID, uniProt, assay, panel) = found.strings
        var parts = (0, 0, 0, 0, 0, 0, 0, 0)
        parts.0 = keyBytes.count
        keyBytes.append(contentsOf: (olinkID ?? "").utf8)
        parts.1 = keyBytes.count - parts.0
        parts.2 = keyBytes.count
        keyBytes.append(contentsOf: uniProt.utf8)
        parts.3 = keyBytes.count - parts.2
        parts.4 = keyBytes.count
        keyBytes.append(contentsOf: assay.utf8)
        parts.5 = keyBytes.count - parts.4
        parts.6 = keyBytes.count
        keyBytes.append(contentsOf: (panel ?? "").utf8)
        parts.7 = keyBytes.count - parts.6
        slots[found.slot] = Int32(assays.count)
        assays.append(
            Assay(
                olinkID: olinkID, uniProt: uniProt, assay: assay, panel: panel, keyPart: keys.secondPart(uniProt + "\u{1F}" + assay),
                parts: parts))
    }

    /// The current record as a valid proteomics row and its sample key, or `nil` when it must
    /// be read the ordinary way. The record has the header's field count.
    @inline(__always)
    func row(_ csv: CSVReader, keys: inout KeyLines) -> (ProteomicsValue, Int)? {
        guard enabled, sampleUsable else { return nil }
        let parsed: (assay: Int, npx: Double, lod: Double?, qc: Bool)? = csv.withRecord { all, starts, ends in
            let sample = Self.field(all, starts, ends, sampleField)
            let same = sampleBytes.withUnsafeBufferPointer { $0.count == sample.count && $0.elementsEqual(sample) }
            guard same else { return nil }
            guard let assay = lookup(
                Self.field(all, starts, ends, olinkField), Self.field(all, starts, ends, uniProtField),
                Self.field(all, starts, ends, assayField), Self.field(all, starts, ends, panelField))
            else { return nil }
            let npxBytes = Self.field(all, starts, ends, npxField)
            guard !npxBytes.isEmpty, case .success(let npx) = NumberSyntax.parse(npxBytes), StudyLimits.isValueInRange(npx)
            else { return nil }
            if let npxRange, !npxRange.contains(npx) { return nil }
            var lod: Double?
            let lodBytes = Self.field(all, starts, ends, lodField)
            if !lodBytes.isEmpty {
                guard case .success(let v) = NumberSyntax.parse(lodBytes), StudyLimits.isValueInRange(v) else { return nil }
                if let lodRange, !lodRange.contains(v) { return nil }
                lod = v
            }
            var qc = false
            let qcBytes = Self.field(all, starts, ends, qcField)
            if !qcBytes.isEmpty {
                // "PASS" and "WARN" as written; other spellings (any case, "warning") take the
                // ordinary path, which accepts them.
                if qcBytes.elementsEqual("WARN".utf8) {
                    qc = true
                } else if !qcBytes.elementsEqual("PASS".utf8) {
                    return nil
                }
            }
            return (assay, npx, lod, qc)
        }
        guard let parsed else { return nil }
        let assay = assays[parsed.assay]
        // Last: a key seen before goes to the ordinary path, which reports it.
        guard keys.previousLine(samplePart, assay.keyPart, line: csv.recordLine) == nil else { return nil }
        return (
            ProteomicsValue(
                sampleID: sampleID, assay: assay.assay, uniProt: assay.uniProt, olinkID: assay.olinkID, panel: assay.panel,
                npx: parsed.npx, lod: parsed.lod, qcWarning: parsed.qc),
            sampleKey
        )
    }
}
