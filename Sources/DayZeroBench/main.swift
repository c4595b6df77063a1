// dayzero-bench: benchmark harness, run in release mode (see docs/performance.md).
//
//     swift run -c release dayzero-bench <benchmark> [options]
//     swift run -c release dayzero-bench lmm --patients 100000 --with-r
//
// Each benchmark is a `Benchmark` registered in `Benchmarks.all`; adding one is adding a type
// and a line there.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
exit(Benchmarks.run(arguments))
