import DayZeroAnalysis
import DayZeroCohort
@testable import DayZeroReport
import Foundation
import Testing

/// The report's words for the time anchor, the span and the time unit come from the protocol
/// (`report.admission`, `report.stay`, `time_axis.unit`); an ICU study keeps the ICU words.
@Suite("Study wording: anchor, stay and time unit")
struct StudyWordingTests {
    /// A trial aligned on entry, on a 6-month axis, with its own words.
    static var trialProtocol: StudyProtocol {
        var p = ProtocolTextTests.plainProtocol
        p.alignment = AlignmentRule(controls: .fixedICUDay, fixedICUDay: 0, excludeControlsNotInICU: true)
        p.timeAxisSetting = TimeAxis(unit: "6-month period", periodDays: 182.625, rounding: .nearest)
        p.report = ReportSettings(admission: "study entry", stay: "trial follow-up")
        return p
    }

    @Test("the ICU defaults: ICU day, ICU admission (Adm), ICU stay, days")
    func icuDefaults() {
        let w = StudyWording(protocol: .paperDefault)
        #expect(w == .icu)
        #expect(w.anchorPeriod(3) == "ICU day 3")
        #expect(w.anchorPeriodShort(3) == "ICU day 3")
        #expect(w.aligned(-3) == "day −3")
        #expect(w.window(-10, 10) == "day −10 to +10")
        #expect(w.alignmentAxisTitle == "Days from alignment (day 0)")
        #expect(w.admissionValue == "the value at ICU admission (Adm)")
        #expect(w.treatedAlignment == "their first treatment day (day 0)")
        #expect(w.controlsGoneSentence == "Controls no longer in the ICU on that day are excluded.")
    }

    @Test("a trial's words: study entry, 6-month periods, trial follow-up; abbreviation from the first word")
    func trialWords() {
        let w = StudyWording(protocol: Self.trialProtocol)
        #expect(w.admission == "study entry")
        #expect(w.admissionAbbreviation == "Study")
        #expect(w.periods == "6-month periods")
        #expect(w.anchorPeriod(0) == "the 6-month period of study entry")
        #expect(w.anchorPeriod(2) == "6-month period 2 after study entry")
        #expect(w.anchorPeriodShort(2) == "6-month period 2")
        #expect(w.window(0, 10) == "6-month periods 0 to +10")
        #expect(w.alignmentAxisTitle == "6-month periods from alignment")
        #expect(w.alignmentNoun == "alignment period")
        #expect(w.treatedAlignment == "the 6-month period of their first treatment (6-month period 0)")
        #expect(w.controlsGoneSentence == "Controls whose trial follow-up had ended before that period began are excluded.")
        var p = Self.trialProtocol
        p.report?.admissionAbbreviation = "Entry"
        #expect(StudyWording(protocol: p).admissionAbbreviation == "Entry")
        #expect(StudyWording(period: "box").periods == "boxes")
        #expect(StudyWording(period: "visits").periods == "visits")
    }

    @Test("the report of a trial never says ICU, day or Adm where the protocol says otherwise; the methods state the time axis rule")
    func trialReport() throws {
        var results = ProtocolTextTests.plainResults
        for i in results.analysisSets.indices {
            results.analysisSets[i].flow.controlAlignmentDay = 0
            for k in results.analysisSets[i].kinetics.indices {
                results.analysisSets[i].kinetics[k].timeModel = "spline(knots: 2, 6)"
                results.analysisSets[i].kinetics[k].firstDay = 0  // aligned on entry: no part before it
            }
        }
        let options = ReportOptions(protocol: Self.trialProtocol)
        let html = ReportRenderer().render(results, options: options)
        let text = html.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
        for phrase in ["ICU day", "ICU admission", ">Adm<", "day × group"] {
            #expect(!html.contains(phrase), "\(phrase) is still in the report")
        }
        // The methods' own sentences speak of the trial (the fixture's flow labels are its own).
        let methods = try #require(html.range(of: "id=\"methods\"")).lowerBound
        #expect(!html[methods...].contains("no longer in the ICU"))
        // Kinetics axes count periods; the outcome curves keep their days (outcomes are elapsed days).
        let kinetics = try ProtocolTextTests().svg("set-main-fig-kinetics-temperature", in: html)
        #expect(!kinetics.contains("Days from alignment"))
        #expect(kinetics.contains("6-month periods from alignment"))
        #expect(text.contains("Controls are aligned on the 6-month period of study entry, the fixed 6-month period set by the protocol."))
        #expect(text.contains("6-month periods from alignment"))
        #expect(text.contains("Patient characteristics at study entry and on the alignment period."))
        #expect(text.contains("Time axis: one 6-month period is 182.625 days; a time t, in days since study entry, lies in 6-month period ⌊t / 182.625 + ½⌋"))
        #expect(text.contains("as a natural cubic spline"))
        #expect(text.contains("splines::ns(time"))
        // Windows that start at period 0 have no before/after parts, and no text claims them.
        #expect(text.contains("over the whole window."))
        #expect(!text.contains("before and after 6-month period 0"))
        #expect(!text.contains("the p values on the left and right"))
    }

    @Test("horizons of a year or more are also given in years")
    func horizonWords() {
        #expect(OutcomesSection.horizonWords(28) == "28 days")
        #expect(OutcomesSection.horizonWords(365) == "365 days (1 year)")
        #expect(OutcomesSection.horizonWords(1826) == "1826 days (5 years)")
        #expect(OutcomesSection.horizonWords(3650) == "3650 days (10 years)")
        #expect(OutcomesSection.horizonWords(400) == "400 days")
    }

    @Test("Table 1 notes in words: codes translated, notes the cells already carry or about unshown numbers left out")
    func readableNotes() {
        #expect(Table1HTML.readableNote("missing values: treated 2, control 2") == nil)
        #expect(Table1HTML.readableNote("odds-ratio-infinite: the conditional MLE of the odds ratio is +∞ (a zero cell off the diagonal); reported as nil") == nil)
        #expect(Table1HTML.readableNote("degenerate-table: a margin is zero") == nil)
        #expect(Table1HTML.readableNote("ties-normal-approximation: cannot compute the exact p-value with ties; the normal approximation with tie correction is used (as R)")
            == "tied values: p from the normal approximation with a tie correction (an exact p is not defined with ties; as R's wilcox.test)")
        #expect(Table1HTML.readableNote("small-expected-counts: some expected counts are below 5") == "some expected counts are below 5")
        #expect(Table1HTML.readableNote("not tested: the analysis set's rule selects on this characteristic")
            == "not tested: the analysis set's rule selects on this characteristic")
    }

    @Test("units as a manuscript prints them: powers as superscripts, ×10ⁿ")
    func typesetUnits() {
        #expect(DisplayUnits.typeset("10^9/L") == "×10⁹/L")
        #expect(DisplayUnits.typeset("10^3/mm^3") == "×10³/mm³")
        #expect(DisplayUnits.typeset("mL/min/1.73m^2") == "mL/min/1.73m²")
        #expect(DisplayUnits.typeset("µmol/L") == "µmol/L")
        #expect(DisplayUnits.typeset("a^b") == "a^b")
        #expect(DisplayUnits.typeset("m^-1") == "m⁻¹")
    }
}
