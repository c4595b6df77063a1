import Foundation
import DayZeroPrivacy
import Testing

@Suite("Disclosure scan: identifiers as whole words, dates in every form, small cells; hostile identifiers")
struct DisclosureScanTests {
    /// Identifiers chosen to collide with what a summary legitimately holds.
    static let hostile = ["12", "2020-03-01", "age", "P 7", "1.5", "ab", "dec"]

    /// A summary with counts equal to numeric identifiers, words containing identifiers, a
    /// masked hex word and version numbers, but no identifier, date or small cell.
    static let clean = """
        {
          "dayzero_site_summary": 1,
          "provenance": {"dayzero_version": "1.12.3", "protocol_sha256": "ab12cd"},
          "blocks": [
            {"name": "stage by ageband", "counts": [12, 0, 15, 1.5e1], "days": [-10, 12]},
            {"name": "P12 P7 12.5 3.12 1.50 abc", "sums": [1.5, 12.0, 2020, 20200301.5]},
            {"name": "masked", "words": ["0000000000001dec2020000000000000", "00000000000000000001000000000000"]}
          ]
        }
        """

    @Test("hostile identifiers in a clean summary: no finding")
    func cleanSummary() throws {
        let scan = try DisclosureScan(
            patientIdentifiers: Self.hostile, studyDates: ["2020-03-01", "2020-04-15"], minimumCellCount: 5,
            countCellPaths: ["$.blocks[*].counts[*]"])
        let result = try scan.scan(Self.clean, file: "site.json")
        #expect(result.findings == [], "\(result.findings)")
        #expect(result.countCellsChecked == 4)
        #expect(result.stringsScanned == 19)  // 12 member names + 7 strings
        #expect(result.numbersScanned == 11)
    }

