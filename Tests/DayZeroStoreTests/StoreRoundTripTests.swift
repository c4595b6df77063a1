import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStore

/// The files of a folder, by name.
func folderContents(_ url: URL) throws -> [String: Data] {
    var result: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: url.path) {
        result[name] = try Data(contentsOf: url.appendingPathComponent(name))
    }
    return result
}

/// Lines that differ between two dumps (for failure messages).
func difference(_ a: [String], _ b: [String]) -> [String] {
    Array((a.difference(from: b).map { "\($0)" }).prefix(10))
}

@Suite("Study store round trip")
struct StoreRoundTripTests {
    @Test("canonical units and day numbers: import then export gives back the input files byte for byte")
    func canonicalFolderRoundTrip() throws {
        let input = fixtureURL("valid-days")
        let directory = try makeTestDirectory()
        let database = directory.appendingPathComponent("study.sqlite")
        let summary = try StudyStore.importStudy(folder: input, to: database)
        #expect(summary.rowCounts == [
            .patients: 4, .icuCourse: 3, .measurements: 13, .medications: 4, .events: 2, .cytokines: 4,
            .proteomicsSamples: 2, .proteomics: 3, .parameters: 1,
        ])
        let output = directory.appendingPathComponent("export")
        let exported = try StudyStore(url: database).exportStudy(to: output)
        #expect(exported == summary)
        let original = try folderContents(input)
        let written = try folderContents(output)
        #expect(written.keys.sorted() == original.keys.sorted())
        for (name, data) in original {
            #expect(written[name] == data, "\(name):\n\(String(decoding: written[name] ?? Data(), as: UTF8.self))")
        }
    }

    @Test("load() gives the validated in-memory study, in canonical units")
    func loadEqualsRead() throws {
        let input = fixtureURL("valid-days")
        let database = try makeTestDirectory().appendingPathComponent("study.sqlite")
        try StudyStore.importStudy(folder: input, to: database)
        let loaded = try StudyStore(url: database).load()
        let read = try StudyStore.readStudy(folder: input)
        #expect(loaded == read)
        #expect(loaded.patients.map(\.id) == ["P01", "P02", "P03", "P04"])
        #expect(loaded.patients[0].comorbidities == [.hypertension, .diabetesMellitus])
        #expect(loaded.patients[2].bmi == nil && loaded.patients[2].immunocompromised == true)
        #expect(loaded.patients[3].consentRefused == true)
        #expect(loaded.courses[1] == ICUCourse(patientID: "P02", discharge: 9, ventilationStart: 1, ventilationEnd: 9, death: 9))
        #expect(loaded.measurements.count == 13)
        #expect(loaded.measurements[7] == Measurement(patientID: "P01", time: 12.25, parameter: "crp", value: 150, sourceUnit: "mg/L"))
        #expect(loaded.declaredParameters.map(\.name) == ["lactate"])
        #expect(loaded.cytokines[3].belowLOD && loaded.cytokines[3].timepoint == .admission)
        #expect(loaded.proteomics[2].qcWarning && loaded.proteomics[2].npx == -0.42)
        #expect(loaded.events[0].detail == "sputum culture: Klebsiella pneumoniae, ESBL")
    }

    @Test("timestamps and alternative units: CSV → DB → CSV → DB gives identical stores, exports byte-identical")
    func timestampRoundTrip() throws {
        let input = fixtureURL("valid-timestamps")
        let directory = try makeTestDirectory()
        let first = directory.appendingPathComponent("first.sqlite")
        let second = directory.appendingPathComponent("second.sqlite")
        try StudyStore.importStudy(folder: input, to: first)
        let export1 = directory.appendingPathComponent("export1")
        try StudyStore(url: first).exportStudy(to: export1)
        try StudyStore.importStudy(folder: export1, to: second)
        let export2 = directory.appendingPathComponent("export2")
        try StudyStore(url: second).exportStudy(to: export2)

        let dump1 = try StudyStore(url: first).dump()
        let dump2 = try StudyStore(url: second).dump()
        #expect(dump1 == dump2, "\(difference(dump1, dump2))")
        #expect(try folderContents(export1) == folderContents(export2))
        #expect(try StudyStore(url: first).load() == StudyStore(url: second).load())

        // The export keeps source units and the time format, in canonical spelling.
        let course = String(decoding: try Data(contentsOf: export1.appendingPathComponent("icu_course.csv")), as: UTF8.self)
        #expect(course == """
            patient_id,icu_admission,icu_discharge,ventilation_start,ventilation_end,death,follow_up_end
            T01,2020-02-28T22:30,2020-03-02T10:15,2020-02-28T23:00:00,2020-03-01T08:00,,2020-03-27
            T02,2020-12-31,2021-01-05,,,2021-01-05,

            """)
        let measurements = String(decoding: try Data(contentsOf: export1.appendingPathComponent("measurements.csv")), as: UTF8.self)
        #expect(measurements.contains("T01,2020-02-29T06:00,temperature,101.3,°F\n"))
        #expect(measurements.contains("T01,2020-03-02T10:15,platelets,180000,/µL\n"))
        let patients = String(decoding: try Data(contentsOf: export1.appendingPathComponent("patients.csv")), as: UTF8.self)
        #expect(patients.contains("T01,\"Hospital A, Nijmegen\",M,55,"))
        #expect(patients.contains("T02,Hospital B,F,77.5,"))  // sex written canonically
    }

    @Test("timestamps become ICU days (t − admission) / 24 h across month, leap-day and year boundaries")
    func timeConversion() throws {
        let study = try StudyStore.readStudy(folder: fixtureURL("valid-timestamps"))
        // T01 admitted 2020-02-28T22:30 (2020 is a leap year); T02 on the date 2020-12-31 (midnight).
        // Worked by hand: 06:00 next day = 7.5 h = 0.3125 d; the date 2020-02-29 is ICU day 1;
        // 2020-03-01T07:59 = 24 h + 9 h 29 min = 2009 min; 2020-03-02T10:15 = 3 d − 12 h 15 min = 3585 min;
        // 2021-01-01 is day 1 of T02; 2021-01-05T23:00 = 5 d 23 h.
        let expected: [Double] = [450.0 / 1440, 1, 0.5, 2009.0 / 1440, 3585.0 / 1440, 1, 5 + 23.0 / 24]
        #expect(study.measurements.map(\.time) == expected)
        #expect(study.measurements.map(\.day) == [0, 1, 0, 1, 2, 1, 5])
        let t01 = study.courses[0]
        #expect(t01.admissionTimestamp == "2020-02-28T22:30")
        #expect(t01.discharge == 3585.0 / 1440)
        #expect(t01.ventilationStart == 30.0 / 1440)
        #expect(t01.ventilationEnd == 2010.0 / 1440)
        #expect(t01.followUpEnd == 28)  // the date 2020-03-27: day 28 counted from the admission date
        let t02 = study.courses[1]
        #expect(t02.admissionTimestamp == "2020-12-31" && t02.discharge == 5 && t02.death == 5)
        // Values in canonical units: 101.3 °F = 38.5 °C, 1.2 mg/dL creatinine = 106.104 µmol/L.
        #expect(abs(study.measurements[0].value - 38.5) < 1e-12)
        #expect(study.measurements[0].sourceValue == 101.3 && study.measurements[0].sourceUnit == "°F")
        #expect(abs(study.measurements[1].value - 106.104) < 1e-12)
        #expect(study.measurements[4].value == 180)
        #expect(study.cytokines[0].value == 120 && study.cytokines[0].time == 60.0 / 1440)
        #expect(study.events[0].detail == "line 1\r\nline 2 \"quoted\"")
        #expect(study.events[0].time == 11)  // the date 2020-03-10, after discharge but within follow-up
    }

    @Test("export refuses a non-empty folder; opening a non-store fails clearly")
    func exportAndOpenErrors() throws {
        let directory = try makeTestDirectory()
        let database = directory.appendingPathComponent("study.sqlite")
        try StudyStore.importStudy(folder: fixtureURL("valid-days"), to: database)
        let occupied = directory.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: occupied.appendingPathComponent("keep.txt"))
        #expect(throws: StoreError.self) { try StudyStore(url: database).exportStudy(to: occupied) }
        #expect(try folderContents(occupied).keys.sorted() == ["keep.txt"])

        #expect(throws: StoreError.io("no study store at \(directory.path)/missing.sqlite")) {
            try StudyStore(url: directory.appendingPathComponent("missing.sqlite"))
        }
        let notAStore = directory.appendingPathComponent("other.txt")
        try Data("hello".utf8).write(to: notAStore)
        #expect(throws: StoreError.self) { try StudyStore(url: notAStore) }
    }

    @Test("a study store has the schema version, foreign keys and indexes")
    func schema() throws {
        let database = try makeTestDirectory().appendingPathComponent("study.sqlite")
        try StudyStore.importStudy(folder: fixtureURL("valid-days"), to: database)
        let dump = try StudyStore(url: database).dump()
        #expect(dump.contains("grdb_migrations: [identifier:\"v1-study-tables\"]"))
        let store = try StudyStore(url: database)
        let indexes = try store.indexNames()
        let foreignKeyViolations = try store.foreignKeyViolationCount()
        #expect(indexes == [
            "cytokine_by_patient", "event_by_patient", "medication_by_patient",
            "proteomics_sample_by_patient",
        ])
        #expect(foreignKeyViolations == 0)
    }
}
