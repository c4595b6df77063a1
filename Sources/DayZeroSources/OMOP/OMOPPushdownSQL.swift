import DayZeroCohort
import Foundation

/// The SQL dialects the pushdown's queries are written for. The queries keep to a portable
/// subset (`docs/sources.md`, "Pushdown"); the only places the dialects differ are these
/// functions: date and timestamp arithmetic, and the name of the 8-byte floating-point type.
public enum SQLDialect: String, Sendable, CaseIterable {
    case postgresql
    case spark

    /// Whole seconds from timestamp `from` to timestamp `to` (wall-clock times, no time zone;
    /// fractions of a second dropped from each, as the row route reads times to the second).
    /// Spark: with `spark.sql.session.timeZone = UTC`, so that no daylight-saving shift enters.
    public func secondsBetween(_ from: String, _ to: String) -> String {
        switch self {
        case .postgresql:
            "(CAST(FLOOR(EXTRACT(EPOCH FROM \(to))) AS BIGINT) - CAST(FLOOR(EXTRACT(EPOCH FROM \(from))) AS BIGINT))"
        case .spark:
            "(unix_timestamp(\(to)) - unix_timestamp(\(from)))"
        }
    }

    /// Calendar days from date `from` to date `to`.
    public func daysBetween(_ from: String, _ to: String) -> String {
        switch self {
        case .postgresql: "(\(to) - \(from))"
        case .spark: "datediff(\(to), \(from))"
        }
    }

    /// The IEEE 754 double type (`DOUBLE PRECISION` in PostgreSQL, where `FLOAT`/`DOUBLE`
    /// mean other things or nothing; `DOUBLE` in Spark, where `FLOAT` is 4 bytes).
    public var doubleType: String {
        switch self {
        case .postgresql: "DOUBLE PRECISION"
        case .spark: "DOUBLE"
        }
    }

    /// A double literal: `CAST('0.21' AS DOUBLE PRECISION)` (a bare `0.21` is NUMERIC in
    /// PostgreSQL and DECIMAL in Spark). The text is Swift's shortest round-trip spelling, so
    /// the database reads back exactly the Swift value.
    func double(_ x: Double) -> String { "CAST('\(x)' AS \(doubleType))" }
}

/// The SQL of the OMOP pushdown: the per-patient-day aggregation of the measured parameters,
/// generated from the mapping (concept sets, units, the FiO2 rule, the ICU stays) and the
/// parameters the protocol lets the database aggregate (`OMOPPushdown.pushedParameters`).
///
/// One query (`query(_:)`) reads the measurement table once and returns four kinds of rows,
/// told apart by the `kind` column (`Kind`):
///
/// - `daily`: one row per person, used parameter and ICU day with the day's count and the
///   aggregates its series need (min, max, sum, first, last, any-non-zero) — `DayAggregates`;
/// - `lastTime`: each person's latest measurement time;
/// - `check`: the measurement rows the row route's validation would refuse (no value, no or an
///   unknown unit, FiO2 in the wrong scale, a value outside the parameter's range, a time
///   before the ICU admission), so the pushdown refuses the same sources;
/// - `outside`: how many rows lie outside the study window (left out, as by the row route).
///
/// The measurement rows of the pushed concepts, joined to their ICU stay and classified, are a
/// CTE (`classified`) the four parts read; PostgreSQL (12 and later) materialises a CTE that is
/// referenced more than once, so the table is scanned, joined and converted once.
///
/// The day rule is the derivation's ICU-day axis (`TimeAxis.icuDay`): the time of a row is
/// the seconds from the ICU admission (a datetime; a date-only row counts whole calendar days
/// from the admission's date, as the study folder's validation reads a date), its ICU day ⌊seconds / 86 400⌋ — the floor of the same quotient the
/// derivation floors (`icuDay(t)`, t = seconds / 86 400 in double precision, exact for any
/// whole number of seconds within the ±100 000-day range of a study).
public struct OMOPPushdownSQL: Sendable {
    /// One pushed parameter: its number in the queries (`parameter` column), its name, the
    /// concepts of its set, and the conversion to its canonical unit per unit concept.
    public struct Parameter: Sendable {
        public var number: Int
        public var name: String
        public var concepts: [Int]
        /// unit_concept_id → (factor, offset) to the canonical unit.
        public var units: [(concept: Int, factor: Double, offset: Double)]
        public var minimum: Double
        public var maximum: Double
        public var isFlag: Bool
        /// The daily aggregations the protocol needs of the parameter (none: it only counts
        /// for the last recorded time), and whether it is the temperature imputation's flag.
        public var aggregations: Set<DailyAggregation>
        public var imputationFlag: Bool
        /// For the FiO2 parameter: its percent and fraction unit concepts and, for rows without
        /// a unit, the conversion of the fraction (value 0.21–1) and of percent (21–100).
        public var fio2: FiO2?

