import DayZeroCohort
import DayZeroStats

/// One patient's observation of a time-to-event measure: elapsed days from the start of day 0
/// and whether it ended by the event (1), the competing event (2) or censoring (0).
struct MeasureObservation: Equatable {
    var time: Double
    var cause: Int
}

/// The follow-up of one included patient that the declared outcomes read.
struct PatientFollowUp {
    /// Start of day 0 on the ICU-day scale.
    var t0: Double
    var course: ICUCourse?
    /// Times of every `events.csv` kind the measures name.
    var events: [String: [Double]]
    var lastRecorded: Double?

    var death: Double? { course?.death }

    /// The last time the patient is known alive when no death is recorded (follow-up end, else
    /// ICU discharge, else the last recorded time, else day 0).
    var lastKnownAlive: Double { course?.followUpEnd ?? course?.discharge ?? lastRecorded ?? t0 }

    /// The end of observation for `events.csv` kinds: death, else the last time known alive.
    var observationEnd: Double { death ?? lastKnownAlive }

    /// The first time of `kind` at or after day 0 began (`death` reads the ICU course).
    func firstTime(of kind: String) -> Double? {
        if kind == OutcomeMeasure.death { return death.flatMap { $0 >= t0 ? $0 : nil } }
        return events[kind]?.filter { $0 >= t0 }.min()
    }
}

extension Workup {
    /// The follow-up of every included patient, for the kinds the measures name.
    func followUps(_ measures: [OutcomeMeasure]) -> [PatientFollowUp] {
        let kinds = Set(measures.flatMap { [$0.event, $0.competing].compactMap { $0 } }).subtracting([OutcomeMeasure.death])
        var courseOf: [String: ICUCourse] = [:]
        for c in study.courses where courseOf[c.patientID] == nil { courseOf[c.patientID] = c }
        var events: [String: [String: [Double]]] = [:]
        if !kinds.isEmpty {
            for e in study.events where kinds.contains(e.event) { events[e.patientID, default: [:]][e.event, default: []].append(e.time) }
        }
        return cohort.patients.enumerated().map { i, p in
            PatientFollowUp(
                // The same origin as the durations (CohortDeriver): the ICU day holding period
                // day0's time on the protocol's time axis.
                t0: Double(studyProtocol.timeAxis.outcomeOriginDay(ofPeriod: p.day0)), course: courseOf[p.id], events: events[p.id] ?? [:],
                lastRecorded: i < cohort.lastRecorded.count ? cohort.lastRecorded[i] : nil)
        }
    }

    /// The declared outcomes of one set, in protocol order.
    /// `design` (from a propensity-matched set) makes the hazard ratios cluster-robust on the pair.
    func outcomeMeasures(
        _ measures: [OutcomeMeasure], _ membership: AnalysisSetMembership, design: EffectDesign? = nil
    ) -> [OutcomeMeasureResult] {
        let followUps = followUps(measures)
        return measures.map { measure in
            switch measure.kind {
            case .timeToEvent: timeToEvent(measure, membership, followUps, design: design)
            case .binary: binary(measure, membership, followUps, design: design)
            case .duration: duration(measure, membership, design: design)
            case .freeDays: freeDays(measure, membership, followUps)
            }
        }
    }

    func horizon(of measure: OutcomeMeasure) -> Int { measure.horizonDays ?? studyProtocol.outcomes.horizonDays }

    /// The observation of a time-to-event measure, measured from day 0 and ended at the
    /// horizon `h`:
    /// - the event at its first time τ ≥ 0 (an event before day 0 does not count);
    /// - the competing event likewise; a tie goes to the event;
    /// - censored at the end of observation (death for an `events.csv` kind without a declared
    ///   competing event — a dead patient can no longer have the event —, else the last time
    ///   known alive), or at `h`.
    func observation(_ measure: OutcomeMeasure, _ f: PatientFollowUp, horizon h: Double) -> MeasureObservation {
        let event = measure.event.flatMap(f.firstTime(of:)).map { $0 - f.t0 }
        let competing = measure.competing.flatMap(f.firstTime(of:)).map { $0 - f.t0 }
        let end = f.observationEnd - f.t0
        if let first = [event, competing].compactMap({ $0 }).min(), first <= h, first <= end {
            return MeasureObservation(time: max(first, 0), cause: first == event ? 1 : 2)
        }
        return MeasureObservation(time: min(max(end, 0), h), cause: 0)
    }

