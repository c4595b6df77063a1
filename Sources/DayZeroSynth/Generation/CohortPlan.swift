import DayZeroCohort
import Foundation

/// What happened to a screened patient in the study flow.
enum PatientRole: Sendable, Equatable {
    /// Excluded: pre-existing immunocompromised state.
    case immunocompromised
    /// Excluded: declined participation; has only `patients` and `icu_course` rows.
    case consentRefused
    /// Received anakinra; analysed.
    case treated
    /// No anakinra, still in the ICU on ICU day 12; analysed.
    case control
    /// No anakinra, ICU stay ended before ICU day 12: excluded at alignment.
    case controlGoneBeforeAlignment

    /// Whether the patient is in the paper's analysed 60.
    var isAnalysed: Bool { self == .treated || self == .control }
}

/// A course of a drug on consecutive ICU days (one administration per day).
struct MedicationCourse: Sendable {
    var drug: String
    var days: ClosedRange<Int>
    var dose: Double
}

/// A patient's proteomics pair: the days and the NPX values, one per panel assay.
struct ProteomicsPlan: Sendable {
    var preDay: Int
    var postDay: Int
    var pre: [Double]
    var post: [Double]
    var preWarning: Bool
    var postWarning: Bool
}

/// Everything about one patient that is decided at the level of the block of 78 (so that the
/// paper's counts come out exact): role, sex, comorbidities, the ICU course, outcomes,
/// medication courses, anchors of the daily series, proteomics. The daily values themselves
/// are drawn later, from the patient's own random stream.
struct PatientPlan: Sendable {
    var index: Int
    var role: PatientRole
    var site: String
    var sex: Sex
    var comorbidities: Set<Comorbidity> = []
    var age: Double = 0
    var bmi: Double = 0
    var apacheII: Double = 0
    var symptomDays: Double = 0
    /// Day 0 of the aligned timeline on the ICU-day scale: the first anakinra day for treated
    /// patients, ``PaperTargets/alignmentDay`` for everyone else.
    var alignmentDay: Int = PaperTargets.alignmentDay
    var discharge: Double = 0
    var death: Double?
    var ventilationStart: Double = 0
    var ventilationEnd: Double?
    var followUpEnd: Double?
    /// ICU days of positive cultures.
    var infectionDays: [Int] = []
    var courses: [MedicationCourse] = []
    /// Per series of ``PaperTargets/series``: the value on ICU day 0 and on the alignment day.
    var admissionAnchors: [Double] = []
    var alignmentAnchors: [Double] = []
    /// Norepinephrine dose on ICU day 0 and on the alignment day (0 = off).
    var norepinephrineAdmission: Double = 0
    var norepinephrineAlignment: Double = 0
    /// Actively cooled for fever > 40 °C on the days up to and including the alignment day.
    var activelyCooled = false
    var proteomics: ProteomicsPlan?
    /// The calibrated kinetics of an analysed patient (empty for the others, whose daily noise
    /// comes from their own stream): see ``KineticsPlan``.
    var kinetics: KineticsPlan?

    /// The last ICU day with data: the day of ICU discharge (or death in the ICU).
    var lastDay: Int { icuDay(discharge) }
}

/// Builds the patients of one block of 78 screened patients. Each block reproduces the
/// paper's flow and every count-based row of Table 1 exactly, by dealing out fixed counts to
/// shuffled patients; larger cohorts are made of independent blocks (different random
/// streams), so every proportion holds at any size and memory stays bounded.
enum CohortPlanner {
    static let blockSize = PaperTargets.screened

