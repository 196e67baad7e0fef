import Foundation
import HPOCore
import Testing

/// `TrialSpec.capacity`: how many of a study's trials a worker holds at once, by slots, GPUs (only
/// those with `gpu_memory_gb` count), cores and labels, and why none.
@Suite struct TrialCapacityTests {
    func spec(gpus: Int? = nil, memory: Double? = nil, cores: Int? = nil) -> TrialSpec {
        var spec = TrialSpec(program: .command(["train"]))
        let request = ResourceRequest(gpus: gpus, gpuMemoryGB: memory, cores: cores)
        spec.resources = request.isEmpty ? nil : request
        return spec
    }

    /// nvidia-smi's sizes: 2 × A100 80GB, 2 × V100 16GB, 1 × H100 80GB (81559 MiB).
    let mixed: [Int?] = [81920, 81920, 16384, 16384, 81559]

    @Test("gpu_memory_gb is decimal GB: an 80 GB card that reports 81559 MiB has 80 GB, a 32 GB one 32510 MiB has 32")
    func gigabytes() {
        let request = ResourceRequest(gpuMemoryGB: 80)
        #expect(request.gpuMemoryMiB == 76294)
        #expect(request.admits(gpuMemoryMiB: 81559))
        #expect(!request.admits(gpuMemoryMiB: 40960))
        #expect(!request.admits(gpuMemoryMiB: nil))
        #expect(ResourceRequest(gpuMemoryGB: 32).admits(gpuMemoryMiB: 32510))
        #expect(ResourceRequest().admits(gpuMemoryMiB: nil))
        #expect(ResourceRequest.describe(gigabytes: 40) == "40 GB")
        #expect(ResourceRequest.describe(gigabytes: 7.5) == "7.5 GB")
    }

    @Test("only GPUs with enough memory count: min(slots, fitting GPUs / per trial)")
    func memory() {
        #expect(spec(gpus: 1, memory: 40).capacity(slots: 8, gpuMemoryMiB: mixed, cores: 64, labels: []) == .trials(3))
        #expect(spec(gpus: 2, memory: 40).capacity(slots: 8, gpuMemoryMiB: mixed, cores: 64, labels: []) == .trials(1))
        #expect(spec(gpus: 1, memory: 40).capacity(slots: 2, gpuMemoryMiB: mixed, cores: 64, labels: []) == .trials(2))
        // Without a memory request every GPU counts.
        #expect(spec(gpus: 1).capacity(slots: 8, gpuMemoryMiB: mixed, cores: 64, labels: []) == .trials(5))
        // gpu_memory_gb alone: one GPU per trial, also for a worker with no GPUs.
        #expect(spec(memory: 16).capacity(slots: 8, gpuMemoryMiB: mixed, cores: nil, labels: []) == .trials(5))
        #expect(
            spec(memory: 16).capacity(slots: 8, gpuMemoryMiB: [], cores: 8, labels: [])
                == .never(reason: "has 0 GPUs with ≥ 16 GB, a trial needs 1"))
    }

    @Test("too few GPUs with enough memory: none, and the reason says how many there are and of what size")
    func memoryReasons() {
        #expect(
            spec(gpus: 4, memory: 40).capacity(
                slots: 8, gpuMemoryMiB: [81920, 81920, 16384, 16384], cores: 8, labels: [])
                == .never(reason: "has 2 GPUs with ≥ 40 GB, a trial needs 4"))
        #expect(
            spec(gpus: 1, memory: 7.5).capacity(slots: 8, gpuMemoryMiB: [nil, nil, 4096], cores: 8, labels: [])
                == .never(reason: "has 0 GPUs with ≥ 7.5 GB (2 of unknown memory), a trial needs 1"))
        #expect(
            spec(gpus: 2).capacity(slots: 8, gpuMemoryMiB: [nil], cores: 8, labels: [])
                == .never(reason: "has 1 GPU, a trial needs 2"))
    }

    @Test("cores: min(slots, GPUs, cores / per trial); too few or none announced: none, with the reason")
    func cores() {
        #expect(spec(gpus: 0, cores: 8).capacity(slots: 8, gpuMemoryMiB: [], cores: 32, labels: []) == .trials(4))
        #expect(spec(gpus: 0, cores: 8).capacity(slots: 2, gpuMemoryMiB: [], cores: 32, labels: []) == .trials(2))
        #expect(spec(gpus: 0, cores: 3).capacity(slots: 8, gpuMemoryMiB: [], cores: 8, labels: []) == .trials(2))
        // The smallest of the three limits wins: 4 slots, 5 GPUs ≥ 16 GB, 64 / 32 = 2 by cores.
        #expect(
            spec(gpus: 1, memory: 16, cores: 32).capacity(slots: 4, gpuMemoryMiB: mixed, cores: 64, labels: [])
                == .trials(2))
        #expect(
            spec(gpus: 0, cores: 8).capacity(slots: 8, gpuMemoryMiB: [], cores: 4, labels: [])
                == .never(reason: "has 4 cores, a trial needs 8"))
        #expect(
            spec(gpus: 0, cores: 2).capacity(slots: 8, gpuMemoryMiB: [], cores: 1, labels: [])
                == .never(reason: "has 1 core, a trial needs 2"))
        #expect(
            spec(gpus: 0, cores: 2).capacity(slots: 8, gpuMemoryMiB: [], cores: nil, labels: [])
                == .never(reason: "announces no cores, a trial needs 2"))
        // A built-in function without a request: the slots, whatever the worker has.
        #expect(
            TrialSpec(program: .builtin("sphere")).capacity(slots: 3, gpuMemoryMiB: mixed, cores: nil, labels: [])
                == .trials(3))
    }

    @Test("the request's JSON has only what is set, under the wire's names, and reads back the same")
    func coding() throws {
        let request = ResourceRequest(gpus: 2, gpuMemoryGB: 40, cores: 8, labels: ["a100"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(request), as: UTF8.self)
        #expect(json == #"{"cores":8,"gpu_memory_gb":40,"gpus":2,"labels":["a100"]}"#)
        #expect(try JSONDecoder().decode(ResourceRequest.self, from: Data(json.utf8)) == request)
        #expect(String(decoding: try encoder.encode(ResourceRequest(gpus: 1)), as: UTF8.self) == #"{"gpus":1}"#)
    }
}
