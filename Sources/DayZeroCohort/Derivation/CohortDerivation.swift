/// Turns a study and a protocol into a `DerivedCohort`: eligibility and flow, alignment,
/// daily values, temperature imputation, SOFA, cytokine admission samples, medication use and
/// outcomes. Pure: no statistics, no I/O, same input → same output.
///
/// - Complexity: O(n log k) for n rows of data and at most k rows per patient and parameter;
///   every table is grouped by patient once (counting sort), never scanned per patient.
public enum CohortDerivation {
    /// Derives the cohort from a study held in memory, measurements included.
    ///
    /// The measurement and cytokine rows of the cohort's patients are grouped by patient with
    /// a counting sort of row numbers (4 bytes per row, no copy of the rows) and handed to a
    /// `CohortDeriver` one patient at a time, and the proteomics values to its
    /// `ProteomicsSumsBuilder` — the same deriver a store streams its rows into
    /// (`StudyStore.deriveCohort`), so both paths give the same cohort.
    ///
    /// `patientProgress` is `CohortDeriver.patientProgress`: (patients done, cohort patients).
    ///
    /// `pushed` holds the daily aggregates of the parameters a source aggregated per ICU day
    /// itself (the OMOP pushdown); their rows are then not in `study.measurements`, and each
    /// patient's aggregates go to `CohortDeriver.add(studyIndex:rows:daily:)` with its rows.
    public static func derive(
        _ study: StudyData, protocol studyProtocol: StudyProtocol, pushed: PushedDailyValues? = nil,
        patientProgress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws(DerivationError) -> DerivedCohort {
        guard study.measurements.count < Int(Int32.max) else { throw .tooManyRows(table: "measurements.csv", count: study.measurements.count) }
        guard study.cytokines.count < Int(Int32.max) else { throw .tooManyRows(table: "cytokines.csv", count: study.cytokines.count) }
        var deriver = try CohortDeriver(study: study, protocol: studyProtocol)
        deriver.patientProgress = patientProgress
        let table = study.measurements
        let cohortCount = deriver.cohortSize
        // Table patient → cohort patient (−1: not analysed); cohort order is study order.
        var studyIndexByID: [String: Int] = [:]
        studyIndexByID.reserveCapacity(study.patients.count)
        for (i, p) in study.patients.enumerated() where studyIndexByID[p.id] == nil { studyIndexByID[p.id] = i }
        func cohortIndex(_ id: String) -> Int { studyIndexByID[id].flatMap { deriver.cohortIndex(studyIndex: $0) } ?? -1 }
        let cohortOfTablePatient = table.patientIDs.map(cohortIndex)
        let slotOfTableParameter = table.parameterNames.map { deriver.slot(parameter: $0) }
        let patient = table.patient
        let measurementRows = RowsByPatient(patients: cohortCount, rows: patient.count) { cohortOfTablePatient[Int(patient[$0])] }
        var lastID: String?
        var lastCohortIndex = -1
        let cytokineRows = RowsByPatient(patients: cohortCount, rows: study.cytokines.count) { r in
            let id = study.cytokines[r].patientID
            if id != lastID {
                lastID = id
                lastCohortIndex = cohortIndex(id)
            }
            return lastCohortIndex
        }
        var daily: [PatientDayAggregates?] = []
        if let pushed {
            daily = [PatientDayAggregates?](repeating: nil, count: cohortCount)
            for (id, aggregates) in pushed.byPatient {
                let i = cohortIndex(id)
                if i >= 0 { daily[i] = aggregates }
            }
        }
        var rows = PatientMeasurementRows()
        for i in 0..<cohortCount where !measurementRows.isEmpty(i) || !cytokineRows.isEmpty(i) || (!daily.isEmpty && daily[i] != nil) {
            rows.removeAll()
            for r in measurementRows.rows(of: i) {
                rows.append(slot: slotOfTableParameter[Int(table.parameter[r])], time: table.time[r], value: table.value[r], order: r)
            }
            for r in cytokineRows.rows(of: i) {
                let c = study.cytokines[r]
                rows.appendCytokine(deriver.cytokineKey(analyte: c.analyte, timepoint: c.timepoint), time: c.time, value: c.value, row: r)
            }
            if !daily.isEmpty, let d = daily[i] {
                try deriver.add(studyIndex: deriver.studyIndex(cohortIndex: i), rows: &rows, daily: d)
            } else {
                try deriver.add(studyIndex: deriver.studyIndex(cohortIndex: i), rows: &rows)
            }
        }
        var proteomics = deriver.proteomicsBuilder(samples: study.proteomicsSamples)
        for v in study.proteomics { proteomics.add(v) }
        return deriver.finish(proteomics: proteomics.finish())
    }
}

/// The row numbers of a table grouped by cohort patient (a counting sort: 4 bytes per row).
private struct RowsByPatient {
    private var offsets: [Int]
    private var refs: [Int32]

