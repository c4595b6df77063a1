/// What a report shows besides the results: titles, group display names and the protocol
/// text for the methods section. The defaults give a complete report; nothing here can add a
/// patient identifier (the results carry none).
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