        public struct FiO2: Sendable {
            public var percentUnits: [Int]
            public var fractionUnits: [Int]
            public var fraction: (factor: Double, offset: Double)?
            public var percent: (factor: Double, offset: Double)?
        }
    }

    public let schema: OMOPSchemaName
    public let icuStays: OMOPMapping.ICUStays
    public let parameters: [Parameter]

    /// The queries for `names` (parameters of the mapping's `parameters` sets, in the catalog
    /// `registry`), in the mapping's order, computing what `studyProtocol` needs of each.
    public init(
        mapping: OMOPMapping, schema: OMOPSchemaName, parameters names: Set<String>, registry: ParameterRegistry, protocol studyProtocol: StudyProtocol
    ) {
        self.schema = schema
        let needs = CohortDeriver.dailyAggregations(protocol: studyProtocol, registry: registry)
        let flag = studyProtocol.temperatureImputation?.flag
        icuStays = mapping.icuStays
        let unitNames = Dictionary(mapping.units.map { ($0.concept, $0.unit) }, uniquingKeysWith: { a, _ in a })
        var list: [Parameter] = []
        for set in mapping.parameters where names.contains(set.name) && !list.contains(where: { $0.name == set.name }) {
            guard let definition = registry[set.name] else { continue }
            var units: [(Int, Double, Double)] = []
            for entry in mapping.units.sorted(by: { $0.concept < $1.concept }) where !units.contains(where: { $0.0 == entry.concept }) {
                if let c = definition.conversion(for: entry.unit) { units.append((entry.concept, c.factor, c.offset)) }
            }
            var fio2: Parameter.FiO2?
            if let rule = mapping.fio2, rule.parameter == set.name {
                let fraction = definition.conversion(for: unitNames[rule.fractionUnits.first ?? -1] ?? "fraction")
                let percent = definition.conversion(for: unitNames[rule.percentUnits.first ?? -1] ?? "%")
                fio2 = Parameter.FiO2(
                    percentUnits: rule.percentUnits, fractionUnits: rule.fractionUnits,
                    fraction: fraction.map { ($0.factor, $0.offset) }, percent: percent.map { ($0.factor, $0.offset) })
            }
            let merged = mapping.parameters.filter { $0.name == set.name }.flatMap(\.concepts)
            list.append(Parameter(
                number: list.count, name: set.name, concepts: Array(Set(merged)).sorted(), units: units,
                minimum: definition.minimum, maximum: definition.maximum, isFlag: definition.unit == "flag",
                aggregations: Set(needs[set.name] ?? []), imputationFlag: set.name == flag, fio2: fio2))
        }
        parameters = list
    }

    var s: String { schema.name }

    private static func list(_ ids: [Int]) -> String { ids.map(String.init).joined(separator: ", ") }

