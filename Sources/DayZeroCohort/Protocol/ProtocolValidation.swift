extension StudyProtocol {
    /// Checks the rules a protocol must follow beyond its structure, and returns every broken
    /// one (empty when the protocol is valid). Issues carry key paths; `ProtocolYAML` adds the
    /// line and column.
    ///
    /// Rules: format version 1; names non-empty and unique; every window `start ≤ end`; every
    /// parameter known to `registry` (or `sofa` / `sofa_<component>`); a parameter's `unit`, when
    /// given, is its canonical unit; a log-transformed parameter that can be zero (catalog
    /// minimum ≤ 0, SOFA) has a zero rule; a zero rule only with `log`, and its constant > 0;
    /// SOFA scores are whole numbers 0…4 and `minimum_components` is 1…(number of components);
    /// the imputation value lies in the parameter's physiological range; criteria have
    /// `on_at_least_days` ≥ 1 and not more than the days of their window; matching covariates
    /// are known, `1 ≤ ratio ≤ 20`, `caliper > 0`; exclusion names unique, their parameter
    /// rules on measured parameters only (not SOFA, not a cytokine, not the imputed
    /// temperature: those values exist only after alignment or outside `measurements.csv`);
    /// baseline variables named by rules and by `baseline:` are known and tested as their kind
    /// allows. Limits
    /// (`StudyLimits`): window ends within ±3650 days, `horizon_days` and `fixed_icu_day` at
    /// most 3650.
    ///
    /// - Parameter baseline: the study's baseline variables; `nil` when the study is not known
    ///   (`protocol check` without `--study`): names outside the built-in catalog then pass.
    public func validate(registry: ParameterRegistry = ParameterRegistry(), baseline: BaselineRegistry? = nil) -> [ProtocolIssue] {
        var v = ProtocolValidator(registry: registry, sofa: sofa, baseline: baseline)
        v.run(self)
        return v.issues
    }

    /// The `StudyLimits` the protocol breaks (windows, horizon, fixed day, matching ratio): the
    /// `too_large` issues of `validate`. The analysis checks them again for a protocol built in
    /// code, so no window or horizon can make its arithmetic overflow or its loops run away.
    public func limitIssues() -> [ProtocolIssue] {
        validate().filter { $0.kind == .tooLarge }
    }

    /// Every parameter name a protocol may use besides the registry's: `sofa` and its components.
    public var derivedParameterNames: Set<String> { Set(sofa.derivedParameterNames) }
}

struct ProtocolValidator {
    let registry: ParameterRegistry
    let derived: Set<String>
    /// The study's variables, or `nil` when the study is unknown.
    let baseline: BaselineRegistry?
    /// The parameter whose daily values `temperature_imputation` changes, if any.
    var imputedParameter: String?
    var issues: [ProtocolIssue] = []

    init(registry: ParameterRegistry, sofa: SOFADefinition, baseline: BaselineRegistry? = nil) {
        self.registry = registry
        self.derived = Set(sofa.derivedParameterNames)
        self.baseline = baseline
    }

    /// The definition of baseline variable `name` (study or built-in).
    func variable(_ name: String) -> BaselineVariable? {
        baseline?[name] ?? BaselineRegistry(declared: [])[name]
    }

    /// Reports an unknown variable name (only when the study's variables are known).
    mutating func knownVariable(_ name: String, _ path: String) {
        guard variable(name) == nil, let baseline else { return }
        let hint = nearest(name, in: baseline.allNames).map { " (did you mean \(MessageText.singleQuoted($0))?)" } ?? ""
        fail(.invalidValue, path, "unknown baseline variable \(MessageText.singleQuoted(name))\(hint): not built in and not declared in variables.csv")
    }

    mutating func fail(_ kind: ProtocolIssue.Kind, _ path: String, _ message: String) {
        issues.append(ProtocolIssue(kind: kind, path: path, message: message))
    }

    mutating func window(_ w: DayWindow, _ path: String) {
        let limit = StudyLimits.maximumWindowDay
        if !(-limit...limit).contains(w.start) || !(-limit...limit).contains(w.end) {
            fail(.tooLarge, path, "window \(w) reaches beyond day ±\(limit); a window lies within days -\(limit) to \(limit) (ten years either side of day 0)")
        } else if w.start > w.end {
            fail(.windowOrder, path, "window start \(w.start) is after its end \(w.end)")
        }
    }

