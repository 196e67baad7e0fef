import HPOCore

/// Every point of the grid exactly once, in order (the last parameter varying fastest).
///
/// Points are handed out by index, so any number of workers share one cursor and none is
/// visited twice; a resumed study skips the points already proposed.
package struct GridSearch: SearchStrategy {
    package let space: SearchSpace
    package let size: Int
    package private(set) var proposedCount = 0
    package var usesHistory: Bool { false }
    package var isExhausted: Bool { proposedCount >= size }

    package init(space: SearchSpace, alreadyProposed: Int = 0) {
        self.space = space
        self.size = space.gridSize
        self.proposedCount = min(alreadyProposed, size)
    }

    package mutating func propose(_ count: Int, history: SearchHistory) -> [Parameters] {
        let end = min(size, proposedCount + max(count, 0))
        defer { proposedCount = end }
        return (proposedCount..<end).map(space.gridConfiguration(at:))
    }
}