    /// The plans of block `block` of the cohort with `seed`.
    static func block(_ block: Int, seed: UInt64) -> [PatientPlan] {
        var rng = Xoshiro256StarStar(seed: seed, stream: 0x424C_4F43_4B00_0000 &+ UInt64(block))
        var roles: [PatientRole] =
            Array(repeating: .immunocompromised, count: PaperTargets.immunocompromised)
            + Array(repeating: .consentRefused, count: PaperTargets.consentRefused)
            + Array(repeating: .treated, count: PaperTargets.treated)
            + Array(repeating: .control, count: PaperTargets.controls)
            + Array(repeating: .controlGoneBeforeAlignment, count: PaperTargets.controlsGoneBeforeAlignment)
        rng.shuffle(&roles)
        var plans = roles.enumerated().map { offset, role in
            PatientPlan(
                index: block * blockSize + offset, role: role,
                site: rng.bernoulli(0.72) ? "Radboudumc" : "Bernhoven", sex: .female)
        }
        let treated = plans.indices.filter { plans[$0].role == .treated }
        let controls = plans.indices.filter { plans[$0].role == .control }
        let others = plans.indices.filter { !plans[$0].role.isAnalysed }

        assignSexAndHistory(&plans, treated: treated, controls: controls, others: others, rng: &rng)
        assignBaseline(&plans, treated: treated, controls: controls, others: others, rng: &rng)
        assignCourses(&plans, treated: treated, controls: controls, others: others, rng: &rng)
        assignInfections(&plans, treated: treated, controls: controls, others: others, rng: &rng)
        assignMedication(&plans, treated: treated, controls: controls, others: others, rng: &rng)
        assignAnchors(&plans, treated: treated, controls: controls, others: others, rng: &rng)
        assignProteomics(&plans, treated: treated, controls: controls, rng: &rng)
        // The kinetics draw from their own stream, so that calibrating them moves nothing else.
        var kineticsRNG = Xoshiro256StarStar(seed: seed, stream: 0x4B49_4E45_0000_0000 &+ UInt64(block))
        assignKinetics(&plans, treated: treated, controls: controls, rng: &kineticsRNG)
        return plans
    }

    // MARK: Sex and medical history (Table 1 counts)

    private static func assignSexAndHistory(
        _ plans: inout [PatientPlan], treated: [Int], controls: [Int], others: [Int], rng: inout Xoshiro256StarStar
    ) {
        for (group, males) in [(treated, PaperTargets.male.treated), (controls, PaperTargets.male.control)] {
            for (rank, index) in rng.shuffled(group).enumerated() {
                plans[index].sex = rank < males ? .male : .female
            }
        }
        let analysedMale = Double(PaperTargets.male.treated + PaperTargets.male.control)
            / Double(PaperTargets.treated + PaperTargets.controls)
        for index in others {
            plans[index].sex = rng.bernoulli(analysedMale) ? .male : .female
        }
        for (comorbidity, inTreated, inControls) in PaperTargets.comorbidities {
            for index in rng.shuffled(treated).prefix(inTreated) { plans[index].comorbidities.insert(comorbidity) }
            for index in rng.shuffled(controls).prefix(inControls) { plans[index].comorbidities.insert(comorbidity) }
            let rate = Double(inTreated + inControls) / Double(PaperTargets.treated + PaperTargets.controls)
            for index in others where rng.bernoulli(rate) { plans[index].comorbidities.insert(comorbidity) }
        }
        // An immunocompromised state is often a recorded immunological insufficiency or a
        // haematological malignancy; the exclusion flag is what excludes them.
        for index in others where plans[index].role == .immunocompromised {
            if rng.bernoulli(0.5) { plans[index].comorbidities.insert(.immunologicalInsufficiency) }
            if rng.bernoulli(0.25) { plans[index].comorbidities.insert(.hematologicMalignancy) }
        }
    }

    // MARK: Age, BMI, APACHE II, symptom days, start day