    func timeToEvent(
        _ measure: OutcomeMeasure, _ membership: AnalysisSetMembership, _ followUps: [PatientFollowUp], design: EffectDesign? = nil
    ) -> OutcomeMeasureResult {
        let h = horizon(of: measure)
        let observations = membership.members.map { observation(measure, followUps[$0], horizon: Double(h)) }
        let (treated, control) = groups(membership)
        let byPatient = Dictionary(uniqueKeysWithValues: zip(membership.members, observations))
        let eventWords = measure.event == OutcomeMeasure.death ? "death" : measure.event ?? ""
        var warnings: [String] = []
        var survivalResult: SurvivalComparison?
        var incidence: CumulativeIncidenceComparison?
        var p: Double?
        var test: String?
        if let competing = measure.competing {
            incidence = cumulativeIncidence(
                event: eventWords, competing: competing, horizon: h, patients: membership.members, observations: observations)
            p = incidence?.grayP
            test = p == nil ? nil : "gray"
        } else {
            let censoring = measure.event == OutcomeMeasure.death
                ? "alive: censored when last known alive, at most day \(h)"
                : "censored at death or when last known alive, at most day \(h)"
            let s = survival(
                event: eventWords, censoring: censoring, patients: membership.members, leftOut: [], horizon: h
            ) { i in byPatient[i].map { TimeToEvent(time: $0.time, event: $0.cause == 1, days: $0.time) } }
            survivalResult = s
            p = s.logRankP
            test = p == nil ? nil : "log-rank"
        }
        func summary(_ members: [Int]) -> Table1.GroupSummary {
            let events = members.filter { byPatient[$0]?.cause == 1 }.count
            return .init(n: members.count, missing: 0, count: events, percent: members.isEmpty ? nil : 100 * Double(events) / Double(members.count))
        }
        if measure.competing == nil, measure.event != OutcomeMeasure.death {
            warnings.append("no competing event declared: death censors \(eventWords)")
        }
        let row = Table1.Row(
            id: "outcome.\(measure.name)", label: measure.label, unit: nil, kind: .count, treated: summary(treated),
            control: summary(control), test: test, statistic: incidence?.grayStatistic ?? survivalResult?.logRankChiSquare,
            pValue: p, warnings: warnings)
        // With a competing event: the cause-specific hazard (the competing event censors).
        let hazard = hazardRatioEffect(
            patients: membership.members, times: observations.map(\.time), events: observations.map { $0.cause == 1 }, design: design,
            what: measure.competing == nil ? eventWords : "\(eventWords), cause-specific (the competing event censors)")
        return OutcomeMeasureResult(
            name: measure.name, label: measure.label, kind: measure.kind.rawValue, horizonDays: h, row: row, survival: survivalResult,
            cumulativeIncidence: incidence, leftOut: [], effects: hazard.effect.map { [$0] } ?? [],
            warnings: warnings + (hazard.warning.map { [$0] } ?? []))
    }

