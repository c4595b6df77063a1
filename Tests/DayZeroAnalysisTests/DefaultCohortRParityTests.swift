import DayZeroAnalysis
import DayZeroCohort
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// R parity of the whole workup on the default cohort, in `swift test`: the default analysis
/// (`dayzero analyze` without arguments — the synthetic Kooistra cohort, the default protocol,
/// seed 1), run in-process, against `Fixtures/kooistra-default-r-recompute.json`, which
/// `scripts/recompute.R --json` wrote from that analysis' tidy exports (regenerate with
/// `Fixtures/kooistra-default-r-recompute.sh`). Every value R recomputed is looked up at the
/// place the script read it in `results.json` (or, for the propensity scores and the MatchIt
/// pairs, in the matched set that `matching.csv` is written from): Table 1 (Fisher, Mann–Whitney),
/// the kinetics and cytokine mixed models (p, F, DenDF), medication use, the declared outcomes
/// (Fisher, Mann–Whitney, log-rank) and their effects (hazard ratios from coxph with Wald CI,
/// Wald/score/LR p and cox.zph's p; risk differences with Newcombe CIs; fisher.test's odds ratios;
/// E-values), proteomics (paired t), the propensity-matched set (scores, pairs, balance SMDs).
/// CI needs no R.
///
/// Tolerance, as the script's: 1e-6 relative (the mixed models are iterative fits; everything
/// else agrees to ~1e-13); a mixed-model p below 1e-10 is compared as −log10 p, since there p
/// magnifies the error of its F more than a hundredfold (F and DenDF are compared directly).
/// MatchIt's pairs are compared exactly.
@Suite("R parity: the default cohort's workup against scripts/recompute.R")
struct DefaultCohortRParityTests {
    static let tolerance = 1e-6
    /// The values of the fixture (`count` in the JSON); a test that compared fewer would pass
    /// for the wrong reason.
    static let expectedValues = 2573
    static let expectedPairs = 21