    private static func assignBaseline(
        _ plans: inout [PatientPlan], treated: [Int], controls: [Int], others: [Int], rng: inout Xoshiro256StarStar
    ) {
        let groups: [([Int], Bool)] = [(treated, true), (controls, false), (others, false)]
        for (group, isTreated) in groups {
            func pick(_ targets: (treated: QuantileTarget, control: QuantileTarget)) -> [Double] {
                (isTreated ? targets.treated : targets.control).stratifiedSample(count: group.count, using: &rng)
            }
            let ages = pick(PaperTargets.age)
            let bmis = pick(PaperTargets.bmi)
            let apaches = pick(PaperTargets.apacheII)
            let symptoms = pick(PaperTargets.symptomDays)
            for (k, index) in group.enumerated() {
                plans[index].age = ages[k].rounded()
                plans[index].bmi = roundTo(bmis[k], decimals: 1)
                plans[index].apacheII = apaches[k].rounded()
                plans[index].symptomDays = symptoms[k].rounded()
            }
        }
        // First anakinra day: stratified around a median forced to exactly 12, so at most
        // 10 of every 21 start before day 12 and at most 10 after it — the median of any
        // number of blocks is then 12 as well. Hyperinflammation comes about three weeks
        // after the first symptoms, so late presenters start early (negative rank pairing).
        var starts = PaperTargets.startDay.stratifiedSample(count: treated.count, using: &rng).map { $0.rounded() }.sorted()
        if !starts.isEmpty {
            let middle = starts.count / 2
            let median = Double(PaperTargets.alignmentDay)
            for k in starts.indices {
                if k < middle { starts[k] = min(starts[k], median) }
                else if k > middle { starts[k] = max(starts[k], median) }
                else { starts[k] = median }
            }
        }
        let symptoms = treated.map { plans[$0].symptomDays }
        let paired = pairByRank(starts, with: symptoms, noise: 0.35, descending: true, using: &rng)
        for (k, index) in treated.enumerated() {
            plans[index].alignmentDay = Int(paired[k])
        }
    }

    // MARK: ICU course, deaths, ventilation

