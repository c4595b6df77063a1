import DayZeroAnalysis
@testable import DayZeroCLI
@testable import DayZeroCohort
@testable import DayZeroSources
import DayZeroStore
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// The daily aggregates as the derivation reads them, by hand.
@Suite struct DayAggregatesTests {
    @Test func aggregatesGiveEachDailyAggregationsValue() throws {
        // Values in (time, input order) order: first 3, last 2.
        let values: [Double] = [3, -1, 0, 7.5, 2]
        let a = try #require(DayAggregates(day: 4, values: values))
        #expect(a == DayAggregates(day: 4, count: 5, minimum: -1, maximum: 7.5, sum: 11.5, first: 3, last: 2, anyNonZero: true))
        var checked = 0
        for aggregation in DailyAggregation.allCases where aggregation != .median {
            #expect(aggregation.value(of: a) == aggregation.aggregate(values), "\(aggregation)")
            checked += 1
        }
        #expect(checked == DailyAggregation.allCases.count - 1)
        #expect(DailyAggregation.mean.value(of: a) == 11.5 / 5)
        #expect(DailyAggregation.median.value(of: a) == nil)
        #expect(DayAggregates(day: 0, values: []) == nil)
        #expect(DayAggregates(day: 0, values: [0, 0])?.anyNonZero == false)
    }

    @Test func medianAndExclusionParametersStayRows() {
        var p = StudyProtocol.paperDefault
        let registry = ParameterRegistry(declared: [])
        let before = CohortDeriver.rowOnlyParameters(protocol: p, registry: registry)
        #expect(!before.all)
        #expect(!before.names.contains("ferritin"))
        let i = p.parameters.firstIndex { $0.name == "ferritin" }
        #expect(i != nil)
        if let i { p.parameters[i].aggregation = .median }
        #expect(CohortDeriver.rowOnlyParameters(protocol: p, registry: registry).names.contains("ferritin"))
        p.timeAxisSetting = TimeAxis(unit: "week", periodDays: 7, rounding: .floor)
        #expect(CohortDeriver.rowOnlyParameters(protocol: p, registry: registry).all)
    }

    /// The entry point beside the row-fed one: the default cohort with every measured
    /// parameter given as Swift-computed daily aggregates derives the same cohort as its rows.
    @Test func dailyEntryPointDerivesTheRowFedCohort() throws {
        let study = SyntheticCohort.default
        let p = StudyProtocol.paperDefault
        let rows = try CohortDerivation.derive(study, protocol: p)
        let registry = ParameterRegistry(declared: study.declaredParameters)
        let rowOnly = CohortDeriver.rowOnlyParameters(protocol: p, registry: registry).names
        var kept: [DayZeroCohort.Measurement] = []
        var grouped: [String: [String: [Int: [Double]]]] = [:]
        var last: [String: Double] = [:]
        // Rows in time order within a parameter and day, ties in input order (stable sort).
        let ordered = Array(study.measurements).enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
        for (_, m) in ordered {
            if rowOnly.contains(m.parameter) {
                continue
            }
            grouped[m.patientID, default: [:]][m.parameter, default: [:]][icuDay(m.time), default: []].append(m.value)
            last[m.patientID] = max(last[m.patientID] ?? m.time, m.time)
        }
        for m in study.measurements where rowOnly.contains(m.parameter) { kept.append(m) }
        var byPatient: [String: PatientDayAggregates] = [:]
        for (id, parameters) in grouped {
            var entry = PatientDayAggregates(lastTime: last[id])
            for (name, days) in parameters {
                entry.parameters[name] = days.keys.sorted().compactMap { DayAggregates(day: $0, values: days[$0] ?? []) }
            }
            byPatient[id] = entry
        }
        let pushedNames = Set(study.measurements.parameterNames).subtracting(rowOnly)
        var slim = study
        slim.measurements = MeasurementTable(kept)
        let pushed = try CohortDerivation.derive(slim, protocol: p, pushed: PushedDailyValues(parameters: pushedNames, byPatient: byPatient))
        #expect(pushedNames.count > 10)
        expectSameDaily(pushed, rows)
        #expect(pushed.sofa == rows.sofa)
        #expect(pushed.ruleCounts == rows.ruleCounts)
        #expect(pushed.lastRecorded == rows.lastRecorded)
        #expect(pushed.outcomes == rows.outcomes)
    }
}

