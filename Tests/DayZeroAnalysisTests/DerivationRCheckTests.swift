import DayZeroAnalysis
import DayZeroCohort
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// Three derivation rules against an independent R recomputation from the raw study files
/// (`scripts/derivation-r-check.sh`, `.R`; docs/protocol.md): SOFA `carry_forward` (with
/// `carry_forward_days` 1, 3 and no limit), temperature imputation `lower_only` (and the other
/// two readings of the rule), and `consecutive: true` in drug and parameter criteria.
/// `Fixtures/derivation-r-check.json` holds R's values per run: the run's edits to the default
/// protocol and study, the day values per main-set patient and aligned day, the imputed
/// temperature days and the members of each rule-based set. Each run is derived here through
/// the library (no R, no CLI) and every value must be **equal**: the rules select, count and
/// compare measured values, with no arithmetic beyond unit conversion, so there is no
/// tolerance.
@Suite("Derivation rules against R (SOFA carry forward, lower-only imputation, consecutive days)")
struct DerivationRCheckTests {
    struct Fixture: Decodable {
        struct Cohort: Decodable {
            var treated: Int
            var controls: Int
            var controlDay0: Int
            var patients: [String]
        }

        struct Edit: Decodable {
            var replace: String?
            var with: String?
            var append: String?
        }

        /// `drop_drug`: the administrations of `drug` on ICU days d with d mod `modulus` =
        /// `remainder` are removed; `add_flags`: a `parameter` value 1 at time d on every ICU
        /// day d ≥ 0 with d mod `modulus` = `remainder` on which the patient has a measurement.
        struct StudyEdit: Decodable {
            var kind: String
            var drug: String?
            var parameter: String?
            var modulus: Int
            var remainder: Int
        }

        struct Series: Decodable {
            var parameter: String
            var first: Int
            var last: Int
            var values: [String: [Double?]]
        }

        struct Imputed: Decodable, Hashable {
            var patient: String
            var day: Int
            var value: Double
        }

        struct Members: Decodable {
            var name: String
            var members: [String]
        }

        struct Run: Decodable {
            var name: String
            var edits: [Edit]
            var studyEdit: StudyEdit?
            var series: [Series]
            var imputed: [Imputed]?
            var sets: [Members]?
        }

        var cohort: Cohort
        var runs: [Run]
        /// Patient-days and (patient, set) memberships compared by the R script.
        var compared: Int
    }

    static let fixture: Fixture? = try? loadFixture(Fixture.self, "derivation-r-check.json")

