/// What each trial of a study needs from the worker that runs it: the study file's
/// `trial.resources` (GPUs, GPU memory, cores) and `trial.labels` (docs/study-file.md). Every
/// trial of a study asks the same, so a worker either can hold some number of them at once or
/// never any.
package struct ResourceRequest: Hashable, Sendable, Codable {
    /// GPUs per trial, each held by that trial alone while it runs. nil: the default, one GPU per
    /// command trial on a worker that has GPUs and none elsewhere (see `TrialSpec.gpusPerTrial`).
    package var gpus: Int?
    /// The memory each GPU a trial gets must have, in GB (10⁹ bytes, as GPUs are sold: an 80 GB
    /// card reports 81559 MiB or 81920 MiB). nil: any GPU. Set without `gpus`: one GPU per trial.
    package var gpuMemoryGB: Double?
    /// CPU cores each trial takes of the cores its worker announces; nil: none counted.
    package var cores: Int?
    /// Labels the worker must all have (`hpo-worker --label`); empty: any worker.
    package var labels: [String]

    package init(gpus: Int? = nil, gpuMemoryGB: Double? = nil, cores: Int? = nil, labels: [String] = []) {
        self.gpus = gpus
        self.gpuMemoryGB = gpuMemoryGB
        self.cores = cores
        self.labels = labels
    }

    /// Nothing asked: no `resources` in the spec at all.
    package var isEmpty: Bool { gpus == nil && gpuMemoryGB == nil && cores == nil && labels.isEmpty }

    /// The most GPUs a study may ask per trial, and the most labels (with their length, the
    /// characters a label may hold): the same bounds a worker's hello is held to.
    package static let maxGPUs = 256
    package static let maxLabels = 64
    package static let maxLabelBytes = 128
    /// The most GPU memory (GB) and cores a study may ask per trial.
    package static let maxGPUMemoryGB = 1_048_576.0
    package static let maxCores = 1 << 20

    /// The MiB (what `nvidia-smi` reports) a GPU needs to have `gpuMemoryGB`, or nil.
    package var gpuMemoryMiB: Int? {
        gpuMemoryGB.map { Int(($0 * 1e9 / 1_048_576).rounded(.up)) }
    }

    /// Whether a GPU with `memoryMiB` (nil: unknown) may be given to a trial: any GPU without a
    /// memory request, only one known to have enough with one.
    package func admits(gpuMemoryMiB memoryMiB: Int?) -> Bool {
        guard let needed = gpuMemoryMiB else { return true }
        return (memoryMiB ?? -1) >= needed
    }

    /// `40 GB`, `7.5 GB`: the request in words.
    package static func describe(gigabytes: Double) -> String {
        let whole = gigabytes.rounded() == gigabytes && abs(gigabytes) < 1e15
        return whole ? "\(Int(gigabytes)) GB" : "\(gigabytes) GB"
    }

    /// Why `label` is not a valid label, or nil: 1…128 bytes of ASCII letters, digits and
    /// `. _ - : = /` (so `gpu=a100`, `zone/eu-1` work and a label never needs quoting in a log).
    package static func labelViolation(_ label: String) -> String? {
        guard !label.isEmpty else { return "a label is empty" }
        guard label.utf8.count <= maxLabelBytes else {
            return "label '\(label.prefix(40))…' is \(label.utf8.count) bytes long, more than \(maxLabelBytes)"
        }
        let allowed = label.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-", ":", "=", "/": true
            default: false
            }
        }
        return allowed ? nil : "label '\(label)' may hold only ASCII letters, digits and . _ - : = /"
    }

    enum CodingKeys: String, CodingKey {
        case gpus, cores, labels
        case gpuMemoryGB = "gpu_memory_gb"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        gpus = try container.decodeIfPresent(Int.self, forKey: .gpus)
        gpuMemoryGB = try container.decodeIfPresent(Double.self, forKey: .gpuMemoryGB)
        cores = try container.decodeIfPresent(Int.self, forKey: .cores)
        labels = try container.decodeIfPresent([String].self, forKey: .labels) ?? []
    }

    /// Only what is set: `{"gpus":2}`, `{"gpu_memory_gb":40}`, `{"labels":["a100"]}`.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(gpus, forKey: .gpus)
        try container.encodeIfPresent(gpuMemoryGB, forKey: .gpuMemoryGB)
        try container.encodeIfPresent(cores, forKey: .cores)
        if !labels.isEmpty { try container.encode(labels, forKey: .labels) }
    }
}

