import DayZeroCohort
import DayZeroStore
import Foundation

/// Writes a study (as read from a study folder) as OMOP CDM 5.4 tables: one CSV file per CDM
/// table, named after the table (`person.csv`, `measurement.csv`, …), with every column of the
/// DDL in order, loadable with `\copy cdm.person FROM 'person.csv' (FORMAT csv, HEADER)`.
///
/// How DayZero's tables become OMOP rows (`docs/sources.md` has the full table):
/// - each patient's ICU admission is put at midnight of a calendar date (2020-03-01 plus one
///   day per patient), so a whole ICU day is a calendar date: a time that is an integral ICU
///   day is written as a date with no datetime, any other time as a datetime (to the second);
/// - the ICU stay is a `visit_detail` (concept 32037, Intensive Care) inside an inpatient
///   `visit_occurrence`; the site is the person's and the stay's `care_site`;
/// - measurements go to `measurement` with their value and unit as written (unit concepts from
///   `OMOPVocabulary.units`); norepinephrine rates go to `drug_exposure` (quantity = the rate,
///   `dose_unit_source_value` = its unit); drugs to `drug_exposure` (corticosteroids alternate
///   between two ingredients of the glucocorticoid class, so the class's descendants are used);
/// - baseline variables: BMI a `measurement`, APACHE II and symptom days `observation`s,
///   comorbidities and the immunocompromised state `condition_occurrence`s (present = a row),
///   consent refused an `observation`; secondary infections `condition_occurrence`s with the
///   culture in `condition_source_value`; ventilation a `procedure_occurrence`;
/// - cytokine and Olink samples are `specimen`s; their values `measurement`s linked to them.
///
/// What OMOP cannot hold is refused, never approximated: an unknown (empty) baseline value,
/// a non-integral age, a time finer than a second, an alive patient's follow-up end that is not
/// a whole day, a dead patient's follow-up end other than the death.
public enum OMOPWriter {
    /// The calendar date of the first patient's ICU admission (2020-03-01).
    static let firstAdmissionDay = OMOPCalendar.days(year: 2020, month: 3, day: 1)

    /// Writes `study` into `folder` (created if needed); returns rows per table.
    @discardableResult
    public static func write(_ study: StudyData, to folder: URL) throws -> [String: Int] {
        var builder = try Builder(study)
        try builder.build()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var counts: [String: Int] = [:]
        for file in builder.files.values {
            try Data(file.text.utf8).write(to: folder.appendingPathComponent("\(file.table).csv"), options: .atomic)
            counts[file.table] = file.rows
        }
        return counts
    }

    /// Writes a study folder's study as OMOP tables: reads and validates `folder` as the CSV
    /// import does (so the tables hold exactly what that import stores), then `write`.
    @discardableResult
    public static func write(studyFolder folder: URL, to out: URL) throws -> [String: Int] {
        try write(try StudyStore.readStudy(folder: folder), to: out)
    }

    /// The tables `write` produces, in an order that loads (vocabulary first).
    public static let tables = [
        "vocabulary", "domain", "concept_class", "concept", "concept_ancestor", "concept_synonym", "cdm_source",
        "care_site", "person", "observation_period", "visit_occurrence", "visit_detail", "death",
        "condition_occurrence", "procedure_occurrence", "drug_exposure", "specimen", "measurement", "observation",
    ]

    struct Builder {
        let study: StudyData
        var files: [String: OMOPTableFile] = [:]
        var careSites: [String: Int] = [:]
        var nextID: [String: Int] = [:]

        init(_ study: StudyData) throws {
            self.study = study
            for t in OMOPWriter.tables { files[t] = try OMOPTableFile(t) }
        }

        /// Appends a row to `table`'s file in place (a copy taken out of `files` and put back
        /// would copy the file's whole text at every row: quadratic, hours at 10 000 patients).
        mutating func add(_ table: String, _ values: [String: String?]) throws {
            guard files[table] != nil else { throw OMOPWriteError("no table \(table)") }
            try files[table]?.add(values)
        }

