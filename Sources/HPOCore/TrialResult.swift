/// How a trial attempt ended.
package enum TrialStatus: String, Hashable, Sendable, Codable {
    /// It ran to the end and reported the objective metric.
    case completed
    /// It crashed, timed out, exited non-zero, diverged, or reported no usable objective.
    case failed
    /// The coordinator stopped it early (`stop`) because it looked hopeless: its metrics are
    /// those of its last report, at `step`. Not a failure, and not retried.
    case pruned
    /// The worker was told to leave (SIGTERM: preemption, eviction) and handed the attempt back
    /// after its last checkpoint: run it again, from that checkpoint. Not a failure, and not
    /// counted against `retries`.
    case preempted
}

/// What a worker reports at the end of one attempt of a trial.
package struct TrialResult: Hashable, Sendable, Codable {
    package var status: TrialStatus
    /// The final metrics, by name (the objective metric among them when completed).
    package var metrics: [String: Double]
    /// Why the attempt failed, in words a person can act on (`exit code 2`, `timeout after 10 s`).
    package var reason: String?
    /// The process's exit code, for command trials.
    package var exitCode: Int32?
    /// The last lines of the trial's stderr (bounded), for failures.
    package var stderrTail: String?
    /// Wall-clock seconds the attempt ran on the worker.
    package var durationSeconds: Double
    /// Pruned attempts: the step of the last intermediate report, where the attempt stopped.
    package var step: Int?
    /// Seconds the worker's slot stood idle between its previous attempt ending and this one
    /// starting, on the worker's clock (nil for a slot's first attempt): what a worker that
    /// prefetches trials measures, since the coordinator cannot see when a queued trial starts.
    package var slotIdleSeconds: Double?

    package init(
        status: TrialStatus, metrics: [String: Double], reason: String? = nil, exitCode: Int32? = nil,
        stderrTail: String? = nil, durationSeconds: Double, step: Int? = nil, slotIdleSeconds: Double? = nil
    ) {
        self.status = status
        self.metrics = metrics
        self.reason = reason
        self.exitCode = exitCode
        self.stderrTail = stderrTail
        self.durationSeconds = durationSeconds
        self.step = step
        self.slotIdleSeconds = slotIdleSeconds
    }

    enum CodingKeys: String, CodingKey {
        case status, metrics, reason, step
        case exitCode = "exit_code"
        case stderrTail = "stderr_tail"
        case durationSeconds = "duration_s"
        case slotIdleSeconds = "slot_idle_s"
    }
}

/// An intermediate report from a running trial: metrics at a step (an epoch, a batch count).
package struct TrialReport: Hashable, Sendable, Codable {
    package var step: Int
    package var metrics: [String: Double]

    package init(step: Int, metrics: [String: Double]) {
        self.step = step
        self.metrics = metrics
    }
}
