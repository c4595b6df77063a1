/// Why the synthetic cohort could not be produced.
public enum SynthError: Error, Equatable, CustomStringConvertible {
    /// The requested number of screened patients is negative.
    case invalidPatientCount(Int)
    /// The data format (``DayZeroCohort/StudyTable``) has a required column the generator cannot fill.
    case unmappedColumn(table: String, column: String)
    /// A file or folder could not be created or written.
    case cannotWrite(path: String, reason: String)
    /// A simulated network asks for a number of sites outside 2 … 16.
    case invalidSiteCount(Int)
    /// A site of a simulated network received no patient (too many sites for the cohort).
    case emptySite(site: String, patients: Int, sites: Int)

    public var description: String {
        switch self {
        case .invalidPatientCount(let count):
            "the number of patients must be 0 or more, got \(count)"
        case .unmappedColumn(let table, let column):
            "\(table): required column \(column) has no synthetic source (the data format changed; update DayZeroSynth)"
        case .cannotWrite(let path, let reason):
            "\(path): cannot write: \(reason)"
        case .invalidSiteCount(let count):
            "a simulated network has 2 to \(SiteNetwork.maximumSites) sites, got \(count)"
        case .emptySite(let site, let patients, let sites):
            "\(site) received no patient of \(patients) over \(sites) sites; use fewer sites or more patients"
        }
    }
}
