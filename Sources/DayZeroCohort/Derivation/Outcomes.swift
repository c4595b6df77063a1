/// A time-to-event observation measured from the start of day 0, within the horizon.
public struct TimeToEvent: Sendable, Equatable, Codable {
    /// Elapsed days from the start of day 0 (`0 ≤ time ≤ horizon`).
    public var time: Double
    /// True: the event happened at `time`; false: censored at `time`.
    public var event: Bool
    /// The duration for median [IQR] summaries, by the protocol's `duration_counting`.
    public var days: Double

    public init(time: Double, event: Bool, days: Double) {
        self.time = time
        self.event = event
        self.days = days
    }
}

/// Whether a patient enters the ventilation outcome.
public enum VentilationStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// Ventilated on day 0: in the ventilation curve.
    case ventilatedOnDay0 = "ventilated_on_day_0"
    /// Never mechanically ventilated: left out.
    case neverVentilated = "never_ventilated"
    /// Extubated before day 0 began: left out ("no longer ventilated on alignment day").
    case extubatedBeforeDay0 = "extubated_before_day_0"
    /// Ventilation started after day 0: left out.
    case startedAfterDay0 = "started_after_day_0"
}

/// The outcomes of one patient after day 0.
public struct PatientOutcomes: Sendable, Equatable, Codable {
    public var ventilationStatus: VentilationStatus
    /// Event = extubation alive; `nil` unless ventilated on day 0.
    public var ventilation: TimeToEvent?
    /// Event = ICU discharge alive.
    public var icuStay: TimeToEvent
}

/// The outcome rules, measured from `t0` = the start of day 0 (time `day0` on the ICU-day
/// scale), with horizon `H` days:
///
/// - An event counts when it happens at elapsed time `τ` with `0 ≤ τ ≤ H`; later → censored at H.
/// - Ventilation: included when ventilated on day 0 (`start < t0 + 1` and no end or
///   `end ≥ t0`). Event = extubation alive at `end − t0` (alive: no death at or before the end).
///   Death while ventilated: `worst_outcome` → censored at H; `censor_at_death` → censored at
///   death. Still ventilated without death: censored when last seen (ICU discharge, else
///   follow-up end, else the last recorded time).
/// - ICU stay: event = discharge alive at `discharge − t0`. Death in the ICU (death ≤ discharge,
///   or no discharge): by `death_in_icu`. Still in the ICU: censored when last seen.
/// - Duration days: `calendar_days_inclusive` = ⌊τ⌋ + 1 (day 0 … the end day, both counted),
///   at most H + 1; `elapsed_days` = τ, at most H. A worst-outcome death gets the maximum.
struct OutcomeCalculator {
    let settings: OutcomeSettings

    var horizon: Double { Double(settings.horizonDays) }

    func days(_ tau: Double) -> Double {
        switch settings.durationCounting {
        case .calendarDaysInclusive: min((max(tau, 0)).rounded(.down) + 1, horizon + 1)
        case .elapsedDays: min(max(tau, 0), horizon)
        }
    }

    /// An event at `tau` if within the horizon, else censored at H.
    func eventOrHorizon(_ tau: Double) -> TimeToEvent {
        let t = max(tau, 0)
        return t <= horizon ? TimeToEvent(time: t, event: true, days: days(t)) : TimeToEvent(time: horizon, event: false, days: days(horizon))
    }

    func censored(_ tau: Double) -> TimeToEvent {
        let t = min(max(tau, 0), horizon)
        return TimeToEvent(time: t, event: false, days: days(t))
    }

    /// Death before the event of interest, by the protocol's handling.
    func death(_ tau: Double, _ handling: DeathHandling) -> TimeToEvent {
        switch handling {
        case .worstOutcome: TimeToEvent(time: horizon, event: false, days: days(horizon))
        case .censorAtDeath: censored(tau)
        }
    }

    func outcomes(course: ICUCourse, day0: Int, lastRecorded: Double?) -> PatientOutcomes {
        let t0 = Double(day0)
        let lastSeenInICU = course.discharge ?? course.followUpEnd ?? lastRecorded ?? t0

        // Ventilation.
        let status: VentilationStatus
        var ventilation: TimeToEvent?
        if let start = course.ventilationStart {
            if start >= t0 + 1 {
                status = .startedAfterDay0
            } else if let end = course.ventilationEnd, end < t0 {
                status = .extubatedBeforeDay0
            } else {
                status = .ventilatedOnDay0
                if let end = course.ventilationEnd, !(course.death.map { $0 <= end } ?? false) {
                    ventilation = eventOrHorizon(end - t0)
                } else if let death = course.death {
                    ventilation = death - t0 > horizon ? censored(horizon) : self.death(death - t0, settings.deathDuringVentilation)
                } else {
                    ventilation = censored(lastSeenInICU - t0)
                }
            }
        } else {
            status = .neverVentilated
        }

        // ICU stay.
        let icuStay: TimeToEvent
        let diedInICU = course.death.map { death in course.discharge.map { death <= $0 } ?? true } ?? false
        if diedInICU, let death = course.death {
            icuStay = death - t0 > horizon ? censored(horizon) : self.death(death - t0, settings.deathInICU)
        } else if let discharge = course.discharge {
            icuStay = eventOrHorizon(discharge - t0)
        } else {
            icuStay = censored(lastSeenInICU - t0)
        }

        return PatientOutcomes(ventilationStatus: status, ventilation: ventilation, icuStay: icuStay)
    }
}