    mutating func nonEmpty(_ s: String, _ path: String, _ what: String) {
        if s.trimmingSpaces.isEmpty { fail(.invalidValue, path, "\(what) must not be empty") }
    }

    /// Whether `name` is a known parameter (catalog, study-declared or derived).
    func isKnown(_ name: String) -> Bool { registry[name] != nil || derived.contains(name) }

    mutating func knownParameter(_ name: String, _ path: String) {
        guard !isKnown(name) else { return }
        let candidates = Array(registry.definitions.keys).sorted() + derived.sorted()
        let hint = nearest(name, in: candidates).map { " (did you mean \(MessageText.singleQuoted($0))?)" } ?? ""
        fail(.unknownParameter, path, "unknown parameter \(MessageText.singleQuoted(name))\(hint)")
    }

    /// True when the parameter may be zero (catalog minimum ≤ 0; SOFA scores).
    func canBeZero(_ name: String) -> Bool {
        if derived.contains(name) { return true }
        return registry[name]?.canBeZero ?? false
    }

    mutating func run(_ p: StudyProtocol) {
        if p.formatVersion != StudyProtocol.currentFormatVersion {
            fail(.invalidValue, "dayzero_protocol",
                 "protocol format \(p.formatVersion) is not supported (this version reads format \(StudyProtocol.currentFormatVersion))")
        }
        nonEmpty(p.name, "name", "name")
        nonEmpty(p.treatment.drug, "treatment.drug", "the treatment drug")
        imputedParameter = p.temperatureImputation?.parameter
        exclusions(p.exclusions)
        if let sections = p.baseline { baselineSections(sections) }
        if let g = p.groups {
            nonEmpty(g.treated, "groups.treated", "the treated group's label")
            nonEmpty(g.control, "groups.control", "the control group's label")
        }
        alignment(p.alignment)
        window(p.windows.serial, "windows.serial")
        window(p.windows.cytokines, "windows.cytokines")
        parameters(p.parameters)
        if let imp = p.temperatureImputation { imputation(imp) }
        if let s = p.sofaDefinition { sofa(s) }
        medications(p.medications, treatment: p.treatment.drug)
        if let settings = p.proteomicsSettings { proteomics(settings) }
        outcomes(p.outcomes)
        analysisSets(p.analysisSets)
        timeSettings(p)
        if let r = p.report { reportWords(r) }
        if let m = p.multiSite { multiSite(m, alignment: p.alignment) }
    }

    /// The report's words for the study's anchor and span: short phrases (they are set into
    /// captions and axis ticks).
    mutating func reportWords(_ r: ReportSettings) {
        for (value, key, limit) in [(r.admission, "admission", 60), (r.stay, "stay", 60), (r.admissionAbbreviation, "admission_abbreviation", 8),
                                    (r.otherParameters, "other_parameters", 60)] {
            guard let value else { continue }
            nonEmpty(value, "report.\(key)", "report.\(key)")
            if value.count > limit {
                fail(.invalidValue, "report.\(key)", "report.\(key) is \(value.count) characters long; at most \(limit) fit the report's captions and axes")
            }
        }
    }

    /// Reports every repeat of a name; `nameKey` is the key holding the name inside each entry.
    mutating func duplicates(_ names: [String], _ path: String, _ what: String, nameKey: String? = nil) {
        var seen = Set<String>()
        for (i, n) in names.enumerated() where !seen.insert(n).inserted {
            fail(.invalidValue, "\(path)[\(i)]" + (nameKey.map { "." + $0 } ?? ""), "\(what) \(MessageText.singleQuoted(n)) is listed twice")
        }
    }

    mutating func exclusions(_ rules: [ExclusionRule]) {
        duplicates(rules.map(\.name), "exclusions", "exclusion", nameKey: "name")
        for (i, r) in rules.enumerated() {
            let path = "exclusions[\(i)]"
            if r.name.isEmpty || !r.name.unicodeScalars.allSatisfy(isNameScalar) {
                fail(.invalidValue, "\(path).name", "an exclusion name uses lower-case letters, digits, - and _ only, found \(MessageText.singleQuoted(r.name))")
            }
            if ["no_icu_course", "not_in_icu_on_alignment_day"].contains(r.name) {
                fail(.invalidValue, "\(path).name", "\(MessageText.singleQuoted(r.name)) is the name of a built-in step of the flow; choose another")
            }
            nonEmpty(r.label, "\(path).label", "an exclusion's label")
            criterion(r.rule, "\(path).if", beforeAlignment: true)
        }
    }

