// Per-subject sufficient statistics for the random-intercept model.
//
// With a random intercept, Vᵢ = σ²(I + θ² 1 1ᵀ) and Wᵢ⁻¹ = I − cᵢ 1 1ᵀ with
// cᵢ = θ²/(1 + nᵢθ²). Every quantity REML needs is then
//
//     XᵀW⁻¹X = Σ XᵢᵀXᵢ − Σ cᵢ sᵢ sᵢᵀ,   XᵀW⁻¹e = Σ Xᵢᵀeᵢ − Σ cᵢ sᵢ tᵢ,
//     eᵀW⁻¹e = Σ eᵢᵀeᵢ − Σ cᵢ tᵢ²,      log|W| = Σ log(1 + nᵢθ²),
//
// with sᵢ = Xᵢᵀ1 and tᵢ = 1ᵀeᵢ. Because cᵢ depends on the subject only through nᵢ, the
// θ-dependent sums collapse to one p × p matrix, one p-vector and one scalar per distinct
// subject size: an evaluation of the REML criterion costs O(#sizes · p² + p³), independent of
// the number of rows and of subjects.
//
// Random slopes: the same algebra holds with the q × q block ZᵢᵀZᵢ in place of nᵢ and
// Λ(ΛᵀZᵢᵀZᵢΛ + I)⁻¹Λᵀ in place of cᵢ; subjects would then be grouped by identical ZᵢᵀZᵢ
// blocks and the aggregates indexed by pairs of random-effect columns. `LMMSizeGroup` is the
// q = 1 case of that grouping.
//
// Numerical care: the response is first shifted by an ordinary-least-squares fit,
// e = y − Xβ₀, so the sums of squares are of residual size and r² = eᵀW⁻¹e − bᵀM⁻¹b does not
// suffer cancellation when the fixed effects explain most of y; β = β₀ + M⁻¹b afterwards.

/// Subjects sharing one value of nᵢ (for the random intercept, ZᵢᵀZᵢ = nᵢ).
struct LMMSizeGroup: Sendable {
    /// nᵢ, the number of observations of each subject in the group.
    let size: Int
    /// Number of subjects with this size.
    var subjectCount: Int
    /// Σ sᵢ sᵢᵀ (p × p).
    var outer: LMMMatrix
    /// Σ sᵢ tᵢ.
    var cross: [Double]
    /// Σ tᵢ².
    var totalSquares: Double
}

/// Everything the REML criterion and its derivatives need, computed in one pass over the rows.
struct LMMSufficientStatistics: Sendable {
    let observationCount: Int
    let subjectCount: Int
    /// Number of (kept) fixed-effect columns.
    let columnCount: Int
    /// XᵀX.
    let crossProduct: LMMMatrix
    /// Xᵀe with e = y − Xβ₀.
    let crossResponse: [Double]
    /// eᵀe.
    let residualSquares: Double
    /// β₀, the least-squares coefficients the response was shifted by.
    let shift: [Double]
    let groups: [LMMSizeGroup]
}

/// The result of preparing the data: usable rows, subject coding, kept columns.
struct LMMPreparedData: Sendable {
    let statistics: LMMSufficientStatistics
    /// Indices (into the design's columns) of the columns kept after the rank check.
    let keptColumns: [Int]
    let droppedColumns: [Int]
    let droppedRowCount: Int
    /// Observation count per pattern (for the type III and type I constructions).
    let patternCounts: [Double]
}

