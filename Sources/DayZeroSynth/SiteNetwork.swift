import DayZeroCohort
import Foundation

/// A simulated network of hospitals: the calibrated synthetic cohort split over K sites, for
/// multi-site studies (`dayzero simulate --sites K`; `docs/synthetic-cohort.md`, "A simulated
/// network").
///
/// Every patient of the cohort (seed, size) goes to exactly one site, drawn from its own random
/// stream, so patient IDs stay unique across sites and the split is the same for the same seed,
/// size, K and differences. The folders written are `site-1` … `site-K` and `all`, their union
/// (the whole network's data); each is a study folder `dayzero import` accepts, and each
/// patient's `site` column names its site.
///
/// With ``SiteDifferences/none`` sites are equally likely for every patient and nothing else
/// changes: `all` holds the same patients and rows as the plain cohort (only the `site` column
/// differs), so its analysis gives the same results. With ``SiteDifferences/default`` sites
/// differ as hospitals do (see ``SiteDifferences``), and `all` is the union of what the sites
/// measured.
public enum SiteNetwork {
    /// The largest network `simulate` writes (each site holds a writer per study table open).
    public static let maximumSites = 16

    /// The name of site `index` (0-based): `site-1`, `site-2`, …
    public static func siteName(_ index: Int) -> String { "site-\(index + 1)" }

    /// The name of the folder holding the union of the sites.
    public static let unionFolder = "all"

    /// Parameters that sites of the second and third kind measure only on even ICU days.
    public static let sparseParameters: [[String]] = [[], ["ferritin", "procalcitonin"], ["crp", "wbc"]]

    /// The site of every patient of the cohort, in patient order (0-based site indices).
    /// - Complexity: O(patients): plans only, no rows are generated.
    public static func assignments(seed: UInt64, patients: Int, sites: Int, differences: SiteDifferences) throws -> [Int] {
        guard (2...maximumSites).contains(sites) else { throw SynthError.invalidSiteCount(sites) }
        guard patients >= 0 else { throw SynthError.invalidPatientCount(patients) }
        var result: [Int] = []
        result.reserveCapacity(patients)
        var block = 0
        while result.count < patients {
            for plan in CohortPlanner.block(block, seed: seed).prefix(patients - result.count) {
                result.append(site(of: plan, seed: seed, sites: sites, differences: differences))
            }
            block += 1
        }
        return result
    }

    /// Writes `site-1` … `site-K` and `all` into `folder` (created if needed; their study files
    /// replaced).
    /// - Throws: ``SynthError/invalidSiteCount(_:)``, ``SynthError/emptySite(site:patients:sites:)``
    ///   (checked before anything is written), write failures.
    /// - Complexity: O(patients) time; memory bounded (streamed like
    ///   ``SyntheticCohort/write(seed:patients:to:progress:)``).
    @discardableResult
    public static func write(
        seed: UInt64 = SyntheticCohort.defaultSeed, patients: Int = SyntheticCohort.defaultPatientCount, sites: Int,
        differences: SiteDifferences = .default, to folder: URL, progress: (SynthesisProgress) -> Void = { _ in }
    ) throws -> SiteNetworkSummary {
        let assigned = try assignments(seed: seed, patients: patients, sites: sites, differences: differences)
        var sizes = [Int](repeating: 0, count: sites)
        for site in assigned { sizes[site] += 1 }
        if let empty = sizes.firstIndex(of: 0) {
            throw SynthError.emptySite(site: siteName(empty), patients: patients, sites: sites)
        }
        let writers = try (0..<sites).map { try StudyFolderWriter(folder: folder.appendingPathComponent(siteName($0))) }
        let union = try StudyFolderWriter(folder: folder.appendingPathComponent(unionFolder))
        var done = 0
        try SyntheticCohort.forEachPlannedRecord(seed: seed, patients: patients) { plan, generated in
            let site = assigned[plan.index]
            var record = generated
            record.patient.site = siteName(site)
            if differences == .default {
                let sparse = Set(sparseParameters[site % sparseParameters.count])
                if !sparse.isEmpty {
                    record.measurements.removeAll { measurement, _ in
                        sparse.contains(measurement.parameter) && !isEvenDay(measurement.time)
                    }
                }
            }
            try writers[site].write(record)
            try union.write(record)
            done += 1
            if done % 1_000 == 0 { progress(SynthesisProgress(patientsDone: done, patientsTotal: patients)) }
        }
        var siteSummaries: [SyntheticWriteSummary] = []
        for (index, writer) in writers.enumerated() {
            let (rows, bytes) = try writer.close()
            siteSummaries.append(SyntheticWriteSummary(patients: sizes[index], rows: rows, bytes: bytes))
        }
        let (rows, bytes) = try union.close()
        if done % 1_000 != 0 || done == 0 { progress(SynthesisProgress(patientsDone: done, patientsTotal: patients)) }
        return SiteNetworkSummary(sites: siteSummaries, union: SyntheticWriteSummary(patients: patients, rows: rows, bytes: bytes))
    }

