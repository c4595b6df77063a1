import DayZeroStats
import DayZeroTestSupport
import Testing

/// Nearest-neighbour matching and balance: hand-worked cases with scores on a 1/32 grid
/// (every difference exact), then MatchIt parity (Fixtures/matching/matching.R).
@Suite struct MatchingTests {
    // MARK: hand-worked cases

    /// 13 units in scrambled order, scores k/32. Controls: c0 3, c1 8, c2 13, c3 16, c4 18,
    /// c5 22, c6 26, c7 29; treated A 14, B 20, C 24, D 28, E 10.
    static let units: [(name: String, treated: Bool, score: Double)] = [
        ("c3", false, 16), ("B", true, 20), ("c0", false, 3), ("E", true, 10), ("c7", false, 29), ("c5", false, 22),
        ("D", true, 28), ("c2", false, 13), ("c4", false, 18), ("A", true, 14), ("c6", false, 26), ("C", true, 24),
        ("c1", false, 8),
    ].map { ($0.0, $0.1, $0.2 / 32) }

    static func pairs(_ options: NearestNeighborOptions) throws -> [String: [String]] {
        let m = try NearestNeighborMatching.match(
            distance: units.map(\.score), treated: units.map(\.treated), options: options)
        var out: [String: [String]] = [:]
        for (row, unit) in m.treatedUnits.enumerated() {
            out[units[unit].name] = m.controls(ofTreatedRow: row).map { units[$0].name }
        }
        return out
    }

    /// Largest first: D (28) takes c7 (29, 1 away) over c6 (26, 2 away); C (24) is exactly 2
    /// from c5 (22) and c6 (26) — the tie goes left, to c5; B (20) then takes c4 (18);
    /// A (14) c2 (13); E (10) c1 (8, 2 away) over c3 (16, 6 away).
    @Test func oneToOneLargestFirstWithAnExactTie() throws {
        let got = try Self.pairs(NearestNeighborOptions())
        let expected = ["D": ["c7"], "C": ["c5"], "B": ["c4"], "A": ["c2"], "E": ["c1"]]
        #expect(got == expected, "got \(got)")
        let m = try NearestNeighborMatching.match(distance: Self.units.map(\.score), treated: Self.units.map(\.treated))
        #expect(m.matchedTreatedCount == 5 && m.matchedControlCount == 5 && m.pairCount == 5)
        let unmatched = Self.units.indices.filter { m.weights[$0] == 0 }.map { Self.units[$0].name }
        #expect(unmatched == ["c3", "c0", "c6"])
        #expect(m.warnings.isEmpty)
    }

