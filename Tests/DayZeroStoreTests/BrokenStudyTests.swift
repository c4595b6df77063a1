import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStore

/// Every problem the importer must report for `Fixtures/broken-study`, in reading order, each
/// checked by hand against the fixture (line = physical line, column = field number).
let brokenStudyExpected = [
    "labs.xlsx: unexpected file in the study folder (unknown table); a study folder holds only patients.csv, icu_course.csv, measurements.csv, medications.csv, events.csv, cytokines.csv, proteomics_samples.csv, proteomics.csv, parameters.csv, variables.csv [unexpected-file]",
    "parameters.csv:1:1: the file is UTF-16 encoded; save it as UTF-8 (\"CSV UTF-8\") [encoding]",
    "patients.csv:3:3: sex \"X\" is not M or F [malformed-sex]",
    "patients.csv:4:4: age \"71,5\" is not a number (use '.' as decimal separator and no thousands separator) [malformed-number]",
    "patients.csv:6:1: duplicate key: patient_id \"B02\" already appears on line 3 [duplicate-key]",
    "patients.csv:7:16: hematologic_malignancy \"yes\" is not a flag (use 1 or 0) [malformed-flag]",
    "patients.csv:8:4: age 150 is outside the plausible range 0 to 130 [out-of-range]",
    "icu_course.csv:3:5: ventilation_end \"2\" is before ventilation_start \"3\" [ventilation-order]",
    "icu_course.csv:4:3: icu_discharge \"2020-02-28\" is before icu_admission \"2020-03-01T08:00\" [course-chronology]",
    "icu_course.csv:5:6: death \"-1\" is before icu_admission \"0\" [course-chronology]",
    "icu_course.csv:7:1: patient_id \"B99\" is not defined in patients.csv [undefined-patient]",
    "patients.csv:9:1: patient \"B07\" has no row in icu_course.csv [missing-course]",
    "proteomics_samples.csv:3:4: timepoint \"later\" is not one of: pre, post [invalid-choice]",
    "measurements.csv:3:4: value \"38,9\" is not a number (use '.' as decimal separator and no thousands separator) [malformed-number]",
    "measurements.csv:4:3: parameter \"lactate\" is neither in the parameter catalog nor declared in parameters.csv [unknown-parameter]",
    "measurements.csv:5:5: unit \"mg\" is not a known unit; creatinine accepts µmol/L, mg/dL, mmol/L [unknown-unit]",
    "measurements.csv:6:5: unit \"mg/L\" is not a unit of platelets; platelets accepts 10^9/L, 10^3/uL, /uL [incompatible-unit]",
    "measurements.csv:7:4: value 115 °F = 46.1111 °C is outside the physiological range of temperature, 25 to 45 °C [out-of-range]",
    "measurements.csv:8:2: time \"-1\" is before the ICU admission of patient \"B01\" (icu_admission \"0\") [before-admission]",
    "measurements.csv:9:2: time \"29\" is after the end of follow-up of patient \"B01\" (follow_up_end \"28\") [after-stay]",
    "measurements.csv:10:1: patient \"B04\" refused consent (consent_refused = 1 in patients.csv, line 5); their data must not be in measurements.csv [consent-refused]",
    "measurements.csv:11:1: patient_id \"B42\" is not defined in patients.csv [undefined-patient]",
    "measurements.csv:12:3: parameter \"il6\" is a cytokine; it belongs in cytokines.csv [parameter-table]",
    "measurements.csv:13:2: time \"2020-03-05T08:00\" is a timestamp but icu_admission of patient \"B01\" is the day number 0; give ICU-day numbers, or give icu_admission as a timestamp [time-anchor]",
    "measurements.csv:14:2: time \"12/03/2020\" is not an ICU-day number or a local timestamp YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS [malformed-time]",
    "measurements.csv:15:5: the row has 4 fields but the header has 5 [field-count]",
    "measurements.csv:16:4: a '\"' inside an unquoted field (quote the whole field and double the quotes inside it) [csv-syntax]",
    "measurements.csv:17:5: unit is empty but required [missing-value]",
    "medications.csv:1: wrong delimiter: found ';' in the header; fields must be separated by ',' (save as comma-separated CSV) [wrong-delimiter]",
    "events.csv:1: required column \"time\" is missing from the header [missing-column]",
    "cytokines.csv:1:9: unknown column \"comment\"; cytokines.csv has the columns patient_id, sample_id, time, timepoint, analyte, value, unit, below_lod [unknown-column]",
    "cytokines.csv:3:4: timepoint \"day3\" is not one of: admission, serial [invalid-choice]",
    "cytokines.csv:4:5: duplicate key: sample_id \"C1\" with analyte \"il6\" already appears on line 2 [duplicate-key]",
    "cytokines.csv:5:2: sample_id \"C1\" belongs to patient \"B01\" on line 2, not to \"B06\" [sample-conflict]",
    "proteomics.csv:3:4: byte 0xDF at character 5 is not valid UTF-8 (the file is probably Latin-1/Windows-1252; save it as UTF-8) [encoding]",
    "proteomics.csv:4:1: SampleID \"OL9\" is not defined in proteomics_samples.csv [undefined-sample]",
]