    mutating func baselineSections(_ sections: [BaselineSection]) {
        var seen = Set<String>()
        for (i, section) in sections.enumerated() {
            let path = "baseline[\(i)]"
            nonEmpty(section.title, "\(path).title", "a section title")
            for (j, name) in section.variables.enumerated() {
                if !seen.insert(name).inserted {
                    fail(.invalidValue, "\(path).variables[\(j)]", "variable \(MessageText.singleQuoted(name)) is listed twice in baseline")
                }
                if baseline == nil, variable(name) == nil { continue }
                knownVariable(name, "\(path).variables[\(j)]")
            }
        }
    }

    mutating func alignment(_ a: AlignmentRule) {
        switch a.controls {
        case .fixedICUDay:
            if let d = a.fixedICUDay {
                if d < 0 { fail(.invalidValue, "alignment.fixed_icu_day", "fixed_icu_day must be 0 or later, found \(d)") }
                if d > StudyLimits.maximumHorizonDays {
                    fail(.tooLarge, "alignment.fixed_icu_day",
                         "fixed_icu_day must be at most \(StudyLimits.maximumHorizonDays) (ten years), found \(d)")
                }
            } else {
                fail(.missingKey, "alignment", "controls: fixed_icu_day needs fixed_icu_day: N")
            }
        case .treatedMedianStartDay:
            if a.fixedICUDay != nil {
                fail(.invalidValue, "alignment.fixed_icu_day", "fixed_icu_day is only used with controls: fixed_icu_day")
            }
        }
    }

    mutating func parameters(_ rules: [ParameterRule]) {
        duplicates(rules.map(\.name), "parameters", "parameter", nameKey: "name")
        for (i, r) in rules.enumerated() {
            let path = "parameters[\(i)]"
            knownParameter(r.name, "\(path).name")
            if let w = r.window { window(w, "\(path).window") }
            if let unit = r.unit {
                let canonical = derived.contains(r.name) ? "points" : registry[r.name]?.unit
                if let canonical, UnitSpelling.key(unit) != UnitSpelling.key(canonical) {
                    fail(.unitMismatch, "\(path).unit",
                         "unit \(MessageText.singleQuoted(unit)) is not the canonical unit of \(r.name) (\(MessageText.singleQuoted(canonical))); values are analysed in the canonical unit")
                }
            }
            if derived.contains(r.name), r.aggregation != nil {
                fail(.invalidValue, "\(path).aggregation", "\(r.name) is derived once per day; aggregation does not apply")
            }
            if let display = r.displayUnit {
                if derived.contains(r.name) {
                    if UnitSpelling.key(display) != "points" {
                        fail(.unitMismatch, "\(path).display_unit", "\(r.name) is a score in points; display_unit must be points, found \(MessageText.singleQuoted(display))")
                    }
                } else if let def = registry[r.name], def.conversion(for: display) == nil {
                    fail(.unitMismatch, "\(path).display_unit",
                         "display_unit \(MessageText.singleQuoted(display)) is not a unit of \(r.name); \(r.name) accepts: \(def.acceptedUnits.joined(separator: ", "))")
                }
            }
            if let section = r.section {
                if section == .sofa, derived.isEmpty {
                    fail(.invalidValue, "\(path).section", "section sofa needs a sofa: definition; use inflammation or other")
                }
                if registry[r.name]?.kind == .cytokine {
                    fail(.invalidValue, "\(path).section", "\(r.name) is a cytokine and is shown in the cytokine figure; section does not apply")
                }
            }
            switch (r.transform, r.zeroRule) {
            case (.log, nil) where isKnown(r.name) && canBeZero(r.name):
                fail(.missingZeroRule, path,
                     "\(r.name) can be zero and is log-transformed: declare zero_rule (exclude_zeros, {add_constant: c} or {replace_zeros_with: v})")
            case (.none, _?):
                fail(.invalidValue, "\(path).zero_rule", "zero_rule only applies with transform: log")
            case (.log, .addConstant(let c)?) where !(c > 0):
                fail(.invalidValue, "\(path).zero_rule.add_constant", "add_constant must be greater than 0, found \(formatNumber(c))")
            case (.log, .replaceZerosWith(let v)?) where !(v > 0):
                fail(.invalidValue, "\(path).zero_rule.replace_zeros_with", "replace_zeros_with must be greater than 0, found \(formatNumber(v))")
            default: break
            }
        }
    }

