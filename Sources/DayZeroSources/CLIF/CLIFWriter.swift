import DayZeroCohort
import DayZeroStore
import Foundation

/// Writes a study (as read from a study folder) as a CLIF 2.1 export: one CSV file per CLIF
/// table (`patient.csv`, `hospitalization.csv`, `adt.csv`, `vitals.csv`, `labs.csv`,
/// `respiratory_support.csv`, `medication_admin_continuous.csv`,
/// `medication_admin_intermittent.csv`, `microbiology_culture.csv`) with every column of the
/// dictionary in order, and what CLIF has no column for in DayZero's own format in `dayzero/`
/// (`baseline.csv`, `follow_up.csv`, `measurements.csv`, `cytokines.csv`,
/// `proteomics_samples.csv`, `proteomics.csv`). Routing follows the default CLIF mapping, so `dayzero import --clif`
/// reads back exactly this study. `docs/sources.md` ("CLIF") has the full table.
///
/// - Each patient has one hospitalization whose ICU stay (one `adt` row, `icu`) starts at
///   midnight UTC of 2020-03-01 plus one day per patient; every time is a UTC datetime to the
///   second (`YYYY-MM-DD HH:MM:SS+00:00`).
/// - Vitals (temperature, MAP) are written in the category's unit (°C, mmHg: the value converted
///   as DayZero converts it); labs keep the value and unit as recorded (`reference_unit`), which
///   may differ from the unit CLIF lists for the category (creatinine µmol/L, where CLIF lists
///   mg/dL); FiO2 is `fio2_set` as a fraction (percent rows converted); norepinephrine rates are
///   continuous rows in mcg/kg/min, started, changed and stopped at the ICU discharge.
/// - Invasive ventilation is an `IMV` row at its start and an `Other` row at its end (the study
///   does not know the device after extubation); FiO2 rows in between are `IMV`.
/// - The hospital stay is the ICU stay (the study knows no hospital discharge); the discharge is
///   `Expired` when the patient died at the ICU discharge, else `Missing`.
///
/// A living patient whose follow-up does not end `follow_up_days` after admission gets a row in
/// `dayzero/follow_up.csv`. What CLIF cannot hold is refused, never approximated: a patient with
/// no ICU stay or still in the ICU, a non-integral age, a time finer than a second, an event
/// other than a culture-proven infection or without its culture, a study with declared
/// parameters or variables.
public enum CLIFWriter {
    /// The files `write` produces besides the tables (in `dayzero/`).
    public static let dayZeroFiles = ["baseline", "follow_up", "measurements", "cytokines", "proteomics_samples", "proteomics"]

    /// Writes `study` into `folder` (created if needed); returns the rows per file (tables by
    /// name, DayZero's files as `dayzero/<name>`).
    @discardableResult
    public static func write(_ study: StudyData, to folder: URL) throws -> [String: Int] {
        var builder = try Builder(study, mapping: try CLIFMapping.default)
        try builder.build()
        let extra = folder.appendingPathComponent("dayzero")
        try FileManager.default.createDirectory(at: extra, withIntermediateDirectories: true)
        var counts: [String: Int] = [:]
        for file in builder.tables.values {
            try Data(file.text.utf8).write(to: folder.appendingPathComponent("\(file.name).csv"), options: .atomic)
            counts[file.name] = file.rows
        }
        for file in builder.extra.values {
            try Data(file.text.utf8).write(to: extra.appendingPathComponent("\(file.name).csv"), options: .atomic)
            counts["dayzero/\(file.name)"] = file.rows
        }
        return counts
    }

    /// Writes a study folder's study as a CLIF export: reads and validates `folder` as the CSV
    /// import does (so the export holds exactly what that import stores), then `write`.
    @discardableResult
    public static func write(studyFolder folder: URL, to out: URL) throws -> [String: Int] {
        try write(try StudyStore.readStudy(folder: folder), to: out)
    }

    /// One CSV file being written: a header, then rows by column name.
    struct TableFile {
        let name: String
        let columns: [String]
        private let index: [String: Int]
        private(set) var text: String
        private(set) var rows = 0

