import DayZeroCohort
import Foundation

/// Foundation also has a `Measurement`; in this module the name means the cohort's.
typealias Measurement = DayZeroCohort.Measurement

/// The calibrated synthetic cohort: a study shaped like Kooistra et al., Crit Care
/// 2020;24:688, for running every DayZero feature on realistic data.
///
/// A cohort is a sequence of independent blocks of 78 screened patients. Each block has the
/// paper's flow exactly (9 immunocompromised, 1 refused consent, 8 controls out of the ICU
/// before ICU day 12, 21 treated with anakinra, 39 controls; treated start days with median
/// ICU day 12) and every count-based row of Table 1 exactly, dealt out to shuffled patients;
/// the values (ages, laboratory values, trajectories) are random draws calibrated to the
/// paper's medians and IQRs. So the default cohort (78 patients) matches the paper's counts
/// for every seed, and a cohort of any other size keeps the same proportions. See
/// `docs/synthetic-cohort.md`.
///
/// Randomness: ``Xoshiro256StarStar`` only, one stream per block and one per patient derived
/// from the seed, so the same seed and size give the same data and byte-identical files.
public enum SyntheticCohort {
    /// The seed of the default cohort (the paper's publication date, 14 December 2020).
    public static let defaultSeed: UInt64 = 20_201_214

    /// The number of screened patients of the default cohort (the paper's 78).
    public static let defaultPatientCount = 78

    /// The default cohort: ``defaultSeed``, ``defaultPatientCount`` patients.
    public static let `default`: StudyData = build(seed: defaultSeed, patients: defaultPatientCount)

    /// A synthetic cohort in memory.
    ///
    /// - Parameters:
    ///   - seed: any 64-bit value; the same seed and size always give the same cohort.
    ///   - patients: screened patients (≥ 0). Meant for small cohorts (tests, the default);
    ///     use ``write(seed:patients:to:progress:)`` for large ones.
    /// - Complexity: O(patients) time and memory.
    public static func generate(seed: UInt64 = defaultSeed, patients: Int = defaultPatientCount) throws -> StudyData {
        guard patients >= 0 else { throw SynthError.invalidPatientCount(patients) }
        return build(seed: seed, patients: patients)
    }

    /// Writes a synthetic cohort as a study folder of CSV files (the data format of
    /// `docs/data-format.md`), streaming: each patient is generated, written and forgotten,
    /// so memory stays bounded at any size. Existing study files in `folder` are replaced.
    ///
    /// - Parameters:
    ///   - folder: the study folder; created if needed.
    ///   - progress: called after every 1 000 patients and at the end (once per count).
    /// - Returns: rows per table and bytes written.
    /// - Complexity: O(patients) time, O(1) memory in the number of patients.
    @discardableResult
    public static func write(
        seed: UInt64 = defaultSeed, patients: Int = defaultPatientCount, to folder: URL,
        progress: (SynthesisProgress) -> Void = { _ in }
    ) throws -> SyntheticWriteSummary {
        guard patients >= 0 else { throw SynthError.invalidPatientCount(patients) }
        let writer = try StudyFolderWriter(folder: folder)
        var done = 0
        try forEachRecord(seed: seed, patients: patients) { record in
            try writer.write(record)
            done += 1
            if done % 1_000 == 0 { progress(SynthesisProgress(patientsDone: done, patientsTotal: patients)) }
        }
        let (rows, bytes) = try writer.close()
        if done % 1_000 != 0 || done == 0 { progress(SynthesisProgress(patientsDone: done, patientsTotal: patients)) }
        return SyntheticWriteSummary(patients: patients, rows: rows, bytes: bytes)
    }

    static func build(seed: UInt64, patients: Int) -> StudyData {
        var study = StudyData()
        forEachRecord(seed: seed, patients: patients) { record in
            study.patients.append(record.patient)
            study.courses.append(record.course)
            study.measurements.append(contentsOf: record.measurements.map(\.0))
            study.medications.append(contentsOf: record.medications)
            study.events.append(contentsOf: record.events)
            study.cytokines.append(contentsOf: record.cytokines.map(\.0))
            study.proteomicsSamples.append(contentsOf: record.proteomicsSamples)
            study.proteomics.append(contentsOf: record.proteomics)
        }
        return study
    }

    /// Generates the patients in order, block by block, handing each patient's rows to `body`.
    static func forEachRecord(seed: UInt64, patients: Int, _ body: (PatientRecord) throws -> Void) rethrows {
        try forEachPlannedRecord(seed: seed, patients: patients) { _, record in try body(record) }
    }

    /// ``forEachRecord(seed:patients:_:)`` with each patient's plan (its role, for the site split).
    static func forEachPlannedRecord(seed: UInt64, patients: Int, _ body: (PatientPlan, PatientRecord) throws -> Void) rethrows {
        guard patients > 0 else { return }
        let generator = PatientGenerator()
        let idWidth = max(4, String(patients).count)
        var remaining = patients
        var block = 0
        while remaining > 0 {
            let plans = CohortPlanner.block(block, seed: seed)
            for plan in plans.prefix(remaining) {
                try body(plan, generator.record(for: plan, seed: seed, idWidth: idWidth))
            }
            remaining -= min(remaining, plans.count)
            block += 1
        }
    }
}

/// How far a streaming write has come.
public struct SynthesisProgress: Sendable, Equatable {
    public var patientsDone: Int
    public var patientsTotal: Int

    public init(patientsDone: Int, patientsTotal: Int) {
        self.patientsDone = patientsDone
        self.patientsTotal = patientsTotal
    }

    /// Fraction done in [0, 1].
    public var fraction: Double { patientsTotal > 0 ? Double(patientsDone) / Double(patientsTotal) : 1 }
}

/// What ``SyntheticCohort/write(seed:patients:to:progress:)`` wrote.
public struct SyntheticWriteSummary: Sendable, Equatable {
    public var patients: Int
    /// Data rows (header excluded) per table.
    public var rows: [StudyTable: Int]
    public var bytes: Int

    public init(patients: Int, rows: [StudyTable: Int], bytes: Int) {
        self.patients = patients
        self.rows = rows
        self.bytes = bytes
    }
}
