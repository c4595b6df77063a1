import DayZeroCohort
import Foundation

/// How a CLIF export maps onto DayZero's study: which ADT locations are the ICU, which
/// categories of which table are which DayZero parameter, rate or drug, how FiO2 is scaled,
/// which device is invasive ventilation, and when a living patient's follow-up ends. Read from
/// a YAML file (`--mapping`); the default (`CLIFMapping.defaultYAML`, written by
/// `dayzero import --clif-mapping-init`) covers the Kooistra parameters. `docs/sources.md`.
public struct CLIFMapping: Codable, Sendable, Equatable {
    /// A DayZero parameter read from `vitals` or `labs` rows of the given categories.
    public struct Parameter: Codable, Sendable, Equatable {
        public var name: String
        /// `vitals` or `labs`.
        public var table: String
        public var categories: [String]
        /// The unit, for `vitals` (whose unit the category fixes: temp_c °C, map mmHg); labs
        /// carry theirs in `reference_unit`.
        public var unit: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, table, categories, unit
        }
    }

    /// A DayZero rate (from `medication_admin_continuous`) or drug (from
    /// `medication_admin_intermittent`) read from rows of the given `med_category`s.
    public struct Medication: Codable, Sendable, Equatable {
        public var name: String
        public var categories: [String]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, categories
        }
    }

    /// A DayZero event read from `microbiology_culture`: a row of one of `method_categories`
    /// with an organism (not `no_growth`), dated by `collect_dttm`.
    public struct Event: Codable, Sendable, Equatable {
        public var name: String
        public var table: String
        public var methodCategories: [String]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, table
            case methodCategories = "method_categories"
        }
    }

    public struct ICU: Codable, Sendable, Equatable {
        /// `adt.location_category` values that are the ICU (CLIF: `icu`).
        public var locationCategories: [String]
        /// If given, only ADT rows of these `location_type`s are ICU stays.
        public var locationTypes: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case locationCategories = "location_categories"
            case locationTypes = "location_types"
        }
    }

    public struct Ventilation: Codable, Sendable, Equatable {
        /// `respiratory_support.device_category` values that are invasive ventilation (`IMV`).
        public var deviceCategories: [String]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case deviceCategories = "device_categories"
        }
    }

    public struct FiO2: Codable, Sendable, Equatable {
        /// The DayZero parameter `respiratory_support.fio2_set` is read as (`fio2`).
        public var parameter: String
        /// `fraction` (the dictionary's scale), `percent`, or `by_range` (0.21–1 a fraction,
        /// 21–100 percent, each read as such and counted in a note).
        public var scale: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case parameter, scale
        }
    }

    public struct UnitEntry: Codable, Sendable, Equatable {
        /// A unit as written in `reference_unit` or `med_dose_unit`.
        public var clif: String
        /// The unit as DayZero spells it (`docs/data-format.md`, parameter catalog).
        public var unit: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case clif, unit
        }
    }

    public var version: Int
    public var clifVersion: String
    public var icu: ICU
    /// A living patient's follow-up ends this many days after the ICU admission; without it, at
    /// the hospital discharge (`hospitalization.discharge_dttm`).
    public var followUpDays: Double?
    public var ventilation: Ventilation?
    public var fio2: FiO2?
    public var parameters: [Parameter]
    public var rates: [Medication]
    public var drugs: [Medication]
    public var events: [Event]
    public var units: [UnitEntry]?
    /// The `vitals.vital_category` of the body weight, for rates recorded without "/kg".
    public var weightCategory: String?
    /// Categories outside CLIF's mCIDE that the export holds and DayZero should leave alone.
    public var ignoreCategories: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case version
        case clifVersion = "clif_version"
        case icu
        case followUpDays = "follow_up_days"
        case ventilation, fio2, parameters, rates, drugs, events, units
        case weightCategory = "weight_category"
        case ignoreCategories = "ignore_categories"
    }

    /// Why a mapping file cannot be used (every reason, each naming the file).
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Reads a mapping file's text (`file` names it in messages) and checks it; every problem
    /// is reported at once, each at its line and column (`MappingFile`).
    public static func parse(_ text: String, file: String) throws -> CLIFMapping {
        switch MappingFile.read(CLIFMapping.self, text: text, file: file, rules: { $0.problems() }) {
        case .success(let mapping): return mapping
        case .failure(let problems): throw Problem(description: problems.description)
        }
    }

    static let scales = ["by_range", "fraction", "percent"]

    /// The declared FiO2 scale (`nil`: by range).
    var fio2Scale: FiO2Rule.Scale? {
        switch fio2?.scale {
        case "fraction": .fraction
        case "percent": .percent
        default: nil
        }
    }

    /// The rules a decoded mapping is checked against: (the path of the entry, the problem).
    func problems() -> [(path: String, message: String)] {
        var problems: [(path: String, message: String)] = []
        if version != 1 { problems.append(("version", "version \(version) is not supported (this DayZero reads version 1)")) }
        if !clifVersion.hasPrefix("2.") {
            problems.append(("clif_version", "clif_version \(clifVersion): DayZero reads CLIF 2.x (written for \(CLIFDictionary.version))"))
        }
        if icu.locationCategories.isEmpty {
            problems.append(("icu.location_categories", "icu.location_categories is empty: DayZero cannot tell which adt rows are ICU stays (CLIF: icu)"))
        }
        if let fio2, !Self.scales.contains(fio2.scale) {
            problems.append(("fio2.scale", "fio2.scale \(fio2.scale) must be one of \(Self.scales.joined(separator: ", "))"))
        }
        if let days = followUpDays, !(days > 0) {
            problems.append(("follow_up_days", "follow_up_days \(days) must be a positive number of days"))
        }
        if let ventilation, ventilation.deviceCategories.isEmpty {
            problems.append(("ventilation.device_categories", "ventilation.device_categories is empty (CLIF: IMV)"))
        }
        var seen: [String: String] = [:]  // "table category" → entry
        func claim(_ table: String, _ category: String, by entry: String, at path: String) {
            if let other = seen["\(table) \(category)"] {
                problems.append((path, "\(entry): \(table) category \(category) is already mapped to \(other): a category may mean one thing only"))
            } else {
                seen["\(table) \(category)"] = entry
            }
        }
        var names: Set<String> = []
        for (i, p) in parameters.enumerated() {
            let entry = "parameters.\(p.name)", at = "parameters[\(i)]"
            if !names.insert(p.name).inserted { problems.append((at, "parameters: \(p.name) is listed twice")) }
            if p.categories.isEmpty { problems.append((at, "\(entry) names no category")) }
            switch p.table {
            case "vitals":
                if p.unit == nil { problems.append((at, "\(entry): a vitals parameter needs its unit (the vital_category fixes it, e.g. temp_c \"°C\")")) }
            case "labs":
                if p.unit != nil { problems.append((at, "\(entry): labs carry their unit in reference_unit; remove unit (use units: to translate a spelling)")) }
            default:
                problems.append((at, "\(entry): table must be vitals or labs (FiO2 is read by fio2:, rates and drugs by rates: and drugs:)"))
            }
            for c in p.categories { claim(p.table, c, by: entry, at: at) }
        }
        for (section, table, list) in [("rates", "medication_admin_continuous", rates), ("drugs", "medication_admin_intermittent", drugs)] {
            var seenNames: Set<String> = []
            for (i, m) in list.enumerated() {
                let at = "\(section)[\(i)]"
                if !seenNames.insert(m.name).inserted { problems.append((at, "\(section): \(m.name) is listed twice")) }
                if m.categories.isEmpty { problems.append((at, "\(section).\(m.name) names no category")) }
                for c in m.categories { claim(table, c, by: "\(section).\(m.name)", at: at) }
            }
        }
        for (i, e) in events.enumerated() {
            if e.table != "microbiology_culture" { problems.append(("events[\(i)]", "events.\(e.name): table must be microbiology_culture")) }
            if e.methodCategories.isEmpty { problems.append(("events[\(i)]", "events.\(e.name) names no method category (CLIF: culture)")) }
        }
        var unitSpellings: Set<String> = []
        for (i, u) in (units ?? []).enumerated() where !unitSpellings.insert(u.clif).inserted {
            problems.append(("units[\(i)]", "units: \(u.clif) is listed twice"))
        }
        return problems
    }

    /// The built-in default mapping (the Kooistra parameters).
    public static var `default`: CLIFMapping {
        get throws { try parse(defaultYAML, file: "the default mapping") }
    }

    /// The default mapping file: CLIF 2.1's categories where the dictionary has one, and named
    /// site categories (not in CLIF's mCIDE) for the three facts it lacks that the synthetic
    /// export writes into CLIF tables (D-dimer, remdesivir, chloroquine). Everything else CLIF
    /// cannot hold is read from DayZero's own files in the export's `dayzero/` folder.
    public static let defaultYAML = """
        # DayZero CLIF mapping (docs/sources.md). Written by `dayzero import --clif-mapping-init`.
        # Categories are CLIF 2.1.0's mCIDE names (vital_category, lab_category, med_category, ...).
        # A category that is not in the mCIDE (marked "site category") is one this export adds:
        # rename it to what your site uses, or drop the entry.
        version: 1
        clif_version: "2.1.0"
        icu:
          location_categories: [icu]         # adt.location_category of ICU rows; contiguous ICU rows are one stay
          # location_types: [general_icu]    # optional: only these adt.location_type values
        follow_up_days: 90                   # a living patient's follow-up ends 90 days after ICU admission;
                                             # remove the line to end it at the hospital discharge instead
        ventilation:
          device_categories: [IMV]           # respiratory_support: invasive ventilation from the first IMV row
                                             # to the next row with another device_category
        fio2:
          parameter: fio2                    # respiratory_support.fio2_set
          scale: by_range                    # fraction (the dictionary's), percent, or by_range:
                                             # 0.21-1 read as a fraction, 21-100 as percent (counted in a note)
        weight_category: weight_kg           # vitals weight for rates recorded without /kg (mcg/min -> mcg/kg/min)
        parameters:                          # vitals and labs -> DayZero parameters (docs/data-format.md catalog)
          - {name: temperature, table: vitals, categories: [temp_c], unit: "°C"}
          - {name: map, table: vitals, categories: [map], unit: "mmHg"}
          - {name: crp, table: labs, categories: [crp]}
          - {name: wbc, table: labs, categories: [wbc]}
          - {name: platelets, table: labs, categories: [platelet_count]}
          - {name: creatinine, table: labs, categories: [creatinine]}
          - {name: bilirubin, table: labs, categories: [bilirubin_total]}
          - {name: alat, table: labs, categories: [alt]}
          - {name: asat, table: labs, categories: [ast]}
          - {name: ldh, table: labs, categories: [ldh]}
          - {name: ferritin, table: labs, categories: [ferritin]}
          - {name: procalcitonin, table: labs, categories: [procalcitonin]}
          - {name: pao2, table: labs, categories: [po2_arterial]}
          - {name: d_dimer, table: labs, categories: [d_dimer]}          # site category: CLIF 2.1 has no D-dimer
        rates:                               # medication_admin_continuous -> rate parameters (mcg/kg/min)
          - {name: norepinephrine, categories: [norepinephrine]}
        drugs:                               # medication_admin_intermittent -> DayZero drug names
          - {name: anakinra, categories: [anakinra]}
          - {name: corticosteroids, categories: [hydrocortisone, methylprednisolone, dexamethasone, prednisolone, prednisone]}
          - {name: remdesivir, categories: [remdesivir]}     # site category: not in CLIF 2.1's mCIDE
          - {name: chloroquine, categories: [chloroquine]}   # site category: not in CLIF 2.1's mCIDE
        events:
          - {name: secondary_infection, table: microbiology_culture, method_categories: [culture]}
        units: []                            # reference_unit / med_dose_unit spellings DayZero does not know, e.g.
                                             # - {clif: "x10E3/uL", unit: "10^3/uL"}
        ignore_categories: []                # categories outside the mCIDE that DayZero should leave alone

        """
}
