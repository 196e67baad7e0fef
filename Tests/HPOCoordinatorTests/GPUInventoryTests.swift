import HPOCore
import HPOWire
import HPOWorker
import Testing

/// Reading `nvidia-smi --query-gpu=index,uuid,memory.total --format=csv,noheader` and `--gpus`.
@Suite struct GPUInventoryTests {
    /// Real output of a 4 × A100 80GB host (UUIDs shortened in the middle only by the GPUs' makers).
    static let fourGPUs = """
        0, GPU-8d3c5f9a-0f0e-4b5e-9d2c-1a2b3c4d5e6f, 81920 MiB
        1, GPU-1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718, 81920 MiB
        2, GPU-a0b1c2d3-e4f5-0617-2839-4a5b6c7d8e9f, 81920 MiB
        3, GPU-f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f, 81920 MiB

        """

    @Test("nvidia-smi's CSV gives index, uuid and memory of each device")
    func parse() throws {
        let devices = try GPUInventory.parse(nvidiaSMIOutput: Self.fourGPUs)
        #expect(devices.map(\.id) == ["0", "1", "2", "3"])
        #expect(devices[0] == GPUDevice(id: "0", uuid: "GPU-8d3c5f9a-0f0e-4b5e-9d2c-1a2b3c4d5e6f", memoryMiB: 81920))
        // Memory not reported (some MIG and virtual setups), CRLF line ends, spaces: still read.
        let odd = try GPUInventory.parse(nvidiaSMIOutput: "0, GPU-abc, [N/A]\r\n  1 ,GPU-def ,  16384 MiB\r\n")
        #expect(odd == [GPUDevice(id: "0", uuid: "GPU-abc"), GPUDevice(id: "1", uuid: "GPU-def", memoryMiB: 16384)])
        #expect(try GPUInventory.parse(nvidiaSMIOutput: "") == [])
    }

