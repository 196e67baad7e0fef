import HPOCoordinator
import HPOCore
import HPOJournal
import HPOWire
import HPOWorker
import Testing

/// A worker that prefetches keeps assignments queued beyond its slots and starts one the moment a
/// slot frees; the coordinator fills slots and queue places, and hurries only for idle slots.
@Suite struct PrefetchTests {
    let identity = WorkerIdentity(name: "w", host: "h", pid: 9, slots: 1, software: "t", prefetch: 1)
    let welcome = Welcome(worker: WorkerID("w"), study: "s", heartbeatIntervalMilliseconds: 1000, liveness: 3)

    func assignment(_ trial: Int) -> Assignment {
        Assignment(
            key: TrialKey(trial: TrialID(trial), attempt: 1), parameters: ["x0": .double(Double(trial))],
            spec: TrialSpec(program: .builtin("sphere")), objectiveMetric: "objective")
    }

    func registered() -> WorkerStateMachine {
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(.welcome(welcome), now: 0)
        return machine
    }

    func completed(after seconds: Double) -> TrialResult {
        TrialResult(status: .completed, metrics: ["objective": 1], durationSeconds: seconds)
    }

    func sentResult(_ actions: [WorkerAction]) -> TrialResult? {
        for case .send(.result(let message)) in actions { return message.result }
        return nil
    }

    @Test(
        """
        worker: one assignment runs, one waits in the queue, a third is refused; the queued one starts as the \
        slot frees
        """
    )
    func queueThenStart() {
        var machine = registered()
        #expect(machine.received(.assign(assignment(1)), now: 0) == [.startTrial(assignment(1))])
        #expect(machine.received(.assign(assignment(2)), now: 0).isEmpty)
        #expect(machine.received(.assign(assignment(3)), now: 0).isEmpty)
        #expect(machine.queued.map(\.key) == [assignment(2).key])
        // The queued trial starts in the same turn as the result goes out, before it.
        let actions = machine.trialFinished(assignment(1).key, completed(after: 0.5), now: 0.5)
        #expect(actions.first == .startTrial(assignment(2)))
        #expect(sentResult(actions)?.slotIdleSeconds == nil, "a slot's first trial has no idle time before it")
        #expect(machine.queued.isEmpty)
        // Trial 2 started the instant trial 1 ended: its slot stood idle 0 s.
        let second = machine.trialFinished(assignment(2).key, completed(after: 0.4), now: 0.9)
        #expect(sentResult(second)?.slotIdleSeconds == 0)
        // Nothing queued now: the next assignment arrives 0.3 s later, and the result says so.
        _ = machine.received(.assign(assignment(4)), now: 1.2)
        let third = machine.trialFinished(assignment(4).key, completed(after: 0.1), now: 1.3)
        let idle = try? #require(sentResult(third)?.slotIdleSeconds)
        #expect(abs((idle ?? 0) - 0.3) < 1e-9)
    }

    @Test("worker: a re-registration lists queued trials as held; a stop for a queued trial prunes it unstarted")
    func queuedTrialsAreHeld() {
        var machine = registered()
        _ = machine.received(.assign(assignment(1)), now: 0)
        _ = machine.received(.assign(assignment(2)), now: 0)
        let hello = machine.received(.reregister(reason: "restarted"), now: 1)
        guard case .send(.hello(let message)) = hello.first else {
            Issue.record("no hello: \(hello)")
            return
        }
        #expect(Set(message.running) == [assignment(1).key, assignment(2).key])
        #expect(message.prefetch == 1)
        _ = machine.received(.welcome(welcome), now: 1)
        let stopped = machine.received(.stop(StopMessage(key: assignment(2).key, reason: "asha rung 1")), now: 1.1)
        #expect(sentResult(stopped)?.status == .pruned)
        #expect(!stopped.contains { if case .startTrial = $0 { true } else { false } })
        #expect(machine.queued.isEmpty)
    }

    @Test("worker: shutting down cancels the running trial and drops the queued one without starting it")
    func shutdownDropsQueue() {
        var machine = registered()
        _ = machine.received(.assign(assignment(1)), now: 0)
        _ = machine.received(.assign(assignment(2)), now: 0)
        let actions = machine.received(.shutdown(reason: "done"), now: 1)
        #expect(actions.contains(.cancelTrial(assignment(1).key, reason: "worker stopping: coordinator: done")))
        #expect(!actions.contains { if case .startTrial = $0 { true } else { false } })
        #expect(machine.queued.isEmpty)
    }

