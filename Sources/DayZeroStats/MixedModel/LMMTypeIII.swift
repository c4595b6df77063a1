// Type III hypotheses as lmerTest builds them for a factorial model with treatment contrasts.
//
// lmerTest (`get_contrasts_type3` → `extract_contrasts_type3`, version 3.1) does not use the
// coefficients of the treatment coding directly. It writes the overparameterised indicator
// design rdX (intercept plus, per term, one column per level combination) in terms of the
// full-rank X, L₀ = (X⁺ rdX)ᵀ — row j of L₀ expresses indicator column j as a combination of
// the coefficients — and then, from the highest-order terms down, replaces the columns of a
// term contained in a larger term by their residuals after regressing them (over the rows of
// L₀) on the columns of the containing terms. The hypothesis for a term is the transposed
// column block of that term, restricted to the rows of L₀ named as X's columns. Those are
// SAS-style type III estimable functions: for day × group with treatment contrasts, the day
// test compares days averaged over groups with equal weights, and the group test compares
// groups averaged over days with equal weights, whatever the cell counts — which is what
// makes type III meaningful and independent of the contrast coding.
//
// Two details matter for agreement to 1e-6 and are reproduced: lmerTest rounds L₀ and each
// residual block with `zapsmall` (7 significant digits relative to the block's largest
// entry, so 1/21 becomes 0.047619), and the Satterthwaite df of an F test depends on the
// basis of the hypothesis rows (not only on their span), so the rows must be the same
// vectors up to an orthogonal transformation. Models with a single term fall back, as in
// lmerTest, to the type I (Doolittle) hypotheses.

/// A type III ANOVA table as lmerTest's `anova(fit, type = 3)` prints it.
public struct TypeIIIAnovaTable: Sendable, Hashable, Codable {
    /// One row per term with a non-empty hypothesis, in model order.
    public var rows: [AnovaTermTest]
    /// Terms whose hypothesis is empty (every column dropped), missing cells, and similar.
    public var warnings: [StatsWarning]
}

extension LinearMixedModelFit {
    /// The type III hypothesis matrix of each term (rows over `coefficientNames`), exactly as
    /// lmerTest's `attr(anova(fit, type = 3), "hypotheses")`.
    /// - Throws: `StatsError` when the design is not factorial (a dense design has no term
    ///   structure to build type III hypotheses from; use `fTest` with your own L).
    public func typeIIIHypotheses() throws -> [(term: String, hypothesis: [[Double]])] {
        try typeIIIConstruction().hypotheses
    }

    /// lmerTest's `anova(fit, type = 3, ddf = ...)`: Sum Sq, Mean Sq, NumDF, DenDF, F and
    /// Pr(>F) for every term (Satterthwaite by default, as lmerTest).
    /// - Throws: `StatsError` when the design is not factorial.
    public func typeIIIAnova(method: DenominatorDFMethod = .satterthwaite) throws -> TypeIIIAnovaTable {
        let construction = try typeIIIConstruction()
        let kr = method == .kenwardRoger ? kenwardRoger() : nil
        var rows: [AnovaTermTest] = []
        var warnings = construction.warnings
        for (term, hypothesis) in construction.hypotheses {
            var l = LMMMatrix(rows: hypothesis.count, columns: beta.count)
            for (i, row) in hypothesis.enumerated() {
                for j in 0..<row.count { l[i, j] = row[j] }
            }
            if hypothesis.isEmpty {
                warnings.append(StatsWarning(
                    code: "empty-hypothesis",
                    message: "term '\(term)' has no estimable type III hypothesis (all its columns were dropped); it is left out of the table"))
                continue
            }
            let result = kr.map { $0.fTest(l, beta: beta) } ?? satterthwaite.fTest(l, beta: beta)
            guard let test = result else {
                warnings.append(StatsWarning(
                    code: "empty-hypothesis",
                    message: "term '\(term)': the type III hypothesis has rank 0 (or a non-positive Kenward–Roger variance); it is left out of the table"))
                continue
            }
            rows.append(AnovaTermTest(term: term, test: test))
        }
        let underflow = rows.filter { $0.test.pValue == 0 }.map(\.term)
        if !underflow.isEmpty {
            warnings.append(StatsWarning(
                code: "p-value-underflow",
                message: "p-value below the smallest positive double (reported as 0) for: \(underflow.joined(separator: ", "))"))
        }
        return TypeIIIAnovaTable(rows: rows, warnings: warnings)
    }

