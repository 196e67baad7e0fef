/// How long a free place waits for the model of a strategy that computes ahead, and whether
/// workers' queue places are filled, from what the study has measured so far: how long trials
/// run and how long a proposal takes to come back.
package struct ModelPacing {
    /// How long an idle slot waits for a fresh proposal: this, or 1 % of a typical trial if
    /// longer (at most 1 s).
    package var patienceSeconds = 0.02
    /// Workers' queue places are filled for a search that learns from results only when waiting
    /// for a proposal would idle a slot for more than this share of a typical trial.
    package var queueWhenWaitExceeds = 0.05
    /// A moving average of how long attempts run (from the results).
    private(set) var typicalTrialSeconds: Double?
    /// A moving average of how long a proposal request takes to come back (this coordinator's clock).
    private(set) var typicalProposalSeconds: Double?

    package init() {}

    /// An attempt ended after `seconds`.
    mutating func trialTook(_ seconds: Double) {
        typicalTrialSeconds = Self.average(typicalTrialSeconds, seconds)
    }

    /// A proposal request came back after `seconds`.
    mutating func proposalTook(_ seconds: Double) {
        typicalProposalSeconds = Self.average(typicalProposalSeconds, max(seconds, 0))
    }

    /// How long an idle slot waits for a fresh proposal before it takes what there is.
    var idlePatience: Double { max(patienceSeconds, min(0.01 * (typicalTrialSeconds ?? 0), 1)) }

    /// How long a worker's queue place (prefetch) waits: it is in less of a hurry, since the
    /// trial ahead of it is still running; about half a typical trial.
    var queuePatience: Double { max(idlePatience, 0.5 * (typicalTrialSeconds ?? 0)) }

    /// Whether waiting for a proposal is known to cost a slot more than `queueWhenWaitExceeds`
    /// of a trial (see `CoordinatorStateMachine.fillsQueues`).
    var waitingCostsSlots: Bool {
        guard let trial = typicalTrialSeconds, let wait = typicalProposalSeconds else { return false }
        return wait > queueWhenWaitExceeds * trial
    }

    private static func average(_ current: Double?, _ sample: Double) -> Double {
        current.map { 0.9 * $0 + 0.1 * sample } ?? sample
    }
}
