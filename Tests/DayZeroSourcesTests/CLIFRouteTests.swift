import DayZeroAnalysis
@testable import DayZeroCLI
import DayZeroCohort
@testable import DayZeroSources
import DayZeroStore
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// Helpers of the CLIF tests: the default cohort as a study folder and as a CLIF export.
enum CLIFFixture {
    static func write(in root: URL) throws -> (csv: URL, clif: URL, counts: [String: Int]) {
        let csv = root.appendingPathComponent("csv")
        let clif = root.appendingPathComponent("clif")
        try SyntheticCohort.write(to: csv)
        let counts = try CLIFWriter.write(studyFolder: csv, to: clif)
        return (csv, clif, counts)
    }
}

/// The CLIF export of the default cohort: what goes where, and that reading it back gives the
/// same study and the same results.json statistics as the CSV folder (and as OMOP).
@Suite(.serialized) struct CLIFRouteTests {
    @Test func defaultCohortBecomesACLIFExport() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let (csv, clif, counts) = try CLIFFixture.write(in: root)
        let study = try StudyStore.readStudy(folder: csv)
        #expect(Set(counts.keys) == Set(CLIFDictionary.tables + CLIFWriter.dayZeroFiles.map { "dayzero/\($0)" }))
        #expect(counts["patient"] == 78 && counts["hospitalization"] == 78 && counts["adt"] == 78)
        func rows(_ names: Set<String>) -> Int { study.measurements.filter { names.contains($0.parameter) }.count }
        #expect(counts["vitals"] == rows(["temperature", "map"]))
        #expect(counts["labs"] == rows(["crp", "wbc", "platelets", "creatinine", "bilirubin", "alat", "asat", "ldh", "ferritin", "procalcitonin", "pao2", "d_dimer"]))
        #expect(counts["dayzero/measurements"] == rows(["pf_ratio", "apache_ii", "actively_cooled"]))
        let ventilated = study.courses.filter { $0.ventilationStart != nil }.count, extubated = study.courses.filter { $0.ventilationEnd != nil }.count
        #expect(counts["respiratory_support"] == rows(["fio2"]) + ventilated + extubated)
        let infused = Set(study.measurements.filter { $0.parameter == "norepinephrine" }.map(\.patientID)).count
        #expect(counts["medication_admin_continuous"] == rows(["norepinephrine"]) + infused)
        #expect(counts["medication_admin_intermittent"] == study.medications.count)
        #expect(counts["microbiology_culture"] == study.events.count)
        #expect(counts["dayzero/cytokines"] == study.cytokines.count && counts["dayzero/proteomics"] == study.proteomics.count)
        #expect(counts["dayzero/baseline"] == 78)

