import DayZeroAnalysis
@testable import DayZeroCLI
import DayZeroCohort
@testable import DayZeroSources
import DayZeroStore
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// Helpers shared by the OMOP tests: the default cohort as a study folder, as OMOP tables, and
/// loaded into a throwaway PostgreSQL cluster.
enum OMOPFixture {
    /// The default cohort's study folder and its OMOP tables under `root`.
    static func write(in root: URL) throws -> (csv: URL, omop: URL, counts: [String: Int]) {
        let csv = root.appendingPathComponent("csv")
        let omop = root.appendingPathComponent("omop")
        try SyntheticCohort.write(to: csv)
        let counts = try OMOPWriter.write(studyFolder: csv, to: omop)
        return (csv, omop, counts)
    }

    /// The default cohort under a fresh temporary folder, loaded into a fresh cluster (schema
    /// `cdm`): what most OMOP tests start from. `close()` stops the cluster and removes the folder.
    final class Loaded {
        let root: URL, csv: URL, omop: URL
        let cluster: PostgresCluster

        init() throws {
            root = try makeTemporaryDirectory()
            do {
                (csv, omop, _) = try OMOPFixture.write(in: root)
                cluster = try PostgresCluster()
            } catch {
                try? FileManager.default.removeItem(at: root)
                throw error
            }
            do {
                try OMOPFixture.load(omop, into: cluster)
            } catch {
                close()
                throw error
            }
        }

        func close() {
            cluster.stop()
            try? FileManager.default.removeItem(at: root)
        }
    }