    mutating func imputation(_ r: TemperatureImputationRule) {
        knownParameter(r.parameter, "temperature_imputation.parameter")
        knownParameter(r.flag, "temperature_imputation.flag")
        if r.lowerOnly, r.imputeUnmeasuredDays {
            fail(.invalidValue, "temperature_imputation.lower_only",
                 "lower_only replaces only a measured value above the imputed value, so it creates none: set impute_unmeasured_days: false")
        }
        if let written = r.writtenValue {
            let before = issues.count
            writtenQuantity(written, value: r.value, parameter: r.parameter, "temperature_imputation.value")
            if issues.count > before { return }  // the value is not in the canonical unit: no range check
        }
        if let def = registry[r.parameter], !(r.value >= def.minimum && r.value <= def.maximum) {
            fail(.invalidValue, "temperature_imputation.value",
                 "imputed value \(formatNumber(r.value)) is outside the range of \(r.parameter) [\(formatNumber(def.minimum)), \(formatNumber(def.maximum))] \(def.unit)")
        }
    }

    /// A number written with a unit: the unit must be one of the parameter's (as the study
    /// declares it), and the value read must be that unit's conversion to the canonical unit.
    mutating func writtenQuantity(_ written: WrittenQuantity, value: Double, parameter: String, _ path: String) {
        guard isKnown(parameter) else { return }  // reported as an unknown parameter
        switch ProtocolUnits.resolve(written, parameter: parameter, definition: registry[parameter]) {
        case .canonical(let x) where x == value: break
        case .canonical(let x):
            fail(.unitMismatch, path,
                 "\(MessageText.singleQuoted("\(written)")) is \(formatNumber(x)) \(registry[parameter]?.unit ?? "") as the study declares \(parameter), not \(formatNumber(value)) as the catalog gives; write the value in the study's unit")
        case .unresolved: break
        case .rejected(let message): fail(.unitMismatch, path, message)
        }
    }

    mutating func sofa(_ s: SOFADefinition) {
        nonEmpty(s.reference, "sofa.reference", "the SOFA reference")
        if s.components.isEmpty { fail(.invalidValue, "sofa.components", "SOFA needs at least one component") }
        let m = s.missingComponents.minimumComponents
        if m < 1 || m > max(1, s.components.count) {
            fail(.invalidValue, "sofa.missing_components.minimum_components",
                 "minimum_components must be between 1 and the number of components (\(s.components.count)), found \(m)")
        }
        if let n = s.missingComponents.carryForwardDays {
            if s.missingComponents.policy != .carryForward {
                fail(.invalidValue, "sofa.missing_components.carry_forward_days",
                     "carry_forward_days applies only with policy carry_forward, found policy \(s.missingComponents.policy.rawValue)")
            } else if n < 1 {
                fail(.invalidValue, "sofa.missing_components.carry_forward_days", "carry_forward_days must be at least 1, found \(n)")
            }
        }
        duplicates(s.components.map(\.name), "sofa.components", "SOFA component", nameKey: "name")
        for (i, c) in s.components.enumerated() {
            let path = "sofa.components[\(i)]"
            if c.name.isEmpty || !c.name.unicodeScalars.allSatisfy({ isNameScalar($0) && $0 != "-" }) {
                fail(.invalidValue, "\(path).name", "a component name uses lower-case letters, digits and _ only, found \(MessageText.singleQuoted(c.name))")
            }
            if c.inputs.isEmpty { fail(.invalidValue, "\(path).inputs", "component \(MessageText.singleQuoted(c.name)) needs at least one input") }
            for (j, input) in c.inputs.enumerated() {
                let ip = "\(path).inputs[\(j)]"
                if derived.contains(input.parameter) {
                    fail(.invalidValue, "\(ip).parameter", "a SOFA input cannot be a SOFA score")
                } else {
                    knownParameter(input.parameter, "\(ip).parameter")
                }
                if input.bands.isEmpty { fail(.invalidValue, "\(ip).bands", "an input needs at least one band") }
                for (k, band) in input.bands.enumerated() where !(0...4).contains(band.score) {
                    fail(.invalidValue, "\(ip).bands[\(k)].score", "a SOFA score is 0 to 4, found \(band.score)")
                }
            }
        }
    }

