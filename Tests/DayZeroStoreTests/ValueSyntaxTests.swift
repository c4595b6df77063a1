import Testing

@testable import DayZeroStore

/// A small deterministic generator for property tests (SplitMix64).
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

@Suite("Numbers")
struct NumberSyntaxTests {
    @Test("accepted spellings")
    func accepted() {
        let cases: [(String, Double)] = [
            ("38.5", 38.5), ("-0.42", -0.42), ("+3", 3), (".5", 0.5), ("5.", 5), ("1e-3", 0.001), ("1.5E+2", 150),
            ("0", 0), ("-0", 0), ("007", 7), ("180000", 180_000), ("0.000000000000000000000001", 1e-24),
            ("123456789012345678901234567890", 123456789012345678901234567890.0),
        ]
        for (text, expected) in cases {
            let parsed = try? NumberSyntax.parse(text).get()
            #expect(parsed == expected, "\(text): got \(String(describing: parsed)), expected \(expected)")
        }
        // −0 is read as +0 so that exports are stable.
        #expect((try? NumberSyntax.parse("-0").get())?.sign == .plus)
    }

    @Test("refused spellings name the reason")
    func refused() {
        for text in ["3,5", "1.000,5", "1,000", "38,9"] {
            #expect(NumberSyntax.parse(text) == .failure(.decimalComma), "\(text)")
        }
        for text in ["", "-", ".", "abc", "1e", "1e+", "NaN", "inf", "0x10", "1 000", "1..2", "12a", "--1", "1e5.5"] {
            #expect(NumberSyntax.parse(text) == .failure(.notANumber), "\(text)")
        }
        #expect(NumberSyntax.parse("1e400") == .failure(.notFinite))
    }

    @Test("the fast path reads exactly what Double(String) reads")
    func fastPathAgreesWithStandardLibrary() {
        var rng = SplitMix64(state: 20_201_208)
        for _ in 0..<20_000 {
            var text = rng.below(4) == 0 ? "-" : ""
            let integerDigits = rng.below(9)
            for _ in 0..<integerDigits { text += String(rng.below(10)) }
            if rng.below(3) > 0 || integerDigits == 0 {
                text += "."
                for _ in 0..<(1 + rng.below(12)) { text += String(rng.below(10)) }
            }
            if rng.below(5) == 0 { text += "e" + String(rng.below(50) - 25) }
            guard let expected = Double(text) else { continue }
            let parsed = try? NumberSyntax.parse(text).get()
            let same = parsed.map { $0 == expected || ($0 == 0 && expected == 0) } ?? false
            #expect(same, "\(text): got \(String(describing: parsed)), expected \(expected)")
        }
    }

    @Test("shortest round-trip formatting without exponent for everyday magnitudes")
    func formatting() {
        let cases: [(Double, String)] = [
            (38.5, "38.5"), (12, "12"), (0, "0"), (-0.42, "-0.42"), (0.00001, "0.00001"), (1e-7, "0.0000001"),
            (250_000, "250000"), (1e20, "100000000000000000000"), (1.5e300, "1.5e+300"), (0.1 + 0.2, "0.30000000000000004"),
            (2009.0 / 1440, "1.395138888888889"), (-1234.5e-20, "-0.000000000000000012345"), (1e15, "1000000000000000"),
        ]
        for (value, expected) in cases {
            #expect(formatNumber(value) == expected, "\(value)")
        }
    }

    @Test("format then parse gives the same Double")
    func roundTrip() {
        var rng = SplitMix64(state: 7)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: rng.next())
            guard value.isFinite, value != 0 else { continue }
            let text = formatNumber(value)
            #expect((try? NumberSyntax.parse(text).get()) == value, "\(value) → \(text)")
        }
    }
}

