import DayZeroCohort

/// The rules of each table. Every reader checks every field of a row (so one row can yield
/// several problems), then hands the row to the sink only when nothing is wrong anywhere yet.
extension StudyFolderValidator {
    /// The column named `name` of an opened table.
    func col(_ cols: [Col], _ name: String) -> Col {
        cols.first(where: { $0.name == name }) ?? Col(name: name, field: nil, required: false, range: nil)
    }

    // MARK: parameters.csv

    func readParameters<S: StudySink>(_ sink: inout S) throws {
        guard let cols = open(.parameters) else { return }
        let cName = col(cols, "parameter"), cLabel = col(cols, "label"), cKind = col(cols, "kind")
        let cUnit = col(cols, "unit"), cAggregation = col(cols, "aggregation")
        let cMinimum = col(cols, "minimum"), cMaximum = col(cols, "maximum")
        var seen: [String: Int] = [:]
        var declared: [ParameterDefinition] = []
        while nextRow() {
            guard rowOK else { continue }
            let name = declaredName(cName, "parameter", seen: &seen)
            let label = raw(cLabel) ?? name
            let kind = raw(cKind) == nil ? "clinical" : choice(cKind, ["clinical", "cytokine"])
            let unit = text(cUnit)
            let aggregation = choice(cAggregation, DailyAggregation.allCases.map(\.rawValue)).flatMap(DailyAggregation.init(rawValue:))
            let minimum = number(cMinimum)
            let maximum = number(cMaximum)
            if let minimum, let maximum, minimum > maximum {
                report(.outOfRange, cMaximum, "maximum \(formatForMessage(maximum)) is below minimum \(formatForMessage(minimum))")
            }
            if let name, ParameterCatalog.isDerivedName(name) {
                report(
                    .parameterRedefinition, cName,
                    "parameter \(MessageText.quoted(name)) is derived by the protocol (the SOFA score sofa and its components sofa_…) and cannot be declared or supplied; remove the row, or declare the value under another name")
            }
            guard rowOK, let name, let label, let kind, let unit, let aggregation, let minimum, let maximum else { continue }
            let definition = ParameterDefinition(
                name: name, label: label, kind: kind == "cytokine" ? .cytokine : .clinical, unit: unit,
                aggregation: aggregation, minimum: minimum, maximum: maximum)
            for problem in ParameterCatalog.redeclarationProblems(definition) {
                let change = "; a declaration of a catalog parameter may change its label, daily value and narrow its range, nothing else (declare another name for another quantity)"
                switch problem {
                case .kind(let catalogKind):
                    report(
                        .parameterRedefinition, cKind,
                        "\(name) is a \(catalogKind == .cytokine ? "cytokine" : "clinical parameter") of the catalog; kind \(MessageText.quoted(kind)) would change it\(change)")
                case .unit(let catalogUnit):
                    report(
                        .parameterRedefinition, cUnit,
                        "unit \(MessageText.quoted(unit)) is not the catalog's canonical unit of \(name), \(catalogUnit)\(change)")
                case .minimum(let catalogMinimum, let catalogUnit):
                    report(
                        .parameterRedefinition, cMinimum,
                        "minimum \(formatForMessage(minimum)) is below the catalog's physiological minimum of \(name), \(formatForMessage(catalogMinimum)) \(catalogUnit)\(change)")
                case .maximum(let catalogMaximum, let catalogUnit):
                    report(
                        .parameterRedefinition, cMaximum,
                        "maximum \(formatForMessage(maximum)) is above the catalog's physiological maximum of \(name), \(formatForMessage(catalogMaximum)) \(catalogUnit)\(change)")
                }
            }
            guard rowOK else { continue }
            declared.append(definition)
            if collector.isEmpty { try sink.parameter(definition) }
        }
        registry = ParameterRegistry(declared: declared)
    }

