import HPOCore

/// Where a study stands at the end of its log.
package enum StudyState: String, Hashable, Sendable, Codable {
    /// No `study_finished` or `study_stopped` after the last start or resume: it runs (or crashed).
    case running
    /// The last word is `study_finished`: budget spent, grid exhausted, wall time reached.
    case finished
    /// The last word is `study_stopped`: interrupted, and it can be resumed.
    case stopped
}

/// One attempt of one trial: from its dispatch to its outcome.
package struct AttemptRecord: Hashable, Sendable {
    package enum Outcome: String, Hashable, Sendable, Codable {
        /// No outcome yet, and the study is running.
        case running
        case completed
        case failed
        /// The coordinator stopped it early (`trial_pruned`); `stopStep` says where.
        case pruned
        /// Its worker left (or the coordinator restarted) before it reported: it runs again.
        case lost
        /// No outcome, and the study has finished or stopped.
        case interrupted
    }

    package var trial: TrialID
    package var attempt: Attempt
    package var worker: WorkerID
    package var params: Parameters
    /// Log time of the dispatch (seconds since 1970).
    package var dispatched: Double
    /// Log time of the outcome; nil while running.
    package var ended: Double?
    package var outcome: Outcome
    /// Why it failed or was lost.
    package var reason: String?
    package var exitCode: Int32?
    package var stderrTail: String?
    /// The worker's own measure of the attempt's wall time (completed and failed attempts).
    package var durationSeconds: Double?
    /// Failed attempts: whether another attempt follows.
    package var willRetry: Bool
    package var objective: Double?
    package var metrics: [String: Double]
    /// Pruned attempts: the step of the last report, where it stopped.
    package var stopStep: Int? = nil
    /// Completed attempts of a study with outcome constraints: whether they hold (`feasible`).
    package var feasible: Bool? = nil

    /// When the attempt started running: its end less the worker's `duration_s` when both are
    /// known, else its dispatch. They differ when the worker queued it (prefetch) behind another.
    package var started: Double {
        guard let ended, let durationSeconds else { return dispatched }
        return min(max(dispatched, ended - durationSeconds), ended)
    }

    /// Seconds the attempt kept its worker slot busy: the worker's `duration_s` when reported,
    /// else from dispatch to its end (or to `asOf` while running).
    package func busySeconds(asOf: Double) -> Double {
        if let durationSeconds { return max(0, durationSeconds) }
        return max(0, (ended ?? asOf) - dispatched)
    }
}

/// A trial's final state: what its last attempt says.
package enum TrialState: String, Hashable, Sendable, Codable, CaseIterable {
    case completed
    /// Failed for good (its last attempt failed with `will_retry: false`).
    case failed
    /// Stopped early by the pruner (`trial_pruned`): ended, neither completed nor failed.
    case pruned
    /// An attempt is running.
    case running
    /// Waiting for another attempt (a retry, or its worker was lost).
    case queued
    /// An attempt was running when the study finished or stopped.
    case interrupted
}

/// One trial: its parameters, its attempts and its final state.
package struct TrialRecord: Hashable, Sendable {
    package var trial: TrialID
    package var params: Parameters
    /// Every attempt, in dispatch order.
    package var attempts: [AttemptRecord]
    package var state: TrialState

    /// The attempt whose outcome decides the trial: the one that completed (a late result may
    /// complete an attempt after a newer one started), else the last one.
    package var finalAttempt: AttemptRecord? { attempts.last { $0.outcome == .completed } ?? attempts.last }
    package var objective: Double? { state == .completed ? finalAttempt?.objective : nil }
    /// Completed trials of a study with outcome constraints: whether they hold; nil otherwise.
    package var feasible: Bool? { state == .completed ? finalAttempt?.feasible : nil }
    /// The final metrics: the deciding attempt's, else those of the last attempt that reported any.
    package var metrics: [String: Double] {
        if let metrics = finalAttempt?.metrics, !metrics.isEmpty { return metrics }
        return attempts.last { !$0.metrics.isEmpty }?.metrics ?? [:]
    }
}

/// One intermediate report (`trial_report`).
package struct ReportPoint: Hashable, Sendable {
    package var step: Int
    package var metrics: [String: Double]
    package var time: Double
}

/// A worker as the log saw it.
package struct WorkerRecord: Hashable, Sendable {
    package struct Connection: Hashable, Sendable {
        package var joined: Double
        /// When it left (or the coordinator stopped or restarted); nil if still connected.
        package var left: Double?
    }

    package var id: WorkerID
    package var host: String?
    /// Concurrent trials it runs (from `worker_joined`; 1 when unknown).
    package var slots: Int
    package var connections: [Connection]
    package var isConnected: Bool { connections.last.map { $0.left == nil } ?? false }
}
