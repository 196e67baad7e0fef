/// A small, fast, seedable generator (SplitMix64), with independent streams by index.
///
/// SplitMix64 walks a Weyl sequence (the state grows by γ each step) and hashes it. A stream's
/// start is the seed XOR a *hash* of the stream index, so streams start at unrelated points of
/// the sequence; starting stream k at seed + γ·k (as an earlier version did) made stream k+1 the
/// same sequence as stream k shifted by one value.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    private static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    package init(seed: UInt64, stream: UInt64 = 0) {
        state = seed ^ Self.mix(stream &+ 0x632B_E59B_D9B4_E019)
        // Mix once so nearby seeds start far apart.
        _ = next()
    }

    /// The generator whose next state is `state` plus γ: the plain SplitMix64 sequence from a
    /// raw state, without stream mixing or warm-up (what the trainer and the GP fitter seed from).
    package init(rawState state: UInt64) {
        self.state = state
    }

    package mutating func next() -> UInt64 {
        state &+= Self.gamma
        return Self.mix(state)
    }

    /// SplitMix64's finaliser: a bijective 64-bit hash.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in `[0, 1)` with 53 random bits.
    package mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
