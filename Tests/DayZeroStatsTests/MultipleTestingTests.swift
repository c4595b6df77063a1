import Foundation
import Testing
import DayZeroTestSupport
@testable import DayZeroStats

// p.adjust parity: hand-worked first, then Fixtures/multiple-testing/padjust.json (padjust.R).

private struct PAdjustFixture: Decodable {
    struct Case: Decodable {
        let p: [Double?]
        let bonferroni: [Double?]
        let holm: [Double?]
        let BH: [Double?]
    }
    let cases: [Case]
}

@Test func pValueAdjustmentHandWorked() throws {
    // p = (.01, .04, .03, .005), m = 4. Sorted .005, .01, .03, .04.
    // Holm: 4·.005 = .02, 3·.01 = .03, 2·.03 = .06, 1·.04 = .04 → running max .02, .03, .06, .06.
    // BH: 4/4·.04 = .04, 4/3·.03 = .04, 4/2·.01 = .02, 4/1·.005 = .02 → running min from the top.
    let p: [Double?] = [0.01, 0.04, 0.03, 0.005]
    let holm = try PValueAdjustment.adjust(p, method: .holm)
    let bh = try PValueAdjustment.adjust(p, method: .benjaminiHochberg)
    let bonferroni = try PValueAdjustment.adjust(p, method: .bonferroni)
    for (actual, expected) in zip(holm, [0.03, 0.06, 0.06, 0.02]) { expectClose(actual, expected, tolerance: 1e-15, "holm") }
    for (actual, expected) in zip(bh, [0.02, 0.04, 0.04, 0.02]) { expectClose(actual, expected, tolerance: 1e-15, "BH") }
    for (actual, expected) in zip(bonferroni, [0.04, 0.16, 0.12, 0.02]) { expectClose(actual, expected, tolerance: 1e-15, "bonferroni") }
    // Missing stays missing and does not count in m.
    let withMissing = try PValueAdjustment.adjust([0.02, nil, .nan, 0.5], method: .bonferroni)
    #expect(withMissing[1] == nil && withMissing[2] == nil)
    expectClose(withMissing[0], 0.04, tolerance: 1e-15, "m counts non-missing only")
    #expect(try PValueAdjustment.adjust([], method: .holm).isEmpty)
    #expect(throws: StatsError.self) { try PValueAdjustment.adjust([1.2], method: .holm) }
}

@Test func pValueAdjustmentMatchesR() throws {
    let fixture = try loadFixture(PAdjustFixture.self, "multiple-testing/padjust.json")
    for (caseIndex, c) in fixture.cases.enumerated() {
        for (method, expected) in [(PValueAdjustment.Method.bonferroni, c.bonferroni), (.holm, c.holm), (.benjaminiHochberg, c.BH)] {
            let actual = try PValueAdjustment.adjust(c.p, method: method)
            #expect(actual.count == expected.count)
            for index in expected.indices {
                // Same products and running extrema as R: exact up to one rounding.
                expectClose(actual[index], expected[index], tolerance: 1e-15, "case \(caseIndex) \(method) [\(index)]")
            }
        }
    }
}
