import DayZeroCohort
import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStore

/// Records every row a validator hands over, in order.
private struct RecordingSink: StudySink {
    var rows: [StudyRow] = []
    /// Throw `Failure` when this many rows were received (never when `nil`).
    var failAfter: Int?

    struct Failure: Error, Equatable {
        var row: Int
    }

    private mutating func add(_ row: StudyRow) throws {
        if let failAfter, rows.count == failAfter { throw Failure(row: failAfter) }
        rows.append(row)
    }

    mutating func tablePresent(_ table: StudyTable) throws { try add(.tablePresent(table)) }
    mutating func parameter(_ p: ParameterDefinition) throws { try add(.parameter(p)) }
    mutating func baselineVariable(_ v: BaselineVariable) throws { try add(.baselineVariable(v)) }
    mutating func patient(_ p: Patient, key: Int) throws { try add(.patient(p, key: key)) }
    mutating func course(_ c: ICUCourse, patientKey: Int, formats: CourseFormats) throws {
        try add(.course(c, patientKey: patientKey, formats: formats))
    }
    mutating func proteomicsSample(_ s: ProteomicsSample, key: Int, patientKey: Int, format: TimeFormat) throws {
        try add(.proteomicsSample(s, key: key, patientKey: patientKey, format: format))
    }
    mutating func measurement(_ m: DayZeroCohort.Measurement, patientKey: Int, format: TimeFormat) throws {
        try add(.measurement(m, patientKey: patientKey, format: format))
    }
    mutating func medication(_ m: MedicationAdministration, patientKey: Int, format: TimeFormat) throws {
        try add(.medication(m, patientKey: patientKey, format: format))
    }
    mutating func event(_ e: ClinicalEvent, patientKey: Int, format: TimeFormat) throws {
        try add(.event(e, patientKey: patientKey, format: format))
    }
    mutating func cytokine(_ c: CytokineMeasurement, patientKey: Int, format: TimeFormat) throws {
        try add(.cytokine(c, patientKey: patientKey, format: format))
    }
    mutating func proteomics(_ v: ProteomicsValue, sampleKey: Int) throws { try add(.proteomics(v, sampleKey: sampleKey)) }
}

/// The rows `run(sink:)` hands over on one thread.
private func rowsSingleThreaded(_ folder: URL) throws -> [StudyRow] {
    let validator = StudyFolderValidator(folder: folder, limitPerRule: 200)
    var sink = RecordingSink()
    try validator.run(sink: &sink)
    #expect(validator.collector.isEmpty)
    return sink.rows
}

/// A copy of `Fixtures/valid-days` with `measurements.csv` replaced.
private func validDaysFolder(measurements: String) throws -> URL {
    let folder = try makeTestDirectory().appendingPathComponent("study")
    try FileManager.default.copyItem(at: fixtureURL("valid-days"), to: folder)
    try Data(measurements.utf8).write(to: folder.appendingPathComponent("measurements.csv"))
    return folder
}

/// The problems of an import (which must fail), as `file:line:column: message [rule]`.
private func importProblems(_ folder: URL) throws -> [String] {
    let database = try makeTestDirectory().appendingPathComponent("study.sqlite")
    do {
        try StudyStore.importStudy(folder: folder, to: database)
    } catch let error as StudyValidationError {
        #expect(!FileManager.default.fileExists(atPath: database.path), "a failed import left \(database.path)")
        return error.problems.map(\.description)
    }
    Issue.record("the import of \(folder.path) succeeded but should have failed")
    return []
}

@Suite("Threaded import")
struct ImportPipelineTests {
    @Test("the validating thread hands over the same rows in the same order as one thread, whatever the batch size")
    func sameRows() throws {
        let folder = try makeTestDirectory().appendingPathComponent("cohort")
        _ = try SyntheticCohort.write(
            seed: SyntheticCohort.defaultSeed, patients: SyntheticCohort.defaultPatientCount, to: folder, progress: { _ in })
        let expected = try rowsSingleThreaded(folder)
        #expect(expected.count > 40_000)
        for (batchSize, capacity) in [(1, 1), (7, 2), (4096, 64)] {
            var sink = RecordingSink()
            let (problems, suppressed) = try StudyFolderValidator.runConcurrently(
                folder: folder, limitPerRule: 200, sink: &sink, batchSize: batchSize, capacity: capacity)
            #expect(problems.isEmpty && suppressed.isEmpty)
            #expect(sink.rows.count == expected.count, "batch \(batchSize): \(sink.rows.count) rows vs \(expected.count)")
            let firstDifference = zip(sink.rows, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(firstDifference == nil, "batch \(batchSize): rows differ from row \(firstDifference ?? -1)")
        }
    }

    @Test("an error of the inserting side stops the validator and is the error thrown")
    func sinkErrorStops() throws {
        let folder = try makeTestDirectory().appendingPathComponent("cohort")
        _ = try SyntheticCohort.write(
            seed: SyntheticCohort.defaultSeed, patients: SyntheticCohort.defaultPatientCount, to: folder, progress: { _ in })
        for failAfter in [0, 5, 30_000] {
            var sink = RecordingSink(failAfter: failAfter)
            #expect(throws: RecordingSink.Failure(row: failAfter)) {
                try StudyFolderValidator.runConcurrently(folder: folder, limitPerRule: 200, sink: &sink, batchSize: 16, capacity: 2)
            }
            #expect(sink.rows.count == failAfter)
        }
    }