    /// The CTEs of the query: the pushed concepts, the first ICU stay of each person and its
    /// window, and the measurement rows of the pushed concepts with their seconds from the
    /// admission, canonical value (NULL where the row route would refuse the row) and whether
    /// they lie in the window (`inside`).
    func commonTableExpressions(_ d: SQLDialect) -> String {
        var concepts: [String] = []
        for p in parameters {
            concepts.append("    SELECT a.descendant_concept_id AS concept_id, \(p.number) AS parameter FROM \(s).concept_ancestor a WHERE a.ancestor_concept_id IN (\(Self.list(p.concepts)))")
            for c in p.concepts { concepts.append("    SELECT \(c) AS concept_id, \(p.number) AS parameter") }
        }
        if concepts.isEmpty { concepts.append("    SELECT -1 AS concept_id, -1 AS parameter") }
        var icu: [String] = []
        if !icuStays.visitDetailConcepts.isEmpty { icu.append("v.visit_detail_concept_id IN (\(Self.list(icuStays.visitDetailConcepts)))") }
        if !icuStays.careSites.isEmpty { icu.append("v.care_site_id IN (\(Self.list(icuStays.careSites)))") }
        if icu.isEmpty { icu.append("1 = 0") }

        // The canonical value: value × factor + offset of the row's unit; FiO2 by its rule.
        var cases: [String] = []
        for p in parameters {
            if let f = p.fio2 {
                if !f.percentUnits.isEmpty {
                    cases.append("WHEN r.parameter = \(p.number) AND r.unit IN (\(Self.list(f.percentUnits))) AND r.x <= \(d.double(1)) THEN NULL")
                }
                if !f.fractionUnits.isEmpty {
                    cases.append("WHEN r.parameter = \(p.number) AND r.unit IN (\(Self.list(f.fractionUnits))) AND r.x > \(d.double(1)) THEN NULL")
                }
                if let c = f.fraction {
                    cases.append("WHEN r.parameter = \(p.number) AND r.unit = 0 AND r.x >= \(d.double(0.21)) AND r.x <= \(d.double(1)) THEN r.x * \(d.double(c.factor)) + \(d.double(c.offset))")
                }
                if let c = f.percent {
                    cases.append("WHEN r.parameter = \(p.number) AND r.unit = 0 AND r.x >= \(d.double(21)) AND r.x <= \(d.double(100)) THEN r.x * \(d.double(c.factor)) + \(d.double(c.offset))")
                }
            }
            for u in p.units {
                cases.append("WHEN r.parameter = \(p.number) AND r.unit = \(u.concept) THEN r.x * \(d.double(u.factor)) + \(d.double(u.offset))")
            }
        }
        let value = cases.isEmpty ? "CAST(NULL AS \(d.doubleType))" : "CASE\n             " + cases.joined(separator: "\n             ") + "\n           END"
        return """
            WITH concepts AS (
            \(concepts.joined(separator: "\n    UNION\n"))
            ),
            stays AS (
                SELECT v.person_id, v.visit_detail_start_date AS admission_date,
                       COALESCE(v.visit_detail_start_datetime, CAST(v.visit_detail_start_date AS TIMESTAMP)) AS admission_time,
                       v.visit_detail_end_date AS discharge_date,
                       ROW_NUMBER() OVER (PARTITION BY v.person_id
                                          ORDER BY v.visit_detail_start_date, v.visit_detail_start_datetime NULLS FIRST, v.visit_detail_id) AS stay_order
                FROM \(s).visit_detail v
                WHERE (\(icu.joined(separator: " OR "))) AND v.person_id IN (SELECT p.person_id FROM \(s).person p)
            ),
            deaths AS (SELECT x.person_id, MIN(x.death_date) AS death_date FROM \(s).death x GROUP BY x.person_id),
            periods AS (SELECT x.person_id, MAX(x.observation_period_end_date) AS period_end FROM \(s).observation_period x GROUP BY x.person_id),
            icu AS (
                SELECT t.person_id, t.admission_date, t.admission_time,
                       COALESCE(dd.death_date, pp.period_end, t.discharge_date) AS window_end
                FROM stays t
                LEFT JOIN deaths dd ON dd.person_id = t.person_id
                LEFT JOIN periods pp ON pp.person_id = t.person_id
                WHERE t.stay_order = 1
            ),
            measured AS (
                SELECT m.person_id, m.measurement_id, k.parameter, m.measurement_date, m.measurement_datetime,
                       CASE WHEN m.measurement_datetime IS NULL
                            THEN CAST(\(d.daysBetween("CAST(i.admission_time AS DATE)", "m.measurement_date")) AS BIGINT) * 86400
                            ELSE \(d.secondsBetween("i.admission_time", "m.measurement_datetime")) END AS seconds,
                       CAST(m.value_as_number AS \(d.doubleType)) AS x,
                       COALESCE(m.unit_concept_id, 0) AS unit,
                       i.admission_date, i.window_end
                FROM \(s).measurement m
                JOIN concepts k ON k.concept_id = m.measurement_concept_id
                JOIN icu i ON i.person_id = m.person_id
            ),
            classified AS (
                SELECT r.person_id, r.measurement_id, r.parameter, r.seconds, r.x, r.unit,
                       \(value) AS v,
                       CASE WHEN r.measurement_datetime IS NULL THEN 0 ELSE 1 END AS has_datetime,
                       CASE WHEN r.measurement_date >= r.admission_date AND r.measurement_date <= r.window_end THEN 1 ELSE 0 END AS inside
                FROM measured r
            )
            """
    }

