import DayZeroCohort
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStore

/// Every call a validator makes, in order; measurement rows given as numbers are recorded as
/// the `Measurement` they stand for (the protocol's default), announcements as themselves.
private struct CallRecorder: StudySink {
    var rows: [StudyRow] = []
    var announced: [ValueNames] = []

    mutating func tablePresent(_ table: StudyTable) { rows.append(.tablePresent(table)) }
    mutating func parameter(_ p: ParameterDefinition) { rows.append(.parameter(p)) }
    mutating func baselineVariable(_ v: BaselineVariable) { rows.append(.baselineVariable(v)) }
    mutating func patient(_ p: Patient, key: Int) { rows.append(.patient(p, key: key)) }
    mutating func course(_ c: ICUCourse, patientKey: Int, formats: CourseFormats) {
        rows.append(.course(c, patientKey: patientKey, formats: formats))
    }
    mutating func proteomicsSample(_ s: ProteomicsSample, key: Int, patientKey: Int, format: TimeFormat) {
        rows.append(.proteomicsSample(s, key: key, patientKey: patientKey, format: format))
    }
    mutating func measurement(_ m: DayZeroCohort.Measurement, patientKey: Int, format: TimeFormat) {
        rows.append(.measurement(m, patientKey: patientKey, format: format))
    }
    mutating func valueNames(_ names: ValueNames) { announced.append(names) }
    mutating func medication(_ m: MedicationAdministration, patientKey: Int, format: TimeFormat) {
        rows.append(.medication(m, patientKey: patientKey, format: format))
    }
    mutating func event(_ e: ClinicalEvent, patientKey: Int, format: TimeFormat) {
        rows.append(.event(e, patientKey: patientKey, format: format))
    }
    mutating func cytokine(_ c: CytokineMeasurement, patientKey: Int, format: TimeFormat) {
        rows.append(.cytokine(c, patientKey: patientKey, format: format))
    }
    mutating func proteomics(_ v: ProteomicsValue, sampleKey: Int) { rows.append(.proteomics(v, sampleKey: sampleKey)) }
}

/// What one validator run hands over and reports.
private struct Run {
    var rows: [StudyRow]
    var announced: [ValueNames]
    var problems: [String]
}

private func validate(_ folder: URL, fastPaths: Bool) throws -> Run {
    let validator = StudyFolderValidator(folder: folder, limitPerRule: 200)
    validator.fastPaths = fastPaths
    var sink = CallRecorder()
    try validator.run(sink: &sink)
    return Run(rows: sink.rows, announced: sink.announced, problems: validator.collector.problems.map(\.description))
}

/// Both paths: the same rows in the same order, the same problems.
private func expectSameWithAndWithoutFastPath(_ folder: URL, _ label: String) throws -> Run {
    let fast = try validate(folder, fastPaths: true)
    let ordinary = try validate(folder, fastPaths: false)
    #expect(ordinary.announced.isEmpty)
    #expect(fast.rows.count == ordinary.rows.count, "\(label): \(fast.rows.count) rows vs \(ordinary.rows.count)")
    let firstDifference = zip(fast.rows, ordinary.rows).enumerated().first { $0.element.0 != $0.element.1 }
    #expect(
        firstDifference == nil,
        "\(label): row \(firstDifference?.offset ?? -1) is \(String(describing: firstDifference?.element.0)), expected \(String(describing: firstDifference?.element.1))")
    #expect(fast.problems == ordinary.problems, "\(label): problems\n\(fast.problems)\nvs\n\(ordinary.problems)")
    return fast
}

/// A copy of a fixture folder with `measurements.csv` replaced.
private func fixtureCopy(_ name: String, measurements: String) throws -> URL {
    let folder = try makeTestDirectory().appendingPathComponent("study")
    try FileManager.default.copyItem(at: fixtureURL(name), to: folder)
    try Data(measurements.utf8).write(to: folder.appendingPathComponent("measurements.csv"))
    return folder
}