    mutating func medications(_ m: MedicationSettings, treatment: String) {
        window(m.before, "medications.before")
        window(m.after, "medications.after")
        duplicates(m.drugs.map { $0.lowercased() }, "medications.drugs", "drug")
        for (i, d) in m.drugs.enumerated() { nonEmpty(d, "medications.drugs[\(i)]", "a drug name") }
    }

    mutating func proteomics(_ settings: ProteomicsSettings) {
        if !(settings.relevanceFoldChange >= 1) {
            fail(.invalidValue, "proteomics.relevance_fold_change",
                 "a fold change line is at least 1, found \(settings.relevanceFoldChange)")
        }
        if !(settings.significanceP > 0 && settings.significanceP < 1) {
            fail(.invalidValue, "proteomics.significance_p", "a p-value threshold is between 0 and 1, found \(settings.significanceP)")
        }
    }

    mutating func outcomes(_ o: OutcomeSettings) {
        if o.horizonDays < 1 { fail(.invalidValue, "outcomes.horizon_days", "horizon_days must be at least 1, found \(o.horizonDays)") }
        if o.horizonDays > StudyLimits.maximumHorizonDays {
            fail(.tooLarge, "outcomes.horizon_days",
                 "horizon_days must be at most \(StudyLimits.maximumHorizonDays) (ten years), found \(o.horizonDays)")
        }
        nonEmpty(o.secondaryInfectionEvent, "outcomes.secondary_infection_event", "the secondary-infection event")
        if let measures = o.measures { outcomeMeasures(measures) }
    }

    mutating func outcomeMeasures(_ measures: [OutcomeMeasure]) {
        if measures.isEmpty { fail(.invalidValue, "outcomes.measures", "measures needs at least one outcome (or leave it out)") }
        duplicates(measures.map(\.name), "outcomes.measures", "outcome", nameKey: "name")
        for (i, m) in measures.enumerated() {
            let path = "outcomes.measures[\(i)]"
            if m.name.isEmpty || !m.name.unicodeScalars.allSatisfy(isNameScalar) {
                fail(.invalidValue, "\(path).name", "an outcome name uses lower-case letters, digits, - and _ only, found \(MessageText.singleQuoted(m.name))")
            }
            nonEmpty(m.label, "\(path).label", "an outcome's label")
            if let h = m.horizonDays {
                if h < 1 { fail(.invalidValue, "\(path).horizon_days", "horizon_days must be at least 1, found \(h)") }
                if h > StudyLimits.maximumHorizonDays {
                    fail(.tooLarge, "\(path).horizon_days",
                         "horizon_days must be at most \(StudyLimits.maximumHorizonDays) (ten years), found \(h)")
                }
            }
            switch m.kind {
            case .timeToEvent, .binary:
                if let e = m.event { nonEmpty(e, "\(path).event", "the event") } else {
                    fail(.missingKey, path, "a \(m.kind.rawValue) outcome needs event: death or an events.csv kind")
                }
                if m.of != nil { fail(.invalidValue, "\(path).of", "of is for duration and free_days outcomes") }
                if let c = m.competing {
                    if m.kind == .binary { fail(.invalidValue, "\(path).competing", "competing is for time_to_event outcomes") }
                    nonEmpty(c, "\(path).competing", "the competing event")
                    if c == m.event { fail(.invalidValue, "\(path).competing", "the competing event must differ from the event") }
                }
            case .duration, .freeDays:
                if m.of == nil { fail(.missingKey, path, "a \(m.kind.rawValue) outcome needs of: ventilation or icu_stay") }
                if m.event != nil || m.competing != nil {
                    fail(.invalidValue, path, "event and competing are for time_to_event and binary outcomes")
                }
                if m.horizonDays != nil {
                    fail(.invalidValue, "\(path).horizon_days", "\(m.kind.rawValue) outcomes use outcomes.horizon_days")
                }
            }
        }
    }

