/// Multiple-testing corrections — R `p.adjust(p, method)`.
///
/// Missing p-values (nil or NaN) stay missing and are not counted in the number of tests m,
/// exactly as R (`p.adjust` sets m to the number of non-NA p-values). Results are in input order.
/// With the non-missing p-values sorted ascending, p₍₁₎ ≤ … ≤ p₍ₘ₎:
/// - Bonferroni: min(1, m·p).
/// - Holm: p̃₍ᵢ₎ = min(1, maxⱼ≤ᵢ (m − j + 1)·p₍ⱼ₎) (step-down, running maximum).
/// - Benjamini–Hochberg: p̃₍ᵢ₎ = min(1, minⱼ≥ᵢ m·p₍ⱼ₎/j) (step-up, running minimum from the top).
///
/// - Complexity: O(m log m).
public enum PValueAdjustment {
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        case bonferroni
        case holm
        case benjaminiHochberg = "BH"
    }

    /// - Throws: `StatsError` when a p-value lies outside [0, 1].
    public static func adjust(_ pValues: [Double?], method: Method) throws -> [Double?] {
        var present: [(index: Int, p: Double)] = []
        present.reserveCapacity(pValues.count)
        for (index, value) in pValues.enumerated() {
            guard let p = value, !p.isNaN else { continue }
            guard p >= 0 && p <= 1 else {
                throw StatsError("p-value [\(index)] = \(p) is outside [0, 1]")
            }
            present.append((index, p))
        }
        var adjusted = [Double?](repeating: nil, count: pValues.count)
        let m = Double(present.count)
        switch method {
        case .bonferroni:
            for item in present { adjusted[item.index] = min(1, m * item.p) }
        case .holm:
            // Stable ascending order, as R's order().
            let ascending = present.indices.sorted { (present[$0].p, $0) < (present[$1].p, $1) }
            var runningMax = 0.0
            for (rank, position) in ascending.enumerated() {
                let value = (m - Double(rank)) * present[position].p
                runningMax = max(runningMax, value)
                adjusted[present[position].index] = min(1, runningMax)
            }
        case .benjaminiHochberg:
            // Descending order (stable, as R's order(p, decreasing = TRUE)); i runs m…1.
            let descending = present.indices.sorted { (present[$0].p, $1) > (present[$1].p, $0) }
            var runningMin = Double.infinity
            for (offset, position) in descending.enumerated() {
                let i = m - Double(offset)
                let value = m / i * present[position].p
                runningMin = min(runningMin, value)
                adjusted[present[position].index] = min(1, runningMin)
            }
        }
        return adjusted
    }
}
