import HPOCore

/// `trial.resources` (`{gpus: N, gpu_memory_gb: M, cores: C}`) and `trial.labels` (`[a100,
/// zone-eu]`): what each trial needs from its worker (docs/study-file.md, "Resources and labels").
extension StudyFile {
    /// The keys `readTrial` accepts for both kinds of trial.
    static let resourceTrialKeys = ["resources", "labels"]

    /// nil when the study asks for nothing.
    static func readResources(_ trial: YAMLMapping) throws -> ResourceRequest? {
        var request = ResourceRequest()
        if let field = trial.optional("resources") {
            let mapping = try field.mapping()
            try mapping.checkKeys(allowed: ["gpus", "gpu_memory_gb", "cores"])
            if let gpus = mapping.optional("gpus") {
                let count = try gpus.int()
                guard (0...ResourceRequest.maxGPUs).contains(count) else {
                    throw gpus.expected("a number of GPUs per trial from 0 to \(ResourceRequest.maxGPUs)")
                }
                request.gpus = count
            }
            if let memory = mapping.optional("gpu_memory_gb") {
                let gigabytes = try memory.number()
                guard gigabytes > 0, gigabytes <= ResourceRequest.maxGPUMemoryGB else {
                    throw memory.expected(
                        "the memory each GPU of a trial must have, in GB, above 0 and at most "
                            + "\(Int(ResourceRequest.maxGPUMemoryGB))")
                }
                if request.gpus == 0 {
                    throw memory.error("gpu_memory_gb asks for GPUs with memory, but gpus is 0 (trials take no GPU)")
                }
                request.gpuMemoryGB = gigabytes
            }
            if let cores = mapping.optional("cores") {
                let count = try cores.int()
                guard (1...ResourceRequest.maxCores).contains(count) else {
                    throw cores.expected("a number of cores per trial from 1 to \(ResourceRequest.maxCores)")
                }
                request.cores = count
            }
        }
        if let field = trial.optional("labels") {
            let elements = try field.list()
            guard elements.count <= ResourceRequest.maxLabels else {
                throw field.error("at most \(ResourceRequest.maxLabels) labels, found \(elements.count)")
            }
            for element in elements {
                let label = try element.string()
                if let violation = ResourceRequest.labelViolation(label) { throw element.error(violation) }
                if !request.labels.contains(label) { request.labels.append(label) }
            }
        }
        return request.isEmpty ? nil : request
    }
}
