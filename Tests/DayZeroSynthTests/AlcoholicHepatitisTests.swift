import DayZeroCohort
@testable import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// The second built-in example: severe alcoholic hepatitis in the ICU, prednisolone or not.
@Suite("Alcoholic-hepatitis example")
struct AlcoholicHepatitisTests {
    static let tables: [StudyTable] = [.patients, .icuCourse, .measurements, .medications, .events, .parameters, .variables]

    @Test("same seed → byte-identical files; another seed → different data files")
    func determinism() throws {
        let a = try makeTemporaryDirectory("ah-a")
        let b = try makeTemporaryDirectory("ah-b")
        let c = try makeTemporaryDirectory("ah-c")
        defer { for url in [a, b, c] { try? FileManager.default.removeItem(at: url) } }
        try AlcoholicHepatitisCohort.write(seed: 42, patients: 200, to: a)
        try AlcoholicHepatitisCohort.write(seed: 42, patients: 200, to: b)
        try AlcoholicHepatitisCohort.write(seed: 43, patients: 200, to: c)
        #expect(try FileManager.default.contentsOfDirectory(atPath: a.path).sorted() == Self.tables.map(\.fileName).sorted())
        for table in Self.tables {
            let first = try Data(contentsOf: a.appendingPathComponent(table.fileName))
            let second = try Data(contentsOf: b.appendingPathComponent(table.fileName))
            let other = try Data(contentsOf: c.appendingPathComponent(table.fileName))
            #expect(first == second, "\(table.fileName) differs between two runs with the same seed")
            // The declarations are the same for every seed; every data table differs.
            if table == .parameters || table == .variables {
                #expect(first == other)
            } else {
                #expect(first != other, "\(table.fileName) is the same for seeds 42 and 43")
            }
        }
        #expect(try AlcoholicHepatitisCohort.generate(seed: 42) == AlcoholicHepatitisCohort.generate(seed: 42))
        #expect(try AlcoholicHepatitisCohort.generate(seed: 42) != AlcoholicHepatitisCohort.generate(seed: 43))
    }

    @Test("writing into a folder of another study replaces all of its study files")
    func replacesAnotherStudy() throws {
        let folder = try makeTemporaryDirectory("ah-replace")
        defer { try? FileManager.default.removeItem(at: folder) }
        try SyntheticCohort.write(seed: 1, patients: 5, to: folder)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cytokines.csv").path))
        try AlcoholicHepatitisCohort.write(seed: 1, patients: 5, to: folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == Self.tables.map(\.fileName).sorted())
    }

    @Test("declared columns and declarations are written as the data format says")
    func declarations() throws {
        let folder = try makeTemporaryDirectory("ah-decl")
        defer { try? FileManager.default.removeItem(at: folder) }
        try AlcoholicHepatitisCohort.write(seed: 5, patients: 3, to: folder)
        let variables = try String(contentsOf: folder.appendingPathComponent("variables.csv"), encoding: .utf8)
        #expect(variables.contains("he_grade,Hepatic encephalopathy (West Haven grade),categorical,,0|1|2|3|4,None|Grade 1|Grade 2|Grade 3|Grade 4,,"))
        #expect(variables.contains("maddrey,Maddrey discriminant function,continuous,,,,0,400"))
        let parameters = try String(contentsOf: folder.appendingPathComponent("parameters.csv"), encoding: .utf8)
        #expect(parameters == "parameter,label,kind,unit,aggregation,minimum,maximum\ninr,INR,clinical,ratio,max,0.5,15\n")
        let patients = try String(contentsOf: folder.appendingPathComponent("patients.csv"), encoding: .utf8)
        #expect(patients.hasPrefix("patient_id,site,sex,age,bmi,maddrey,meld,he_grade,ascites,infection_admission\n"))
    }

