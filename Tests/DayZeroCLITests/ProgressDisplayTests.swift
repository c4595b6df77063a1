@testable import DayZeroCLI
import DayZeroCohort
import DayZeroStore
import DayZeroSynth
import Foundation
import Testing

/// The progress display's counts inside a step: what the periodic plain lines (and the live
/// line, which uses the same counter text) say while the analysis sets are worked through.
/// No timing is asserted: the texts are checked from given elapsed times.
@Suite struct ProgressDisplayTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        func add(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return stored }
    }

    @Test func counterText() {
        let c = ProgressCounter(total: 5, unit: "sets")
        #expect(c.text(seconds: 0) == "0 of 5 sets")
        c.increment()
        c.increment()
        #expect(c.value == 2)
        // No rate before a tenth of a second; two sets in 4 s is 0.5 sets/s; 40 in 2 s is 20.
        #expect(c.text(seconds: 0.05) == "2 of 5 sets")
        #expect(c.text(seconds: 4) == "2 of 5 sets, 0.5 sets/s")
        let many = ProgressCounter(total: 100, unit: "patients")
        for _ in 0..<40 { many.increment() }
        #expect(many.text(seconds: 2) == "40 of 100 patients, 20 patients/s")
    }

    /// A step whose value says it failed (an import's exit code) ends "failed", not "done".
    @Test func aFailedStepSaysSo() {
        let lines = Lines()
        let progress = ProgressDisplay(style: .lines(interval: 3600), total: 2, writeLine: { lines.add($0) })
        let bad: Int32 = progress.step("importing the OMOP database", failed: { $0 != 0 }) { 2 }
        let good: Int32 = progress.step("importing the study", failed: { $0 != 0 }) { 0 }
        #expect(bad == 2 && good == 0)
        #expect(lines.all.count == 2)
        #expect(lines.all.first?.hasPrefix("[1/2] importing the OMOP database … failed (") == true, "\(lines.all)")
        #expect(lines.all.last?.hasPrefix("[2/2] importing the study … done (") == true, "\(lines.all)")
    }

    @Test func periodicLinesCarryTheCount() {
        let counter = ProgressCounter(total: 5, unit: "sets")
        for _ in 0..<3 { counter.increment() }
        #expect(ProgressDisplay.runningLine("[3/4] analysing 5 analysis sets", seconds: 12, counter: counter)
            == "[3/4] analysing 5 analysis sets … still running (12.0 s, 3 of 5 sets, 0.3 sets/s)")
        #expect(ProgressDisplay.runningLine("[1/4] loading the study", seconds: 10, counter: nil)
            == "[1/4] loading the study … still running (10.0 s)")
        // The step itself: its one finished line, whatever the counter says.
        let lines = Lines()
        let display = ProgressDisplay(style: .lines(interval: 3600), total: 1, writeLine: { lines.add($0) })
        display.step("analysing 5 analysis sets", counter: counter) { counter.increment() }
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.hasPrefix("[1/1] analysing 5 analysis sets … done (") == true, "\(lines.all)")
    }

    @Test func concurrentIncrementsAreAllCounted() {
        let c = ProgressCounter(total: 1000, unit: "items")
        DispatchQueue.concurrentPerform(iterations: 1000) { _ in c.increment() }
        #expect(c.value == 1000)
    }

    @Test func updateNeverCountsAPassTwice() {
        let c = ProgressCounter(total: nil, unit: "patients analysed")
        #expect(c.text(seconds: 1) == "0 patients analysed")
        c.update(done: 40, total: 60)
        c.update(done: 12, total: 60)  // a second, sorted pass starts again
        #expect(c.value == 40)
        #expect(c.text(seconds: 2) == "40 of 60 patients analysed, 20 patients/s")
    }

    @Test func derivationReportsEveryAnalysedPatientOnce() throws {
        let calls = Lines()
        let cohort = try CohortDerivation.derive(SyntheticCohort.default, protocol: .paperDefault, patientProgress: { done, total in
            calls.add("\(done)/\(total)")
        })
        let analysed = cohort.patients.count
        #expect(analysed == 60)
        // One call per analysed patient with rows, in cohort order, ending at the cohort's size.
        #expect(calls.all.last == "\(analysed)/\(analysed)")
        let done = calls.all.compactMap { Int($0.split(separator: "/")[0]) }
        #expect(done == done.sorted() && Set(done).count == done.count)
    }

    @Test func importReportsTheRowsReadUpToEveryRow() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dayzero-progress-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("study")
        try SyntheticCohort.write(to: folder)
        let counts = Lines()
        let summary = try StudyStore.importStudy(
            folder: folder, to: root.appendingPathComponent("study.sqlite"), rowsRead: { counts.add("\($0)") })
        let seen = counts.all.compactMap { Int($0) }
        // Batches of rows, increasing, ending at every row the store holds.
        #expect(seen.count > 1)
        #expect(seen == seen.sorted())
        #expect(seen.last == summary.rowCounts.values.reduce(0, +))
    }
}
