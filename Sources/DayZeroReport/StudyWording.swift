import DayZeroCohort

/// The words the report uses for the study's time anchor, its span and its time unit, so an
/// ICU study reads "ICU day 3" and "at ICU admission (Adm)" while a trial with visits reads
/// "month 6 after study entry" and "at study entry (Entry)". The defaults are the ICU day's.
public struct StudyWording: Sendable, Equatable {
    /// What the data's anchor time is ("ICU admission"); `report.admission`.
    public var admission: String
    /// The tick label of the admission value on the kinetics axes ("Adm").
    public var admissionAbbreviation: String
    /// The span from the anchor to its end ("ICU stay"); `report.stay`.
    public var stay: String
    /// The time axis' period, singular ("day", "month", "6-month period"); `time_axis.unit`.
    public var period: String

    public init(
        admission: String = "ICU admission", admissionAbbreviation: String = "Adm", stay: String = "ICU stay", period: String = "day"
    ) {
        self.admission = admission
        self.admissionAbbreviation = admissionAbbreviation
        self.stay = stay
        self.period = period
    }

    /// The ICU study's words: ICU admission, ICU stay, the day.
    public static let icu = StudyWording()

    /// The words of a protocol: its `report.admission` / `admission_abbreviation` / `stay` and
    /// its time axis' unit. A custom admission without `admission_abbreviation` is abbreviated
    /// to its first word, capitalised, at most five letters ("study entry" → "Study").
    public init(protocol p: StudyProtocol) {
        let r = p.reportSettings
        let admission = r.admission?.trimmingCharactersInWhitespace() ?? Self.icu.admission
        let abbreviation: String
        if let a = r.admissionAbbreviation?.trimmingCharactersInWhitespace() {
            abbreviation = a
        } else if admission == Self.icu.admission {
            abbreviation = Self.icu.admissionAbbreviation
        } else {
            abbreviation = Self.abbreviate(admission)
        }
        self.init(
            admission: admission, admissionAbbreviation: abbreviation,
            stay: r.stay?.trimmingCharactersInWhitespace() ?? Self.icu.stay,
            period: p.timeAxis.unit.trimmingCharactersInWhitespace().isEmpty ? "day" : p.timeAxis.unit.trimmingCharactersInWhitespace())
    }

    /// The first word, capitalised, up to five letters ("study entry" → "Study",
    /// "randomisation" → "Rando"); the axis tick has room for about five characters.
    static func abbreviate(_ phrase: String) -> String {
        let word = phrase.split(separator: " ").first.map(String.init) ?? phrase
        return String(word.prefix(5)).capitalizedFirst
    }

    /// The period, plural: "days", "months", "6-month periods" (an English "s", or "es" after
    /// s/x/ch/sh; a unit already ending in "s" is kept).
    public var periods: String {
        let p = period
        if p.hasSuffix("s") { return p }
        if p.hasSuffix("x") || p.hasSuffix("ch") || p.hasSuffix("sh") { return p + "es" }
        return p + "s"
    }

    /// The report's own ICU words are used unchanged ("ICU day 3"); any other anchor or unit
    /// says what the number counts from ("day 3 after study entry", "month 2 after ICU admission").
    var isICUDay: Bool { admission == Self.icu.admission && period == "day" }

    /// The period number `n` counted from the anchor, e.g. the controls' alignment day:
    /// "ICU day 3", "the 6-month period of study entry" (n = 0), "month 6 after study entry".
    public func anchorPeriod(_ n: Int) -> String {
        if isICUDay { return "ICU day \(NumberFormat.count(n))" }
        if n == 0 { return "the \(period) of \(admission)" }
        return "\(period) \(NumberFormat.count(n)) after \(admission)"
    }

    /// The controls' alignment in the flow diagram's narrow box: "ICU day 3", "month 6".
    public func anchorPeriodShort(_ n: Int) -> String {
        isICUDay ? anchorPeriod(n) : "\(period) \(NumberFormat.count(n))"
    }

    /// "alignment day" on a day axis, else "alignment period".
    public var alignmentNoun: String { period == "day" ? "alignment day" : "alignment period" }

    /// How the treated are aligned: "their first treatment day (day 0)", or on another axis
    /// "the month of their first treatment (month 0)".
    public var treatedAlignment: String {
        period == "day" ? "their first treatment day (day 0)" : "the \(period) of their first treatment (\(aligned(0)))"
    }

    /// An aligned period: "day −3", "month +6" (`signed`), for captions and tooltips.
    public func aligned(_ d: Int, signed: Bool = false) -> String {
        "\(period) \(NumberFormat.day(d, signed: signed))"
    }

    /// The same, capitalised at the start of a sentence: "Day −3".
    public func alignedCapitalised(_ d: Int, signed: Bool = false) -> String {
        aligned(d, signed: signed).capitalizedFirst
    }

    /// A window of aligned periods: "day −10 to +10" (the paper's words), "months 0 to +10".
    public func window(_ a: Int, _ b: Int) -> String {
        "\(period == "day" ? period : periods) \(NumberFormat.day(a)) to \(NumberFormat.day(b, signed: true))"
    }

    /// The kinetics axis title: "Days from alignment (day 0)"; "Months from alignment" (a long
    /// unit would not fit twice).
    public var alignmentAxisTitle: String {
        period == "day" ? "Days from alignment (day 0)" : "\(periods.capitalizedFirst) from alignment"
    }

    /// "the value at ICU admission (Adm)".
    public var admissionValue: String {
        "the value at \(admission) (\(admissionAbbreviation))"
    }

    /// "Controls no longer in the ICU on that day are excluded." in the ICU's words, else
    /// "Controls whose follow-up had ended before that day are excluded."
    public var controlsGoneSentence: String {
        stay == Self.icu.stay
            ? "Controls no longer in the ICU on that day are excluded."
            : "Controls whose \(stay) had ended before that \(period == "day" ? "day" : "period") began are excluded."
    }
}

extension String {
    /// The string with its first character upper-cased ("days" → "Days").
    var capitalizedFirst: String {
        guard let first else { return self }
        return first.uppercased() + dropFirst()
    }
}
