import DayZeroCohort
import Foundation
import PostgresNIO

/// A study folder staged from an OMOP database: the DayZero CSV files, and for every cell the
/// OMOP row and column it came from, so problems found by the study-folder validation are
/// reported at their place in the database.
public struct StagedStudy: Sendable {
    public struct File: Sendable {
        public var name: String
        public var header: [String]
        public var rows: [[String?]] = []
        /// `origins[r][c]`: where row `r`, column `c` came from.
        public var origins: [[OMOPLocation?]] = []

        init(_ name: String, _ header: [String]) {
            self.name = name
            self.header = header
        }

        mutating func add(_ cells: [(String?, OMOPLocation?)]) {
            rows.append(cells.map(\.0))
            origins.append(cells.map(\.1))
        }
    }

    public var files: [File] = []
    /// What was left out or normalised (located), for the import's report.
    public var notes: [String] = []
    /// Problems found while reading the database (the rows concerned are not in `files`); the
    /// import validates the files anyway, to report every problem at once, and imports nothing.
    public var problems: [OMOPProblem] = []

    /// Writes the files into `folder`.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in files {
            var text = file.header.joined(separator: ",") + "\n"
            for row in file.rows {
                text += row.map { OMOPTableFile.csvField($0.flatMap { $0.isEmpty ? nil : $0 }) }.joined(separator: ",") + "\n"
            }
            try Data(text.utf8).write(to: folder.appendingPathComponent(file.name))
        }
    }

    /// The OMOP place of a cell of a staged file (`line` counts the header as 1).
    public func origin(file: String, line: Int?, column: Int?) -> OMOPLocation? {
        guard let f = files.first(where: { $0.name == file }), let line, line >= 2, line - 2 < f.origins.count else { return nil }
        let cells = f.origins[line - 2]
        if let column, column >= 1, column - 1 < cells.count, let o = cells[column - 1] { return o }
        return cells.compactMap { $0 }.first.map { OMOPLocation(table: $0.table, row: $0.row) }
    }
}

/// Reads an OMOP CDM 5.4 database through PostgresNIO and stages it as a DayZero study folder,
/// following a mapping (`OMOPMapping`). Every problem is collected and located (table, row id,
/// column); the caller imports nothing unless there is none. `docs/sources.md` describes the
/// rules.
public final class OMOPReader {
    let connection: PostgresConnection
    let schema: OMOPSchemaName
    let mapping: OMOPMapping
    let mappingFile: String
    let logger: Logger
    var problems: [OMOPProblem] = []
    var notes: [String] = []
    var skipped: [String: (count: Int, examples: [String])] = [:]
    /// Parameters whose measurement rows are not read: the pushdown aggregates them in the
    /// database (`OMOPPushdown`).
    var skipParameters: Set<String> = []
    /// Rows and bytes (cell payloads) received from the server, for the transfer report.
    var rowsTransferred = 0
    var bytesTransferred = 0
    /// person_id → the study's patient id (`person_source_value`, else `person_<id>`).
    var patientIDs: [String: String] = [:]

    init(connection: PostgresConnection, schema: OMOPSchemaName, mapping: OMOPMapping, mappingFile: String, logger: Logger) {
        self.connection = connection
        self.schema = schema
        self.mapping = mapping
        self.mappingFile = mappingFile
        self.logger = logger
    }