@Suite("Byte-level fast path of measurements.csv")
struct ImportFastPathTests {
    @Test("the synthetic cohort: the same rows as the ordinary path, nearly all of them taken by the fast path")
    func syntheticCohort() throws {
        let folder = try makeTestDirectory().appendingPathComponent("cohort")
        _ = try SyntheticCohort.write(
            seed: SyntheticCohort.defaultSeed, patients: SyntheticCohort.defaultPatientCount, to: folder, progress: { _ in })
        let run = try expectSameWithAndWithoutFastPath(folder, "synthetic")
        #expect(run.problems.isEmpty)
        // Each pair is announced once, in order of first use.
        #expect(Set(run.announced).count == run.announced.count && !run.announced.isEmpty)
    }

    @Test("the fixtures, timestamps and converted units included")
    func fixtures() throws {
        for name in ["valid-days", "valid-timestamps"] {
            let run = try expectSameWithAndWithoutFastPath(fixtureURL(name), name)
            #expect(run.problems.isEmpty, "\(name): \(run.problems)")
        }
        let broken = try expectSameWithAndWithoutFastPath(fixtureURL("broken-study"), "broken-study")
        #expect(!broken.problems.isEmpty)
    }

    @Test("rows that break a rule after the fast path has taken over report exactly as the ordinary path does")
    func lateProblems() throws {
        var text = "patient_id,time,parameter,value,unit\r\n"
        // CRLF endings, spaces around fields, a quoted field, converted units and non-ASCII units.
        for i in 0..<300 {
            text += "P01, \(i % 13) ,temperature,\(36 + Double(i % 40) / 10),°C\r\n"
            text += "P01,\(i % 11),\"temperature\",\(97 + Double(i % 30) / 10),°F\r\n"
            text += "P01,\(i % 7).5,lactate,\t\(1 + i % 5)\t,mmol/L\r\n"
        }
        let bad = [
            "P01,1,temperature,38.5,°F",  // 38.5 °F: out of the physiological range
            "P01,1,temperature,38;9,°C",  // malformed number
            "P01,1,temperature,,°C",  // empty value
            "P01,-1,temperature,38,°C",  // before admission
            "P01,1e3,temperature,38,°C",  // after the stay
            "P01,1,temperature,38,°K",  // unknown unit
            "P01,1,temperature,38,mmol/L",  // incompatible unit
            "P01,2020-01-01,temperature,38,°C",  // a timestamp without a timestamp admission
            "P01,1,Temperature,38,°C",  // unknown parameter
            "P99,1,temperature,38,°C",  // undefined patient
            "P01,1,temperature,38,\u{FFFD}",  // unknown unit, non-ASCII
            "P01,1,temperature,38",  // field count
        ]
        // Once a problem is known the fast path is off, so each bad row gets a file of its own,
        // after good rows of the same pair (the fast path is in use when it comes).
        for (k, line) in bad.enumerated() {
            let folder = try fixtureCopy("valid-days", measurements: text + line + "\r\n" + "P01,\(k % 13),temperature,37.\(k % 10),°C\r\n")
            let run = try expectSameWithAndWithoutFastPath(folder, "good rows + \(line)")
            #expect(run.problems.count == 1, "\(line): \(run.problems)")
        }
        // The good rows alone are valid and go through the fast path.
        let run = try expectSameWithAndWithoutFastPath(try fixtureCopy("valid-days", measurements: text), "good rows")
        #expect(run.problems.isEmpty, "\(run.problems)")
        #expect(run.announced.count >= 3)
    }

