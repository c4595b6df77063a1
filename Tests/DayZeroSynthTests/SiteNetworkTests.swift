import DayZeroCohort
@testable import DayZeroSynth
import DayZeroTestSupport
import Foundation
import Testing

/// A CSV written by the generator as lines (no quoted fields in these tables).
private func lines(_ url: URL) throws -> [String] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
}

/// The tables the generator writes patient rows into.
private let patientTables = StudyTable.allCases.filter { $0 != .parameters && $0 != .variables }

@Suite("Simulated network: the cohort split over K sites, with and without site differences")
struct SiteNetworkTests {
    @Test("--site-differences none: all = the plain cohort (site column aside); sites partition it")
    func noDifferences() throws {
        let root = try makeTemporaryDirectory("network-none")
        defer { try? FileManager.default.removeItem(at: root) }
        let plain = root.appendingPathComponent("plain")
        try SyntheticCohort.write(to: plain)
        let summary = try SiteNetwork.write(sites: 3, differences: .none, to: root.appendingPathComponent("net"))
        #expect(summary.sites.map(\.patients).reduce(0, +) == 78)
        #expect(summary.sites.allSatisfy { $0.patients > 0 })
        #expect(summary.union.patients == 78)
        let all = root.appendingPathComponent("net/all")
        var compared = 0
        for table in patientTables {
            let expected = try lines(plain.appendingPathComponent(table.fileName))
            var union = try lines(all.appendingPathComponent(table.fileName))
            if table == .patients {
                // Column 2 is the site: the network's site names instead of the paper's hospitals.
                let header = union[0].split(separator: ",", omittingEmptySubsequences: false)
                #expect(header[1] == "site")
                func dropSite(_ line: String) -> String {
                    var fields = line.split(separator: ",", omittingEmptySubsequences: false)
                    fields.remove(at: 1)
                    return fields.joined(separator: ",")
                }
                #expect(union.dropFirst().allSatisfy { $0.split(separator: ",")[1].hasPrefix("site-") })
                #expect(union.map(dropSite) == expected.map(dropSite))
                union = expected
            }
            #expect(union == expected, "\(table.fileName)")
            // The sites' rows are the union's rows, each exactly once.
            var siteRows: [String] = []
            for site in 1...3 {
                let rows = try lines(root.appendingPathComponent("net/site-\(site)/\(table.fileName)"))
                #expect(rows.first == expected.first)
                siteRows += rows.dropFirst()
            }
            let unionRows = try lines(all.appendingPathComponent(table.fileName)).dropFirst()
            #expect(siteRows.sorted() == unionRows.sorted(), "\(table.fileName)")
            compared += 1
        }
        #expect(compared == patientTables.count && compared >= 6)
    }

    @Test("patient IDs are unique across sites and each site's patients carry its name")
    func uniqueIdentifiers() throws {
        let root = try makeTemporaryDirectory("network-ids")
        defer { try? FileManager.default.removeItem(at: root) }
        try SiteNetwork.write(patients: 200, sites: 4, to: root)
        var seen: Set<Substring> = []
        var total = 0
        for site in 1...4 {
            for row in try lines(root.appendingPathComponent("site-\(site)/patients.csv")).dropFirst() {
                let fields = row.split(separator: ",", omittingEmptySubsequences: false)
                #expect(fields[1] == "site-\(site)")
                #expect(seen.insert(fields[0]).inserted, "\(fields[0]) twice")
                total += 1
            }
        }
        #expect(total == 200)
    }

    @Test("deterministic from the seed: same seed same split, another seed another split")
    func determinism() throws {
        let a = try SiteNetwork.assignments(seed: 7, patients: 300, sites: 5, differences: .default)
        let b = try SiteNetwork.assignments(seed: 7, patients: 300, sites: 5, differences: .default)
        let c = try SiteNetwork.assignments(seed: 8, patients: 300, sites: 5, differences: .default)
        #expect(a == b)
        #expect(a != c)
        #expect(Set(a) == Set(0..<5))
    }

