import DayZeroCohort
import Foundation

/// Reads a CLIF 2.x export (a folder of CSV tables named after the CLIF tables, and DayZero's
/// own files for what CLIF cannot hold in its `dayzero/` subfolder) and stages it as a DayZero
/// study folder, following a mapping (`CLIFMapping`). Every problem is collected and located
/// (file, line, column); the caller imports nothing unless there is none. `docs/sources.md`
/// ("CLIF") describes the rules.
public final class CLIFReader {
    let folder: URL
    let mapping: CLIFMapping
    var problems: [CLIFProblem] = []
    var suppressed: [String: Int] = [:]
    var notes: [String] = []
    var skipped: [String: (count: Int, examples: [String])] = [:]
    /// Unknown categories already reported: "file column value" → count of rows.
    var unknownCategories: [String: (index: Int, count: Int)] = [:]

    /// Problems per rule listed before the rest are only counted.
    static let limitPerRule = 200

    init(folder: URL, mapping: CLIFMapping) {
        self.folder = folder
        self.mapping = mapping
    }

    /// Reads the export in `folder`. Problems that leave nothing readable (a missing table or
    /// column) throw `CLIFImportError` at once; all others are in the returned `problems`.
    public static func stage(folder: URL, mapping: CLIFMapping) throws -> (staged: StagedStudy, problems: [CLIFProblem]) {
        let reader = CLIFReader(folder: folder, mapping: mapping)
        let staged = try reader.read()
        return (staged, reader.allProblems)
    }

    var allProblems: [CLIFProblem] {
        var all = problems
        for (rule, count) in suppressed.sorted(by: { $0.key < $1.key }) {
            all.append(CLIFProblem(CLIFLocation(file: "(more)"), "\(count) more problem\(count == 1 ? "" : "s") of this rule not listed", rule: rule))
        }
        return all
    }

    func problem(_ location: CLIFLocation, _ message: String, rule: String) {
        if problems.count(where: { $0.rule == rule }) >= Self.limitPerRule {
            suppressed[rule, default: 0] += 1
            return
        }
        problems.append(CLIFProblem(location, message, rule: rule))
    }

    func skip(_ table: CLIFTable, _ r: Int, _ why: String) {
        var entry = skipped[table.file] ?? (0, [])
        entry.count += 1
        if entry.examples.count < 5 { entry.examples.append("\(table.file):\(table.lines[r]) (\(why))") }
        skipped[table.file] = entry
    }

    static func origin(_ location: CLIFLocation) -> OMOPLocation {
        OMOPLocation(table: location.file, row: location.line.map(String.init), column: location.column)
    }

    // MARK: - Tables and columns

    /// The columns DayZero reads from each table.
    static let required: [String: [String]] = [
        "patient": ["patient_id", "sex_category", "birth_date", "death_dttm"],
        "hospitalization": ["patient_id", "hospitalization_id", "admission_dttm", "discharge_dttm", "age_at_admission", "discharge_category"],
        "adt": ["hospitalization_id", "hospital_id", "in_dttm", "out_dttm", "location_category"],
        "vitals": ["hospitalization_id", "recorded_dttm", "vital_category", "vital_value"],
        "labs": ["hospitalization_id", "lab_collect_dttm", "lab_category", "lab_value", "reference_unit"],
        "respiratory_support": ["hospitalization_id", "recorded_dttm", "device_category", "fio2_set"],
        "medication_admin_continuous": ["hospitalization_id", "admin_dttm", "med_category", "med_dose", "med_dose_unit", "mar_action_category"],
        "medication_admin_intermittent": ["hospitalization_id", "admin_dttm", "med_category", "med_dose", "med_dose_unit", "mar_action_category"],
        "microbiology_culture": ["hospitalization_id", "collect_dttm", "fluid_name", "method_category", "organism_name", "organism_category"],
    ]

    /// The tables this mapping needs.
    var neededTables: [String] {
        var t = ["patient", "hospitalization", "adt"]
        if mapping.parameters.contains(where: { $0.table == "vitals" }) || (!mapping.rates.isEmpty && mapping.weightCategory != nil) { t.append("vitals") }
        if mapping.parameters.contains(where: { $0.table == "labs" }) { t.append("labs") }
        if mapping.ventilation != nil || mapping.fio2 != nil { t.append("respiratory_support") }
        if !mapping.rates.isEmpty { t.append("medication_admin_continuous") }
        if !mapping.drugs.isEmpty { t.append("medication_admin_intermittent") }
        if !mapping.events.isEmpty { t.append("microbiology_culture") }
        return t
    }

