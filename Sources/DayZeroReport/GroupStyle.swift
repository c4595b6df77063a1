/// Marker shapes; filled and open shapes alternate so groups differ in grey print too.
package enum MarkerShape: Sendable {
    case circle, openSquare, triangle, openDiamond, cross, openCircle
}

/// How one group is drawn: an Okabe–Ito colour (safe for the common colour-vision
/// deficiencies), a marker shape and a line dash, so the groups stay distinguishable when the
/// report is printed in grey: treated is vermillion, filled circles, solid line; control is
/// blue, open squares, dashed line.
package struct GroupStyle: Sendable, Equatable {
    package var color: String
    package var marker: MarkerShape
    /// `stroke-dasharray` value, or `nil` for a solid line.
    package var dash: String?
    /// Whether bars of this group are hatched (rather than solid) in bar charts.
    package var hatched: Bool

    /// Styles by position: treated first, control second, then any further groups.
    package static let palette: [GroupStyle] = [
        GroupStyle(color: "#D55E00", marker: .circle, dash: nil, hatched: false),
        GroupStyle(color: "#0072B2", marker: .openSquare, dash: "5 3", hatched: true),
        GroupStyle(color: "#009E73", marker: .triangle, dash: "2 2", hatched: false),
        GroupStyle(color: "#CC79A7", marker: .openDiamond, dash: "7 2 2 2", hatched: true),
        GroupStyle(color: "#E69F00", marker: .cross, dash: "1 3", hatched: false),
        GroupStyle(color: "#56B4E9", marker: .openCircle, dash: "9 3", hatched: true),
        GroupStyle(color: "#000000", marker: .circle, dash: "3 3", hatched: false),
    ]

    package static func at(_ index: Int) -> GroupStyle {
        palette[((index % palette.count) + palette.count) % palette.count]
    }
}

/// The groups of one analysis set in drawing order with their display labels and styles.
package struct GroupPalette: Sendable {
    package struct Entry: Sendable {
        package var key: String
        package var label: String
        package var style: GroupStyle
    }

    package private(set) var entries: [Entry]

    /// Treated first, control second, then every other group name in order of first
    /// appearance in `seen`.
    package init(options: ReportOptions, seen: [String]) {
        var keys = [options.treatedGroup, options.controlGroup]
        for name in seen where !keys.contains(name) { keys.append(name) }
        entries = keys.enumerated().map { i, key in
            Entry(key: key, label: options.label(forGroup: key), style: GroupStyle.at(i))
        }
    }

    package func entry(_ key: String) -> Entry? {
        entries.first { $0.key == key }
    }

    /// The entries among `keys`, in palette order, each key once (should the treated and
    /// control names coincide, the group is drawn once, as treated).
    package func present(_ keys: Set<String>) -> [Entry] {
        var seen: Set<String> = []
        return entries.filter { keys.contains($0.key) && seen.insert($0.key).inserted }
    }

    package var treated: Entry { entries[0] }
    package var control: Entry { entries[1] }
}

/// A one-line legend: for each group a line sample, its marker and its label.
enum Legend {
    static func svg(_ entries: [GroupPalette.Entry], id: String?, lines: Bool = true, bars: Bool = false, patternPrefix: String = "") -> String {
        let size = 11.0
        let maxLabel = 220.0
        var x = 4.0
        var items: [(GroupPalette.Entry, Double, String)] = []
        for entry in entries {
            let shown = TextMetrics.truncate(entry.label, maxWidth: maxLabel, fontSize: size).text
            items.append((entry, x, shown))
            x += 34 + TextMetrics.width(shown, fontSize: size) + 18
        }
        var canvas = SVGCanvas(width: max(x, 40), height: 22)
        for (index, item) in items.enumerated() {
            let (entry, x0, _) = item
            let style = entry.style
            if bars {
                if style.hatched {
                    canvas.raw(HatchPattern.definition(id: "\(patternPrefix)-legend-hatch-\(index)", color: style.color))
                    canvas.rect(x: x0 + 4, y: 5, width: 22, height: 12, fill: "url(#\(patternPrefix)-legend-hatch-\(index))", stroke: style.color)
                } else {
                    canvas.rect(x: x0 + 4, y: 5, width: 22, height: 12, fill: style.color, stroke: style.color)
                }
            } else {
                if lines {
                    canvas.line(x0, 11, x0 + 30, 11, stroke: style.color, width: 1.5, dash: style.dash)
                }
                canvas.marker(style.marker, x: x0 + 15, y: 11, size: 7, color: style.color)
            }
            canvas.text(entry.label, x: x0 + 34, y: 15, size: size, maxWidth: maxLabel)
        }
        return canvas.svg(id: id, label: "Legend: " + entries.map { Markup.isolate($0.label) }.joined(separator: ", "), cssClass: "legend")
    }
}

/// Diagonal hatching for bars of hatched groups; the pattern id must be unique in the document.
enum HatchPattern {
    static func definition(id: String, color: String) -> String {
        "<defs><pattern id=\"\(id)\" patternUnits=\"userSpaceOnUse\" width=\"5\" height=\"5\" patternTransform=\"rotate(45)\">"
            + "<rect width=\"5\" height=\"5\" fill=\"#fff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\" stroke=\"\(color)\" stroke-width=\"2.4\"/></pattern></defs>"
    }
}