    /// The run's protocol: the default protocol's text with the run's edits, each found once.
    static func protocolText(_ run: Fixture.Run) throws -> String {
        var text = ProtocolYAML.defaultYAML
        for edit in run.edits {
            if let append = edit.append {
                while text.hasSuffix("\n") { text.removeLast() }
                text += "\n" + append + "\n"
                continue
            }
            let old = try #require(edit.replace)
            let new = try #require(edit.with)
            try #require(text.components(separatedBy: old).count == 2, "\(run.name): the edit target is not found once: \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return text
    }

    static func mod(_ a: Int, _ m: Int) -> Int { ((a % m) + m) % m }

    /// The run's study: the default cohort with the run's edit, as the R script edits the files.
    static func study(_ run: Fixture.Run) throws -> StudyData {
        var study = SyntheticCohort.default
        guard let edit = run.studyEdit else { return study }
        switch edit.kind {
        case "drop_drug":
            let drug = try #require(edit.drug)
            let before = study.medications.count
            study.medications.removeAll { $0.drug.lowercased() == drug && mod($0.day, edit.modulus) == edit.remainder }
            #expect(study.medications.count < before)
        case "add_flags":
            let parameter = try #require(edit.parameter)
            var seen: Set<String> = []
            var flags: [(String, Int)] = []
            for m in study.measurements where m.day >= 0 && mod(m.day, edit.modulus) == edit.remainder {
                if seen.insert("\(m.patientID)|\(m.day)").inserted { flags.append((m.patientID, m.day)) }
            }
            #expect(!flags.isEmpty)
            for (id, day) in flags.sorted(by: { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }) {
                study.measurements.append(Measurement(patientID: id, time: Double(day), parameter: parameter, value: 1, sourceUnit: "flag"))
            }
        default:
            Issue.record("\(run.name): unknown study edit \(edit.kind)")
        }
        return study
    }

    @Test func theFixtureHoldsEveryRun() throws {
        let fixture = try #require(Self.fixture)
        #expect(fixture.runs.map(\.name) == [
            "default", "sofa-carry-forward-1", "sofa-carry-forward-3", "sofa-carry-forward", "sofa-sum-available",
            "temperature-lower-only-40", "temperature-lower-only-39", "temperature-cooled",
            "temperature-cooled-measured-only-38.5", "temperature-cooled-lower-only-38.5", "consecutive", "consecutive-gapped",
        ])
        #expect(fixture.compared == 68_880)
        #expect(fixture.cohort.treated == 21)
        #expect(fixture.cohort.controls == 39)
        #expect(fixture.cohort.controlDay0 == 12)
    }

    /// Every run derived by the library agrees with R on every patient-day and membership.
    @Test(arguments: ["default", "sofa-carry-forward-1", "sofa-carry-forward-3", "sofa-carry-forward", "sofa-sum-available",
                      "temperature-lower-only-40", "temperature-lower-only-39", "temperature-cooled",
                      "temperature-cooled-measured-only-38.5", "temperature-cooled-lower-only-38.5", "consecutive", "consecutive-gapped"])
    func theLibraryAgreesWithR(run name: String) throws {
        let fixture = try #require(Self.fixture)
        let run = try #require(fixture.runs.first { $0.name == name })
        let p = try ProtocolYAML.decode(Self.protocolText(run))
        let cohort = try CohortDerivation.derive(Self.study(run), protocol: p)
        #expect(cohort.patients.map(\.id) == fixture.cohort.patients)
        #expect(cohort.flow.controlAlignmentDay == fixture.cohort.controlDay0)
        let patients = fixture.cohort.patients
        var compared = 0
        var differing = 0

        for s in run.series {
            #expect(s.values.count == patients.count, "\(name) \(s.parameter)")
            for id in patients {
                let r = try #require(s.values[id], "\(name) \(s.parameter): no R values for \(id)")
                #expect(r.count == s.last - s.first + 1)
                let i = try #require(cohort.patientIndex(of: id))
                for (k, day) in (s.first...s.last).enumerated() {
                    let mine = cohort.value(patient: i, parameter: s.parameter, alignedDay: day)
                    compared += 1
                    if mine != r[k] {
                        differing += 1
                        Issue.record("\(name) \(s.parameter) \(id) day \(day): DayZero \(String(describing: mine)), R \(String(describing: r[k]))")
                    }
                }
            }
        }

        #expect((run.imputed != nil) == (Self.expectedImputed[name] != nil), "\(name): imputed days in the fixture")
        if let imputed = run.imputed {
            let series = try #require(cohort.seriesIndex(parameter: "temperature"))
            var mine: Set<Fixture.Imputed> = []
            for (i, patient) in cohort.patients.enumerated() {
                for row in cohort.daily.range(patient: i, series: series) where cohort.daily.imputed[row] {
                    let day = Int(cohort.daily.days[row]) - patient.day0
                    if (-10...10).contains(day) { mine.insert(.init(patient: patient.id, day: day, value: cohort.daily.values[row])) }
                }
            }
            let r = Set(imputed)
            #expect(r.count == imputed.count)
            #expect(mine.subtracting(r).isEmpty, "\(name): imputed by DayZero only: \(mine.subtracting(r))")
            #expect(r.subtracting(mine).isEmpty, "\(name): imputed by R only: \(r.subtracting(mine))")
            #expect(mine.count == Self.expectedImputed[name], "\(name): \(mine.count) imputed days")
        }

        for set in run.sets ?? [] {
            let rule = try #require(p.analysisSet(named: set.name))
            let members: [String]
            if set.name == "main" {
                members = cohort.patients.map(\.id)
            } else {
                members = try #require(cohort.membership(of: rule)).members.map { cohort.patients[$0].id }
            }
            compared += patients.count
            if members.sorted() != set.members.sorted() {
                differing += 1
                Issue.record("\(name) set \(set.name): DayZero only \(Set(members).subtracting(set.members).sorted()), R only \(Set(set.members).subtracting(members).sorted())")
            }
        }
        #expect(differing == 0)
        #expect(compared == Self.expectedCases[name], "\(name): \(compared) cases compared")
    }

    /// Patient-days (60 patients × window days × series) and memberships (60 × sets) per run;
    /// their sum is the fixture's `compared`.
    static let expectedCases: [String: Int] = [
        "default": 60 * 17 + 60 * 21 + 60 * 3,
        "sofa-carry-forward-1": 6 * 60 * 41, "sofa-carry-forward-3": 6 * 60 * 41, "sofa-carry-forward": 6 * 60 * 41,
        "sofa-sum-available": 6 * 60 * 41,
        "temperature-lower-only-40": 60 * 21, "temperature-lower-only-39": 60 * 21, "temperature-cooled": 60 * 21,
        "temperature-cooled-measured-only-38.5": 60 * 21, "temperature-cooled-lower-only-38.5": 60 * 21,
        "consecutive": 60 * 9, "consecutive-gapped": 60 * 9,
    ]

    /// Imputed temperature days in the window per run with a temperature check.
    static let expectedImputed: [String: Int] = [
        "default": 3, "temperature-lower-only-40": 0, "temperature-lower-only-39": 2, "temperature-cooled": 276,
        "temperature-cooled-measured-only-38.5": 271, "temperature-cooled-lower-only-38.5": 85,
    ]

    @Test func theExpectedCasesAddUpToTheFixturesCount() throws {
        let fixture = try #require(Self.fixture)
        #expect(Self.expectedCases.count == fixture.runs.count)
        #expect(Self.expectedCases.values.reduce(0, +) == fixture.compared)
    }

    /// The runs are not inert on this cohort: each rule changes what it should, in R's values.
    @Test func eachRuleChangesTheDerivedData() throws {
        let fixture = try #require(Self.fixture)
        func run(_ name: String) throws -> Fixture.Run { try #require(fixture.runs.first { $0.name == name }) }
        func values(_ run: Fixture.Run, _ parameter: String) throws -> [Double?] {
            let s = try #require(run.series.first { $0.parameter == parameter })
            return try fixture.cohort.patients.flatMap { try #require(s.values[$0]) }
        }
        func differing(_ a: [Double?], _ b: [Double?]) -> Int {
            #expect(a.count == b.count)
            return zip(a, b).filter { $0 != $1 }.count
        }
        // SOFA: carrying raises totals (never lowers one, never creates a day); a longer limit
        // carries more; the components stay as measured.
        let available = try values(run("sofa-sum-available"), "sofa")
        let carried1 = try values(run("sofa-carry-forward-1"), "sofa")
        let carried3 = try values(run("sofa-carry-forward-3"), "sofa")
        for (a, c) in zip(available, carried1) {
            #expect((a == nil) == (c == nil))
            if let a, let c { #expect(c >= a) }
        }
        #expect(differing(available, carried1) > 0)
        #expect(differing(carried1, carried3) > 0)
        for component in ["respiration", "coagulation", "liver", "cardiovascular", "renal"] {
            #expect(try differing(values(run("sofa-sum-available"), "sofa_" + component), values(run("sofa-carry-forward-3"), "sofa_" + component)) == 0)
        }
        // Temperature: lower_only never raises a value or creates a day, and lowers some.
        let measured = try values(run("default"), "temperature")
        let lower40 = try values(run("temperature-lower-only-40"), "temperature")
        #expect(differing(measured, lower40) == 3)  // P0033's three cooled days: 40 by default, kept as measured
        let cooled = try values(run("temperature-cooled"), "temperature")
        let lowered = try values(run("temperature-cooled-lower-only-38.5"), "temperature")
        let noImputation = try values(run("temperature-lower-only-40"), "temperature")
        var lowerings = 0
        for (x, y) in zip(noImputation, lowered) {
            #expect((x == nil) == (y == nil))
            if let x, let y {
                #expect(y <= x)
                if y < x { #expect(y == 38.5); lowerings += 1 }
            }
        }
        let loweredDays = try #require(run("temperature-cooled-lower-only-38.5").imputed)
        #expect(lowerings == loweredDays.count)
        #expect(lowerings > 0)
        #expect(cooled.compactMap { $0 }.count > measured.compactMap { $0 }.count)  // created on unmeasured cooled days
        // Consecutive: each pair of sets differs only by `consecutive: true`, and the run is a subset.
        func members(_ run: Fixture.Run, _ set: String) throws -> Set<String> {
            Set(try #require(run.sets?.first { $0.name == set }).members)
        }
        let consecutive = try run("consecutive")
        let gapped = try run("consecutive-gapped")
        for (r, pair) in [(consecutive, "fever"), (consecutive, "low-pf"), (gapped, "steroids")] {
            let days = try members(r, pair + "-days")
            let inARow = try members(r, pair + "-run")
            #expect(days != inARow, "\(r.name) \(pair)")
        }
        // include_if: a run of n days is also n days; exclude_if: the reverse.
        #expect(try members(consecutive, "fever-run").isSubset(of: members(consecutive, "fever-days")))
        #expect(try members(consecutive, "low-pf-run").isSubset(of: members(consecutive, "low-pf-days")))
        #expect(try members(gapped, "steroids-days").isSubset(of: members(gapped, "steroids-run")))
        // Unbroken drug courses: on the default cohort the steroid pair is the same set.
        #expect(try members(consecutive, "steroids-days") == members(consecutive, "steroids-run"))
        #expect(try members(consecutive, "criteria-matched-controls") != members(run("default"), "criteria-matched-controls"))
    }
}
