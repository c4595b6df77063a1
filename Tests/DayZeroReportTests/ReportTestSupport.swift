import Foundation
import Testing
import DayZeroAnalysis
import DayZeroReport

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Documents rendered once per test process (a debug-build render takes a few tenths of a
/// second; the suites share these instead of re-rendering per test).
enum Rendered {
    static let results = StudyResultsFixture.make()
    /// The fixture rendered with default options (no options given).
    static let html = ReportRenderer().render(results)
    static let hostileHTML = ReportRenderer().render(Hostile.results(), options: Hostile.options)
}

/// How often `needle` occurs in `text` (byte-wise; fast enough for megabyte documents in debug builds).
func occurrences(of needle: String, in text: String) -> Int {
    let n = Array(needle.utf8)
    let bytes = Array(text.utf8)
    guard let first = n.first, bytes.count >= n.count else { return 0 }
    var count = 0
    var i = 0
    while i <= bytes.count - n.count {
        if bytes[i] == first {
            var k = 1
            while k < n.count, bytes[i + k] == n[k] { k += 1 }
            if k == n.count { count += 1 }
        }
        i += 1
    }
    return count
}

/// How often each `id="…"` value occurs in `html`.
func idCounts(in html: String) -> [String: Int] {
    var counts: [String: Int] = [:]
    let bytes = Array(html.utf8)
    let needle = Array(" id=\"".utf8)
    var i = 0
    while i + needle.count <= bytes.count {
        if bytes[i] == needle[0], Array(bytes[i..<(i + needle.count)]) == needle {
            var j = i + needle.count
            while j < bytes.count, bytes[j] != UInt8(ascii: "\"") { j += 1 }
            counts[String(decoding: bytes[(i + needle.count)..<j], as: UTF8.self), default: 0] += 1
            i = j
        } else {
            i += 1
        }
    }
    return counts
}

/// Every `<svg …>…</svg>` element in `html`, in document order (inline SVGs are never nested here).
func svgElements(in html: String) -> [String] {
    var out: [String] = []
    var rest = html[...]
    while let open = rest.range(of: "<svg"), let close = rest.range(of: "</svg>", range: open.upperBound..<rest.endIndex) {
        out.append(String(rest[open.lowerBound..<close.upperBound]))
        rest = rest[close.upperBound...]
    }
    return out
}

private let xmlLock = NSLock()

/// `nil` when `text` parses as XML, else the parser's message with line and column.
/// Serialised: the libxml2-backed parser on Linux is not safe to run from parallel tests.
func xmlError(_ text: String) -> String? {
    xmlLock.lock()
    defer { xmlLock.unlock() }
    let parser = XMLParser(data: Data(text.utf8))
    if parser.parse() { return nil }
    let error = parser.parserError.map { "\($0)" } ?? "unknown error"
    return "line \(parser.lineNumber), column \(parser.columnNumber): \(error)"
}

/// The text of `element` with all tags removed (content of `<title>` children dropped).
func visibleText(ofSVGTextElements svg: String) -> [String] {
    var texts: [String] = []
    var rest = svg[...]
    while let open = rest.range(of: "<text"), let close = rest.range(of: "</text>", range: open.upperBound..<rest.endIndex) {
        var inner = String(rest[open.lowerBound..<close.lowerBound])
        if let gt = inner.firstIndex(of: ">") { inner = String(inner[inner.index(after: gt)...]) }
        while let t0 = inner.range(of: "<title>"), let t1 = inner.range(of: "</title>", range: t0.upperBound..<inner.endIndex) {
            inner.removeSubrange(t0.lowerBound..<t1.upperBound)
        }
        while let lt = inner.firstIndex(of: "<"), let gt = inner[lt...].firstIndex(of: ">") {
            inner.removeSubrange(lt...gt)
        }
        texts.append(inner)
        rest = rest[close.upperBound...]
    }
    return texts
}

/// Compares `actual` with `__Snapshots__/<name>` next to this file, byte for byte.
///
/// With `DAYZERO_RECORD_SNAPSHOTS=1` (or when no baseline exists yet) the snapshot is written
/// and the test still FAILS, so a new baseline is never accepted silently: inspect the file,
/// commit it, and re-run without the variable.
func assertSnapshot(_ actual: String, named name: String, filePath: String = #filePath, sourceLocation: SourceLocation = #_sourceLocation) {
    let url = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        .appendingPathComponent("__Snapshots__").appendingPathComponent(name)
    let record = ProcessInfo.processInfo.environment["DAYZERO_RECORD_SNAPSHOTS"] == "1"
    let existing = try? Data(contentsOf: url)
    if record || existing == nil {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: url)
            Issue.record("Recorded snapshot \(name) (\(record ? "DAYZERO_RECORD_SNAPSHOTS=1" : "no baseline existed")). Review it, commit it and re-run without DAYZERO_RECORD_SNAPSHOTS.", sourceLocation: sourceLocation)
        } catch {
            Issue.record("Could not write snapshot \(url.path): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    guard let existing else { return }
    if existing == Data(actual.utf8) { return }
    let expectedLines = String(decoding: existing, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    var line = 0
    while line < min(expectedLines.count, actualLines.count), expectedLines[line] == actualLines[line] { line += 1 }
    let expectedLine = line < expectedLines.count ? String(expectedLines[line]) : "<end of file>"
    let actualLine = line < actualLines.count ? String(actualLines[line]) : "<end of file>"
    Issue.record("""
        Snapshot \(name) differs at line \(line + 1) (expected \(expectedLines.count) lines, got \(actualLines.count)).
        expected: \(expectedLine)
        actual:   \(actualLine)
        If the change is intended, re-record with DAYZERO_RECORD_SNAPSHOTS=1 swift test --filter DayZeroReportTests, review and commit.
        """, sourceLocation: sourceLocation)
}
