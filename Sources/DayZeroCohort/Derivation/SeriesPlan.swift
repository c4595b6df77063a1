/// Which daily series a protocol needs and how each is filled: one series per (parameter,
/// aggregation) used by a parameter rule, a SOFA input, a criterion or the imputation, then
/// the derived `sofa` and `sofa_<component>` series.
struct SeriesPlan {
    var keys: [DailySeriesKey] = []
    var keyIndex: [DailySeriesKey: Int] = [:]
    /// Measured parameter → slot.
    var sourceSlot: [String: Int] = [:]
    /// Per slot, the series filled from it and their aggregation.
    var slotTargets: [[(key: Int, aggregation: DailyAggregation)]] = []
    var flagSlot: Int?
    var imputedKeys: [Int] = []
    var primaryImputedKey: Int?
    /// `[component][input]` → series.
    var sofaInputKeys: [[Int]] = []
    var sofaTotalKey = 0
    var sofaComponentKeys: [Int] = []
    let sofa: SOFADefinition
    var drugs: [String] = []
    var drugIndex: [String: Int] = [:]
    var cytokineAnalytes: [String] = []
    /// The protocol's time axis: a row at time t belongs to period `axis.period(of: t)`.
    let axis: TimeAxis

    init(protocol p: StudyProtocol, registry: ParameterRegistry) {
        sofa = p.sofa
        axis = p.timeAxis
        let derived = p.derivedParameterNames
        func catalogAggregation(_ name: String) -> DailyAggregation { p.defaultAggregation(of: name, registry: registry) }
        for rule in p.parameters where !derived.contains(rule.name) {
            add(rule.name, rule.aggregation ?? registry[rule.name]?.aggregation ?? .max)
            if registry[rule.name]?.kind == .cytokine { cytokineAnalytes.append(rule.name) }
        }
        for component in p.sofa.components {
            sofaInputKeys.append(component.inputs.map { input in
                add(input.parameter, input.aggregation ?? registry[input.parameter]?.aggregation ?? .max)
            })
        }
        var criterionDrugs: [String] = []
        for set in p.analysisSets {
            for leaf in (set.includeIf?.leaves ?? []) + (set.excludeIf?.leaves ?? []) {
                switch leaf {
                case .parameter(let c) where !derived.contains(c.parameter):
                    add(c.parameter, c.aggregation ?? catalogAggregation(c.parameter))
                case .drug(let d): criterionDrugs.append(d.drug)
                default: break
                }
            }
        }
        if let imp = p.temperatureImputation {
            let primary = add(imp.parameter, catalogAggregation(imp.parameter))
            primaryImputedKey = primary
            add(imp.flag, .max)
            flagSlot = sourceSlot[imp.flag]
            imputedKeys = keys.indices.filter { keys[$0].parameter == imp.parameter }
        }
        sofaTotalKey = addDerived(SOFADefinition.totalParameter)
        sofaComponentKeys = p.sofa.components.map { addDerived(SOFADefinition.componentParameter($0.name)) }

        for drug in p.medications.drugs + criterionDrugs + [p.treatment.drug] {
            let d = drug.lowercased()
            if drugIndex[d] == nil {
                drugIndex[d] = drugs.count
                drugs.append(d)
            }
        }
    }

    @discardableResult
    private mutating func add(_ parameter: String, _ aggregation: DailyAggregation) -> Int {
        let key = DailySeriesKey(parameter: parameter, aggregation: aggregation)
        if let k = keyIndex[key] { return k }
        let k = keys.count
        keys.append(key)
        keyIndex[key] = k
        let slot: Int
        if let s = sourceSlot[parameter] {
            slot = s
        } else {
            slot = slotTargets.count
            sourceSlot[parameter] = slot
            slotTargets.append([])
        }
        slotTargets[slot].append((k, aggregation))
        return k
    }