    /// The name a declaration row gives (`parameters.csv`, `variables.csv`): reported when it is
    /// not a valid name or repeats an earlier row's.
    func declaredName(_ col: Col, _ what: String, seen: inout [String: Int]) -> String? {
        guard let name = text(col) else { return nil }
        if !Self.isValidName(name) {
            report(
                .invalidChoice, col,
                "\(what) \(MessageText.quoted(name)) is not a valid name (lower-case letters, digits and '_', starting with a letter)")
        }
        checkKey(&seen, name, col, "\(what) \(MessageText.quoted(name))")
        return name
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    // MARK: variables.csv

    func readVariables<S: StudySink>(_ sink: inout S) throws {
        guard let cols = open(.variables) else { return }
        let cName = col(cols, "variable"), cLabel = col(cols, "label"), cKind = col(cols, "kind"), cUnit = col(cols, "unit")
        let cLevels = col(cols, "levels"), cLevelLabels = col(cols, "level_labels")
        let cMinimum = col(cols, "minimum"), cMaximum = col(cols, "maximum")
        var seen: [String: Int] = [:]
        var declared: [BaselineVariable] = []
        while nextRow() {
            guard rowOK else { continue }
            let name = declaredName(cName, "variable", seen: &seen)
            if let name, Self.isValidName(name), BaselineCatalog.reservedNames.contains(name) {
                report(
                    .invalidChoice, cName,
                    "variable \(MessageText.quoted(name)) is a built-in column of patients.csv and cannot be redeclared (docs/data-format.md lists them)")
            }
            let kind = choice(cKind, BaselineKind.allCases.map(\.rawValue)).flatMap(BaselineKind.init(rawValue:))
            let levels = raw(cLevels).map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) } ?? []
            let levelLabels = raw(cLevelLabels).map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
            let minimum = number(cMinimum), maximum = number(cMaximum)
            switch kind {
            case .categorical?:
                if levels.count < 2 {
                    report(.invalidChoice, cLevels, "a categorical variable needs at least two levels separated by '|', found \(levels.count)")
                } else if let empty = levels.firstIndex(where: { $0.isEmpty }) {
                    report(.invalidChoice, cLevels, "level \(empty + 1) of levels is empty")
                } else if Set(levels).count != levels.count {
                    report(.invalidChoice, cLevels, "levels lists a value twice")
                }
                if let levelLabels, levelLabels.count != levels.count {
                    report(.invalidChoice, cLevelLabels, "level_labels has \(levelLabels.count) labels for \(levels.count) levels")
                }
            case .binary?, .continuous?:
                if !levels.isEmpty || levelLabels != nil {
                    report(.invalidChoice, cLevels, "levels and level_labels are for categorical variables only")
                }
            case nil: break
            }
            if kind != .continuous, minimum != nil || maximum != nil {
                report(.invalidChoice, minimum != nil ? cMinimum : cMaximum, "minimum and maximum are for continuous variables only")
            }
            if let minimum, let maximum, minimum > maximum {
                report(.outOfRange, cMaximum, "maximum \(formatForMessage(maximum)) is below minimum \(formatForMessage(minimum))")
            }
            guard rowOK, let name, let kind else { continue }
            let variable = BaselineVariable(
                name: name, label: raw(cLabel) ?? name, kind: kind, unit: raw(cUnit), levels: levels, levelLabels: levelLabels,
                minimum: minimum, maximum: maximum)
            declared.append(variable)
            if collector.isEmpty { try sink.baselineVariable(variable) }
        }
        declaredVariables = declared
    }

    // MARK: patients.csv

    func readPatients<S: StudySink>(_ sink: inout S) throws {
        let declared = declaredVariables
        let extra = declared.map { v in
            StudyColumn(
                v.name, v.kind == .binary ? .flag : v.kind == .continuous ? .number : .text, required: false, v.label,
                range: v.kind == .continuous ? (v.minimum ?? -1e15)...(v.maximum ?? 1e15) : nil)
        }
        guard let cols = open(.patients, extraColumns: extra) else { return }
        patientsAvailable = true
        let cID = col(cols, "patient_id"), cSite = col(cols, "site"), cSex = col(cols, "sex"), cAge = col(cols, "age")
        let cBMI = col(cols, "bmi"), cApache = col(cols, "apache_ii"), cSymptoms = col(cols, "symptom_days")
        let comorbidityCols = Comorbidity.allCases.map { ($0, col(cols, $0.rawValue)) }
        let cImmuno = col(cols, "immunocompromised"), cRefused = col(cols, "consent_refused")
        let declaredCols = declared.map { col(cols, $0.name) }
        while nextRow() {
            guard rowOK else { continue }
            var id = text(cID)
            if let known = id.flatMap({ patients[$0] }), let shown = id {
                report(.duplicateKey, cID, "duplicate key: patient_id \(MessageText.quoted(shown)) already appears on line \(known.line)")
                id = nil
            }
            let site = text(cSite)
            var sex: Sex?
            if let s = text(cSex) {
                sex = Sex(rawValue: s.uppercased())
                if sex == nil { report(.malformedSex, cSex, "sex \(MessageText.quoted(s)) is not M or F") }
            }
            let age = number(cAge)
            let bmi = number(cBMI), apache = number(cApache), symptoms = number(cSymptoms)
            // An empty cell (or a column the file does not have) is unknown, never "absent".
            var comorbidities = Set<Comorbidity>(), unknownHistory = Set<Comorbidity>()
            for (comorbidity, column) in comorbidityCols {
                switch optionalFlag(column) {
                case .value(true): comorbidities.insert(comorbidity)
                case .value(false): break
                case .unknown: unknownHistory.insert(comorbidity)
                case .malformed: break
                }
            }
            let immunocompromised = optionalFlag(cImmuno), refused = optionalFlag(cRefused)
            var values: [Double?] = []
            values.reserveCapacity(declared.count)
            for (variable, column) in zip(declared, declaredCols) {
                switch variable.kind {
                case .binary:
                    if case .value(let b) = optionalFlag(column) { values.append(b ? 1 : 0) } else { values.append(nil) }
                case .continuous:
                    values.append(number(column))
                case .categorical:
                    guard let written = raw(column) else { values.append(nil); continue }
                    if let level = variable.levels.firstIndex(of: written) {
                        values.append(Double(level))
                    } else {
                        report(.invalidChoice, column, "\(variable.name) \(MessageText.quoted(written)) is not one of its levels: \(variable.levels.joined(separator: ", "))")
                        values.append(nil)
                    }
                }
            }
            guard let id else { continue }
            let key = patients.count + 1
            patients[id] = PatientInfo(key: key, line: currentLine, consentRefused: refused.known == true)
            guard rowOK, collector.isEmpty, let site, let sex, let age else { continue }
            let patient = Patient(
                id: id, site: site, sex: sex, age: age, bmi: bmi, apacheII: apache, symptomDays: symptoms,
                comorbidities: comorbidities, unknownHistory: unknownHistory, immunocompromised: immunocompromised.known,
                consentRefused: refused.known, declared: values)
            try sink.patient(patient, key: key)
        }
    }

    /// A 0/1 cell that may be empty (unknown) or absent from the file (unknown).
    enum OptionalFlag {
        case value(Bool)
        case unknown
        case malformed

        var known: Bool? { if case .value(let b) = self { b } else { nil } }
    }

    func optionalFlag(_ col: Col) -> OptionalFlag {
        guard raw(col) != nil else { return .unknown }
        guard let b = flag(col) else { return .malformed }
        return .value(b)
    }

    // MARK: icu_course.csv

    func readCourses<S: StudySink>(_ sink: inout S) throws {
        guard let cols = open(.icuCourse) else { return }
        coursesAvailable = true
        let cID = col(cols, "patient_id"), cAdmission = col(cols, "icu_admission"), cDischarge = col(cols, "icu_discharge")
        let cVentStart = col(cols, "ventilation_start"), cVentEnd = col(cols, "ventilation_end")
        let cDeath = col(cols, "death"), cFollowUp = col(cols, "follow_up_end")
        var seen: [String: Int] = [:]
        while nextRow() {
            guard rowOK else { continue }
            var id = text(cID)
            var info: PatientInfo?
            if let shown = id {
                if let first = seen[shown] {
                    report(.duplicateKey, cID, "duplicate key: patient_id \(MessageText.quoted(shown)) already appears on line \(first)")
                    id = nil
                } else {
                    seen[shown] = currentLine
                    if patientsAvailable {
                        info = patients[shown]
                        if info == nil {
                            report(.undefinedPatient, cID, "patient_id \(MessageText.quoted(shown)) is not defined in patients.csv")
                        }
                    }
                }
            }
            if let shown = id { patients[shown]?.hasCourseRow = true }

            // The admission defines day 0 and the anchor for this patient's timestamps.
            var course: CourseInfo?
            var admissionFormat = TimeFormat.dayNumber
            switch parseTime(cAdmission) {
            case .dayNumber(let d)?:
                if d != 0 {
                    report(
                        .malformedTime, cAdmission,
                        "icu_admission \(MessageText.quoted(raw(cAdmission) ?? "")) must be 0 when given as a day number (ICU admission is day 0)")
                } else {
                    course = CourseInfo(
                        admission: Moment(value: 0, precision: .icuDay, calendarDay: 0), anchor: nil, admissionText: "0")
                }
            case .stamp(let stamp)?:
                admissionFormat = stamp.format
                course = CourseInfo(
                    admission: Moment(value: 0, precision: stamp.format == .date ? .calendarDay : .exact, calendarDay: 0), anchor: stamp,
                    admissionText: raw(cAdmission) ?? stamp.text)
            case nil:
                break
            }
            guard let course else {
                // Without an admission the other times cannot be placed; still check their syntax.
                for c in [cDischarge, cVentStart, cVentEnd, cDeath, cFollowUp] { _ = parseTime(c) }
                continue
            }
            let patientID = id ?? ""
            func read(_ c: Col) -> (moment: Moment, format: TimeFormat, what: String)? {
                guard let parsed = parseTime(c), let t = convert(parsed, c, course: course, patientID: patientID) else { return nil }
                return (t.moment, t.format, "\(c.name) \(MessageText.quoted(raw(c) ?? ""))")
            }
            let discharge = read(cDischarge), ventStart = read(cVentStart), ventEnd = read(cVentEnd)
            let death = read(cDeath), followUp = read(cFollowUp)
            let admissionWhat = "icu_admission \(MessageText.quoted(course.admissionText))"

            for (c, t) in [(cDischarge, discharge), (cDeath, death), (cVentStart, ventStart), (cFollowUp, followUp)] {
                if let t, Moment.isBefore(t.moment, course.admission) {
                    report(.courseChronology, c, "\(t.what) is before \(admissionWhat)")
                }
            }
            if let death, let discharge, Moment.isBefore(death.moment, discharge.moment) {
                report(
                    .courseChronology, cDeath,
                    "\(death.what) is before \(discharge.what) (a patient who dies in the ICU is discharged at death)")
            }
            var stayEnd: (moment: Moment, what: String)?
            for t in [discharge, death].compactMap({ $0 }) where stayEnd.map({ Moment.isBefore(t.moment, $0.moment) }) ?? true {
                stayEnd = (t.moment, t.what)
            }
            if let ventStart, let end = stayEnd, Moment.isBefore(end.moment, ventStart.moment) {
                report(.courseChronology, cVentStart, "\(ventStart.what) is after the end of the ICU stay (\(end.what))")
            }
            if let ventEnd {
                if let ventStart {
                    if Moment.isBefore(ventEnd.moment, ventStart.moment) {
                        report(.ventilationOrder, cVentEnd, "\(ventEnd.what) is before \(ventStart.what)")
                    }
                } else if cVentStart.field == nil || raw(cVentStart) == nil {
                    report(.courseChronology, cVentEnd, "\(ventEnd.what) is given without ventilation_start")
                }
                if let end = stayEnd, Moment.isBefore(end.moment, ventEnd.moment) {
                    report(.courseChronology, cVentEnd, "\(ventEnd.what) is after the end of the ICU stay (\(end.what))")
                }
            }
            if let followUp, let discharge, Moment.isBefore(followUp.moment, discharge.moment) {
                report(.courseChronology, cFollowUp, "\(followUp.what) is before \(discharge.what)")
            }
            course.stayEnd = stayEnd?.moment
            course.stayEndText = stayEnd?.what ?? ""
            if let end = death ?? followUp ?? discharge {
                course.followUpEnd = end.moment
                course.followUpEndText = end.what
            }
            if let shown = id { patients[shown]?.course = course }
            lastPatient = nil

            guard rowOK, collector.isEmpty, let id, let key = info?.key else { continue }
            let record = ICUCourse(
                patientID: id, admissionTimestamp: course.anchor?.text, discharge: discharge?.moment.value,
                ventilationStart: ventStart?.moment.value, ventilationEnd: ventEnd?.moment.value,
                death: death?.moment.value, followUpEnd: followUp?.moment.value)
            let formats = CourseFormats(
                admission: admissionFormat, admissionTimestamp: course.anchor, discharge: discharge?.format,
                ventilationStart: ventStart?.format, ventilationEnd: ventEnd?.format, death: death?.format,
                followUpEnd: followUp?.format)
            try sink.course(record, patientKey: key, formats: formats)
        }
    }

    // MARK: proteomics_samples.csv

    func readProteomicsSamples<S: StudySink>(_ sink: inout S) throws {
        guard let cols = open(.proteomicsSamples) else { return }
        samplesAvailable = true
        let cSample = col(cols, "SampleID"), cPatient = col(cols, "patient_id"), cTime = col(cols, "time")
        let cTimepoint = col(cols, "timepoint")
        while nextRow() {
            guard rowOK else { continue }
            var sampleID = text(cSample)
            if let shown = sampleID, samples[shown] != nil {
                report(.duplicateKey, cSample, "duplicate key: SampleID \(MessageText.quoted(shown)) already appears on line \(sampleLines[shown] ?? 0)")
                sampleID = nil
            }
            let patient = self.patient(cPatient)
            if let patient { checkConsent(cPatient, patient.id, patient.info) }
            let t = dataTime(cTime, patient: patient)
            let timepoint = choice(cTimepoint, ProteomicsTimepoint.allCases.map(\.rawValue)).flatMap(ProteomicsTimepoint.init(rawValue:))
            guard let sampleID else { continue }
            let key = samples.count + 1
            samples[sampleID] = (key, patient?.id ?? "")
            sampleLines[sampleID] = currentLine
            guard rowOK, collector.isEmpty, let patient, let patientKey = patient.info?.key, let t, let timepoint else { continue }
            try sink.proteomicsSample(
                ProteomicsSample(sampleID: sampleID, patientID: patient.id, time: t.moment.value, timepoint: timepoint),
                key: key, patientKey: patientKey, format: t.format)
        }
    }

    // MARK: measurements.csv

    func readMeasurements<S: StudySink>(_ sink: inout S) throws {
        guard let cols = open(.measurements) else { return }
        let cPatient = col(cols, "patient_id"), cTime = col(cols, "time"), cParameter = col(cols, "parameter")
        let cValue = col(cols, "value"), cUnit = col(cols, "unit")
        var fast = MeasurementFastPath(
            patient: cPatient, time: cTime, parameter: cParameter, value: cValue, unit: cUnit, enabled: fastPaths && collector.isEmpty)
        let csv = reader
        while nextRow() {
            if fast.pendingNames != nil, let names = fast.takePendingNames() { try sink.valueNames(names) }
            // Rows of the previous row's patient with a known (parameter, unit) pair are checked
            // on their bytes; any other row, and any row that would fail a check, is read below.
            if rowOK, let csv, let row = fast.row(csv) {
                try sink.measurement(row, patientID: { lastPatient?.id ?? "" }, names: { fast.names(row.names) })
                continue
            }
            defer { refreshFastPath(&fast, cParameter, cUnit) }
            guard rowOK else { continue }
            let patient = self.patient(cPatient)
            if let patient { checkConsent(cPatient, patient.id, patient.info) }
            // Measurements may follow the ICU stay (clinic visits after discharge) while the
            // patient is followed: up to death, else the end of follow-up, else discharge.
            let t = dataTime(cTime, patient: patient, followUp: true)
            // A (parameter, unit) pair already found valid skips the name and unit lookups; the
            // checks that remain (value, range) run as below, and report the same way.
            if let rule = cachedRule(cParameter, cUnit) {
                let value = number(cValue)
                var canonical: Double?
                if let value {
                    let c = rule.conversion.toCanonical(value)
                    if c >= rule.minimum && c <= rule.maximum && (!rule.isFlag || c == 0 || c == 1) {
                        canonical = c
                    } else {
                        canonical = canonicalValue(rule.definition, value: value, valueCol: cValue, unitText: rule.unit, unitCol: cUnit)
                    }
                }
                guard rowOK, collector.isEmpty, let patient, let patientKey = patient.info?.key, let t, let value, let canonical
                else { continue }
                try sink.measurement(
                    Measurement(
                        patientID: patient.id, time: t.moment.value, parameter: rule.definition.name, value: canonical,
                        sourceValue: value, sourceUnit: rule.unit),
                    patientKey: patientKey, format: t.format)
                continue
            }
            let definition = parameter(cParameter, kind: .clinical)
            let value = number(cValue)
            let unit = text(cUnit)
            var canonical: Double?
            if let definition, let value, let unit {
                canonical = canonicalValue(definition, value: value, valueCol: cValue, unitText: unit, unitCol: cUnit)
            }
            if let definition, let unit, case .accepted(let conversion) = unitLookup(definition, unit) {
                remember(cParameter, cUnit, ValueRule(definition: definition, unit: unit, conversion: conversion))
            }
            guard rowOK, collector.isEmpty, let patient, let patientKey = patient.info?.key, let t, let definition,
                  let value, let unit, let canonical
            else { continue }
            try sink.measurement(
                Measurement(
                    patientID: patient.id, time: t.moment.value, parameter: definition.name, value: canonical,
                    sourceValue: value, sourceUnit: unit),
                patientKey: patientKey, format: t.format)
        }
    }

    /// After a measurement row read the ordinary way: the fast path takes that row's patient
    /// and, when valid, its (parameter, unit) pair (whose names are announced to the sink
    /// before the next row); once a problem is known it is switched off.
    func refreshFastPath(_ fast: inout MeasurementFastPath, _ cParameter: Col, _ cUnit: Col) {
        guard fast.enabled else { return }
        guard collector.isEmpty else {
            fast.disable()
            return
        }
        if let last = lastPatient {
            fast.setPatient(bytes: lastPatientBytes, info: last.info)
        } else {
            fast.clearPatient()
        }
        guard let rule = cachedRule(cParameter, cUnit), let p = cParameter.field, let u = cUnit.field, let csv = reader,
              csv.withFields(p, u, { fast.addPair(parameter: $0, unit: $1, rule: rule) }) != nil
        else { return }
        fast.announce(ValueNames(parameter: rule.definition.name, unit: rule.unit))
    }

    /// After a proteomics row read the ordinary way: the fast path takes that row's sample (when
    /// defined) and its assay fields; once a problem is known it is switched off.
    func refreshFastPath(_ fast: inout ProteomicsFastPath, _ cSample: Col, _ keys: inout KeyLines) {
        guard fast.enabled else { return }
        guard collector.isEmpty, let csv = reader else {
            fast.disable()
            return
        }
        if samplesAvailable, let f = cSample.field, !csv.isEmpty(f) {
            let bytes = csv.withField(f) { Array($0) }
            let id = String(decoding: bytes, as: UTF8.self)
            fast.setSample(bytes: bytes, id: id, key: samples[id]?.key, keys: &keys)
        } else {
            fast.clearSample()
        }
        fast.addAssay(csv, keys: &keys)
    }

    /// After a cytokine row read the ordinary way: when it was valid, the fast path takes its
    /// patient, sample, time and timepoint, and its (analyte, unit) pair; once a problem is
    /// known it is switched off.
    func refreshFastPath(_ fast: inout CytokineFastPath, _ cAnalyte: Col, _ cUnit: Col, _ keys: inout KeyLines) {
        guard fast.enabled else { return }
        guard collector.isEmpty else {
            fast.disable()
            return
        }
        guard let csv = reader, let last = lastPatient else {
            fast.clear()
            return
        }
        fast.takeRow(csv, patientBytes: lastPatientBytes, patientID: last.id, info: last.info, keys: &keys)
        if let rule = cachedRule(cAnalyte, cUnit, kind: .cytokine) { fast.addPair(csv, rule: rule, keys: &keys) }
    }

    /// The rule of the current row's (parameter, unit) pair when it was found valid before.
    /// (`kind` chooses the table: clinical for measurements.csv, cytokine for cytokines.csv.)
    @inline(__always)
    func cachedRule(_ cParameter: Col, _ cUnit: Col, kind: ParameterKind = .clinical) -> ValueRule? {
        guard let p = cParameter.field, let u = cUnit.field, let csv = reader else { return nil }
        return csv.withFields(p, u) { kind == .clinical ? measurementRules.lookup($0, $1) : cytokineRules.lookup($0, $1) }
    }

    /// Remembers a valid (parameter, unit) pair of the current row.
    func remember(_ cParameter: Col, _ cUnit: Col, _ rule: ValueRule, kind: ParameterKind = .clinical) {
        guard let p = cParameter.field, let u = cUnit.field, let csv = reader else { return }
        csv.withFields(p, u) {
            if kind == .clinical {
                measurementRules.insert(rule, parameter: $0, unit: $1)
            } else {
                cytokineRules.insert(rule, parameter: $0, unit: $1)
            }
        }
    }

    /// The parameter named in `c`, which must be of `kind` (clinical in measurements.csv,
    /// cytokine in cytokines.csv).
    func parameter(_ c: Col, kind: ParameterKind) -> ParameterDefinition? {
        guard let name = text(c) else { return nil }
        guard let definition = registry[name] else {
            var message = "\(c.name) \(MessageText.quoted(name)) is neither in the parameter catalog nor declared in parameters.csv"
            if let match = registry.definitions.keys.sorted().first(where: { $0 == name.lowercased() }) {
                message += " (did you mean \(MessageText.quoted(match))? names are lower case)"
            }
            report(.unknownParameter, c, message)
            return nil
        }
        guard definition.kind == kind else {
            report(
                .parameterTable, c,
                definition.kind == .cytokine
                    ? "\(c.name) \(MessageText.quoted(name)) is a cytokine; it belongs in cytokines.csv"
                    : "\(c.name) \(MessageText.quoted(name)) is a clinical parameter, not a cytokine; it belongs in measurements.csv")
            return nil
        }
        return definition
    }

    // MARK: medications.csv

    func readMedications<S: StudySink>(_ sink: inout S) throws {
        guard let cols = open(.medications) else { return }
        let cPatient = col(cols, "patient_id"), cDrug = col(cols, "drug"), cTime = col(cols, "time")
        let cDose = col(cols, "dose"), cDoseUnit = col(cols, "dose_unit")
        while nextRow() {
            guard rowOK else { continue }
            let patient = self.patient(cPatient)
            if let patient { checkConsent(cPatient, patient.id, patient.info) }
            let drug = lowerCaseName(cDrug)
            let t = dataTime(cTime, patient: patient)
            let dose = number(cDose)
            let doseUnit = raw(cDoseUnit)
            if dose != nil && doseUnit == nil {
                report(.missingValue, cDoseUnit, "dose_unit is empty but a dose is given")
            }
            if let doseUnit, !DoseUnits.isKnown(doseUnit) {
                report(
                    .unknownUnit, cDoseUnit,
                    "dose_unit \(MessageText.quoted(doseUnit)) is not a known dose unit; doses are written in \(DoseUnits.summary)")
            }
            guard rowOK, collector.isEmpty, let patient, let patientKey = patient.info?.key, let drug, let t else { continue }
            try sink.medication(
                MedicationAdministration(patientID: patient.id, drug: drug, time: t.moment.value, dose: dose, doseUnit: doseUnit),
                patientKey: patientKey, format: t.format)
        }
    }

    // MARK: events.csv

    func readEvents<S: StudySink>(_ sink: inout S) throws {
        guard let cols = open(.events) else { return }
        let cPatient = col(cols, "patient_id"), cEvent = col(cols, "event"), cTime = col(cols, "time")
        let cDetail = col(cols, "detail")
        while nextRow() {
            guard rowOK else { continue }
            let patient = self.patient(cPatient)
            if let patient { checkConsent(cPatient, patient.id, patient.info) }
            let event = lowerCaseName(cEvent)
            let t = dataTime(cTime, patient: patient, followUp: true)
            let detail = raw(cDetail)
            guard rowOK, collector.isEmpty, let patient, let patientKey = patient.info?.key, let event, let t else { continue }
            try sink.event(
                ClinicalEvent(patientID: patient.id, event: event, time: t.moment.value, detail: detail),
                patientKey: patientKey, format: t.format)
        }
    }

    // MARK: cytokines.csv

    func readCytokines<S: StudySink>(_ sink: inout S) throws {
        guard let cols = open(.cytokines) else { return }
        let cPatient = col(cols, "patient_id"), cSample = col(cols, "sample_id"), cTime = col(cols, "time")
        let cTimepoint = col(cols, "timepoint"), cAnalyte = col(cols, "analyte"), cValue = col(cols, "value")
        let cUnit = col(cols, "unit"), cBelowLOD = col(cols, "below_lod")
        var seen = KeyLines()
        /// sample_id → the patient, time and timepoint of its first row.
        var sampleFacts: [String: (patient: String, time: String, timepoint: String, line: Int)] = [:]
        /// patient → its ICU-admission sample.
        var admissionSample: [String: (sample: String, line: Int)] = [:]
        var fast = CytokineFastPath(
            patient: cPatient, sample: cSample, time: cTime, timepoint: cTimepoint, analyte: cAnalyte, value: cValue, unit: cUnit,
            belowLOD: cBelowLOD, enabled: fastPaths && collector.isEmpty)
        let csv = reader
        while nextRow() {
            // Later rows of a sample with a known (analyte, unit) pair are checked on their bytes.
            if rowOK, let csv, let (row, patientKey, format) = fast.row(csv, keys: &seen) {
                try sink.cytokine(row, patientKey: patientKey, format: format)
                continue
            }
            defer { refreshFastPath(&fast, cAnalyte, cUnit, &seen) }
            guard rowOK else { continue }
            let patient = self.patient(cPatient)
            if let patient { checkConsent(cPatient, patient.id, patient.info) }
            let sampleID = text(cSample)
            let t = dataTime(cTime, patient: patient)
            let timepoint = choice(cTimepoint, CytokineTimepoint.allCases.map(\.rawValue)).flatMap(CytokineTimepoint.init(rawValue:))
            // A known (analyte, unit) pair skips the name and unit lookups (see readMeasurements).
            let rule = cachedRule(cAnalyte, cUnit, kind: .cytokine)
            let definition = rule?.definition ?? parameter(cAnalyte, kind: .cytokine)
            let value = number(cValue)
            let unit = rule?.unit ?? text(cUnit)
            let belowLOD = flag(cBelowLOD)
            var canonical: Double?
            if let rule, let value {
                let c = rule.conversion.toCanonical(value)
                if c >= rule.minimum && c <= rule.maximum && (!rule.isFlag || c == 0 || c == 1) {
                    canonical = c
                } else {
                    canonical = canonicalValue(rule.definition, value: value, valueCol: cValue, unitText: rule.unit, unitCol: cUnit)
                }
            } else if let definition, let value, let unit {
                canonical = canonicalValue(definition, value: value, valueCol: cValue, unitText: unit, unitCol: cUnit)
            }
            if rule == nil, let definition, let unit, case .accepted(let conversion) = unitLookup(definition, unit) {
                remember(cAnalyte, cUnit, ValueRule(definition: definition, unit: unit, conversion: conversion), kind: .cytokine)
            }
            if let sampleID, let analyte = raw(cAnalyte), let first = seen.previousLine(sampleID, analyte, line: currentLine) {
                report(.duplicateKey, cAnalyte, "duplicate key: sample_id \(MessageText.quoted(sampleID)) with analyte \(MessageText.quoted(analyte)) already appears on line \(first)")
            }
            if let sampleID, let patient, let timepoint {
                let timeText = raw(cTime) ?? ""
                if let facts = sampleFacts[sampleID] {
                    if facts.patient != patient.id {
                        report(
                            .sampleConflict, cSample,
                            "sample_id \(MessageText.quoted(sampleID)) belongs to patient \(MessageText.quoted(facts.patient)) on line \(facts.line), not to \(MessageText.quoted(patient.id))")
                    } else if facts.time != timeText {
                        report(
                            .sampleConflict, cTime,
                            "sample_id \(MessageText.quoted(sampleID)) has time \(MessageText.quoted(timeText)) here but \(MessageText.quoted(facts.time)) on line \(facts.line)")
                    } else if facts.timepoint != timepoint.rawValue {
                        report(
                            .sampleConflict, cTimepoint,
                            "sample_id \(MessageText.quoted(sampleID)) has timepoint \(MessageText.quoted(timepoint.rawValue)) here but \(MessageText.quoted(facts.timepoint)) on line \(facts.line)")
                    }
                } else {
                    sampleFacts[sampleID] = (patient.id, timeText, timepoint.rawValue, currentLine)
                    if timepoint == .admission {
                        if let first = admissionSample[patient.id] {
                            report(
                                .sampleConflict, cSample,
                                "patient \(MessageText.quoted(patient.id)) already has an ICU-admission sample \(MessageText.quoted(first.sample)) (line \(first.line)); only one admission sample per patient")
                        } else {
                            admissionSample[patient.id] = (sampleID, currentLine)
                        }
                    }
                }
            }
            guard rowOK, collector.isEmpty, let patient, let patientKey = patient.info?.key, let sampleID, let t,
                  let timepoint, let definition, let value, let unit, let canonical, let belowLOD
            else { continue }
            try sink.cytokine(
                CytokineMeasurement(
                    patientID: patient.id, sampleID: sampleID, time: t.moment.value, timepoint: timepoint,
                    analyte: definition.name, value: canonical, sourceValue: value, sourceUnit: unit, belowLOD: belowLOD),
                patientKey: patientKey, format: t.format)
        }
    }

    // MARK: proteomics.csv

    func readProteomics<S: StudySink>(_ sink: inout S) throws {
        guard let cols = open(.proteomics) else { return }
        let cSample = col(cols, "SampleID"), cOlinkID = col(cols, "OlinkID"), cUniProt = col(cols, "UniProt")
        let cAssay = col(cols, "Assay"), cPanel = col(cols, "Panel"), cNPX = col(cols, "NPX"), cLOD = col(cols, "LOD")
        let cQC = col(cols, "QC_Warning")
        var seen = KeyLines()
        var fast = ProteomicsFastPath(
            sample: cSample, olinkID: cOlinkID, uniProt: cUniProt, assay: cAssay, panel: cPanel, npx: cNPX, lod: cLOD, qc: cQC,
            enabled: fastPaths && collector.isEmpty)
        let csv = reader
        while nextRow() {
            // Rows of the previous row's sample naming a known assay are checked on their bytes.
            if rowOK, let csv, let (value, sampleKey) = fast.row(csv, keys: &seen) {
                try sink.proteomics(value, sampleKey: sampleKey)
                continue
            }
            defer { refreshFastPath(&fast, cSample, &seen) }
            guard rowOK else { continue }
            let sampleID = text(cSample)
            var sampleKey: Int?
            if let sampleID, samplesAvailable {
                sampleKey = samples[sampleID]?.key
                if sampleKey == nil {
                    report(.undefinedSample, cSample, "SampleID \(MessageText.quoted(sampleID)) is not defined in proteomics_samples.csv")
                }
            }
            let olinkID = raw(cOlinkID)
            let uniProt = text(cUniProt)
            let assay = text(cAssay)
            let panel = raw(cPanel)
            let npx = number(cNPX)
            let lod = number(cLOD)
            var qcWarning = false
            if raw(cQC) != nil {
                qcWarning = choice(cQC, ["PASS", "WARN"], aliases: ["warning": "WARN"]) == "WARN"
            }
            if let sampleID, let uniProt, let assay, let first = seen.previousLine(sampleID, uniProt + "\u{1F}" + assay, line: currentLine) {
                report(
                    .duplicateKey, cAssay,
                    "duplicate key: SampleID \(MessageText.quoted(sampleID)) with UniProt \(MessageText.quoted(uniProt)) and Assay \(MessageText.quoted(assay)) already appears on line \(first)")
            }
            guard rowOK, collector.isEmpty, let sampleID, let sampleKey, let uniProt, let assay, let npx else { continue }
            try sink.proteomics(
                ProteomicsValue(
                    sampleID: sampleID, assay: assay, uniProt: uniProt, olinkID: olinkID, panel: panel, npx: npx, lod: lod,
                    qcWarning: qcWarning),
                sampleKey: sampleKey)
        }
    }
}
