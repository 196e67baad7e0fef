import HPOCore

/// Where a study stands at the end of its log.
public enum StudyState: String, Hashable, Sendable, Codable {
    /// No `study_finished` or `study_stopped` after the last start or resume: it runs (or crashed).
    case running
    /// The last word is `study_finished`: budget spent, grid exhausted, wall time reached.
    case finished
    /// The last word is `study_stopped`: interrupted, and it can be resumed.
    case stopped
}

/// One attempt of one trial: from its dispatch to its outcome.
public struct AttemptRecord: Hashable, Sendable {
    public enum Outcome: String, Hashable, Sendable, Codable {
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

    public var trial: TrialID
    public var attempt: Attempt
    public var worker: WorkerID
    public var params: Parameters
    /// Log time of the dispatch (seconds since 1970).
    public var dispatched: Double
    /// Log time of the outcome; nil while running.
    public var ended: Double?
    public var outcome: Outcome
    /// Why it failed or was lost.
    public var reason: String?
    public var exitCode: Int32?
    public var stderrTail: String?
    /// The worker's own measure of the attempt's wall time (completed and failed attempts).
    public var durationSeconds: Double?
    /// Failed attempts: whether another attempt follows.
    public var willRetry: Bool
    public var objective: Double?
    public var metrics: [String: Double]
    /// Pruned attempts: the step of the last report, where it stopped.
    public var stopStep: Int? = nil

    /// When the attempt started running: its end less the worker's `duration_s` when both are
    /// known, else its dispatch. They differ when the worker queued it (prefetch) behind another.
    public var started: Double {
        guard let ended, let durationSeconds else { return dispatched }
        return min(max(dispatched, ended - durationSeconds), ended)
    }

    /// Seconds the attempt kept its worker slot busy: the worker's `duration_s` when reported,
    /// else from dispatch to its end (or to `asOf` while running).
    public func busySeconds(asOf: Double) -> Double {
        if let durationSeconds { return max(0, durationSeconds) }
        return max(0, (ended ?? asOf) - dispatched)
    }
}

/// A trial's final state: what its last attempt says.
public enum TrialState: String, Hashable, Sendable, Codable, CaseIterable {
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
public struct TrialRecord: Hashable, Sendable {
    public var trial: TrialID
    public var params: Parameters
    /// Every attempt, in dispatch order.
    public var attempts: [AttemptRecord]
    public var state: TrialState

    /// The attempt whose outcome decides the trial: the one that completed (a late result may
    /// complete an attempt after a newer one started), else the last one.
    public var finalAttempt: AttemptRecord? { attempts.last { $0.outcome == .completed } ?? attempts.last }
    public var objective: Double? { state == .completed ? finalAttempt?.objective : nil }
    /// The final metrics: the deciding attempt's, else those of the last attempt that reported any.
    public var metrics: [String: Double] {
        if let metrics = finalAttempt?.metrics, !metrics.isEmpty { return metrics }
        return attempts.last { !$0.metrics.isEmpty }?.metrics ?? [:]
    }
}

/// One intermediate report (`trial_report`).
public struct ReportPoint: Hashable, Sendable {
    public var step: Int
    public var metrics: [String: Double]
    public var time: Double
}

/// A worker as the log saw it.
public struct WorkerRecord: Hashable, Sendable {
    public struct Connection: Hashable, Sendable {
        public var joined: Double
        /// When it left (or the coordinator stopped or restarted); nil if still connected.
        public var left: Double?
    }

    public var id: WorkerID
    public var host: String?
    /// Concurrent trials it runs (from `worker_joined`; 1 when unknown).
    public var slots: Int
    public var connections: [Connection]
    public var isConnected: Bool { connections.last.map { $0.left == nil } ?? false }
}