    private mutating func addDerived(_ parameter: String) -> Int {
        let key = DailySeriesKey(parameter: parameter, aggregation: nil)
        if let k = keyIndex[key] { return k }
        keys.append(key)
        keyIndex[key] = keys.count - 1
        return keys.count - 1
    }

    /// Fills the measured series of one patient from its rows (sorted by slot, time, order)
    /// and collects the flagged days (a non-zero flag value that day).
    func aggregate(_ rows: ArraySlice<Observation>, into series: inout [DaySeries], flagDays: inout [Int]) {
        var k = rows.startIndex
        var values: [Double] = []
        while k < rows.endIndex {
            let slot = rows[k].slot
            let day = axis.period(of: rows[k].time)
            values.removeAll(keepingCapacity: true)
            var e = k
            while e < rows.endIndex, rows[e].slot == slot, axis.period(of: rows[e].time) == day {
                values.append(rows[e].value)
                e += 1
            }
            for target in slotTargets[Int(slot)] {
                if let v = target.aggregation.aggregate(values) { series[target.key].append(day: day, value: v) }
            }
            if Int(slot) == flagSlot, values.contains(where: { $0 != 0 }) { flagDays.append(day) }
            k = e
        }
    }

    /// Fills the measured series of the parameters given as daily aggregates (sorted by day)
    /// and collects their flagged days (some value not 0 that day). Parameters without a
    /// slot are not used by the protocol; a `median` target gets no value (see
    /// `CohortDeriver.rowOnlyParameters`).
    func aggregate(daily: PatientDayAggregates, into series: inout [DaySeries], flagDays: inout [Int]) {
        for (parameter, days) in daily.parameters {
            guard let slot = sourceSlot[parameter] else { continue }
            for a in days {
                for target in slotTargets[slot] {
                    if let v = target.aggregation.value(of: a) { series[target.key].append(day: a.day, value: v) }
                }
                if slot == flagSlot, a.anyNonZero { flagDays.append(a.day) }
            }
        }
    }

    /// Scores SOFA on every day with at least one input value (in ascending order, so that
    /// `carry_forward` carries from earlier days only); appends to `table` and to the derived
    /// series. A carried score enters the total only: `sofa_<component>` and the table's
    /// component columns stay the scores measured that day.
    func scoreSOFA(
        patient: Int, series: inout [DaySeries], course: ICUCourse, table: inout SOFATable,
        scored: inout Int, withMissing: inout Int, withoutTotal: inout Int
    ) {
        var days = Set<Int>()
        for inputs in sofaInputKeys { for k in inputs { days.formUnion(series[k].days) } }
        let carrying = sofa.missingComponents.policy == .carryForward
        var carry = SOFACarryForward(components: carrying ? sofa.components.count : 0, limit: sofa.missingComponents.carryForwardDays)
        for day in days.sorted() {
            let ventilated = axis.isICUDay
                ? isVentilated(onICUDay: day, start: course.ventilationStart, end: course.ventilationEnd)
                : isVentilated(from: axis.start(ofPeriod: day), to: axis.start(ofPeriod: day + 1),
                               start: course.ventilationStart, end: course.ventilationEnd)
            let s = sofa.score(ventilated: ventilated, carried: carrying ? carry.carried(to: day) : []) { c, j in
                series[sofaInputKeys[c][j]].value(on: day)
            }
            if carrying { carry.record(s, day: day) }
            table.patient.append(Int32(patient))
            table.icuDay.append(Int32(clamping: day))
            table.components.append(contentsOf: s.components.map { Int8($0 ?? -1) })
            table.missingComponents.append(Int8(s.missingComponents))
            table.total.append(s.total)
            for (c, score) in s.components.enumerated() {
                if let score { series[sofaComponentKeys[c]].append(day: day, value: Double(score)) }
            }
            if let total = s.total {
                series[sofaTotalKey].append(day: day, value: Double(total))
                scored += 1
                if s.missingComponents > 0 { withMissing += 1 }
            } else {
                withoutTotal += 1
            }
        }
    }
}
