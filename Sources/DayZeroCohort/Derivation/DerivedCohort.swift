/// The analysis-ready form of a study under a protocol: who is in, each patient's day 0, the
/// daily values after aggregation and imputation, SOFA, cytokine admission samples, the
/// proteomics NPX sums per patient and assay, medication use, outcomes, and the counts of every
/// rule. No statistics.
///
/// Patients are numbered `0..<patients.count` in the order of `StudyData.patients`; every
/// table below refers to patients by that number.
public struct DerivedCohort: Sendable {
    public var studyProtocol: StudyProtocol
    /// Every screened patient with the reasons they were excluded (empty when included).
    public var screening: [ScreenedPatient]
    public var flow: CohortFlow
    /// The included (analysed) patients.
    public var patients: [CohortPatient]
    /// Daily values per patient and series (ICU-day scale), after aggregation and imputation,
    /// including the derived SOFA series.
    public var daily: DailyValueTable
    /// SOFA per patient and ICU day, with components and the number missing.
    public var sofa: SOFATable
    /// The ICU-admission cytokine sample per patient and analyte.
    public var cytokineAdmission: AdmissionSampleTable
    /// The proteomics NPX values summed per patient and assay, before and after day 0.
    public var proteomics: ProteomicsSums
    /// Use of each protocol drug before and after day 0.
    public var medicationUse: [MedicationUse]
    /// Outcomes after day 0, one per patient.
    public var outcomes: [PatientOutcomes]
    /// The last time (ICU-day scale) anything was recorded of each patient: medications,
    /// events, measurements, cytokines (the censoring time when nothing later is known).
    public var lastRecorded: [Double?]
    /// How many values each rule touched.
    public var ruleCounts: RuleCounts
    /// ICU days on which each referenced drug was given, per patient.
    var drugDays: DrugDayTable
    /// The baseline variables and events the analysis sets' rules read, per included patient.
    var setFacts: CriterionFacts

    /// The patient number of `id`, if included.
    public func patientIndex(of id: String) -> Int? { patientIndexByID[id] }
    var patientIndexByID: [String: Int]

    /// The daily series of `parameter` as the protocol analyses it (its aggregation), or `nil`
    /// when the cohort does not hold it.
    public func seriesIndex(parameter: String, aggregation: DailyAggregation? = nil) -> Int? {
        daily.keyIndex[seriesKey(parameter: parameter, aggregation: aggregation)]
    }

    /// The key of the daily series used for `parameter`: derived parameters have no
    /// aggregation; otherwise `aggregation`, else the protocol's, else the catalog's.
    func seriesKey(parameter: String, aggregation: DailyAggregation?) -> DailySeriesKey {
        if studyProtocol.derivedParameterNames.contains(parameter) { return DailySeriesKey(parameter: parameter, aggregation: nil) }
        let agg = aggregation ?? studyProtocol.parameterRule(named: parameter)?.aggregation ?? registry[parameter]?.aggregation ?? .max
        return DailySeriesKey(parameter: parameter, aggregation: agg)
    }

    /// The day's value of `parameter` for patient `patient` on aligned day `alignedDay`.
    public func value(patient: Int, parameter: String, alignedDay: Int) -> Double? {
        guard let key = seriesIndex(parameter: parameter) else { return nil }
        return daily.value(patient: patient, series: key, icuDay: patients[patient].day0 + alignedDay)
    }

    /// The day's value of `parameter` on ICU day `icuDay` (ICU day 0 = admission day: Table 1).
    public func value(patient: Int, parameter: String, icuDay: Int) -> Double? {
        guard let key = seriesIndex(parameter: parameter) else { return nil }
        return daily.value(patient: patient, series: key, icuDay: icuDay)
    }

    /// The value of daily series `series` (from `seriesIndex`) on aligned day `alignedDay`:
    /// `value(patient:parameter:alignedDay:)` without the series lookup, for loops over patients.
    public func value(patient: Int, series: Int, alignedDay: Int) -> Double? {
        daily.value(patient: patient, series: series, icuDay: patients[patient].day0 + alignedDay)
    }

    let registry: ParameterRegistry

    /// The first daily value that is not finite (a `sum` of values near the largest Double),
    /// as `(series, patient, ICU day)`; `nil` when every value is finite. Import bounds every
    /// value (`StudyLimits.maximumAbsoluteValue`), so only an altered store can produce one;
    /// the analysis refuses it rather than let an infinity reach `results.json`.
    public func firstNonFiniteDailyValue() -> (series: String, patient: String, icuDay: Int)? {
        let values = daily.values
        guard let r = values.firstIndex(where: { !$0.isFinite }) else { return nil }
        let seriesCount = max(1, daily.keys.count)
        for p in 0..<daily.patientCount {
            for s in 0..<daily.keys.count where daily.range(patient: p, series: s).contains(r) {
                return (daily.keys[s].description, patients[p].id, Int(daily.days[r]))
            }
        }
        return (daily.keys[r % seriesCount].description, "?", Int(daily.days[r]))
    }
}

/// One screened patient.
public struct ScreenedPatient: Sendable, Equatable {
    public var id: String
    /// Index in `StudyData.patients`.
    public var studyIndex: Int
    /// Treated (received the treatment) or control; `nil` when the patient has no ICU course.
    public var group: StudyGroup?
    /// Every exclusion that applies, in flow order; empty when included.
    public var exclusions: [CohortExclusion]
    /// Patient number in `DerivedCohort.patients` when included.
    public var cohortIndex: Int?
}

