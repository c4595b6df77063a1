import DayZeroAnalysis
import DayZeroReport
import Foundation
import Testing

/// The text-overflow check of `FigureOverflowTests`, done by a real browser for one figure: a
/// kinetics panel with the catalogs' longest label and unit (two-line axis title) is laid out by
/// headless Chromium, a script in the test page measures every `<text>` with
/// `getBoundingClientRect()` and writes what lies outside the SVG, or is wider than the report's
/// own `TextMetrics` estimate, into the DOM; the test reads the dumped DOM.
@Suite("Figure text overflow in a browser", .serialized)
struct FigureOverflowBrowserTests {
    static let script = """
    (function () {
      var out = [];
      var svgs = document.querySelectorAll('svg');
      for (var s = 0; s < svgs.length; s++) {
        var svg = svgs[s], box = svg.getBoundingClientRect(), texts = svg.querySelectorAll('text');
        for (var i = 0; i < texts.length; i++) {
          var t = texts[i], r = t.getBoundingClientRect(), estimate = parseFloat(t.getAttribute('data-estimate'));
          var label = svg.id + ' "' + t.textContent + '"';
          if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
            out.push('OUTSIDE ' + label + ' ' + [r.left - box.left, r.top - box.top, r.right - box.left, r.bottom - box.top].map(Math.round).join(','));
          }
          var length = t.getComputedTextLength();
          if (!(length <= estimate + 0.5)) { out.push('WIDER ' + label + ' ' + length.toFixed(1) + ' > ' + estimate.toFixed(1)); }
        }
        out.push('CHECKED ' + svg.id + ' ' + texts.length);
      }
      var pre = document.createElement('pre');
      pre.id = 'overflow-result';
      pre.textContent = out.join('\\n');
      document.body.appendChild(pre);
    })();
    """

    /// `svg` with each `<text>` carrying `data-estimate`: the report's estimated width.
    static func annotated(_ svg: String) -> String {
        var out = ""
        var rest = svg[...]
        while let start = rest.range(of: "<text ") {
            out += rest[..<start.lowerBound]
            guard let close = rest.range(of: "</text>", range: start.upperBound..<rest.endIndex) else { break }
            let element = String(rest[start.lowerBound..<close.upperBound])
            let one = SVGTextBoxes("<svg viewBox=\"0 0 1 1\">" + element + "</svg>").texts.first
            let size = SVGTextBoxes.attribute("font-size", in: element).flatMap(Double.init) ?? 11
            let bold = SVGTextBoxes.attribute("font-weight", in: element) == "bold"
            let estimate = one.map { TextMetrics.width($0.text, fontSize: size) * (bold ? 1.13 : 1) } ?? 0
            out += "<text data-estimate=\"\(estimate)\" " + element.dropFirst("<text ".count)
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    @Test func longestCatalogLabelsFitInChromium() throws {
        guard let chromium = BrowserTests().chromiumOrSkip() else { return }
        let set = StudyResultsFixture.make().analysisSets[0]
        var panel = try #require(set.cytokines.first { !$0.admission.isEmpty } ?? set.cytokines.first)
        panel.label = FigureOverflowTests.longestLabel
        panel.unit = FigureOverflowTests.longestUnit
        var options = ReportOptions()
        options.groupLabels = ["treated": "Anakinra 100 mg subcutaneously four times daily", "control": "Standard care"]
        let groups = GroupPalette(options: options, seen: ["treated", "control"])
        let svgs = [
            KineticsPanelSVG.render(panel, id: "kinetics", groups: groups),
            try SurvivalSVG.render(#require(set.outcomeMeasures[1].survival), title: "Time on invasive mechanical ventilation after alignment",
                                   id: "km", groups: groups),
        ]
        let page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"/><style>body{margin:0} svg{display:block}</style></head><body>"
            + svgs.map(Self.annotated).joined(separator: "\n") + "<script>\(Self.script)</script></body></html>"
        let dir = try BrowserTests().outputDirectory()
        let url = dir.appendingPathComponent("overflow.html")
        let dom = dir.appendingPathComponent("overflow.dom.html")
        try Data(page.utf8).write(to: url)
        try Chromium.run(chromium, ["--window-size=800,1200", "--dump-dom"], page: url, profile: dir.appendingPathComponent("profile-overflow"), stdout: dom)
        let text = try String(contentsOf: dom, encoding: .utf8)
        guard let start = text.range(of: "<pre id=\"overflow-result\">"), let end = text.range(of: "</pre>", range: start.upperBound..<text.endIndex) else {
            Issue.record("the measuring script left no result")
            return
        }
        let lines = text[start.upperBound..<end.lowerBound].split(separator: "\n").map(String.init)
        let checked = lines.filter { $0.hasPrefix("CHECKED") }
        #expect(checked.count == 2, "\(checked)")
        #expect(checked.allSatisfy { (Int($0.split(separator: " ").last ?? "") ?? 0) >= 15 }, "\(checked)")
        let problems = lines.filter { !$0.hasPrefix("CHECKED") }
        #expect(problems.isEmpty, Comment(rawValue: problems.joined(separator: "\n")))
    }
}
