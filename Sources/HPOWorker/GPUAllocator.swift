import HPOCore
import HPOWire

/// Which of a worker's GPUs each running trial holds: a device belongs to one trial at a time.
/// Part of `WorkerStateMachine` (no I/O); the service reads a trial's devices when it starts it.
package struct GPUAllocator: Hashable, Sendable {
    /// nil: the worker does not manage GPUs (none found by `auto`): trials get nothing and their
    /// environment is left alone. Otherwise every device the worker hands out, in order.
    package let devices: [GPUDevice]?
    /// The devices of each running trial.
    package private(set) var held: [TrialKey: [GPUDevice]] = [:]

    package init(devices: [GPUDevice]?) {
        self.devices = devices
    }

    package var total: Int { devices?.count ?? 0 }
    package var free: [GPUDevice] {
        let taken = Set(held.values.joined().map(\.id))
        return (devices ?? []).filter { !taken.contains($0.id) }
    }

    /// GPUs one trial of `spec` takes here.
    package func needed(by spec: TrialSpec) -> Int { max(spec.gpusPerTrial(workerGPUs: total), 0) }

    /// The devices a trial of `spec` may be given: all of them, or with `gpu_memory_gb` only those
    /// known to have that much memory.
    func fitting(_ devices: [GPUDevice], for spec: TrialSpec) -> [GPUDevice] {
        guard let request = spec.resources else { return devices }
        return devices.filter { request.admits(gpuMemoryMiB: $0.memoryMiB) }
    }

    /// Whether a trial of `spec` could start now.
    package func canStart(_ spec: TrialSpec) -> Bool { needed(by: spec) <= fitting(free, for: spec).count }

    /// Why a trial of `spec` can never run here (it needs more GPUs, or more with enough memory,
    /// than the worker has), or nil.
    package func neverFits(_ spec: TrialSpec) -> String? {
        let needed = needed(by: spec)
        let fitting = fitting(devices ?? [], for: spec).count
        guard needed > fitting else { return nil }
        let memory = spec.resources?.gpuMemoryGB.map { " with ≥ \(ResourceRequest.describe(gigabytes: $0))" } ?? ""
        return "the trial needs \(needed) GPU\(needed == 1 ? "" : "s")\(memory) and this worker has \(fitting)"
    }

    /// Gives `key` the lowest free devices it needs among those it may be given; the caller
    /// checked `canStart`.
    @discardableResult
    package mutating func allocate(_ key: TrialKey, spec: TrialSpec) -> [GPUDevice] {
        let devices = Array(fitting(free, for: spec).prefix(needed(by: spec)))
        held[key] = devices
        return devices
    }

    package mutating func release(_ key: TrialKey) {
        held[key] = nil
    }

    /// The variables a trial holding `devices` gets, or none when the worker does not manage
    /// GPUs. `CUDA_VISIBLE_DEVICES` lists the devices by the ids the worker knows them by
    /// (nvidia-smi's indices, in PCI bus order, hence `CUDA_DEVICE_ORDER=PCI_BUS_ID` so that CUDA
    /// numbers them the same way); empty, it hides every GPU. `HPO_GPUS` repeats the list.
    package func environment(for key: TrialKey) -> [String: String] {
        guard devices != nil else { return [:] }
        let list = (held[key] ?? []).map(\.id).joined(separator: ",")
        return ["CUDA_VISIBLE_DEVICES": list, "CUDA_DEVICE_ORDER": "PCI_BUS_ID", "HPO_GPUS": list]
    }
}
