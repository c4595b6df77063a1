/// The largest numbers DayZero accepts, in one place: the importer, the store reader, the
/// protocol check and the analyses all enforce these, so no value a user can write makes an
/// integer conversion trap, an allocation explode or a loop run for ever. Every limit is far
/// beyond what any real ICU study needs; `docs/data-format.md` and `docs/protocol.md` ("Limits")
/// list them with the messages a user sees.
public enum StudyLimits {
    /// Largest |ICU day| of any time (day number, or timestamp converted with the admission):
    /// 100 000 days, about 274 years either side of ICU admission. Keeps `icuDay` and every
    /// day arithmetic far from `Int` overflow.
    public static let maximumAbsoluteDay: Double = 100_000

    /// Largest |value| of a measurement, a dose, a declared parameter's range or any number
    /// in a study file that enters an aggregate: 10^15. A sum or a mean of such values stays
    /// finite, so no infinity can reach the results.
    public static let maximumAbsoluteValue: Double = 1e15

    /// The years a timestamp or date in a study file may name: 1900…2100. A year such as 0000
    /// or 9999 is a placeholder or a typing error, never an ICU admission.
    public static let timestampYears: ClosedRange<Int> = 1_900...2_100

    /// Protocol windows (relative to day 0) lie within −3650…3650 days (ten years).
    public static let maximumWindowDay = 3_650

    /// The largest `outcomes.horizon_days` and `alignment.fixed_icu_day`: 3650 days (ten years).
    public static let maximumHorizonDays = 3_650

    /// The largest matching ratio (controls per treated patient).
    public static let maximumMatchingRatio = 20

    /// The deepest nesting of a protocol file (mappings and lists inside each other).
    public static let maximumNestingDepth = 64

    /// The largest number of YAML nodes a protocol may hold after its aliases are expanded.
    public static let maximumYAMLNodes = 100_000

    /// True when `day` is a finite ICU-day time within ±`maximumAbsoluteDay`.
    @inlinable
    public static func isDayInRange(_ day: Double) -> Bool {
        day >= -maximumAbsoluteDay && day <= maximumAbsoluteDay
    }

    /// True when `value` is finite and within ±`maximumAbsoluteValue`.
    @inlinable
    public static func isValueInRange(_ value: Double) -> Bool {
        value >= -maximumAbsoluteValue && value <= maximumAbsoluteValue
    }
}