    /// Aalen–Johansen cumulative incidence per group (`survfit(Surv(time, factor(cause)) ~ group)`,
    /// log CI) and Gray's test of the event (`cuminc(time, cause, group)$Tests`, cause 1).
    func cumulativeIncidence(
        event: String, competing: String, horizon: Int, patients: [Int], observations: [MeasureObservation]
    ) -> CumulativeIncidenceComparison {
        let riskTimes = Self.riskTimes(horizon: horizon)
        let labels = patients.map { groupLabel(cohort.patients[$0].group) }
        let times = observations.map(\.time), causes = observations.map(\.cause)
        var warnings: [String] = []
        var curves: [CumulativeIncidenceComparison.Curve] = []
        for group in [StudyGroup.treated, .control] {
            let label = groupLabel(group)
            let idx = labels.indices.filter { labels[$0] == label }
            let atRisk = riskTimes.map { t in idx.filter { times[$0] >= t }.count }
            guard !idx.isEmpty else {
                curves.append(.init(group: label, patients: 0, events: 0, competingEvents: 0, steps: [], atRisk: atRisk))
                continue
            }
            do {
                let fit = try CumulativeIncidence.estimate(
                    times: idx.map { times[$0] }, causes: idx.map { causes[$0] }, causeCodes: [1, 2])
                warnings += fit.warnings.map { "\(label): \($0.description)" }
                guard let curve = fit.curves.first else { continue }
                curves.append(.init(
                    group: label, patients: curve.count, events: curve.eventCounts.first ?? 0,
                    competingEvents: curve.eventCounts.count > 1 ? curve.eventCounts[1] : 0,
                    steps: curve.steps.map { s in
                        .init(
                            time: s.time, atRisk: s.atRisk, events: s.events.first ?? 0,
                            competingEvents: s.events.count > 1 ? s.events[1] : 0, censored: s.censored,
                            incidence: s.incidence.first ?? 0, lower: s.lower.first ?? nil, upper: s.upper.first ?? nil,
                            competingIncidence: s.incidence.count > 1 ? s.incidence[1] : 0)
                    },
                    atRisk: atRisk))
            } catch {
                warnings.append("cumulative incidence (\(label)) not computed: \(error)")
            }
        }
        var statistic: Double?
        var df: Int?
        var p: Double?
        if Set(labels).count == 2 {
            do {
                let gray = try GrayTest.test(times: times, causes: causes, groups: labels, levels: groupLevels, cause: 1)
                statistic = gray.statistic
                df = gray.degreesOfFreedom
                p = gray.pValue
                warnings += gray.warnings.map(\.description)
            } catch {
                warnings.append("Gray's test not computed: \(error)")
            }
        } else {
            warnings.append("Gray's test not computed: needs patients in both groups")
        }
        let competingWords = competing == OutcomeMeasure.death ? "death" : competing
        return CumulativeIncidenceComparison(
            event: event, competing: competingWords,
            censoring: "censored when last known alive (or last observed), at most day \(horizon)", riskTimes: riskTimes,
            curves: curves, grayStatistic: statistic, grayDF: df, grayP: p, warnings: warnings)
    }

    /// Whether the event happened within `h` days of day 0 for one patient (see `binary`).
    func binaryStatus(_ measure: OutcomeMeasure, _ f: PatientFollowUp, horizon h: Double) -> Bool? {
        if let t = measure.event.flatMap(f.firstTime(of:)), t - f.t0 <= h { return true }
        if measure.event != OutcomeMeasure.death, let death = f.death, death - f.t0 <= h { return false }
        if let death = f.death, death - f.t0 > h { return false }
        return f.lastKnownAlive - f.t0 >= h ? false : nil
    }

    /// Whether the event happened within the horizon: yes; no (followed to the horizon without
    /// it, or — for an `events.csv` kind — died before the horizon without it, or the competing
    /// event ended the follow-up); unknown (censored alive before the horizon: missing).
    func binary(
        _ measure: OutcomeMeasure, _ membership: AnalysisSetMembership, _ followUps: [PatientFollowUp], design: EffectDesign? = nil
    ) -> OutcomeMeasureResult {
        let h = Double(horizon(of: measure))
        let status: (Int) -> Bool? = { binaryStatus(measure, followUps[$0], horizon: h) }
        let (treated, control) = groups(membership)
        let row = countRow(
            id: "outcome.\(measure.name)", label: measure.label, treated: treated.map(status), control: control.map(status))
        var warnings = row.warnings
        let unknown = row.treated.missing + row.control.missing
        if unknown > 0 {
            warnings.append("\(unknown) patient(s) censored before day \(Int(h)) without the event: status at the horizon unknown, counted as missing")
        }
        let effects = if let design, design.isWeighting {
            weightedBinaryEffects(patients: membership.members, status: status, design: design)
        } else {
            binaryEffects(row)
        }
        return OutcomeMeasureResult(
            name: measure.name, label: measure.label, kind: measure.kind.rawValue, horizonDays: Int(h), row: row, survival: nil,
            cumulativeIncidence: nil, leftOut: [], effects: effects.effects, warnings: warnings + effects.warnings)
    }

