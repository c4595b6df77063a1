import Foundation

/// The within-patient part of an analysed patient's kinetics, decided for the whole block so
/// that each group's day means over the *recorded* values follow the calibrated course exactly
/// (docs/synthetic-cohort.md, "Kinetics calibration").
///
/// First the block decides which values will be recorded: per series and ICU day the missing
/// days (the series' `missing` probability; never ICU day 0 or the alignment day) and the
/// lab-outage day, and which serial cytokine samples are taken. Every value is a deviation on
/// the series' own scale (log for ratios). Before centring, a daily series' deviations are AR(1)
/// noise (the series' `noise` and `correlation`) pinned to zero on ICU day 0 and on the alignment
/// day, exactly as the generator's own noise; the per-patient change after day 0 is the group's
/// change plus a spread, centred on the group's change. Then, within each group, every aligned
/// day's deviation from the group's course (the noise plus, after day 0, the patient's share of
/// the change already reached) is centred on zero over the patients whose value is recorded that
/// day: the group-by-day means of what the analysis reads carry the calibrated effect and no
/// sampling noise (only rounding, the bounds and norepinephrine's zero floor add some).
struct KineticsPlan: Sendable {
    /// Per series of ``PaperTargets/series``: the deviation on ICU days 0…`lastDay`.
    var deviations: [[Double]]
    /// Per series: the change from the alignment day to the plateau after it.
    var changes: [Double]
    /// Per series: whether the value of ICU day 0…`lastDay` is recorded (always on ICU day 0 and
    /// the alignment day).
    var recorded: [[Bool]]
    /// Norepinephrine's latent log-dose deviation on ICU days 0…`lastDay`, and its change
    /// (recorded every day).
    var norepinephrineDeviations: [Double]
    var norepinephrineChange: Double
    /// Per cytokine of ``PaperTargets/cytokines``: the deviation of the serial samples at the
    /// aligned days ``PaperTargets/cytokineOffsets``.
    var cytokineDeviations: [[Double]]
    /// Per aligned day of ``PaperTargets/cytokineOffsets``: whether the serial sample is taken.
    var cytokineSampled: [Bool]
}

extension CohortPlanner {
    /// Probability that a patient's serial cytokine samples are taken at all, and that one
    /// planned sample (every other day, −6…+6, within the ICU stay) is.
    static let cytokineSeriesTaken = 0.9
    static let cytokineSampleTaken = 0.85
    /// Probability of one lab-outage day (no laboratory values; vitals still recorded) in a stay
    /// of at least four ICU days.
    static let labOutage = 0.15

