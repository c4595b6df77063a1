/// The rules a study folder must satisfy. Every problem the importer reports names one of
/// them; `docs/data-format.md` lists them all with an example message. The raw value is the
/// stable identifier printed at the end of each message (`[malformed-number]`).
public enum ValidationRule: String, Sendable, Hashable, CaseIterable, Comparable {
    // Folder and file level.
    case unexpectedFile = "unexpected-file"
    case missingTable = "missing-table"
    case emptyFile = "empty-file"
    case encoding = "encoding"
    case controlCharacter = "control-character"
    case wrongDelimiter = "wrong-delimiter"
    case csvSyntax = "csv-syntax"
    case fieldCount = "field-count"
    // Header.
    case unknownColumn = "unknown-column"
    case duplicateColumn = "duplicate-column"
    case missingColumn = "missing-column"
    // Single values.
    case missingValue = "missing-value"
    case malformedNumber = "malformed-number"
    case malformedTime = "malformed-time"
    case malformedFlag = "malformed-flag"
    case malformedSex = "malformed-sex"
    case invalidChoice = "invalid-choice"
    case unknownParameter = "unknown-parameter"
    case parameterTable = "parameter-table"
    case parameterRedefinition = "parameter-redefinition"
    case unknownUnit = "unknown-unit"
    case incompatibleUnit = "incompatible-unit"
    case outOfRange = "out-of-range"
    // Across rows and tables.
    case duplicateKey = "duplicate-key"
    case undefinedPatient = "undefined-patient"
    case missingCourse = "missing-course"
    case undefinedSample = "undefined-sample"
    case sampleConflict = "sample-conflict"
    case timeAnchor = "time-anchor"
    case beforeAdmission = "before-admission"
    case afterStay = "after-stay"
    case ventilationOrder = "ventilation-order"
    case courseChronology = "course-chronology"
    case consentRefused = "consent-refused"

    /// A one-line statement of the rule (for documentation and summaries).
    public var summary: String {
        switch self {
        case .unexpectedFile: "A study folder holds only the files of the data format (unknown table)."
        case .missingTable: "patients.csv and icu_course.csv must exist; proteomics.csv needs proteomics_samples.csv."
        case .emptyFile: "Every file has at least a header row."
        case .encoding: "Files are UTF-8 (a UTF-8 byte-order mark is allowed); not UTF-16, not Latin-1."
        case .controlCharacter: "Text holds no control characters (U+0000–U+001F, U+007F–U+009F); only events.csv's detail may hold tabs and line breaks."
        case .wrongDelimiter: "Fields are separated by ',' (not ';' or tab)."
        case .csvSyntax: "Quoting follows RFC 4180: a quoted field is closed, and a '\"' inside it is doubled."
        case .fieldCount: "Every row has as many fields as the header."
        case .unknownColumn: "Every header name is a column of the table."
        case .duplicateColumn: "A header names each column once."
        case .missingColumn: "Every required column is present in the header."
        case .missingValue: "A required column has a value in every row."
        case .malformedNumber: "Numbers use '.' as decimal separator and no thousands separator."
        case .malformedTime: "Times are ICU-day numbers or local timestamps YYYY-MM-DD[THH:MM[:SS]]."
        case .malformedFlag: "Flags are 0 or 1."
        case .malformedSex: "Sex is M or F."
        case .invalidChoice: "A column with a fixed set of values holds one of them."
        case .unknownParameter: "A parameter is in the catalog or declared in parameters.csv."
        case .parameterTable: "Clinical parameters go in measurements.csv, cytokines in cytokines.csv."
        case .parameterRedefinition: "parameters.csv declares no derived value (sofa, sofa_…) and keeps a catalog parameter's kind, canonical unit and physiological range (it may relabel it, change its daily value and narrow its range)."
        case .unknownUnit: "A unit is one the parameter accepts."
        case .incompatibleUnit: "A unit measures what the parameter measures."
        case .outOfRange: "A value lies in the parameter's physiological range (after unit conversion); every number within ±1e15, every time within ±100000 ICU days."
        case .duplicateKey: "Key columns identify a row once."
        case .undefinedPatient: "Every patient referenced is defined in patients.csv."
        case .missingCourse: "Every patient except those who refused consent has a row in icu_course.csv."
        case .undefinedSample: "Every proteomics SampleID is defined in proteomics_samples.csv."
        case .sampleConflict: "A sample belongs to one patient; a patient has at most one ICU-admission cytokine sample."
        case .timeAnchor: "A timestamp needs the patient's ICU admission as a timestamp."
        case .beforeAdmission: "No data before ICU admission."
        case .afterStay: "No data after the patient's observation ends: measurements and events after death or the end of follow-up (else ICU discharge); other data after ICU discharge or death."
        case .ventilationOrder: "Ventilation ends after it starts."
        case .courseChronology: "Discharge, death and ventilation are not before ICU admission; death is not before discharge; follow-up does not end before discharge."
        case .consentRefused: "A patient who refused consent has no clinical data."
        }
    }