    /// `patientOfRow(r)` is row `r`'s cohort patient (−1: not analysed, left out); it is
    /// called twice per row (count, then place) instead of being stored.
    init(patients: Int, rows: Int, patientOfRow: (Int) -> Int) {
        offsets = [Int](repeating: 0, count: patients + 1)
        for r in 0..<rows {
            let i = patientOfRow(r)
            if i >= 0 { offsets[i + 1] += 1 }
        }
        for i in 0..<patients { offsets[i + 1] += offsets[i] }
        var next = offsets
        refs = [Int32](repeating: 0, count: offsets[patients])
        for r in 0..<rows {
            let i = patientOfRow(r)
            guard i >= 0 else { continue }
            refs[next[i]] = Int32(truncatingIfNeeded: r)
            next[i] += 1
        }
    }

    func isEmpty(_ i: Int) -> Bool { offsets[i] == offsets[i + 1] }

    func rows(of i: Int) -> LazyMapSequence<ArraySlice<Int32>, Int> { refs[offsets[i]..<offsets[i + 1]].lazy.map { Int($0) } }
}

/// One patient's measurement and cytokine rows, as a `CohortDeriver` takes them: each
/// measurement row's series slot (`CohortDeriver.slot(parameter:)`, −1 for a parameter the
/// protocol does not use — the row still counts as "recorded" for the outcomes), time,
/// canonical value, and input order (any increasing number: the tie-break between rows of
/// equal time); each cytokine row with its `CohortDeriver.cytokineKey`. A reusable buffer.
public struct PatientMeasurementRows {
    var observations: [Observation] = []
    /// ICU-admission cytokine values: analyte (index into the plan's cytokine analytes), time, value.
    var admission: [(analyte: Int32, time: Double, value: Double)] = []
    var lastTime: Double?

    public init() {}

    public var isEmpty: Bool { observations.isEmpty && admission.isEmpty && lastTime == nil }

    public mutating func removeAll() {
        observations.removeAll(keepingCapacity: true)
        admission.removeAll(keepingCapacity: true)
        lastTime = nil
    }

    public mutating func append(slot: Int32, time: Double, value: Double, order: Int) {
        lastTime = max(lastTime ?? time, time)
        if slot >= 0 { observations.append(Observation(slot: slot, time: time, value: value, order: order)) }
    }