        mutating func id(_ table: String) -> Int {
            let next = (nextID[table] ?? 0) + 1
            nextID[table] = next
            return next
        }

        /// A time on patient `p`'s ICU-day scale as (date, datetime or nil).
        func when(_ time: Double, admissionDay: Int, what: String) throws -> (date: String, datetime: String?) {
            if time == time.rounded(.down), abs(time) < 1e6 {
                return (OMOPCalendar.dateText(admissionDay + Int(time)), nil)
            }
            let seconds = (time * 86_400).rounded()
            guard abs(seconds) < 1e12, seconds / 86_400 == time else {
                throw OMOPWriteError("\(what) \(time) is not a whole second after the ICU admission; OMOP datetimes hold seconds")
            }
            let s = admissionDay * 86_400 + Int(seconds)
            let day = Int((Double(s) / 86_400).rounded(.down))
            return (OMOPCalendar.dateText(day), OMOPCalendar.timestampText(s))
        }

        static func number(_ x: Double) -> String {
            if x == x.rounded(.down), abs(x) < 1e15 { return String(Int(x)) }
            return "\(x)"
        }

        mutating func build() throws {
            guard study.declaredParameters.isEmpty, study.baselineVariables.isEmpty else {
                throw OMOPWriteError("the OMOP writer knows the built-in parameters and baseline variables only; this study declares its own (parameters.csv / variables.csv)")
            }
            try writeVocabulary()
            let courses = Dictionary(study.courses.map { ($0.patientID, $0) }, uniquingKeysWith: { a, _ in a })
            var personIDs: [String: Int] = [:]
            var admissionDays: [String: Int] = [:]
            var visits: [String: (occurrence: Int, detail: Int)] = [:]
            let ehr = String(OMOPVocabulary.ehr.id)

            for (index, patient) in study.patients.enumerated() {
                let personID = index + 1
                personIDs[patient.id] = personID
                let admissionDay = OMOPWriter.firstAdmissionDay + index
                admissionDays[patient.id] = admissionDay
                let careSite: Int
                if let known = careSites[patient.site] {
                    careSite = known
                } else {
                    careSite = careSites.count + 1
                    careSites[patient.site] = careSite
                    try add("care_site", [
                        "care_site_id": String(careSite), "care_site_name": patient.site,
                        "place_of_service_concept_id": String(OMOPVocabulary.icuVisit.id), "care_site_source_value": patient.site,
                    ])
                }
                guard patient.age == patient.age.rounded(.down), patient.age >= 0, patient.age < 200 else {
                    throw OMOPWriteError("patient \(patient.id): age \(patient.age) is not a whole number of years; OMOP derives age from the birth date")
                }
                let (ay, am, ad) = OMOPCalendar.civil(admissionDay)
                let birthDay = OMOPCalendar.days(year: ay - Int(patient.age), month: am, day: ad) - 100
                let (by, bm, bd) = OMOPCalendar.civil(birthDay)
                try add("person", [
                    "person_id": String(personID),
                    "gender_concept_id": String(patient.sex == .male ? OMOPVocabulary.male.id : OMOPVocabulary.female.id),
                    "year_of_birth": String(by), "month_of_birth": String(bm), "day_of_birth": String(bd),
                    "birth_datetime": OMOPCalendar.dateText(birthDay) + " 00:00:00",
                    "race_concept_id": "0", "ethnicity_concept_id": "0", "care_site_id": String(careSite),
                    "person_source_value": patient.id, "gender_source_value": patient.sex.rawValue,
                ])
                try writeBaseline(patient, personID: personID, admissionDay: admissionDay)

                guard let course = courses[patient.id] else { continue }
                let admission = OMOPCalendar.dateText(admissionDay)
                guard let discharge = course.discharge else {
                    throw OMOPWriteError("patient \(patient.id) is still in the ICU (no discharge): visit_detail_end_date is required by the CDM")
                }
                let end = try when(discharge, admissionDay: admissionDay, what: "patient \(patient.id) icu_discharge")
                let occurrence = id("visit_occurrence")
                try add("visit_occurrence", [
                    "visit_occurrence_id": String(occurrence), "person_id": String(personID),
                    "visit_concept_id": String(OMOPVocabulary.inpatientVisit.id),
                    "visit_start_date": admission, "visit_start_datetime": admission + " 00:00:00",
                    "visit_end_date": end.date, "visit_end_datetime": end.datetime, "visit_type_concept_id": ehr,
                    "care_site_id": String(careSite),
                ])
                let detail = id("visit_detail")
                try add("visit_detail", [
                    "visit_detail_id": String(detail), "person_id": String(personID),
                    "visit_detail_concept_id": String(OMOPVocabulary.icuVisit.id),
                    "visit_detail_start_date": admission, "visit_detail_start_datetime": admission + " 00:00:00",
                    "visit_detail_end_date": end.date, "visit_detail_end_datetime": end.datetime,
                    "visit_detail_type_concept_id": ehr, "care_site_id": String(careSite),
                    "visit_detail_source_value": "ICU", "visit_occurrence_id": String(occurrence),
                ])
                visits[patient.id] = (occurrence, detail)

                // Follow-up: the observation period ends at death, else at follow_up_end (a date).
                let periodEnd: String
                if let death = course.death {
                    if let f = course.followUpEnd, f != death {
                        throw OMOPWriteError("patient \(patient.id): follow_up_end \(f) differs from death \(death); in OMOP follow-up of a dead patient ends at death")
                    }
                    let d = try when(death, admissionDay: admissionDay, what: "patient \(patient.id) death")
                    try add("death", [
                        "person_id": String(personID), "death_date": d.date, "death_datetime": d.datetime, "death_type_concept_id": ehr,
                    ])
                    periodEnd = d.date
                } else {
                    guard let f = course.followUpEnd, f == f.rounded(.down) else {
                        throw OMOPWriteError("patient \(patient.id): follow_up_end \(course.followUpEnd.map { "\($0)" } ?? "(empty)") is not a whole ICU day; observation_period holds dates only")
                    }
                    periodEnd = OMOPCalendar.dateText(admissionDay + Int(f))
                }
                try add("observation_period", [
                    "observation_period_id": String(id("observation_period")), "person_id": String(personID),
                    "observation_period_start_date": admission, "observation_period_end_date": periodEnd,
                    "period_type_concept_id": ehr,
                ])
                if let start = course.ventilationStart {
                    let s = try when(start, admissionDay: admissionDay, what: "patient \(patient.id) ventilation_start")
                    let e = try course.ventilationEnd.map { try when($0, admissionDay: admissionDay, what: "patient \(patient.id) ventilation_end") }
                    try add("procedure_occurrence", [
                        "procedure_occurrence_id": String(id("procedure_occurrence")), "person_id": String(personID),
                        "procedure_concept_id": String(OMOPVocabulary.ventilation.id),
                        "procedure_date": s.date, "procedure_datetime": s.datetime,
                        "procedure_end_date": e?.date, "procedure_end_datetime": e?.datetime,
                        "procedure_type_concept_id": ehr, "visit_occurrence_id": String(occurrence), "visit_detail_id": String(detail),
                    ])
                }
            }

            func context(_ patientID: String, _ what: String) throws -> (person: Int, day: Int, visit: (occurrence: Int, detail: Int)?) {
                guard let person = personIDs[patientID], let day = admissionDays[patientID] else {
                    throw OMOPWriteError("\(what): patient \(patientID) is not in patients.csv")
                }
                return (person, day, visits[patientID])
            }

            // Events.
            for event in study.events {
                guard event.event == "secondary_infection" else {
                    throw OMOPWriteError("event \(event.event) has no OMOP concept in DayZero's vocabulary")
                }
                let c = try context(event.patientID, "event")
                let t = try when(event.time, admissionDay: c.day, what: "event time")
                if let detail = event.detail, detail.utf8.count > 50 {
                    throw OMOPWriteError("event detail \"\(detail)\" is longer than condition_source_value's 50 characters")
                }
                try add("condition_occurrence", [
                    "condition_occurrence_id": String(id("condition_occurrence")), "person_id": String(c.person),
                    "condition_concept_id": String(OMOPVocabulary.secondaryInfection.id),
                    "condition_start_date": t.date, "condition_start_datetime": t.datetime, "condition_type_concept_id": ehr,
                    "visit_occurrence_id": c.visit.map { String($0.occurrence) }, "visit_detail_id": c.visit.map { String($0.detail) },
                    "condition_source_value": event.detail,
                ])
            }

            // Drugs.
            var alternation: [String: Int] = [:]
            for m in study.medications {
                guard let drug = OMOPVocabulary.drugs[m.drug] else {
                    throw OMOPWriteError("drug \(m.drug) has no OMOP concept in DayZero's vocabulary")
                }
                let turn = alternation[m.drug, default: 0]
                alternation[m.drug] = turn + 1
                let ingredient = drug.ingredients[turn % drug.ingredients.count]
                let c = try context(m.patientID, "medication")
                let t = try when(m.time, admissionDay: c.day, what: "medication time")
                try add("drug_exposure", [
                    "drug_exposure_id": String(id("drug_exposure")), "person_id": String(c.person),
                    "drug_concept_id": String(ingredient.id),
                    "drug_exposure_start_date": t.date, "drug_exposure_start_datetime": t.datetime,
                    "drug_exposure_end_date": t.date, "drug_exposure_end_datetime": t.datetime,
                    "drug_type_concept_id": ehr, "quantity": m.dose.map(Self.number),
                    "visit_occurrence_id": c.visit.map { String($0.occurrence) }, "visit_detail_id": c.visit.map { String($0.detail) },
                    "drug_source_value": m.drug, "dose_unit_source_value": m.doseUnit,
                ])
            }

            // Measurements (norepinephrine rates as drug exposures).
            for r in study.measurements.indices {
                let m = study.measurements[r]
                let c = try context(m.patientID, "measurement")
                let t = try when(m.time, admissionDay: c.day, what: "measurement time")
                if m.parameter == "norepinephrine" {
                    try add("drug_exposure", [
                        "drug_exposure_id": String(id("drug_exposure")), "person_id": String(c.person),
                        "drug_concept_id": String(OMOPVocabulary.norepinephrine.id),
                        "drug_exposure_start_date": t.date, "drug_exposure_start_datetime": t.datetime,
                        "drug_exposure_end_date": t.date, "drug_exposure_end_datetime": t.datetime,
                        "drug_type_concept_id": ehr, "quantity": Self.number(m.sourceValue), "sig": "continuous infusion, rate",
                        "route_source_value": "intravenous",
                        "visit_occurrence_id": c.visit.map { String($0.occurrence) }, "visit_detail_id": c.visit.map { String($0.detail) },
                        "drug_source_value": "norepinephrine", "dose_unit_source_value": m.sourceUnit,
                    ])
                    continue
                }
                guard let concept = OMOPVocabulary.parameters[m.parameter] else {
                    throw OMOPWriteError("parameter \(m.parameter) has no OMOP concept in DayZero's vocabulary")
                }
                guard let unit = OMOPVocabulary.unitConcepts[m.sourceUnit] else {
                    throw OMOPWriteError("unit \(m.sourceUnit) of \(m.parameter) has no unit concept in DayZero's vocabulary")
                }
                try add("measurement", [
                    "measurement_id": String(id("measurement")), "person_id": String(c.person),
                    "measurement_concept_id": String(concept.id), "measurement_date": t.date, "measurement_datetime": t.datetime,
                    "measurement_type_concept_id": ehr, "value_as_number": Self.number(m.sourceValue),
                    "unit_concept_id": String(unit.id),
                    "visit_occurrence_id": c.visit.map { String($0.occurrence) }, "visit_detail_id": c.visit.map { String($0.detail) },
                    "measurement_source_value": m.parameter, "unit_source_value": m.sourceUnit,
                ])
            }

            // Cytokines: one specimen per sample, one measurement per analyte.
            var specimens: [String: Int] = [:]
            for cy in study.cytokines {
                let c = try context(cy.patientID, "cytokine")
                let t = try when(cy.time, admissionDay: c.day, what: "cytokine sample time")
                let specimen: Int
                if let known = specimens[cy.sampleID] {
                    specimen = known
                } else {
                    specimen = id("specimen")
                    specimens[cy.sampleID] = specimen
                    try add("specimen", [
                        "specimen_id": String(specimen), "person_id": String(c.person),
                        "specimen_concept_id": String(OMOPVocabulary.bloodSpecimen.id), "specimen_type_concept_id": ehr,
                        "specimen_date": t.date, "specimen_datetime": t.datetime, "specimen_source_id": cy.sampleID,
                        "specimen_source_value": cy.timepoint.rawValue,
                    ])
                }
                guard let concept = OMOPVocabulary.cytokines[cy.analyte] else {
                    throw OMOPWriteError("cytokine \(cy.analyte) has no OMOP concept in DayZero's vocabulary")
                }
                guard let unit = OMOPVocabulary.unitConcepts[cy.sourceUnit] else {
                    throw OMOPWriteError("unit \(cy.sourceUnit) of cytokine \(cy.analyte) has no unit concept")
                }
                try add("measurement", [
                    "measurement_id": String(id("measurement")), "person_id": String(c.person),
                    "measurement_concept_id": String(concept.id), "measurement_date": t.date, "measurement_datetime": t.datetime,
                    "measurement_type_concept_id": ehr, "value_as_number": Self.number(cy.sourceValue),
                    "operator_concept_id": cy.belowLOD ? String(OMOPVocabulary.belowDetection.id) : nil,
                    "unit_concept_id": String(unit.id),
                    "visit_occurrence_id": c.visit.map { String($0.occurrence) }, "visit_detail_id": c.visit.map { String($0.detail) },
                    "measurement_source_value": cy.analyte, "unit_source_value": cy.sourceUnit,
                    "measurement_event_id": String(specimen), "meas_event_field_concept_id": String(OMOPVocabulary.specimenField.id),
                ])
            }

            // Olink proteomics: one specimen per sample, one local concept per assay.
            var sampleSpecimens: [String: (specimen: Int, patient: String, time: Double)] = [:]
            for s in study.proteomicsSamples {
                let c = try context(s.patientID, "proteomics sample")
                let t = try when(s.time, admissionDay: c.day, what: "proteomics sample time")
                let specimen = id("specimen")
                sampleSpecimens[s.sampleID] = (specimen, s.patientID, s.time)
                try add("specimen", [
                    "specimen_id": String(specimen), "person_id": String(c.person),
                    "specimen_concept_id": String(OMOPVocabulary.bloodSpecimen.id), "specimen_type_concept_id": ehr,
                    "specimen_date": t.date, "specimen_datetime": t.datetime, "specimen_source_id": s.sampleID,
                    "specimen_source_value": s.timepoint.rawValue,
                ])
            }
            var assays: [String: Int] = [:]
            for v in study.proteomics {
                guard let sample = sampleSpecimens[v.sampleID] else {
                    throw OMOPWriteError("proteomics sample \(v.sampleID) is not in proteomics_samples.csv")
                }
                guard let olinkID = v.olinkID else {
                    throw OMOPWriteError("proteomics assay \(v.assay) has no OlinkID; the OMOP form keeps it as the assay concept's code")
                }
                let key = [v.assay, v.uniProt, olinkID, v.panel ?? ""].joined(separator: "\u{1F}")
                let concept: Int
                if let known = assays[key] {
                    concept = known
                } else {
                    concept = OMOPVocabulary.firstOlinkConcept + assays.count
                    assays[key] = concept
                    try add("concept", [
                        "concept_id": String(concept), "concept_name": v.assay, "domain_id": "Measurement",
                        "vocabulary_id": OMOPVocabulary.olinkVocabulary, "concept_class_id": "Olink assay", "standard_concept": "S",
                        "concept_code": olinkID, "valid_start_date": "1970-01-01", "valid_end_date": "2099-12-31",
                    ])
                    try add("concept_ancestor", [
                        "ancestor_concept_id": String(concept), "descendant_concept_id": String(concept),
                        "min_levels_of_separation": "0", "max_levels_of_separation": "0",
                    ])
                    try add("concept_synonym", ["concept_id": String(concept), "concept_synonym_name": "UniProt:" + v.uniProt, "language_concept_id": "0"])
                    if let panel = v.panel {
                        try add("concept_synonym", ["concept_id": String(concept), "concept_synonym_name": "Panel:" + panel, "language_concept_id": "0"])
                    }
                }
                let c = try context(sample.patient, "proteomics value")
                let t = try when(sample.time, admissionDay: c.day, what: "proteomics sample time")
                try add("measurement", [
                    "measurement_id": String(id("measurement")), "person_id": String(c.person),
                    "measurement_concept_id": String(concept), "measurement_date": t.date, "measurement_datetime": t.datetime,
                    "measurement_type_concept_id": ehr, "value_as_number": Self.number(v.npx),
                    "range_low": v.lod.map(Self.number),
                    "measurement_source_value": olinkID, "value_source_value": v.qcWarning ? "WARN" : "PASS",
                    "measurement_event_id": String(sample.specimen), "meas_event_field_concept_id": String(OMOPVocabulary.specimenField.id),
                ])
            }
            if !assays.isEmpty {
                try add("vocabulary", [
                    "vocabulary_id": OMOPVocabulary.olinkVocabulary, "vocabulary_name": "Olink assays of this study (local)",
                    "vocabulary_concept_id": "0",
                ])
                try add("concept_class", ["concept_class_id": "Olink assay", "concept_class_name": "Olink assay", "concept_class_concept_id": "0"])
            }
        }

