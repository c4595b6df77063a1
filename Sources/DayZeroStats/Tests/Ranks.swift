/// Mid-ranks (R `rank(x, ties.method = "average")`) and the tie summary a rank test needs.
struct Ranking {
    /// Rank of each input value, 1-based, ties given the average of their positions.
    var ranks: [Double]
    /// Σ (tᵢ³ − tᵢ) over groups of tᵢ tied values (0 without ties).
    var tieTerm: Double
    /// Whether any two values are equal.
    var hasTies: Bool

    /// - Complexity: O(n log n): one sort of the indices, one pass over tie groups.
    init(_ values: [Double]) {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var tieTerm = 0.0
        var hasTies = false
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = average }
            let t = Double(end - start + 1)
            if end > start {
                hasTies = true
                tieTerm += t * t * t - t
            }
            start = end + 1
        }
        self.ranks = ranks
        self.tieTerm = tieTerm
        self.hasTies = hasTies
    }
}
