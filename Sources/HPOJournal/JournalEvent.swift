import HPOCore

/// One line of the results log. See docs/results-log.md for every field.
package enum JournalEvent: Hashable, Sendable {
    case studyStarted(StudyStarted)
    /// A coordinator took over the study from its log after a restart.
    case studyResumed(StudyResumed)
    case workerJoined(WorkerJoined)
    case workerLeft(WorkerLeft)
    /// No connected worker can hold this study's trials (GPUs, labels): the study waits.
    case placementWarning(PlacementWarning)
    case trialDispatched(TrialDispatched)
    case trialReport(TrialReported)
    case trialCompleted(TrialCompleted)
    case trialFailed(TrialFailed)
    /// The coordinator stopped a trial early (pruning): terminal, not a failure, not retried.
    case trialPruned(TrialPruned)
    /// The learning-rate range test run before the study (`--lr-find`), and the range it chose.
    case lrRangeTest(LRRangeTestRan)
    /// A result that was acknowledged but not recorded: a duplicate or a stale attempt.
    case resultDropped(ResultDropped)
    case studyFinished(StudyFinished)
    /// The coordinator was stopped (a signal) before the budget was spent: the study can resume.
    case studyStopped(StudyFinished)
    /// A trial's checkpoint is durable in the checkpoint store (see `CheckpointEvents.swift`).
    case trialCheckpoint(TrialCheckpointed)
    /// An attempt starts from a stored checkpoint.
    case trialResumed(TrialResumed)
    /// An attempt handed back by a worker that was told to leave: the trial runs again.
    case trialPreempted(TrialPreempted)
    /// A user's action through the control address (see `ControlEvents.swift`).
    case controlAction(ControlActionTaken)
    /// A configuration queued to run before the search's proposals.
    case trialEnqueued(TrialEnqueued)

    /// The value of the line's `"event"` field.
    package var name: String {
        switch self {
        case .studyStarted: "study_started"
        case .studyResumed: "study_resumed"
        case .workerJoined: "worker_joined"
        case .workerLeft: "worker_left"
        case .placementWarning: "placement_warning"
        case .trialDispatched: "trial_dispatched"
        case .trialReport: "trial_report"
        case .trialCompleted: "trial_completed"
        case .trialFailed: "trial_failed"
        case .trialPruned: "trial_pruned"
        case .lrRangeTest: "lr_range_test"
        case .resultDropped: "result_dropped"
        case .studyFinished: "study_finished"
        case .studyStopped: "study_stopped"
        case .trialCheckpoint: "trial_checkpoint"
        case .trialResumed: "trial_resumed"
        case .trialPreempted: "trial_preempted"
        case .controlAction: "control_action"
        case .trialEnqueued: "trial_enqueued"
        }
    }
}

package struct StudyStarted: Hashable, Sendable, Codable {
    package var study: String
    package var config: StudyConfig
    package var software: String
    package var host: String
    package init(study: String, config: StudyConfig, software: String, host: String) {
        self.study = study
        self.config = config
        self.software = software
        self.host = host
    }
}

package struct StudyResumed: Hashable, Sendable, Codable {
    package var study: String
    package var software: String
    package var host: String
    /// What the log held when the study resumed.
    package var completed: Int
    package var failed: Int
    /// Trials stopped early (absent in logs written before pruning existed).
    package var pruned: Int?
    package var created: Int
    /// Trials waiting for another attempt.
    package var queued: [Int]
    /// Trials that were running: their workers may still report them, else they run again.
    package var awaitingWorkers: [Int]
    package init(
        study: String, software: String, host: String, completed: Int, failed: Int, pruned: Int? = nil, created: Int,
        queued: [Int], awaitingWorkers: [Int]
    ) {
        self.study = study
        self.software = software
        self.host = host
        self.completed = completed
        self.failed = failed
        self.pruned = pruned
        self.created = created
        self.queued = queued
        self.awaitingWorkers = awaitingWorkers
    }
    enum CodingKeys: String, CodingKey {
        case study, software, host, completed, failed, pruned, created, queued
        case awaitingWorkers = "awaiting_workers"
    }
}

