@testable import DayZeroSources
import Foundation
import Testing

/// Stage C: the mapping file and the connection URL of the OMOP source.
struct OMOPSourceTests {
    @Test func defaultMappingParsesAndNamesEveryParameter() throws {
        let mapping = try OMOPMapping.default
        #expect(mapping.icuStays.visitDetailConcepts == [32037])
        #expect(Set(mapping.parameters.map(\.name)).union(mapping.rates.map(\.name)) == Set(OMOPVocabulary.parameters.keys).union(["norepinephrine"]))
        #expect(mapping.drugs.count == 4)
        #expect(mapping.baseline.count == 14)
        #expect(throws: OMOPMapping.Problem.self) { try OMOPMapping.parse("version: 1\n", file: "m.yaml") }
        let broken = OMOPMapping.defaultYAML.replacingOccurrences(of: "visit_detail_concepts: [32037]", with: "visit_detail_concepts: []")
        #expect(throws: OMOPMapping.Problem.self) { try OMOPMapping.parse(broken, file: "m.yaml") }
    }

    @Test func postgresURLs() throws {
        let socket = try PostgresTarget(url: "postgresql://me@localhost/study?host=/tmp/pg", environment: [:])
        #expect(socket.socketDirectory == "/tmp/pg" && socket.user == "me" && socket.database == "study" && socket.port == 5432)
        let tcp = try PostgresTarget(url: "postgresql://u:secret@db.example:6543/omop?sslmode=require", environment: [:])
        #expect(tcp.host == "db.example" && tcp.port == 6543 && tcp.password == "secret" && tcp.requireTLS)
        #expect(!tcp.description.contains("secret"))
        #expect(throws: PostgresTarget.Problem.self) { try PostgresTarget(url: "mysql://x/y", environment: [:]) }
        #expect(throws: PostgresTarget.Problem.self) { try PostgresTarget(url: "postgresql://x@h/", environment: [:]) }
    }
}
