import HPOCoordinator
import HPOCore
import HPOJournal
import HPOSearch
import HPOWire
import Testing

/// A study's log replayed into a new state machine, as after a coordinator crash.
@Suite struct ResumeTests {
    /// Runs a first coordinator for a while and returns its journal as records.
    func firstRun(budget: Int = 6, retries: Int = 0, _ drive: (inout Harness) -> Void) -> (Harness, [JournalRecord]) {
        var h = Harness(budget: budget, retries: retries)
        drive(&h)
        let records = h.journal.enumerated().map { JournalRecord(event: $0.element, time: Double($0.offset)) }
        return (h, records)
    }

    func resumed(_ records: [JournalRecord], config: StudyConfig) throws -> Harness {
        let restored = try StudyReplay.restore(records, path: "log", config: config)
        var h = Harness(budget: config.budget.trials)
        h.machine = CoordinatorStateMachine(
            restoring: restored, search: makeSearchStrategy(for: config, alreadyProposed: restored.trials.count),
            liveness: LivenessSettings(heartbeatIntervalSeconds: 1, liveness: 3), software: "t", host: "t")
        h.journal = h.machine.start(now: 0).journal
        return h
    }

    @Test("finished trials survive a restart; the running one is adopted when its worker says hello again")
    func adoptAfterRestart() throws {
        var first: [Assignment] = []
        let (old, records) = firstRun { h in
            first = h.hello(Harness.peerA, slots: 2)
            _ = h.complete(first[0].key, objective: 4, from: Harness.peerA)  // trial 1 done, trial 3 dispatched
        }
        var h = try resumed(records, config: old.machine.config)
        #expect(h.machine.completedCount == 1)
        #expect(h.machine.createdCount == 3)
        guard case .studyResumed(let resumed) = h.journal.first else {
            Issue.record("no study_resumed: \(h.journal)")
            return
        }
        #expect(resumed.awaitingWorkers == [2, 3])
        // The worker reconnects under a new connection id and reports what it still runs.
        let peer = PeerID([9])
        let still = [TrialKey(trial: TrialID(2), attempt: 1), TrialKey(trial: TrialID(3), attempt: 1)]
        let reply = h.send(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 2, software: "t", running: still)), from: peer)
        #expect(h.assignments(in: reply).isEmpty, "both slots are busy with adopted trials")
        #expect(h.machine.runningCount == 2)
        _ = h.complete(still[0], objective: 1, from: peer)
        #expect(h.events("trial_completed").count == 1)
        #expect(h.machine.completedCount == 2)
        #expect(h.machine.best?.objective == 1)
    }

    @Test("orphans whose worker does not come back run again as new attempts after the liveness window")
    func orphansRequeued() throws {
        let (old, records) = firstRun { h in _ = h.hello(Harness.peerA) }
        var h = try resumed(records, config: old.machine.config)
        let other = PeerID([7])
        let reply = h.send(.hello(Hello(name: "b", host: "h", pid: 2, slots: 2, software: "t")), from: other)
        // Trial 1 is still waiting for its worker: the new worker gets fresh trials only.
        #expect(h.assignments(in: reply).map(\.key.trial) == [TrialID(2), TrialID(3)])
        _ = h.send(.heartbeat, from: other)
        h.now = 3.5
        _ = h.send(.heartbeat, from: other)
        _ = h.tick(at: 3.5)
        let retry = h.complete(TrialKey(trial: TrialID(2), attempt: 1), objective: 2, from: other)
        #expect(h.assignments(in: retry).map(\.key) == [TrialKey(trial: TrialID(1), attempt: 2)])
    }

    @Test("a result resent after the restart for an orphaned attempt is recorded once")
    func resentResult() throws {
        var key = TrialKey(trial: TrialID(1), attempt: 1)
        let (old, records) = firstRun { h in key = h.hello(Harness.peerA)[0].key }
        var h = try resumed(records, config: old.machine.config)
        let peer = PeerID([5])
        _ = h.send(.hello(Hello(name: "a", host: "h", pid: 1, slots: 1, software: "t")), from: peer)
        _ = h.complete(key, objective: 3, from: peer)
        _ = h.complete(key, objective: 3, from: peer)
        #expect(h.events("trial_completed").count == 1)
        #expect(h.events("result_dropped").count == 1)
    }

    @Test("the budget counts what the log already holds, and a random stream continues where it was")
    func budgetAndStream() throws {
        let (old, records) = firstRun(budget: 4) { h in
            var keys = h.hello(Harness.peerA, slots: 2).map(\.key)
            _ = h.complete(keys.removeFirst(), objective: 1, from: Harness.peerA)
        }
        var uninterrupted = RandomSearch(space: old.machine.config.space, seed: old.machine.config.seed)
        let allParams = uninterrupted.propose(4, history: SearchHistory())
        var h = try resumed(records, config: old.machine.config)
        let reply = h.send(.hello(Hello(name: "b", host: "h", pid: 2, slots: 4, software: "t")), from: PeerID([8]))
        let fresh = h.assignments(in: reply).filter { $0.key.attempt == 1 }
        #expect(fresh.map(\.key.trial) == [TrialID(4)], "only one trial is left in the budget of 4")
        #expect(
            fresh.first?.parameters == allParams[3], "trial 4 has the parameters it would have had without the crash")
    }

    @Test("a log of another study is refused with the fields that differ; a longer budget is allowed")
    func mismatch() throws {
        let (old, records) = firstRun { h in _ = h.hello(Harness.peerA) }
        var changed = old.machine.config
        changed.seed = 99
        changed.space.parameters[0].domain = .float(low: 0, high: 1, log: false)
        #expect(throws: StudyReplay.Mismatch.self) { try StudyReplay.restore(records, path: "log", config: changed) }
        do {
            _ = try StudyReplay.restore(records, path: "r.jsonl", config: changed)
        } catch {
            #expect(error.description.contains("seed, space"))
            #expect(error.description.contains("--continue-anyway"))
        }
        var longer = old.machine.config
        longer.budget.trials = 50
        #expect(try StudyReplay.restore(records, path: "log", config: longer).config.budget.trials == 50)
        #expect(try StudyReplay.restore(records, path: "log", config: changed, allowChanges: true).trials.count == 1)
    }

    @Test("a worker that was declared lost and comes back takes back its trial if no one else has it")
    func lostWorkerReturns() {
        var h = Harness(budget: 1)
        let key = h.hello(Harness.peerA)[0].key
        _ = h.tick(at: 3.5)
        #expect(h.events("worker_left").count == 1)
        // Frozen, then resumed: its next message is answered with reregister...
        let reply = h.complete(key, objective: 2, from: Harness.peerA)
        #expect(reply == [.reregister(reason: "unknown worker: send hello")])
        // ...it says hello with the attempt it still holds, and its resent result is recorded once.
        let welcome = h.send(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 1, software: "t", running: [key])), from: Harness.peerA)
        #expect(h.assignments(in: welcome).isEmpty, "the trial is taken back, not dispatched again")
        _ = h.complete(key, objective: 2, from: Harness.peerA)
        _ = h.complete(key, objective: 2, from: Harness.peerA)
        #expect(h.events("trial_completed").count == 1)
        #expect(h.events("result_dropped").count == 1)
        #expect(h.events("trial_dispatched").count == 1)
    }

    @Test("a worker reconnecting under a new connection id keeps its running trial")
    func reconnectKeepsTrial() {
        var h = Harness(budget: 2)
        let key = h.hello(Harness.peerA)[0].key
        let newPeer = PeerID([3])
        // Its old connection went silent (a cut): after twice the heartbeat interval (and half
        // the liveness timeout) the new connection takes the name over (see +Identity).
        h.now = 2
        let reply = h.send(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 1, software: "t", running: [key])), from: newPeer)
        #expect(reply.contains { if case .welcome = $0 { true } else { false } })
        #expect(h.assignments(in: reply).isEmpty)
        _ = h.complete(key, objective: 1, from: newPeer)
        #expect(h.events("trial_completed").count == 1)
        #expect(h.events("trial_dispatched").count == 2, "trial 2 follows; trial 1 was never dispatched twice")
    }
}
