import Foundation
import Testing
@testable import DayZeroCohort

@Suite("Daily values, imputation, windows and zero rules")
struct DailyValueTests {
    @Test func dailyAggregationFollowsTheProtocol() throws {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 3)
        // Unsorted input on day 2: temperatures 38.0, 39.4, 37.1 → max 39.4.
        b.measure("t", "temperature", at: 2.9, 37.1)
        b.measure("t", "temperature", at: 2.1, 38.0)
        b.measure("t", "temperature", at: 2.5, 39.4)
        b.measure("t", "platelets", at: 2.2, 200)
        b.measure("t", "platelets", at: 2.7, 150)
        var p = StudyProtocol.paperDefault
        let c1 = try b.derive(p)
        let t = try #require(c1.patient("t"))
        #expect(c1.value(patient: t, parameter: "temperature", alignedDay: -1) == 39.4)
        #expect(c1.value(patient: t, parameter: "platelets", icuDay: 2) == 150)
        // Overridden to the mean.
        p.parameters[0].aggregation = .mean
        let c2 = try b.derive(p)
        let mean = try #require(c2.value(patient: t, parameter: "temperature", alignedDay: -1))
        #expect(abs(mean - (37.1 + 38.0 + 39.4) / 3) < 1e-12)
        // SOFA still scores platelets by the day's worst (min) value whatever the kinetics rule.
        p.parameters[7].aggregation = .max
        let c3 = try b.derive(p)
        #expect(c3.value(patient: t, parameter: "platelets", icuDay: 2) == 200)
        #expect(c3.value(patient: t, parameter: "sofa_coagulation", icuDay: 2) == 0)  // 150 → 0
    }

    @Test func temperatureImputation() throws {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 10)
        // Day 5: cooled, measured 41.2 → lowered to 40.
        b.measure("t", "temperature", at: 5.2, 41.2)
        b.measure("t", "actively_cooled", at: 5.3, 1)
        // Day 6: cooled, measured max 37.5 (cooling masks the fever) → raised to 40.
        b.measure("t", "temperature", at: 6.4, 37.5)
        b.measure("t", "actively_cooled", at: 6.0, 1)
        // Day 7: cooled, no temperature → created as 40.
        b.measure("t", "actively_cooled", at: 7.5, 1)
        // Day 8: flag recorded as 0 → not cooled, 41.0 kept.
        b.measure("t", "temperature", at: 8.4, 41.0)
        b.measure("t", "actively_cooled", at: 8.0, 0)
        // Day 9: cooled, exactly 40 → unchanged (still counted as imputed).
        b.measure("t", "temperature", at: 9.4, 40)
        b.measure("t", "actively_cooled", at: 9.0, 1)
        let cohort = try b.derive()
        let t = try #require(cohort.patient("t"))
        let values = (5...9).map { cohort.value(patient: t, parameter: "temperature", icuDay: $0) }
        #expect(values == [40, 40, 40, 41.0, 40])
        let counts = cohort.ruleCounts.imputation
        #expect(counts == ImputationCounts(flaggedDays: 4, lowered: 1, raised: 1, unchanged: 1, created: 1, leftUnmeasured: 0))
        #expect(counts.imputed == 4)
        // The long table carries the imputed flag.
        let table = cohort.alignedLongTable()
        let temperatureRows = (0..<table.count).filter { table.parameters[Int(table.parameter[$0])] == "temperature" }
        #expect(temperatureRows.map { table.alignedDay[$0] } == [-5, -4, -3, -2, -1])
        #expect(temperatureRows.map { table.imputed[$0] } == [true, true, true, false, true])
        #expect(table.counts[0].imputed == 4)

        var p = StudyProtocol.paperDefault
        p.temperatureImputation?.imputeUnmeasuredDays = false
        let noCreate = try b.derive(p)
        #expect(noCreate.value(patient: t, parameter: "temperature", icuDay: 7) == nil)
        #expect(noCreate.ruleCounts.imputation.leftUnmeasured == 1)
        #expect(noCreate.ruleCounts.imputation.created == 0)
    }

    @Test func windowEdges() throws {
        var b = StudyBuilder()
        b.patient("t", discharge: 60)
        b.treated("t", start: 20)
        for day in 8...32 { b.measure("t", "crp", at: Double(day) + 0.5, Double(100 + day)) }
        for day in 8...32 { b.measure("t", "pf_ratio", at: Double(day) + 0.5, 200) }
        let table = try b.derive().alignedLongTable()
        func days(_ name: String) -> [Int32] {
            (0..<table.count).filter { table.parameters[Int(table.parameter[$0])] == name }.map { table.alignedDay[$0] }
        }
        #expect(days("crp") == Array(-10...10).map(Int32.init))  // −11 and +11 left out
        #expect(days("pf_ratio") == Array(-10...6).map(Int32.init))  // P/F to day +6
        let crpRow = try #require((0..<table.count).first { table.parameters[Int(table.parameter[$0])] == "crp" })
        #expect(table.value[crpRow] == 110)
        #expect(abs(table.analysedValue[crpRow] - log(110.0)) < 1e-15)
    }

    @Test func zeroRulesCountWhatTheyTouch() throws {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 5)
        b.measure("t", "norepinephrine", at: 3.5, 0)  // add_constant 0.01
        b.measure("t", "norepinephrine", at: 4.5, 0.2)
        b.measure("t", "ferritin", at: 3.5, 0)  // exclude_zeros
        b.measure("t", "ferritin", at: 4.5, 900)
        b.measure("t", "crp", at: 3.5, 0)  // replace_zeros_with 0.5 (set below)
        var p = StudyProtocol.paperDefault
        p.parameters[4].zeroRule = .replaceZerosWith(0.5)
        let cohort = try b.derive(p)
        let table = cohort.alignedLongTable()
        func rows(_ name: String) -> [AlignedRow] {
            (0..<table.count).map { table.row($0, in: cohort) }.filter { $0.parameter == name }
        }
        let ne = rows("norepinephrine")
        #expect(ne.map(\.value) == [0, 0.2])
        #expect(abs(ne[0].analysedValue - log(0.01)) < 1e-15)
        #expect(abs(ne[1].analysedValue - log(0.21)) < 1e-15)
        #expect(ne[0].transform == "log(x + 0.01)")
        let neCounts = table.counts[p.parameters.firstIndex { $0.name == "norepinephrine" } ?? -1]
        #expect(neCounts.zerosShifted == 1 && neCounts.analysed == 2 && neCounts.values == 2)

        let fe = rows("ferritin")
        #expect(fe.map(\.alignedDay) == [-1])
        let feCounts = table.counts[1]
        #expect(feCounts.zerosExcluded == 1 && feCounts.analysed == 1 && feCounts.values == 2)
        #expect(table.excluded.contains(ExcludedValue(
            patient: 0, parameter: "ferritin", alignedDay: -2, timepoint: .daily, value: 0, reason: .zeroExcluded)))

        let crp = rows("crp")
        #expect(crp.count == 1 && abs(crp[0].analysedValue - log(0.5)) < 1e-15)
        #expect(table.counts[4].zerosReplaced == 1)

        // SOFA 0 under log(x + 1) → 0.
        #expect(analysedValue(0, transform: .log, zeroRule: .addConstant(1)) == .analysed(0))
        #expect(analysedValue(-1, transform: .log, zeroRule: nil) == .excluded(.nonPositiveUnderLog))
        #expect(analysedValue(0, transform: .none, zeroRule: nil) == .analysed(0))
    }

    @Test func cytokinesAdmissionSampleAndWindow() throws {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 10)
        b.cytokine("t", "il6", at: 0.3, 500, admission: true)
        b.cytokine("t", "il6", at: 3.5, 90)  // aligned −7: outside −6…+6
        b.cytokine("t", "il6", at: 4.5, 80)  // −6
        b.cytokine("t", "il6", at: 4.9, 60)  // same day: mean 70
        b.cytokine("t", "il6", at: 16.5, 40)  // +6
        b.cytokine("t", "il6", at: 17.5, 30)  // +7: outside
        let cohort = try b.derive()
        let table = cohort.alignedLongTable()
        let rows = (0..<table.count).map { table.row($0, in: cohort) }.filter { $0.parameter == "il6" }
        #expect(rows.map(\.timepoint) == [.admission, .daily, .daily])
        #expect(rows.map(\.alignedDay) == [-10, -6, 6])
        #expect(rows.map(\.value) == [500, 70, 40])
        #expect(cohort.cytokineAdmission.value(patient: 0, analyte: "il6") == 500)
    }

    @Test func medicationUseBeforeAndAfterDayZero() throws {
        var b = StudyBuilder()
        b.patient("t")
        b.treated("t", start: 12)
        b.give("t", "Corticosteroids", at: 11.5)  // aligned −1: before (names are case-insensitive)
        b.patient("c1")
        b.give("c1", "corticosteroids", at: 12.0)  // control day 0 = 12 → aligned 0: after
        b.patient("c2")
        b.give("c2", "corticosteroids", at: 1.5)  // aligned −11: neither
        b.give("c2", "remdesivir", at: 22.9)  // aligned +10: after
        b.give("c2", "remdesivir", at: 23.0)  // +11: outside
        let cohort = try b.derive()
        let steroids = try #require(cohort.medicationUse.first { $0.drug == "corticosteroids" })
        let ids = cohort.patients.map(\.id)
        #expect(ids == ["t", "c1", "c2"])
        #expect(steroids.before == [true, false, false])
        #expect(steroids.after == [false, true, false])
        let remdesivir = try #require(cohort.medicationUse.first { $0.drug == "remdesivir" })
        #expect(remdesivir.after == [false, false, true])
    }
}