    /// Levenshtein distance, for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    static func closest(_ name: String, among names: [String]) -> String? {
        // A shortened or lengthened name (vital_cat for vital_category) counts as one edit.
        let scored = names.map { n in (n, n.lowercased().hasPrefix(name.lowercased()) || name.lowercased().hasPrefix(n.lowercased()) ? 1 : distance(name, n)) }
            .filter { $0.1 <= max(2, name.count / 3) }
        return scored.min { $0.1 < $1.1 }?.0
    }

    func checkColumns(_ table: CLIFTable) {
        let needed = (Self.required[table.name] ?? []) + (table.name == "adt" && mapping.icu.locationTypes != nil ? ["location_type"] : [])
        for column in needed where !table.has(column) {
            let guess = Self.closest(column, among: table.header.filter { !needed.contains($0) }).map { " Did you mean \($0)? Rename it to \(column)." } ?? ""
            problem(
                CLIFLocation(file: table.file, line: 1),
                "the header has no column \(column) (CLIF \(CLIFDictionary.version) names it so); the header is \(table.header.joined(separator: ", ")).\(guess)",
                rule: "column-missing")
        }
    }

    /// The category in `column` of row `r` if it is known: one of CLIF's mCIDE, one the mapping
    /// names, or one the mapping ignores. An unknown one is reported once per value, at its first row.
    func category(_ table: CLIFTable, _ r: Int, _ column: String, mapped: Set<String>) -> String? {
        guard let value = table.value(r, column) else { return nil }
        let mcide = CLIFDictionary.categories(table: table.name, column: column) ?? []
        if mapped.contains(value) || mcide.contains(value) || (mapping.ignoreCategories ?? []).contains(value) { return value }
        let key = "\(table.file) \(column) \(value)"
        if let seen = unknownCategories[key] {
            unknownCategories[key] = (seen.index, seen.count + 1)
            return nil
        }
        let candidates = mcide + mapped.sorted()
        let guess = Self.closest(value, among: candidates).map { " Did you mean \($0)?" } ?? ""
        let listed = mcide.count <= 12 ? " (CLIF's are \(mcide.joined(separator: ", ")))" : ""
        unknownCategories[key] = (problems.count, 1)
        problem(
            table.at(r, column),
            "\(column) \"\(value)\" is neither a CLIF \(CLIFDictionary.version) \(column)\(listed) nor one the mapping names.\(guess) Map it to its CLIF category, name it in the mapping, or list it under ignore_categories.",
            rule: "category-unknown")
        return nil
    }

    /// A time column of row `r` as seconds (UTC); a value that does not parse is a problem.
    func time(_ table: CLIFTable, _ r: Int, _ column: String, required: Bool = true) -> Int? {
        guard let text = table.value(r, column) else {
            if required { problem(table.at(r, column), "\(column) is empty; the row cannot be placed in time", rule: "time-missing") }
            return nil
        }
        guard let seconds = CLIFTime.parse(text) else {
            problem(table.at(r, column), "\"\(text)\" is not a CLIF datetime: write \(CLIFTime.expected)", rule: "date-format")
            return nil
        }
        return seconds
    }

    func number(_ table: CLIFTable, _ r: Int, _ column: String, what: String) -> String? {
        guard let text = table.value(r, column) else {
            problem(table.at(r, column), "\(what) has no value in \(column)", rule: "value-missing")
            return nil
        }
        guard Double(text) != nil else {
            problem(table.at(r, column), "\(column) \"\(text)\" of \(what) is not a number (use . as the decimal separator)", rule: "value-number")
            return nil
        }
        return text
    }

    // MARK: - Patients and stays

    struct Stay {
        var hospitalization: String
        var start: Int
        var end: Int
        var startLocation: CLIFLocation
        var endLocation: CLIFLocation
        var site: String?
        var siteLocation: CLIFLocation
    }

    struct Person {
        var id: String
        var row: Int
        var sex: String?
        var birthDay: Int?
        var death: Int?
        var deathLocation: CLIFLocation?
        var stay: Stay?
        var age: (value: String, location: CLIFLocation)?
        var windowStart = 0
        var windowEnd = Int.max
        var followUp: (text: String, location: CLIFLocation?)?
        var baseline: [String: (String?, OMOPLocation?)] = [:]
    }

    func read() throws -> StagedStudy {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIFImportError(problems: [CLIFProblem(CLIFLocation(file: folder.path), "is not a folder: name the folder holding the CLIF tables (patient.csv, hospitalization.csv, adt.csv, …)", rule: "folder-missing")])
        }
        var tables: [String: CLIFTable] = [:]
        for name in neededTables {
            do {
                tables[name] = try CLIFFiles.read(name, in: folder)
            } catch {
                problem(error.problem.location, error.problem.message, rule: error.problem.rule)
            }
        }
        for table in tables.values.sorted(by: { $0.name < $1.name }) { checkColumns(table) }
        guard problems.isEmpty, let patientTable = tables["patient"], let hospitalizationTable = tables["hospitalization"], let adt = tables["adt"] else {
            throw CLIFImportError(problems: allProblems)
        }

        // Patients.
        var persons: [Person] = []
        var personIndex: [String: Int] = [:]
        for r in patientTable.rows.indices {
            guard let id = patientTable.value(r, "patient_id") else {
                problem(patientTable.at(r, "patient_id"), "patient_id is empty", rule: "value-missing")
                continue
            }
            guard personIndex[id] == nil else {
                problem(patientTable.at(r, "patient_id"), "patient \(id) is listed twice (also on line \(patientTable.lines[persons[personIndex[id] ?? 0].row]))", rule: "key-duplicate")
                continue
            }
            var p = Person(id: id, row: r)
            switch category(patientTable, r, "sex_category", mapped: []) {
            case "Male": p.sex = "M"
            case "Female": p.sex = "F"
            case let other?: problem(patientTable.at(r, "sex_category"), "sex_category \(other) of patient \(id): DayZero's sex is Male or Female", rule: "sex-unknown")
            case nil: if patientTable.value(r, "sex_category") == nil { problem(patientTable.at(r, "sex_category"), "sex_category of patient \(id) is empty: DayZero needs Male or Female", rule: "sex-unknown") }
            }
            if let birth = patientTable.value(r, "birth_date") {
                if let day = CLIFTime.parseDate(String(birth.prefix(10))) {
                    p.birthDay = day
                } else {
                    problem(patientTable.at(r, "birth_date"), "\"\(birth)\" is not a date: write YYYY-MM-DD", rule: "date-format")
                }
            }
            if let death = time(patientTable, r, "death_dttm", required: false) {
                p.death = death
                p.deathLocation = patientTable.at(r, "death_dttm")
            }
            personIndex[id] = persons.count
            persons.append(p)
        }

        // Hospitalizations.
        var hospitalizations: [String: (person: Int, row: Int)] = [:]
        for r in hospitalizationTable.rows.indices {
            guard let id = hospitalizationTable.value(r, "hospitalization_id") else {
                problem(hospitalizationTable.at(r, "hospitalization_id"), "hospitalization_id is empty", rule: "value-missing")
                continue
            }
            guard let patient = hospitalizationTable.value(r, "patient_id"), let i = personIndex[patient] else {
                problem(hospitalizationTable.at(r, "patient_id"),
                        "patient \(hospitalizationTable.value(r, "patient_id") ?? "(empty)") of hospitalization \(id) is not in patient.csv", rule: "patient-unknown")
                continue
            }
            if hospitalizations[id] != nil {
                problem(hospitalizationTable.at(r, "hospitalization_id"), "hospitalization \(id) is listed twice", rule: "key-duplicate")
                continue
            }
            hospitalizations[id] = (i, r)
        }
        func person(of table: CLIFTable, _ r: Int) -> Int? {
            guard let h = table.value(r, "hospitalization_id"), let known = hospitalizations[h] else {
                problem(table.at(r, "hospitalization_id"),
                        "hospitalization \(table.value(r, "hospitalization_id") ?? "(empty)") is not in hospitalization.csv", rule: "hospitalization-unknown")
                return nil
            }
            return known.person
        }

        // ICU stays: contiguous ICU rows of adt (a bed or unit change inside the ICU is one stay).
        let icuCategories = Set(mapping.icu.locationCategories)
        var icuRows: [Int: [(start: Int, end: Int, row: Int)]] = [:]
        for r in adt.rows.indices {
            guard let c = category(adt, r, "location_category", mapped: icuCategories), icuCategories.contains(c) else { continue }
            if let types = mapping.icu.locationTypes, !types.contains(adt.value(r, "location_type") ?? "") { continue }
            guard let i = person(of: adt, r) else { continue }
            guard let start = time(adt, r, "in_dttm") else { continue }
            guard let end = time(adt, r, "out_dttm", required: false) else {
                if adt.value(r, "out_dttm") == nil {
                    problem(adt.at(r, "out_dttm"),
                            "an ICU row needs its out_dttm: for a patient still in the ICU at data lock, write the extraction time", rule: "stay-dates")
                }
                continue
            }
            guard end >= start else {
                problem(adt.at(r, "out_dttm"), "out_dttm \(CLIFTime.clifText(end)) is before in_dttm \(CLIFTime.clifText(start))", rule: "stay-dates")
                continue
            }
            icuRows[i, default: []].append((start, end, r))
        }
        var extraStays = 0
        for (i, rows) in icuRows {
            let sorted = rows.sorted { ($0.start, $0.row) < ($1.start, $1.row) }
            guard let first = sorted.first else { continue }
            var end = first.end, endRow = first.row
            var later = false
            for next in sorted.dropFirst() {
                if next.start <= end {
                    if next.end > end { (end, endRow) = (next.end, next.row) }
                } else {
                    later = true
                }
            }
            if later { extraStays += 1 }
            persons[i].stay = Stay(
                hospitalization: adt.value(first.row, "hospitalization_id") ?? "", start: first.start, end: end,
                startLocation: adt.at(first.row, "in_dttm"), endLocation: adt.at(endRow, "out_dttm"),
                site: adt.value(first.row, "hospital_id"), siteLocation: adt.at(first.row, "hospital_id"))
        }
        if extraStays > 0 {
            notes.append("\(extraStays) patient\(extraStays == 1 ? " has" : "s have") more than one ICU stay; DayZero reads the first of each (later stays' data count as follow-up).")
        }

        // Follow-up ends CLIF cannot hold: dayzero/follow_up.csv (patient_id, follow_up_end as a
        // DayZero time: an ICU-day number or a timestamp), before the mapping's follow_up_days.
        var followUpEnds: [String: (text: String, location: CLIFLocation, seconds: (Int) -> Int?)] = [:]
        let extra = folder.appendingPathComponent("dayzero")
        if FileManager.default.fileExists(atPath: extra.appendingPathComponent("follow_up.csv").path) {
            do {
                let table = try CLIFFiles.read("follow_up", in: extra, display: "dayzero/follow_up.csv")
                for column in ["patient_id", "follow_up_end"] where !table.has(column) {
                    problem(CLIFLocation(file: table.file, line: 1), "the header has no column \(column)", rule: "column-missing")
                }
                for r in table.rows.indices {
                    guard let id = table.value(r, "patient_id"), let text = table.value(r, "follow_up_end") else { continue }
                    let location = CLIFLocation(file: "dayzero/follow_up.csv", line: table.lines[r], column: "follow_up_end")
                    if let days = Double(text) {
                        followUpEnds[id] = (text, location, { start in start + Int((days * 86_400).rounded()) })
                    } else if let stamp = CLIFTime.parse(text) {
                        followUpEnds[id] = (text, location, { _ in stamp })
                    } else {
                        problem(location, "\"\(text)\" is neither an ICU-day number nor a timestamp (YYYY-MM-DDTHH:MM:SS, UTC)", rule: "date-format")
                    }
                }
            } catch {
                problem(error.problem.location, error.problem.message, rule: error.problem.rule)
            }
        }

        // Age, follow-up and the window of each study patient.
        var expiredWithoutDeath = 0
        for i in persons.indices {
            guard let stay = persons[i].stay, let h = hospitalizations[stay.hospitalization] else { continue }
            let r = h.row
            if let age = hospitalizationTable.value(r, "age_at_admission") {
                persons[i].age = (age, hospitalizationTable.at(r, "age_at_admission"))
            } else if let birth = persons[i].birthDay {
                let (by, bm, bd) = OMOPCalendar.civil(birth)
                let (ay, am, ad) = OMOPCalendar.civil(stay.start.floorDiv(86_400))
                persons[i].age = (String(ay - by - ((am, ad) < (bm, bd) ? 1 : 0)), patientTable.at(persons[i].row, "birth_date"))
            }
            if persons[i].death == nil, hospitalizationTable.value(r, "discharge_category") == "Expired",
               let discharge = time(hospitalizationTable, r, "discharge_dttm", required: false) {
                persons[i].death = discharge
                persons[i].deathLocation = hospitalizationTable.at(r, "discharge_dttm")
                expiredWithoutDeath += 1
            }
            persons[i].windowStart = stay.start.floorDiv(86_400) * 86_400
            if let death = persons[i].death {
                persons[i].followUp = (CLIFTime.dayZeroText(death), persons[i].deathLocation)
                persons[i].windowEnd = death
            } else if let end = followUpEnds[persons[i].id], let seconds = end.seconds(stay.start) {
                persons[i].followUp = (end.text, end.location)
                persons[i].windowEnd = seconds
            } else if let days = mapping.followUpDays {
                persons[i].followUp = (Self.number(days), nil)
                persons[i].windowEnd = stay.start + Int((days * 86_400).rounded())
            } else if let discharge = time(hospitalizationTable, r, "discharge_dttm", required: false) {
                persons[i].followUp = (CLIFTime.dayZeroText(discharge), hospitalizationTable.at(r, "discharge_dttm"))
                persons[i].windowEnd = discharge
            } else {
                problem(hospitalizationTable.at(r, "discharge_dttm"),
                        "patient \(persons[i].id) is alive and the hospitalization has no discharge_dttm: follow-up has no end (set follow_up_days in the mapping, or give the discharge)",
                        rule: "follow-up-missing")
            }
        }
        if expiredWithoutDeath > 0 {
            notes.append("\(expiredWithoutDeath) patient\(expiredWithoutDeath == 1 ? "" : "s") discharged Expired without patient.death_dttm: the death is read as the hospital discharge_dttm.")
        }

        /// The study patient of row `r` of `table` whose time `t` lies in the window; rows of
        /// patients without an ICU stay are not part of the study, rows outside the window are
        /// left out and counted in a note.
        func studyPerson(_ table: CLIFTable, _ r: Int, _ t: Int) -> Int? {
            guard let i = person(of: table, r), let stay = persons[i].stay else { return nil }
            if t < persons[i].windowStart {
                skip(table, r, "at \(CLIFTime.clifText(t)), before patient \(persons[i].id)'s ICU admission on \(OMOPCalendar.dateText(stay.start.floorDiv(86_400)))")
                return nil
            }
            if t > persons[i].windowEnd {
                skip(table, r, "at \(CLIFTime.clifText(t)), after the end of patient \(persons[i].id)'s follow-up at \(CLIFTime.clifText(persons[i].windowEnd))")
                return nil
            }
            return i
        }

        var measurements = StagedStudy.File("measurements.csv", ["patient_id", "time", "parameter", "value", "unit"])
        var medications = StagedStudy.File("medications.csv", ["patient_id", "drug", "time", "dose", "dose_unit"])
        var events = StagedStudy.File("events.csv", ["patient_id", "event", "time", "detail"])
        let unitNames = Dictionary((mapping.units ?? []).map { ($0.clif, $0.unit) }, uniquingKeysWith: { a, _ in a })
        func add(_ file: inout StagedStudy.File, _ cells: [(String?, CLIFLocation?)]) {
            file.add(cells.map { ($0.0, $0.1.map(Self.origin)) })
        }

        // Vitals and labs.
        var weights: [Int: [(time: Int, kg: Double)]] = [:]
        for tableName in ["vitals", "labs"] {
            guard let table = tables[tableName] else { continue }
            let isVitals = tableName == "vitals"
            var routes: [String: CLIFMapping.Parameter] = [:]
            for p in mapping.parameters where p.table == tableName { for c in p.categories { routes[c] = p } }
            let categoryColumn = isVitals ? "vital_category" : "lab_category"
            let timeColumn = isVitals ? "recorded_dttm" : "lab_collect_dttm"
            let mapped = Set(routes.keys).union(isVitals ? [mapping.weightCategory].compactMap { $0 } : [])
            for r in table.rows.indices {
                guard let c = category(table, r, categoryColumn, mapped: mapped) else { continue }
                if isVitals, c == mapping.weightCategory, let t = time(table, r, timeColumn, required: false),
                   let kg = table.value(r, "vital_value").flatMap(Double.init), let i = person(of: table, r) {
                    weights[i, default: []].append((t, kg))
                }
                guard let p = routes[c], let t = time(table, r, timeColumn), let i = studyPerson(table, r, t) else { continue }
                let valueColumn = isVitals ? "vital_value" : table.value(r, "lab_value_numeric") != nil ? "lab_value_numeric" : "lab_value"
                let value = number(table, r, valueColumn, what: "\(c) (\(p.name))")
                guard let value else { continue }
                let unit: String, unitLocation: CLIFLocation
                if isVitals {
                    unit = p.unit ?? ""
                    unitLocation = table.at(r, categoryColumn)
                } else {
                    guard let written = table.value(r, "reference_unit") else {
                        problem(table.at(r, "reference_unit"),
                                "\(c) \(value) has no unit: DayZero does not guess units. Give reference_unit (CLIF lists the unit of each lab_category)",
                                rule: "unit-missing")
                        continue
                    }
                    unit = unitNames[written] ?? written
                    unitLocation = table.at(r, "reference_unit")
                }
                add(&measurements, [
                    (persons[i].id, table.at(r, "hospitalization_id")), (CLIFTime.dayZeroText(t), table.at(r, timeColumn)),
                    (p.name, table.at(r, categoryColumn)), (value, table.at(r, valueColumn)), (unit, unitLocation),
                ])
            }
        }

        // Respiratory support: FiO2, and invasive ventilation from its device categories.
        var ventilation: [Int: (start: Int, startLocation: CLIFLocation, end: Int?, endLocation: CLIFLocation?)] = [:]
        if let table = tables["respiratory_support"] {
            let ventilated = Set(mapping.ventilation?.deviceCategories ?? [])
            var rows: [Int: [(time: Int, row: Int, device: String?)]] = [:]
            var percentRead = 0, percentExample: String?
            for r in table.rows.indices {
                let device = category(table, r, "device_category", mapped: ventilated)
                guard let t = time(table, r, "recorded_dttm"), let i = studyPerson(table, r, t) else { continue }
                rows[i, default: []].append((t, r, device))
                guard let fio2 = mapping.fio2, let text = table.value(r, "fio2_set") else { continue }
                guard let v = Double(text) else {
                    problem(table.at(r, "fio2_set"), "fio2_set \"\(text)\" is not a number (use . as the decimal separator)", rule: "value-number")
                    continue
                }
                let unit: String
                switch FiO2Rule.classify(v, declared: mapping.fio2Scale) {
                case .read(.fraction, _):
                    unit = "fraction"
                case .read(.percent, let byRange):
                    unit = "%"
                    if byRange {
                        percentRead += 1
                        if percentExample == nil { percentExample = "\(table.file):\(table.lines[r])" }
                    }
                case .contradicts(declared: .fraction):
                    problem(table.at(r, "fio2_set"),
                            "fio2_set \(text) lies in the percent range \(FiO2Rule.percentRange), but the mapping reads fio2_set as a fraction (fio2.scale: fraction, as the CLIF dictionary records it): the export mixes scales. Write it as \(v / 100), or set fio2.scale: by_range to read 21–100 as percent.",
                            rule: "fio2-scale")
                    continue
                case .contradicts(declared: .percent):
                    problem(table.at(r, "fio2_set"),
                            "fio2_set \(text) lies in the fraction range \(FiO2Rule.fractionRange), but the mapping reads fio2_set as percent (fio2.scale: percent): the export mixes scales. Write it as \(v * 100), or set fio2.scale: by_range.",
                            rule: "fio2-scale")
                    continue
                case .outOfBothRanges:
                    problem(table.at(r, "fio2_set"),
                            "fio2_set \(text) lies in neither the fraction range \(FiO2Rule.fractionRange) nor the percent range \(FiO2Rule.percentRange): it is no FiO2 on either scale. Correct it (CLIF records FiO2 as a fraction, e.g. 0.45).",
                            rule: "fio2-scale")
                    continue
                }
                add(&measurements, [
                    (persons[i].id, table.at(r, "hospitalization_id")), (CLIFTime.dayZeroText(t), table.at(r, "recorded_dttm")),
                    (fio2.parameter, table.at(r, "fio2_set")), (text, table.at(r, "fio2_set")), (unit, table.at(r, "fio2_set")),
                ])
            }
            if percentRead > 0 {
                notes.append("\(percentRead) fio2_set value\(percentRead == 1 ? "" : "s") in the percent range 21–100 read as percent (fio2.scale: by_range; CLIF records a fraction), the first at \(percentExample ?? "")")
            }
            var reintubated = 0
            for (i, list) in rows where !ventilated.isEmpty {
                let sorted = list.sorted { ($0.time, $0.row) < ($1.time, $1.row) }
                guard let first = sorted.firstIndex(where: { $0.device.map(ventilated.contains) ?? false }) else { continue }
                let start = sorted[first]
                let end = sorted[(first + 1)...].first { $0.device.map { !ventilated.contains($0) } ?? false }
                ventilation[i] = (start.time, table.at(start.row, "recorded_dttm"), end?.time, end.map { table.at($0.row, "recorded_dttm") })
                if let end, sorted.contains(where: { $0.time > end.time && ($0.device.map(ventilated.contains) ?? false) }) { reintubated += 1 }
            }
            if reintubated > 0 {
                notes.append("\(reintubated) patient\(reintubated == 1 ? " has" : "s have") more than one period of invasive ventilation; DayZero reads the first.")
            }
        }

        // Continuous medications: rates, one value per administered row; each infusion must end.
        if let table = tables["medication_admin_continuous"] {
            var routes: [String: String] = [:]
            for m in mapping.rates { for c in m.categories { routes[c] = m.name } }
            var last: [String: (row: Int, time: Int, stopped: Bool, name: String, person: Int)] = [:]
            var converted = 0
            for r in table.rows.indices {
                guard let c = category(table, r, "med_category", mapped: Set(routes.keys)), let name = routes[c] else { continue }
                guard let t = time(table, r, "admin_dttm"), let i = studyPerson(table, r, t) else { continue }
                let action = table.value(r, "mar_action_category")
                let key = "\(i) \(c)"
                if last[key].map({ ($0.time, $0.row) < (t, r) }) ?? true { last[key] = (r, t, action == "stop", name, i) }
                if action == "stop" { continue }
                if table.value(r, "mar_action_group") == "not_administered" { continue }
                guard let text = number(table, r, "med_dose", what: "the \(name) rate") else { continue }
                guard let written = table.value(r, "med_dose_unit") else {
                    problem(table.at(r, "med_dose_unit"), "the \(name) rate \(text) has no unit: give med_dose_unit (e.g. mcg/kg/min)", rule: "unit-missing")
                    continue
                }
                let spelled = unitNames[written] ?? written
                var value = text, unit = spelled
                if let rate = RateUnit(spelled), !rate.isMicrogramsPerKgPerMinute, let v = Double(text) {
                    var perKg = v * rate.factor
                    if !rate.perKg {
                        guard let kg = Self.weight(at: t, in: weights[i] ?? []) else {
                            problem(table.at(r, "med_dose_unit"),
                                    "the \(name) rate \(text) \(written) is not per kg and patient \(persons[i].id) has no weight (vitals \(mapping.weightCategory ?? "weight_kg")): DayZero needs µg/kg/min",
                                    rule: "weight-missing")
                            continue
                        }
                        perKg /= kg
                    }
                    value = "\(perKg)"
                    unit = "µg/kg/min"
                    converted += 1
                }
                add(&measurements, [
                    (persons[i].id, table.at(r, "hospitalization_id")), (CLIFTime.dayZeroText(t), table.at(r, "admin_dttm")),
                    (name, table.at(r, "med_category")), (value, table.at(r, "med_dose")), (unit, table.at(r, "med_dose_unit")),
                ])
            }
            for (_, end) in last.sorted(by: { $0.value.row < $1.value.row }) where !end.stopped {
                problem(table.at(end.row, "mar_action_category"),
                        "the \(end.name) infusion of patient \(persons[end.person].id) has no end: its last row (\(CLIFTime.clifText(end.time))) is not a stop. End each infusion with a row whose mar_action_category is stop (at the time it was stopped, or at the ICU discharge if it ran until then).",
                        rule: "infusion-end-missing")
            }
            if converted > 0 {
                notes.append("\(converted) continuous rate\(converted == 1 ? "" : "s") converted to µg/kg/min (from other amounts, per hour, or per patient with the body weight)")
            }
        }

        // Intermittent medications: drugs.
        if let table = tables["medication_admin_intermittent"] {
            var routes: [String: String] = [:]
            for m in mapping.drugs { for c in m.categories { routes[c] = m.name } }
            for r in table.rows.indices {
                guard let c = category(table, r, "med_category", mapped: Set(routes.keys)), let name = routes[c] else { continue }
                if table.value(r, "mar_action_group") == "not_administered" || table.value(r, "mar_action_category") == "not_given" { continue }
                guard let t = time(table, r, "admin_dttm"), let i = studyPerson(table, r, t) else { continue }
                let dose = table.value(r, "med_dose")
                let unit = table.value(r, "med_dose_unit").map { unitNames[$0] ?? $0 }
                add(&medications, [
                    (persons[i].id, table.at(r, "hospitalization_id")), (name, table.at(r, "med_category")),
                    (CLIFTime.dayZeroText(t), table.at(r, "admin_dttm")), (dose, table.at(r, "med_dose")),
                    (dose == nil ? nil : unit, table.at(r, "med_dose_unit")),
                ])
            }
        }

        // Microbiology: events (a culture that grew an organism), dated by collection.
        if let table = tables["microbiology_culture"] {
            for r in table.rows.indices {
                let method = category(table, r, "method_category", mapped: Set(mapping.events.flatMap(\.methodCategories)))
                guard let method, let event = mapping.events.first(where: { $0.methodCategories.contains(method) }) else { continue }
                guard let organism = table.value(r, "organism_category"), organism != "no_growth" else { continue }
                guard let t = time(table, r, "collect_dttm"), let i = studyPerson(table, r, t) else { continue }
                let detail = [table.value(r, "fluid_name"), table.value(r, "organism_name") ?? organism].compactMap { $0 }.joined(separator: ": ")
                add(&events, [
                    (persons[i].id, table.at(r, "hospitalization_id")), (event.name, table.at(r, "method_category")),
                    (CLIFTime.dayZeroText(t), table.at(r, "collect_dttm")), (detail, table.at(r, "organism_name")),
                ])
            }
        }

        // DayZero's own files for what CLIF cannot hold.
        var extraFiles: [StagedStudy.File] = []
        var baselineNames: [String] = []
        if FileManager.default.fileExists(atPath: extra.path) {
            let byID = Dictionary(persons.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
            for name in ["baseline", "measurements", "cytokines", "proteomics_samples", "proteomics"] {
                let display = "dayzero/\(name).csv"
                guard FileManager.default.fileExists(atPath: extra.appendingPathComponent("\(name).csv").path) else { continue }
                let table: CLIFTable
                do {
                    table = try CLIFFiles.read(name, in: extra, display: display)
                } catch {
                    problem(error.problem.location, error.problem.message, rule: error.problem.rule)
                    continue
                }
                func at(_ r: Int, _ c: Int) -> OMOPLocation { OMOPLocation(table: display, row: String(table.lines[r]), column: table.header[c]) }
                switch name {
                case "baseline":
                    let known = BaselineCatalog.all.map(\.name)
                    guard table.header.first == "patient_id" else {
                        problem(CLIFLocation(file: display, line: 1), "the first column must be patient_id", rule: "column-missing")
                        continue
                    }
                    for column in table.header.dropFirst() where !known.contains(column) {
                        let guess = Self.closest(column, among: known).map { " Did you mean \($0)?" } ?? ""
                        problem(CLIFLocation(file: display, line: 1, column: column),
                                "\(column) is not a DayZero baseline variable (\(known.joined(separator: ", "))).\(guess)", rule: "column-unknown")
                    }
                    baselineNames = known.filter { table.header.contains($0) }
                    var outside = 0
                    for r in table.rows.indices {
                        guard let id = table.value(r, "patient_id"), let i = byID[id], persons[i].stay != nil else {
                            outside += 1
                            continue
                        }
                        for (c, column) in table.header.enumerated().dropFirst() where baselineNames.contains(column) {
                            persons[i].baseline[column] = (table.value(r, column), at(r, c))
                        }
                    }
                    if outside > 0 {
                        notes.append("\(outside) row\(outside == 1 ? "" : "s") of \(display) name\(outside == 1 ? "s" : "") no patient with an ICU stay and \(outside == 1 ? "is" : "are") left out")
                    }
                case "measurements":
                    for column in table.header where !measurements.header.contains(column) {
                        problem(CLIFLocation(file: display, line: 1, column: column),
                                "\(column) is not a column of DayZero's measurements (\(measurements.header.joined(separator: ", ")))", rule: "column-unknown")
                    }
                    for r in table.rows.indices {
                        measurements.add(measurements.header.map { column in
                            guard let c = table.header.firstIndex(of: column) else { return (nil, nil) }
                            return (table.value(r, column), at(r, c))
                        })
                    }
                default:
                    var file = StagedStudy.File("\(name).csv", table.header)
                    for r in table.rows.indices {
                        file.add(table.header.indices.map { c in (table.value(r, table.header[c]), at(r, c)) })
                    }
                    extraFiles.append(file)
                }
            }
        }

        // Patients and ICU courses.
        var patients = StagedStudy.File("patients.csv", ["patient_id", "site", "sex", "age"] + baselineNames)
        var courses = StagedStudy.File("icu_course.csv", ["patient_id", "icu_admission", "icu_discharge", "ventilation_start", "ventilation_end", "death", "follow_up_end"])
        for (i, p) in persons.enumerated() {
            guard let stay = p.stay else { continue }
            let at = { (column: String) in patientTable.at(p.row, column) }
            if stay.site == nil {
                problem(stay.siteLocation, "the ICU row of patient \(p.id) has no hospital_id: DayZero's site is the hospital of the ICU stay", rule: "site-missing")
            }
            if p.age == nil {
                problem(at("birth_date"), "the age of patient \(p.id) cannot be known: hospitalization.age_at_admission and birth_date are both empty", rule: "age-missing")
            }
            var cells: [(String?, CLIFLocation?)] = [(p.id, at("patient_id")), (stay.site, stay.siteLocation), (p.sex, at("sex_category")), (p.age?.value, p.age?.location)]
            cells += baselineNames.map { _ in (nil, nil) }
            var row = cells.map { ($0.0, $0.1.map(Self.origin)) }
            for (k, name) in baselineNames.enumerated() {
                if let v = p.baseline[name] { row[4 + k] = v }
            }
            patients.add(row)
            let vent = ventilation[i]
            add(&courses, [
                (p.id, at("patient_id")),
                (CLIFTime.dayZeroText(stay.start), stay.startLocation), (CLIFTime.dayZeroText(stay.end), stay.endLocation),
                (vent.map { CLIFTime.dayZeroText($0.start) }, vent?.startLocation),
                (vent?.end.map(CLIFTime.dayZeroText), vent?.endLocation),
                (p.death.map(CLIFTime.dayZeroText), p.deathLocation),
                (p.followUp?.text, p.followUp?.location),
            ])
        }

        for (file, entry) in skipped.sorted(by: { $0.key < $1.key }) {
            notes.append("left out \(entry.count) row\(entry.count == 1 ? "" : "s") of \(file) outside the patients' ICU admission to end of follow-up, e.g. \(entry.examples.joined(separator: "; "))")
        }
        for seen in unknownCategories.values where seen.count > 1 && seen.index < problems.count {
            problems[seen.index].message += " (\(seen.count) rows; the first is located)"
        }
        var staged = StagedStudy()
        staged.files = [patients, courses, measurements, medications, events] + extraFiles
        staged.notes = notes
        return staged
    }

    /// The latest weight at or before `time`, else the first after it.
    static func weight(at time: Int, in weights: [(time: Int, kg: Double)]) -> Double? {
        let sorted = weights.sorted { $0.time < $1.time }
        return sorted.last(where: { $0.time <= time })?.kg ?? sorted.first?.kg
    }

    static func number(_ x: Double) -> String {
        if x == x.rounded(.down), abs(x) < 1e15 { return String(Int(x)) }
        return "\(x)"
    }
}

/// A dose rate unit (`mcg/kg/min`, `mg/hr`, `ng/kg/min`, …): the factor to µg per minute and
/// whether it is per kg.
struct RateUnit {
    var factor: Double
    var perKg: Bool
    var isMicrogramsPerKgPerMinute: Bool { perKg && factor == 1 }

    init?(_ text: String) {
        let parts = text.lowercased().replacingOccurrences(of: " ", with: "").split(separator: "/").map(String.init)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        let amounts: [String: Double] = ["mcg": 1, "µg": 1, "μg": 1, "ug": 1, "mg": 1000, "ng": 0.001, "g": 1_000_000]
        let times: [String: Double] = ["min": 1, "hr": 1.0 / 60, "h": 1.0 / 60, "hour": 1.0 / 60]
        guard let amount = amounts[parts[0]], let per = times[parts[parts.count - 1]] else { return nil }
        if parts.count == 3 {
            guard parts[1] == "kg" else { return nil }
        }
        factor = amount * per
        perKg = parts.count == 3
    }
}

extension Int {
    /// Floor division (rounds towards −∞).
    func floorDiv(_ d: Int) -> Int {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
