// The libFuzzer executable for fuzz target (b), the protocol reader (docs/fuzzing.md).
//
// scripts/fuzz.sh builds it with -DDAYZERO_FUZZ and -sanitize=fuzzer,address: `main` then hands
// the command line to libFuzzer's driver (LLVMFuzzerRunDriver), which calls `testOneInput`
// for every input. (SwiftPM links an executable target's `main` to the module's own entry
// point, so libFuzzer's `main` cannot be used and an @main type is needed in both builds.)
// In the ordinary build it is a stub that says how to build the real one (exit status 64).
import DayZeroFuzzTargets
import Foundation

#if DAYZERO_FUZZ
@_extern(c, "LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// One input, as libFuzzer's LLVMFuzzerTestOneInput.
func testOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    if case .roundTripMismatch(let difference) = fuzzProtocol(bytes) {
        // Not a crash of the reader but a broken promise: stop, so that libFuzzer keeps the input.
        preconditionFailure("a valid protocol reads differently once written back as YAML: \(difference)")
    }
    return 0
}
#endif

@main
enum FuzzProtocol {
    static func main() {
        #if DAYZERO_FUZZ
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { testOneInput($0, $1) })
        #else
        let message = "dayzero-fuzz-protocol is a libFuzzer target; build and run it with scripts/fuzz.sh (docs/fuzzing.md)\n"
        FileHandle.standardError.write(Data(message.utf8))
        exit(64)
        #endif
    }
}
