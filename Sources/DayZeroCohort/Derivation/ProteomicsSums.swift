/// The study's NPX values summed per cohort patient and assay (before and after day 0), the
/// one thing the proteomics volcano needs from `proteomics.csv`, computed once per cohort.
///
/// `entries` are sorted by assay (name, UniProt, panel), group and patient ID — the order of the
/// volcano's pairs — so an analysis set's pairs are the entries of its members, in place. Sums
/// run over the values in file order. Values flagged by Olink QC are not summed but counted
/// per patient (`qcWarnings`).
///
/// Built by a `ProteomicsSumsBuilder` fed one value at a time, so a store streams the table
/// (tens of millions of rows in a registry) instead of loading it.
public struct ProteomicsSums: Sendable, Equatable {
    /// An assay: name, UniProt accession and panel together (values of different panels are on
    /// different NPX scales and never pooled). `panel` is empty when not given.
    public struct Assay: Hashable, Sendable {
        public var name: String
        public var uniProt: String
        public var panel: String
    }

    /// One cohort patient's values of one assay.
    public struct Entry: Sendable, Equatable {
        public var patient: Int32
        public var assay: Int32
        public var preSum = 0.0
        public var nPre = 0
        public var postSum = 0.0
        public var nPost = 0
    }

    public internal(set) var assays: [Assay] = []
    public internal(set) var entries: [Entry] = []
    /// Values with an Olink QC warning, per cohort patient that has any (ascending patient).
    public internal(set) var qcWarnings: [(patient: Int, count: Int)] = []
    /// Rows of the study's proteomics table (every patient's); 0 when the study has none.
    public internal(set) var valueRows = 0

    public static func == (a: ProteomicsSums, b: ProteomicsSums) -> Bool {
        a.assays == b.assays && a.entries == b.entries && a.valueRows == b.valueRows
            && a.qcWarnings.elementsEqual(b.qcWarnings) { $0.patient == $1.patient && $0.count == $1.count }
    }
}

/// Accumulates a `ProteomicsSums` from the proteomics values in file order.
public struct ProteomicsSumsBuilder: Sendable {

    private var sums = ProteomicsSums()
    private let patients: [CohortPatient]
    private let sampleInfo: [String: (patient: Int, timepoint: ProteomicsTimepoint)]
    private var assayKey: [ProteomicsSums.Assay: Int32] = [:]
    private var slot = EntrySlots()
    private var qc: [Int: Int] = [:]
    // Rows come grouped by sample, each sample listing its assays in the same order, and a
    // patient's samples one after the other: the sample of the previous row, the assay at the
    // same position in the previous sample and the patient's slot of each assay are tried
    // before the dictionaries (which stay the reference, so any order gives the same sums).
    private var lastSampleID: String?
    private var lastInfo: (patient: Int, timepoint: ProteomicsTimepoint)?
    private var position = 0
    private var previousSampleAssays: [Int32] = []
    private var currentSampleAssays: [Int32] = []
    private var cachedPatient: [Int32] = []
    private var cachedSlot: [Int] = []

    /// `samples` maps sample IDs to patients; `patientIndex` gives the cohort patient of a
    /// patient ID (`nil`: not analysed, its values are skipped).
    init(samples: [ProteomicsSample], patients: [CohortPatient], patientIndex: (String) -> Int?) {
        var info: [String: (patient: Int, timepoint: ProteomicsTimepoint)] = [:]
        for s in samples {
            guard let i = patientIndex(s.patientID) else { continue }
            info[s.sampleID] = (i, s.timepoint)
        }
        sampleInfo = info
        self.patients = patients
    }

    public mutating func add(_ v: ProteomicsValue) {
        add(sampleID: v.sampleID, assay: v.assay, uniProt: v.uniProt, panel: v.panel, npx: v.npx, qcWarning: v.qcWarning)
    }

