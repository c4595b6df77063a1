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
    /// Components without a measured score that day (carried ones included).
    public var missingComponents: Int
    /// With `carry_forward`: the missing components whose earlier score entered the total.
    public var carriedComponents: Int = 0
    /// `nil` when the missing-components policy gives no total.
    public var total: Int?
}

extension SOFADefinition {
    /// Scores one day from the inputs' day values.
    ///
    /// - Parameters:
    ///   - ventilated: Whether the patient is mechanically ventilated that day.
    ///   - carried: With `carry_forward`, the score each component would carry to this day (the
    ///     patient's last measured score of it within the carry limit, see
    ///     `SOFACarryForward`), `nil` per component without one; ignored by the other policies.
    ///   - inputValue: The day value of input `j` of component `c` (`nil` = not measured).
    public func score(
        ventilated: Bool, carried: [Int?] = [], inputValue: (_ component: Int, _ input: Int) -> Double?
    ) -> SOFADayScore {
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
        var carriedCount = 0
        let total: Int?
        switch missingComponents.policy {
        case .sumAvailable: total = available.count >= missingComponents.minimumComponents ? available.reduce(0, +) : nil
        case .requireAll: total = missing == 0 && !available.isEmpty ? available.reduce(0, +) : nil
        case .carryForward:
            var sum = available.reduce(0, +)
            for (c, s) in scores.enumerated() where s == nil && c < carried.count {
                if let v = carried[c] {
                    sum += v
                    carriedCount += 1
                }
            }
            total = available.count + carriedCount >= missingComponents.minimumComponents ? sum : nil
        }
        return SOFADayScore(components: scores, missingComponents: missing, carriedComponents: carriedCount, total: total)
    }
}

/// The last-value-carried-forward state of one patient's SOFA days (`carry_forward`): per
/// component, the last period on which it was measured and its score then. Days are fed in
/// ascending order; a component's score is carried to a later day when it is at most
/// `limit` periods old (`carry_forward_days`; `nil`: any age).
public struct SOFACarryForward: Sendable, Equatable {
    var lastDay: [Int?]
    var lastScore: [Int]
    let limit: Int?

    public init(components: Int, limit: Int?) {
        lastDay = Array(repeating: nil, count: components)
        lastScore = Array(repeating: 0, count: components)
        self.limit = limit
    }

    /// The score each component would carry to `day`.
    public func carried(to day: Int) -> [Int?] {
        lastDay.indices.map { c in
            guard let d = lastDay[c], d < day, limit.map({ day - d <= $0 }) ?? true else { return nil }
            return lastScore[c]
        }
    }

    /// Records the components measured on `day` (carried ones are not measurements).
    public mutating func record(_ score: SOFADayScore, day: Int) {
        for (c, s) in score.components.enumerated() where c < lastDay.count {
            if let s {
                lastDay[c] = day
                lastScore[c] = s
            }
        }
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
