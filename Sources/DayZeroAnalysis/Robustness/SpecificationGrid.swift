import DayZeroCohort

/// The specifications of a protocol's `robustness:` section: the full grid of its dimensions'
/// alternatives, or a seeded sample of it when the grid is larger than `max_specifications`.
///
/// Order: a specification's grid index is its alternatives read as a mixed-radix number with
/// the first dimension most significant (the first dimension varies slowest, as in
/// `tidyr::expand_grid` and `specr::setup`). The specifications are listed in ascending grid
/// index.
///
/// Sampling (grid size N > M = `max_specifications`): the protocol's own specification is
/// always kept; the other M − 1 are drawn without replacement from the N − 1 other grid
/// indices by Floyd's algorithm (for j = N − M … N − 2: t uniform in 0…j; keep t unless already
/// kept, else keep j), the uniform draws coming from SplitMix64 seeded with `seed` (rejection
/// sampling, no modulo bias); the kept indices (shifted past the protocol's own index) are
/// then sorted. Same grid and seed, same sample.
public struct SpecificationGrid: Sendable, Equatable {
    /// The number of alternatives of each dimension, in protocol order.
    public let sizes: [Int]
    /// The size of the full grid.
    public let fullSize: Int
    /// The protocol's own alternative of each dimension.
    public let own: [Int]
    /// The grid indices of the specifications run, ascending.
    public let indices: [Int]

    /// True when `indices` is a sample of the grid.
    public var isSampled: Bool { indices.count < fullSize }

    /// The grid index of the protocol's own specification.
    public var ownIndex: Int { Self.index(of: own, sizes: sizes) }

    public init(sizes: [Int], own: [Int], maxSpecifications: Int, seed: UInt64) throws(RobustnessError) {
        guard sizes.count == own.count, zip(sizes, own).allSatisfy({ $0 > 0 && (0..<$0).contains($1) }) else {
            throw .invalidGrid("every dimension needs alternatives and the protocol's own choice among them")
        }
        var n = 1
        for s in sizes {
            let (product, overflow) = n.multipliedReportingOverflow(by: s)
            guard !overflow, product <= Self.maximumGridSize else {
                throw .invalidGrid("the grid has more than \(Self.maximumGridSize) specifications; use fewer dimensions or alternatives")
            }
            n = product
        }
        guard maxSpecifications >= 1 else { throw .invalidGrid("max_specifications must be at least 1") }
        self.sizes = sizes
        self.own = own
        self.fullSize = n
        let ownIndex = Self.index(of: own, sizes: sizes)
        if n <= maxSpecifications {
            indices = Array(0..<n)
        } else {
            var random = SplitMix64(seed: seed)
            let population = n - 1
            let m = maxSpecifications - 1
            var kept = Set<Int>()
            kept.reserveCapacity(m)
            if m > 0 {
                for j in (population - m)..<population {
                    let t = random.uniform(upTo: j)
                    if !kept.insert(t).inserted { kept.insert(j) }
                }
            }
            indices = (kept.map { $0 >= ownIndex ? $0 + 1 : $0 } + [ownIndex]).sorted()
        }
    }

    /// The largest grid expanded (the sample is drawn from it without listing it).
    public static let maximumGridSize = 1 << 40

    /// The alternatives of grid index `index`: mixed radix, first dimension most significant.
    public static func choices(of index: Int, sizes: [Int]) -> [Int] {
        var rest = index
        var out = Array(repeating: 0, count: sizes.count)
        for d in sizes.indices.reversed() {
            out[d] = rest % sizes[d]
            rest /= sizes[d]
        }
        return out
    }

    /// The grid index of `choices` (the inverse of `choices(of:sizes:)`).
    public static func index(of choices: [Int], sizes: [Int]) -> Int {
        zip(choices, sizes).reduce(0) { $0 * $1.1 + $1.0 }
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): the sampling's random numbers.
struct SplitMix64: Sendable {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0...bound (rejection of the first 2^64 mod (bound + 1) values: no modulo bias).
    mutating func uniform(upTo bound: Int) -> Int {
        let range = UInt64(bound) + 1
        let threshold = (0 &- range) % range
        while true {
            let r = next()
            if r >= threshold { return Int(r % range) }
        }
    }
}

/// A specification curve that cannot be run.
public enum RobustnessError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The protocol has no `robustness:` section.
    case noRobustnessSection
    case invalidGrid(String)
    /// No specification could be analysed (the first failure's message).
    case noSpecification(String)

    public var description: String {
        switch self {
        case .noRobustnessSection: "the protocol has no robustness: section (the dimensions of the specification curve; see docs/protocol.md)"
        case .invalidGrid(let why): "robustness: \(why)"
        case .noSpecification(let why): "no specification could be analysed: \(why)"
        }
    }
}

extension SpecificationGrid {
    /// The first output of the sampling's generator for `seed` (for checking it against
    /// SplitMix64's published values).
    package static func splitMixFirstOutput(seed: UInt64) -> UInt64 {
        var r = SplitMix64(seed: seed)
        return r.next()
    }
}
