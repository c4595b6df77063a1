/// Relative closeness used by every R-parity test: `|a − b| ≤ tolerance × max(|a|, |b|)`,
/// with an absolute floor of `tolerance` for values near zero. Both NaN or equal infinities compare equal.
public func isClose(_ a: Double, _ b: Double, tolerance: Double) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a == b { return true }
    if a.isInfinite || b.isInfinite { return false }
    let scale = max(abs(a), abs(b))
    return abs(a - b) <= tolerance * max(scale, 1e-300) || abs(a - b) <= tolerance * 1e-12
}

/// The relative error of `actual` against `expected`, for failure messages.
public func relativeError(_ actual: Double, _ expected: Double) -> Double {
    if actual == expected { return 0 }
    let scale = max(abs(expected), .leastNormalMagnitude)
    return abs(actual - expected) / scale
}
