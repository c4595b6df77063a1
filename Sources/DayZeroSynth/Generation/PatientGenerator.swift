import DayZeroCohort
import Foundation

/// One patient's rows in every table, with the number of decimals each number is written with.
struct PatientRecord: Sendable {
    var patient: Patient
    var course: ICUCourse
    /// Measurements with the decimals of their `sourceValue`.
    var measurements: [(Measurement, Int)] = []
    var medications: [MedicationAdministration] = []
    var events: [ClinicalEvent] = []
    /// Cytokines with the decimals of their `sourceValue`.
    var cytokines: [(CytokineMeasurement, Int)] = []
    var proteomicsSamples: [ProteomicsSample] = []
    var proteomics: [ProteomicsValue] = []
}

/// Turns a ``PatientPlan`` into rows: daily trajectories from ICU day 0 to the day of ICU
/// discharge that pass exactly through the plan's anchors on ICU day 0 and on the alignment
/// day, with the paper's group-specific course after day 0; medications, events, cytokines
/// and proteomics; and the imperfections of real exports (missing days, several readings per
/// day, alternative units, zeros, an actively cooled patient).
struct PatientGenerator {
    private static let lowestNorepinephrine = 0.02
    static let decayDays = 2.5
    private static let infectionSources = [
        "blood culture: Staphylococcus aureus", "blood culture: Enterococcus faecium",
        "sputum: Klebsiella pneumoniae", "sputum: Pseudomonas aeruginosa", "BAL: Aspergillus fumigatus",
        "urine: Escherichia coli", "sputum: Enterobacter cloacae", "blood culture: Candida albicans",
    ]

    /// The catalog conversion of each series' alternative unit, looked up once.
    private let alternatives: [UnitConversion?]
    private let thresholds: [[Double]]
    private let ranges: [ClosedRange<Double>]
    private let units: [String]
    private let parameters: [String]
    private let decimals: [Int]
    private let alternativeUnits: [AlternativeUnit?]
    private let temperatureSeries: Int
    private let oxygenationSeries: Int
    private static let norepinephrineUnit = unit("norepinephrine")
    private static let mapUnit = unit("map")
    private static let flagUnit = unit("actively_cooled")
    private static let pao2Unit = unit("pao2")
    private static let fio2Unit = unit("fio2")
    private static let pfUnit = unit("pf_ratio")
    private static let kPa = ParameterCatalog.definition(named: "pao2")?.conversion(for: "kPa")
    private static let percent = ParameterCatalog.definition(named: "fio2")?.conversion(for: "%")
    private static let cytokineUnits = PaperTargets.cytokines.map { unit($0.analyte) }
    private static let cytokineAlternatives = PaperTargets.cytokines.map {
        ParameterCatalog.definition(named: $0.analyte)?.conversion(for: "ng/mL")
    }

    init() {
        var alternatives: [UnitConversion?] = []
        var ranges: [ClosedRange<Double>] = []
        var units: [String] = []
        for spec in PaperTargets.series {
            let definition = ParameterCatalog.definition(named: spec.parameter)
            alternatives.append(spec.alternative.flatMap { definition?.conversion(for: $0.unit) })
            ranges.append((definition?.minimum ?? -Double.greatestFiniteMagnitude)...(definition?.maximum ?? Double.greatestFiniteMagnitude))
            units.append(definition?.unit ?? "")
        }
        self.alternatives = alternatives
        self.thresholds = PaperTargets.series.map(\.thresholds)
        self.ranges = ranges
        self.units = units
        parameters = PaperTargets.series.map(\.parameter)
        decimals = PaperTargets.series.map(\.decimals)
        alternativeUnits = PaperTargets.series.map(\.alternative)
        temperatureSeries = parameters.firstIndex(of: "temperature") ?? -1
        oxygenationSeries = parameters.firstIndex(of: "pf_ratio") ?? -1
    }