    /// Connects to `target`, reads the study, closes the connection.
    public static func stage(
        target: PostgresTarget, schema: OMOPSchemaName, mapping: OMOPMapping, mappingFile: String
    ) async throws -> StagedStudy {
        var logger = Logger(label: "dayzero.omop")
        logger.logLevel = .critical
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try target.configuration(), id: 1, logger: logger)
        } catch {
            throw OMOPSourceError("cannot connect to \(target): \(Self.describe(error))")
        }
        let reader = OMOPReader(connection: connection, schema: schema, mapping: mapping, mappingFile: mappingFile, logger: logger)
        do {
            let staged = try await reader.read(database: target.database)
            try? await connection.close()
            return staged
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// A connection that never reached a server, said as a new user needs it (the driver's own
    /// words kept in brackets for the administrator).
    static func connectionFailure(_ detail: String) -> String {
        let why: String
        if detail.contains("Connection refused") {
            why = "nothing accepted the connection (refused)"
        } else if detail.contains("No such file or directory") {
            why = "there is no PostgreSQL socket there"
        } else if detail.lowercased().contains("resolv") || detail.contains("NXDOMAIN") || detail.contains("Name or service not known") {
            why = "the host name could not be found"
        } else if detail.lowercased().contains("timed out") || detail.lowercased().contains("timeout") {
            why = "the connection timed out"
        } else {
            return "the connection failed: \(detail)"
        }
        return "\(why): is PostgreSQL running there and accepting connections on that host and port (or socket folder, ?host=)? [\(detail)]"
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] {
                return message + (e.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            if e.code == .connectionError, let underlying = e.underlying { return connectionFailure("\(underlying)") }
            if let underlying = e.underlying { return "\(e.code): \(underlying)" }
            return "\(e.code)"
        }
        return "\(error)"
    }

    // MARK: - Queries

    /// Runs `sql` and returns every row as text cells (`nil` = NULL).
    func fetch(_ sql: String) async throws -> [[String?]] {
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            var out: [[String?]] = []
            for try await row in rows {
                var cells: [String?] = []
                for cell in row {
                    bytesTransferred += cell.bytes?.readableBytes ?? 0
                    cells.append(cell.bytes == nil ? nil : try cell.decode(String.self))
                }
                rowsTransferred += 1
                out.append(cells)
            }
            return out
        } catch let error as PSQLError {
            throw OMOPSourceError("the query failed: \(Self.describe(error))\n\(sql)")
        }
    }

    var s: String { schema.name }

    static func list(_ ids: some Sequence<Int>) -> String {
        let text = ids.map(String.init).joined(separator: ",")
        return text.isEmpty ? "NULL" : text
    }

    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// `to_char` of a date or timestamp column, as DayZero's time syntax.
    static func date(_ column: String) -> String { "to_char(\(column), 'YYYY-MM-DD')" }
    static func stamp(_ column: String) -> String { "to_char(\(column), 'YYYY-MM-DD\"T\"HH24:MI:SS')" }

    func problem(_ table: String, _ row: String?, _ column: String?, _ message: String, rule: String) {
        problems.append(OMOPProblem(OMOPLocation(table: table, row: row, column: column), message, rule: rule))
    }

    func skip(_ table: String, _ row: String, _ why: String) {
        var entry = skipped[table] ?? (0, [])
        entry.count += 1
        if entry.examples.count < 5 { entry.examples.append("\(table) row \(row) (\(why))") }
        skipped[table] = entry
    }

    // MARK: - Reading

    enum Route: Equatable {
        case parameter(String), cytokine(String), baseline(String), proteomics, rate(String), drug(String), event(String), ventilation
    }

    struct Stay {
        var id: String
        var admissionDate: String
        var admission: String
        var admissionColumn: String
        var dischargeDate: String
        var discharge: String
        var dischargeColumn: String
        var careSite: String?
    }

    struct Person {
        var id: String
        var patientID: String
        var site: String?
        var sex: String?
        var year: Int?
        var month: Int?
        var day: Int?
        var birthDate: String?
        var stay: Stay?
        var deathDate: String?
        var death: String?
        var deathColumn = "death_date"
        var periodEnd: (id: String, date: String)?
        /// Last date data of this person are read for (death, else the end of observation).
        var windowEnd: String?
    }

    func read(database: String) async throws -> StagedStudy {
        // The schema and the tables first: nothing else can be read without them.
        let schemas = try await fetch("SELECT schema_name FROM information_schema.schemata ORDER BY 1").compactMap { $0.first ?? nil }
        guard schemas.contains(s) else {
            let shown = schemas.filter { !$0.hasPrefix("pg_") && $0 != "information_schema" }
            throw OMOPImportError(problems: [OMOPProblem(
                OMOPLocation(table: "schema \(s)"),
                "database \(database) has no schema \(s); its schemas are \(shown.isEmpty ? "(none)" : shown.joined(separator: ", ")). Name the OMOP schema with --schema.",
                rule: "schema-missing")])
        }
        var needed: [String] = ["person", "visit_detail", "care_site", "death", "observation_period", "concept", "concept_ancestor"]
        if !mapping.parameters.isEmpty || !mapping.cytokines.isEmpty || mapping.proteomics != nil { needed.append("measurement") }
        if !mapping.drugs.isEmpty || !mapping.rates.isEmpty { needed.append("drug_exposure") }
        if !mapping.ventilation.isEmpty { needed.append("procedure_occurrence") }
        if !mapping.cytokines.isEmpty || mapping.proteomics != nil { needed.append("specimen") }
        if mapping.proteomics != nil { needed.append("concept_synonym") }
        for set in mapping.baseline + mapping.events { if let t = set.table, !needed.contains(t) { needed.append(t) } }
        let present = Set(try await fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = \(Self.literal(s))").compactMap { $0.first ?? nil })
        let missing = needed.filter { !present.contains($0) }
        guard missing.isEmpty else {
            throw OMOPImportError(problems: missing.map {
                OMOPProblem(OMOPLocation(table: "\(s).\($0)"),
                            "table \(s).\($0) does not exist; the mapping needs it. Create it with the OMOP CDM 5.4 DDL (an empty table is fine).",
                            rule: "table-missing")
            })
        }

        // Concept sets: every mapped concept must exist; descendants come from concept_ancestor.
        var sets: [(section: String, set: OMOPMapping.ConceptSet, route: Route)] = []
        for p in mapping.parameters { sets.append(("parameters", p, .parameter(p.name))) }
        for c in mapping.cytokines { sets.append(("cytokines", c, .cytokine(c.name))) }
        for r in mapping.rates { sets.append(("rates", r, .rate(r.name))) }
        for d in mapping.drugs { sets.append(("drugs", d, .drug(d.name))) }
        for b in mapping.baseline { sets.append(("baseline", b, .baseline(b.name))) }
        for e in mapping.events { sets.append(("events", e, .event(e.name))) }
        if !mapping.ventilation.isEmpty {
            sets.append(("ventilation", OMOPMapping.ConceptSet(name: "ventilation", concepts: mapping.ventilation), .ventilation))
        }
        let all = Set(sets.flatMap(\.set.concepts) + mapping.icuStays.visitDetailConcepts)
        let known = Set(try await fetch("SELECT concept_id::text FROM \(s).concept WHERE concept_id IN (\(Self.list(all.sorted())))")
            .compactMap { $0.first.flatMap { $0.flatMap { Int($0) } } })
        for (section, set, _) in sets {
            for id in set.concepts where !known.contains(id) {
                problem(mappingFile, "\(section).\(set.name)", "concepts",
                        "concept \(id) is not in \(s).concept: the mapping names a concept this database's vocabulary does not have (unmapped concept). Look it up in your vocabulary (Athena) and correct the id.",
                        rule: "concept-unknown")
            }
        }
        for id in mapping.icuStays.visitDetailConcepts where !known.contains(id) {
            problem(mappingFile, "icu_stays", "visit_detail_concepts", "concept \(id) is not in \(s).concept (unmapped concept)", rule: "concept-unknown")
        }
        var descendants: [Int: [Int]] = [:]
        for row in try await fetch(
            "SELECT ancestor_concept_id::text, descendant_concept_id::text FROM \(s).concept_ancestor WHERE ancestor_concept_id IN (\(Self.list(all.sorted())))") {
            guard let a = row[0].flatMap({ Int($0) }), let d = row[1].flatMap({ Int($0) }) else { continue }
            descendants[a, default: []].append(d)
        }
        var routes: [String: [Int: Route]] = [:]  // CDM table → concept → route
        func table(for section: String, _ set: OMOPMapping.ConceptSet) -> String {
            switch section {
            case "parameters", "cytokines": "measurement"
            case "rates", "drugs": "drug_exposure"
            case "ventilation": "procedure_occurrence"
            default: set.table ?? "observation"
            }
        }
        for (section, set, route) in sets {
            let t = table(for: section, set)
            for id in set.concepts {
                for c in Set([id] + (descendants[id] ?? [])) {
                    if let other = routes[t]?[c], other != route {
                        problem(mappingFile, "\(section).\(set.name)", "concepts",
                                "concept \(c) (in the set of \(id)) is already mapped to \(other) in \(t): a concept may mean one thing only",
                                rule: "concept-ambiguous")
                    }
                    routes[t, default: [:]][c] = route
                }
            }
        }
        var olink: [Int: (assay: String, olinkID: String, uniProt: String, panel: String?)] = [:]
        if let proteomics = mapping.proteomics {
            let concepts = try await fetch(
                "SELECT x.concept_id::text, x.concept_name, x.concept_code FROM \(s).concept x WHERE x.vocabulary_id = \(Self.literal(proteomics.vocabulary)) ORDER BY x.concept_id")
            var synonyms: [Int: [String]] = [:]
            for row in try await fetch(
                "SELECT cs.concept_id::text, cs.concept_synonym_name FROM \(s).concept_synonym cs JOIN \(s).concept c ON c.concept_id = cs.concept_id WHERE c.vocabulary_id = \(Self.literal(proteomics.vocabulary))") {
                if let id = row[0].flatMap({ Int($0) }), let name = row[1] { synonyms[id, default: []].append(name) }
            }
            for row in concepts {
                guard let id = row[0].flatMap({ Int($0) }) else { continue }
                let syn = synonyms[id] ?? []
                guard let uniProt = syn.first(where: { $0.hasPrefix("UniProt:") }).map({ String($0.dropFirst(8)) }) else {
                    problem("\(s).concept_synonym", "concept_id \(id)", "concept_synonym_name",
                            "Olink assay concept \(id) (\(row[1] ?? "")) has no synonym UniProt:<accession>; DayZero needs the protein's UniProt accession",
                            rule: "olink-uniprot")
                    continue
                }
                olink[id] = (row[1] ?? "", row[2] ?? "", uniProt, syn.first(where: { $0.hasPrefix("Panel:") }).map { String($0.dropFirst(6)) })
                routes["measurement", default: [:]][id] = .proteomics
            }
            if concepts.isEmpty {
                problem(mappingFile, "proteomics", "vocabulary",
                        "no concept of vocabulary \(proteomics.vocabulary) in \(s).concept: name the vocabulary of your Olink assay concepts", rule: "concept-unknown")
            }
        }
        guard problems.isEmpty else { throw OMOPImportError(problems: problems) }

        // The study's persons: those with an ICU stay, and those who declined participation.
        func icu(_ alias: String) -> String {
            "(\(alias)visit_detail_concept_id IN (\(Self.list(mapping.icuStays.visitDetailConcepts))) OR \(alias)care_site_id IN (\(Self.list(mapping.icuStays.careSites))))"
        }
        let icuCondition = icu("")
        var studyPersons = "SELECT person_id FROM \(s).visit_detail WHERE \(icuCondition)"
        if let refused = mapping.baseline.first(where: { $0.name == "consent_refused" }), let t = refused.table,
           let concepts = routes[t]?.filter({ $0.value == .baseline("consent_refused") }).map(\.key) {
            studyPersons += " UNION SELECT person_id FROM \(s).\(t) WHERE \(t == "condition_occurrence" ? "condition" : t == "procedure_occurrence" ? "procedure" : t)_concept_id IN (\(Self.list(concepts.sorted())))"
        }

        var persons: [Person] = []
        var index: [String: Int] = [:]
        for row in try await fetch("""
            SELECT p.person_id::text, p.person_source_value, c.care_site_name, p.gender_concept_id::text, p.year_of_birth::text,
                   p.month_of_birth::text, p.day_of_birth::text, \(Self.date("p.birth_datetime"))
            FROM \(s).person p LEFT JOIN \(s).care_site c ON c.care_site_id = p.care_site_id
            WHERE p.person_id IN (\(studyPersons)) ORDER BY p.person_id
            """) {
            let id = row[0] ?? ""
            let sex: String? = switch row[3] ?? "" {
            case "8507": "M"
            case "8532": "F"
            default: nil
            }
            if sex == nil {
                problem("\(s).person", id, "gender_concept_id",
                        "gender_concept_id \(row[3] ?? "NULL") is neither MALE (8507) nor FEMALE (8532); DayZero's sex is M or F", rule: "sex-unknown")
            }
            index[id] = persons.count
            persons.append(Person(
                id: id, patientID: row[1].flatMap { $0.isEmpty ? nil : $0 } ?? "person_\(id)", site: row[2], sex: sex,
                year: row[4].flatMap { Int($0) }, month: row[5].flatMap { Int($0) }, day: row[6].flatMap { Int($0) }, birthDate: row[7]))
        }
        var extraStays: [String: Int] = [:]
        for row in try await fetch("""
            SELECT v.visit_detail_id::text, v.person_id::text, \(Self.date("v.visit_detail_start_date")), \(Self.stamp("v.visit_detail_start_datetime")),
                   \(Self.date("v.visit_detail_end_date")), \(Self.stamp("v.visit_detail_end_datetime")), c.care_site_name
            FROM \(s).visit_detail v LEFT JOIN \(s).care_site c ON c.care_site_id = v.care_site_id
            WHERE \(icu("v."))
            ORDER BY v.person_id, v.visit_detail_start_date, v.visit_detail_start_datetime NULLS FIRST, v.visit_detail_id
            """) {
            guard let person = row[1], let i = index[person] else { continue }
            if persons[i].stay != nil {
                extraStays[person, default: 0] += 1
                continue
            }
            guard let startDate = row[2], let endDate = row[4] else {
                problem("\(s).visit_detail", row[0], row[2] == nil ? "visit_detail_start_date" : "visit_detail_end_date",
                        "an ICU stay needs its start and end date (the CDM requires both)", rule: "stay-dates")
                continue
            }
            persons[i].stay = Stay(
                id: row[0] ?? "", admissionDate: startDate, admission: row[3] ?? startDate,
                admissionColumn: row[3] == nil ? "visit_detail_start_date" : "visit_detail_start_datetime",
                dischargeDate: endDate, discharge: row[5] ?? endDate,
                dischargeColumn: row[5] == nil ? "visit_detail_end_date" : "visit_detail_end_datetime", careSite: row[6])
        }
        if !extraStays.isEmpty {
            notes.append("\(extraStays.count) person\(extraStays.count == 1 ? " has" : "s have") more than one ICU stay; DayZero reads the first of each (later stays' data count as follow-up).")
        }
        for row in try await fetch("""
            SELECT person_id::text, \(Self.date("death_date")), \(Self.stamp("death_datetime")) FROM \(s).death x
            WHERE x.person_id IN (\(studyPersons)) ORDER BY x.person_id, x.death_date
            """) {
            guard let p = row[0], let i = index[p], persons[i].deathDate == nil, let d = row[1] else { continue }
            persons[i].deathDate = d
            persons[i].death = row[2] ?? d
            persons[i].deathColumn = row[2] == nil ? "death_date" : "death_datetime"
        }
        for row in try await fetch("""
            SELECT observation_period_id::text, person_id::text, \(Self.date("observation_period_end_date")) FROM \(s).observation_period x
            WHERE x.person_id IN (\(studyPersons)) ORDER BY x.person_id, x.observation_period_end_date
            """) {
            guard let p = row[1], let i = index[p], let end = row[2] else { continue }
            persons[i].periodEnd = (row[0] ?? "", end)  // the latest period wins
        }
        for p in persons { patientIDs[p.id] = p.patientID }
        for i in persons.indices {
            persons[i].windowEnd = persons[i].deathDate ?? persons[i].periodEnd?.date ?? persons[i].stay?.dischargeDate
        }

        // Rows of the mapped tables, by table.
        func time(_ date: String?, _ stamp: String?) -> String? { stamp ?? date }
        /// Whether a row dated `date` of person `p` lies in the study window (ICU admission
        /// date to the end of follow-up); rows outside are left out and reported.
        func inWindow(_ p: Person, _ date: String, table: String, row: String) -> Bool {
            guard let stay = p.stay else { return true }
            if date < stay.admissionDate {
                skip(table, row, "dated \(date), before patient \(p.patientID)'s ICU admission on \(stay.admissionDate)")
                return false
            }
            if let end = p.windowEnd, date > end {
                skip(table, row, "dated \(date), after the end of patient \(p.patientID)'s follow-up on \(end)")
                return false
            }
            return true
        }

        var baselineValues: [String: [String: (value: String, location: OMOPLocation, date: String)]] = [:]  // person → name → value
        func noteBaseline(_ p: Person, _ name: String, value: String, location: OMOPLocation, date: String) {
            let reference = p.stay?.admissionDate ?? date
            guard date <= reference else { return }
            if let old = baselineValues[p.id]?[name], old.date > date { return }
            baselineValues[p.id, default: [:]][name] = (value, location, date)
        }

        let unitNames = Dictionary(mapping.units.map { ($0.concept, $0.unit) }, uniquingKeysWith: { a, _ in a })
        let doseUnits = Dictionary(mapping.doseUnits.map { ($0.source, $0.unit) }, uniquingKeysWith: { a, _ in a })
        let belowDetection = Set(mapping.belowDetection ?? [])
        var measurements = StagedStudy.File("measurements.csv", ["patient_id", "time", "parameter", "value", "unit"])
        var cytokines = StagedStudy.File("cytokines.csv", ["patient_id", "sample_id", "time", "timepoint", "analyte", "value", "unit", "below_lod"])
        var proteomics = StagedStudy.File("proteomics.csv", ["SampleID", "OlinkID", "UniProt", "Assay", "Panel", "NPX", "LOD", "QC_Warning"])
        var medications = StagedStudy.File("medications.csv", ["patient_id", "drug", "time", "dose", "dose_unit"])
        var events = StagedStudy.File("events.csv", ["patient_id", "event", "time", "detail"])
        var fio2Normalised = 0
        var specimensNeeded: Set<String> = []
        var cytokineRows: [(row: [String?], route: String, person: Person)] = []
        var proteomicsRows: [(row: [String?], person: Person)] = []

        if var measurementRoutes = routes["measurement"], !measurementRoutes.isEmpty {
            if !skipParameters.isEmpty {
                measurementRoutes = measurementRoutes.filter { _, route in
                    if case .parameter(let name) = route { return !skipParameters.contains(name) }
                    return true
                }
            }
            let t = "\(s).measurement"
            for row in try await fetch("""
                SELECT measurement_id::text, person_id::text, measurement_concept_id::text, \(Self.date("measurement_date")),
                       \(Self.stamp("measurement_datetime")), value_as_number::text, unit_concept_id::text, operator_concept_id::text,
                       range_low::text, value_source_value, measurement_event_id::text
                FROM \(t) x WHERE x.measurement_concept_id IN (\(Self.list(measurementRoutes.keys.sorted())))
                  AND x.person_id IN (\(studyPersons)) ORDER BY x.measurement_id
                """) {
                let id = row[0] ?? ""
                guard let pid = row[1], let i = index[pid], let conceptID = row[2].flatMap({ Int($0) }), let route = measurementRoutes[conceptID],
                      let date = row[3]
                else { continue }
                let p = persons[i]
                func at(_ column: String) -> OMOPLocation { OMOPLocation(table: t, row: id, column: column) }
                if case .baseline(let name) = route {
                    guard let value = row[5] else {
                        problem(t, id, "value_as_number", "\(name) has no value_as_number", rule: "value-missing")
                        continue
                    }
                    noteBaseline(p, name, value: value, location: at("value_as_number"), date: date)
                    continue
                }
                guard inWindow(p, date, table: t, row: id) else { continue }
                let timeColumn = row[4] == nil ? "measurement_date" : "measurement_datetime"
                guard let value = row[5] else {
                    problem(t, id, "value_as_number", "a measurement of a mapped concept (\(conceptID)) has no value_as_number", rule: "value-missing")
                    continue
                }
                switch route {
                case .parameter(let name), .cytokine(let name):
                    var unit: String?
                    let unitID = row[6].flatMap { Int($0) } ?? 0
                    if let fio2 = mapping.fio2, case .parameter(let pname) = route, pname == fio2.parameter {
                        guard let v = Double(value) else { continue }
                        let declared: FiO2Rule.Scale? = fio2.percentUnits.contains(unitID) ? .percent
                            : fio2.fractionUnits.contains(unitID) ? .fraction : nil
                        // A unit concept that is neither a percent nor a fraction unit is left to the units below.
                        switch unitID != 0 && declared == nil ? .read(.fraction, byRange: false) : FiO2Rule.classify(v, declared: unitID == 0 ? nil : declared) {
                        case .contradicts(declared: .percent):
                            problem(t, id, "unit_concept_id",
                                    "FiO2 \(value) is recorded in percent (unit_concept_id \(unitID)) but lies in the fraction range \(FiO2Rule.fractionRange): the row mixes scales. Record it as \(v * 100) percent or give it a fraction unit (\(fio2.fractionUnits.map(String.init).joined(separator: ", ")))",
                                    rule: "fio2-scale")
                            continue
                        case .contradicts(declared: .fraction):
                            problem(t, id, "unit_concept_id",
                                    "FiO2 \(value) is recorded as a fraction (unit_concept_id \(unitID)) but lies above 1, in the percent range: the row mixes scales. Record it as \(v / 100) or give it a percent unit (\(fio2.percentUnits.map(String.init).joined(separator: ", ")))",
                                    rule: "fio2-scale")
                            continue
                        case .outOfBothRanges:
                            problem(t, id, "value_as_number",
                                    "FiO2 \(value) has no unit and lies in neither the fraction range \(FiO2Rule.fractionRange) nor the percent range \(FiO2Rule.percentRange): give it a unit_concept_id",
                                    rule: "fio2-scale")
                            continue
                        case .read(let scale, let byRange):
                            if byRange {
                                unit = scale == .fraction ? unitNames[fio2.fractionUnits.first ?? -1] ?? "fraction" : unitNames[fio2.percentUnits.first ?? -1] ?? "%"
                                fio2Normalised += 1
                            }
                        }
                    }
                    if unit == nil {
                        guard unitID != 0 else {
                            problem(t, id, "unit_concept_id",
                                    "\(name) \(value) has no unit (unit_concept_id \(row[6] ?? "NULL")): DayZero does not guess units. Map the source unit to its UCUM concept in the database.",
                                    rule: "unit-missing")
                            continue
                        }
                        guard let known = unitNames[unitID] else {
                            problem(t, id, "unit_concept_id",
                                    "unit_concept_id \(unitID) of \(name) has no conversion: add it to the mapping's units (- {concept: \(unitID), unit: \"<DayZero unit>\"}) if DayZero knows the unit (docs/data-format.md, parameter catalog)",
                                    rule: "unit-unknown")
                            continue
                        }
                        unit = known
                    }
                    if case .cytokine(let analyte) = route {
                        guard let event = row[10] else {
                            problem(t, id, "measurement_event_id",
                                    "cytokine \(analyte) is not linked to its sample: measurement_event_id must name the specimen_id", rule: "specimen-missing")
                            continue
                        }
                        specimensNeeded.insert(event)
                        let below = row[7].flatMap { Int($0) }.map { belowDetection.contains($0) } ?? false
                        cytokineRows.append(([id, event, analyte, value, unit, below ? "1" : "0", row[4] ?? date, timeColumn], analyte, p))
                        continue
                    }
                    measurements.add([
                        (p.patientID, OMOPLocation(table: t, row: id, column: "person_id")), (row[4] ?? date, at(timeColumn)),
                        (name, at("measurement_concept_id")), (value, at("value_as_number")), (unit, at("unit_concept_id")),
                    ])
                case .proteomics:
                    guard let event = row[10] else {
                        problem(t, id, "measurement_event_id", "an Olink value is not linked to its sample: measurement_event_id must name the specimen_id", rule: "specimen-missing")
                        continue
                    }
                    specimensNeeded.insert(event)
                    proteomicsRows.append(([id, event, row[2], value, row[8], row[9]], p))
                default:
                    continue
                }
            }
        }

        // Drugs and rates.
        if let drugRoutes = routes["drug_exposure"], !drugRoutes.isEmpty {
            let t = "\(s).drug_exposure"
            for row in try await fetch("""
                SELECT drug_exposure_id::text, person_id::text, drug_concept_id::text, \(Self.date("drug_exposure_start_date")),
                       \(Self.stamp("drug_exposure_start_datetime")), \(Self.date("drug_exposure_end_date")), quantity::text, dose_unit_source_value
                FROM \(t) x WHERE x.drug_concept_id IN (\(Self.list(drugRoutes.keys.sorted()))) AND x.person_id IN (\(studyPersons))
                ORDER BY x.drug_exposure_id
                """) {
                let id = row[0] ?? ""
                guard let pid = row[1], let i = index[pid], let c = row[2].flatMap({ Int($0) }), let route = drugRoutes[c], let date = row[3] else { continue }
                let p = persons[i]
                guard inWindow(p, date, table: t, row: id) else { continue }
                func at(_ column: String) -> OMOPLocation { OMOPLocation(table: t, row: id, column: column) }
                guard row[5] != nil else {
                    problem(t, id, "drug_exposure_end_date",
                            "drug_exposure_end_date is empty: the CDM requires it. For a single administration set it to the start date; for an infusion, to the day the rate ended.",
                            rule: "drug-end-missing")
                    continue
                }
                let timeColumn = row[4] == nil ? "drug_exposure_start_date" : "drug_exposure_start_datetime"
                let unit = row[7].map { doseUnits[$0] ?? $0 }
                switch route {
                case .rate(let name):
                    guard let quantity = row[6] else {
                        problem(t, id, "quantity", "a \(name) rate needs its value in quantity", rule: "value-missing")
                        continue
                    }
                    guard let unit else {
                        problem(t, id, "dose_unit_source_value", "a \(name) rate needs its unit (e.g. µg/kg/min) in dose_unit_source_value", rule: "unit-missing")
                        continue
                    }
                    measurements.add([
                        (p.patientID, at("person_id")), (row[4] ?? date, at(timeColumn)), (name, at("drug_concept_id")),
                        (quantity, at("quantity")), (unit, at("dose_unit_source_value")),
                    ])
                case .drug(let name):
                    medications.add([
                        (p.patientID, at("person_id")), (name, at("drug_concept_id")), (row[4] ?? date, at(timeColumn)),
                        (row[6], at("quantity")), (row[6] == nil ? nil : unit, at("dose_unit_source_value")),
                    ])
                default:
                    continue
                }
            }
        }

        // Conditions, observations and procedures: baseline variables, events, ventilation.
        var ventilation: [String: (start: String, startLocation: OMOPLocation, end: String?, endLocation: OMOPLocation)] = [:]
        for t in ["condition_occurrence", "observation", "procedure_occurrence"] {
            guard let tableRoutes = routes[t], !tableRoutes.isEmpty else { continue }
            let prefix = t == "condition_occurrence" ? "condition" : t == "procedure_occurrence" ? "procedure" : "observation"
            let startDate = t == "condition_occurrence" ? "condition_start_date" : "\(prefix)_date"
            let startStamp = t == "condition_occurrence" ? "condition_start_datetime" : "\(prefix)_datetime"
            let value = t == "observation" ? "value_as_number::text" : "NULL"
            let end = t == "procedure_occurrence" ? "\(Self.date("procedure_end_date")), \(Self.stamp("procedure_end_datetime"))" : "NULL, NULL"
            let q = "\(s).\(t)"
            for row in try await fetch("""
                SELECT \(t)_id::text, person_id::text, \(prefix)_concept_id::text, \(Self.date(startDate)), \(Self.stamp(startStamp)),
                       \(value), \(prefix)_source_value, \(end)
                FROM \(q) x WHERE x.\(prefix)_concept_id IN (\(Self.list(tableRoutes.keys.sorted()))) AND x.person_id IN (\(studyPersons))
                ORDER BY x.\(t)_id
                """) {
                let id = row[0] ?? ""
                guard let pid = row[1], let i = index[pid], let c = row[2].flatMap({ Int($0) }), let route = tableRoutes[c], let date = row[3] else { continue }
                let p = persons[i]
                func at(_ column: String) -> OMOPLocation { OMOPLocation(table: q, row: id, column: column) }
                switch route {
                case .baseline(let name):
                    let binary = BaselineCatalog.history.contains { $0.name == name } || BaselineCatalog.exclusionFacts.contains { $0.name == name }
                    if binary {
                        noteBaseline(p, name, value: "1", location: at("\(prefix)_concept_id"), date: date)
                    } else if let v = row[5] {
                        noteBaseline(p, name, value: v, location: at("value_as_number"), date: date)
                    } else {
                        problem(q, id, "value_as_number", "\(name) needs its value in value_as_number", rule: "value-missing")
                    }
                case .event(let name):
                    guard inWindow(p, date, table: q, row: id) else { continue }
                    events.add([
                        (p.patientID, at("person_id")), (name, at("\(prefix)_concept_id")),
                        (row[4] ?? date, at(row[4] == nil ? startDate : startStamp)), (row[6], at("\(prefix)_source_value")),
                    ])
                case .ventilation:
                    guard ventilation[p.id] == nil, inWindow(p, date, table: q, row: id) else { continue }
                    ventilation[p.id] = (
                        row[4] ?? date, at(row[4] == nil ? startDate : startStamp), row[8] ?? row[7],
                        at(row[8] == nil ? "procedure_end_date" : "procedure_end_datetime"))
                default:
                    continue
                }
            }
        }

        // Specimens of the cytokine and Olink values.
        var specimens: [String: (row: [String?], person: String)] = [:]
        if !specimensNeeded.isEmpty {
            for row in try await fetch("""
                SELECT specimen_id::text, person_id::text, \(Self.date("specimen_date")), \(Self.stamp("specimen_datetime")),
                       specimen_source_id, specimen_source_value
                FROM \(s).specimen WHERE specimen_id IN (\(specimensNeeded.compactMap { Int($0) }.sorted().map(String.init).joined(separator: ",")))
                """) {
                if let id = row[0], let p = row[1] { specimens[id] = (row, p) }
            }
        }
        let sp = "\(s).specimen"
        for (r, analyte, p) in cytokineRows {
            let t = "\(s).measurement"
            let id = r[0] ?? ""
            guard let event = r[1], let specimen = specimens[event] else {
                problem(t, id, "measurement_event_id", "specimen \(r[1] ?? "") does not exist in \(sp)", rule: "specimen-missing")
                continue
            }
            guard specimen.person == p.id else {
                problem(t, id, "measurement_event_id", "specimen \(event) belongs to person \(specimen.person), not to this row's person \(p.id)", rule: "specimen-person")
                continue
            }
            let sampleID = specimen.row[4] ?? "specimen_\(event)"
            let sampleTime = specimen.row[3] ?? specimen.row[2]
            cytokines.add([
                (p.patientID, OMOPLocation(table: t, row: id, column: "person_id")),
                (sampleID, OMOPLocation(table: sp, row: event, column: "specimen_source_id")),
                (sampleTime, OMOPLocation(table: sp, row: event, column: specimen.row[3] == nil ? "specimen_date" : "specimen_datetime")),
                (specimen.row[5], OMOPLocation(table: sp, row: event, column: "specimen_source_value")),
                (analyte, OMOPLocation(table: t, row: id, column: "measurement_concept_id")),
                (r[3], OMOPLocation(table: t, row: id, column: "value_as_number")),
                (r[4], OMOPLocation(table: t, row: id, column: "unit_concept_id")),
                (r[5], OMOPLocation(table: t, row: id, column: "operator_concept_id")),
            ])
        }
        var samples = StagedStudy.File("proteomics_samples.csv", ["SampleID", "patient_id", "time", "timepoint"])
        var samplesWritten: Set<String> = []
        for (r, p) in proteomicsRows {
            let t = "\(s).measurement"
            let id = r[0] ?? ""
            guard let event = r[1], let specimen = specimens[event] else {
                problem(t, id, "measurement_event_id", "specimen \(r[1] ?? "") does not exist in \(sp)", rule: "specimen-missing")
                continue
            }
            let sampleID = specimen.row[4] ?? "specimen_\(event)"
            if samplesWritten.insert(event).inserted {
                samples.add([
                    (sampleID, OMOPLocation(table: sp, row: event, column: "specimen_source_id")),
                    (p.patientID, OMOPLocation(table: sp, row: event, column: "person_id")),
                    (specimen.row[3] ?? specimen.row[2], OMOPLocation(table: sp, row: event, column: specimen.row[3] == nil ? "specimen_date" : "specimen_datetime")),
                    (specimen.row[5], OMOPLocation(table: sp, row: event, column: "specimen_source_value")),
                ])
            }
            guard let c = r[2].flatMap({ Int($0) }), let assay = olink[c] else { continue }
            proteomics.add([
                (sampleID, OMOPLocation(table: t, row: id, column: "measurement_event_id")),
                (assay.olinkID, OMOPLocation(table: "\(s).concept", row: "\(c)", column: "concept_code")),
                (assay.uniProt, OMOPLocation(table: "\(s).concept_synonym", row: "\(c)", column: "concept_synonym_name")),
                (assay.assay, OMOPLocation(table: "\(s).concept", row: "\(c)", column: "concept_name")),
                (assay.panel, OMOPLocation(table: "\(s).concept_synonym", row: "\(c)", column: "concept_synonym_name")),
                (r[3], OMOPLocation(table: t, row: id, column: "value_as_number")),
                (r[4], OMOPLocation(table: t, row: id, column: "range_low")),
                (r[5] ?? "PASS", OMOPLocation(table: t, row: id, column: "value_source_value")),
            ])
        }

        // Patients and ICU courses.
        var baselineNames: [String] = []
        for name in (BaselineCatalog.characteristics + BaselineCatalog.history + BaselineCatalog.exclusionFacts).map(\.name)
        where mapping.baseline.contains(where: { $0.name == name }) {
            baselineNames.append(name)
        }
        var patients = StagedStudy.File("patients.csv", ["patient_id", "site", "sex", "age"] + baselineNames)
        var courses = StagedStudy.File("icu_course.csv", ["patient_id", "icu_admission", "icu_discharge", "ventilation_start", "ventilation_end", "death", "follow_up_end"])
        let pt = "\(s).person"
        for p in persons {
            func at(_ column: String) -> OMOPLocation { OMOPLocation(table: pt, row: p.id, column: column) }
            let reference = p.stay?.admissionDate ?? baselineValues[p.id]?.values.map(\.date).min()
            var age: String?
            if let year = p.year, let reference, let ry = Int(reference.prefix(4)),
               let rm = Int(reference.dropFirst(5).prefix(2)), let rd = Int(reference.dropFirst(8).prefix(2)) {
                var years = ry - year
                if let month = p.month, let day = p.day, (rm, rd) < (month, day) { years -= 1 }
                age = String(years)
            } else {
                problem(pt, p.id, "year_of_birth", "the age at ICU admission cannot be computed (no year of birth or no admission date)", rule: "age-missing")
            }
            let site = p.site ?? p.stay?.careSite
            if site == nil {
                problem(pt, p.id, "care_site_id", "patient \(p.patientID) has no site: give the person (or the ICU stay) a care_site with a care_site_name", rule: "site-missing")
            }
            var cells: [(String?, OMOPLocation?)] = [(p.patientID, at("person_source_value")), (site, at("care_site_id")), (p.sex, at("gender_concept_id")), (age, at("year_of_birth"))]
            for name in baselineNames {
                let binary = !BaselineCatalog.characteristics.contains { $0.name == name }
                if let v = baselineValues[p.id]?[name] {
                    cells.append((v.value, v.location))
                } else {
                    cells.append((binary ? "0" : nil, nil))
                }
            }
            patients.add(cells)
            guard let stay = p.stay else { continue }
            let vd = "\(s).visit_detail"
            let vent = ventilation[p.id]
            let alive = p.death == nil
            let followUp: (String?, OMOPLocation?) = alive
                ? (p.periodEnd?.date, p.periodEnd.map { OMOPLocation(table: "\(s).observation_period", row: $0.id, column: "observation_period_end_date") })
                : (p.death, OMOPLocation(table: "\(s).death", row: "person_id \(p.id)", column: p.deathColumn))
            courses.add([
                (p.patientID, at("person_source_value")),
                (stay.admission, OMOPLocation(table: vd, row: stay.id, column: stay.admissionColumn)),
                (stay.discharge, OMOPLocation(table: vd, row: stay.id, column: stay.dischargeColumn)),
                (vent?.start, vent?.startLocation), (vent?.end, vent?.endLocation),
                (p.death, OMOPLocation(table: "\(s).death", row: "person_id \(p.id)", column: p.deathColumn)),
                followUp,
            ])
        }

        for (table, entry) in skipped.sorted(by: { $0.key < $1.key }) {
            notes.append("left out \(entry.count) row\(entry.count == 1 ? "" : "s") of \(table) outside the patients' ICU admission to end of follow-up, e.g. \(entry.examples.joined(separator: "; "))")
        }
        if fio2Normalised > 0 {
            notes.append("\(fio2Normalised) FiO2 row\(fio2Normalised == 1 ? "" : "s") without a unit read by range (0.21–1 as a fraction, 21–100 as percent)")
        }
        var staged = StagedStudy()
        staged.problems = problems
        staged.files = [patients, courses, measurements, medications, events]
        if !mapping.cytokines.isEmpty { staged.files.append(cytokines) }
        if mapping.proteomics != nil {
            staged.files.append(samples)
            staged.files.append(proteomics)
        }
        staged.notes = notes
        return staged
    }
}
