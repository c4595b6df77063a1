import DayZeroCohort
import DayZeroTestSupport
import Foundation
import Testing

/// Thresholds and the imputed temperature written with a unit, display units and report keys.
@Suite("Protocol units: thresholds with units, display units, report keys")
struct ProtocolUnitTests {
    /// The default protocol with `old` replaced by `new` on its one line.
    func edited(_ old: String, _ new: String) throws -> String {
        let lines = ProtocolYAML.defaultYAML.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let hits = lines.indices.filter { lines[$0].contains(old) }
        try #require(hits.count == 1, "'\(old)' must be on exactly one line of the default (found \(hits.count))")
        var out = lines
        out[hits[0]] = out[hits[0]].replacingOccurrencesOf(old, with: new)
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
        throw UnitTestError.notFound(needle)
    }

    enum UnitTestError: Error { case notFound(String) }

    static let ferritinRule = "{parameter: ferritin, above: 1800, window: [-10, -1], on_at_least_days: 1}"

    /// The criteria-matched set's ferritin rule replaced by `rule`; returns the text and the
    /// decoded threshold (when the text is valid).
    func threshold(_ rule: String) throws -> (text: String, threshold: Threshold?, issues: [ProtocolIssue]) {
        let text = try edited(Self.ferritinRule, rule)
        let result = ProtocolYAML.check(text)
        var found: Threshold?
        if let set = result.protocol?.analysisSet(named: "criteria-matched-controls"), case .anyOf(let rules)? = set.includeIf,
           rules.count == 2, case .parameter(let p) = rules[1] {
            found = p.threshold
        }
        return (text, found, result.issues)
    }

    @Test("2 mg/dL bilirubin is 34.208 µmol/L: the catalog's factor 17.104, exactly")
    func bilirubinMilligrams() throws {
        let r = try threshold("{parameter: bilirubin, above: 2 mg/dL, window: [-10, -1], on_at_least_days: 1}")
        #expect(r.issues.isEmpty, "\(r.issues)")
        let t = try #require(r.threshold)
        // Hand-worked: 2 × 17.104 = 34.208 (doubling is exact in binary floating point).
        #expect(t.value == 34.208)
        #expect(t.value == 2 * 17.104)
        #expect(t.comparison == .above)
        #expect(t.written == WrittenQuantity(2, "mg/dL"))
        #expect(t.description == "> 2 mg/dL")
        // The analysis compares in µmol/L: 34.2 is not above the line, 34.21 is.
        #expect(!t.isMet(by: 34.2))
        #expect(t.isMet(by: 34.21))
        // Spellings: case, spaces and micro forms do not matter; the canonical unit converts by 1.
        let canonical = try threshold("{parameter: bilirubin, at_least: 34.208 umol/l, window: [-10, -1]}")
        #expect(canonical.issues.isEmpty)
        #expect(canonical.threshold?.value == 34.208)
        // A bare number stays in the canonical unit.
        let bare = try threshold("{parameter: bilirubin, above: 2, window: [-10, -1]}")
        #expect(bare.threshold?.value == 2)
        #expect(bare.threshold?.written == nil)
    }

    @Test("°F thresholds use the offset: 100.4 °F is 38 °C, 212 °F is 100 °C")
    func fahrenheit() throws {
        let r = try threshold("{parameter: temperature, above: 100.4 °F, window: [-10, -1], on_at_least_days: 2}")
        #expect(r.issues.isEmpty, "\(r.issues)")
        let t = try #require(r.threshold)
        // 100.4 × 5/9 − 160/9 = (502 − 160) / 9 = 38, up to rounding of the double arithmetic.
        #expect(t.value == 100.4 * (5.0 / 9.0) + (-160.0 / 9.0))
        #expect(abs(t.value - 38) < 1e-12)
        // No space between number and unit, and the F spelling.
        let tight = try threshold("{parameter: temperature, at_most: 212F, window: [-10, -1]}")
        #expect(tight.issues.isEmpty)
        #expect(abs((tight.threshold?.value ?? 0) - 100) < 1e-12)
        #expect(tight.threshold?.written == WrittenQuantity(212, "F"))
    }

