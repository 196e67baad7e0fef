import HPOCore

/// A user's action through the coordinator's control address (`hpo control`, `hpo serve`),
/// journaled before it takes effect and before the reply: `stop_trial` (with `trial`),
/// `stop_study`, `add_budget` (with `trials` added and the new `budget`). Enqueued
/// configurations are `trial_enqueued` lines instead (they also come from files).
package struct ControlActionTaken: Hashable, Sendable, Codable {
    /// `stop_trial`, `stop_study`, `add_budget`.
    package var action: String
    /// Who asked, as the client said (`hpo control (uid 1000) ann@lab`).
    package var origin: String
    /// With CURVE: the client's public key, as the coordinator authenticated it.
    package var clientKey: String?
    package var trial: TrialID?
    /// `add_budget`: trials added, and the study's budget after it.
    package var trials: Int?
    package var budget: Int?

    package init(
        action: String, origin: String, clientKey: String? = nil, trial: TrialID? = nil, trials: Int? = nil,
        budget: Int? = nil
    ) {
        self.action = action
        self.origin = origin
        self.clientKey = clientKey
        self.trial = trial
        self.trials = trials
        self.budget = budget
    }

    enum CodingKeys: String, CodingKey {
        case action, origin, trial, trials, budget
        case clientKey = "client_key"
    }
}

/// A configuration to run before the search's own proposals, from the study file's `enqueue:`,
/// `hpo-coordinator --enqueue FILE` or the control address. Journaled once; the trial that runs
/// it names `enqueue_id` in its first `trial_dispatched` (`enqueued`), so a resumed study knows
/// which are still waiting.
package struct TrialEnqueued: Hashable, Sendable, Codable {
    /// 1, 2, … in the order they were enqueued in this study.
    package var enqueueID: Int
    package var params: Parameters
    /// Where it came from: `study file study.yaml:14`, `--enqueue /abs/path.jsonl:3`, or the
    /// control client's origin.
    package var origin: String
    /// With CURVE, from the control address: the client's public key.
    package var clientKey: String?

    package init(enqueueID: Int, params: Parameters, origin: String, clientKey: String? = nil) {
        self.enqueueID = enqueueID
        self.params = params
        self.origin = origin
        self.clientKey = clientKey
    }

    enum CodingKeys: String, CodingKey {
        case params, origin
        case enqueueID = "enqueue_id"
        case clientKey = "client_key"
    }
}