        init(_ name: String, columns: [String]) {
            self.name = name
            self.columns = columns
            index = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
            text = columns.joined(separator: ",") + "\n"
        }

        mutating func add(_ values: [String: String?]) throws {
            var fields = [String?](repeating: nil, count: columns.count)
            for (name, value) in values {
                guard let i = index[name] else { throw CLIFWriteError("\(self.name) has no column \(name)") }
                fields[i] = value
            }
            text += fields.map { OMOPTableFile.csvField($0.flatMap { $0.isEmpty ? nil : $0 }) }.joined(separator: ",") + "\n"
            rows += 1
        }
    }

    struct Builder {
        let study: StudyData
        let mapping: CLIFMapping
        var tables: [String: TableFile] = [:]
        var extra: [String: TableFile] = [:]

        init(_ study: StudyData, mapping: CLIFMapping) throws {
            self.study = study
            self.mapping = mapping
            for t in CLIFDictionary.tables {
                guard let columns = CLIFDictionary.columns[t] else { throw CLIFWriteError("no CLIF table \(t)") }
                tables[t] = TableFile(t, columns: columns)
            }
            let baseline = ["patient_id"] + BaselineCatalog.all.map(\.name)
            extra["baseline"] = TableFile("baseline", columns: baseline)
            extra["follow_up"] = TableFile("follow_up", columns: ["patient_id", "follow_up_end"])
            extra["measurements"] = TableFile("measurements", columns: ["patient_id", "time", "parameter", "value", "unit"])
            extra["cytokines"] = TableFile("cytokines", columns: ["patient_id", "sample_id", "time", "timepoint", "analyte", "value", "unit", "below_lod"])
            extra["proteomics_samples"] = TableFile("proteomics_samples", columns: ["SampleID", "patient_id", "time", "timepoint"])
            extra["proteomics"] = TableFile("proteomics", columns: ["SampleID", "OlinkID", "UniProt", "Assay", "Panel", "NPX", "LOD", "QC_Warning"])
        }

        // In place (`tables[table]?.add`): a copy taken out of the dictionary would copy the
        // file's text on every row.
        mutating func add(_ table: String, _ values: [String: String?]) throws {
            guard tables[table] != nil else { throw CLIFWriteError("no CLIF table \(table)") }
            try tables[table]?.add(values)
        }

        mutating func addExtra(_ name: String, _ values: [String: String?]) throws {
            guard extra[name] != nil else { throw CLIFWriteError("no DayZero file \(name)") }
            try extra[name]?.add(values)
        }

        /// A time on patient `p`'s ICU-day scale as seconds since 1970 (UTC).
        func seconds(_ time: Double, admissionDay: Int, what: String) throws -> Int {
            let s = (time * 86_400).rounded()
            guard abs(s) < 1e12, s / 86_400 == time else {
                throw CLIFWriteError("\(what) \(time) is not a whole second after the ICU admission; CLIF datetimes hold seconds")
            }
            return admissionDay * 86_400 + Int(s)
        }

        func stamp(_ time: Double, admissionDay: Int, what: String) throws -> String {
            CLIFTime.clifText(try seconds(time, admissionDay: admissionDay, what: what))
        }

        static func number(_ x: Double) -> String { CLIFReader.number(x) }

        static let fluidCategories = ["blood culture": "blood_buffy", "sputum": "respiratory_tract_lower", "BAL": "respiratory_tract_lower", "urine": "genito_urinary_tract"]

