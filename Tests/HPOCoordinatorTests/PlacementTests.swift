import HPOCoordinator
import HPOCore
import HPOJournal
import HPOWire
import Testing

/// The coordinator places a study's trials by GPUs and labels (`+Placement`): a worker gets only
/// as many as it can hold, a worker that can hold none gets none, and a study that no connected
/// worker can serve says so (`placement_warning`).
@Suite struct PlacementTests {
    static func config(
        gpus: Int?, gpuMemoryGB: Double? = nil, cores: Int? = nil, labels: [String] = [],
        program: TrialProgram = .command(["train", "--x={x0}"]), budget: Int = 20
    )
        -> StudyConfig
    {
        var spec = TrialSpec(program: program)
        let request = ResourceRequest(gpus: gpus, gpuMemoryGB: gpuMemoryGB, cores: cores, labels: labels)
        spec.resources = request.isEmpty ? nil : request
        return StudyConfig(
            name: "gpus", objective: Objective(metric: "objective", direction: .minimize),
            budget: Budget(trials: budget, wallTimeSeconds: nil), strategy: StrategyConfig(kind: .random), seed: 1,
            space: SearchSpace([ParameterSpec(name: "x0", domain: .float(low: 0, high: 1, log: false), gridSteps: 3)]),
            trial: spec)
    }

    struct Study {
        var machine: CoordinatorStateMachine
        var journal: [JournalEvent] = []
        var now = 0.0

        init(_ config: StudyConfig) {
            machine = CoordinatorStateMachine(config: config, software: "t", host: "t")
            journal += machine.start(now: 0).journal
        }

        mutating func hello(
            _ peer: UInt8, slots: Int, gpus: Int, labels: [String] = [], prefetch: Int = 0,
            resources: WorkerResources? = nil
        ) -> [Assignment] {
            let offered =
                resources ?? WorkerResources(gpus: (0..<gpus).map { GPUDevice(id: "\($0)") }, cores: 8, labels: labels)
            let hello = Hello(
                name: "w\(peer)", host: "h", pid: 1, slots: slots, software: "t", prefetch: prefetch, resources: offered
            )
            let actions = machine.received(.hello(hello), from: PeerID([peer]), now: now)
            journal += actions.journal
            return actions.messages.compactMap {
                if $0.peer == PeerID([peer]), case .assign(let a) = $0.message { a } else { nil }
            }
        }

        mutating func complete(_ key: TrialKey, on peer: UInt8) -> [Assignment] {
            let result = TrialResult(status: .completed, metrics: ["objective": 1], durationSeconds: 1)
            let actions = machine.received(
                .result(ResultMessage(key: key, result: result)), from: PeerID([peer]), now: now)
            journal += actions.journal
            return actions.messages.compactMap { if case .assign(let a) = $0.message { a } else { nil } }
        }

        mutating func bye(_ peer: UInt8) {
            journal += machine.received(.bye(reason: "SIGTERM"), from: PeerID([peer]), now: now).journal
        }

        var warnings: [PlacementWarning] {
            journal.compactMap { if case .placementWarning(let w) = $0 { w } else { nil } }
        }
    }

    @Test("two GPUs per trial: a worker with 4 GPUs and 4 slots holds 2 at once (and queues 1 with prefetch)")
    func twoPerTrial() {
        var study = Study(Self.config(gpus: 2))
        let first = study.hello(1, slots: 4, gpus: 4)
        #expect(first.count == 2)
        // The log records the slots it has for this study: utilisation is measured against them.
        #expect(study.journal.contains { if case .workerJoined(let e) = $0 { e.slots == 2 } else { false } })
        #expect(study.machine.runningCount == 2)
        // A result frees room for exactly one more.
        #expect(study.complete(first[0].key, on: 1).count == 1)
        #expect(study.machine.runningCount == 2)
        // With prefetch 1, one more waits on the worker (it starts it when two GPUs are free).
        #expect(study.hello(2, slots: 4, gpus: 4, prefetch: 1).count == 3)
        // 5 GPUs, 2 per trial: 2 at once; 8 slots do not make more.
        #expect(study.hello(3, slots: 8, gpus: 5).count == 2)
        #expect(study.warnings.isEmpty)
    }

