import DayZeroCohort
import DayZeroStore
import Foundation

/// `dayzero import --omop URL --schema cdm --mapping mapping.yaml --db study.sqlite`: reads the
/// OMOP database (`OMOPReader`), stages it as a study folder and imports that through the same
/// validation and all-or-nothing store import as a CSV folder (`StudyStore.importStudy`).
/// Problems found by either step are reported at their OMOP place (table, row id, column).
public enum OMOPImport {
    public struct Summary: Sendable {
        public var store: StudySummary
        /// What was left out or normalised on the way (located).
        public var notes: [String]
    }

    /// Imports the OMOP study at `target` into a new study store at `database`.
    ///
    /// - Throws: `OMOPImportError` (the data: nothing imported, the store untouched),
    ///   `OMOPSourceError` (the database could not be read), `StoreError` (the store).
    public static func importStudy(
        target: PostgresTarget, schema: OMOPSchemaName, mapping: OMOPMapping, mappingFile: String, database: URL
    ) async throws -> Summary {
        let staged = try await OMOPReader.stage(target: target, schema: schema, mapping: mapping, mappingFile: mappingFile)
        return try importStaged(staged, database: database)
    }

    /// Writes `staged` to a temporary study folder and imports it into `database`. When the
    /// reading found problems the folder is only validated, so that the problems of both steps
    /// are reported together, and nothing is imported.
    public static func importStaged(_ staged: StagedStudy, database: URL) throws -> Summary {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-omop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try staged.write(to: folder)
        guard staged.problems.isEmpty else {
            let validation = try StudyStore.validateStudy(folder: folder)
            throw OMOPImportError(problems: staged.problems + (validation.map { translate($0, staged) } ?? []), notes: staged.notes)
        }
        do {
            let summary = try StudyStore.importStudy(folder: folder, to: database)
            return Summary(store: summary, notes: staged.notes)
        } catch let error as StudyValidationError {
            throw OMOPImportError(problems: translate(error, staged), notes: staged.notes)
        }
    }

    /// The study-folder validation's problems at their OMOP places.
    static func translate(_ error: StudyValidationError, _ staged: StagedStudy) -> [OMOPProblem] {
        var problems = error.problems.map { p -> OMOPProblem in
            let column = staged.files.first(where: { $0.name == p.file }).flatMap { f in
                p.column.flatMap { $0 >= 1 && $0 - 1 < f.header.count ? f.header[$0 - 1] : nil }
            }
            let location = staged.origin(file: p.file, line: p.line, column: p.column)
                ?? OMOPLocation(table: "DayZero's \(p.file)", row: p.line.map { "line \($0)" }, column: column)
            return OMOPProblem(location, p.message + (column.map { " (DayZero's \(p.file) column \($0))" } ?? " (DayZero's \(p.file))"), rule: p.rule.rawValue)
        }
        for (rule, count) in error.suppressed.sorted(by: { $0.key < $1.key }) {
            problems.append(OMOPProblem(OMOPLocation(table: "(more)"), "\(count) more problem\(count == 1 ? "" : "s") of this rule not listed", rule: rule.rawValue))
        }
        return problems
    }
}

/// The work behind `dayzero import --omop`, as a function that writes to given outputs and
/// returns the exit code (0 imported, 1 the source has problems, 2 it could not be read or
/// the store not written), like `StoreCommandLine.runImport`.
public enum OMOPCommandLine {
    public static func runImport(
        url: String, schema: String, mappingPath: String?, database: URL,
        output: @escaping @Sendable (String) -> Void, errors: @escaping @Sendable (String) -> Void
    ) -> Int32 {
        guard let schemaName = OMOPSchemaName(schema) else {
            errors("error: --schema \(schema) is not a plain lower-case schema name (letters, digits, _)")
            return StoreCommandLine.exitStoreFailure
        }
        let mapping: OMOPMapping
        let mappingFile: String
        do {
            if let mappingPath {
                mappingFile = mappingPath
                mapping = try OMOPMapping.parse(try String(contentsOfFile: mappingPath, encoding: .utf8), file: mappingPath)
            } else {
                mappingFile = "the default mapping"
                mapping = try OMOPMapping.default
            }
        } catch let problems as OMOPMapping.Problem {
            // Each line is already `FILE:LINE:COLUMN: error: …`.
            StoreCommandLine.emitLines(problems.description, to: errors)
            return StoreCommandLine.exitStoreFailure
        } catch {
            errors("error: \(error)")
            return StoreCommandLine.exitStoreFailure
        }
        let target: PostgresTarget
        do {
            target = try PostgresTarget(url: url)
        } catch {
            errors("error: \(error)")
            return StoreCommandLine.exitStoreFailure
        }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                box.set(.success(try await OMOPImport.importStudy(
                    target: target, schema: schemaName, mapping: mapping, mappingFile: mappingFile, database: database)))
            } catch {
                box.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        switch box.get() {
        case .success(let summary):
            output("Imported \(target) schema \(schemaName) into \(database.path)\(summary.store.replacedStore ? " (replacing the previous study store)" : ""):")
            for table in StudyTable.allCases {
                guard let n = summary.store.rowCounts[table] else { continue }
                output("  \(table.fileName.padding(toLength: 24, withPad: " ", startingAt: 0)) \(n) row\(n == 1 ? "" : "s")")
            }
            for note in summary.notes { output("note: \(note)") }
            return StoreCommandLine.exitSuccess
        case .failure(let error as OMOPImportError):
            let n = error.problems.count
            errors("error: \(target) schema \(schemaName) has \(n) problem\(n == 1 ? "" : "s"); nothing was imported.")
            for p in error.problems { StoreCommandLine.emitLines(p.description, to: errors) }
            for note in error.notes { StoreCommandLine.emitLines("note: \(note)", to: errors) }
            return StoreCommandLine.exitInvalidStudy
        case .failure(let error):
            StoreCommandLine.emitLines("error: \(error)", to: errors)
            return StoreCommandLine.exitStoreFailure
        case nil:
            errors("error: the OMOP import did not finish")
            return StoreCommandLine.exitStoreFailure
        }
    }

    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<OMOPImport.Summary, any Error>?
        func set(_ r: Result<OMOPImport.Summary, any Error>) { lock.withLock { result = r } }
        func get() -> Result<OMOPImport.Summary, any Error>? { lock.withLock { result } }
    }
}
