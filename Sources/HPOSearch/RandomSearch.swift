import HPOCore

/// Independent uniform (or log-uniform) samples, reproducible from the seed.
///
/// The n-th proposal depends only on the seed and n, so a resumed study continues the same stream.
/// Only active parameters are sampled into a configuration; a forbidden one is drawn again from
/// the same stream (up to `maxDraws` times; a proposal is skipped if all of them are forbidden,
/// which takes a space of which less than about 1/5000 may run).
package struct RandomSearch: SearchStrategy {
    package let space: SearchSpace
    package let seed: UInt64
    package private(set) var proposedCount = 0
    package var usesHistory: Bool { false }
    package var isExhausted: Bool { false }
    static let maxDraws = 50_000

    package init(space: SearchSpace, seed: UInt64, alreadyProposed: Int = 0) {
        self.space = space
        self.seed = seed
        self.proposedCount = alreadyProposed
    }

    package mutating func propose(_ count: Int, history: SearchHistory) -> [Parameters] {
        (0..<max(count, 0)).compactMap { _ in
            var generator = SplitMix64(seed: seed, stream: UInt64(proposedCount))
            proposedCount += 1
            for _ in 0..<Self.maxDraws {
                let configuration = space.configuration(atUnit: space.parameters.map { _ in generator.nextUnit() })
                if !space.isForbidden(configuration) { return configuration }
            }
            return nil
        }
    }
}
