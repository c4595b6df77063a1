import DayZeroCohort
@testable import DayZeroSynth
import Foundation
import Testing

@Test func explore() throws {
    let facts = CohortFacts(SyntheticCohort.default)
    print("flow", facts.study.patients.count, facts.immunocompromised.count, facts.refused.count, facts.goneBeforeAlignment.count, facts.treated.count, facts.controls.count, "align", facts.alignmentDay)
    for p in ["temperature", "ferritin", "crp", "procalcitonin", "wbc", "creatinine", "bilirubin", "platelets", "pf_ratio", "d_dimer", "alat", "asat", "ldh", "apache_ii", "sofa", "norepinephrine"] {
        for (name, group) in [("T", facts.treated), ("C", facts.controls)] {
            let adm = group.compactMap { facts.value($0, p, day: 0) }
            let ali = group.compactMap { facts.value($0, p, day: facts.dayZero($0)) }
            print(p, name, "adm", describe(adm), "align", describe(ali))
        }
    }
    print("rows", facts.study.measurements.count, facts.study.medications.count, facts.study.cytokines.count, facts.study.proteomics.count)
}