    /// Draws the ``KineticsPlan`` of every analysed patient from `rng` (the block's kinetics
    /// stream) and centres it per group over the recorded values.
    static func assignKinetics(_ plans: inout [PatientPlan], treated: [Int], controls: [Int], rng: inout Xoshiro256StarStar) {
        let nore = PaperTargets.norepinephrineKinetics
        let noLabOutage: Set<String> = ["temperature", "apache_ii"]
        for (group, isTreated) in [(treated, true), (controls, false)] where !group.isEmpty {
            // Which values are recorded: [series][member][day], and [member][offset] for cytokines.
            var recorded = PaperTargets.series.map { _ in group.map { index in [Bool](repeating: true, count: plans[index].lastDay + 1) } }
            var sampled: [[Bool]] = []
            for (m, index) in group.enumerated() {
                let lastDay = plans[index].lastDay
                let day0 = plans[index].alignmentDay
                for (s, spec) in PaperTargets.series.enumerated() where lastDay >= 1 {
                    for d in 1...lastDay where d != day0 && rng.bernoulli(spec.missing) { recorded[s][m][d] = false }
                }
                if lastDay >= 4 && rng.bernoulli(labOutage) {
                    let outage = rng.integer(in: 1...(lastDay - 1))
                    if outage != day0 {
                        for (s, spec) in PaperTargets.series.enumerated() where !noLabOutage.contains(spec.parameter) {
                            recorded[s][m][outage] = false
                        }
                    }
                }
                let seriesTaken = rng.bernoulli(cytokineSeriesTaken)
                sampled.append(PaperTargets.cytokineOffsets.map { offset in
                    let day = day0 + offset
                    return day >= 1 && day <= lastDay && rng.bernoulli(cytokineSampleTaken) && seriesTaken
                })
            }

            var deviations: [[[Double]]] = []  // [series][member][day]
            var changes: [[Double]] = []       // [series][member]
            for (s, spec) in PaperTargets.series.enumerated() {
                let mean = isTreated ? spec.postChange.treated : spec.postChange.control
                var series = group.map { index in
                    bridgeNoise(lastDay: plans[index].lastDay, day0: plans[index].alignmentDay,
                                sd: spec.noise, correlation: spec.correlation, rng: &rng)
                }
                let change = centred(group.map { _ in spec.changeSpread * abs(mean) * rng.normal() + 0.03 * rng.normal() }, on: mean)
                centreByAlignedDay(&series, changes: change.map { $0 - mean }, recorded: recorded[s],
                                   sd: spec.noise, correlation: spec.correlation, group: group, plans: plans)
                if let course = spec.beforeCourse {
                    imposeBeforeCourse(&series, course: isTreated ? course.treated : course.control, series: s,
                                       bump: isTreated ? spec.beforeBump.treated : spec.beforeBump.control,
                                       recorded: recorded[s], group: group, plans: plans)
                }
                deviations.append(series)
                changes.append(change)
            }

            let noreMean = isTreated ? nore.change.treated : nore.change.control
            var noreDeviations = group.map { index in
                bridgeNoise(lastDay: plans[index].lastDay, day0: plans[index].alignmentDay,
                            sd: nore.noise, correlation: nore.correlation, rng: &rng)
            }
            let noreChanges = centred(group.map { _ in nore.changeSpread * rng.normal() }, on: noreMean)
            centreByAlignedDay(&noreDeviations, changes: noreChanges.map { $0 - noreMean },
                               recorded: group.map { [Bool](repeating: true, count: plans[$0].lastDay + 1) },
                               sd: nore.noise, correlation: nore.correlation, group: group, plans: plans)

            // Cytokines: one deviation per serial sample, centred two-way over the samples taken
            // (per aligned day; per member before day 0 and from day 0 on).
            var cytokines: [[[Double]]] = []  // [cytokine][member][offset]
            for kinetics in PaperTargets.cytokineKinetics {
                var values = group.map { _ in PaperTargets.cytokineOffsets.map { _ in kinetics.noise * rng.normal() } }
                centreTwoWay(&values, taken: sampled, windows: PaperTargets.cytokineOffsets.map { $0 < 0 ? 0 : 1 }, sd: kinetics.noise)
                cytokines.append(values)
            }
            for (m, index) in group.enumerated() {
                plans[index].kinetics = KineticsPlan(
                    deviations: deviations.map { $0[m] }, changes: changes.map { $0[m] }, recorded: recorded.map { $0[m] },
                    norepinephrineDeviations: noreDeviations[m], norepinephrineChange: noreChanges[m],
                    cytokineDeviations: cytokines.map { $0[m] }, cytokineSampled: sampled[m])
            }
        }
    }

    /// AR(1) noise (standard deviation `sd`, lag-one correlation `correlation`) on ICU days
    /// 0…`lastDay`, pinned to zero on day 0 and on `day0`: a bridge before `day0`, a decaying
    /// offset after it — the same construction as the generator's own series noise.
    static func bridgeNoise(lastDay: Int, day0: Int, sd: Double, correlation: Double, rng: inout Xoshiro256StarStar) -> [Double] {
        let horizon = max(lastDay, day0)
        var e = [Double](repeating: 0, count: horizon + 1)
        e[0] = sd * rng.normal()
        let innovation = sd * (1 - correlation * correlation).squareRoot()
        if horizon >= 1 {
            for d in 1...horizon { e[d] = correlation * e[d - 1] + innovation * rng.normal() }
        }
        return (0...lastDay).map { d in
            if d <= day0 {
                let w = day0 == 0 ? 1 : Double(d) / Double(day0)
                return e[d] - (1 - w) * e[0] - w * e[day0]
            }
            return e[d] - pow(correlation, Double(d - day0)) * e[day0]
        }
    }

