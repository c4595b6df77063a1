import DayZeroAnalysis
import DayZeroCohort
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// The specification curve (docs/methods/robustness.md): the grid by hand, the sample, a
/// specification against the workup run directly, the R refits of a small grid, determinism.
@Suite("Specification curve")
struct RobustnessTests {
    // MARK: (a) the grid by hand

    @Test func gridExpansionOrderIsMixedRadixFirstDimensionSlowest() throws {
        let grid = try SpecificationGrid(sizes: [2, 3], own: [1, 2], maxSpecifications: 100, seed: 1)
        #expect(grid.fullSize == 6)
        #expect(grid.indices == [0, 1, 2, 3, 4, 5])
        #expect(!grid.isSampled)
        let all = grid.indices.map { SpecificationGrid.choices(of: $0, sizes: grid.sizes) }
        #expect(all == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]])
        #expect(grid.ownIndex == 5)
        for (i, c) in all.enumerated() { #expect(SpecificationGrid.index(of: c, sizes: [2, 3]) == i) }
        // Three dimensions: index 17 of 2 × 3 × 4 is 1·12 + 1·4 + 1.
        #expect(SpecificationGrid.choices(of: 17, sizes: [2, 3, 4]) == [1, 1, 1])
        #expect(SpecificationGrid.index(of: [1, 2, 3], sizes: [2, 3, 4]) == 23)
    }

    @Test func theOwnChoiceMustBeInTheGrid() {
        #expect(throws: RobustnessError.self) { try SpecificationGrid(sizes: [2, 3], own: [2, 0], maxSpecifications: 10, seed: 1) }
        #expect(throws: RobustnessError.self) { try SpecificationGrid(sizes: [2, 0], own: [0, 0], maxSpecifications: 10, seed: 1) }
    }

    @Test func sampleIsSeededDistinctSortedAndKeepsTheProtocol() throws {
        // SplitMix64's published first output for seed 0.
        let r = SplitMixProbe(seed: 0)
        #expect(r.first == 0xE220_A839_7B1D_CDAF)
        let a = try SpecificationGrid(sizes: [4, 5], own: [3, 4], maxSpecifications: 5, seed: 7)
        let b = try SpecificationGrid(sizes: [4, 5], own: [3, 4], maxSpecifications: 5, seed: 7)
        #expect(a == b)
        #expect(a.fullSize == 20)
        #expect(a.isSampled)
        #expect(a.indices.count == 5)
        #expect(Set(a.indices).count == 5)
        #expect(a.indices == a.indices.sorted())
        #expect(a.indices.contains(19))
        #expect(a.indices.allSatisfy { (0..<20).contains($0) })
        // A sample of one is the protocol alone; a sample of the whole grid less one leaves out one.
        #expect(try SpecificationGrid(sizes: [4, 5], own: [0, 2], maxSpecifications: 1, seed: 3).indices == [2])
        #expect(try SpecificationGrid(sizes: [4, 5], own: [0, 2], maxSpecifications: 19, seed: 3).indices.count == 19)
        // Other seeds give other samples (over 20 seeds, more than one distinct sample).
        let samples = Set(try (1...20).map { try SpecificationGrid(sizes: [4, 5], own: [3, 4], maxSpecifications: 5, seed: $0).indices })
        #expect(samples.count > 1)
        for s in samples { #expect(s.contains(19)) }
    }

    @Test func theDefaultGridHoldsTheAuditsCasesAndAtLeast500Specifications() throws {
        let p = StudyProtocol.paperDefault
        let r = try #require(p.robustness)
        #expect(p.validate().isEmpty, "\(p.validate())")
        let size = try #require(r.gridSize)
        #expect(size >= 500)
        #expect(min(size, r.maxSpecifications) >= 500)
        let labels = Dictionary(uniqueKeysWithValues: r.dimensions.map { ($0.name, $0.choice.alternativeLabels) })
        #expect(labels["norepinephrine_zeros"] == ["log(x + 0.001)", "log(x + 0.01)", "log(x + 0.1)", "zeros left out", "zeros set to 0.001"])
        #expect(labels["sofa_missing_components"] == ["missing component counts 0", "complete days only", "last value carried forward"])
        #expect(labels["sofa_map"] == ["all inputs", "without mean arterial pressure"])
        #expect(labels["temperature_imputation"] == [
            "every cooled day, even unmeasured", "measured cooled days only", "only where measured higher", "not imputed",
        ])
        #expect(labels["median_rounding"] == ["half down", "half up"])
        #expect(labels["proteomics_line"] == ["p < 0.000625", "p < 0.000667"])
        #expect(labels["matching_caliper"] == ["no caliper", "caliper 0.2 SD"])
        #expect(labels["matching_covariates"] == ["age, sex, BMI", "age, sex, BMI, APACHE II"])
        #expect(labels["fever_days"] == ["on at least 2 days", "on at least 1 day", "on at least 3 days"])
        #expect(labels["fever_consecutive"] == ["days need not be consecutive", "consecutive days"])
        for d in r.dimensions { #expect(d.choice.ownAlternative(in: p) != nil, "\(d.name)") }
        // The sets where the matching and fever choices act are collected, so the report shows them.
        #expect(r.analysisSets == ["main", "propensity-matched", "criteria-matched-controls"])
        for d in r.dimensions {
            switch d.choice {
            case .matchingCaliper(let set, _), .matchingCovariates(let set, _), .criterionDays(let set, _, _), .criterionConsecutive(let set, _, _):
                #expect(r.analysisSets?.contains(set) == true, "\(d.name)")
            default: break
            }
        }
    }

    /// Each audit alternative added for issue 18 changes the default cohort's derived data, so
    /// its dimension is not inert: LOCF SOFA raises some totals (never lowers one), the
    /// "above 40 only" temperature differs from "every cooled day", and consecutive fever days
    /// change the criteria-matched controls.
    @Test func theAuditAlternativesChangeTheDefaultCohort() throws {
        let study = SyntheticCohort.default
        let dims = try #require(StudyProtocol.paperDefault.robustness?.dimensions)
        func derive(_ edits: [(String, Int)]) throws -> DerivedCohort {
            var p = StudyProtocol.paperDefault
            for (name, k) in edits { try #require(dims.first { $0.name == name }).apply(k, to: &p) }
            return try CohortDerivation.derive(study, protocol: p)
        }
        func values(_ c: DerivedCohort, _ parameter: String) -> [Double?] {
            c.patients.indices.flatMap { i in (-10...10).map { c.value(patient: i, parameter: parameter, alignedDay: $0) } }
        }
        let own = try derive([])
        let locf = try derive([("sofa_missing_components", 2)])
        let (a, b) = (values(own, "sofa"), values(locf, "sofa"))
        #expect(a.count == b.count)
        var raised = 0
        for (x, y) in zip(a, b) {
            #expect((x == nil) == (y == nil))
            if let x, let y {
                #expect(y >= x)
                if y > x { raised += 1 }
            }
        }
        #expect(raised > 0)
        let above = try derive([("temperature_imputation", 2)])
        let changed = zip(values(own, "temperature"), values(above, "temperature")).filter { $0 != $1 }.count
        #expect(changed > 0)
        #expect(above.ruleCounts.imputation.kept > 0)
        #expect(above.ruleCounts.imputation.created == 0)
        let consecutive = try derive([("fever_consecutive", 1)])
        let set = try #require(own.studyProtocol.analysisSet(named: "criteria-matched-controls"))
        let consecutiveSet = try #require(consecutive.studyProtocol.analysisSet(named: "criteria-matched-controls"))
        let before = try #require(own.membership(of: set)).members
        let after = try #require(consecutive.membership(of: consecutiveSet)).members
        #expect(Set(after).isSubset(of: Set(before)))
        #expect(after.count < before.count, "\(after.count) of \(before.count)")
    }

    // MARK: protocol rules

    @Test func theProtocolsOwnChoiceIsAddedWhenNotListed() throws {
        let text = ProtocolYAML.defaultYAML.replacingOccurrences(
            of: "alternatives: [half_down, half_up]", with: "alternatives: [half_up, lower_middle]")
        let p = try ProtocolYAML.decode(text)
        let d = try #require(p.robustness?.dimensions[4])
        #expect(d.choice.ownAlternative(in: p) == nil)
        #expect(d.includingOwn(of: p).choice == .medianRounding([.halfUp, .lowerMiddle, .halfDown]))
        #expect(d.includingOwn(of: p).choice.ownAlternative(in: p) == 2)
        // Listed: unchanged.
        let listed = try #require(StudyProtocol.paperDefault.robustness?.dimensions[4])
        #expect(listed.includingOwn(of: .paperDefault) == listed)
        // The encoded protocol reads back to the same protocol.
        #expect(try ProtocolYAML.decode(ProtocolYAML.encode(p)) == p)
        let encoded = try ProtocolYAML.encode(.paperDefault)
        let back = try ProtocolYAML.decode(encoded)
        for (a, b) in zip(back.robustness?.dimensions ?? [], StudyProtocol.paperDefault.robustness?.dimensions ?? []) {
            #expect(a == b, "\(a.name)")
        }
        #expect(back.robustness == StudyProtocol.paperDefault.robustness)
        #expect(back == .paperDefault)
    }

    @Test func anAlternativeThatBreaksARuleIsReportedAtTheAlternative() throws {
        let text = ProtocolYAML.defaultYAML.replacingOccurrences(
            of: "alternatives: [[-10, 10], [-7, 7], [-5, 5]]", with: "alternatives: [[-10, 10], [7, -7]]")
        let issues = ProtocolYAML.check(text).issues
        let issue = try #require(issues.first { $0.path == "robustness.dimensions[5].alternatives[1]" }, "\(issues)")
        #expect(issue.message.contains("after its end"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let line = try #require(lines.firstIndex { $0.contains("alternatives: [[-10, 10], [7, -7]]") })
        #expect(issue.position?.line == line + 1)
        let unknown = ProtocolYAML.check(ProtocolYAML.defaultYAML.replacingOccurrences(of: "vary: median_rounding", with: "vary: rounding"))
        #expect(unknown.issues.contains { $0.kind == .unknownValue }, "\(unknown.issues)")
    }

    // MARK: (b) one specification against the workup run directly

    static let smallGrid = RobustnessSettings(
        analysisSets: ["main"], maxSpecifications: 100, seed: 1,
        dimensions: [
            RobustnessDimension(
                name: "norepinephrine_zeros", choice: .zeroRule(parameter: "norepinephrine", [.addConstant(0.001), .addConstant(0.01), .addConstant(0.1)])),
            RobustnessDimension(name: "sofa_missing_components", choice: .sofaMissingComponents([.sumAvailable, .requireAll])),
        ])

    static let small: RobustnessResults? = {
        var p = StudyProtocol.paperDefault
        p.robustness = smallGrid
        return try? RobustnessAnalysis.run(study: SyntheticCohort.default, protocol: p, seed: SyntheticCohort.defaultSeed)
    }()

    @Test func changingTheNorepinephrineConstantChangesItsPExactlyAsTheGridReports() throws {
        let r = try #require(Self.small)
        #expect(r.specifications.count == 6)
        #expect(r.gridSize == 6)
        #expect(!r.sampled)
        #expect(r.ownSpecification == 2)  // add 0.01 (1) × sum_available (0) → 1·2 + 0
        let main = try #require(r.analysisSets.first)
        var ps: [Double] = []
        for (s, spec) in r.specifications.enumerated() where spec.choices[1] == 0 {
            var edited = StudyProtocol.paperDefault
            edited.robustness = nil
            edited.parameters[try #require(edited.parameters.firstIndex { $0.name == "norepinephrine" })].zeroRule =
                [ZeroRule.addConstant(0.001), .addConstant(0.01), .addConstant(0.1)][spec.choices[0]]
            edited.analysisSets = [try #require(edited.analysisSet(named: "main"))]
            let direct = try StudyAnalysis(study: SyntheticCohort.default, protocol: edited)
            let panel = try #require(direct.results.analysisSets[0].kinetics.first { $0.parameter == "norepinephrine" })
            for (window, test) in [("overall", panel.overall), ("pre", panel.pre), ("post", panel.post)] {
                let curve = try #require(main.results.first { $0.id == "kinetics.norepinephrine.\(window)" })
                #expect(curve.p[s] == test?.pValue, "spec \(s) \(window)")
            }
            ps.append(try #require(panel.post?.pValue))
        }
        #expect(ps.count == 3)
        // The constant moves the p value (the audit's finding).
        #expect(Set(ps).count == 3)
        // The protocol's own specification is the default workup.
        let own = try StudyAnalysis(study: SyntheticCohort.default, protocol: .paperDefault)
        let ownPanel = try #require(own.results.analysisSets[0].kinetics.first { $0.parameter == "norepinephrine" })
        let curve = try #require(main.results.first { $0.id == "kinetics.norepinephrine.post" })
        #expect(curve.summary.ownP == ownPanel.post?.pValue)
        // Every headline kind is collected.
        #expect(main.results.contains { $0.kind == "outcome" && $0.estimateMeasure == "hazardRatio" })
        #expect(main.results.contains { $0.kind == "table1" })
        #expect(main.results.allSatisfy { $0.p.count == 6 && $0.estimate.count == 6 })
    }

    // MARK: (c) the R refits of the same grid

    /// `Fixtures/robustness-r-check.json`, written by `scripts/robustness-r-check.sh` (which runs
    /// `dayzero analyze` on each specification's protocol and `scripts/robustness-r-check.R` on
    /// its aligned_long.csv): lmerTest type III Satterthwaite p of the norepinephrine and SOFA
    /// panels, whole window, before and after day 0.
    struct RCase: Decodable {
        var constant: Double
        var policy: String
        var parameter: String
        var window: String
        var p: Double
    }

    @Test func theSmallGridAgreesWithRRefits() throws {
        let cases = try JSONDecoder().decode([RCase].self, from: Data(contentsOf: fixtureURL("robustness-r-check.json")))
        #expect(cases.count == 36)
        let r = try #require(Self.small)
        let main = try #require(r.analysisSets.first)
        let constants = [0.001, 0.01, 0.1], policies = ["sum_available", "require_all"]
        var compared = 0
        for c in cases {
            let k = try #require(constants.firstIndex(of: c.constant)), m = try #require(policies.firstIndex(of: c.policy))
            let s = try #require(r.specifications.firstIndex { $0.choices == [k, m] })
            let curve = try #require(main.results.first { $0.id == "kinetics.\(c.parameter).\(c.window)" })
            let p = try #require(curve.p[s])
            #expect(abs(p - c.p) <= 1e-6 * c.p + 1e-12, "\(c.parameter) \(c.window) c=\(c.constant) \(c.policy): \(p) vs R \(c.p)")
            compared += 1
        }
        #expect(compared == 36)
    }

    // MARK: (e) determinism and the verdict rule

    @Test func sameInputSameBytes() throws {
        var p = StudyProtocol.paperDefault
        p.robustness = RobustnessSettings(
            maxSpecifications: 3, seed: 5,
            dimensions: [
                RobustnessDimension(name: "serial", choice: .window(parameter: nil, [DayWindow(-10, 10), DayWindow(-7, 7)])),
                RobustnessDimension(name: "rounding", choice: .medianRounding([.halfDown, .halfUp])),
            ])
        let a = try RobustnessAnalysis.json(RobustnessAnalysis.run(study: SyntheticCohort.default, protocol: p))
        let b = try RobustnessAnalysis.json(RobustnessAnalysis.run(study: SyntheticCohort.default, protocol: p))
        #expect(a == b)
        let decoded = try JSONDecoder().decode(RobustnessResults.self, from: a)
        #expect(decoded.sampled)
        #expect(decoded.gridSize == 4)
        #expect(decoded.specifications.count == 3)
        #expect(decoded.specifications.contains { $0.choices == [0, 0] })
    }

    /// Sharing derivations between zero rules and mixed-model fits between specifications
    /// (`KineticsFitCache`) gives the same bytes as deriving and fitting every specification
    /// afresh: a grid where the norepinephrine zero rule and window and the SOFA rule vary.
    @Test func sharedFitsAndDerivationsGiveTheSameBytesAsFreshOnes() throws {
        var p = StudyProtocol.paperDefault
        p.robustness = RobustnessSettings(
            maxSpecifications: 100, seed: 1,
            dimensions: [
                RobustnessDimension(
                    name: "ne", choice: .zeroRule(parameter: "norepinephrine", [.addConstant(0.001), .addConstant(0.01), .excludeZeros])),
                RobustnessDimension(name: "sofa", choice: .sofaMissingComponents([.sumAvailable, .requireAll])),
                RobustnessDimension(name: "ne_window", choice: .window(parameter: "norepinephrine", [DayWindow(-10, 10), DayWindow(-7, 7)])),
            ])
        let shared = try RobustnessAnalysis.run(study: SyntheticCohort.default, protocol: p)
        let fresh = try RobustnessAnalysis.run(study: SyntheticCohort.default, protocol: p, shareWork: false)
        #expect(shared.specifications.count == 12)
        #expect(shared.distinctAnalyses == 12)
        #expect(try RobustnessAnalysis.json(shared) == RobustnessAnalysis.json(fresh))
        // The curve is not constant: the shared fits are not one fit handed to every specification.
        let main = try #require(shared.analysisSets.first)
        let ne = try #require(main.results.first { $0.id == "kinetics.norepinephrine.post" })
        let sofa = try #require(main.results.first { $0.id == "kinetics.sofa.post" })
        #expect(Set(ne.p.compactMap { $0 }).count == 6)
        #expect(Set(sofa.p.compactMap { $0 }).count == 2)
        let crp = try #require(main.results.first { $0.id == "kinetics.crp.post" })
        #expect(crp.p.count == 12 && Set(crp.p.compactMap { $0 }).count == 1)
    }

    @Test func verdictRuleByHand() {
        let dims = [
            RobustnessDimension(name: "c", label: "The constant", choice: .zeroRule(parameter: "x", [.addConstant(1), .addConstant(2)])),
            RobustnessDimension(name: "r", choice: .medianRounding([.halfDown, .halfUp])),
        ]
        let choices = [[0, 0], [0, 1], [1, 0], [1, 1]]
        // Significant exactly when the constant is 1: share 1/2, the constant splits 1 vs 0.
        let fragile = RobustnessAnalysis.summariseForTests(ps: [0.01, 0.02, 0.5, 0.6], choices: choices, dimensions: dims)
        #expect(fragile.verdict == "fragile")
        #expect(fragile.dependsOn == "c")
        #expect(fragile.verdictText == "fragile: significant in 50% of 4 specifications; depends on the constant")
        #expect(fragile.shareByAlternative == [[1, 0], [0.5, 0.5]])
        #expect(fragile.medianP == 0.26)
        let robust = RobustnessAnalysis.summariseForTests(ps: [0.01, 0.02, 0.03, 0.001], choices: choices, dimensions: dims)
        #expect(robust.verdictText == "robust: significant in 100% of 4 specifications")
        // A choice acting on another set alone is never named, even where its shares differ.
        let otherSet = RobustnessAnalysis.summariseForTests(
            ps: [0.01, 0.02, 0.5, 0.6], choices: choices, dimensions: dims, actsOn: [false, true])
        #expect(otherSet.verdict == "fragile" && otherSet.dependsOn == nil)
        #expect(otherSet.verdictText == "fragile: significant in 50% of 4 specifications; no single choice decides it")
        let none = RobustnessAnalysis.summariseForTests(ps: [0.2, 0.3, nil, 0.9], choices: choices, dimensions: dims)
        #expect(none.verdictText == "robust: not significant in 100% of 3 specifications")
        #expect(none.specifications == 3)
        // The boundary: 1 of 10 significant is 10%, robustly not significant; 9 of 10 robustly significant.
        let ten = (0..<10).map { [$0 % 2, ($0 / 2) % 2] }
        let one = RobustnessAnalysis.summariseForTests(ps: [0.01] + Array(repeating: 0.5, count: 9), choices: ten, dimensions: dims)
        #expect(one.verdictText == "robust: not significant in 90% of 10 specifications")
        let nine = RobustnessAnalysis.summariseForTests(ps: [0.5] + Array(repeating: 0.01, count: 9), choices: ten, dimensions: dims)
        #expect(nine.verdictText == "robust: significant in 90% of 10 specifications")
        let two = RobustnessAnalysis.summariseForTests(ps: [0.01, 0.01] + Array(repeating: 0.5, count: 8), choices: ten, dimensions: dims)
        #expect(two.verdict == "fragile")
    }

    /// A sampled grid names a dimension only when its split is beyond the sample's chance
    /// (chi-square of alternatives × significance, p < 0.05 / the dimensions that can be named).
    @Test func aSampledCurveNamesOnlyASplitBeyondChance() throws {
        let dims = [
            RobustnessDimension(name: "c", label: "The constant", choice: .zeroRule(parameter: "x", [.addConstant(1), .addConstant(2)])),
            RobustnessDimension(name: "r", choice: .medianRounding([.halfDown, .halfUp])),
        ]
        // 40 specifications: significant exactly when c is its first alternative; r's shares
        // differ by the sample's draw only (8 of 12 vs 12 of 28).
        let choices = (0..<40).map { [$0 % 2, $0 < 24 ? ($0 % 4 < 2 ? 0 : 1) : 1] }
        let ps = choices.map { $0[0] == 0 ? 0.01 : 0.5 }
        #expect(choices.filter { $0[1] == 0 }.count == 12 && choices.filter { $0[1] == 0 && $0[0] == 0 }.count == 6)
        let decided = RobustnessAnalysis.summariseForTests(ps: ps, choices: choices, dimensions: dims, sampled: true)
        #expect(decided.dependsOn == "c")
        // [[20, 0], [0, 20]] with Yates' correction: 4 × 9.5² / 10 = 36.1 on 1 df, p = 1.9e-9.
        let p = try #require(decided.dependsOnP)
        #expect(p > 1e-9 && p < 3e-9, "\(p)")

        // 20 specifications, half significant; c's alternatives 6 of 10 vs 4 of 10: the largest
        // spread (0.2), but chisq.test(matrix(c(6, 4, 4, 6), 2)) gives X² = 0.2, p = 0.65.
        let twenty = (0..<20).map { [$0 % 2, ($0 / 2) % 2] }
        let sig: Set<Int> = [0, 2, 4, 6, 8, 10, 1, 3, 5, 7]
        let byChance = (0..<20).map { sig.contains($0) ? 0.01 : 0.5 }
        #expect(zip(twenty, byChance).filter { $0.0[0] == 0 && $0.1 < 0.05 }.count == 6)
        let chance = RobustnessAnalysis.summariseForTests(ps: byChance, choices: twenty, dimensions: dims, sampled: true)
        #expect(chance.verdict == "fragile" && chance.dependsOn == nil && chance.dependsOnP == nil)
        #expect(chance.verdictText == "fragile: significant in 50% of 20 specifications; no single choice decides it")
        // The whole grid, enumerated, has no chance in it: the same shares name c.
        let whole = RobustnessAnalysis.summariseForTests(ps: byChance, choices: twenty, dimensions: dims)
        #expect(whole.dependsOn == "c" && whole.dependsOnP == nil)
    }
}

/// SplitMix64's first output, through the grid's generator.
struct SplitMixProbe {
    var first: UInt64
    init(seed: UInt64) { first = SpecificationGrid.splitMixFirstOutput(seed: seed) }
}