    @Test("problems found after thousands of inserted rows fail the import with the validator's report")
    func lateProblem() throws {
        var text = "patient_id,time,parameter,value,unit\n"
        for i in 0..<10_000 { text += "P01,\(i % 13),temperature,\(36 + Double(i % 40) / 10),°C\n" }
        text += "P01,1,temperature,38.5,°F\n"  // 38.5 °F = 3.6 °C: out of range, on line 10 002
        text += "P02,2,lactate,3,4,mmol/L\n"
        let folder = try validDaysFolder(measurements: text)
        let problems = try importProblems(folder)
        #expect(problems == [
            "measurements.csv:10002:4: value 38.5 °F = 3.61111 °C is outside the physiological range of temperature, 25 to 45 °C [out-of-range]",
            "measurements.csv:10003:6: the row has 6 fields but the header has 5 (an unquoted ',' inside a value? a decimal comma must be written with '.', text with commas must be quoted) [field-count]",
        ])
        let validation = try StudyStore.validateStudy(folder: folder)
        #expect(validation?.problems.map(\.description) == problems)
    }

    @Test("a (parameter, unit) pair seen valid before reports a bad value exactly as on its first row")
    func cachedPairReportsTheSame() throws {
        let header = "patient_id,time,parameter,value,unit\n"
        let bad = """
            P01,0,temperature,115,°F
            P01,1,actively_cooled,0.5,flag
            P01,1,temperature,38;9,°C
            P01,1,temperature,,°C
            P02,2,lactate,-1,mmol/L

            """
        let good = """
            P01,0,temperature,98.6,°F
            P01,1,actively_cooled,1,flag
            P01,0,temperature,38.5,°C
            P02,2,lactate,3.4,mmol/L

            """
        let first = try importProblems(try validDaysFolder(measurements: header + bad))
        let cached = try importProblems(try validDaysFolder(measurements: header + good + bad))
        #expect(first.count == 5)
        // Same columns, messages and rules; the lines move down by the 4 good rows.
        func shifted(_ problem: String) -> String {
            let parts = problem.split(separator: ":", maxSplits: 2)
            guard parts.count == 3, let line = Int(parts[1]) else { return problem }
            return "\(parts[0]):\(line + 4):\(parts[2])"
        }
        #expect(cached == first.map(shifted), "\(cached) vs \(first)")
        #expect(first.contains("measurements.csv:3:4: value 0.5 is not a flag (actively_cooled is 1 or 0) [malformed-flag]"), "\(first)")
    }

    @Test("a cytokine (analyte, unit) pair seen valid before reports a bad row exactly as on its first row")
    func cachedCytokinePairReportsTheSame() throws {
        let header = "patient_id,sample_id,time,timepoint,analyte,value,unit,below_lod\n"
        let good = "P01,C01,0,admission,il6,120.5,pg/mL,0\nP01,C01,0,admission,il10,8,pg/mL,0\n"
        let bad = """
            P01,C02,11,serial,il6,-5,pg/mL,2
            P01,C02,11,serial,il10,1e999,pg/mL,0
            P01,C03,11,serial,il6,1.5.2,pg/mL,0

            """
        func problems(_ cytokines: String) throws -> [String] {
            let folder = try makeTestDirectory().appendingPathComponent("study")
            try FileManager.default.copyItem(at: fixtureURL("valid-days"), to: folder)
            try Data(cytokines.utf8).write(to: folder.appendingPathComponent("cytokines.csv"))
            return try importProblems(folder)
        }
        let first = try problems(header + bad)
        let cached = try problems(header + good + bad)
        func shifted(_ problem: String) -> String {
            let parts = problem.split(separator: ":", maxSplits: 2)
            guard parts.count == 3, let line = Int(parts[1]) else { return problem }
            return "\(parts[0]):\(line + 2):\(parts[2])"
        }
        // -5 pg/mL is out of range and 2 is not a flag; 1e999 is not a finite number; 1.5.2 is
        // not a number.
        #expect(first.count == 4, "\(first)")
        #expect(cached == first.map(shifted), "\(cached) vs \(first)")
    }

    @Test("the imported store loads exactly the rows read from the folder, in file order")
    func loadEqualsRead() throws {
        let directory = try makeTestDirectory()
        let folder = directory.appendingPathComponent("cohort")
        _ = try SyntheticCohort.write(
            seed: SyntheticCohort.defaultSeed, patients: SyntheticCohort.defaultPatientCount, to: folder, progress: { _ in })
        for source in [folder, fixtureURL("valid-days"), fixtureURL("valid-timestamps")] {
            let database = directory.appendingPathComponent("\(UUID().uuidString).sqlite")
            try StudyStore.importStudy(folder: source, to: database)
            #expect(try StudyStore(url: database).load() == StudyStore.readStudy(folder: source), "\(source.lastPathComponent)")
        }
    }
}

