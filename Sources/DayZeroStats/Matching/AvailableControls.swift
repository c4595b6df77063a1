/// The controls still available for matching, by position in score order, with "nearest
/// available at or left of j" and "nearest available at or right of j" in near-constant time.
///
/// Two disjoint-set forests over positions: removing position j links it to j + 1 (right
/// forest) and to j − 1 (left forest), so a lookup follows the links over every removed
/// position to the first one still present. Path halving keeps each lookup O(α(n)) amortised,
/// so a whole 1:1 matching of n units costs O(n α(n)) after the sort.
struct AvailableControls {
    /// Right forest over 0...count: `right[j] == j` while j is present; `count` is a sentinel.
    private var right: [Int32]
    /// Left forest over 0...count, shifted by one: node j + 1 stands for position j, node 0 is
    /// a sentinel.
    private var left: [Int32]
    private(set) var remaining: Int

    init(count: Int) {
        right = (0...count).map { Int32($0) }
        left = right
        remaining = count
    }

    /// The smallest present position ≥ `j`, or `nil`.
    /// - Complexity: amortised O(α(n)).
    mutating func nearest(atOrRightOf j: Int) -> Int? {
        let sentinel = right.count - 1
        guard j < sentinel else { return nil }
        var x = max(j, 0)
        while Int(right[x]) != x {
            let parent = Int(right[x])
            right[x] = right[parent]
            x = parent
        }
        return x == sentinel ? nil : x
    }

    /// The largest present position ≤ `j`, or `nil`.
    /// - Complexity: amortised O(α(n)).
    mutating func nearest(atOrLeftOf j: Int) -> Int? {
        guard j >= 0 else { return nil }
        var x = min(j, right.count - 2) + 1
        while Int(left[x]) != x {
            let parent = Int(left[x])
            left[x] = left[parent]
            x = parent
        }
        return x == 0 ? nil : x - 1
    }

    /// Removes position `j` (which must be present).
    mutating func remove(_ j: Int) {
        right[j] = Int32(j + 1)
        left[j + 1] = Int32(j)
        remaining -= 1
    }
}
