// dayzero-bench: benchmark harness. Usage: swift run -c release dayzero-bench <benchmark> [options]
let arguments = Array(CommandLine.arguments.dropFirst())
print("dayzero-bench: no benchmark named \(arguments.first ?? "(none)")")