        // Every table has the dictionary's columns in order; times are UTC datetimes.
        for table in CLIFDictionary.tables {
            let text = try String(contentsOf: clif.appendingPathComponent("\(table).csv"), encoding: .utf8)
            #expect(text.split(separator: "\n").first.map(String.init) == CLIFDictionary.columns[table]?.joined(separator: ","), "\(table)")
        }
        let adt = try String(contentsOf: clif.appendingPathComponent("adt.csv"), encoding: .utf8).split(separator: "\n")
        #expect(adt[1] == "H1,Radboudumc,,2020-03-01 00:00:00+00:00,2020-03-14 07:40:48+00:00,ICU,icu,")
        // FiO2 is a fraction throughout (the cohort's percent rows converted); the corticosteroids
        // alternate between two CLIF categories; norepinephrine is in mcg/kg/min.
        let fio2 = try CLIFFiles.read("respiratory_support", in: clif)
        let values = fio2.rows.indices.compactMap { fio2.value($0, "fio2_set").flatMap(Double.init) }
        #expect(values.count == rows(["fio2"]) && values.allSatisfy { $0 >= 0.21 && $0 <= 1 })
        let drugs = try String(contentsOf: clif.appendingPathComponent("medication_admin_intermittent.csv"), encoding: .utf8)
        #expect(drugs.contains(",hydrocortisone,") && drugs.contains(",methylprednisolone,"))
        let rates = try String(contentsOf: clif.appendingPathComponent("medication_admin_continuous.csv"), encoding: .utf8)
        #expect(rates.contains(",mcg/kg/min,started,start,administered") && rates.contains(",stopped,stop,not_administered"))
    }

    @Test func writerRefusesWhatCLIFCannotHold() throws {
        var study = StudyData()
        study.patients = [Patient(id: "P1", site: "A", sex: .male, age: 60)]
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("dz-clif-\(UUID())")
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(throws: CLIFWriteError.self) { try CLIFWriter.write(study, to: out) }  // no ICU stay
        // A follow-up other than the mapping's 90 days: a row of dayzero/follow_up.csv.
        study.courses = [ICUCourse(patientID: "P1", discharge: 5, followUpEnd: 30)]
        let counts = try CLIFWriter.write(study, to: out)
        #expect(counts["dayzero/follow_up"] == 1)
        #expect(try String(contentsOf: out.appendingPathComponent("dayzero/follow_up.csv"), encoding: .utf8) == "patient_id,follow_up_end\nP1,30\n")
        let db = out.appendingPathComponent("s.sqlite")
        _ = try CLIFImport.importStudy(folder: out, mapping: CLIFMapping.default, database: db)
        #expect(try StudyStore(url: db).load().courses.map(\.followUpEnd) == [30])
        study.courses = [ICUCourse(patientID: "P1", discharge: 5, followUpEnd: 90)]
        study.patients[0].age = 60.5
        #expect(throws: CLIFWriteError.self) { try CLIFWriter.write(study, to: out) }
    }

    /// Imports the default cohort through the CSV folder and through its CLIF export.
    static func importBoth(root: URL) throws -> (clif: URL, csv: URL, notes: [String]) {
        let (csvFolder, clif, _) = try CLIFFixture.write(in: root)
        let clifDB = root.appendingPathComponent("clif.sqlite")
        let summary = try CLIFImport.importStudy(folder: clif, mapping: CLIFMapping.default, database: clifDB)
        let csvDB = root.appendingPathComponent("csv.sqlite")
        let csvSummary = try StudyStore.importStudy(folder: csvFolder, to: csvDB)
        #expect(summary.store.rowCounts == csvSummary.rowCounts)
        return (clifDB, csvDB, summary.notes)
    }

    @Test func clifRouteAndCSVRouteAgree() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let (clifDB, csvDB, notes) = try Self.importBoth(root: root)
        #expect(notes.isEmpty, "\(notes)")

        // The same study: every value and time equal (times as ICU-day numbers). Source values
        // and units differ only where CLIF fixes the unit: FiO2 as a fraction (the cohort's
        // percent rows), temperature in °C (its °F rows), norepinephrine spelled mcg/kg/min.
        let a = try StudyStore(url: clifDB).load()
        let b = try StudyStore(url: csvDB).load()
        #expect(a.patients == b.patients)
        #expect(a.courses.map { c -> ICUCourse in var c = c; c.admissionTimestamp = nil; return c } == b.courses)
        struct Value: Equatable { var patient: String, time: Double, value: Double }
        func byParameter(_ t: MeasurementTable) -> [String: [Value]] {
            Dictionary(grouping: Array(t), by: \.parameter).mapValues { $0.map { Value(patient: $0.patientID, time: $0.time, value: $0.value) } }
        }
        #expect(a.measurements.count == b.measurements.count)
        let (pa, pb) = (byParameter(a.measurements), byParameter(b.measurements))
        #expect(pa.keys.sorted() == pb.keys.sorted() && pa.count == 19)
        for (parameter, values) in pb { #expect(pa[parameter] == values, "\(parameter)") }
        let changed = zip(Array(a.measurements).sorted { ($0.parameter, $0.patientID, $0.time) < ($1.parameter, $1.patientID, $1.time) },
                          Array(b.measurements).sorted { ($0.parameter, $0.patientID, $0.time) < ($1.parameter, $1.patientID, $1.time) })
            .filter { $0.0.sourceUnit != $0.1.sourceUnit || $0.0.sourceValue != $0.1.sourceValue }
        #expect(Set(changed.map { "\($0.1.parameter) \($0.1.sourceUnit) → \($0.0.sourceUnit)" })
            == ["fio2 % → fraction", "temperature °F → °C", "norepinephrine µg/kg/min → mcg/kg/min"])
        #expect(a.medications == b.medications)
        #expect(a.events == b.events)
        #expect(a.cytokines == b.cytokines)
        #expect(a.proteomicsSamples == b.proteomicsSamples)
        #expect(a.proteomics == b.proteomics)

        // The statistics of results.json are identical; only the input hash differs (it covers
        // the admission timestamps, which only the CLIF route has, and the source units above).
        var viaCLIF = try OMOPFixture.analyze(db: clifDB, out: root.appendingPathComponent("clif-results"))
        let viaCSV = try OMOPFixture.analyze(db: csvDB, out: root.appendingPathComponent("csv-results"))
        #expect(viaCLIF.analysisSets == viaCSV.analysisSets)
        #expect(viaCLIF.warnings == viaCSV.warnings)
        #expect(viaCLIF.provenance.inputHash != viaCSV.provenance.inputHash)
        viaCLIF.provenance.inputHash = viaCSV.provenance.inputHash
        #expect(viaCLIF == viaCSV)
    }

    /// The acceptance of issue 14: the default cohort through the CSV folder, through OMOP in a
    /// real PostgreSQL server and through CLIF gives the same results.json statistics.
    @Test func threeRoutesAgree() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let (clifDB, csvDB, _) = try Self.importBoth(root: root)
        let omop = root.appendingPathComponent("omop")
        try OMOPWriter.write(studyFolder: root.appendingPathComponent("csv"), to: omop)
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        try OMOPFixture.load(omop, into: cluster)
        let omopDB = root.appendingPathComponent("omop.sqlite")
        _ = try await OMOPImport.importStudy(
            target: PostgresTarget(url: cluster.url), schema: OMOPSchemaName("cdm")!, mapping: OMOPMapping.default,
            mappingFile: "default", database: omopDB)

        let viaCSV = try OMOPFixture.analyze(db: csvDB, out: root.appendingPathComponent("csv-results"))
        var routes: [(String, StudyResults)] = []
        routes.append(("omop", try OMOPFixture.analyze(db: omopDB, out: root.appendingPathComponent("omop-results"))))
        routes.append(("clif", try OMOPFixture.analyze(db: clifDB, out: root.appendingPathComponent("clif-results"))))
        #expect(routes.count == 2)
        for (name, results) in routes {
            var r = results
            #expect(r.analysisSets == viaCSV.analysisSets, "\(name)")
            r.provenance.inputHash = viaCSV.provenance.inputHash
            #expect(r == viaCSV, "\(name)")
        }
    }
}
