import HPOCore
import HPOWire
import HPOWorker
import Testing

/// The worker's state machine hands out GPUs: a trial starts only when its devices are free, and
/// no device is held by two running trials.
@Suite struct WorkerGPUTests {
    let welcome = Welcome(worker: WorkerID("w"), study: "s", heartbeatIntervalMilliseconds: 1000, liveness: 3)

    func machine(gpus: Int, slots: Int, prefetch: Int = 1) -> WorkerStateMachine {
        var identity = WorkerIdentity(name: "w", host: "h", pid: 9, slots: slots, software: "t", prefetch: prefetch)
        identity.gpus = (0..<gpus).map { GPUDevice(id: "\($0)") }
        identity.labels = ["a100"]
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(.welcome(welcome), now: 0)
        return machine
    }

    func assignment(_ trial: Int, gpus: Int?) -> Assignment {
        var spec = TrialSpec(program: .command(["train"]))
        if let gpus { spec.resources = ResourceRequest(gpus: gpus) }
        return Assignment(
            key: TrialKey(trial: TrialID(trial), attempt: 1), parameters: [:], spec: spec, objectiveMetric: "loss")
    }

    func started(_ actions: [WorkerAction]) -> [Int] {
        actions.compactMap { if case .startTrial(let a) = $0 { a.key.trial.rawValue } else { nil } }
    }

    let done = TrialResult(status: .completed, metrics: ["loss": 1], durationSeconds: 1)

    @Test("the hello announces the GPUs and labels")
    func hello() {
        var identity = WorkerIdentity(name: "w", host: "h", pid: 9, slots: 4, software: "t")
        identity.gpus = [GPUDevice(id: "0", uuid: "GPU-a", memoryMiB: 81920)]
        identity.labels = ["a100"]
        identity.cores = 8
        var machine = WorkerStateMachine(identity: identity)
        guard case .send(.hello(let hello)) = machine.start(now: 0).first else {
            Issue.record("no hello")
            return
        }
        #expect(
            hello.resources
                == WorkerResources(
                    gpus: [GPUDevice(id: "0", uuid: "GPU-a", memoryMiB: 81920)], cores: 8, labels: ["a100"],
                    gpuMemoryAware: true))
    }

    @Test("four GPUs, four slots, one GPU per trial: four different devices; the fifth waits for a free one")
    func oneEach() {
        var machine = machine(gpus: 4, slots: 4)
        for trial in 1...4 {
            #expect(started(machine.received(.assign(assignment(trial, gpus: nil)), now: 1)) == [trial])
        }
        let held = (1...4).map { machine.gpus.held[TrialKey(trial: TrialID($0), attempt: 1)]?.map(\.id) ?? [] }
        #expect(held == [["0"], ["1"], ["2"], ["3"]])
        #expect(started(machine.received(.assign(assignment(5, gpus: nil)), now: 1)).isEmpty)
        #expect(machine.queued.map(\.key.trial.rawValue) == [5])
        // Trial 3 ends: trial 5 starts on its device, in the same turn as the result goes out.
        #expect(started(machine.trialFinished(TrialKey(trial: TrialID(3), attempt: 1), done, now: 2)) == [5])
        #expect(machine.gpus.held[TrialKey(trial: TrialID(5), attempt: 1)]?.map(\.id) == ["2"])
    }

    @Test("two GPUs per trial on four GPUs and four slots: two at once, disjoint, a third waits with slots free")
    func twoEach() {
        var machine = machine(gpus: 4, slots: 4, prefetch: 2)
        #expect(started(machine.received(.assign(assignment(1, gpus: 2)), now: 1)) == [1])
        #expect(started(machine.received(.assign(assignment(2, gpus: 2)), now: 1)) == [2])
        #expect(started(machine.received(.assign(assignment(3, gpus: 2)), now: 1)).isEmpty)
        #expect(started(machine.received(.assign(assignment(4, gpus: 2)), now: 1)).isEmpty)
        #expect(machine.running.count == 2)
        let one = Set(machine.gpus.held[TrialKey(trial: TrialID(1), attempt: 1)]!.map(\.id))
        let two = Set(machine.gpus.held[TrialKey(trial: TrialID(2), attempt: 1)]!.map(\.id))
        #expect(one.count == 2 && two.count == 2 && one.isDisjoint(with: two))
        #expect(started(machine.trialFinished(TrialKey(trial: TrialID(1), attempt: 1), done, now: 2)) == [3])
        #expect(machine.gpus.held[TrialKey(trial: TrialID(3), attempt: 1)].map { Set($0.map(\.id)) } == one)
        #expect(machine.queued.map(\.key.trial.rawValue) == [4])
    }

    @Test("an assignment needing more GPUs than the worker has fails at once with the reason, never waits for ever")
    func neverFits() {
        var machine = machine(gpus: 1, slots: 1)
        let actions = machine.received(.assign(assignment(1, gpus: 2)), now: 1)
        guard case .send(.result(let result)) = actions.first else {
            Issue.record("expected a result, got \(actions)")
            return
        }
        #expect(result.result.status == .failed)
        #expect(result.result.reason == "the trial needs 2 GPUs and this worker has 1")
        #expect(machine.running.isEmpty && machine.queued.isEmpty)
        // The worker is not blocked: the next trial that fits runs.
        #expect(started(machine.received(.assign(assignment(2, gpus: 1)), now: 1)) == [2])
    }

    @Test("zero GPUs per trial on a GPU worker: limited by slots only")
    func zeroGPUs() {
        var machine = machine(gpus: 1, slots: 3)
        for trial in 1...3 {
            #expect(started(machine.received(.assign(assignment(trial, gpus: 0)), now: 1)) == [trial])
        }
        #expect(machine.gpus.environment(for: TrialKey(trial: TrialID(1), attempt: 1))["CUDA_VISIBLE_DEVICES"] == "")
    }
}
