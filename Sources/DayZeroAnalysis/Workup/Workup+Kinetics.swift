#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DayZeroCohort
import DayZeroStats
import Foundation

extension Workup {
    /// The analyses that read the aligned long table of a set: per protocol parameter (in
    /// protocol order) its transform counts, and the kinetics panels — the serial parameters'
    /// and the cytokines', each in protocol order — per aligned day and group the geometric mean
    /// with its 95% CI, and the mixed-model day × group p-values for the whole window and its
    /// parts before and after day 0.
    ///
    /// Each parameter's rows are built (`AlignedLongTableBuilder.table(parameter:)`), analysed
    /// and dropped inside the loop, so memory holds about one parameter's rows per core, never
    /// the set's whole table (≈ 0.9 GiB per set at 100 000 screened patients). The parameters are
    /// independent (each fits its own models), so they run concurrently on the machine's cores;
    /// each result goes to its parameter's slot, so the order and the numbers do not depend on
    /// the scheduling. Parameters without kinetics still give their counts (for the warnings).
    ///
    /// `weights` (a weighted set's weight per cohort patient number) add each panel's
    /// design-based weighted tests (`weightedTests`).
    func longTableAnalyses(_ builder: AlignedLongTableBuilder, weights: [Int: Double]? = nil)
        -> (counts: [TransformCounts], kinetics: [KineticsPanel], cytokines: [KineticsPanel])
    {
        let registry = ParameterRegistry(declared: study.declaredParameters)
        let rules = studyProtocol.parameters
        let slots = ConcurrentSlots<(counts: TransformCounts, panel: KineticsPanel?)>(count: rules.count)
        DispatchQueue.concurrentPerform(iterations: rules.count) { k in
            let table = builder.table(parameter: k)
            var panel = rules[k].kinetics ? panel(table, parameter: k, rule: rules[k], registry: registry) : nil
            if let weights, panel != nil { panel?.weighted = weightedTests(table, rule: rules[k], weights: weights) }
            slots[k] = (table.counts[k], panel)
        }
        let results = slots.values
        var kinetics: [KineticsPanel] = []
        var cytokines: [KineticsPanel] = []
        for (k, result) in results.enumerated() {
            guard let panel = result.panel else { continue }
            if registry[rules[k].name]?.kind == .cytokine { cytokines.append(panel) } else { kinetics.append(panel) }
        }
        return (results.map(\.counts), kinetics, cytokines)
    }

    /// The kinetics panel of parameter `k`, from a table holding its rows only
    /// (`AlignedLongTableBuilder.table(parameter:)`).
    private func panel(_ table: AlignedLongTable, parameter k: Int, rule: ParameterRule, registry: ParameterRegistry) -> KineticsPanel {
        let window = cohort.window(of: rule)
        let daily = (0..<table.count).filter { table.timepoint[$0] == .daily }
        let admissionRows = (0..<table.count).filter { table.timepoint[$0] == .admission }
        var warnings: [String] = []
        let counts = table.counts[k]
        if counts.zerosExcluded + counts.nonPositiveExcluded > 0 {
            warnings.append("\(counts.zerosExcluded + counts.nonPositiveExcluded) non-positive value(s) left out (\(table.transforms[k]))")
        }
        if counts.imputed > 0 { warnings.append("\(counts.imputed) value(s) imputed") }

        var days: [DayGroupStatistic] = []
        // Values per window day: [treated, control] at (day − start) · 2 + {0, 1}.
        var byDayGroup = [[Double]](repeating: [], count: 2 * (window.end - window.start + 1))
        for r in daily {
            let d = Int(table.alignedDay[r])
            guard d >= window.start, d <= window.end else { continue }
            byDayGroup[2 * (d - window.start) + (table.group[r] == .treated ? 0 : 1)].append(table.analysedValue[r])
        }
        for day in window.start...window.end {
            for (g, group) in [StudyGroup.treated, .control].enumerated() {
                days.append(dayStatistic(day: day, group: group, logValues: byDayGroup[2 * (day - window.start) + g], rule: rule))
            }
        }
        var admission: [DayGroupStatistic] = []
        if !admissionRows.isEmpty {
            for group in [StudyGroup.treated, .control] {
                let values = admissionRows.filter { table.group[$0] == group }.map { table.analysedValue[$0] }
                admission.append(dayStatistic(day: 0, group: group, logValues: values, rule: rule))
            }
        }
        // The parts before and after day 0 share day 0, as in the paper (−10…0 and 0…+10);
        // a window that does not contain day 0 has only one part, the window itself.
        let overall = interaction(table, daily, window.start, window.end)
        let pre: ModelOutcome = window.start < 0 && window.end >= 0
            ? interaction(table, daily, window.start, 0) : .failure("the window \(window) has no days before day 0")
        let post: ModelOutcome = window.end > 0 && window.start <= 0
            ? interaction(table, daily, 0, window.end) : .failure("the window \(window) has no days after day 0")
        // A window that ends at or starts from day 0 has no part on the other side by design (a
        // trial aligned on entry: [0, 10]); only a part that exists and failed is reported.
        let parts = [("whole window", overall, true), ("before day 0", pre, window.start < 0 && window.end >= 0),
                     ("after day 0", post, window.end > 0 && window.start <= 0)]
        for (name, test, exists) in parts where exists {
            if case .failure(let message) = test { warnings.append("mixed model (\(name)) not fitted: \(message)") }
        }
        let definition = registry[rule.name]
        return KineticsPanel(
            parameter: rule.name, label: definition?.label ?? (rule.name == "sofa" ? "SOFA score" : rule.name),
            unit: rule.unit ?? definition?.unit ?? "", firstDay: window.start, lastDay: window.end,
            transform: rule.transformLabel, admission: admission, days: days,
            overall: overall.value, pre: pre.value, post: post.value, warnings: warnings,
            timeModel: studyProtocol.kineticsModel.time == .categorical ? nil : studyProtocol.kineticsModel.label,
            timeUnit: studyProtocol.timeAxisSetting == nil ? nil : studyProtocol.timeAxis.unit)
    }

