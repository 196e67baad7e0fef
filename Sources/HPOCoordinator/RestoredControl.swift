import HPOCore
import HPOJournal

/// What a study's log says users asked through the control address (`control_action`) and which
/// configurations were enqueued (`trial_enqueued`) and taken (`trial_dispatched`'s `enqueued`):
/// a restarted coordinator applies them again (docs/operations.md, "Control").
package struct RestoredControl: Sendable {
    /// Trials added to the study file's budget, in all.
    package var budgetAdded = 0
    /// Set when a user asked the study to stop: it stays stopping.
    package var stopRequested: String?
    /// Trials users asked to stop, with the reason their `trial_pruned` carries.
    package var stopsRequested: [TrialID: String] = [:]
    /// Every enqueued configuration, in log order.
    package var enqueued: [TrialEnqueued] = []
    /// The enqueue ids some trial took.
    package var taken: Set<Int> = []
    /// Which trial runs which enqueued configuration.
    package var trialsFromEnqueue: [TrialID: Int] = [:]

    /// Trials created from enqueued configurations rather than proposed by the search: a
    /// resumed search skips only its own (a random stream, a grid cursor).
    package var enqueuedTrialCount: Int { trialsFromEnqueue.count }

    mutating func took(_ enqueueID: Int, trial: TrialID) {
        taken.insert(enqueueID)
        trialsFromEnqueue[trial] = enqueueID
    }

    mutating func apply(_ action: ControlActionTaken) {
        switch action.action {
        case "stop_trial":
            if let trial = action.trial {
                stopsRequested[trial] = CoordinatorStateMachine.userStopReason(action.origin)
            }
        case "stop_study":
            stopRequested = stopRequested ?? CoordinatorStateMachine.userStopReason(action.origin)
        case "add_budget":
            budgetAdded += max(action.trials ?? 0, 0)
        default:
            break  // a newer coordinator's action: not ours to apply
        }
    }
}