    private static func assignCourses(
        _ plans: inout [PatientPlan], treated: [Int], controls: [Int], others: [Int], rng: inout Xoshiro256StarStar
    ) {
        // ICU stay after the alignment day (Fig. 4b).
        for (group, target) in [(treated, PaperTargets.icuStayAfterAlignment.treated),
                                (controls, PaperTargets.icuStayAfterAlignment.control)] {
            let stays = target.stratifiedSample(count: group.count, using: &rng)
            for (k, index) in group.enumerated() {
                plans[index].discharge = roundTo(Double(plans[index].alignmentDay) + stays[k], decimals: 2)
            }
        }
        let earlyLimit = Double(PaperTargets.alignmentDay) - 0.1
        let otherStays = PaperTargets.icuStayAfterAlignment.control.stratifiedSample(count: others.count, using: &rng)
        for (k, index) in others.enumerated() {
            let early = plans[index].role == .controlGoneBeforeAlignment || rng.bernoulli(0.2)
            let discharge = early ? rng.uniform(2.5, earlyLimit) : Double(PaperTargets.alignmentDay) + otherStays[k]
            plans[index].discharge = roundTo(discharge, decimals: 2)
        }

        // 28-day deaths after the alignment day, exact per group.
        for (group, deaths) in [(treated, PaperTargets.deaths28.treated), (controls, PaperTargets.deaths28.control)] {
            func stay(_ index: Int) -> Double { plans[index].discharge - Double(plans[index].alignmentDay) }
            var candidates = rng.shuffled(group.filter { stay($0) >= 2 && stay($0) <= 27.5 })
            candidates += rng.shuffled(group.filter { !(stay($0) >= 2 && stay($0) <= 27.5) })
            for index in candidates.prefix(deaths) {
                let day0 = Double(plans[index].alignmentDay)
                var after = plans[index].discharge - day0
                if after < 2 || after > 27.5 {
                    after = rng.uniform(2, 27)
                    plans[index].discharge = roundTo(day0 + after, decimals: 2)
                }
                if after <= 20 && rng.bernoulli(0.25) {
                    // Died on the ward after ICU discharge, still within 28 days.
                    plans[index].death = roundTo(day0 + after + rng.uniform(1, 27.5 - after), decimals: 2)
                } else {
                    plans[index].death = plans[index].discharge
                }
            }
        }
        // Deaths after day 28 (not 28-day deaths): one late ICU death, one late ward death.
        func alive(_ index: Int) -> Bool { plans[index].death == nil }
        let analysed = treated + controls
        if let late = rng.shuffled(analysed.filter { alive($0) && plans[$0].discharge - Double(plans[$0].alignmentDay) > 31 }).first {
            plans[late].death = plans[late].discharge
        }
        if let ward = rng.shuffled(controls.filter { alive($0) && plans[$0].discharge - Double(plans[$0].alignmentDay) < 20 }).first {
            plans[ward].death = roundTo(Double(plans[ward].alignmentDay) + rng.uniform(32, 60), decimals: 2)
        }
        for index in others where plans[index].role != .consentRefused {
            let diesEarly = plans[index].role == .controlGoneBeforeAlignment ? rng.bernoulli(0.35) : rng.bernoulli(0.25)
            if diesEarly { plans[index].death = plans[index].discharge }
        }

        // Mechanical ventilation: everyone from (about) admission; extubated a little before
        // ICU discharge, on the ventilator at an ICU death; a few analysed patients extubated
        // before their alignment day.
        for index in plans.indices {
            plans[index].ventilationStart = rng.bernoulli(0.9) ? 0 : roundTo(rng.uniform(0.05, 0.4), decimals: 2)
            if let death = plans[index].death, death == plans[index].discharge {
                plans[index].ventilationEnd = nil
            } else {
                let floor = plans[index].role.isAnalysed
                    ? Double(plans[index].alignmentDay) + 0.4 : plans[index].ventilationStart + 0.5
                let gap = 0.3 + rng.gamma(shape: 2, scale: 0.6)
                plans[index].ventilationEnd = roundTo(max(floor, plans[index].discharge - gap), decimals: 2)
            }
        }
        for (group, count) in [(treated, PaperTargets.extubatedBeforeAlignment.treated),
                               (controls, PaperTargets.extubatedBeforeAlignment.control)] {
            func short(_ index: Int) -> Bool { plans[index].discharge - Double(plans[index].alignmentDay) <= 12 }
            var candidates = rng.shuffled(group.filter { alive($0) && short($0) })
            candidates += rng.shuffled(group.filter { alive($0) && !short($0) })
            for index in candidates.prefix(count) {
                let day0 = Double(plans[index].alignmentDay)
                let end = max(1.0, day0 - rng.uniform(0.5, min(5, day0 - 1)))
                plans[index].ventilationEnd = roundTo(end, decimals: 2)
            }
        }
        for index in plans.indices {
            if let death = plans[index].death {
                plans[index].followUpEnd = death
            } else {
                plans[index].followUpEnd = max(90, plans[index].discharge.rounded(.up) + 1)
            }
        }
    }

    // MARK: Secondary infections (events), dated by culture day

    private static func assignInfections(
        _ plans: inout [PatientPlan], treated: [Int], controls: [Int], others: [Int], rng: inout Xoshiro256StarStar
    ) {
        var counted = Set<Int>()
        for (group, count) in [(treated, PaperTargets.secondaryInfections.treated),
                               (controls, PaperTargets.secondaryInfections.control)] {
            func roomy(_ index: Int) -> Bool { plans[index].lastDay - plans[index].alignmentDay >= 3 }
            var candidates = rng.shuffled(group.filter(roomy))
            candidates += rng.shuffled(group.filter { !roomy($0) })
            for index in candidates.prefix(count) {
                let day0 = plans[index].alignmentDay
                let latest = min(day0 + 27, plans[index].lastDay)
                let culture = rng.integer(in: (day0 + 1)...max(day0 + 1, latest))
                plans[index].infectionDays.append(culture)
                if culture + 3 <= latest && rng.bernoulli(0.2) {
                    plans[index].infectionDays.append(rng.integer(in: (culture + 3)...latest))
                }
                counted.insert(index)
            }
        }
        // Infections that the 28-day window must not count: before day 0, and after day 28.
        for index in rng.shuffled(treated + controls).prefix(3) {
            let day0 = plans[index].alignmentDay
            plans[index].infectionDays.insert(rng.integer(in: 1...max(1, day0 - 1)), at: 0)
        }
        let longStay = (treated + controls).filter { !counted.contains($0) && plans[$0].lastDay - plans[$0].alignmentDay >= 31 }
        if let index = rng.shuffled(longStay).first {
            let day0 = plans[index].alignmentDay
            plans[index].infectionDays.append(rng.integer(in: (day0 + 29)...min(day0 + 40, plans[index].lastDay)))
        }
        for index in others where plans[index].role != .consentRefused && plans[index].lastDay >= 2 && rng.bernoulli(0.2) {
            plans[index].infectionDays.append(rng.integer(in: 2...plans[index].lastDay))
        }
        for index in plans.indices { plans[index].infectionDays.sort() }
    }