extension LMMSufficientStatistics {
    /// Builds the statistics. `subjectOfRow[i]` is the subject index of row i (0 ..< subjectCount)
    /// or −1 when the row is not used; rows with a missing pattern or response must carry −1.
    ///
    /// - Complexity: O(rows · nnz) for the row pass (nnz = non-zeros of a design row) plus
    ///   O(subjects · nnz(sᵢ)²) for the outer products and O(patterns · p²) for XᵀX.
    static func prepare(
        response y: [Double], subjectOfRow: [Int32], subjectCount: Int, design: FixedEffectsDesign
    ) throws -> LMMPreparedData {
        let patterns = design.patterns
        let patternOfRow = design.patternOfRow
        let patternCount = patterns.rows
        let rowCount = y.count

        // Counting sort of the used rows by subject; per-pattern counts and sums.
        var subjectSizes = [Int](repeating: 0, count: subjectCount)
        var patternCounts = [Double](repeating: 0, count: patternCount)
        var patternSums = [Double](repeating: 0, count: patternCount)
        var used = 0
        for i in 0..<rowCount {
            let s = Int(subjectOfRow[i])
            if s < 0 { continue }
            subjectSizes[s] += 1
            let k = Int(patternOfRow[i])
            patternCounts[k] += 1
            patternSums[k] += y[i]
            used += 1
        }
        var offsets = [Int](repeating: 0, count: subjectCount + 1)
        for s in 0..<subjectCount { offsets[s + 1] = offsets[s] + subjectSizes[s] }
        var order = [Int32](repeating: 0, count: used)
        var cursor = offsets
        for i in 0..<rowCount {
            let s = Int(subjectOfRow[i])
            if s < 0 { continue }
            order[cursor[s]] = Int32(i)
            cursor[s] += 1
        }

        // The rank rule and the reduced patterns, then XᵀX and the least-squares shift.
        let present = (0..<patternCount).filter { patternCounts[$0] > 0 }
        let reduced = try ReducedPatterns(patterns, counts: patternCounts, used: used)
        let kept = reduced.kept
        let p = kept.count
        let nzStart = reduced.start, nzColumn = reduced.column, nzValue = reduced.value
        var xtx = LMMMatrix(rows: p, columns: p)
        var xty = [Double](repeating: 0, count: p)
        for k in present {
            let nk = patternCounts[k]
            let range = nzStart[k]..<nzStart[k + 1]
            for a in range {
                let ja = nzColumn[a]
                let va = nzValue[a]
                xty[ja] += patternSums[k] * va
                for b in range {
                    let jb = nzColumn[b]
                    if jb >= ja { xtx[ja, jb] += nk * va * nzValue[b] }
                }
            }
        }
        xtx.symmetrizeFromUpper()
        guard let olsFactor = LMMCholesky(xtx) else {
            throw StatsError("mixed model: XᵀX is not positive definite after dropping collinear columns")
        }
        let shift = olsFactor.solve(xty)
        var fitted = [Double](repeating: 0, count: patternCount)
        for k in 0..<patternCount {
            var f = 0.0
            for a in nzStart[k]..<nzStart[k + 1] { f += nzValue[a] * shift[nzColumn[a]] }
            fitted[k] = f
        }

        // Per-subject pass. Group aggregates live in flat buffers (group-major) while rows are read.
        let maxSize = subjectSizes.max() ?? 0
        var groupOfSize = [Int](repeating: -1, count: maxSize + 1)
        var sizes: [Int] = []
        for n in subjectSizes where n > 0 { groupOfSize[n] = 0 }
        for n in 0...maxSize where groupOfSize[n] == 0 {
            groupOfSize[n] = sizes.count
            sizes.append(n)
        }
        var outerAll = [Double](repeating: 0, count: sizes.count * p * p)
        var crossAll = [Double](repeating: 0, count: sizes.count * p)
        var squaresAll = [Double](repeating: 0, count: sizes.count)
        var countAll = [Int](repeating: 0, count: sizes.count)
        var patternResidualSums = [Double](repeating: 0, count: patternCount)
        var residualSquares = 0.0
        var responseSquares = 0.0
        var s = [Double](repeating: 0, count: p)
        var touched = [Bool](repeating: false, count: p)
        var touchedList: [Int] = []
        touchedList.reserveCapacity(p)
        y.withUnsafeBufferPointer { yBuf in
            patternOfRow.withUnsafeBufferPointer { patBuf in
                order.withUnsafeBufferPointer { orderBuf in
                    outerAll.withUnsafeMutableBufferPointer { outer in
                        crossAll.withUnsafeMutableBufferPointer { cross in
                            for subject in 0..<subjectCount {
                                let start = offsets[subject]
                                let end = offsets[subject + 1]
                                if start == end { continue }
                                var t = 0.0
                                var subjectSquares = 0.0
                                for r in start..<end {
                                    let row = Int(orderBuf[r])
                                    let k = Int(patBuf[row])
                                    responseSquares += yBuf[row] * yBuf[row]
                                    let e = yBuf[row] - fitted[k]
                                    t += e
                                    subjectSquares += e * e
                                    patternResidualSums[k] += e
                                    for a in nzStart[k]..<nzStart[k + 1] {
                                        let j = nzColumn[a]
                                        if !touched[j] {
                                            touched[j] = true
                                            touchedList.append(j)
                                        }
                                        s[j] += nzValue[a]
                                    }
                                }
                                residualSquares += subjectSquares
                                touchedList.sort()
                                let g = groupOfSize[end - start]
                                countAll[g] += 1
                                squaresAll[g] += t * t
                                let outerBase = g * p * p
                                let crossBase = g * p
                                for (ia, ja) in touchedList.enumerated() {
                                    let sa = s[ja]
                                    cross[crossBase + ja] += sa * t
                                    let rowBase = outerBase + ja * p
                                    for ib in ia..<touchedList.count {
                                        let jb = touchedList[ib]
                                        outer[rowBase + jb] += sa * s[jb]
                                    }
                                }
                                for j in touchedList {
                                    s[j] = 0
                                    touched[j] = false
                                }
                                touchedList.removeAll(keepingCapacity: true)
                            }
                        }
                    }
                }
            }
        }
        // Residuals at rounding level (RMS below 1e-10 of the response's): σ² would be 0 and
        // REML undefined.
        guard residualSquares > 1e-20 * responseSquares else {
            throw StatsError("mixed model: the fixed effects fit the response exactly (zero residual variance, e.g. a constant response); REML is undefined")
        }
        var groups: [LMMSizeGroup] = []
        for (g, n) in sizes.enumerated() {
            var outer = LMMMatrix(
                rows: p, columns: p, storage: Array(outerAll[(g * p * p)..<((g + 1) * p * p)]))
            outer.symmetrizeFromUpper()
            groups.append(LMMSizeGroup(
                size: n, subjectCount: countAll[g], outer: outer,
                cross: Array(crossAll[(g * p)..<((g + 1) * p)]), totalSquares: squaresAll[g]))
        }
        var xte = [Double](repeating: 0, count: p)
        for k in present {
            for a in nzStart[k]..<nzStart[k + 1] { xte[nzColumn[a]] += patternResidualSums[k] * nzValue[a] }
        }
        let statistics = LMMSufficientStatistics(
            observationCount: used, subjectCount: subjectSizes.filter { $0 > 0 }.count, columnCount: p,
            crossProduct: xtx, crossResponse: xte, residualSquares: residualSquares, shift: shift,
            groups: groups)
        return LMMPreparedData(
            statistics: statistics, keptColumns: kept, droppedColumns: reduced.dropped,
            droppedRowCount: rowCount - used, patternCounts: patternCounts)
    }
}