    /// Adds one value (one row of `proteomics.csv`).
    public mutating func add(sampleID: String, assay: String, uniProt: String, panel: String?, npx: Double, qcWarning: Bool) {
        sums.valueRows += 1
        let info: (patient: Int, timepoint: ProteomicsTimepoint)
        if let last = lastSampleID, last == sampleID {
            guard let known = lastInfo else { return }
            info = known
            position += 1
        } else {
            lastSampleID = sampleID
            lastInfo = sampleInfo[sampleID]
            swap(&previousSampleAssays, &currentSampleAssays)
            currentSampleAssays.removeAll(keepingCapacity: true)
            position = 0
            guard let known = lastInfo else { return }
            info = known
        }
        if qcWarning {
            qc[info.patient, default: 0] += 1
            currentSampleAssays.append(-1)
            return
        }
        let panel = panel ?? ""
        let a: Int32
        if position < previousSampleAssays.count, previousSampleAssays[position] >= 0,
           case let guess = sums.assays[Int(previousSampleAssays[position])],
           guess.name == assay, guess.uniProt == uniProt, guess.panel == panel {
            a = previousSampleAssays[position]
        } else {
            let key = ProteomicsSums.Assay(name: assay, uniProt: uniProt, panel: panel)
            if let k = assayKey[key] {
                a = k
            } else {
                a = Int32(truncatingIfNeeded: sums.assays.count)
                sums.assays.append(key)
                assayKey[key] = a
                cachedPatient.append(-1)
                cachedSlot.append(0)
            }
        }
        currentSampleAssays.append(a)
        let patient = Int32(truncatingIfNeeded: info.patient)
        let e: Int
        if cachedPatient[Int(a)] == patient {
            e = cachedSlot[Int(a)]
        } else {
            let key = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: patient))
            if let k = slot[key] {
                e = k
            } else {
                e = sums.entries.count
                sums.entries.append(ProteomicsSums.Entry(patient: patient, assay: a))
                slot.insert(key, e)
            }
            cachedPatient[Int(a)] = patient
            cachedSlot[Int(a)] = e
        }
        if info.timepoint == .pre {
            sums.entries[e].preSum += npx
            sums.entries[e].nPre += 1
        } else {
            sums.entries[e].postSum += npx
            sums.entries[e].nPost += 1
        }
    }

    /// The sums, entries in volcano order.
    public consuming func finish() -> ProteomicsSums {
        var sums = self.sums
        sums.qcWarnings = qc.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let assays = sums.assays
        let assayRank = Self.ranks(assays.indices.sorted {
            (assays[$0].name, assays[$0].uniProt, assays[$0].panel) < (assays[$1].name, assays[$1].uniProt, assays[$1].panel)
        })
        let patients = self.patients
        let idRank = Self.ranks(patients.indices.sorted { patients[$0].id < patients[$1].id })
        sums.entries.sort { x, y in
            let px = Int(x.patient), py = Int(y.patient)
            return (assayRank[Int(x.assay)], patients[px].group.rawValue, idRank[px])
                < (assayRank[Int(y.assay)], patients[py].group.rawValue, idRank[py])
        }
        return sums
    }

    /// `ranks(order)[i]` = position of `i` in `order`.
    private static func ranks(_ order: [Int]) -> [Int] {
        var rank = [Int](repeating: 0, count: order.count)
        for (position, i) in order.enumerated() { rank[i] = position }
        return rank
    }
}

/// The entry of each (assay, patient) key: an open-addressing table with linear probing and a
/// multiplicative hash. Written by hand because it is the builder's hot path — one new key per
/// patient and assay, millions in a registry — where `Dictionary`'s per-key SipHash was a
/// tenth of the proteomics stream's time; the keys are two 32-bit integers, never input text.
struct EntrySlots: Sendable {
    private var keys: [UInt64] = Array(repeating: .max, count: 1024)
    private var values: [Int] = Array(repeating: 0, count: 1024)
    private var count = 0

    private func bucket(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & (keys.count - 1)
    }

    subscript(key: UInt64) -> Int? {
        var b = bucket(key)
        while keys[b] != .max {
            if keys[b] == key { return values[b] }
            b = (b + 1) & (keys.count - 1)
        }
        return nil
    }

    /// Adds a key that is not in the table (`UInt64.max` is never a key: assay and patient are
    /// non-negative).
    mutating func insert(_ key: UInt64, _ value: Int) {
        if 2 * (count + 1) > keys.count { grow() }
        var b = bucket(key)
        while keys[b] != .max { b = (b + 1) & (keys.count - 1) }
        keys[b] = key
        values[b] = value
        count += 1
    }

    private mutating func grow() {
        let old = (keys, values)
        keys = Array(repeating: .max, count: 2 * old.0.count)
        values = Array(repeating: 0, count: 2 * old.0.count)
        count = 0
        for (k, v) in zip(old.0, old.1) where k != .max { insert(k, v) }
    }
}