/// How many trials of a study one worker can hold at once, or why none ever.
package enum TrialCapacity: Hashable, Sendable {
    /// At most this many at once (at least 1).
    case trials(Int)
    /// None, whatever it is running: the worker lacks GPUs, cores or labels the trials need.
    case never(reason: String)

    package var count: Int {
        if case .trials(let count) = self { count } else { 0 }
    }
}

extension TrialSpec {
    /// GPUs one trial takes on a worker with `workerGPUs` GPUs: the study's `resources.gpus`; one
    /// when it asks only for GPU memory; by default one for a command trial where there are GPUs
    /// (the program is likely to use one: it gets its own) and none for a built-in function
    /// (which runs in the worker on CPU).
    package func gpusPerTrial(workerGPUs: Int) -> Int {
        if let gpus = resources?.gpus { return gpus }
        if resources?.gpuMemoryGB != nil { return 1 }
        guard workerGPUs > 0, case .command = program else { return 0 }
        return 1
    }

    /// How many trials of this spec a worker can run at once: its `slots`; fewer when each trial
    /// needs GPUs of its own (only those of `gpuMemoryMiB`, one entry per GPU, nil where unknown,
    /// with enough memory count) or cores of the worker's `cores`; none when it lacks a label,
    /// has fewer fitting GPUs or cores than one trial needs.
    package func capacity(slots: Int, gpuMemoryMiB: [Int?], cores: Int?, labels: Set<String>) -> TrialCapacity {
        let wanted = resources?.labels ?? []
        let missing = wanted.filter { !labels.contains($0) }
        if !missing.isEmpty {
            let has = labels.isEmpty ? "none" : labels.sorted().joined(separator: ", ")
            return .never(
                reason: "lacks label\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) (has: \(has))")
        }
        var capacity = max(slots, 0)
        let perTrial = gpusPerTrial(workerGPUs: gpuMemoryMiB.count)
        if perTrial > 0 {
            let fitting = gpuMemoryMiB.filter { resources?.admits(gpuMemoryMiB: $0) ?? true }.count
            guard fitting >= perTrial else {
                return .never(reason: "has \(describeGPUs(fitting, of: gpuMemoryMiB)), a trial needs \(perTrial)")
            }
            capacity = min(capacity, fitting / perTrial)
        }
        if let perTrial = resources?.cores, perTrial > 0 {
            guard let cores else { return .never(reason: "announces no cores, a trial needs \(perTrial)") }
            guard cores >= perTrial else {
                return .never(reason: "has \(cores) core\(cores == 1 ? "" : "s"), a trial needs \(perTrial)")
            }
            capacity = min(capacity, cores / perTrial)
        }
        return .trials(capacity)
    }

    /// `1 GPU`, `2 GPUs with ≥ 40 GB`, `0 GPUs with ≥ 40 GB (2 of unknown memory)`.
    private func describeGPUs(_ fitting: Int, of gpuMemoryMiB: [Int?]) -> String {
        let count = "\(fitting) GPU\(fitting == 1 ? "" : "s")"
        guard let gigabytes = resources?.gpuMemoryGB else { return count }
        let unknown = gpuMemoryMiB.filter { $0 == nil }.count
        let note = unknown == 0 ? "" : " (\(unknown) of unknown memory)"
        return "\(count) with ≥ \(ResourceRequest.describe(gigabytes: gigabytes))\(note)"
    }
}
