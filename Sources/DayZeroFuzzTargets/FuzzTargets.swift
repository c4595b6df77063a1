import DayZeroCohort
import DayZeroStore
import Foundation

// The fuzz targets of docs/fuzzing.md: functions of bytes that run one reader of untrusted
// input the way the command line does, and say what came out (for the corpus replay test). Errors are the expected outcome of
// almost every input; the only failure is a crash (a trap, an overflow, a bad access), a hang
// or unbounded memory. The libFuzzer executables (Tests/Fuzz/Harness, built by scripts/fuzz.sh)
// call them, and `DayZeroFuzzTests` replays the committed corpus through them in `swift test`.

/// What one `fuzzCSV` input held and gave, for the corpus replay test.
public enum CSVFuzzOutcome: Sendable, Equatable {
    /// No section named a study table: nothing was read.
    case noTables
    /// The folder was read and is a valid study with this many rows in all.
    case valid(rows: Int)
    /// The folder was read and import would refuse it with this many problems (listed + suppressed).
    case invalid(problems: Int)
    /// Reading failed outside validation (the scratch folder could not be written, …).
    case failed
}

/// The study folder held by one `fuzzCSV` input.
///
/// The input is the output of `head *.csv` (or `tail -n +1 *.csv`) over a study folder: a line
/// `==> NAME <==` starts the file NAME, and every byte up to the next such line is its content,
/// byte for byte (a file may hold any bytes: invalid UTF-8, NUL, CR, …). NAME must be one of the
/// study tables (`patients.csv`, `icu_course.csv`, …); a section with any other name, and bytes
/// before the first section, are ignored. When a table occurs twice the last section wins.
public func fuzzStudyFolder(_ data: [UInt8]) -> [StudyTable: [UInt8]] {
    let tables = Dictionary(uniqueKeysWithValues: StudyTable.allCases.map { (Array($0.fileName.utf8), $0) })
    let open = Array("==> ".utf8)
    let close = Array(" <==".utf8)
    var files: [StudyTable: [UInt8]] = [:]
    /// The table of the current section (`nil` before the first section and in ignored ones).
    var current: StudyTable?
    var content: [UInt8] = []
    func finish() {
        if let current { files[current] = content }
        content.removeAll(keepingCapacity: true)
    }
    var lineStart = 0
    while lineStart < data.count {
        var lineEnd = lineStart
        while lineEnd < data.count, data[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        let next = lineEnd < data.count ? lineEnd + 1 : lineEnd
        let line = data[lineStart..<lineEnd]
        if line.count >= open.count + close.count, line.starts(with: open), line.suffix(close.count).elementsEqual(close) {
            finish()
            let name = Array(line.dropFirst(open.count).dropLast(close.count))
            current = tables[name]
        } else {
            content.append(contentsOf: data[lineStart..<next])
        }
        lineStart = next
    }
    finish()
    return files
}

/// Fuzz target (a): the study-folder import — CSV reading and the validation of every row, as
/// `dayzero import` runs them (without the SQLite store). The input is a whole small study
/// folder in the format of `fuzzStudyFolder(_:)`; its tables are written to a fresh scratch
/// folder (under `TMPDIR`) and read with `StudyStore.readStudy(folder:)`. A valid study's
/// declarations are then checked against the default protocol, as
/// `dayzero protocol check --study` does.
@discardableResult
public func fuzzCSV(_ data: [UInt8]) -> CSVFuzzOutcome {
    let files = fuzzStudyFolder(data)
    guard !files.isEmpty else { return .noTables }
    let fileManager = FileManager.default
    let folder = fileManager.temporaryDirectory.appendingPathComponent("dayzero-fuzz-\(UUID().uuidString)", isDirectory: true)
    defer { try? fileManager.removeItem(at: folder) }
    do {
        try fileManager.createDirectory(at: folder, withIntermediateDirectories: false)
        for (table, bytes) in files {
            try Data(bytes).write(to: folder.appendingPathComponent(table.fileName))
        }
    } catch {
        return .failed
    }
    do {
        let study = try StudyStore.readStudy(folder: folder)
        let registry = ParameterRegistry(declared: study.declaredParameters)
        _ = StudyProtocol.paperDefault.validate(registry: registry, baseline: study.baselineRegistry)
        let rows = study.patients.count + study.courses.count + study.measurements.count + study.medications.count
            + study.events.count + study.cytokines.count + study.proteomicsSamples.count + study.proteomics.count
            + study.declaredParameters.count + study.baselineVariables.count
        return .valid(rows: rows)
    } catch let failure as StudyValidationError {
        // The messages are part of the contract: format them as the command line does.
        _ = failure.lines.joined(separator: "\n")
        return .invalid(problems: failure.totalCount)
    } catch {
        _ = String(describing: error)
        return .failed
    }
}

/// What one `fuzzProtocol` input gave, for the corpus replay test.
public enum ProtocolFuzzOutcome: Sendable, Equatable {
    /// Not UTF-8: `dayzero protocol check` refuses the file before parsing it.
    case notUTF8
    /// A valid protocol.
    case valid
    /// A protocol with this many issues.
    case invalid(issues: Int)
    /// A valid protocol that reads differently once written back as YAML (a bug: the harness
    /// stops on it, the corpus replay test fails on it).
    case roundTripMismatch(String)
}

/// The parameters that the example studies declare in their parameters.csv (the PBC example's
/// and the alcoholic-hepatitis example's `inr`): `fuzzProtocol` checks protocols as
/// `protocol check --study` would for those studies, so that the seeds made from their
/// protocols are valid and mutations of them reach the whole validation.
let fuzzDeclaredParameters: [ParameterDefinition] = [
    ParameterDefinition(name: "albumin", label: "Albumin", unit: "g/dL", aggregation: .first, minimum: 0, maximum: 10),
    ParameterDefinition(name: "prothrombin_time", label: "Prothrombin time", unit: "s", aggregation: .first, minimum: 5, maximum: 100),
    ParameterDefinition(
        name: "alkaline_phosphatase", label: "Alkaline phosphatase", unit: "U/L", aggregation: .first, minimum: 0, maximum: 50_000),
    ParameterDefinition(name: "cholesterol", label: "Serum cholesterol", unit: "mg/dL", aggregation: .first, minimum: 0, maximum: 3_000),
    ParameterDefinition(name: "inr", label: "INR", unit: "ratio", aggregation: .max, minimum: 0.5, maximum: 15),
]

/// Fuzz target (b): the protocol reader — YAML parsing, the limits, the strict decoding and
/// the validation, the same entry `dayzero protocol check` uses (`ProtocolYAML.check`, with the
/// parameters of `fuzzDeclaredParameters` declared as by `--study`), and the messages it prints. A valid protocol is also written back as YAML and read again, which
/// must give the same protocol (`ProtocolYAML.encode` promises it); a difference is the
/// outcome `roundTripMismatch`, on which the libFuzzer harness stops (so the input is kept).
@discardableResult
public func fuzzProtocol(_ data: [UInt8]) -> ProtocolFuzzOutcome {
    guard let text = String(data: Data(data), encoding: .utf8) else { return .notUTF8 }
    let registry = ParameterRegistry(declared: fuzzDeclaredParameters)
    let result = ProtocolYAML.check(text, registry: registry)
    guard result.issues.isEmpty, let value = result.protocol else {
        _ = ProtocolLoadError(file: "protocol.yaml", issues: result.issues).description
        return .invalid(issues: result.issues.count)
    }
    if let yaml = try? ProtocolYAML.encode(value) {
        let again = ProtocolYAML.check(yaml, registry: registry)
        if again.protocol != value || !again.issues.isEmpty {
            return .roundTripMismatch(again.issues.isEmpty ? "a different protocol" : "\(again.issues)")
        }
    }
    return .valid
}
