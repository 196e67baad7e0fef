import Foundation
import HPOWire
import HPOWorker

extension LocalWorkerPool {
    /// `--gpus` for each of `count` local workers. Several workers on one host would each find
    /// every GPU with `--gpus auto` and hand out the same devices, so the host's GPUs (as `auto`
    /// finds them: nvidia-smi, narrowed to `CUDA_VISIBLE_DEVICES`) are dealt out round-robin, and
    /// a worker left without any gets `--gpus=none` (its trials see no GPU). One local worker, or
    /// no GPUs: nothing added, each worker finds its own.
    static func gpuArguments(count: Int, devices: [GPUDevice]?) -> [[String]] {
        guard count > 1, let devices, !devices.isEmpty else { return Array(repeating: [], count: max(count, 0)) }
        return (0..<count).map { worker in
            let mine = stride(from: worker, to: devices.count, by: count).map { devices[$0].id }
            return ["--gpus=\(mine.isEmpty ? "none" : mine.joined(separator: ","))"]
        }
    }

    /// The host's GPUs as `hpo-worker --gpus auto` finds them, or nil.
    static func hostGPUs() -> [GPUDevice]? {
        let discovery = try? GPUInventory.select(
            .auto, environment: ProcessInfo.processInfo.environment, runNvidiaSMI: { GPUInventory.runNvidiaSMI() })
        return discovery?.devices
    }
}
