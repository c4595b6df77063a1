import DayZeroCohort
import DayZeroStats

/// The per-patient values behind one Table 1 row (count rows hold 1/0), kept so the tidy
/// export carries exactly what the test saw.
struct Table1Input {
    var id: String
    var label: String
    var unit: String?
    var kind: Table1.Kind
    var treated: [(patient: Int, value: Double?)]
    var control: [(patient: Int, value: Double?)]

    var row: Table1.Row {
        switch kind {
        case .count:
            countRow(id: id, label: label, treated: treated.map { $0.value.map { $0 != 0 } }, control: control.map { $0.value.map { $0 != 0 } })
        case .continuous:
            continuousRow(id: id, label: label, unit: unit, treated: treated.map(\.value), control: control.map(\.value))
        }
    }
}

extension Workup {
    /// Table 1: patient characteristics, medical history, and the Table 1 parameters on ICU
    /// admission (ICU day 0) and on the alignment day (aligned day 0).
    func table1(_ membership: AnalysisSetMembership) -> Table1 {
        Table1(sections: table1Inputs(membership).map { section in
            Table1.Section(title: section.title, rows: section.inputs.map(\.row))
        })
    }

    func table1Inputs(_ membership: AnalysisSetMembership) -> [(title: String, inputs: [Table1Input])] {
        let (treated, control) = groups(membership)
        func patient(_ i: Int) -> Patient { study.patients[cohort.patients[i].studyIndex] }
        func input(_ id: String, _ label: String, _ unit: String?, _ kind: Table1.Kind, _ value: (Int) -> Double?) -> Table1Input {
            Table1Input(
                id: id, label: label, unit: unit, kind: kind, treated: treated.map { ($0, value($0)) },
                control: control.map { ($0, value($0)) })
        }
        func flag(_ b: Bool) -> Double { b ? 1 : 0 }

        var characteristics = [
            input("sex_male", "Sex, male", nil, .count) { flag(patient($0).sex == .male) },
            input("age", "Age", "years", .continuous) { patient($0).age },
            input("bmi", "Body mass index", "kg/m²", .continuous) { patient($0).bmi },
            input("apache_ii", "APACHE II", nil, .continuous) { patient($0).apacheII },
            input("symptom_days", "Time from first symptoms until ICU admission", "days", .continuous) { patient($0).symptomDays },
        ]
        // Optional characteristics nobody recorded are left out rather than shown empty.
        characteristics = characteristics.filter { row in
            row.kind == .count || (row.treated + row.control).contains { $0.value != nil }
        }
        let history = Comorbidity.allCases.map { c in
            input("history.\(c.rawValue)", c.label, nil, .count) { flag(patient($0).comorbidities.contains(c)) }
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
        alignment.append(input("alignment.symptom_days", "Time from first symptoms until alignment day", "days", .continuous) { i in
            patient(i).symptomDays.map { $0 + Double(cohort.patients[i].day0) }
        })
        return [
            ("Patient characteristics", characteristics),
            ("Medical history", history),
            ("Clinical parameters on admission day", admission),
            ("Clinical parameters on alignment day", alignment),
        ]
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