    /// Adds cytokine row number `row` (its position in the cytokine table, or any number
    /// increasing in that order). A serial value joins its series after every measurement row
    /// of equal time; an admission value is kept for the admission sample.
    public mutating func appendCytokine(_ key: CytokineKey, time: Double, value: Double, row: Int) {
        lastTime = max(lastTime ?? time, time)
        guard key.index >= 0 else { return }
        if key.admission {
            admission.append((key.index, time, value))
        } else {
            observations.append(Observation(slot: key.index, time: time, value: value, order: CohortDeriver.serialOrder + row))
        }
    }
}

/// What the derivation does with a cytokine row (`CohortDeriver.cytokineKey`): a serial
/// value's series slot, or an admission value's analyte; `index` −1 when it only counts as
/// recorded (an analyte or timepoint the protocol does not use).
public struct CytokineKey: Sendable, Hashable {
    public var admission: Bool
    public var index: Int32
}

/// Derives a cohort while the measurement and cytokine rows arrive patient by patient and the
/// proteomics values one by one, so a study whose big tables do not fit in memory (a registry
/// read from its store) is derived with only one patient's rows held at a time.
///
/// Built from the study's other tables (`study.measurements`, `study.cytokines` and
/// `study.proteomics` are not read — they may be empty — except the measurements of the
/// parameters the exclusion rules name, which can be given apart: `init(study:protocol:
/// exclusionMeasurements:)`), it screens and aligns every patient
/// first — everything that needs neither — then takes each patient's rows
/// (`add(studyIndex:rows:)`), in ascending study order (the order of `StudyData.patients`),
/// each patient at most once, and fills that patient's daily series, admission cytokine
/// values, imputation and SOFA. The proteomics values go to a `proteomicsBuilder(samples:)`.
/// `finish(proteomics:)` completes the patients that had no rows and the tables that need the
/// whole cohort. The result equals `CohortDerivation.derive` on the study held whole.
public struct CohortDeriver: Sendable {
    /// Called after each analysed patient's rows are handed over, with (patients done, cohort
    /// patients): for a caller's progress display. A second pass over the rows (a store read
    /// again sorted by patient) reports the same counts again, never more than the cohort.
    public var patientProgress: (@Sendable (Int, Int) -> Void)?
    private let study: StudyData
    private let p: StudyProtocol
    private let registry: ParameterRegistry
    private let plan: SeriesPlan
    private var screening: [ScreenedPatient]
    private let flow: CohortFlow
    private let patients: [CohortPatient]
    private let indexByID: [String: Int]
    private let courseIndex: [String: Int]
    private let treatmentBeforeAdmission: Int
    /// Cohort patient of each study patient (−1: not analysed).
    private let cohortOfStudy: [Int32]
    /// Latest time recorded in the tables other than the measurements, per cohort patient.
    private var lastRecorded: [Double?]
    /// ICU-admission cytokine values of the patients filled so far (analyte: index into the
    /// plan's cytokine analytes).
    private var admissionRows: [(patient: Int32, analyte: Int32, time: Double, value: Double)] = []
    /// The admission analytes' indexes (empty when the protocol shows no admission sample).
    private let admissionAnalyte: [String: Int32]
    private let drugDays: DrugDayTable

    private var builder: DailyValueTableBuilder
    private var sofaTable: SOFATable
    private var imputation = ImputationCounts()
    private var sofaScored = 0, sofaWithMissing = 0, sofaWithoutTotal = 0
    /// The next cohort patient to fill; the ones before it are done.
    private var nextPatient = 0
    private var lastStudyIndex = -1
    private var scratch: [Observation] = []
    private var slotStart: [Int] = []

