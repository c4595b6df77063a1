/// Time as a numeric covariate in a two-group repeated-measures model:
///
/// - linear: `lmer(y ~ time * group + (1 | id))`
/// - spline: `lmer(y ~ ns(time, knots = k, Boundary.knots = b) * group + (1 | id))`
///
/// The between-group test is lmerTest's type III F test of the `time:group` term
/// (`anova(fit, type = 3)`, Satterthwaite). For the highest-order term with treatment contrasts
/// lmerTest's hypothesis is the unit rows of the interaction coefficients (checked against
/// `attr(anova(...), "hypotheses")` in the fixture), so the test is `fTest` with those rows.
public enum ContinuousTimeBasis: Sendable, Hashable {
    /// `time` itself: one column.
    case linear
    /// `ns(time, knots, Boundary.knots)`: `knots.count + 1` columns.
    case spline(NaturalCubicSpline)

    /// The basis columns of one time value.
    public func row(_ t: Double) -> [Double] {
        switch self {
        case .linear: [t]
        case .spline(let s): s.basis(t)
        }
    }

    /// Column names: `time`, or `ns1`…`nsK`.
    public var columnNames: [String] {
        switch self {
        case .linear: ["time"]
        case .spline(let s): (1...s.columnCount).map { "ns\($0)" }
        }
    }
}

/// The fit of a continuous-time two-group model and its interaction test.
public struct ContinuousTimeInteraction: Sendable {
    public let fit: LinearMixedModelFit
    /// The type III F test of `time:group` (Satterthwaite).
    public let test: ContrastFTest
}

extension LinearMixedModel {
    /// Fits `y ~ basis(time) * group + (1 | subject)` by REML and tests the time × group
    /// interaction. `treated[i]` is the group of row i (`false` = the reference level, R's
    /// first factor level). The design is stored as its distinct (time, group) rows, so the
    /// cost per observation does not grow with the number of rows.
    ///
    /// Columns of X: `(Intercept)`, the basis columns, `grouptreated`, then the basis columns
    /// `:grouptreated` (R's `model.matrix(~ time * group)` order).
    /// - Throws: `StatsError` for mismatched lengths, a fit that fails, or an interaction that is
    ///   not estimable (every interaction column dropped as linearly dependent).
    public static func continuousTimeInteraction<Subject: Hashable>(
        response: [Double], time: [Double], treated: [Bool], subjects: [Subject], basis: ContinuousTimeBasis
    ) throws -> ContinuousTimeInteraction {
        let n = response.count
        guard time.count == n, treated.count == n, subjects.count == n else {
            throw StatsError("continuous-time model: \(n) responses, \(time.count) times, \(treated.count) groups and \(subjects.count) subjects")
        }
        let names = basis.columnNames
        let columns = ["(Intercept)"] + names + ["grouptreated"] + names.map { $0 + ":grouptreated" }
        let terms = ["(Intercept)"] + names.map { _ in "time" } + ["group"] + names.map { _ in "time:group" }
        var patternIndex: [PatternKey: Int32] = [:]
        var storage: [Double] = []
        var patternOfRow = [Int32](repeating: -1, count: n)
        var patternCount: Int32 = 0
        for i in 0..<n {
            guard time[i].isFinite else { continue }
            let key = PatternKey(time: time[i].bitPattern, treated: treated[i])
            if let p = patternIndex[key] {
                patternOfRow[i] = p
                continue
            }
            let b = basis.row(time[i])
            let g = treated[i] ? 1.0 : 0.0
            storage.append(1)
            storage.append(contentsOf: b)
            storage.append(g)
            storage.append(contentsOf: b.map { $0 * g })
            patternIndex[key] = patternCount
            patternOfRow[i] = patternCount
            patternCount += 1
        }
        let design = FixedEffectsDesign(
            columnNames: columns, rowCount: n, columnTerms: terms, termLabels: ["time", "group", "time:group"],
            patterns: LMMMatrix(rows: Int(patternCount), columns: columns.count, storage: storage),
            patternOfRow: patternOfRow, factorial: nil)
        let fit = try LinearMixedModel.fit(response: response, subjects: subjects, design: design)
        let rows: [[Double]] = fit.coefficientNames.indices.compactMap { j in
            guard fit.coefficientNames[j].hasSuffix(":grouptreated") else { return nil }
            var row = [Double](repeating: 0, count: fit.coefficientNames.count)
            row[j] = 1
            return row
        }
        guard !rows.isEmpty else {
            throw StatsError("continuous-time model: the time × group interaction is not estimable (its columns are linearly dependent on the others)")
        }
        return ContinuousTimeInteraction(fit: fit, test: try fit.fTest(rows))
    }
}

private struct PatternKey: Hashable {
    var time: UInt64
    var treated: Bool
}