/// Why a screened patient is not analysed: one of the protocol's exclusion rules (by name), no
/// ICU course, or (controls) not in the ICU on the alignment day. Encoded as its name.
public struct CohortExclusion: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String

    public init(_ name: String) { self.name = name }

    /// The protocol's exclusion rule `rule`.
    public init(_ rule: ExclusionRule) { self.name = rule.name }

    /// No row in `icu_course.csv`.
    public static let noICUCourse = CohortExclusion("no_icu_course")
    /// A control that left the ICU (discharge or death) before its alignment day began.
    public static let notInICUOnAlignmentDay = CohortExclusion("not_in_icu_on_alignment_day")
    public static let immunocompromised = CohortExclusion(ExclusionRule.immunocompromised)
    public static let consentRefused = CohortExclusion(ExclusionRule.consentRefused)

    public var description: String { name }

    public init(from decoder: any Decoder) throws {
        name = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }
}

/// The flow diagram: each excluded patient counted once, under the first reason in flow order
/// (the protocol's exclusions, then no ICU course, then controls not in the ICU).
public struct CohortFlow: Sendable, Equatable, Codable {
    public struct Count: Sendable, Equatable, Codable {
        public var reason: CohortExclusion
        /// What the flow diagram shows (the protocol's label).
        public var label: String
        public var count: Int
    }

    public var screened: Int
    /// Exclusions before alignment, in flow order, zero counts included.
    public var excludedBeforeAlignment: [Count]
    /// Screened minus the exclusions before alignment.
    public var eligible: Int
    public var treated: Int
    public var eligibleControls: Int
    /// Controls no longer in the ICU on the alignment day (excluded when the protocol says so).
    public var controlsNotInICU: Int
    /// Controls analysed.
    public var controls: Int
    public var analysed: Int
    /// ICU day of the controls' day 0 (the treated median start day, or the fixed day); `nil`
    /// when there are no eligible controls and no treated patients.
    public var controlAlignmentDay: Int?
    /// The treated start days' median before rounding (e.g. 12.5), for the report.
    public var treatedMedianStartDay: Double?

    /// The count excluded for `reason` before alignment.
    public func excluded(_ reason: CohortExclusion) -> Int {
        reason == .notInICUOnAlignmentDay ? controlsNotInICU : (excludedBeforeAlignment.first { $0.reason == reason }?.count ?? 0)
    }
}

/// An included patient.
public struct CohortPatient: Sendable, Equatable {
    public var id: String
    /// Index in `StudyData.patients`.
    public var studyIndex: Int
    public var group: StudyGroup
    /// The ICU day that is this patient's day 0.
    public var day0: Int
    /// First treatment ICU day (treated only).
    public var treatmentStartDay: Int?
}

/// The counts of every rule that changes or drops values.
public struct RuleCounts: Sendable, Equatable, Codable {
    /// Temperature imputation (all ICU days of the included patients).
    public var imputation: ImputationCounts
    /// SOFA days with a total, and days without one (no component, or too few).
    public var sofaDaysScored: Int
    public var sofaDaysWithMissingComponents: Int
    public var sofaDaysWithoutTotal: Int
    /// Included treated patients whose first treatment administration lies before ICU
    /// admission (negative time); it still defines day 0 (a negative ICU day).
    public var treatmentBeforeAdmission: Int
}

/// What the temperature imputation did, by kind of change.
public struct ImputationCounts: Sendable, Equatable, Codable {
    /// Flagged days (non-zero `actively_cooled`).
    public var flaggedDays = 0
    /// Days set to the value: measured value was higher.
    public var lowered = 0
    /// Measured value was lower.
    public var raised = 0
    /// Measured value already equal.
    public var unchanged = 0
    /// No temperature that day; one was created (`impute_unmeasured_days`).
    public var created = 0
    /// Flagged days without a temperature left empty (`impute_unmeasured_days: false`).
    public var leftUnmeasured = 0
    /// Flagged days whose measured value was kept (`lower_only`: not above the value).
    public var kept = 0

    /// Days whose value is the imputed one.
    public var imputed: Int { lowered + raised + unchanged + created }
}

/// Why derivation could not run.
public enum DerivationError: Error, Sendable, CustomStringConvertible {
    /// The protocol breaks its rules for this study (e.g. names a parameter the study lacks).
    case invalidProtocol([ProtocolIssue])
    /// The controls' day 0 is the treated median start day, but no eligible patient was treated.
    case noTreatedPatients(drug: String)
    /// More measurement (or cytokine) rows than the derivation's 32-bit row numbers address.
    case tooManyRows(table: String, count: Int)
    /// Measurement rows given to a `CohortDeriver` out of patient order: a reader that streams
    /// rows in stored order catches this and reads them again sorted by patient.
    case measurementsNotGroupedByPatient(patient: String)

    public var description: String {
        switch self {
        case .invalidProtocol(let issues):
            "the protocol is not valid for this study:\n" + issues.map(\.description).joined(separator: "\n")
        case .noTreatedPatients(let drug):
            "no eligible patient received \(drug): the controls' alignment day (the treated median start day) is undefined"
        case .tooManyRows(let table, let n):
            "the study has \(n) rows in \(table); one derivation handles at most \(Int32.max) (split the study by site or period)"
        case .measurementsNotGroupedByPatient(let id):
            "the measurement rows of patient \(id) came after those of a later patient (rows must be grouped by patient in study order)"
        }
    }
}
