import DayZeroCohort
import DayZeroStats

/// The per-patient values behind one Table 1 row (count rows hold 1/0, categorical rows the
/// level index), kept so the tidy export carries exactly what the test saw.
struct Table1Input {
    var id: String
    var label: String
    var unit: String?
    var kind: Table1.Kind
    var treated: [(patient: Int, value: Double?)]
    var control: [(patient: Int, value: Double?)]
    /// Categorical rows: the levels (as written in `patients.csv`) and their labels.
    var levels: [String] = []
    var levelLabels: [String] = []

    var row: Table1.Row {
        switch kind {
        case .count:
            countRow(id: id, label: label, treated: treated.map { $0.value.map { $0 != 0 } }, control: control.map { $0.value.map { $0 != 0 } })
        case .continuous:
            continuousRow(id: id, label: label, unit: unit, treated: treated.map(\.value), control: control.map(\.value))
        case .categorical:
            categoricalRow(
                id: id, label: label, levels: levels, levelLabels: levelLabels,
                treated: treated.map { $0.value.map { Int($0) } }, control: control.map { $0.value.map { Int($0) } })
        }
    }

    /// Whether any patient of the set has a value (a row nobody has a value for is left out).
    var hasValues: Bool { (treated + control).contains { $0.value != nil } }

    /// The value as the tidy export writes it: the level for a categorical row, else the number.
    func exported(_ value: Double?) -> String? {
        guard let value else { return nil }
        if kind == .categorical {
            let i = Int(value)
            return i >= 0 && i < levels.count ? levels[i] : nil
        }
        return nil
    }
}

extension Workup {
    /// Table 1: the protocol's baseline sections (patients.csv variables), and the Table 1
    /// parameters on ICU admission (ICU day 0) and on the alignment day (aligned day 0).
    func table1(_ membership: AnalysisSetMembership) -> Table1 {
        let selected = selectingRowIDs(membership)
        return Table1(sections: table1Inputs(membership).map { section in
            Table1.Section(title: section.title, rows: section.inputs.map { input in
                var row = input.row
                if selected.contains(row.id) { Self.untestIfConstant(&row) }
                return row
            })
        })
    }

    /// A characteristic the set's own rule selects on is the same in every member (e.g. "no
    /// infection at admission": 0 vs 0): the row stays, to show the rule held, but a test of it
    /// would only restate the rule, so it is dropped (also for the pooled Table 1).
    static func untestIfConstant(_ row: inout Table1.Row) {
        guard isConstant(row) else { return }
        row.test = nil
        row.statistic = nil
        row.pValue = nil
        // The test's own notes (a degenerate table) go with the test; missing counts stay.
        row.warnings = row.warnings.filter { $0.hasPrefix("missing values") }
            + ["not tested: the analysis set's rule selects on this characteristic, so it is the same in every patient of the set"]
    }

    /// The Table 1 row ids of the baseline variables the set's own include/exclude rules name.
    func selectingRowIDs(_ membership: AnalysisSetMembership) -> Set<String> {
        guard let rule = studyProtocol.analysisSets.first(where: { $0.name == membership.name }) else { return [] }
        var ids = Set<String>()
        for leaf in (rule.includeIf?.leaves ?? []) + (rule.excludeIf?.leaves ?? []) {
            if case .variable(let v) = leaf { ids.insert(Self.baselineRowID(v.variable)) }
        }
        return ids
    }

    /// Whether every member with a known value has the same value: a count row with nobody or
    /// everybody counted, a categorical row with at most one level present.
    static func isConstant(_ row: Table1.Row) -> Bool {
        switch row.kind {
        case .count:
            let groups = [row.treated, row.control]
            return groups.allSatisfy { ($0.count ?? 0) == 0 } || groups.allSatisfy { ($0.count ?? 0) == $0.n - $0.missing }
        case .categorical:
            return (row.levels ?? []).filter { ($0.treated.count ?? 0) + ($0.control.count ?? 0) > 0 }.count <= 1
        case .continuous:
            return false
        }
    }

    /// The row id of baseline variable `name`: `sex_male` for sex, `history.NAME` for the
    /// built-in comorbidities, else the name.
    static func baselineRowID(_ name: String) -> String {
        if name == "sex" { return "sex_male" }
        return Comorbidity(rawValue: name) != nil ? "history.\(name)" : name
    }