    func record(for plan: PatientPlan, seed: UInt64, idWidth: Int) -> PatientRecord {
        var rng = Xoshiro256StarStar(seed: seed, stream: 0x5041_5449_0000_0000 &+ UInt64(plan.index))
        let id = Self.patientID(plan.index, width: idWidth)
        let patient = Patient(
            id: id, site: plan.site, sex: plan.sex, age: plan.age, bmi: plan.bmi, apacheII: plan.apacheII,
            symptomDays: plan.symptomDays, comorbidities: plan.comorbidities,
            immunocompromised: plan.role == .immunocompromised, consentRefused: plan.role == .consentRefused)
        let course = ICUCourse(
            patientID: id, discharge: plan.discharge, ventilationStart: plan.ventilationStart,
            ventilationEnd: plan.ventilationEnd, death: plan.death, followUpEnd: plan.followUpEnd)
        var record = PatientRecord(patient: patient, course: course)
        guard plan.role != .consentRefused else { return record }
        appendMeasurements(plan, id: id, into: &record, rng: &rng)
        let anakinraDays = appendMedications(plan, id: id, into: &record, rng: &rng)
        for day in plan.infectionDays {
            let source = Self.infectionSources[rng.integer(in: 0...(Self.infectionSources.count - 1))]
            record.events.append(ClinicalEvent(patientID: id, event: "secondary_infection", time: Double(day), detail: source))
        }
        appendCytokines(plan, anakinraDays: anakinraDays, id: id, into: &record, rng: &rng)
        appendProteomics(plan, id: id, into: &record)
        return record
    }

    /// The catalog's canonical spelling of the unit of `parameter`.
    static func unit(_ parameter: String) -> String {
        ParameterCatalog.definition(named: parameter)?.unit ?? ""
    }

    /// `P0001`, `P0002`, …: zero-padded to `width` digits (at least 4).
    static func patientID(_ index: Int, width: Int) -> String {
        let number = String(index + 1)
        return "P" + String(repeating: "0", count: max(0, width - number.count)) + number
    }

    // MARK: Daily clinical series

    /// The series value on every ICU day 0…`lastDay` on the series' own scale (log or linear),
    /// exactly `admission` on day 0 and `alignment` on the alignment day: a straight line
    /// between the two plus a hump `bump · sin(π w)`, then an exponential approach to
    /// `alignment + change`, plus noise pinned to zero at both anchors. The noise is the
    /// analysed patient's planned deviation (``KineticsPlan``) or, without one, AR(1) noise
    /// from `rng` (a bridge before day 0, a decaying offset after it); `rng` gives the same
    /// number of draws either way, so the rest of the patient's stream does not move.
    private func trajectory(
        admission: Double, alignment: Double, change: Double, day0: Int, lastDay: Int,
        noise: Double, correlation: Double, bump: Double = 0, deviations: [Double]? = nil, rng: inout Xoshiro256StarStar
    ) -> [Double] {
        let horizon = max(lastDay, day0)
        var e = [Double](repeating: 0, count: horizon + 1)
        e[0] = noise * rng.normal()
        let innovation = noise * (1 - correlation * correlation).squareRoot()
        if horizon >= 1 {
            for d in 1...horizon { e[d] = correlation * e[d - 1] + innovation * rng.normal() }
        }
        var values = [Double](repeating: 0, count: lastDay + 1)
        for d in 0...lastDay {
            if d <= day0 {
                let w = day0 == 0 ? 1 : Double(d) / Double(day0)
                let own = e[d] - (1 - w) * e[0] - w * e[day0]
                values[d] = admission + (alignment - admission) * w + bump * sin(Double.pi * w) + (deviations?[d] ?? own)
            } else {
                let t = Double(d - day0)
                let own = e[d] - pow(correlation, t) * e[day0]
                values[d] = alignment + change * (1 - exp(-t / Self.decayDays)) + (deviations?[d] ?? own)
            }
        }
        return values
    }