    /// The back-transformed mean and 95% t-interval of one day's analysed values.
    ///
    /// On the analysis scale y (log x, or log(x + c)) the interval is ȳ ± t₀.₉₇₅,ₙ₋₁ s/√n —
    /// R's `t.test(y)$conf.int` — and both are mapped back (exp, minus c). For log x this is the
    /// geometric mean with its 95% CI; with transform `none` it is the arithmetic mean.
    func dayStatistic(day: Int, group: StudyGroup, logValues y: [Double], rule: ParameterRule) -> DayGroupStatistic {
        let n = y.count
        guard n > 0 else { return DayGroupStatistic(day: day, group: groupLabel(group), n: 0, geometricMean: nil, lower: nil, upper: nil) }
        let back = backTransform(rule)
        // Identical values have exactly their own mean (a sum divided by n can be off by an ulp,
        // and exp(log c) − c would then print as −1.4e-17 instead of 0).
        let allEqual = y.allSatisfy { $0 == y[0] }
        let mean = allEqual ? y[0] : y.reduce(0, +) / Double(n)
        guard n > 1 else {
            return DayGroupStatistic(day: day, group: groupLabel(group), n: 1, geometricMean: back(mean), lower: nil, upper: nil)
        }
        if allEqual {
            return DayGroupStatistic(day: day, group: groupLabel(group), n: n, geometricMean: back(mean), lower: back(mean), upper: back(mean))
        }
        let ss = y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let se = (ss / Double(n - 1)).squareRoot() / Double(n).squareRoot()
        let t = StudentTDistribution.quantile(0.975, df: Double(n - 1))
        return DayGroupStatistic(
            day: day, group: groupLabel(group), n: n, geometricMean: back(mean), lower: back(mean - t * se), upper: back(mean + t * se))
    }

    /// The inverse of the analysis transform. For log(x + c) the value exp(m) − c is computed
    /// as c·expm1(m − log c): exact 0 when m is log c (a day on which every value was 0), and
    /// no cancellation near it.
    func backTransform(_ rule: ParameterRule) -> (Double) -> Double {
        switch (rule.transform, rule.zeroRule) {
        case (.none, _): { $0 }
        case (.log, .addConstant(let c)?): { Self.expMinus($0, c) }
        case (.log, _): { exp($0) }
        }
    }

    /// exp(m) − c as c·expm1(m − log c) (for c > 0; plain exp(m) − c otherwise): 0 exactly when
    /// m == log(c).
    static func expMinus(_ m: Double, _ c: Double) -> Double {
        guard c > 0, c.isFinite else { return exp(m) - c }
        return c * expm1(m - log(c))
    }

