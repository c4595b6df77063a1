import DayZeroReport
import Testing

@Suite("Number formatting and scales")
struct FormattingTests {
    @Test("a log axis over the whole double range: powers within ±300, about eight labelled, all finite")
    func logAxisAtTheEdgesOfDouble() {
        let s = AxisScale.logarithmic(values: [.leastNonzeroMagnitude, 1e308], range: (200, 0))
        #expect(s.kind == .log10)
        #expect(s.ticks.allSatisfy { $0.isFinite && $0 > 0 })
        #expect(s.ticks.count >= 2 && s.ticks.count <= 10, "\(s.ticks.count) ticks")
        #expect(s.tickLabels.count == s.ticks.count)
        #expect(s.position(1) != nil)
        // Two decades keep the 1-2-5 ticks.
        #expect(AxisScale.logarithmic(values: [1, 100], range: (100, 0)).ticks == [1, 2, 5, 10, 20, 50, 100])
    }

    @Test("p-values: the documented rule, on the paper's own values and the edges")
    func pValues() {
        let cases: [(Double?, String)] = [
            (0.19, "0.19"), (0.42, "0.42"), (0.5, "0.50"), (1, "1"), (0.995, "1"), (0.9949, "0.99"),
            (0.049, "0.049"), (0.0093, "0.0093"), (0.001, "0.0010"), (0.00096, "0.0010"), (0.0012, "0.0012"),
            (0.00021, "0.0002"), (0.000151, "0.0002"), (0.0004999, "0.0005"), (0.0001, "0.0001"),
            (0.00009, "< 0.0001"), (1e-12, "< 0.0001"), (0.0996, "0.10"), (0.00999, "0.010"), (nil, "–"), (.nan, "–"),
        ]
        for (p, expected) in cases {
            let actual = NumberFormat.pValue(p)
            #expect(actual == expected, "p = \(String(describing: p)): got \(actual), expected \(expected)")
        }
        #expect(NumberFormat.pStatement(0.02) == "p = 0.020")
        #expect(NumberFormat.pStatement(0.00001) == "p < 0.0001")
        #expect(NumberFormat.pStatement(nil) == "p = n/a")
    }

    @Test("median [IQR] decimals: three significant digits of the largest, none for whole numbers")
    func summaryDecimals() {
        #expect(NumberFormat.summaryDecimals([63, 55, 71]) == 0)
        #expect(NumberFormat.summaryDecimals([27.7, 25.9, 29.9]) == 1)
        #expect(NumberFormat.summaryDecimals([8.2, 7.0, 12.0]) == 1)
        #expect(NumberFormat.summaryDecimals([0.66, 0.18, 1.39]) == 2)
        #expect(NumberFormat.summaryDecimals([254.5, 188, 297]) == 0)
        #expect(NumberFormat.summaryDecimals([0.004, 0.001, 0.009]) == 3)
        #expect(NumberFormat.summaryDecimals([]) == 0)
        #expect(NumberFormat.fixed(-0.0001, decimals: 2) == "0.00")
        #expect(NumberFormat.fixed(-1.5, decimals: 1) == "−1.5")
    }

    @Test("coordinates never print NaN and drop trailing zeros")
    func coordinates() {
        #expect(NumberFormat.coordinate(12.5) == "12.5")
        #expect(NumberFormat.coordinate(12) == "12")
        #expect(NumberFormat.coordinate(-0.001) == "0")
        #expect(NumberFormat.coordinate(.nan) == "0")
        #expect(NumberFormat.coordinate(.infinity) == "0")
        #expect(NumberFormat.coordinate(3.14159) == "3.14")
    }

    @Test("linear ticks are nice numbers that cover the data")
    func linearTicks() {
        let s = AxisScale.linear(values: [36.8, 39.4], range: (200, 50))
        #expect(s.ticks.first ?? 99 <= 36.8 && s.ticks.last ?? 0 >= 39.4)
        #expect(s.tickLabels == ["36", "37", "38", "39", "40"])
        let z = AxisScale.linear(values: [0, 87], range: (0, 100))
        #expect(z.tickLabels == ["0", "25", "50", "75", "100"])
        let t = AxisScale.linear(values: [37.6, 38.3], range: (0, 100))
        #expect(t.tickLabels == ["37.6", "37.8", "38.0", "38.2", "38.4"])
        let flat = AxisScale.linear(values: [5, 5], range: (0, 100))
        #expect(flat.domainMin < 5 && flat.domainMax > 5)
        #expect(AxisScale.niceStep(0.23) == (0.25, 2))
        #expect(AxisScale.niceStep(7) == (10, 0))
    }