    @Test("proteomics rows that break a rule after the fast path has taken over report exactly as the ordinary path does")
    func proteomicsProblems() throws {
        var text = "SampleID,OlinkID,UniProt,Assay,Panel,NPX,LOD,QC_Warning\r\n"
        for i in 0..<40 {
            let sample = i < 20 ? "OL001" : "OL002"
            text += "\(sample),OID\(i),P0\(i),A\(i),Olink Target 96 Inflammation,\(Double(i) / 8 - 2),\(i % 2 == 0 ? "1.2" : ""),"
                + "\(i % 3 == 0 ? "WARN" : i % 3 == 1 ? "PASS" : "")\r\n"
            text += "\(sample),,Q\(i),\"B, \(i)\",,\(Double(i) / 4),,warning\r\n"  // quoted, empty optional fields, an alias
        }
        let bad = [
            "OL002,OID21,P021,A21,Olink Target 96 Inflammation,3,1.2,PASS",  // duplicate (sample, UniProt, Assay)
            "OL002,OID5,P05,A5,Olink Target 96 Inflammation,3;5,1.2,PASS",  // malformed NPX
            "OL002,OID5,P05,A5,Olink Target 96 Inflammation,60,1.2,PASS",  // NPX out of range
            "OL002,OID5,P05,A5,Olink Target 96 Inflammation,,1.2,PASS",  // NPX missing
            "OL002,OID5,P05,A5,Olink Target 96 Inflammation,3,x,PASS",  // malformed LOD
            "OL002,OID5,P05,A5,Olink Target 96 Inflammation,3,1.2,FAIL",  // QC not a choice
            "OL009,OID5,P05,A5,Olink Target 96 Inflammation,3,1.2,PASS",  // undefined sample
            "OL002,OID5,,A5,Olink Target 96 Inflammation,3,1.2,PASS",  // UniProt missing
        ]
        func folder(_ proteomics: String) throws -> URL {
            let folder = try makeTestDirectory().appendingPathComponent("study")
            try FileManager.default.copyItem(at: fixtureURL("valid-days"), to: folder)
            try Data(proteomics.utf8).write(to: folder.appendingPathComponent("proteomics.csv"))
            return folder
        }
        for line in bad {
            // Rows before the bad one are of sample OL002 (so the fast path is in use), after it more.
            let run = try expectSameWithAndWithoutFastPath(
                try folder(text + line + "\r\nOL002,OID39,P039,X39,Olink Target 96 Inflammation,1,,PASS\r\n"), line)
            #expect(run.problems.count == 1, "\(line): \(run.problems)")
        }
        let run = try expectSameWithAndWithoutFastPath(try folder(text), "good proteomics rows")
        #expect(run.problems.isEmpty, "\(run.problems)")
    }

    @Test("cytokine rows that break a rule after the fast path has taken over report exactly as the ordinary path does")
    func cytokineProblems() throws {
        var text = "patient_id,sample_id,time,timepoint,analyte,value,unit,below_lod\r\n"
        let analytes = ["tnf_alpha", "il6", "il8", "il10", "ip10", "mcp1", "il1ra"]
        for (k, sample) in ["C01", "C02", "C03"].enumerated() {
            for (i, analyte) in analytes.enumerated() {
                text += "P01,\(sample),\(k == 0 ? "0" : "1\(k)"),\(k == 0 ? "admission" : "serial"),\(analyte),\(10 + i),pg/mL,\(i % 2)\r\n"
            }
        }
        let bad = [
            "P01,C03,12,serial,il6,5,pg/mL,0",  // duplicate (sample, analyte)
            "P01,C03,12,serial,il2,5,pg/mL,0",  // unknown analyte
            "P01,C03,12,serial,il6b,5,pg/mL,0",  // unknown analyte
            "P01,C03,13,serial,il6b,5,pg/mL,0",  // another time for the sample
            "P01,C03,12,admission,tnf_alpha,5,pg/mL,0",  // another timepoint for the sample
            "P02,C03,12,serial,tnf_alpha,5,pg/mL,0",  // another patient for the sample
            "P01,C03,12,serial,temperature,5,pg/mL,0",  // a clinical parameter
            "P01,C03,12,serial,il6,x,pg/mL,0",  // malformed value
            "P01,C03,12,serial,il6,5,pg/mL,2",  // not a flag
            "P01,C03,12,serial,il6,5,°C,0",  // incompatible unit
            "P01,C04,12,admission,il6,5,pg/mL,0",  // a second admission sample
        ]
        func folder(_ cytokines: String) throws -> URL {
            let folder = try makeTestDirectory().appendingPathComponent("study")
            try FileManager.default.copyItem(at: fixtureURL("valid-days"), to: folder)
            try Data(cytokines.utf8).write(to: folder.appendingPathComponent("cytokines.csv"))
            return folder
        }
        for line in bad {
            let run = try expectSameWithAndWithoutFastPath(try folder(text + line + "\r\nP01,C05,14,serial,il6,1,pg/mL,\r\n"), line)
            #expect(run.problems.count >= 1, "\(line): \(run.problems)")
        }
        let run = try expectSameWithAndWithoutFastPath(try folder(text), "good cytokine rows")
        #expect(run.problems.isEmpty, "\(run.problems)")
    }