    /// The interaction test of the rows with `first ≤ day ≤ last` (`fitInteraction`), from the
    /// fit cache when the same rows were fitted before in this specification-curve run.
    func interaction(_ table: AlignedLongTable, _ rows: [Int], _ first: Int, _ last: Int) -> ModelOutcome {
        guard let fitCache else { return fitInteraction(table, rows, first, last) }
        let key = KineticsFitCache.Key(model: studyProtocol.kineticsModel, table: table, rows: rows, first: first, last: last)
        return fitCache.outcome(key) { fitInteraction(table, rows, first, last) }
    }

    /// lmerTest's `anova(lmer(y ~ factor(day) * group + (1 | patient)), type = 3)` on the rows
    /// with `first ≤ day ≤ last`: the `day:group` row.
    func fitInteraction(_ table: AlignedLongTable, _ rows: [Int], _ first: Int, _ last: Int) -> ModelOutcome {
        guard last > first else { return .failure("the window \(first)…\(last) has fewer than two days") }
        let model = studyProtocol.kineticsModel
        if model.time != .categorical { return continuousInteraction(table, rows, first, last, model) }
        // Protocol validation refuses such a window before anything is fitted; this guards a
        // protocol built in code.
        guard last - first + 1 <= model.levelLimit else {
            return .failure("\(last - first + 1) time levels in \(first)…\(last) exceed kinetics_model.max_levels \(model.levelLimit); use time: linear or spline")
        }
        // Factor codes are built directly: day d has code rank(d) among the days present (the
        // levels of R's `factor(day)`, labelled by their decimal text), group control = 0 and
        // treated = 1 (`groupLevels`).
        var inWindow: [Int] = []
        var dayPresent = [Bool](repeating: false, count: last - first + 1)
        var hasTreated = false, hasControl = false
        for r in rows {
            let d = Int(table.alignedDay[r])
            guard d >= first, d <= last else { continue }
            inWindow.append(r)
            dayPresent[d - first] = true
            if table.group[r] == .treated { hasTreated = true } else { hasControl = true }
        }
        guard !inWindow.isEmpty else { return .failure("no values in days \(first)…\(last)") }
        guard hasTreated, hasControl else {
            return .failure("values from the \(groupLabel(hasTreated ? .treated : .control)) group only in days \(first)…\(last)")
        }
        var dayCode = [Int32](repeating: -1, count: dayPresent.count)
        var dayLevels: [String] = []
        for k in dayPresent.indices where dayPresent[k] {
            dayCode[k] = Int32(dayLevels.count)
            dayLevels.append(String(first + k))
        }
        do {
            let day = try CategoricalVariable(name: "day", levels: dayLevels, codes: inWindow.map { dayCode[Int(table.alignedDay[$0]) - first] })
            let group = try CategoricalVariable(name: "group", levels: groupLevels, codes: inWindow.map { table.group[$0] == .treated ? 1 : 0 })
            let design = try FixedEffectsDesign.crossed(day, group)
            let fit = try LinearMixedModel.fit(
                response: inWindow.map { table.analysedValue[$0] }, subjects: inWindow.map { table.patient[$0] }, design: design)
            let anova = try fit.typeIIIAnova()
            guard let row = anova.rows.first(where: { $0.term == "day:group" }) else {
                return .failure("the day × group interaction is not estimable in days \(first)…\(last)")
            }
            let warnings = (fit.warnings + anova.warnings).map(\.description)
            return .success(InteractionTest(
                firstDay: first, lastDay: last, observations: fit.observationCount, patients: fit.subjectCount,
                fStatistic: row.test.fValue, numeratorDF: Double(row.test.numeratorDF), denominatorDF: row.test.denominatorDF,
                pValue: row.test.pValue, warnings: warnings))
        } catch {
            return .failure("\(error)")
        }
    }
}

/// A mixed-model test, or why it could not be done.
enum ModelOutcome {
    case success(InteractionTest)
    case failure(String)

    var value: InteractionTest? {
        if case .success(let t) = self { return t }
        return nil
    }
}

