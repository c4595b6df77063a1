import Testing
@testable import DayZeroCohort

/// `protocol check` on broken files: every problem named with its line and column.
@Suite("Protocol check diagnostics")
struct ProtocolCheckTests {
    /// The default protocol text with the one line containing `old` replaced by `new`.
    func broken(_ old: String, _ new: String) throws -> String {
        let lines = ProtocolYAML.defaultYAML.split(separator: "\n", omittingEmptySubsequences: false)
        let hits = lines.indices.filter { lines[$0].contains(old) }
        try #require(hits.count == 1, "'\(old)' must be on exactly one line of the default (found \(hits.count))")
        var out = lines.map(String.init)
        out[hits[0]] = out[hits[0]].replacingAll(old, with: new)
        return out.joined(separator: "\n")
    }

    /// 1-based line and column of the first occurrence of `needle`.
    func position(of needle: String, in text: String) throws -> SourcePosition {
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let scalars = Array(line.unicodeScalars), n = Array(needle.unicodeScalars)
            guard scalars.count >= n.count else { continue }
            for c in 0...(scalars.count - n.count) where Array(scalars[c..<(c + n.count)]) == n {
                return SourcePosition(line: i + 1, column: c + 1)
            }
        }
        throw CheckTestError.notFound(needle)
    }

    enum CheckTestError: Error { case notFound(String) }

    func issues(_ text: String) -> [ProtocolIssue] { ProtocolYAML.check(text).issues }

    @Test func handWrittenFileWithExactPositions() {
        let text = """
            dayzero_protocol: 1
            name: tiny
            treatmnt:
              drug: anakinra
            """
        let found = issues(text)
        // The unknown key is reported at its own position with a suggestion; every missing
        // required key at the document (1:1), all in one run.
        #expect(found.count == 6, "\(found)")
        #expect(found.first?.position == SourcePosition(line: 1, column: 1))
        #expect(found.first?.kind == .missingKey)
        #expect(found.filter { $0.kind == .missingKey }.map(\.message) == [
            "missing key 'treatment'", "missing key 'alignment'", "missing key 'windows'", "missing key 'outcomes'",
            "missing key 'analysis_sets'",
        ])
        #expect(found.last?.position == SourcePosition(line: 3, column: 1))
        #expect(found.last?.kind == .unknownKey)
        #expect(found.last?.message.hasPrefix("unknown key 'treatmnt' (did you mean 'treatment'?)") == true)
    }

    @Test func syntaxErrorNamesTheLine() {
        let text = "dayzero_protocol: 1\nname: [unclosed\ntitle: x\n"
        let found = issues(text)
        #expect(found.count == 1)
        #expect(found.first?.kind == .syntax)
        #expect(found.first?.position?.line == 3, "\(found)")
        let empty = issues("")
        #expect(empty.first?.message == "the protocol is empty")
    }

    @Test func unknownKeyInsideAParameter() throws {
        let text = try broken("{name: ldh, unit: U/L,", "{name: ldh, units: U/L,")
        let found = issues(text)
        #expect(found.count == 1, "\(found)")
        let issue = try #require(found.first)
        #expect(issue.kind == .unknownKey)
        #expect(issue.position == (try position(of: "units:", in: text)))
        #expect(issue.message.contains("did you mean 'unit'?"))
        #expect(issue.path == "parameters[14]")
    }

    @Test func wrongTypes() throws {
        let horizon = try broken("horizon_days: 28", "horizon_days: twenty-eight")
        let h = issues(horizon)
        #expect(h.count == 1)
        #expect(h.first?.kind == .wrongType)
        #expect(h.first?.position == (try position(of: "twenty-eight", in: horizon)))
        #expect(h.first?.message == "expected a whole number, found 'twenty-eight'")
        #expect(h.first?.path == "outcomes.horizon_days")

        let list = try broken("drugs: [corticosteroids, remdesivir, chloroquine]", "drugs: {corticosteroids: 1}")
        let l = issues(list)
        #expect(l.first?.kind == .wrongType)
        #expect(l.first?.message == "expected a list, found a mapping")
        #expect(l.first?.position == (try position(of: "{corticosteroids", in: list)))

        let flag = try broken("impute_unmeasured_days: true", "impute_unmeasured_days: yes")
        #expect(issues(flag).first?.message == "expected true or false, found 'yes'")
    }

    @Test func windowStartAfterEnd() throws {
        let text = try broken("serial: [-10, 10]", "serial: [10, -10]")
        let found = issues(text)
        #expect(found.count == 1)
        #expect(found.first?.kind == .windowOrder)
        #expect(found.first?.position == (try position(of: "[10, -10]", in: text)))
        #expect(found.first?.message == "window start 10 is after its end -10")

        let three = try broken("cytokines: [-6, 6]", "cytokines: [-6, 0, 6]")
        let t = issues(three)
        #expect(t.first?.kind == .invalidValue)
        #expect(t.first?.position == (try position(of: "[-6, 0, 6]", in: three)))
    }

    @Test func unknownParameterAndAggregation() throws {
        let text = try broken("{name: ferritin, unit: µg/L, aggregation: max", "{name: ferritine, unit: µg/L, aggregation: maxx")
        // The keyword error stops reading; fix it to see the parameter error.
        let first = issues(text)
        #expect(first.count == 1)
        #expect(first.first?.kind == .unknownValue)
        #expect(first.first?.message.hasPrefix("unknown aggregation 'maxx' (did you mean 'max'?); expected one of: max, min, mean, median, first, last, sum") == true)
        #expect(first.first?.position == (try position(of: "maxx", in: text)))

        let second = try broken("{name: ferritin, unit: µg/L,", "{name: ferritine, unit: µg/L,")
        let found = issues(second)
        #expect(found.map(\.kind) == [.unknownParameter])
        #expect(found.first?.message == "unknown parameter 'ferritine' (did you mean 'ferritin'?)")
        #expect(found.first?.position == (try position(of: "ferritine", in: second)))
    }

    @Test func missingZeroRuleForAParameterThatCanBeZero() throws {
        let text = try broken("zero_rule: {add_constant: 0.01}", "kinetics: true")
        let found = issues(text)
        #expect(found.map(\.kind) == [.missingZeroRule])
        // Reported at the parameter's entry.
        #expect(found.first?.position == (try position(of: "{name: norepinephrine", in: text)))
        #expect(found.first?.message.hasPrefix("norepinephrine can be zero and is log-transformed") == true)
        // Creatinine (catalog minimum 5 µmol/L) needs none.
        let ok = try broken("{name: creatinine, unit: µmol/L, aggregation: max, transform: log, table1: true}",
                            "{name: creatinine, transform: log}")
        #expect(issues(ok).isEmpty)
    }

    @Test func unitAndZeroRuleMistakes() throws {
        let unit = try broken("{name: creatinine, unit: µmol/L,", "{name: creatinine, unit: mg/dL,")
        let u = issues(unit)
        #expect(u.map(\.kind) == [.unitMismatch])
        #expect(u.first?.position == (try position(of: "mg/dL", in: unit)))
        let zero = try broken("{name: sofa, unit: points, transform: log, zero_rule: {add_constant: 1}",
                              "{name: sofa, unit: points, transform: log, zero_rule: {add_constant: 0}")
        #expect(issues(zero).first?.message == "add_constant must be greater than 0, found 0")
        let both = try broken("zero_rule: {add_constant: 0.01}", "zero_rule: {add_constant: 0.01, replace_zeros_with: 1}")
        let b = issues(both)
        #expect(b.first?.message == "a zero rule is exclude_zeros, {add_constant: c} or {replace_zeros_with: v} (exactly one)")
        #expect(b.first?.position == (try position(of: "{add_constant: 0.01, replace", in: both)))
        let word = try broken("{name: il6, unit: pg/mL, aggregation: mean, transform: log, zero_rule: exclude_zeros}",
                              "{name: il6, unit: pg/mL, aggregation: mean, transform: log, zero_rule: drop}")
        #expect(issues(word).first?.message.hasPrefix("unknown zero rule 'drop'") == true)
    }

    @Test func duplicateKeyAndDuplicateNames() throws {
        let text = try broken("  drug: anakinra", "  drug: anakinra\n  drug: tocilizumab")
        let found = issues(text)
        #expect(found.first?.kind == .duplicateKey)
        #expect(found.first?.position == (try position(of: "drug: tocilizumab", in: text)))
        let names = try broken("- name: no-corticosteroids", "- name: main")
        let n = issues(names)
        #expect(n.map(\.message) == ["analysis set 'main' is listed twice"])
        let next = try position(of: "description: Only patients who received no corticosteroids", in: names)
        #expect(n.first?.position == SourcePosition(line: next.line - 2, column: 11))  // name, label, description
        #expect(n.first?.path == "analysis_sets[2].name")
    }

    @Test func criteriaMistakes() throws {
        let both = try broken("{parameter: ferritin, above: 1800,", "{parameter: ferritin, above: 1800, below: 3000,")
        let b = issues(both)
        #expect(b.first?.message == "give only one of above, at_least, below, at_most")
        #expect(b.first?.position == (try position(of: "{parameter: ferritin", in: both)))
        let days = try broken("{parameter: temperature, above: 38.5, window: [-10, -1], on_at_least_days: 2}",
                              "{parameter: temperature, above: 38.5, window: [-10, -1], on_at_least_days: 11}")
        let d = issues(days)
        #expect(d.map(\.message) == ["on_at_least_days 11 exceeds the 10 days of window [-10, -1]"])
        #expect(d.first?.position == (try position(of: "11}", in: days)))
        let stray = try broken("exclude_if: {drug: corticosteroids,", "exclude_if: {drug: corticosteroids, above: 3,")
        #expect(issues(stray).first?.message == "key 'above' does not belong in a 'drug' rule")
        let covariate = try broken("covariates: [age, sex, bmi]", "covariates: [age, sex, bmj]")
        let c = issues(covariate)
        #expect(c.first?.message.hasPrefix("unknown covariate 'bmj' (did you mean 'bmi'?)") == true)
        #expect(c.first?.position == (try position(of: "bmj", in: covariate)))
    }

    @Test func severalProblemsAreAllReportedInFileOrder() throws {
        var text = try broken("serial: [-10, 10]", "serial: [10, -10]")
        text = text.replacingAll("{name: ferritin, unit: µg/L,", with: "{name: ferritn, unit: µg/L,")
        text = text.replacingAll("horizon_days: 28", with: "horizon_days: 0")
        let found = issues(text)
        #expect(found.map(\.kind) == [.windowOrder, .unknownParameter, .invalidValue])
        #expect(found.map { $0.position?.line ?? 0 } == found.map { $0.position?.line ?? 0 }.sorted())
        let error = ProtocolLoadError(file: "p.yaml", issues: found)
        let first = try #require(error.description.split(separator: "\n").first)
        let p = try position(of: "[10, -10]", in: text)
        #expect(first == "p.yaml:\(p.line):\(p.column): error: window start 10 is after its end -10 (at windows.serial)")
        #expect(throws: ProtocolLoadError.self) { try ProtocolYAML.decode(text) }
    }

    @Test("every missing key at once, nested sections included, each at its section")
    func everyMissingKeyAtOnce() {
        let text = """
            dayzero_protocol: 1
            name: tiny
            alignment:
              median_rounding: half_up
            windows: {}
            outcomes: {death_in_icu: worst_outcome}
            analysis_sets:
              - description: no name
            exclusions:
              - label: only a label
            """
        let found = issues(text).map { "\($0.position?.description ?? "-") \($0.path): \($0.message)" }
        #expect(found == [
            "1:1 : missing key 'treatment'",
            "4:3 alignment: missing key 'controls'",
            "5:10 windows: missing key 'serial'",
            "6:11 outcomes: missing key 'horizon_days'",
            "8:5 analysis_sets[0]: missing key 'name'",
            "10:5 exclusions[0]: missing key 'name'",
            "10:5 exclusions[0]: missing key 'if'",
        ], "\(found)")
    }

    @Test("a study without SOFA, cytokines, medication or exclusions: the short protocol is valid")
    func shortProtocolIsValid() {
        let text = """
            dayzero_protocol: 1
            name: pbc
            treatment: {drug: d_penicillamine}
            groups: {treated: D-penicillamine, control: Placebo}
            alignment: {controls: fixed_icu_day, fixed_icu_day: 0}
            windows: {serial: [0, 10]}
            outcomes: {horizon_days: 365}
            analysis_sets: [{name: main}]
            """
        let result = ProtocolYAML.check(text)
        #expect(result.issues.isEmpty, "\(result.issues)")
        let p = result.protocol
        #expect(p?.sofaDefinition == nil && p?.sofa.derivedParameterNames == [])
        #expect(p?.medications.drugs == [] && p?.exclusions == [] && p?.windows.cytokines == DayWindow(0, 10))
        #expect(p?.groupLabels == GroupLabels(treated: "D-penicillamine", control: "Placebo"))
    }

    @Test("variables are judged against the study's declarations when given")
    func variablesAgainstTheStudy() {
        let text = """
            dayzero_protocol: 1
            name: pbc
            treatment: {drug: d_penicillamine}
            exclusions:
              - {name: early, label: Stage 1, if: {variable: stage, is: "1"}}
            baseline:
              - {title: Disease, variables: [stage, stge]}
            alignment: {controls: fixed_icu_day, fixed_icu_day: 0}
            windows: {serial: [0, 10]}
            outcomes: {horizon_days: 365}
            analysis_sets: [{name: main}]
            """
        #expect(ProtocolYAML.check(text).issues.isEmpty)
        let study = BaselineRegistry(declared: [
            BaselineVariable(name: "stage", label: "Stage", kind: .categorical, levels: ["1", "2", "3", "4"]),
        ])
        let found = ProtocolYAML.check(text, baseline: study).issues.map { "\($0.position?.description ?? "-") \($0.message)" }
        #expect(found == ["7:41 unknown baseline variable 'stge' (did you mean 'stage'?): not built in and not declared in variables.csv"], "\(found)")
    }
}
