import DayZeroCohort
import DayZeroSynth
import Foundation

/// The paper's alignment computed directly from a study, independent of the generator's
/// internals (treated = has anakinra, start day = first anakinra ICU day, controls aligned on
/// the treated median start day and excluded when their ICU stay ended before it). The real
/// alignment code lives in DayZeroCohort; these tests switch to it at integration.
struct CohortFacts: Sendable {
    let study: StudyData
    let patients: [String: Patient]
    let courses: [String: ICUCourse]
    let startDay: [String: Int]
    let alignmentDay: Int
    let immunocompromised: [String]
    let refused: [String]
    let goneBeforeAlignment: [String]
    let treated: [String]
    let controls: [String]
    /// Day values per patient → parameter → ICU day, aggregated with the catalog's rule.
    let daily: [String: [String: [Int: Double]]]

    init(_ study: StudyData) {
        self.study = study
        patients = Dictionary(uniqueKeysWithValues: study.patients.map { ($0.id, $0) })
        courses = Dictionary(uniqueKeysWithValues: study.courses.map { ($0.patientID, $0) })
        var starts: [String: Int] = [:]
        for administration in study.medications where administration.drug == "anakinra" {
            starts[administration.patientID] = min(starts[administration.patientID] ?? Int.max, administration.day)
        }
        startDay = starts
        let ids = study.patients.map(\.id)
        let byID = patients
        immunocompromised = ids.filter { byID[$0]?.immunocompromised == true }
        refused = ids.filter { byID[$0]?.consentRefused == true && byID[$0]?.immunocompromised == false }
        let eligible = ids.filter { byID[$0]?.immunocompromised == false && byID[$0]?.consentRefused == false }
        let treatedIDs = eligible.filter { starts[$0] != nil }
        let day = Int(quantile7(treatedIDs.compactMap { starts[$0].map(Double.init) }, 0.5) ?? 12)
        alignmentDay = day
        treated = treatedIDs
        let untreated = eligible.filter { starts[$0] == nil }
        let courses = self.courses
        func end(_ id: String) -> Double {
            let course = courses[id]
            return min(course?.discharge ?? .infinity, course?.death ?? .infinity)
        }
        goneBeforeAlignment = untreated.filter { end($0) < Double(day) }
        controls = untreated.filter { end($0) >= Double(day) }

        var grouped: [String: [String: [Int: [Double]]]] = [:]
        for m in study.measurements {
            grouped[m.patientID, default: [:]][m.parameter, default: [:]][m.day, default: []].append(m.value)
        }
        var daily: [String: [String: [Int: Double]]] = [:]
        for (patient, parameters) in grouped {
            for (parameter, days) in parameters {
                let rule = ParameterCatalog.definition(named: parameter)?.aggregation ?? .max
                for (d, values) in days { daily[patient, default: [:]][parameter, default: [:]][d] = rule.aggregate(values) }
            }
        }
        self.daily = daily
    }

    func dayZero(_ id: String) -> Int { startDay[id] ?? alignmentDay }

    func isTreated(_ id: String) -> Bool { startDay[id] != nil }

    /// Temperature with the paper's rule: 40 °C on days the patient was actively cooled.
    func value(_ id: String, _ parameter: String, day: Int) -> Double? {
        if parameter == "temperature", daily[id]?["actively_cooled"]?[day] == 1 { return 40 }
        if parameter == "sofa" { return sofa(id, day: day) }
        return daily[id]?[parameter]?[day]
    }

    /// SOFA without GCS from its components (respiration with ventilation, coagulation, liver,
    /// cardiovascular, renal), as the paper computes it.
    func sofa(_ id: String, day: Int) -> Double? {
        guard let pf = value(id, "pf_ratio", day: day), let platelets = value(id, "platelets", day: day),
              let bilirubin = value(id, "bilirubin", day: day), let creatinine = value(id, "creatinine", day: day),
              let norepinephrine = value(id, "norepinephrine", day: day) else { return nil }
        let map = value(id, "map", day: day) ?? 80
        let respiration = pf < 100 ? 4 : pf < 200 ? 3 : pf < 300 ? 2 : pf < 400 ? 1 : 0
        let coagulation = platelets < 20 ? 4 : platelets < 50 ? 3 : platelets < 100 ? 2 : platelets < 150 ? 1 : 0
        let liver = bilirubin > 204 ? 4 : bilirubin >= 102 ? 3 : bilirubin >= 33 ? 2 : bilirubin >= 20 ? 1 : 0
        let cardiovascular = norepinephrine > 0.1 ? 4 : norepinephrine > 0 ? 3 : map < 70 ? 1 : 0
        let renal = creatinine > 440 ? 4 : creatinine >= 300 ? 3 : creatinine >= 171 ? 2 : creatinine >= 110 ? 1 : 0
        return Double(respiration + coagulation + liver + cardiovascular + renal)
    }
}

/// R's quantile type 7.
func quantile7(_ values: [Double], _ p: Double) -> Double? {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return nil }
    let h = Double(sorted.count - 1) * p
    let lo = Int(h.rounded(.down))
    let hi = min(lo + 1, sorted.count - 1)
    return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
}

/// Median [Q1–Q3] for messages.
func describe(_ values: [Double]) -> String {
    guard let q1 = quantile7(values, 0.25), let m = quantile7(values, 0.5), let q3 = quantile7(values, 0.75) else { return "(empty)" }
    func f(_ x: Double) -> String { String(format: "%.3g", x) }
    return "\(f(m)) [\(f(q1))–\(f(q3))] (n = \(values.count))"
}

/// The default cohort and its facts, built once for the whole test run.
let defaultFacts = CohortFacts(SyntheticCohort.default)

/// Number of patients of `group` for which `predicate` holds.
func count(_ group: [String], _ predicate: (String) -> Bool) -> Int { group.filter(predicate).count }
