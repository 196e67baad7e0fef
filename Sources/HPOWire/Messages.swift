import HPOCore

/// A worker announcing itself: sent first, and again after a reconnect.
package struct Hello: Hashable, Sendable, Codable {
    /// `host:pid`, plus `/n` for the n-th worker of one process; unique per worker process.
    package var name: String
    package var host: String
    package var pid: Int32
    /// How many trials the worker runs at once.
    package var slots: Int
    /// The worker's software version, for the log.
    package var software: String
    /// Attempts the worker still holds from before a reconnect: running, or finished with a result
    /// not yet acknowledged. The coordinator takes back those it still holds itself.
    package var running: [TrialKey]
    /// How many assignments the worker keeps queued beyond its slots, to start the moment a slot
    /// frees instead of waiting a round trip for the next one (absent on the wire: 0).
    package var prefetch: Int
    /// GPUs, cores and labels (absent on the wire, or dropped as malformed or out of bounds: nil,
    /// a worker with no GPUs and no labels).
    package var resources: WorkerResources?
    /// Not on the wire: why the sender's `resources` were dropped on receipt, for the log.
    package var droppedResources: String?

    package init(
        name: String, host: String, pid: Int32, slots: Int, software: String, running: [TrialKey] = [],
        prefetch: Int = 0,
        resources: WorkerResources? = nil
    ) {
        self.name = name
        self.host = host
        self.pid = pid
        self.slots = slots
        self.software = software
        self.running = running
        self.prefetch = prefetch
        self.resources = resources
    }

    enum CodingKeys: String, CodingKey {
        case name, host, pid, slots, software, running, prefetch, resources
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        host = try container.decode(String.self, forKey: .host)
        pid = try container.decode(Int32.self, forKey: .pid)
        slots = try container.decode(Int.self, forKey: .slots)
        software = try container.decode(String.self, forKey: .software)
        running = try container.decode([TrialKey].self, forKey: .running)
        prefetch = try container.decodeIfPresent(Int.self, forKey: .prefetch) ?? 0
        // A malformed `resources` costs the worker its resources, not its registration.
        do {
            resources = try container.decodeIfPresent(WorkerResources.self, forKey: .resources)
        } catch {
            droppedResources = "malformed resources: \(WireCodec.describe(error))"
        }
    }
}

/// One attempt of one trial: the key under which a result is recorded exactly once.
package struct TrialKey: Hashable, Sendable, Codable, CustomStringConvertible {
    package var trial: TrialID
    package var attempt: Attempt
    package init(trial: TrialID, attempt: Attempt) {
        self.trial = trial
        self.attempt = attempt
    }
    package var description: String { "\(trial).\(attempt)" }
}

/// The coordinator accepting a worker, with the liveness rules both sides follow.
package struct Welcome: Hashable, Sendable, Codable {
    package var worker: WorkerID
    package var study: String
    /// Each side sends a heartbeat when it has sent nothing else for this long.
    package var heartbeatIntervalMilliseconds: Int
    /// A peer silent for this many intervals is considered lost.
    package var liveness: Int
    /// With `hpo-coordinator --checkpoints shared:FOLDER`: that folder (absolute), where the
    /// worker writes checkpoints and finds those to resume from. Absent: checkpoints are uploaded.
    package var sharedCheckpoints: String?

    package init(
        worker: WorkerID, study: String, heartbeatIntervalMilliseconds: Int, liveness: Int,
        sharedCheckpoints: String? = nil
    ) {
        self.worker = worker
        self.study = study
        self.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
        self.liveness = liveness
        self.sharedCheckpoints = sharedCheckpoints
    }

    enum CodingKeys: String, CodingKey {
        case worker, study, liveness
        case heartbeatIntervalMilliseconds = "heartbeat_ms"
        case sharedCheckpoints = "shared_checkpoints"
    }
}

/// A trial handed to a worker: what to run, with which parameters, under which key.
package struct Assignment: Hashable, Sendable, Codable {
    package var key: TrialKey
    package var parameters: Parameters
    package var spec: TrialSpec
    package var objectiveMetric: String

    package init(key: TrialKey, parameters: Parameters, spec: TrialSpec, objectiveMetric: String) {
        self.key = key
        self.parameters = parameters
        self.spec = spec
        self.objectiveMetric = objectiveMetric
    }

    enum CodingKeys: String, CodingKey {
        case key, spec
        case parameters = "params"
        case objectiveMetric = "objective_metric"
    }
}

/// An intermediate report of a running trial.
package struct ReportMessage: Hashable, Sendable, Codable {
    package var key: TrialKey
    package var report: TrialReport
    package init(key: TrialKey, report: TrialReport) {
        self.key = key
        self.report = report
    }
}

/// The end of one attempt.
package struct ResultMessage: Hashable, Sendable, Codable {
    package var key: TrialKey
    package var result: TrialResult
    package init(key: TrialKey, result: TrialResult) {
        self.key = key
        self.result = result
    }
}

/// The coordinator asking a worker to stop one running attempt early (pruning): the worker ends
/// it promptly and reports a result with status `pruned`.
package struct StopMessage: Hashable, Sendable, Codable {
    package var key: TrialKey
    /// Why, for the log and the result: `asha: rung 3 (step 9): val_loss 0.41 not in the top 1/3 of 7`.
    package var reason: String
    package init(key: TrialKey, reason: String) {
        self.key = key
        self.reason = reason
    }
}

/// Messages from a worker to the coordinator.
package enum WorkerMessage: Hashable, Sendable {
    case hello(Hello)
    case heartbeat
    case report(ReportMessage)
    case result(ResultMessage)
    /// The worker is leaving (shutting down); its running trials, if any, are abandoned.
    case bye(reason: String)
    /// A piece of a trial's checkpoint (see `CheckpointChunk`).
    case checkpointChunk(CheckpointChunk)
    /// How far a checkpoint sent to resume from (`resume_chunk`) has arrived.
    case resumeAck(ChunkAck)
    /// The worker is leaving once its trials are handed back: assign it nothing more.
    case drain(DrainMessage)
    /// A checkpoint complete in the shared folder (`--checkpoints shared:FOLDER`): only its description.
    case checkpointShared(SharedCheckpoint)
}

/// Messages from the coordinator to a worker.
package enum CoordinatorMessage: Hashable, Sendable {
    case welcome(Welcome)
    case assign(Assignment)
    /// The result of this attempt is durable in the results log: the worker may forget it.
    case ack(TrialKey)
    case heartbeat
    /// The coordinator does not know this worker (it restarted, or declared the worker lost):
    /// send `hello` again.
    case reregister(reason: String)
    /// The worker's message cannot be served (e.g. an unsupported protocol version).
    case refuse(reason: String)
    /// The study is over or the coordinator is stopping: finish nothing more and exit.
    case shutdown(reason: String)
    /// Stop this running attempt early (pruned): end it and report status `pruned`.
    case stop(StopMessage)
    /// How far a worker's checkpoint upload has arrived; `done` once it is durable.
    case checkpointAck(ChunkAck)
    /// A piece of the checkpoint an assigned attempt resumes from (sent right before its `assign`).
    case resumeChunk(CheckpointChunk)
    /// The checkpoint in the shared folder that an assigned attempt resumes from (sent right before its `assign`).
    case resumeShared(SharedCheckpoint)
}
