import DayZeroCohort
import DayZeroStore
import Foundation

/// `dayzero import --clif DIR [--mapping clif-mapping.yaml] --db study.sqlite`: reads the CLIF
/// export (`CLIFReader`), stages it as a study folder and imports that through the same
/// validation and all-or-nothing store import as a CSV folder (`StudyStore.importStudy`).
/// Problems found by either step are reported at their CLIF place (file, line, column).
public enum CLIFImport {
    public struct Summary: Sendable {
        public var store: StudySummary
        /// What was left out or normalised on the way (located).
        public var notes: [String]
    }

    /// Imports the CLIF export in `folder` into a new study store at `database`.
    ///
    /// - Throws: `CLIFImportError` (the export: nothing imported, the store untouched),
    ///   `StoreError` (the store).
    public static func importStudy(folder: URL, mapping: CLIFMapping, database: URL) throws -> Summary {
        let (staged, problems) = try CLIFReader.stage(folder: folder, mapping: mapping)
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-clif-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temporary) }
        try staged.write(to: temporary)
        guard problems.isEmpty else {
            // The study-folder validation runs too, so that every problem is reported at once;
            // a cell the reader refused is left empty in the staged study, so the validation's
            // complaint about it (e.g. a patient without a sex after an unknown sex_category)
            // repeats the reader's and is dropped: each cell is reported once.
            let validation = try StudyStore.validateStudy(folder: temporary)
            let reported = Set(problems.map(\.location))
            let more = (validation.map { translate($0, staged) } ?? []).filter { !reported.contains($0.location) }
            throw CLIFImportError(problems: problems + more, notes: staged.notes)
        }
        do {
            let summary = try StudyStore.importStudy(folder: temporary, to: database)
            return Summary(store: summary, notes: staged.notes)
        } catch let error as StudyValidationError {
            throw CLIFImportError(problems: translate(error, staged), notes: staged.notes)
        }
    }

    /// The study-folder validation's problems at their CLIF places (through the OMOP route's
    /// translation: the staged study records every cell's origin the same way).
    static func translate(_ error: StudyValidationError, _ staged: StagedStudy) -> [CLIFProblem] {
        OMOPImport.translate(error, staged).map { p in
            CLIFProblem(CLIFLocation(file: p.location.table, line: p.location.row.flatMap { Int($0) }, column: p.location.column), p.message, rule: p.rule)
        }
    }
}

/// The work behind `dayzero import --clif`, as a function that writes to given outputs and
/// returns the exit code (0 imported, 1 the export has problems, 2 the mapping or the store
/// could not be used), like `StoreCommandLine.runImport`.
public enum CLIFCommandLine {
    public static func runImport(
        folder: String, mappingPath: String?, database: URL,
        output: @escaping @Sendable (String) -> Void, errors: @escaping @Sendable (String) -> Void
    ) -> Int32 {
        let mapping: CLIFMapping
        do {
            if let mappingPath {
                mapping = try CLIFMapping.parse(try String(contentsOfFile: mappingPath, encoding: .utf8), file: mappingPath)
            } else {
                mapping = try CLIFMapping.default
            }
        } catch let problems as CLIFMapping.Problem {
            // Each line is already `FILE:LINE:COLUMN: error: …`.
            StoreCommandLine.emitLines(problems.description, to: errors)
            return StoreCommandLine.exitStoreFailure
        } catch {
            errors("error: \(error)")
            return StoreCommandLine.exitStoreFailure
        }
        do {
            let summary = try CLIFImport.importStudy(folder: URL(fileURLWithPath: folder), mapping: mapping, database: database)
            output("Imported the CLIF \(CLIFDictionary.version) export \(folder) into \(database.path)\(summary.store.replacedStore ? " (replacing the previous study store)" : ""):")
            for table in StudyTable.allCases {
                guard let n = summary.store.rowCounts[table] else { continue }
                output("  \(table.fileName.padding(toLength: 24, withPad: " ", startingAt: 0)) \(n) row\(n == 1 ? "" : "s")")
            }
            for note in summary.notes { output("note: \(note)") }
            return StoreCommandLine.exitSuccess
        } catch let error as CLIFImportError {
            let n = error.problems.count
            errors("error: the CLIF export \(folder) has \(n) problem\(n == 1 ? "" : "s"); nothing was imported.")
            for p in error.problems { StoreCommandLine.emitLines(p.description, to: errors) }
            for note in error.notes { StoreCommandLine.emitLines("note: \(note)", to: errors) }
            return StoreCommandLine.exitInvalidStudy
        } catch {
            StoreCommandLine.emitLines("error: \(error)", to: errors)
            return StoreCommandLine.exitStoreFailure
        }
    }
}
