import DayZeroAnalysis
import DayZeroReport
import Foundation
import Testing

/// Names a user could put in a protocol or an export, each aimed at a different weakness.
enum Hostile {
    static let script = "<script>alert(1)</script>"
    static let quotes = "\"Temp\" & 'fever' <b>bold</b> ]]> <!-- x"
    static let arabic = "درجة الحرارة"
    static let hebrew = "חום גוף"
    static let override = "abc\u{202E}fedcba"
    static let long = String(repeating: "Interleukin-1 receptor antagonist ", count: 15).prefix(500).description
    static let control = "tab\tnul\u{0}esc\u{1B}end"

    /// The fixture with every user-supplied string replaced by a hostile one.
    static func results() -> StudyResults {
        var r = StudyResultsFixture.make(treatedKey: script, controlKey: quotes)
        r.provenance.toolVersion = "0.1.0<img src=x onerror=alert(1)>"
        r.provenance.referenceImplementations[script] = quotes
        for s in r.analysisSets.indices {
            r.analysisSets[s].label = s == 0 ? script : arabic
            r.analysisSets[s].id = s == 0 ? "main" : hebrew
            r.analysisSets[s].warnings = [quotes, override]
            r.analysisSets[s].flow.exclusions[0].reason = long
            r.analysisSets[s].flow.exclusions[1].reason = script
            r.analysisSets[s].flow.exclusions[2].reason = arabic
            let names = [script, quotes, arabic, hebrew, long, override, control]
            for k in r.analysisSets[s].kinetics.indices {
                r.analysisSets[s].kinetics[k].label = names[k % names.count]
                r.analysisSets[s].kinetics[k].unit = names[(k + 1) % names.count]
                r.analysisSets[s].kinetics[k].warnings = [names[(k + 2) % names.count]]
            }
            for k in r.analysisSets[s].cytokines.indices {
                r.analysisSets[s].cytokines[k].parameter = names[k % names.count]
                r.analysisSets[s].cytokines[k].label = names[(k + 3) % names.count]
            }
            for g in r.analysisSets[s].proteomics?.groups.indices ?? 0..<0 {
                for p in 0..<10 {
                    r.analysisSets[s].proteomics?.groups[g].points[p].assay = names[p % names.count]
                    r.analysisSets[s].proteomics?.groups[g].points[p].uniProt = names[(p + 1) % names.count]
                }
            }
            for m in r.analysisSets[s].medication.indices {
                r.analysisSets[s].medication[m].drug = names[(m / 2) % names.count]
                r.analysisSets[s].medication[m].period = names[(m + 4) % names.count]
            }
            for sec in r.analysisSets[s].table1.sections.indices {
                r.analysisSets[s].table1.sections[sec].title = names[sec % names.count]
                for row in r.analysisSets[s].table1.sections[sec].rows.indices {
                    r.analysisSets[s].table1.sections[sec].rows[row].label = names[(row + sec) % names.count]
                    r.analysisSets[s].table1.sections[sec].rows[row].unit = names[(row + 1) % names.count]
                    r.analysisSets[s].table1.sections[sec].rows[row].test = script
                }
            }
            r.analysisSets[s].outcomeMeasures[4].survival?.event = script
            r.analysisSets[s].outcomeMeasures[1].survival?.event = long
            r.analysisSets[s].outcomeMeasures[2].survival?.censoring = quotes
            r.analysisSets[s].outcomeMeasures[1].survival?.leftOut = [.init(reason: arabic, count: 2)]
        }
        return r
    }

    static let options = ReportOptions(
        title: script, studyName: hebrew + " " + quotes, treatedGroup: script, controlGroup: quotes,
        groupLabels: [script: long, quotes: arabic], protocolName: quotes,
        protocolText: "</pre><script>alert(1)</script>\n" + control, methodNotes: [script, override],
        methodDescriptions: [script: arabic])
}

