import DayZeroCohort

/// What the checks of a value need once its parameter name and unit were found valid: the
/// definition (for messages), the unit as written, the conversion to the canonical unit and
/// the physiological range.
final class ValueRule {
    let definition: ParameterDefinition
    let unit: String
    let conversion: UnitConversion
    let minimum: Double
    let maximum: Double
    let isFlag: Bool
    fileprivate var parameterBytes: [UInt8] = []
    fileprivate var unitBytes: [UInt8] = []

    init(definition: ParameterDefinition, unit: String, conversion: UnitConversion) {
        self.definition = definition
        self.unit = unit
        self.conversion = conversion
        minimum = definition.minimum
        maximum = definition.maximum
        isFlag = definition.unit == "flag"
    }
}

/// Valid (parameter, unit) pairs keyed by the bytes of the two fields, so that a row of a long
/// table names its parameter and unit without a `String` being made or hashed.
///
/// An open-addressing table of 1 024 slots indexed by an FNV-1a hash of the bytes, probed
/// linearly over at most `probes` slots: a study has a few dozen pairs, so two frequent pairs
/// never evict each other; a hit is confirmed by comparing the bytes, so the cache never
/// changes a result (a miss only sends the row through the full checks).
struct ValueRuleCache {
    private static let slotCount = 1_024
    private static let probes = 16
    private var slots = [ValueRule?](repeating: nil, count: slotCount)

    @inline(__always)
    private static func hash(_ parameter: UnsafeBufferPointer<UInt8>, _ unit: UnsafeBufferPointer<UInt8>) -> Int {
        pairSlot(parameter, unit, slotCount: slotCount)
    }

    @inline(__always)
    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return b.withUnsafeBufferPointer { b in
            var i = 0
            while i < a.count {
                if a[i] != b[i] { return false }
                i += 1
            }
            return true
        }
    }

    /// The rule stored for exactly these bytes, or `nil`.
    @inline(__always)
    func lookup(_ parameter: UnsafeBufferPointer<UInt8>, _ unit: UnsafeBufferPointer<UInt8>) -> ValueRule? {
        var slot = Self.hash(parameter, unit)
        for _ in 0..<Self.probes {
            guard let rule = slots[slot] else { return nil }
            if Self.equal(parameter, rule.parameterBytes) && Self.equal(unit, rule.unitBytes) { return rule }
            slot = (slot + 1) & (Self.slotCount - 1)
        }
        return nil
    }

    /// Stores `rule` for these bytes: in the first free slot of its probe sequence (or the
    /// slot already holding these bytes); when all are taken, in place of the first.
    mutating func insert(_ rule: ValueRule, parameter: UnsafeBufferPointer<UInt8>, unit: UnsafeBufferPointer<UInt8>) {
        rule.parameterBytes = Array(parameter)
        rule.unitBytes = Array(unit)
        let first = Self.hash(parameter, unit)
        var slot = first
        for _ in 0..<Self.probes {
            guard let other = slots[slot], !(Self.equal(parameter, other.parameterBytes) && Self.equal(unit, other.unitBytes))
            else {
                slots[slot] = rule
                return
            }
            slot = (slot + 1) & (Self.slotCount - 1)
        }
        slots[first] = rule
    }
}

/// The slot of a (parameter, unit) pair in a table of `slotCount` (a power of two) slots: FNV-1a
/// over the parameter's bytes, a 0xFF separator and the unit's bytes, folded to the table size.
/// Shared by `ValueRuleCache` and `ValuePairTable`, which key the same pairs.
@inline(__always)
func pairSlot(_ parameter: UnsafeBufferPointer<UInt8>, _ unit: UnsafeBufferPointer<UInt8>, slotCount: Int) -> Int {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in parameter { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    h = (h ^ 0xFF) &* 0x100_0000_01b3
    for b in unit { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return Int(truncatingIfNeeded: (h ^ (h >> 32)) & UInt64(slotCount - 1))
}