        mutating func writeBaseline(_ p: Patient, personID: Int, admissionDay: Int) throws {
            let person = String(personID)
            let date = OMOPCalendar.dateText(admissionDay)
            let ehr = String(OMOPVocabulary.ehr.id)
            func unknown(_ name: String) -> OMOPWriteError {
                OMOPWriteError("patient \(p.id): \(name) is unknown (empty); OMOP records what is present, so unknown and absent cannot be told apart")
            }
            if let bmi = p.bmi {
                try add("measurement", [
                    "measurement_id": String(id("measurement")), "person_id": person,
                    "measurement_concept_id": String(OMOPVocabulary.bmi.id), "measurement_date": date,
                    "measurement_type_concept_id": ehr, "value_as_number": Self.number(bmi),
                    "unit_concept_id": String(OMOPVocabulary.unitConcepts["kg/m2"]?.id ?? 0),
                    "measurement_source_value": "bmi", "unit_source_value": "kg/m2",
                ])
            }
            for (concept, value, unit) in [
                (OMOPVocabulary.apacheAdmission, p.apacheII, "points"), (OMOPVocabulary.symptomDays, p.symptomDays, "days"),
            ] {
                guard let value else { continue }
                try add("observation", [
                    "observation_id": String(id("observation")), "person_id": person, "observation_concept_id": String(concept.id),
                    "observation_date": date, "observation_type_concept_id": ehr, "value_as_number": Self.number(value),
                    "unit_concept_id": OMOPVocabulary.unitConcepts[unit].map { String($0.id) },
                ])
            }
            for comorbidity in Comorbidity.allCases {
                guard let present = p.history(comorbidity) else { throw unknown(comorbidity.rawValue) }
                guard present, let concept = OMOPVocabulary.comorbidities[comorbidity.rawValue] else { continue }
                try add("condition_occurrence", [
                    "condition_occurrence_id": String(id("condition_occurrence")), "person_id": person,
                    "condition_concept_id": String(concept.id), "condition_start_date": date, "condition_type_concept_id": ehr,
                    "condition_source_value": comorbidity.rawValue,
                ])
            }
            guard let immunocompromised = p.immunocompromised else { throw unknown("immunocompromised") }
            if immunocompromised {
                try add("condition_occurrence", [
                    "condition_occurrence_id": String(id("condition_occurrence")), "person_id": person,
                    "condition_concept_id": String(OMOPVocabulary.immunocompromised.id), "condition_start_date": date,
                    "condition_type_concept_id": ehr, "condition_source_value": "immunocompromised",
                ])
            }
            guard let refused = p.consentRefused else { throw unknown("consent_refused") }
            if refused {
                try add("observation", [
                    "observation_id": String(id("observation")), "person_id": person,
                    "observation_concept_id": String(OMOPVocabulary.consentRefused.id), "observation_date": date,
                    "observation_type_concept_id": ehr, "value_as_number": "1", "observation_source_value": "consent_refused",
                ])
            }
        }

