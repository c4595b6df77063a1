import Crypto

/// SHA-256 fingerprints of a study's tables, for the input hash of the provenance
/// (`docs/results.md`, "The input hash").
///
/// Each table has its own digest over a binary canonical form of its rows, and the study's
/// hash combines the nine digests. A table's digest depends only on its rows, so the big
/// tables' can be computed while their rows stream past (`MeasurementDigest`,
/// `CytokineDigest`, `ProteomicsDigest`) — by a store that never holds them — and give the
/// same hash as a study held in memory.
public enum StudyDigest {
    /// The tables in hash order.
    public static let tableNames = [
        "patients", "icu_course", "measurements", "medications", "events", "cytokines", "proteomics_samples", "proteomics",
        "parameters",
    ]

    /// SHA-256 of the study, hex: the table digests combined in `tableNames` order. A table
    /// named in `streamed` (e.g. `"measurements"`) takes that digest — a store computed it while
    /// streaming the rows — and the study's own rows of it are not read.
    public static func sha256(_ study: StudyData, streamed: [String: [UInt8]] = [:]) -> String {
        combine(tableNames.map { streamed[$0] ?? tableDigest($0, of: study) })
    }

    /// The study hash from the nine table digests (in `tableNames` order), hex: SHA-256 over,
    /// per table, the byte 0x1E, the table's name (UTF-8 length, 4 bytes little-endian, and
    /// bytes) and its 32-byte digest.
    public static func combine(_ digests: [[UInt8]]) -> String {
        var w = CanonicalHasher()
        for (name, digest) in zip(tableNames, digests) {
            w.separator()
            w.string(name)
            w.raw(digest)
        }
        return hex(w.finalize())
    }

    /// The digest of one table (one of `tableNames`) of `study`.
    public static func tableDigest(_ name: String, of study: StudyData) -> [UInt8] {
        var w = CanonicalHasher()
        switch name {
        case "patients":
            // The declared variables (variables.csv) and their values belong to the patients'
            // digest; a study without them (and without unknown flags) hashes as before they existed.
            for v in study.baselineVariables {
                w.string(v.name); w.string(v.label); w.string(v.kind.rawValue); w.string(v.unit ?? "")
                w.string(v.levels.joined(separator: "|")); w.string(v.levelLabels.joined(separator: "|"))
                w.number(v.minimum); w.number(v.maximum)
            }
            for p in study.patients {
                w.string(p.id); w.string(p.site); w.string(p.sex.rawValue); w.number(p.age); w.number(p.bmi)
                w.number(p.apacheII); w.number(p.symptomDays)
                var history = p.comorbidities.map(\.rawValue).sorted().joined(separator: ",")
                if !p.unknownHistory.isEmpty { history += "?" + p.unknownHistory.map(\.rawValue).sorted().joined(separator: ",") }
                w.string(history)
                w.optionalFlag(p.immunocompromised); w.optionalFlag(p.consentRefused)
                for value in p.declared { w.number(value) }
            }
        case "icu_course":
            for c in study.courses {
                w.string(c.patientID); w.string(c.admissionTimestamp ?? ""); w.number(c.discharge); w.number(c.ventilationStart)
                w.number(c.ventilationEnd); w.number(c.death); w.number(c.followUpEnd)
            }
        case "measurements":
            var m = MeasurementDigest()
            let table = study.measurements
            let patientBytes = table.patientIDs.map { Array($0.utf8) }
            let parameterBytes = table.parameterNames.map { Array($0.utf8) }
            for r in table.indices {
                m.add(patient: patientBytes[Int(table.patient[r])], time: table.time[r],
                      parameter: parameterBytes[Int(table.parameter[r])], value: table.value[r])
            }
            return m.finalize()
        case "medications":
            for d in study.medications { w.string(d.patientID); w.string(d.drug); w.number(d.time); w.number(d.dose); w.string(d.doseUnit ?? "") }
        case "events":
            for e in study.events { w.string(e.patientID); w.string(e.event); w.number(e.time); w.string(e.detail ?? "") }
        case "cytokines":
            var d = CytokineDigest()
            for c in study.cytokines { d.add(c) }
            return d.finalize()
        case "proteomics_samples":
            for s in study.proteomicsSamples { w.string(s.sampleID); w.string(s.patientID); w.number(s.time); w.string(s.timepoint.rawValue) }
        case "proteomics":
            var d = ProteomicsDigest()
            for v in study.proteomics { d.add(v) }
            return d.finalize()
        case "parameters":
            for d in study.declaredParameters {
                w.string(d.name); w.string(d.label); w.string(d.kind.rawValue); w.string(d.unit); w.string(d.aggregation.rawValue)
                w.number(d.minimum); w.number(d.maximum)
            }
        default:
            break
        }
        return w.finalize()
    }

    /// Lower-case hex of `bytes`.
    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef")
        var s = ""
        for b in bytes {
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 0x0F)])
        }
        return s
    }
}

/// The measurement table's digest, fed one row at a time in stored order: patient ID, time,
/// parameter name and canonical value of each row.
public struct MeasurementDigest {
    private var w = CanonicalHasher()

    public init() {}

    public mutating func add(patient: [UInt8], time: Double, parameter: [UInt8], value: Double) {
        patient.withUnsafeBytes { p in parameter.withUnsafeBytes { k in add(patient: p, time: time, parameter: k, value: value) } }
    }

    /// `add` with the patient ID and parameter name as raw UTF-8 bytes (no array per row).
    public mutating func add(patient: UnsafeRawBufferPointer, time: Double, parameter: UnsafeRawBufferPointer, value: Double) {
        w.stringNumberStringNumber(patient, time, parameter, value)
    }

