import Foundation

/// The within-patient part of an analysed patient's kinetics, decided for the whole block so
/// that each group's day means follow the calibrated course exactly (docs/synthetic-cohort.md,
/// "Kinetics calibration").
///
/// Every value is a deviation on the series' own scale (log for ratios). Before centring,
/// a daily series' deviations are AR(1) noise (the series' `noise` and `correlation`) pinned
/// to zero on ICU day 0 and on the alignment day, exactly as the generator's own noise; the
/// per-patient change after day 0 is the group's change plus a spread. Then, within each group,
/// every aligned day's deviations (over the patients in the ICU that day) and the changes are
/// centred on zero and on the group's change: the group-by-day means of the latent course carry
/// the calibrated effect and no sampling noise, which is what makes the mixed-model p-values
/// land near their targets in every block (only missing days, rounding and the bounds add
/// noise).
struct KineticsPlan: Sendable {
    /// Per series of ``PaperTargets/series``: the deviation on ICU days 0…`lastDay`.
    var deviations: [[Double]]
    /// Per series: the change from the alignment day to the plateau after it.
    var changes: [Double]
    /// Norepinephrine's latent log-dose deviation on ICU days 0…`lastDay`, and its change.
    var norepinephrineDeviations: [Double]
    var norepinephrineChange: Double
    /// Per cytokine of ``PaperTargets/cytokines``: the deviation of the serial samples at the
    /// aligned days ``PaperTargets/cytokineOffsets``.
    var cytokineDeviations: [[Double]]
}

extension CohortPlanner {
    /// Draws the ``KineticsPlan`` of every analysed patient from `rng` (the block's kinetics
    /// stream) and centres it per group.
    static func assignKinetics(_ plans: inout [PatientPlan], treated: [Int], controls: [Int], rng: inout Xoshiro256StarStar) {
        let nore = PaperTargets.norepinephrineKinetics
        for (group, isTreated) in [(treated, true), (controls, false)] where !group.isEmpty {
            var deviations: [[[Double]]] = []  // [series][member][day]
            var changes: [[Double]] = []       // [series][member]
            for spec in PaperTargets.series {
                let mean = isTreated ? spec.postChange.treated : spec.postChange.control
                deviations.append(group.map { index in
                    bridgeNoise(lastDay: plans[index].lastDay, day0: plans[index].alignmentDay,
                                sd: spec.noise, correlation: spec.correlation, rng: &rng)
                })
                changes.append(centred(group.map { _ in spec.changeSpread * abs(mean) * rng.normal() + 0.03 * rng.normal() }, on: mean))
            }
            for s in deviations.indices { centreByAlignedDay(&deviations[s], group: group, plans: plans) }

            let noreMean = isTreated ? nore.change.treated : nore.change.control
            var noreDeviations = group.map { index in
                bridgeNoise(lastDay: plans[index].lastDay, day0: plans[index].alignmentDay,
                            sd: nore.noise, correlation: nore.correlation, rng: &rng)
            }
            centreByAlignedDay(&noreDeviations, group: group, plans: plans)
            let noreChanges = centred(group.map { _ in nore.changeSpread * rng.normal() }, on: noreMean)

            // Cytokines: one deviation per serial sample day; centred over the members in the
            // ICU on that day (a sample is never taken on ICU day 0 or after discharge).
            var cytokines: [[[Double]]] = []  // [cytokine][member][offset]
            for kinetics in PaperTargets.cytokineKinetics {
                var values = group.map { _ in PaperTargets.cytokineOffsets.map { _ in kinetics.noise * rng.normal() } }
                for (o, offset) in PaperTargets.cytokineOffsets.enumerated() {
                    let present = group.indices.filter {
                        let day = plans[group[$0]].alignmentDay + offset
                        return day >= 1 && day <= plans[group[$0]].lastDay
                    }
                    guard !present.isEmpty else { continue }
                    let mean = present.reduce(0) { $0 + values[$1][o] } / Double(present.count)
                    for m in present { values[m][o] -= mean }
                }
                cytokines.append(values)
            }
            for (m, index) in group.enumerated() {
                plans[index].kinetics = KineticsPlan(
                    deviations: deviations.map { $0[m] }, changes: changes.map { $0[m] },
                    norepinephrineDeviations: noreDeviations[m], norepinephrineChange: noreChanges[m],
                    cytokineDeviations: cytokines.map { $0[m] })
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

    /// Per aligned day (ICU day − alignment day), the mean deviation of the members in the ICU
    /// that day (ICU day 0 and the alignment day, which are pinned, left out) subtracted from
    /// each of them.
    static func centreByAlignedDay(_ deviations: inout [[Double]], group: [Int], plans: [PatientPlan]) {
        var sums: [Int: (sum: Double, count: Int)] = [:]
        for (m, index) in group.enumerated() {
            let day0 = plans[index].alignmentDay
            for d in deviations[m].indices where d != 0 && d != day0 {
                let entry = sums[d - day0] ?? (0, 0)
                sums[d - day0] = (entry.sum + deviations[m][d], entry.count + 1)
            }
        }
        for (m, index) in group.enumerated() {
            let day0 = plans[index].alignmentDay
            for d in deviations[m].indices where d != 0 && d != day0 {
                if let entry = sums[d - day0] { deviations[m][d] -= entry.sum / Double(entry.count) }
            }
        }
    }
}