    /// Days on the ventilator or in the ICU from day 0, as the paper's durations (the per-patient
    /// courses of the derivation, `outcomes.horizon_days`, death by the protocol's rule).
    func duration(_ measure: OutcomeMeasure, _ membership: AnalysisSetMembership, design: EffectDesign? = nil) -> OutcomeMeasureResult {
        let o = cohort.outcomes
        let h = studyProtocol.outcomes.horizonDays
        let (treated, control) = groups(membership)
        let row: Table1.Row
        let curve: SurvivalComparison
        var leftOut: [FlowResults.Step] = []
        let courses: [(patient: Int, course: TimeToEvent)]
        let what: String
        switch measure.of ?? .icuStay {
        case .ventilation:
            let ventilated: (Int) -> Bool = { o[$0].ventilation != nil }
            for status in VentilationStatus.allCases where status != .ventilatedOnDay0 {
                let n = membership.members.filter { !ventilated($0) && o[$0].ventilationStatus == status }.count
                if n > 0 { leftOut.append(.init(reason: status.rawValue, count: n)) }
            }
            row = continuousRow(
                id: "outcome.\(measure.name)", label: measure.label, unit: "days",
                treated: treated.filter(ventilated).map { o[$0].ventilation?.days }, control: control.filter(ventilated).map { o[$0].ventilation?.days })
            curve = survival(
                event: "extubation alive", censoring: deathWords(studyProtocol.outcomes.deathDuringVentilation, "death before extubation", h),
                patients: membership.members.filter(ventilated), leftOut: leftOut) { o[$0].ventilation }
            courses = membership.members.compactMap { i in o[i].ventilation.map { (i, $0) } }
            what = "extubation alive"
        case .icuStay:
            row = continuousRow(
                id: "outcome.\(measure.name)", label: measure.label, unit: "days",
                treated: treated.map { o[$0].icuStay.days }, control: control.map { o[$0].icuStay.days })
            curve = survival(
                event: "ICU discharge alive", censoring: deathWords(studyProtocol.outcomes.deathInICU, "death in the ICU", h),
                patients: membership.members, leftOut: []) { o[$0].icuStay }
            courses = membership.members.map { ($0, o[$0].icuStay) }
            what = "ICU discharge alive"
        }
        let hazard = hazardRatioEffect(
            patients: courses.map(\.patient), times: courses.map(\.course.time), events: courses.map(\.course.event), design: design,
            what: what)
        return OutcomeMeasureResult(
            name: measure.name, label: measure.label, kind: measure.kind.rawValue, horizonDays: h, row: row, survival: curve,
            cumulativeIncidence: nil, leftOut: leftOut, effects: hazard.effect.map { [$0] } ?? [],
            warnings: row.warnings + (hazard.warning.map { [$0] } ?? []))
    }

    /// How a death before the end of a duration is counted, e.g. "death in the ICU counts as the
    /// worst outcome: censored at day 28".
    func deathWords(_ handling: DeathHandling, _ death: String, _ h: Int) -> String {
        handling == .worstOutcome
            ? "\(death) counts as the worst outcome: censored at day \(h)"
            : "\(death): censored at death"
    }

