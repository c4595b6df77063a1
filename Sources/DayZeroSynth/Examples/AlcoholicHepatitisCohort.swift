import DayZeroCohort
import Foundation

/// The second built-in example: a synthetic cohort of **severe alcoholic hepatitis in the ICU**,
/// treated or not with prednisolone (`docs/examples.md`). A different shape from the Kooistra
/// cohort: treatment starts on ICU day 0–2 (not day 12), the baseline characteristics are
/// declared by the study (`variables.csv`: Maddrey discriminant function, MELD, hepatic
/// encephalopathy grade, ascites, infection at admission), the exclusions are rules over a
/// declared variable and an event, INR is a parameter the study declares (`parameters.csv`),
/// and the outcomes run over a year with liver transplantation competing with death.
///
/// A cohort is a sequence of blocks of 200 screened patients. Every block has exactly:
/// 14 patients with a Maddrey discriminant function below 32 (one of them also bled), 10 with
/// gastrointestinal bleeding on ICU day 0 or 1, 80 treated with prednisolone (first dose on ICU
/// day 0 for 30, day 1 for 28, day 2 for 22: median day 1), 4 untreated patients who died on
/// ICU day 0 (before the controls' alignment day 1) and 92 controls. The values are random
/// draws from the distributions in `docs/examples.md`.
///
/// Randomness: ``Xoshiro256StarStar`` only (one stream per block for the roles, one per
/// patient for the values), so the same seed and size give byte-identical files.
public enum AlcoholicHepatitisCohort {
    /// The name of the example (`--example alcoholic-hepatitis`).
    public static let exampleName = "alcoholic-hepatitis"

    /// The seed of the bundled cohort (the publication date of STOPAH, Thursz et al.,
    /// N Engl J Med 2015;372:1619–1628: 23 April 2015).
    public static let defaultSeed: UInt64 = 20_150_423

    /// Screened patients per block, and in the bundled cohort.
    public static let defaultPatientCount = 200

    /// The study's sites.
    public static let sites = ["Hospital A", "Hospital B"]

    /// The drug that makes a patient treated.
    public static let drug = "prednisolone"

    /// The bundled cohort: ``defaultSeed``, ``defaultPatientCount`` patients.
    public static let `default`: StudyData = build(seed: defaultSeed, patients: defaultPatientCount)

    /// The baseline variables the study declares (`variables.csv`), in declaration order
    /// (`Patient.declared` holds their values in this order).
    public static let variables: [BaselineVariable] = [
        BaselineVariable(name: "maddrey", label: "Maddrey discriminant function", kind: .continuous, minimum: 0, maximum: 400),
        BaselineVariable(name: "meld", label: "MELD score", kind: .continuous, unit: "points", minimum: 6, maximum: 40),
        BaselineVariable(
            name: "he_grade", label: "Hepatic encephalopathy (West Haven grade)", kind: .categorical,
            levels: ["0", "1", "2", "3", "4"],
            levelLabels: ["None", "Grade 1", "Grade 2", "Grade 3", "Grade 4"]),
        BaselineVariable(name: "ascites", label: "Ascites", kind: .binary),
        BaselineVariable(name: "infection_admission", label: "Infection at ICU admission", kind: .binary),
    ]

    /// The parameters the study adds to the catalog (`parameters.csv`): INR.
    public static let parameters: [ParameterDefinition] = [
        ParameterDefinition(name: "inr", label: "INR", unit: "ratio", aggregation: .max, minimum: 0.5, maximum: 15),
    ]

    /// The cohort in memory (small cohorts: tests, the bundled example).
    public static func generate(seed: UInt64 = defaultSeed, patients: Int = defaultPatientCount) throws -> StudyData {
        guard patients >= 0 else { throw SynthError.invalidPatientCount(patients) }
        return build(seed: seed, patients: patients)
    }