    private func typeIIIConstruction() throws
        -> (hypotheses: [(term: String, hypothesis: [[Double]])], warnings: [StatsWarning])
    {
        guard let structure = design.factorial else {
            throw StatsError("type III tests need a factorial design (FixedEffectsDesign.factorial or .crossed); this design was given as a matrix, so test your own hypotheses with fTest")
        }
        let kept = prepared.keptColumns
        let p = kept.count
        let keptTerms = kept.map { design.columnTerms[$0] }
        let termLabels = structure.termLabels
        // term → positions among the kept columns (lmerTest's term2colX on the reduced X).
        let map: [[Int]] = termLabels.map { label in (0..<p).filter { keptTerms[$0] == label } }
        let xtx = prepared.statistics.crossProduct

        if p <= 1 || termLabels.count <= 1 {
            return (typeIHypotheses(crossProduct: xtx, map: map, termLabels: termLabels), [])
        }

        // L₀ = zapsmall(t(X⁺ rdX)) with X⁺ rdX = (XᵀX)⁻¹ Xᵀ rdX, from the cells and their counts.
        let cells = structure.cellCount
        let over = structure.overparameterisedPatterns
        let r = over.columns
        var xtr = LMMMatrix(rows: p, columns: r)
        var zeroOverColumns = [Bool](repeating: true, count: r)
        for c in 0..<cells {
            let n = prepared.patternCounts[c]
            if n == 0 { continue }
            for k in 0..<r where over[c, k] != 0 { zeroOverColumns[k] = false }
            for (a, ja) in kept.enumerated() {
                let xa = design.patterns[c, ja]
                if xa == 0 { continue }
                for k in 0..<r { xtr[a, k] += n * xa * over[c, k] }
            }
        }
        guard let factor = LMMCholesky(xtx) else {
            throw StatsError("type III: XᵀX is not positive definite")
        }
        var l0 = LMMMatrix(rows: r, columns: p)
        for k in 0..<r {
            let solved = factor.solve(xtr.column(k))
            for a in 0..<p { l0[k, a] = solved[a] }
        }
        var l = LMMLinearAlgebra.zapSmall(l0)

        // Orthogonalise contained terms against their containing terms, highest order first.
        let orderOf = structure.terms.map(\.count)
        let processing = termLabels.indices.sorted { (orderOf[$0], -$0) > (orderOf[$1], -$1) }
        for t in processing {
            let containing = termLabels.indices.filter { structure.isContained(t, in: $0) }
            if containing.isEmpty || map[t].isEmpty { continue }
            let xColumns = containing.flatMap { map[$0] }
            let yBlock = l.selecting(rows: Array(0..<r), columns: map[t])
            let xBlock = l.selecting(rows: Array(0..<r), columns: xColumns)
            let residual = LMMLinearAlgebra.zapSmall(
                LMMLinearAlgebra.residualsAfterProjection(of: yBlock, onto: xBlock))
            for (b, col) in map[t].enumerated() {
                for i in 0..<r { l[i, col] = residual[i, b] }
            }
        }

        // Rows of L named as X's columns.
        var overIndex: [String: Int] = [:]
        for (k, name) in structure.overparameterisedNames.enumerated() { overIndex[name] = k }
        var rowsForX: [Int] = []
        for j in kept {
            guard let k = overIndex[design.columnNames[j]] else {
                throw StatsError("type III: column '\(design.columnNames[j])' has no indicator column")
            }
            rowsForX.append(k)
        }
        var hypotheses: [(term: String, hypothesis: [[Double]])] = []
        for (t, label) in termLabels.enumerated() {
            var rows: [[Double]] = []
            for col in map[t] {
                let row = rowsForX.map { l[$0, col] }
                if row.reduce(0, { $0 + abs($1) }) > 1e-8 { rows.append(row) }
            }
            hypotheses.append((label, rows))
        }
        var warnings: [StatsWarning] = []
        let missing = (1..<r).filter { zeroOverColumns[$0] }.map { structure.overparameterisedNames[$0] }
        if !missing.isEmpty {
            warnings.append(StatsWarning(
                code: "missing-cells",
                message: "missing cells for: \(missing.joined(separator: ", ")); interpret type III hypotheses with care"))
        }
        return (hypotheses, warnings)
    }

    /// lmerTest's `get_contrasts_type1`: rows of the transposed unit-lower Doolittle factor of
    /// XᵀX (entries below 1e-6 in absolute value set to 0, as lmerTest does).
    private func typeIHypotheses(crossProduct x: LMMMatrix, map: [[Int]], termLabels: [String])
        -> [(term: String, hypothesis: [[Double]])]
    {
        let n = x.rows
        if n == 1 {
            // Intercept only, or a single column: lmerTest tests that column with L = 1
            // unless it is the intercept.
            return termLabels.enumerated().map { (t, label) in
                (label, map[t].isEmpty ? [] : [[1.0]])
            }
        }
        let eps = 1e-6
        var lower = LMMMatrix.identity(n)
        var upper = LMMMatrix(rows: n, columns: n)
        for i in 0..<n {
            for j in 0..<n {
                var u = x[i, j]
                for k in 0..<i { u -= lower[i, k] * upper[k, j] }
                upper[i, j] = u
            }
            for j in (i + 1)..<max(n, i + 1) {
                var v = x[j, i]
                for k in 0..<i { v -= lower[j, k] * upper[k, i] }
                lower[j, i] = abs(upper[i, i]) < eps ? 0 : v / upper[i, i]
            }
        }
        for i in 0..<lower.storage.count where abs(lower.storage[i]) < eps { lower.storage[i] = 0 }
        let lt = lower.transposed
        return termLabels.enumerated().map { (t, label) in
            (label, map[t].map { lt.row($0) })
        }
    }
}
