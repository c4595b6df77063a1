import DayZeroCohort
import DayZeroStore
import Foundation
import PostgresNIO

/// Reads a study straight from an OMOP database for `analyze`/`report --omop`, with the
/// per-patient-day aggregation of the measured parameters pushed into the database
/// (`OMOPPushdownSQL`): only one row per person, parameter and ICU day crosses the connection
/// for them. Everything else — persons, ICU stays, drugs, rates, events, baseline values,
/// cytokines, proteomics, and the parameters the protocol needs as rows
/// (`CohortDeriver.rowOnlyParameters`) — is read as the import reads it (`OMOPReader`) and goes
/// through the same validation. With `pushdown: false` every row is read (the row route).
/// `docs/sources.md`, "Pushdown".
public enum OMOPPushdown {
    /// A study read from the database.
    public struct Loaded: Sendable {
        /// The study (without the pushed parameters' measurement rows).
        public var study: StudyData
        /// The pushed parameters' daily aggregates (`nil` on the row route).
        public var pushed: PushedDailyValues?
        /// What was left out or normalised on the way.
        public var notes: [String]
        /// Rows and bytes (cell payloads) received from the server, all queries together, and
        /// how many of them were daily aggregates.
        public var rowsTransferred: Int
        public var bytesTransferred: Int
        public var dailyRows: Int
    }

    /// The parameters the database aggregates under `studyProtocol`: the mapping's measured
    /// parameters that the catalog knows, except those the protocol needs as rows (a `median`
    /// series, an exclusion rule, a time axis other than the ICU day).
    public static func pushedParameters(mapping: OMOPMapping, protocol studyProtocol: StudyProtocol) -> Set<String> {
        let registry = ParameterRegistry(declared: [])
        let rowOnly = CohortDeriver.rowOnlyParameters(protocol: studyProtocol, registry: registry)
        guard !rowOnly.all else { return [] }
        return Set(mapping.parameters.map(\.name).filter { registry[$0] != nil && !rowOnly.names.contains($0) })
    }

    /// The pushdown's query of `studyProtocol` and `mapping` in `dialect` (what `analyze
    /// --omop` runs, in its PostgreSQL dialect; `dayzero analyze --print-sql DIALECT` prints it).
    public static func querySQL(mapping: OMOPMapping, schema: OMOPSchemaName, protocol studyProtocol: StudyProtocol, dialect: SQLDialect) -> String {
        OMOPPushdownSQL(
            mapping: mapping, schema: schema, parameters: pushedParameters(mapping: mapping, protocol: studyProtocol),
            registry: ParameterRegistry(declared: []), protocol: studyProtocol
        ).query(dialect)
    }