extension LMMSufficientStatistics {
    /// The largest pattern-space layout (P(P + 1)/2 · largest subject size) the row path routes
    /// through `MixedModelSums`; designs with more distinct rows (a dense design with one
    /// pattern per row) keep the column-space pass above.
    static let patternSpaceBudget = 2_000_000

    /// The row path through the aggregate: the rows are summed per subject into
    /// `MixedModelSums`, which is then finalised (`prepare(sums:design:)`). The same
    /// finalisation serves sums merged across sites, so a pooled fit and an in-memory fit are
    /// one computation. Falls back to the column-space pass for designs whose pattern layout
    /// exceeds `patternSpaceBudget`.
    static func prepareThroughSums(
        response y: [Double], subjectOfRow: [Int32], subjectCount: Int, design: FixedEffectsDesign
    ) throws -> LMMPreparedData {
        var subjectSizes = [Int](repeating: 0, count: subjectCount)
        for s in subjectOfRow where s >= 0 { subjectSizes[Int(s)] += 1 }
        let maxSize = subjectSizes.max() ?? 0
        let patternCount = design.patterns.rows
        guard maxSize > 0, patternCount * (patternCount + 1) / 2 * maxSize <= patternSpaceBudget else {
            return try prepare(response: y, subjectOfRow: subjectOfRow, subjectCount: subjectCount, design: design)
        }
        var offsets = [Int](repeating: 0, count: subjectCount + 1)
        for s in 0..<subjectCount { offsets[s + 1] = offsets[s] + subjectSizes[s] }
        var order = [Int](repeating: 0, count: offsets[subjectCount])
        var cursor = offsets
        for (i, s32) in subjectOfRow.enumerated() where s32 >= 0 {
            let s = Int(s32)
            order[cursor[s]] = i
            cursor[s] += 1
        }
        // Each pattern's rows are summed about the pattern's mean, so the sums stay of residual
        // size however far the response is from 0.
        var counts = [Double](repeating: 0, count: patternCount)
        var means = [Double](repeating: 0, count: patternCount)
        for (i, s) in subjectOfRow.enumerated() where s >= 0 {
            let k = Int(design.patternOfRow[i])
            counts[k] += 1
            means[k] += (y[i] - means[k]) / counts[k]
        }
        var sums = MixedModelSums(patternCount: patternCount, maxSubjectSize: maxSize, centers: means)
        var patterns: [Int32] = []
        var responses: [Double] = []
        for s in 0..<subjectCount where offsets[s + 1] > offsets[s] {
            patterns.removeAll(keepingCapacity: true)
            responses.removeAll(keepingCapacity: true)
            for r in offsets[s]..<offsets[s + 1] {
                patterns.append(design.patternOfRow[order[r]])
                responses.append(y[order[r]])
            }
            try sums.addSubject(patterns: patterns, responses: responses)
        }
        let prepared = try prepare(sums: sums, design: design)
        return LMMPreparedData(
            statistics: prepared.statistics, keptColumns: prepared.keptColumns, droppedColumns: prepared.droppedColumns,
            droppedRowCount: y.count - offsets[subjectCount], patternCounts: prepared.patternCounts)
    }

