/// Why two aggregates cannot be merged, or why an aggregate cannot take a value.
///
/// Aggregates (`MixedModelSums`, `SurvivalCounts`, `MomentSums`, `CountTable`) are the one
/// form in which analyses that are sums over patients are computed — in memory, per site for
/// a pooled multi-site study, or in a database. Merging adds them slot by slot, so both must
/// have the same layout; the layout is decided by the protocol, never by the data.
public enum AggregateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The two aggregates have different slot layouts (`what` names the differing part).
    case layoutMismatch(aggregate: String, what: String)
    /// A value does not fit the layout (a subject with more observations than the layout
    /// holds, a time past the horizon, a pattern index out of range).
    case outsideLayout(aggregate: String, what: String)

    public var description: String {
        switch self {
        case .layoutMismatch(let aggregate, let what): "\(aggregate): cannot merge, the layouts differ (\(what))"
        case .outsideLayout(let aggregate, let what): "\(aggregate): \(what)"
        }
    }
}