    @Test(
        """
        coordinator: a worker with 1 slot and prefetch 1 gets 2 trials; each result brings one more; its idle \
        time is journaled
        """
    )
    func coordinatorFillsQueue() {
        var h = Harness(budget: 10)
        let hello = h.send(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 1, software: "t", prefetch: 1)), from: Harness.peerA)
        let first = h.assignments(in: hello)
        #expect(first.count == 2)
        let result = TrialResult(
            status: .completed, metrics: ["objective": 2], durationSeconds: 0.1, slotIdleSeconds: 0.004)
        let reply = h.send(.result(ResultMessage(key: first[0].key, result: result)), from: Harness.peerA)
        #expect(h.assignments(in: reply).count == 1)
        #expect(h.machine.runningCount == 2)
        guard case .trialCompleted(let done) = h.events("trial_completed").first else {
            Issue.record("no completion journaled")
            return
        }
        #expect(done.slotIdleSeconds == 0.004)
    }

    /// Two workers of 1 slot + 1 queue place, a learning search whose proposals take `latency`
    /// seconds; the first trial (1 s) ends at t = 1. Returns the harness and how many trials went
    /// out once the model answered after that result.
    func learningSearch(latency: Double) throws -> (
        h: Harness, afterResult: Int, first: [(peer: PeerID, assignment: Assignment)]
    ) {
        var h = Harness(budget: 20)
        h.machine = CoordinatorStateMachine(config: h.machine.config, search: SlowStrategy(), software: "t", host: "t")
        _ = h.machine.start(now: 0)
        var request: ProposalRequest?
        for (peer, name) in [(Harness.peerA, "a"), (Harness.peerB, "b")] {
            let actions = h.machine.received(
                .hello(Hello(name: name, host: "h", pid: 1, slots: 1, software: "t", prefetch: 1)), from: peer, now: 0)
            request = actions.proposalRequest ?? request
        }
        func assignments(_ actions: CoordinatorActions) -> [(peer: PeerID, assignment: Assignment)] {
            actions.messages.compactMap { if case .assign(let a) = $0.message { ($0.peer, a) } else { nil } }
        }
        // No trial has run yet: a queued trial would be chosen without results that may matter.
        var first: [(peer: PeerID, assignment: Assignment)] = []
        var now = 0.0
        while let pending = request, now < 1 {
            now += latency
            let actions = h.machine.receivedProposals(pending.run(), now: now)
            first += assignments(actions)
            request = actions.proposalRequest
        }
        #expect(first.count == 2, "the idle slots only")
        let result = TrialResult(status: .completed, metrics: ["objective": 2], durationSeconds: 1)
        let reply = h.machine.received(
            .result(ResultMessage(key: first[0].assignment.key, result: result)), from: first[0].peer, now: 1)
        let after = assignments(
            h.machine.receivedProposals(try #require(reply.proposalRequest).run(), now: 1 + latency))
        return (h, after.count, first)
    }

    @Test("coordinator, a learning search with a slow model: queue places are filled, and wait for it half a trial")
    func queuePlacesWhenTheModelIsSlow() throws {
        // 100 ms per proposal is 10 % of a 1 s trial: worth a queue place.
        var (h, afterResult, first) = try learningSearch(latency: 0.1)
        #expect(afterResult == 3, "A's slot and queue place, and B's queue place, open since the start")
        func assigned(at time: Double) -> Int {
            for peer in [Harness.peerA, Harness.peerB] { _ = h.machine.received(.heartbeat, from: peer, now: time) }
            return h.machine.tick(now: time).messages.count { if case .assign = $0.message { true } else { false } }
        }
        // B's trial ends; its queued one runs; its free queue place waits for the model (which
        // never answers now) half a typical trial (0.5 s), not the 20 ms an idle slot waits.
        let bKey = first.first { $0.peer == Harness.peerB }!.assignment.key
        let result = TrialResult(status: .completed, metrics: ["objective": 2], durationSeconds: 1)
        _ = h.machine.received(.result(ResultMessage(key: bKey, result: result)), from: Harness.peerB, now: 2)
        #expect(assigned(at: 2.1) == 0)
        #expect(assigned(at: 2.51) == 1)
    }

    @Test(
        """
        coordinator, a learning search with a fast model: queue places stay empty, every trial sees the result \
        before it
        """
    )
    func noQueuePlacesWhenTheModelIsFast() throws {
        // 20 ms per proposal is 2 % of a 1 s trial: a queued trial would cost more than the wait.
        let (h, afterResult, _) = try learningSearch(latency: 0.02)
        #expect(afterResult == 1, "A's slot only")
        #expect(h.machine.runningCount == 2)
    }

    @Test("coordinator, random search: queue places are filled from the start")
    func queuePlacesForRandomSearch() {
        var h = Harness(budget: 20)
        let assigned = h.assignments(
            in: h.send(
                .hello(Hello(name: "a", host: "h", pid: 1, slots: 1, software: "t", prefetch: 1)), from: Harness.peerA))
        #expect(assigned.count == 2)
    }

    @Test(
        """
        coordinator: when the wall time runs out, the trial queued on a worker is asked to stop, the running one \
        finishes
        """
    )
    func wallTimeWithdrawsQueue() {
        var h = Harness(budget: 20, wallTime: 10)
        let assigned = h.assignments(
            in: h.send(
                .hello(Hello(name: "a", host: "h", pid: 1, slots: 1, software: "t", prefetch: 1)), from: Harness.peerA))
        #expect(assigned.count == 2)
        // The worker stays in touch (heartbeats) while the clock runs.
        func tick(at time: Double) -> [StopMessage] {
            h.now = time
            _ = h.send(.heartbeat, from: Harness.peerA)
            return h.tick(at: time).compactMap { if case .stop(let stop) = $0.message { stop } else { nil } }
        }
        for time in stride(from: 1.0, through: 9.0, by: 1.0) { #expect(tick(at: time).isEmpty) }
        let stops = tick(at: 10.5)
        #expect(stops.map(\.key) == [assigned[1].key], "only the queued one, the later dispatch")
        #expect(tick(at: 11).isEmpty, "asked once")
        // The worker ends it unstarted; the running one completes; the study is over.
        let pruned = TrialResult(status: .pruned, metrics: [:], reason: stops.first?.reason, durationSeconds: 0)
        _ = h.send(.result(ResultMessage(key: assigned[1].key, result: pruned)), from: Harness.peerA)
        _ = h.complete(assigned[0].key, objective: 1, from: Harness.peerA)
        #expect(h.events("trial_pruned").count == 1)
        #expect(h.events("trial_completed").count == 1)
        #expect(h.machine.isFinished)
    }
}