    // MARK: Corticosteroids, chloroquine, remdesivir (Additional file 4)

    private static func assignMedication(
        _ plans: inout [PatientPlan], treated: [Int], controls: [Int], others: [Int], rng: inout Xoshiro256StarStar
    ) {
        // Windows: before = ICU days max(0, day0 − 10) … day0 − 1; after = day0 + 1 … min(day0 + 10, last day).
        func before(_ index: Int) -> ClosedRange<Int> {
            let day0 = plans[index].alignmentDay
            return max(0, day0 - 10)...(day0 - 1)
        }
        func after(_ index: Int) -> ClosedRange<Int> {
            let day0 = plans[index].alignmentDay
            return (day0 + 1)...max(day0 + 1, min(day0 + 10, plans[index].lastDay))
        }
        func span(within window: ClosedRange<Int>, length: ClosedRange<Int>) -> ClosedRange<Int> {
            let days = min(window.count, rng.integer(in: length))
            let first = rng.integer(in: window.lowerBound...(window.upperBound - days + 1))
            return first...(first + days - 1)
        }
        func give(_ drug: String, dose: Double, length: ClosedRange<Int>, group: [Int],
                  before beforeCount: Int, after afterCount: Int, continued: Int, startsNearAdmission: Bool = false) {
            let order = rng.shuffled(group)
            let beforeSet = Array(order.prefix(beforeCount))
            let newAfter = Array(order.dropFirst(beforeCount).prefix(max(0, afterCount - continued)))
            for (k, index) in beforeSet.enumerated() {
                let window = before(index)
                if k < continued {
                    // A course running through the alignment day: doses on day −1 and +1 at least.
                    let first = rng.integer(in: window.lowerBound...window.upperBound)
                    let last = rng.integer(in: after(index).lowerBound...after(index).upperBound)
                    plans[index].courses.append(MedicationCourse(drug: drug, days: first...last, dose: dose))
                } else if startsNearAdmission {
                    let first = min(window.upperBound, window.lowerBound + rng.integer(in: 0...1))
                    let last = min(window.upperBound, first + rng.integer(in: length) - 1)
                    plans[index].courses.append(MedicationCourse(drug: drug, days: first...last, dose: dose))
                } else {
                    plans[index].courses.append(MedicationCourse(drug: drug, days: span(within: window, length: length), dose: dose))
                }
            }
            for index in newAfter {
                plans[index].courses.append(MedicationCourse(drug: drug, days: span(within: after(index), length: length), dose: dose))
            }
        }
        for (group, isTreated) in [(treated, true), (controls, false)] {
            func pick(_ counts: (treated: Int, control: Int)) -> Int { isTreated ? counts.treated : counts.control }
            give("corticosteroids", dose: 200, length: 3...8, group: group,
                 before: pick(PaperTargets.corticosteroidsBefore), after: pick(PaperTargets.corticosteroidsAfter),
                 continued: pick(PaperTargets.corticosteroidsContinued))
            give("chloroquine", dose: 600, length: 4...5, group: group,
                 before: pick(PaperTargets.chloroquineBefore), after: pick(PaperTargets.chloroquineAfter),
                 continued: 0, startsNearAdmission: true)
            give("remdesivir", dose: 100, length: 5...10, group: group,
                 before: pick(PaperTargets.remdesivirBefore), after: pick(PaperTargets.remdesivirAfter),
                 continued: pick(PaperTargets.remdesivirContinued))
        }
        for index in others where plans[index].role != .consentRefused {
            let stay = 0...plans[index].lastDay
            if rng.bernoulli(0.3) { plans[index].courses.append(MedicationCourse(drug: "chloroquine", days: span(within: stay, length: 4...5), dose: 600)) }
            if rng.bernoulli(0.2) { plans[index].courses.append(MedicationCourse(drug: "corticosteroids", days: span(within: stay, length: 3...8), dose: 200)) }
            if rng.bernoulli(0.05) { plans[index].courses.append(MedicationCourse(drug: "remdesivir", days: span(within: stay, length: 5...10), dose: 100)) }
        }
    }

