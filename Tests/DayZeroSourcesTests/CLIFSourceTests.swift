@testable import DayZeroSources
import DayZeroTestSupport
import Foundation
import Testing

/// The pieces of the CLIF source that need no export: the mapping file, CLIF's datetimes, the
/// CSV reader, rate units and the FiO2 rule (hand-worked cases).
struct CLIFSourceTests {
    @Test func defaultMappingParsesAndNamesTheKooistraParameters() throws {
        let mapping = try CLIFMapping.default
        #expect(mapping.clifVersion == CLIFDictionary.version)
        #expect(mapping.icu.locationCategories == ["icu"])
        #expect(mapping.followUpDays == 90)
        #expect(mapping.fio2 == CLIFMapping.FiO2(parameter: "fio2", scale: "by_range"))
        #expect(mapping.parameters.map(\.name) == [
            "temperature", "map", "crp", "wbc", "platelets", "creatinine", "bilirubin", "alat", "asat", "ldh", "ferritin",
            "procalcitonin", "pao2", "d_dimer",
        ])
        #expect(mapping.rates.map(\.name) == ["norepinephrine"])
        #expect(mapping.drugs.map(\.name) == ["anakinra", "corticosteroids", "remdesivir", "chloroquine"])
        // Every category the default maps is CLIF's, except the three named site categories.
        let mcide = Set(CLIFDictionary.labCategories + CLIFDictionary.vitalCategories + CLIFDictionary.intermittentMedCategories + CLIFDictionary.continuousMedCategories)
        let mapped = mapping.parameters.flatMap(\.categories) + mapping.rates.flatMap(\.categories) + mapping.drugs.flatMap(\.categories)
        #expect(mapped.filter { !mcide.contains($0) } == ["d_dimer", "remdesivir", "chloroquine"])
        #expect(CLIFMapping.defaultYAML.contains("# site category: CLIF 2.1 has no D-dimer"))
    }

    @Test func mappingRulesNameTheFileAndEntry() {
        func problem(_ edit: (String) -> String) -> String {
            do {
                _ = try CLIFMapping.parse(edit(CLIFMapping.defaultYAML), file: "m.yaml")
                return "(parsed)"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem { $0.replacingOccurrences(of: "scale: by_range", with: "scale: percentage") }
            .hasSuffix(": error: fio2.scale percentage must be one of by_range, fraction, percent"))
        #expect(problem { $0.replacingOccurrences(of: "{name: crp, table: labs, categories: [crp]}", with: "{name: crp, table: labs, categories: [crp], unit: \"mg/L\"}") }
            .hasSuffix(": error: parameters.crp: labs carry their unit in reference_unit; remove unit (use units: to translate a spelling)"))
        #expect(problem { $0.replacingOccurrences(of: "categories: [ferritin]", with: "categories: [crp]") }
            .hasSuffix(": error: parameters.ferritin: labs category crp is already mapped to parameters.crp: a category may mean one thing only"))
        #expect(problem { $0.replacingOccurrences(of: "clif_version: \"2.1.0\"", with: "clif_version: \"1.0\"") }
            .hasSuffix(": error: clif_version 1.0: DayZero reads CLIF 2.x (written for 2.1.0)"))
        #expect(problem { $0.replacingOccurrences(of: ", unit: \"°C\"", with: "") }
            .hasSuffix(": error: parameters.temperature: a vitals parameter needs its unit (the vital_category fixes it, e.g. temp_c \"°C\")"))
        #expect(problem { $0.replacingOccurrences(of: "location_categories: [icu]", with: "location_categories: []") }
            .hasSuffix(": error: icu.location_categories is empty: DayZero cannot tell which adt rows are ICU stays (CLIF: icu)"))
        #expect(problem { _ in "version: 1\n" }.hasPrefix("m.yaml:1:1: error: missing key "))
    }

    @Test func clifDatetimes() {
        // 2020-03-01 is day 18322 since 1970-01-01.
        let midnight = 18_322 * 86_400
        #expect(CLIFTime.parse("2020-03-01 00:00:00+00:00") == midnight)
        #expect(CLIFTime.parse("2020-03-01T00:00:00Z") == midnight)
        #expect(CLIFTime.parse("2020-03-01 00:00") == midnight)
        #expect(CLIFTime.parse("2020-03-01 01:30:00+01:30") == midnight)
        #expect(CLIFTime.parse("2020-02-29 23:00:00-01:00") == midnight)
        #expect(CLIFTime.parse("2020-03-01 00:00:00.000000+00:00") == midnight)
        #expect(CLIFTime.parse("2020-03-01 16:20:05 UTC") == midnight + 16 * 3600 + 20 * 60 + 5)
        #expect(CLIFTime.parse("2020-03-01 00:00:00.5+00:00") == nil)
        #expect(CLIFTime.parse("2019-02-29 00:00:00+00:00") == nil)
        #expect(CLIFTime.parse("03/01/2020 08:00") == nil)
        #expect(CLIFTime.parse("2020-03-01") == nil)
        #expect(CLIFTime.parse("2020-03-01 24:00:00+00:00") == nil)
        #expect(CLIFTime.clifText(midnight + 61) == "2020-03-01 00:01:01+00:00")
        #expect(CLIFTime.dayZeroText(midnight + 61) == "2020-03-01T00:01:01")
        #expect(CLIFTime.parseDate("1964-11-21") == OMOPCalendar.days(year: 1964, month: 11, day: 21))
        #expect(CLIFTime.parseDate("1964-13-21") == nil)
    }

    @Test func csvRecordsAndTheirLines() {
        let text = "a,b,c\r\n1,\"x, \"\"y\"\"\",3\n\n2,\"two\nlines\",4\n 5 , ,6"
        let (records, lines) = CLIFFiles.parse(text)
        #expect(records == [["a", "b", "c"], ["1", "x, \"y\"", "3"], ["2", "two\nlines", "4"], [" 5 ", " ", "6"]])
        #expect(lines == [1, 2, 4, 6])
        let table = CLIFTable(name: "t", header: records[0], rows: Array(records.dropFirst()), lines: Array(lines.dropFirst()))
        #expect(table.value(2, "a") == "5" && table.value(2, "b") == nil && table.value(0, "d") == nil)
        #expect(table.at(1, "b") == CLIFLocation(file: "t.csv", line: 4, column: "b"))
        #expect(CLIFLocation(file: "t.csv", line: 4, column: "b").description == "t.csv:4, column b")
    }

    /// The parser gives the same records fed in pieces of any size (a `""`, a CRLF or a quoted
    /// line end split between two pieces), and `read` streams a file of several pieces.
    @Test func csvRecordsFedInPieces() throws {
        let text = "a,b,c\r\n1,\"x, \"\"y\"\"\",3\n\n2,\"two\nlines\",4\n 5 , ,6\n\"\"\"\",\"\",é"
        let whole = CLIFFiles.parse(text)
        #expect(whole.records.count == 5)
        #expect(whole.records.last == ["\"", "", "é"])
        let bytes = Array(text.utf8)
        for size in 1...8 {
            var parser = CSVRecordParser()
            var start = 0
            while start < bytes.count {
                let end = min(start + size, bytes.count)
                bytes[start..<end].withUnsafeBytes { parser.feed($0) }
                start = end
            }
            parser.finish()
            #expect(parser.records == whole.records, "pieces of \(size) bytes")
            #expect(parser.lines == whole.lines, "pieces of \(size) bytes")
            #expect(parser.invalidLine == nil)
        }

        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        // More rows than one piece of CLIFFiles.chunkSize holds, with a BOM.
        var csv = "\u{FEFF}id,note\n"
        let rows = CLIFFiles.chunkSize / 20 + 1000
        for i in 0..<rows { csv += "\(i),\"row \"\"\(i)\"\"\"\n" }
        try csv.write(to: root.appendingPathComponent("big.csv"), atomically: true, encoding: .utf8)
        #expect(csv.utf8.count > CLIFFiles.chunkSize)
        let table = try CLIFFiles.read("big", in: root)
        #expect(table.header == ["id", "note"])
        #expect(table.rows.count == rows)
        #expect(table.value(rows - 1, "note") == "row \"\(rows - 1)\"")
        #expect(table.lines.last == rows + 1)

        // A file that is not UTF-8: located at the file, naming the line.
        try Data([0x69, 0x64, 0x0A, 0x31, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: root.appendingPathComponent("latin.csv"))
        do throws(CLIFFiles.Failure) {
            _ = try CLIFFiles.read("latin", in: root)
            Issue.record("a file that is not UTF-8 was read")
        } catch {
            #expect(error.problem.description == "latin.csv: is not UTF-8 text (line 3 is not); save it as UTF-8 CSV [encoding]")
        }
    }

    @Test func rateUnitsAndTheFiO2Rule() {
        #expect(RateUnit("mcg/kg/min").map { ($0.factor, $0.perKg) } ?? (0, false) == (1, true))
        #expect(RateUnit("µg/kg/min")?.isMicrogramsPerKgPerMinute == true)
        #expect(RateUnit("mg/kg/hr").map { ($0.factor, $0.perKg) } ?? (0, false) == (1000.0 / 60, true))
        #expect(RateUnit("mcg/min").map { ($0.factor, $0.perKg) } ?? (0, true) == (1, false))
        #expect(RateUnit("units/min") == nil && RateUnit("mcg/kg") == nil && RateUnit("mcg/m2/min") == nil)

        #expect(FiO2Rule.classify(0.45, declared: nil) == .read(.fraction, byRange: true))
        #expect(FiO2Rule.classify(45, declared: nil) == .read(.percent, byRange: true))
        #expect(FiO2Rule.classify(0.21, declared: nil) == .read(.fraction, byRange: true))
        #expect(FiO2Rule.classify(21, declared: nil) == .read(.percent, byRange: true))
        #expect(FiO2Rule.classify(5, declared: nil) == .outOfBothRanges)
        #expect(FiO2Rule.classify(0.1, declared: nil) == .outOfBothRanges)
        #expect(FiO2Rule.classify(45, declared: .fraction) == .contradicts(declared: .fraction))
        #expect(FiO2Rule.classify(0.45, declared: .percent) == .contradicts(declared: .percent))
        #expect(FiO2Rule.classify(0.45, declared: .fraction) == .read(.fraction, byRange: false))
    }
}
