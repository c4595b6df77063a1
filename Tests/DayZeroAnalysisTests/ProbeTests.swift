@testable import DayZeroAnalysis
import DayZeroCohort
import DayZeroSynth
import Foundation
import Testing
@Test func probe() throws {
    let cohort = try CohortDerivation.derive(SyntheticCohort.default, protocol: .paperDefault)
    let w = Workup(study: SyntheticCohort.default, cohort: cohort)
    let m = try #require(cohort.ruleBasedMemberships().first)
    var c = ContinuousClock.now
    let t = cohort.alignedLongTable(for: m); print("long", ContinuousClock.now - c); c = .now
    let idx = LongTableIndex(t)
    _ = w.table1(m); print("table1", ContinuousClock.now - c); c = .now
    _ = w.kinetics(t, idx, cytokines: false); print("kin", ContinuousClock.now - c); c = .now
    _ = w.kinetics(t, idx, cytokines: true); print("cyt", ContinuousClock.now - c); c = .now
    _ = w.proteomics(m); print("prot", ContinuousClock.now - c); c = .now
    _ = w.outcomes(m); print("out", ContinuousClock.now - c); c = .now
}
