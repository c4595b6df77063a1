/// Turns a study and a protocol into a `DerivedCohort`: eligibility and flow, alignment,
/// daily values, temperature imputation, SOFA, cytokine admission samples, medication use and
/// outcomes. Pure: no statistics, no I/O, same input → same output.
///
/// - Complexity: O(n log k) for n rows of data and at most k rows per patient and parameter;
///   every table is grouped by patient once (counting sort), never scanned per patient.
public enum CohortDerivation {
    /// Derives the cohort.
    ///
    /// Eligibility, in flow order: the protocol's exclusion facts; no ICU course; then, after
    /// alignment, controls no longer in the ICU on their day 0 (left the ICU — discharge or
    /// death — before the day began: `exit < day0`; leaving during day 0 keeps them).
    /// Treated = at least one administration of the treatment drug (case-insensitive); day 0 =
    /// ICU day ⌊first administration time⌋. Controls' day 0 = `MedianRounding.median` of the
    /// eligible treated patients' start days (or `fixed_icu_day`).
    public static func derive(_ study: StudyData, protocol studyProtocol: StudyProtocol) throws(DerivationError) -> DerivedCohort {
        let p = studyProtocol
        let registry = ParameterRegistry(declared: study.declaredParameters)
        let issues = p.validate(registry: registry)
        guard issues.isEmpty else { throw .invalidProtocol(issues) }
        guard study.measurements.count < Int(Int32.max) else { throw .tooManyMeasurementRows(study.measurements.count) }

        // --- Screening and alignment -------------------------------------------------------
        var courseIndex: [String: Int] = [:]
        courseIndex.reserveCapacity(study.courses.count)
        for (i, c) in study.courses.enumerated() where courseIndex[c.patientID] == nil { courseIndex[c.patientID] = i }

        let treatmentDrug = p.treatment.drug.lowercased()
        var firstTreatment: [String: Double] = [:]
        for m in study.medications where m.drug.lowercased() == treatmentDrug {
            firstTreatment[m.patientID] = min(firstTreatment[m.patientID] ?? m.time, m.time)
        }

        var screening: [ScreenedPatient] = []
        screening.reserveCapacity(study.patients.count)
        var beforeAlignment: [CohortExclusion: Int] = [:]
        var treatedStartDays: [Int] = []
        for (i, patient) in study.patients.enumerated() {
            var reasons: [CohortExclusion] = []
            for reason in p.exclusions {
                let applies: Bool
                switch reason {
                case .immunocompromised: applies = patient.immunocompromised
                case .consentRefused: applies = patient.consentRefused
                }
                if applies { reasons.append(CohortExclusion(reason)) }
            }
            if courseIndex[patient.id] == nil { reasons.append(.noICUCourse) }
            let start = firstTreatment[patient.id]
            if let first = reasons.first {
                beforeAlignment[first, default: 0] += 1
            } else if let start {
                treatedStartDays.append(icuDay(start))
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
        for s in screening.indices where screening[s].exclusions.isEmpty {
            let id = screening[s].id
            guard let ci = courseIndex[id] else { continue }
            let course = study.courses[ci]
            let day0: Int
            var startDay: Int?
            if let start = firstTreatment[id] {
                day0 = icuDay(start)
                startDay = day0
                if start < 0 { treatmentBeforeAdmission += 1 }
            } else {
                guard let d = controlDay0 else { continue }
                day0 = d
                let exit = min(course.discharge ?? .infinity, course.death ?? .infinity)
                if exit < Double(d) {
                    controlsNotInICU += 1
                    if p.alignment.excludeControlsNotInICU {
                        screening[s].exclusions.append(.notInICUOnAlignmentDay)
                        continue
                    }
                }
            }
            screening[s].cohortIndex = patients.count
            patients.append(CohortPatient(
                id: id, studyIndex: screening[s].studyIndex, group: screening[s].group ?? .control, day0: day0,
                treatmentStartDay: startDay))
        }

        let excludedCounts = (p.exclusions.map(CohortExclusion.init) + [.noICUCourse]).map {
            CohortFlow.Count(reason: $0, count: beforeAlignment[$0] ?? 0)
        }
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

        // --- Group the data by patient once ---------------------------------------------------
        var lastRecorded = [Double?](repeating: nil, count: patients.count)
        func seen(_ i: Int, _ t: Double) { lastRecorded[i] = max(lastRecorded[i] ?? t, t) }

        // Measurements are read by column: one array lookup per row maps the table's interned
        // patient and parameter to the cohort patient and the series slot (no string hashing),
        // and the rows of each patient are found through a counting sort of row numbers (4 bytes
        // per row) rather than a copy of the rows.
        let table = study.measurements
        let cohortOfTablePatient = table.patientIDs.map { indexByID[$0] ?? -1 }
        let slotOfTableParameter = table.parameterNames.map { plan.sourceSlot[$0] ?? -1 }
        var serial: [(patient: Int, observation: Observation)] = []
        var admissionRows: [(patient: Int, analyte: String, time: Double, value: Double)] = []
        for c in study.cytokines {
            guard let i = indexByID[c.patientID] else { continue }
            seen(i, c.time)
            switch c.timepoint {
            case .serial:
                guard let slot = plan.sourceSlot[c.analyte] else { continue }
                serial.append((i, Observation(slot: Int32(slot), time: c.time, value: c.value, order: table.count + serial.count)))
            case .admission:
                if p.windows.cytokineAdmissionSample { admissionRows.append((i, c.analyte, c.time, c.value)) }
            }
        }
        let grouped = GroupedObservations(table: table, cohortOfTablePatient: cohortOfTablePatient,
                                          slotOfTableParameter: slotOfTableParameter, serial: serial,
                                          patientCount: patients.count, seen: seen)

        let drugs = plan.drugs
        var drugBuckets = [[Int]](repeating: [], count: patients.count * drugs.count)
        for m in study.medications {
            guard let i = indexByID[m.patientID] else { continue }
            seen(i, m.time)
            if let d = plan.drugIndex[m.drug.lowercased()] { drugBuckets[i * drugs.count + d].append(icuDay(m.time)) }
        }
        var infections = [[Double]](repeating: [], count: patients.count)
        for e in study.events {
            guard let i = indexByID[e.patientID] else { continue }
            seen(i, e.time)
            if e.event == p.outcomes.secondaryInfectionEvent { infections[i].append(e.time) }
        }
        var drugDays = DrugDayTable(drugs: drugs)
        for b in drugBuckets.indices { drugDays.append(Array(Set(drugBuckets[b])).sorted()) }

        // --- Per patient: daily series, imputation, SOFA ---------------------------------------
        var builder = DailyValueTableBuilder(keys: plan.keys)
        var sofaTable = SOFATable(componentNames: p.sofa.components.map(\.name))
        var imputation = ImputationCounts()
        var sofaScored = 0, sofaWithMissing = 0, sofaWithoutTotal = 0
        var scratch: [Observation] = []
        for i in patients.indices {
            var series = [DaySeries](repeating: DaySeries(), count: plan.keys.count)
            var flagDays: [Int] = []
            grouped.rows(patient: i, into: &scratch)
            plan.aggregate(scratch[...], into: &series, flagDays: &flagDays)
            if let rule = p.temperatureImputation {
                for k in plan.imputedKeys {
                    applyTemperatureImputation(&series[k], flaggedDays: flagDays, rule: rule, counts: &imputation, count: k == plan.primaryImputedKey)
                }
            }
            guard let ci = courseIndex[patients[i].id] else { continue }
            let course = study.courses[ci]
            plan.scoreSOFA(patient: i, series: &series, course: course, table: &sofaTable,
                           scored: &sofaScored, withMissing: &sofaWithMissing, withoutTotal: &sofaWithoutTotal)
            builder.append(patientSeries: series)
        }

        // --- Cytokine admission samples -------------------------------------------------------
        let admission = AdmissionSampleTable(rows: admissionRows, analytes: plan.cytokineAnalytes, protocol: p, registry: registry)

        // --- Medication use and outcomes -----------------------------------------------------
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
        var outcomes: [PatientOutcomes] = []
        outcomes.reserveCapacity(patients.count)
        for i in patients.indices {
            guard let ci = courseIndex[patients[i].id] else { continue }
            outcomes.append(calculator.outcomes(
                course: study.courses[ci], day0: patients[i].day0, lastRecorded: lastRecorded[i], infectionTimes: infections[i]))
        }

        return DerivedCohort(
            studyProtocol: p, screening: screening, flow: flow, patients: patients, daily: builder.build(), sofa: sofaTable,
            cytokineAdmission: admission, medicationUse: medicationUse, outcomes: outcomes,
            ruleCounts: RuleCounts(
                imputation: imputation, sofaDaysScored: sofaScored, sofaDaysWithMissingComponents: sofaWithMissing,
                sofaDaysWithoutTotal: sofaWithoutTotal, treatmentBeforeAdmission: treatmentBeforeAdmission),
            drugDays: drugDays, patientIndexByID: indexByID, registry: registry)
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

/// The observations of needed parameters, grouped by cohort patient: a counting sort of row
/// numbers; `rows(patient:into:)` gathers one patient's observations sorted by (slot, time, order).
struct GroupedObservations {
    private let table: MeasurementTable
    private let slotOfTableParameter: [Int]
    private let serial: [Observation]
    /// Patient `i`'s references are `refs[offsets[i] ..< offsets[i + 1]]`: a measurement row
    /// `r ≥ 0`, or serial cytokine row `−r − 1`.
    private var offsets: [Int]
    private var refs: [Int32]

    /// Groups the measurement rows of cohort patients (`cohortOfTablePatient[table patient]`,
    /// −1 = not in the cohort) whose parameter has a slot, and the serial cytokine rows;
    /// `seen(patient, time)` is called for every measurement row of a cohort patient.
    init(table: MeasurementTable, cohortOfTablePatient: [Int], slotOfTableParameter: [Int],
         serial: [(patient: Int, observation: Observation)], patientCount: Int, seen: (Int, Double) -> Void) {
        self.table = table
        self.slotOfTableParameter = slotOfTableParameter
        self.serial = serial.map(\.observation)
        var offsets = [Int](repeating: 0, count: patientCount + 1)
        let patient = table.patient, parameter = table.parameter, time = table.time
        for r in patient.indices {
            let i = cohortOfTablePatient[Int(patient[r])]
            guard i >= 0 else { continue }
            seen(i, time[r])
            if slotOfTableParameter[Int(parameter[r])] >= 0 { offsets[i + 1] += 1 }
        }
        for s in serial { offsets[s.patient + 1] += 1 }
        for i in 0..<patientCount { offsets[i + 1] += offsets[i] }
        var next = offsets
        var refs = [Int32](repeating: 0, count: offsets[patientCount])
        for r in patient.indices {
            let i = cohortOfTablePatient[Int(patient[r])]
            guard i >= 0, slotOfTableParameter[Int(parameter[r])] >= 0 else { continue }
            refs[next[i]] = Int32(truncatingIfNeeded: r)
            next[i] += 1
        }
        for (k, s) in serial.enumerated() {
            refs[next[s.patient]] = Int32(truncatingIfNeeded: -k - 1)
            next[s.patient] += 1
        }
        self.offsets = offsets
        self.refs = refs
    }

    /// Patient `i`'s observations, sorted by (slot, time, order), into `buffer`.
    func rows(patient i: Int, into buffer: inout [Observation]) {
        buffer.removeAll(keepingCapacity: true)
        for k in offsets[i]..<offsets[i + 1] {
            let ref = Int(refs[k])
            if ref >= 0 {
                buffer.append(Observation(
                    slot: Int32(slotOfTableParameter[Int(table.parameter[ref])]), time: table.time[ref], value: table.value[ref], order: ref))
            } else {
                buffer.append(serial[-ref - 1])
            }
        }
        buffer.sort { a, b in (a.slot, a.time, a.order) < (b.slot, b.time, b.order) }
    }
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

    init(rows: [(patient: Int, analyte: String, time: Double, value: Double)], analytes: [String], protocol p: StudyProtocol, registry: ParameterRegistry) {
        self.analytes = analytes
        let index = Dictionary(uniqueKeysWithValues: analytes.enumerated().map { ($1, $0) })
        let keyed = rows.enumerated().compactMap { k, r -> (p: Int, a: Int, time: Double, k: Int, value: Double)? in
            guard let a = index[r.analyte] else { return nil }
            return (r.patient, a, r.time, k, r.value)
        }.sorted { ($0.p, $0.a, $0.time, $0.k) < ($1.p, $1.a, $1.time, $1.k) }
        var start = 0
        while start < keyed.count {
            var end = start + 1
            while end < keyed.count, keyed[end].p == keyed[start].p, keyed[end].a == keyed[start].a { end += 1 }
            let name = analytes[keyed[start].a]
            let aggregation = p.parameterRule(named: name)?.aggregation ?? registry[name]?.aggregation ?? .mean
            if let v = aggregation.aggregate(keyed[start..<end].map(\.value)) {
                patient.append(Int32(keyed[start].p))
                analyte.append(Int32(keyed[start].a))
                icuDay.append(Int32(clamping: DayZeroCohort.icuDay(keyed[start].time)))
                value.append(v)
            }
            start = end
        }
    }
}
