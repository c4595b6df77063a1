/// A condition a statistical routine met and handled with a defined result, reported to the
/// caller instead of crashing or returning a silent NaN (zero variance, a group with one
/// observation, all observations censored, separation, a singular fit, p-value underflow, …).
public struct StatsWarning: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Stable machine-readable code, e.g. `zero-variance`, `separation`, `singular-fit`.
    public var code: String
    /// A sentence a user understands.
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// Input a statistical routine cannot work with at all (e.g. empty input, mismatched lengths,
/// a probability outside [0, 1]). The message names the argument and the rule broken.
public struct StatsError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
