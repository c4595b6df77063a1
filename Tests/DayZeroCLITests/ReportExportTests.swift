import ArgumentParser
import DayZeroAnalysis
@testable import DayZeroCLI
import DayZeroReport
import DayZeroTestSupport
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// One `dayzero report` run of the default cohort and one of the alcoholic-hepatitis example,
/// shared by the tests below (a debug-build workup takes seconds).
final class ReportRun: Sendable {
    let out: URL
    let code: Int32
    let output: [String]
    let errors: [String]
    let html: String

    init(_ arguments: [String]) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-export-\(UUID().uuidString)")
        let captured = AnalyzeCommandTests.Lines(), errors = AnalyzeCommandTests.Lines()
        var code: Int32 = -1
        if let command = try? ReportCommand.parse(arguments + ["--out", out.path]) {
            code = AnalysisCommandLine.runReport(input: command.input, out: out, output: captured.add, errors: errors.add)
        }
        self.out = out
        self.code = code
        self.output = captured.lines
        self.errors = errors.lines
        html = (try? String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)) ?? ""
    }

    static let kooistra = ReportRun([])
    static let alcoholicHepatitis = ReportRun(["--example", "alcoholic-hepatitis"])
}

/// The text a reader sees in `html`: the style sheet and every tag removed, the five XML
/// character references decoded (tooltips in `<title>` count: a reader sees them on hover).
func visibleText(_ html: String) -> String {
    var text = html
    if let start = text.range(of: "<style>"), let end = text.range(of: "</style>") { text.removeSubrange(start.lowerBound..<end.upperBound) }
    var out = ""
    var inTag = false
    for ch in text {
        if ch == "<" { inTag = true; continue }
        if ch == ">" { inTag = false; out.append(" "); continue }
        if !inTag { out.append(ch) }
    }
    return out.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
}

private let xmlLock = NSLock()

/// `nil` when `data` parses as XML, else the parser's message.
func xmlProblem(_ data: Data) -> String? {
    xmlLock.lock()
    defer { xmlLock.unlock() }
    let parser = XMLParser(data: data)
    if parser.parse() { return nil }
    return "line \(parser.lineNumber), column \(parser.columnNumber): \(parser.parserError.map { "\($0)" } ?? "unknown error")"
}

@Suite(.serialized) struct ReportExportTests {
    static let internalCodes = [
        "consent_refused", "_before_day_0", "met_exclude_if", "\\x", "p-value-underflow", "odds-ratio-infinite", "ties-normal-approximation", "sex_male",
    ]

    @Test(arguments: ["kooistra", "alcoholic-hepatitis"])
    func noInternalCodeInTheVisibleText(_ example: String) throws {
        let run = example == "kooistra" ? ReportRun.kooistra : ReportRun.alcoholicHepatitis
        #expect(run.code == 0, "\(run.errors.joined(separator: "\n"))")
        let text = visibleText(run.html)
        #expect(text.count > 20_000)
        for code in Self.internalCodes {
            #expect(!text.contains(code), "\(example): the report shows \(code)")
        }
        // The default report holds the codes' sources: the flow's consent exclusion, the
        // ventilation curve's left-out patients, Table 1's tied values. They are in words.
        if example == "kooistra" {
            #expect(text.contains("Consent refused"))
            #expect(text.contains("left out: no longer ventilated on the alignment day (extubated before day 0)"))
            #expect(text.contains("Mann–Whitney U test (with tied values: normal approximation"))
        }
    }

