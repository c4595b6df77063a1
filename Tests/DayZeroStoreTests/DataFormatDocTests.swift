import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStore

/// `docs/data-format.md` carries generated sections between
/// `<!-- generated: NAME -->` and `<!-- end generated -->`: the columns of every table (from
/// `StudyTable`), the parameter catalog (from `ParameterCatalog`) and the validation rules
/// (from `ValidationRule`, with example messages taken from the broken-folder tests). The test
/// regenerates them and fails on any difference; `DAYZERO_UPDATE_DOCS=1 swift test` rewrites the
/// file (and still fails once, so an update is never accepted silently).
enum DataFormatDoc {
    static var url: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/data-format.md")
    }

    static func typeName(_ type: StudyColumnType) -> String {
        switch type {
        case .text: "text"
        case .number: "number"
        case .flag: "flag (1/0)"
        case .sex: "M/F"
        case .time: "time"
        }
    }

    static func columns(_ table: StudyTable) -> String {
        var lines = ["| Column | Type | Required | Meaning |", "|---|---|---|---|"]
        for column in table.columns {
            var meaning = column.description
            if let range = column.range {
                meaning += " Range \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound))."
            }
            if let choices = column.choices {
                meaning += " One of: " + choices.map { "`\($0)`" }.joined(separator: ", ") + "."
            }
            lines.append("| `\(column.name)` | \(typeName(column.type)) | \(column.isRequired ? "yes" : "no") | \(meaning) |")
        }
        let key = table.keyColumns.isEmpty
            ? "No key: several rows per patient and time are allowed and kept in file order."
            : "Key: " + table.keyColumns.map { "`\($0)`" }.joined(separator: " + ") + " (each value or combination once)."
        return lines.joined(separator: "\n") + "\n\n" + key
    }

    /// `× 88.42`, `(x − 32) × 0.555556`
    static func conversionText(_ c: UnitConversion) -> String {
        if c.offset == 0 { return "× \(formatForMessage(c.factor))" }
        let zero = -c.offset / c.factor
        return "(x − \(formatForMessage(zero))) × \(formatForMessage(c.factor))"
    }

    static func spellings(_ c: UnitConversion) -> String {
        c.spellings.map { "`\($0)`" }.joined(separator: ", ")
    }

    static func catalog() -> String {
        var lines = [
            "| Parameter | Label | File | Canonical unit | Also accepted (conversion to canonical) | Daily value | Range (canonical unit) |",
            "|---|---|---|---|---|---|---|",
        ]
        for p in ParameterCatalog.all {
            let file = p.kind == .cytokine ? "cytokines" : "measurements"
            let alternatives = p.alternatives.isEmpty
                ? "—" : p.alternatives.map { "\(spellings($0)) \(conversionText($0))" }.joined(separator: "; ")
            let range = "\(formatNumber(p.minimum)) to \(formatNumber(p.maximum))"
            lines.append(
                "| `\(p.name)` | \(p.label) | \(file) | \(spellings(p.canonical)) | \(alternatives) | \(p.aggregation.rawValue) | \(range) |")
        }
        return lines.joined(separator: "\n")
    }

    /// One example message per rule: the first in the broken-folder expectations, else in the
    /// reproducers of the rules added later (`inputRuleExamples`).
    static func example(_ rule: ValidationRule) -> String? {
        (brokenStudyExpected + brokenFilesExpected + inputRuleExamples).first { $0.hasSuffix("[\(rule.rawValue)]") }
    }

    static func rules() -> String {
        var lines = ["| Rule | What it requires | Example message |", "|---|---|---|"]
        for rule in ValidationRule.allCases {
            let example = (example(rule) ?? "").replacingOccurrences(of: "|", with: "\\|")
            lines.append("| `\(rule.rawValue)` | \(rule.summary) | `\(example)` |")
        }
        return lines.joined(separator: "\n")
    }

    static func section(_ name: String) -> String? {
        if name == "catalog" { return catalog() }
        if name == "rules" { return rules() }
        if name.hasPrefix("columns:"), let table = StudyTable(rawValue: String(name.dropFirst("columns:".count))) {
            return columns(table)
        }
        return nil
    }

    /// The document with every generated section regenerated, and the section names found.
    static func regenerate(_ text: String) -> (String, [String]) {
        var output = ""
        var names: [String] = []
        var rest = Substring(text)
        let open = "<!-- generated: ", close = "<!-- end generated -->"
        while let start = rest.range(of: open) {
            output += rest[..<start.upperBound]
            rest = rest[start.upperBound...]
            guard let nameEnd = rest.range(of: " -->"), let end = rest.range(of: close) else { break }
            let name = String(rest[..<nameEnd.lowerBound])
            names.append(name)
            output += name + " -->\n" + (section(name) ?? "UNKNOWN SECTION \(name)") + "\n"
            output += close
            rest = rest[end.upperBound...]
        }
        output += rest
        return (output, names)
    }
}

