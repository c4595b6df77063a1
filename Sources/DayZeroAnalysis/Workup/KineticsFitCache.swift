import DayZeroCohort
import Foundation

/// The mixed-model interaction tests already fitted in one specification-curve run, keyed by
/// their complete input: the kinetics model, the window and, row by row, the aligned day, the
/// group, the patient and the bit pattern of the analysed value.
///
/// A fit is a pure function of that input, so two specifications that hand a panel the same
/// rows get the same test — byte for byte, since the key compares every bit and the rows in
/// their order. Most choices of a specification curve change one or two parameters (a zero
/// rule, the SOFA rules, the temperature imputation); every other parameter's panels are fitted
/// once per alignment and window instead of once per specification.
///
/// Memory: a key holds about 17 bytes per row. Once the stored keys pass `byteBudget`, new fits
/// are no longer stored (lookups still hit), so a large cohort's curve stays within a bounded
/// amount of memory and gives the same numbers.
final class KineticsFitCache: @unchecked Sendable {
    struct Key: Hashable {
        var model: KineticsModel
        var first: Int
        var last: Int
        var days: [Int32]
        var treated: [Bool]
        var patients: [Int32]
        var valueBits: [UInt64]

        /// The rows of `rows` with `first ≤ day ≤ last`, in their order.
        init(model: KineticsModel, table: AlignedLongTable, rows: [Int], first: Int, last: Int) {
            self.model = model
            self.first = first
            self.last = last
            days = []
            treated = []
            patients = []
            valueBits = []
            for r in rows {
                let d = Int(table.alignedDay[r])
                guard d >= first, d <= last else { continue }
                days.append(table.alignedDay[r])
                treated.append(table.group[r] == .treated)
                patients.append(table.patient[r])
                valueBits.append(table.analysedValue[r].bitPattern)
            }
        }

        var byteCount: Int { days.count * (4 + 1 + 4 + 8) + 64 }
    }

    private let lock = NSLock()
    private var outcomes: [Key: ModelOutcome] = [:]
    private var storedBytes = 0
    let byteBudget: Int

    init(byteBudget: Int = 512 << 20) { self.byteBudget = byteBudget }

    /// The stored outcome of `key`, or `fit()`'s (stored while the budget allows). Two threads
    /// asking for the same new key at once may both fit it; they store the same outcome.
    func outcome(_ key: Key, fit: () -> ModelOutcome) -> ModelOutcome {
        if let stored = lock.withLock({ outcomes[key] }) { return stored }
        let value = fit()
        lock.withLock {
            guard outcomes[key] == nil, storedBytes + key.byteCount <= byteBudget else { return }
            outcomes[key] = value
            storedBytes += key.byteCount
        }
        return value
    }
}