    @Test func everyFigureIsAStandaloneSVGAndEveryTableACSV() throws {
        let run = ReportRun.kooistra
        #expect(run.code == 0)
        let figureIDs = FigureExportIDs.figures(in: run.html)
        #expect(figureIDs.count >= 28, "\(figureIDs.count) figures")
        let folder = run.out.appendingPathComponent("figures")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files == figureIDs.map { "fig-\($0).svg" }.sorted())
        for name in files {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            #expect(xmlProblem(data) == nil, "\(name): \(xmlProblem(data) ?? "")")
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""), "\(name) lacks the SVG namespace")
            #expect(text.contains("width=\"174mm\""), "\(name) is not 174 mm wide")
            #expect(text.contains("sans-serif\""), "\(name) has no generic font family")
            #expect(text.contains("<style>"), "\(name) has no style of its own")
            #expect(!text.contains("NaN"))
            // Listed in the report.
            #expect(run.html.contains("<code>figures/\(name)</code>"), "\(name) is not listed in the report")
        }

        let tableIDs = FigureExportIDs.tables(in: run.html)
        #expect(tableIDs.count >= 12, "\(tableIDs.count) tables")
        let tables = run.out.appendingPathComponent("tables")
        let csvs = try FileManager.default.contentsOfDirectory(atPath: tables.path).sorted()
        #expect(csvs == tableIDs.map { "\($0).csv" }.sorted())
        let table1 = try String(contentsOf: tables.appendingPathComponent("set-main-table1.csv"), encoding: .utf8)
        let lines = table1.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == "Characteristic,Anakinra (n = 21),Control (n = 39),p value")
        #expect(lines.contains { $0.hasPrefix("\"Age, years\",63 [55–71],67 [60–72],") }, "\(lines.prefix(6))")
        for name in csvs { #expect(run.html.contains("<code>tables/\(name)</code>"), "\(name) is not listed in the report") }
        #expect(FileManager.default.fileExists(atPath: run.out.appendingPathComponent("protocol.yaml").path))
    }

    @Test func theTerminalSummaryIsShort() throws {
        let run = ReportRun.kooistra
        #expect(run.code == 0)
        // The default summary: the analysed source, the flow (5 lines), a heading and one line
        // per analysis set, the report and the files written.
        #expect(run.output.count == 14, "\(run.output.joined(separator: "\n"))")
        // A weighted set's headline is its weighted effect, not the unweighted counts and test.
        #expect(run.output.contains("  overlap-weighted           21 vs 39; Secondary infection within 28 days, weighted risk difference 7.2 (−19.0 to 33.4) percentage points, p = 0.59; 7 of 18 kinetics panels differ"),
                "\(run.output.joined(separator: "\n"))")
        #expect(run.output.contains("  main                       21 vs 39; Secondary infection within 28 days 7/21 vs 9/39, p = 0.54; 7 of 18 kinetics panels differ"),
                "\(run.output.joined(separator: "\n"))")
        #expect(Set(run.output).count == run.output.count, "a line is printed twice")
        #expect(run.errors.isEmpty, "progress was not asked for: \(run.errors)")
    }

    @Test func verboseAddsEachSetsDetails() throws {
        let results = try JSONDecoder().decode(StudyResults.self, from: Data(contentsOf: ReportRun.kooistra.out.appendingPathComponent("results.json")))
        let short = AnalysisCommandLine.summaryLines(results)
        let long = AnalysisCommandLine.summaryLines(results, verbose: true)
        #expect(long.starts(with: short.filter { !$0.hasPrefix("note:") }))
        #expect(long.contains("  kinetics Temperature: overall p < 0.0001; before day 0 p = 0.015, after p = 0.0095"), "\(long.joined(separator: "\n"))")
        #expect(long.count > 60)
    }

    @Test func everySubcommandHasUsageExamples() {
        for command in [
            DayZeroCommand.self, ReportCommand.self, AnalyzeCommand.self, ImportCommand.self, ExportCommand.self, SimulateCommand.self,
            ProtocolCommand.self, ProtocolInitCommand.self, ProtocolCheckCommand.self,
        ] as [any ParsableCommand.Type] {
            let help = command.helpMessage(columns: 200)
            #expect(help.contains("Examples:") && help.contains("  dayzero "), "\(command): no usage examples in --help")
        }
    }

    @Test func oneStandaloneSVGOpensInChromium() throws {
        guard let chromium = ChromiumForCLI.executable() else {
            print("BROWSER CHECK SKIPPED: chromium not installed")
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("CI=true: chromium must be installed") }
            return
        }
        let svg = ReportRun.kooistra.out.appendingPathComponent("figures/fig-set-main-fig-outcomes.svg")
        let dom = try ChromiumForCLI.dumpDOM(chromium, page: svg)
        #expect(dom.contains("<svg") && dom.contains("<text"), "\(dom.prefix(400))")
        #expect(!dom.contains("parsererror") && !dom.contains("This page contains the following errors"), "\(dom.prefix(400))")
    }
}

/// The ids of the figures and data tables of a report, as `FigureExport` names its files.
enum FigureExportIDs {
    static func ids(of tag: String, classPrefix: String?, in html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let open = rest.range(of: "<\(tag) ") {
            guard let end = rest[open.upperBound...].firstIndex(of: ">") else { break }
            let opening = rest[open.lowerBound..<end]
            if classPrefix.map({ opening.hasPrefix("<\(tag) class=\"\($0)") }) ?? true,
               let idStart = opening.range(of: " id=\""), let idEnd = opening[idStart.upperBound...].firstIndex(of: "\"") {
                out.append(String(opening[idStart.upperBound..<idEnd]))
            }
            rest = rest[end...]
        }
        return out
    }

    static func figures(in html: String) -> [String] { ids(of: "figure", classPrefix: nil, in: html) }
    static func tables(in html: String) -> [String] { ids(of: "table", classPrefix: "data", in: html) }
}

/// Headless chromium for the one browser check of an exported SVG.
enum ChromiumForCLI {
    static func executable() -> URL? {
        let env = ProcessInfo.processInfo.environment
        if let explicit = env["DAYZERO_CHROMIUM"], FileManager.default.isExecutableFile(atPath: explicit) { return URL(fileURLWithPath: explicit) }
        for dir in (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        return nil
    }

    /// The DOM chromium builds from `page`.
    static func dumpDOM(_ chromium: URL, page: URL) throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-chromium-\(UUID().uuidString)")
        let outFile = profile.appendingPathExtension("dom")
        defer {
            try? FileManager.default.removeItem(at: profile)
            try? FileManager.default.removeItem(at: outFile)
        }
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        let process = Process()
        process.executableURL = chromium
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(profile.path)", "--dump-dom", page.absoluteString]
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(45)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try String(contentsOf: outFile, encoding: .utf8)
    }
}
