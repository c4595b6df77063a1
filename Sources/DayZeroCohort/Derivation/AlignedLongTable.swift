#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a long-table row is a daily value or the ICU-admission cytokine sample.
public enum AlignedTimepoint: String, Sendable, Codable, Hashable {
    case daily
    /// The ICU-admission sample, shown beside the window; its aligned day is the admission
    /// sample's ICU day minus day 0.
    case admission
}

/// The analysis-ready long table of one analysis set, columnar: row `r` is patient
/// `patient[r]` (a number into `DerivedCohort.patients`), parameter `parameters[parameter[r]]`,
/// on aligned day `alignedDay[r]`, with the day's value (after aggregation and imputation) and
/// the value as analysed (after the parameter's transform and zero rule).
///
/// Rows: for each member patient (in patient order), each protocol parameter (in protocol
/// order), the admission sample first (cytokines), then the days of the parameter's window in
/// order. Values the zero rule (or a non-positive value under log) leaves out are not rows;
/// they are listed in `excluded` and counted in `counts`.
public struct AlignedLongTable: Sendable, Equatable {
    public var analysisSet: String
    public var parameters: [String]
    /// Per parameter: `log`, `log(x + c)`, `log (zeros replaced by v)` or `none`.
    public var transforms: [String]
    public var patient: [Int32] = []
    public var group: [StudyGroup] = []
    public var parameter: [Int32] = []
    public var alignedDay: [Int32] = []
    public var timepoint: [AlignedTimepoint] = []
    public var value: [Double] = []
    public var analysedValue: [Double] = []
    /// The value is the imputed temperature.
    public var imputed: [Bool] = []
    public var excluded: [ExcludedValue] = []
    /// Per parameter (same order as `parameters`).
    public var counts: [TransformCounts]

    public var count: Int { value.count }

    /// One row as a value (for exports and tests).
    public func row(_ r: Int, in cohort: DerivedCohort) -> AlignedRow {
        AlignedRow(
            patientID: cohort.patients[Int(patient[r])].id, group: group[r], analysisSet: analysisSet,
            parameter: parameters[Int(parameter[r])], alignedDay: Int(alignedDay[r]), timepoint: timepoint[r],
            value: value[r], analysedValue: analysedValue[r], transform: transforms[Int(parameter[r])], imputed: imputed[r])
    }
}

/// One row of the aligned long table.
public struct AlignedRow: Sendable, Equatable {
    public var patientID: String
    public var group: StudyGroup
    public var analysisSet: String
    public var parameter: String
    public var alignedDay: Int
    public var timepoint: AlignedTimepoint
    public var value: Double
    public var analysedValue: Double
    public var transform: String
    public var imputed: Bool
}

/// A daily value left out of the analysis, with the reason.
public struct ExcludedValue: Sendable, Equatable {
    public enum Reason: String, Sendable, Codable {
        /// A zero under `exclude_zeros`.
        case zeroExcluded = "zero_excluded"
        /// A value ≤ 0 under log that no zero rule covers (negative; or `x + c ≤ 0`).
        case nonPositiveUnderLog = "non_positive_under_log"
    }

    public var patient: Int
    public var parameter: String
    public var alignedDay: Int
    public var timepoint: AlignedTimepoint
    public var value: Double
    public var reason: Reason
}

/// What the transform step did to one parameter's rows.
public struct TransformCounts: Sendable, Equatable, Codable {
    /// Values in the window before the transform.
    public var values = 0
    /// Rows kept.
    public var analysed = 0
    /// Zeros left out (`exclude_zeros`).
    public var zerosExcluded = 0
    /// Zeros replaced (`replace_zeros_with`).
    public var zerosReplaced = 0
    /// Zeros kept and shifted by the constant (`add_constant`); every value is shifted.
    public var zerosShifted = 0
    /// Values ≤ 0 that log could not take, left out.
    public var nonPositiveExcluded = 0
    /// Rows whose value is an imputed temperature.
    public var imputed = 0
}

/// A value after the transform step: analysed as `y`, or left out for a reason.
public enum TransformOutcome: Sendable, Equatable {
    case analysed(Double)
    case excluded(ExcludedValue.Reason)
}

