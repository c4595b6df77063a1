@testable import DayZeroSynth
import Foundation
import Testing

/// The block plan's two-way centring of within-patient deviations (docs/synthetic-cohort.md,
/// "Kinetics calibration"), on hand-worked tables.
@Suite struct KineticsPlanTests {
    @Test("variance factor: AR(1) expectation of the within-row sum of squares, by hand")
    func varianceFactor() {
        // Two rows on days 0 and 1, ρ = 0.5, sd 1: each row's expected sum of squares about its
        // mean is 2 − (1 + 1 + 0.5 + 0.5) / 2 = 0.5, together 1; N = 4, R = 2, C = 2 leave
        // (4 − 2 − 2 + 1) / (4 − 2) = 1/2 of it: 0.5. Observed 2 → factor √(0.5 / 2) = 0.5.
        let factor = CohortPlanner.varianceFactor(observed: 2, rows: [[0, 1], [0, 1]], columns: 2, sd: 1, correlation: 0.5)
        #expect(abs(factor - 0.5) < 1e-15)
        // Independent samples: 2 − 2/2 = 1 per row.
        let independent = CohortPlanner.varianceFactor(observed: 4, rows: [[0, 1], [0, 1]], columns: 2, sd: 1, correlation: 0)
        #expect(abs(independent - (1.0 / 4).squareRoot()) < 1e-15)
        // Nothing to scale: no residual degrees of freedom, or no variation.
        #expect(CohortPlanner.varianceFactor(observed: 2, rows: [[0], [0]], columns: 1, sd: 1, correlation: 0.5) == 1)
        #expect(CohortPlanner.varianceFactor(observed: 0, rows: [[0, 1], [0, 1]], columns: 2, sd: 1, correlation: 0.5) == 1)
    }

    @Test("two-way centring: the interaction part of the taken cells, at the expected variance; cells not taken untouched")
    func centreTwoWay() {
        // Rows {1, 2}, {3, 5}, {4, —}. The row and column margins are zero only on multiples of
        // v = (1, −1, −1, 1, 0) (the single cell of row 3 must be 0): the projection of
        // y = (1, 2, 3, 5, 4) is (y·v / 4) v = 0.25 v; the expected sum of squares (sd 1,
        // independent) is (1 + 1 + 0) · (5 − 3 − 2 + 1) / (5 − 3) = 1, so the result is 0.5 v.
        var values: [[Double]] = [[1, 2], [3, 5], [4, 7]]
        let taken = [[true, true], [true, true], [true, false]]
        CohortPlanner.centreTwoWay(&values, taken: taken, windows: [0, 0], sd: 1)
        let expected: [[Double]] = [[0.5, -0.5], [-0.5, 0.5], [0, 7]]
        #expect(values.count == 3)
        for (row, want) in zip(values, expected) {
            #expect(row.count == 2)
            for (x, y) in zip(row, want) { #expect(abs(x - y) < 1e-9, "\(values)") }
        }
    }

    @Test("two-way centring in two windows: each member's mean is zero in each")
    func centreTwoWayWindows() {
        var values: [[Double]] = [[0.3, -1.2, 0.8, 2.0], [1.1, 0.4, -0.6, 0.2], [-0.5, 0.9, 1.7, -0.3]]
        let taken = [[true, true, true, true], [true, false, true, true], [true, true, true, false]]
        let windows = [0, 0, 1, 1]
        CohortPlanner.centreTwoWay(&values, taken: taken, windows: windows, sd: 0.3)
        var checked = 0
        for m in values.indices {
            for w in 0...1 {
                let cells = values[m].indices.filter { taken[m][$0] && windows[$0] == w }
                #expect(abs(cells.reduce(0) { $0 + values[m][$1] }) < 1e-9)
                checked += 1
            }
        }
        for o in windows.indices {
            let members = values.indices.filter { taken[$0][o] }
            #expect(abs(members.reduce(0) { $0 + values[$1][o] }) < 1e-9)
            checked += 1
        }
        #expect(checked == 10)
    }
}
