/// One outcome a study declares (`outcomes.measures`), measured from the start of day 0.
///
/// YAML, one mapping per measure:
/// ```yaml
/// outcomes:
///   horizon_days: 28
///   measures:
///     - {name: death, label: Death, kind: time_to_event, event: death, horizon_days: 3650}
///     - {name: transplant, label: Liver transplant, kind: time_to_event, event: transplant,
///        competing: death, horizon_days: 3650}
///     - {name: death_1y, label: Death within a year, kind: binary, event: death, horizon_days: 365}
///     - {name: vfd, label: Ventilator-free days, kind: free_days, of: ventilation}
///     - {name: icu_los, label: ICU length of stay, kind: duration, of: icu_stay}
/// ```
/// Without `measures` the outcomes are the paper's (`paperOutcomes`: secondary infection, time on
/// ventilation, ICU length of stay, mortality and the time to death, with their Kaplan–Meier
/// curves), the same declarations the default protocol writes out.
public struct OutcomeMeasure: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
        /// Time from day 0 to `event` within the horizon: Kaplan–Meier and log-rank; with a
        /// `competing` event the cumulative incidence (Aalen–Johansen) and Gray's test.
        case timeToEvent = "time_to_event"
        /// Whether `event` happened within the horizon: n (%) and Fisher's exact test; a
        /// patient censored before the horizon without the event is unknown (counted missing).
        case binary
        /// Days on the ventilator / in the ICU from day 0 (as the paper's): median [IQR],
        /// Mann–Whitney, Kaplan–Meier.
        case duration
        /// Days alive and free of ventilation / of the ICU from day 0 to the horizon; death
        /// within the horizon = 0: median [IQR], Mann–Whitney.
        case freeDays = "free_days"
    }

    /// What a duration or free-days measure counts.
    public enum Support: String, Codable, Sendable, CaseIterable, Hashable, ProtocolKeyword {
        case ventilation
        case icuStay = "icu_stay"
    }

    /// Machine name (lower-case letters, digits, `-`, `_`): the id in results.json.
    public var name: String
    /// What the report shows; default the name.
    public var label: String
    public var kind: Kind
    /// `death` or an `events.csv` kind (time_to_event, binary).
    public var event: String?
    /// The competing event (time_to_event): `death` or an `events.csv` kind.
    public var competing: String?
    /// What a duration or free-days measure counts.
    public var of: Support?
    /// Days after the start of day 0; `nil` = `outcomes.horizon_days`. Durations and free days
    /// always use `outcomes.horizon_days` (their per-patient courses are derived with it).
    public var horizonDays: Int?

    public init(
        name: String, label: String? = nil, kind: Kind, event: String? = nil, competing: String? = nil, of: Support? = nil,
        horizonDays: Int? = nil
    ) {
        self.name = name
        self.label = label ?? name
        self.kind = kind
        self.event = event
        self.competing = competing
        self.of = of
        self.horizonDays = horizonDays
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, label, kind, event, competing, of
        case horizonDays = "horizon_days"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        label = try c.decodeIfPresent(String.self, forKey: .label) ?? name
        kind = try c.decode(Kind.self, forKey: .kind)
        event = try c.decodeIfPresent(String.self, forKey: .event)
        competing = try c.decodeIfPresent(String.self, forKey: .competing)
        of = try c.decodeIfPresent(Support.self, forKey: .of)
        horizonDays = try c.decodeIfPresent(Int.self, forKey: .horizonDays)
    }

    /// The event kind that means death (from `icu_course.csv`) rather than an `events.csv` row.
    public static let death = "death"

    /// The paper's outcomes (Kooistra et al. 2020) as declarations, with horizon H =
    /// `settings.horizon_days`: a secondary infection within H (the `secondary_infection_event`
    /// kind; binary), the time on mechanical ventilation and the ICU length of stay (durations,
    /// with their Kaplan–Meier curves), H-day mortality (binary) and the time to death within H
    /// (Kaplan–Meier). The default protocol writes them out; a protocol without `measures` gets
    /// them too.
    public static func paperOutcomes(_ settings: OutcomeSettings) -> [OutcomeMeasure] {
        let h = settings.horizonDays
        return [
            OutcomeMeasure(
                name: "secondary_infection", label: "Secondary infection within \(h) days", kind: .binary,
                event: settings.secondaryInfectionEvent),
            OutcomeMeasure(name: "ventilation_days", label: "Time on mechanical ventilation", kind: .duration, of: .ventilation),
            OutcomeMeasure(name: "icu_los", label: "ICU length of stay", kind: .duration, of: .icuStay),
            OutcomeMeasure(name: "mortality", label: "\(h)-day mortality", kind: .binary, event: death),
            OutcomeMeasure(name: "death", label: "Time to death", kind: .timeToEvent, event: death),
        ]
    }
}

extension OutcomeMeasure: ProtocolRequiredKeys {
    static let requiredProtocolKeys = ["name", "kind"]
}