    @Test("an unknown unit and a unit of another quantity are located errors")
    func badUnits() throws {
        let unknown = try threshold("{parameter: bilirubin, above: 2 mg/furlong, window: [-10, -1]}")
        #expect(unknown.issues.count == 1)
        #expect(unknown.issues.first?.message == "unknown unit 'mg/furlong' for bilirubin; bilirubin accepts: µmol/L, mg/dL")
        #expect(unknown.issues.first?.position == (try position(of: "2 mg/furlong", in: unknown.text)))
        #expect(unknown.issues.first?.path == "analysis_sets[3].include_if.any_of[1].above")

        let other = try threshold("{parameter: bilirubin, above: 2 °F, window: [-10, -1]}")
        #expect(other.issues.count == 1)
        #expect(other.issues.first?.message
            == "unit '°F' measures another quantity than bilirubin (µmol/L); bilirubin accepts: µmol/L, mg/dL")
        #expect(other.issues.first?.position == (try position(of: "2 °F", in: other.text)))
        // The full located line, as `protocol check` prints it.
        let line = ProtocolLoadError(file: "protocol.yaml", issues: other.issues).description
        let at = try position(of: "2 °F", in: other.text)
        #expect(line.hasPrefix("protocol.yaml:\(at.line):\(at.column): error: unit '°F' measures another quantity"))

        let notNumber = try threshold("{parameter: bilirubin, above: high, window: [-10, -1]}")
        #expect(notNumber.issues.first?.message == "expected a number or a number followed by a unit (e.g. 2 mg/dL), found 'high'")