    /// Writes the cohort as a study folder (`patients`, `icu_course`, `measurements`,
    /// `medications`, `events`, `parameters`, `variables`), streaming patient by patient.
    @discardableResult
    public static func write(
        seed: UInt64 = defaultSeed, patients: Int = defaultPatientCount, to folder: URL,
        progress: (SynthesisProgress) -> Void = { _ in }
    ) throws -> SyntheticWriteSummary {
        guard patients >= 0 else { throw SynthError.invalidPatientCount(patients) }
        let writer = try ExampleFolderWriter(folder: folder, variables: variables, parameters: parameters)
        var done = 0
        try forEachRecord(seed: seed, patients: patients) { record in
            try writer.write(record)
            done += 1
            if done % 1_000 == 0 { progress(SynthesisProgress(patientsDone: done, patientsTotal: patients)) }
        }
        let (rows, bytes) = try writer.close()
        if done % 1_000 != 0 || done == 0 { progress(SynthesisProgress(patientsDone: done, patientsTotal: patients)) }
        return SyntheticWriteSummary(patients: patients, rows: rows, bytes: bytes)
    }

    static func build(seed: UInt64, patients: Int) -> StudyData {
        var study = StudyData(declaredParameters: parameters, baselineVariables: variables)
        forEachRecord(seed: seed, patients: patients) { record in
            study.patients.append(record.patient)
            study.courses.append(record.course)
            study.measurements.append(contentsOf: record.measurements.map(\.0))
            study.medications.append(contentsOf: record.medications)
            study.events.append(contentsOf: record.events)
        }
        return study
    }

    static func forEachRecord(seed: UInt64, patients: Int, _ body: (PatientRecord) throws -> Void) rethrows {
        guard patients > 0 else { return }
        let idWidth = max(4, String(patients).count)
        var index = 0
        var block = 0
        while index < patients {
            let roles = AHRole.block(block, seed: seed)
            for role in roles.prefix(patients - index) {
                try body(AHPatientGenerator.record(index: index, role: role, seed: seed, idWidth: idWidth))
                index += 1
            }
            block += 1
        }
    }
}

/// What a screened patient is in the flow.
enum AHRole: Sendable, Equatable {
    /// Maddrey discriminant function below 32 (excluded by the first rule); `alsoBleeds`: also
    /// gastrointestinal bleeding on ICU day 0–1 (still counted under the first rule).
    case maddreyBelow32(alsoBleeds: Bool)
    /// Gastrointestinal bleeding on ICU day 0 or 1.
    case earlyBleeding
    /// Prednisolone from ICU day `startDay`.
    case treated(startDay: Int)
    /// Untreated, died on ICU day 0 (before the controls' alignment day 1).
    case diedOnDayZero
    case control

    /// The roles of one block of 200, shuffled with the block's own stream.
    static func block(_ block: Int, seed: UInt64) -> [AHRole] {
        var roles: [AHRole] = Array(repeating: .maddreyBelow32(alsoBleeds: false), count: 13)
        roles.append(.maddreyBelow32(alsoBleeds: true))
        roles += Array(repeating: .earlyBleeding, count: 10)
        roles += Array(repeating: .treated(startDay: 0), count: 30)
        roles += Array(repeating: .treated(startDay: 1), count: 28)
        roles += Array(repeating: .treated(startDay: 2), count: 22)
        roles += Array(repeating: .diedOnDayZero, count: 4)
        roles += Array(repeating: .control, count: 92)
        var rng = Xoshiro256StarStar(seed: seed, stream: 0x4148_424C_0000_0000 &+ UInt64(block))
        rng.shuffle(&roles)
        return roles
    }

    var isTreated: Bool { if case .treated = self { true } else { false } }
    var startDay: Int? { if case .treated(let day) = self { day } else { nil } }
    /// Included in the analysis (not excluded by a rule, in the ICU on the alignment day).
    var isAnalysed: Bool {
        switch self {
        case .treated, .control: true
        default: false
        }
    }
}

