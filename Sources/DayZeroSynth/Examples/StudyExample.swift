import DayZeroCohort
import Foundation

/// The built-in examples: a synthetic study folder and its protocol, runnable with
/// `dayzero report --example NAME` (see `docs/examples.md`).
public enum StudyExample: String, CaseIterable, Sendable {
    /// Anakinra in critically ill COVID-19 patients (Kooistra et al., Crit Care 2020;24:688).
    case kooistra
    /// Prednisolone for severe alcoholic hepatitis in the ICU.
    case alcoholicHepatitis = "alcoholic-hepatitis"

    /// The example used when none is named.
    public static let `default`: StudyExample = .kooistra

    /// The example called `name`, or `nil`.
    public static func named(_ name: String) -> StudyExample? { StudyExample(rawValue: name) }

    /// Every example's name, for messages: `kooistra, alcoholic-hepatitis`.
    public static var knownNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// One line on what the example is.
    public var summary: String {
        switch self {
        case .kooistra:
            "anakinra in critically ill COVID-19 patients (Kooistra et al. 2020): 78 screened, day 0 = median ICU day 12"
        case .alcoholicHepatitis:
            "prednisolone for severe alcoholic hepatitis in the ICU: 200 screened, two sites, outcomes over a year"
        }
    }

    public var defaultSeed: UInt64 {
        switch self {
        case .kooistra: SyntheticCohort.defaultSeed
        case .alcoholicHepatitis: AlcoholicHepatitisCohort.defaultSeed
        }
    }

    public var defaultPatientCount: Int {
        switch self {
        case .kooistra: SyntheticCohort.defaultPatientCount
        case .alcoholicHepatitis: AlcoholicHepatitisCohort.defaultPatientCount
        }
    }

    /// The bundled cohort (default seed and size), in memory.
    public var study: StudyData {
        switch self {
        case .kooistra: SyntheticCohort.default
        case .alcoholicHepatitis: AlcoholicHepatitisCohort.default
        }
    }

    /// The example's protocol.
    public var studyProtocol: StudyProtocol {
        switch self {
        case .kooistra: .paperDefault
        case .alcoholicHepatitis: .alcoholicHepatitis
        }
    }

    /// The example's protocol with comments (what `dayzero protocol init --example` writes).
    public var protocolYAML: String {
        switch self {
        case .kooistra: ProtocolYAML.defaultYAML
        case .alcoholicHepatitis: ProtocolYAML.alcoholicHepatitisYAML
        }
    }

    /// Writes the example's synthetic cohort as a study folder.
    @discardableResult
    public func write(
        seed: UInt64, patients: Int, to folder: URL, progress: (SynthesisProgress) -> Void = { _ in }
    ) throws -> SyntheticWriteSummary {
        switch self {
        case .kooistra: try SyntheticCohort.write(seed: seed, patients: patients, to: folder, progress: progress)
        case .alcoholicHepatitis: try AlcoholicHepatitisCohort.write(seed: seed, patients: patients, to: folder, progress: progress)
        }
    }
}
