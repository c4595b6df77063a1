@testable import DayZeroReport
import Foundation
import Testing

/// The report's number formatting without Foundation's `String(format:)`: the same strings as
/// the `String(format:)` forms it replaced, on edge cases and on many seeded random values.
@Suite("Fast number formatting")
struct FastFormattingTests {
    /// A seeded SplitMix64, so the random values are the same on every run.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// `NumberFormat.coordinate` as it was written with `String(format:)`.
    static func legacyCoordinate(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        var s = String(format: "%.2f", x)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        if s == "-0" { s = "0" }
        return s
    }

    static func values() -> [Double] {
        var values: [Double] = [
            0, -0.0, 0.005, -0.005, 0.015, 0.025, 0.125, 0.375, -0.125, 2.675, 1.005, 0.1, 0.29, .leastNonzeroMagnitude * 2024, .leastNonzeroMagnitude, 0.004999999,
            99.995, 99.994999, 330, 258, 12.5, 9_999_999_999_999, 1e13, -1e13, 1e13.nextDown, 1e14, 1.7e308, .infinity, -.infinity,
            .nan, .leastNormalMagnitude,
        ]
        var generator = SplitMix64(state: 7)
        for _ in 0..<20_000 {
            values.append(Double.random(in: -2_000...2_000, using: &generator))
            // Exact ties at the third decimal (k/8) and near-ties.
            let k = Double(Int.random(in: -80_000...80_000, using: &generator)) / 8
            values += [k, k.nextUp, k.nextDown]
            values.append(Double(Int.random(in: -99_999...99_999, using: &generator)) / 1000)
            // Exact ties at any of the first 20 binary places, and every magnitude up to 2¹²⁰.
            let tie = Double(Int.random(in: -1_000_000_000...1_000_000_000, using: &generator))
                / Double(1 << Int.random(in: 1...20, using: &generator))
            values += [tie, tie.nextUp, tie.nextDown]
            values.append(Double.random(in: 1...2, using: &generator) * pow(2, Double(Int.random(in: -60...120, using: &generator))))
            values.append(Double(bitPattern: generator.next()))
            values.append(Double.random(in: 0..<1, using: &generator) * pow(10, Double(Int.random(in: -8...16, using: &generator))))
        }
        return values
    }

    @Test("coordinates: the same text as %.2f with trailing zeros dropped")
    func coordinates() {
        var mismatches: [String] = []
        for x in Self.values() {
            let actual = NumberFormat.coordinate(x)
            let expected = Self.legacyCoordinate(x)
            if actual != expected, mismatches.count < 10 { mismatches.append("\(x) (\(x.bitPattern)): got \(actual), expected \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test("fixed decimals: the same digits as String(format: \"%.*f\")")
    func fixedDecimals() {
        var mismatches: [String] = []
        for (i, x) in Self.values().enumerated() where x.isFinite {
            let decimals = i % 9
            let actual = NumberFormat.printf(x, decimals: decimals)
            let expected = String(format: "%.*f", decimals, x)
            if actual != expected, mismatches.count < 10 { mismatches.append("\(x) at \(decimals): got \(actual), expected \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        #expect(NumberFormat.printf(-.greatestFiniteMagnitude, decimals: 3) == String(format: "%.3f", -Double.greatestFiniteMagnitude))
        #expect(NumberFormat.printf(1e-300, decimals: 320) == String(format: "%.320f", 1e-300))
        #expect(NumberFormat.fixed(-0.0004, decimals: 3) == "0.000")
        #expect(NumberFormat.fixed(-1.25, decimals: 1) == "\u{2212}1.2")
    }
}