/// One patient of the alcoholic-hepatitis example, from its role and its own random stream.
enum AHPatientGenerator {
    static let infectionSources = [
        "blood culture: Escherichia coli", "blood culture: Staphylococcus aureus", "ascitic fluid: spontaneous bacterial peritonitis",
        "sputum: Klebsiella pneumoniae", "urine: Enterococcus faecalis", "BAL: Aspergillus fumigatus",
    ]
    /// Hospital B reports bilirubin and creatinine in mg/dL (converted on import).
    static let bilirubinMgdL = ParameterCatalog.definition(named: "bilirubin")?.conversion(for: "mg/dL")
    static let creatinineMgdL = ParameterCatalog.definition(named: "creatinine")?.conversion(for: "mg/dL")

    /// The day the controls are aligned on (the treated median start day).
    static let controlDay0 = 1
    /// Administrative end of follow-up, ICU days (beyond the 365-day horizon from day 0 ≤ 2).
    static let followUpDays = 400.0

    static func record(index: Int, role: AHRole, seed: UInt64, idWidth: Int) -> PatientRecord {
        var rng = Xoshiro256StarStar(seed: seed, stream: 0x4148_5041_0000_0000 &+ UInt64(index))
        let id = PatientGenerator.patientID(index, width: idWidth)
        let treated = role.isTreated
        let site = AlcoholicHepatitisCohort.sites[rng.bernoulli(0.6) ? 0 : 1]
        let sex: Sex = rng.bernoulli(0.68) ? .male : .female
        let age = min(75, max(28, rng.normal(mean: 50, sd: 9))).rounded()
        let bmiDrawn = roundTo(min(45, max(17, rng.normal(mean: 27, sd: 4.5))), decimals: 1)
        let bmi: Double? = rng.bernoulli(0.08) ? nil : bmiDrawn

        // Maddrey: ≥ 32 for the included (32 + log-normal, median 56); 18–31.9 below the threshold.
        let maddreyDrawn: Double
        if case .maddreyBelow32 = role {
            maddreyDrawn = roundTo(rng.uniform(18, 31.9), decimals: 1)
        } else {
            maddreyDrawn = roundTo(32.1 + rng.logNormal(median: 24, sdLog: 0.55), decimals: 1)
        }
        // A few included patients have no recorded Maddrey (unknown: no exclusion rule applies).
        let maddreyUnknown = role.isAnalysed && rng.bernoulli(0.03)
        let maddrey: Double? = maddreyUnknown ? nil : min(400, maddreyDrawn)
        // MELD rises with Maddrey; untreated patients are sicker (confounding by indication).
        let meldDrawn = min(40, max(12, (18 + 0.12 * (maddreyDrawn - 32) + (treated ? 0 : 1.5) + rng.normal(mean: 0, sd: 3.5)).rounded()))
        let meld: Double? = rng.bernoulli(0.04) ? nil : meldDrawn
        let gradeWeights = treated ? [0.25, 0.25, 0.25, 0.15, 0.10] : [0.20, 0.20, 0.25, 0.20, 0.15]
        let grade = pick(gradeWeights, rng.uniform())
        let gradeKnown = !rng.bernoulli(0.03)
        let ascites = rng.bernoulli(0.7)
        let ascitesKnown = !rng.bernoulli(0.04)
        let infected = rng.bernoulli(treated ? 0.12 : 0.35)
        let infectionKnown = !rng.bernoulli(0.04)
        let patient = Patient(
            id: id, site: site, sex: sex, age: age, bmi: bmi, unknownHistory: Set(Comorbidity.allCases),
            immunocompromised: nil, consentRefused: nil,
            declared: [
                maddrey, meld, gradeKnown ? Double(grade) : nil, ascitesKnown ? (ascites ? 1 : 0) : nil,
                infectionKnown ? (infected ? 1 : 0) : nil,
            ])

        // The ICU course. Day 0 of the analysis: the start day (treated) or ICU day 1 (controls).
        let day0 = role.startDay ?? controlDay0
        let sickness = exp(0.05 * (meldDrawn - 24)) * (grade >= 3 ? 1.4 : 1) * (infected ? 1.2 : 1)
        let death28Hazard = 0.0115 * sickness * (treated ? 0.7 : 1)
        var death = firstEvent(hazards: [(0, death28Hazard), (Double(day0) + 28, 0.0030), (Double(day0) + 90, 0.00115)], rng: &rng)
        var transplant = firstEvent(hazards: [(0, 0), (14, 0.0012), (90, 0.0002)], rng: &rng)
        var lost: Double? = rng.bernoulli(0.08) ? rng.uniform(35, 85) : nil
        var stay = min(60, max(1.5, rng.logNormal(median: 6, sdLog: 0.6)))
        switch role {
        case .diedOnDayZero:
            death = rng.uniform(0.3, 0.9)
            transplant = nil
            lost = nil
        case .treated(let start):
            // Alive and in the ICU when prednisolone starts, and beyond that day.
            stay = max(stay, Double(start) + 1.5 + rng.uniform(0, 1))
            if let d = death { death = max(d, Double(start) + 1.3 + rng.uniform(0, 1)) }
        default:
            // Controls stay in the ICU into their alignment day (ICU day 1).
            if let d = death { death = max(d, 1.3 + rng.uniform(0, 1)) }
        }
        // Liver transplantation competes with death; after it, a low hazard of death.
        if let t = transplant, death.map({ t < $0 }) ?? true {
            let after = firstEvent(hazards: [(t, 0.0002)], rng: &rng)
            death = after
        } else {
            transplant = nil
        }
        // Lost to follow-up: alive and untransplanted at the loss time.
        if let l = lost, death.map({ $0 > l }) ?? true, transplant.map({ $0 > l }) ?? true {
            death = nil
            transplant = nil
        } else {
            lost = nil
        }
        var discharge = roundTo(stay, decimals: 2)
        if let d = death {
            death = roundTo(d, decimals: 2)
            if d <= stay { discharge = roundTo(d, decimals: 2) }
        }
        if let t = transplant { transplant = roundTo(max(t, discharge + 1), decimals: 2) }
        if let t = transplant, let d = death, d <= t { death = roundTo(t + 1, decimals: 2) }
        let followUpEnd: Double? = death != nil ? nil : roundTo(lost.map { max($0, discharge + 1) } ?? followUpDays, decimals: 2)
        let diesInICU = death.map { $0 <= discharge } ?? false

        // Ventilation: mostly patients with grade 3–4 encephalopathy (airway protection).
        var ventilationStart: Double?
        var ventilationEnd: Double?
        let ventilated = role != .diedOnDayZero && rng.bernoulli(grade >= 3 ? 0.75 : 0.12)
        if ventilated {
            let start = roundTo(rng.uniform(0, 0.8), decimals: 2)
            let duration = rng.logNormal(median: 4, sdLog: 0.6)
            ventilationStart = start
            if start + duration < discharge {
                ventilationEnd = roundTo(start + duration, decimals: 2)
            } else if !diesInICU {
                ventilationEnd = roundTo(start + (discharge - start) * rng.uniform(0.5, 0.9), decimals: 2)
            }  // else: still ventilated at an ICU death
        }
        let course = ICUCourse(
            patientID: id, discharge: discharge, ventilationStart: ventilationStart, ventilationEnd: ventilationEnd,
            death: death, followUpEnd: followUpEnd)
        var record = PatientRecord(patient: patient, course: course)
        let lastICUDay = icuDay(discharge)

        // Events: gastrointestinal bleeding (the exclusion on ICU day 0–1; a few on day 2, just
        // outside the rule's window), secondary infections, liver transplantation.
        switch role {
        case .earlyBleeding, .maddreyBelow32(alsoBleeds: true):
            let day = rng.bernoulli(0.5) ? 0 : 1
            let time = min(discharge, Double(day) + rng.uniform(0.1, 0.9))
            record.events.append(ClinicalEvent(patientID: id, event: "gi_bleeding", time: roundTo(time, decimals: 2), detail: "variceal"))
        default:
            if role.isAnalysed && lastICUDay >= 3 && rng.bernoulli(0.03) {
                record.events.append(ClinicalEvent(patientID: id, event: "gi_bleeding", time: 2.5, detail: "peptic ulcer"))
            }
        }
        if role.isAnalysed, rng.bernoulli(treated ? 0.32 : 0.20) {
            let time = roundTo(Double(day0) + rng.uniform(2, 27), decimals: 2)
            let end = death ?? followUpEnd ?? discharge
            let source = infectionSources[rng.integer(in: 0...(infectionSources.count - 1))]
            if time < end {
                record.events.append(ClinicalEvent(patientID: id, event: "secondary_infection", time: time, detail: source))
            }
        }
        if let t = transplant {
            record.events.append(ClinicalEvent(patientID: id, event: "liver_transplant", time: t))
        }

        // Prednisolone 40 mg once daily from the start day while in the ICU (the 28-day course
        // continues on the ward, outside the ICU data).
        if let start = role.startDay {
            for day in start...max(start, min(lastICUDay, start + 27)) {
                record.medications.append(MedicationAdministration(
                    patientID: id, drug: AlcoholicHepatitisCohort.drug, time: Double(day), dose: 40, doseUnit: "mg"))
            }
        }

        // Daily laboratory values in the ICU (integer ICU days): bilirubin, creatinine, INR, WBC;
        // then the weekly hepatology clinic visits after ICU discharge (weeks 1–12 after day 0,
        // while followed, alive and not transplanted), drawn from a stream of their own so that
        // everything else of the patient is the same with or without them.
        var visits = Xoshiro256StarStar(seed: seed, stream: 0x4148_5649_0000_0000 &+ UInt64(index))
        let observedUntil = [death, followUpEnd, transplant].compactMap { $0 }.min() ?? discharge
        appendLabs(
            id: id, site: site, maddrey: maddreyDrawn, treated: treated, day0: day0, lastDay: lastICUDay,
            clinicUntil: role.isAnalysed ? observedUntil : nil, into: &record, rng: &rng, visitRNG: &visits)
        return record
    }