    /// `values` shifted so that their mean is exactly `mean`.
    static func centred(_ values: [Double], on mean: Double) -> [Double] {
        guard !values.isEmpty else { return values }
        let shift = mean - values.reduce(0, +) / Double(values.count)
        return values.map { $0 + shift }
    }

    /// The analysis windows the deviations are centred over, in aligned days (docs/methods:
    /// days −10…0 and 0…+10; the pinned days carry no deviation).
    static let centringWindows = [-10 ... -1, 1...10]

    /// Two-way centring of the deviations from the group's course over the recorded values:
    /// after it, every aligned day's recorded deviations (ICU day 0 and the alignment day, which
    /// are pinned, left out) have mean zero over the group's members, and every member's
    /// recorded deviations within each window of ``centringWindows`` have mean zero too. The
    /// deviation from the course includes, after the alignment day, the member's share of its
    /// change beyond the group's (`changes`, the generator's exponential approach with
    /// ``PatientGenerator/decayDays``). With both margins zero the deviations solve the normal
    /// equations of the day-by-group model with a patient effect: the model's day-by-group
    /// estimates in each window are the designed course, whatever days are missing and whoever
    /// has left the ICU. Alternating projections (mean removal by day, then by member and window)
    /// until both margins are below 1e-12, or 200 rounds.
    static func centreByAlignedDay(_ deviations: inout [[Double]], changes: [Double], recorded: [[Bool]],
                                   sd: Double, correlation: Double, group: [Int], plans: [PatientPlan]) {
        // The cells that count: (member, ICU day) recorded and not pinned, within a window.
        var cells: [(m: Int, d: Int, aligned: Int, window: Int)] = []
        for (m, index) in group.enumerated() {
            let day0 = plans[index].alignmentDay
            for d in deviations[m].indices where d != 0 && d != day0 && recorded[m][d] {
                guard let w = centringWindows.firstIndex(where: { $0.contains(d - day0) }) else { continue }
                cells.append((m, d, d - day0, w))
            }
        }
        // The total deviation from the course of each cell, adjusted in place.
        var total = cells.map { cell -> Double in
            let day0 = plans[group[cell.m]].alignmentDay
            let excess = cell.d > day0 ? changes[cell.m] * (1 - exp(-Double(cell.d - day0) / PatientGenerator.decayDays)) : 0
            return deviations[cell.m][cell.d] + excess
        }
        let original = total
        let rowCount = group.count * centringWindows.count
        for _ in 0..<200 {
            var rowSums = [(sum: Double, count: Int)](repeating: (0, 0), count: rowCount)
            for (k, cell) in cells.enumerated() {
                let r = cell.m * centringWindows.count + cell.window
                rowSums[r] = (rowSums[r].sum + total[k], rowSums[r].count + 1)
            }
            for (k, cell) in cells.enumerated() {
                let r = rowSums[cell.m * centringWindows.count + cell.window]
                total[k] -= r.sum / Double(r.count)
            }
            var daySums: [Int: (sum: Double, count: Int)] = [:]
            for (k, cell) in cells.enumerated() {
                let entry = daySums[cell.aligned] ?? (0, 0)
                daySums[cell.aligned] = (entry.sum + total[k], entry.count + 1)
            }
            for (k, cell) in cells.enumerated() {
                if let entry = daySums[cell.aligned] { total[k] -= entry.sum / Double(entry.count) }
            }
            // The day margins are zero now; stop once the member margins are too.
            var largest = 0.0
            rowSums = [(sum: Double, count: Int)](repeating: (0, 0), count: rowCount)
            for (k, cell) in cells.enumerated() {
                let r = cell.m * centringWindows.count + cell.window
                rowSums[r] = (rowSums[r].sum + total[k], rowSums[r].count + 1)
            }
            for r in rowSums where r.count > 0 { largest = max(largest, abs(r.sum / Double(r.count))) }
            if largest < 1e-12 { break }
        }
        // The within-patient variance, fixed at its expectation in each window.
        for w in centringWindows.indices {
            let members = cells.indices.filter { cells[$0].window == w }
            var days: [Int: [Int]] = [:]  // member → its aligned days in the window
            for k in members { days[cells[k].m, default: []].append(cells[k].aligned) }
            let columns = Set(members.map { cells[$0].aligned }).count
            let factor = varianceFactor(observed: members.reduce(0) { $0 + total[$1] * total[$1] },
                                        rows: Array(days.values), columns: columns, sd: sd, correlation: correlation)
            for k in members { total[k] *= factor }
        }
        for (k, cell) in cells.enumerated() { deviations[cell.m][cell.d] += total[k] - original[k] }
    }

