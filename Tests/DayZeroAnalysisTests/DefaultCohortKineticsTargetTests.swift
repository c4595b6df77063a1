import DayZeroAnalysis
import DayZeroCohort
import DayZeroSynth
import Foundation
import Testing

/// Issue 19's default-seed targets: the mixed-model p-values of the main set's kinetics panels
/// that the paper's text reports, on the default cohort (seed 20201214, 78 screened). A printed
/// p must be within a factor of 10 of the paper's and on the same side of 0.05; a "not
/// significant" panel must have p ≥ 0.05; IL-1RA after day 0 must be below 0.0001. The seed
/// study over 20 other seeds is `scripts/calibration-study.py`, its table in
/// docs/synthetic-cohort.md.
@Suite struct DefaultCohortKineticsTargetTests {
    enum Paper: Sendable, CustomStringConvertible {
        case p(Double)
        case notSignificant
        case below(Double)

        var description: String {
            switch self {
            case .p(let p): "p = \(p)"
            case .notSignificant: "not significant"
            case .below(let p): "p < \(p)"
            }
        }

        func accepts(_ p: Double) -> Bool {
            switch self {
            case .p(let paper): (p < 0.05) == (paper < 0.05) && p >= paper / 10 && p <= paper * 10
            case .notSignificant: p >= 0.05
            case .below(let bound): p < bound
            }
        }
    }

    /// (panel, window, paper, missed on the default seed: see docs/synthetic-cohort.md).
    static let targets: [(String, String, Paper, Bool)] = [
        ("temperature", "before", .p(0.02), true),
        ("temperature", "after", .p(0.03), false),
        ("ferritin", "after", .p(0.003), false),
        ("procalcitonin", "after", .p(0.001), false),
        ("wbc", "after", .p(0.02), true),
        ("creatinine", "after", .p(0.01), false),
        ("bilirubin", "after", .p(0.007), false),
        ("norepinephrine", "before", .p(0.005), false),
        ("norepinephrine", "after", .p(0.61), false),
        ("tnf_alpha", "after", .p(0.03), false),
        ("mcp1", "after", .p(0.049), false),
        ("crp", "after", .notSignificant, false),
        ("il10", "after", .notSignificant, false),
        ("il1ra", "after", .below(0.0001), false),
        ("platelets", "after", .notSignificant, false),
        ("pf_ratio", "after", .notSignificant, false),
        ("sofa", "after", .notSignificant, false),
        ("il6", "after", .notSignificant, true),
        ("il8", "after", .notSignificant, false),
        ("ip10", "after", .notSignificant, false),
    ]

    @Test func defaultSeedKineticsLandWhereThePapersDo() throws {
        let analysis = try #require(DefaultCohortWorkupTests.analysis)
        let main = try #require(analysis.results.analysisSets.first { $0.id == "main" })
        let panels = main.kinetics + main.cytokines
        #expect(Self.targets.count == 20)
        var checked = 0
        for (parameter, window, paper, knownMiss) in Self.targets {
            let panel = try #require(panels.first { $0.parameter == parameter }, "no kinetics panel \(parameter)")
            let test = try #require(window == "before" ? panel.pre : panel.post, "\(parameter) \(window): no test")
            let message = Comment(rawValue: "\(parameter) \(window) day 0: p = \(test.pValue), paper \(paper)")
            if knownMiss {
                withKnownIssue("issue 19: the default seed misses this target (docs/synthetic-cohort.md)") {
                    #expect(paper.accepts(test.pValue), message)
                }
            } else {
                #expect(paper.accepts(test.pValue), message)
            }
            checked += 1
        }
        #expect(checked == 20)
    }
}