    @Test("a masked vector (base64 of 16-byte words under masked) is not searched; the same text elsewhere is")
    func maskedVectorsAreOpaque() throws {
        let scan = try DisclosureScan(patientIdentifiers: ["12"])
        let word = "AAAA+12/AAAAAAAAAAAAAA=="  // 16 bytes whose base64 holds "12" between '+' and '/'
        #expect(Data(base64Encoded: word)?.count == 16)
        let masked = try scan.scan(#"{"blocks": [{"masked": "\#(word)"}]}"#, file: "masked.json")
        #expect(masked.findings.isEmpty, "\(masked.findings)")
        #expect(masked.stringsScanned == 3)
        let elsewhere = try scan.scan(#"{"blocks": [{"label": "\#(word)"}]}"#, file: "plain.json")
        #expect(elsewhere.findings.count == 1 && elsewhere.findings.first?.match == "12", "\(elsewhere.findings)")
        // Not base64 of whole words (a plain string under masked): searched.
        let odd = try scan.scan(#"{"masked": "patient 12"}"#, file: "odd.json")
        #expect(odd.findings.count == 1)
    }

    @Test("leaks of hostile identifiers are found with path, line and column")
    func leaks() throws {
        let text = """
            {"site": "north",
             "patients": ["12", "P 7", "x ab, y", "\\u0031\\u0032"],
             "age": 3,
             "note": "patient 1.5 left; stage 12"}
            """
        let scan = try DisclosureScan(patientIdentifiers: Self.hostile)
        let findings = try scan.scan(text, file: "site.json").findings
        let identifiers = findings.filter { $0.kind == .patientIdentifier }
        #expect(identifiers.map(\.match) == ["12", "P 7", "ab", "12", "age", "1.5", "12"])
        #expect(identifiers.map(\.path) == [
            "$.patients[0]", "$.patients[1]", "$.patients[2]", "$.patients[3]", "$.age (name)", "$.note", "$.note",
        ])
        #expect(identifiers[0].line == 2 && identifiers[0].column == 16)
        #expect(identifiers[2].column == 31)  // "ab" inside "x ab, y"
        #expect(identifiers[3].column == 40)  // the escaped "12" is located at its first escape
        #expect(identifiers[4].line == 3 && identifiers[4].column == 3)
        #expect(findings.allSatisfy { $0.kind == .patientIdentifier })
        #expect(findings[0].description == "2:16 $.patients[0]: patient identifier \"12\" (a patient identifier of the study)")
    }

    @Test("dates in every listed form are found; look-alikes are not")
    func dates() throws {
        let scan = try DisclosureScan(patientIdentifiers: [String]())
        let dates = [
            "2020-03-01", "on 2020-03-01T10:15:00Z", "2020/3/1", "2020.03.01", "01-03-2020", "3/1/2020", "1.3.2020",
            "31/12/1999", "2020-03", "20200301", "1 March 2020", "01MAR2020", "1-Mar-2020", "March 1, 2020",
            "Mar 1st 2020", "mar 2020", "Sept. 30, 2021",
        ]
        #expect(dates.count == 17)
        for text in dates {
            let findings = try scan.scan("\"\(text)\"", file: "f").findings
            #expect(findings.count == 1 && findings.first?.kind == .date, "\(text): \(findings)")
        }
        let notDates = [
            "1.2.3", "version 2.10.1", "12/40/2020", "2020-13-01", "20201301", "stage 4", "p = 0.0301", "n 2020",
            "March", "may 5", "May the force", "00000000000000000001000000000000", "0000000020200301000000000000dec1",
            "3/1/20", "1700-01-01", "2020-03-123", "day 12 of 2020", "12-2020",
        ]
        for text in notDates {
            let findings = try scan.scan("\"\(text)\"", file: "f").findings
            #expect(findings.isEmpty, "\(text): \(findings)")
        }
    }

    @Test("the study's dates are also found with two-digit years and as compact numbers")
    func studyDates() throws {
        let text = #"{"a": "1/3/20", "b": "01-03-20", "c": "200301", "d": 20200301, "e": 20200302, "f": "3/1/20"}"#
        let withoutDates = try DisclosureScan(patientIdentifiers: [String]()).scan(text, file: "f")
        #expect(withoutDates.findings.isEmpty)
        let scan = try DisclosureScan(patientIdentifiers: [String](), studyDates: ["2020-03-01"])
        let findings = try scan.scan(text, file: "f").findings
        #expect(findings.map(\.path) == ["$.a", "$.b", "$.c", "$.d", "$.f"])
        #expect(findings.allSatisfy { $0.kind == .date })
        #expect(throws: PrivacyError.self) { try DisclosureScan(patientIdentifiers: [String](), studyDates: ["1/3/2020"]) }
    }

    @Test("small cells: 0 < count < minimum at the listed paths only; zero optional")
    func smallCells() throws {
        let text = #"{"blocks": [{"counts": [0, 1, 4, 5, 12, -5]}, {"counts": [3], "sums": [2]}], "n": 2}"#
        let scan = try DisclosureScan(patientIdentifiers: [String](), minimumCellCount: 5, countCellPaths: ["$.blocks[*].counts[*]", "$.n"])
        let result = try scan.scan(text, file: "f")
        #expect(result.countCellsChecked == 8)
        #expect(result.findings.map(\.match) == ["1", "4", "3", "2"])
        #expect(result.findings.map(\.path) == ["$.blocks[0].counts[1]", "$.blocks[0].counts[2]", "$.blocks[1].counts[0]", "$.n"])
        let strict = try DisclosureScan(
            patientIdentifiers: [String](), minimumCellCount: 5, countCellPaths: ["$.blocks[0].counts[*]"], zeroCountsAreSmall: true)
        #expect(try strict.scan(text, file: "f").findings.map(\.match) == ["0", "1", "4"])
        // Without a minimum (masked mode) no cell is checked.
        let masked = try DisclosureScan(patientIdentifiers: [String](), countCellPaths: ["$.blocks[*].counts[*]"])
        #expect(try masked.scan(text, file: "f").countCellsChecked == 0)
        for bad in ["blocks", "$.", "$.blocks[x]", "$.blocks[*"] {
            #expect(throws: PrivacyError.self, "\(bad)") {
                try DisclosureScan(patientIdentifiers: [String](), minimumCellCount: 5, countCellPaths: [bad])
            }
        }
    }

    @Test("plain text (a disclosure report) is scanned as one string with exact line and column")
    func plainText() throws {
        let report = "# What leaves site north\n\nBlock fisher: 4 numbers.\nCreated 2020-03-01 for patient P 7.\n"
        let scan = try DisclosureScan(patientIdentifiers: ["P 7"])
        let findings = try scan.scan(report, file: "disclosure.md", format: .text).findings
        #expect(findings.map(\.match) == ["2020-03-01", "P 7"])
        #expect(findings.map(\.line) == [4, 4])
        #expect(findings.map(\.column) == [9, 32])
        #expect(findings.map(\.path) == ["$", "$"])
    }