/// The analysed value of `x` under `transform` and `zeroRule`, or the reason it is left out.
/// Natural log throughout.
public func analysedValue(_ x: Double, transform: ValueTransform, zeroRule: ZeroRule?) -> TransformOutcome {
    switch transform {
    case .none:
        return .analysed(x)
    case .log:
        switch zeroRule {
        case .addConstant(let c)?:
            return x + c > 0 ? .analysed(log(x + c)) : .excluded(.nonPositiveUnderLog)
        case .replaceZerosWith(let v)?:
            if x == 0 { return .analysed(log(v)) }
        case .excludeZeros?:
            if x == 0 { return .excluded(.zeroExcluded) }
        case nil:
            break
        }
        return x > 0 ? .analysed(log(x)) : .excluded(.nonPositiveUnderLog)
    }
}

extension ParameterRule {
    /// The transform as written in exports: `none`, `log`, `log(x + c)`, `log, zeros -> v`.
    public var transformLabel: String {
        switch (transform, zeroRule) {
        case (.none, _): "none"
        case (.log, .addConstant(let c)?): "log(x + \(formatNumber(c)))"
        case (.log, .replaceZerosWith(let v)?): "log(x), zeros replaced by \(formatNumber(v))"
        case (.log, .excludeZeros?): "log(x), zeros excluded"
        case (.log, nil): "log(x)"
        }
    }
}

extension DerivedCohort {
    /// The window of a parameter rule: its own, else `windows.cytokines` for a cytokine, else
    /// `windows.serial`.
    public func window(of rule: ParameterRule) -> DayWindow {
        if let w = rule.window { return w }
        if registry[rule.name]?.kind == .cytokine { return studyProtocol.windows.cytokines }
        return studyProtocol.windows.serial
    }

    /// The aligned long table of the patients of `membership` (default: every included patient,
    /// analysis set `main`).
    ///
    /// - Complexity: O(rows + patients × parameters × log(admission samples)).
    public func alignedLongTable(for membership: AnalysisSetMembership? = nil) -> AlignedLongTable {
        AlignedLongTableBuilder(cohort: self, membership: membership).table()
    }

    /// The rows of protocol parameter `k` (a number into `studyProtocol.parameters`) of the
    /// aligned long table of `membership`: exactly the whole table's rows, excluded values and
    /// counts of that parameter, in the same order (see `AlignedLongTableBuilder.table(parameter:)`).
    public func alignedLongTable(for membership: AnalysisSetMembership?, parameter k: Int) -> AlignedLongTable {
        AlignedLongTableBuilder(cohort: self, membership: membership).table(parameter: k)
    }
}

/// Builds the aligned long table of one analysis set whole, one parameter at a time, or a
/// chunk of member patients at a time, so that a caller holds only the rows it reads.
///
/// The whole table of a set is ≈ 39 bytes × rows (23 M rows at 100 000 screened patients,
/// ≈ 0.9 GiB); one parameter's table is its share (≈ 1/27 with the paper's protocol) and one
/// chunk's is the chunk's share. All three are one loop (`table(members:parameters:)`), so
/// the transform, zero rule and counts cannot differ between them: the whole table is, row for
/// row, the per-parameter tables interleaved by patient, and the chunk tables concatenated.
///
/// The builder precomputes per parameter its daily series, window and admission-sample analyte
/// once; an admission sample is found by binary search in `cytokineAdmission` (sorted by
/// patient, then analyte, one row per pair), so no call costs O(all admission rows).
public struct AlignedLongTableBuilder: Sendable {
    public let cohort: DerivedCohort
    /// The analysis set's name (`main` without a membership).
    public let analysisSet: String
    /// The member patients (numbers into `cohort.patients`), in table order.
    public let members: [Int]
    let rules: [ParameterRule]
    let seriesOf: [Int?]
    let windows: [DayWindow]
    /// Per parameter: its analyte number in `cohort.cytokineAdmission`, when admission samples
    /// are shown and it has any.
    let admissionAnalyte: [Int32?]
    let admission: AdmissionSampleTable

    /// A builder for the patients of `membership` (default: every included patient, set `main`).
    public init(cohort: DerivedCohort, membership: AnalysisSetMembership? = nil) {
        self.cohort = cohort
        analysisSet = membership?.name ?? "main"
        members = membership?.members ?? Array(cohort.patients.indices)
        rules = cohort.studyProtocol.parameters
        seriesOf = rules.map { cohort.seriesIndex(parameter: $0.name, aggregation: $0.aggregation) }
        windows = rules.map { cohort.window(of: $0) }
        admission = cohort.cytokineAdmission
        let showAdmission = cohort.studyProtocol.windows.cytokineAdmissionSample
        admissionAnalyte = rules.map { rule in
            guard showAdmission, let a = cohort.cytokineAdmission.analytes.firstIndex(of: rule.name) else { return nil }
            return Int32(a)
        }
    }

