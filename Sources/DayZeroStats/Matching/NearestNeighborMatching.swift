/// The order in which treated units choose their controls — MatchIt's `m.order`.
public enum NearestNeighborOrder: String, Sendable, Hashable, CaseIterable, Codable {
    /// Decreasing distance (MatchIt's default for the ATT with a propensity score): the
    /// treated units hardest to match choose first. Ties keep data order.
    case largest
    /// Increasing distance; ties keep data order.
    case smallest
    /// Data order.
    case data
    /// A seeded random permutation (DayZero's own generator: not R's `sample.int` stream).
    case random
}

/// A caliper: the largest distance a pair may have on the caliper's variable.
public struct MatchingCaliper: Sendable, Hashable {
    /// The width; in standard deviations of the caliper variable when `standardized`.
    public var width: Double
    /// Whether `width` is in standard deviations (MatchIt's `std.caliper = TRUE`): the SD is
    /// R's `sd()` (denominator n − 1) of the variable over all units, treated and control.
    public var standardized: Bool
    /// The caliper variable; `nil` for the distance itself. It must order the units as the
    /// distance does (a non-decreasing function of it, e.g. the logit of a propensity score):
    /// see `NearestNeighborMatching` for why that makes the rule exact.
    public var values: [Double]?

    public init(width: Double, standardized: Bool = true, values: [Double]? = nil) {
        self.width = width
        self.standardized = standardized
        self.values = values
    }
}

/// Settings of `NearestNeighborMatching.match` — MatchIt's `method = "nearest"` arguments.
public struct NearestNeighborOptions: Sendable, Hashable {
    /// Controls per treated unit (k:1), MatchIt's `ratio`.
    public var ratio: Int
    /// With replacement: a control may serve any number of treated units.
    public var replace: Bool
    /// MatchIt's `m.order`; ignored with replacement (every treated unit gets its nearest).
    public var order: NearestNeighborOrder
    /// Seed of `order: .random`.
    public var seed: UInt64
    public var caliper: MatchingCaliper?

    public init(
        ratio: Int = 1, replace: Bool = false, order: NearestNeighborOrder = .largest, seed: UInt64 = 0,
        caliper: MatchingCaliper? = nil
    ) {
        self.ratio = ratio
        self.replace = replace
        self.order = order
        self.seed = seed
        self.caliper = caliper
    }
}

/// The pairs found by nearest-neighbour matching, and MatchIt's matching weights.
public struct NearestNeighborMatch: Sendable, Hashable {
    /// Unit numbers of the treated units, ascending (the rows of the match matrix).
    public var treatedUnits: [Int]
    /// The ratio (columns of the match matrix).
    public var ratio: Int
    /// Row-major treated × ratio matrix of matched control unit numbers, −1 where a treated
    /// unit got fewer than `ratio` controls; column r holds the control chosen in round r + 1
    /// (MatchIt's `match.matrix`).
    public var matchMatrix: [Int]
    /// MatchIt's weights per unit: 1 for a matched treated unit; for a control the sum over
    /// its treated units of 1/(that unit's number of controls), rescaled so the control
    /// weights sum to the number of matched controls; 0 for every unmatched unit.
    public var weights: [Double]
    /// The caliper's width in the units of its variable (after standardisation); `nil`
    /// without a caliper.
    public var caliperWidth: Double?
    /// `fewer-controls` (not every treated unit can get `ratio` controls without
    /// replacement), `unmatched-treated` (with a caliper).
    public var warnings: [StatsWarning]

    /// The controls matched to treated row `row` (index into `treatedUnits`), in match order.
    public func controls(ofTreatedRow row: Int) -> ArraySlice<Int> {
        let slice = matchMatrix[(row * ratio)..<((row + 1) * ratio)]
        guard let end = slice.firstIndex(of: -1) else { return slice }
        return slice[slice.startIndex..<end]
    }

    /// Treated units with at least one control.
    public var matchedTreatedCount: Int {
        (0..<treatedUnits.count).count { matchMatrix[$0 * ratio] >= 0 }
    }

