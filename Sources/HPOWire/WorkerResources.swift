import HPOCore

/// One GPU a worker gives to trials, as its hello announces it.
package struct GPUDevice: Hashable, Sendable, Codable {
    /// What the worker puts in a trial's `CUDA_VISIBLE_DEVICES`: the index `nvidia-smi` lists
    /// (`"0"`), or a device named by UUID in `--gpus` or `CUDA_VISIBLE_DEVICES` (`"GPU-5c1d…"`).
    package var id: String
    /// `GPU-…`, when `nvidia-smi` told it.
    package var uuid: String?
    /// Total memory in MiB, when `nvidia-smi` told it.
    package var memoryMiB: Int?

    package init(id: String, uuid: String? = nil, memoryMiB: Int? = nil) {
        self.id = id
        self.uuid = uuid
        self.memoryMiB = memoryMiB
    }

    enum CodingKeys: String, CodingKey {
        case id, uuid
        case memoryMiB = "memory_mib"
    }
}

/// What a worker offers beyond its slots (`hello.resources`, docs/protocol.md): its GPUs, its
/// cores, its labels. The coordinator gives a worker only trials it can hold (`TrialSpec.capacity`).
package struct WorkerResources: Hashable, Sendable, Codable {
    package var gpus: [GPUDevice]
    /// CPU cores the worker's process may use: a study's `resources.cores` per trial count against them.
    package var cores: Int?
    /// `hpo-worker --label`: what a study's `trial.labels` are matched against.
    package var labels: [String]
    /// The worker gives a trial that asks `gpu_memory_gb` only GPUs with that much memory
    /// (`"gpu_memory_aware": true`; absent from workers that predate it, which ignore the request).
    package var gpuMemoryAware: Bool

    package init(gpus: [GPUDevice] = [], cores: Int? = nil, labels: [String] = [], gpuMemoryAware: Bool = false) {
        self.gpus = gpus
        self.cores = cores
        self.labels = labels
        self.gpuMemoryAware = gpuMemoryAware
    }

    enum CodingKeys: String, CodingKey {
        case gpus, cores, labels
        case gpuMemoryAware = "gpu_memory_aware"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        gpus = try container.decodeIfPresent([GPUDevice].self, forKey: .gpus) ?? []
        cores = try container.decodeIfPresent(Int.self, forKey: .cores)
        labels = try container.decodeIfPresent([String].self, forKey: .labels) ?? []
        gpuMemoryAware = try container.decodeIfPresent(Bool.self, forKey: .gpuMemoryAware) ?? false
    }

    /// `gpu_memory_aware` only when true, so that the hello of a worker that is not reads as before.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(gpus, forKey: .gpus)
        try container.encodeIfPresent(cores, forKey: .cores)
        try container.encode(labels, forKey: .labels)
        if gpuMemoryAware { try container.encode(true, forKey: .gpuMemoryAware) }
    }
}

extension WireLimits {
    /// `hello.resources.gpus`: at most this many devices, ids 1…64 bytes and distinct, UUIDs at
    /// most 128 bytes, memory 0…2³⁰ MiB (an exbibyte).
    package static let maxGPUs = ResourceRequest.maxGPUs
    package static let maxGPUIDBytes = 64
    package static let maxGPUUUIDBytes = 128
    package static let maxGPUMemoryMiB = 1 << 30
    /// `hello.resources.cores`: 1…2²⁰.
    package static let maxCores = ResourceRequest.maxCores
}

extension WireBounds {
    /// Why a hello's `resources` cannot be used, or nil. Such resources are dropped (the worker
    /// counts as having no GPUs and no labels) and the reason logged; the hello itself is served.
    package static func violation(in resources: WorkerResources) -> String? {
        guard resources.gpus.count <= WireLimits.maxGPUs else {
            return "\(resources.gpus.count) GPUs, more than \(WireLimits.maxGPUs)"
        }
        var seen: Set<String> = []
        for gpu in resources.gpus {
            guard (1...WireLimits.maxGPUIDBytes).contains(gpu.id.utf8.count) else {
                return
                    """
                    GPU id \(quoted(gpu.id)) is \(gpu.id.utf8.count) bytes long, not in \
                    1...\(WireLimits.maxGPUIDBytes)
                    """
            }
            guard seen.insert(gpu.id).inserted else { return "GPU id \(quoted(gpu.id)) is listed twice" }
            if let uuid = gpu.uuid, uuid.utf8.count > WireLimits.maxGPUUUIDBytes {
                return "GPU uuid is \(uuid.utf8.count) bytes long, more than \(WireLimits.maxGPUUUIDBytes)"
            }
            if let memory = gpu.memoryMiB, !(0...WireLimits.maxGPUMemoryMiB).contains(memory) {
                return "GPU memory_mib \(memory) is not in 0...\(WireLimits.maxGPUMemoryMiB)"
            }
        }
        if let cores = resources.cores, !(1...WireLimits.maxCores).contains(cores) {
            return "cores \(cores) is not in 1...\(WireLimits.maxCores)"
        }
        guard resources.labels.count <= ResourceRequest.maxLabels else {
            return "\(resources.labels.count) labels, more than \(ResourceRequest.maxLabels)"
        }
        for label in resources.labels {
            if let violation = ResourceRequest.labelViolation(truncated(label, maxBytes: 200)) { return violation }
        }
        return nil
    }

    /// Why a study's resource request (`assign.spec.resources`) is out of bounds, or nil: the
    /// bounds of the study file (`gpus` 0…256, `gpu_memory_gb` finite, above 0 and at most 2²⁰,
    /// `cores` 1…2²⁰, at most 64 valid labels).
    package static func violation(in request: ResourceRequest) -> String? {
        if let gpus = request.gpus, !(0...ResourceRequest.maxGPUs).contains(gpus) {
            return "resources.gpus \(gpus) is not in 0...\(ResourceRequest.maxGPUs)"
        }
        if let memory = request.gpuMemoryGB,
            !(memory.isFinite && memory > 0 && memory <= ResourceRequest.maxGPUMemoryGB)
        {
            return "resources.gpu_memory_gb \(memory) is not above 0 and at most \(Int(ResourceRequest.maxGPUMemoryGB))"
        }
        if let cores = request.cores, !(1...ResourceRequest.maxCores).contains(cores) {
            return "resources.cores \(cores) is not in 1...\(ResourceRequest.maxCores)"
        }
        guard request.labels.count <= ResourceRequest.maxLabels else {
            return "\(request.labels.count) labels, more than \(ResourceRequest.maxLabels)"
        }
        for label in request.labels {
            if let violation = ResourceRequest.labelViolation(truncated(label, maxBytes: 200)) { return violation }
        }
        return nil
    }

    /// A hello with usable resources: unusable ones removed, and why noted in `droppedResources`.
    static func withUsableResources(_ hello: Hello) -> Hello {
        guard let resources = hello.resources, let violation = violation(in: resources) else { return hello }
        var hello = hello
        hello.resources = nil
        hello.droppedResources = "resources out of bounds: \(violation)"
        return hello
    }
}