/// The daily tables of two derivations are equal value for value.
func expectSameDaily(_ a: DerivedCohort, _ b: DerivedCohort, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.daily.keys == b.daily.keys, sourceLocation: sourceLocation)
    #expect(a.daily.patientCount == b.daily.patientCount, sourceLocation: sourceLocation)
    #expect(a.daily.count == b.daily.count, sourceLocation: sourceLocation)
    #expect(a.daily.count > 0, sourceLocation: sourceLocation)
    #expect(a.daily.days == b.daily.days, sourceLocation: sourceLocation)
    #expect(a.daily.values == b.daily.values, sourceLocation: sourceLocation)
    #expect(a.daily.imputed == b.daily.imputed, sourceLocation: sourceLocation)
    #expect(a.daily.offsets == b.daily.offsets, sourceLocation: sourceLocation)
}

/// The pushdown against a real PostgreSQL server: the database's daily aggregates derive the
/// same cohort as the rows, and `analyze --omop` writes the CSV route's statistics.
@Suite(.serialized) struct OMOPPushdownTests {
    static func load(_ cluster: PostgresCluster, schema: String = "cdm", pushdown: Bool, protocol p: StudyProtocol = .paperDefault) async throws -> OMOPPushdown.Loaded {
        try await OMOPPushdown.load(
            target: PostgresTarget(url: cluster.url), schema: try #require(OMOPSchemaName(schema)), mapping: OMOPMapping.default,
            mappingFile: "default", protocol: p, pushdown: pushdown)
    }

    /// `analyze` (with `report`: `report`, which also renders report.html) in-process.
    static func analyze(_ arguments: [String], out: URL, report: Bool = false) throws -> (results: StudyResults, output: [String]) {
        let command = try AnalyzeCommand.parse(arguments + ["--out", out.path, "--verbose"])
        var errors: [String] = []
        var output: [String] = []
        let code = report
            ? AnalysisCommandLine.runReport(input: command.input, out: out, verbose: true, output: { output.append($0) }, errors: { errors.append($0) })
            : AnalysisCommandLine.runAnalyze(input: command.input, out: out, verbose: true, output: { output.append($0) }, errors: { errors.append($0) })
        guard code == 0 else { throw PostgresCluster.Failure(description: "analyze failed (\(code)): \(errors.joined(separator: "\n"))") }
        return (try JSONDecoder().decode(StudyResults.self, from: Data(contentsOf: out.appendingPathComponent("results.json"))), output)
    }