    /// Screens and aligns the study's patients (eligibility, flow, day 0) and groups the
    /// medication and event rows by patient.
    ///
    /// Eligibility, in flow order: the protocol's exclusion facts; no ICU course; then, after
    /// alignment, controls no longer in the ICU on their day 0 (left the ICU — discharge or
    /// death — before the day began: `exit < day0`; leaving during day 0 keeps them).
    /// Treated = at least one administration of the treatment drug (case-insensitive); day 0 =
    /// ICU day ⌊first administration time⌋. Controls' day 0 = `MedianRounding.median` of the
    /// eligible treated patients' start days (or `fixed_icu_day`).
    ///
    /// The exclusions' parameter rules read the measurements of the parameters
    /// `studyProtocol.exclusionParameters` names: from `exclusionMeasurements` when given (a
    /// store reads just those rows, in stored order, while `study.measurements` stays empty),
    /// else from `study.measurements`.
    public init(
        study: StudyData, protocol studyProtocol: StudyProtocol, exclusionMeasurements: MeasurementTable? = nil
    ) throws(DerivationError) {
        let p = studyProtocol
        let registry = ParameterRegistry(declared: study.declaredParameters)
        let issues = p.validate(registry: registry, baseline: study.baselineRegistry)
        guard issues.isEmpty else { throw .invalidProtocol(issues) }

        // --- Screening and alignment -------------------------------------------------------
        var courseIndex: [String: Int] = [:]
        courseIndex.reserveCapacity(study.courses.count)
        for (i, c) in study.courses.enumerated() where courseIndex[c.patientID] == nil { courseIndex[c.patientID] = i }

        // Every time that becomes a day index (the treatment start, medications, events,
        // measurements, cytokines) goes through the protocol's time axis — `TimeAxis.period(of:)`,
        // ⌊t⌋ by default — so windows and day 0 count periods.
        let axis = p.timeAxis
        let treatmentDrug = p.treatment.drug.lowercased()
        var firstTreatment: [String: Double] = [:]
        for m in study.medications where m.drug.lowercased() == treatmentDrug {
            firstTreatment[m.patientID] = min(firstTreatment[m.patientID] ?? m.time, m.time)
        }

        var screening: [ScreenedPatient] = []
        screening.reserveCapacity(study.patients.count)
        var beforeAlignment: [CohortExclusion: Int] = [:]
        var treatedStartDays: [Int] = []
        let exclusionParameters = p.exclusionParameters
        let exclusionFacts = CriterionFacts(
            rules: p.exclusions.map(\.rule), study: study, patients: p.exclusions.isEmpty ? [] : Array(study.patients.indices),
            axis: axis, measurements: exclusionParameters.isEmpty ? nil : exclusionMeasurements ?? study.measurements,
            defaultAggregation: Dictionary(uniqueKeysWithValues: exclusionParameters.map { ($0, p.defaultAggregation(of: $0, registry: registry)) }))
        for (i, patient) in study.patients.enumerated() {
            var reasons: [CohortExclusion] = []
            for rule in p.exclusions where exclusionFacts.meetsBeforeAlignment(rule.rule, patient: i) {
                reasons.append(CohortExclusion(rule))
            }
            if courseIndex[patient.id] == nil { reasons.append(.noICUCourse) }
            let start = firstTreatment[patient.id]
            if let first = reasons.first {
                beforeAlignment[first, default: 0] += 1
            } else if let start {
                treatedStartDays.append(axis.period(of: start))
            }
            screening.append(ScreenedPatient(
                id: patient.id, studyIndex: i, group: start == nil ? .control : .treated, exclusions: reasons, cohortIndex: nil))
        }
        let eligibleControls = screening.filter { $0.exclusions.isEmpty && $0.group == .control }.count

        var controlDay0: Int?
        var treatedMedian: Double?
        if !treatedStartDays.isEmpty {
            let sorted = treatedStartDays.sorted()
            let n = sorted.count
            treatedMedian = n % 2 == 1 ? Double(sorted[n / 2]) : (Double(sorted[n / 2 - 1]) + Double(sorted[n / 2])) / 2
        }
        switch p.alignment.controls {
        case .treatedMedianStartDay:
            controlDay0 = p.alignment.medianRounding.median(of: treatedStartDays)
            if controlDay0 == nil, eligibleControls > 0 { throw .noTreatedPatients(drug: p.treatment.drug) }
        case .fixedICUDay:
            controlDay0 = p.alignment.fixedICUDay
        }

        var patients: [CohortPatient] = []
        var controlsNotInICU = 0
        var treatmentBeforeAdmission = 0
        var cohortOfStudy = [Int32](repeating: -1, count: study.patients.count)
        for s in screening.indices where screening[s].exclusions.isEmpty {
            let id = screening[s].id
            guard let ci = courseIndex[id] else { continue }
            let course = study.courses[ci]
            let day0: Int
            var startDay: Int?
            if let start = firstTreatment[id] {
                day0 = axis.period(of: start)
                startDay = day0
                if start < 0 { treatmentBeforeAdmission += 1 }
            } else {
                guard let d = controlDay0 else { continue }
                day0 = d
                let exit = min(course.discharge ?? .infinity, course.death ?? .infinity)
                if exit < axis.start(ofPeriod: d) {
                    controlsNotInICU += 1
                    if p.alignment.excludeControlsNotInICU {
                        screening[s].exclusions.append(.notInICUOnAlignmentDay)
                        continue
                    }
                }
            }
            screening[s].cohortIndex = patients.count
            cohortOfStudy[screening[s].studyIndex] = Int32(patients.count)
            patients.append(CohortPatient(
                id: id, studyIndex: screening[s].studyIndex, group: screening[s].group ?? .control, day0: day0,
                treatmentStartDay: startDay))
        }

        let excludedCounts = p.exclusions.map {
            CohortFlow.Count(reason: CohortExclusion($0), label: $0.label, count: beforeAlignment[CohortExclusion($0)] ?? 0)
        } + [CohortFlow.Count(reason: .noICUCourse, label: "No ICU course recorded", count: beforeAlignment[.noICUCourse] ?? 0)]
        let treatedCount = patients.filter { $0.group == .treated }.count
        let flow = CohortFlow(
            screened: study.patients.count, excludedBeforeAlignment: excludedCounts,
            eligible: study.patients.count - excludedCounts.reduce(0) { $0 + $1.count },
            treated: treatedCount, eligibleControls: eligibleControls,
            controlsNotInICU: controlsNotInICU, controls: patients.count - treatedCount, analysed: patients.count,
            controlAlignmentDay: controlDay0, treatedMedianStartDay: treatedMedian)

        var indexByID: [String: Int] = [:]
        indexByID.reserveCapacity(patients.count)
        for (i, pt) in patients.enumerated() { indexByID[pt.id] = i }

        // --- Series the protocol needs --------------------------------------------------------
        let plan = SeriesPlan(protocol: p, registry: registry)

        // --- The tables other than the measurements, grouped by patient ----------------------
        var lastRecorded = [Double?](repeating: nil, count: patients.count)
        func seen(_ i: Int, _ t: Double) { lastRecorded[i] = max(lastRecorded[i] ?? t, t) }

        // Cytokine rows arrive with the patient's measurement rows (`PatientMeasurementRows`):
        // serial values join the series, admission values the admission sample.
        var admissionAnalyte: [String: Int32] = [:]
        if p.windows.cytokineAdmissionSample {
            for (a, name) in plan.cytokineAnalytes.enumerated() where admissionAnalyte[name] == nil { admissionAnalyte[name] = Int32(a) }
        }

        let drugs = plan.drugs
        var drugBuckets = [[Int]](repeating: [], count: patients.count * drugs.count)
        for m in study.medications {
            guard let i = indexByID[m.patientID] else { continue }
            seen(i, m.time)
            if let d = plan.drugIndex[m.drug.lowercased()] { drugBuckets[i * drugs.count + d].append(axis.period(of: m.time)) }
        }
        for e in study.events {
            guard let i = indexByID[e.patientID] else { continue }
            seen(i, e.time)
        }
        var drugDays = DrugDayTable(drugs: drugs)
        for b in drugBuckets.indices { drugDays.append(Array(Set(drugBuckets[b])).sorted()) }

        self.study = study
        self.p = p
        self.registry = registry
        self.plan = plan
        self.screening = screening
        self.flow = flow
        self.patients = patients
        self.indexByID = indexByID
        self.courseIndex = courseIndex
        self.treatmentBeforeAdmission = treatmentBeforeAdmission
        self.cohortOfStudy = cohortOfStudy
        self.lastRecorded = lastRecorded
        self.admissionAnalyte = admissionAnalyte
        self.drugDays = drugDays
        self.builder = DailyValueTableBuilder(keys: plan.keys)
        self.sofaTable = SOFATable(componentNames: p.sofa.components.map(\.name))
    }

