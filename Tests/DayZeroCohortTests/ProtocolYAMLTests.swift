import Testing
import Yams
@testable import DayZeroCohort

@Suite("Protocol YAML")
struct ProtocolYAMLTests {
    @Test func defaultProtocolIsValid() {
        let issues = StudyProtocol.paperDefault.validate()
        #expect(issues.isEmpty, "default protocol issues: \(issues)")
    }

    @Test func commentedDefaultParsesToTheDefault() throws {
        let result = ProtocolYAML.check(ProtocolYAML.defaultYAML)
        #expect(result.issues.isEmpty, "issues: \(result.issues.map(\.description))")
        let parsed = try #require(result.protocol)
        #expect(parsed == StudyProtocol.paperDefault)
        // Section by section, so a mismatch says where.
        let d = StudyProtocol.paperDefault
        #expect(parsed.parameters == d.parameters)
        #expect(parsed.sofa == d.sofa)
        #expect(parsed.analysisSets == d.analysisSets)
        #expect(parsed.outcomes == d.outcomes)
        #expect(parsed.alignment == d.alignment)
    }

    @Test func encodeDecodeRoundTrip() throws {
        let text = try ProtocolYAML.encode(.paperDefault)
        let back = try ProtocolYAML.decode(text)
        #expect(back == .paperDefault, "round trip changed the protocol:\n\(text)")
        // Yams' own decoder reads the same text (the Codable conformance is the single schema).
        let viaYams = try YAMLDecoder().decode(StudyProtocol.self, from: text)
        #expect(viaYams == .paperDefault)
    }

    @Test("the encoded protocol reads as written: letters as they are, numbers in shortest decimal form")
    func encodedTextIsReadable() throws {
        let text = try ProtocolYAML.encode(.paperDefault)
        #expect(!text.contains("\\x"), "no escaped letters such as \\xB5")
        #expect(!text.contains("e+"), "no scientific notation such as 3.85e+1:\n\(text)")
        #expect(text.contains("µmol/L") || text.contains("µg/L"))
        #expect(text.contains("0.01"), "the norepinephrine constant as written")
        // A value that needs an exponent keeps it (exactly, in Swift's shortest form), and a
        // quoted text that looks like a number stays a text.
        #expect(ProtocolYAML.plainNumbers(Node("1.5e-7", .implicit, .plain)) == Node("1.5e-07", .implicit, .plain))
        #expect(ProtocolYAML.plainNumbers(Node("3.85e+1", .implicit, .plain)) == Node("38.5", .implicit, .plain))
        #expect(ProtocolYAML.plainNumbers(Node("1e+3", .implicit, .doubleQuoted)) == Node("1e+3", .implicit, .doubleQuoted))
    }

    @Test func roundTripOfEveryOptionalForm() throws {
        var p = StudyProtocol.paperDefault
        p.title = nil
        p.alignment = AlignmentRule(controls: .fixedICUDay, medianRounding: .upperMiddle, fixedICUDay: 7, excludeControlsNotInICU: false)
        p.temperatureImputation = nil
        p.parameters[1].zeroRule = .replaceZerosWith(0.5)
        p.parameters[2].aggregation = nil
        p.sofaDefinition?.missingComponents = SOFAMissingPolicy(policy: .requireAll, minimumComponents: 5)
        p.outcomes = OutcomeSettings(horizonDays: 60, deathDuringVentilation: .censorAtDeath, deathInICU: .censorAtDeath,
                                     secondaryInfectionEvent: "vap", durationCounting: .elapsedDays)
        p.analysisSets.append(AnalysisSetRule(
            name: "nested", appliesTo: .treated,
            includeIf: .allOf([
                .not(.drug(DrugCriterion(drug: "remdesivir", window: DayWindow(-3, 3), onAtLeastDays: 2))),
                .parameter(ParameterCriterion(parameter: "crp", threshold: .init(.atMost, 100), window: DayWindow(0, 0), aggregation: .mean)),
                .parameter(ParameterCriterion(parameter: "platelets", threshold: .init(.below, 50), window: DayWindow(-2, 2))),
                .parameter(ParameterCriterion(parameter: "sofa", threshold: .init(.atLeast, 8), window: DayWindow(-1, 0))),
            ])))
        p.analysisSets[1].propensityMatching = MatchingSettings(
            covariates: ["age", "copd"], ratio: 2, replace: true, caliper: 0.2, caliperScale: .logitSD, order: .random, seed: 42)
        #expect(p.validate().isEmpty, "\(p.validate())")
        let text = try ProtocolYAML.encode(p)
        let back = try ProtocolYAML.decode(text)
        #expect(back == p, "\(text)")
    }
}
