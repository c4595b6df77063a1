import DayZeroStats
import Foundation

/// `dayzero-bench lmm`: the repeated-measures mixed model `y ~ day * group + (1 | patient)`
/// (21 day levels × 2 groups, REML) with lmerTest-style type III Satterthwaite F tests, on a
/// seeded synthetic cohort; with `--with-r`, the same data through lme4 + lmerTest
/// (bench/lmm.R) in the same run.
enum LMMBenchmark: Benchmark {
    static let name = "lmm"
    static let abstract = "linear mixed model: REML fit + type III Satterthwaite tests (day × group, random intercept)"
    static let usage = [
        "--patients N     number of patients (default 10000)",
        "--days D         number of study days, centred on day 0 (default 21: day -10 ... +10)",
        "--seed S         data seed (default 20201)",
        "--repeat K       timed Swift repetitions, the median is reported (default 3)",
        "--with-r         also time lme4 + lmerTest on the same data (needs Rscript)",
        "--r-script PATH  the R benchmark script (default bench/lmm.R)",
        "--csv PATH       where to write the data for R (default: a temporary file, removed afterwards)",
    ]

    struct Cohort {
        var patient: [Int] = []
        var dayCode: [Int32] = []
        var groupCode: [Int32] = []
        var y: [Double] = []
        var dayLabels: [String] = []
    }

    /// The synthetic cohort: ~35% treated; each patient is followed from day −10, 30% leave
    /// the ICU early (last day uniform in −5 … +9), and each remaining day is missing with
    /// probability 0.2 — about 71% of the patient-days, ≈1.5M rows for 100 000 patients.
    /// y = 5 + 0.02 d − 0.004 d² + treated · (−0.3 − 0.05 · max(d, 0)) + bᵢ + ε,
    /// bᵢ ~ N(0, 0.8²), ε ~ N(0, 0.5²).
    static func generate(patients: Int, days: Int, seed: UInt64) -> Cohort {
        var rng = SeededGenerator(seed: seed)
        var cohort = Cohort()
        let first = -(days / 2)
        cohort.dayLabels = (0..<days).map { String(first + $0) }
        let expected = patients * days * 3 / 4
        cohort.patient.reserveCapacity(expected)
        cohort.dayCode.reserveCapacity(expected)
        cohort.groupCode.reserveCapacity(expected)
        cohort.y.reserveCapacity(expected)
        for id in 0..<patients {
            let treated: Int32 = rng.uniform() < 0.35 ? 1 : 0
            let b = 0.8 * rng.normal()
            var last = days - 1
            if rng.uniform() < 0.3 {
                last = min(days - 1, max(0, days / 4 + Int(rng.uniform() * Double(days * 3 / 4 - 1))))
            }
            for code in 0...last {
                if rng.uniform() < 0.2 { continue }
                let d = Double(first + code)
                var mean = 5 + 0.02 * d - 0.004 * d * d
                if treated == 1 { mean += -0.3 - 0.05 * max(d, 0) }
                cohort.patient.append(id)
                cohort.dayCode.append(Int32(code))
                cohort.groupCode.append(treated)
                cohort.y.append(mean + b + 0.5 * rng.normal())
            }
        }
        return cohort
    }

    struct SwiftResult {
        var fit: LinearMixedModelFit
        var anova: TypeIIIAnovaTable
    }

    static func fitSwift(_ cohort: Cohort) throws -> SwiftResult {
        let day = try CategoricalVariable(name: "day", levels: cohort.dayLabels, codes: cohort.dayCode)
        let group = try CategoricalVariable(name: "group", levels: ["control", "treated"], codes: cohort.groupCode)
        let design = try FixedEffectsDesign.crossed(day, group)
        let fit = try LinearMixedModel.fit(response: cohort.y, subjects: cohort.patient, design: design)
        let anova = try fit.typeIIIAnova()
        return SwiftResult(fit: fit, anova: anova)
    }