    @Test func pushdownRowRouteAndCSVRouteAgree() async throws {
        let fixture = try OMOPFixture.Loaded()
        defer { fixture.close() }
        let (root, cluster) = (fixture.root, fixture.cluster)
        let csv = fixture.csv

        let pushed = try await Self.load(cluster, pushdown: true)
        let rows = try await Self.load(cluster, pushdown: false)
        #expect(rows.pushed == nil)
        let daily = try #require(pushed.pushed)
        #expect(daily.parameters.count > 10)
        #expect(pushed.dailyRows > 0)
        #expect(pushed.study.measurements.count < rows.study.measurements.count / 5, "only the rates and row-only parameters come as rows")
        #expect(pushed.rowsTransferred < rows.rowsTransferred)
        #expect(pushed.bytesTransferred < rows.bytesTransferred)
        #expect(pushed.notes == rows.notes)

        // One pass: the plan of the query scans the measurement table once, in the CTE that the
        // four parts read (PostgreSQL materialises it).
        let sql = OMOPPushdown.querySQL(mapping: try OMOPMapping.default, schema: try #require(OMOPSchemaName("cdm")), protocol: .paperDefault, dialect: .postgresql)
        #expect(sql.components(separatedBy: "FROM cdm.measurement").count == 2)
        let plan = try cluster.psql(["-At"], input: "EXPLAIN " + sql + ";")
        #expect(plan.components(separatedBy: "Seq Scan on measurement").count == 2, "\(plan)")
        #expect(plan.contains("CTE classified"), "\(plan)")

        // The database's day rule and aggregates are the derivation's: the same daily table.
        let p = StudyProtocol.paperDefault
        let viaPushdown = try CohortDerivation.derive(pushed.study, protocol: p, pushed: daily)
        let viaRows = try CohortDerivation.derive(rows.study, protocol: p)
        expectSameDaily(viaPushdown, viaRows)
        #expect(viaPushdown.sofa == viaRows.sofa)
        #expect(viaPushdown.ruleCounts == viaRows.ruleCounts)
        #expect(viaPushdown.lastRecorded == viaRows.lastRecorded)
        #expect(viaPushdown.outcomes == viaRows.outcomes)

        // analyze --omop (pushdown), --no-pushdown and --study give the same statistics.
        let (a, aOutput) = try Self.analyze(["--omop", cluster.url, "--schema", "cdm"], out: root.appendingPathComponent("out-pushdown"), report: true)
        let (b, bOutput) = try Self.analyze(["--omop", cluster.url, "--schema", "cdm", "--no-pushdown"], out: root.appendingPathComponent("out-rows"))
        let (c, _) = try Self.analyze(["--study", csv.path], out: root.appendingPathComponent("out-csv"))
        #expect(aOutput.contains { $0.hasPrefix("transferred from") && $0.contains("pushdown:") }, "\(aOutput)")
        #expect(bOutput.contains { $0.hasPrefix("transferred from") && $0.contains("--no-pushdown") }, "\(bOutput)")
        // The report names the data source and its mapping (written beside it), not the server.
        let outA = root.appendingPathComponent("out-pushdown")
        let html = try String(contentsOf: outA.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(try String(contentsOf: outA.appendingPathComponent("omop-mapping.yaml"), encoding: .utf8) == OMOPMapping.defaultYAML)
        #expect(html.contains("Data source: an OMOP CDM 5.4 database (schema cdm)"), "the methods name the source")
        #expect(html.contains("(pushdown)") && html.contains("<code>omop-mapping.yaml</code>"))
        #expect(html.contains("OMOP CDM database") && !html.contains("postgresql://"), "the server's address stays out of the report")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out-csv/omop-mapping.yaml").path))
        #expect(a.analysisSets == c.analysisSets)
        #expect(b.analysisSets == c.analysisSets)
        #expect(a.warnings == c.warnings)
        var a2 = a, b2 = b
        a2.provenance.inputHash = c.provenance.inputHash
        b2.provenance.inputHash = c.provenance.inputHash
        #expect(a2 == c)
        #expect(b2 == c)
    }

    /// Day boundaries, date-only rows and ties: rows moved to a second before and at midnight
    /// of an ICU day, to the admission date without a time, and two rows at one time (first
    /// and last then follow measurement_id) — the database's days and values are the rows'.
    @Test func dayBoundariesDatesAndTiesAgree() async throws {
        let fixture = try OMOPFixture.Loaded()
        defer { fixture.close() }
        let cluster = fixture.cluster
        try OMOPFixture.clone(cluster, to: "edge")
        // Every fifth row to 23:59:59 of its date, every seventh to its midnight, every eleventh
        // to its date without a time, every third datetime to noon (ties within a day: first
        // and last follow measurement_id); every second ICU admission 7 h 30 earlier, on the
        // day before its visit_detail_start_date (dates count from the admission's date).
        let alive = "AND NOT EXISTS (SELECT 1 FROM edge.death d WHERE d.person_id = m.person_id AND d.death_date <= m.measurement_date)"
        try cluster.psql([], input: """
            UPDATE edge.measurement m SET measurement_datetime = CAST(measurement_date AS TIMESTAMP) + INTERVAL '23 hours 59 minutes 59 seconds'
              WHERE measurement_id % 5 = 0 \(alive);
            UPDATE edge.measurement m SET measurement_datetime = CAST(measurement_date AS TIMESTAMP)
              WHERE measurement_id % 7 = 0 AND measurement_id % 5 <> 0 \(alive);
            UPDATE edge.measurement m SET measurement_datetime = NULL WHERE measurement_id % 11 = 0;
            UPDATE edge.measurement m SET measurement_datetime = CAST(m.measurement_date AS TIMESTAMP) + INTERVAL '12 hours'
              WHERE m.measurement_datetime IS NOT NULL AND m.measurement_id % 3 = 0 \(alive);
            UPDATE edge.visit_detail SET visit_detail_start_datetime = visit_detail_start_datetime - INTERVAL '7 hours 30 minutes'
              WHERE visit_detail_id % 2 = 0;
            """)
        // A protocol whose series use every aggregation the pushdown computes.
        var p = StudyProtocol.paperDefault
        let aggregations: [DailyAggregation] = [.first, .last, .mean, .min, .sum, .max]
        let derived = p.derivedParameterNames
        var changed = 0
        for i in p.parameters.indices where !derived.contains(p.parameters[i].name) {
            p.parameters[i].aggregation = aggregations[changed % aggregations.count]
            changed += 1
        }
        #expect(changed >= aggregations.count)
        let pushed: OMOPPushdown.Loaded
        let rows: OMOPPushdown.Loaded
        do {
            pushed = try await Self.load(cluster, schema: "edge", pushdown: true, protocol: p)
            rows = try await Self.load(cluster, schema: "edge", pushdown: false, protocol: p)
        } catch let error as OMOPImportError {
            Issue.record("\(error.problems.prefix(5))")
            return
        }
        let daily = try #require(pushed.pushed)
        let viaPushdown = try CohortDerivation.derive(pushed.study, protocol: p, pushed: daily)
        let viaRows = try CohortDerivation.derive(rows.study, protocol: p)
        expectSameDaily(viaPushdown, viaRows)
        #expect(viaPushdown.sofa == viaRows.sofa)
        #expect(viaPushdown.lastRecorded == viaRows.lastRecorded)
    }

    /// Rows the row route refuses are refused by the pushdown too, located.
    @Test func badPushedRowsAreLocated() async throws {
        let fixture = try OMOPFixture.Loaded()
        defer { fixture.close() }
        let cluster = fixture.cluster
        try OMOPFixture.clone(cluster, to: "bad")
        let ids = try cluster.psql(["-At", "-c", """
            SELECT string_agg(measurement_id::text, ',' ORDER BY measurement_id) FROM (
              (SELECT measurement_id FROM bad.measurement WHERE unit_concept_id = 586323 ORDER BY measurement_id LIMIT 2)
              UNION ALL (SELECT measurement_id FROM bad.measurement WHERE unit_concept_id = 8523 ORDER BY measurement_id LIMIT 1)) x
            """]).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
        #expect(ids.count == 3)
        guard ids.count == 3 else { return }
        try cluster.psql([], input: """
            UPDATE bad.measurement SET unit_concept_id = 9999999 WHERE measurement_id = \(ids[0]);
            UPDATE bad.measurement SET value_as_number = 80 WHERE measurement_id = \(ids[1]);
            UPDATE bad.measurement SET value_as_number = 45 WHERE measurement_id = \(ids[2]);
            """)
        do {
            _ = try await Self.load(cluster, schema: "bad", pushdown: true)
            Issue.record("the bad rows were analysed")
        } catch let e as OMOPImportError {
            let located = Set(e.problems.map { "\($0.location.table) \($0.location.row ?? "")/\($0.location.column ?? "")/\($0.rule)" })
            #expect(located.isSuperset(of: [
                "bad.measurement \(ids[0])/unit_concept_id/unit-unknown", "bad.measurement \(ids[1])/value_as_number/out-of-range",
                "bad.measurement \(ids[2])/unit_concept_id/fio2-scale",
            ]), "\(located.sorted())")
        }

