/// SOFA per patient and ICU day, columnar: row `r` is patient `patient[r]` on ICU day
/// `icuDay[r]`, with component scores `components[r * componentNames.count + c]` (`-1` when the
/// component is missing that day), the number of missing components and the total (`nil` when
/// the missing-components policy gives no total). Rows are sorted by patient, then day; a day
/// appears when at least one input of any component has a value.
public struct SOFATable: Sendable, Equatable {
    public var componentNames: [String]
    public var patient: [Int32] = []
    public var icuDay: [Int32] = []
    /// Row-major component scores, `-1` = missing.
    public var components: [Int8] = []
    public var missingComponents: [Int8] = []
    public var total: [Int?] = []

    public init(componentNames: [String]) { self.componentNames = componentNames }

    public var count: Int { icuDay.count }

    /// Component `c` of row `r`, `nil` when missing.
    public func component(_ c: Int, row r: Int) -> Int? {
        let s = components[r * componentNames.count + c]
        return s < 0 ? nil : Int(s)
    }
}

/// The scores of one ICU day.
public struct SOFADayScore: Sendable, Equatable {
    /// One entry per component, `nil` when none of its inputs has a value.
    public var components: [Int?]
    public var missingComponents: Int
    /// `nil` when the missing-components policy gives no total.
    public var total: Int?
}

extension SOFADefinition {
    /// Scores one day from the inputs' day values.
    ///
    /// - Parameters:
    ///   - inputValue: The day value of input `j` of component `c` (`nil` = not measured).
    ///   - ventilated: Whether the patient is mechanically ventilated that day.
    public func score(ventilated: Bool, inputValue: (_ component: Int, _ input: Int) -> Double?) -> SOFADayScore {
        var scores: [Int?] = []
        scores.reserveCapacity(components.count)
        for (c, component) in components.enumerated() {
            var best: Int?
            for (j, input) in component.inputs.enumerated() {
                guard let x = inputValue(c, j) else { continue }
                let s = input.score(x, ventilated: ventilated)
                best = max(best ?? s, s)
            }
            scores.append(best)
        }
        let available = scores.compactMap { $0 }
        let missing = scores.count - available.count
        let total: Int?
        switch missingComponents.policy {
        case .sumAvailable: total = available.count >= missingComponents.minimumComponents ? available.reduce(0, +) : nil
        case .requireAll: total = missing == 0 && !available.isEmpty ? available.reduce(0, +) : nil
        }
        return SOFADayScore(components: scores, missingComponents: missing, total: total)
    }
}

/// Whether a patient is mechanically ventilated on ICU day `day`: the ventilation interval
/// `[start, end]` reaches into the day, `start < day + 1` and `end ≥ day` (an end at time `t`
/// counts for ICU day ⌊t⌋; no end = still ventilated).
/// Whether a patient is mechanically ventilated during the period `[from, to)` (a period of a
/// `TimeAxis`): `start < to` and no end or `end ≥ from`. With `[d, d + 1)` this is
/// `isVentilated(onICUDay: d, …)`.
@inlinable
public func isVentilated(from: Double, to: Double, start: Double?, end: Double?) -> Bool {
    guard let start, start < to else { return false }
    guard let end else { return true }
    return end >= from
}

@inlinable
public func isVentilated(onICUDay day: Int, start: Double?, end: Double?) -> Bool {
    guard let start else { return false }
    guard start < Double(day) + 1 else { return false }
    guard let end else { return true }
    return end >= Double(day)
}
