import HPOCore

/// What the search knows when it proposes: configurations already tried and the ones running.
public struct SearchHistory: Sendable {
    /// Finished trials: the configuration and its objective as a value to *minimise* (the
    /// coordinator negates the objective of a `maximize` study), `nil` when the trial failed.
    public var finished: [(parameters: Parameters, objective: Double?)]
    /// Configurations dispatched and not finished yet.
    public var running: [Parameters]

    public init(finished: [(parameters: Parameters, objective: Double?)] = [], running: [Parameters] = []) {
        self.finished = finished
        self.running = running
    }
}

/// The one seam between the coordinator and the ways of choosing what to try next.
public protocol SearchStrategy: Sendable {
    /// Proposes up to `count` new configurations. Returns fewer (possibly none) when the strategy
    /// has nothing left to propose (a grid that is exhausted).
    mutating func propose(_ count: Int, history: SearchHistory) -> [Parameters]
    /// How many configurations this strategy has proposed so far.
    var proposedCount: Int { get }
    /// Whether it will never propose again.
    var isExhausted: Bool { get }
    /// Whether proposing is slow enough (model fitting) that the coordinator should compute
    /// proposals ahead, off its dispatch loop, and hand them out from a ready queue.
    var computesAhead: Bool { get }
    /// Whether `propose` looks at the history at all (random and grid search do not, so the
    /// coordinator need not build it on every dispatch).
    var usesHistory: Bool { get }
}

extension SearchStrategy {
    public var computesAhead: Bool { false }
    public var usesHistory: Bool { true }
}

/// Makes the strategy a study file asks for. `alreadyProposed` is the number of trials a resumed
/// study's log already holds: a random stream or a grid cursor continues after them.
public func makeSearchStrategy(for config: StudyConfig, alreadyProposed: Int = 0) -> any SearchStrategy {
    switch config.strategy.kind {
    case .random: RandomSearch(space: config.space, seed: config.seed, alreadyProposed: alreadyProposed)
    case .grid: GridSearch(space: config.space, alreadyProposed: alreadyProposed)
    case .bayes: BayesianSearch(config: config)
    }
}
