import HPOCore

/// `trial_checkpoint`: a checkpoint of a trial is durable in the coordinator's store
/// (`<log>.checkpoints/trial-N/<file>`, written to a temporary name, fsynced, renamed, the folder
/// fsynced) before this line is written. The last such line of a trial names the checkpoint its
/// next attempt resumes from.
package struct TrialCheckpointed: Hashable, Sendable, Codable {
    package var trial: TrialID
    package var attempt: Attempt
    package var worker: WorkerID
    /// The training step it was taken at.
    package var step: Int
    /// The archive's size in bytes and SHA-256 (hex).
    package var size: Int
    package var sha256: String
    /// The archive's file name inside the trial's folder of the store.
    package var file: String
    package init(trial: TrialID, attempt: Attempt, worker: WorkerID, step: Int, size: Int, sha256: String, file: String)
    {
        self.trial = trial
        self.attempt = attempt
        self.worker = worker
        self.step = step
        self.size = size
        self.sha256 = sha256
        self.file = file
    }
}

/// `trial_resumed`: the attempt just dispatched starts from a stored checkpoint (it gets
/// `HPO_RESUME_DIR` and `HPO_RESUME_STEP`).
package struct TrialResumed: Hashable, Sendable, Codable {
    package var trial: TrialID
    package var attempt: Attempt
    package var worker: WorkerID
    /// The checkpoint's step (`HPO_RESUME_STEP`) and SHA-256.
    package var step: Int
    package var sha256: String
    package init(trial: TrialID, attempt: Attempt, worker: WorkerID, step: Int, sha256: String) {
        self.trial = trial
        self.attempt = attempt
        self.worker = worker
        self.step = step
        self.sha256 = sha256
    }
}

/// `trial_preempted`: the worker was told to leave (SIGTERM) and handed the attempt back; the
/// trial is queued again to resume from its last durable checkpoint (`checkpoint_step`, absent
/// when it has none). Not a failure and not counted against `retries`.
package struct TrialPreempted: Hashable, Sendable, Codable {
    package var trial: TrialID
    package var attempt: Attempt
    package var params: Parameters
    package var worker: WorkerID
    package var reason: String
    package var checkpointStep: Int?
    package var durationSeconds: Double
    package init(
        trial: TrialID, attempt: Attempt, params: Parameters, worker: WorkerID, reason: String, checkpointStep: Int?,
        durationSeconds: Double
    ) {
        self.trial = trial
        self.attempt = attempt
        self.params = params
        self.worker = worker
        self.reason = reason
        self.checkpointStep = checkpointStep
        self.durationSeconds = durationSeconds
    }
    enum CodingKeys: String, CodingKey {
        case trial, attempt, params, worker, reason
        case checkpointStep = "checkpoint_step"
        case durationSeconds = "duration_s"
    }
}
