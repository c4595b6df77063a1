@testable import DayZeroAnalysis
@testable import DayZeroCohort
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// The aligned long table built per parameter (the workup) and per chunk of patients (the
/// export) against the whole table, on the bundled cohort's four sets and a subset.
@Suite struct PerParameterLongTableTests {
    static let analysis: StudyAnalysis? = try? StudyAnalysis(
        study: SyntheticCohort.default, protocol: .paperDefault, seed: SyntheticCohort.defaultSeed)

    /// The bundled cohort has no value left out, so a second protocol leaves some out:
    /// norepinephrine's and SOFA's zeros excluded instead of shifted.
    static func excluding() throws -> DerivedCohort {
        var p = StudyProtocol.paperDefault
        for k in p.parameters.indices {
            if p.parameters[k].name == "norepinephrine" { p.parameters[k].zeroRule = .excludeZeros }
            if p.parameters[k].name == "sofa" { p.parameters[k].zeroRule = .excludeZeros }
        }
        return try CohortDerivation.derive(SyntheticCohort.default, protocol: p)
    }

    /// Per cohort its sets: the bundled cohort's four sets and every third member of `main` (a
    /// subset not made by a rule), and the excluding protocol's rule-based sets.
    func cases() throws -> [(cohort: DerivedCohort, membership: AnalysisSetMembership)] {
        let analysis = try #require(Self.analysis)
        let excluding = try Self.excluding()
        let main = try #require(analysis.memberships.first)
        let subset = main.members.enumerated().filter { $0.offset % 3 == 1 }.map(\.element)
        let bundled = analysis.memberships + [AnalysisSetMembership.matched(name: "every-third", members: subset, in: analysis.cohort)]
        return bundled.map { (analysis.cohort, $0) } + excluding.ruleBasedMemberships().map { (excluding, $0) }
    }

    /// The per-parameter tables interleaved in the whole table's order: for each member, each
    /// parameter's rows and exclusions of that member; parameter `k`'s counts from table `k`.
    func interleave(_ perParameter: [AlignedLongTable], members: [Int], like whole: AlignedLongTable) -> AlignedLongTable {
        var t = AlignedLongTable(
            analysisSet: whole.analysisSet, parameters: whole.parameters, transforms: whole.transforms,
            counts: perParameter.indices.map { perParameter[$0].counts[$0] })
        var next = [Int](repeating: 0, count: perParameter.count)
        var nextExcluded = next
        for i in members {
            for (k, p) in perParameter.enumerated() {
                while next[k] < p.count, Int(p.patient[next[k]]) == i {
                    let r = next[k]
                    t.patient.append(p.patient[r])
                    t.group.append(p.group[r])
                    t.parameter.append(p.parameter[r])
                    t.alignedDay.append(p.alignedDay[r])
                    t.timepoint.append(p.timepoint[r])
                    t.value.append(p.value[r])
                    t.analysedValue.append(p.analysedValue[r])
                    t.imputed.append(p.imputed[r])
                    next[k] += 1
                }
                while nextExcluded[k] < p.excluded.count, p.excluded[nextExcluded[k]].patient == i {
                    t.excluded.append(p.excluded[nextExcluded[k]])
                    nextExcluded[k] += 1
                }
            }
        }
        return t
    }