    @Test("log axis when all values are positive and max/min > 20; ticks at 1-2-5 or powers of ten")
    func logRule() {
        #expect(!AxisScale.prefersLog([36, 40]))
        #expect(!AxisScale.prefersLog([1, 20]))
        #expect(AxisScale.prefersLog([1, 20.01]))
        #expect(!AxisScale.prefersLog([0, 100]))
        #expect(!AxisScale.prefersLog([]))
        let s = AxisScale.logarithmic(values: [0.08, 3.1], range: (200, 50))
        #expect(s.kind == .log10)
        #expect(s.tickLabels == ["0.05", "0.1", "0.2", "0.5", "1", "2", "5"])
        let wide = AxisScale.logarithmic(values: [300, 9e6], range: (200, 50))
        #expect(wide.tickLabels == ["100", "1000", "10\u{2009}000", "100\u{2009}000", "10⁶", "10⁷"])
        #expect(s.position(0) == nil && s.position(-1) == nil)
    }

    @Test("escaping covers the five XML characters, control characters, and isolates RTL text")
    func escaping() {
        #expect(Markup.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(Markup.escape("a\u{0}b\u{1B}c\td") == "a\u{FFFD}b\u{FFFD}c\td")
        #expect(Markup.html("חום") == "<bdi>חום</bdi>")
        #expect(Markup.html("Temperature") == "Temperature")
        // The override is removed (it would reverse what follows it); the text stays isolated.
        #expect(Markup.html("x\u{202E}y") == "<bdi>xy</bdi>")
        #expect(Markup.escape("a\u{202A}b\u{202B}c\u{202C}d\u{202D}e\u{2068}f\u{2069}") == "abcde\u{2068}f\u{2069}")
        #expect(Markup.isolate("IL6\u{202E}") == "\u{2068}IL6\u{202E}\u{2069}" && Markup.isolate("IL6") == "IL6")
        #expect(Markup.svgText("درجة") == "\u{2068}درجة\u{2069}")
        #expect(Markup.slug("PaO2/FiO2 ratio") == "pao2-fio2-ratio")
        #expect(Markup.slug("<script>") == "script")
        #expect(Markup.slug("حرارة") == "x")
        #expect(Markup.slug(String(repeating: "a", count: 500)).count == 48)
    }

    @Test("text is truncated to its box with an ellipsis and wrapped into lines")
    func truncation() {
        let long = String(repeating: "Interleukin ", count: 40)
        let cut = TextMetrics.truncate(long, maxWidth: 100, fontSize: 10)
        #expect(cut.truncated && cut.text.hasSuffix("…"))
        #expect(TextMetrics.width(cut.text, fontSize: 10) <= 100)
        #expect(TextMetrics.truncate("IL-6", maxWidth: 100, fontSize: 10) == ("IL-6", false))
        let wrapped = TextMetrics.wrap(long, maxWidth: 120, fontSize: 10, maxLines: 3)
        #expect(wrapped.lines.count == 3 && wrapped.truncated && (wrapped.lines.last ?? "").hasSuffix("…"))
        for line in wrapped.lines { #expect(TextMetrics.width(line, fontSize: 10) <= 120, "\(line)") }
        let unbroken = TextMetrics.wrap(String(repeating: "x", count: 300), maxWidth: 80, fontSize: 10, maxLines: 2)
        #expect(unbroken.lines.count == 2)
        for line in unbroken.lines { #expect(TextMetrics.width(line, fontSize: 10) <= 80) }
        #expect(TextMetrics.wrap("Refused consent", maxWidth: 200, fontSize: 11, maxLines: 3) == (["Refused consent"], false))
    }
}