    // MARK: Anchors of the daily series (Table 1 at admission and on alignment day)

    private static func assignAnchors(
        _ plans: inout [PatientPlan], treated: [Int], controls: [Int], others: [Int], rng: inout Xoshiro256StarStar
    ) {
        let seriesCount = PaperTargets.series.count
        for index in plans.indices {
            plans[index].admissionAnchors = Array(repeating: 0, count: seriesCount)
            plans[index].alignmentAnchors = Array(repeating: 0, count: seriesCount)
        }
        for (group, isTreated) in [(treated, true), (controls, false), (others, false)] where !group.isEmpty {
            for (s, spec) in PaperTargets.series.enumerated() {
                let admission: [Double]
                if let targets = spec.admission {
                    admission = (isTreated ? targets.treated : targets.control).stratifiedSample(count: group.count, using: &rng)
                } else {
                    admission = group.map { plans[$0].apacheII }
                }
                let pool = (isTreated ? spec.alignment.treated : spec.alignment.control).stratifiedSample(count: group.count, using: &rng)
                let alignment = pairByRank(pool, with: admission, noise: 0.45, using: &rng)
                for (k, index) in group.enumerated() {
                    plans[index].admissionAnchors[s] = roundTo(admission[k], decimals: spec.decimals)
                    plans[index].alignmentAnchors[s] = roundTo(alignment[k], decimals: spec.decimals)
                }
            }
            // Norepinephrine: an exact share on the drug per group, stratified doses.
            func doses(share: Double, median: Double) -> [Double] {
                let onCount = Int((share * Double(group.count)).rounded())
                let target = QuantileTarget(median, median * exp(-0.47), median * exp(0.47), .log, bounds: 0.02...1.2)
                let on = target.stratifiedSample(count: onCount, using: &rng).map { roundTo($0, decimals: 3) }
                return rng.shuffled(on + Array(repeating: 0, count: group.count - onCount))
            }
            let admissionTarget = isTreated ? PaperTargets.norepinephrineAdmission.treated : PaperTargets.norepinephrineAdmission.control
            let admissionDoses = doses(share: admissionTarget.share, median: admissionTarget.medianDose)
            let alignmentTarget = isTreated ? PaperTargets.norepinephrineAlignment.treated : PaperTargets.norepinephrineAlignment.control
            let alignmentDoses = doses(share: alignmentTarget.share, median: alignmentTarget.medianDose)
            for (k, index) in group.enumerated() {
                plans[index].norepinephrineAdmission = admissionDoses[k]
                plans[index].norepinephrineAlignment = alignmentDoses[k]
            }
        }
        // The actively cooled patient: the treated patient with the highest temperature on the
        // alignment day had fever > 40 °C and was cooled; the analysis imputes 40 °C there.
        if let temperature = PaperTargets.series.firstIndex(where: { $0.parameter == "temperature" }),
           let hottest = treated.max(by: { plans[$0].alignmentAnchors[temperature] < plans[$1].alignmentAnchors[temperature] }),
           plans[hottest].alignmentAnchors[temperature] >= 40 {
            plans[hottest].activelyCooled = true
            plans[hottest].alignmentAnchors[temperature] = 40.0
        }
    }