    /// Distinct controls used at least once.
    public var matchedControlCount: Int {
        weights.indices.count { weights[$0] > 0 } - matchedTreatedCount
    }

    /// Number of (treated, control) pairs.
    public var pairCount: Int { matchMatrix.count { $0 >= 0 } }
}

/// Greedy nearest-neighbour matching on a scalar distance, pair for pair as MatchIt 4.x's
/// `matchit(method = "nearest")` with a distance vector (its `nn_matchC_vec`), ATT.
///
/// The rule. All units are sorted by distance, ties in data order (R's stable `order()`).
/// Treated units are visited in `order` (`largest`: decreasing distance, ties in data order);
/// with `ratio` k this is done in k rounds, every treated unit getting its first control
/// before any gets its second. A visiting treated unit looks at the nearest available control
/// on its left in the sorted order and the nearest on its right; the left one wins when
/// |d_left − d_t| ≤ |d_right − d_t| — so an exact tie goes to the control with the smaller
/// distance, and among equal distances to the one earlier in the data. Without replacement
/// the chosen control is then unavailable. With a caliper, a side whose nearest available
/// control is further than the caliper is closed for that visit (MatchIt breaks its scan
/// there); for a caliper on another variable that orders the units as the distance does
/// (the logit of the score), MatchIt's covariate-caliper rule — skip and keep scanning —
/// finds nothing further out either, so the two rules give the same pairs. With
/// replacement a treated unit's r-th control is the nearest not already matched to it.
///
/// MatchIt 4.5.1 as compiled on some platforms (Debian's r-cran-matchit among them)
/// evaluates these absolute differences with the integer `abs()`, so every difference below
/// 1 compares as 0, the left control always wins and calipers never bind (MatchIt issue
/// #163, fixed in 4.5.4). DayZero implements the rule as written; the R fixture scripts
/// feed MatchIt the distance multiplied by 2³⁰, which is exact and resolves differences
/// down to 2⁻³⁰, and check the result against a plain-R version of the rule.
///
/// Speed: one O(n log n) sort, then each visit finds its two neighbours through
/// `AvailableControls` in amortised O(α(n)) — no scanning over used controls, unlike
/// MatchIt's linear scans.
public enum NearestNeighborMatching {
    /// Matches every treated unit to its nearest control(s) on `distance`.
    /// - Parameters:
    ///   - distance: one finite value per unit (a propensity score, or its logit).
    ///   - treated: `true` for treated units.
    /// - Throws: `StatsError` when lengths differ, a distance or caliper value is not finite,
    ///   a group is empty, the ratio is below 1, or the caliper width is not positive.
    /// - Complexity: O(n log n) time, O(n) memory.
    public static func match(
        distance: [Double], treated: [Bool], options: NearestNeighborOptions = NearestNeighborOptions()
    ) throws -> NearestNeighborMatch {
        let n = distance.count
        guard treated.count == n else {
            throw StatsError("treated has \(treated.count) values but distance has \(n); give one of each per unit")
        }
        guard n < Int(Int32.max) else { throw StatsError("\(n) units exceed the 2³¹ − 1 this matching supports") }
        if let bad = distance.firstIndex(where: { !$0.isFinite }) {
            throw StatsError("distance of unit \(bad) is \(distance[bad]); every distance must be a finite number")
        }
        guard options.ratio >= 1 else { throw StatsError("ratio is \(options.ratio); it must be at least 1") }
        guard options.ratio <= n else { throw StatsError("ratio is \(options.ratio); it cannot exceed the \(n) units") }
        let treatedUnits = (0..<n).filter { treated[$0] }
        guard !treatedUnits.isEmpty else { throw StatsError("there are no treated units to match") }
        guard treatedUnits.count < n else { throw StatsError("there are no control units to match with") }

        var warnings: [StatsWarning] = []
        let caliper = try resolveCaliper(options.caliper, distance: distance, warnings: &warnings)

        // Sort every unit by distance, ties in data order; record the controls in that order
        // and, for each treated unit, how many controls precede it.
        var keyed = distance.enumerated().map { (d: $0.element, unit: $0.offset) }
        keyed.sort { $0.d < $1.d || ($0.d == $1.d && $0.unit < $1.unit) }
        var controlUnit: [Int] = []
        controlUnit.reserveCapacity(n - treatedUnits.count)
        var rowOfUnit = [Int](repeating: -1, count: n)
        for (row, unit) in treatedUnits.enumerated() { rowOfUnit[unit] = row }
        var insertion = [Int](repeating: 0, count: treatedUnits.count)
        for (_, unit) in keyed {
            if treated[unit] { insertion[rowOfUnit[unit]] = controlUnit.count } else { controlUnit.append(unit) }
        }
        let controlDistance = controlUnit.map { distance[$0] }
        let controlCaliper = caliper.map { c in controlUnit.map { c.values[$0] } }

        let n1 = treatedUnits.count
        let n0 = controlUnit.count
        let k = options.ratio
        var matrix = [Int](repeating: -1, count: n1 * k)

        /// Whether control position `j` is within the caliper of treated row `row`.
        func inside(_ row: Int, _ j: Int) -> Bool {
            guard let caliper, let values = controlCaliper else { return true }
            return !(abs(caliper.values[treatedUnits[row]] - values[j]) > caliper.width)
        }
        /// MatchIt's choice between the nearest control on each side.
        func choose(_ row: Int, left: Int?, right: Int?) -> Int? {
            let l = left.flatMap { inside(row, $0) ? $0 : nil }
            let r = right.flatMap { inside(row, $0) ? $0 : nil }
            guard let l else { return r }
            guard let r else { return l }
            let d = distance[treatedUnits[row]]
            return abs(controlDistance[l] - d) <= abs(controlDistance[r] - d) ? l : r
        }

        if options.replace {
            for row in 0..<n1 {
                var left = insertion[row] - 1
                var right = insertion[row]
                for round in 0..<k {
                    guard let j = choose(row, left: left >= 0 ? left : nil, right: right < n0 ? right : nil) else { break }
                    matrix[row * k + round] = controlUnit[j]
                    if j == left { left -= 1 } else { right += 1 }
                }
            }
        } else {
            if n0 < n1 * k {
                warnings.append(StatsWarning(
                    code: "fewer-controls",
                    message: n0 < n1
                        ? "fewer control units (\(n0)) than treated units (\(n1)); not all treated units will get a match"
                        : "not all treated units will get \(k) matches: \(n0) controls for \(n1) treated units"))
            }
            let visitOrder = order(treatedUnits: treatedUnits, distance: distance, options: options)
            var available = AvailableControls(count: n0)
            var stillMatching = [Bool](repeating: true, count: n1)
            rounds: for round in 0..<k {
                for row in visitOrder where stillMatching[row] {
                    let j = choose(
                        row, left: available.nearest(atOrLeftOf: insertion[row] - 1),
                        right: available.nearest(atOrRightOf: insertion[row]))
                    guard let j else {
                        // The available controls only thin out, so a unit without a match in
                        // this round gets none in later rounds either.
                        stillMatching[row] = false
                        continue
                    }
                    matrix[row * k + round] = controlUnit[j]
                    available.remove(j)
                    if available.remaining == 0 { break rounds }
                }
            }
        }

        let weights = matchingWeights(matrix: matrix, ratio: k, treatedUnits: treatedUnits, unitCount: n)
        let unmatched = (0..<n1).count { matrix[$0 * k] < 0 }
        if unmatched > 0 && caliper != nil {
            warnings.append(StatsWarning(
                code: "unmatched-treated",
                message: "\(unmatched) of \(n1) treated units have no control within the caliper and are left unmatched (the estimand is no longer the ATT of all treated)"))
        }
        return NearestNeighborMatch(
            treatedUnits: treatedUnits, ratio: k, matchMatrix: matrix, weights: weights,
            caliperWidth: caliper?.width, warnings: warnings)
    }