    /// The numbers of the parameters for which `include` holds, as an SQL condition on
    /// `column` (`1 = 0` for none).
    func condition(_ column: String, _ include: (Parameter) -> Bool) -> String {
        let numbers = parameters.filter(include).map(\.number)
        return numbers.isEmpty ? "1 = 0" : "\(column) IN (\(Self.list(numbers)))"
    }

    /// The kinds of row of `query(_:)` (its `kind` column).
    public enum Kind: Int, Sendable {
        case daily = 0
        case lastTime = 1
        case check = 2
        case outside = 3
    }

    /// The columns of `query(_:)`, in order. Each kind fills its own and leaves the others NULL
    /// (a NULL costs no payload):
    ///
    /// - `daily`: `person_id, parameter, icu_day, n, single_value, minimum, maximum, total,
    ///   day_first, day_last, any_nonzero` — the daily aggregates of the parameters the protocol
    ///   uses. A day with one value sends it in `single_value` (every aggregate of one value is
    ///   that value) and NULL in the rest; a day with several sends only the aggregates its
    ///   parameter needs (`total` for `sum` and `mean`, `any_nonzero` for the imputation's flag).
    ///   `day_first`/`day_last` are the values of the earliest and latest row by (seconds,
    ///   measurement_id), the row route's (time, input order).
    /// - `lastTime`: `person_id, seconds` — the latest time of the person's pushed rows in the
    ///   window (used or not by the protocol: every recorded measurement counts for the
    ///   outcomes' "last recorded").
    /// - `check`: `person_id, row_id` (measurement_id), `parameter, x, unit, seconds, v,
    ///   has_datetime` — a row the validation refuses.
    /// - `outside`: `person_id, n, row_id` — the number of the person's pushed rows outside the
    ///   window and the smallest such measurement_id (persons with none have no row).
    ///
    /// Rows come ordered by kind, person, parameter, day, row id.
    public static let columns = [
        "kind", "person_id", "parameter", "icu_day", "n", "single_value", "minimum", "maximum", "total", "day_first", "day_last",
        "any_nonzero", "row_id", "x", "unit", "seconds", "v", "has_datetime",
    ]