    public mutating func finalize() -> [UInt8] { w.finalize() }
}

/// The cytokine table's digest, fed one row at a time in stored order: patient ID, sample ID,
/// time, timepoint, analyte, canonical value and the below-LOD flag of each row.
public struct CytokineDigest {
    private var w = CanonicalHasher()

    public init() {}

    public mutating func add(_ c: CytokineMeasurement) {
        add(patientID: c.patientID, sampleID: c.sampleID, time: c.time, timepoint: c.timepoint, analyte: c.analyte, value: c.value,
            belowLOD: c.belowLOD)
    }

    /// `add` from the fields the digest covers.
    public mutating func add(
        patientID: String, sampleID: String, time: Double, timepoint: CytokineTimepoint, analyte: String, value: Double, belowLOD: Bool
    ) {
        w.string(patientID); w.string(sampleID); w.number(time); w.string(timepoint.rawValue); w.string(analyte)
        w.number(value); w.flag(belowLOD)
    }

    public mutating func finalize() -> [UInt8] { w.finalize() }
}

/// The proteomics table's digest, fed one row at a time in stored order: sample ID, assay,
/// UniProt, Olink ID, panel, NPX, LOD and the QC flag of each row.
public struct ProteomicsDigest {
    private var w = CanonicalHasher()

    public init() {}

    public mutating func add(_ v: ProteomicsValue) {
        w.string(v.sampleID); w.string(v.assay); w.string(v.uniProt); w.string(v.olinkID ?? ""); w.string(v.panel ?? "")
        w.number(v.npx); w.number(v.lod); w.flag(v.qcWarning)
    }

    public mutating func finalize() -> [UInt8] { w.finalize() }
}

/// The canonical binary form fed to SHA-256 through a 64 KiB buffer: a string as its UTF-8
/// length (4 bytes, little-endian) and bytes, a number as a presence byte (0 = missing) and its
/// IEEE 754 bits (8 bytes, little-endian), a flag as one byte — a memory copy per field, not a
/// decimal formatting (a registry's measurement table has hundreds of millions of rows, so the
/// fields are copied into the buffer with raw stores rather than array appends).
struct CanonicalHasher {
    private var hasher = SHA256()
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var used = 0

    init() {}

    mutating func separator() { write(byte: 0x1E) }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    mutating func bytes(_ b: [UInt8]) { b.withUnsafeBytes { bytes($0) } }

    mutating func bytes(_ b: UnsafeRawBufferPointer) {
        var n = UInt32(truncatingIfNeeded: b.count).littleEndian
        withUnsafeBytes(of: &n) { write($0) }
        write(b)
    }

    mutating func raw(_ b: [UInt8]) { b.withUnsafeBytes { write($0) } }

    /// `bytes(a); number(x); bytes(b); number(y)` — a measurement row — in one access to the
    /// buffer (the registry's hash is hundreds of millions of these).
    mutating func stringNumberStringNumber(_ a: UnsafeRawBufferPointer, _ x: Double, _ b: UnsafeRawBufferPointer, _ y: Double) {
        let n = 4 + a.count + 9 + 4 + b.count + 9
        guard n <= buffer.count else {
            bytes(a); number(x); bytes(b); number(y)
            return
        }
        if used + n > buffer.count { flush() }
        let start = used
        used = buffer.withUnsafeMutableBytes { destination -> Int in
            guard let base = destination.baseAddress else { return start }
            var at = start
            Self.put(a, at: &at, in: base)
            Self.put(x, at: &at, in: base)
            Self.put(b, at: &at, in: base)
            Self.put(y, at: &at, in: base)
            return at
        }
    }

    /// A string field (length and bytes) at `base + at`; `at` moves past it.
    private static func put(_ s: UnsafeRawBufferPointer, at: inout Int, in base: UnsafeMutableRawPointer) {
        base.storeBytes(of: UInt32(truncatingIfNeeded: s.count).littleEndian, toByteOffset: at, as: UInt32.self)
        at += 4
        if let source = s.baseAddress, s.count > 0 { (base + at).copyMemory(from: source, byteCount: s.count) }
        at += s.count
    }

    /// A present number field (presence byte and bits) at `base + at`; `at` moves past it.
    private static func put(_ v: Double, at: inout Int, in base: UnsafeMutableRawPointer) {
        base.storeBytes(of: 1, toByteOffset: at, as: UInt8.self)
        base.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: at + 1, as: UInt64.self)
        at += 9
    }

    mutating func number(_ x: Double?) {
        guard let x else {
            write(byte: 0)
            return
        }
        write(byte: 1)
        var bits = x.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { write($0) }
    }

    mutating func flag(_ b: Bool) { write(byte: b ? 1 : 0) }
    /// A flag that may be unknown: 1, 0, or 2 for unknown.
    mutating func optionalFlag(_ b: Bool?) { write(byte: b.map { $0 ? 1 : 0 } ?? 2) }

    private mutating func write(byte: UInt8) {
        if used == buffer.count { flush() }
        buffer[used] = byte
        used += 1
    }

    private mutating func write(_ source: UnsafeRawBufferPointer) {
        guard source.count > 0 else { return }
        if used + source.count > buffer.count { flush() }
        guard source.count <= buffer.count else {
            hasher.update(bufferPointer: source)
            return
        }
        let at = used
        buffer.withUnsafeMutableBytes { destination in
            UnsafeMutableRawBufferPointer(rebasing: destination[at..<at + source.count]).copyMemory(from: source)
        }
        used += source.count
    }

    private mutating func flush() {
        let n = used
        buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
        used = 0
    }

    mutating func finalize() -> [UInt8] {
        flush()
        return Array(hasher.finalize())
    }
}