    /// Connects to `target` and reads the study.
    ///
    /// - Throws: `OMOPImportError` (every problem, located), `OMOPSourceError` (the database
    ///   could not be read).
    public static func load(
        target: PostgresTarget, schema: OMOPSchemaName, mapping: OMOPMapping, mappingFile: String,
        protocol studyProtocol: StudyProtocol, pushdown: Bool
    ) async throws -> Loaded {
        var logger = Logger(label: "dayzero.omop")
        logger.logLevel = .critical
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try target.configuration(), id: 1, logger: logger)
        } catch {
            throw OMOPSourceError("cannot connect to \(target): \(OMOPReader.describe(error))")
        }
        do {
            let loaded = try await load(
                connection: connection, logger: logger, database: target.database, schema: schema, mapping: mapping,
                mappingFile: mappingFile, protocol: studyProtocol, pushdown: pushdown)
            try? await connection.close()
            return loaded
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func load(
        connection: PostgresConnection, logger: Logger, database: String, schema: OMOPSchemaName, mapping: OMOPMapping,
        mappingFile: String, protocol studyProtocol: StudyProtocol, pushdown: Bool
    ) async throws -> Loaded {
        let pushedNames = pushdown ? pushedParameters(mapping: mapping, protocol: studyProtocol) : []
        let reader = OMOPReader(connection: connection, schema: schema, mapping: mapping, mappingFile: mappingFile, logger: logger)
        reader.skipParameters = pushedNames
        var staged = try await reader.read(database: database)
        let sql = OMOPPushdownSQL(
            mapping: mapping, schema: schema, parameters: pushedNames, registry: ParameterRegistry(declared: []), protocol: studyProtocol)
        var rows = reader.rowsTransferred
        var bytes = reader.bytesTransferred

        // The pushed parameters in one query: the measurement table is read once for the daily
        // aggregates, the last times, the rows the validation refuses and the rows outside the
        // window (`OMOPPushdownSQL.query`).
        var byPatient: [String: PatientDayAggregates] = [:]
        var dailyRows = 0
        if !sql.parameters.isEmpty {
            var lastID: String?
            var entry = PatientDayAggregates()
            var checks: [CheckRow] = []
            var outside = 0
            var firstOutside: Int?
            try await forEachRow(sql.query(.postgresql), connection: connection, logger: logger, rows: &rows, bytes: &bytes) { row in
                let cells = Array(row)
                guard cells.count == OMOPPushdownSQL.columns.count, let kind = OMOPPushdownSQL.Kind(rawValue: try cells[0].decode(Int.self)) else {
                    throw OMOPSourceError("the pushdown query returned a row of \(cells.count) columns, not the \(OMOPPushdownSQL.columns.count) of OMOPPushdownSQL.columns")
                }
                func int(_ i: Int) throws -> Int? { try cells[i].decode(Int?.self) }
                func double(_ i: Int) throws -> Double? { try cells[i].decode(Double?.self) }
                switch kind {
                case .daily:
                    // Rows come ordered by person, parameter, day; an aggregate the protocol does
                    // not need of a parameter is not sent and stays NaN (never read: `SeriesPlan`
                    // asks each parameter for the aggregations it needs only).
                    dailyRows += 1
                    guard let person = try int(1), let parameter = try int(2), let day = try int(3), let n = try int(4),
                          let id = reader.patientIDs[String(person)], parameter >= 0, parameter < sql.parameters.count else { return }
                    if id != lastID {
                        if let lastID { byPatient[lastID] = entry }
                        lastID = id
                        entry = byPatient[id] ?? PatientDayAggregates()
                    }
                    let a: DayAggregates
                    if let single = try double(5) {
                        a = DayAggregates(day: day, count: 1, minimum: single, maximum: single, sum: single, first: single, last: single, anyNonZero: single != 0)
                    } else {
                        a = DayAggregates(
                            day: day, count: n, minimum: try double(6) ?? .nan, maximum: try double(7) ?? .nan, sum: try double(8) ?? .nan,
                            first: try double(9) ?? .nan, last: try double(10) ?? .nan, anyNonZero: (try int(11) ?? 0) != 0)
                    }
                    entry.parameters[sql.parameters[parameter].name, default: []].append(a)
                case .lastTime:
                    if let lastID { byPatient[lastID] = entry }
                    lastID = nil
                    entry = PatientDayAggregates()
                    guard let person = try int(1), let seconds = try int(15), let id = reader.patientIDs[String(person)] else { return }
                    byPatient[id, default: PatientDayAggregates()].lastTime = Double(seconds) / 86_400
                case .check:
                    guard let id = try int(12), let parameter = try int(2) else { return }
                    checks.append(CheckRow(
                        id: id, parameter: parameter, x: try double(13), unit: try int(14) ?? 0, seconds: try int(15) ?? 0, v: try double(16),
                        hasDatetime: (try int(17) ?? 0) != 0))
                case .outside:
                    outside += try int(4) ?? 0
                    if let id = try int(12) { firstOutside = min(firstOutside ?? id, id) }
                }
            }
            if let lastID { byPatient[lastID] = entry }
            staged.problems += Self.problems(checks, sql)
            if outside > 0 {
                staged.notes.append("left out \(outside) row\(outside == 1 ? "" : "s") of \(schema).measurement (pushed-down parameters) outside the patients' ICU admission to end of follow-up, e.g. \(schema).measurement row \(firstOutside.map(String.init) ?? "?")")
            }
        }

        // The same validation as the import, in memory (`StudyStore.readStudy`).
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-omop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try staged.write(to: folder)
        guard staged.problems.isEmpty else {
            let validation = try StudyStore.validateStudy(folder: folder)
            throw OMOPImportError(problems: staged.problems + (validation.map { OMOPImport.translate($0, staged) } ?? []), notes: staged.notes)
        }
        let study: StudyData
        do {
            study = try StudyStore.readStudy(folder: folder)
        } catch let error as StudyValidationError {
            throw OMOPImportError(problems: OMOPImport.translate(error, staged), notes: staged.notes)
        }

        guard !sql.parameters.isEmpty else {
            return Loaded(study: study, pushed: pushdown ? PushedDailyValues(parameters: [], byPatient: [:]) : nil, notes: staged.notes,
                          rowsTransferred: rows, bytesTransferred: bytes, dailyRows: 0)
        }
        return Loaded(
            study: study, pushed: PushedDailyValues(parameters: Set(sql.parameters.map(\.name)), byPatient: byPatient),
            notes: staged.notes, rowsTransferred: rows, bytesTransferred: bytes, dailyRows: dailyRows)
    }

    /// A row of the query's `check` kind.
    struct CheckRow {
        var id: Int
        var parameter: Int
        var x: Double?
        var unit: Int
        var seconds: Int
        var v: Double?
        var hasDatetime: Bool
    }

    /// The pushed rows the row route's validation would refuse, located and explained.
    static func problems(_ found: [CheckRow], _ sql: OMOPPushdownSQL) -> [OMOPProblem] {
        let t = "\(sql.schema).measurement"
        var problems: [OMOPProblem] = []
        for c in found {
            let (id, parameter, x, unit, seconds, v) = (c.id, c.parameter, c.x, c.unit, c.seconds, c.v)
            guard parameter >= 0, parameter < sql.parameters.count else { continue }
            let p = sql.parameters[parameter]
            let row = String(id)
            func add(_ column: String, _ message: String, _ rule: String) {
                problems.append(OMOPProblem(OMOPLocation(table: t, row: row, column: column), message, rule: rule))
            }
            guard let x else {
                add("value_as_number", "a measurement of a mapped concept (\(p.name)) has no value_as_number", "value-missing")
                continue
            }
            // PostgreSQL's numeric (and Spark's double) hold NaN and ±Infinity; the query
            // selects them (NaN sorts above every number), the row route refuses their text.
            guard x.isFinite else {
                add("value_as_number", "\(p.name) value_as_number \(x.isNaN ? "NaN" : x > 0 ? "Infinity" : "-Infinity") is not a number: a measurement needs a finite value", "malformed-number")
                continue
            }
            guard let v else {
                if let f = p.fio2, f.percentUnits.contains(unit), x <= 1 {
                    add("unit_concept_id", "FiO2 \(x) is recorded in percent (unit_concept_id \(unit)) but lies in the fraction range 0.21–1: the row mixes scales. Record it as \(x * 100) percent or give it a fraction unit (\(f.fractionUnits.map(String.init).joined(separator: ", ")))", "fio2-scale")
                } else if let f = p.fio2, f.fractionUnits.contains(unit), x > 1 {
                    add("unit_concept_id", "FiO2 \(x) is recorded as a fraction (unit_concept_id \(unit)) but lies above 1, in the percent range: the row mixes scales. Record it as \(x / 100) or give it a percent unit (\(f.percentUnits.map(String.init).joined(separator: ", ")))", "fio2-scale")
                } else if p.fio2 != nil, unit == 0 {
                    add("value_as_number", "FiO2 \(x) has no unit and lies in neither the fraction range 0.21–1 nor the percent range 21–100: give it a unit_concept_id", "fio2-scale")
                } else if unit == 0 {
                    add("unit_concept_id", "\(p.name) \(x) has no unit (unit_concept_id 0 or NULL): DayZero does not guess units. Map the source unit to its UCUM concept in the database.", "unit-missing")
                } else {
                    add("unit_concept_id", "unit_concept_id \(unit) of \(p.name) has no conversion: add it to the mapping's units (- {concept: \(unit), unit: \"<DayZero unit>\"}) if DayZero knows the unit (docs/data-format.md, parameter catalog)", "unit-unknown")
                }
                continue
            }
            if c.hasDatetime && seconds < 0 {
                add("measurement_datetime", "the measurement is timed before the patient's ICU admission (\(seconds) s before it); times lie within the ICU stay", "before-admission")
            }
            if v < p.minimum || v > p.maximum || (p.isFlag && v != 0 && v != 1) {
                add("value_as_number", "\(p.name) \(x) is \(v) in DayZero's unit, outside its range \(p.minimum) to \(p.maximum)\(p.isFlag ? " (a flag: 0 or 1)" : "")", "out-of-range")
            }
        }
        return problems
    }

    /// Runs `sql`, counts the rows and cell bytes received, and hands each row to `body` as it
    /// arrives (the rows are not collected).
    static func forEachRow(
        _ sql: String, connection: PostgresConnection, logger: Logger, rows: inout Int, bytes: inout Int, _ body: (PostgresRow) throws -> Void
    ) async throws {
        do {
            let result = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            for try await row in result {
                for cell in row { bytes += cell.bytes?.readableBytes ?? 0 }
                rows += 1
                try body(row)
            }
        } catch let error as PSQLError {
            throw OMOPSourceError("the pushdown query failed: \(OMOPReader.describe(error))\n\(sql)")
        }
    }
}