/// Every problem of `Fixtures/broken-files` (file-level problems).
let brokenFilesExpected = [
    "Events.csv: unexpected file in the study folder (unknown table); a study folder holds only patients.csv, icu_course.csv, measurements.csv, medications.csv, events.csv, cytokines.csv, proteomics_samples.csv, proteomics.csv, parameters.csv, variables.csv (did you mean \"events.csv\"? names are lower case) [unexpected-file]",
    "icu_course.csv: required table icu_course.csv is missing from the study folder [missing-table]",
    "proteomics_samples.csv: proteomics.csv is present but proteomics_samples.csv is missing (it maps each SampleID to a patient and time) [missing-table]",
    "patients.csv: the file is empty; a header row naming the columns is required [empty-file]",
    "measurements.csv:1:1: the file is UTF-16 encoded; save it as UTF-8 (\"CSV UTF-8\") [encoding]",
    "medications.csv:1:3: column \"drug\" appears twice in the header [duplicate-column]",
]

/// The problems of an import that must fail, as text lines.
private func importProblems(_ folder: URL, to database: URL, limitPerRule: Int = 200) throws -> StudyValidationError {
    do {
        try StudyStore.importStudy(folder: folder, to: database, limitPerRule: limitPerRule)
    } catch let error as StudyValidationError {
        return error
    }
    Issue.record("the import of \(folder.lastPathComponent) succeeded but must fail")
    return StudyValidationError(problems: [])
}

private func compare(_ actual: [String], _ expected: [String]) {
    #expect(actual.count == expected.count, "got \(actual.count) problems, expected \(expected.count)")
    for (i, line) in expected.enumerated() {
        let got = i < actual.count ? actual[i] : "(nothing)"
        #expect(got == line, "problem \(i + 1):\n  actual:   \(got)\n  expected: \(line)")
    }
    for extra in actual.dropFirst(expected.count) { Issue.record("unexpected problem: \(extra)") }
}

