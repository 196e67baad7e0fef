import Foundation
import HPOCore

/// Everything a runner needs to run one attempt of one trial.
public struct TrialContext: Sendable {
    public var trial: TrialID
    public var attempt: Attempt
    public var parameters: Parameters
    public var spec: TrialSpec
    /// The metric that must be present and finite for the attempt to count as completed.
    public var objectiveMetric: String
    /// A directory for this attempt's files (the parameters JSON file), best one per attempt
    /// inside a directory that exists. The runner creates it if needed and removes what it created.
    public var scratchDirectory: String
    /// Variables the worker sets for this attempt alone, over everything else (command trials):
    /// the GPUs it holds (`CUDA_VISIBLE_DEVICES`, `HPO_GPUS`; see `GPUAllocator`).
    public var workerEnvironment: [String: String] = [:]

    public init(
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
public final class TrialCancellation: @unchecked Sendable {
    // @unchecked: `storedReason` is only touched under `lock`.
    private let lock = NSLock()
    private var storedReason: String?

    public init() {}

    /// Asks the trial to stop. The first reason given is kept.
    public func cancel(reason: String) {
        lock.withLock {
            if storedReason == nil { storedReason = reason }
        }
    }

    /// Why the trial was cancelled, or `nil` while it has not been.
    public var reason: String? { lock.withLock { storedReason } }
}
