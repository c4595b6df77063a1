import DayZeroCohort

/// What a report shows besides the results: titles, group display names, the protocol text for
/// the methods section and the texts that depend on the protocol (alignment rule, paper figure
/// references, report sections, display units; `ReportOptions(protocol:…)` fills them from a
/// protocol). The defaults give a complete report that claims nothing about the protocol;
/// nothing here can add a patient identifier (the results carry none).
public struct ReportOptions: Sendable, Equatable {
    /// The document title (`<title>` and the first heading).
    public var title: String
    /// An optional study name shown under the title.
    public var studyName: String?
    /// The group name (as used in `DayGroupStatistic.group`, `SurvivalComparison.Curve.group`
    /// and `VolcanoResults.Group.group`) of the treated group; drawn first, in vermillion.
    public var treatedGroup: String
    /// The group name of the control group; drawn second, in blue.
    public var controlGroup: String
    /// Display labels by group name (e.g. `["treated": "Anakinra"]`). Without one, the treated
    /// group shows as "Treated", the control group as "Control", others by their name.
    public var groupLabels: [String: String]
    /// The protocol's name, shown in the methods section.
    public var protocolName: String?
    /// The protocol as applied (e.g. its canonical YAML), shown verbatim in the methods section.
    public var protocolText: String?
    /// Extra paragraphs for the methods section, in order (e.g. generated from the protocol).
    public var methodNotes: [String]
    /// What each method was used for, by the method name used in
    /// `Provenance.referenceImplementations`; shown beside its R equivalent.
    public var methodDescriptions: [String: String]
    /// Captions cite the figures of Kooistra et al. 2020 ("cf. Fig. 3"); the protocol's
    /// `report.paper_figure_references`. Default `false`.
    public var paperFigureReferences: Bool = false
    /// How the controls' day 0 was chosen; `nil`: not known, the report names the day only.
    public var controlAlignment: ControlAlignmentText?
    /// The report section of each kinetics panel by parameter name (lower case); a parameter
    /// not listed goes by the built-in names (`KineticsGroup.builtIn`).
    public var kineticsSections: [String: KineticsGroup] = [:]
    /// What the protocol configures, for the methods' notes on sections left out; `nil`: not
    /// known (a section without data is then said to have no data).
    public var protocolScope: ProtocolScope?
    /// The unit each parameter is shown in, by parameter name: its conversion from the
    /// canonical unit (`UnitConversion.fromCanonical`). Results stay in canonical units; the
    /// report converts kinetics axes, tooltips and Table 1 values of these parameters.
    public var displayUnits: [String: UnitConversion] = [:]
    /// The words for the study's anchor, span and time unit (`report.admission`, `report.stay`,
    /// `time_axis.unit`); the ICU day's by default.
    public var wording: StudyWording = .icu
    /// The time axis' mapping rule in words, for the methods (`nil` on the ICU-day axis, where
    /// a time's day is its ICU day).
    public var timeAxisRule: String?
    /// The heading of the "other parameters" kinetics section (`report.other_parameters`).
    public var otherParametersTitle: String?
    /// How Kaplan–Meier panels are drawn (confidence bands, median lines, cumulative events, y titles).
    public var survivalFigure = SurvivalFigureOptions()
    /// Files written beside the report and listed in its last section (e.g. the OMOP concept
    /// mapping a study was read with), after `protocol.yaml`.
    public var attachments: [ReportAttachment] = []

    public init(
        title: String = "DayZero report", studyName: String? = nil, treatedGroup: String = "treated",
        controlGroup: String = "control", groupLabels: [String: String] = [:], protocolName: String? = nil,
        protocolText: String? = nil, methodNotes: [String] = [], methodDescriptions: [String: String] = [:]
    ) {
        self.title = title
        self.studyName = studyName
        self.treatedGroup = treatedGroup
        self.controlGroup = controlGroup
        self.groupLabels = groupLabels
        self.protocolName = protocolName
        self.protocolText = protocolText
        self.methodNotes = methodNotes
        self.methodDescriptions = methodDescriptions
    }

    /// The display label of group `name`.
    public func label(forGroup name: String) -> String {
        if let label = groupLabels[name] { return label }
        if name == treatedGroup { return "Treated" }
        if name == controlGroup { return "Control" }
        return name
    }
}

/// A text file that goes beside the report (`ReportOptions.attachments`).
public struct ReportAttachment: Sendable, Equatable {
    /// The file's path in the report folder.
    public var path: String
    /// What it is, for the report's file list.
    public var title: String
    public var content: String

    public init(path: String, title: String, content: String) {
        self.path = path
        self.title = title
        self.content = content
    }
}