    public static func < (a: ValidationRule, b: ValidationRule) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }
}

/// One problem found in a study folder, located as precisely as the file allows.
///
/// `line` is the 1-based physical line where the record (or field) starts; `column` is the
/// 1-based field number within the row (the header's n-th column). Problems about a whole
/// file have neither; problems about the header row have line 1 and, when one column is
/// concerned, its column.
public struct ValidationProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file name inside the study folder (`measurements.csv`).
    public var file: String
    public var line: Int?
    public var column: Int?
    public var rule: ValidationRule
    /// What is wrong, naming the column and the offending value.
    public var message: String

    public init(file: String, line: Int?, column: Int?, rule: ValidationRule, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.rule = rule
        self.message = message
    }

    /// `file:line:column: message [rule]`, leaving out the parts that do not apply.
    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        // Escaped and capped once more as a whole line (`MessageText`): a file name from the
        // folder listing is echoed too, and no line may exceed `MessageText.lineLimit`.
        return MessageText.line("\(location): \(message) [\(rule.rawValue)]")
    }
}

/// Collects problems, keeping at most `limitPerRule` of each rule (the first ones in reading
/// order) and counting the rest, so a file with a million bad rows still gives a readable report.
struct ProblemCollector {
    let limitPerRule: Int
    private(set) var problems: [ValidationProblem] = []
    private(set) var suppressed: [ValidationRule: Int] = [:]
    private var kept: [ValidationRule: Int] = [:]
    private(set) var total = 0

    init(limitPerRule: Int) {
        self.limitPerRule = limitPerRule
    }

    var isEmpty: Bool { total == 0 }

    mutating func add(_ problem: ValidationProblem) {
        total += 1
        let n = kept[problem.rule, default: 0]
        if n < limitPerRule {
            kept[problem.rule] = n + 1
            problems.append(problem)
        } else {
            suppressed[problem.rule, default: 0] += 1
        }
    }
}

/// The import was refused: the study folder breaks at least one rule. Nothing was written.
public struct StudyValidationError: Error, Sendable, CustomStringConvertible {
    /// The problems, in reading order (files in the order of `StudyTable.allCases`).
    public var problems: [ValidationProblem]
    /// Problems not listed because their rule already had `limitPerRule` entries.
    public var suppressed: [ValidationRule: Int]

    public init(problems: [ValidationProblem], suppressed: [ValidationRule: Int] = [:]) {
        self.problems = problems
        self.suppressed = suppressed
    }

    /// Total number of problems found (listed and suppressed).
    public var totalCount: Int { problems.count + suppressed.values.reduce(0, +) }

    /// One problem per line, then one line per rule with suppressed problems.
    public var lines: [String] {
        problems.map(\.description) + suppressed.keys.sorted().map { rule in
            "… and \(suppressed[rule] ?? 0) more problems of kind [\(rule.rawValue)] not listed"
        }
    }

    public var description: String {
        "the study folder has \(totalCount) problem\(totalCount == 1 ? "" : "s"):\n" + lines.joined(separator: "\n")
    }
}

/// Failures of the store itself (file system, database), as opposed to problems in the data.
public enum StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    case io(String)
    case database(String)
    case notAStudyStore(String)

    public var description: String {
        switch self {
        case .io(let m): "I/O error: \(m)"
        case .database(let m): "database error: \(m)"
        case .notAStudyStore(let m): m
        }
    }
}
