import DayZeroStore

/// Where in an OMOP database a problem is: a table, the row's id and a column. The mapping
/// file is located the same way (`table` = the file, `row` = the entry).
public struct OMOPLocation: Sendable, Hashable, CustomStringConvertible {
    public var table: String
    public var row: String?
    public var column: String?

    public init(table: String, row: String? = nil, column: String? = nil) {
        self.table = table
        self.row = row
        self.column = column
    }

    public var description: String {
        var s = table
        if let row { s += " row \(row)" }
        if let column { s += ", column \(column)" }
        return s
    }
}

/// One problem found in an OMOP source.
public struct OMOPProblem: Sendable, Hashable, CustomStringConvertible {
    public var location: OMOPLocation
    public var message: String
    /// A short rule name, like the CSV import's (`unit-unknown`, `fio2-scale`, …).
    public var rule: String

    public init(_ location: OMOPLocation, _ message: String, rule: String) {
        self.location = location
        self.message = message
        self.rule = rule
    }

    public var description: String { "\(location): \(message) [\(rule)]" }
}

/// An OMOP import that found problems: nothing was imported.
public struct OMOPImportError: Error, Sendable, CustomStringConvertible {
    public var problems: [OMOPProblem]
    /// What was left out or normalised on the way (also printed on success).
    public var notes: [String]

    public init(problems: [OMOPProblem], notes: [String] = []) {
        self.problems = problems
        self.notes = notes
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// The source could not be reached or read (connection, permissions, SQL), as opposed to data
/// problems.
public struct OMOPSourceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
