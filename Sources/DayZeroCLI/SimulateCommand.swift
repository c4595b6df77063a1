import ArgumentParser
import DayZeroSources
import DayZeroSynth
import Foundation

/// `dayzero simulate`: writes the calibrated synthetic cohort as a study folder of CSV files.
public struct SimulateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a synthetic cohort shaped like the anakinra study (Kooistra et al. 2020), or a built-in example's, as a study folder.",
        discussion: """
            With the default seed and 78 patients this is the default cohort: the paper's flow \
            (78 screened, 9 immunocompromised, 1 refused, 8 controls gone by ICU day 12, 21 treated, \
            39 controls) and its Table 1 counts exactly. Other sizes keep the same proportions and are \
            streamed to disk in bounded memory. The same seed always gives byte-identical files. \
            See docs/synthetic-cohort.md. --example alcoholic-hepatitis writes the second built-in example \
            (200 screened patients with severe alcoholic hepatitis; docs/examples.md). --sites K splits the \
            cohort over K hospitals with differing case mix and measurement frequency (OUT/site-1 … \
            OUT/site-K, and OUT/all: their union) for multi-site studies.

            Examples:
              dayzero simulate --out study/  # the default cohort (78 patients)
              dayzero simulate --out big/ --patients 5000 --seed 7
              dayzero simulate --example alcoholic-hepatitis --out ah-study/
              dayzero simulate --sites 3 --out network/  # network/site-1 … site-3 and network/all
              dayzero simulate --sites 8 --patients 10000 --site-differences none --out big-network/
            """
    )

    @Option(name: .long, help: "Random seed (any unsigned 64-bit integer); default: the example's (kooistra 20201214, alcoholic-hepatitis 20150423).")
    public var seed: UInt64?

    @Option(name: .long, help: "Study folder to write (created if needed).")
    public var out: String

    @Option(name: .long, help: "Number of screened patients; default: the example's (kooistra 78, alcoholic-hepatitis 200).")
    public var patients: Int?

    @Option(name: .long, help: "The built-in example whose synthetic cohort is written (\(StudyExample.knownNames)); default: kooistra.")
    public var example: String?

    @Flag(name: .long, help: "Replace the study files of a folder that is not empty.")
    public var force = false

    @Option(name: .long, help: "Output format: csv (a study folder) or omop (OMOP CDM 5.4 tables as CSV files named after the tables, loadable with COPY; docs/sources.md).")
    public var format: String = "csv"

    @Option(name: .long, help: "Split the cohort over this many hospitals (2 … \(SiteNetwork.maximumSites)): writes OUT/site-1 … OUT/site-K and OUT/all (their union), each a study folder.")
    public var sites: Int?

    @Option(name: .long, help: "With --sites: how the hospitals differ: default (case mix and measurement frequency) or none (a random split; OUT/all is the plain cohort).")
    public var siteDifferences: String?

    public init() {}

    /// The example named by `--example`, else the default (kooistra).
    func chosenExample() throws -> StudyExample {
        try example.map(StudyExample.parse) ?? .default
    }

    public func validate() throws {
        guard format == "csv" || format == "omop" else {
            throw ValidationError("--format must be csv or omop, got \(format).")
        }
        _ = try chosenExample()
        try validateSites()
        if let patients, patients < 1 {
            throw ValidationError("--patients must be at least 1, got \(patients).")
        }
        let url = URL(fileURLWithPath: out)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ValidationError("--out \(out) exists and is not a folder.")
            }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            if !contents.isEmpty && !force {
                throw ValidationError("--out \(out) is not empty; pass --force to replace its study files.")
            }
        }
    }

    public func run() throws {
        if let sites {
            try runNetwork(sites: sites)
            return
        }
        if format == "omop" {
            try runOMOP()
            return
        }
        let folder = URL(fileURLWithPath: out)
        let started = Date()
        var shownProgress = false
        let chosen = try chosenExample()
        let seed = self.seed ?? chosen.defaultSeed
        let patients = self.patients ?? chosen.defaultPatientCount
        let summary = try chosen.write(seed: seed, patients: patients, to: folder) { progress in
            // Progress on stderr, only for runs that take longer than a second.
            guard Date().timeIntervalSince(started) > 1 || shownProgress else { return }
            shownProgress = true
            let percent = Int((progress.fraction * 100).rounded(.down))
            FileHandle.standardError.write(Data("\rsimulating: \(progress.patientsDone) / \(progress.patientsTotal) patients (\(percent)%)".utf8))
        }
        if shownProgress { FileHandle.standardError.write(Data("\n".utf8)) }
        let seconds = Date().timeIntervalSince(started)
        let rows = summary.rows.values.reduce(0, +)
        let megabytes = Double(summary.bytes) / 1_048_576
        print("wrote \(summary.patients) patients\(chosen == .kooistra ? "" : " of the \(chosen.rawValue) example") (seed \(seed)): \(rows) rows, "
              + String(format: "%.1f MB", megabytes) + " in \(folder.path) "
              + String(format: "(%.1f s)", seconds))
    }

    /// `--format omop`: the study folder is written to a temporary folder, read back through the
    /// import's validation (so the OMOP tables hold exactly what the CSV route imports) and
    /// written as OMOP CDM 5.4 tables.
    func runOMOP() throws {
        let chosen = try chosenExample()
        let seed = self.seed ?? chosen.defaultSeed
        let patients = self.patients ?? chosen.defaultPatientCount
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-simulate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        _ = try chosen.write(seed: seed, patients: patients, to: staging) { _ in }
        let counts = try OMOPWriter.write(studyFolder: staging, to: URL(fileURLWithPath: out))
        let rows = counts.values.reduce(0, +)
        print("wrote \(patients) patients (seed \(seed)) as OMOP CDM 5.4 tables: \(counts.count) files, \(rows) rows in \(out)")
    }

    // MARK: --sites (a simulated network; docs/synthetic-cohort.md)

    func validateSites() throws {
        guard let sites else {
            if siteDifferences != nil { throw ValidationError("--site-differences goes with --sites.") }
            return
        }
        guard (2...SiteNetwork.maximumSites).contains(sites) else {
            throw ValidationError("--sites must be 2 … \(SiteNetwork.maximumSites), got \(sites).")
        }
        guard format == "csv" else { throw ValidationError("--sites writes study folders: use it with --format csv.") }
        guard try chosenExample() == .kooistra else { throw ValidationError("--sites splits the kooistra example's cohort only.") }
        if let siteDifferences, SiteDifferences(rawValue: siteDifferences) == nil {
            throw ValidationError("--site-differences must be none or default, got \(siteDifferences).")
        }
    }

    /// `--sites K`: OUT/site-1 … OUT/site-K and OUT/all.
    func runNetwork(sites: Int) throws {
        let seed = self.seed ?? SyntheticCohort.defaultSeed
        let patients = self.patients ?? SyntheticCohort.defaultPatientCount
        let differences = siteDifferences.flatMap(SiteDifferences.init(rawValue:)) ?? .default
        let folder = URL(fileURLWithPath: out)
        let summary = try SiteNetwork.write(seed: seed, patients: patients, sites: sites, differences: differences, to: folder)
        let sizes = summary.sites.map { String($0.patients) }.joined(separator: ", ")
        print("wrote \(patients) patients (seed \(seed)) over \(sites) sites (site differences: \(differences.rawValue)): "
              + "\(sizes) patients in \(folder.path)/site-1 … site-\(sites); their union in \(folder.path)/\(SiteNetwork.unionFolder)")
    }
}
