import Foundation

/// Label placement without overlap, in the spirit of ggrepel: each label goes as close to its
/// point as it can without covering another label, a point or a reserved area (e.g. a line's
/// caption), inside the plot; a label moved away from its point gets a leader line (drawn by the
/// caller). Placement is greedy and deterministic: labels are placed in a fixed priority order
/// (highest point first, then left to right), each at the first free spot of a fixed spiral of
/// candidate positions around its point, so the same input always gives the same layout and
/// no two labels overlap whenever the plot has room for them.
package enum LabelRepel {
    package struct Anchor: Sendable {
        /// The point the label names.
        package var x: Double
        package var y: Double
        /// The text shown and, when it was shortened, the full text.
        package var text: String
        package var full: String?
        package var width: Double
        package var height: Double

        package init(x: Double, y: Double, text: String, full: String?, width: Double, height: Double) {
            self.x = x
            self.y = y
            self.text = text
            self.full = full
            self.width = width
            self.height = height
        }
    }

    /// A placed label (or a reserved area): its centre and size.
    package struct Box: Sendable, Equatable {
        package var x: Double
        package var y: Double
        package var width: Double
        package var height: Double

        package init(x: Double, y: Double, width: Double, height: Double) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }

        func overlaps(_ o: Box, padding: Double) -> Bool {
            abs(x - o.x) < (width + o.width) / 2 + padding && abs(y - o.y) < (height + o.height) / 2 + padding
        }
    }

    static let padding = 1.5
    static let pointRadius = 3.0
    /// Rings of the spiral and directions per ring.
    static let rings = 60
    static let directions = 24

    /// Centres for `anchors` within `bounds` (minX, minY, maxX, maxY), avoiding one another,
    /// the `obstacles` (points drawn in the plot, as circles of `pointRadius`) and `reserved`.
    package static func place(
        _ anchors: [Anchor], obstacles: [(x: Double, y: Double)], reserved: [Box] = [], bounds: (Double, Double, Double, Double)
    ) -> [Box] {
        let (minX, minY, maxX, maxY) = bounds
        let midX = (minX + maxX) / 2
        let points = obstacles.map { Box(x: $0.x, y: $0.y, width: 2 * pointRadius, height: 2 * pointRadius) }
        func inBounds(_ b: Box) -> Bool {
            b.x - b.width / 2 >= minX && b.x + b.width / 2 <= maxX && b.y - b.height / 2 >= minY && b.y + b.height / 2 <= maxY
        }
        func clamped(_ b: Box) -> Box {
            var b = b
            b.x = min(max(b.x, minX + b.width / 2), max(minX + b.width / 2, maxX - b.width / 2))
            b.y = min(max(b.y, minY + b.height / 2), max(minY + b.height / 2, maxY - b.height / 2))
            return b
        }
        // Highest point first (the most significant names the best spots), then left to right.
        let order = anchors.indices.sorted { a, b in
            anchors[a].y != anchors[b].y ? anchors[a].y < anchors[b].y : (anchors[a].x != anchors[b].x ? anchors[a].x < anchors[b].x : a < b)
        }
        var placed: [Box?] = Array(repeating: nil, count: anchors.count)
        var taken: [Box] = reserved
        for i in order {
            let a = anchors[i]
            // First choice: beside the point, on the side away from the plot's middle.
            let side = a.x < midX ? -1.0 : 1.0
            var candidates = [Box(x: a.x + side * (a.width / 2 + 5), y: a.y, width: a.width, height: a.height),
                              Box(x: a.x - side * (a.width / 2 + 5), y: a.y, width: a.width, height: a.height),
                              Box(x: a.x, y: a.y - a.height / 2 - 5, width: a.width, height: a.height),
                              Box(x: a.x, y: a.y + a.height / 2 + 5, width: a.width, height: a.height)]
            for ring in 1...rings {
                let rx = a.width / 2 + 5 + Double(ring) * 4, ry = a.height / 2 + 3 + Double(ring) * 3
                for k in 0..<directions {
                    // Angles starting on the preferred side, alternating above and below it.
                    let step = Double((k + 1) / 2) * (k % 2 == 0 ? 1 : -1)
                    let angle = (side < 0 ? Double.pi : 0) + step * 2 * Double.pi / Double(directions)
                    candidates.append(Box(x: a.x + rx * cos(angle), y: a.y + ry * sin(angle), width: a.width, height: a.height))
                }
            }
            let free = candidates.first { c in
                inBounds(c) && !taken.contains { $0.overlaps(c, padding: padding) } && !points.contains { $0.overlaps(c, padding: 0.5) }
            }
            // Crowded: give up avoiding points before giving up avoiding labels.
            let fallback = candidates.first { c in inBounds(c) && !taken.contains { $0.overlaps(c, padding: padding) } }
            let box = free ?? fallback ?? clamped(candidates[0])
            placed[i] = box
            taken.append(box)
        }
        return placed.map { $0 ?? Box(x: 0, y: 0, width: 0, height: 0) }
    }

    /// Whether any two of `boxes` overlap (touching is allowed).
    package static func anyOverlap(_ boxes: [Box]) -> Bool {
        for i in boxes.indices {
            for j in boxes.indices where j > i && boxes[i].overlaps(boxes[j], padding: -0.01) { return true }
        }
        return false
    }
}
