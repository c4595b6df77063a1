import DayZeroCohort
import DayZeroTestSupport
import Foundation
import Testing

@testable import DayZeroStore

/// The example message of each rule added for issue 16 (items 10 and 11), as the reproducers
/// below produce it; `docs/data-format.md` shows them (`DataFormatDoc.example`).
let inputRuleExamples = [
    "patients.csv:2:1: patient_id \"P\\u{1D}01\" holds the control character U+001D at character 2; identifiers, names, units and labels may not hold control characters (only detail may hold tabs and line breaks) [control-character]",
    "parameters.csv:3:6: minimum -100 is below the catalog's physiological minimum of norepinephrine, 0 µg/kg/min; a declaration of a catalog parameter may change its label, daily value and narrow its range, nothing else (declare another name for another quantity) [parameter-redefinition]",
]

/// Issue 16, items 10–12: what a study folder may hold (control characters, dose units, years,
/// micro spelled `mc`, lower-case sex, redeclared catalog parameters) and how a problem's
/// message echoes a value (escaped, capped, numbers shown as read). Each test starts from the
/// reproducer of the issue.
@Suite("Hardening: text, units, years and declarations of a study folder")
struct InputRulesTests {
    let base = HardeningTests()

    func problems(_ file: String, line: Int?, _ text: String) throws -> [String] {
        let (directory, folder) = try base.folder(file, line: line, text)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try base.problems(directory, folder)
    }

    func imports(_ file: String, line: Int?, _ text: String) throws -> StudyData {
        let (directory, folder) = try base.folder(file, line: line, text)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try StudyStore.readStudy(folder: folder)
    }

    // MARK: - Item 11: control characters

    @Test(arguments: [
        ("patients.csv", 2, "P\u{1D}01,Radboudumc,M,63,27.7,15,13,0,1,0,0,0,0,0,1,0,0,0", inputRuleExamples[0]),
        ("patients.csv", 3, "P02,Radboud\u{0C}umc,F,67,26.8,16,10,1,0,0,0,0,0,1,0,0,0,0",
         "patients.csv:3:2: site \"Radboud\\u{C}umc\" holds the control character U+000C at character 8; identifiers, names, units and labels may not hold control characters (only detail may hold tabs and line breaks) [control-character]"),
        ("proteomics.csv", 2, "OL001,OID00471,P05231,IL6\u{1B}[2J,Olink Target 96 Inflammation,5.83,1.2,PASS",
         "proteomics.csv:2:4: Assay \"IL6\\u{1B}[2J\" holds the control character U+001B at character 4; identifiers, names, units and labels may not hold control characters (only detail may hold tabs and line breaks) [control-character]"),
        ("measurements.csv", 2, "P01,0,temperature,38.4,°C\u{7F}",
         "measurements.csv:2:5: unit \"°C\\u{7F}\" holds the control character U+007F at character 3; identifiers, names, units and labels may not hold control characters (only detail may hold tabs and line breaks) [control-character]"),
        ("medications.csv", 2, "P01,anakinra\u{85},12,100,mg",
         "medications.csv:2:2: drug \"anakinra\\u{85}\" holds the control character U+0085 at character 9; identifiers, names, units and labels may not hold control characters (only detail may hold tabs and line breaks) [control-character]"),
        ("events.csv", 2, "P01,\"secondary\ninfection\",16,x",
         "events.csv:2:2: event \"secondary\\ninfection\" holds the control character U+000A at character 10; identifiers, names, units and labels may not hold control characters (only detail may hold tabs and line breaks) [control-character]"),
    ])
    func controlCharactersAreRefused(file: String, line: Int, text: String, expected: String) throws {
        let lines = try problems(file, line: line, text)
        #expect(lines.contains(expected), "\(lines)")
        #expect(lines.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) } })
    }

    /// Free text keeps its tabs and line breaks.
    @Test func detailMayHoldTabsAndLineBreaks() throws {
        let study = try imports("events.csv", line: 3, "P03,secondary_infection,27,\"blood culture:\tE. coli\r\nsecond line\"")
        #expect(study.events.contains { $0.detail == "blood culture:\tE. coli\r\nsecond line" })
    }

    // MARK: - Item 11: sex, dose units, years, micro

    /// `f` and `m` are read as F and M (and exported as such).
    @Test func lowerCaseSexIsNormalised() throws {
        let study = try imports("patients.csv", line: 3, "P02,Radboudumc,f,67,26.8,16,10,1,0,0,0,0,0,1,0,0,0,0")
        #expect(study.patients.first { $0.id == "P02" }?.sex == .female)
    }

