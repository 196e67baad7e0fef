import HPOCore
import HPOWire
import HPOWorker
import Testing

/// The worker's side of pruning: `stop` cancels the trial, and its end is reported as `pruned`.
@Suite struct WorkerStopTests {
    let identity = WorkerIdentity(name: "w", host: "h", pid: 9, slots: 2, software: "t")
    let welcome = Welcome(worker: WorkerID("w"), study: "s", heartbeatIntervalMilliseconds: 1000, liveness: 3)
    let key = TrialKey(trial: TrialID(3), attempt: 1)

    func running() -> WorkerStateMachine {
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(.welcome(welcome), now: 0)
        let assignment = Assignment(
            key: key, parameters: ["x0": .double(1)], spec: TrialSpec(program: .command(["true"])),
            objectiveMetric: "loss")
        _ = machine.received(.assign(assignment), now: 0)
        return machine
    }

    func sentResult(_ actions: [WorkerAction]) -> TrialResult? {
        actions.compactMap { if case .send(.result(let message)) = $0 { message.result } else { nil } }.first
    }

    @Test("stop cancels the running trial (once); a stop for a trial not running is ignored")
    func stopCancels() {
        var machine = running()
        let stop = StopMessage(
            key: key, reason: "asha: loss 0.9 at step 1 is not the best of the 2 trials that reached it (best 0.5)")
        let actions = machine.received(.stop(stop), now: 1)
        #expect(actions == [.cancelTrial(key, reason: WorkerStateMachine.pruneCancellation(stop.reason))])
        #expect(machine.stopping[key] == stop.reason)
        #expect(machine.received(.stop(stop), now: 1.1).isEmpty, "a repeated stop cancels nothing more")
        #expect(
            machine.received(.stop(StopMessage(key: TrialKey(trial: TrialID(9), attempt: 1), reason: "x")), now: 1.2)
                .isEmpty)
    }

    @Test(
        "the cancelled trial is reported as pruned with the coordinator's reason and its last report's step and metrics"
    )
    func prunedResult() throws {
        var machine = running()
        _ = machine.trialReported(key, TrialReport(step: 1, metrics: ["loss": 0.9]), now: 0.5)
        _ = machine.trialReported(key, TrialReport(step: 2, metrics: ["loss": 0.8]), now: 0.6)
        _ = machine.received(.stop(StopMessage(key: key, reason: "median: …")), now: 1)
        // What the runner returns when cancelled: failed, with the cancellation's reason.
        let cancelled = TrialResult(
            status: .failed, metrics: [:], reason: WorkerStateMachine.pruneCancellation("median: …"),
            durationSeconds: 1.2)
        let result = try #require(sentResult(machine.trialFinished(key, cancelled, now: 1.3)))
        #expect(result.status == .pruned)
        #expect(result.reason == "median: …")
        #expect(result.step == 2)
        #expect(result.metrics == ["loss": 0.8])
        #expect(result.durationSeconds == 1.2)
        #expect(machine.unacknowledged[key]?.result == result, "kept until acked, like any result")
        #expect(machine.stopping.isEmpty)
    }

    @Test("a trial that completed before the stop took effect is reported completed")
    func completedStands() throws {
        var machine = running()
        _ = machine.received(.stop(StopMessage(key: key, reason: "r")), now: 1)
        let completed = TrialResult(status: .completed, metrics: ["loss": 0.3], durationSeconds: 2)
        #expect(try #require(sentResult(machine.trialFinished(key, completed, now: 1.1))) == completed)
    }

    @Test("without a stop, a cancelled or failed trial stays failed")
    func failedStaysFailed() throws {
        var machine = running()
        _ = machine.trialReported(key, TrialReport(step: 1, metrics: ["loss": 0.9]), now: 0.5)
        let failed = TrialResult(status: .failed, metrics: [:], reason: "exit code 1", durationSeconds: 1)
        #expect(try #require(sentResult(machine.trialFinished(key, failed, now: 1))) == failed)
    }
}
