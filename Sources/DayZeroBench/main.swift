// dayzero-bench: benchmark harness. Usage: swift run -c release dayzero-bench <benchmark> [options]
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "matching":
    do {
        try MatchingBenchmark.run(Array(arguments.dropFirst()))
    } catch {
        FileHandle.standardError.write(Data("dayzero-bench matching: \(error)\n".utf8))
        exit(1)
    }
default:
    print("dayzero-bench: no benchmark named \(arguments.first ?? "(none)")")
}