        mutating func build() throws {
            guard study.declaredParameters.isEmpty, study.baselineVariables.isEmpty else {
                throw CLIFWriteError("the CLIF writer knows the built-in parameters and baseline variables only; this study declares its own (parameters.csv / variables.csv)")
            }
            let courses = Dictionary(study.courses.map { ($0.patientID, $0) }, uniquingKeysWith: { a, _ in a })
            var context: [String: (day: Int, hospitalization: String, course: ICUCourse)] = [:]
            for (index, patient) in study.patients.enumerated() {
                let admissionDay = OMOPWriter.firstAdmissionDay + index
                let hospitalization = "H\(index + 1)"
                guard let course = courses[patient.id] else {
                    throw CLIFWriteError("patient \(patient.id) has no ICU course: CLIF's study population is its hospitalizations, so a screened patient without an ICU stay cannot be written")
                }
                guard let discharge = course.discharge else {
                    throw CLIFWriteError("patient \(patient.id) is still in the ICU (no discharge): an adt row needs its out_dttm")
                }
                guard patient.age == patient.age.rounded(.down), patient.age >= 0, patient.age < 200 else {
                    throw CLIFWriteError("patient \(patient.id): age \(patient.age) is not a whole number of years; CLIF's age_at_admission is an integer")
                }
                context[patient.id] = (admissionDay, hospitalization, course)
                let (ay, am, ad) = OMOPCalendar.civil(admissionDay)
                let birthDay = OMOPCalendar.days(year: ay - Int(patient.age), month: am, day: ad) - 100
                let admission = CLIFTime.clifText(admissionDay * 86_400)
                let out = try stamp(discharge, admissionDay: admissionDay, what: "patient \(patient.id) icu_discharge")
                let death = try course.death.map { try stamp($0, admissionDay: admissionDay, what: "patient \(patient.id) death") }
                try add("patient", [
                    "patient_id": patient.id, "sex_name": patient.sex.rawValue,
                    "sex_category": patient.sex == .male ? "Male" : "Female",
                    "birth_date": OMOPCalendar.dateText(birthDay), "death_dttm": death,
                ])
                try add("hospitalization", [
                    "patient_id": patient.id, "hospitalization_id": hospitalization, "admission_dttm": admission, "discharge_dttm": out,
                    "age_at_admission": String(Int(patient.age)),
                    "discharge_category": course.death == discharge ? "Expired" : "Missing",
                ])
                try add("adt", [
                    "hospitalization_id": hospitalization, "hospital_id": patient.site, "in_dttm": admission, "out_dttm": out,
                    "location_name": "ICU", "location_category": "icu",
                ])
                // Follow-up: CLIF holds deaths (patient.death_dttm); a living patient's follow-up
                // ends after the mapping's follow_up_days, or where dayzero/follow_up.csv says.
                if course.death == nil {
                    guard let f = course.followUpEnd else {
                        throw CLIFWriteError("patient \(patient.id) is alive and has no follow_up_end")
                    }
                    if f != mapping.followUpDays {
                        try addExtra("follow_up", ["patient_id": patient.id, "follow_up_end": Self.number(f)])
                    }
                } else if let f = course.followUpEnd, f != course.death {
                    throw CLIFWriteError("patient \(patient.id): follow_up_end \(f) differs from death; in CLIF follow-up of a dead patient ends at death")
                }
                try writeBaseline(patient)
            }

            try writeRespiratorySupport(context)
            // Measurements: vitals, labs, continuous rates, or DayZero's own file.
            var vitals: [String: CLIFMapping.Parameter] = [:], labs: [String: CLIFMapping.Parameter] = [:]
            for p in mapping.parameters { if p.table == "vitals" { vitals[p.name] = p } else { labs[p.name] = p } }
            let rates = Dictionary(mapping.rates.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            var lastRate: [String: (patient: String, category: String, time: Double)] = [:]
            for m in study.measurements {
                guard let c = context[m.patientID] else { throw CLIFWriteError("measurement: patient \(m.patientID) is not in patients.csv") }
                let what = "\(m.parameter) time"
                if let v = vitals[m.parameter], let category = v.categories.first {
                    try add("vitals", [
                        "hospitalization_id": c.hospitalization, "recorded_dttm": try stamp(m.time, admissionDay: c.day, what: what),
                        "vital_name": m.parameter, "vital_category": category, "vital_value": Self.number(m.value),
                    ])
                } else if let l = labs[m.parameter], let category = l.categories.first {
                    let t = try stamp(m.time, admissionDay: c.day, what: what)
                    try add("labs", [
                        "hospitalization_id": c.hospitalization, "lab_order_dttm": t, "lab_collect_dttm": t, "lab_result_dttm": t,
                        "lab_name": m.parameter, "lab_category": category, "lab_value": Self.number(m.sourceValue),
                        "lab_value_numeric": Self.number(m.sourceValue), "reference_unit": m.sourceUnit,
                        "lab_specimen_category": "blood/plasma/serum",
                    ])
                } else if m.parameter == mapping.fio2?.parameter {
                    continue  // written with the respiratory support
                } else if let rate = rates[m.parameter], let category = rate.categories.first {
                    guard let unit = RateUnit(m.sourceUnit), unit.isMicrogramsPerKgPerMinute else {
                        throw CLIFWriteError("\(m.parameter) rate unit \(m.sourceUnit) is not µg/kg/min")
                    }
                    let started = lastRate["\(m.patientID) \(category)"] != nil
                    try add("medication_admin_continuous", [
                        "hospitalization_id": c.hospitalization, "admin_dttm": try stamp(m.time, admissionDay: c.day, what: what),
                        "med_name": m.parameter, "med_category": category, "med_group": "vasoactives",
                        "med_dose": Self.number(m.sourceValue), "med_dose_unit": "mcg/kg/min",
                        "mar_action_name": started ? "rate change" : "started", "mar_action_category": started ? "dose_change" : "start",
                        "mar_action_group": "administered",
                    ])
                    lastRate["\(m.patientID) \(category)"] = (m.patientID, category, m.time)
                } else {
                    try addExtra("measurements", [
                        "patient_id": m.patientID, "time": Self.number(m.time), "parameter": m.parameter,
                        "value": Self.number(m.sourceValue), "unit": m.sourceUnit,
                    ])
                }
            }
            // Each infusion stops at the ICU discharge (the study records rates, not stops).
            let infusions = Dictionary(grouping: lastRate.values, by: \.patient)
            for patient in study.patients {
                guard let c = context[patient.id], let discharge = c.course.discharge else { continue }
                for rate in (infusions[patient.id] ?? []).sorted(by: { $0.category < $1.category }) {
                    try add("medication_admin_continuous", [
                        "hospitalization_id": c.hospitalization,
                        "admin_dttm": try stamp(max(discharge, rate.time), admissionDay: c.day, what: "rate stop"),
                        "med_name": rate.category, "med_category": rate.category, "med_group": "vasoactives",
                        "mar_action_name": "stopped", "mar_action_category": "stop", "mar_action_group": "not_administered",
                    ])
                }
            }

            // Drugs: intermittent administrations (a class alternates between its first two categories).
            let drugs = Dictionary(mapping.drugs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            var turns: [String: Int] = [:]
            for m in study.medications {
                guard let drug = drugs[m.drug], !drug.categories.isEmpty else {
                    throw CLIFWriteError("drug \(m.drug) has no med_category in the CLIF mapping")
                }
                guard let c = context[m.patientID] else { throw CLIFWriteError("medication: patient \(m.patientID) is not in patients.csv") }
                let turn = turns[m.drug, default: 0]
                turns[m.drug] = turn + 1
                let category = drug.categories[turn % min(2, drug.categories.count)]
                try add("medication_admin_intermittent", [
                    "hospitalization_id": c.hospitalization, "admin_dttm": try stamp(m.time, admissionDay: c.day, what: "medication time"),
                    "med_name": category, "med_category": category, "med_dose": m.dose.map(Self.number), "med_dose_unit": m.doseUnit,
                    "mar_action_name": "given", "mar_action_category": "given", "mar_action_group": "administered",
                ])
            }

            // Events: culture-proven infections.
            for (n, e) in study.events.enumerated() {
                guard let event = mapping.events.first(where: { $0.name == e.event }), let method = event.methodCategories.first else {
                    throw CLIFWriteError("event \(e.event) has no CLIF table in the mapping")
                }
                guard let detail = e.detail, !detail.isEmpty else {
                    throw CLIFWriteError("event \(e.event) of patient \(e.patientID) has no detail: CLIF's microbiology_culture needs the culture (\"fluid: organism\")")
                }
                guard let c = context[e.patientID] else { throw CLIFWriteError("event: patient \(e.patientID) is not in patients.csv") }
                let parts = detail.components(separatedBy: ": ")
                let fluid = parts.count > 1 ? parts[0] : nil
                let organism = parts.count > 1 ? parts.dropFirst().joined(separator: ": ") : detail
                let t = try stamp(e.time, admissionDay: c.day, what: "event time")
                try add("microbiology_culture", [
                    "patient_id": e.patientID, "hospitalization_id": c.hospitalization, "organism_id": String(n + 1),
                    "order_dttm": t, "collect_dttm": t, "result_dttm": t, "fluid_name": fluid,
                    "fluid_category": fluid.flatMap { Self.fluidCategories[$0] }, "method_name": method, "method_category": method,
                    "organism_name": organism,
                    "organism_category": organism.lowercased().replacingOccurrences(of: " ", with: "_"),
                ])
            }

            // Cytokines and Olink proteomics: DayZero's own files.
            for cy in study.cytokines {
                try addExtra("cytokines", [
                    "patient_id": cy.patientID, "sample_id": cy.sampleID, "time": Self.number(cy.time), "timepoint": cy.timepoint.rawValue,
                    "analyte": cy.analyte, "value": Self.number(cy.sourceValue), "unit": cy.sourceUnit, "below_lod": cy.belowLOD ? "1" : "0",
                ])
            }
            for s in study.proteomicsSamples {
                try addExtra("proteomics_samples", [
                    "SampleID": s.sampleID, "patient_id": s.patientID, "time": Self.number(s.time), "timepoint": s.timepoint.rawValue,
                ])
            }
            for v in study.proteomics {
                try addExtra("proteomics", [
                    "SampleID": v.sampleID, "OlinkID": v.olinkID, "UniProt": v.uniProt, "Assay": v.assay, "Panel": v.panel,
                    "NPX": Self.number(v.npx), "LOD": v.lod.map(Self.number), "QC_Warning": v.qcWarning ? "WARN" : "PASS",
                ])
            }
        }

        /// FiO2 (as a fraction) and invasive ventilation: one time-ordered series per patient.
        mutating func writeRespiratorySupport(_ context: [String: (day: Int, hospitalization: String, course: ICUCourse)]) throws {
            let device = mapping.ventilation?.deviceCategories.first ?? "IMV"
            let fio2 = Dictionary(grouping: study.measurements.filter { $0.parameter == mapping.fio2?.parameter }, by: \.patientID)
            for patient in study.patients {
                guard let c = context[patient.id] else { continue }
                var rows: [(time: Double, order: Int, values: [String: String?])] = []
                let start = c.course.ventilationStart, end = c.course.ventilationEnd
                if let start {
                    guard start >= 0 else {
                        throw CLIFWriteError("patient \(patient.id): ventilation_start \(start) is before the ICU admission; DayZero reads ventilation from the admission date on")
                    }
                    rows.append((start, 0, ["device_name": "invasive mechanical ventilation", "device_category": device]))
                }
                if let end {
                    rows.append((end, 2, ["device_name": "end of invasive ventilation (device not recorded)", "device_category": "Other"]))
                }
                for m in fio2[patient.id] ?? [] {
                    let ventilated = start.map { m.time >= $0 && end.map { m.time < $0 } ?? true } ?? false
                    rows.append((m.time, 1, ["fio2_set": Self.number(m.value), "device_category": ventilated ? device : nil]))
                }
                for row in rows.enumerated().sorted(by: { ($0.element.time, $0.element.order, $0.offset) < ($1.element.time, $1.element.order, $1.offset) }).map(\.element) {
                    var values = row.values
                    values["hospitalization_id"] = c.hospitalization
                    values["recorded_dttm"] = try stamp(row.time, admissionDay: c.day, what: "respiratory support time")
                    try add("respiratory_support", values)
                }
            }
        }

        mutating func writeBaseline(_ p: Patient) throws {
            var values: [String: String?] = ["patient_id": p.id, "bmi": p.bmi.map(Self.number), "apache_ii": p.apacheII.map(Self.number),
                                             "symptom_days": p.symptomDays.map(Self.number)]
            func flag(_ b: Bool?) -> String? { b.map { $0 ? "1" : "0" } }
            for comorbidity in Comorbidity.allCases { values[comorbidity.rawValue] = flag(p.history(comorbidity)) }
            values["immunocompromised"] = flag(p.immunocompromised)
            values["consent_refused"] = flag(p.consentRefused)
            try addExtra("baseline", values)
        }
    }
}
