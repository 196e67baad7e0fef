import Foundation
import HPOCore

/// Everything a runner needs to run one attempt of one trial.
package struct TrialContext: Sendable {
    package var trial: TrialID
    package var attempt: Attempt
    package var parameters: Parameters
    package var spec: TrialSpec
    /// The metric that must be present and finite for the attempt to count as completed.
    package var objectiveMetric: String
    /// A directory for this attempt's files (the parameters JSON file), best one per attempt
    /// inside a directory that exists. The runner creates it if needed and removes what it created.
    package var scratchDirectory: String
    /// Command trials: the empty folder the attempt writes its checkpoints in (`HPO_CHECKPOINT_DIR`);
    /// nil: the attempt gets none.
    package var checkpointDirectory: String?
    /// Command trials resuming: the folder holding the last durable checkpoint's files
    /// (`HPO_RESUME_DIR`) and its step (`HPO_RESUME_STEP`).
    package var resume: (directory: String, step: Int)?
    /// Variables the worker sets for this attempt alone, over everything else (command trials):
    /// the GPUs it holds (`CUDA_VISIBLE_DEVICES`, `HPO_GPUS`; see `GPUAllocator`).
    package var workerEnvironment: [String: String] = [:]

    package init(
        trial: TrialID,
        attempt: Attempt,
        parameters: Parameters,
        spec: TrialSpec,
        objectiveMetric: String,
        scratchDirectory: String
    ) {
        self.trial = trial
        self.attempt = attempt
        self.parameters = parameters
        self.spec = spec
        self.objectiveMetric = objectiveMetric
        self.scratchDirectory = scratchDirectory
    }
}

/// A thread-safe flag a worker sets to stop a running trial early (shutdown, or pruning). The
/// runner sees it within about 50 ms and ends the attempt as failed with `reason`.
package final class TrialCancellation: @unchecked Sendable {
    // @unchecked: `storedReason` is only touched under `lock`.
    private let lock = NSLock()
    private var storedReason: String?

    package init() {}

    /// Asks the trial to stop. The first reason given is kept.
    package func cancel(reason: String) {
        lock.withLock {
            if storedReason == nil { storedReason = reason }
        }
    }

    /// Why the trial was cancelled, or `nil` while it has not been.
    package var reason: String? { lock.withLock { storedReason } }

    private var storedGrace: Double?
    private var storedKill = false

    /// Preemption: asks the trial to stop (SIGTERM to its process group) but waits up to `grace`
    /// seconds before SIGKILL, not the usual 2, so it can write a last checkpoint.
    package func preempt(reason: String, graceSeconds: Double) {
        lock.withLock {
            if storedReason == nil {
                storedReason = reason
                storedGrace = graceSeconds
            }
        }
    }

    /// Ends the grace at once: the process group gets SIGKILL now (a second signal to the worker).
    package func killNow(reason: String) {
        lock.withLock {
            if storedReason == nil { storedReason = reason }
            storedKill = true
        }
    }

    /// The grace between SIGTERM and SIGKILL that `preempt` asked for, if any.
    package var graceSeconds: Double? { lock.withLock { storedGrace } }
    /// Whether `killNow` was called.
    package var killRequested: Bool { lock.withLock { storedKill } }
}