    @Test("invalid or truncated JSON: the error names file, line and column")
    func invalidJSON() throws {
        let scan = try DisclosureScan(patientIdentifiers: ["1"])
        let cases: [(String, Int, Int, String)] = [
            ("{\"a\": [1, 2,\n", 2, 1, "truncated"),
            ("{\"a\": 1} x", 1, 10, "unexpected text after"),
            ("{\"a\" 1}", 1, 6, "expected ':'"),
            ("[\"abc", 1, 2, "unterminated string"),
            ("[01]", 1, 3, "expected ',' or ']'"),
            ("[\"\\x\"]", 1, 3, "invalid escape"),
        ]
        #expect(cases.count == 6)
        for (text, line, column, rule) in cases {
            do {
                _ = try scan.scan(text, file: "s.json")
                Issue.record("accepted \(text)")
            } catch {
                guard case .invalidJSON(let file, let errorLine, let errorColumn, let message) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(file == "s.json" && errorLine == line && errorColumn == column && message.contains(rule), "\(text): \(error)")
            }
        }
    }

    @Test("numeric identifiers as whole strings only: a label's numbers are not the identifier, a value that is it is")
    func numericIdentifiersAsWholeStrings() throws {
        let identifiers = ["17", "12.5", "0042", "P17", "1."]
        let text = #"{"label": "Table 17, IL-17, 12.5 mg", "ids": ["17", "0042"], "12.5": 3, "n": 17, "note": "P17 and 1. x"}"#
        let scan = try DisclosureScan(patientIdentifiers: identifiers, numericIdentifiers: .wholeStrings)
        #expect(scan.numericIdentifiers == .wholeStrings)
        let findings = try scan.scan(text, file: "s.json").findings
        #expect(findings.map(\.match) == ["17", "0042", "12.5", "P17", "1."], "\(findings)")
        #expect(findings.map(\.path) == ["$.ids[0]", "$.ids[1]", "$[\"12.5\"] (name)", "$.note", "$.note"])
        #expect(findings.first?.rule == "a patient identifier of the study (the whole string)")
        // As words (the default), the label's numbers are found too.
        let words = try DisclosureScan(patientIdentifiers: identifiers).scan(text, file: "s.json").findings
        #expect(words.filter { $0.path == "$.label" }.map(\.match) == ["17", "17", "12.5"], "\(words)")
        // Plain text: a whole line (spaces around it ignored), not a number inside a line.
        let report = "Site: 17\n  17 \nTotal: 17 number(s)\n0042"
        let lines = try scan.scan(report, file: "r.txt", format: .text).findings
        #expect(lines.map(\.match) == ["17", "0042"] && lines.map(\.line) == [2, 4] && lines.first?.column == 3, "\(lines)")
    }

    @Test("a large masked summary (50 000 words, 10 000 identifiers) is scanned whole; a planted leak is found")
    func largeSummary() throws {
        var random = SplitMix(state: 7)
        let words = (0..<50_000).map { _ in String(format: "%016llx%016llx", random.next(), random.next()) }
        let identifiers = (1...10_000).map { String(format: "P%05d", $0) } + ["12", "dec"]
        var text = "{\"blocks\": [\n" + words.map { "\"\($0)\"" }.joined(separator: ",\n") + "\n], \"n\": [12, 3]}"
        let scan = try DisclosureScan(patientIdentifiers: identifiers, studyDates: ["2020-03-01"])
        let clean = try scan.scan(text, file: "big.json")
        #expect(clean.findings == [])
        #expect(clean.stringsScanned == 50_002)
        #expect(clean.numbersScanned == 2)
        text = text.replacingOccurrences(of: "\"n\": [12, 3]", with: "\"n\": [12, \"P04711\"]")
        let leaked = try scan.scan(text, file: "big.json").findings
        #expect(leaked.map(\.match) == ["P04711"])
        #expect(leaked.first?.line == 50_002)
        #expect(leaked.first?.path == "$.n[1]")
    }
}