    /// The flow facts every block of 200 has, counted from the data as the protocol's rules see them.
    @Test("the counts docs/examples.md states, for several seeds", arguments: [AlcoholicHepatitisCohort.defaultSeed, 1, 99])
    func counts(seed: UInt64) throws {
        let study = try AlcoholicHepatitisCohort.generate(seed: seed)
        let registry = study.baselineRegistry
        #expect(study.patients.count == 200)
        #expect(Set(study.patients.map(\.site)) == Set(AlcoholicHepatitisCohort.sites))
        let maddreyLow = Set(study.patients.filter { (registry.value("maddrey", of: $0) ?? 99) < 32 }.map(\.id))
        let earlyBleeding = Set(study.events.filter { $0.event == "gi_bleeding" && (0...1).contains($0.day) }.map(\.patientID))
        #expect(maddreyLow.count == 14)
        #expect(earlyBleeding.count == 11)
        #expect(maddreyLow.intersection(earlyBleeding).count == 1)
        // Bleeding on ICU day 2, just outside the rule's window, in some included patients.
        let lateBleeding = Set(study.events.filter { $0.event == "gi_bleeding" && $0.day >= 2 }.map(\.patientID))
        #expect(lateBleeding.isDisjoint(with: maddreyLow.union(earlyBleeding)))
        var startDay: [String: Int] = [:]
        for m in study.medications where m.drug == AlcoholicHepatitisCohort.drug {
            startDay[m.patientID] = min(startDay[m.patientID] ?? Int.max, m.day)
        }
        #expect(startDay.count == 80)
        #expect(startDay.keys.allSatisfy { !maddreyLow.contains($0) && !earlyBleeding.contains($0) })
        let starts = startDay.values.sorted()
        #expect(starts.filter { $0 == 0 }.count == 30 && starts.filter { $0 == 1 }.count == 28 && starts.filter { $0 == 2 }.count == 22)
        #expect(starts[39] == 1 && starts[40] == 1, "the treated median start day is ICU day 1")
        // Untreated, eligible patients out of the ICU before ICU day 1 (died on day 0).
        let excluded = maddreyLow.union(earlyBleeding)
        let courses = Dictionary(uniqueKeysWithValues: study.courses.map { ($0.patientID, $0) })
        let controls = study.patients.map(\.id).filter { startDay[$0] == nil && !excluded.contains($0) }
        let goneBeforeDayOne = controls.filter { id in
            guard let c = courses[id] else { return false }
            return min(c.discharge ?? .infinity, c.death ?? .infinity) < 1
        }
        #expect(goneBeforeDayOne.count == 4)
        #expect(controls.count - goneBeforeDayOne.count == 92)
        // Treated patients are in the ICU on their start day.
        for (id, day) in startDay {
            let end = min(courses[id]?.discharge ?? .infinity, courses[id]?.death ?? .infinity)
            #expect(end >= Double(day) + 1, "\(id) left the ICU before its start day ended")
        }
        // Unknown values on purpose, in every declared variable and in BMI.
        #expect(study.patients.contains { $0.bmi == nil })
        for (k, variable) in study.baselineVariables.enumerated() {
            #expect(study.patients.contains { $0.declared[k] == nil }, "no unknown \(variable.name)")
        }
        // Some patients are ventilated; some are lost to follow-up alive before day 90.
        #expect(study.courses.filter { $0.ventilationStart != nil }.count >= 30)
        #expect(study.courses.contains { $0.death == nil && ($0.followUpEnd ?? 0) < 90 })
        #expect(study.events.contains { $0.event == "liver_transplant" })
    }

    @Test("the files hold exactly the in-memory cohort (values as printed)")
    func filesMatchMemory() throws {
        let folder = try makeTemporaryDirectory("ah-memory")
        defer { try? FileManager.default.removeItem(at: folder) }
        try AlcoholicHepatitisCohort.write(seed: 7, patients: 40, to: folder)
        let study = try AlcoholicHepatitisCohort.generate(seed: 7, patients: 40)
        let text = try String(contentsOf: folder.appendingPathComponent("measurements.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").dropFirst()
        #expect(lines.count == study.measurements.count)
        for (line, m) in zip(lines, study.measurements) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(fields[0] == m.patientID && fields[2] == m.parameter && fields[4] == m.sourceUnit)
            #expect(Double(fields[1]) == m.time && Double(fields[3]) == m.sourceValue)
        }
    }

    @Test("the example protocol in code equals its commented YAML, and is valid against the study")
    func protocolCodeEqualsYAML() throws {
        let study = AlcoholicHepatitisCohort.default
        let result = ProtocolYAML.check(
            ProtocolYAML.alcoholicHepatitisYAML, registry: ParameterRegistry(declared: study.declaredParameters),
            baseline: study.baselineRegistry)
        #expect(result.issues.isEmpty, "issues: \(result.issues.map(\.description))")
        let parsed = try #require(result.protocol)
        let code = StudyProtocol.alcoholicHepatitis
        #expect(parsed.exclusions == code.exclusions)
        #expect(parsed.parameters == code.parameters)
        #expect(parsed.outcomes == code.outcomes)
        #expect(parsed.analysisSets == code.analysisSets)
        #expect(parsed.baseline == code.baseline)
        #expect(parsed.alignment == code.alignment)
        #expect(parsed.windows == code.windows)
        #expect(parsed == code)
        let issues = code.validate(registry: ParameterRegistry(declared: study.declaredParameters), baseline: study.baselineRegistry)
        #expect(issues.isEmpty, "\(issues)")
        // Without the study's declarations, INR is unknown: the protocol needs the study.
        #expect(!ProtocolYAML.check(ProtocolYAML.alcoholicHepatitisYAML).issues.isEmpty)
    }

    @Test("the examples registry")
    func registry() {
        #expect(StudyExample.default == .kooistra)
        #expect(StudyExample.named("alcoholic-hepatitis") == .alcoholicHepatitis)
        #expect(StudyExample.named("kooistra") == .kooistra)
        #expect(StudyExample.named("hepatitis") == nil)
        #expect(StudyExample.knownNames == "kooistra, alcoholic-hepatitis")
        #expect(StudyExample.alcoholicHepatitis.studyProtocol == .alcoholicHepatitis)
        #expect(StudyExample.kooistra.protocolYAML == ProtocolYAML.defaultYAML)
    }
}