extension Workup {
    /// The continuous-time model on the rows with `first ≤ period ≤ last`: lmerTest's type III
    /// F test of `time:group` in `value ~ time * group + (1 | patient)` (linear) or
    /// `value ~ ns(time, knots = the protocol's knots inside (first, last),
    /// Boundary.knots = c(first, last)) * group + (1 | patient)` (spline); time = the aligned
    /// period.
    func continuousInteraction(_ table: AlignedLongTable, _ rows: [Int], _ first: Int, _ last: Int, _ model: KineticsModel) -> ModelOutcome {
        var inWindow: [Int] = []
        var hasTreated = false, hasControl = false
        var times = Set<Int32>()
        for r in rows {
            let d = Int(table.alignedDay[r])
            guard d >= first, d <= last else { continue }
            inWindow.append(r)
            times.insert(table.alignedDay[r])
            if table.group[r] == .treated { hasTreated = true } else { hasControl = true }
        }
        guard !inWindow.isEmpty else { return .failure("no values in days \(first)…\(last)") }
        guard hasTreated, hasControl else {
            return .failure("values from the \(groupLabel(hasTreated ? .treated : .control)) group only in days \(first)…\(last)")
        }
        guard times.count >= 2 else { return .failure("values on one day only in days \(first)…\(last)") }
        let basis: ContinuousTimeBasis
        let label: String
        switch model.time {
        case .spline:
            let knots = model.interiorKnots(first: first, last: last)
            do {
                basis = .spline(try NaturalCubicSpline(knots: knots, boundary: (Double(first), Double(last))))
            } catch {
                return .failure("\(error)")
            }
            label = KineticsModel(time: .spline, knots: knots).label
        default:
            basis = .linear
            label = "linear"
        }
        do {
            let result = try LinearMixedModel.continuousTimeInteraction(
                response: inWindow.map { table.analysedValue[$0] }, time: inWindow.map { Double(table.alignedDay[$0]) },
                treated: inWindow.map { table.group[$0] == .treated }, subjects: inWindow.map { table.patient[$0] }, basis: basis)
            let test = result.test
            return .success(InteractionTest(
                firstDay: first, lastDay: last, observations: result.fit.observationCount, patients: result.fit.subjectCount,
                fStatistic: test.fValue, numeratorDF: Double(test.numeratorDF), denominatorDF: test.denominatorDF,
                pValue: test.pValue, warnings: result.fit.warnings.map(\.description), timeModel: label))
        } catch {
            return .failure("\(error)")
        }
    }
}

extension Workup {
    /// A weighted set's kinetics tests of one parameter, on the whole window and its parts
    /// before and after day 0 (as the mixed model's): `survey::svyglm(value ~ factor(day) * group,
    /// design = svydesign(ids = ~patient, weights = ~w))` on the daily analysed values, with
    /// `regTermTest`'s Wald F tests of the day × group interaction and of group + interaction
    /// (`WeightedKinetics`). Never a weighted mixed model: lmer's weights are precision weights,
    /// and its standard errors are not valid for sampling weights.
    func weightedTests(_ table: AlignedLongTable, rule: ParameterRule, weights: [Int: Double]) -> WeightedKineticsTests {
        let method = "survey::svyglm(value ~ factor(day) * group, design = svydesign(ids = ~patient, weights = ~w)); "
            + "survey::regTermTest(m, ~factor(day):group) and (m, ~group + factor(day):group), Wald F on (q, patients − rank) df"
        guard studyProtocol.kineticsModel.time == .categorical else {
            return WeightedKineticsTests(
                method: method, overall: nil, pre: nil, post: nil,
                warnings: ["weighted tests are computed for the categorical time model only (kinetics_model time: categorical)"])
        }
        let window = cohort.window(of: rule)
        let daily = (0..<table.count).filter { table.timepoint[$0] == .daily }
        var warnings: [String] = []
        func test(_ first: Int, _ last: Int, _ name: String) -> WeightedKineticsTests.Window? {
            let rows = daily.filter { Int(table.alignedDay[$0]) >= first && Int(table.alignedDay[$0]) <= last }
            do {
                let t = try WeightedKinetics.test(
                    values: rows.map { table.analysedValue[$0] }, days: rows.map { Int(table.alignedDay[$0]) },
                    treated: rows.map { table.group[$0] == .treated }, patients: rows.map { Int(table.patient[$0]) },
                    weights: rows.map { weights[Int(table.patient[$0])] ?? 0 })
                if t.interaction == nil { warnings.append("weighted test (\(name)): the interaction is not estimable (residual df \(t.model.residualDF))") }
                return .init(
                    firstDay: first, lastDay: last, observations: rows.count, patients: t.patientCount, interaction: t.interaction,
                    group: t.group)
            } catch {
                warnings.append("weighted test (\(name)) not computed: \(error)")
                return nil
            }
        }
        let overall = test(window.start, window.end, "whole window")
        let pre = window.start < 0 && window.end >= 0 ? test(window.start, 0, "before day 0") : nil
        let post = window.end > 0 && window.start <= 0 ? test(0, window.end, "after day 0") : nil
        return WeightedKineticsTests(method: method, overall: overall, pre: pre, post: post, warnings: warnings)
    }
}
