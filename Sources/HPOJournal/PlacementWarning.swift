import HPOCore

/// `placement_warning`: workers are connected and trials wait, but no connected worker can ever
/// hold one of this study's trials (too few GPUs or cores, a missing label). The study waits for one that
/// can; `hpo status` shows the warning until a trial is dispatched again. Journaled once each
/// time the study gets into that state.
package struct PlacementWarning: Hashable, Sendable, Codable {
    /// One sentence: what the trials need and that no connected worker has it.
    package var reason: String
    /// GPUs each trial needs (nil: the default, one per command trial where there are GPUs).
    package var gpus: Int?
    /// GB each of a trial's GPUs must have, and cores each trial takes (nil: not asked).
    package var gpuMemoryGB: Double?
    package var cores: Int?
    /// Labels each trial's worker needs.
    package var labels: [String]
    /// Connected workers (at most 32) and why each cannot hold a trial.
    package var workers: [WorkerMismatch]

    package struct WorkerMismatch: Hashable, Sendable, Codable {
        package var worker: WorkerID
        package var reason: String
        package init(worker: WorkerID, reason: String) {
            self.worker = worker
            self.reason = reason
        }
    }

    package init(
        reason: String, gpus: Int?, gpuMemoryGB: Double? = nil, cores: Int? = nil, labels: [String],
        workers: [WorkerMismatch]
    ) {
        self.reason = reason
        self.gpus = gpus
        self.gpuMemoryGB = gpuMemoryGB
        self.cores = cores
        self.labels = labels
        self.workers = workers
    }

    enum CodingKeys: String, CodingKey {
        case reason, gpus, cores, labels, workers
        case gpuMemoryGB = "gpu_memory_gb"
    }
}
