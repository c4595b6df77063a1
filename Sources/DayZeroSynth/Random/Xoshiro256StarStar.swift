/// SplitMix64, Steele, Lea & Flood (2014), "Fast splittable pseudorandom number generators".
///
/// Used only to expand a 64-bit seed into the 256-bit state of ``Xoshiro256StarStar`` and to
/// derive independent stream keys: its output function is a strong 64-bit mixer, so
/// consecutive or otherwise related seeds give unrelated states.
public struct SplitMix64: Sendable, Hashable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The next 64 pseudo-random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 output function (a bijective 64-bit finaliser).
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0, Blackman & Vigna (2018), "Scrambled linear pseudorandom number generators".
///
/// The synthetic cohort's only source of randomness: 256 bits of state, period 2^256 − 1,
/// passes BigCrush, and is fully specified by a few shifts, rotations and multiplications, so
/// the same seed gives the same stream on every platform and Swift version (the standard
/// library's `SystemRandomNumberGenerator` is never used, and neither are the standard
/// library's `random(in:using:)` or `shuffle(using:)`, whose algorithms may change).
///
/// Streams: ``init(seed:stream:)`` derives the state from a (seed, stream) pair through
/// SplitMix64, so every patient and every block of the cohort has its own stream and can be
/// generated without generating the others first.
public struct Xoshiro256StarStar: Sendable, Hashable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose 256-bit state is four consecutive SplitMix64 outputs from `seed`
    /// (the seeding the xoshiro authors recommend; never all zero).
    public init(seed: UInt64) {
        var expander = SplitMix64(seed: seed)
        s0 = expander.next()
        s1 = expander.next()
        s2 = expander.next()
        s3 = expander.next()
    }

    /// The generator of sub-stream `stream` of `seed`: the key is `mix(seed + mix(stream))`,
    /// so different streams of one seed, and the same stream of different seeds, are unrelated.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: SplitMix64.mix(seed &+ SplitMix64.mix(stream &+ 0x6A09_E667_F3BC_C909)))
    }

    /// The next 64 pseudo-random bits.
    public mutating func next() -> UInt64 {
        let result = Xoshiro256StarStar.rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Xoshiro256StarStar.rotateLeft(s3, 45)
        return result
    }

    @inline(__always)
    private static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}
