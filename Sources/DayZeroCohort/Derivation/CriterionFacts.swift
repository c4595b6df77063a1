/// The patient facts a protocol's rules read besides the daily values: the baseline variables
/// and event kinds (and, for exclusions, drugs and measured parameters) that its rules name,
/// gathered once per patient.
///
/// Two users: the exclusions (`meetsBeforeAlignment`, before alignment: windows count periods
/// from admission) and the analysis sets (`DerivedCohort.meets`, windows count aligned days;
/// their parameter rules read the daily values, not these facts).
public struct CriterionFacts: Sendable {
    /// Values of each referenced variable, by variable name, one per patient (in the order the
    /// facts were gathered for).
    var variables: [String: [Double?]]
    /// Times (ICU-day scale) of each referenced event kind, per patient.
    var events: [String: [[Double]]]
    /// Distinct ICU days of each referenced drug (lower case), per patient.
    var drugDays: [String: [[Int]]]
    /// Period values of each (parameter, aggregation) the parameter rules read, per patient, in
    /// ascending period (only when the facts were gathered with measurements: exclusions).
    var periodValues: [DailySeriesKey: [[PeriodValue]]]
    /// The aggregation of a parameter rule that names none, by parameter.
    let defaultAggregation: [String: DailyAggregation]
    let registry: BaselineRegistry
    /// The protocol's time axis: event times become periods through it.
    let axis: TimeAxis