    private func appendMeasurements(_ plan: PatientPlan, id: String, into record: inout PatientRecord, rng: inout Xoshiro256StarStar) {
        let lastDay = plan.lastDay
        let day0 = plan.alignmentDay
        let treated = plan.role == .treated
        var daily: [[Double?]] = []
        for (s, spec) in PaperTargets.series.enumerated() {
            let toScale: (Double) -> Double = spec.scale == .log ? { log($0) } : { $0 }
            let groupChange = treated ? spec.postChange.treated : spec.postChange.control
            let ownChange = groupChange + spec.changeSpread * abs(groupChange) * rng.normal() + 0.03 * rng.normal()
            let path = trajectory(
                admission: toScale(plan.admissionAnchors[s]), alignment: toScale(plan.alignmentAnchors[s]),
                change: plan.kinetics?.changes[s] ?? ownChange, day0: day0, lastDay: lastDay, noise: spec.noise,
                correlation: spec.correlation, bump: treated ? spec.beforeBump.treated : spec.beforeBump.control,
                deviations: plan.kinetics?.deviations[s], rng: &rng)
            var values: [Double?] = []
            values.reserveCapacity(lastDay + 1)
            for d in 0...lastDay {
                let anchorDay = d == 0 || d == day0
                // An analysed patient's missing days are the block plan's (the draw is still made).
                let drawnMissing = !anchorDay && rng.bernoulli(spec.missing)
                if plan.kinetics.map({ !$0.recorded[s][d] }) ?? drawnMissing { values.append(nil); continue }
                let natural = spec.scale == .log ? exp(path[d]) : path[d]
                let clamped = min(max(natural, spec.bounds.lowerBound), spec.bounds.upperBound)
                values.append(anchorDay ? (d == 0 ? plan.admissionAnchors[s] : plan.alignmentAnchors[s])
                                        : roundTo(clamped, decimals: spec.decimals))
            }
            daily.append(values)
        }
        // A lab-outage day: no laboratory values at all (vitals still recorded). An analysed
        // patient's outage is already in its planned missing days (the draws are still made).
        if lastDay >= 4 && rng.bernoulli(CohortPlanner.labOutage) {
            let outage = rng.integer(in: 1...(lastDay - 1))
            if outage != day0 && plan.kinetics == nil {
                for (s, spec) in PaperTargets.series.enumerated() where spec.parameter != "temperature" && spec.parameter != "apache_ii" {
                    daily[s][outage] = nil
                }
            }
        }
        let norepinephrine = norepinephrineDoses(plan, rng: &rng)
        let cooledDays: ClosedRange<Int>? = plan.activelyCooled ? max(0, day0 - 2)...day0 : nil

        for d in 0...lastDay {
            let time = Double(d)
            for s in daily.indices {
                guard let value = daily[s][d] else { continue }
                if s == temperatureSeries {
                    appendTemperature(value, day: d, cooled: cooledDays?.contains(d) ?? false, series: s, id: id, into: &record, rng: &rng)
                } else if s == oxygenationSeries {
                    appendOxygenation(value, time: time, id: id, into: &record, rng: &rng)
                } else {
                    append(value, series: s, time: time, id: id, into: &record, rng: &rng)
                }
            }
            if let cooledDays, d >= cooledDays.lowerBound - 1, d <= cooledDays.upperBound + 1 {
                let flag: Double = cooledDays.contains(d) ? 1 : 0
                record.measurements.append((Measurement(patientID: id, time: time, parameter: "actively_cooled", value: flag, sourceUnit: Self.flagUnit), 0))
            }
            // Norepinephrine (recorded every day, zero when off) and MAP (lowest of the day).
            let dose = norepinephrine[d]
            let readings = dose > 0 ? rng.integer(in: 1...3) : 1
            let peak = rng.integer(in: 0...(readings - 1))
            for r in 0..<readings {
                let value = r == peak ? dose : roundTo(max(0.01, dose * rng.uniform(0.4, 1.0)), decimals: 3)
                record.measurements.append((Measurement(patientID: id, time: time, parameter: "norepinephrine", value: value, sourceUnit: Self.norepinephrineUnit), 3))
            }
            if d == 0 || d == day0 || !rng.bernoulli(0.02) {
                let lowest = dose > 0 ? min(max(rng.normal(mean: 70, sd: 5), 55), 92) : min(max(rng.normal(mean: 79, sd: 7), 58), 110)
                let map = lowest.rounded()
                record.measurements.append((Measurement(patientID: id, time: time, parameter: "map", value: map, sourceUnit: Self.mapUnit), 0))
                if rng.bernoulli(0.5) {
                    let other = (map + rng.uniform(2, 12)).rounded()
                    record.measurements.append((Measurement(patientID: id, time: time, parameter: "map", value: other, sourceUnit: Self.mapUnit), 0))
                }
            }
        }
    }