    /// Days alive and free of ventilation (or of the ICU) from day 0 to the horizon H
    /// (`outcomes.horizon_days`), the convention of ICU trials: death within H → 0; otherwise
    /// H minus the time supported. With `duration_counting: calendar_days_inclusive` the
    /// supported time is the number of aligned days 0 … H − 1 on which the patient was
    /// supported at any moment (whole days); with `elapsed_days` the supported elapsed time.
    /// A patient known alive for less than H without death has no value (missing, counted).
    func freeDays(
        _ measure: OutcomeMeasure, _ membership: AnalysisSetMembership, _ followUps: [PatientFollowUp]
    ) -> OutcomeMeasureResult {
        let h = studyProtocol.outcomes.horizonDays
        let value: (Int) -> Double? = { freeDaysValue(measure, followUps[$0]) }
        let (treated, control) = groups(membership)
        let row = continuousRow(
            id: "outcome.\(measure.name)", label: measure.label, unit: "days", treated: treated.map(value), control: control.map(value))
        var warnings = row.warnings
        if row.treated.missing + row.control.missing > 0 {
            warnings.append("patients known alive for less than \(h) days after day 0 (and not dead) have no free-days value")
        }
        return OutcomeMeasureResult(
            name: measure.name, label: measure.label, kind: measure.kind.rawValue, horizonDays: h, row: row, survival: nil,
            cumulativeIncidence: nil, leftOut: [], warnings: warnings)
    }

    /// One patient's free days (see `freeDays`); `nil` when unknown.
    func freeDaysValue(_ measure: OutcomeMeasure, _ f: PatientFollowUp) -> Double? {
        let h = studyProtocol.outcomes.horizonDays
        guard let course = f.course else { return nil }
        let hEnd = f.t0 + Double(h)
        if let death = course.death, death <= hEnd { return 0 }
        guard f.lastKnownAlive >= hEnd || course.death != nil else { return nil }
        let lastSeen = course.discharge ?? course.death ?? course.followUpEnd ?? f.lastRecorded ?? f.t0
        let interval: (Double, Double)?
        switch measure.of ?? .ventilation {
        case .ventilation: interval = course.ventilationStart.map { ($0, course.ventilationEnd ?? lastSeen) }
        case .icuStay: interval = (0, course.discharge ?? course.death ?? lastSeen)
        }
        guard let (start, end) = interval, end >= f.t0, start < hEnd else { return Double(h) }
        if studyProtocol.outcomes.durationCounting == .calendarDaysInclusive {
            var supported = 0
            for d in 0..<h where start < f.t0 + Double(d + 1) && end >= f.t0 + Double(d) { supported += 1 }
            return Double(h - supported)
        }
        return Double(h) - (min(end, hEnd) - max(start, f.t0))
    }

    /// The per-patient values behind the declared outcomes of a set, for `outcomes.csv`:
    /// time to event — elapsed time and cause (1 event, 2 competing event, 0 censored); binary —
    /// 1/0 (empty when unknown); duration — time, 1/0 and days, as the paper's curves; free days
    /// — the days.
    func measureRows(
        _ measures: [OutcomeMeasure], _ membership: AnalysisSetMembership
    ) -> [(patient: Int, name: String, time: Double?, event: Int?, days: Double?)] {
        let followUps = followUps(measures)
        var rows: [(patient: Int, name: String, time: Double?, event: Int?, days: Double?)] = []
        for i in membership.members {
            for m in measures {
                switch m.kind {
                case .timeToEvent:
                    let o = observation(m, followUps[i], horizon: Double(horizon(of: m)))
                    rows.append((i, m.name, o.time, o.cause, nil))
                case .binary:
                    let s = binaryStatus(m, followUps[i], horizon: Double(horizon(of: m)))
                    rows.append((i, m.name, nil, s.map { $0 ? 1 : 0 }, nil))
                case .duration:
                    let course = m.of == .ventilation ? cohort.outcomes[i].ventilation : cohort.outcomes[i].icuStay
                    guard let course else { continue }
                    rows.append((i, m.name, course.time, course.event ? 1 : 0, course.days))
                case .freeDays:
                    rows.append((i, m.name, nil, nil, freeDaysValue(m, followUps[i])))
                }
            }
        }
        return rows
    }
}