    /// The order given to serial cytokine rows: above any measurement row number.
    static let serialOrder = 1 << 62

    /// How a cytokine row of `analyte` at `timepoint` is derived (`PatientMeasurementRows.appendCytokine`).
    public func cytokineKey(analyte: String, timepoint: CytokineTimepoint) -> CytokineKey {
        switch timepoint {
        case .serial: CytokineKey(admission: false, index: plan.sourceSlot[analyte].map { Int32($0) } ?? -1)
        case .admission: CytokineKey(admission: true, index: admissionAnalyte[analyte] ?? -1)
        }
    }

    /// A builder for the cohort's proteomics sums, from the study's proteomics samples; feed it
    /// the proteomics values in file order and pass the result to `finish(proteomics:)`.
    public func proteomicsBuilder(samples: [ProteomicsSample]) -> ProteomicsSumsBuilder {
        ProteomicsSumsBuilder(samples: samples, patients: patients, patientIndex: { indexByID[$0] })
    }

    /// The number of analysed patients.
    public var cohortSize: Int { patients.count }

    /// The cohort patient of study patient `studyIndex` (its index in `StudyData.patients`),
    /// or `nil` when the patient is not analysed (its rows can be skipped).
    public func cohortIndex(studyIndex: Int) -> Int? {
        guard studyIndex >= 0, studyIndex < cohortOfStudy.count else { return nil }
        let i = cohortOfStudy[studyIndex]
        return i >= 0 ? Int(i) : nil
    }