    @Test(
        "unreadable output is an error naming the line and the field",
        arguments: [
            ("0, GPU-a, 81920 MiB\nNo devices were found", "line 2", "expected 3 fields"),
            ("x, GPU-a, 1 MiB", "line 1", "index 'x' is not a number"),
            ("0, 12345, 1 MiB", "line 1", "does not start with GPU-"),
            ("0, GPU-a, 80 GB", "line 1", "memory.total '80 GB' is not 'N MiB'"),
            ("0, GPU-a, 1 MiB\n0, GPU-b, 1 MiB", "line 2", "index 0 is listed twice")
        ])
    func unreadable(output: String, line: String, fragment: String) {
        #expect {
            try GPUInventory.parse(nvidiaSMIOutput: output)
        } throws: { error in
            let text = (error as? GPUInventoryError)?.description ?? ""
            return text.contains(line) && text.contains(fragment)
        }
    }

    @Test("--gpus: auto, none, or a list of indices or UUIDs; anything else is an error")
    func selection() throws {
        #expect(try GPUSelection(parsing: "auto") == .auto)
        #expect(try GPUSelection(parsing: "none") == .none)
        #expect(try GPUSelection(parsing: "0,1,3") == .list(["0", "1", "3"]))
        #expect(try GPUSelection(parsing: " 2 , GPU-8d3c5f9a ") == .list(["2", "GPU-8d3c5f9a"]))
        for bad in ["", "0,,1", "all", "0,0", "-1", "gpu0", "0;1"] {
            #expect(throws: GPUInventoryError.self, "\(bad)") { try GPUSelection(parsing: bad) }
        }
    }

    func select(_ selection: GPUSelection, env: [String: String] = [:], smi: String?) throws -> GPUInventory.Discovery {
        try GPUInventory.select(selection, environment: env) {
            smi.map { .success($0) } ?? .failure(GPUInventoryError("nvidia-smi not found on PATH"))
        }
    }

    @Test("auto: nvidia-smi's devices, narrowed to CUDA_VISIBLE_DEVICES (indices or UUID prefixes, in its order)")
    func auto() throws {
        #expect(try select(.auto, smi: Self.fourGPUs).devices?.map(\.id) == ["0", "1", "2", "3"])
        #expect(
            try select(.auto, env: ["CUDA_VISIBLE_DEVICES": "3,1"], smi: Self.fourGPUs).devices?.map(\.id) == ["3", "1"]
        )
        #expect(
            try select(.auto, env: ["CUDA_VISIBLE_DEVICES": "GPU-a0b1c2d3,0"], smi: Self.fourGPUs).devices?.map(\.id)
                == ["2", "0"])
        // As CUDA does: the list ends at the first entry that names no device.
        #expect(
            try select(.auto, env: ["CUDA_VISIBLE_DEVICES": "1,7,2"], smi: Self.fourGPUs).devices?.map(\.id) == ["1"])
        // Set but empty (or naming nothing), or no nvidia-smi: the worker manages no GPUs.
        let hidden = try select(.auto, env: ["CUDA_VISIBLE_DEVICES": ""], smi: Self.fourGPUs)
        #expect(hidden.devices == nil)
        #expect(hidden.note.contains("CUDA_VISIBLE_DEVICES= leaves 0"))
        let absent = try select(.auto, smi: nil)
        #expect(absent.devices == nil)
        #expect(absent.note == "no GPUs: nvidia-smi not found on PATH")
        let garbage = try select(.auto, smi: "garbage")
        #expect(garbage.devices == nil)
        #expect(garbage.note.hasPrefix("no GPUs: nvidia-smi output line 1 'garbage': expected 3 fields"))
        #expect(try select(.list(["0", "1"]), smi: "garbage").devices?.map(\.id) == ["0", "1"])
    }

    @Test("none hides every GPU; a list is checked against nvidia-smi when it answers")
    func noneAndList() throws {
        #expect(try select(.none, smi: Self.fourGPUs).devices == [])
        let listed = try select(.list(["3", "0"]), smi: Self.fourGPUs)
        #expect(listed.devices?.map(\.id) == ["3", "0"])
        #expect(listed.devices?.first?.memoryMiB == 81920)
        #expect(try select(.list(["5"]), smi: nil).devices == [GPUDevice(id: "5")])
        let mig = "MIG-4b6e0f3c-9a0d-5b8e-8f7c-1d2e3f4a5b6c"
        #expect(try select(.list([mig, "1"]), smi: Self.fourGPUs).devices?.map(\.id) == [mig, "1"])
        #expect {
            try select(.list(["0", "5"]), smi: Self.fourGPUs)
        } throws: { error in
            (error as? GPUInventoryError)?.description == "--gpus: nvidia-smi lists no device 5 (it lists: 0, 1, 2, 3)"
        }
    }

    @Test("each trial gets its own devices in CUDA_VISIBLE_DEVICES; none where the worker manages none")
    func allocatorEnvironment() {
        var gpus = GPUAllocator(devices: (0..<4).map { GPUDevice(id: "\($0)") })
        var two = TrialSpec(program: .command(["x"]))
        two.resources = ResourceRequest(gpus: 2)
        let a = TrialKey(trial: TrialID(1), attempt: 1)
        let b = TrialKey(trial: TrialID(2), attempt: 1)
        #expect(gpus.allocate(a, spec: two).map(\.id) == ["0", "1"])
        #expect(gpus.allocate(b, spec: two).map(\.id) == ["2", "3"])
        #expect(!gpus.canStart(two))
        #expect(
            gpus.environment(for: b) == [
                "CUDA_VISIBLE_DEVICES": "2,3", "HPO_GPUS": "2,3", "CUDA_DEVICE_ORDER": "PCI_BUS_ID"
            ])
        gpus.release(a)
        #expect(gpus.free.map(\.id) == ["0", "1"])
        // A built-in function takes no GPU by default, and is told so.
        let builtin = TrialSpec(program: .builtin("sphere"))
        #expect(gpus.needed(by: builtin) == 0)
        #expect(gpus.environment(for: TrialKey(trial: TrialID(9), attempt: 1))["CUDA_VISIBLE_DEVICES"] == "")
        // A worker that manages no GPUs leaves the environment alone.
        #expect(GPUAllocator(devices: nil).environment(for: a).isEmpty)
        #expect(GPUAllocator(devices: nil).neverFits(two) == "the trial needs 2 GPUs and this worker has 0")
    }

    @Test("gpu_memory_gb: a trial gets only devices with that much memory, never a small or unknown one")
    func allocatorMemory() {
        // nvidia-smi order: two 16 GB V100s first, then two 80 GB A100s, then one of unknown memory.
        var gpus = GPUAllocator(devices: [
            GPUDevice(id: "0", memoryMiB: 16384), GPUDevice(id: "1", memoryMiB: 16384),
            GPUDevice(id: "2", memoryMiB: 81920), GPUDevice(id: "3", memoryMiB: 81920), GPUDevice(id: "4")
        ])
        var big = TrialSpec(program: .command(["x"]))
        big.resources = ResourceRequest(gpuMemoryGB: 40)
        let a = TrialKey(trial: TrialID(1), attempt: 1)
        let b = TrialKey(trial: TrialID(2), attempt: 1)
        #expect(gpus.needed(by: big) == 1)
        #expect(gpus.neverFits(big) == nil)
        #expect(gpus.allocate(a, spec: big).map(\.id) == ["2"])
        #expect(gpus.allocate(b, spec: big).map(\.id) == ["3"])
        #expect(gpus.environment(for: b)["CUDA_VISIBLE_DEVICES"] == "3")
        // Three devices are free, none of them big enough.
        #expect(gpus.free.map(\.id) == ["0", "1", "4"])
        #expect(!gpus.canStart(big))
        gpus.release(a)
        #expect(gpus.canStart(big))
        // Two per trial: only the two A100s qualify; three never fit here, and the reason says so.
        var two = big
        two.resources?.gpus = 2
        gpus.release(b)
        #expect(gpus.allocate(a, spec: two).map(\.id) == ["2", "3"])
        var three = big
        three.resources?.gpus = 3
        #expect(gpus.neverFits(three) == "the trial needs 3 GPUs with ≥ 40 GB and this worker has 2")
        // Without a memory request every device serves, lowest first.
        gpus.release(a)
        var any = TrialSpec(program: .command(["x"]))
        any.resources = ResourceRequest(gpus: 2)
        #expect(gpus.allocate(b, spec: any).map(\.id) == ["0", "1"])
    }
}
