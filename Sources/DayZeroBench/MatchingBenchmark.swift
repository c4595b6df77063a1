import DayZeroStats
import Foundation

/// `dayzero-bench matching --patients N [--seed S] [--repeat R] [--r]`: propensity-score
/// matching (logistic fit + 1:1 nearest neighbour, MatchIt defaults) on N synthetic patients
/// with the paper's covariates (age, sex, BMI) and about a third treated. With `--r` the same
/// data go through `bench/matching.R` (MatchIt in R) in the same run, which reports its time and
/// whether its pairs equal DayZero's.
enum MatchingBenchmark: Benchmark {
    struct Arguments {
        var patients = 100_000
        var seed: UInt64 = 1
        var repetitions = 3
        var compareWithR = false
    }

    static let name = "matching"
    static let abstract = "propensity-score matching: logistic fit + 1:1 nearest neighbour (MatchIt defaults)"
    static let usage = [
        "--patients N   synthetic patients (default 100000, at least 10)",
        "--seed S       data seed (default 1)",
        "--repeat R     timed runs (default 3)",
        "--r            also run MatchIt on the same data (bench/matching.R) and compare",
    ]

    static func parse(_ options: BenchmarkOptions) throws -> Arguments {
        var a = Arguments()
        a.patients = try options.int("patients", default: 100_000, range: 10...100_000_000)
        if let text = try options.string("seed") {
            guard let s = UInt64(text) else { throw BenchError("--seed needs a whole number") }
            a.seed = s
        }
        a.repetitions = try options.int("repeat", default: 3, range: 1...1000)
        a.compareWithR = options.flag("r")
        return a
    }

    /// Synthetic covariates: age ~ N(62, 12), male with probability 0.7, BMI ~ N(28, 4.5);
    /// treated with probability logistic(−0.9 + 0.02 (age − 62) + 0.3 male + 0.04 (BMI − 28)).
    static func data(patients n: Int, seed: UInt64) -> (treated: [Bool], age: [Double], male: [Double], bmi: [Double]) {
        var rng = BenchRandom(seed: seed)
        var treated = [Bool](repeating: false, count: n)
        var age = [Double](repeating: 0, count: n)
        var male = age
        var bmi = age
        for i in 0..<n {
            age[i] = (62 + 12 * rng.normal()).rounded()
            male[i] = rng.uniform() < 0.7 ? 1 : 0
            bmi[i] = ((28 + 4.5 * rng.normal()) * 10).rounded() / 10
            let eta = -0.9 + 0.02 * (age[i] - 62) + 0.3 * male[i] + 0.04 * (bmi[i] - 28)
            treated[i] = rng.uniform() < 1 / (1 + exp(-eta))
        }
        return (treated, age, male, bmi)
    }

    static func run(_ options: BenchmarkOptions) throws {
        let a = try parse(options)
        let d = data(patients: a.patients, seed: a.seed)
        let design = try DesignMatrix(columns: [d.age, d.male, d.bmi], names: ["age", "sex_male", "bmi"])
        let clock = ContinuousClock()
        var fitTimes: [Double] = []
        var totalTimes: [Double] = []
        for _ in 0..<a.repetitions {
            let start = clock.now
            let model = try LogisticRegression.fit(outcome: d.treated, design: design)
            let fitted = clock.now
            _ = try NearestNeighborMatching.match(distance: model.fittedProbabilities, treated: d.treated)
            let end = clock.now
            fitTimes.append(seconds(fitted - start))
            totalTimes.append(seconds(end - start))
        }
        let result = try PropensityScoreMatching.match(treated: d.treated, design: design)
        let treatedCount = d.treated.count { $0 }
        let fit = fitTimes.min() ?? 0
        let total = totalTimes.min() ?? 0
        print("matching: \(a.patients) patients (\(treatedCount) treated), 1:1 nearest, m.order largest, no caliper")
        print(String(format: "  DayZero  logistic fit %.3f s + matching %.3f s = %.3f s (best of %d)", fit, total - fit, total, a.repetitions))
        print("  pairs \(result.matching.pairCount), model iterations \(result.model.iterations)")
        guard a.compareWithR else { return }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-bench-matching-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var csv = "treat,age,sex_male,bmi\n"
        csv.reserveCapacity(a.patients * 20)
        for i in 0..<a.patients {
            csv += "\(d.treated[i] ? 1 : 0),\(number(d.age[i])),\(number(d.male[i])),\(number(d.bmi[i]))\n"
        }
        let input = folder.appendingPathComponent("data.csv")
        let output = folder.appendingPathComponent("pairs.csv")
        try Data(csv.utf8).write(to: input)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("bench/matching.R")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["Rscript", script.path, input.path, output.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("bench/matching.R failed (status \(process.terminationStatus))") }
        let timing = text.split(separator: "\n").first { $0.hasPrefix("matchit_seconds") }
        let rSeconds = timing.flatMap { Double($0.split(separator: " ").last ?? "") } ?? .nan
        // R's pairs (1-based control row per treated row, data order of the treated).
        let rows = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").dropFirst()
        let ours = result.matching.matchMatrix.map { $0 + 1 }
        let theirs = rows.map { Int($0) ?? 0 }
        let same = ours == theirs
        print(String(format: "  MatchIt  matchit(treat ~ age + sex_male + bmi) %.3f s  → DayZero %.0f× faster", rSeconds, rSeconds / total))
        print("  pairs equal to MatchIt's (on the 2^30-scaled score, see bench/matching.R): \(same ? "yes" : "NO")")
        if !same { throw BenchError("pairs differ from MatchIt's") }
    }


    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// SplitMix64 with Box–Muller normals: deterministic benchmark data.
struct BenchRandom {
    private var state: UInt64
    private var spare: Double?

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on (0, 1).
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }

    mutating func normal() -> Double {
        if let s = spare {
            spare = nil
            return s
        }
        let r = (-2 * log(uniform())).squareRoot()
        let t = 2 * Double.pi * uniform()
        spare = r * sin(t)
        return r * cos(t)
    }
}
