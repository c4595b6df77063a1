import DayZeroCohort
import Foundation

/// A moment on the ICU-day scale with its precision, for the checks of chronology.
///
/// - `exact`: a timestamp with a time of day, or a day number with a fraction;
/// - `icuDay`: an integral day number, naming the whole 24-hour ICU day `[d, d + 1)`;
/// - `calendarDay`: a date, naming a whole calendar day (counted from the admission date).
///
/// `calendarDay` is the calendar-day offset from the admission date for every moment (for a
/// day number of a patient whose admission is a day number, the ICU day stands in for it).
struct Moment: Sendable, Hashable {
    enum Precision: Sendable, Hashable {
        case exact, icuDay, calendarDay
    }
    var value: Double
    var precision: Precision
    var calendarDay: Int

    /// `a` is before `b`. When either is a date, calendar days are compared (a measurement
    /// dated on the day of a discharge at 09:00 is not after the discharge); else when either
    /// is an integral day number, ICU days are compared ("day 14" is not before a discharge at
    /// 14.3, a measurement at 14.3 is not after a discharge on "day 14"); else the moments.
    static func isBefore(_ a: Moment, _ b: Moment) -> Bool {
        if a.precision == .calendarDay || b.precision == .calendarDay { return a.calendarDay < b.calendarDay }
        if a.precision == .icuDay || b.precision == .icuDay { return icuDay(a.value) < icuDay(b.value) }
        return a.value < b.value
    }
}

/// What the validator knows about one patient once patients.csv and icu_course.csv are read.
struct PatientInfo {
    var key: Int
    var line: Int
    var consentRefused: Bool
    var hasCourseRow = false
    var course: CourseInfo?
}

/// The admission anchor and the limits of one patient's ICU course. A class: it is looked up
/// for every data row, and sharing it costs one retain instead of copying its strings.
final class CourseInfo {
    var admission: Moment
    /// The admission as a timestamp (`nil` when it is the day number 0).
    var anchor: LocalTimestamp?
    /// The text of icu_admission for messages.
    var admissionText: String
    /// End of the ICU stay: the earlier of discharge and death (`nil` = still in the ICU).
    var stayEnd: Moment?
    var stayEndText = ""
    /// End of follow-up for events: death, else follow_up_end, else discharge.
    var followUpEnd: Moment?
    var followUpEndText = ""

    init(admission: Moment, anchor: LocalTimestamp?, admissionText: String) {
        self.admission = admission
        self.anchor = anchor
        self.admissionText = admissionText
    }
}

/// A column of the table being read: its name and its field index in the file (`nil` when
/// the file has no such column).
struct Col {
    var name: String
    var field: Int?
    var required: Bool
    var range: ClosedRange<Double>?
}

/// Reads and validates a study folder, calling a sink with every valid row while no problem
/// has been found, and collecting every problem (`file:line:column`).
///
/// Order of work: the folder listing (unexpected and missing files), then the tables in
/// dependency order: parameters (extends the catalog), patients, icu_course (time anchors),
/// proteomics_samples, then the long tables, which are streamed row by row and checked
/// against what is known by then.
final class StudyFolderValidator {
    let folder: URL
    var collector: ProblemCollector

    // Knowledge accumulated while reading.
    var registry = ParameterRegistry()
    var patients: [String: PatientInfo] = [:]
    /// The baseline variables declared in variables.csv (further columns of patients.csv).
    var declaredVariables: [BaselineVariable] = []
    /// False when patients.csv could not be read: references to patients are then not checked.
    var patientsAvailable = false
    /// False when icu_course.csv could not be read: times are then not checked against the stay.
    var coursesAvailable = false
    var samples: [String: (key: Int, patientID: String)] = [:]
    var samplesAvailable = false
    var sampleLines: [String: Int] = [:]
    /// The patient of the previous `patient(_:)` lookup (reset whenever `patients` changes).
    var lastPatient: (id: String, info: PatientInfo)?
    /// The UTF-8 bytes of `lastPatient`'s id.
    var lastPatientBytes: [UInt8] = []
    /// The (parameter, unit) pairs of measurements.csv already found valid.
    var measurementRules = ValueRuleCache()
    /// The (analyte, unit) pairs of cytokines.csv already found valid.
    var cytokineRules = ValueRuleCache()
    var knownUnitKeys: Set<String> = []
    var unitCache: [String: [String: UnitLookup]] = [:]

