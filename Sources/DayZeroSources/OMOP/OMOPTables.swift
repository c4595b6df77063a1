import Foundation

extension OMOPDDL {
    /// The columns of every CDM table in DDL order, read from `template`.
    public static let columns: [String: [String]] = {
        var result: [String: [String]] = [:]
        var current: String?
        for line in template.split(separator: "\n") {
            if line.hasPrefix("CREATE TABLE {schema}.") {
                let rest = line.dropFirst("CREATE TABLE {schema}.".count)
                current = rest.split(separator: " ").first.map(String.init)
                if let current { result[current] = [] }
            } else if line.hasPrefix(")") {
                current = nil
            } else if let table = current {
                let name = line.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
                if !name.isEmpty && name != "CONSTRAINT" { result[table, default: []].append(name) }
            }
        }
        return result
    }()
}

/// Why a study cannot be written as OMOP tables.
public struct OMOPWriteError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One CDM table being written as a CSV file that PostgreSQL's `COPY … (FORMAT csv, HEADER)`
/// loads: every column of the DDL in order, an empty unquoted field for NULL.
struct OMOPTableFile {
    let table: String
    let columns: [String]
    private let index: [String: Int]
    private(set) var text: String
    private(set) var rows = 0

    init(_ table: String) throws {
        guard let columns = OMOPDDL.columns[table] else { throw OMOPWriteError("no CDM table \(table)") }
        self.table = table
        self.columns = columns
        index = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
        text = columns.joined(separator: ",") + "\n"
    }

    /// Appends a row; columns not given are NULL. Throws on a column the table does not have.
    mutating func add(_ values: [String: String?]) throws {
        var fields = [String?](repeating: nil, count: columns.count)
        for (name, value) in values {
            guard let i = index[name] else { throw OMOPWriteError("\(table) has no column \(name)") }
            fields[i] = value
        }
        text += fields.map { Self.csvField($0) }.joined(separator: ",") + "\n"
        rows += 1
    }

    static func csvField(_ value: String?) -> String {
        guard let value else { return "" }
        if value.isEmpty || value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}

/// Proleptic Gregorian dates as day counts from 1970-01-01 (no time zones).
enum OMOPCalendar {
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func dateText(_ days: Int) -> String {
        let (y, m, d) = civil(days)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// `YYYY-MM-DD HH:MM:SS` for `seconds` since 1970-01-01T00:00:00.
    static func timestampText(_ seconds: Int) -> String {
        let day = seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
        let s = seconds - day * 86_400
        return dateText(day) + String(format: " %02d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60)
    }
}