    @Test("the threaded import gives the same rows through the channel, measurement rows as numbers included")
    func throughTheChannel() throws {
        let folder = try makeTestDirectory().appendingPathComponent("cohort")
        _ = try SyntheticCohort.write(seed: 7, patients: 12, to: folder, progress: { _ in })
        let expected = try validate(folder, fastPaths: false).rows
        for (batchSize, capacity) in [(1, 1), (5, 2), (4096, 16)] {
            var sink = CallRecorder()
            let (problems, _) = try StudyFolderValidator.runConcurrently(
                folder: folder, limitPerRule: 200, sink: &sink, batchSize: batchSize, capacity: capacity)
            #expect(problems.isEmpty)
            #expect(sink.rows == expected, "batch \(batchSize): \(sink.rows.count) rows vs \(expected.count)")
        }
    }
}

@Suite("Numbers read from bytes")
struct NumberBytesTests {
    /// `Double(String)` is today's reference for every number that is not on the fast path.
    private func expectStandard(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let parsed = try? NumberSyntax.parse(text).get()
        guard let expected = Double(text) else {
            Issue.record("\(text) is not a Double", sourceLocation: sourceLocation)
            return
        }
        let same = parsed.map { $0.bitPattern == expected.bitPattern || ($0 == 0 && expected == 0) } ?? false
        #expect(same, "\(text): got \(String(describing: parsed)), expected \(expected)", sourceLocation: sourceLocation)
    }

    @Test("tricky inputs read exactly as Double(String) reads them")
    func tricky() {
        let cases = [
            // Long mantissas (beyond 19 significant digits, beyond 2^53).
            "9007199254740993", "9007199254740992.5", "123456789012345678901234567890",
            "0.1000000000000000055511151231257827021181583404541015625",
            "3.14159265358979323846264338327950288419716939937510",
            // Exponents at the edges of the exact powers of ten and beyond.
            "1e22", "1e23", "1e-22", "1e-23", "4.5e15", "123456789e-30", "1.7976931348623157e308",
            // Halfway cases between two Doubles.
            "9007199254740993.0", "2.2250738585072011e-308", "0.500000000000000166533453693773481063544750213623046875",
            // Subnormals.
            "4.9406564584124654e-324", "2.4703282292062328e-324", "1e-310", "2.2250738585072009e-308",
            // Leading zeros, signs, negative zero.
            "000123.4500", "0.000001", "+1.5", "+0", "-0", "-0.0", "-0e5", "00.0", "+.5", "-.25", "5.", "1E5", "1e+05",
        ]
        for text in cases { expectStandard(text) }
        // −0 is read as 0 (one spelling of zero in the store).
        #expect((try? NumberSyntax.parse("-0").get())?.sign == .plus)
        // Just below underflow to zero, and the smallest subnormal's neighbourhood.
        #expect((try? NumberSyntax.parse("2e-324").get()) == 0)
        #expect((try? NumberSyntax.parse("3e-324").get()) == Double.leastNonzeroMagnitude)
    }
}