    /// Finalises merged sums into the statistics REML needs (the algebra is in
    /// MixedModelSums.swift): R's rank rule on the cell-weighted patterns, XᵀX and Xᵀy, the
    /// least-squares shift β₀, then the per-size sums in column space with the shift applied.
    ///
    /// - Complexity: O(#sizes · nnz(Σ mmᵀ) · nnz(row)² + P · p²), independent of the number of
    ///   rows and subjects.
    static func prepare(sums: MixedModelSums, design: FixedEffectsDesign) throws -> LMMPreparedData {
        let patterns = design.patterns
        let patternCount = patterns.rows
        guard sums.patternCount == patternCount else {
            throw StatsError("mixed model: the sums have \(sums.patternCount) patterns but the design has \(patternCount)")
        }
        let patternCounts = sums.patternCounts
        let present = (0..<patternCount).filter { patternCounts[$0] > 0 }
        let used = sums.observationCount
        let reduced = try ReducedPatterns(patterns, counts: patternCounts, used: used)
        let kept = reduced.kept
        let p = kept.count
        let nzStart = reduced.start, nzColumn = reduced.column, nzValue = reduced.value
        // Sums are about the centres c: Σyₖ = Σỹₖ + Nₖcₖ.
        let c = sums.centers
        var xtx = LMMMatrix(rows: p, columns: p)
        var xty = [Double](repeating: 0, count: p)
        for k in present {
            let nk = patternCounts[k]
            for a in nzStart[k]..<nzStart[k + 1] {
                let ja = nzColumn[a]
                xty[ja] += (sums.patternSums[k] + nk * c[k]) * nzValue[a]
                for b in nzStart[k]..<nzStart[k + 1] where nzColumn[b] >= ja { xtx[ja, nzColumn[b]] += nk * nzValue[a] * nzValue[b] }
            }
        }
        xtx.symmetrizeFromUpper()
        guard let olsFactor = LMMCholesky(xtx) else {
            throw StatsError("mixed model: XᵀX is not positive definite after dropping collinear columns")
        }
        let shift = olsFactor.solve(xty)
        // `fitted` holds fₖ − cₖ: the formulas below are those of the file comment of
        // MixedModelSums with the centred sums and f − c in place of f.
        var fitted = [Double](repeating: 0, count: patternCount)
        for k in 0..<patternCount {
            var f = 0.0
            for a in nzStart[k]..<nzStart[k + 1] { f += nzValue[a] * shift[nzColumn[a]] }
            fitted[k] = f - c[k]
        }
        // Σy² about 0, for the exact-fit check.
        var responseSquares = sums.responseSquares
        for k in present { responseSquares += 2 * c[k] * sums.patternSums[k] + patternCounts[k] * c[k] * c[k] }
        // eᵀe per pattern: Σy² − 2 Σₖ fₖ Σyₖ + Σₖ Nₖ fₖ²; Xᵀe = Σₖ Pₖ (Σyₖ − Nₖ fₖ).
        var residualSquares = sums.responseSquares
        var xte = [Double](repeating: 0, count: p)
        for k in present {
            let f = fitted[k]
            residualSquares += -2 * f * sums.patternSums[k] + patternCounts[k] * f * f
            let r = sums.patternSums[k] - patternCounts[k] * f
            for a in nzStart[k]..<nzStart[k + 1] { xte[nzColumn[a]] += r * nzValue[a] }
        }
        guard residualSquares > 1e-20 * responseSquares else {
            throw StatsError("mixed model: the fixed effects fit the response exactly (zero residual variance, e.g. a constant response); REML is undefined")
        }
        var groups: [LMMSizeGroup] = []
        for (index, block) in sums.sizes.enumerated() where block.subjects > 0 {
            var outer = LMMMatrix(rows: p, columns: p)
            var u = block.cross     // becomes Σ m(1ᵀy) − (Σ mmᵀ) f
            var fMf = 0.0
            for k in present {
                for l in present where l >= k {
                    let v = sums.outer(index, k, l)
                    if v == 0 { continue }
                    u[k] -= v * fitted[l]
                    fMf += v * fitted[k] * fitted[l]
                    if l != k {
                        u[l] -= v * fitted[k]
                        fMf += v * fitted[k] * fitted[l]
                    }
                    for a in nzStart[k]..<nzStart[k + 1] {
                        for b in nzStart[l]..<nzStart[l + 1] {
                            let w = v * nzValue[a] * nzValue[b]
                            outer[nzColumn[a], nzColumn[b]] += w
                            if l != k { outer[nzColumn[b], nzColumn[a]] += w }
                        }
                    }
                }
            }
            var cross = [Double](repeating: 0, count: p)
            var fMy = 0.0
            for k in present {
                fMy += fitted[k] * block.cross[k]
                for a in nzStart[k]..<nzStart[k + 1] { cross[nzColumn[a]] += u[k] * nzValue[a] }
            }
            groups.append(LMMSizeGroup(
                size: index + 1, subjectCount: Int(block.subjects), outer: outer, cross: cross,
                totalSquares: block.totalSquares - 2 * fMy + fMf))
        }
        let statistics = LMMSufficientStatistics(
            observationCount: used, subjectCount: sums.subjectCount, columnCount: p,
            crossProduct: xtx, crossResponse: xte, residualSquares: residualSquares, shift: shift, groups: groups)
        return LMMPreparedData(
            statistics: statistics, keptColumns: kept, droppedColumns: reduced.dropped, droppedRowCount: 0,
            patternCounts: patternCounts)
    }
}