        let sofa = try threshold("{parameter: sofa, above: 4 points, window: [-10, -1]}")
        #expect(sofa.issues.first?.message == "a SOFA score is a bare number of points, found '4 points'")
    }

    @Test("unit problems are collected with the others: one run names them all, in file order")
    func unitProblemsAllAtOnce() throws {
        var text = try edited(Self.ferritinRule, "{parameter: bilirubin, above: 2 °F, window: [-10, -1]}")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let i = try #require(lines.firstIndex { $0.contains("{name: bilirubin,") })
        var edited = lines
        edited[i] = "  - {name: bilirubin, display_unit: mmHg, transform: log, zero_rule: exclude_zeros}"
        text = edited.joined(separator: "\n")
        let found = ProtocolYAML.check(text).issues
        #expect(found.map(\.path) == ["parameters[6].display_unit", "analysis_sets[3].include_if.any_of[1].above"], "\(found)")
        #expect(found.map(\.kind) == [.unitMismatch, .unitMismatch])
        #expect(found.last?.position == (try position(of: "2 °F", in: text)))
    }

    @Test("a baseline variable's threshold takes no unit")
    func variableThresholdWithUnit() throws {
        let text = try edited("if: {variable: immunocompromised, is: 1}", "if: {variable: age, above: 80 years}")
        let found = ProtocolYAML.check(text).issues
        #expect(found.count == 1)
        #expect(found.first?.message == "a unit is only allowed in a parameter threshold; write a bare number, found '80 years'")
        #expect(found.first?.position == (try position(of: "80 years", in: text)))
    }

    @Test("the imputed temperature may be written in °F; out of range after conversion is reported")
    func imputationInFahrenheit() throws {
        let text = try edited("value: 40", "value: 104 °F")
        let p = try ProtocolYAML.decode(text)
        let imputation = try #require(p.temperatureImputation)
        // 104 °F = (104 − 32) × 5/9 = 40 °C.
        #expect(abs(imputation.value - 40) < 1e-12)
        #expect(imputation.writtenValue == WrittenQuantity(104, "°F"))
        // Encoded as written, the degree sign as it is (not Yams' escape "104 \xB0F"), decoded to
        // an equal protocol.
        let encoded = try ProtocolYAML.encode(p)
        #expect(encoded.contains("value: 104 °F"))
        #expect(!encoded.contains("\\x"))
        #expect(try ProtocolYAML.decode(encoded) == p)

        let hot = try edited("value: 40", "value: 140 °F")  // 60 °C
        let issues = ProtocolYAML.check(hot).issues
        #expect(issues.count == 1)
        #expect(issues.first?.message.hasPrefix("imputed value 60") == true)
        #expect(issues.first?.position == (try position(of: "140 °F", in: hot)))

        let wrong = try edited("value: 40", "value: 40 mmHg")
        #expect(ProtocolYAML.check(wrong).issues.first?.message
            == "unit 'mmHg' measures another quantity than temperature (°C); temperature accepts: °C, °F")
    }

    @Test("a threshold written with a unit keeps its text through encode and decode")
    func roundTrip() throws {
        let r = try threshold("{parameter: bilirubin, above: 2 mg/dL, window: [-10, -1], on_at_least_days: 1}")
        let p = try ProtocolYAML.decode(r.text)
        let encoded = try ProtocolYAML.encode(p)
        #expect(encoded.contains("2 mg/dL"))
        let again = try ProtocolYAML.decode(encoded)
        #expect(again == p)
    }

    @Test("a study-declared parameter: the unit is checked against the declaration")
    func declaredParameter() throws {
        let lactate = ParameterDefinition(name: "lactate", label: "Lactate", unit: "mmol/L", aggregation: .max, minimum: 0, maximum: 30)
        let registry = ParameterRegistry(declared: [lactate])
        let ok = try edited(Self.ferritinRule, "{parameter: lactate, above: 4 mmol/L, window: [-10, -1]}")
        let okResult = ProtocolYAML.check(ok, registry: registry)
        #expect(okResult.issues.isEmpty, "\(okResult.issues)")
        let wrong = try edited(Self.ferritinRule, "{parameter: lactate, above: 36 mg/dL, window: [-10, -1]}")
        let issues = ProtocolYAML.check(wrong, registry: registry).issues
        #expect(issues.count == 1)
        #expect(issues.first?.message == "unknown unit 'mg/dL' for lactate; lactate accepts: mmol/L")
        #expect(issues.first?.position == (try position(of: "36 mg/dL", in: wrong)))
    }

    @Test("display_unit: one of the parameter's units; section: a keyword, sofa only with a SOFA definition")
    func displayUnitAndSection() throws {
        let line = "{name: bilirubin, unit: µmol/L, aggregation: max, transform: log, zero_rule: exclude_zeros, table1: true}"
        let good = try edited(line, "{name: bilirubin, unit: µmol/L, display_unit: mg/dL, section: other, transform: log, zero_rule: exclude_zeros, table1: true}")
        let p = try ProtocolYAML.decode(good)
        #expect(p.parameterRule(named: "bilirubin")?.displayUnit == "mg/dL")
        #expect(p.parameterRule(named: "bilirubin")?.section == .other)
        #expect(try ProtocolYAML.decode(try ProtocolYAML.encode(p)) == p)

        let bad = try edited(line, "{name: bilirubin, display_unit: mmHg, transform: log, zero_rule: exclude_zeros}")
        let issues = ProtocolYAML.check(bad).issues
        #expect(issues.map(\.kind) == [.unitMismatch])
        #expect(issues.first?.message == "display_unit 'mmHg' is not a unit of bilirubin; bilirubin accepts: µmol/L, mg/dL")
        #expect(issues.first?.position == (try position(of: "mmHg", in: bad)))

        let keyword = try edited(line, "{name: bilirubin, section: liver, transform: log, zero_rule: exclude_zeros}")
        let k = ProtocolYAML.check(keyword).issues
        #expect(k.first?.message == "unknown section 'liver'; expected one of: inflammation, sofa, other")
        #expect(k.first?.position == (try position(of: "liver", in: keyword)))

        let cytokine = try edited("{name: il6, unit: pg/mL,", "{name: il6, section: other, unit: pg/mL,")
        #expect(ProtocolYAML.check(cytokine).issues.first?.message
            == "il6 is a cytokine and is shown in the cytokine figure; section does not apply")
    }

    @Test("report.paper_figure_references: in the default, absent means false")
    func reportKey() throws {
        #expect(StudyProtocol.paperDefault.reportSettings.paperFigureReferences)
        #expect(try ProtocolYAML.decode(ProtocolYAML.defaultYAML) == StudyProtocol.paperDefault)
        let without = try edited("  paper_figure_references: true", "  paper_figure_references: false")
        #expect(try ProtocolYAML.decode(without).reportSettings.paperFigureReferences == false)
        var p = StudyProtocol.paperDefault
        p.report = nil
        #expect(p.reportSettings.paperFigureReferences == false)
        #expect(try ProtocolYAML.decode(try ProtocolYAML.encode(p)) == p)
    }
}

extension String {
    fileprivate func replacingOccurrencesOf(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
