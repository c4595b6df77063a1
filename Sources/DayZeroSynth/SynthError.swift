/// Why the synthetic cohort could not be produced.
public enum SynthError: Error, Equatable, CustomStringConvertible {
    /// The requested number of screened patients is negative.
    case invalidPatientCount(Int)
    /// The data format (``DayZeroCohort/StudyTable``) has a required column the generator cannot fill.
    case unmappedColumn(table: String, column: String)
    /// A file or folder could not be created or written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidPatientCount(let count):
            "the number of patients must be 0 or more, got \(count)"
        case .unmappedColumn(let table, let column):
            "\(table): required column \(column) has no synthetic source (the data format changed; update DayZeroSynth)"
        case .cannotWrite(let path, let reason):
            "\(path): cannot write: \(reason)"
        }
    }
}
