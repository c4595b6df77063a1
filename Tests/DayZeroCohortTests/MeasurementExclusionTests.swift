import Testing
@testable import DayZeroCohort

/// Exclusion rules over measurements (`{parameter: P, above: x, window: [a, b], …}` in
/// `exclusions`): the period value is the aggregation of the patient's `measurements.csv` values
/// of P in one period of the time axis (ICU days from admission by default), in time order with
/// ties in file order; the rule is met when at least `on_at_least_days` distinct periods of the
/// window have a value meeting the threshold. Every expected value below is worked by hand.
@Suite("Exclusion rules over measurements")
struct MeasurementExclusionTests {
    /// Patient t: treated from ICU day 12 (never excluded, no measurements).
    func study(_ build: (inout StudyBuilder) -> Void) -> StudyBuilder {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 12)
        build(&b)
        return b
    }

    func protocolWith(_ exclusions: [ExclusionRule]) -> StudyProtocol {
        var p = StudyProtocol.paperDefault
        p.exclusions = exclusions
        return p
    }

    func rule(
        _ name: String, _ parameter: String, _ comparison: Threshold.Comparison, _ x: Double, window: DayWindow = DayWindow(0, 2),
        days: Int = 1, aggregation: DailyAggregation? = nil
    ) -> ExclusionRule {
        ExclusionRule(name: name, label: "Label of \(name)", rule: .parameter(ParameterCriterion(
            parameter: parameter, threshold: Threshold(comparison, x), window: window, onAtLeastDays: days, aggregation: aggregation)))
    }

    func reasons(_ c: DerivedCohort) -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: c.screening.map { ($0.id, $0.exclusions.map(\.name)) })
    }

    /// Patient x: four CRP values on ICU day 1, written out of time order, two at the same time
    /// 1.9 (30 then 20 in the file). In time order, ties in file order: 10 (1.2), 15 (1.5),
    /// 30 (1.9), 20 (1.9). So max 30, min 10, mean 75/4 = 18.75, median (15 + 20)/2 = 17.5,
    /// first 10, last 20 (the later row of the tie), sum 75.
    func sameDayStudy() -> StudyBuilder {
        study { b in
            b.patient("x")
            b.measure("x", "crp", at: 1.9, 30)
            b.measure("x", "crp", at: 1.2, 10)
            b.measure("x", "crp", at: 1.9, 20)
            b.measure("x", "crp", at: 1.5, 15)
        }
    }

    @Test("each aggregation of several values in one day; exactly at the value: at_least/at_most met, above/below not")
    func aggregationsWithinADay() throws {
        let expected: [(DailyAggregation, Double)] = [
            (.max, 30), (.min, 10), (.mean, 18.75), (.median, 17.5), (.first, 10), (.last, 20), (.sum, 75),
        ]
        var rules: [ExclusionRule] = []
        for (aggregation, value) in expected {
            rules.append(rule("\(aggregation)-at-least", "crp", .atLeast, value, aggregation: aggregation))
            rules.append(rule("\(aggregation)-above", "crp", .above, value, aggregation: aggregation))
            rules.append(rule("\(aggregation)-at-most", "crp", .atMost, value, aggregation: aggregation))
            rules.append(rule("\(aggregation)-below", "crp", .below, value, aggregation: aggregation))
        }
        let c = try sameDayStudy().derive(protocolWith(rules))
        let met = expected.flatMap { ["\($0.0)-at-least", "\($0.0)-at-most"] }
        #expect(reasons(c)["x"] == met)
        #expect(reasons(c)["t"] == [])
        // Just inside the boundaries the strict comparisons are met too.
        let inside = try sameDayStudy().derive(protocolWith([
            rule("last-above", "crp", .above, 19.999, aggregation: .last),
            rule("first-below", "crp", .below, 10.001, aggregation: .first),
            rule("first-above", "crp", .above, 10.001, aggregation: .first),
        ]))
        #expect(reasons(inside)["x"] == ["last-above", "first-below"])
    }

    @Test("without its own aggregation a rule uses the protocol's parameter rule, else the catalog's")
    func defaultAggregation() throws {
        // The default protocol aggregates CRP by max (30 on day 1); with its rule set to min, 10.
        let above20 = rule("crp-above-20", "crp", .above, 20)
        #expect(reasons(try sameDayStudy().derive(protocolWith([above20])))["x"] == ["crp-above-20"])
        var p = protocolWith([above20])
        let k = try #require(p.parameters.firstIndex { $0.name == "crp" })
        p.parameters[k].aggregation = .min
        #expect(reasons(try sameDayStudy().derive(p))["x"] == [])
        // MAP is not among the protocol's parameters: the catalog's min (60) is the day's value.
        let b = study { b in
            b.patient("m")
            b.measure("m", "map", at: 0.1, 80)
            b.measure("m", "map", at: 0.6, 60)
        }
        let c = try b.derive(protocolWith([rule("map-below-65", "map", .below, 65), rule("map-at-least-80", "map", .atLeast, 80)]))
        #expect(reasons(c)["m"] == ["map-below-65"])
    }

    @Test("on_at_least_days counts distinct ICU days from admission inside the window, both ends included")
    func daysAndWindows() throws {
        let b = study { b in
            b.patient("two")          // above on ICU days 0 and 2 (100 on day 1): 2 days → met
            b.measure("two", "creatinine", at: 0.5, 200)
            b.measure("two", "creatinine", at: 1.5, 100)
            b.measure("two", "creatinine", at: 2.99, 200)
            b.patient("same-day")     // twice above on day 0: one day only
            b.measure("same-day", "creatinine", at: 0.2, 200)
            b.measure("same-day", "creatinine", at: 0.8, 250)
            b.patient("outside")      // above on day 1 and on day 3, outside [0, 2]
            b.measure("outside", "creatinine", at: 1.0, 200)
            b.measure("outside", "creatinine", at: 3.0, 200)
            b.patient("before")       // above at −0.5 (ICU day −1, before admission) and on day 2
            b.measure("before", "creatinine", at: -0.5, 200)
            b.measure("before", "creatinine", at: 2.0, 200)
            b.patient("late-only")    // above on day 3 only
            b.measure("late-only", "creatinine", at: 3.5, 300)
        }
        let p = protocolWith([
            rule("two-days", "creatinine", .above, 150, window: DayWindow(0, 2), days: 2),
            rule("from-day-minus-1", "creatinine", .above, 150, window: DayWindow(-1, 2), days: 2),
            rule("any-day-0-2", "creatinine", .above, 150, window: DayWindow(0, 2)),
        ])
        let r = reasons(try b.derive(p))
        #expect(r["two"] == ["two-days", "from-day-minus-1", "any-day-0-2"])
        #expect(r["same-day"] == ["any-day-0-2"])
        #expect(r["outside"] == ["any-day-0-2"])
        #expect(r["before"] == ["from-day-minus-1", "any-day-0-2"])
        #expect(r["late-only"] == [])
        #expect(r["t"] == [])
    }

    @Test("a 7-day axis with rounding nearest: periods ⌊t/7 + ½⌋ from admission, aggregated per period")
    func weeklyNearestAxis() throws {
        // w: 50 at t = 3.4 (3.4/7 + ½ = 0.99 → period 0); 200 at 3.5 (exactly ½ above → period 1)
        // and 60 at 10 (1.93 → 1): period 1 max 200, mean 130. v: 200 at −3.5 (−½ + ½ = 0 → period 0).
        // u: 200 at −3.6 (period −1).
        let b = study { b in
            b.patient("w")
            b.measure("w", "crp", at: 3.4, 50)
            b.measure("w", "crp", at: 3.5, 200)
            b.measure("w", "crp", at: 10, 60)
            b.patient("v")
            b.measure("v", "crp", at: -3.5, 200)
            b.patient("u")
            b.measure("u", "crp", at: -3.6, 200)
        }
        var p = protocolWith([
            rule("period-0", "crp", .above, 100, window: DayWindow(0, 0)),
            rule("period-1", "crp", .above, 100, window: DayWindow(1, 1)),
            rule("mean-above-130", "crp", .above, 130, window: DayWindow(1, 1), aggregation: .mean),
            rule("mean-at-least-130", "crp", .atLeast, 130, window: DayWindow(1, 1), aggregation: .mean),
            rule("period-minus-1", "crp", .above, 100, window: DayWindow(-1, -1)),
        ])
        p.timeAxisSetting = TimeAxis(unit: "week", periodDays: 7, rounding: .nearest)
        let r = reasons(try b.derive(p))
        #expect(r["w"] == ["period-1", "mean-at-least-130"])
        #expect(r["v"] == ["period-0"])
        #expect(r["u"] == ["period-minus-1"])
        #expect(r["t"] == [])
    }

    @Test("in the flow with the other rules: its label and count, in protocol order, first rule met counts")
    func flow() throws {
        let b = study { b in
            b.patient("ic", immunocompromised: true)   // immunocompromised and high creatinine
            b.measure("ic", "creatinine", at: 0.5, 500)
            b.patient("renal")
            b.measure("renal", "creatinine", at: 1.5, 450)
            b.patient("renal-late")                    // high only on day 4: kept
            b.measure("renal-late", "creatinine", at: 4.5, 450)
            b.event("renal-late", "transplant", at: 1)
            b.patient("tx")
            b.event("tx", "transplant", at: 0.5)
        }
        let p = protocolWith([
            .immunocompromised,
            ExclusionRule(
                name: "hepatorenal", label: "Creatinine above 400 µmol/L on ICU day 0–1",
                rule: .parameter(ParameterCriterion(parameter: "creatinine", threshold: Threshold(.above, 400), window: DayWindow(0, 1)))),
            ExclusionRule(name: "transplant", label: "Transplant on ICU day 0", rule: .event(EventCriterion(event: "transplant", window: DayWindow(0, 0)))),
        ])
        let c = try b.derive(p)
        let r = reasons(c)
        #expect(r["ic"] == ["immunocompromised", "hepatorenal"])
        #expect(r["renal"] == ["hepatorenal"])
        #expect(r["renal-late"] == [])
        #expect(r["tx"] == ["transplant"])
        let steps = c.flow.excludedBeforeAlignment
        #expect(steps.map(\.reason.name) == ["immunocompromised", "hepatorenal", "transplant", "no_icu_course"])
        #expect(steps.map(\.label) == [
            "Pre-existing immunocompromised state", "Creatinine above 400 µmol/L on ICU day 0–1", "Transplant on ICU day 0",
            "No ICU course recorded",
        ])
        #expect(steps.map(\.count) == [1, 1, 1, 0])
        #expect(c.patients.map(\.id) == ["t", "renal-late"])
    }

    @Test("the measurements handed to the deriver replace the study's (a store's path)")
    func exclusionMeasurementsArgument() throws {
        let b = study { b in
            b.patient("x")
            b.measure("x", "creatinine", at: 0.5, 500)
        }
        let p = protocolWith([rule("renal", "creatinine", .above, 400)])
        var empty = b.data
        empty.measurements = []
        let given = MeasurementTable(b.data.measurements.filter { $0.parameter == "creatinine" })
        let deriver = try CohortDeriver(study: empty, protocol: p, exclusionMeasurements: given)
        let viaArgument = deriver.finish(proteomics: deriver.proteomicsBuilder(samples: []).finish())
        #expect(reasons(viaArgument)["x"] == ["renal"])
        #expect(p.exclusionParameters == ["creatinine"])
        #expect(protocolWith([]).exclusionParameters == [])
    }

    @Test("YAML: a threshold with a unit is converted (2 mg/dL of creatinine = 176.84 µmol/L)")
    func unitInThreshold() throws {
        let text = ProtocolYAML.defaultYAML.replacingAll(
            "    if: {variable: consent_refused, is: 1}\n",
            with: """
                    if: {variable: consent_refused, is: 1}
                  - name: renal
                    label: Creatinine above 2 mg/dL on ICU day 0–1
                    if: {parameter: creatinine, above: 2 mg/dL, window: [0, 1], aggregation: mean}

                """)
        let p = try ProtocolYAML.decode(text)
        let last = try #require(p.exclusions.last)
        guard case .parameter(let c) = last.rule else {
            Issue.record("not a parameter rule: \(last.rule)")
            return
        }
        #expect(abs(c.threshold.value - 176.84) < 1e-9)
        #expect(c.aggregation == .mean)
        let b = study { b in
            b.patient("above")    // mean 177 on day 1
            b.measure("above", "creatinine", at: 1.1, 170)
            b.measure("above", "creatinine", at: 1.2, 184)
            b.patient("below")    // mean 176.5 on day 0
            b.measure("below", "creatinine", at: 0.1, 176)
            b.measure("below", "creatinine", at: 0.2, 177)
        }
        let r = reasons(try b.derive(p))
        #expect(r["above"] == ["renal"])
        #expect(r["below"] == [])
    }

    @Test("checks: unknown, derived, cytokine and imputed parameters are refused in exclusions, located, with the reason")
    func validation() throws {
        let text = ProtocolYAML.defaultYAML.replacingAll(
            "    if: {variable: consent_refused, is: 1}\n",
            with: """
                    if: {variable: consent_refused, is: 1}
                  - {name: a, label: A, if: {parameter: creatinin, above: 400, window: [0, 1]}}
                  - {name: b, label: B, if: {parameter: sofa, above: 10, window: [0, 1]}}
                  - {name: c, label: C, if: {any_of: [{parameter: sofa_renal, at_least: 3, window: [0, 1]}]}}
                  - {name: d, label: D, if: {parameter: il6, above: 100, window: [0, 1]}}
                  - {name: e, label: E, if: {parameter: temperature, above: 40, window: [0, 1]}}
                  - {name: f, label: F, if: {parameter: ferritin, above: 2000, window: [0, 1], on_at_least_days: 3}}
                  - {name: g, label: G, if: {not: {parameter: platelets, below: 50, window: [0, 2], on_at_least_days: 2}}}

                """)
        let issues = ProtocolYAML.check(text).issues
        func issue(_ path: String) -> ProtocolIssue? { issues.first { $0.path == path } }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func line(of needle: String) -> Int? { lines.firstIndex { $0.contains(needle) }.map { $0 + 1 } }

        let unknown = try #require(issue("exclusions[2].if.parameter"), "\(issues)")
        #expect(unknown.message.hasPrefix("unknown parameter 'creatinin' (did you mean 'creatinine'?)"))
        #expect(unknown.position?.line == line(of: "parameter: creatinin,"))
        let sofa = try #require(issue("exclusions[3].if.parameter"))
        #expect(sofa.message.hasPrefix("sofa is derived: SOFA is scored from the daily values of the analysed patients, after alignment"))
        #expect(sofa.message.hasSuffix("use the rule in an analysis set's exclude_if"))
        #expect(sofa.position?.line == line(of: "parameter: sofa,"))
        let component = try #require(issue("exclusions[4].if.any_of[0].parameter"))
        #expect(component.message.hasPrefix("sofa_renal is derived"))
        let cytokine = try #require(issue("exclusions[5].if.parameter"))
        #expect(cytokine.message.hasPrefix("il6 is a cytokine (cytokines.csv); an exclusion's parameter rule reads measurements.csv"))
        let imputed = try #require(issue("exclusions[6].if.parameter"))
        #expect(imputed.message.hasPrefix("temperature is imputed (temperature_imputation)"))
        let days = try #require(issue("exclusions[7].if.on_at_least_days"))
        #expect(days.message == "on_at_least_days 3 exceeds the 2 days of window [0, 1]")
        #expect(issues.count == 6, "\(issues)")
        // Every issue is located in the file.
        #expect(issues.allSatisfy { $0.position != nil })

        // Without temperature imputation, temperature is an ordinary measured parameter.
        var p = StudyProtocol.paperDefault
        p.temperatureImputation = nil
        p.exclusions = [rule("fever", "temperature", .above, 40)]
        #expect(p.validate().isEmpty)
    }
}
