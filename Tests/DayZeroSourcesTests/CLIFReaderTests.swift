import DayZeroCohort
@testable import DayZeroSources
import DayZeroStore
import DayZeroTestSupport
import Foundation
import Testing

/// The CLIF reader on a small export written by hand (not by DayZero's writer): ICU stays from
/// contiguous ADT rows, ventilation from device categories, FiO2 by range, rates converted to
/// µg/kg/min with the body weight, skipped administrations and cultures, deaths from an Expired
/// discharge, and every value and time worked out here.
@Suite(.serialized) struct CLIFReaderTests {
    static func write(_ folder: URL, _ files: [String: String]) throws {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("dayzero"), withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    }

    static let export: [String: String] = [
        "patient.csv": """
            patient_id,sex_category,birth_date,death_dttm,race_category
            P1,Female,1960-05-10,,White
            P2,Male,,,Unknown
            P3,Female,1950-01-01,,
            """,
        "hospitalization.csv": """
            patient_id,hospitalization_id,admission_dttm,discharge_dttm,age_at_admission,discharge_category
            P1,H1,2020-03-01 06:00:00+00:00,2020-03-20 12:00:00+00:00,,Home
            P2,H2,2020-03-02 00:00:00+00:00,2020-03-04 00:00:00+00:00,70,Expired
            P3,H3,2020-03-02 00:00:00+00:00,2020-03-04 00:00:00+00:00,70,Home
            """,
        // P1: a ward, then two contiguous ICU rows (a bed change: one stay), later a second ICU stay.
        "adt.csv": """
            hospitalization_id,hospital_id,in_dttm,out_dttm,location_category,location_type
            H1,HospA,2020-03-01 06:00:00+00:00,2020-03-01 08:00:00+00:00,ward,
            H1,HospA,2020-03-03 08:00:00+00:00,2020-03-05 20:00:00+00:00,icu,general_icu
            H1,HospA,2020-03-01 08:00:00+00:00,2020-03-03 08:00:00+00:00,icu,general_icu
            H1,HospA,2020-03-05 20:00:00+00:00,2020-03-10 00:00:00+00:00,ward,
            H1,HospA,2020-03-10 00:00:00+00:00,2020-03-12 00:00:00+00:00,icu,general_icu
            H2,HospB,2020-03-02T00:00:00Z,2020-03-04T00:00:00Z,icu,medical_icu
            H3,HospB,2020-03-02 00:00:00+00:00,2020-03-04 00:00:00+00:00,ward,
            """,
        "vitals.csv": """
            hospitalization_id,recorded_dttm,vital_category,vital_value
            H1,2020-03-01 09:00:00+00:00,weight_kg,80
            H1,2020-03-01 12:00:00+00:00,temp_c,38.5
            H1,2020-03-01 12:00:00+00:00,heart_rate,110
            H3,2020-03-02 12:00:00+00:00,temp_c,39.5
            """,
        "labs.csv": """
            hospitalization_id,lab_collect_dttm,lab_category,lab_value,lab_value_numeric,reference_unit
            H1,2020-03-02 08:00:00+00:00,creatinine,1.5,,mg/dL
            H1,2020-03-02 08:00:00+00:00,sodium,140,140,mmol/L
            """,
        // Nasal cannula, then invasive ventilation (FiO2 once in percent), a face mask ends it,
        // and a second period of ventilation follows.
        "respiratory_support.csv": """
            hospitalization_id,recorded_dttm,device_category,fio2_set
            H1,2020-03-01 08:30:00+00:00,Nasal Cannula,0.4
            H1,2020-03-01 20:00:00+00:00,IMV,0.6
            H1,2020-03-02 08:00:00+00:00,,55
            H1,2020-03-04 08:00:00+00:00,Face Mask,
            H1,2020-03-05 08:00:00+00:00,IMV,
            """,
        // 8 mcg/min at 80 kg = 0.1 µg/kg/min; 6 mcg/kg/hr = 0.1 µg/kg/min; then stopped.
        "medication_admin_continuous.csv": """
            hospitalization_id,admin_dttm,med_category,med_dose,med_dose_unit,mar_action_category,mar_action_group
            H1,2020-03-01 20:00:00+00:00,norepinephrine,8,mcg/min,start,administered
            H1,2020-03-02 08:00:00+00:00,norepinephrine,6,mcg/kg/hr,dose_change,administered
            H1,2020-03-02 20:00:00+00:00,propofol,20,mcg/kg/min,start,administered
            H1,2020-03-03 08:00:00+00:00,norepinephrine,,,stop,not_administered
            """,
        "medication_admin_intermittent.csv": """
            hospitalization_id,admin_dttm,med_category,med_dose,med_dose_unit,mar_action_category,mar_action_group
            H1,2020-03-02 08:00:00+00:00,anakinra,100,mg,given,administered
            H1,2020-03-02 20:00:00+00:00,anakinra,100,mg,not_given,not_administered
            H1,2020-03-03 08:00:00+00:00,dexamethasone,6,mg,given,administered
            """,
        "microbiology_culture.csv": """
            hospitalization_id,collect_dttm,fluid_name,method_category,organism_name,organism_category
            H1,2020-03-02 08:00:00+00:00,blood,culture,,no_growth
            H1,2020-03-03 08:00:00+00:00,blood,culture,Staphylococcus aureus,staphylococcus_aureus
            """,
        "dayzero/baseline.csv": """
            patient_id,bmi,hypertension
            P1,27.5,1
            P2,,0
            P3,30,0
            """,
    ]

