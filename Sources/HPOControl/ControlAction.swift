import HPOCore

/// What a user may ask of a running coordinator through its control address (`--control`):
/// docs/protocol.md, "Control".
package enum ControlAction: Equatable, Sendable {
    /// Stop this trial early, as pruning does; it ends as `trial_pruned`, stopped by the user.
    case stopTrial(trial: TrialID)
    /// No new trials; the running ones finish, then the study ends.
    case stopStudy
    /// Raise the study's trial budget by this many trials.
    case addBudget(trials: Int)
    /// Run this configuration next (validated against the study's space).
    case enqueue(parameters: Parameters)

    /// The action's name on the wire and in messages: `stop_trial`, `stop_study`, `add_budget`, `enqueue`.
    package var name: String {
        switch self {
        case .stopTrial: "stop_trial"
        case .stopStudy: "stop_study"
        case .addBudget: "add_budget"
        case .enqueue: "enqueue"
        }
    }
}

/// One action and who asks for it.
package struct ControlRequest: Equatable, Sendable {
    package var action: ControlAction
    /// Who asks, in words for the log: `hpo serve 127.0.0.1:53122 user@host`, `hpo control (uid 1000)`.
    /// Stated by the client; the coordinator journals it beside what it knows itself (the
    /// client's CURVE key).
    package var origin: String

    package init(action: ControlAction, origin: String) {
        self.action = action
        self.origin = origin
    }
}

/// The coordinator's answer: whether the action was taken (journaled, then applied), and a
/// sentence for people saying what happened or why not.
package struct ControlReply: Equatable, Sendable {
    package var accepted: Bool
    package var message: String

    package init(accepted: Bool, message: String) {
        self.accepted = accepted
        self.message = message
    }
}
