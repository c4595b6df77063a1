/// The date forms ``DisclosureScan`` finds in a string (see its documentation), by a
/// hand-written scanner over UTF-8 bytes: numeric forms anchored at a run of digits, textual
/// forms at an English month name.
enum DatePatterns {
    private static let monthWords: [String: Int] = [
        "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
        "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
        "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
    ]

    static func matches(in text: [UInt8], studyDates: [DisclosureScan.StudyDay]) -> [(Range<Int>, String)] {
        var found: [(Range<Int>, String)] = []
        var index = 0
        while index < text.count {
            let byte = text[index]
            let previous: UInt8? = index > 0 ? text[index - 1] : nil
            if isDigit(byte), !(previous.map(isDigit) ?? false) {
                if let match = numeric(text, index, studyDates: studyDates) { found.append(match) }
            } else if isLetter(byte), !(previous.map(isLetter) ?? false) {
                if let match = textual(text, index) { found.append(match) }
            }
            index += 1
        }
        // A textual match inside a longer one ("March 2020" in "1 March 2020") is the same date.
        return found.filter { candidate in
            !found.contains { other in
                other.0 != candidate.0 && other.0.lowerBound <= candidate.0.lowerBound && other.0.upperBound >= candidate.0.upperBound
            }
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    private static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    private static func validYear(_ year: Int) -> Bool { (1800...2199).contains(year) }
    private static func validMonthDay(_ month: Int, _ day: Int) -> Bool { (1...12).contains(month) && (1...31).contains(day) }

    /// The digit run at `start`: its value and end.
    private static func digits(_ text: [UInt8], _ start: Int) -> (value: Int, end: Int) {
        var end = start
        var value = 0
        while end < text.count, isDigit(text[end]), end - start < 12 {
            value = value * 10 + Int(text[end] - 0x30)
            end += 1
        }
        return (value, end)
    }

    private static func at(_ text: [UInt8], _ index: Int) -> UInt8? { index < text.count ? text[index] : nil }

    private static func numeric(_ text: [UInt8], _ start: Int, studyDates: [DisclosureScan.StudyDay]) -> (Range<Int>, String)? {
        let first = digits(text, start)
        let firstLength = first.end - start
        let separators: Set<UInt8> = [UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: ".")]
        let before: UInt8? = start > 0 ? text[start - 1] : nil
        if let separator = at(text, first.end), separators.contains(separator), let next = at(text, first.end + 1), isDigit(next) {
            let second = digits(text, first.end + 1)
            let secondLength = second.end - first.end - 1
            if at(text, second.end) == separator, let next = at(text, second.end + 1), isDigit(next) {
                let third = digits(text, second.end + 1)
                let thirdLength = third.end - second.end - 1
                let range = start..<third.end
                if firstLength == 4, (1...2).contains(secondLength), (1...2).contains(thirdLength),
                   validYear(first.value), validMonthDay(second.value, third.value) {
                    return (range, "a date (year-month-day)")
                }
                if (1...2).contains(firstLength), (1...2).contains(secondLength), thirdLength == 4, validYear(third.value),
                   validMonthDay(second.value, first.value) || validMonthDay(first.value, second.value) {
                    return (range, "a date (day-month-year or month-day-year)")
                }
                if (1...2).contains(firstLength), (1...2).contains(secondLength), thirdLength == 2,
                   studyDates.contains(where: { $0.year % 100 == third.value
                       && (($0.day == first.value && $0.month == second.value) || ($0.month == first.value && $0.day == second.value)) }) {
                    return (range, "a study date with a two-digit year")
                }
            }
            if firstLength == 4, secondLength == 2, separator == UInt8(ascii: "-"), validYear(first.value), (1...12).contains(second.value),
               !(at(text, second.end) == separator && (at(text, second.end + 1).map(isDigit) ?? false)) {
                return (start..<second.end, "a date (ISO year-month)")
            }
        }
        let wordBoundary = !(before.map(isAlphanumeric) ?? false) && !(at(text, first.end).map(isAlphanumeric) ?? false)
        if firstLength == 8, wordBoundary {
            let year = first.value / 10_000
            if validYear(year), year >= 1900, validMonthDay(first.value / 100 % 100, first.value % 100) {
                return (start..<first.end, "a date (compact YYYYMMDD)")
            }
        }
        if firstLength == 6, wordBoundary,
           studyDates.contains(where: { ($0.year % 100) * 10_000 + $0.month * 100 + $0.day == first.value }) {
            return (start..<first.end, "a study date (compact YYMMDD)")
        }
        // Day, month name, year: "1 March 2020", "01MAR2020", "1-Mar-2020".
        if (1...2).contains(firstLength), (1...31).contains(first.value), !(before.map(isLetter) ?? false) {
            var index = first.end
            if let byte = at(text, index), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") { index += 1 }
            if let (_, afterMonth) = monthName(text, index) {
                var cursor = afterMonth
                while let byte = at(text, cursor), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ",") { cursor += 1 }
                let year = digits(text, cursor)
                if year.end - cursor == 4, validYear(year.value), !(at(text, year.end).map(isAlphanumeric) ?? false) {
                    return (start..<year.end, "a date (day, month name, year)")
                }
            }
        }
        return nil
    }

    /// A month word at `start` (letters, optional '.'): its month and the index after it.
    private static func monthName(_ text: [UInt8], _ start: Int) -> (Int, Int)? {
        var end = start
        while let byte = at(text, end), isLetter(byte) { end += 1 }
        guard end > start, end - start <= 9 else { return nil }
        let word = String(decoding: text[start..<end].map { $0 | 0x20 }, as: UTF8.self)
        guard let month = monthWords[word] else { return nil }
        if at(text, end) == UInt8(ascii: ".") { end += 1 }
        return (month, end)
    }

    /// "March 1, 2020", "Mar 1st 2020", "March 2020".
    private static func textual(_ text: [UInt8], _ start: Int) -> (Range<Int>, String)? {
        guard let (_, afterMonth) = monthName(text, start) else { return nil }
        var cursor = afterMonth
        guard at(text, cursor) == UInt8(ascii: " ") else { return nil }
        while at(text, cursor) == UInt8(ascii: " ") { cursor += 1 }
        let number = digits(text, cursor)
        let length = number.end - cursor
        if length == 4, validYear(number.value), !(at(text, number.end).map(isAlphanumeric) ?? false) {
            return (start..<number.end, "a date (month name, year)")
        }
        guard (1...2).contains(length), (1...31).contains(number.value) else { return nil }
        var after = number.end
        for suffix in ["st", "nd", "rd", "th"] {
            let bytes = Array(suffix.utf8)
            if after + 2 <= text.count, text[after..<after + 2].map({ $0 | 0x20 }) == bytes { after += 2; break }
        }
        if at(text, after) == UInt8(ascii: ",") { after += 1 }
        guard at(text, after) == UInt8(ascii: " ") else { return nil }
        while at(text, after) == UInt8(ascii: " ") { after += 1 }
        let year = digits(text, after)
        guard year.end - after == 4, validYear(year.value), !(at(text, year.end).map(isAlphanumeric) ?? false) else { return nil }
        return (start..<year.end, "a date (month name, day, year)")
    }
}