    /// Whether rows may take the byte-level fast path (`MeasurementFastPath`). It changes no
    /// result, only the speed; tests switch it off to compare both paths.
    var fastPaths = true

    // Current file.
    var file = ""
    var reader: CSVReader?
    var headerFieldCount = 0
    /// The header's column names, by field.
    var headerNames: [String] = []
    /// The columns of free text, where tabs and line breaks are allowed (events.csv's `detail`).
    static let freeTextColumns: Set<String> = ["detail"]
    /// False once a problem was found in the current row (checks that depend on it are skipped).
    var rowOK = true

    enum UnitLookup {
        case accepted(UnitConversion)
        case unknown
        case incompatible
    }

    init(folder: URL, limitPerRule: Int) {
        self.folder = folder
        self.collector = ProblemCollector(limitPerRule: limitPerRule)
    }

    // MARK: - Reporting

    func report(_ rule: ValidationRule, line: Int?, column: Int?, _ message: String) {
        collector.add(ValidationProblem(file: file, line: line, column: column, rule: rule, message: message))
    }

    /// Reports a problem at a field of the current row.
    func report(_ rule: ValidationRule, _ col: Col, _ message: String) {
        rowOK = false
        let line = col.field.flatMap { f in reader.map { f < $0.fieldLines.count ? $0.fieldLines[f] : $0.recordLine } }
            ?? reader?.recordLine
        report(rule, line: line, column: col.field.map { $0 + 1 }, message)
    }

    var currentLine: Int { reader?.recordLine ?? 0 }

    // MARK: - Driving

    /// The order in which tables are read and handed to a sink (each table's references point
    /// to tables before it).
    static let tableOrder: [StudyTable] = [
        .parameters, .variables, .patients, .icuCourse, .proteomicsSamples, .measurements, .medications, .events, .cytokines, .proteomics,
    ]

    /// Validates the whole folder, feeding valid rows to `sink` while no problem is known.
    ///
    /// - Parameter only: read only these tables (e.g. the declarations `parameters.csv` and
    ///   `variables.csv`); `nil` reads the whole folder.
    func run<S: StudySink>(sink: inout S, only: Set<StudyTable>? = nil) throws {
        let present = checkFolder().intersection(only ?? Set(StudyTable.allCases))
        let order = Self.tableOrder
        for table in order where present.contains(table) {
            if collector.isEmpty { try sink.tablePresent(table) }
            switch table {
            case .parameters: try readParameters(&sink)
            case .variables: try readVariables(&sink)
            case .patients: try readPatients(&sink)
            case .icuCourse: try readCourses(&sink)
            case .proteomicsSamples: try readProteomicsSamples(&sink)
            case .measurements: try readMeasurements(&sink)
            case .medications: try readMedications(&sink)
            case .events: try readEvents(&sink)
            case .cytokines: try readCytokines(&sink)
            case .proteomics: try readProteomics(&sink)
            }
            if table == .parameters { finishRegistry() }
            if table == .icuCourse { checkEveryPatientHasCourse() }
        }
        if !present.contains(.parameters) { finishRegistry() }
    }

