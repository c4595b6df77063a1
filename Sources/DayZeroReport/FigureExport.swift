/// The report's figures and tables as files for a journal: every `<figure>` as a standalone SVG
/// (`figures/fig-<id>.svg`) and every data table as CSV (`tables/<id>.csv`), taken from the
/// rendered document so that each file shows exactly what the report shows.
///
/// A standalone SVG is 174 mm wide (a two-column journal figure), declares the SVG namespace,
/// uses the report's font list ending in the generic `sans-serif`, and carries its own style
/// (the one rule the report's style sheet applies to SVG text). A figure of several panels
/// becomes one SVG with the legend on top and the panels two per row, each panel a nested
/// `<svg>` scaled to its cell; the caption stays in the report (journals take captions as text).
package enum FigureExport {
    /// One exported file: its path inside the report folder and its content.
    package struct File: Sendable, Equatable {
        package var path: String
        package var content: String
        /// The element id it was made from and its title (figure caption title or table caption).
        package var id: String
        package var title: String
    }

    /// The width of an exported figure in CSS pixels (174 mm at 96 px per inch) and millimetres.
    static let widthPixels = 658.0
    static let widthMillimetres = 174.0
    static let gap = 12.0

    /// The standalone SVG of every `<figure>` in `html`, in document order.
    package static func figures(in html: String) -> [File] {
        var files: [File] = []
        for element in elements(named: "figure", in: html) {
            guard let id = attribute("id", ofFirstTagIn: element) else { continue }
            let svgs = elements(named: "svg", in: element)
            guard !svgs.isEmpty else { continue }
            // The legend (inside `<div class="legend">`) comes first when there is one.
            let legendRange = element.range(of: "<div class=\"legend\">")
            var legend: String?
            var panels: [String] = []
            for svg in svgs {
                if let legendRange, legend == nil, let at = element.range(of: svg), at.lowerBound > legendRange.lowerBound,
                   let end = element.range(of: "</div>", range: legendRange.upperBound..<element.endIndex), at.lowerBound < end.lowerBound {
                    legend = svg
                } else {
                    panels.append(svg)
                }
            }
            let title = captionTitle(element)
            files.append(File(path: "figures/fig-\(id).svg", content: standalone(panels: panels, legend: legend, title: title), id: id, title: title))
        }
        return files
    }

    /// Every `<table class="data …">` with an id in `html` as CSV (RFC 4180: comma-separated,
    /// fields quoted when they hold a comma, quote or line break, CRLF line ends), in document
    /// order. Cell text is the text shown, with note and test marks left out and shortened
    /// labels written in full.
    package static func tables(in html: String) -> [File] {
        var files: [File] = []
        for element in elements(named: "table", in: html) {
            guard element.hasPrefix("<table class=\"data"), let id = attribute("id", ofFirstTagIn: element) else { continue }
            var lines: [String] = []
            for row in elements(named: "tr", in: element) {
                var cells: [String] = []
                var rest = row[...]
                while let open = rest.range(of: "<t") {
                    let after = rest[open.upperBound...]
                    guard let kind = after.first, kind == "h" || kind == "d",
                          let close = rest.range(of: "</t\(kind)>", range: open.upperBound..<rest.endIndex) else {
                        rest = rest[open.upperBound...]
                        continue
                    }
                    cells.append(plainText(String(rest[open.lowerBound..<close.upperBound])))
                    rest = rest[close.upperBound...]
                }
                if !cells.isEmpty { lines.append(cells.map(csvField).joined(separator: ",")) }
            }
            let caption = elements(named: "caption", in: element).first.map { plainText($0) } ?? id
            files.append(File(path: "tables/\(id).csv", content: lines.joined(separator: "\r\n") + "\r\n", id: id, title: caption))
        }
        return files
    }

    /// One standalone SVG document from the panels (and legend) of a figure.
    static func standalone(panels: [String], legend: String?, title: String) -> String {
        // Two panels per row when they are panel-sized (a kinetics or survival panel); wide
        // drawings (a forest plot) one per row.
        let narrow = panels.allSatisfy { (size(of: $0)?.width ?? 0) <= 420 }
        let columns = panels.count > 1 && narrow ? 2 : 1
        let cellWidth = (widthPixels - gap * Double(columns - 1)) / Double(columns)
        var y = 0.0
        var body = ""
        if let legend, let size = size(of: legend) {
            let scale = min(1, widthPixels / size.width)
            body += nested(legend, x: 0, y: y, width: size.width * scale, height: size.height * scale) + "\n"
            y += size.height * scale + 6
        }
        var rowHeight = 0.0
        for (index, panel) in panels.enumerated() {
            guard let size = size(of: panel), size.width > 0 else { continue }
            let column = index % columns
            if column == 0, index > 0 {
                y += rowHeight + gap
                rowHeight = 0
            }
            // A panel is never drawn larger than 1.5 times its own size.
            let scale = min(cellWidth / size.width, 1.5)
            let w = size.width * scale, h = size.height * scale
            let x = Double(column) * (cellWidth + gap) + (cellWidth - w) / 2
            body += nested(panel, x: x, y: y, width: w, height: h) + "\n"
            rowHeight = max(rowHeight, h)
        }
        let height = max(1, y + rowHeight)
        let heightMillimetres = height * widthMillimetres / widthPixels
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(NumberFormat.coordinate(widthMillimetres))mm\""
        s += " height=\"\(NumberFormat.coordinate(heightMillimetres))mm\" viewBox=\"0 0 \(NumberFormat.coordinate(widthPixels)) \(NumberFormat.coordinate(height))\""
        s += " font-family=\"\(SVGCanvas.fontFamily)\">\n"
        s += "<title>\(Markup.escape(title))</title>\n"
        s += "<style>text { white-space: pre; } svg { overflow: hidden; }</style>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(NumberFormat.coordinate(widthPixels))\" height=\"\(NumberFormat.coordinate(height))\" fill=\"#fff\"/>\n"
        return s + body + "</svg>\n"
    }

    /// `svg` with its position and drawn size set (its `viewBox` keeps the drawing scaled).
    static func nested(_ svg: String, x: Double, y: Double, width: Double, height: Double) -> String {
        guard let tagEnd = svg.firstIndex(of: ">") else { return svg }
        var tag = String(svg[..<tagEnd])
        for name in ["width", "height", "class"] { tag = removingAttribute(name, from: tag) }
        tag += " x=\"\(NumberFormat.coordinate(x))\" y=\"\(NumberFormat.coordinate(y))\""
        tag += " width=\"\(NumberFormat.coordinate(width))\" height=\"\(NumberFormat.coordinate(height))\""
        return tag + String(svg[tagEnd...])
    }

    /// The `viewBox` size of an `<svg>` element.
    static func size(of svg: String) -> (width: Double, height: Double)? {
        guard let tagEnd = svg.firstIndex(of: ">"), let box = attribute("viewBox", ofFirstTagIn: String(svg[...tagEnd])) else { return nil }
        let numbers = box.split(separator: " ").compactMap { Double($0) }
        guard numbers.count == 4, numbers[2] > 0, numbers[3] > 0 else { return nil }
        return (numbers[2], numbers[3])
    }

    static func removingAttribute(_ name: String, from tag: String) -> String {
        guard let start = tag.range(of: " \(name)=\""),
              let end = tag.range(of: "\"", range: start.upperBound..<tag.endIndex) else { return tag }
        return String(tag[..<start.lowerBound]) + String(tag[end.upperBound...])
    }

    /// The `<strong>` title of a figure's caption, as plain text.
    static func captionTitle(_ figure: String) -> String {
        guard let caption = elements(named: "figcaption", in: figure).first else { return "" }
        if let strong = elements(named: "strong", in: caption).first { return plainText(strong) }
        return plainText(caption)
    }

    /// Every `<name …>…</name>` element in `text` (not nested in one of its own kind), in order.
    static func elements(named name: String, in text: String) -> [String] {
        var out: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "<\(name)") {
            let next = rest[open.upperBound...].first
            guard next == " " || next == ">" else {
                rest = rest[open.upperBound...]
                continue
            }
            guard let close = rest.range(of: "</\(name)>", range: open.upperBound..<rest.endIndex) else { break }
            out.append(String(rest[open.lowerBound..<close.upperBound]))
            rest = rest[close.upperBound...]
        }
        return out
    }

    /// The value of attribute `name` in the first tag of `text` (unescaped as written).
    static func attribute(_ name: String, ofFirstTagIn text: String) -> String? {
        guard let tagEnd = text.firstIndex(of: ">") else { return nil }
        let tag = text[..<tagEnd]
        guard let start = tag.range(of: " \(name)=\""), let end = tag.range(of: "\"", range: start.upperBound..<tag.endIndex) else { return nil }
        return String(tag[start.upperBound..<end.lowerBound])
    }

    /// Visible text of an HTML fragment: tags removed, `<sup>` marks left out, a shortened
    /// label (`<span title="full">short…</span>`) replaced by its full text, line breaks as
    /// spaces, character references decoded, runs of white space collapsed.
    static func plainText(_ fragment: String) -> String {
        var out = ""
        var rest = fragment[...]
        while let open = rest.firstIndex(of: "<") {
            out += rest[..<open]
            let tagRest = rest[open...]
            guard let close = tagRest.firstIndex(of: ">") else { break }
            let tag = tagRest[..<close]
            if tag.hasPrefix("<sup"), let end = tagRest.range(of: "</sup>") {
                rest = tagRest[end.upperBound...]
                continue
            }
            if tag.hasPrefix("<span title=\""), let full = attribute("title", ofFirstTagIn: String(tagRest)),
               let end = tagRest.range(of: "</span>") {
                out += full
                rest = tagRest[end.upperBound...]
                continue
            }
            if tag.hasPrefix("<br") { out += " " }
            rest = tagRest[tagRest.index(after: close)...]
        }
        out += rest
        let decoded = out.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
        return decoded.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