/// A learning-rate range test. Only `lrs` and `losses` are required when reading (docs/report.md
/// lists the fields); the coordinator's `--lr-find` writes all of them.
package struct LRRangeTestRan: Hashable, Sendable, Codable {
    /// The parameter whose range was narrowed (`learning_rate`).
    package var parameter: String
    /// The learning rate and raw loss at each step, and the smoothed loss.
    package var lrs: [Double]
    package var losses: [Double]
    package var smoothed: [Double]
    /// The single suggestion (steepest descent of the smoothed loss) and the others by name.
    package var suggestion: Double?
    package var suggestions: [String: Double]
    /// The study file's range and the range the study searched instead (absent when the test
    /// narrowed nothing).
    package var originalLow: Double?
    package var originalHigh: Double?
    package var low: Double?
    package var high: Double?
    /// Who ran it, when a trial did (the report names the trial in the plot's title).
    package var trial: Int?
    package var attempt: Int?
    package var worker: String?

    package init(
        parameter: String, lrs: [Double], losses: [Double], smoothed: [Double], suggestion: Double?,
        suggestions: [String: Double], originalLow: Double?, originalHigh: Double?, low: Double?, high: Double?,
        trial: Int? = nil, attempt: Int? = nil, worker: String? = nil
    ) {
        self.trial = trial
        self.attempt = attempt
        self.worker = worker
        self.parameter = parameter
        self.lrs = lrs
        self.losses = losses
        self.smoothed = smoothed
        self.suggestion = suggestion
        self.suggestions = suggestions
        self.originalLow = originalLow
        self.originalHigh = originalHigh
        self.low = low
        self.high = high
    }

    enum CodingKeys: String, CodingKey {
        case parameter, lrs, losses, smoothed, suggestion, suggestions, low, high, trial, attempt, worker
        case originalLow = "original_low"
        case originalHigh = "original_high"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        parameter = try container.decodeIfPresent(String.self, forKey: .parameter) ?? "learning_rate"
        lrs = try container.decode([Double].self, forKey: .lrs)
        losses = try container.decode([Double].self, forKey: .losses)
        smoothed = try container.decodeIfPresent([Double].self, forKey: .smoothed) ?? []
        suggestion = try container.decodeIfPresent(Double.self, forKey: .suggestion)
        suggestions = try container.decodeIfPresent([String: Double].self, forKey: .suggestions) ?? [:]
        originalLow = try container.decodeIfPresent(Double.self, forKey: .originalLow)
        originalHigh = try container.decodeIfPresent(Double.self, forKey: .originalHigh)
        low = try container.decodeIfPresent(Double.self, forKey: .low)
        high = try container.decodeIfPresent(Double.self, forKey: .high)
        trial = try container.decodeIfPresent(Int.self, forKey: .trial)
        attempt = try container.decodeIfPresent(Int.self, forKey: .attempt)
        worker = try container.decodeIfPresent(String.self, forKey: .worker)
    }
}

package struct ResultDropped: Hashable, Sendable, Codable {
    package var trial: TrialID
    package var attempt: Attempt
    package var worker: WorkerID
    package var reason: String
    package init(trial: TrialID, attempt: Attempt, worker: WorkerID, reason: String) {
        self.trial = trial
        self.attempt = attempt
        self.worker = worker
        self.reason = reason
    }
}

package struct WorkerJoined: Hashable, Sendable, Codable {
    package var worker: WorkerID
    package var host: String
    package var pid: Int32
    package var slots: Int
    package init(worker: WorkerID, host: String, pid: Int32, slots: Int) {
        self.worker = worker
        self.host = host
        self.pid = pid
        self.slots = slots
    }
}

package struct WorkerLeft: Hashable, Sendable, Codable {
    package var worker: WorkerID
    /// `bye: …` when the worker said goodbye, `lost: …` when it went silent.
    package var reason: String
    /// Attempts it was running, which go back to the queue.
    package var abandoned: [Int]
    package init(worker: WorkerID, reason: String, abandoned: [Int]) {
        self.worker = worker
        self.reason = reason
        self.abandoned = abandoned
    }
}

package struct TrialDispatched: Hashable, Sendable, Codable {
    package var trial: TrialID
    package var attempt: Attempt
    package var worker: WorkerID
    package var params: Parameters
    /// How long the worker's slot stood idle between its previous result arriving and this
    /// dispatch (absent for a slot's first trial): the coordinator's own dispatch latency.
    package var slotIdleSeconds: Double?
    /// True when the configuration came from the quasi-random fallback because the search's
    /// model had no proposal ready (absent otherwise).
    package var fallback: Bool?
    /// How many trials had ended since the search computed this configuration (absent when it saw
    /// every result): set when a slot could not wait for a fresh proposal and took an older one.
    package var proposalLag: Int?
    /// The `enqueue_id` of the `trial_enqueued` line whose configuration this trial runs (its
    /// first dispatch only; absent for the search's own proposals).
    package var enqueued: Int?
    package init(
        trial: TrialID, attempt: Attempt, worker: WorkerID, params: Parameters, slotIdleSeconds: Double? = nil,
        fallback: Bool? = nil, proposalLag: Int? = nil, enqueued: Int? = nil
    ) {
        self.enqueued = enqueued
        self.trial = trial
        self.attempt = attempt
        self.worker = worker
        self.params = params
        self.slotIdleSeconds = slotIdleSeconds
        self.fallback = fallback
        self.proposalLag = proposalLag
    }
    enum CodingKeys: String, CodingKey {
        case trial, attempt, worker, params, fallback, enqueued
        case slotIdleSeconds = "slot_idle_s"
        case proposalLag = "proposal_lag"
    }
}