    /// The number of protocol parameters (the valid arguments of `table(parameter:)`).
    public var parameterCount: Int { rules.count }

    /// The whole table: every member, every parameter.
    public func table() -> AlignedLongTable {
        table(members: members[...], parameters: rules.indices)
    }

    /// The rows, excluded values and counts of protocol parameter `k` only, in the whole
    /// table's order. `parameters`, `transforms` and `counts` still list every protocol
    /// parameter (so `parameter[r] == k` and `counts[k]` keep their meaning); the other
    /// parameters' counts are zero. An out-of-range `k` gives a table without rows.
    public func table(parameter k: Int) -> AlignedLongTable {
        table(members: members[...], parameters: rules.indices.contains(k) ? k..<(k + 1) : 0..<0)
    }

    /// The rows of the members `members[chunk]` (positions into `members`), every parameter:
    /// concatenated over consecutive chunks, the whole table. Counts are the chunk's.
    public func table(memberChunk chunk: Range<Int>) -> AlignedLongTable {
        table(members: members[chunk.clamped(to: members.indices)], parameters: rules.indices)
    }

    /// Rows for each patient of `members` (in order), each parameter of `parameters` (in
    /// order): the admission sample first (cytokines), then the days of the parameter's window.
    ///
    /// - Complexity: O(rows + patients × parameters × log(admission samples)).
    func table(members: ArraySlice<Int>, parameters: Range<Int>) -> AlignedLongTable {
        let patients = cohort.patients
        let daily = cohort.daily
        var table = AlignedLongTable(
            analysisSet: analysisSet, parameters: rules.map(\.name), transforms: rules.map(\.transformLabel),
            counts: Array(repeating: TransformCounts(), count: rules.count))

        func add(_ i: Int, _ k: Int, _ day: Int, _ tp: AlignedTimepoint, _ x: Double, _ imputed: Bool) {
            table.counts[k].values += 1
            let rule = rules[k]
            if x == 0, rule.transform == .log {
                switch rule.zeroRule {
                case .addConstant?: table.counts[k].zerosShifted += 1
                case .replaceZerosWith?: table.counts[k].zerosReplaced += 1
                default: break
                }
            }
            switch analysedValue(x, transform: rule.transform, zeroRule: rule.zeroRule) {
            case .analysed(let y):
                table.patient.append(Int32(i))
                table.group.append(patients[i].group)
                table.parameter.append(Int32(k))
                table.alignedDay.append(Int32(clamping: day))
                table.timepoint.append(tp)
                table.value.append(x)
                table.analysedValue.append(y)
                table.imputed.append(imputed)
                table.counts[k].analysed += 1
                if imputed { table.counts[k].imputed += 1 }
            case .excluded(let reason):
                if reason == .zeroExcluded { table.counts[k].zerosExcluded += 1 } else { table.counts[k].nonPositiveExcluded += 1 }
                table.excluded.append(ExcludedValue(
                    patient: i, parameter: rule.name, alignedDay: day, timepoint: tp, value: x, reason: reason))
            }
        }

        for i in members {
            let day0 = patients[i].day0
            for k in parameters {
                if let a = admissionAnalyte[k], let s = admissionSample(patient: i, analyte: a) {
                    add(i, k, Int(admission.icuDay[s]) - day0, .admission, admission.value[s], false)
                }
                guard let s = seriesOf[k] else { continue }
                let w = windows[k]
                for r in daily.range(patient: i, series: s) {
                    let aligned = Int(daily.days[r]) - day0
                    if aligned > w.end { break }
                    if aligned >= w.start { add(i, k, aligned, .daily, daily.values[r], daily.imputed[r]) }
                }
            }
        }
        return table
    }

    /// The row of `cohort.cytokineAdmission` for (`patient`, `analyte`), by binary search on
    /// the table's (patient, analyte) order.
    func admissionSample(patient p: Int, analyte a: Int32) -> Int? {
        let target = Int32(clamping: p)
        var lo = 0, hi = admission.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if (admission.patient[mid], admission.analyte[mid]) < (target, a) { lo = mid + 1 } else { hi = mid }
        }
        return lo < admission.count && admission.patient[lo] == target && admission.analyte[lo] == a ? lo : nil
    }
}