    // MARK: Proteomics subset (Fig. 2a)

    private static func assignProteomics(
        _ plans: inout [PatientPlan], treated: [Int], controls: [Int], rng: inout Xoshiro256StarStar
    ) {
        var members: [Int] = []
        for (group, count, isTreated) in [(treated, PaperTargets.proteomicsPatients.treated, true),
                                          (controls, PaperTargets.proteomicsPatients.control, false)] {
            func eligible(_ index: Int) -> Bool { plans[index].lastDay - plans[index].alignmentDay >= 5 }
            var candidates = rng.shuffled(group.filter(eligible))
            candidates += rng.shuffled(group.filter { !eligible($0) && plans[$0].lastDay - plans[$0].alignmentDay >= 2 })
            let chosen = Array(candidates.prefix(count))
            members += chosen
            let n = chosen.count
            var pre = Array(repeating: [Double](repeating: 0, count: ProteomicsPanel.assays.count), count: n)
            var post = pre
            for (a, assay) in ProteomicsPanel.assays.enumerated() {
                // Per-patient level + sample noise; paired differences rescaled so that the
                // group's mean and SD equal the assay's targets exactly (when n ≥ 3).
                var differences = (0..<n).map { _ in rng.normal() }
                let meanChange = isTreated ? assay.meanChange.treated : assay.meanChange.control
                if n >= 3 {
                    let mean = differences.reduce(0, +) / Double(n)
                    let ss = differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
                    let sd = (ss / Double(n - 1)).squareRoot()
                    differences = differences.map { meanChange + ($0 - mean) / max(sd, 1e-9) * assay.changeSD }
                } else {
                    differences = differences.map { meanChange + $0 * assay.changeSD }
                }
                for k in 0..<n {
                    let baseline = assay.level + 0.9 * rng.normal() + 0.45 * rng.normal()
                    pre[k][a] = baseline
                    post[k][a] = baseline + differences[k]
                }
            }
            for (k, index) in chosen.enumerated() {
                let day0 = plans[index].alignmentDay
                let preDay = max(0, day0 - rng.integer(in: 1...2))
                let postDay = min(plans[index].lastDay, day0 + rng.integer(in: 2...4))
                plans[index].proteomics = ProteomicsPlan(
                    preDay: preDay, postDay: postDay,
                    pre: pre[k].map { roundTo($0, decimals: 3) }, post: post[k].map { roundTo($0, decimals: 3) },
                    preWarning: false, postWarning: false)
            }
        }
        // A few samples fail Olink QC (whole sample flagged WARN).
        var samples = members.flatMap { [($0, true), ($0, false)] }
        rng.shuffle(&samples)
        for (index, isPre) in samples.prefix(PaperTargets.proteomicsQCWarnings) {
            if isPre { plans[index].proteomics?.preWarning = true } else { plans[index].proteomics?.postWarning = true }
        }
    }
}

/// `value` rounded half away from zero to `decimals` decimal places, computed as an integer
/// count of 10^−decimals divided by 10^decimals — exactly the double that parsing the printed
/// decimal gives, so in-memory values and written files agree bit for bit.
func roundTo(_ value: Double, decimals: Int) -> Double {
    let scale = powerOfTen(decimals)
    return (value * scale).rounded(.toNearestOrAwayFromZero) / scale
}

/// 10^k for 0 ≤ k ≤ 22, exact.
func powerOfTen(_ k: Int) -> Double {
    var result = 1.0
    for _ in 0..<max(0, min(k, 22)) { result *= 10 }
    return result
}
