import DayZeroCohort
import Foundation

/// How an OMOP CDM database maps onto DayZero's study tables: which `visit_detail` rows are
/// ICU stays, which concepts are which parameter, drug, baseline variable or event, and which
/// unit concepts mean which DayZero unit. Read from a YAML file (`--mapping`); the default
/// (`OMOPMapping.defaultYAML`, written by `dayzero import --omop-mapping-init`) covers the
/// Kooistra parameters. See `docs/sources.md`.
public struct OMOPMapping: Codable, Sendable, Equatable {
    /// A DayZero name and the concepts (with their descendants in `concept_ancestor`) it is read from.
    public struct ConceptSet: Codable, Sendable, Equatable {
        public var name: String
        public var concepts: [Int]
        /// For baseline variables and events: the CDM table the rows are in.
        public var table: String?

        public init(name: String, concepts: [Int], table: String? = nil) {
            self.name = name
            self.concepts = concepts
            self.table = table
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, concepts, table
        }
    }

    public struct ICUStays: Codable, Sendable, Equatable {
        /// `visit_detail_concept_id`s that are ICU stays (e.g. 32037, Intensive Care).
        public var visitDetailConcepts: [Int]
        /// `care_site_id`s whose `visit_detail` rows are ICU stays, whatever their concept.
        public var careSites: [Int]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case visitDetailConcepts = "visit_detail_concepts"
            case careSites = "care_sites"
        }

        public init(visitDetailConcepts: [Int], careSites: [Int] = []) {
            self.visitDetailConcepts = visitDetailConcepts
            self.careSites = careSites
        }

