import HPOCore

/// `trial_paused`: ASHA's promotion form (`mode: promote`) paused a trial at a rung. Its
/// checkpoint at `step` (at or past the rung) was durable before its worker was told to stop;
/// the trial waits, its checkpoint kept, until it is promoted (`trial_promoted`) or the study ends
/// (then `trial_pruned`). Not a failure; its worker's slot is free.
package struct TrialPaused: Hashable, Sendable, Codable {
    package var trial: TrialID
    package var attempt: Attempt
    package var params: Parameters
    package var worker: WorkerID
    /// The rung it waits at: 0 is the first (`min_resource`), k is `min_resource × η^k`.
    package var rung: Int
    /// The step of the checkpoint it resumes from when promoted.
    package var step: Int
    /// The metrics of its last report, and the objective metric's value there (intermediate).
    package var metrics: [String: Double]
    package var objective: Double?
    package var reason: String
    package var durationSeconds: Double
    package init(
        trial: TrialID, attempt: Attempt, params: Parameters, worker: WorkerID, rung: Int, step: Int,
        metrics: [String: Double], objective: Double?, reason: String, durationSeconds: Double
    ) {
        self.trial = trial
        self.attempt = attempt
        self.params = params
        self.worker = worker
        self.rung = rung
        self.step = step
        self.metrics = metrics
        self.objective = objective
        self.reason = reason
        self.durationSeconds = durationSeconds
    }
    enum CodingKeys: String, CodingKey {
        case trial, attempt, params, worker, rung, step, metrics, objective, reason
        case durationSeconds = "duration_s"
    }
}

/// `trial_promoted`: a paused trial is in the top 1/η of its rung and a place is free: it runs
/// again from its checkpoint at `step`, as the next attempt (the `trial_dispatched` and
/// `trial_resumed` lines that follow), and is judged next at the rung above `rung`. `attempt` is
/// the attempt that was paused.
package struct TrialPromoted: Hashable, Sendable, Codable {
    package var trial: TrialID
    package var attempt: Attempt
    /// The rung it was paused at and is promoted from.
    package var rung: Int
    /// The step of the checkpoint it resumes from.
    package var step: Int
    package init(trial: TrialID, attempt: Attempt, rung: Int, step: Int) {
        self.trial = trial
        self.attempt = attempt
        self.rung = rung
        self.step = step
    }
}
