@testable import DayZeroAnalysis
import DayZeroCohort
import Foundation
import Testing

/// End to end: a study with visits about a month apart, analysed in months with
/// `time_axis: {unit: month, period_days: 30.4375, rounding: nearest}` and a spline (or
/// linear) kinetics model, produces kinetics panels with the model's label.
@Suite struct ContinuousTimeWorkupTests {
    /// 40 patients (16 treated from about month 3), CRP at monthly visits jittered by up to
    /// ±6 days over two years, falling faster after treatment. Deterministic (an LCG).
    static func monthlyStudy() -> StudyData {
        var state: UInt64 = 20_261_204
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var study = StudyData()
        for i in 0..<40 {
            let id = String(format: "m%02d", i)
            let treated = i % 5 < 2
            study.patients.append(Patient(id: id, site: "A", sex: i % 2 == 0 ? .male : .female, age: 50 + Double(i % 20),
                                          immunocompromised: false, consentRefused: false))
            study.courses.append(ICUCourse(patientID: id, discharge: 800, ventilationStart: nil, ventilationEnd: nil, death: nil))
            let start = 75 + 30 * uniform()
            if treated { study.medications.append(MedicationAdministration(patientID: id, drug: "anakinra", time: start)) }
            let level = 4 + uniform()
            for visit in 0...24 {
                let t = max(0, Double(visit) * 30.4375 + (uniform() - 0.5) * 12)
                if uniform() < 0.15 { continue }
                let months = t / 30.4375 - 3
                let effect = treated && months > 0 ? -0.08 * months : 0
                let y = level - 0.02 * months + effect + (uniform() - 0.5) * 0.6
                study.measurements.append(Measurement(patientID: id, time: t, parameter: "crp", value: exp(y), sourceUnit: "mg/L"))
            }
        }
        return study
    }

    static func monthlyProtocol(_ model: KineticsModel) throws -> StudyProtocol {
        var p = StudyProtocol.paperDefault
        p.parameters = [try #require(p.parameterRule(named: "crp"))]
        p.sofaDefinition = nil
        p.temperatureImputation = nil
        p.analysisSets = [AnalysisSetRule(name: "main")]
        p.medications = .none
        p.windows.serial = DayWindow(-3, 18)
        p.timeAxisSetting = TimeAxis(unit: "month", periodDays: 30.4375, rounding: .nearest)
        p.kineticsModelSetting = model
        return p
    }

    @Test func splineModelInMonths() throws {
        let p = try Self.monthlyProtocol(KineticsModel(time: .spline, knots: [0, 6, 12]))
        #expect(p.validate().isEmpty, "\(p.validate())")
        let analysis = try StudyAnalysis(study: Self.monthlyStudy(), protocol: p)
        let main = try #require(analysis.results.analysisSets.first)
        #expect(main.kinetics.count == 1)
        let panel = try #require(main.kinetics.first)
        #expect(panel.timeModel == "spline(knots: 0, 6, 12)")
        #expect(panel.timeUnit == "month")
        #expect(panel.firstDay == -3 && panel.lastDay == 18)
        #expect(panel.days.count == 2 * 22)
        let overall = try #require(panel.overall)
        let pre = try #require(panel.pre)
        let post = try #require(panel.post)
        // Whole window: knots 0, 6, 12 inside (−3, 18) → 4 basis columns; before: none inside
        // (−3, 0) → 1; after: 6 and 12 inside (0, 18) → 3.
        #expect(overall.timeModel == "spline(knots: 0, 6, 12)" && overall.numeratorDF == 4)
        #expect(pre.timeModel == "spline(knots: none)" && pre.numeratorDF == 1)
        #expect(post.timeModel == "spline(knots: 6, 12)" && post.numeratorDF == 3)
        #expect(overall.patients == 40)
        #expect(overall.pValue < 1e-3, "the treated fall faster after month 0: p = \(overall.pValue)")
        #expect(post.pValue < 1e-3)
        #expect(pre.pValue > 0 && pre.pValue <= 1)
        // results.json carries the labels; the categorical Kooistra panels do not (regression test).
        let json = String(decoding: try analysis.resultsJSON(), as: UTF8.self)
        #expect(json.contains("\"timeModel\" : \"spline(knots: 0, 6, 12)\"") || json.contains("\"timeModel\":\"spline(knots: 0, 6, 12)\""))
    }

    @Test func linearModelAndTheCategoricalOneAgreeOnTheData() throws {
        let study = Self.monthlyStudy()
        let linear = try StudyAnalysis(study: study, protocol: try Self.monthlyProtocol(KineticsModel(time: .linear)))
        let panel = try #require(linear.results.analysisSets.first?.kinetics.first)
        #expect(panel.timeModel == "linear")
        #expect(panel.overall?.numeratorDF == 1 && panel.pre?.numeratorDF == 1 && panel.post?.numeratorDF == 1)
        let categorical = try StudyAnalysis(study: study, protocol: try Self.monthlyProtocol(.categorical))
        let c = try #require(categorical.results.analysisSets.first?.kinetics.first)
        #expect(c.timeModel == nil)
        #expect(c.overall?.numeratorDF == 21)
        // Same per-period geometric means whatever the model.
        #expect(c.days == panel.days)
    }
}
