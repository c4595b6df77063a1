import DayZeroCohort

/// Splitting one study into sites in memory, for the pooling tests and `dayzero-bench pool`
/// (`dayzero simulate --sites` writes a simulated network with site differences as folders).
public enum SiteSplit {
    /// The rows of `study` that belong to the patients in `keep`: patients, ICU courses,
    /// measurements, medications, events, cytokines, proteomics samples and their values.
    public static func subset(_ study: StudyData, keeping keep: Set<String>) -> StudyData {
        var s = study
        s.patients = study.patients.filter { keep.contains($0.id) }
        s.courses = study.courses.filter { keep.contains($0.patientID) }
        s.measurements = MeasurementTable(study.measurements.filter { keep.contains($0.patientID) })
        s.medications = study.medications.filter { keep.contains($0.patientID) }
        s.events = study.events.filter { keep.contains($0.patientID) }
        s.cytokines = study.cytokines.filter { keep.contains($0.patientID) }
        s.proteomicsSamples = study.proteomicsSamples.filter { keep.contains($0.patientID) }
        let samples = Set(s.proteomicsSamples.map(\.sampleID))
        s.proteomics = study.proteomics.filter { samples.contains($0.sampleID) }
        return s
    }

    /// `study` dealt over `count` sites round-robin in patient-id order (patient k of the sorted
    /// ids goes to site k mod count); every patient is at exactly one site.
    public static func roundRobin(_ study: StudyData, sites count: Int) -> [StudyData] {
        let ids = study.patients.map(\.id).sorted()
        return (0..<max(count, 1)).map { k in
            subset(study, keeping: Set(ids.enumerated().filter { $0.offset % max(count, 1) == k }.map(\.element)))
        }
    }
}