    mutating func analysisSets(_ sets: [AnalysisSetRule]) {
        if sets.isEmpty { fail(.invalidValue, "analysis_sets", "at least one analysis set is needed") }
        duplicates(sets.map(\.name), "analysis_sets", "analysis set", nameKey: "name")
        for (i, s) in sets.enumerated() {
            let path = "analysis_sets[\(i)]"
            if s.name.isEmpty || !s.name.unicodeScalars.allSatisfy(isNameScalar) {
                fail(.invalidValue, "\(path).name", "a set name uses lower-case letters, digits, - and _ only, found \(MessageText.singleQuoted(s.name))")
            }
            if s.propensityMatching != nil, s.weighting != nil {
                fail(.invalidValue, "\(path).weighting", "a set is either propensity-matched or weighted, not both")
            }
            if let m = s.propensityMatching {
                if s.includeIf != nil || s.excludeIf != nil || s.appliesTo != .all {
                    fail(.invalidValue, "\(path).propensity_matching",
                         "a propensity-matched set has no applies_to, include_if or exclude_if")
                }
                matching(m, "\(path).propensity_matching")
            } else if let w = s.weighting {
                if s.includeIf != nil || s.excludeIf != nil || s.appliesTo != .all {
                    fail(.invalidValue, "\(path).weighting", "a weighted set has no applies_to, include_if or exclude_if")
                }
                weighting(w, "\(path).weighting")
            } else if s.appliesTo != .all, s.includeIf == nil, s.excludeIf == nil {
                fail(.invalidValue, "\(path).applies_to", "applies_to has no effect without include_if or exclude_if")
            }
            if let c = s.includeIf { criterion(c, "\(path).include_if") }
            if let c = s.excludeIf { criterion(c, "\(path).exclude_if") }
        }
    }

    mutating func criterion(_ c: Criterion, _ path: String, beforeAlignment: Bool = false) {
        switch c {
        case .anyOf(let rules), .allOf(let rules):
            let key = { if case .anyOf = c { return "any_of" } else { return "all_of" } }()
            if rules.isEmpty { fail(.invalidValue, "\(path).\(key)", "\(key) needs at least one rule") }
            for (i, r) in rules.enumerated() { criterion(r, "\(path).\(key)[\(i)]", beforeAlignment: beforeAlignment) }
        case .not(let r):
            criterion(r, "\(path).not", beforeAlignment: beforeAlignment)
        case .variable(let v):
            variableCriterion(v, path)
        case .event(let e):
            nonEmpty(e.event, "\(path).event", "the event kind")
            window(e.window, "\(path).window")
        case .drug(let d):
            nonEmpty(d.drug, "\(path).drug", "the drug name")
            dayCount(d.onAtLeastDays, d.window, path)
        case .parameter(let p):
            if beforeAlignment, !measuredBeforeAlignment(p.parameter, "\(path).parameter") { return }
            knownParameter(p.parameter, "\(path).parameter")
            if let written = p.threshold.written {
                writtenQuantity(written, value: p.threshold.value, parameter: p.parameter, "\(path).\(p.threshold.comparison.rawValue)")
            }
            if derived.contains(p.parameter), p.aggregation != nil {
                fail(.invalidValue, "\(path).aggregation", "\(p.parameter) is derived once per day; aggregation does not apply")
            }
            dayCount(p.onAtLeastDays, p.window, path)
        }
    }

    /// Whether an exclusion (decided before alignment, on the rows of `measurements.csv`) may
    /// read parameter `name`; reports why not. An unknown name passes here (the parameter
    /// rule's own check reports it).
    mutating func measuredBeforeAlignment(_ name: String, _ path: String) -> Bool {
        let why: String
        if derived.contains(name) {
            why = "\(name) is derived: SOFA is scored from the daily values of the analysed patients, after alignment, so an exclusion (decided before alignment, on measurements.csv) cannot read it"
        } else if registry[name]?.kind == .cytokine {
            why = "\(name) is a cytokine (cytokines.csv); an exclusion's parameter rule reads measurements.csv"
        } else if name == imputedParameter {
            why = "\(name) is imputed (temperature_imputation) in the daily values of the analysed patients, after alignment, so an exclusion (decided before alignment, on measurements.csv) cannot read its imputed values"
        } else {
            return true
        }
        fail(.invalidValue, path, why + "; use the rule in an analysis set's exclude_if")
        return false
    }