    /// Round 2 (all treated have their first control): D takes c6 (26), C the nearest left,
    /// c3 (16), B the last control c0 (3); A and E find none. Weights: ½ for each control of
    /// a 2-control unit, 1 for c2 and c1, rescaled by 8 controls / Σ = 5 → 0.8 and 1.6.
    @Test func twoToOneFillsInRounds() throws {
        let got = try Self.pairs(NearestNeighborOptions(ratio: 2))
        let expected = ["D": ["c7", "c6"], "C": ["c5", "c3"], "B": ["c4", "c0"], "A": ["c2"], "E": ["c1"]]
        #expect(got == expected, "got \(got)")
        let m = try NearestNeighborMatching.match(
            distance: Self.units.map(\.score), treated: Self.units.map(\.treated), options: NearestNeighborOptions(ratio: 2))
        let weight = Dictionary(uniqueKeysWithValues: Self.units.indices.map { (Self.units[$0].name, m.weights[$0]) })
        for name in ["c7", "c6", "c5", "c3", "c4", "c0"] { #expect(abs((weight[name] ?? 0) - 0.8) < 1e-15, "\(name) \(weight[name] ?? -1)") }
        for name in ["c2", "c1"] { #expect(abs((weight[name] ?? 0) - 1.6) < 1e-15, "\(name) \(weight[name] ?? -1)") }
        for name in ["A", "B", "C", "D", "E"] { #expect(weight[name] == 1) }
        #expect(m.warnings.map(\.code) == ["fewer-controls"])
    }

    /// With replacement each unit takes its two nearest, whatever the others took:
    /// D 29 then 26; C 22 (tie, left) then 26; B 18 (tie) then 22; A 13 then 16; E 8 then 13.
    @Test func withReplacementTwoNearestEach() throws {
        let got = try Self.pairs(NearestNeighborOptions(ratio: 2, replace: true))
        let expected = ["D": ["c7", "c6"], "C": ["c5", "c6"], "B": ["c4", "c5"], "A": ["c2", "c3"], "E": ["c1", "c2"]]
        #expect(got == expected, "got \(got)")
        let one = try Self.pairs(NearestNeighborOptions(replace: true))
        #expect(one == ["D": ["c7"], "C": ["c5"], "B": ["c4"], "A": ["c2"], "E": ["c1"]])
    }

    /// A raw caliper of 1.5/32: D (c7, 1 away) and A (c2, 1 away) match. C and B have their
    /// nearest controls 2 away on both sides; E's nearest left is 2 away and its nearest
    /// available right, c3 (c2 went to A), 6 away — a closed side is not searched further.
    @Test func caliperClosesASideAtItsNearestControl() throws {
        let caliper = MatchingCaliper(width: 1.5 / 32, standardized: false)
        let got = try Self.pairs(NearestNeighborOptions(caliper: caliper))
        #expect(got == ["D": ["c7"], "C": [], "B": [], "A": ["c2"], "E": []], "got \(got)")
        let m = try NearestNeighborMatching.match(
            distance: Self.units.map(\.score), treated: Self.units.map(\.treated), options: NearestNeighborOptions(caliper: caliper))
        #expect(m.matchedTreatedCount == 2)
        #expect(m.warnings.map(\.code) == ["unmatched-treated"])
        #expect(m.caliperWidth == 1.5 / 32)
    }

    /// A standardised caliper is a multiple of R's sd() of the distance over all units.
    @Test func standardisedCaliperUsesTheSDOfAllUnits() throws {
        let scores = Self.units.map(\.score)
        let mean = scores.reduce(0, +) / Double(scores.count)
        let sd = (scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(scores.count - 1)).squareRoot()
        let m = try NearestNeighborMatching.match(
            distance: scores, treated: Self.units.map(\.treated),
            options: NearestNeighborOptions(caliper: MatchingCaliper(width: 0.25)))
        let width = try #require(m.caliperWidth)
        #expect(isClose(width, 0.25 * sd, tolerance: 1e-14), "\(width) vs \(0.25 * sd)")
    }

    /// Equal scores: the treated unit's neighbours in data order decide. Controls 0 and 2
    /// share the treated unit's score: control 0 sorts before it (left), control 2 after
    /// (right); both are 0 away and the left one wins.
    @Test func equalScoresGoToTheEarlierControl() throws {
        let m = try NearestNeighborMatching.match(distance: [0.5, 0.5, 0.5], treated: [false, true, false])
        #expect(Array(m.controls(ofTreatedRow: 0)) == [0])
        let first = try NearestNeighborMatching.match(distance: [0.5, 0.5, 0.5], treated: [true, false, false])
        #expect(Array(first.controls(ofTreatedRow: 0)) == [1])
    }

    /// Order matters when two treated units want the same control: largest first gives the
    /// control to the 0.6 unit, smallest first to the 0.4 unit, data order to unit 0.
    @Test func orderDecidesWhoGetsAContestedControl() throws {
        let d = [0.4, 0.6, 0.5, 0.1]
        let t = [true, true, false, false]
        func partner(_ order: NearestNeighborOrder) throws -> [Int] {
            let m = try NearestNeighborMatching.match(distance: d, treated: t, options: NearestNeighborOptions(order: order))
            return [Array(m.controls(ofTreatedRow: 0)).first ?? -1, Array(m.controls(ofTreatedRow: 1)).first ?? -1]
        }
        #expect(try partner(.largest) == [3, 2])
        #expect(try partner(.smallest) == [2, 3])
        #expect(try partner(.data) == [2, 3])
        let random = try NearestNeighborMatching.match(distance: d, treated: t, options: NearestNeighborOptions(order: .random, seed: 7))
        let again = try NearestNeighborMatching.match(distance: d, treated: t, options: NearestNeighborOptions(order: .random, seed: 7))
        #expect(random == again)
    }

    @Test func badInputIsRefused() {
        #expect(throws: StatsError.self) { try NearestNeighborMatching.match(distance: [0.1, .nan], treated: [true, false]) }
        #expect(throws: StatsError.self) { try NearestNeighborMatching.match(distance: [0.1, 0.2], treated: [true]) }
        #expect(throws: StatsError.self) { try NearestNeighborMatching.match(distance: [0.1, 0.2], treated: [true, true]) }
        #expect(throws: StatsError.self) {
            try NearestNeighborMatching.match(distance: [0.1, 0.2], treated: [true, false], options: NearestNeighborOptions(ratio: 0))
        }
        #expect(throws: StatsError.self) {
            try NearestNeighborMatching.match(
                distance: [0.1, 0.2], treated: [true, false], options: NearestNeighborOptions(caliper: MatchingCaliper(width: -1)))
        }
    }

    /// Treated x = 1, 2, 3 (SD 1); controls 2, 4, 6, 8 (variance 20/3). Binary b: treated
    /// 1, 0, 1; controls 0, 0, 1, 1. After matching controls 1 and 2 (x = 2, 4; b = 0, 0):
    /// SMD (2 − 3)/1 = −1, VR 1/2, raw difference 2/3.
    @Test func balanceByHand() throws {
        let treated = [true, false, true, false, true, false, false]
        let x: [Double] = [1, 2, 2, 4, 3, 6, 8]
        let b: [Double] = [1, 0, 0, 0, 1, 1, 1]
        let weights: [Double] = [1, 1, 1, 1, 1, 0, 0]
        let table = try Balance.table(
            covariates: [BalanceCovariate(name: "x", values: x), BalanceCovariate(name: "b", values: b)],
            treated: treated, weights: weights)
        let rx = table.rows[0]
        #expect(rx.kind == .continuous)
        #expect(isClose(rx.before.difference, -3, tolerance: 1e-14) && rx.before.standardized)
        #expect(isClose(rx.before.varianceRatio ?? 0, 0.15, tolerance: 1e-14))
        #expect(isClose(rx.after.difference, -1, tolerance: 1e-14), "\(rx.after.difference)")
        #expect(isClose(rx.after.varianceRatio ?? 0, 0.5, tolerance: 1e-14))
        let rb = table.rows[1]
        #expect(rb.kind == .binary && !rb.before.standardized && rb.before.varianceRatio == nil)
        #expect(isClose(rb.before.difference, 2.0 / 3 - 0.5, tolerance: 1e-14))
        #expect(isClose(rb.after.difference, 2.0 / 3, tolerance: 1e-14))
        let z = table.sampleSizes
        #expect(z.treatedAll == 3 && z.controlAll == 4 && z.treatedMatched == 3 && z.controlMatched == 2)
        #expect(z.controlMatchedEffective == 2 && z.treatedUnmatched == 0 && z.controlUnmatched == 2)
    }

    /// A difference below √ε is left raw (cobalt's check_if_zero); a treated SD of 0 falls
    /// back to the SD of all units.
    @Test func balanceEdgeCases() throws {
        let treated = [true, true, false, false]
        let equalMeans = try Balance.table(
            covariates: [BalanceCovariate(name: "x", values: [1, 3, 0, 4])], treated: treated, weights: [1, 1, 1, 1])
        #expect(equalMeans.rows[0].before.difference == 0 && !equalMeans.rows[0].before.standardized)
        let constantTreated = try Balance.table(
            covariates: [BalanceCovariate(name: "x", values: [2, 2, 0, 7])], treated: treated, weights: [1, 1, 1, 1])
        let all: [Double] = [2, 2, 0, 7]
        let mean = all.reduce(0, +) / 4
        let sd = (all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
        #expect(isClose(constantTreated.rows[0].before.difference, (2 - 3.5) / sd, tolerance: 1e-14))
        #expect(constantTreated.rows[0].before.varianceRatio == 0)
    }

    // MARK: MatchIt parity

    struct Fixture: Decodable {
        var cases: [Case]
    }

    struct Side: Decodable {
        var treatedMean: Double
        var controlMean: Double
        var difference: Double
        var varianceRatio: Double?
    }

    struct BalanceRow: Decodable {
        var name: String
        var values: [Double]
        var binary: Bool
        var before: Side
        var after: Side
    }

    struct Case: Decodable, CustomTestStringConvertible {
        var name: String
        var treat: [Int]
        var designNames: [String]
        var design: [[Double]]
        var ratio: Int
        var replace: Bool
        var caliper: Double?
        var caliperScale: String
        var caliperWidth: Double?
        var distance: [Double]
        var logit: [Double]
        var matchMatrix: [[Int]]
        var weights: [Double]
        var balance: [BalanceRow]

        var testDescription: String { name }
        var treated: [Bool] { treat.map { $0 == 1 } }
        var expectedMatrix: [Int] { matchMatrix.flatMap { $0 } }
    }

    static let fixture: Fixture? = try? loadFixture(Fixture.self, "matching/matching.json")
    static var cases: [Case] { fixture?.cases ?? [] }

    @Test func fixtureLoads() {
        #expect(Self.fixture != nil, "Fixtures/matching/matching.json did not load")
        #expect(Self.cases.count >= 8)
    }

    /// The rule alone, on R's propensity scores: the match matrix is MatchIt's, entry for
    /// entry; the caliper width is R's `caliper * sd(distance)` to 1e-12.
    @Test(arguments: cases)
    func pairsEqualMatchItOnRScores(_ c: Case) throws {
        let caliper = c.caliper.map { MatchingCaliper(width: $0, values: c.caliperScale == "logit" ? c.logit : nil) }
        let m = try NearestNeighborMatching.match(
            distance: c.distance, treated: c.treated,
            options: NearestNeighborOptions(ratio: c.ratio, replace: c.replace, caliper: caliper))
        let differing = zip(m.matchMatrix, c.expectedMatrix).enumerated().filter { $0.element.0 != $0.element.1 }
        #expect(m.matchMatrix == c.expectedMatrix, "\(c.name): \(differing.count) entries differ, first \(differing.prefix(3).map { "\($0.offset): \($0.element.0) vs R \($0.element.1)" })")
        if let expected = c.caliperWidth {
            let width = try #require(m.caliperWidth)
            #expect(isClose(width, expected, tolerance: 1e-12), "\(c.name): width \(width) vs R \(expected)")
        }
        for (i, (w, r)) in zip(m.weights, c.weights).enumerated() where !isClose(w, r, tolerance: 1e-12) {
            Issue.record("\(c.name): weight of unit \(i) is \(w), R \(r)")
        }
    }

    /// End to end: our logistic fit's scores agree with `glm`'s to 1e-10 (IRLS converged to
    /// 1e-8 in deviance on both sides, but run step for step as `glm.fit`, so the iterates
    /// agree to rounding), and the pairs are MatchIt's exactly.
    @Test(arguments: cases)
    func propensityMatchingEqualsMatchIt(_ c: Case) throws {
        let design = try DesignMatrix(columns: c.design, names: c.designNames)
        let result = try PropensityScoreMatching.match(
            treated: c.treated, design: design,
            options: PropensityMatchingOptions(
                ratio: c.ratio, replace: c.replace, caliper: c.caliper, caliperScale: c.caliperScale == "logit" ? .logit : .score))
        let worst = zip(result.scores, c.distance).map { relativeError($0, $1) }.max() ?? 0
        #expect(worst < 1e-10, "\(c.name): largest relative score difference \(worst)")
        let worstLogit = zip(result.logits, c.logit).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worstLogit < 1e-10, "\(c.name): largest logit difference \(worstLogit)")
        #expect(result.matching.matchMatrix == c.expectedMatrix, "\(c.name): pairs differ from MatchIt's")
        #expect(result.widePairs == 0 || c.caliper == nil)
    }

    /// The balance table: means, cobalt's Diff and variance ratios agree with R to 1e-10.
    @Test(arguments: cases)
    func balanceEqualsR(_ c: Case) throws {
        let covariates = c.balance.map { BalanceCovariate(name: $0.name, values: $0.values, isDistance: $0.name == "distance") }
        let table = try Balance.table(covariates: covariates, treated: c.treated, weights: c.weights)
        #expect(table.rows.map(\.name) == c.balance.map(\.name))
        for (row, expected) in zip(table.rows, c.balance) {
            #expect((row.kind == .binary) == expected.binary, "\(c.name) \(row.name): kind \(row.kind)")
            for (label, got, want) in [("before", row.before, expected.before), ("after", row.after, expected.after)] {
                let pairs: [(String, Double?, Double?)] = [
                    ("treated mean", got.treatedMean, want.treatedMean), ("control mean", got.controlMean, want.controlMean),
                    ("difference", got.difference, want.difference), ("variance ratio", got.varianceRatio, want.varianceRatio),
                ]
                // A difference of means that (nearly) cancel is compared on the means' scale:
                // R's 0 and our 1.2e-16 are the same difference of two proportions near 0.8.
                let scale = max(1, abs(want.treatedMean), abs(want.controlMean))
                for (what, a, b) in pairs {
                    switch (a, b) {
                    case let (a?, b?):
                        let close = isClose(a, b, tolerance: 1e-10) || (what == "difference" && abs(a - b) <= 1e-14 * scale)
                        #expect(close, "\(c.name) \(row.name) \(label) \(what): \(a) vs R \(b), rel \(relativeError(a, b))")
                    case (nil, nil): break
                    default: Issue.record("\(c.name) \(row.name) \(label) \(what): \(String(describing: a)) vs R \(String(describing: b))")
                    }
                }
            }
        }
    }
}
