/// How both real sources (OMOP and CLIF) read FiO2, which hospitals record either as percent
/// (21–100) or as a fraction (0.21–1): by the scale the source declares (an OMOP unit concept; a
/// CLIF mapping's `fio2.scale`), and where the source declares none, by range — the two ranges
/// do not overlap, so FiO2 is the one value whose scale may be inferred. A value that
/// contradicts its declared scale, or lies in neither range, is refused. `docs/sources.md`.
enum FiO2Rule {
    enum Scale: Sendable, Equatable {
        case percent, fraction
    }

    enum Outcome: Sendable, Equatable {
        /// Read on this scale; `byRange` when the source declared none.
        case read(Scale, byRange: Bool)
        /// The value lies on the other scale than the one declared (45 declared a fraction,
        /// 0.45 declared percent).
        case contradicts(declared: Scale)
        /// No scale declared and the value lies in neither range.
        case outOfBothRanges
    }

    static let fractionRange = "0.21–1"
    static let percentRange = "21–100"

    /// The scale of `value`, given the scale the source declares (`nil`: none).
    static func classify(_ value: Double, declared: Scale?) -> Outcome {
        switch declared {
        case .percent?:
            return value <= 1 ? .contradicts(declared: .percent) : .read(.percent, byRange: false)
        case .fraction?:
            return value > 1 ? .contradicts(declared: .fraction) : .read(.fraction, byRange: false)
        case nil:
            if value >= 0.21 && value <= 1 { return .read(.fraction, byRange: true) }
            if value >= 21 && value <= 100 { return .read(.percent, byRange: true) }
            return .outOfBothRanges
        }
    }
}
