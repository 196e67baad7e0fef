import HPOCore

/// What the search knows when it proposes: configurations already tried and the ones running.
package struct SearchHistory: Sendable {
    /// Finished trials: the configuration and its objective as a value to *minimise* (the
    /// coordinator negates the objective of a `maximize` study), `nil` when the trial failed or
    /// was pruned (stopped early: it has no final value).
    package var finished: [(parameters: Parameters, objective: Double?)]
    /// Configurations dispatched and not finished yet.
    package var running: [Parameters]
    /// The pruned trials among `finished` (there with `nil`), with what is known of them: the
    /// step where they stopped and the objective metric's value at their last report, to
    /// minimise. An early value, not a final one: a strategy that models it must say how (and
    /// must not count the trial's `nil` entry in `finished` as a failure too). See docs/pruning.md.
    package var pruned: [PrunedObservation]
    /// Studies with several objectives or outcome constraints only (empty otherwise): the metrics
    /// of each trial in `finished`, in the same order (empty for a trial without a result).
    package var finishedMetrics: [[String: Double]] = []

    package init(
        finished: [(parameters: Parameters, objective: Double?)] = [], running: [Parameters] = [],
        pruned: [PrunedObservation] = []
    ) {
        self.finished = finished
        self.running = running
        self.pruned = pruned
    }
}

/// A trial stopped early by the pruner, as the search sees it.
package struct PrunedObservation: Hashable, Sendable {
    package var parameters: Parameters
    /// The step of its last report (nil if it never reported).
    package var step: Int?
    /// The objective metric at its last report, to minimise (negated for a `maximize` study);
    /// nil when that report did not carry the objective metric.
    package var value: Double?

    package init(parameters: Parameters, step: Int?, value: Double?) {
        self.parameters = parameters
        self.step = step
        self.value = value
    }
}

/// The one seam between the coordinator and the ways of choosing what to try next.
package protocol SearchStrategy: Sendable {
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

    /// Model upkeep apart from proposing, for strategies that fit a model (see
    /// `BayesianSearch.refitsInBackground`): from this call on, `propose` only conditions the
    /// model on new results, and the caller refits it with `refitModel(history:)` on a copy,
    /// when `refitDue(history:)`, and hands the copy back with `adoptRefit(from:)`.
    mutating func refitInBackground()
    func refitDue(history: SearchHistory) -> Bool
    mutating func refitModel(history: SearchHistory)
    mutating func adoptRefit(from other: any SearchStrategy)
}

extension SearchStrategy {
    package var computesAhead: Bool { false }
    package var usesHistory: Bool { true }
    package mutating func refitInBackground() {}
    package func refitDue(history: SearchHistory) -> Bool { false }
    package mutating func refitModel(history: SearchHistory) {}
    package mutating func adoptRefit(from other: any SearchStrategy) {}
}

/// Makes the strategy a study file asks for. `alreadyProposed` is the number of trials a resumed
/// study's log already holds: a random stream or a grid cursor continues after them.
/// `expectedSlots`, when known (local workers), is how many trials will run at once: the Bayesian
/// initial design grows to cover the first round of proposals, all made without a result.
package func makeSearchStrategy(for config: StudyConfig, alreadyProposed: Int = 0, expectedSlots: Int? = nil)
    -> any SearchStrategy
{
    switch config.strategy.kind {
    case .random: RandomSearch(space: config.space, seed: config.seed, alreadyProposed: alreadyProposed)
    case .grid: GridSearch(space: config.space, alreadyProposed: alreadyProposed)
    case .bayes: BayesianSearch(config: config, workers: expectedSlots)
    }
}