    static func run(_ options: BenchmarkOptions) throws {
        let patients = try options.int("patients", default: 10_000, range: 3...10_000_000)
        let days = try options.int("days", default: 21, range: 2...1000)
        let seed = try options.int("seed", default: 20201, range: 0...Int.max)
        let repeats = try options.int("repeat", default: 3, range: 1...100)
        let withR = options.flag("with-r")
        let rScript = try options.string("r-script") ?? "bench/lmm.R"
        let csvOption = try options.string("csv")
        try options.checkAllUsed()

        let (cohort, generateSeconds) = measure { generate(patients: patients, days: days, seed: UInt64(seed)) }
        print("lmm: \(patients) patients, \(days) days, \(cohort.y.count) rows, seed \(seed)")
        print(String(format: "  generate data:              %8.3f s", generateSeconds))

        var times: [Double] = []
        var result: SwiftResult?
        for _ in 0..<repeats {
            let (r, t) = try measure { try fitSwift(cohort) }
            times.append(t)
            result = r
        }
        guard let swift = result else { throw BenchmarkError("no Swift run") }
        let swiftSeconds = times.sorted()[times.count / 2]
        print(String(format: "  Swift fit + type III:       %8.3f s   (median of %d: %@)", swiftSeconds, repeats,
                     times.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
        let fit = swift.fit
        print(String(format: "    θ = %.10g, σ² = %.10g, σ_b² = %.10g, logLik(REML) = %.12g",
                     fit.theta, fit.residualVariance, fit.subjectVariance, fit.restrictedLogLikelihood))
        for row in swift.anova.rows {
            print(String(format: "    %@ NumDF %3d  DenDF %14.6f  F %12.6f  p %.6g",
                         row.term.padding(toLength: 10, withPad: " ", startingAt: 0), row.test.numeratorDF, row.test.denominatorDF, row.test.fValue, row.test.pValue))
        }
        for w in fit.warnings + swift.anova.warnings { print("    warning: \(w)") }

        guard withR else { return }
        let csvURL: URL
        let removeCSV: Bool
        if let csvOption {
            csvURL = URL(fileURLWithPath: csvOption)
            removeCSV = false
        } else {
            csvURL = FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-bench-lmm-\(patients)-\(seed).csv")
            removeCSV = true
        }
        let (_, writeSeconds) = try measure { try writeCSV(cohort, to: csvURL) }
        print(String(format: "  write CSV for R:            %8.3f s   (%@)", writeSeconds, csvURL.path))
        defer { if removeCSV { try? FileManager.default.removeItem(at: csvURL) } }
        let outURL = csvURL.deletingPathExtension().appendingPathExtension("r-result.txt")
        defer { try? FileManager.default.removeItem(at: outURL) }
        let (status, rWallSeconds) = try measure { try runR(script: rScript, csv: csvURL, output: outURL) }
        guard status == 0 else { throw BenchmarkError("Rscript \(rScript) exited with status \(status)") }
        let r = try parseRResult(outURL)
        guard let rSeconds = r.values["seconds"] else { throw BenchmarkError("R result has no 'seconds' line") }
        print(String(format: "  R lme4 + lmerTest:          %8.3f s   (fit + anova(type = 3) + summary; Rscript wall time incl. CSV read %.1f s)",
                     rSeconds, rWallSeconds))
        print(String(format: "  ratio R / Swift:            %8.0f ×", rSeconds / swiftSeconds))
        // Agreement on the same data.
        var worst: [(String, Double)] = []
        func compare(_ label: String, _ a: Double, _ b: Double?) {
            guard var b else { return }
            var a = a
            // A p-value far in the tail magnifies its statistic's relative error by about
            // the df; compare ln p there (as the parity tests do).
            if label.hasPrefix("p "), b < 1e-10, a > 0, b > 0 {
                a = log(a)
                b = log(b)
            }
            let rel = a == b ? 0 : abs(a - b) / max(abs(b), .leastNormalMagnitude)
            worst.append((label, rel))
        }
        compare("theta", fit.theta, r.values["theta"])
        compare("sigma2", fit.residualVariance, r.values["sigma2"])
        compare("logLik", fit.restrictedLogLikelihood, r.values["logLik"])
        for row in swift.anova.rows {
            compare("F \(row.term)", row.test.fValue, r.values["F:\(row.term)"])
            compare("DenDF \(row.term)", row.test.denominatorDF, r.values["DenDF:\(row.term)"])
            compare("p \(row.term)", row.test.pValue, r.values["p:\(row.term)"])
        }
        for c in fit.coefficients {
            compare("estimate", c.estimate, r.values["estimate:\(c.name)"])
            compare("SE", c.standardError, r.values["se:\(c.name)"])
            compare("df", c.degreesOfFreedom, r.values["df:\(c.name)"])
        }
        var byKind: [String: Double] = [:]
        for (label, rel) in worst {
            let kind = String(label.split(separator: " ").first ?? Substring(label))
            byKind[kind] = max(byKind[kind] ?? 0, rel)
        }
        print("  Swift vs R, max relative difference (p: on ln p below 1e-10): " + byKind.sorted { $0.key < $1.key }
            .map { String(format: "%@ %.1e", $0.key, $0.value) }.joined(separator: ", "))
    }

    static func writeCSV(_ cohort: Cohort, to url: URL) throws {
        var text = "patient,day,group,y\n"
        text.reserveCapacity(cohort.y.count * 32)
        let groups = ["control", "treated"]
        for i in 0..<cohort.y.count {
            text += "\(cohort.patient[i]),\(cohort.dayLabels[Int(cohort.dayCode[i])]),\(groups[Int(cohort.groupCode[i])]),\(cohort.y[i])\n"
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    static func runR(script: String, csv: URL, output: URL) throws -> Int32 {
        guard FileManager.default.fileExists(atPath: script) else {
            throw BenchmarkError("R script '\(script)' not found; run from the repository root or pass --r-script")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["Rscript", script, csv.path, output.path]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// `key value` lines written by bench/lmm.R.
    static func parseRResult(_ url: URL) throws -> (values: [String: Double], lines: [String]) {
        let text = try String(contentsOf: url, encoding: .utf8)
        var values: [String: Double] = [:]
        let lines = text.split(separator: "\n").map(String.init)
        for line in lines {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            if parts.count == 2, let v = Double(parts[1]) { values[parts[0]] = v }
        }
        return (values, lines)
    }
}
