import DayZeroCohort
@testable import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// Reads a CSV written by the generator (no quoted fields are produced for these tables).
private func readCSV(_ url: URL) throws -> (header: [String], rows: [[String]]) {
    let text = try String(contentsOf: url, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    let header = lines.first.map { $0.components(separatedBy: ",") } ?? []
    return (header, lines.dropFirst().map { $0.components(separatedBy: ",") })
}

@Suite("Study folder writer")
struct WriterTests {
    @Test("same seed → byte-identical files; another seed → different files")
    func determinism() throws {
        let a = try makeTemporaryDirectory("synth-a")
        let b = try makeTemporaryDirectory("synth-b")
        let c = try makeTemporaryDirectory("synth-c")
        defer { for url in [a, b, c] { try? FileManager.default.removeItem(at: url) } }
        try SyntheticCohort.write(seed: 42, patients: 78, to: a)
        try SyntheticCohort.write(seed: 42, patients: 78, to: b)
        try SyntheticCohort.write(seed: 43, patients: 78, to: c)
        var differing = 0
        for table in StudyTable.allCases where table != .parameters && table != .variables {
            let first = try Data(contentsOf: a.appendingPathComponent(table.fileName))
            let second = try Data(contentsOf: b.appendingPathComponent(table.fileName))
            let other = try Data(contentsOf: c.appendingPathComponent(table.fileName))
            #expect(first == second, "\(table.fileName) differs between two runs with the same seed")
            if first != other { differing += 1 }
        }
        #expect(differing == 8, "only \(differing) of 8 files differ between seeds 42 and 43")
        #expect(try SyntheticCohort.generate(seed: 42, patients: 78) == SyntheticCohort.generate(seed: 42, patients: 78))
    }

    @Test("headers follow StudyTable; the files hold exactly the in-memory cohort")
    func filesMatchMemory() throws {
        let folder = try makeTemporaryDirectory("synth-memory")
        defer { try? FileManager.default.removeItem(at: folder) }
        let summary = try SyntheticCohort.write(to: folder)
        let study = SyntheticCohort.default
        for table in StudyTable.allCases where table != .parameters && table != .variables {
            let (header, _) = try readCSV(folder.appendingPathComponent(table.fileName))
            #expect(header == table.columns.map(\.name), "\(table.fileName) header \(header)")
        }
        let counts: [StudyTable: Int] = [
            .patients: study.patients.count, .icuCourse: study.courses.count, .measurements: study.measurements.count,
            .medications: study.medications.count, .events: study.events.count, .cytokines: study.cytokines.count,
            .proteomicsSamples: study.proteomicsSamples.count, .proteomics: study.proteomics.count,
        ]
        #expect(summary.rows == counts)
        // Every measurement row parses back to the in-memory source value, unit and time.
        let (header, rows) = try readCSV(folder.appendingPathComponent("measurements.csv"))
        let value = try #require(header.firstIndex(of: "value"))
        let unit = try #require(header.firstIndex(of: "unit"))
        let time = try #require(header.firstIndex(of: "time"))
        #expect(rows.count == study.measurements.count)
        for (row, m) in zip(rows, study.measurements) {
            #expect(Double(row[value]) == m.sourceValue && row[unit] == m.sourceUnit && Double(row[time]) == m.time,
                    "row \(row) vs \(m)")
        }
        let (courseHeader, courseRows) = try readCSV(folder.appendingPathComponent("icu_course.csv"))
        let discharge = try #require(courseHeader.firstIndex(of: "icu_discharge"))
        for (row, course) in zip(courseRows, study.courses) { #expect(Double(row[discharge]) == course.discharge) }
        // Temperature is written to 0.1 °C.
        let temperature = rows.filter { $0.contains("temperature") && $0[unit] == "°C" }
        #expect(temperature.allSatisfy { $0[value].split(separator: ".").last?.count == 1 })
    }

    @Test("streaming 1 000 patients keeps the paper's proportions")
    func streamingProportions() throws {
        let folder = try makeTemporaryDirectory("synth-stream")
        defer { try? FileManager.default.removeItem(at: folder) }
        var updates: [SynthesisProgress] = []
        let summary = try SyntheticCohort.write(seed: 7, patients: 1_000, to: folder) { updates.append($0) }
        #expect(summary.rows[.patients] == 1_000)
        #expect(updates == [SynthesisProgress(patientsDone: 1_000, patientsTotal: 1_000)])

        let (header, patients) = try readCSV(folder.appendingPathComponent("patients.csv"))
        let column = { (name: String) in header.firstIndex(of: name) ?? 0 }
        let immunocompromised = patients.filter { $0[column("immunocompromised")] == "1" }.count
        let refused = patients.filter { $0[column("consent_refused")] == "1" }.count
        let (_, medications) = try readCSV(folder.appendingPathComponent("medications.csv"))
        var firstAnakinra: [String: Double] = [:]
        for row in medications where row[1] == "anakinra" {
            firstAnakinra[row[0]] = min(firstAnakinra[row[0]] ?? .infinity, (Double(row[2]) ?? 0).rounded(.down))
        }
        let median = quantile7(Array(firstAnakinra.values), 0.5)
        let n = 1_000.0
        // 12 full blocks of 78 and a partial one of 64: proportions within 2 percentage points.
        func near(_ count: Int, _ paper: Double, _ what: String) {
            #expect(abs(Double(count) / n - paper / 78) < 0.02, "\(what): \(count) of 1 000, paper \(paper)/78")
        }
        near(immunocompromised, 9, "immunocompromised")
        near(refused, 1, "refused")
        near(firstAnakinra.count, 21, "treated")
        #expect(median == 12, "median start day \(String(describing: median))")
        let copd = patients.filter { $0[column("copd")] == "1" }.count
        near(copd, 5 + 0.5, "COPD (5/60 analysed, base rate elsewhere)")
        let ids = patients.map { $0[0] }
        #expect(ids.first == "P0001" && ids.last == "P1000" && Set(ids).count == 1_000)
    }

    @Test("a negative patient count is refused with a clear error")
    func negativeCount() throws {
        #expect(throws: SynthError.invalidPatientCount(-1)) { try SyntheticCohort.generate(patients: -1) }
        #expect(try SyntheticCohort.generate(patients: 0).patients.isEmpty)
    }
}
