import HPOCore

/// Every point of the grid exactly once, in order (the last parameter varying fastest).
///
/// Points are handed out by index, so any number of workers share one cursor and none is
/// visited twice; a resumed study skips the points already proposed. In a space with conditions
/// or `forbid:` rules, the cursor walks the plain grid and skips the points that are not valid
/// configurations (`SearchSpace.validGridConfiguration(at:)`): forbidden ones, and the copies of
/// a configuration that differ only in an inactive parameter.
package struct GridSearch: SearchStrategy {
    package let space: SearchSpace
    /// The number of points of the plain grid.
    package let size: Int
    package private(set) var proposedCount = 0
    /// The next index of the plain grid to look at.
    private var cursor = 0
    package var usesHistory: Bool { false }
    package var isExhausted: Bool { cursor >= size }

    package init(space: SearchSpace, alreadyProposed: Int = 0) {
        self.space = space
        self.size = space.gridSize
        if space.hasRestrictions {
            _ = propose(alreadyProposed, history: SearchHistory())
        } else {
            self.proposedCount = min(alreadyProposed, size)
            self.cursor = proposedCount
        }
    }

    package mutating func propose(_ count: Int, history: SearchHistory) -> [Parameters] {
        var proposals: [Parameters] = []
        while proposals.count < count, cursor < size {
            if let configuration = space.validGridConfiguration(at: cursor) { proposals.append(configuration) }
            cursor += 1
        }
        proposedCount += proposals.count
        return proposals
    }
}