@Suite("Hostile names")
struct HostileInputTests {
    var html: String { Rendered.hostileHTML }

    @Test("no raw markup from names reaches the document")
    func escaped() {
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>bold"))
        #expect(!html.contains("<!-- x"))
        #expect(!html.contains("]]>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&quot;Temp&quot; &amp; &#39;fever&#39;"))
        #expect(!html.contains("\u{0}") && !html.contains("\u{1B}"))
    }

    @Test("the document and every SVG still parse as XML")
    func wellFormed() {
        let svgs = svgElements(in: html)
        #expect(svgs.count == 64)
        for (i, svg) in svgs.enumerated() {
            if let error = xmlError(svg) { Issue.record("SVG #\(i): \(error)\n\(svg.prefix(400))") }
        }
        let error = xmlError(html)
        #expect(error == nil, "document: \(error ?? "")")
    }

    @Test("right-to-left names are isolated in HTML and in SVG")
    func bidi() {
        #expect(html.contains("<bdi>\(Hostile.arabic)</bdi>"))
        #expect(html.contains("<bdi>\(Hostile.hebrew)"))
        // The override itself is removed (it would reverse what follows); the name stays isolated.
        #expect(html.contains("<bdi>abcfedcba</bdi>"))
        #expect(html.contains("\u{2068}\(Hostile.arabic)\u{2069}"))
        // Every RTL run inside SVG text sits inside an isolate.
        for svg in svgElements(in: html) {
            for text in visibleText(ofSVGTextElements: svg) where text.contains(where: { ch in ch.unicodeScalars.contains { (0x0590...0x08FF).contains($0.value) } }) {
                #expect(text.contains("\u{2068}") && text.contains("\u{2069}"), "not isolated: \(text)")
            }
        }
    }

    /// Issue 16, item 13: an assay named with U+202E (RIGHT-TO-LEFT OVERRIDE) reversed the fold
    /// change and p-value after it in the volcano's tooltip.
    @Test("a bidi override in a name cannot reorder the tooltip text after it")
    func overrideInTooltips() throws {
        #expect(!html.contains("\u{202E}"))
        let start = try #require(html.range(of: "<title>\u{2068}abcfedcba\u{2069} ("))
        let title = html[start.upperBound...].prefix { $0 != "<" }
        #expect(title.contains("): fold change ") && title.contains(", p = ") && title.hasSuffix(" pairs"), "\(title)")
        // Names in composed tooltips are isolated one by one.
        #expect(html.contains("\u{2068}\(Hostile.arabic)\u{2069}, "))
    }

    @Test("long names are cut to fit in SVG, with the full name kept in a title")
    func longNames() {
        let svgs = svgElements(in: html)
        var sawTruncation = false
        for svg in svgs {
            for text in visibleText(ofSVGTextElements: svg) {
                #expect(!text.contains(Hostile.long), "a 500-character name is drawn in full")
                #expect(text.count < 120, "SVG text of \(text.count) characters: \(text.prefix(60))…")
                if text.hasSuffix("…") || text.hasSuffix("…\u{2069}") { sawTruncation = true }
            }
        }
        #expect(sawTruncation)
        #expect(html.contains("<title>\(Hostile.long)</title>"))
    }

    @Test("ids stay safe: slugged, unique, and free of markup")
    func ids() {
        let counts = idCounts(in: html)
        let ids = Array(counts.keys)
        #expect(counts.values.allSatisfy { $0 == 1 }, "duplicated ids: \(counts.filter { $0.value > 1 })")
        for id in ids {
            #expect(id.unicodeScalars.allSatisfy { ($0.value >= 0x61 && $0.value <= 0x7A) || ($0.value >= 0x30 && $0.value <= 0x39) || $0 == "-" }, "unsafe id \(id)")
        }
        #expect(ids.contains("set-main-fig-cytokine-script-alert-1-script"))
        #expect(ids.contains("set-x"), "an Arabic-only set id becomes set-x")
    }
}