    mutating func variableCriterion(_ v: VariableCriterion, _ path: String) {
        knownVariable(v.variable, "\(path).variable")
        guard let definition = variable(v.variable) else { return }
        switch v.test {
        case .unknown: break
        case .threshold:
            if definition.kind != .continuous {
                fail(.invalidValue, path, "\(MessageText.singleQuoted(v.variable)) is \(definition.kind.rawValue): compare it with is or in, not a threshold")
            }
        case .oneOf(let values):
            if definition.kind == .continuous, definition.name != "sex" {
                fail(.invalidValue, path, "\(MessageText.singleQuoted(v.variable)) is continuous: compare it with above, at_least, below or at_most")
                return
            }
            for (i, value) in values.enumerated() where VariableCriterion.code(value, definition: definition) == nil {
                let accepted = definition.name == "sex" ? "M, F"
                    : definition.kind == .binary ? "1, 0 (or yes, no)" : definition.levels.joined(separator: ", ")
                fail(.invalidValue, values.count == 1 ? "\(path).is" : "\(path).in[\(i)]",
                     "\(MessageText.singleQuoted(value)) is not a value of \(v.variable) (accepted: \(accepted))")
            }
        }
    }

    mutating func dayCount(_ n: Int, _ w: DayWindow, _ path: String) {
        window(w, "\(path).window")
        if n < 1 {
            fail(.invalidValue, "\(path).on_at_least_days", "on_at_least_days must be at least 1, found \(n)")
        } else if w.start <= w.end, w.start >= -StudyLimits.maximumWindowDay, w.end <= StudyLimits.maximumWindowDay,
                  n > w.end - w.start + 1 {
            fail(.invalidValue, "\(path).on_at_least_days",
                 "on_at_least_days \(n) exceeds the \(w.end - w.start + 1) days of window \(w)")
        }
    }

    mutating func matching(_ m: MatchingSettings, _ path: String) {
        propensityCovariates(m.covariates, path, what: "matching")
        if m.ratio < 1 { fail(.invalidValue, "\(path).ratio", "ratio must be at least 1, found \(m.ratio)") }
        if m.ratio > StudyLimits.maximumMatchingRatio {
            fail(.tooLarge, "\(path).ratio",
                 "ratio must be at most \(StudyLimits.maximumMatchingRatio) controls per treated patient, found \(m.ratio)")
        }
        if let c = m.caliper, !(c > 0) {
            fail(.invalidValue, "\(path).caliper", "caliper must be greater than 0, found \(formatNumber(c))")
        }
    }
}

extension ProtocolValidator {
    /// The covariates of a propensity model (matching or weighting): at least one, known, no repeats.
    mutating func propensityCovariates(_ covariates: [String], _ path: String, what: String) {
        if covariates.isEmpty { fail(.invalidValue, "\(path).covariates", "\(what) needs at least one covariate") }
        let known = MatchingSettings.patientCovariates + Comorbidity.allCases.map(\.rawValue)
        for (i, name) in covariates.enumerated() where !known.contains(name) {
            let hint = nearest(name, in: known).map { " (did you mean \(MessageText.singleQuoted($0))?)" } ?? ""
            fail(.invalidValue, "\(path).covariates[\(i)]", "unknown covariate \(MessageText.singleQuoted(name))\(hint); known: \(known.joined(separator: ", "))")
        }
        duplicates(covariates, "\(path).covariates", "covariate")
    }

    /// A weighted set's settings: the covariates and a trimming quantile strictly between 0.5 and 1.
    mutating func weighting(_ w: WeightingSettings, _ path: String) {
        propensityCovariates(w.covariates, path, what: "weighting")
        if let t = w.trim, !(t > 0.5 && t < 1) {
            fail(.invalidValue, "\(path).trim",
                 "trim is the quantile above which weights are trimmed (WeightIt's trim(at =)); it must be above 0.5 and below 1, found \(formatNumber(t))")
        }
    }
}

/// Lower-case ASCII letters, digits, `-` and `_`.
private func isNameScalar(_ s: Unicode.Scalar) -> Bool {
    ("a"..."z").contains(s) || ("0"..."9").contains(s) || s == "-" || s == "_"
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines (Foundation-free).
    var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