    /// The study index of cohort patient `cohortIndex`.
    public func studyIndex(cohortIndex: Int) -> Int { patients[cohortIndex].studyIndex }

    /// The cohort patient of each study patient (−1: not analysed), for a reader that skips
    /// the rows of patients outside the cohort.
    public var cohortIndexOfStudyPatient: [Int32] { cohortOfStudy }

    /// The series slot of a measured parameter, −1 when the protocol does not use it.
    public func slot(parameter name: String) -> Int32 {
        plan.sourceSlot[name].map { Int32($0) } ?? -1
    }

    /// Takes every measurement row of study patient `studyIndex`. Patients come in ascending
    /// study order, each at most once; the rows of a patient outside the cohort are ignored.
    ///
    /// - Throws: `DerivationError.measurementsNotGroupedByPatient` when `studyIndex` is not
    ///   above the previous call's (the rows were not grouped by patient in study order).
    public mutating func add(studyIndex: Int, rows: inout PatientMeasurementRows) throws(DerivationError) {
        guard studyIndex > lastStudyIndex else {
            let id = studyIndex >= 0 && studyIndex < study.patients.count ? study.patients[studyIndex].id : "#\(studyIndex)"
            throw .measurementsNotGroupedByPatient(patient: id)
        }
        lastStudyIndex = studyIndex
        guard let i = cohortIndex(studyIndex: studyIndex) else { return }
        defer { patientProgress?(i + 1, cohortSize) }
        var none = PatientMeasurementRows()
        while nextPatient < i { fill(patient: nextPatient, rows: &none) }
        fill(patient: i, rows: &rows)
    }

    /// Takes study patient `studyIndex`'s rows and the daily aggregates of the parameters a
    /// source aggregated per ICU day itself (the pushdown of the OMOP source): the entry point
    /// beside `add(studyIndex:rows:)`, with the same order rules. A parameter must come one way
    /// only (its rows in `rows`, or its days in `daily`); its series are then filled from
    /// `DailyAggregation.value(of:)` and its flag days from `DayAggregates.anyNonZero`, and
    /// `daily.lastTime` counts as a recorded time. Days of a parameter the protocol does not
    /// use only count for that time; a `median` series gets no value from aggregates
    /// (`rowOnlyParameters` names the parameters to send as rows).
    public mutating func add(studyIndex: Int, rows: inout PatientMeasurementRows, daily: PatientDayAggregates) throws(DerivationError) {
        guard studyIndex > lastStudyIndex else {
            let id = studyIndex >= 0 && studyIndex < study.patients.count ? study.patients[studyIndex].id : "#\(studyIndex)"
            throw .measurementsNotGroupedByPatient(patient: id)
        }
        lastStudyIndex = studyIndex
        guard let i = cohortIndex(studyIndex: studyIndex) else { return }
        defer { patientProgress?(i + 1, cohortSize) }
        var none = PatientMeasurementRows()
        while nextPatient < i { fill(patient: nextPatient, rows: &none) }
        fill(patient: i, rows: &rows, daily: daily)
    }

    /// Fills cohort patient `i`'s daily series from its rows (measurements and cytokines), and
    /// from `daily` when a source gave some parameters as daily aggregates.
    private mutating func fill(patient i: Int, rows: inout PatientMeasurementRows, daily: PatientDayAggregates? = nil) {
        if let t = rows.lastTime { lastRecorded[i] = max(lastRecorded[i] ?? t, t) }
        if let t = daily?.lastTime { lastRecorded[i] = max(lastRecorded[i] ?? t, t) }
        for a in rows.admission { admissionRows.append((Int32(truncatingIfNeeded: i), a.analyte, a.time, a.value)) }
        sortBySlotTimeOrder(rows.observations)
        var series = [DaySeries](repeating: DaySeries(), count: plan.keys.count)
        var flagDays: [Int] = []
        plan.aggregate(scratch[...], into: &series, flagDays: &flagDays)
        if let daily, !daily.parameters.isEmpty {
            plan.aggregate(daily: daily, into: &series, flagDays: &flagDays)
            flagDays.sort()
        }
        if let rule = p.temperatureImputation {
            for k in plan.imputedKeys {
                applyTemperatureImputation(&series[k], flaggedDays: flagDays, rule: rule, counts: &imputation, count: k == plan.primaryImputedKey)
            }
        }
        if let ci = courseIndex[patients[i].id] {
            plan.scoreSOFA(patient: i, series: &series, course: study.courses[ci], table: &sofaTable,
                           scored: &sofaScored, withMissing: &sofaWithMissing, withoutTotal: &sofaWithoutTotal)
        }
        builder.append(patientSeries: series)
        nextPatient = i + 1
    }