        mutating func writeVocabulary() throws {
            let concepts = OMOPVocabulary.fixedConcepts
            var vocabularies: [String] = []
            var domains: [String] = []
            var classes: [String] = []
            for c in concepts {
                if !vocabularies.contains(c.vocabulary) { vocabularies.append(c.vocabulary) }
                if !domains.contains(c.domain) { domains.append(c.domain) }
                if !classes.contains(c.conceptClass) { classes.append(c.conceptClass) }
                try add("concept", [
                    "concept_id": String(c.id), "concept_name": c.name, "domain_id": c.domain, "vocabulary_id": c.vocabulary,
                    "concept_class_id": c.conceptClass, "standard_concept": c.standard, "concept_code": c.code,
                    "valid_start_date": "1970-01-01", "valid_end_date": c.validEnd,
                    "invalid_reason": c.invalidReason,
                ])
                try add("concept_ancestor", [
                    "ancestor_concept_id": String(c.id), "descendant_concept_id": String(c.id),
                    "min_levels_of_separation": "0", "max_levels_of_separation": "0",
                ])
            }
            for (ancestor, descendants) in OMOPVocabulary.hierarchy {
                for d in descendants {
                    try add("concept_ancestor", [
                        "ancestor_concept_id": String(ancestor.id), "descendant_concept_id": String(d.id),
                        "min_levels_of_separation": "1", "max_levels_of_separation": "1",
                    ])
                }
            }
            if !domains.contains("Measurement") { domains.append("Measurement") }
            for v in vocabularies {
                try add("vocabulary", [
                    "vocabulary_id": v, "vocabulary_name": v == OMOPVocabulary.local ? "DayZero local concepts (ids > 2000000000)" : v,
                    "vocabulary_version": v == OMOPVocabulary.local ? "DayZero" : nil, "vocabulary_concept_id": "0",
                ])
            }
            for d in domains { try add("domain", ["domain_id": d, "domain_name": d, "domain_concept_id": "0"]) }
            for c in classes { try add("concept_class", ["concept_class_id": c, "concept_class_name": c, "concept_class_concept_id": "0"]) }
            try add("cdm_source", [
                "cdm_source_name": "DayZero synthetic cohort", "cdm_source_abbreviation": "DayZero",
                "cdm_holder": "DayZero", "source_description": "Synthetic ICU cohort written by dayzero simulate --format omop",
                "source_release_date": "2020-12-14", "cdm_release_date": "2020-12-14", "cdm_version": "v5.4",
                "cdm_version_concept_id": "0", "vocabulary_version": "DayZero",
            ])
        }
    }
}