@Suite("Byte-level helpers of the import")
struct ImportByteHelperTests {
    @Test("fields are the same whatever the chunk size: unquoted runs, inner spaces, quotes, CRLF")
    func chunkBoundaries() throws {
        let text = "a,  b c ,\"x,\"\"y\"\"\"\r\nlong_unquoted_value_with space,  , z\"q\n\n12.5,°C,\"multi\nline\"\n"
        let url = try makeTestDirectory().appendingPathComponent("t.csv")
        try Data(text.utf8).write(to: url)
        func records(_ chunkSize: Int) throws -> [[String]] {
            let reader = try CSVReader(url: url, chunkSize: chunkSize)
            var result: [[String]] = []
            while reader.nextRecord() {
                result.append((0..<reader.fieldCount).map { reader.string($0) } + reader.problems.map(\.message))
            }
            return result
        }
        let whole = try records(1 << 20)
        #expect(whole == [
            ["a", "b c", "x,\"y\""],
            ["long_unquoted_value_with space", "", "z\"q",
             "a '\"' inside an unquoted field (quote the whole field and double the quotes inside it)"],
            ["12.5", "°C", "multi\nline"],
        ])
        for chunkSize in [1, 2, 3, 5, 8, 13] {
            #expect(try records(chunkSize) == whole, "chunk size \(chunkSize)")
        }
    }

    @Test("a field compares equal to bytes only when every byte matches")
    func fieldEquals() throws {
        let reader = try CSVReader(data: Array("P0001,P000,,P0001 \n".utf8))
        #expect(reader.nextRecord())
        #expect(reader.field(0, equals: Array("P0001".utf8)))
        #expect(!reader.field(1, equals: Array("P0001".utf8)))
        #expect(!reader.field(0, equals: Array("P0002".utf8)))
        #expect(reader.field(2, equals: []))
        #expect(reader.field(3, equals: Array("P0001".utf8)))  // trailing space dropped
    }

    @Test("the (parameter, unit) cache answers only for exactly the bytes it was given")
    func ruleCache() throws {
        guard let temperature = ParameterRegistry()["temperature"], let celsius = temperature.conversion(for: "°C")
        else {
            Issue.record("temperature °C is not in the catalog")
            return
        }
        var cache = ValueRuleCache()
        let rule = ValueRule(definition: temperature, unit: "°C", conversion: celsius)
        func lookup(_ parameter: String, _ unit: String) -> ValueRule? {
            let p = Array(parameter.utf8), u = Array(unit.utf8)
            return p.withUnsafeBufferPointer { p in u.withUnsafeBufferPointer { u in cache.lookup(p, u) } }
        }
        #expect(lookup("temperature", "°C") == nil)
        Array("temperature".utf8).withUnsafeBufferPointer { p in
            Array("°C".utf8).withUnsafeBufferPointer { u in cache.insert(rule, parameter: p, unit: u) }
        }
        #expect(lookup("temperature", "°C") === rule)
        #expect(lookup("temperature", "°F") == nil)
        #expect(lookup("temperatur", "e°C") == nil)  // same bytes back to back, split elsewhere
        #expect(lookup("Temperature", "°C") == nil)
        // Hundreds of other keys: whatever they evict, a hit is always the exact pair.
        for i in 0..<1_000 where lookup("p\(i)", "u") != nil {
            Issue.record("p\(i) u found a rule")
        }
        #expect(rule.minimum == 25 && rule.maximum == 45 && !rule.isFlag)
    }
}