    /// Puts a patient's observations into `scratch` sorted by (slot, time, order): a stable
    /// counting sort by slot (a few dozen slots), then a sort of each slot's run only when it is
    /// not already in (time, order) order — rows usually arrive in time order, so most runs need
    /// none (a comparison sort of the whole patient was a fifth of the derivation).
    private mutating func sortBySlotTimeOrder(_ measured: [Observation]) {
        let slots = plan.slotTargets.count
        slotStart.removeAll(keepingCapacity: true)
        slotStart.append(contentsOf: repeatElement(0, count: slots + 1))
        // A slot outside the plan (not from `slot(parameter:)`) is treated as unused.
        for o in measured where Int(o.slot) < slots { slotStart[Int(o.slot) + 1] += 1 }
        for k in 0..<slots { slotStart[k + 1] += slotStart[k] }
        let total = slotStart[slots]
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: repeatElement(Observation(slot: 0, time: 0, value: 0, order: 0), count: total))
        for o in measured where Int(o.slot) < slots {
            scratch[slotStart[Int(o.slot)]] = o
            slotStart[Int(o.slot)] += 1
        }
        // slotStart[k] is now the end of slot k's run.
        var start = 0
        for k in 0..<slots {
            let end = slotStart[k]
            if end - start > 1 {
                var sorted = true
                for r in start + 1..<end where (scratch[r - 1].time, scratch[r - 1].order) > (scratch[r].time, scratch[r].order) {
                    sorted = false
                    break
                }
                if !sorted { scratch[start..<end].sort { a, b in (a.time, a.order) < (b.time, b.order) } }
            }
            start = end
        }
    }

    /// Completes the patients without measurement rows, then the admission samples,
    /// medication use and outcomes; `proteomics` comes from `proteomicsBuilder(samples:)`.
    public consuming func finish(proteomics: ProteomicsSums) -> DerivedCohort {
        var none = PatientMeasurementRows()
        while nextPatient < patients.count { fill(patient: nextPatient, rows: &none) }
        let admission = AdmissionSampleTable(rows: admissionRows, analytes: plan.cytokineAnalytes, protocol: p, registry: registry)
        admissionRows = []

        let medicationUse: [MedicationUse] = p.medications.drugs.map { drug in
            let d = plan.drugIndex[drug.lowercased()] ?? 0
            var before = [Bool](repeating: false, count: patients.count)
            var after = [Bool](repeating: false, count: patients.count)
            for i in patients.indices {
                for day in drugDays.days(patient: i, drug: d) {
                    let aligned = Int(day) - patients[i].day0
                    if p.medications.before.contains(aligned) { before[i] = true }
                    if p.medications.after.contains(aligned) { after[i] = true }
                }
            }
            return MedicationUse(drug: drug, before: before, after: after)
        }
        let calculator = OutcomeCalculator(settings: p.outcomes)
        // The outcomes keep their elapsed-time rules (in days) from t0 = the start of the ICU day
        // holding time `day0 × period_days` (the start, with floor, or the centre, with nearest,
        // of period day0); on the ICU-day axis that is ICU day day0 itself.
        let axis = p.timeAxis
        var outcomes: [PatientOutcomes] = []
        outcomes.reserveCapacity(patients.count)
        for i in patients.indices {
            guard let ci = courseIndex[patients[i].id] else { continue }
            outcomes.append(calculator.outcomes(
                course: study.courses[ci], day0: axis.outcomeOriginDay(ofPeriod: patients[i].day0), lastRecorded: lastRecorded[i]))
        }

        return DerivedCohort(
            studyProtocol: p, screening: screening, flow: flow, patients: patients, daily: builder.build(), sofa: sofaTable,
            cytokineAdmission: admission, proteomics: proteomics, medicationUse: medicationUse, outcomes: outcomes,
            lastRecorded: lastRecorded,
            ruleCounts: RuleCounts(
                imputation: imputation, sofaDaysScored: sofaScored, sofaDaysWithMissingComponents: sofaWithMissing,
                sofaDaysWithoutTotal: sofaWithoutTotal, treatmentBeforeAdmission: treatmentBeforeAdmission),
            drugDays: drugDays,
            setFacts: CriterionFacts(
                rules: p.analysisSets.flatMap { [$0.includeIf, $0.excludeIf].compactMap { $0 } }, study: study,
                patients: patients.map(\.studyIndex), axis: p.timeAxis),
            patientIndexByID: indexByID, registry: registry)
    }
}