    /// Writes `value` in the canonical unit, or — with the series' small probability — in its
    /// alternative unit, when converting back stays within half a canonical rounding step and
    /// on the same side of every decision threshold.
    private func append(_ value: Double, series s: Int, time: Double, id: String, into record: inout PatientRecord, rng: inout Xoshiro256StarStar) {
        if let alternative = alternativeUnits[s], let conversion = alternatives[s], rng.bernoulli(alternative.probability) {
            let written = roundTo(conversion.fromCanonical(value), decimals: alternative.decimals)
            let back = conversion.toCanonical(written)
            if acceptable(original: value, converted: back, decimals: decimals[s], series: s) {
                record.measurements.append((Measurement(patientID: id, time: time, parameter: parameters[s], value: back,
                                                        sourceValue: written, sourceUnit: alternative.unit), alternative.decimals))
                return
            }
        }
        record.measurements.append((Measurement(patientID: id, time: time, parameter: parameters[s], value: value, sourceUnit: units[s]), decimals[s]))
    }

    private func acceptable(original: Double, converted: Double, decimals: Int, series s: Int) -> Bool {
        guard abs(converted - original) <= 0.5 / powerOfTen(decimals), ranges[s].contains(converted) else { return false }
        for threshold in thresholds[s] {
            if (original >= threshold) != (converted >= threshold) || (original > threshold) != (converted > threshold) { return false }
        }
        return true
    }

    /// Two to four readings a day; the highest equals the day's value (the catalog's daily
    /// aggregation for temperature is the maximum). On cooled days the readings stay below
    /// 40 °C although the fever was above it, and `actively_cooled` = 1 says so.
    private func appendTemperature(_ value: Double, day: Int, cooled: Bool, series s: Int, id: String,
                                   into record: inout PatientRecord, rng: inout Xoshiro256StarStar) {
        let peakValue = cooled ? roundTo(rng.uniform(38.3, 39.6), decimals: 1) : value
        let readings = rng.integer(in: 2...4)
        let peak = rng.integer(in: 0...(readings - 1))
        for r in 0..<readings {
            let reading = r == peak ? peakValue : roundTo(max(35.5, peakValue - 0.1 - rng.gamma(shape: 2, scale: 0.25)), decimals: 1)
            if cooled {
                record.measurements.append((Measurement(patientID: id, time: Double(day), parameter: "temperature", value: reading, sourceUnit: units[s]), 1))
            } else {
                append(reading, series: s, time: Double(day), id: id, into: &record, rng: &rng)
            }
        }
    }

    /// P/F ratio with the PaO2 and FiO2 it comes from: FiO2 set by the ventilator according to
    /// the oxygenation (≈ 0.85 at P/F 100, 0.35 at 300), PaO2 = P/F × FiO2, and the written P/F
    /// recomputed from the two rounded values so that the three rows agree.
    private func appendOxygenation(_ pf: Double, time: Double, id: String, into record: inout PatientRecord, rng: inout Xoshiro256StarStar) {
        let fio2 = roundTo(min(max(75 / pf + 0.1 + 0.04 * rng.normal(), 0.3), 1.0), decimals: 2)
        let pao2 = min(max(pf * fio2, 45), 450).rounded()
        let ratio = (pao2 / fio2).rounded()
        if rng.bernoulli(0.05) {
            let written = roundTo(Self.kPa?.fromCanonical(pao2) ?? pao2, decimals: 2)
            record.measurements.append((Measurement(patientID: id, time: time, parameter: "pao2", value: Self.kPa?.toCanonical(written) ?? written,
                                                    sourceValue: written, sourceUnit: "kPa"), 2))
        } else {
            record.measurements.append((Measurement(patientID: id, time: time, parameter: "pao2", value: pao2, sourceUnit: Self.pao2Unit), 0))
        }
        if rng.bernoulli(0.05) {
            let percent = (fio2 * 100).rounded()
            record.measurements.append((Measurement(patientID: id, time: time, parameter: "fio2", value: Self.percent?.toCanonical(percent) ?? percent * 0.01,
                                                    sourceValue: percent, sourceUnit: "%"), 0))
        } else {
            record.measurements.append((Measurement(patientID: id, time: time, parameter: "fio2", value: fio2, sourceUnit: Self.fio2Unit), 2))
        }
        record.measurements.append((Measurement(patientID: id, time: time, parameter: "pf_ratio", value: ratio, sourceUnit: Self.pfUnit), 0))
    }