    /// Index of the weight `u` falls into (weights sum to 1).
    static func pick(_ weights: [Double], _ u: Double) -> Int {
        var sum = 0.0
        for (k, w) in weights.enumerated() {
            sum += w
            if u < sum { return k }
        }
        return weights.count - 1
    }

    /// The first event of a piecewise-constant hazard (per day; each piece from its start time
    /// to the next), by inversion of one exponential draw; `nil` if none before `followUpDays`.
    static func firstEvent(hazards: [(from: Double, rate: Double)], rng: inout Xoshiro256StarStar) -> Double? {
        var budget = rng.exponential(mean: 1)
        for (k, piece) in hazards.enumerated() {
            let end = k + 1 < hazards.count ? hazards[k + 1].from : followUpDays
            guard end > piece.from else { continue }
            let mass = piece.rate * (end - piece.from)
            if budget < mass, piece.rate > 0 { return piece.from + budget / piece.rate }
            budget -= mass
        }
        return nil
    }

    struct LabSeries {
        var parameter: String
        var unit: String
        var decimals: Int
        var admission: Double
        /// Natural-log change per day after day 0, treated and controls.
        var slopeTreated: Double
        var slopeControl: Double
        /// Step on day 0 (log), treated and controls.
        var stepTreated: Double
        var noise: Double
        var range: ClosedRange<Double>
        var alternative: UnitConversion?
    }