    /// The factor that brings the sum of squares `observed` of two-way centred deviations to its
    /// expectation under AR(1) noise (`sd`, `correlation`): per row of days t₁…tₙ the expected
    /// sum of squares about the row mean is `sd² (n − Σᵢⱼ ρ^|tᵢ−tⱼ| / n)`, and centring the
    /// columns too leaves the share `(N − R − C + 1) / (N − R)` of it (N cells, R rows, C
    /// columns). 1 when there is nothing to scale.
    static func varianceFactor(observed: Double, rows: [[Int]], columns: Int, sd: Double, correlation: Double) -> Double {
        let cells = rows.reduce(0) { $0 + $1.count }
        let withinDF = Double(cells - rows.count)
        let residualDF = withinDF - Double(columns - 1)
        guard observed > 0, withinDF > 0, residualDF > 0 else { return 1 }
        var expected = 0.0
        for row in rows where row.count > 1 {
            var pairs = 0.0
            for a in row { for b in row { pairs += pow(correlation, Double(abs(a - b))) } }
            expected += sd * sd * (Double(row.count) - pairs / Double(row.count))
        }
        return (expected * residualDF / withinDF / observed).squareRoot()
    }

    /// Two-way centring of a small table (member × sample) over the cells `taken`: every
    /// column's and every member's per-window (`windows`, per column) mean becomes zero, by
    /// alternating projections (200 rounds at most, 1e-12).
    static func centreTwoWay(_ values: inout [[Double]], taken: [[Bool]], windows: [Int], sd: Double) {
        let windowCount = (windows.max() ?? 0) + 1
        defer {
            // The within-member variance, fixed at its expectation in each window (independent
            // samples: correlation 0; the offsets stand in for days).
            for w in 0..<windowCount {
                var rows: [[Int]] = []
                var observed = 0.0
                var columns = Set<Int>()
                for m in values.indices {
                    let cells = values[m].indices.filter { taken[m][$0] && windows[$0] == w }
                    if !cells.isEmpty { rows.append(cells) }
                    for o in cells { observed += values[m][o] * values[m][o]; columns.insert(o) }
                }
                let factor = varianceFactor(observed: observed, rows: rows, columns: columns.count, sd: sd, correlation: 0)
                for m in values.indices { for o in values[m].indices where taken[m][o] && windows[o] == w { values[m][o] *= factor } }
            }
        }
        for _ in 0..<200 {
            for m in values.indices {
                for w in 0..<windowCount {
                    let cells = values[m].indices.filter { taken[m][$0] && windows[$0] == w }
                    guard !cells.isEmpty else { continue }
                    let mean = cells.reduce(0) { $0 + values[m][$1] } / Double(cells.count)
                    for o in cells { values[m][o] -= mean }
                }
            }
            for o in windows.indices {
                let members = values.indices.filter { taken[$0][o] }
                guard !members.isEmpty else { continue }
                let mean = members.reduce(0) { $0 + values[$1][o] } / Double(members.count)
                for m in members { values[m][o] -= mean }
            }
            var largest = 0.0
            for m in values.indices {
                for w in 0..<windowCount {
                    let cells = values[m].indices.filter { taken[m][$0] && windows[$0] == w }
                    guard !cells.isEmpty else { continue }
                    largest = max(largest, abs(cells.reduce(0) { $0 + values[m][$1] } / Double(cells.count)))
                }
            }
            if largest < 1e-12 { return }
        }
    }

