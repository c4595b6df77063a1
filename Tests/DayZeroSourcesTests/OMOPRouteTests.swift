import DayZeroAnalysis
@testable import DayZeroCLI
import DayZeroCohort
@testable import DayZeroSources
import DayZeroStore
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// Stages C and D: the OMOP source read from a real PostgreSQL server gives the same study, and
/// the same results.json statistics, as the CSV folder.
@Suite(.serialized) struct OMOPRouteTests {
    @Test func omopRouteAndCSVRouteAgree() async throws {
        let fixture = try OMOPFixture.Loaded()
        defer { fixture.close() }
        let (root, cluster) = (fixture.root, fixture.cluster)
        let csv = fixture.csv

        let omopDB = root.appendingPathComponent("omop.sqlite")
        let summary = try await OMOPImport.importStudy(
            target: PostgresTarget(url: cluster.url), schema: OMOPSchemaName("cdm")!, mapping: OMOPMapping.default,
            mappingFile: "default", database: omopDB)
        let csvDB = root.appendingPathComponent("csv.sqlite")
        let csvSummary = try StudyStore.importStudy(folder: csv, to: csvDB)
        #expect(summary.store.rowCounts == csvSummary.rowCounts)
        #expect(summary.notes.isEmpty, "\(summary.notes)")

        // The same study: every table's values are equal (times as ICU-day numbers).
        let a = try StudyStore(url: omopDB).load()
        let b = try StudyStore(url: csvDB).load()
        #expect(a.patients == b.patients)
        #expect(a.courses.map { c -> ICUCourse in var c = c; c.admissionTimestamp = nil; return c } == b.courses)
        // Measurements per parameter in order (the OMOP route reads norepinephrine rates from
        // drug_exposure after the measurement table, so only the interleaving differs).
        func byParameter(_ t: MeasurementTable) -> [String: [DayZeroCohort.Measurement]] { Dictionary(grouping: Array(t), by: \.parameter) }
        #expect(a.measurements.count == b.measurements.count)
        #expect(byParameter(a.measurements) == byParameter(b.measurements))
        #expect(a.medications == b.medications)
        #expect(a.events == b.events)
        #expect(a.cytokines == b.cytokines)
        #expect(Set(a.proteomicsSamples) == Set(b.proteomicsSamples) && a.proteomicsSamples.count == b.proteomicsSamples.count)
        #expect(a.proteomics == b.proteomics)

        // The statistics of results.json are identical; only the input hash differs (it covers
        // the admission timestamps, which only the OMOP route has, and the measurements in
        // stored order, where the norepinephrine rates come after the measurement table's rows).
        var viaOMOP = try OMOPFixture.analyze(db: omopDB, out: root.appendingPathComponent("omop-results"))
        let viaCSV = try OMOPFixture.analyze(db: csvDB, out: root.appendingPathComponent("csv-results"))
        #expect(viaOMOP.analysisSets == viaCSV.analysisSets)
        #expect(viaOMOP.warnings == viaCSV.warnings)
        #expect(viaOMOP.provenance.inputHash != viaCSV.provenance.inputHash)
        viaOMOP.provenance.inputHash = viaCSV.provenance.inputHash
        #expect(viaOMOP == viaCSV)
    }
}