/// One measured value of a needed parameter.
struct Observation {
    var slot: Int32
    var time: Double
    var value: Double
    /// Input order (measurement rows, then serial cytokine rows), the tie-break for equal
    /// times (`first` / `last` aggregation).
    var order: Int
}

/// Days on which each referenced drug was given, per patient (sorted, unique ICU days).
struct DrugDayTable: Sendable {
    let drugs: [String]
    var offsets: [Int] = [0]
    var days: [Int32] = []

    init(drugs: [String]) { self.drugs = drugs }

    mutating func append(_ d: [Int]) {
        days.append(contentsOf: d.map { Int32(clamping: $0) })
        offsets.append(days.count)
    }

    func days(patient: Int, drug: Int) -> ArraySlice<Int32> {
        let i = patient * drugs.count + drug
        return days[offsets[i]..<offsets[i + 1]]
    }
}

/// Use of one drug before and after day 0, per patient (index = patient number).
public struct MedicationUse: Sendable, Equatable {
    public var drug: String
    /// Given on at least one aligned day of `medications.before`.
    public var before: [Bool]
    /// Given on at least one aligned day of `medications.after`.
    public var after: [Bool]
}

/// The ICU-admission cytokine sample per patient and analyte: row `r` is patient `patient[r]`,
/// analyte `analytes[analyte[r]]`, drawn on ICU day `icuDay[r]`; several admission values of
/// one analyte are combined with the parameter's daily aggregation.
public struct AdmissionSampleTable: Sendable, Equatable {
    public var analytes: [String]
    public var patient: [Int32] = []
    public var analyte: [Int32] = []
    public var icuDay: [Int32] = []
    public var value: [Double] = []

    public var count: Int { value.count }

    /// The admission value of `analyte` for patient `patient`.
    public func value(patient p: Int, analyte name: String) -> Double? {
        guard let a = analytes.firstIndex(of: name) else { return nil }
        var lo = 0, hi = patient.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if (Int(patient[mid]), Int(analyte[mid])) < (p, a) { lo = mid + 1 } else { hi = mid }
        }
        return lo < patient.count && Int(patient[lo]) == p && Int(analyte[lo]) == a ? value[lo] : nil
    }

    /// `rows` in input order; `analyte` indexes `analytes`.
    init(rows: [(patient: Int32, analyte: Int32, time: Double, value: Double)], analytes: [String], protocol p: StudyProtocol, registry: ParameterRegistry) {
        self.analytes = analytes
        let keyed = rows.enumerated().map { k, r in (p: Int(r.patient), a: Int(r.analyte), time: r.time, k: k, value: r.value) }
            .sorted { ($0.p, $0.a, $0.time, $0.k) < ($1.p, $1.a, $1.time, $1.k) }
        var start = 0
        while start < keyed.count {
            var end = start + 1
            while end < keyed.count, keyed[end].p == keyed[start].p, keyed[end].a == keyed[start].a { end += 1 }
            let name = analytes[keyed[start].a]
            let aggregation = p.parameterRule(named: name)?.aggregation ?? registry[name]?.aggregation ?? .mean
            if let v = aggregation.aggregate(keyed[start..<end].map(\.value)) {
                patient.append(Int32(keyed[start].p))
                analyte.append(Int32(keyed[start].a))
                icuDay.append(Int32(clamping: p.timeAxis.period(of: keyed[start].time)))
                value.append(v)
            }
            start = end
        }
    }
}