    /// Shifts the deviations of the recorded non-anchor values on aligned days −10…−1 so that
    /// the day effects of a two-way model (patient + aligned day, over the recorded values of
    /// days −10…0 of this group, the anchors included) are `course` relative to day 0. The
    /// values are the generator's: the line between the Table 1 anchors plus the hump plus the
    /// deviation. The day effects come from backfitting (alternating patient and day means);
    /// each round adds the remaining difference to the day's shiftable values, until it is below
    /// 1e-9 (50 rounds at most; a day whose values are all anchors cannot move).
    static func imposeBeforeCourse(_ deviations: inout [[Double]], course: [Double], series s: Int, bump: Double,
                                   recorded: [[Bool]], group: [Int], plans: [PatientPlan]) {
        let spec = PaperTargets.series[s]
        let toScale: (Double) -> Double = spec.scale == .log ? { log($0) } : { $0 }
        let first = -course.count
        var cells: [(m: Int, d: Int, aligned: Int, free: Bool)] = []
        var values: [Double] = []
        for (m, index) in group.enumerated() {
            let plan = plans[index]
            let day0 = plan.alignmentDay
            let admission = toScale(plan.admissionAnchors[s])
            let alignment = toScale(plan.alignmentAnchors[s])
            for d in max(0, day0 + first)...day0 where d < recorded[m].count && recorded[m][d] {
                let w = day0 == 0 ? 1 : Double(d) / Double(day0)
                let pinned = d == 0 || d == day0
                cells.append((m, d, d - day0, !pinned))
                values.append(admission + (alignment - admission) * w + bump * sin(Double.pi * w) + (pinned ? 0 : deviations[m][d]))
            }
        }
        guard !cells.isEmpty else { return }
        func dayEffects() -> [Double] {
            var residual = values
            var effects = [Double](repeating: 0, count: course.count + 1)  // aligned first…0
            for _ in 0..<500 {
                var rows: [Int: (sum: Double, count: Int)] = [:]
                for (k, cell) in cells.enumerated() { rows[cell.m] = ((rows[cell.m]?.sum ?? 0) + residual[k], (rows[cell.m]?.count ?? 0) + 1) }
                for (k, cell) in cells.enumerated() { if let r = rows[cell.m] { residual[k] -= r.sum / Double(r.count) } }
                var columns = [(sum: Double, count: Int)](repeating: (0, 0), count: course.count + 1)
                for (k, cell) in cells.enumerated() {
                    columns[cell.aligned - first] = (columns[cell.aligned - first].sum + residual[k], columns[cell.aligned - first].count + 1)
                }
                var largest = 0.0
                for c in columns.indices where columns[c].count > 0 {
                    let mean = columns[c].sum / Double(columns[c].count)
                    effects[c] += mean
                    largest = max(largest, abs(mean))
                }
                for (k, cell) in cells.enumerated() {
                    let c = columns[cell.aligned - first]
                    residual[k] -= c.sum / Double(c.count)
                }
                if largest < 1e-12 { break }
            }
            return effects.map { $0 - effects[course.count] }
        }
        for _ in 0..<50 {
            let effects = dayEffects()
            let gaps = course.indices.map { course[$0] - effects[$0] }
            guard gaps.contains(where: { abs($0) > 1e-9 }) else { return }
            for (k, cell) in cells.enumerated() where cell.free {
                let gap = gaps[cell.aligned - first]
                values[k] += gap
                deviations[cell.m][cell.d] += gap
            }
        }
    }
}
