import HPOCore

/// Independent uniform (or log-uniform) samples, reproducible from the seed.
///
/// The n-th proposal depends only on the seed and n, so a resumed study continues the same stream.
public struct RandomSearch: SearchStrategy {
    public let space: SearchSpace
    public let seed: UInt64
    public private(set) var proposedCount = 0
    public var usesHistory: Bool { false }
    public var isExhausted: Bool { false }

    public init(space: SearchSpace, seed: UInt64, alreadyProposed: Int = 0) {
        self.space = space
        self.seed = seed
        self.proposedCount = alreadyProposed
    }

    public mutating func propose(_ count: Int, history: SearchHistory) -> [Parameters] {
        (0..<max(count, 0)).map { _ in
            var generator = SplitMix64(seed: seed, stream: UInt64(proposedCount))
            proposedCount += 1
            return space.configuration(atUnit: space.parameters.map { _ in generator.nextUnit() })
        }
    }
}