    @Test(
        "by default a command trial takes one GPU where there are GPUs and runs on CPU elsewhere; a built-in takes none"
    )
    func defaults() {
        var study = Study(Self.config(gpus: nil))
        #expect(study.hello(1, slots: 8, gpus: 4).count == 4)  // one per GPU
        #expect(study.hello(2, slots: 2, gpus: 0).count == 2)  // a CPU worker: its slots
        let old = Hello(name: "old", host: "h", pid: 1, slots: 3, software: "0.0.9")  // no resources at all
        let actions = study.machine.received(.hello(old), from: PeerID([3]), now: 0)
        #expect(actions.messages.filter { if case .assign = $0.message { true } else { false } }.count == 3)

        var builtin = Study(Self.config(gpus: nil, program: .builtin("sphere")))
        #expect(builtin.hello(1, slots: 8, gpus: 4).count == 8)
    }

    @Test("labels: only a worker with every label the study asks gets trials")
    func labels() {
        var study = Study(Self.config(gpus: 0, labels: ["a100", "zone=eu"]))
        #expect(study.hello(1, slots: 2, gpus: 0, labels: ["a100"]).isEmpty)
        #expect(study.machine.placementProblem(of: PeerID([1])) == "lacks label zone=eu (has: a100)")
        #expect(study.hello(2, slots: 2, gpus: 0, labels: ["zone=eu", "a100", "big"]).count == 2)
        #expect(study.machine.placementProblem(of: PeerID([2])) == nil)
        // Worker 1 lacked a label while worker 2 was not there yet: that was a warning; now it is served.
        #expect(study.warnings.count == 1)
    }

