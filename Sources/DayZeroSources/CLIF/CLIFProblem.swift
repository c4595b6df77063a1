/// Where in a CLIF export a problem is: a file, a line (the header is line 1) and a column.
public struct CLIFLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: String?

    public init(file: String, line: Int? = nil, column: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let column { s += ", column \(column)" }
        return s
    }
}

/// One problem found in a CLIF export.
public struct CLIFProblem: Sendable, Hashable, CustomStringConvertible {
    public var location: CLIFLocation
    public var message: String
    /// A short rule name, like the CSV import's (`table-missing`, `fio2-scale`, …).
    public var rule: String

    public init(_ location: CLIFLocation, _ message: String, rule: String) {
        self.location = location
        self.message = message
        self.rule = rule
    }

    public var description: String { "\(location): \(message) [\(rule)]" }
}

/// A CLIF import that found problems: nothing was imported.
public struct CLIFImportError: Error, Sendable, CustomStringConvertible {
    public var problems: [CLIFProblem]
    /// What was left out or normalised on the way (also printed on success).
    public var notes: [String]

    public init(problems: [CLIFProblem], notes: [String] = []) {
        self.problems = problems
        self.notes = notes
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Why a study cannot be written as CLIF tables.
public struct CLIFWriteError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
