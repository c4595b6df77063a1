@testable import DayZeroSources
import Foundation
import Testing

/// Stage A: the generated OMOP CDM 5.4 DDL, executed by a real (throwaway) PostgreSQL server.
@Suite(.serialized) struct OMOPDDLTests {
    @Test func schemaNamesAreIdentifiersOnly() {
        #expect(OMOPSchemaName("cdm")?.name == "cdm")
        #expect(OMOPSchemaName("cdm_5_4")?.name == "cdm_5_4")
        #expect(OMOPSchemaName("") == nil)
        #expect(OMOPSchemaName("5cdm") == nil)
        #expect(OMOPSchemaName("CDM") == nil)
        #expect(OMOPSchemaName("cdm; drop table x") == nil)
        #expect(OMOPSchemaName(String(repeating: "a", count: 64)) == nil)
    }

    @Test func ddlRecordsVersionAndSpecification() {
        #expect(OMOPDDL.cdmVersion == "5.4")
        #expect(OMOPDDL.specificationCommit.count == 40)
        #expect(OMOPDDL.tables.count == 39)
        let sql = OMOPDDL.statements(schema: OMOPSchemaName("cdm")!)
        #expect(!sql.contains("{schema}"))
        #expect(sql.components(separatedBy: "CREATE TABLE cdm.").count - 1 == 39)
    }

    /// The DDL runs on PostgreSQL and gives the spec's tables, columns, types and NOT NULLs.
    @Test func ddlCreatesTheCDMTablesOnPostgreSQL() throws {
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        try cluster.psql(["-c", "CREATE SCHEMA cdm"])
        try cluster.psql([], input: OMOPDDL.statements(schema: OMOPSchemaName("cdm")!))
        let tables = try cluster.psql([
            "-At", "-c", "SELECT table_name FROM information_schema.tables WHERE table_schema = 'cdm' ORDER BY 1",
        ]).split(separator: "\n").map(String.init)
        #expect(tables == OMOPDDL.tables.sorted())
        let columns = try cluster.psql([
            "-At", "-F", ",", "-c",
            """
            SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
            WHERE table_schema = 'cdm' AND table_name IN ('person', 'measurement', 'visit_detail')
              AND column_name IN ('year_of_birth', 'value_as_number', 'measurement_datetime', 'visit_detail_end_date', 'birth_datetime')
            ORDER BY 1, 2
            """,
        ]).split(separator: "\n").map(String.init)
        #expect(columns == [
            "measurement,measurement_datetime,timestamp without time zone,YES",
            "measurement,value_as_number,numeric,YES",
            "person,birth_datetime,timestamp without time zone,YES",
            "person,year_of_birth,integer,NO",
            "visit_detail,visit_detail_end_date,date,NO",
        ])
        let keys = try cluster.psql([
            "-At", "-c", "SELECT count(*) FROM information_schema.table_constraints WHERE table_schema = 'cdm' AND constraint_type = 'PRIMARY KEY'",
        ])
        #expect(keys.trimmingCharacters(in: .whitespacesAndNewlines) == "28")
    }
}
