import Foundation

/// A benchmark runnable as `dayzero-bench <name> [options]`.
protocol Benchmark {
    /// Subcommand name.
    static var name: String { get }
    /// One line for the usage text.
    static var abstract: String { get }
    /// Option help, one line per option.
    static var usage: [String] { get }
    /// Runs with the arguments after the subcommand; throws `BenchmarkError` for bad input.
    static func run(_ options: BenchmarkOptions) throws
}

/// A usage or runtime error with a sentence for the user.
struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Benchmarks {
    static var all: [any Benchmark.Type] { [LMMBenchmark.self, MatchingBenchmark.self, WorkupBenchmark.self, PipelineBenchmark.self, PipelineStep.self, PoolingBenchmark.self, RobustnessBenchmark.self] }

    /// Dispatches to the named benchmark; returns the process exit status.
    static func run(_ arguments: [String]) -> Int32 {
        guard let name = arguments.first, name != "--help", name != "-h" else {
            printUsage()
            return arguments.isEmpty ? 2 : 0
        }
        guard let benchmark = all.first(where: { $0.name == name }) else {
            printError("no benchmark named '\(name)'")
            printUsage()
            return 2
        }
        do {
            let options = try BenchmarkOptions(Array(arguments.dropFirst()))
            if options.flag("help") {
                print("usage: dayzero-bench \(benchmark.name) [options]\n  \(benchmark.abstract)")
                for line in benchmark.usage { print("  " + line) }
                return 0
            }
            try benchmark.run(options)
            try options.checkAllUsed()
            return 0
        } catch {
            printError("\(error)")
            return 1
        }
    }

    static func printUsage() {
        print("usage: dayzero-bench <benchmark> [options]   (build with -c release)")
        print("benchmarks:")
        for b in all { print("  \(b.name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(b.abstract)") }
        print("run 'dayzero-bench <benchmark> --help' for its options")
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("dayzero-bench: \(message)\n".utf8))
    }
}

/// `--name value` and `--flag` options; every option must be consumed by the benchmark.
final class BenchmarkOptions {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    private var used: Set<String> = []

    init(_ arguments: [String]) throws {
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            guard arg.hasPrefix("--"), arg.count > 2 else {
                throw BenchmarkError("unexpected argument '\(arg)'; options are written --name value or --flag")
            }
            let name = String(arg.dropFirst(2))
            if i + 1 < arguments.count, !arguments[i + 1].hasPrefix("--") {
                values[name] = arguments[i + 1]
                i += 2
            } else {
                flags.insert(name)
                i += 1
            }
        }
    }

    func flag(_ name: String) -> Bool {
        used.insert(name)
        return flags.contains(name)
    }

    func int(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        used.insert(name)
        guard let text = values[name] else {
            if flags.contains(name) { throw BenchmarkError("--\(name) needs a value") }
            return value
        }
        guard let v = Int(text), range.contains(v) else {
            throw BenchmarkError("--\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return v
    }

    func string(_ name: String) throws -> String? {
        used.insert(name)
        if flags.contains(name) { throw BenchmarkError("--\(name) needs a value") }
        return values[name]
    }

    func checkAllUsed() throws {
        let unknown = Set(values.keys).union(flags).subtracting(used)
        if !unknown.isEmpty {
            throw BenchmarkError("unknown option(s): \(unknown.sorted().map { "--" + $0 }.joined(separator: ", "))")
        }
    }
}

/// xoshiro256** seeded through SplitMix64: fast, and the same stream on every platform.
struct SeededGenerator: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform on (0, 1): 53 random bits, never 0.
    mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// Standard normal by Box–Muller (one value per call, deterministic).
    mutating func normal() -> Double {
        let u1 = uniform()
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// Seconds elapsed while running `body`.
func measure<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try body()
    return (result, seconds(clock.now - start))
}

/// A duration in seconds, for the benchmarks' tables.
func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