    /// The `measurement_id` of the first row (lowest id) meeting each condition, in order —
    /// the rows a test then breaks.
    static func firstMeasurementIDs(_ cluster: PostgresCluster, schema: String, _ conditions: [String]) throws -> [String] {
        let parts = conditions.map { "(SELECT measurement_id FROM \(schema).measurement WHERE \($0) ORDER BY measurement_id LIMIT 1)" }
        return try parts.map { try cluster.psql(["-At", "-c", $0]).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Creates `schema` with the CDM 5.4 DDL and loads the OMOP CSV files into it with COPY.
    static func load(_ omop: URL, into cluster: PostgresCluster, schema: String = "cdm") throws {
        guard let name = OMOPSchemaName(schema) else { throw PostgresCluster.Failure(description: "bad schema \(schema)") }
        var script = "CREATE SCHEMA \(schema);\n" + OMOPDDL.statements(schema: name) + "\n"
        for table in OMOPWriter.tables {
            script += "\\copy \(schema).\(table) FROM '\(omop.appendingPathComponent("\(table).csv").path)' WITH (FORMAT csv, HEADER true)\n"
        }
        try cluster.psql([], input: script)
    }

    /// A copy of schema `from` (every CDM table) as `to`, for a test that breaks it.
    static func clone(_ cluster: PostgresCluster, from: String = "cdm", to: String) throws {
        var script = "CREATE SCHEMA \(to);\n"
        for table in OMOPDDL.tables {
            script += "CREATE TABLE \(to).\(table) (LIKE \(from).\(table) INCLUDING ALL); INSERT INTO \(to).\(table) SELECT * FROM \(from).\(table);\n"
        }
        try cluster.psql([], input: script)
    }

    static func analyze(db: URL, out: URL) throws -> StudyResults {
        let command = try AnalyzeCommand.parse(["--db", db.path, "--out", out.path])
        var errors: [String] = []
        let code = AnalysisCommandLine.runAnalyze(input: command.input, out: out, output: { _ in }, errors: { errors.append($0) })
        guard code == 0 else { throw PostgresCluster.Failure(description: "analyze failed: \(errors.joined(separator: "\n"))") }
        return try JSONDecoder().decode(StudyResults.self, from: Data(contentsOf: out.appendingPathComponent("results.json")))
    }
}

/// Stage B: `dayzero simulate --format omop` writes the default cohort as OMOP CDM 5.4 tables.
@Suite(.serialized) struct OMOPWriterTests {
    @Test func defaultCohortBecomesOMOPTables() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let (csv, omop, counts) = try OMOPFixture.write(in: root)
        let study = try StudyStore.readStudy(folder: csv)
        #expect(Set(counts.keys) == Set(OMOPWriter.tables))
        #expect(counts["person"] == study.patients.count)
        #expect(counts["visit_detail"] == study.courses.count)
        #expect(counts["death"] == study.courses.filter { $0.death != nil }.count)
        let norepinephrine = study.measurements.filter { $0.parameter == "norepinephrine" }.count
        #expect(norepinephrine > 0)
        #expect(counts["drug_exposure"] == study.medications.count + norepinephrine)
        let bmi = study.patients.filter { $0.bmi != nil }.count
        #expect(counts["measurement"] == study.measurements.count - norepinephrine + bmi + study.cytokines.count + study.proteomics.count)

        // Every file has the DDL's columns in order, so COPY loads it without a column list.
        for table in OMOPWriter.tables {
            let text = try String(contentsOf: omop.appendingPathComponent("\(table).csv"), encoding: .utf8)
            #expect(text.split(separator: "\n").first.map(String.init) == OMOPDDL.columns[table]?.joined(separator: ","), "\(table)")
        }
        // FiO2 both as a fraction (8523) and as percent (8554); corticosteroids as two
        // ingredients, each under its ATC H02AB concept in concept_ancestor.
        let measurement = try String(contentsOf: omop.appendingPathComponent("measurement.csv"), encoding: .utf8)
        let fio2 = measurement.split(separator: "\n").filter { $0.contains(",3020716,") }
        #expect(fio2.contains { $0.contains(",8523,") } && fio2.contains { $0.contains(",8554,") })
        let drugs = try String(contentsOf: omop.appendingPathComponent("drug_exposure.csv"), encoding: .utf8)
        #expect(drugs.contains(",\(OMOPVocabulary.hydrocortisone.id),") && drugs.contains(",\(OMOPVocabulary.methylprednisolone.id),"))
        let ancestors = try String(contentsOf: omop.appendingPathComponent("concept_ancestor.csv"), encoding: .utf8)
        #expect(ancestors.contains("21602737,\(OMOPVocabulary.hydrocortisone.id),1,1"), "ATC H02AB09 hydrocortisone")
        #expect(ancestors.contains("21602732,\(OMOPVocabulary.methylprednisolone.id),1,1"), "ATC H02AB04 methylprednisolone")
        #expect(OMOPVocabulary.hierarchy.count == 3)
        // Temperatures in the standard °C (586323); the concept it replaced (8653) is in the
        // vocabulary as replaced, non-standard.
        #expect(measurement.split(separator: "\n").contains { $0.contains(",3020891,") && $0.contains(",586323,") })
        let concepts = try String(contentsOf: omop.appendingPathComponent("concept.csv"), encoding: .utf8)
        #expect(concepts.contains("\n8653,degree Celsius,Unit,UCUM,Unit,,Cel,1970-01-01,2018-05-04,U\n"), "\(concepts.prefix(200))")
        // Admission at midnight: a whole ICU day is a date without a datetime.
        let visits = try String(contentsOf: omop.appendingPathComponent("visit_detail.csv"), encoding: .utf8)
        #expect(visits.split(separator: "\n")[1].contains("2020-03-01,2020-03-01 00:00:00"))
    }

    @Test func unknownBaselineValuesAreRefusedNotGuessed() throws {
        var study = StudyData()
        study.patients = [Patient(id: "P1", site: "A", sex: .male, age: 60, unknownHistory: [.copd])]
        #expect(throws: OMOPWriteError.self) { try OMOPWriter.write(study, to: FileManager.default.temporaryDirectory.appendingPathComponent("dz-omop-\(UUID())")) }
        study.patients = [Patient(id: "P1", site: "A", sex: .male, age: 60.5)]
        #expect(throws: OMOPWriteError.self) { try OMOPWriter.write(study, to: FileManager.default.temporaryDirectory.appendingPathComponent("dz-omop-\(UUID())")) }
    }
}