    @Test("every p-value, mixed-model F and DenDF and matching value agrees with R")
    func workupAgreesWithR() throws {
        let fixture = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL("kooistra-default-r-recompute.json"))) as? [String: Any])
        let values = try #require(fixture["values"] as? [[String: Any]])
        let pairs = try #require(fixture["matchingPairs"] as? [[String: Any]])
        #expect((fixture["count"] as? Int) == values.count)
        #expect(values.count == Self.expectedValues)
        #expect(pairs.count == Self.expectedPairs)

        let analysis = try StudyAnalysis(study: SyntheticCohort.default, protocol: .paperDefault, seed: SyntheticCohort.defaultSeed)
        let document = try #require(
            try JSONSerialization.jsonObject(with: analysis.resultsJSON(), options: [.fragmentsAllowed]) as? [String: Any])
        let setList = try #require(document["analysisSets"] as? [[String: Any]])
        var sets: [String: [String: Any]] = [:]
        for s in setList { if let id = s["id"] as? String { sets[id] = s } }

        // MatchIt's pairs: every treated patient of the model has R's controls (none = "").
        var pairMismatches: [String: Int] = [:]
        var comparedPairs = 0
        for pair in pairs {
            let setName = try #require(pair["set"] as? String)
            let treated = try #require(pair["treated"] as? String)
            let theirs = try #require(pair["controls"] as? String)
            let set = try #require(analysis.matchedSets.first { $0.name == setName }, "matched set \(setName)")
            let ids = analysis.cohort.patients.map(\.id)
            let unitPatients = set.units.map { ids[$0] }
            #expect(unitPatients.contains(treated), "\(setName): \(treated) is not a unit of DayZero's model")
            let ours = set.pairs.first { ids[$0.treated] == treated }.map { $0.controls.map { ids[$0] }.joined(separator: ";") } ?? ""
            comparedPairs += 1
            if ours != theirs {
                pairMismatches[setName, default: 0] += 1
                Issue.record("\(setName): treated \(treated) matched to \(ours.isEmpty ? "none" : ours), MatchIt \(theirs.isEmpty ? "none" : theirs)")
            }
        }
        #expect(comparedPairs == Self.expectedPairs)

        var compared = 0
        var largest: [String: (relative: Double, at: String)] = [:]
        for entry in values {
            let setName = try #require(entry["set"] as? String)
            let kind = try #require(entry["analysis"] as? String)
            let id = try #require(entry["id"] as? String)
            let what = "\(setName) / \(kind) / \(id)"
            guard let r = (entry["r"] as? NSNumber)?.doubleValue else {
                Issue.record("\(what): the fixture has no R value")
                continue
            }
            let set = try #require(sets[setName], "analysis set \(setName)")
            let ours: Double?
            do {
                ours = try Self.dayZeroValue(kind, id, in: set, setName: setName, analysis: analysis, pairMismatches: pairMismatches)
            } catch {
                Issue.record("\(what): \(error)")
                continue
            }
            guard let ours else {
                Issue.record("\(what): DayZero has no value, R \(r)")
                continue
            }
            compared += 1
            var relative = ours == r ? 0 : abs(ours - r) / max(abs(r), 1e-300)
            if kind == "mixed-model", r < 1e-10, ours != r {
                relative = abs(log10(ours) - log10(r)) / abs(log10(r))
            }
            if relative > largest[kind]?.relative ?? -1 { largest[kind] = (relative, id) }
            #expect(relative <= Self.tolerance, "\(what): DayZero \(ours), R \(r), relative \(relative)")
        }
        #expect(compared == Self.expectedValues, "compared \(compared) of \(Self.expectedValues) values")
        let summary = largest.keys.sorted().map { "\($0): \(String(format: "%.3g", largest[$0]!.relative)) (\(largest[$0]!.at))" }
        print("DefaultCohortRParityTests: \(compared) values and \(comparedPairs) MatchIt pairs compared; largest relative difference per analysis — \(summary.joined(separator: "; "))")
    }

    struct LookupError: Error, CustomStringConvertible {
        var description: String
    }

    /// The one element of `items` that `matches`, or an error naming how many there were.
    static func single(_ items: [[String: Any]], _ what: String, _ matches: ([String: Any]) -> Bool) throws -> [String: Any] {
        let found = items.filter(matches)
        guard found.count == 1 else { throw LookupError(description: "\(found.count) elements match \(what) in results.json") }
        return found[0]
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    /// DayZero's value at the place `scripts/recompute.R` read it.
    static func dayZeroValue(
        _ kind: String, _ id: String, in set: [String: Any], setName: String, analysis: StudyAnalysis, pairMismatches: [String: Int]
    ) throws -> Double? {
        switch kind {
        case "table1", "table1 test choice":
            let sections = set["table1"].flatMap { ($0 as? [String: Any])?["sections"] as? [[String: Any]] } ?? []
            let rows = sections.flatMap { $0["rows"] as? [[String: Any]] ?? [] }
            let row = try single(rows, "Table 1 row \(id)") { $0["id"] as? String == id }
            if kind == "table1 test choice" { return (row["test"] as? String) == "fisher" ? 1 : 0 }
            return number(row["pValue"])
        case "mixed-model", "mixed-model F", "mixed-model DenDF":
            // id: "<parameter> <overall|pre|post>"
            guard let space = id.lastIndex(of: " ") else { throw LookupError(description: "unexpected id") }
            let parameter = String(id[..<space]), window = String(id[id.index(after: space)...])
            let panels = (set["kinetics"] as? [[String: Any]] ?? []) + (set["cytokines"] as? [[String: Any]] ?? [])
            let panel = try single(panels, "panel \(parameter)") { $0["parameter"] as? String == parameter }
            guard let test = panel[window] as? [String: Any] else { return nil }
            let key = kind == "mixed-model" ? "pValue" : kind == "mixed-model F" ? "fStatistic" : "denominatorDF"
            return number(test[key])
        case "medication":
            guard let space = id.lastIndex(of: " ") else { throw LookupError(description: "unexpected id") }
            let drug = String(id[..<space]), period = String(id[id.index(after: space)...])
            let rows = set["medication"] as? [[String: Any]] ?? []
            return number(try single(rows, "medication \(id)") { $0["drug"] as? String == drug && $0["period"] as? String == period }["pValue"])
        case "outcome fisher", "outcome mann-whitney", "outcome log-rank", "outcome gray", "outcome gray statistic":
            let measures = set["outcomeMeasures"] as? [[String: Any]] ?? []
            let m = try single(measures, "outcome measure \(id)") { $0["name"] as? String == id }
            let row = m["row"] as? [String: Any]
            switch kind {
            case "outcome fisher":
                guard row?["test"] as? String == "fisher" else { throw LookupError(description: "the row's test is not Fisher's") }
                return number(row?["pValue"])
            case "outcome mann-whitney":
                guard row?["test"] as? String == "mann-whitney" else { throw LookupError(description: "the row's test is not Mann–Whitney") }
                return number(row?["pValue"])
            case "outcome log-rank": return number((m["survival"] as? [String: Any])?["logRankP"])
            case "outcome gray": return number((m["cumulativeIncidence"] as? [String: Any])?["grayP"])
            default: return number((m["cumulativeIncidence"] as? [String: Any])?["grayStatistic"])
            }
        case "outcome effect":
            // id: "<measure name> <effect measure> <field>", e.g. "death hazardRatio eValue".
            let parts = id.split(separator: " ").map(String.init)
            guard parts.count >= 3 else { throw LookupError(description: "outcome effect id \(id) is not \"name measure field\"") }
            let name = parts.dropLast(2).joined(separator: " ")
            let measures = set["outcomeMeasures"] as? [[String: Any]] ?? []
            let m = try single(measures, "outcome measure \(name)") { $0["name"] as? String == name }
            let effect = try single(m["effects"] as? [[String: Any]] ?? [], "\(parts[parts.count - 2]) of \(name)") {
                $0["measure"] as? String == parts[parts.count - 2]
            }
            return number(effect[parts[parts.count - 1]])
        case "proteomics treated", "proteomics control":
            let group = String(kind.dropFirst("proteomics ".count))
            let groups = (set["proteomics"] as? [String: Any])?["groups"] as? [[String: Any]] ?? []
            let g = try single(groups, "proteomics group \(group)") { $0["group"] as? String == group }
            let points = g["points"] as? [[String: Any]] ?? []
            return number(try single(points, "proteomics assay \(id)") { $0["assay"] as? String == id }["pValue"])
        case "matching score":
            let matched = try #require(analysis.matchedSets.first { $0.name == setName })
            let units = matched.units.enumerated().filter { analysis.cohort.patients[$0.element].id == id }
            guard units.count == 1 else { throw LookupError(description: "\(units.count) units of the model are patient \(id)") }
            return matched.result.scores[units[0].offset]
        case "matching pairs":
            // R's value is 0 mismatches; DayZero's the treated patients whose controls differ.
            return Double(pairMismatches[setName] ?? 0)
        case "balance SMD":
            // id: "<row id> <before|after>"
            guard let space = id.lastIndex(of: " ") else { throw LookupError(description: "unexpected id") }
            let rowID = String(id[..<space]), when = String(id[id.index(after: space)...])
            let rows = (set["balance"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
            let row = try single(rows, "balance row \(rowID)") { $0["id"] as? String == rowID }
            return number((row[when] as? [String: Any])?["difference"])
        case "weighting score", "weighting weight":
            let weighted = try #require(analysis.weightedSets.first { $0.name == setName })
            let units = weighted.units.enumerated().filter { analysis.cohort.patients[$0.element].id == id }
            guard units.count == 1 else { throw LookupError(description: "\(units.count) units of the model are patient \(id)") }
            return kind == "weighting score" ? weighted.scores[units[0].offset] : weighted.weights[units[0].offset]
        case "weighting trim cap":
            return number((set["weighting"] as? [String: Any])?["trimCap"])
        case "weighting ESS":
            let summary = (set["weighting"] as? [String: Any])?[id == "treated" ? "treatedWeights" : "controlWeights"] as? [String: Any]
            return number(summary?["effectiveSampleSize"])
        case "weighting balance":
            // id: "<row name> <before|after>"
            guard let space = id.lastIndex(of: " ") else { throw LookupError(description: "unexpected id") }
            let name = String(id[..<space]), when = String(id[id.index(after: space)...])
            let rows = (set["weighting"] as? [String: Any])?["balance"] as? [[String: Any]] ?? []
            return number(try single(rows, "weighting balance row \(name)") { $0["name"] as? String == name }[when])
        case "weighting KM":
            // id: "<measure> <treated|control> <time> <surv|std.err>"
            let parts = id.split(separator: " ").map(String.init)
            guard parts.count == 4, let time = Double(parts[2]) else { throw LookupError(description: "unexpected id \(id)") }
            let curves = (set["weighting"] as? [String: Any])?["survival"] as? [[String: Any]] ?? []
            let curve = try single(curves, "weighted survival of \(parts[0])") { $0["measure"] as? String == parts[0] }
            let steps = (curve[parts[1]] as? [String: Any])?["steps"] as? [[String: Any]] ?? []
            // R's id prints the time with 15 significant digits (as.character).
            let step = try single(steps, "step at \(time)") { abs((number($0["time"]) ?? .nan) - time) <= 1e-12 * max(1, abs(time)) }
            return number(step[parts[3] == "surv" ? "survival" : "standardError"])
        case "weighted kinetics F", "weighted kinetics p", "weighted kinetics ddf":
            // id: "<parameter> <overall|pre|post> <interaction|group>"
            let parts = id.split(separator: " ").map(String.init)
            guard parts.count == 3 else { throw LookupError(description: "unexpected id \(id)") }
            let panels = (set["kinetics"] as? [[String: Any]] ?? []) + (set["cytokines"] as? [[String: Any]] ?? [])
            let panel = try single(panels, "panel \(parts[0])") { $0["parameter"] as? String == parts[0] }
            let window = (panel["weighted"] as? [String: Any])?[parts[1]] as? [String: Any]
            let test = window?[parts[2]] as? [String: Any]
            let field = kind.hasSuffix(" F") ? "fStatistic" : kind.hasSuffix(" p") ? "pValue" : "denominatorDF"
            return number(test?[field])
        default:
            throw LookupError(description: "unknown analysis \(kind) (scripts/recompute.R added one: teach this test where DayZero has it)")
        }
    }
}
