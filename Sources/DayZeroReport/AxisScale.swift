import Foundation

/// A continuous axis: a domain, the pixel range it maps to, and its ticks with labels.
///
/// Ticks are "nice" numbers: linear axes step by 1, 2, 2.5 or 5 × 10ᵏ, chosen so about five
/// ticks cover the data, and the domain is widened to whole steps. Log axes put ticks at
/// 1, 2 and 5 × 10ᵏ when the data span at most three decades, at every power of ten up to
/// eight decades, and at every second power beyond that; the domain is widened to the
/// nearest tick outside the data.
package struct AxisScale: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case linear
        case log10
    }

    package var kind: Kind
    package var domainMin: Double
    package var domainMax: Double
    package var rangeStart: Double
    package var rangeEnd: Double
    package var ticks: [Double]
    package var tickLabels: [String]

    /// The rule for choosing a log axis: every plotted value is positive and the largest is
    /// more than 20 times the smallest (spread over more than ~1.3 decades). Values of zero or
    /// below keep the axis linear so they stay visible.
    package static let logRatioThreshold = 20.0

    package static func prefersLog(_ values: [Double]) -> Bool {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max(), lo > 0 else { return false }
        return hi / lo > logRatioThreshold
    }

    /// A log axis when `prefersLog(values)`, otherwise linear.
    package static func automatic(values: [Double], range: (Double, Double)) -> AxisScale {
        prefersLog(values) ? logarithmic(values: values, range: range) : linear(values: values, range: range)
    }

    /// Position of `v` in the pixel range, or `nil` when `v` cannot be drawn (not finite, or
    /// not positive on a log axis).
    package func position(_ v: Double) -> Double? {
        guard v.isFinite else { return nil }
        let t: Double
        switch kind {
        case .linear:
            t = (v - domainMin) / (domainMax - domainMin)
        case .log10:
            guard v > 0 else { return nil }
            t = (Foundation.log10(v) - Foundation.log10(domainMin)) / (Foundation.log10(domainMax) - Foundation.log10(domainMin))
        }
        let p = rangeStart + t * (rangeEnd - rangeStart)
        return p.isFinite ? p : nil
    }

    /// `position(v)` clamped into the pixel range (for values just outside the domain).
    package func clampedPosition(_ v: Double) -> Double? {
        guard let p = position(v) else { return nil }
        let lo = min(rangeStart, rangeEnd), hi = max(rangeStart, rangeEnd)
        return min(max(p, lo), hi)
    }

    /// A linear axis covering `values` (and `include`, e.g. 0) with nice ticks.
    package static func linear(
        values: [Double], range: (Double, Double), include: [Double] = [], targetTicks: Int = 5, allowQuarterSteps: Bool = true
    ) -> AxisScale {
        let finite = (values + include).filter(\.isFinite)
        var lo = finite.min() ?? 0
        var hi = finite.max() ?? 1
        if hi - lo <= 0 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        // Spans beyond what Double can step through (e.g. ±1e308) get a plain two-tick axis.
        guard (hi - lo).isFinite, hi - lo > 0 else {
            return AxisScale(kind: .linear, domainMin: lo, domainMax: hi, rangeStart: range.0, rangeEnd: range.1,
                             ticks: [lo, hi], tickLabels: [NumberFormat.tick(lo, decimals: 0), NumberFormat.tick(hi, decimals: 0)])
        }
        let (step, decimals) = niceStep((hi - lo) / Double(max(1, targetTicks - 1)), allowQuarter: allowQuarterSteps)
        // The 1e-9 slack keeps a data value that is a whole multiple of the step (37.6 / 0.2)
        // from being pushed one step out by binary rounding.
        let first = (lo / step + 1e-9).rounded(.down)
        let last = (hi / step - 1e-9).rounded(.up)
        guard (last - first).isFinite, last - first < 1000 else {
            return AxisScale(kind: .linear, domainMin: lo, domainMax: hi, rangeStart: range.0, rangeEnd: range.1,
                             ticks: [lo, hi], tickLabels: [NumberFormat.tick(lo, decimals: decimals), NumberFormat.tick(hi, decimals: decimals)])
        }
        let count = Int(last - first) + 1
        let ticks = (0..<max(2, count)).map { (first + Double($0)) * step }
        let labels = ticks.map { NumberFormat.tick($0, decimals: decimals) }
        return AxisScale(
            kind: .linear, domainMin: first * step, domainMax: max(last, first + 1) * step, rangeStart: range.0,
            rangeEnd: range.1, ticks: ticks, tickLabels: labels)
    }

    /// A linear axis on a fixed domain with given ticks (e.g. 0–1 for survival, 0–100 %).
    package static func fixed(domain: (Double, Double), ticks: [Double], decimals: Int, range: (Double, Double)) -> AxisScale {
        AxisScale(
            kind: .linear, domainMin: domain.0, domainMax: domain.1, rangeStart: range.0, rangeEnd: range.1,
            ticks: ticks, tickLabels: ticks.map { NumberFormat.tick($0, decimals: decimals) })
    }

    /// A log10 axis covering the positive `values`.
    package static func logarithmic(values: [Double], range: (Double, Double)) -> AxisScale {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        guard let lo = positive.min(), let hi = positive.max() else {
            return linear(values: values, range: range)
        }
        // Powers of ten within ±300 (10⁻³²⁴ is 0 and 10³⁰⁹ infinite as doubles); a value beyond
        // is drawn at the edge.
        let loExp = max(-300, min(299, Int((Foundation.log10(lo) + 1e-12).rounded(.down))))
        var hiExp = max(-299, min(300, Int((Foundation.log10(hi) - 1e-12).rounded(.up))))
        if hiExp <= loExp { hiExp = loExp + 1 }
        let decades = hiExp - loExp
        let multipliers: [Double]
        var powerStride = 1
        if decades <= 3 {
            multipliers = [1, 2, 5]
        } else {
            multipliers = [1]
            // At most about eight labelled powers: every 2nd up to 16 decades, then wider.
            if decades > 8 { powerStride = (decades + 7) / 8 }
        }
        var candidates: [Double] = []
        var e = loExp
        while e <= hiExp {
            for m in multipliers { candidates.append(m * pow(10, Double(e))) }
            e += powerStride
        }
        if e - powerStride < hiExp { candidates.append(pow(10, Double(hiExp))) }
        // Tighten the domain to the nearest candidate at or outside the data.
        let below = candidates.last(where: { $0 <= lo * (1 + 1e-12) }) ?? candidates[0]
        let above = candidates.first(where: { $0 >= hi * (1 - 1e-12) }) ?? candidates[candidates.count - 1]
        let ticks = candidates.filter { $0 >= below && $0 <= above }
        let labels = ticks.map { v -> String in
            let decimals = max(0, -Int((Foundation.log10(v) + 1e-9).rounded(.down)))
            return NumberFormat.tick(v, decimals: decimals)
        }
        return AxisScale(kind: .log10, domainMin: below, domainMax: above, rangeStart: range.0, rangeEnd: range.1, ticks: ticks, tickLabels: labels)
    }

    /// The nice step (1, 2, 2.5 or 5 × 10ᵏ; without 2.5 when `allowQuarter` is false, for axes
    /// that read better in whole numbers) at or above `raw`, and the decimals its multiples need.
    package static func niceStep(_ raw: Double, allowQuarter: Bool = true) -> (step: Double, decimals: Int) {
        guard raw.isFinite, raw > 0 else { return (1, 0) }
        let exponent = Int((Foundation.log10(raw)).rounded(.down))
        let base = pow(10, Double(exponent))
        let f = raw / base
        let mantissa: Double
        var extra = 0
        if f <= 1 + 1e-9 {
            mantissa = 1
        } else if f <= 2 + 1e-9 {
            mantissa = 2
        } else if allowQuarter, f <= 2.5 + 1e-9 {
            mantissa = 2.5
            extra = 1
        } else if f <= 5 + 1e-9 {
            mantissa = 5
        } else {
            return (10 * base, max(0, -(exponent + 1)))
        }
        return (mantissa * base, max(0, -exponent + extra))
    }
}
