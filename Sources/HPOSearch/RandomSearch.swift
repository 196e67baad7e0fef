import HPOCore

/// Independent uniform (or log-uniform) samples, reproducible from the seed.
///
/// The n-th proposal depends only on the seed and n, so a resumed study continues the same stream.
package struct RandomSearch: SearchStrategy {
    package let space: SearchSpace
    package let seed: UInt64
    package private(set) var proposedCount = 0
    package var usesHistory: Bool { false }
    package var isExhausted: Bool { false }

    package init(space: SearchSpace, seed: UInt64, alreadyProposed: Int = 0) {
        self.space = space
        self.seed = seed
        self.proposedCount = alreadyProposed
    }

    package mutating func propose(_ count: Int, history: SearchHistory) -> [Parameters] {
        (0..<max(count, 0)).map { _ in
            var generator = SplitMix64(seed: seed, stream: UInt64(proposedCount))
            proposedCount += 1
            return space.configuration(atUnit: space.parameters.map { _ in generator.nextUnit() })
        }
    }
}
