/// Safeguarded Newton iteration used by the quantile functions.
enum RootFinding {
    /// Finds u with `function(u).value == 0` for a function monotone in u, starting from `guess`.
    /// Pass `increasing` when the direction is known; otherwise it is read from the slope at
    /// the guess (or a probe), which rounding can mislead where the function is flat.
    ///
    /// First brackets the root by stepping outward (step doubling) within [`lower`, `upper`],
    /// then alternates Newton steps with bisection whenever a Newton step would leave the
    /// bracket (Numerical Recipes' `rtsafe` idea). Stops when a step is below `tolerance`,
    /// the bracket collapses, or after 200 iterations. Returns `lower`/`upper` when the root lies
    /// beyond them.
    static func solveMonotone(
        guess: Double,
        lower: Double,
        upper: Double,
        tolerance: Double = 0x1p-52,
        increasing knownDirection: Bool? = nil,
        _ function: (Double) -> (value: Double, slope: Double)
    ) -> Double {
        var x = min(max(guess, lower), upper)
        var fx = function(x)
        if fx.value == 0 { return x }
        // Determine direction: is the function increasing? Probe with the slope, or a nearby point.
        let increasing: Bool
        if let knownDirection {
            increasing = knownDirection
        } else if fx.slope.isFinite && fx.slope != 0 {
            increasing = fx.slope > 0
        } else {
            let probe = x + 1 <= upper ? x + 1 : x - 1
            let fp = function(probe)
            increasing = (fp.value - fx.value) * (probe - x) > 0
        }
        // Root lies to the right when f < 0 and increasing, or f > 0 and decreasing.
        let goRight = (fx.value < 0) == increasing
        var a = x
        var fa = fx.value
        var b = x
        var step = 1.0
        var bracketed = false
        for _ in 0..<80 {
            let next = goRight ? min(b + step, upper) : max(b - step, lower)
            let fn = function(next)
            if fn.value == 0 { return next }
            if (fn.value > 0) != (fa > 0) {
                a = b
                b = next
                bracketed = true
                break
            }
            b = next
            fa = fn.value
            if next == upper || next == lower { return next }
            step *= 2
        }
        if !bracketed { return b }
        // Order the bracket so that f(low) < 0 < f(high) in terms of sign, independent of direction.
        var low = min(a, b)
        var high = max(a, b)
        x = 0.5 * (low + high)
        fx = function(x)
        for _ in 0..<200 {
            if fx.value == 0 { return x }
            // Shrink the bracket.
            let valueBelowZeroMeansMoveRight = increasing
            if (fx.value < 0) == valueBelowZeroMeansMoveRight { low = x } else { high = x }
            let nextX: Double
            let newton = fx.slope.isFinite && fx.slope != 0 ? x - fx.value / fx.slope : .nan
            if newton.isFinite && newton > low && newton < high {
                nextX = newton
            } else {
                nextX = 0.5 * (low + high)
            }
            let change = abs(nextX - x)
            if nextX == x || change <= tolerance * max(1, abs(x)) {
                return nextX
            }
            x = nextX
            fx = function(x)
            if high - low <= tolerance * max(1, abs(low), abs(high)) { return x }
        }
        return x
    }
}
