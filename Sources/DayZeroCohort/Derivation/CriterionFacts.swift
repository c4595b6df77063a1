/// The patient facts a protocol's rules read besides the daily values: the baseline variables
/// and event kinds (and, for exclusions, drugs) that its rules name, gathered once per patient.
///
/// Two users: the exclusions (`exclusionReasons`, before alignment: windows count ICU days from
/// admission) and the analysis sets (`DerivedCohort.meets`, windows count aligned days).
public struct CriterionFacts: Sendable {
    /// Values of each referenced variable, by variable name, one per patient (in the order the
    /// facts were gathered for).
    var variables: [String: [Double?]]
    /// Times (ICU-day scale) of each referenced event kind, per patient.
    var events: [String: [[Double]]]
    /// Distinct ICU days of each referenced drug (lower case), per patient.
    var drugDays: [String: [[Int]]]
    let registry: BaselineRegistry
    /// The protocol's time axis: event times become periods through it.
    let axis: TimeAxis

    /// Gathers the facts `rules` read for `patients` (indices into `study.patients`).
    /// `axis` turns event and drug times into periods (`TimeAxis.period(of:)`).
    init(rules: [Criterion], study: StudyData, patients: [Int], axis: TimeAxis = .icuDay) {
        let registry = study.baselineRegistry
        self.registry = registry
        self.axis = axis
        var variableNames = Set<String>(), eventKinds = Set<String>(), drugNames = Set<String>()
        for leaf in rules.flatMap(\.leaves) {
            switch leaf {
            case .variable(let v): variableNames.insert(v.variable)
            case .event(let e): eventKinds.insert(e.event)
            case .drug(let d): drugNames.insert(d.drug.lowercased())
            default: break
            }
        }
        var variables: [String: [Double?]] = [:]
        for name in variableNames {
            variables[name] = patients.map { registry.value(name, of: study.patients[$0]) }
        }
        var position: [String: Int] = [:]
        if !eventKinds.isEmpty || !drugNames.isEmpty {
            for (k, i) in patients.enumerated() where position[study.patients[i].id] == nil { position[study.patients[i].id] = k }
        }
        var events: [String: [[Double]]] = [:]
        for kind in eventKinds { events[kind] = Array(repeating: [], count: patients.count) }
        if !eventKinds.isEmpty {
            for e in study.events where eventKinds.contains(e.event) {
                guard let k = position[e.patientID] else { continue }
                events[e.event, default: []][k].append(e.time)
            }
        }
        var drugDays: [String: [[Int]]] = [:]
        for drug in drugNames { drugDays[drug] = Array(repeating: [], count: patients.count) }
        if !drugNames.isEmpty {
            for m in study.medications {
                let drug = m.drug.lowercased()
                guard drugNames.contains(drug), let k = position[m.patientID] else { continue }
                drugDays[drug, default: []][k].append(axis.period(of: m.time))
            }
            for drug in drugNames {
                drugDays[drug] = drugDays[drug]?.map { Array(Set($0)).sorted() }
            }
        }
        self.variables = variables
        self.events = events
        self.drugDays = drugDays
    }

    /// Whether patient `k` meets a variable rule.
    func meets(_ v: VariableCriterion, patient k: Int) -> Bool {
        let value = variables[v.variable].flatMap { k < $0.count ? $0[k] : nil }
        return v.isMet(by: value, definition: registry[v.variable])
    }

    /// Whether patient `k` has an event of the rule's kind with `⌊time⌋ − offset` in its window.
    func meets(_ e: EventCriterion, patient k: Int, dayOffset: Int) -> Bool {
        guard let times = events[e.event], k < times.count else { return false }
        return times[k].contains { e.window.contains(axis.period(of: $0) - dayOffset) }
    }

    /// Whether patient `k` meets `criterion` before alignment (windows in ICU days).
    /// `parameter` rules are refused by protocol validation in exclusions and never met here.
    func meetsBeforeAlignment(_ criterion: Criterion, patient k: Int) -> Bool {
        switch criterion {
        case .anyOf(let rules): return rules.contains { meetsBeforeAlignment($0, patient: k) }
        case .allOf(let rules): return rules.allSatisfy { meetsBeforeAlignment($0, patient: k) }
        case .not(let rule): return !meetsBeforeAlignment(rule, patient: k)
        case .variable(let v): return meets(v, patient: k)
        case .event(let e): return meets(e, patient: k, dayOffset: 0)
        case .drug(let d):
            guard let days = drugDays[d.drug.lowercased()], k < days.count else { return false }
            return days[k].filter { d.window.contains($0) }.count >= d.onAtLeastDays
        case .parameter: return false
        }
    }
}