    /// Daily norepinephrine dose: a latent log-dose through the plan's doses on ICU day 0 and
    /// on the alignment day (off = below log 0.02), weaning after day 0 in both groups; the
    /// drug is off (dose 0) whenever the latent value is below the lowest infusion rate.
    private func norepinephrineDoses(_ plan: PatientPlan, rng: inout Xoshiro256StarStar) -> [Double] {
        let floorLog = log(Self.lowestNorepinephrine)
        func latent(_ dose: Double) -> Double { dose > 0 ? log(dose) : floorLog - rng.uniform(0.3, 1.5) }
        let kinetics = PaperTargets.norepinephrineKinetics
        let treated = plan.role == .treated
        let admission = latent(plan.norepinephrineAdmission)
        let alignment = latent(plan.norepinephrineAlignment)
        let ownChange = (treated ? kinetics.change.treated : kinetics.change.control) + kinetics.changeSpread * rng.normal()
        let path = trajectory(
            admission: admission, alignment: alignment,
            change: plan.kinetics?.norepinephrineChange ?? ownChange, day0: plan.alignmentDay, lastDay: plan.lastDay,
            noise: kinetics.noise, correlation: kinetics.correlation,
            bump: treated ? kinetics.bump.treated : kinetics.bump.control,
            deviations: plan.kinetics?.norepinephrineDeviations, rng: &rng)
        return path.enumerated().map { d, level in
            if d == 0 { return plan.norepinephrineAdmission }
            if d == plan.alignmentDay { return plan.norepinephrineAlignment }
            return level < floorLog ? 0 : roundTo(min(exp(level), 1.2), decimals: 3)
        }
    }

    // MARK: Medication

    /// Appends the medication rows; returns the ICU days with anakinra, if any.
    private func appendMedications(_ plan: PatientPlan, id: String, into record: inout PatientRecord,
                                   rng: inout Xoshiro256StarStar) -> ClosedRange<Int>? {
        var administrations: [MedicationAdministration] = []
        for course in plan.courses {
            for day in course.days where day <= plan.lastDay {
                administrations.append(MedicationAdministration(patientID: id, drug: course.drug, time: Double(day), dose: course.dose, doseUnit: "mg"))
            }
        }
        if plan.role == .treated {
            // 300 mg i.v., then 100 mg every six hours (paper), for 5–12 days or until ICU discharge.
            let start = Double(plan.alignmentDay) + roundTo(rng.uniform(0.3, 0.7), decimals: 2)
            let stop = min(plan.discharge - 0.01, Double(plan.alignmentDay + rng.integer(in: 5...12)))
            var time = start
            var first = true
            while time <= stop || first {
                administrations.append(MedicationAdministration(patientID: id, drug: "anakinra", time: roundTo(time, decimals: 2), dose: first ? 300 : 100, doseUnit: "mg"))
                first = false
                time += 0.25
            }
        }
        administrations.sort { $0.time < $1.time || ($0.time == $1.time && $0.drug < $1.drug) }
        record.medications = administrations
        let anakinra = administrations.filter { $0.drug == "anakinra" }.map(\.day)
        guard let first = anakinra.min(), let last = anakinra.max() else { return nil }
        return first...last
    }

    // MARK: Cytokines