    /// Gathers the facts `rules` read for `patients` (indices into `study.patients`).
    /// `axis` turns event, drug and measurement times into periods (`TimeAxis.period(of:)`).
    ///
    /// `measurements` (exclusions only) holds at least every row of the parameters the rules'
    /// parameter leaves name, in file order; each leaf's period values are gathered from it with
    /// the leaf's aggregation, else `defaultAggregation[parameter]`, else `max`. `nil`: no
    /// period values (analysis sets read the daily values instead).
    init(
        rules: [Criterion], study: StudyData, patients: [Int], axis: TimeAxis = .icuDay,
        measurements: MeasurementTable? = nil, defaultAggregation: [String: DailyAggregation] = [:]
    ) {
        let registry = study.baselineRegistry
        self.registry = registry
        self.axis = axis
        self.defaultAggregation = defaultAggregation
        var variableNames = Set<String>(), eventKinds = Set<String>(), drugNames = Set<String>()
        var seriesKeys = Set<DailySeriesKey>()
        for leaf in rules.flatMap(\.leaves) {
            switch leaf {
            case .variable(let v): variableNames.insert(v.variable)
            case .event(let e): eventKinds.insert(e.event)
            case .drug(let d): drugNames.insert(d.drug.lowercased())
            case .parameter(let c):
                seriesKeys.insert(DailySeriesKey(parameter: c.parameter, aggregation: c.aggregation ?? defaultAggregation[c.parameter] ?? .max))
            case .anyOf, .allOf, .not: break  // `leaves` holds none
            }
        }
        if measurements == nil { seriesKeys = [] }
        var variables: [String: [Double?]] = [:]
        for name in variableNames {
            variables[name] = patients.map { registry.value(name, of: study.patients[$0]) }
        }
        var position: [String: Int] = [:]
        if !eventKinds.isEmpty || !drugNames.isEmpty || !seriesKeys.isEmpty {
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
        if let measurements, !seriesKeys.isEmpty {
            periodValues = Self.periodValues(
                of: seriesKeys, in: measurements, patientCount: patients.count, position: position, axis: axis)
        } else {
            periodValues = [:]
        }
    }

    /// Per series key and patient, the period values of the key's parameter: the rows of one
    /// patient and parameter in time order (ties in row order, i.e. file order), grouped by
    /// `axis.period(of: time)`, each period's values combined by the key's aggregation — the
    /// rule of the daily values (`SeriesPlan.aggregate`).
    static func periodValues(
        of keys: Set<DailySeriesKey>, in table: MeasurementTable, patientCount: Int, position: [String: Int], axis: TimeAxis
    ) -> [DailySeriesKey: [[PeriodValue]]] {
        // The table's parameter keys the rules read, and each one's aggregations.
        var aggregations: [String: [DailyAggregation]] = [:]
        for key in keys.sorted(by: { ($0.parameter, $0.aggregation?.rawValue ?? "") < ($1.parameter, $1.aggregation?.rawValue ?? "") }) {
            aggregations[key.parameter, default: []].append(key.aggregation ?? .max)
        }
        var slotOfParameter = [Int](repeating: -1, count: table.parameterNames.count)
        var slotNames: [String] = []
        for (k, name) in table.parameterNames.enumerated() where aggregations[name] != nil {
            if let existing = slotNames.firstIndex(of: name) {
                slotOfParameter[k] = existing
            } else {
                slotOfParameter[k] = slotNames.count
                slotNames.append(name)
            }
        }
        var result: [DailySeriesKey: [[PeriodValue]]] = [:]
        for key in keys { result[key] = Array(repeating: [], count: patientCount) }
        guard !slotNames.isEmpty else { return result }
        let positionOfTablePatient = table.patientIDs.map { position[$0] ?? -1 }
        // Row numbers per (slot, patient), in row order.
        var rows = [[Int]](repeating: [], count: slotNames.count * patientCount)
        for r in table.indices {
            let slot = slotOfParameter[Int(table.parameter[r])]
            guard slot >= 0 else { continue }
            let k = positionOfTablePatient[Int(table.patient[r])]
            guard k >= 0 else { continue }
            rows[slot * patientCount + k].append(r)
        }
        var values: [Double] = []
        for (slot, name) in slotNames.enumerated() {
            let wanted = aggregations[name] ?? []
            for k in 0..<patientCount {
                var own = rows[slot * patientCount + k]
                guard !own.isEmpty else { continue }
                own.sort { (table.time[$0], $0) < (table.time[$1], $1) }
                var start = 0
                while start < own.count {
                    let period = axis.period(of: table.time[own[start]])
                    values.removeAll(keepingCapacity: true)
                    var end = start
                    while end < own.count, axis.period(of: table.time[own[end]]) == period {
                        values.append(table.value[own[end]])
                        end += 1
                    }
                    for aggregation in wanted {
                        if let v = aggregation.aggregate(values) {
                            result[DailySeriesKey(parameter: name, aggregation: aggregation), default: []][k]
                                .append(PeriodValue(period: period, value: v))
                        }
                    }
                    start = end
                }
            }
        }
        return result
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

    /// The distinct periods in the rule's window (periods from admission) whose period value
    /// of the parameter meets the threshold, for patient `k`, ascending. Periods without a value
    /// never count.
    func qualifyingPeriods(_ c: ParameterCriterion, patient k: Int) -> [Int] {
        let key = DailySeriesKey(parameter: c.parameter, aggregation: c.aggregation ?? defaultAggregation[c.parameter] ?? .max)
        guard let series = periodValues[key], k < series.count else { return [] }
        return series[k].filter { c.window.contains($0.period) && c.threshold.isMet(by: $0.value) }.map(\.period)
    }

    /// Whether patient `k` meets `criterion` before alignment (windows count periods from
    /// admission). A parameter rule reads the period values of the measurements (gathered when
    /// the facts were built with them); protocol validation refuses the derived parameters.
    func meetsBeforeAlignment(_ criterion: Criterion, patient k: Int) -> Bool {
        switch criterion {
        case .anyOf(let rules): return rules.contains { meetsBeforeAlignment($0, patient: k) }
        case .allOf(let rules): return rules.allSatisfy { meetsBeforeAlignment($0, patient: k) }
        case .not(let rule): return !meetsBeforeAlignment(rule, patient: k)
        case .variable(let v): return meets(v, patient: k)
        case .event(let e): return meets(e, patient: k, dayOffset: 0)
        case .drug(let d):
            guard let days = drugDays[d.drug.lowercased()], k < days.count else { return false }
            return d.isMet(byDays: days[k].filter { d.window.contains($0) })
        case .parameter(let c): return c.isMet(byDays: qualifyingPeriods(c, patient: k))
        }
    }
}

/// One period's value of a parameter (the aggregation of its measurements in that period).
struct PeriodValue: Sendable, Hashable {
    var period: Int
    var value: Double
}