    /// The weekly clinic visits after ICU discharge: weeks 1…12 after day 0.
    static let clinicWeeks = 1...12

    static func appendLabs(
        id: String, site: String, maddrey: Double, treated: Bool, day0: Int, lastDay: Int, clinicUntil: Double?,
        into record: inout PatientRecord, rng: inout Xoshiro256StarStar, visitRNG: inout Xoshiro256StarStar
    ) {
        // Admission bilirubin follows Maddrey (DF = 4.6 × prolonged PT + bilirubin in mg/dL).
        let bilirubin = min(900, max(80, maddrey * 0.3 * 17.104 * rng.logNormal(median: 1, sdLog: 0.15)))
        let siteB = site == AlcoholicHepatitisCohort.sites[1]
        let series = [
            LabSeries(
                parameter: "bilirubin", unit: "µmol/L", decimals: 0, admission: bilirubin, slopeTreated: -0.03, slopeControl: -0.008,
                stepTreated: 0, noise: 0.06, range: 5...1500, alternative: siteB ? bilirubinMgdL : nil),
            LabSeries(
                parameter: "creatinine", unit: "µmol/L", decimals: 0, admission: min(600, max(40, rng.logNormal(median: 105, sdLog: 0.5))),
                slopeTreated: -0.005, slopeControl: 0.004, stepTreated: 0, noise: 0.08, range: 20...2000,
                alternative: siteB ? creatinineMgdL : nil),
            LabSeries(
                parameter: "inr", unit: "ratio", decimals: 2, admission: min(4, max(1.2, rng.logNormal(median: 1.9, sdLog: 0.18))),
                slopeTreated: -0.010, slopeControl: -0.004, stepTreated: 0, noise: 0.04, range: 0.8...12, alternative: nil),
            LabSeries(
                parameter: "wbc", unit: "10^9/L", decimals: 1, admission: min(40, max(3, rng.logNormal(median: 12, sdLog: 0.4))),
                slopeTreated: -0.01, slopeControl: -0.01, stepTreated: 0.15, noise: 0.1, range: 1...80, alternative: nil),
        ]
        var values: [[Double?]] = []
        var lastLevels: [Double] = []
        for s in series {
            var level = log(s.admission)
            var offset = 0.0
            var days: [Double?] = []
            for day in 0...max(0, lastDay) {
                if day > 0 {
                    offset = 0.6 * offset + rng.normal(mean: 0, sd: s.noise)
                    if day > day0 { level += treated ? s.slopeTreated : s.slopeControl }
                    if day == day0 + 1 && treated { level += s.stepTreated }  // leukocytosis after the first dose
                }
                let missing = day > 0 && day != day0 && rng.bernoulli(0.04)
                let value = min(s.range.upperBound, max(s.range.lowerBound, exp(level + (day > 0 ? offset : 0))))
                days.append(missing ? nil : roundTo(value, decimals: s.decimals))
            }
            values.append(days)
            lastLevels.append(level)
        }
        // Day by day, in series order (one draw per written value for its unit).
        for day in 0...max(0, lastDay) {
            for (k, s) in series.enumerated() {
                guard let value = values[k][day] else { continue }
                if let alternative = s.alternative {
                    let decimals = s.parameter == "bilirubin" ? 1 : 2
                    let written = roundTo(alternative.fromCanonical(value), decimals: decimals)
                    record.measurements.append((Measurement(
                        patientID: id, time: Double(day), parameter: s.parameter, value: alternative.toCanonical(written),
                        sourceValue: written, sourceUnit: alternative.unit), decimals))
                } else {
                    record.measurements.append((Measurement(
                        patientID: id, time: Double(day), parameter: s.parameter, value: value, sourceUnit: s.unit), s.decimals))
                }
            }
        }
        // Clinic visits (morning, ICU day v + 0.4) after discharge: the course goes on at half
        // the ICU slope, with visit-to-visit noise; all four labs, written in the canonical unit.
        guard let until = clinicUntil else { return }
        for week in clinicWeeks {
            let v = day0 + 7 * week
            let time = Double(v) + 0.4
            guard v > lastDay, time < until else { continue }
            guard !visitRNG.bernoulli(0.1) else { continue }  // a missed visit
            for (k, s) in series.enumerated() {
                let slope = 0.5 * (treated ? s.slopeTreated : s.slopeControl)
                let level = lastLevels[k] + slope * Double(v - lastDay) + visitRNG.normal(mean: 0, sd: s.noise * 1.5)
                let value = roundTo(min(s.range.upperBound, max(s.range.lowerBound, exp(level))), decimals: s.decimals)
                record.measurements.append((Measurement(
                    patientID: id, time: time, parameter: s.parameter, value: value, sourceUnit: s.unit), s.decimals))
            }
        }
    }
}
