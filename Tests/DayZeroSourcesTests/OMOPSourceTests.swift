@testable import DayZeroSources
import DayZeroStore
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

    /// A mapping file is read as strictly as a protocol: every problem at once, each at the line
    /// and column of its entry (`FILE:LINE:COLUMN: error: …`).
    @Test func mappingProblemsAreLocated() throws {
        func problem(_ text: String) -> String {
            do {
                _ = try OMOPMapping.parse(text, file: "m.yaml")
                return "(parsed)"
            } catch {
                return "\(error)"
            }
        }
        let yaml = OMOPMapping.defaultYAML
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        func line(of prefix: String) -> Int { (lines.firstIndex { $0.hasPrefix(prefix) } ?? -1) + 1 }

        // A typo in an optional key is not ignored: it is named, with the key it resembles.
        let typo = problem(yaml.replacingOccurrences(of: "below_detection:", with: "below_detecton:"))
        #expect(typo.hasPrefix("m.yaml:\(line(of: "below_detection:")):1: error: unknown key 'below_detecton'"), "\(typo)")
        #expect(typo.contains("below_detection"), "\(typo)")
        // A concept id that is not a whole number, at its column.
        let text = problem(yaml.replacingOccurrences(of: "visit_detail_concepts: [32037]", with: "visit_detail_concepts: [ICU]"))
        #expect(text.hasPrefix("m.yaml:\(line(of: "  visit_detail_concepts")):27: error: expected a whole number, found 'ICU'"), "\(text)")
        // Rule problems: a unit listed twice, at the second entry; a set naming no concept.
        let twice = problem(yaml.replacingOccurrences(of: "{concept: 9289, unit: \"°F\"}", with: "{concept: 8653, unit: \"°F\"}")
            .replacingOccurrences(of: "{name: crp, concepts: [3010156]}", with: "{name: crp, concepts: []}"))
        let found = twice.split(separator: "\n").map(String.init)
        #expect(found.count == 2, "\(twice)")
        #expect(found.contains("m.yaml:\(line(of: "  - {concept: 9289")):5: error: units: concept 8653 is listed twice"), "\(twice)")
        #expect(found.contains("m.yaml:\(line(of: "  - {name: crp,")):5: error: parameters.crp names no concept"), "\(twice)")
        // care_sites (or visit_detail_concepts) may be left out.
        let noCareSites = lines.filter { !$0.hasPrefix("  care_sites:") }.joined(separator: "\n")
        #expect(try OMOPMapping.parse(noCareSites, file: "m.yaml").icuStays.careSites == [])
        // Not YAML at all; an empty file.
        #expect(problem("[1, 2").hasPrefix("m.yaml:2:1: error: not valid YAML"), "\(problem("[1, 2"))")
        #expect(problem("") == "m.yaml: error: the mapping file is empty")
    }

    /// A connection that reaches no server says so plainly, with the driver's words kept.
    @Test func connectionFailuresAreSaidPlainly() {
        let refused = OMOPReader.connectionFailure("Connection errors: SingleConnectionFailure(target: [IPv4]127.0.0.1/127.0.0.1:1, error: connection reset (error set): Connection refused) (errno: 111))")
        #expect(refused.hasPrefix("nothing accepted the connection (refused): is PostgreSQL running there"), "\(refused)")
        #expect(refused.hasSuffix("(errno: 111))]"))
        #expect(OMOPReader.connectionFailure("connect(descriptor:addr:size:): No such file or directory) (errno: 2)").hasPrefix("there is no PostgreSQL socket there: "))
        #expect(OMOPReader.connectionFailure("DNS error: SocketAddressError.UnknownHost: Name or service not known (error -2)").hasPrefix("the host name could not be found: "))
        #expect(OMOPReader.connectionFailure("something else") == "the connection failed: something else")
        // Through the command: a port nothing listens on.
        let errors = OMOPCommandTests.Lines()
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("dz-refused-\(UUID().uuidString).sqlite")
        let code = OMOPCommandLine.runImport(url: "postgresql://nobody:secret@127.0.0.1:1/omop", schema: "cdm", mappingPath: nil, database: db, output: { _ in }, errors: errors.add)
        #expect(code != StoreCommandLine.exitSuccess)
        #expect(errors.text.contains("cannot connect to postgresql://nobody@127.0.0.1:1/omop: nothing accepted the connection (refused)"), "\(errors.text)")
        #expect(!errors.text.contains("secret"))
        #expect(!FileManager.default.fileExists(atPath: db.path))
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