@Suite("docs/data-format.md")
struct DataFormatDocTests {
    @Test("generated sections match the schema, the catalog and the rules")
    func generatedSectionsAreCurrent() throws {
        let text = try String(contentsOf: DataFormatDoc.url, encoding: .utf8)
        let (regenerated, names) = DataFormatDoc.regenerate(text)
        #expect(Set(names) == Set(["catalog", "rules"] + StudyTable.allCases.map { "columns:\($0.rawValue)" }))
        if regenerated != text {
            if ProcessInfo.processInfo.environment["DAYZERO_UPDATE_DOCS"] == "1" {
                try Data(regenerated.utf8).write(to: DataFormatDoc.url)
                Issue.record("docs/data-format.md was regenerated; review the change and run the tests again")
            } else {
                Issue.record("docs/data-format.md is out of date; run DAYZERO_UPDATE_DOCS=1 swift test --filter DataFormatDocTests")
            }
        }
    }

    @Test("every parameter, table, column and rule is documented; every rule has an example message")
    func everythingMentioned() throws {
        let text = try String(contentsOf: DataFormatDoc.url, encoding: .utf8)
        let mentions = { (s: String) in text.contains(s) }
        for p in ParameterCatalog.all { #expect(mentions("`\(p.name)`"), "parameter \(p.name) is not in the docs") }
        for table in StudyTable.allCases {
            #expect(mentions("## \(table.fileName)"), "table \(table.fileName) has no section")
            for column in table.columns {
                #expect(mentions("`\(column.name)`"), "\(table.fileName) column \(column.name) is not in the docs")
            }
        }
        for rule in ValidationRule.allCases {
            #expect(mentions("`\(rule.rawValue)`"), "rule \(rule.rawValue) is not in the docs")
            #expect(DataFormatDoc.example(rule) != nil, "no example message for \(rule.rawValue)")
        }
    }

    @Test("the example of every table is valid, and together they form a study that imports")
    func examplesImport() throws {
        let text = try String(contentsOf: DataFormatDoc.url, encoding: .utf8)
        // Examples are fenced blocks opened with "```csv FILE".
        var examples: [String: String] = [:]
        var current: (name: String, lines: [String])?
        for line in text.components(separatedBy: "\n") {
            if let block = current {
                if line == "```" {
                    examples[block.name] = block.lines.joined(separator: "\n") + "\n"
                    current = nil
                } else {
                    current?.lines.append(line)
                }
            } else if line.hasPrefix("```csv ") {
                current = (String(line.dropFirst("```csv ".count)), [])
            }
        }
        #expect(Set(examples.keys) == Set(StudyTable.allCases.map(\.fileName)))
        let folder = try makeTestDirectory()
        for (name, content) in examples { try Data(content.utf8).write(to: folder.appendingPathComponent(name)) }
        let study = try StudyStore.readStudy(folder: folder)
        #expect(study.patients.count >= 4)
        #expect(!study.measurements.isEmpty && !study.cytokines.isEmpty && !study.proteomics.isEmpty)
    }
}
