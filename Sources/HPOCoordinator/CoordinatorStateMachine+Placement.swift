import HPOCore
import HPOJournal
import HPOWire

/// Which workers can hold this study's trials (docs/study-file.md, "Resources and labels").
///
/// Every trial of a study asks the same (`trial.resources`, `trial.labels`), so what a worker can
/// hold is one number, fixed when it registers: its slots, fewer when each trial takes GPUs of
/// its own (4 GPUs, 2 per trial: 2 at once; only GPUs with `gpu_memory_gb` count) or cores, none
/// when it lacks GPUs, cores or a label. The worker's entry gets that number as its slots, so
/// dispatch, prefetch and the counts need nothing else; the worker itself picks which devices
/// each trial gets (`GPUAllocator`, among those with enough memory).
struct PlacementState {
    /// Why each connected worker that can hold no trial cannot (by peer; entries of peers no
    /// longer connected are ignored).
    var unfit: [PeerID: String] = [:]
    /// Whether the current stretch of "no connected worker can hold a trial" has been journaled.
    var warned = false
}

extension CoordinatorStateMachine {
    /// How many of this study's trials the worker saying `hello` can hold at once, and why none
    /// if none. Resources out of bounds count as none announced (the codec already dropped them).
    func trialCapacity(of hello: Hello) -> TrialCapacity {
        let resources = hello.resources.flatMap { WireBounds.violation(in: $0) == nil ? $0 : nil }
        let capacity = config.trial.capacity(
            slots: hello.slots, gpuMemoryMiB: resources?.gpus.map(\.memoryMiB) ?? [], cores: resources?.cores,
            labels: Set(resources?.labels ?? []))
        // A worker that predates `gpu_memory_gb` would hand out its small GPUs too.
        guard case .trials = capacity, let resources, !resources.gpuMemoryAware,
            let request = config.trial.resources, let gigabytes = request.gpuMemoryGB,
            config.trial.gpusPerTrial(workerGPUs: resources.gpus.count) > 0,
            resources.gpus.contains(where: { !request.admits(gpuMemoryMiB: $0.memoryMiB) })
        else { return capacity }
        return .never(
            reason: "has GPUs below \(ResourceRequest.describe(gigabytes: gigabytes)) and an hpo-worker that "
                + "predates gpu_memory_gb (it could give a trial one of them): upgrade it")
    }

    /// Notes the worker registered on `peer` and what it can hold.
    mutating func notePlacement(of peer: PeerID, capacity: TrialCapacity) {
        if case .never(let reason) = capacity {
            placement.unfit[peer] = reason
        } else {
            placement.unfit[peer] = nil
        }
    }

    /// Why the worker on `peer` can hold none of this study's trials, or nil (for the log).
    package func placementProblem(of peer: PeerID) -> String? {
        guard workers[peer] != nil else { return nil }
        return placement.unfit[peer]
    }

    /// Trials wait, workers are connected, and none of them can ever hold one: journal
    /// `placement_warning` once for this stretch. A worker that can hold trials ends the stretch.
    mutating func checkPlacement(now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard !isFinished, !workers.isEmpty else { return actions }
        guard workers.values.allSatisfy({ $0.slots == 0 }) else {
            placement.warned = false
            return actions
        }
        let waiting = !retryQueue.isEmpty || canCreateTrials(now: now)
        guard waiting, !placement.warned else { return actions }
        placement.warned = true
        let sorted = workers.sorted { $0.value.id.rawValue < $1.value.id.rawValue }
        let mismatches = sorted.prefix(32).map { peer, worker in
            PlacementWarning.WorkerMismatch(worker: worker.id, reason: placement.unfit[peer] ?? "holds no trial")
        }
        let request = config.trial.resources
        var reason = "no connected worker can run this study's trials (each needs \(needs)); "
        reason += mismatches.prefix(3).map { "\($0.worker): \($0.reason)" }.joined(separator: "; ")
        if sorted.count > 3 { reason += "; and \(sorted.count - 3) more" }
        reason += ". Waiting for a worker that can."
        actions.journal.append(
            .placementWarning(
                PlacementWarning(
                    reason: WireBounds.truncated(reason, maxBytes: WireLimits.maxReasonBytes), gpus: request?.gpus,
                    gpuMemoryGB: request?.gpuMemoryGB, cores: request?.cores, labels: request?.labels ?? [],
                    workers: mismatches)))
        return actions
    }

    /// What a trial needs, in words: `2 GPUs with ≥ 40 GB and 8 cores and labels a100`,
    /// `1 GPU where there are GPUs`.
    var needs: String {
        var parts: [String] = []
        let memory = config.trial.resources?.gpuMemoryGB.map { " with ≥ \(ResourceRequest.describe(gigabytes: $0))" }
        switch config.trial.resources?.gpus {
        case let gpus?: parts.append("\(gpus) GPU\(gpus == 1 ? "" : "s")" + (gpus > 0 ? memory ?? "" : ""))
        case nil:
            if let memory {
                parts.append("1 GPU" + memory)
            } else if case .command = config.trial.program {
                parts.append("1 GPU where there are GPUs")
            }
        }
        if let cores = config.trial.resources?.cores { parts.append("\(cores) core\(cores == 1 ? "" : "s")") }
        let labels = config.trial.resources?.labels ?? []
        if !labels.isEmpty { parts.append("label\(labels.count == 1 ? "" : "s") \(labels.joined(separator: ", "))") }
        return parts.isEmpty ? "nothing in particular" : parts.joined(separator: " and ")
    }
}
