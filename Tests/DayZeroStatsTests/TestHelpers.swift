import Testing
import DayZeroTestSupport
import DayZeroStats

/// Checks `actual` against `expected` with a relative tolerance, printing both on failure.
func expectClose(
    _ actual: Double?, _ expected: Double?, tolerance: Double, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let actual, let expected else {
        #expect(actual == nil && expected == nil, "\(what()): actual \(String(describing: actual)) expected \(String(describing: expected))",
                sourceLocation: sourceLocation)
        return
    }
    #expect(
        isClose(actual, expected, tolerance: tolerance),
        "\(what()): actual \(actual) expected \(expected) rel.err \(relativeError(actual, expected)) > \(tolerance)",
        sourceLocation: sourceLocation)
}

/// Whether `warnings` contains one with `code`.
func hasWarning(_ warnings: [StatsWarning], _ code: String) -> Bool {
    warnings.contains { $0.code == code }
}