    /// The pushdown's query (`columns`, `Kind`): the measurement table read once.
    public func query(_ d: SQLDialect) -> String {
        let double = d.doubleType
        func needs(_ a: DailyAggregation...) -> String { "COUNT(*) > 1 AND " + condition("z.parameter") { !$0.aggregations.isDisjoint(with: a) } }
        /// One part of the union: `values` maps the part's columns to their expressions; the
        /// others are NULL. Computed columns are cast to a fixed type; the ids (`person_id`,
        /// `row_id`, `unit`) keep the table's type (INTEGER or BIGINT: the union takes the wider),
        /// their NULLs are INTEGER.
        func part(_ kind: Kind, _ values: [String: String], from: String) -> String {
            let types: [String: String] = [
                "kind": "SMALLINT", "parameter": "INTEGER", "icu_day": "INTEGER", "n": "INTEGER", "any_nonzero": "INTEGER",
                "seconds": "BIGINT", "has_datetime": "INTEGER", "person_id": "", "row_id": "", "unit": "",
            ]
            var all = values
            all["kind"] = String(kind.rawValue)
            let select = Self.columns.map { c -> String in
                let type = types[c] ?? double
                guard let value = all[c] else { return "CAST(NULL AS \(type.isEmpty ? "INTEGER" : type)) AS \(c)" }
                return type.isEmpty ? "\(value) AS \(c)" : "CAST(\(value) AS \(type)) AS \(c)"
            }
            return "SELECT " + select.joined(separator: ",\n       ") + "\n" + from
        }
        var range: [String] = []
        for p in parameters {
            var c = "(w.parameter = \(p.number) AND (w.v < \(d.double(p.minimum)) OR w.v > \(d.double(p.maximum))"
            if p.isFlag { c += " OR (w.v <> 0 AND w.v <> 1)" }
            range.append(c + "))")
        }
        let outOfRange = range.isEmpty ? "1 = 0" : range.joined(separator: "\n   OR ")
        let daily = part(.daily, [
            "person_id": "z.person_id", "parameter": "z.parameter", "icu_day": "z.icu_day", "n": "COUNT(*)",
            "single_value": "CASE WHEN COUNT(*) = 1 THEN MIN(z.v) END",
            "minimum": "CASE WHEN \(needs(.min)) THEN MIN(z.v) END",
            "maximum": "CASE WHEN \(needs(.max)) THEN MAX(z.v) END",
            "total": "CASE WHEN \(needs(.sum, .mean)) THEN SUM(z.v) END",
            "day_first": "CASE WHEN \(needs(.first)) THEN MAX(CASE WHEN z.from_first = 1 THEN z.v END) END",
            "day_last": "CASE WHEN \(needs(.last)) THEN MAX(CASE WHEN z.from_last = 1 THEN z.v END) END",
            "any_nonzero": "CASE WHEN COUNT(*) > 1 AND \(condition("z.parameter") { $0.imputationFlag }) THEN MAX(CASE WHEN z.v <> 0 THEN 1 ELSE 0 END) END",
        ], from: "FROM ranked z\nGROUP BY z.person_id, z.parameter, z.icu_day")
        let last = part(.lastTime, ["person_id": "w.person_id", "seconds": "MAX(w.seconds)"], from: """
            FROM classified w
            WHERE w.inside = 1
            GROUP BY w.person_id
            """)
        let checks = part(.check, [
            "person_id": "w.person_id", "row_id": "w.measurement_id", "parameter": "w.parameter", "x": "w.x", "unit": "w.unit", "seconds": "w.seconds", "v": "w.v",
            "has_datetime": "w.has_datetime",
        ], from: """
            FROM classified w
            WHERE w.inside = 1 AND (w.x IS NULL OR w.v IS NULL OR (w.has_datetime = 1 AND w.seconds < 0)
               OR \(outOfRange))
            """)
        let outside = part(.outside, ["person_id": "w.person_id", "n": "COUNT(*)", "row_id": "MIN(w.measurement_id)"], from: """
            FROM classified w
            WHERE w.inside = 0
            GROUP BY w.person_id
            """)
        return commonTableExpressions(d) + """
            ,
            row_days AS (
                SELECT w.person_id, w.measurement_id, w.parameter, w.seconds, w.v,
                       CAST(FLOOR(w.seconds / 86400.0) AS BIGINT) AS icu_day
                FROM classified w
                WHERE w.inside = 1 AND w.v IS NOT NULL AND \(condition("w.parameter") { !$0.aggregations.isEmpty || $0.imputationFlag })
            ),
            ranked AS (
                SELECT y.person_id, y.parameter, y.icu_day, y.seconds, y.v,
                       ROW_NUMBER() OVER (PARTITION BY y.person_id, y.parameter, y.icu_day ORDER BY y.seconds, y.measurement_id) AS from_first,
                       ROW_NUMBER() OVER (PARTITION BY y.person_id, y.parameter, y.icu_day ORDER BY y.seconds DESC, y.measurement_id DESC) AS from_last
                FROM row_days y
            )
            \(daily)
            UNION ALL
            \(last)
            UNION ALL
            \(checks)
            UNION ALL
            \(outside)
            ORDER BY kind, person_id, parameter, icu_day, row_id
            """
    }
}