@Suite("Calendar and timestamps")
struct CivilTimeTests {
    @Test("days from 1970-01-01 at month, leap-year and century boundaries")
    func handWorkedDays() {
        // Worked by hand (and cross-checked with Python's datetime): 2000 is a leap year
        // (divisible by 400), 1900 is not (divisible by 100), 2020 is.
        let cases: [((Int, Int, Int), Int)] = [
            ((1970, 1, 1), 0), ((1969, 12, 31), -1), ((2000, 1, 1), 10_957), ((2000, 2, 29), 11_016),
            ((2000, 3, 1), 11_017), ((2020, 2, 29), 18_321), ((2020, 3, 1), 18_322), ((2021, 1, 1), 18_628),
            ((1900, 2, 28), -25_509), ((1900, 3, 1), -25_508), ((1600, 1, 1), -135_140), ((2400, 12, 31), 157_419),
        ]
        for ((y, m, d), expected) in cases {
            #expect(CivilTime.daysFromCivil(year: y, month: m, day: d) == expected, "\(y)-\(m)-\(d)")
            #expect(CivilTime.civilFromDays(expected) == (y, m, d), "\(expected)")
        }
    }

    @Test("civilFromDays inverts daysFromCivil over 4400 years")
    func inverse() {
        var day = -800_000
        while day < 800_000 {
            let (y, m, d) = CivilTime.civilFromDays(day)
            #expect(CivilTime.daysFromCivil(year: y, month: m, day: d) == day)
            #expect((1...12).contains(m) && (1...CivilTime.daysInMonth(year: y, month: m)).contains(d))
            day += 997
        }
    }

    private func parse(_ text: String) -> Result<LocalTimestamp, TimeParseFailure>? {
        var copy = text
        return copy.withUTF8 { TimeSyntax.parseTimestamp($0) }
    }

    @Test("timestamp syntax")
    func syntax() {
        let day = Int64(CivilTime.daysFromCivil(year: 2020, month: 3, day: 1)) * 86_400
        #expect(parse("2020-03-01") == .success(LocalTimestamp(seconds: day, format: .date)))
        #expect(parse("2020-03-01T08:30") == .success(LocalTimestamp(seconds: day + 30_600, format: .minutes)))
        #expect(parse("2020-03-01 08:30") == .success(LocalTimestamp(seconds: day + 30_600, format: .minutes)))
        #expect(parse("2020-03-01T08:30:15") == .success(LocalTimestamp(seconds: day + 30_615, format: .seconds)))
        #expect(parse("12") == nil)  // a day number, not a date
        #expect(parse("-1") == nil)
        #expect(parse("2020-02-30") == .failure(.invalidDate("day 30 does not exist in 2020-02")))
        #expect(parse("2019-02-29") == .failure(.invalidDate("day 29 does not exist in 2019-02")))
        #expect((try? parse("2020-02-29")?.get()) != nil)
        #expect(parse("2020-13-01") == .failure(.invalidDate("month 13 does not exist")))
        #expect(parse("2020-03-01T24:00") == .failure(.invalidDate("hour 24 does not exist (use 00–23)")))
        #expect(parse("2020-03-01T08:00Z") == .failure(.timeZone))
        #expect(parse("2020-03-01T08:00+01:00") == .failure(.timeZone))
        #expect(parse("2020-3-1") == .failure(.malformed))
        #expect(parse("2020-03-01T8:00") == .failure(.malformed))
        #expect(parse("2020-03-01T08:00:00.5") == .failure(.malformed))
    }

    @Test("canonical spelling of timestamps")
    func canonicalText() {
        let day = Int64(CivilTime.daysFromCivil(year: 1999, month: 12, day: 31)) * 86_400
        #expect(LocalTimestamp(seconds: day, format: .date).text == "1999-12-31")
        #expect(LocalTimestamp(seconds: day + 86_399, format: .minutes).text == "1999-12-31T23:59:59")
        #expect(LocalTimestamp(seconds: day + 86_340, format: .minutes).text == "1999-12-31T23:59")
        #expect(LocalTimestamp(seconds: day + 86_340, format: .seconds).text == "1999-12-31T23:59:00")
        #expect(LocalTimestamp(seconds: -1, format: .seconds).text == "1969-12-31T23:59:59")
    }
}
