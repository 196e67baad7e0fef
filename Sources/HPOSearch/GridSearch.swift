import HPOCore

/// Every point of the grid exactly once, in order (the last parameter varying fastest).
///
/// Points are handed out by index, so any number of workers share one cursor and none is
/// visited twice; a resumed study skips the points already proposed.
public struct GridSearch: SearchStrategy {
    public let space: SearchSpace
    public let size: Int
    public private(set) var proposedCount = 0
    public var usesHistory: Bool { false }
    public var isExhausted: Bool { proposedCount >= size }

    public init(space: SearchSpace, alreadyProposed: Int = 0) {
        self.space = space
        self.size = space.gridSize
        self.proposedCount = min(alreadyProposed, size)
    }

    public mutating func propose(_ count: Int, history: SearchHistory) -> [Parameters] {
        let end = min(size, proposedCount + max(count, 0))
        defer { proposedCount = end }
        return (proposedCount..<end).map(space.gridConfiguration(at:))
    }
}