    @Test func handWrittenExportBecomesTheStudyWorkedOutHere() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("clif")
        try Self.write(folder, Self.export)
        let db = root.appendingPathComponent("study.sqlite")
        let summary = try CLIFImport.importStudy(folder: folder, mapping: CLIFMapping.default, database: db)
        #expect(summary.notes == [
            "1 patient has more than one ICU stay; DayZero reads the first of each (later stays' data count as follow-up).",
            "1 patient discharged Expired without patient.death_dttm: the death is read as the hospital discharge_dttm.",
            "1 fio2_set value in the percent range 21–100 read as percent (fio2.scale: by_range; CLIF records a fraction), the first at respiratory_support.csv:4",
            "1 patient has more than one period of invasive ventilation; DayZero reads the first.",
            "2 continuous rates converted to µg/kg/min (from other amounts, per hour, or per patient with the body weight)",
            "1 row of dayzero/baseline.csv names no patient with an ICU stay and is left out",
        ])
        let study = try StudyStore(url: db).load()
        // P3 never reached the ICU: not in the study. P1 is 59 at admission (born 1960-05-10).
        #expect(study.patients.map(\.id) == ["P1", "P2"])
        #expect(study.patients.map(\.site) == ["HospA", "HospB"])
        #expect(study.patients.map(\.sex) == [.female, .male])
        #expect(study.patients.map(\.age) == [59, 70])
        #expect(study.patients.map(\.bmi) == [27.5, nil])
        #expect(study.patients.map { $0.history(.hypertension) } == [true, false])

        // P1: ICU 2020-03-01 08:00 to 2020-03-05 20:00 (4.5 days, the bed change inside);
        // ventilated from 20:00 (0.5) until the face mask on 2020-03-04 08:00 (3.0); alive, so
        // followed 90 days. P2: died at the Expired discharge, 2 days after admission.
        #expect(study.courses.map(\.discharge) == [4.5, 2])
        #expect(study.courses.map(\.ventilationStart) == [0.5, nil])
        #expect(study.courses.map(\.ventilationEnd) == [3, nil])
        #expect(study.courses.map(\.death) == [nil, 2])
        #expect(study.courses.map(\.followUpEnd) == [90, 2])
        #expect(study.courses.map(\.admissionTimestamp) == ["2020-03-01T08:00:00", "2020-03-02T00:00:00"])

        func values(_ parameter: String) -> [(time: Double, value: Double)] {
            study.measurements.filter { $0.parameter == parameter }.map { ($0.time, $0.value) }
        }
        let temperature = values("temperature")
        #expect(temperature.count == 1 && temperature.first?.time == 14_400.0 / 86_400 && temperature.first?.value == 38.5)
        let creatinine = values("creatinine")
        #expect(creatinine.count == 1 && creatinine.first?.time == 1)
        #expect(abs((creatinine.first?.value ?? 0) - 1.5 * 88.42) < 1e-9)
        let fio2 = values("fio2")
        #expect(fio2.map(\.time) == [1_800.0 / 86_400, 0.5, 1])
        #expect(zip(fio2.map(\.value), [0.4, 0.6, 0.55]).allSatisfy { abs($0 - $1) < 1e-12 } && fio2.count == 3)
        let norepinephrine = values("norepinephrine")
        #expect(norepinephrine.map(\.time) == [0.5, 1])
        #expect(norepinephrine.count == 2 && norepinephrine.allSatisfy { abs($0.value - 0.1) < 1e-12 })
        #expect(study.measurements.count == 7)  // no sodium, heart rate, weight, propofol or P3 rows

        #expect(study.medications.map(\.drug) == ["anakinra", "corticosteroids"])
        #expect(study.medications.map(\.time) == [1, 2])
        #expect(study.medications.map(\.dose) == [100, 6])
        #expect(study.events.map(\.time) == [2])
        #expect(study.events.map(\.detail) == ["blood: Staphylococcus aureus"])
    }

    @Test func aRateNotPerKgNeedsAWeight() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("clif")
        var export = Self.export
        export["vitals.csv"] = export["vitals.csv"]?.replacingOccurrences(of: "H1,2020-03-01 09:00:00+00:00,weight_kg,80\n", with: "")
        try Self.write(folder, export)
        do {
            _ = try CLIFImport.importStudy(folder: folder, mapping: CLIFMapping.default, database: root.appendingPathComponent("s.sqlite"))
            Issue.record("imported without a weight")
        } catch let error as CLIFImportError {
            #expect(error.problems.map(\.description) == [
                "medication_admin_continuous.csv:2, column med_dose_unit: the norepinephrine rate 8 mcg/min is not per kg and patient P1 has no weight (vitals weight_kg): DayZero needs µg/kg/min [weight-missing]",
            ])
        }
    }
}
