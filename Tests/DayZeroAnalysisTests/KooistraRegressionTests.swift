import DayZeroAnalysis
import DayZeroCohort
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// The regression guard of the Kooistra protocol on the default cohort: `results.json` of this
/// build against `Fixtures/kooistra-default-results.json`, written by `dayzero analyze` before
/// the study's declarations (baseline variables, exclusion rules, group labels) came from the
/// protocol. Every value of the fixture must be in the new document at the same place and be
/// equal — numbers exactly, as doubles — except the documented changes below. Keys the new
/// document adds (flow labels) are allowed; a key or array element the fixture has and the new
/// document lacks is a failure.
@Suite("Kooistra default cohort: results.json as before the study declarations")
struct KooistraRegressionTests {
    /// Paths whose value changed on purpose, with the reason.
    static let documentedChanges: [String: String] = [
        // The protocol now declares its groups, Table 1 sections and exclusion rules, so its
        // canonical text (and hash) changed; the numbers did not.
        "provenance.protocolHash": "the default protocol declares groups, baseline and exclusion rules",
        // Schema 2: the paper's outcomes are declared outcomes (`outcomeMeasures`); the legacy
        // `outcomes` object is gone (its values are compared at their new place, below).
        "schemaVersion": "results.json schema 2: outcomes as declared measures",
    ]

    /// A documented change of the day statistics of log(x + c) parameters (norepinephrine and
    /// SOFA): the back-transform exp(m) − c is computed as c·expm1(m − log c), and a day whose
    /// values are all equal takes that value as its mean exactly. The values move by rounding
    /// only (at most 1.3e-13 relative in the default cohort), and a day on which every value is
    /// 0 gives exactly 0 instead of ±1e-17 (`GeometricMeanBackTransformTests`).
    static func backTransformRounding(_ path: String, _ old: Double, _ new: Double) -> Bool {
        guard path.contains("kinetics["), path.contains(".days[") || path.contains(".admission["),
              ["geometricMean", "lower", "upper"].contains(where: { path.hasSuffix(".\($0)") })
        else { return false }
        return abs(old - new) <= 1e-12 * max(abs(old), abs(new)) + 1e-15
    }

    /// A documented change of the mixed-model tests (issue 15): the fit now goes through the
    /// additive aggregate `MixedModelSums` (per-pattern and per-subject-size sums, the
    /// least-squares shift applied algebraically afterwards), the one path the pooled
    /// multi-site analysis uses too. F, p and the Satterthwaite df move by rounding only (at
    /// most about 1e-11 relative in the default cohort; the R-parity tolerances are 1e-6).
    static func mixedModelSumsRounding(_ path: String, _ old: Double, _ new: Double) -> Bool {
        guard path.contains("kinetics[") || path.contains("cytokines["),
              [".overall.", ".pre.", ".post."].contains(where: path.contains),
              ["fStatistic", "pValue", "denominatorDF"].contains(where: { path.hasSuffix(".\($0)") })
        else { return false }
        return abs(old - new) <= 1e-10 * max(abs(old), abs(new))
    }

    /// The fixture's `outcomes` object (schema 1) rebuilt from the current `outcomeMeasures`:
    /// every row and curve of the paper's outcomes at its new place, so the guard still compares
    /// each of their values.
    static func legacyOutcomes(_ set: [String: Any]) -> [String: Any]? {
        guard let measures = set["outcomeMeasures"] as? [[String: Any]] else { return nil }
        var byName: [String: [String: Any]] = [:]
        for m in measures { if let name = m["name"] as? String { byName[name] = m } }
        var legacy: [String: Any] = ["horizonDays": byName["mortality"]?["horizonDays"] ?? NSNull()]
        let rows = ["secondaryInfection": "secondary_infection", "ventilationDays": "ventilation_days",
                    "icuLengthOfStay": "icu_los", "mortality": "mortality"]
        for (key, name) in rows { legacy[key] = byName[name]?["row"] }
        let curves = ["ventilationCurve": "ventilation_days", "icuStayCurve": "icu_los", "mortalityCurve": "death"]
        for (key, name) in curves { legacy[key] = byName[name]?["survival"] }
        return legacy
    }

    @Test("every value of the committed results.json is unchanged")
    func resultsUnchanged() throws {
        let fixture = try JSONSerialization.jsonObject(
            with: Data(contentsOf: fixtureURL("kooistra-default-results.json")), options: [.fragmentsAllowed])
        let analysis = try StudyAnalysis(
            study: SyntheticCohort.default, protocol: .paperDefault, seed: SyntheticCohort.defaultSeed)
        var current = try #require(
            try JSONSerialization.jsonObject(with: analysis.resultsJSON(), options: [.fragmentsAllowed]) as? [String: Any])
        // The default protocol's fifth set (overlap-weighted, issue 18) is new and comes after the
        // fixture's four: those are compared whole, the new one is checked apart
        // (DefaultCohortWeightingTests).
        let allSets = try #require(current["analysisSets"] as? [[String: Any]])
        #expect(allSets.compactMap { $0["id"] as? String }.last == "overlap-weighted")
        let sets = Array(allSets.prefix(4))
        current["analysisSets"] = try sets.map { set in
            var set = set
            set["outcomes"] = try #require(Self.legacyOutcomes(set))
            return set
        }
        var differences: [String] = []
        var compared = 0
        compare(fixture, current, path: "", differences: &differences, compared: &compared)
        #expect(differences.isEmpty, "\(differences.count) differences, first: \(differences.prefix(10))")
        // The fixture is the whole document (four analysis sets, every panel): a guard that
        // compared little would pass for the wrong reason.
        #expect(compared > 20_000, "only \(compared) values compared")
    }

    func compare(_ old: Any, _ new: Any, path: String, differences: inout [String], compared: inout Int) {
        if Self.documentedChanges[path] != nil { return }
        switch (old, new) {
        case (let a as [String: Any], let b as [String: Any]):
            for (key, value) in a {
                let child = path.isEmpty ? key : "\(path).\(key)"
                guard let other = b[key] else {
                    differences.append("\(child): missing")
                    continue
                }
                compare(value, other, path: child, differences: &differences, compared: &compared)
            }
        case (let a as [Any], let b as [Any]):
            guard a.count == b.count else {
                differences.append("\(path): \(a.count) elements, now \(b.count)")
                return
            }
            for (i, (x, y)) in zip(a, b).enumerated() {
                compare(x, y, path: "\(path)[\(i)]", differences: &differences, compared: &compared)
            }
        case (let a as NSNumber, let b as NSNumber):
            compared += 1
            if a.doubleValue != b.doubleValue, !Self.backTransformRounding(path, a.doubleValue, b.doubleValue),
               !Self.mixedModelSumsRounding(path, a.doubleValue, b.doubleValue) {
                differences.append("\(path): \(a) → \(b)")
            }
        case (let a as String, let b as String):
            compared += 1
            if a != b { differences.append("\(path): \(a) → \(b)") }
        case (is NSNull, is NSNull):
            compared += 1
        default:
            differences.append("\(path): \(type(of: old)) → \(type(of: new))")
        }
    }
}