    func table1Inputs(_ membership: AnalysisSetMembership) -> [(title: String, inputs: [Table1Input])] {
        let (treated, control) = groups(membership)
        func patient(_ i: Int) -> Patient { study.patients[cohort.patients[i].studyIndex] }
        func input(_ id: String, _ label: String, _ unit: String?, _ kind: Table1.Kind, _ value: (Int) -> Double?) -> Table1Input {
            Table1Input(
                id: id, label: label, unit: unit, kind: kind, treated: treated.map { ($0, value($0)) },
                control: control.map { ($0, value($0)) })
        }

        // Baseline sections: every variable named, rows nobody in the set has a value for left out.
        let variables = study.baselineRegistry
        let sections = studyProtocol.baseline ?? BaselineSection.defaultSections(declared: study.baselineVariables)
        var shown = Set<String>()
        var baselineSections: [(title: String, inputs: [Table1Input])] = []
        for section in sections {
            let inputs = section.variables.compactMap { name -> Table1Input? in
                guard let v = variables[name] else { return nil }
                let kind: Table1.Kind = switch v.kind {
                case .binary: .count
                case .categorical: .categorical
                case .continuous: .continuous
                }
                var row = input(Self.baselineRowID(name), v.label, v.unit, kind) { variables.value(name, of: patient($0)) }
                row.levels = v.levels
                row.levelLabels = v.levels.indices.map(v.levelLabel)
                guard row.hasValues else { return nil }
                shown.insert(name)
                return row
            }
            if !inputs.isEmpty { baselineSections.append((section.title, inputs)) }
        }

        let registry = ParameterRegistry(declared: study.declaredParameters)
        func label(_ rule: ParameterRule) -> String { registry[rule.name]?.label ?? (rule.name == "sofa" ? "SOFA score" : rule.name) }
        func unit(_ rule: ParameterRule) -> String? {
            let u = rule.unit ?? registry[rule.name]?.unit
            return u == "points" ? nil : u
        }
        let rules = table1Parameters
        // The series is looked up once per row, not once per patient.
        let admission = rules.filter { $0.name != "apache_ii" }.map { rule in
            let series = cohort.seriesIndex(parameter: rule.name)
            return input("admission.\(rule.name)", label(rule), unit(rule), .continuous) { i in
                series.flatMap { s in cohort.daily.value(patient: i, series: s, icuDay: 0) }
            }
        }
        var alignment = rules.map { rule in
            let series = cohort.seriesIndex(parameter: rule.name)
            return input("alignment.\(rule.name)", label(rule), unit(rule), .continuous) { i in
                series.flatMap { s in cohort.value(patient: i, series: s, alignedDay: 0) }
            }
        }
        if shown.contains("symptom_days") {
            alignment.append(input("alignment.symptom_days", "Time from first symptoms until alignment day", "days", .continuous) { i in
                patient(i).symptomDays.map { $0 + Double(cohort.patients[i].day0) * studyProtocol.timeAxis.periodDays }
            })
        }
        // When every member's day 0 is the admission day (a trial aligned on entry), the two
        // sections would repeat each other row for row: one is shown, named for both.
        // Titled in the study's words: "on admission day" for an ICU study, "at study entry" for
        // a study whose `report.admission` says so; the time axis' unit for "day".
        let unit = studyProtocol.timeAxis.unit == "day" ? "day" : "period"
        let admissionTitle = studyProtocol.reportSettings.admission.map { "Clinical parameters at \($0)" }
            ?? "Clinical parameters on admission \(unit)"
        let alignmentTitle = "Clinical parameters on alignment \(unit)"
        if (treated + control).allSatisfy({ cohort.patients[$0].day0 == 0 }) {
            return baselineSections + [("\(admissionTitle) (= alignment \(unit))", admission)].filter { !$0.1.isEmpty }
        }
        return baselineSections + [(admissionTitle, admission), (alignmentTitle, alignment)].filter { !$0.1.isEmpty }
    }

    /// The protocol's Table 1 parameters in the paper's row order (others after, in protocol order).
    var table1Parameters: [ParameterRule] {
        let paperOrder = [
            "d_dimer", "creatinine", "alat", "asat", "bilirubin", "ldh", "wbc", "platelets", "crp", "procalcitonin",
            "ferritin", "temperature", "pf_ratio", "sofa", "apache_ii",
        ]
        let rules = studyProtocol.parameters.filter(\.table1)
        let known = paperOrder.compactMap { name in rules.first { $0.name == name } }
        return known + rules.filter { !paperOrder.contains($0.name) }
    }
}

/// A count row: n (%) per group and Fisher's exact test on the 2×2 table (group × yes/no).
func countRow(id: String, label: String, treated: [Bool?], control: [Bool?]) -> Table1.Row {
    func summary(_ flags: [Bool?]) -> Table1.GroupSummary {
        let known = flags.compactMap { $0 }
        let yes = known.filter { $0 }.count
        return Table1.GroupSummary(
            n: known.count, missing: flags.count - known.count, count: yes,
            percent: known.isEmpty ? nil : 100 * Double(yes) / Double(known.count))
    }
    let t = summary(treated)
    let c = summary(control)
    var warnings: [String] = []
    var p: Double?
    var statistic: Double?
    let tYes = t.count ?? 0
    let cYes = c.count ?? 0
    do {
        let result = try FisherExactTest.test([[tYes, t.n - tYes], [cYes, c.n - cYes]])
        p = result.pValue
        statistic = result.oddsRatio
        warnings += result.warnings.map(\.description)
    } catch {
        warnings.append("Fisher's exact test not computed: \(error)")
    }
    return Table1.Row(
        id: id, label: label, unit: nil, kind: .count, treated: t, control: c, test: p == nil ? nil : "fisher",
        statistic: statistic, pValue: p, warnings: warnings)
}

