import DayZeroAnalysis
import DayZeroCohort
import DayZeroStats
import DayZeroSynth
import Foundation

/// `dayzero-bench pool`: a synthetic cohort split over K sites (patients dealt round-robin in id
/// order), each site's summary (derivation + aggregates), its size, and the time to pool;
/// checks the pooled mixed-model F tests against the whole cohort's workup.
enum PoolingBenchmark: Benchmark {
    static let name = "pool"
    static let abstract = "multi-site: summary size and time per site, time to pool, pooled vs whole"
    static let usage = [
        "--patients N   screened patients of the synthetic cohort (default 10000)",
        "--sites K      sites (default 8)",
        "--seed S       synthetic cohort seed (default: the default cohort's)",
    ]

    static func run(_ options: BenchmarkOptions) throws {
        let patients = try options.int("patients", default: 10_000, range: 10...10_000_000)
        let siteCount = try options.int("sites", default: 8, range: 1...1000)
        let seed = try options.string("seed").map { text -> UInt64 in
            guard let value = UInt64(text) else { throw BenchmarkError("--seed must be an unsigned integer, got '\(text)'") }
            return value
        } ?? SyntheticCohort.defaultSeed
        let study = try SyntheticCohort.generate(seed: seed, patients: patients)
        let (whole, wholeSeconds) = try measure { try StudyAnalysis(study: study, protocol: .paperDefault, seed: seed) }
        guard let day = whole.cohort.flow.controlAlignmentDay else { throw BenchmarkError("no control alignment day") }
        var fixed = StudyProtocol.paperDefault
        fixed.alignment.controls = .fixedICUDay
        fixed.alignment.fixedICUDay = day
        print("pool: \(patients) screened patients over \(siteCount) sites, seed \(seed); whole-cohort analyze \(String(format: "%.2f", wholeSeconds)) s")
        let parts = SiteSplit.roundRobin(study, sites: siteCount)
        let settings = MultiSiteSettings(disclosure: .plain, minCellCount: 1, timeSlotsPerDay: 100)
        var summaries: [SiteSummary] = []
        print("  site  patients  summary (s)  size (bytes)")
        for k in 0..<siteCount {
            let part = parts[k]
            let (summary, t) = try measure { () throws -> SiteSummary in
                let cohort = try CohortDerivation.derive(part, protocol: fixed)
                let payload = try SiteSummaryBuilder(study: part, cohort: cohort, settings: settings).payload()
                return try SiteSummary(
                    provenance: SiteProvenance(site: "site\(k)", protocolHash: "bench", toolVersion: StudyAnalysis.toolVersion, createdBy: "bench"),
                    settings: settings, payload: payload)
            }
            let bytes = try summary.json().count
            print("  \(String(k).padding(toLength: 4, withPad: " ", startingAt: 0))  \(String(part.patients.count).padding(toLength: 8, withPad: " ", startingAt: 0))  \(String(format: "%11.2f", t))  \(bytes)")
            summaries.append(summary)
        }
        let (pooled, poolSeconds) = try measure { try Pooling.results(summaries, files: summaries.map(\.provenance.site)) }
        // Worst relative differences of F and df, and of p (on ln p below 1e-10, where a p far in
        // the tail multiplies the statistic's relative error by |d ln p / d ln F|).
        var worst = (f: 0.0, df: 0.0, p: 0.0)
        var worstAt = (f: "", df: "", p: "")
        var compared = 0
        for set in pooled.sets {
            guard let w = whole.results.analysisSets.first(where: { $0.id == set.id }) else { continue }
            for (a, b) in zip(set.kinetics + set.cytokines, w.kinetics + w.cytokines) {
                for (part, x, y) in [("overall", a.overall, b.overall), ("pre", a.pre, b.pre), ("post", a.post, b.post)] {
                    guard let x, let y else { continue }
                    let at = "\(set.id) \(a.parameter) \(part)"
                    func rel(_ u: Double, _ v: Double) -> Double { abs(u - v) / max(abs(v), 1e-300) }
                    if rel(x.fStatistic, y.fStatistic) > worst.f { worst.f = rel(x.fStatistic, y.fStatistic); worstAt.f = at }
                    if rel(x.denominatorDF, y.denominatorDF) > worst.df { worst.df = rel(x.denominatorDF, y.denominatorDF); worstAt.df = at }
                    let e = y.pValue < 1e-10 && x.pValue > 0 ? rel(log(x.pValue), log(y.pValue)) : rel(x.pValue, y.pValue)
                    if e > worst.p { worst.p = e; worstAt.p = at + " (p = \(y.pValue))" }
                    compared += 1
                }
            }
        }
        print("  pool: \(String(format: "%.3f", poolSeconds)) s; \(compared) mixed-model tests compared with the whole cohort")
        print("  largest relative difference: F \(String(format: "%.1e", worst.f)) (\(worstAt.f)), df \(String(format: "%.1e", worst.df)) (\(worstAt.df)), p \(String(format: "%.1e", worst.p)) (\(worstAt.p))")
    }
}