package struct TrialReported: Hashable, Sendable, Codable {
    package var trial: TrialID
    package var attempt: Attempt
    package var step: Int
    package var metrics: [String: Double]
    package init(trial: TrialID, attempt: Attempt, step: Int, metrics: [String: Double]) {
        self.trial = trial
        self.attempt = attempt
        self.step = step
        self.metrics = metrics
    }
}

package struct TrialCompleted: Hashable, Sendable, Codable {
    package var trial: TrialID
    package var attempt: Attempt
    package var params: Parameters
    package var objective: Double
    package var metrics: [String: Double]
    package var worker: WorkerID
    package var durationSeconds: Double
    /// How long the worker's slot stood idle before this attempt started, measured by the worker
    /// (see `TrialResult.slotIdleSeconds`); absent from workers that do not measure it.
    package var slotIdleSeconds: Double?
    package init(
        trial: TrialID, attempt: Attempt, params: Parameters, objective: Double, metrics: [String: Double],
        worker: WorkerID, durationSeconds: Double, slotIdleSeconds: Double? = nil
    ) {
        self.trial = trial
        self.attempt = attempt
        self.params = params
        self.objective = objective
        self.metrics = metrics
        self.worker = worker
        self.durationSeconds = durationSeconds
        self.slotIdleSeconds = slotIdleSeconds
    }
    enum CodingKeys: String, CodingKey {
        case trial, attempt, params, objective, metrics, worker
        case durationSeconds = "duration_s"
        case slotIdleSeconds = "slot_idle_s"
    }
}

package struct TrialFailed: Hashable, Sendable, Codable {
    package var trial: TrialID
    package var attempt: Attempt
    package var params: Parameters
    package var worker: WorkerID
    package var reason: String
    package var exitCode: Int32?
    package var stderrTail: String?
    package var metrics: [String: Double]
    package var durationSeconds: Double
    /// Whether another attempt of this trial follows.
    package var willRetry: Bool
    package init(
        trial: TrialID, attempt: Attempt, params: Parameters, worker: WorkerID, reason: String, exitCode: Int32?,
        stderrTail: String?, metrics: [String: Double], durationSeconds: Double, willRetry: Bool
    ) {
        self.trial = trial
        self.attempt = attempt
        self.params = params
        self.worker = worker
        self.reason = reason
        self.exitCode = exitCode
        self.stderrTail = stderrTail
        self.metrics = metrics
        self.durationSeconds = durationSeconds
        self.willRetry = willRetry
    }
    enum CodingKeys: String, CodingKey {
        case trial, attempt, params, worker, reason, metrics
        case exitCode = "exit_code"
        case stderrTail = "stderr_tail"
        case durationSeconds = "duration_s"
        case willRetry = "will_retry"
    }
}

package struct StudyFinished: Hashable, Sendable, Codable {
    /// `budget spent`, `grid exhausted`, `wall time reached`, `interrupted (SIGINT)`.
    package var reason: String
    package var completed: Int
    package var failed: Int
    /// Trials stopped early (absent in logs written before pruning existed).
    package var pruned: Int?
    package var bestTrial: TrialID?
    package var bestObjective: Double?
    package var bestParams: Parameters?
    package init(
        reason: String, completed: Int, failed: Int, pruned: Int? = nil, bestTrial: TrialID?, bestObjective: Double?,
        bestParams: Parameters?
    ) {
        self.reason = reason
        self.completed = completed
        self.failed = failed
        self.pruned = pruned
        self.bestTrial = bestTrial
        self.bestObjective = bestObjective
        self.bestParams = bestParams
    }
    enum CodingKeys: String, CodingKey {
        case reason, completed, failed, pruned
        case bestTrial = "best_trial"
        case bestObjective = "best_objective"
        case bestParams = "best_params"
    }
}

/// A trial the coordinator stopped early. `step` and `metrics` are those of its last report (where
/// it stopped); `objective` is the objective metric's value in that report, an intermediate value
/// and not a final result (absent when the report did not carry it).
package struct TrialPruned: Hashable, Sendable, Codable {
    package var trial: TrialID
    package var attempt: Attempt
    package var params: Parameters
    package var worker: WorkerID
    /// The step of the last report (absent if the trial never reported).
    package var step: Int?
    package var metrics: [String: Double]
    package var objective: Double?
    /// The pruner's reason: `asha: rung 2 (step 3): val_loss 0.52 not in the top 1/3 of 6 (cutoff 0.31)`.
    package var reason: String
    package var durationSeconds: Double
    package init(
        trial: TrialID, attempt: Attempt, params: Parameters, worker: WorkerID, step: Int?, metrics: [String: Double],
        objective: Double?, reason: String, durationSeconds: Double
    ) {
        self.trial = trial
        self.attempt = attempt
        self.params = params
        self.worker = worker
        self.step = step
        self.metrics = metrics
        self.objective = objective
        self.reason = reason
        self.durationSeconds = durationSeconds
    }
    enum CodingKeys: String, CodingKey {
        case trial, attempt, params, worker, step, metrics, objective, reason
        case durationSeconds = "duration_s"
    }
}