    /// An ICU-admission sample and serial samples every other day from day −6 to +6. Every
    /// cytokine falls from admission to the alignment day in both groups; after day 0 the
    /// groups do not differ, except IL-1RA, which rises some 90-fold while anakinra is given.
    private func appendCytokines(_ plan: PatientPlan, anakinraDays: ClosedRange<Int>?, id: String,
                                 into record: inout PatientRecord, rng: inout Xoshiro256StarStar) {
        let day0 = plan.alignmentDay
        // A morning sample reflects the doses of the day before (half-life of a few hours).
        let raisedDays: ClosedRange<Int>? = anakinraDays.flatMap { days in
            days.upperBound > days.lowerBound ? (days.lowerBound + 1)...days.upperBound : nil
        }
        var sampleDays: [Int] = []
        if rng.bernoulli(0.92) { sampleDays.append(0) }
        var serialDays: [Int] = []
        if rng.bernoulli(CohortPlanner.cytokineSeriesTaken) {
            for offset in PaperTargets.cytokineOffsets {
                let d = day0 + offset
                if d >= 1 && d <= plan.lastDay && rng.bernoulli(CohortPlanner.cytokineSampleTaken) { serialDays.append(d) }
            }
        }
        // An analysed patient's serial samples are the block plan's (the draws are still made).
        if let kinetics = plan.kinetics {
            serialDays = zip(PaperTargets.cytokineOffsets, kinetics.cytokineSampled).filter(\.1).map { day0 + $0.0 }
        }
        sampleDays += serialDays
        let levels = PaperTargets.cytokines.map { log($0.admissionMedian) + 0.8 * rng.normal() }
        let falls = PaperTargets.cytokines.map { $0.fallToAlignment + 0.3 * rng.normal() }
        for day in sampleDays {
            let isAdmission = day == 0
            let sampleID = isAdmission ? "\(id)-A" : "\(id)-D\(day)"
            for (c, cytokine) in PaperTargets.cytokines.enumerated() {
                let w = min(Double(day) / Double(max(day0, 1)), 1)
                var level = levels[c] - falls[c] * w - (day > day0 ? 0.03 * Double(day - day0) : 0)
                if !isAdmission {
                    // The analysed patient's planned deviation (the stream's draw is still made).
                    let kinetics = PaperTargets.cytokineKinetics[c]
                    let own = kinetics.noise * rng.normal()
                    let offset = day - day0
                    if let o = PaperTargets.cytokineOffsets.firstIndex(of: offset), let planned = plan.kinetics?.cytokineDeviations[c][o] {
                        level += planned
                        if plan.role == .treated, offset > 0, offset / 2 - 1 < kinetics.after.count { level += kinetics.after[offset / 2 - 1] }
                    } else {
                        level += own
                    }
                }
                if cytokine.analyte == "il1ra", let raisedDays, raisedDays.contains(day) {
                    level += PaperTargets.il1raRiseOnAnakinra + 0.4 * rng.normal()
                }
                var value = roundTo(min(exp(level), 5_000_000), decimals: 1)
                var below = false
                if value < cytokine.lod {
                    value = cytokine.lod
                    below = true
                }
                if cytokine.analyte == "il1ra" && value >= 10_000 && rng.bernoulli(0.3) {
                    let written = roundTo(value / 1000, decimals: 3)
                    record.cytokines.append((CytokineMeasurement(
                        patientID: id, sampleID: sampleID, time: Double(day), timepoint: isAdmission ? .admission : .serial,
                        analyte: cytokine.analyte, value: Self.cytokineAlternatives[c]?.toCanonical(written) ?? written * 1000, sourceValue: written, sourceUnit: "ng/mL", belowLOD: below), 3))
                } else {
                    record.cytokines.append((CytokineMeasurement(
                        patientID: id, sampleID: sampleID, time: Double(day), timepoint: isAdmission ? .admission : .serial,
                        analyte: cytokine.analyte, value: value, sourceUnit: Self.cytokineUnits[c], belowLOD: below), 1))
                }
            }
        }
    }

    // MARK: Proteomics

    private func appendProteomics(_ plan: PatientPlan, id: String, into record: inout PatientRecord) {
        guard let proteomics = plan.proteomics else { return }
        for (timepoint, day, values, warning) in [(ProteomicsTimepoint.pre, proteomics.preDay, proteomics.pre, proteomics.preWarning),
                                                  (.post, proteomics.postDay, proteomics.post, proteomics.postWarning)] {
            let sampleID = "OLK-\(id)-\(timepoint == .pre ? 1 : 2)"
            record.proteomicsSamples.append(ProteomicsSample(sampleID: sampleID, patientID: id, time: Double(day), timepoint: timepoint))
            for (a, assay) in ProteomicsPanel.assays.enumerated() {
                record.proteomics.append(ProteomicsValue(
                    sampleID: sampleID, assay: assay.assay, uniProt: assay.uniProt, olinkID: assay.olinkID,
                    panel: ProteomicsPanel.panelName, npx: values[a], lod: roundTo(assay.lod, decimals: 3), qcWarning: warning))
            }
        }
    }
}