        /// Either list may be left out (an empty list).
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            visitDetailConcepts = try c.decodeIfPresent([Int].self, forKey: .visitDetailConcepts) ?? []
            careSites = try c.decodeIfPresent([Int].self, forKey: .careSites) ?? []
        }
    }

    public struct UnitEntry: Codable, Sendable, Equatable {
        /// A `unit_concept_id`.
        public var concept: Int
        /// The unit as DayZero spells it (`docs/data-format.md`, parameter catalog).
        public var unit: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case concept, unit
        }
    }

    public struct DoseUnitEntry: Codable, Sendable, Equatable {
        /// A `dose_unit_source_value` as written in the database.
        public var source: String
        /// The unit as DayZero spells it.
        public var unit: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case source, unit
        }
    }

    public struct FiO2Rule: Codable, Sendable, Equatable {
        /// The parameter holding FiO2 (DayZero's `fio2`, a fraction).
        public var parameter: String
        /// Unit concepts meaning percent (value 21–100).
        public var percentUnits: [Int]
        /// Unit concepts meaning a fraction (value 0.21–1).
        public var fractionUnits: [Int]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case parameter
            case percentUnits = "percent_units"
            case fractionUnits = "fraction_units"
        }
    }

    public struct Proteomics: Codable, Sendable, Equatable {
        /// The `vocabulary_id` of the Olink assay concepts (name = assay, code = OlinkID,
        /// synonyms `UniProt:…` and `Panel:…`).
        public var vocabulary: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case vocabulary
        }
    }

    public var version: Int
    public var icuStays: ICUStays
    public var ventilation: [Int]
    public var units: [UnitEntry]
    public var doseUnits: [DoseUnitEntry]
    public var fio2: FiO2Rule?
    public var parameters: [ConceptSet]
    public var rates: [ConceptSet]
    public var drugs: [ConceptSet]
    public var baseline: [ConceptSet]
    public var events: [ConceptSet]
    public var cytokines: [ConceptSet]
    public var proteomics: Proteomics?
    /// `operator_concept_id`s marking a cytokine value reported below the limit of detection.
    public var belowDetection: [Int]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case version
        case icuStays = "icu_stays"
        case ventilation
        case units
        case doseUnits = "dose_units"
        case fio2
        case parameters, rates, drugs, baseline, events, cytokines, proteomics
        case belowDetection = "below_detection"
    }

    /// Why a mapping file cannot be used.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Reads a mapping file's text (`file` names it in messages) and checks it; every problem
    /// is reported at once, each at its line and column (`MappingFile`).
    public static func parse(_ text: String, file: String) throws -> OMOPMapping {
        switch MappingFile.read(OMOPMapping.self, text: text, file: file, rules: { $0.problems() }) {
        case .success(let mapping): return mapping
        case .failure(let problems): throw Problem(description: problems.description)
        }
    }

    /// The table a baseline variable or event may be read from.
    static let rowTables: Set<String> = ["condition_occurrence", "observation", "measurement", "procedure_occurrence"]

    /// The rules a decoded mapping is checked against: (the path of the entry, the problem).
    func problems() -> [(path: String, message: String)] {
        var problems: [(path: String, message: String)] = []
        if version != 1 { problems.append(("version", "version \(version) is not supported (this DayZero reads version 1)")) }
        if icuStays.visitDetailConcepts.isEmpty && icuStays.careSites.isEmpty {
            problems.append(("icu_stays", "icu_stays names no visit_detail concept and no care site: DayZero cannot tell which visit_detail rows are ICU stays"))
        }
        var unitIDs: Set<Int> = []
        for (i, u) in units.enumerated() where !unitIDs.insert(u.concept).inserted {
            problems.append(("units[\(i)]", "units: concept \(u.concept) is listed twice"))
        }
        for (section, sets) in [("parameters", parameters), ("rates", rates), ("drugs", drugs), ("baseline", baseline), ("events", events), ("cytokines", cytokines)] {
            var names: Set<String> = []
            for (i, s) in sets.enumerated() {
                let at = "\(section)[\(i)]"
                if !names.insert(s.name).inserted { problems.append((at, "\(section): \(s.name) is listed twice")) }
                if s.concepts.isEmpty { problems.append((at, "\(section).\(s.name) names no concept")) }
                if section == "baseline" || section == "events" {
                    guard let table = s.table, Self.rowTables.contains(table) else {
                        problems.append((at, "\(section).\(s.name): table must be one of \(Self.rowTables.sorted().joined(separator: ", "))"))
                        continue
                    }
                }
            }
        }
        if let fio2, !parameters.contains(where: { $0.name == fio2.parameter }) {
            problems.append(("fio2.parameter", "fio2.parameter \(fio2.parameter) is not among parameters"))
        }
        return problems
    }

    /// The built-in default mapping (the Kooistra parameters).
    public static var `default`: OMOPMapping {
        get throws { try parse(defaultYAML, file: "the default mapping") }
    }

    /// The default mapping file: the concepts `dayzero simulate --format omop` writes, which are
    /// standard OMOP concepts where one could be verified and local concepts (> 2 000 000 000)
    /// elsewhere (`docs/sources.md` lists both). Edit the ids to your database's concepts.
    public static let defaultYAML: String = {
        func list(_ ids: [Int]) -> String { "[" + ids.map(String.init).joined(separator: ", ") + "]" }
        let v = OMOPVocabulary.self
        var y = """
            # DayZero OMOP CDM 5.4 mapping (docs/sources.md). Written by `dayzero import --omop-mapping-init`.
            # Each concept set includes the concepts' descendants in concept_ancestor.
            # Ids above 2000000000 are DayZero's local concepts (no standard id could be verified):
            # replace them with your vocabulary's concepts.
            version: 1
            icu_stays:
              visit_detail_concepts: [\(v.icuVisit.id)]   # Intensive Care
              care_sites: []                   # or: the care_site_ids of your ICUs
            ventilation: [\(v.ventilation.id)]         # procedure_occurrence: ventilation via endotracheal tube
            units:                             # unit_concept_id -> DayZero's unit
            """
        y += "\n"
        for (concept, unit) in v.units {
            let replaced = concept.invalidReason == nil ? "" : " (replaced; older vocabularies hold it)"
            y += "  - {concept: \(concept.id), unit: \"\(unit)\"}   # \(concept.name)\(replaced)\n"
        }
        y += """
            dose_units:                        # drug_exposure.dose_unit_source_value -> DayZero's unit
              - {source: "ug/kg/min", unit: "µg/kg/min"}
              - {source: "mcg/kg/min", unit: "µg/kg/min"}
            fio2:                              # FiO2 as percent or fraction: normalised by unit, then by range
              parameter: fio2
              percent_units: [8554]
              fraction_units: [8523]
            parameters:                        # measurement concepts -> DayZero parameters
            """
        y += "\n"
        /// One concept-set line per entry: `- {name: N, [table: T, ]concepts: [ids]}[   # comment]`.
        func sets(_ entries: [(name: String, table: String?, concept: OMOPConcept, comment: Bool)]) {
            for e in entries { set(e.name, table: e.table, [e.concept], comment: e.comment ? e.concept.name : nil) }
        }
        func set(_ name: String, table: String? = nil, _ concepts: [OMOPConcept], comment: String?) {
            let table = table.map { "table: \($0), " } ?? ""
            y += "  - {name: \(name), \(table)concepts: \(list(concepts.map(\.id)))}" + (comment.map { "   # \($0)" } ?? "") + "\n"
        }
        func named(_ concepts: [String: OMOPConcept], table: String? = nil, comment: Bool) -> [(name: String, table: String?, concept: OMOPConcept, comment: Bool)] {
            concepts.sorted(by: { $0.key < $1.key }).map { ($0.key, table, $0.value, comment) }
        }
        sets(named(v.parameters, comment: true))
        y += "rates:                             # drug_exposure quantity read as a rate parameter\n"
        sets([("norepinephrine", nil, v.norepinephrine, false)])
        y += "drugs:                             # drug_exposure concepts (ingredients or classes) -> DayZero drug names\n"
        for (name, drug) in v.drugs.sorted(by: { $0.key < $1.key }) {
            let atc = drug.sets.map(\.code)
            let comment = drug.sets.count == 1 ? drug.sets[0].name : "ATC \(atc.first ?? "")–\(atc.last ?? ""): systemic \(name)"
            set(name, drug.sets, comment: comment)
        }
        y += "baseline:                          # baseline variables: the last row on or before the ICU admission date\n"
        sets([
            ("bmi", "measurement", v.bmi, false), ("apache_ii", "observation", v.apacheAdmission, false),
            ("symptom_days", "observation", v.symptomDays, false),
        ])
        sets(named(v.comorbidities, table: "condition_occurrence", comment: false))
        sets([
            ("immunocompromised", "condition_occurrence", v.immunocompromised, false), ("consent_refused", "observation", v.consentRefused, false),
        ])
        y += "events:\n"
        sets([("secondary_infection", "condition_occurrence", v.secondaryInfection, false)])
        y += "cytokines:\n"
        sets(named(v.cytokines, comment: false))
        y += "below_detection: \(list([v.belowDetection.id]))   # operator_concept_id of a cytokine below its limit of detection\n"
        y += "proteomics:                        # Olink assays: concepts of this vocabulary (name = assay, code = OlinkID)\n"
        y += "  vocabulary: \"\(v.olinkVocabulary)\"\n"
        return y
    }()
}