    @Test func freeTextDoseUnitIsRefused() throws {
        let lines = try problems("medications.csv", line: 2, "P01,anakinra,12,100,furlongs")
        #expect(lines == [
            "medications.csv:2:5: dose_unit \"furlongs\" is not a known dose unit; doses are written in g, mg, µg, ng, mL, L, U, IU, kU, mU, mmol, µmol, mEq, units (each also per kg, and per min, h or day: mg/kg, µg/kg/min, mL/h, …) [unknown-unit]"
        ])
    }

    @Test(arguments: ["mg", "MG", "mcg", "ug/kg/min", "mcg/kg/min", "µg/kg/h", "mL/h", "IU", "units/hr", "mg/kg/d", "mmol"])
    func knownDoseUnitsAreAccepted(unit: String) throws {
        let study = try imports("medications.csv", line: 2, "P01,anakinra,12,100,\(unit)")
        #expect(study.medications.first?.doseUnit == unit)
    }

    @Test(arguments: [
        ("P01,0000-01-01,2020-03-20,,,,", "icu_admission \"0000-01-01\" is in the year 0000"),
        ("P01,9999-03-01T08:00,9999-03-20,,,,", "icu_admission \"9999-03-01T08:00\" is in the year 9999"),
        ("P01,2020-03-01,9999-12-31,,,,", "icu_discharge \"9999-12-31\" is in the year 9999"),
        ("P01,1899-12-31,1900-01-05,,,,", "icu_admission \"1899-12-31\" is in the year 1899"),
    ])
    func implausibleYearsAreRefused(row: String, what: String) throws {
        let lines = try problems("icu_course.csv", line: 2, row)
        let column = what.hasPrefix("icu_admission") ? 2 : 3
        #expect(lines.contains("icu_course.csv:2:\(column): \(what); timestamps and dates lie within the years 1900 to 2100 [out-of-range]"),
                "\(lines)")
    }

    @Test func yearsAtTheLimitsAreAccepted() throws {
        let study = try imports("icu_course.csv", line: 2, "P01,1900-01-01T08:00,1900-01-20,,,,")
        #expect(study.courses.first { $0.patientID == "P01" }?.discharge != nil)
        #expect(TimeSyntax.parseTimestamp("2100-12-31T23:59") != nil)
        #expect(TimeSyntax.parseTimestamp("2101-01-01") == nil)
    }

    /// The docs say `mc` means micro: `mcmol/L` is µmol/L, as `mcg` is µg.
    @Test func mcIsMicroInEveryUnit() throws {
        #expect(UnitSpelling.key("mcmol/L") == UnitSpelling.key("µmol/L"))
        #expect(UnitSpelling.key("mckat/L") == UnitSpelling.key("µkat/L"))
        #expect(UnitSpelling.key("10^3/mcL") == UnitSpelling.key("10^3/µL"))
        #expect(UnitSpelling.key("mcg/kg/min") == UnitSpelling.key("µg/kg/min"))
        // Not a prefix inside a word.
        #expect(UnitSpelling.key("pmcL") == "pmcl")
        let study = try imports("measurements.csv", line: 2, "P01,0,creatinine,80,mcmol/L")
        #expect(study.measurements.contains { $0.parameter == "creatinine" && $0.sourceUnit == "mcmol/L" && $0.value == 80 })
    }

    // MARK: - Item 10: declarations of catalog and derived parameters

    @Test func derivedSOFAIsNotDeclared() throws {
        let lines = try problems("parameters.csv", line: nil, "sofa,SOFA,clinical,points,max,0,24")
        #expect(lines == [
            "parameters.csv:3:1: parameter \"sofa\" is derived by the protocol (the SOFA score sofa and its components sofa_…) and cannot be declared or supplied; remove the row, or declare the value under another name [parameter-redefinition]"
        ])
        let component = try problems("parameters.csv", line: nil, "sofa_renal,Renal,clinical,points,max,0,4")
        #expect(component.first?.hasPrefix("parameters.csv:3:1: parameter \"sofa_renal\" is derived by the protocol") == true)
    }

    /// The reproducer: norepinephrine redeclared −100…100 let a negative dose through.
    @Test func catalogRangeCannotBeWidened() throws {
        let (directory, folder) = try base.folder("parameters.csv", line: nil, "norepinephrine,Norepinephrine,clinical,µg/kg/min,max,-100,100")
        defer { try? FileManager.default.removeItem(at: directory) }
        var measurements = try String(contentsOf: folder.appendingPathComponent("measurements.csv"), encoding: .utf8)
        measurements += "P01,2,norepinephrine,-5,µg/kg/min\n"
        try measurements.write(to: folder.appendingPathComponent("measurements.csv"), atomically: true, encoding: .utf8)
        let lines = try base.problems(directory, folder)
        #expect(lines.contains(inputRuleExamples[1]), "\(lines)")
        #expect(lines.contains(
            "parameters.csv:3:7: maximum 100 is above the catalog's physiological maximum of norepinephrine, 10 µg/kg/min; a declaration of a catalog parameter may change its label, daily value and narrow its range, nothing else (declare another name for another quantity) [parameter-redefinition]"))
    }

    @Test(arguments: [
        ("crp,CRP,clinical,mg/dL,max,0,100", "parameters.csv:3:4: unit \"mg/dL\" is not the catalog's canonical unit of crp, mg/L"),
        ("il6,IL-6,clinical,pg/mL,mean,0,1000", "parameters.csv:3:3: il6 is a cytokine of the catalog; kind \"clinical\" would change it"),
    ])
    func catalogKindAndUnitCannotChange(row: String, prefix: String) throws {
        let lines = try problems("parameters.csv", line: nil, row)
        #expect(lines.count == 1 && lines[0].hasPrefix(prefix), "\(lines)")
    }

    /// A redeclaration identical to the catalog, or one that narrows the range, relabels or
    /// changes the daily value, is accepted; the narrower range is enforced, the catalog's
    /// other units still convert.
    @Test func narrowingARedeclarationIsAccepted() throws {
        let study = try imports("parameters.csv", line: nil, "temperature,Core temperature,clinical,C,mean,30,43")
        let registry = ParameterRegistry(declared: study.declaredParameters)
        let temperature = try #require(registry["temperature"])
        #expect(temperature.label == "Core temperature" && temperature.aggregation == .mean)
        #expect(temperature.minimum == 30 && temperature.maximum == 43 && temperature.unit == "°C")
        #expect(temperature.conversion(for: "°F") != nil)
        let (directory, folder) = try base.folder("parameters.csv", line: nil, "temperature,T,clinical,°C,max,36,43")
        defer { try? FileManager.default.removeItem(at: directory) }
        var measurements = try String(contentsOf: folder.appendingPathComponent("measurements.csv"), encoding: .utf8)
        measurements += "P01,1,temperature,35,°C\n"
        try measurements.write(to: folder.appendingPathComponent("measurements.csv"), atomically: true, encoding: .utf8)
        let lines = try base.problems(directory, folder)
        #expect(lines.count == 1 && lines[0].hasSuffix("value 35 °C is outside the physiological range of temperature, 36 to 43 °C [out-of-range]"),
                "\(lines)")
        let identical = try imports("parameters.csv", line: nil, "ferritin,Ferritin,clinical,µg/L,max,0,500000")
        #expect(ParameterRegistry(declared: identical.declaredParameters)["ferritin"] == ParameterCatalog.definition(named: "ferritin"))
    }

    // MARK: - Item 12: echoed values

    /// A 1 MB value with a line feed and an escape sequence: one line, escaped, capped.
    @Test func echoedValuesAreEscapedAndCapped() throws {
        let huge = String(repeating: "9", count: 1_000_000)
        let lines = try problems("measurements.csv", line: 2, "P01,0,temperature,\"\(huge)x\",°C")
        let line = try #require(lines.first)
        #expect(lines.count == 1)
        #expect(line == "measurements.csv:2:4: value \"" + String(repeating: "9", count: 40) + "…[999921 characters left out]…"
            + String(repeating: "9", count: 39) + "x\" is not a number [malformed-number]")
        let escaped = try problems("measurements.csv", line: 2, "P01,0,temperature,\"38\n\u{1B}[31m\",°C")
        #expect(escaped.first?.hasPrefix("measurements.csv:2:4: value \"38\\n\\u{1B}[31m\"") == true, "\(escaped)")
    }

    /// `1e-310` (subnormal) was shown as "value nan °C".
    @Test func subnormalValuesAreShownAsRead() throws {
        let lines = try problems("measurements.csv", line: 2, "P01,0,temperature,1e-310,°C")
        #expect(lines == ["measurements.csv:2:4: value 1e-310 °C is outside the physiological range of temperature, 25 to 45 °C [out-of-range]"])
        #expect(formatForMessage(1e-310) == "1e-310")
        #expect(formatForMessage(-4.9e-324) == "-5e-324")
        #expect(formatForMessage(46.111111111111114) == "46.1111")
    }

    @Test func messageTextEscapesAndCaps() {
        #expect(MessageText.escaped("a\nb\tc\u{1B}\u{202E}d") == "a\\nb\\tc\\u{1B}\\u{202E}d")
        #expect(MessageText.escaped(MessageText.escaped("a\nb")) == "a\\nb")
        let capped = MessageText.escaped(String(repeating: "x", count: 200), limit: 80)
        #expect(capped == String(repeating: "x", count: 40) + "…[120 characters left out]…" + String(repeating: "x", count: 40))
        #expect(MessageText.line(String(repeating: "y", count: 5000)).count < 1100)
    }
}
