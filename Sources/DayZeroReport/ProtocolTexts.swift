import DayZeroAnalysis
import DayZeroCohort

/// How the controls' day 0 was chosen, for the flow caption and the methods.
public struct ControlAlignmentText: Sendable, Equatable {
    public enum Rule: Sendable, Equatable {
        /// The median of the treated patients' start days, made whole by `rounding`.
        case treatedMedian(rounding: MedianRounding)
        /// One ICU day set by the protocol.
        case fixedICUDay(Int)
    }

    public var rule: Rule
    /// Controls no longer in the ICU on their day 0 are excluded.
    public var excludesControlsNotInICU: Bool

    public init(rule: Rule, excludesControlsNotInICU: Bool) {
        self.rule = rule
        self.excludesControlsNotInICU = excludesControlsNotInICU
    }

    /// The reason for the controls' day, after "Controls are aligned on ICU day N" (or the
    /// study's words for it, `StudyWording.anchorPeriod`): e.g. ", the median start day of the
    /// treated group (a median between two days is rounded down)"; "day" is the time axis' unit.
    func reason(_ w: StudyWording = .icu) -> String {
        switch rule {
        case .fixedICUDay:
            return ", the fixed \(w.period) set by the protocol"
        case .treatedMedian(let rounding):
            let how: String
            switch rounding {
            case .halfDown: how = "a median between two \(w.periods) is rounded down"
            case .halfUp: how = "a median between two \(w.periods) is rounded up"
            case .lowerMiddle: how = "with an even count, the lower of the two middle \(w.periods)"
            case .upperMiddle: how = "with an even count, the upper of the two middle \(w.periods)"
            }
            return ", the median start \(w.period) of the treated group (\(how))"
        }
    }
}

/// What a protocol configures, so that the report can say why a section is left out.
public struct ProtocolScope: Sendable, Equatable {
    /// The protocol analyses at least one cytokine parameter.
    public var cytokineParameters: Bool
    /// The protocol lists medication drugs (`medications.drugs`).
    public var medicationDrugs: Bool
    /// The protocol defines a SOFA score (`sofa:`).
    public var sofa: Bool

    public init(cytokineParameters: Bool, medicationDrugs: Bool, sofa: Bool) {
        self.cytokineParameters = cytokineParameters
        self.medicationDrugs = medicationDrugs
        self.sofa = sofa
    }
}

extension ReportOptions {
    /// The options for a study analysed under `studyProtocol`: its title, group labels,
    /// name and canonical text, and every text that follows from it (alignment rule, figure
    /// references, kinetics sections, display units, what is configured). `registry` holds the
    /// study's parameters (catalog and `parameters.csv`).
    public init(
        protocol studyProtocol: StudyProtocol, registry: ParameterRegistry = ParameterRegistry(), studyName: String? = nil,
        methodNotes: [String] = [], methodDescriptions: [String: String] = [:]
    ) {
        let labels = studyProtocol.groupLabels
        self.init(
            title: studyProtocol.title ?? "DayZero report", studyName: studyName,
            groupLabels: ["treated": labels.treated, "control": labels.control],
            protocolName: studyProtocol.name, protocolText: try? ProtocolYAML.encode(studyProtocol),
            methodNotes: methodNotes, methodDescriptions: methodDescriptions)
        paperFigureReferences = studyProtocol.reportSettings.paperFigureReferences
        wording = StudyWording(protocol: studyProtocol)
        timeAxisRule = Self.timeAxisRule(studyProtocol.timeAxis, wording: wording)
        otherParametersTitle = studyProtocol.reportSettings.otherParameters?.trimmingCharactersInWhitespace()
        let a = studyProtocol.alignment
        switch a.controls {
        case .treatedMedianStartDay:
            controlAlignment = ControlAlignmentText(
                rule: .treatedMedian(rounding: a.medianRounding), excludesControlsNotInICU: a.excludeControlsNotInICU)
        case .fixedICUDay:
            controlAlignment = a.fixedICUDay.map {
                ControlAlignmentText(rule: .fixedICUDay($0), excludesControlsNotInICU: a.excludeControlsNotInICU)
            }
        }
        protocolScope = ProtocolScope(
            cytokineParameters: studyProtocol.parameters.contains { registry[$0.name]?.kind == .cytokine },
            medicationDrugs: !studyProtocol.medications.drugs.isEmpty,
            sofa: studyProtocol.sofaDefinition != nil)
        for rule in studyProtocol.parameters {
            kineticsSections[rule.name.lowercased()] = Self.section(of: rule, protocol: studyProtocol)
            if let unit = rule.displayUnit, let conversion = registry[rule.name]?.conversion(for: unit),
               conversion != registry[rule.name]?.canonical {
                // Shown as written in the protocol when it is a spelling of the unit.
                var shown = conversion
                shown.unit = unit.trimmingCharactersInWhitespace()
                displayUnits[rule.name] = shown
            }
        }
    }

    /// The time axis' mapping rule as the methods state it; `nil` for the ICU day (P = 1, floor).
    static func timeAxisRule(_ axis: TimeAxis, wording w: StudyWording) -> String? {
        guard !axis.isICUDay else { return nil }
        // The period exactly as the protocol holds it (Swift's shortest round-trip digits).
        var p = "\(axis.periodDays)"
        if p.hasSuffix(".0") { p.removeLast(2) }
        let rule: String
        switch axis.rounding {
        case .floor:
            rule = "⌊t / \(p)⌋, the \(w.period) that contains it"
        case .nearest:
            rule = "⌊t / \(p) + ½⌋, the \(w.period) whose centre is nearest (an exact half rounds up)"
        }
        return "Time axis: one \(w.period) is \(p) days; a time t, in days since \(w.admission), lies in \(w.period) \(rule). "
            + "Every time that becomes a \(w.period) number (measurements, samples, treatment start, events) follows this rule; "
            + "several values of a parameter in one \(w.period) are combined by its aggregation rule."
    }

    /// The report section of a parameter's kinetics panel: the rule's `section:`; else SOFA for
    /// the SOFA score, its components and its inputs when the protocol defines SOFA; else the
    /// built-in name lists (the paper's inflammation markers); else "other parameters".
    static func section(of rule: ParameterRule, protocol p: StudyProtocol) -> KineticsGroup {
        if let section = rule.section {
            switch section {
            case .inflammation: return .inflammation
            case .sofa: return .sofa
            case .other: return .other
            }
        }
        if let sofa = p.sofaDefinition {
            let names = Set(sofa.derivedParameterNames + sofa.components.flatMap { $0.inputs.map(\.parameter) })
            if names.contains(rule.name) { return .sofa }
        }
        let builtIn = KineticsGroup.builtIn(rule.name)
        return builtIn == .sofa ? .other : builtIn
    }
}
