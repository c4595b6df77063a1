import DayZeroAnalysis
import DayZeroCohort
import DayZeroSynth
import Foundation

/// `dayzero-bench robustness`: the default protocol's specification curve on the bundled cohort
/// (its main set), wall time; with `--with-r`, the R time of the same grid extrapolated from
/// measured R refits of one specification (`scripts/robustness-r-time.R` on the protocol's own
/// specification's tidy exports, `--r-runs` times; the median × the specifications run).
enum RobustnessBenchmark: Benchmark {
    static let name = "robustness"
    static let abstract = "the default protocol's specification curve (main set) on the bundled cohort"
    static let usage = [
        "--max N        max_specifications (default: the default protocol's, 1000)",
        "--with-r       also time R refits of one specification and extrapolate (Rscript on PATH, repo root)",
        "--r-runs K     R refits timed for the extrapolation (default 3)",
    ]

    static func run(_ options: BenchmarkOptions) throws {
        var p = StudyProtocol.paperDefault
        guard var settings = p.robustness else { throw BenchError("the default protocol has no robustness: section") }
        settings.maxSpecifications = try options.int("max", default: settings.maxSpecifications, range: 1...100_000)
        p.robustness = settings
        let study = SyntheticCohort.default
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("robustness: the bundled cohort (\(study.patients.count) screened patients), default protocol's grid, \(cores) cores")
        let cpuStart = cpuSeconds()
        let start = ContinuousClock.now
        let results = try RobustnessAnalysis.run(study: study, protocol: p, seed: SyntheticCohort.defaultSeed)
        let wall = seconds(ContinuousClock.now - start)
        let cpu = cpuSeconds() - cpuStart
        let n = results.specifications.count
        print("  grid \(results.gridSize) specifications; run \(n)\(results.sampled ? " (seeded sample, seed \(results.samplingSeed))" : ""), "
            + "\(results.distinctAnalyses) distinct analyses of the sets \(results.analysisSets.map(\.id).joined(separator: ", "))")
        print(String(format: "  DayZero: %.2f s wall (%.1f specifications/s, %.1f ms per distinct analysis on %d cores)",
                     wall, Double(n) / wall, 1000 * wall / Double(max(results.distinctAnalyses, 1)), cores))
        print(String(format: "  CPU time %.1f s (user + system; wall above CPU / %d means other processes shared the cores)", cpu, cores))
        let curves = results.analysisSets.first?.results ?? []
        let fragile = curves.filter { $0.summary.verdict == "fragile" }.count
        print("  \(curves.count) headline results of the main set; \(fragile) fragile")
        guard options.flag("with-r") else { return }

        let runs = try options.int("r-runs", default: 3, range: 1...50)
        var own = p.withoutRobustness
        own.analysisSets = own.analysisSets.filter { $0.name == (settings.analysisSets?.first ?? own.analysisSets.first?.name) }
        let analysis = try StudyAnalysis(study: study, protocol: own, seed: SyntheticCohort.defaultSeed)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-bench-robustness-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try analysis.resultsJSON().write(to: folder.appendingPathComponent("results.json"))
        try TidyExport.write(analysis, to: folder)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/robustness-r-time.R")
        var times: [Double] = []
        for _ in 0..<runs {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["Rscript", script.path, folder.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw BenchError("scripts/robustness-r-time.R failed (status \(process.terminationStatus))")
            }
            let line = text.split(separator: "\n").first { $0.hasPrefix("refit_seconds") }
            guard let t = line.flatMap({ Double($0.split(separator: " ").last ?? "") }) else {
                throw BenchError("scripts/robustness-r-time.R printed no refit_seconds")
            }
            times.append(t)
        }
        let perSpec = WorkupBenchmark.median(times)
        print(String(format: "  R: one specification's headline results refitted (lmer + anova type 3, coxph, fisher, wilcox; derivation not included) median %.2f s of %d runs",
                     perSpec, runs))
        print(String(format: "  R extrapolated: %d specifications × %.2f s = %.0f s (%.1f min); %d distinct × %.2f s = %.0f s; DayZero %.0f× faster",
                     n, perSpec, Double(n) * perSpec, Double(n) * perSpec / 60, results.distinctAnalyses, perSpec,
                     Double(results.distinctAnalyses) * perSpec, Double(n) * perSpec / wall))
    }

    /// User + system CPU time of this process so far (all threads: `clock()`).
    static func cpuSeconds() -> Double {
        Double(clock()) / Double(CLOCKS_PER_SEC)
    }
}