    private static func isEvenDay(_ time: Double) -> Bool {
        let day = Int(time.rounded(.down))
        return day % 2 == 0
    }

    /// The site of one patient: a draw from the patient's own stream with weights set by
    /// ``SiteDifferences``.
    static func site(of plan: PatientPlan, seed: UInt64, sites: Int, differences: SiteDifferences) -> Int {
        var rng = Xoshiro256StarStar(seed: seed, stream: 0x5349_5445_0000_0000 &+ UInt64(plan.index))
        let weights = (0..<sites).map { weight(site: $0, of: sites, plan: plan, differences: differences) }
        let total = weights.reduce(0, +)
        var draw = rng.uniform() * total
        for (index, weight) in weights.enumerated() {
            if draw < weight { return index }
            draw -= weight
        }
        return sites - 1
    }

    /// The relative weight of `site` for a patient (see ``SiteDifferences/default``).
    static func weight(site k: Int, of sites: Int, plan: PatientPlan, differences: SiteDifferences) -> Double {
        guard differences == .default else { return 1 }
        // Position of the site on [−1, 1], and the same positions rotated by half the network.
        func position(_ index: Int) -> Double { 2 * Double(index) / Double(sites - 1) - 1 }
        let t = position(k)
        let rotated = position((k + sites / 2) % sites)
        let size = 1 + 0.5 * Double(k % 3)
        let age = 0.8 * t * (plan.age - 60) / 12
        let bmi = 0.6 * rotated * (plan.bmi - 28) / 5
        let male = plan.sex == .male ? 0.5 * (k % 2 == 0 ? 1.0 : -1.0) : 0
        let treated = plan.role == .treated ? -0.8 * t : 0
        return size * Foundation.exp(age + bmi + male + treated)
    }
}

/// How the sites of a simulated network differ.
public enum SiteDifferences: String, CaseIterable, Sendable {
    /// Every site is equally likely for every patient; all sites measure alike. The union of
    /// the sites is the plain cohort.
    case none
    /// Case mix and measurement frequency differ by site:
    /// - case mix: site k (position t from −1 for site 1 to +1 for site K) has relative weight
    ///   (1 + ½·(k mod 3)) · exp(0.8·t·(age − 60)/12 + 0.6·t′·(BMI − 28)/5 ± 0.5·male − 0.8·t·treated),
    ///   with t′ the position of the site half the network further on and + for odd-numbered
    ///   sites: base sizes 1, 1.5, 2 repeating; later sites have older patients and treat fewer
    ///   of them; BMI and sex mix vary too (default cohort seed, 3 900 patients over 4 sites:
    ///   mean ages 58, 63, 67, 70 years, treated shares 44 %, 33 %, 19 %, 16 %);
    /// - measurement frequency: sites 2, 5, 8, … measure ferritin and procalcitonin, sites 3, 6,
    ///   9, … CRP and white blood cells only on even ICU days (``SiteNetwork/sparseParameters``).
    case `default`
}

/// What ``SiteNetwork/write(seed:patients:sites:differences:to:progress:)`` wrote.
public struct SiteNetworkSummary: Sendable, Equatable {
    /// Per site, in order site-1 … site-K.
    public var sites: [SyntheticWriteSummary]
    /// The `all` folder.
    public var union: SyntheticWriteSummary
}