    @Test("default differences: case mix differs by site (age, treated share), none is balanced")
    func caseMix() throws {
        let patients = 3_900  // 50 blocks
        var plans: [PatientPlan] = []
        for block in 0..<50 { plans += CohortPlanner.block(block, seed: SyntheticCohort.defaultSeed) }
        #expect(plans.count == patients)
        func site(_ plan: PatientPlan, _ differences: SiteDifferences) -> Int {
            SiteNetwork.site(of: plan, seed: SyntheticCohort.defaultSeed, sites: 4, differences: differences)
        }
        // assignments(…) is this per-plan draw in patient order.
        let first = try SiteNetwork.assignments(seed: SyntheticCohort.defaultSeed, patients: 156, sites: 4, differences: .default)
        #expect(first == plans.prefix(156).map { site($0, .default) })
        func byS(_ differences: SiteDifferences) -> [[PatientPlan]] {
            let sites = plans.map { site($0, differences) }
            return (0..<4).map { site in plans.indices.filter { sites[$0] == site }.map { plans[$0] } }
        }
        func meanAge(_ group: [PatientPlan]) -> Double { group.map(\.age).reduce(0, +) / Double(group.count) }
        func treatedShare(_ group: [PatientPlan]) -> Double {
            Double(group.filter { $0.role == .treated }.count) / Double(group.count)
        }
        let different = byS(.default)
        let balanced = byS(.none)
        // Site 4 (t = +1) is older and treats less than site 1 (t = −1).
        #expect(meanAge(different[3]) - meanAge(different[0]) > 5, "\(different.map(meanAge))")
        #expect(treatedShare(different[0]) - treatedShare(different[3]) > 0.08, "\(different.map(treatedShare))")
        #expect(abs(meanAge(balanced[3]) - meanAge(balanced[0])) < 2, "\(balanced.map(meanAge))")
        #expect(abs(treatedShare(balanced[0]) - treatedShare(balanced[3])) < 0.07, "\(balanced.map(treatedShare))")
        #expect(balanced.allSatisfy { abs(Double($0.count) - 975) < 120 }, "\(balanced.map(\.count))")
    }

    @Test("default differences: sparse sites measure ferritin/procalcitonin or CRP/WBC on even ICU days only")
    func measurementFrequency() throws {
        let root = try makeTemporaryDirectory("network-sparse")
        defer { try? FileManager.default.removeItem(at: root) }
        try SiteNetwork.write(patients: 156, sites: 3, to: root)
        /// parameter → ICU days (floor of time) measured at `site`.
        func days(site: String) throws -> [String: [Int]] {
            let rows = try lines(root.appendingPathComponent("\(site)/measurements.csv"))
            let header = rows[0].split(separator: ",").map(String.init)
            let time = try #require(header.firstIndex(of: "time"))
            let parameter = try #require(header.firstIndex(of: "parameter"))
            var result: [String: [Int]] = [:]
            for row in rows.dropFirst() {
                let fields = row.split(separator: ",", omittingEmptySubsequences: false)
                guard let value = Double(fields[time]) else { continue }
                result[String(fields[parameter]), default: []].append(Int(value.rounded(.down)))
            }
            return result
        }
        func oddDays(_ values: [Int]?) -> Int { (values ?? []).filter { $0 % 2 != 0 }.count }
        let first = try days(site: "site-1")
        let second = try days(site: "site-2")
        let third = try days(site: "site-3")
        for parameter in ["ferritin", "procalcitonin", "crp", "wbc"] { #expect(oddDays(first[parameter]) > 0, "\(parameter)") }
        #expect(oddDays(second["ferritin"]) == 0 && oddDays(second["procalcitonin"]) == 0)
        #expect(oddDays(second["crp"]) > 0 && (second["ferritin"]?.count ?? 0) > 0)
        #expect(oddDays(third["crp"]) == 0 && oddDays(third["wbc"]) == 0)
        #expect(oddDays(third["ferritin"]) > 0 && (third["crp"]?.count ?? 0) > 0)
    }

    @Test("refused: fewer than 2 or more than 16 sites; a site left without patients")
    func refusals() throws {
        #expect(throws: SynthError.invalidSiteCount(1)) { try SiteNetwork.assignments(seed: 1, patients: 78, sites: 1, differences: .none) }
        #expect(throws: SynthError.invalidSiteCount(17)) { try SiteNetwork.assignments(seed: 1, patients: 78, sites: 17, differences: .none) }
        let root = try makeTemporaryDirectory("network-empty")
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: SynthError.self) { try SiteNetwork.write(patients: 3, sites: 16, to: root) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)  // checked before writing
    }
}
