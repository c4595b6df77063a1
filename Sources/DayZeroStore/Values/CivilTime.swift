/// Calendar arithmetic for the ICU-day time scale, written by hand so that it is exact and
/// deterministic: no time zones, no daylight-saving rules, no locale. A timestamp in a study
/// file is local wall-clock time; the difference of two wall-clock readings is taken as if
/// every day had 24 hours (an hour's error at a daylight-saving change is far below the one-day
/// resolution of the analyses).
///
/// Dates use the proleptic Gregorian calendar. `daysFromCivil` counts days from 1970-01-01
/// with the usual trick of starting the year in March, so the leap day is the last day of the
/// (shifted) year and the day-of-year formula `(153·m + 2) / 5` needs no table.
public enum CivilTime {
    /// Days from 1970-01-01 to the given date (negative before it).
    ///
    /// - Precondition: `month` in 1…12 and `day` valid for the month (callers validate first).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400  // 0…399
        let shiftedMonth = month > 2 ? month - 3 : month + 9  // March = 0 … February = 11
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1  // 0…365
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // 0…146096
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` days after 1970-01-01 (inverse of `daysFromCivil`).
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// True for Gregorian leap years.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// Number of days in `month` (1…12) of `year`.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// How a time was written in a study file. Kept in the store so an export writes each time
/// the way it was imported.
public enum TimeFormat: Int, Sendable, Hashable, CaseIterable {
    /// An ICU-day number (`12`, `3.25`).
    case dayNumber = 0
    /// A calendar date `YYYY-MM-DD`: the ICU day of that date, counting the admission date as day 0.
    case date = 1
    /// `YYYY-MM-DDTHH:MM`.
    case minutes = 2
    /// `YYYY-MM-DDTHH:MM:SS`.
    case seconds = 3

    /// True when the time names a whole day rather than a moment: a date, or an integral day number.
    func isDayPrecision(_ days: Double) -> Bool {
        switch self {
        case .date: true
        case .dayNumber: days == days.rounded(.down)
        case .minutes, .seconds: false
        }
    }
}

/// A local wall-clock timestamp or date as read from a file.
public struct LocalTimestamp: Sendable, Hashable {
    /// Seconds from 1970-01-01T00:00:00 (local, no time zone).
    public var seconds: Int64
    public var format: TimeFormat

    /// Days from 1970-01-01 of the calendar date.
    public var dayIndex: Int { Int(seconds.floorDivided(by: 86_400)) }

    public init(seconds: Int64, format: TimeFormat) {
        self.seconds = seconds
        self.format = format
    }

    /// A timestamp or date in the study files' syntax (`YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM[:SS]`,
    /// as `ICUCourse.admissionTimestamp` holds it); nil when `text` is not one.
    public init?(parsing text: String) {
        guard let t = TimeSyntax.parseTimestamp(text) else { return nil }
        self = t
    }

    /// The canonical spelling: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`
    /// (seconds are written whenever they are not zero).
    public var text: String {
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let (y, m, d) = CivilTime.civilFromDays(Int(days))
        var s = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
        if format == .date || format == .dayNumber { return s }
        s += "T" + pad(secondOfDay / 3_600, 2) + ":" + pad(secondOfDay / 60 % 60, 2)
        if format == .seconds || secondOfDay % 60 != 0 { s += ":" + pad(secondOfDay % 60, 2) }
        return s
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(abs(value))
        let sign = value < 0 ? "-" : ""
        return sign + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension Int64 {
    /// Floor division (rounds towards −∞).
    func floorDivided(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

/// Why a time field could not be read.
enum TimeParseFailure: Error, Equatable {
    case malformed
    case decimalComma
    case timeZone
    case invalidDate(String)
    /// A day number beyond ±`StudyLimits.maximumAbsoluteDay`.
    case outOfRange
    /// A timestamp or date whose year is outside `StudyLimits.timestampYears`.
    case yearOutOfRange(Int)
}

/// Parsing of the time syntax of the study files.
enum TimeSyntax {
    /// Reads `YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM` or `YYYY-MM-DD[T ]HH:MM:SS` from ASCII bytes.
    /// Returns `nil` when the bytes do not start like a date (`DDDD-`), so the caller can try a
    /// day number instead.
    static func parseTimestamp(_ b: UnsafeBufferPointer<UInt8>) -> Result<LocalTimestamp, TimeParseFailure>? {
        guard b.count >= 5, isDigit(b[0]), isDigit(b[1]), isDigit(b[2]), isDigit(b[3]), b[4] == UInt8(ascii: "-") else {
            return nil
        }
        guard b.count >= 10, b[7] == UInt8(ascii: "-"),
              let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2)
        else { return .failure(.malformed) }
        var hour = 0, minute = 0, second = 0
        var format = TimeFormat.date
        if b.count > 10 {
            guard b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "t") else {
                return .failure(.malformed)
            }
            guard b.count >= 16, b[13] == UInt8(ascii: ":"), let h = digits(b, 11, 2), let mi = digits(b, 14, 2) else {
                return .failure(.malformed)
            }
            hour = h
            minute = mi
            format = .minutes
            var end = 16
            if b.count >= 19, b[16] == UInt8(ascii: ":") {
                guard let s = digits(b, 17, 2) else { return .failure(.malformed) }
                second = s
                format = .seconds
                end = 19
            }
            if end < b.count {
                let c = b[end]
                if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                    return .failure(.timeZone)
                }
                return .failure(.malformed)
            }
        }
        guard (1...12).contains(month) else { return .failure(.invalidDate("month \(month) does not exist")) }
        let monthLength = CivilTime.daysInMonth(year: year, month: month)
        guard (1...monthLength).contains(day) else {
            return .failure(.invalidDate("day \(day) does not exist in \(year)-\(month < 10 ? "0" : "")\(month)"))
        }
        guard hour < 24 else { return .failure(.invalidDate("hour \(hour) does not exist (use 00–23)")) }
        guard minute < 60 else { return .failure(.invalidDate("minute \(minute) does not exist")) }
        guard second < 60 else { return .failure(.invalidDate("second \(second) does not exist")) }
        guard StudyLimits.timestampYears.contains(year) else { return .failure(.yearOutOfRange(year)) }
        let days = Int64(CivilTime.daysFromCivil(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
        return .success(LocalTimestamp(seconds: seconds, format: format))
    }

    /// Parses a canonical timestamp string (as stored in the database).
    static func parseTimestamp(_ text: String) -> LocalTimestamp? {
        var copy = text
        return copy.withUTF8 { bytes in
            guard case .success(let t)? = parseTimestamp(bytes) else { return nil }
            return t
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    private static func digits(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        guard start + count <= b.count else { return nil }
        var v = 0
        for i in start..<(start + count) {
            let c = b[i]
            guard isDigit(c) else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }
}
