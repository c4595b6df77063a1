import DayZeroAnalysis
import DayZeroCohort
import DayZeroReport
import DayZeroStore
import DayZeroSynth
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dayzero-bench pipeline`: the whole job on a synthetic cohort of N screened patients, each
/// step timed — simulate (write the CSV study folder), import (CSV → SQLite), load (SQLite →
/// `StudyData`, every table but the measurements, cytokines and proteomics values),
/// derivation/alignment (those three streamed from the store into the derivation, as
/// `dayzero analyze --db` does), the workup of the main analysis set alone, the workup of
/// every analysis set (`StudyAnalysis` on the derived cohort), writing `results.json` + the tidy exports, rendering `report.html` —
/// and, with `--with-r`, the same workup in R (`bench/workup.R`) on the tidy exports.
///
/// Peak memory: `ru_maxrss` is a process-wide high-water mark, so simulate and import each run in
/// a child process of their own (`dayzero-bench pipeline-step …`), and load → render run in a
/// third child whose peak is read after every step; the peak shown for a step of that child is
/// therefore the peak *so far* (it includes the loaded study, which the later steps keep).
enum PipelineBenchmark: Benchmark {
    static let name = "pipeline"
    static let abstract = "simulate → import → load → derive → workup → write → render, timed, with peak memory (and R)"
    static let usage = [
        "--patients N        screened patients (default 78, the default cohort)",
        "--seed S            synthetic cohort seed (default: the default cohort's)",
        "--work DIR          working folder for the CSVs, the store and the outputs (default: a temp folder, removed)",
        "--with-r            also time bench/workup.R on the tidy exports (Rscript on PATH, run from the repo root)",
        "--no-analyse        stop after simulate and import",
        "--analyse-only      skip simulate and import: analyse the store an earlier run left in --work",
        "--no-exports        the write step writes results.json only, not the tidy CSV exports (a registry's are ≈ 80 GiB); no R",
        "--analyse-until S   stop the analysis after step S (load, derive, workup-main, workup, write; cohorts whose workup does not fit in memory)",
        "--r-max-patients M  skip R above M patients (default 10000)",
        "--r-timeout S       kill R after S seconds (default 1800)",
    ]

    static func run(_ options: BenchmarkOptions) throws {
        let patients = try options.int("patients", default: SyntheticCohort.defaultPatientCount, range: 1...10_000_000)
        let seed = try options.string("seed") ?? String(SyntheticCohort.defaultSeed)
        guard UInt64(seed) != nil else { throw BenchmarkError("--seed must be an unsigned integer, got '\(seed)'") }
        let withR = options.flag("with-r")
        let rMax = try options.int("r-max-patients", default: 10_000, range: 0...10_000_000)
        let rTimeout = try options.int("r-timeout", default: 1800, range: 1...86_400)
        let given = try options.string("work")
        let work = given.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-pipeline-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { if given == nil { try? FileManager.default.removeItem(at: work) } }

        say("pipeline: \(patients) screened patients, seed \(seed), work folder \(work.path)")
        // Each child's steps are printed as soon as it ends, so a failure later keeps them.
        say("  step                     seconds   peak RSS   notes")
        var rows: [Row] = []
        var children = [["--simulate", "--patients", String(patients), "--seed", seed], ["--import"], ["--analyse"]]
        if options.flag("no-analyse") { children.removeLast() }
        if options.flag("analyse-only") {
            guard given != nil, FileManager.default.fileExists(atPath: work.appendingPathComponent("study.sqlite").path) else {
                throw BenchmarkError("--analyse-only needs --work DIR holding the study.sqlite of an earlier run")
            }
            guard !options.flag("no-analyse") else { throw BenchmarkError("--analyse-only and --no-analyse exclude each other") }
            children = [["--analyse"]]
        }
        let exports = !options.flag("no-exports")
        if !exports, !options.flag("no-analyse") { children[children.count - 1].append("--no-exports") }
        if let until = try options.string("analyse-until"), !options.flag("no-analyse") {
            guard PipelineStep.analysisSteps.contains(until) else {
                throw BenchmarkError("--analyse-until must be one of \(PipelineStep.analysisSteps.joined(separator: ", ")), got '\(until)'")
            }
            children[children.count - 1] += ["--until", until]
        }
        for arguments in children {
            let done = try child(arguments + ["--work", work.path])
            for r in done {
                say("  " + r.step.padding(toLength: 22, withPad: " ", startingAt: 0)
                      + String(format: " %9.3f %8.0f MiB   ", r.seconds, r.peakMiB) + r.note)
            }
            rows += done
        }
        let sim = rows.filter { $0.step == "simulate" }
        let measurementRows = Int(sim.first?.extra["measurement_rows"] ?? "") ?? 0
        let csvBytes = Int(sim.first?.extra["bytes"] ?? "") ?? 0
        if !sim.isEmpty { say(String(format: "  CSV: %.1f MB, %d measurement rows", Double(csvBytes) / 1_048_576, measurementRows)) }
        func total(_ steps: [String]) -> Double { rows.filter { steps.contains($0.step) }.map(\.seconds).reduce(0, +) }
        func ran(_ step: String) -> Bool { rows.contains { $0.step == step } }
        if ran("workup-main") {
            say(String(format: "  main workup job (load + derive + workup-main): %.3f s",
                         total(["load", "derive", "workup-main"])))
        }
        if ran("render") {
            say(String(format: "  whole report job (load + derive + workup + write + render): %.3f s",
                         total(["load", "derive", "workup", "write", "render"])))
        }

        // R starts from the tidy exports.
        guard withR, ran("write"), exports else { return }
        guard patients <= rMax else {
            say("  R: skipped (\(patients) > --r-max-patients \(rMax))")
            return
        }
        let workup = rows.first { $0.step == "workup" }?.seconds ?? 0
        let out = work.appendingPathComponent("out")
        let (status, text, wall) = try runProcess(
            "/usr/bin/env", ["Rscript", "bench/workup.R", out.path], timeout: Double(rTimeout))
        guard status == 0 else {
            guard status == -1 else {
                say("  R: bench/workup.R failed (exit \(status)):\n" + text)
                return
            }
            // Killed at the limit: say how far it got from its progress lines on stderr.
            var planned = 0, done = 0, at = 0.0
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, parts[0] == "planned", let n = Int(parts[1]) { planned = n }
                if parts.count == 3, parts[0] == "progress", let n = Int(parts[1]), let t = Double(parts[2]) { (done, at) = (n, t) }
            }
            say(String(format: "  R: killed at the %d s limit after fitting %d of %d mixed models in %.0f s of workup", rTimeout, done, planned, at))
            if done > 0 {
                let estimate = at / Double(done) * Double(planned)
                say(String(format: "  R workup extrapolated at that rate: ≈ %.0f s, R / DayZero workup ≈ %.0f× (the unfinished %.0f s alone bound it below by %.0f×)",
                             estimate, estimate / workup, at, at / workup))
            }
            return
        }
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Double(parts[1]) { values[String(parts[0])] = v }
        }
        for line in text.split(separator: "\n") where line.hasPrefix("count ") { say("  R " + line.dropFirst(6)) }
        let rRead = values["read_seconds"] ?? .nan
        let rWorkup = values["workup_seconds"] ?? .nan
        say(String(format: "  R read CSVs:   %9.3f s", rRead))
        say(String(format: "  R workup:      %9.3f s   (Rscript wall %.3f s, peak RSS %.0f MiB)", rWorkup, wall, values["peak_mib"] ?? .nan))
        let loadAndDerive = rows.filter { $0.step == "load" || $0.step == "derive" }.reduce(0) { $0 + $1.seconds }
        say(String(format: "  R / DayZero workup: %.1f×   (R read + workup vs DayZero load + derive + workup: %.1f×)",
                     rWorkup / workup, (rRead + rWorkup) / (workup + loadAndDerive)))
    }

    /// Prints a line unbuffered, so a long run's log (a file or a pipe) shows each step as it ends.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// One timed step as reported by a child: `STEP name seconds peakKiB key=value …`.
    struct Row {
        var step: String
        var seconds: Double
        var peakMiB: Double
        var extra: [String: String]
        var note: String { extra.filter { $0.key != "bytes" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
    }

    static func child(_ arguments: [String]) throws -> [Row] {
        let (status, text, _) = try runProcess(selfPath(), ["pipeline-step"] + arguments, timeout: nil)
        guard status == 0 else { throw BenchmarkError("pipeline-step \(arguments.first ?? "") failed (exit \(status)):\n\(text)") }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count >= 4, parts[0] == "STEP", let s = Double(parts[2]), let kib = Double(parts[3]) else { return nil }
            var extra: [String: String] = [:]
            for p in parts.dropFirst(4) {
                let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { extra[kv[0]] = kv[1] }
            }
            return Row(step: parts[1], seconds: s, peakMiB: kib / 1024, extra: extra)
        }
    }

    static func selfPath() -> String {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    /// Runs a process, returning its exit status (−1 when killed at `timeout`), its standard
    /// output + error, and its wall time.
    static func runProcess(_ path: String, _ arguments: [String], timeout: Double?) throws -> (Int32, String, Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        let start = ContinuousClock.now
        try process.run()
        var killed = false
        if let timeout {
            while process.isRunning {
                if seconds(ContinuousClock.now - start) > timeout {
                    process.terminate()
                    killed = true
                    break
                }
                usleep(100_000)
            }
        }
        process.waitUntilExit()
        let wall = seconds(ContinuousClock.now - start)
        try handle.close()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return (killed ? -1 : process.terminationStatus, text, wall)
    }

}

/// `dayzero-bench pipeline-step simulate|import|analyse --work DIR`: one child process of
/// `pipeline`, printing `STEP name seconds peakKiB key=value …` lines.
enum PipelineStep: Benchmark {
    static let name = "pipeline-step"
    static let abstract = "(internal) one step of `pipeline`, in a process of its own for an honest peak RSS"
    static let usage = [
        "simulate --patients N --seed S --work DIR | import --work DIR | analyse --work DIR [--until STEP] [--no-exports]",
    ]

    /// The steps of `analyse`, in order.
    static let analysisSteps = ["load", "derive", "workup-main", "workup", "write", "render"]

    static func run(_ options: BenchmarkOptions) throws {
        guard let work = try options.string("work").map({ URL(fileURLWithPath: $0) }) else {
            throw BenchmarkError("--work DIR is required")
        }
        let csv = work.appendingPathComponent("study")
        let db = work.appendingPathComponent("study.sqlite")
        let out = work.appendingPathComponent("out")
        if options.flag("simulate") {
            let patients = try options.int("patients", default: SyntheticCohort.defaultPatientCount, range: 1...10_000_000)
            guard let seed = try options.string("seed").flatMap(UInt64.init) else { throw BenchmarkError("--seed S is required") }
            try? FileManager.default.removeItem(at: csv)
            let (summary, t) = try measure { try SyntheticCohort.write(seed: seed, patients: patients, to: csv) }
            let m = summary.rows[.measurements] ?? 0
            let total = summary.rows.values.reduce(0, +)
            report("simulate", t, ["rows": "\(total)", "measurement_rows": "\(m)", "bytes": "\(summary.bytes)",
                                   "MB": String(format: "%.1f", Double(summary.bytes) / 1_048_576)])
        } else if options.flag("import") {
            let (summary, t) = try measure { try StudyStore.importStudy(folder: csv, to: db) }
            let m = summary.rowCounts[.measurements] ?? 0
            report("import", t, ["rows": "\(summary.totalRows)",
                                 "measurement_rows/s": String(format: "%.0f", Double(m) / t),
                                 "rows/s": String(format: "%.0f", Double(summary.totalRows) / t)])
        } else if options.flag("analyse") {
            // As `dayzero analyze --db` runs: every table but the measurements, cytokines and
            // proteomics values is loaded; those stream from the store into the derivation (with
            // their digests).
            let store = try StudyStore(url: db)
            let (study, tLoad) = try measure { try store.load(omittingStreamedTables: true) }
            let otherRows = study.patients.count + study.courses.count + study.medications.count + study.events.count
                + study.proteomicsSamples.count
            report("load", tLoad, ["rows": "\(otherRows)", "rows/s": String(format: "%.0f", Double(otherRows) / tLoad)])
            let until = try options.string("until")
            if until == "load" { return }
            let (streamed, tDerive) = try measure { try store.deriveCohort(study: study, protocol: .paperDefault) }
            let cohort = streamed.cohort
            report("derive", tDerive, [
                "treated": "\(cohort.flow.treated)", "controls": "\(cohort.flow.controls)",
                "measurement_rows": "\(streamed.measurementRows)", "daily_values": "\(cohort.daily.count)",
                "cytokine_rows": "\(streamed.cytokineRows)", "proteomics_rows": "\(streamed.proteomicsRows)",
                "measurement_rows/s": String(format: "%.0f", Double(streamed.measurementRows) / tDerive),
            ])
            if until == "derive" { return }
            // The main job of issue 7: the workup of the main analysis set alone (input hash included).
            var mainOnly = StudyProtocol.paperDefault
            mainOnly.analysisSets = Array(mainOnly.analysisSets.prefix(1))
            let (mainSets, tMain) = try measure {
                try StudyAnalysis(study: study, protocol: mainOnly, cohort: cohort, streamedDigests: streamed.digests)
                    .results.analysisSets.count
            }
            report("workup-main", tMain, ["sets": "\(mainSets)"])
            if until == "workup-main" { return }
            let (analysis, tWorkup) = try measure {
                try StudyAnalysis(study: study, protocol: .paperDefault, cohort: cohort, streamedDigests: streamed.digests)
            }
            report("workup", tWorkup, ["sets": "\(analysis.results.analysisSets.count)"])
            if until == "workup" { return }
            let exports = !options.flag("no-exports")
            let ((), tWrite) = try measure {
                try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
                try analysis.resultsJSON().write(to: out.appendingPathComponent("results.json"), options: .atomic)
                if exports { try TidyExport.write(analysis, to: out) }
            }
            let exported = TidyExport.fileNames.reduce(0) { sum, name in
                sum + ((try? FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(name).path)[.size] as? Int) ?? 0)
            }
            report("write", tWrite, exports ? ["exports_MB": String(format: "%.1f", Double(exported) / 1_048_576)] : ["exports": "skipped"])
            if until == "write" { return }
            let (bytes, tRender) = try measure {
                let html = ReportRenderer().render(analysis.results, options: ReportOptions(title: "DayZero pipeline benchmark"))
                let data = Data(html.utf8)
                try data.write(to: out.appendingPathComponent("report.html"), options: .atomic)
                return data.count
            }
            report("render", tRender, ["html_KB": "\(bytes / 1024)"])
        } else {
            throw BenchmarkError("pipeline-step needs --simulate, --import or --analyse")
        }
    }

    /// `ru_maxrss` of this process in KiB (Linux reports KiB, Darwin bytes).
    static func peakKiB() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if canImport(Darwin)
        return Double(usage.ru_maxrss) / 1024
        #else
        return Double(usage.ru_maxrss)
        #endif
    }

    static func report(_ step: String, _ seconds: Double, _ extra: [String: String]) {
        let fields = extra.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        // Unbuffered, so the lines of the steps already done survive if the process is killed.
        let line = "STEP \(step) \(String(format: "%.6f", seconds)) \(String(format: "%.0f", peakKiB())) \(fields)\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }
}
