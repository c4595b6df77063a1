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
        "--window A:B   every kinetics parameter and the cytokines on aligned periods A…B (default: the paper's windows)",
        "--time-model M categorical (default) | linear | spline (kinetics_model.time)",
        "--knots K,…    spline interior knots (default: none)",
        "--max-levels N categorical only: kinetics_model.max_levels (default 60)",
    ]

    static func run(_ options: BenchmarkOptions) throws {
        let patients = try options.int("patients", default: SyntheticCohort.defaultPatientCount, range: 1...10_000_000)
        let repeats = try options.int("repeat", default: 5, range: 1...1000)
        let seed = try options.string("seed").map { text -> UInt64 in
            guard let value = UInt64(text) else { throw BenchmarkError("--seed must be an unsigned integer, got '\(text)'") }
            return value
        } ?? SyntheticCohort.defaultSeed
        let study = try SyntheticCohort.generate(seed: seed, patients: patients)
        let studyProtocol = try protocolFor(options)
        print("workup: \(patients) screened patients, \(study.measurements.count) measurement rows, seed \(seed)")
        if studyProtocol != .paperDefault {
            print("  protocol: serial window \(studyProtocol.windows.serial), kinetics_model \(studyProtocol.kineticsModel.label)")
        }
        let issues = studyProtocol.validate()
        if !issues.isEmpty {
            // The refusal is the result (e.g. the categorical model above max_levels): show it.
            for issue in issues { print("  refused: \(issue.path): \(issue.message)") }
            return
        }
        var deriveTimes: [Double] = []
        var totalTimes: [Double] = []
        var sets = 0
        for run in 0...repeats {
            let start = ContinuousClock.now
            _ = try CohortDerivation.derive(study, protocol: studyProtocol)
            let derived = ContinuousClock.now
            let analysis = try StudyAnalysis(study: study, protocol: studyProtocol, seed: seed)
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


    /// The paper's protocol, or with `--window`/`--time-model`/`--knots`/`--max-levels` its
    /// kinetics on one window (every parameter's own window and the cytokines' replaced).
    static func protocolFor(_ options: BenchmarkOptions) throws -> StudyProtocol {
        var p = StudyProtocol.paperDefault
        if let text = try options.string("window") {
            let parts = text.split(separator: ":").map { Int($0) }
            guard parts.count == 2, let a = parts[0], let b = parts[1], a <= b else {
                throw BenchmarkError("--window must be A:B with whole periods A <= B, got '\(text)'")
            }
            p.windows.serial = DayWindow(a, b)
            p.windows.cytokines = DayWindow(a, b)
            for k in p.parameters.indices { p.parameters[k].window = nil }
        }
        var model = KineticsModel()
        if let text = try options.string("time-model") {
            guard let time = KineticsTime(rawValue: text) else {
                throw BenchmarkError("--time-model must be categorical, linear or spline, got '\(text)'")
            }
            model.time = time
        }
        if let text = try options.string("knots") {
            let knots = text.split(separator: ",").map { Double($0) }
            guard knots.allSatisfy({ $0 != nil }) else { throw BenchmarkError("--knots must be numbers separated by commas, got '\(text)'") }
            model.knots = knots.compactMap { $0 }
        }
        if try options.string("max-levels") != nil {
            model.maxLevels = try options.int("max-levels", default: KineticsModel.defaultMaxLevels, range: 2...10_000)
        }
        if model != KineticsModel() { p.kineticsModelSetting = model }
        return p
    }

    static func median(_ x: [Double]) -> Double {
        (try? MedianIQR(x))?.median ?? 0
    }
}