    /// Lists the folder: reports unexpected files and missing required tables; returns the tables present.
    private func checkFolder() -> Set<StudyTable> {
        file = folder.lastPathComponent
        var present = Set<StudyTable>()
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        } catch {
            report(.missingTable, line: nil, column: nil, "cannot read the study folder (\(error.localizedDescription))")
            return []
        }
        let known = Dictionary(uniqueKeysWithValues: StudyTable.allCases.map { ($0.fileName, $0) })
        for name in names where !name.hasPrefix(".") {
            if let table = known[name] {
                present.insert(table)
                continue
            }
            file = name
            var message = "unexpected file in the study folder (unknown table); a study folder holds only "
                + StudyTable.allCases.map(\.fileName).joined(separator: ", ")
            if let match = known.keys.first(where: { $0.lowercased() == name.lowercased() }) {
                message += " (did you mean \(MessageText.quoted(match))? names are lower case)"
            }
            report(.unexpectedFile, line: nil, column: nil, message)
        }
        for table in StudyTable.allCases where table.isRequired && !present.contains(table) {
            file = table.fileName
            report(.missingTable, line: nil, column: nil, "required table \(table.fileName) is missing from the study folder")
        }
        if present.contains(.proteomics) && !present.contains(.proteomicsSamples) {
            file = StudyTable.proteomicsSamples.fileName
            report(
                .missingTable, line: nil, column: nil,
                "proteomics.csv is present but proteomics_samples.csv is missing (it maps each SampleID to a patient and time)")
        }
        return present
    }

    private func finishRegistry() {
        for definition in registry.definitions.values {
            for conversion in [definition.canonical] + definition.alternatives {
                for spelling in conversion.spellings { knownUnitKeys.insert(UnitSpelling.key(spelling)) }
            }
        }
    }

    /// Every patient except those who refused consent needs an ICU course.
    private func checkEveryPatientHasCourse() {
        guard patientsAvailable, coursesAvailable else { return }
        file = StudyTable.patients.fileName
        for (id, info) in patients.sorted(by: { $0.value.line < $1.value.line })
        where !info.hasCourseRow && !info.consentRefused {
            report(.missingCourse, line: info.line, column: 1, "patient \(MessageText.quoted(id)) has no row in icu_course.csv")
        }
    }

    // MARK: - Files and headers

    /// Opens a table, checks encoding, delimiter and header, and returns the columns in the
    /// table's canonical order, or `nil` when the rows cannot be read meaningfully.
    func open(_ table: StudyTable, extraColumns: [StudyColumn] = []) -> [Col]? {
        let columns = table.columns + extraColumns
        file = table.fileName
        reader = nil
        lastPatient = nil
        let url = folder.appendingPathComponent(table.fileName)
        let csv: CSVReader
        do {
            csv = try CSVReader(url: url)
        } catch {
            switch error {
            case .utf16:
                report(.encoding, line: 1, column: 1, "the file is UTF-16 encoded; save it as UTF-8 (\"CSV UTF-8\")")
            case .cannotOpen(let why):
                report(.missingTable, line: nil, column: nil, "cannot open the file (\(why))")
            }
            return nil
        }
        guard csv.nextRecord() else {
            report(.emptyFile, line: nil, column: nil, "the file is empty; a header row naming the columns is required")
            return nil
        }
        reader = csv
        for problem in csv.problems {
            report(problem.kind == .encoding ? .encoding : .csvSyntax, line: problem.line, column: problem.field, problem.message)
        }
        if !csv.problems.isEmpty { return nil }
        let header = (0..<csv.fieldCount).map { csv.string($0) }
        if header.count == 1, columns.count > 1 {
            for (delimiter, shown) in [(";", "';'"), ("\t", "tab"), ("|", "'|'")] where header[0].contains(delimiter) {
                report(
                    .wrongDelimiter, line: 1, column: nil,
                    "wrong delimiter: found \(shown) in the header; fields must be separated by ',' (save as comma-separated CSV)")
                return nil
            }
        }
        headerFieldCount = header.count
        headerNames = header
        var fieldOf: [String: Int] = [:]
        let expected = Set(columns.map(\.name))
        for (i, name) in header.enumerated() {
            if name.isEmpty {
                report(.unknownColumn, line: 1, column: i + 1, "column \(i + 1) of the header has no name")
            } else if fieldOf[name] != nil {
                report(.duplicateColumn, line: 1, column: i + 1, "column \(MessageText.quoted(name)) appears twice in the header")
            } else if expected.contains(name) {
                fieldOf[name] = i
            } else {
                var message = "unknown column \(MessageText.quoted(name)); \(table.fileName) has the columns "
                    + columns.map(\.name).joined(separator: ", ")
                if table == .patients {
                    message += " and those declared in variables.csv"
                }
                if let match = columns.first(where: { $0.name.lowercased() == name.lowercased() }) {
                    message += " (did you mean \(MessageText.quoted(match.name))?)"
                }
                report(.unknownColumn, line: 1, column: i + 1, message)
            }
        }
        var missingRequired = false
        for column in columns where column.isRequired && fieldOf[column.name] == nil {
            report(.missingColumn, line: 1, column: nil, "required column \(MessageText.quoted(column.name)) is missing from the header")
            missingRequired = true
        }
        if missingRequired { return nil }
        return columns.map { Col(name: $0.name, field: fieldOf[$0.name], required: $0.isRequired, range: $0.range) }
    }

    /// Advances to the next data row. Reports syntax, encoding and field-count problems of the
    /// row; returns `false` at the end of the file. `rowOK` tells whether the row can be checked.
    func nextRow() -> Bool {
        guard let csv = reader, csv.nextRecord() else { return false }
        rowOK = true
        for problem in csv.problems {
            report(problem.kind == .encoding ? .encoding : .csvSyntax, line: problem.line, column: problem.field, problem.message)
            rowOK = false
        }
        if rowOK && csv.fieldCount != headerFieldCount {
            var message = "the row has \(csv.fieldCount) field\(csv.fieldCount == 1 ? "" : "s") but the header has \(headerFieldCount)"
            if csv.fieldCount > headerFieldCount {
                message += " (an unquoted ',' inside a value? a decimal comma must be written with '.', text with commas must be quoted)"
            } else if csv.fieldCount == 1, csv.string(0).contains(";") {
                message += " (wrong delimiter ';'? fields must be separated by ',')"
            }
            report(.fieldCount, line: csv.recordLine, column: min(csv.fieldCount, headerFieldCount) + 1, message)
            rowOK = false
        }
        if rowOK && csv.mayHaveControlCharacters { checkControlCharacters(csv) }
        return true
    }

    /// Reports every field of the current row that holds a control character (C0, DEL or C1):
    /// an identifier, a name, a unit or a label with one would print as something else than it
    /// is, and could break a message line. Tabs and line breaks are allowed in free text.
    func checkControlCharacters(_ csv: CSVReader) {
        for f in 0..<csv.fieldCount where !csv.isEmpty(f) {
            let name = f < headerNames.count ? headerNames[f] : "field \(f + 1)"
            let text = csv.string(f)
            guard let (scalar, position) = MessageText.firstControlCharacter(
                text, allowingLineBreaks: Self.freeTextColumns.contains(name))
            else { continue }
            report(
                .controlCharacter, line: f < csv.fieldLines.count ? csv.fieldLines[f] : csv.recordLine, column: f + 1,
                "\(name) \(MessageText.quoted(text)) holds the control character \(MessageText.codePoint(scalar)) at character \(position); "
                    + "identifiers, names, units and labels may not hold control characters (only detail may hold tabs and line breaks)")
            rowOK = false
        }
    }

    // MARK: - Field access

    /// The raw text of a column in the current row, or `nil` when the file has no such column
    /// or the field is empty.
    func raw(_ col: Col) -> String? {
        guard let f = col.field, let csv = reader, !csv.isEmpty(f) else { return nil }
        return csv.string(f)
    }

    /// The text of a column; an empty required field is reported.
    func text(_ col: Col) -> String? {
        let value = raw(col)
        if value == nil && col.required {
            report(.missingValue, col, "\(col.name) is empty but required")
        }
        return value
    }

    /// A number; reported when malformed, empty but required, or outside the column's range.
    func number(_ col: Col) -> Double? {
        guard let f = col.field, let csv = reader, !csv.isEmpty(f) else {
            if col.required { report(.missingValue, col, "\(col.name) is empty but required") }
            return nil
        }
        switch csv.withField(f, { NumberSyntax.parse($0) }) {
        case .success(let v):
            guard StudyLimits.isValueInRange(v) else {
                report(
                    .outOfRange, col,
                    "\(col.name) \(formatForMessage(v)) is outside the range of accepted numbers, \(Self.valueLimitText)")
                return nil
            }
            if let range = col.range, !range.contains(v) {
                report(
                    .outOfRange, col,
                    "\(col.name) \(formatForMessage(v)) is outside the plausible range \(formatForMessage(range.lowerBound)) to \(formatForMessage(range.upperBound))")
            }
            return v
        case .failure(let failure):
            reportMalformedNumber(col, csv.string(f), failure, rule: .malformedNumber)
            return nil
        }
    }

    func reportMalformedNumber(_ col: Col, _ text: String, _ failure: NumberParseFailure, rule: ValidationRule) {
        switch failure {
        case .decimalComma:
            report(rule, col, "\(col.name) \(MessageText.quoted(text)) is not a number (use '.' as decimal separator and no thousands separator)")
        case .notANumber:
            report(rule, col, "\(col.name) \(MessageText.quoted(text)) is not a number")
        case .notFinite:
            report(rule, col, "\(col.name) \(MessageText.quoted(text)) is too large to be a number")
        }
    }

    /// A 0/1 flag; `defaultValue` when the column is absent or empty and not required.
    func flag(_ col: Col, defaultValue: Bool = false) -> Bool? {
        guard let text = raw(col) else {
            if col.required {
                report(.missingValue, col, "\(col.name) is empty but required (1 or 0)")
                return nil
            }
            return defaultValue
        }
        switch text {
        case "1": return true
        case "0": return false
        default:
            report(.malformedFlag, col, "\(col.name) \(MessageText.quoted(text)) is not a flag (use 1 or 0)")
            return nil
        }
    }

    /// One of a fixed set of values (matched ignoring case; returned in canonical spelling).
    func choice(_ col: Col, _ choices: [String], aliases: [String: String] = [:]) -> String? {
        guard let text = text(col) else { return nil }
        let lower = text.lowercased()
        if let match = choices.first(where: { $0.lowercased() == lower }) { return match }
        if let alias = aliases[lower] { return alias }
        report(.invalidChoice, col, "\(col.name) \(MessageText.quoted(text)) is not one of: \(choices.joined(separator: ", "))")
        return nil
    }

    /// A name in lower case (drug, event): reported if it has upper-case letters.
    func lowerCaseName(_ col: Col) -> String? {
        guard let text = text(col) else { return nil }
        if text != text.lowercased() {
            report(.invalidChoice, col, "\(col.name) \(MessageText.quoted(text)) must be written in lower case (\(MessageText.quoted(text.lowercased())))")
            return nil
        }
        return text
    }

    // MARK: - Patients and times

    /// The patient referenced by `col`, reporting undefined patients. `nil` when unknown.
    func patient(_ col: Col) -> (id: String, info: PatientInfo?)? {
        // Long tables list a patient's rows together: a repeat is recognised from the field's
        // bytes, without making a String or hashing it.
        if let last = lastPatient, let f = col.field, let csv = reader, csv.field(f, equals: lastPatientBytes) {
            return last
        }
        guard let id = text(col) else { return nil }
        guard patientsAvailable else { return (id, nil) }
        if let last = lastPatient, last.id == id { return last }
        guard let info = patients[id] else {
            report(.undefinedPatient, col, "patient_id \(MessageText.quoted(id)) is not defined in patients.csv")
            return nil
        }
        lastPatient = (id, info)
        lastPatientBytes = Array(id.utf8)
        return (id, info)
    }

    /// Reports clinical data of a patient who refused consent.
    func checkConsent(_ col: Col, _ id: String, _ info: PatientInfo?) {
        if let info, info.consentRefused {
            report(
                .consentRefused, col,
                "patient \(MessageText.quoted(id)) refused consent (consent_refused = 1 in patients.csv, line \(info.line)); their data must not be in \(file)")
        }
    }

    /// A time as written: an ICU-day number or a local timestamp.
    enum ParsedTime {
        case dayNumber(Double)
        case stamp(LocalTimestamp)
    }

    /// Reads a time column; reports malformed times (and empty required ones).
    func parseTime(_ col: Col) -> ParsedTime? {
        guard let f = col.field, let csv = reader, !csv.isEmpty(f) else {
            if col.required { report(.missingValue, col, "\(col.name) is empty but required") }
            return nil
        }
        switch csv.withField(f, { Self.parseTime($0) }) {
        case .success(let t):
            return t
        case .failure(let failure):
            let text = csv.string(f)
            switch failure {
            case .malformed:
                report(
                    .malformedTime, col,
                    "\(col.name) \(MessageText.quoted(text)) is not an ICU-day number or a local timestamp YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS")
            case .decimalComma:
                report(.malformedTime, col, "\(col.name) \(MessageText.quoted(text)) is not a number (use '.' as decimal separator)")
            case .timeZone:
                report(.malformedTime, col, "\(col.name) \(MessageText.quoted(text)) has a time zone; give local wall-clock time without 'Z' or offset")
            case .yearOutOfRange(let year):
                report(
                    .outOfRange, col,
                    "\(col.name) \(MessageText.quoted(text)) is in the year \(String(repeating: "0", count: max(0, 4 - String(year).count)))\(year); timestamps and dates lie within the years \(StudyLimits.timestampYears.lowerBound) to \(StudyLimits.timestampYears.upperBound)")
            case .invalidDate(let why):
                report(.malformedTime, col, "\(col.name) \(MessageText.quoted(text)) is not a valid date or time (\(why))")
            case .outOfRange:
                report(.outOfRange, col, "\(col.name) \(MessageText.quoted(text)) is outside the ICU-day range \(Self.dayRangeText)")
            }
            return nil
        }
    }

    /// `-1e15 to 1e15`, for messages.
    static let valueLimitText = "-1e15 to 1e15"

    /// `-100000 to 100000 (about 274 years either side of ICU admission)`, for messages.
    static let dayRangeText =
        "\(formatNumber(-StudyLimits.maximumAbsoluteDay)) to \(formatNumber(StudyLimits.maximumAbsoluteDay)) (about 274 years either side of ICU admission)"

    /// The time written in `b`: a timestamp when it starts like a date, else a day number
    /// (refused beyond ±`StudyLimits.maximumAbsoluteDay`, so no later conversion can trap).
    @inline(__always)
    static func parseTime(_ b: UnsafeBufferPointer<UInt8>) -> Result<ParsedTime, TimeParseFailure> {
        if let stamp = TimeSyntax.parseTimestamp(b) {
            return stamp.map { .stamp($0) }
        }
        switch NumberSyntax.parse(b) {
        case .success(let d):
            guard StudyLimits.isDayInRange(d) else { return .failure(.outOfRange) }
            return .success(.dayNumber(d))
        case .failure(.decimalComma): return .failure(.decimalComma)
        case .failure: return .failure(.malformed)
        }
    }

    /// A parsed time on the ICU-day scale of a patient whose admission is `anchor` (`nil`: the
    /// day number 0). `nil` for a timestamp when the admission is not a timestamp.
    @inline(__always)
    static func moment(_ parsed: ParsedTime, anchor: LocalTimestamp?) -> (moment: Moment, format: TimeFormat)? {
        switch parsed {
        case .dayNumber(let days):
            var calendarDay = icuDay(days)
            if let anchor {
                let secondOfDay = Double(anchor.seconds - Int64(anchor.dayIndex) * 86_400)
                calendarDay = icuDay(secondOfDay / 86_400 + days)
            }
            return (Moment(value: days, precision: days == days.rounded(.down) ? .icuDay : .exact, calendarDay: calendarDay), .dayNumber)
        case .stamp(let stamp):
            guard let anchor else { return nil }
            let calendarDay = stamp.dayIndex - anchor.dayIndex
            if stamp.format == .date {
                return (Moment(value: Double(calendarDay), precision: .calendarDay, calendarDay: calendarDay), .date)
            }
            return (
                Moment(value: Double(stamp.seconds - anchor.seconds) / 86_400, precision: .exact, calendarDay: calendarDay),
                stamp.format
            )
        }
    }

    /// Converts a parsed time to the ICU-day scale of `course`. A timestamp needs the admission
    /// as a timestamp (reported otherwise).
    func convert(_ parsed: ParsedTime, _ col: Col, course: CourseInfo, patientID: String) -> (moment: Moment, format: TimeFormat)? {
        if let converted = Self.moment(parsed, anchor: course.anchor) {
            guard StudyLimits.isDayInRange(converted.moment.value) else {
                report(
                    .outOfRange, col,
                    "\(col.name) \(MessageText.quoted(raw(col) ?? "")) is \(formatNumber(converted.moment.value.rounded(.towardZero))) days from the ICU admission of patient \(MessageText.quoted(patientID)); times lie within the ICU-day range \(Self.dayRangeText)")
                return nil
            }
            return converted
        }
        report(
            .timeAnchor, col,
            "\(col.name) \(MessageText.quoted(raw(col) ?? "")) is a timestamp but icu_admission of patient \(MessageText.quoted(patientID)) is the day number 0; give ICU-day numbers, or give icu_admission as a timestamp")
        return nil
    }

    /// Reads a data time of a patient, converts it and checks it lies in the ICU stay (or in
    /// follow-up, for events). `nil` when absent, malformed or the patient's course is unknown.
    func dataTime(_ col: Col, patient: (id: String, info: PatientInfo?)?, followUp: Bool = false) -> (moment: Moment, format: TimeFormat)? {
        guard let parsed = parseTime(col), let patient, let course = patient.info?.course else { return nil }
        guard let t = convert(parsed, col, course: course, patientID: patient.id) else { return nil }
        checkWithin(col, t.moment, course: course, patientID: patient.id, followUp: followUp)
        return t
    }

    /// Checks that a data time lies in the patient's ICU stay (or follow-up, for events).
    func checkWithin(_ col: Col, _ t: Moment, course: CourseInfo, patientID: String, followUp: Bool) {
        if Moment.isBefore(t, course.admission) {
            let text = raw(col) ?? ""
            report(
                .beforeAdmission, col,
                "\(col.name) \(MessageText.quoted(text)) is before the ICU admission of patient \(MessageText.quoted(patientID)) (icu_admission \(MessageText.quoted(course.admissionText)))")
            return
        }
        if let end = followUp ? course.followUpEnd : course.stayEnd, Moment.isBefore(end, t) {
            let text = raw(col) ?? ""
            report(
                .afterStay, col,
                "\(col.name) \(MessageText.quoted(text)) is after the \(followUp ? "end of follow-up" : "end of the ICU stay") of patient \(MessageText.quoted(patientID)) (\(followUp ? course.followUpEndText : course.stayEndText))")
        }
    }

    // MARK: - Parameters and units

    /// Looks up the unit of a parameter (cached per parameter and spelling).
    func unitLookup(_ definition: ParameterDefinition, _ unit: String) -> UnitLookup {
        if let cached = unitCache[definition.name]?[unit] { return cached }
        let result: UnitLookup
        if let conversion = definition.conversion(for: unit) {
            result = .accepted(conversion)
        } else if knownUnitKeys.contains(UnitSpelling.key(unit)) {
            result = .incompatible
        } else {
            result = .unknown
        }
        unitCache[definition.name, default: [:]][unit] = result
        return result
    }

    /// Converts a value in `unitText` to the parameter's canonical unit and checks the range.
    /// Reports unknown or incompatible units and values outside the physiological range.
    func canonicalValue(
        _ definition: ParameterDefinition, value: Double, valueCol: Col, unitText: String, unitCol: Col
    ) -> Double? {
        let conversion: UnitConversion
        switch unitLookup(definition, unitText) {
        case .accepted(let c): conversion = c
        case .unknown:
            report(
                .unknownUnit, unitCol,
                "unit \(MessageText.quoted(unitText)) is not a known unit; \(definition.name) accepts \(definition.acceptedUnits.joined(separator: ", "))")
            return nil
        case .incompatible:
            report(
                .incompatibleUnit, unitCol,
                "unit \(MessageText.quoted(unitText)) is not a unit of \(definition.name); \(definition.name) accepts \(definition.acceptedUnits.joined(separator: ", "))")
            return nil
        }
        let canonical = conversion.toCanonical(value)
        if !(definition.minimum...definition.maximum).contains(canonical) {
            let shown = conversion.factor == 1 && conversion.offset == 0
                ? "\(formatForMessage(value)) \(definition.unit)"
                : "\(formatForMessage(value)) \(conversion.unit) = \(formatForMessage(canonical)) \(definition.unit)"
            report(
                .outOfRange, valueCol,
                "\(valueCol.name) \(shown) is outside the physiological range of \(definition.name), \(formatForMessage(definition.minimum)) to \(formatForMessage(definition.maximum)) \(definition.unit)")
            return nil
        }
        if definition.unit == "flag", canonical != 0, canonical != 1 {
            report(.malformedFlag, valueCol, "\(valueCol.name) \(formatForMessage(value)) is not a flag (\(definition.name) is 1 or 0)")
            return nil
        }
        return canonical
    }

    /// Checks a key against earlier rows; reports a duplicate with the first line.
    func checkKey(_ seen: inout [String: Int], _ key: String, _ col: Col, _ shown: @autoclosure () -> String) {
        if let first = seen[key] {
            report(.duplicateKey, col, "duplicate key: \(shown()) already appears on line \(first)")
        } else {
            seen[key] = currentLine
        }
    }
}