@Suite("Broken study folders")
struct BrokenStudyTests {
    @Test("every problem of the broken folder is reported with its exact location, and no database is left")
    func brokenStudy() throws {
        let directory = try makeTestDirectory()
        let database = directory.appendingPathComponent("study.sqlite")
        let error = try importProblems(fixtureURL("broken-study"), to: database)
        compare(error.lines, brokenStudyExpected)
        let kinds = Set(error.problems.map(\.rule))
        #expect(kinds.count >= 12, "only \(kinds.count) distinct kinds of error")
        #expect(kinds.count == 29)
        // Nothing is left behind: no database, no temporary or journal file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("a failed import leaves an existing store byte-for-byte untouched")
    func existingStoreUntouched() throws {
        let directory = try makeTestDirectory()
        let database = directory.appendingPathComponent("study.sqlite")
        try StudyStore.importStudy(folder: fixtureURL("valid-days"), to: database)
        let before = try Data(contentsOf: database)
        let error = try importProblems(fixtureURL("broken-study"), to: database)
        #expect(error.problems.count == brokenStudyExpected.count)
        #expect(try Data(contentsOf: database) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["study.sqlite"])
        #expect(try StudyStore(url: database).load().patients.count == 4)
    }

    @Test("file-level problems: empty file, missing tables, UTF-16 without byte-order mark, misnamed file, repeated column")
    func brokenFiles() throws {
        let database = try makeTestDirectory().appendingPathComponent("study.sqlite")
        let error = try importProblems(fixtureURL("broken-files"), to: database)
        compare(error.lines, brokenFilesExpected)
        #expect(!FileManager.default.fileExists(atPath: database.path))
    }

    @Test("the list is capped per rule and the rest counted")
    func cap() throws {
        let database = try makeTestDirectory().appendingPathComponent("study.sqlite")
        let error = try importProblems(fixtureURL("broken-study"), to: database, limitPerRule: 1)
        #expect(error.totalCount == brokenStudyExpected.count)
        #expect(error.suppressed == [.malformedNumber: 1, .duplicateKey: 1, .courseChronology: 1, .undefinedPatient: 1, .invalidChoice: 1, .encoding: 1, .outOfRange: 1])
        #expect(error.problems.count == 29)
        #expect(error.lines.last == "… and 1 more problems of kind [course-chronology] not listed")
    }

    @Test("a measurement file with a million bad rows reports the first 200 and counts the rest")
    func largeBadFileIsCapped() throws {
        let directory = try makeTestDirectory()
        let folder = directory.appendingPathComponent("study")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["patients.csv", "icu_course.csv"] {
            try FileManager.default.copyItem(
                at: fixtureURL("valid-days").appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        var text = "patient_id,time,parameter,value,unit\n"
        for i in 0..<5_000 { text += "P01,\(i % 10),temperature,\"38,\(i % 10)\",°C\n" }
        try Data(text.utf8).write(to: folder.appendingPathComponent("measurements.csv"))
        let error = try importProblems(folder, to: directory.appendingPathComponent("s.sqlite"))
        #expect(error.problems.count == 200)
        #expect(error.suppressed == [.malformedNumber: 4_800])
        #expect(error.problems[199].description.hasPrefix("measurements.csv:201:4: value \"38,9\""))
    }

    @Test("a refusing patient may have an ICU course but no data; an event after discharge needs follow-up")
    func consentAndFollowUp() throws {
        let directory = try makeTestDirectory()
        let folder = directory.appendingPathComponent("study")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let patients = try String(contentsOf: fixtureURL("valid-days").appendingPathComponent("patients.csv"), encoding: .utf8)
        try Data(patients.utf8).write(to: folder.appendingPathComponent("patients.csv"))
        try Data("""
            patient_id,icu_admission,icu_discharge,ventilation_start,ventilation_end,death,follow_up_end
            P01,0,20,0,14,,
            P02,0,9,1,9,9,
            P03,0,5,,,,
            P04,0,2,,,,

            """.utf8).write(to: folder.appendingPathComponent("icu_course.csv"))
        try Data("""
            patient_id,event,time,detail
            P01,secondary_infection,21,
            P02,secondary_infection,9,
            P04,secondary_infection,1,
            P01,Secondary_Infection,3,

            """.utf8).write(to: folder.appendingPathComponent("events.csv"))
        let error = try importProblems(folder, to: directory.appendingPathComponent("s.sqlite"))
        compare(error.lines, [
            "events.csv:2:3: time \"21\" is after the end of follow-up of patient \"P01\" (icu_discharge \"20\") [after-stay]",
            "events.csv:4:1: patient \"P04\" refused consent (consent_refused = 1 in patients.csv, line 5); their data must not be in events.csv [consent-refused]",
            "events.csv:5:2: event \"Secondary_Infection\" must be written in lower case (\"secondary_infection\") [invalid-choice]",
        ])
    }

    @Test("precise time limits: day numbers name whole days, timestamps are compared exactly")
    func timeLimits() throws {
        let directory = try makeTestDirectory()
        let folder = directory.appendingPathComponent("study")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let flags = Array(repeating: "0", count: 11).joined(separator: ",")
        try Data("""
            patient_id,site,sex,age,bmi,apache_ii,symptom_days,cardiovascular_insufficiency,hypertension,respiratory_insufficiency,renal_insufficiency,metastatic_neoplasm,immunological_insufficiency,copd,diabetes_mellitus,hematologic_malignancy,immunocompromised,consent_refused
            A,X,M,50,,,,\(flags)
            B,X,F,50,,,,\(flags)

            """.utf8).write(to: folder.appendingPathComponent("patients.csv"))
        // A: day numbers, discharged on day 10 (any time that day).
        // B: admitted 2021-03-30T12:00, discharged 2021-04-02T09:00 (2.875 days later, in ICU
        //    day 2 but on the calendar date 2021-04-02, three dates after the admission date).
        //    The date 2021-04-02 is the discharge date: allowed. The day number 3 names the
        //    24-hour ICU day [3, 4), which starts after the discharge at 2.875: refused.
        try Data("""
            patient_id,icu_admission,icu_discharge,ventilation_start,ventilation_end,death,follow_up_end
            A,0,10,,,,
            B,2021-03-30T12:00,2021-04-02T09:00,,,,

            """.utf8).write(to: folder.appendingPathComponent("icu_course.csv"))
        try Data("""
            patient_id,time,parameter,value,unit
            A,10,crp,1,mg/L
            A,10.9,crp,1,mg/L
            A,11,crp,1,mg/L
            A,-0.01,crp,1,mg/L
            B,2021-03-30T11:59,crp,1,mg/L
            B,2021-03-30,crp,1,mg/L
            B,2021-04-02T09:00,crp,1,mg/L
            B,2021-04-02T09:01,crp,1,mg/L
            B,2021-04-02,crp,1,mg/L
            B,2.875,crp,1,mg/L
            B,3,crp,1,mg/L

            """.utf8).write(to: folder.appendingPathComponent("measurements.csv"))
        let error = try importProblems(folder, to: directory.appendingPathComponent("s.sqlite"))
        compare(error.lines, [
            "measurements.csv:4:2: time \"11\" is after the end of follow-up of patient \"A\" (icu_discharge \"10\") [after-stay]",
            "measurements.csv:5:2: time \"-0.01\" is before the ICU admission of patient \"A\" (icu_admission \"0\") [before-admission]",
            "measurements.csv:6:2: time \"2021-03-30T11:59\" is before the ICU admission of patient \"B\" (icu_admission \"2021-03-30T12:00\") [before-admission]",
            "measurements.csv:9:2: time \"2021-04-02T09:01\" is after the end of follow-up of patient \"B\" (icu_discharge \"2021-04-02T09:00\") [after-stay]",
            "measurements.csv:12:2: time \"3\" is after the end of follow-up of patient \"B\" (icu_discharge \"2021-04-02T09:00\") [after-stay]",
        ])
    }
}
