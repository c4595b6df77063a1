import Testing
@testable import DayZeroCohort

/// The aligned long table built one parameter (or one chunk of patients) at a time, on a
/// hand-made cohort whose admission samples are given out of patient order, with a zero
/// admission sample and a zero daily value (both `exclude_zeros`).
@Suite struct AlignedLongTableBuilderTests {
    /// Treated `t` starts on ICU day 10, so every day 0 is ICU day 10.
    func cohort() throws -> DerivedCohort {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 10)
        b.patient("c1")
        b.patient("c2")
        // Given in reverse patient order: the admission table sorts them.
        b.cytokine("c2", "il8", at: 1.2, 20, admission: true)  // aligned −9
        b.cytokine("c2", "il6", at: 0.4, 300, admission: true)  // −10
        b.cytokine("c2", "il6", at: 9.5, 0)  // −1: zero, excluded
        b.cytokine("c2", "il6", at: 12.5, 50)  // +2
        b.cytokine("c1", "il8", at: 10.5, 7)  // 0
        b.cytokine("t", "il8", at: 2.2, 0, admission: true)  // −8: zero, excluded
        b.cytokine("t", "il6", at: 4.5, 80)  // −6
        b.cytokine("t", "il6", at: 0.3, 500, admission: true)  // −10
        return try b.derive()
    }

    struct Row: Equatable, CustomStringConvertible {
        var patient: String, day: Int, timepoint: AlignedTimepoint, value: Double
        var description: String { "\(patient) \(day) \(timepoint.rawValue) \(value)" }
    }

    func rows(_ t: AlignedLongTable, _ c: DerivedCohort) -> [Row] {
        (0..<t.count).map { Row(patient: c.patients[Int(t.patient[$0])].id, day: Int(t.alignedDay[$0]), timepoint: t.timepoint[$0], value: t.value[$0]) }
    }

    @Test func oneCytokinesRowsCountsAndExclusions() throws {
        let c = try cohort()
        let il6 = try #require(c.studyProtocol.parameters.firstIndex { $0.name == "il6" })
        let il8 = try #require(c.studyProtocol.parameters.firstIndex { $0.name == "il8" })
        let c2 = try #require(c.patient("c2")), t = try #require(c.patient("t"))

        let t6 = c.alignedLongTable(for: nil, parameter: il6)
        #expect(rows(t6, c) == [
            Row(patient: "t", day: -10, timepoint: .admission, value: 500), Row(patient: "t", day: -6, timepoint: .daily, value: 80),
            Row(patient: "c2", day: -10, timepoint: .admission, value: 300), Row(patient: "c2", day: 2, timepoint: .daily, value: 50),
        ], "\(rows(t6, c))")
        #expect(t6.parameter.allSatisfy { $0 == Int32(il6) })
        #expect(t6.counts[il6] == TransformCounts(values: 5, analysed: 4, zerosExcluded: 1))
        #expect(t6.excluded == [ExcludedValue(patient: c2, parameter: "il6", alignedDay: -1, timepoint: .daily, value: 0, reason: .zeroExcluded)])
        // The other parameters' counts are zero; the names and transforms are every parameter's.
        #expect(t6.counts.indices.allSatisfy { $0 == il6 || t6.counts[$0] == TransformCounts() })
        #expect(t6.parameters == c.studyProtocol.parameters.map(\.name))

        let t8 = c.alignedLongTable(for: nil, parameter: il8)
        #expect(rows(t8, c) == [
            Row(patient: "c1", day: 0, timepoint: .daily, value: 7), Row(patient: "c2", day: -9, timepoint: .admission, value: 20),
        ], "\(rows(t8, c))")
        #expect(t8.counts[il8] == TransformCounts(values: 3, analysed: 2, zerosExcluded: 1))
        #expect(t8.excluded == [ExcludedValue(patient: t, parameter: "il8", alignedDay: -8, timepoint: .admission, value: 0, reason: .zeroExcluded)])

        // A parameter out of range has no rows.
        for k in [-1, c.studyProtocol.parameters.count, Int.max] {
            let none = c.alignedLongTable(for: nil, parameter: k)
            #expect(none.count == 0 && none.excluded.isEmpty && none.counts.allSatisfy { $0 == TransformCounts() })
        }
    }

    @Test func wholeTableIsTheSameRowsAsBefore() throws {
        let c = try cohort()
        let whole = c.alignedLongTable()
        let builder = AlignedLongTableBuilder(cohort: c)
        #expect(builder.table() == whole)
        // The whole table, per patient then parameter: t's il6 (its il8 sample is a zero), c2's
        // il6 then il8; the exclusions t's il8, then c2's il6.
        let admission = rows(whole, c).filter { $0.timepoint == .admission }
        #expect(admission == [
            Row(patient: "t", day: -10, timepoint: .admission, value: 500), Row(patient: "c2", day: -10, timepoint: .admission, value: 300),
            Row(patient: "c2", day: -9, timepoint: .admission, value: 20),
        ], "\(admission)")
        #expect(whole.excluded.map(\.parameter) == ["il8", "il6"], "\(whole.excluded)")
        // Each chunk of one patient is that patient's rows; an empty or out-of-range chunk none.
        for (n, id) in ["t", "c1", "c2"].enumerated() {
            let chunk = builder.table(memberChunk: n..<(n + 1))
            #expect(chunk.patient.allSatisfy { c.patients[Int($0)].id == id })
            #expect(chunk.count == whole.patient.filter { c.patients[Int($0)].id == id }.count)
        }
        #expect(builder.table(memberChunk: 3..<5).count == 0)
        #expect(builder.table(memberChunk: 0..<3) == whole)
    }
}