/// The design's distinct rows reduced to the columns R keeps, shared by the row pass and the
/// finalisation of merged sums.
///
/// The rank rule is R's (`qr` with tol 1e-7) on X; the cell-weighted pattern matrix √Nₖ Pₖ has
/// the same column inner products as X itself. The reduced patterns are kept as their non-zero
/// entries, pattern by pattern (`start[k] ..< start[k + 1]` index `column` and `value`).
struct ReducedPatterns {
    let kept: [Int]
    let dropped: [Int]
    let start: [Int]
    let column: [Int]
    let value: [Double]

    init(_ patterns: LMMMatrix, counts: [Double], used: Int) throws {
        let present = (0..<patterns.rows).filter { counts[$0] > 0 }
        var weighted = LMMMatrix(rows: present.count, columns: patterns.columns)
        for (r, k) in present.enumerated() {
            let w = counts[k].squareRoot()
            for j in 0..<patterns.columns { weighted[r, j] = w * patterns[k, j] }
        }
        let rank = LMMLinearAlgebra.independentColumns(of: weighted)
        let p = rank.kept.count
        guard p > 0 else {
            throw StatsError("mixed model: the fixed-effects design has no non-zero column among the used rows")
        }
        guard used > p else {
            throw StatsError("mixed model: \(used) usable observations for \(p) fixed effects; REML needs more observations than fixed effects")
        }
        var start = [Int](repeating: 0, count: patterns.rows + 1)
        var column: [Int] = []
        var value: [Double] = []
        for k in 0..<patterns.rows {
            for (jj, j) in rank.kept.enumerated() {
                let v = patterns[k, j]
                if v != 0 {
                    column.append(jj)
                    value.append(v)
                }
            }
            start[k + 1] = column.count
        }
        kept = rank.kept
        dropped = rank.dropped
        self.start = start
        self.column = column
        self.value = value
    }
}