    /// A caliper resolved to a width in the units of its variable.
    struct ResolvedCaliper {
        var width: Double
        var values: [Double]
    }

    /// Standardises the caliper (R's `sd()` over all units), as MatchIt's `process.caliper`.
    /// A caliper on a variable with a single value is dropped with a warning, as MatchIt
    /// drops it.
    static func resolveCaliper(
        _ caliper: MatchingCaliper?, distance: [Double], warnings: inout [StatsWarning]
    ) throws -> ResolvedCaliper? {
        guard let caliper else { return nil }
        guard caliper.width > 0, caliper.width.isFinite else {
            throw StatsError("the caliper is \(caliper.width); it must be a positive finite number")
        }
        let values = caliper.values ?? distance
        guard values.count == distance.count else {
            throw StatsError("the caliper variable has \(values.count) values but there are \(distance.count) units")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw StatsError("caliper variable of unit \(bad) is \(values[bad]); every value must be a finite number")
        }
        guard let first = values.first, values.contains(where: { $0 != first }) else {
            warnings.append(StatsWarning(
                code: "caliper-ignored",
                message: "the caliper variable takes a single value, so the caliper cannot exclude anything and was ignored (as MatchIt does)"))
            return nil
        }
        let width = caliper.standardized ? caliper.width * sampleStandardDeviation(values) : caliper.width
        return ResolvedCaliper(width: width, values: values)
    }

