@testable import DayZeroSources
import DayZeroStore
import DayZeroTestSupport
import Foundation
import Testing

/// Stage D: bad sources tried as a new user would. Each gives a located, actionable message and
/// imports nothing (the store is not created).
@Suite(.serialized) struct OMOPBadSourceTests {
    /// Stages schema `schema` of `cluster` with `mapping`; returns the problems (none: `[]`) and notes.
    func attempt(
        _ cluster: PostgresCluster, schema: String, mapping: OMOPMapping? = nil, root: URL
    ) async throws -> (problems: [OMOPProblem], notes: [String], imported: Bool) {
        let db = root.appendingPathComponent("\(schema)-\(UUID().uuidString.prefix(6)).sqlite")
        do {
            let summary = try await OMOPImport.importStudy(
                target: PostgresTarget(url: cluster.url), schema: OMOPSchemaName(schema)!, mapping: mapping ?? OMOPMapping.default,
                mappingFile: "mapping.yaml", database: db)
            return ([], summary.notes, FileManager.default.fileExists(atPath: db.path))
        } catch let error as OMOPImportError {
            #expect(!FileManager.default.fileExists(atPath: db.path), "nothing may be imported")
            return (error.problems, error.notes, false)
        }
    }

    /// The id of the first `measurement` row of `concept` with `unit`.
    func measurementID(_ cluster: PostgresCluster, schema: String, concept: Int, unit: Int) throws -> String {
        try cluster.psql(["-At", "-c", "SELECT min(measurement_id) FROM \(schema).measurement WHERE measurement_concept_id = \(concept) AND unit_concept_id = \(unit)"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A database built with a vocabulary from before May 2018 records degrees Celsius as 8653,
    /// the concept 586323 replaced: the default mapping reads it as °C, to the same study.
    @Test func theReplacedCelsiusConceptReadsAsCelsius() async throws {
        let fixture = try OMOPFixture.Loaded()
        defer { fixture.close() }
        let (root, cluster) = (fixture.root, fixture.cluster)
        try OMOPFixture.clone(cluster, to: "legacy")
        let changed = try cluster.psql(["-At", "-c", "WITH u AS (UPDATE legacy.measurement SET unit_concept_id = 8653 WHERE unit_concept_id = 586323 RETURNING 1) SELECT count(*) FROM u"])
        #expect((Int(changed.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 100, "\(changed)")
        var stores: [URL] = []
        for schema in ["cdm", "legacy"] {
            let db = root.appendingPathComponent("\(schema).sqlite")
            let summary = try await OMOPImport.importStudy(
                target: PostgresTarget(url: cluster.url), schema: OMOPSchemaName(schema)!, mapping: OMOPMapping.default,
                mappingFile: "default", database: db)
            #expect(summary.notes.isEmpty, "\(schema): \(summary.notes)")
            stores.append(db)
        }
        let (standard, legacy) = (try StudyStore(url: stores[0]).load(), try StudyStore(url: stores[1]).load())
        #expect(legacy.measurements.contains { $0.parameter == "temperature" })
        #expect(Array(legacy.measurements) == Array(standard.measurements))
    }

    @Test func badSourcesGiveLocatedMessages() async throws {
        let fixture = try OMOPFixture.Loaded()
        defer { fixture.close() }
        let (root, cluster) = (fixture.root, fixture.cluster)

        // A wrong schema name: the schemas that exist are listed.
        let wrongSchema = try await attempt(cluster, schema: "omop", root: root)
        #expect(wrongSchema.problems.count == 1)
        #expect(wrongSchema.problems.first?.rule == "schema-missing")
        #expect(wrongSchema.problems.first?.message.contains("its schemas are cdm") == true)

        // A missing table.
        try OMOPFixture.clone(cluster, to: "missing")
        try cluster.psql(["-c", "DROP TABLE missing.drug_exposure"])
        let missing = try await attempt(cluster, schema: "missing", root: root)
        #expect(missing.problems.map(\.rule) == ["table-missing"])
        #expect(missing.problems.first?.location.table == "missing.drug_exposure")

        // An unmapped concept: the mapping names a concept the vocabulary does not have.
        var mapping = try OMOPMapping.default
        if let i = mapping.parameters.firstIndex(where: { $0.name == "ferritin" }) { mapping.parameters[i].concepts = [2_000_009_999] }
        let unmapped = try await attempt(cluster, schema: "cdm", mapping: mapping, root: root)
        #expect(unmapped.problems.count == 1)
        #expect(unmapped.problems.first?.rule == "concept-unknown")
        #expect(unmapped.problems.first?.location == OMOPLocation(table: "mapping.yaml", row: "parameters.ferritin", column: "concepts"))

        // A unit with no conversion, and a unit of 0; with them a value out of range, which the
        // study-folder validation finds: every problem is reported at once.
        try OMOPFixture.clone(cluster, to: "units")
        let crp = try measurementID(cluster, schema: "units", concept: 3010156, unit: 8751)
        let temperature = try measurementID(cluster, schema: "units", concept: 3020891, unit: 586323)
        let ferritin = try measurementID(cluster, schema: "units", concept: OMOPVocabulary.parameters["ferritin"]?.id ?? 0, unit: 8748)
        try cluster.psql(["-c", "UPDATE units.measurement SET unit_concept_id = 9999 WHERE measurement_id = \(crp); UPDATE units.measurement SET unit_concept_id = 0 WHERE measurement_id = \(temperature); UPDATE units.measurement SET value_as_number = -5 WHERE measurement_id = \(ferritin)"])
        let units = try await attempt(cluster, schema: "units", root: root)
        #expect(units.problems.count == 3, "\(units.problems)")
        #expect(units.problems.contains { $0.location == OMOPLocation(table: "units.measurement", row: ferritin, column: "value_as_number") })
        #expect(units.problems.contains { $0.rule == "unit-unknown" && $0.location == OMOPLocation(table: "units.measurement", row: crp, column: "unit_concept_id") && $0.message.contains("9999") })
        #expect(units.problems.contains { $0.rule == "unit-missing" && $0.location == OMOPLocation(table: "units.measurement", row: temperature, column: "unit_concept_id") })

        // FiO2 in mixed scales: a percent row holding a fraction is refused; a row with no unit
        // is read by its range and reported in a note.
        try OMOPFixture.clone(cluster, to: "fio2")
        let percent = try measurementID(cluster, schema: "fio2", concept: 3020716, unit: 8554)
        let fraction = try measurementID(cluster, schema: "fio2", concept: 3020716, unit: 8523)
        try cluster.psql(["-c", "UPDATE fio2.measurement SET value_as_number = 0.45 WHERE measurement_id = \(percent)"])
        let mixed = try await attempt(cluster, schema: "fio2", root: root)
        #expect(mixed.problems.count == 1)
        #expect(mixed.problems.first?.rule == "fio2-scale")
        #expect(mixed.problems.first?.location == OMOPLocation(table: "fio2.measurement", row: percent, column: "unit_concept_id"))
        try cluster.psql(["-c", "UPDATE fio2.measurement SET value_as_number = 45 WHERE measurement_id = \(percent); UPDATE fio2.measurement SET unit_concept_id = NULL WHERE measurement_id = \(fraction)"])
        let unitless = try await attempt(cluster, schema: "fio2", root: root)
        #expect(unitless.problems.isEmpty, "\(unitless.problems)")
        #expect(unitless.imported)
        #expect(unitless.notes.contains { $0.contains("1 FiO2 row without a unit read by range") })

        // A drug exposure with no end date (a database that relaxed the CDM's NOT NULL).
        try OMOPFixture.clone(cluster, to: "drugs")
        let exposure = try cluster.psql(["-At", "-c", "SELECT min(drug_exposure_id) FROM drugs.drug_exposure"]).trimmingCharacters(in: .whitespacesAndNewlines)
        try cluster.psql(["-c", "ALTER TABLE drugs.drug_exposure ALTER COLUMN drug_exposure_end_date DROP NOT NULL; UPDATE drugs.drug_exposure SET drug_exposure_end_date = NULL WHERE drug_exposure_id = \(exposure)"])
        let noEnd = try await attempt(cluster, schema: "drugs", root: root)
        #expect(noEnd.problems.count == 1)
        #expect(noEnd.problems.first?.rule == "drug-end-missing")
        #expect(noEnd.problems.first?.location == OMOPLocation(table: "drugs.drug_exposure", row: exposure, column: "drug_exposure_end_date"))

        // A measurement outside any ICU stay (a year before the admission) is left out and
        // named in a note; a value out of range is located by the study-folder validation.
        try OMOPFixture.clone(cluster, to: "outside")
        let early = try measurementID(cluster, schema: "outside", concept: 3010156, unit: 8751)
        let late = try measurementID(cluster, schema: "outside", concept: 3024929, unit: 9444)
        try cluster.psql(["-c", "UPDATE outside.measurement SET measurement_date = measurement_date - 365, measurement_datetime = NULL WHERE measurement_id = \(early)"])
        let outside = try await attempt(cluster, schema: "outside", root: root)
        #expect(outside.problems.isEmpty, "\(outside.problems)")
        #expect(outside.notes.contains { $0.contains("left out 1 row of outside.measurement") && $0.contains("outside.measurement row \(early)") })
        try cluster.psql(["-c", "UPDATE outside.measurement SET value_as_number = 5000000 WHERE measurement_id = \(late)"])
        let range = try await attempt(cluster, schema: "outside", root: root)
        #expect(range.problems.count == 1)
        #expect(range.problems.first?.location == OMOPLocation(table: "outside.measurement", row: late, column: "value_as_number"))
    }
}