    @Test func perParameterTablesInterleaveToTheWholeTable() throws {
        var sawExcluded = false, sawAdmission = false, sawImputed = false
        for (cohort, membership) in try cases() {
            let whole = cohort.alignedLongTable(for: membership)
            let builder = AlignedLongTableBuilder(cohort: cohort, membership: membership)
            #expect(builder.parameterCount == whole.parameters.count)
            let perParameter = (0..<builder.parameterCount).map { builder.table(parameter: $0) }
            for (k, p) in perParameter.enumerated() {
                #expect(p.parameter.allSatisfy { Int($0) == k }, "\(membership.name) \(whole.parameters[k])")
                #expect(p.excluded.allSatisfy { $0.parameter == whole.parameters[k] })
                #expect(p.counts.indices.allSatisfy { $0 == k || p.counts[$0] == TransformCounts() })
                #expect(p == cohort.alignedLongTable(for: membership, parameter: k))
            }
            #expect(perParameter.map(\.count).reduce(0, +) == whole.count, "\(membership.name)")
            let rebuilt = interleave(perParameter, members: membership.members, like: whole)
            #expect(rebuilt == whole, "\(membership.name): \(rebuilt.count) rows, \(rebuilt.excluded.count) excluded vs \(whole.count), \(whole.excluded.count)")
            sawExcluded = sawExcluded || !whole.excluded.isEmpty
            sawAdmission = sawAdmission || whole.timepoint.contains(.admission)
            sawImputed = sawImputed || whole.imputed.contains(true)
        }
        // The comparison covers exclusions, admission samples and imputed values.
        #expect(sawExcluded && sawAdmission && sawImputed, "excluded \(sawExcluded), admission \(sawAdmission), imputed \(sawImputed)")
    }

    @Test(arguments: [1, 7, 4096])
    func chunksConcatenateToTheWholeTable(size: Int) throws {
        for (cohort, membership) in try cases() {
            let whole = cohort.alignedLongTable(for: membership)
            let builder = AlignedLongTableBuilder(cohort: cohort, membership: membership)
            var rows = 0
            var excluded: [ExcludedValue] = []
            var analysed = [Int](repeating: 0, count: whole.parameters.count)
            for first in stride(from: 0, to: membership.members.count, by: size) {
                let chunk = builder.table(memberChunk: first..<min(first + size, membership.members.count))
                let range = rows..<(rows + chunk.count)
                #expect(chunk.patient[...] == whole.patient[range] && chunk.value[...] == whole.value[range], "\(membership.name) chunk at \(first)")
                #expect(chunk.analysedValue[...] == whole.analysedValue[range] && chunk.alignedDay[...] == whole.alignedDay[range])
                #expect(chunk.parameter[...] == whole.parameter[range] && chunk.timepoint[...] == whole.timepoint[range])
                #expect(chunk.group[...] == whole.group[range] && chunk.imputed[...] == whole.imputed[range])
                rows += chunk.count
                excluded += chunk.excluded
                for k in analysed.indices { analysed[k] += chunk.counts[k].analysed }
            }
            #expect(rows == whole.count && excluded == whole.excluded && analysed == whole.counts.map(\.analysed), "\(membership.name)")
        }
    }

    /// `aligned_long.csv` (and every other export) written 7 patients at a time is the same
    /// bytes as written in one chunk, and the bundled cohort's sets are larger than 7.
    @Test func chunkedExportIsTheSameBytes() throws {
        let analysis = try #require(Self.analysis)
        #expect(analysis.memberships.allSatisfy { $0.members.count > 7 })
        let chunked = try makeTemporaryDirectory()
        let whole = try makeTemporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: chunked)
            try? FileManager.default.removeItem(at: whole)
        }
        try TidyExport.write(analysis, to: chunked, patientsPerChunk: 7)
        try TidyExport.write(analysis, to: whole, patientsPerChunk: .max)
        for name in TidyExport.fileNames {
            let a = try Data(contentsOf: chunked.appendingPathComponent(name))
            let b = try Data(contentsOf: whole.appendingPathComponent(name))
            #expect(a == b, "\(name): \(a.count) bytes chunked vs \(b.count)")
        }
        let long = try Data(contentsOf: whole.appendingPathComponent("aligned_long.csv"))
        let rows = analysis.memberships.map { analysis.cohort.alignedLongTable(for: $0).count }.reduce(0, +)
        #expect(long.filter { $0 == UInt8(ascii: "\n") }.count == rows + 1)
    }
}