    /// The visiting order of the treated rows.
    static func order(treatedUnits: [Int], distance: [Double], options: NearestNeighborOptions) -> [Int] {
        let rows = Array(0..<treatedUnits.count)
        func d(_ row: Int) -> Double { distance[treatedUnits[row]] }
        switch options.order {
        case .data:
            return rows
        case .largest, .smallest:
            let sign = options.order == .largest ? -1.0 : 1.0
            var keyed = rows.map { (key: sign * d($0), row: $0) }
            keyed.sort { $0.key < $1.key || ($0.key == $1.key && $0.row < $1.row) }
            return keyed.map(\.row)
        case .random:
            var generator = SplitMix64(seed: options.seed)
            var shuffled = rows
            if shuffled.count > 1 {
                for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
                    let j = Int(generator.next() % UInt64(i + 1))
                    shuffled.swapAt(i, j)
                }
            }
            return shuffled
        }
    }

    /// MatchIt's `weights.matrix`: see `NearestNeighborMatch.weights`.
    static func matchingWeights(matrix: [Int], ratio: Int, treatedUnits: [Int], unitCount: Int) -> [Double] {
        var weights = [Double](repeating: 0, count: unitCount)
        var isControlWeight = [Bool](repeating: false, count: unitCount)
        for (row, unit) in treatedUnits.enumerated() {
            let base = row * ratio
            var count = 0
            while count < ratio && matrix[base + count] >= 0 { count += 1 }
            guard count > 0 else { continue }
            let share = 1 / Double(count)
            for c in matrix[base..<(base + count)] {
                weights[c] += share
                isControlWeight[c] = true
            }
            weights[unit] = 1
        }
        var sum = 0.0
        var used = 0
        for unit in 0..<unitCount where isControlWeight[unit] {
            sum += weights[unit]
            used += 1
        }
        if sum > 0 {
            let scale = Double(used) / sum
            for unit in 0..<unitCount where isControlWeight[unit] { weights[unit] *= scale }
        }
        return weights
    }

    /// R's `sd()`: two-pass, denominator n − 1 (0 for fewer than two values).
    static func sampleStandardDeviation(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        var mean = 0.0
        for v in x { mean += v }
        mean /= Double(x.count)
        var ss = 0.0
        for v in x { ss += (v - mean) * (v - mean) }
        return (ss / Double(x.count - 1)).squareRoot()
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator for `order: .random`.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