/// A continuous row: median [IQR] per group (R quantile type 7) and the Mann–Whitney U test
/// (`wilcox.test(treated, control)`, R's default exact/normal rule).
func continuousRow(id: String, label: String, unit: String?, treated: [Double?], control: [Double?]) -> Table1.Row {
    func summary(_ values: [Double?]) -> Table1.GroupSummary {
        let known = values.compactMap { $0 }
        guard let m = try? MedianIQR(known) else { return .init(n: 0, missing: values.count) }
        return .init(n: known.count, missing: values.count - known.count, median: m.median, q1: m.lowerQuartile, q3: m.upperQuartile)
    }
    let t = summary(treated)
    let c = summary(control)
    var warnings: [String] = []
    var p: Double?
    var statistic: Double?
    if t.n > 0 && c.n > 0 {
        do {
            let result = try WilcoxonRankSum.test(treated.compactMap { $0 }, control.compactMap { $0 })
            p = result.pValue
            statistic = result.statistic
            warnings += result.warnings.map(\.description)
        } catch {
            warnings.append("Mann–Whitney U test not computed: \(error)")
        }
    } else {
        warnings.append("Mann–Whitney U test not computed: a group has no values (treated \(t.n), control \(c.n))")
    }
    if t.missing + c.missing > 0 {
        warnings.append("missing values: treated \(t.missing), control \(c.missing)")
    }
    return Table1.Row(
        id: id, label: label, unit: unit, kind: .continuous, treated: t, control: c,
        test: p == nil ? nil : "mann-whitney", statistic: statistic, pValue: p, warnings: warnings)
}

/// A categorical row: n (%) per level and group (percent of the group's patients with a
/// value), and the association test of the levels × groups table chosen as R's gtsummary
/// does: Pearson's chi-square without continuity correction (`chisq.test(t, correct = FALSE)`)
/// when every expected count is at least 5, else Fisher's exact test (`fisher.test(t)`). Levels
/// nobody has are shown with 0 and left out of the test (as R's `table` of a factor would
/// give an empty row, which both tests drop).
func categoricalRow(id: String, label: String, levels: [String], levelLabels: [String], treated: [Int?], control: [Int?]) -> Table1.Row {
    func counts(_ values: [Int?]) -> [Int] {
        var c = [Int](repeating: 0, count: levels.count)
        for v in values.compactMap({ $0 }) where v >= 0 && v < c.count { c[v] += 1 }
        return c
    }
    let tCounts = counts(treated), cCounts = counts(control)
    let tN = tCounts.reduce(0, +), cN = cCounts.reduce(0, +)
    func percent(_ k: Int, _ n: Int) -> Double? { n == 0 ? nil : 100 * Double(k) / Double(n) }
    let levelRows = levels.indices.map { k in
        Table1.LevelCount(
            level: levels[k], label: k < levelLabels.count ? levelLabels[k] : levels[k],
            treated: .init(n: tN, missing: 0, count: tCounts[k], percent: percent(tCounts[k], tN)),
            control: .init(n: cN, missing: 0, count: cCounts[k], percent: percent(cCounts[k], cN)))
    }
    let table = levels.indices.filter { tCounts[$0] + cCounts[$0] > 0 }.map { [tCounts[$0], cCounts[$0]] }
    var warnings: [String] = []
    var p: Double?
    var statistic: Double?
    var test: String?
    if table.count < 2 || tN == 0 || cN == 0 {
        warnings.append("no association test: fewer than two levels or a group without values (treated \(tN), control \(cN))")
    } else {
        do {
            if FisherExactTest.categoricalTestChoice(table) == .fisherExact {
                let result = try FisherExactTest.testRxC(table)
                p = result.pValue
                test = "fisher"
                warnings += result.warnings.map(\.description)
            } else {
                let result = try ChiSquareTest.pearson(table, continuityCorrection: false)
                p = result.pValue
                statistic = result.statistic
                test = "chi-square"
                warnings += result.warnings.map(\.description)
            }
        } catch {
            warnings.append("association test not computed: \(error)")
        }
    }
    let t = Table1.GroupSummary(n: tN, missing: treated.count - tN)
    let c = Table1.GroupSummary(n: cN, missing: control.count - cN)
    if t.missing + c.missing > 0 {
        warnings.append("missing values: treated \(t.missing), control \(c.missing)")
    }
    var row = Table1.Row(
        id: id, label: label, unit: nil, kind: .categorical, treated: t, control: c, test: p == nil ? nil : test,
        statistic: statistic, pValue: p, warnings: warnings)
    row.levels = levelRows
    return row
}