    @Test("no connected worker can hold a trial: one placement_warning naming each; a fitting worker ends it")
    func warning() {
        var study = Study(Self.config(gpus: 2))
        #expect(study.hello(1, slots: 1, gpus: 1).isEmpty)
        #expect(study.hello(2, slots: 4, gpus: 0, prefetch: 4).isEmpty)  // no queue places either
        #expect(study.machine.runningCount == 0)
        #expect(study.warnings.count == 1)
        let warning = study.warnings[0]
        #expect(warning.gpus == 2)
        #expect(warning.workers.map(\.worker.rawValue) == ["w1"])  // w2 joined after the warning
        #expect(
            warning.reason.hasPrefix(
                "no connected worker can run this study's trials (each needs 2 GPUs); w1: has 1 GPU, a trial needs 2"))
        #expect(study.machine.placementProblem(of: PeerID([2])) == "has 0 GPUs, a trial needs 2")
        // A worker that can hold trials gets them, and a later stretch without one warns again.
        let assigned = study.hello(3, slots: 1, gpus: 2)
        #expect(assigned.count == 1)
        study.bye(3)
        #expect(study.warnings.count == 2)
        #expect(study.warnings[1].workers.map(\.worker.rawValue) == ["w1", "w2"])
        #expect(study.machine.runningCount == 0)
        // The abandoned trial runs again when a fitting worker comes.
        #expect(
            study.hello(4, slots: 2, gpus: 4).map(\.key).contains(TrialKey(trial: assigned[0].key.trial, attempt: 2)))
    }

    @Test(
        """
        hostile resources in a hello (skipping the codec) count as none: the worker is registered but holds no \
        GPU trial
        """
    )
    func hostileResources() {
        var study = Study(Self.config(gpus: 1))
        let many = WorkerResources(gpus: (0..<5000).map { GPUDevice(id: "\($0)") })
        #expect(study.hello(1, slots: 4, gpus: 0, resources: many).isEmpty)
        #expect(study.machine.connectedWorkers == 1)
        #expect(study.machine.placementProblem(of: PeerID([1])) == "has 0 GPUs, a trial needs 1")
        let twice = WorkerResources(gpus: [GPUDevice(id: "0"), GPUDevice(id: "0")])
        #expect(study.hello(2, slots: 4, gpus: 0, resources: twice).isEmpty)
    }

    /// A worker's resources: GPUs of these sizes (MiB), these cores, aware of `gpu_memory_gb`.
    static func mixed(_ memory: [Int], cores: Int = 64, aware: Bool = true) -> WorkerResources {
        WorkerResources(
            gpus: memory.enumerated().map { GPUDevice(id: "\($0.offset)", memoryMiB: $0.element) }, cores: cores,
            gpuMemoryAware: aware)
    }

    @Test("gpu_memory_gb: only GPUs with that much memory count; too few anywhere is a placement_warning")
    func gpuMemory() {
        var study = Study(Self.config(gpus: 2, gpuMemoryGB: 40))
        let small = Self.mixed([16384, 16384, 16384, 16384])
        #expect(study.hello(1, slots: 4, gpus: 0, resources: small).isEmpty)
        #expect(study.machine.placementProblem(of: PeerID([1])) == "has 0 GPUs with ≥ 40 GB, a trial needs 2")
        #expect(study.hello(2, slots: 4, gpus: 0, resources: Self.mixed([81920, 16384, 16384, 16384])).isEmpty)
        #expect(study.machine.placementProblem(of: PeerID([2])) == "has 1 GPU with ≥ 40 GB, a trial needs 2")
        #expect(study.warnings.count == 1)
        let warning = study.warnings[0]
        #expect(warning.gpus == 2 && warning.gpuMemoryGB == 40 && warning.cores == nil)
        #expect(
            warning.reason.hasPrefix(
                "no connected worker can run this study's trials (each needs 2 GPUs with ≥ 40 GB); "
                    + "w1: has 0 GPUs with ≥ 40 GB, a trial needs 2"),
            "\(warning.reason)")
        // 4 big and 4 small GPUs, 8 slots: the big ones hold 2 trials of 2.
        let big = Self.mixed([81920, 16384, 81920, 16384, 81920, 16384, 81559, 16384])
        #expect(study.hello(3, slots: 8, gpus: 0, resources: big).count == 2)
        #expect(study.journal.contains { if case .workerJoined(let e) = $0 { e.slots == 2 } else { false } })
        #expect(study.machine.placementProblem(of: PeerID([3])) == nil)
    }

    @Test("a worker that predates gpu_memory_gb gets such trials only when every GPU it has is big enough")
    func memoryUnawareWorker() {
        var study = Study(Self.config(gpus: nil, gpuMemoryGB: 40))
        let old = Self.mixed([81920, 16384], aware: false)
        #expect(study.hello(1, slots: 2, gpus: 0, resources: old).isEmpty)
        #expect(
            study.machine.placementProblem(of: PeerID([1]))
                == "has GPUs below 40 GB and an hpo-worker that predates gpu_memory_gb (it could give a trial one of "
                + "them): upgrade it")
        #expect(study.hello(2, slots: 4, gpus: 0, resources: Self.mixed([81920, 81920], aware: false)).count == 2)
    }

    @Test("cores: a worker holds cores / cores-per-trial at most; one with too few holds none, and says why")
    func cores() {
        var study = Study(Self.config(gpus: 0, cores: 8))
        #expect(study.hello(1, slots: 8, gpus: 0, resources: Self.mixed([], cores: 4)).isEmpty)
        #expect(study.machine.placementProblem(of: PeerID([1])) == "has 4 cores, a trial needs 8")
        #expect(study.warnings.count == 1)
        #expect(study.warnings[0].cores == 8)
        #expect(study.warnings[0].reason.contains("(each needs 0 GPUs and 8 cores); w1: has 4 cores, a trial needs 8"))
        #expect(study.hello(2, slots: 8, gpus: 0, resources: Self.mixed([], cores: 20)).count == 2)
        // A hello without resources (an old worker) announces no cores.
        let old = Hello(name: "old", host: "h", pid: 1, slots: 3, software: "0.0.9")
        _ = study.machine.received(.hello(old), from: PeerID([3]), now: 0)
        #expect(study.machine.placementProblem(of: PeerID([3])) == "announces no cores, a trial needs 8")
    }
}
