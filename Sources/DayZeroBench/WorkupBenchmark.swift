import DayZeroAnalysis
import DayZeroCohort
import DayZeroStats
import DayZeroSynth
import Foundation

/// `dayzero-bench workup`: derivation + the full workup of every rule-based analysis set on a
/// synthetic cohort held in memory (the default cohort unless `--patients` says otherwise).
/// Reports the median of `--repeat` runs; the first (warm-up) run is not counted.
enum WorkupBenchmark: Benchmark {
    static let name = "workup"
    static let abstract = "cohort derivation + the full workup of every analysis set (default: the bundled cohort)"
    static let usage = [
        "--patients N   screened patients of the synthetic cohort (default 78, the default cohort)",
        "--seed S       synthetic cohort seed (default: the default cohort's)",
        "--repeat K     timed runs after one warm-up (default 5)",
    ]

    static func run(_ options: BenchmarkOptions) throws {
        let patients = try options.int("patients", default: SyntheticCohort.defaultPatientCount, range: 1...10_000_000)
        let repeats = try options.int("repeat", default: 5, range: 1...1000)
        let seed = try options.string("seed").map { text -> UInt64 in
            guard let value = UInt64(text) else { throw BenchmarkError("--seed must be an unsigned integer, got '\(text)'") }
            return value
        } ?? SyntheticCohort.defaultSeed
        let study = try SyntheticCohort.generate(seed: seed, patients: patients)
        print("workup: \(patients) screened patients, \(study.measurements.count) measurement rows, seed \(seed)")
        var deriveTimes: [Double] = []
        var totalTimes: [Double] = []
        var sets = 0
        for run in 0...repeats {
            let start = ContinuousClock.now
            _ = try CohortDerivation.derive(study, protocol: .paperDefault)
            let derived = ContinuousClock.now
            let analysis = try StudyAnalysis(study: study, protocol: .paperDefault, seed: seed)
            let end = ContinuousClock.now
            sets = analysis.results.analysisSets.count
            if run > 0 {
                deriveTimes.append(seconds(derived - start))
                totalTimes.append(seconds(end - derived))
            }
        }
        print(String(format: "  derivation:                       median %.4f s", median(deriveTimes)))
        print(String(format: "  derivation + workup of %d sets:    median %.4f s  (min %.4f, max %.4f, %d runs)",
                     sets, median(totalTimes), totalTimes.min() ?? 0, totalTimes.max() ?? 0, totalTimes.count))
    }


    static func median(_ x: [Double]) -> Double {
        (try? MedianIQR(x))?.median ?? 0
    }
}
