/// Builds one SVG element as text.
///
/// Every drawing call takes plain numbers and skips the element when any coordinate is not
/// finite, so `NaN` or `inf` can never reach an attribute. Text goes through
/// `Markup.svgText`; with a `maxWidth` it is shortened to fit and the full text is kept in a
/// `<title>` child (shown as a tooltip, read by screen readers).
package struct SVGCanvas {
    package let width: Double
    /// May be set after drawing when the content decides the height.
    package var height: Double
    private var parts: [String] = []

    package static let fontFamily = "Helvetica Neue, Helvetica, Arial, Liberation Sans, DejaVu Sans, sans-serif"

    package init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    private static func c(_ v: Double) -> String { NumberFormat.coordinate(v) }

    private static func allFinite(_ values: Double...) -> Bool { values.allSatisfy(\.isFinite) }

    /// Appends markup that is already safe (built by this module from escaped parts).
    package mutating func raw(_ markup: String) {
        parts.append(markup)
    }

    package mutating func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#000", width: Double = 1,
        dash: String? = nil
    ) {
        guard Self.allFinite(x1, y1, x2, y2) else { return }
        var s = "<line x1=\"\(Self.c(x1))\" y1=\"\(Self.c(y1))\" x2=\"\(Self.c(x2))\" y2=\"\(Self.c(y2))\" stroke=\"\(stroke)\""
        if width != 1 { s += " stroke-width=\"\(Self.c(width))\"" }
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        parts.append(s + "/>")
    }

    package mutating func rect(
        x: Double, y: Double, width w: Double, height h: Double, fill: String = "none", stroke: String? = nil,
        strokeWidth: Double = 1, radius: Double = 0, title: String? = nil
    ) {
        guard Self.allFinite(x, y, w, h), w >= 0, h >= 0 else { return }
        var s = "<rect x=\"\(Self.c(x))\" y=\"\(Self.c(y))\" width=\"\(Self.c(w))\" height=\"\(Self.c(h))\" fill=\"\(fill)\""
        if let stroke { s += " stroke=\"\(stroke)\"" }
        if stroke != nil, strokeWidth != 1 { s += " stroke-width=\"\(Self.c(strokeWidth))\"" }
        if radius > 0 { s += " rx=\"\(Self.c(radius))\"" }
        if let title {
            parts.append(s + "><title>\(Markup.escape(title))</title></rect>")
        } else {
            parts.append(s + "/>")
        }
    }

    /// A path from absolute commands; `points` are (command, x, y) with command `M` or `L`.
    package mutating func polyline(
        _ points: [(command: Character, x: Double, y: Double)], stroke: String, width: Double = 1, dash: String? = nil,
        fill: String = "none"
    ) {
        let drawable = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard drawable.count == points.count, !drawable.isEmpty else { return }
        let d = drawable.map { "\($0.command)\(Self.c($0.x)) \(Self.c($0.y))" }.joined(separator: " ")
        var s = "<path d=\"\(d)\" fill=\"\(fill)\" stroke=\"\(stroke)\""
        if width != 1 { s += " stroke-width=\"\(Self.c(width))\"" }
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        s += " stroke-linejoin=\"round\""
        parts.append(s + "/>")
    }

    package enum Anchor: String {
        case start, middle, end
    }

    /// A run of text with optional italic parts (e.g. the `p` of `p = 0.02`).
    package struct Span {
        var text: String
        var italic: Bool
        package init(_ text: String, italic: Bool = false) {
            self.text = text
            self.italic = italic
        }
    }

    /// Text at (x, y). `maxWidth` shortens it with "…" and keeps the full text in `<title>`;
    /// `tooltip` adds a `<title>` even when nothing was cut. `rotate` turns it about (x, y).
    package mutating func text(
        _ content: String, x: Double, y: Double, size: Double = 11, anchor: Anchor = .start, bold: Bool = false,
        italic: Bool = false, fill: String = "#1a1a1a", maxWidth: Double? = nil, rotate: Double? = nil,
        tooltip: String? = nil
    ) {
        spans([Span(content, italic: italic)], x: x, y: y, size: size, anchor: anchor, bold: bold, fill: fill,
              maxWidth: maxWidth, rotate: rotate, tooltip: tooltip)
    }

    package mutating func spans(
        _ runs: [Span], x: Double, y: Double, size: Double = 11, anchor: Anchor = .start, bold: Bool = false,
        fill: String = "#1a1a1a", maxWidth: Double? = nil, rotate: Double? = nil, tooltip: String? = nil
    ) {
        guard Self.allFinite(x, y, size) else { return }
        let full = runs.map(\.text).joined()
        var shown = runs
        var title = tooltip
        // Bold glyphs run about 13% wider than regular ones in the fallback fonts.
        let budget = maxWidth.map { bold ? $0 / 1.13 : $0 }
        if let budget, TextMetrics.width(full, fontSize: size) > budget {
            let cut = TextMetrics.truncate(full, maxWidth: budget, fontSize: size).text
            shown = [Span(cut)]
            title = tooltip ?? full
        }
        var s = "<text x=\"\(Self.c(x))\" y=\"\(Self.c(y))\" font-size=\"\(Self.c(size))\""
        if anchor != .start { s += " text-anchor=\"\(anchor.rawValue)\"" }
        if bold { s += " font-weight=\"bold\"" }
        if fill != "#1a1a1a" { s += " fill=\"\(fill)\"" }
        if let rotate, rotate.isFinite {
            s += " transform=\"rotate(\(Self.c(rotate)) \(Self.c(x)) \(Self.c(y)))\""
        }
        s += ">"
        if let title { s += "<title>\(Markup.escape(title))</title>" }
        // Each run is escaped and, if it holds right-to-left text, isolated on its own.
        for run in shown {
            s += run.italic ? "<tspan font-style=\"italic\">\(Markup.svgText(run.text))</tspan>" : Markup.svgText(run.text)
        }
        parts.append(s + "</text>")
    }

    /// Multi-line text, one `<text>` per line, `lineHeight` apart, starting at baseline `y`.
    package mutating func lines(
        _ lines: [String], x: Double, y: Double, size: Double, lineHeight: Double, anchor: Anchor = .start,
        bold: Bool = false, tooltip: String? = nil
    ) {
        for (i, line) in lines.enumerated() {
            text(line, x: x, y: y + Double(i) * lineHeight, size: size, anchor: anchor, bold: bold,
                 tooltip: i == 0 ? tooltip : nil)
        }
    }

    /// A group marker (see `MarkerShape`) centred on (x, y), with an optional tooltip.
    package mutating func marker(_ shape: MarkerShape, x: Double, y: Double, size: Double, color: String, title: String? = nil) {
        guard Self.allFinite(x, y, size) else { return }
        let r = size / 2
        let body: String
        switch shape {
        case .circle:
            body = "<circle cx=\"\(Self.c(x))\" cy=\"\(Self.c(y))\" r=\"\(Self.c(r))\" fill=\"\(color)\" stroke=\"\(color)\""
        case .openSquare:
            body = "<rect x=\"\(Self.c(x - r))\" y=\"\(Self.c(y - r))\" width=\"\(Self.c(size))\" height=\"\(Self.c(size))\" fill=\"#fff\" stroke=\"\(color)\" stroke-width=\"1.5\""
        case .triangle:
            let h = r * 1.15
            body = "<path d=\"M\(Self.c(x)) \(Self.c(y - h)) L\(Self.c(x + h)) \(Self.c(y + h * 0.8)) L\(Self.c(x - h)) \(Self.c(y + h * 0.8)) Z\" fill=\"\(color)\" stroke=\"\(color)\""
        case .openDiamond:
            let h = r * 1.25
            body = "<path d=\"M\(Self.c(x)) \(Self.c(y - h)) L\(Self.c(x + h)) \(Self.c(y)) L\(Self.c(x)) \(Self.c(y + h)) L\(Self.c(x - h)) \(Self.c(y)) Z\" fill=\"#fff\" stroke=\"\(color)\" stroke-width=\"1.5\""
        case .cross:
            body = "<path d=\"M\(Self.c(x - r)) \(Self.c(y - r)) L\(Self.c(x + r)) \(Self.c(y + r)) M\(Self.c(x - r)) \(Self.c(y + r)) L\(Self.c(x + r)) \(Self.c(y - r))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\""
        case .openCircle:
            body = "<circle cx=\"\(Self.c(x))\" cy=\"\(Self.c(y))\" r=\"\(Self.c(r))\" fill=\"#fff\" stroke=\"\(color)\" stroke-width=\"1.5\""
        }
        if let title {
            let tag = body.hasPrefix("<circle") ? "circle" : body.hasPrefix("<rect") ? "rect" : "path"
            parts.append(body + "><title>\(Markup.escape(title))</title></\(tag)>")
        } else {
            parts.append(body + "/>")
        }
    }

    /// The finished `<svg>` element. `id` must already be a safe identifier (see
    /// `Markup.slug`); `label` is user text and is escaped into `aria-label`.
    package func svg(id: String?, label: String, cssClass: String? = nil) -> String {
        var s = "<svg"
        if let id { s += " id=\"\(id)\"" }
        if let cssClass { s += " class=\"\(cssClass)\"" }
        s += " viewBox=\"0 0 \(Self.c(width)) \(Self.c(height))\" width=\"\(Self.c(width))\" height=\"\(Self.c(height))\""
        s += " role=\"img\" aria-label=\"\(Markup.escape(label))\" font-family=\"\(Self.fontFamily)\">"
        s += "\n"
        for part in parts {
            s += part
            s += "\n"
        }
        return s + "</svg>"
    }
}