        // Rows of two persons dated a year before their admission are left out and counted in
        // one note (the query's `outside` rows, one per person), the smaller id named.
        try OMOPFixture.clone(cluster, to: "early")
        let early = try OMOPFixture.firstMeasurementIDs(cluster, schema: "early", [
            "measurement_concept_id = 3010156 AND person_id = (SELECT MIN(person_id) FROM early.measurement)",
            "measurement_concept_id = 3024929 AND person_id = (SELECT MAX(person_id) FROM early.measurement)",
        ]).sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
        #expect(early.count == 2)
        guard early.count == 2 else { return }
        try cluster.psql(["-c", "UPDATE early.measurement SET measurement_date = measurement_date - 365, measurement_datetime = NULL WHERE measurement_id IN (\(early.joined(separator: ", ")))"])
        let left = try await Self.load(cluster, schema: "early", pushdown: true)
        #expect(left.notes.contains { $0.hasPrefix("left out 2 rows of early.measurement (pushed-down parameters)") && $0.hasSuffix("e.g. early.measurement row \(early[0])") }, "\(left.notes)")
    }

    /// PostgreSQL's numeric holds NaN and ±Infinity; neither is a measurement. Both routes
    /// refuse them at their rows (the pushdown's daily sums would otherwise carry them).
    @Test func nonFiniteValuesAreRefusedAtTheirRows() async throws {
        let fixture = try OMOPFixture.Loaded()
        defer { fixture.close() }
        let cluster = fixture.cluster
        try OMOPFixture.clone(cluster, to: "nonfinite")
        let ids = try OMOPFixture.firstMeasurementIDs(cluster, schema: "nonfinite", ["measurement_concept_id = 3020891", "measurement_concept_id = 3010156"])
        #expect(ids.count == 2)
        guard ids.count == 2 else { return }
        try cluster.psql(["-c", "UPDATE nonfinite.measurement SET value_as_number = 'NaN' WHERE measurement_id = \(ids[0]); UPDATE nonfinite.measurement SET value_as_number = 'Infinity' WHERE measurement_id = \(ids[1])"])
        for pushdown in [true, false] {
            do {
                _ = try await Self.load(cluster, schema: "nonfinite", pushdown: pushdown)
                Issue.record("pushdown \(pushdown): the non-finite values were analysed")
            } catch let e as OMOPImportError {
                let located = Set(e.problems.map { "\($0.location.table) \($0.location.row ?? "")/\($0.location.column ?? "")" })
                #expect(located == ["nonfinite.measurement \(ids[0])/value_as_number", "nonfinite.measurement \(ids[1])/value_as_number"],
                        "pushdown \(pushdown): \(e.problems.map(\.description))")
                #expect(e.problems.allSatisfy { $0.message.contains("NaN") || $0.message.contains("nf") }, "\(e.problems.map(\.description))")
            }
        }
    }

    @Test func printSQLInBothDialects() throws {
        let pg = try AnalysisCommandLine.sql("postgresql", input: try AnalyzeCommand.parse(["--schema", "warehouse"]).input)
        let spark = try AnalysisCommandLine.sql("spark", input: try AnalyzeCommand.parse([]).input)
        #expect(pg.contains("FROM warehouse.measurement m"))
        #expect(pg.components(separatedBy: "FROM warehouse.measurement").count == 2, "the measurement table is read in one place")
        #expect(pg.contains("AS kind") && spark.contains("AS kind") && OMOPPushdownSQL.columns.allSatisfy { pg.contains(" AS \($0)") })
        #expect(pg.contains("EXTRACT(EPOCH FROM"))
        #expect(!pg.contains("datediff") && !pg.contains("unix_timestamp"))
        #expect(spark.contains("datediff(m.measurement_date, CAST(i.admission_time AS DATE))"))
        #expect(spark.contains("unix_timestamp(") && !spark.contains("EXTRACT") && !spark.contains("DOUBLE PRECISION"))
        // Only the dialect functions differ.
        let neutral = { (s: String) in
            s.replacingOccurrences(of: "warehouse.", with: "cdm.")
                .replacingOccurrences(of: "DOUBLE PRECISION", with: "DOUBLE")
        }
        #expect(neutral(pg).count != neutral(spark).count || neutral(pg) != neutral(spark))
        #expect(throws: (any Error).self) { try AnalyzeCommand.parse(["--print-sql", "oracle"]) }
        let ddl = try AnalysisCommandLine.sql("ddl", input: try AnalyzeCommand.parse([]).input)
        #expect(ddl.contains("CREATE TABLE cdm.measurement"))
    }
}
