import DayZeroCohort
import DayZeroSynth
import Foundation
import Testing

/// Everything the importer validates must pass, and the imperfections the brief asks for
/// must be there.
@Suite("Synthetic values pass validation and carry realistic imperfections")
struct ValidityTests {
    let study = defaultFacts.study
    let facts = defaultFacts

    @Test("every measurement and cytokine is in an accepted unit, converts to its value, and lies in the catalog range")
    func rangesAndUnits() throws {
        for m in study.measurements {
            let definition = try #require(ParameterCatalog.definition(named: m.parameter), "unknown parameter \(m.parameter)")
            let conversion = try #require(definition.conversion(for: m.sourceUnit), "\(m.parameter): unit \(m.sourceUnit) not accepted")
            #expect(conversion.toCanonical(m.sourceValue) == m.value, "\(m.parameter) \(m.sourceValue) \(m.sourceUnit) → \(m.value)")
            #expect(m.value >= definition.minimum && m.value <= definition.maximum,
                    "\(m.patientID) day \(m.day) \(m.parameter) = \(m.value) outside \(definition.minimum)…\(definition.maximum)")
        }
        for c in study.cytokines {
            let definition = try #require(ParameterCatalog.definition(named: c.analyte))
            let conversion = try #require(definition.conversion(for: c.sourceUnit))
            #expect(conversion.toCanonical(c.sourceValue) == c.value)
            #expect(c.value >= definition.minimum && c.value <= definition.maximum)
        }
    }

    @Test("every time lies within the ICU stay; the course is consistent; survivors are followed ≥ 28 days after day 0")
    func times() throws {
        for course in study.courses {
            let discharge = try #require(course.discharge)
            let start = try #require(course.ventilationStart)
            #expect(start >= 0 && start < discharge)
            if let end = course.ventilationEnd { #expect(end >= start && end <= discharge, "\(course.patientID) ventilation") }
            if let death = course.death { #expect(death >= discharge, "\(course.patientID) death before discharge") }
            let followUp = try #require(course.followUpEnd)
            #expect(followUp >= discharge)
            if course.death == nil && (facts.treated + facts.controls).contains(course.patientID) {
                #expect(followUp >= Double(facts.dayZero(course.patientID) + 28), "\(course.patientID) follow-up \(followUp)")
            }
        }
        func check(_ id: String, _ time: Double, _ what: String) {
            guard let discharge = facts.courses[id]?.discharge else {
                Issue.record("\(what): patient \(id) has no course")
                return
            }
            #expect(time >= 0 && icuDay(time) <= icuDay(discharge), "\(what) of \(id) at \(time), discharge \(discharge)")
        }
        for m in study.measurements { check(m.patientID, m.time, m.parameter) }
        for m in study.medications {
            check(m.patientID, m.time, m.drug)
            #expect(m.time <= facts.courses[m.patientID]?.discharge ?? 0)
        }
        for e in study.events { check(e.patientID, e.time, e.event) }
        for c in study.cytokines { check(c.patientID, c.time, "cytokine sample") }
        for s in study.proteomicsSamples { check(s.patientID, s.time, "proteomics sample") }
        #expect(Set(study.patients.map(\.id)).count == study.patients.count)
        #expect(study.patients.allSatisfy { !($0.immunocompromised == true && $0.consentRefused == true) })
    }

    @Test("keys are unique: cytokine (sample, analyte), proteomics (sample, assay), proteomics samples")
    func keys() {
        #expect(Set(study.cytokines.map { "\($0.sampleID)|\($0.analyte)" }).count == study.cytokines.count)
        #expect(Set(study.proteomics.map { "\($0.sampleID)|\($0.uniProt)|\($0.assay)" }).count == study.proteomics.count)
        #expect(Set(study.proteomicsSamples.map(\.sampleID)).count == study.proteomicsSamples.count)
        let samples = Set(study.proteomicsSamples.map(\.sampleID))
        #expect(study.proteomics.allSatisfy { samples.contains($0.sampleID) })
    }

    @Test("alternative units are used on a few rows", arguments: [
        ("creatinine", "mg/dL"), ("temperature", "°F"), ("ferritin", "ng/mL"), ("platelets", "/uL"), ("pao2", "kPa"), ("fio2", "%"),
    ])
    func alternativeUnits(_ parameter: String, _ unit: String) {
        let rows = study.measurements.filter { $0.parameter == parameter }
        let alternative = rows.filter { $0.sourceUnit == unit }.count
        #expect(alternative > 0 && alternative * 10 < rows.count, "\(parameter): \(alternative) of \(rows.count) rows in \(unit)")
    }

    @Test("the actively cooled patient: fever > 40 °C cooled, measured below 40 °C, flagged")
    func activelyCooled() throws {
        let flagged = study.measurements.filter { $0.parameter == "actively_cooled" && $0.value == 1 }
        let patient = try #require(flagged.first?.patientID)
        #expect(Set(flagged.map(\.patientID)).count == 1)
        for flag in flagged {
            let temperatures = study.measurements.filter { $0.patientID == patient && $0.parameter == "temperature" && $0.day == flag.day }
            #expect(!temperatures.isEmpty && temperatures.allSatisfy { $0.value < 40 }, "cooled day \(flag.day)")
        }
        #expect(facts.value(patient, "temperature", day: facts.dayZero(patient)) == 40)
    }

    @Test("imperfections: several readings a day, ties, zeros, missing days, ward deaths, early extubation")
    func imperfections() {
        var readings: [String: Int] = [:]
        for m in study.measurements where m.parameter == "temperature" { readings["\(m.patientID)|\(m.day)", default: 0] += 1 }
        #expect(readings.values.contains { $0 >= 3 })
        let temperatures = study.measurements.filter { $0.parameter == "temperature" && $0.sourceUnit == "°C" }.map(\.value)
        #expect(Set(temperatures).count * 10 < temperatures.count, "temperatures to 0.1 °C must tie")
        let norepinephrine = study.measurements.filter { $0.parameter == "norepinephrine" }
        let zeros = norepinephrine.filter { $0.value == 0 }.count
        #expect(zeros * 4 > norepinephrine.count, "\(zeros) of \(norepinephrine.count) norepinephrine rows are 0")
        let ferritinDays = study.measurements.filter { $0.parameter == "ferritin" }.count
        let measured = Set(study.measurements.map(\.patientID))
        let icuDays = study.courses.filter { measured.contains($0.patientID) }.reduce(0) { $0 + icuDay($1.discharge ?? 0) + 1 }
        #expect(ferritinDays < icuDays * 95 / 100, "ferritin on \(ferritinDays) of \(icuDays) ICU days")
        #expect(study.courses.contains { ($0.death ?? 0) > ($0.discharge ?? 0) }, "a death after ICU discharge")
        // Ward transfers after day 7: a share of the analysed patients leave the ICU by day +7.
        let early = count(facts.treated + facts.controls) { id in
            (facts.courses[id]?.discharge ?? 0) - Double(facts.dayZero(id)) <= 7 && facts.courses[id]?.death == nil
        }
        #expect(early >= 5, "\(early) analysed patients discharged alive by day +7")
    }
}
