import Foundation
import HPOControl
import HPOCoordinator
import HPOCore
import HPOJournal
import HPOSearch
import HPOWire
import Testing

extension Harness {
    /// Serves one control request as the coordinator's loop does; returns the reply and the
    /// messages for workers.
    mutating func control(_ action: ControlAction, origin: String = "test user") -> (
        reply: ControlReply, messages: [(peer: PeerID, message: CoordinatorMessage)]
    ) {
        let served = machine.control(ControlRequest(action: action, origin: origin), now: now)
        journal += served.actions.journal
        return (served.reply, served.actions.messages)
    }

    func dispatches() -> [TrialDispatched] {
        journal.compactMap { if case .trialDispatched(let e) = $0 { e } else { nil } }
    }
}

/// Users' actions through the control address, on the state machine (docs/operations.md, "Control").
@Suite struct ControlTests {
    @Test(
        "stop_trial: journaled first, a stop to the trial's worker, and the trial ends pruned by the user, not retried")
    func stopRunningTrial() {
        var h = Harness(budget: 3, retries: 2)
        let key = h.hello(Harness.peerA)[0].key
        let before = h.journal.count
        let (reply, messages) = h.control(.stopTrial(trial: key.trial), origin: "hpo control (uid 7)")
        #expect(reply.accepted, "\(reply.message)")
        guard case .controlAction(let event) = h.journal[before] else {
            Issue.record("not journaled first: \(h.journal[before...])")
            return
        }
        #expect(event.action == "stop_trial" && event.trial == key.trial && event.origin == "hpo control (uid 7)")
        #expect(messages.count == 1 && messages.first?.peer == Harness.peerA)
        guard case .stop(let stop)? = messages.first?.message else {
            Issue.record("no stop: \(messages)")
            return
        }
        #expect(stop.key == key)
        // The worker's answer: pruned (or, if the stop came late, a failure): pruned either way.
        _ = h.fail(key, from: Harness.peerA)
        let pruned = h.journal.compactMap { if case .trialPruned(let e) = $0 { e } else { nil } }
        #expect(pruned.map(\.trial) == [key.trial])
        #expect(pruned.first?.reason.hasPrefix("stopped by the user: hpo control (uid 7)") == true)
        #expect(h.events("trial_failed").isEmpty, "a stopped trial is not a failure")
        #expect(h.dispatches().filter { $0.trial == key.trial }.count == 1, "not retried")
        #expect(h.machine.prunedCount == 1)
    }

    @Test("stop_trial of a trial that does not exist, has ended or is already stopping: refused, nothing journaled")
    func stopTrialRefused() {
        var h = Harness(budget: 3)
        let key = h.hello(Harness.peerA)[0].key
        #expect(!h.control(.stopTrial(trial: TrialID(99))).reply.accepted)
        #expect(h.control(.stopTrial(trial: key.trial)).reply.accepted)
        let again = h.control(.stopTrial(trial: key.trial)).reply
        #expect(!again.accepted && again.message.contains("already being stopped"), "\(again.message)")
        _ = h.send(
            .result(
                ResultMessage(
                    key: key, result: TrialResult(status: .completed, metrics: ["objective": 1], durationSeconds: 1))),
            from: Harness.peerA)
        let done = h.control(.stopTrial(trial: key.trial)).reply
        #expect(!done.accepted && done.message.contains("already completed"), "\(done.message)")
        #expect(h.events("control_action").count == 1)
    }

    @Test("stop_trial of a trial waiting for another attempt: pruned at once as that attempt, never run again")
    func stopWaitingTrial() {
        var h = Harness(budget: 3)
        let key = h.hello(Harness.peerA)[0].key
        _ = h.send(.bye(reason: "leaving"), from: Harness.peerA)  // trial 1 goes back to the queue
        let reply = h.control(.stopTrial(trial: key.trial)).reply
        #expect(reply.accepted, "\(reply.message)")
        let pruned = h.journal.compactMap { if case .trialPruned(let e) = $0 { e } else { nil } }
        #expect(pruned.count == 1)
        #expect(
            pruned.first?.attempt == 2 && pruned.first?.durationSeconds == 0 && pruned.first?.worker == WorkerID("none")
        )
        let next = h.hello(Harness.peerB)
        #expect(next.map(\.key.trial) == [TrialID(2)], "trial 1 is not run again")
    }

    @Test("stop_study: no new trial starts, the running ones finish, then study_finished names who stopped it")
    func stopStudy() {
        var h = Harness(budget: 10)
        let a = h.hello(Harness.peerA)[0].key
        let b = h.hello(Harness.peerB)[0].key
        let (reply, _) = h.control(.stopStudy, origin: "ann")
        #expect(reply.accepted && reply.message.contains("2 running trials will finish"), "\(reply.message)")
        let afterA = h.complete(a, objective: 1, from: Harness.peerA)
        #expect(h.assignments(in: afterA).isEmpty, "no new trial after a stop")
        #expect(!h.machine.isFinished)
        #expect(!h.control(.addBudget(trials: 5)).reply.accepted, "a stopping study's budget does not grow")
        #expect(!h.control(.enqueue(parameters: ["x0": .double(1), "x1": .double(1)])).reply.accepted)
        _ = h.complete(b, objective: 2, from: Harness.peerB)
        #expect(h.machine.isFinished)
        guard case .studyFinished(let finished)? = h.events("study_finished").first else {
            Issue.record("no study_finished")
            return
        }
        #expect(finished.reason == "stopped by the user: ann" && finished.completed == 2)
        #expect(h.machine.createdCount == 2)
        #expect(!h.control(.stopStudy).reply.accepted, "a finished study takes no actions")
    }

    @Test("stop_study stops the attempts queued on workers (prefetch): they never start")
    func stopStudyWithdrawsQueued() {
        var h = Harness(budget: 10)
        let messages = h.send(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 1, software: "t", prefetch: 1)), from: Harness.peerA)
        let assigned = h.assignments(in: messages)
        #expect(assigned.count == 2)
        let (_, sent) = h.control(.stopStudy)
        let stops = sent.compactMap { if case .stop(let s) = $0.message { s.key } else { nil } }
        #expect(stops == [assigned[1].key])
    }

    @Test("add_budget: journaled with the new total, and the study runs the extra trials")
    func addBudget() {
        var h = Harness(budget: 1)
        let first = h.hello(Harness.peerA)[0].key
        let (reply, _) = h.control(.addBudget(trials: 2))
        #expect(reply.accepted && reply.message.contains("to 3 trials"), "\(reply.message)")
        guard case .controlAction(let event)? = h.events("control_action").first else {
            Issue.record("not journaled")
            return
        }
        #expect(event.action == "add_budget" && event.trials == 2 && event.budget == 3)
        var next = h.assignments(in: h.complete(first, objective: 3, from: Harness.peerA))
        #expect(next.map(\.key.trial) == [TrialID(2)])
        next = h.assignments(in: h.complete(next[0].key, objective: 2, from: Harness.peerA))
        #expect(next.map(\.key.trial) == [TrialID(3)])
        _ = h.complete(next[0].key, objective: 1, from: Harness.peerA)
        #expect(h.machine.isFinished && h.machine.completedCount == 3)
    }

    @Test("add_budget on a study whose budget is spent but whose last trial runs: a free worker gets a trial at once")
    func addBudgetFillsFreeSlot() {
        var h = Harness(budget: 1)
        _ = h.hello(Harness.peerA)
        _ = h.hello(Harness.peerB)  // nothing left for b
        #expect(h.machine.runningCount == 1)
        let (_, messages) = h.control(.addBudget(trials: 1))
        #expect(
            messages.contains {
                $0.peer == Harness.peerB && { if case .assign = $0 { true } else { false } }($0.message)
            })
    }

    @Test("enqueue: checked against the space, journaled once, dispatched next with its enqueue id")
    func enqueue() {
        var h = Harness(budget: 5)
        let bad: [(Parameters, String)] = [
            (["x0": .double(1)], "missing parameter \"x1\""),
            (["x0": .double(1), "x1": .double(1), "lr": .double(1)], "unknown parameter \"lr\""),
            (["x0": .double(11), "x1": .double(1)], "\"x0\" = 11 is out of range [-5, 10]"),
            (["x0": .string("nan"), "x1": .double(1)], "\"x0\" must be a number"),
            (["x0": .string("a"), "x1": .double(1)], "\"x0\" must be a number")
        ]
        for (parameters, expected) in bad {
            let reply = h.control(.enqueue(parameters: parameters)).reply
            #expect(!reply.accepted && reply.message.contains(expected), "\(reply.message)")
        }
        #expect(h.events("trial_enqueued").isEmpty)
        let reply = h.control(.enqueue(parameters: ["x0": .int(2), "x1": .double(3.5)])).reply
        #expect(reply.accepted, "\(reply.message)")
        guard case .trialEnqueued(let event)? = h.events("trial_enqueued").first else {
            Issue.record("not journaled")
            return
        }
        #expect(event.enqueueID == 1 && event.params == ["x0": .double(2), "x1": .double(3.5)])
        let assigned = h.hello(Harness.peerA, slots: 2)
        #expect(assigned.first?.parameters == event.params, "the enqueued configuration runs first")
        #expect(h.dispatches().map(\.enqueued) == [1, nil])
        #expect(h.machine.pendingEnqueued.isEmpty)
    }

    @Test("an enqueued configuration counts against the budget; with no room it waits for add_budget")
    func enqueueBeyondBudget() {
        var h = Harness(budget: 1)
        let first = h.hello(Harness.peerA)[0].key
        let reply = h.control(.enqueue(parameters: ["x0": .double(0), "x1": .double(0)])).reply
        #expect(reply.accepted && reply.message.contains("only 0 trials are left"), "\(reply.message)")
        _ = h.control(.addBudget(trials: 1))
        let next = h.assignments(in: h.complete(first, objective: 1, from: Harness.peerA))
        #expect(next.map(\.parameters) == [["x0": .double(0), "x1": .double(0)]])
    }

    @Test("grid search: enqueued configurations run even after the grid is exhausted, and do not use up grid points")
    func enqueueWithGrid() {
        var h = Harness(budget: 20, strategy: .grid)
        _ = h.control(.enqueue(parameters: ["x0": .double(0.5), "x1": .double(0.5)]))
        var peer = Harness.peerA
        var pending = h.hello(peer, slots: 1)
        var seen: [Parameters] = []
        for _ in 0..<20 {
            guard let next = pending.first else { break }
            seen.append(next.parameters)
            pending = h.assignments(in: h.complete(next.key, objective: 1, from: peer))
            peer = Harness.peerA
        }
        #expect(seen.count == 10, "9 grid points and the enqueued one")
        #expect(seen.first == ["x0": .double(0.5), "x1": .double(0.5)])
        #expect(Set(seen.dropFirst()).count == 9)
        #expect(h.machine.isFinished)
    }
}

/// The actions survive a restart: a coordinator started on the log applies them again.
@Suite struct ControlReplayTests {
    /// The journal written to a real log and read back, as a restarted coordinator reads it.
    func records(_ h: Harness) throws -> [JournalRecord] {
        let path = NSTemporaryDirectory() + "hpo-control-replay-\(UUID()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try JournalWriter(path: path)
        try writer.append(h.journal)
        return try JournalReader.read(path: path).records
    }

    func resumed(_ h: Harness, enqueueAtStart: [(parameters: Parameters, origin: String)] = []) throws -> Harness {
        var config = h.machine.config
        let added = h.journal.reduce(0) { sum, event in
            if case .controlAction(let e) = event { sum + (e.trials ?? 0) } else { sum }
        }
        config.budget.trials -= added  // the study file's budget
        let restored = try StudyReplay.restore(try records(h), path: "log", config: config)
        var next = Harness(budget: 1)
        next.machine = CoordinatorStateMachine(
            restoring: restored,
            search: makeSearchStrategy(
                for: restored.config, alreadyProposed: restored.trials.count - restored.control.enqueuedTrialCount),
            liveness: LivenessSettings(heartbeatIntervalSeconds: 1, liveness: 3), software: "t", host: "t")
        next.machine.enqueueAtStart(enqueueAtStart)
        next.journal = next.machine.start(now: 0).journal
        return next
    }

    @Test("a raised budget is kept after a restart")
    func budgetKept() throws {
        var h = Harness(budget: 2)
        _ = h.hello(Harness.peerA)
        _ = h.control(.addBudget(trials: 3))
        let next = try resumed(h)
        #expect(next.machine.config.budget.trials == 5)
    }

    @Test("a stopping study stays stopping: its orphans finish, nothing new starts, then it finishes")
    func stopKept() throws {
        var h = Harness(budget: 10)
        let key = h.hello(Harness.peerA)[0].key
        _ = h.control(.stopStudy, origin: "ann")
        var next = try resumed(h)
        #expect(next.machine.stopRequested == "stopped by the user: ann")
        let peer = PeerID([9])
        let reply = next.send(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 2, software: "t", running: [key])), from: peer)
        #expect(next.assignments(in: reply).isEmpty)
        _ = next.complete(key, objective: 1, from: peer)
        #expect(next.machine.isFinished && next.machine.createdCount == 1)
    }

    @Test("a trial asked to stop whose worker does not come back after a restart ends as pruned, not run again")
    func stoppedOrphan() throws {
        var h = Harness(budget: 3)
        let key = h.hello(Harness.peerA)[0].key
        _ = h.control(.stopTrial(trial: key.trial), origin: "bob")
        var next = try resumed(h)
        _ = next.tick(at: 10)  // past the adoption window
        let pruned = next.journal.compactMap { if case .trialPruned(let e) = $0 { e } else { nil } }
        #expect(pruned.map(\.trial) == [key.trial])
        #expect(pruned.first?.reason.hasPrefix("stopped by the user: bob") == true)
    }

    @Test("enqueued configurations run exactly once across a restart: taken ones are not run again, the rest wait")
    func enqueuedOnce() throws {
        var h = Harness(budget: 10)
        let configurations: [Parameters] = (0..<3).map { ["x0": .double(Double($0)), "x1": .double(1)] }
        for parameters in configurations { _ = h.control(.enqueue(parameters: parameters)) }
        let taken = h.hello(Harness.peerA, slots: 1)
        #expect(taken.map(\.parameters) == [configurations[0]])
        var next = try resumed(h)
        #expect(next.machine.pendingEnqueued.map(\.params) == Array(configurations[1...]))
        #expect(next.events("trial_enqueued").isEmpty, "nothing journaled again")
        let assigned = next.hello(Harness.peerB, slots: 3)
        #expect(assigned.prefix(2).map(\.parameters) == Array(configurations[1...]))
        #expect(next.dispatches().compactMap(\.enqueued) == [2, 3])
        #expect(!assigned.dropFirst(2).contains { configurations.contains($0.parameters) })
    }

    @Test("file entries (study file, --enqueue) already in the log are not enqueued again on a resume; new ones are")
    func fileEntriesDeduplicated() throws {
        let h = Harness(budget: 10)
        // Whole numbers, which the log writes as integers: still recognised after a restart.
        let a: Parameters = ["x0": .double(1), "x1": .double(1)]
        let b: Parameters = ["x0": .double(2), "x1": .double(2)]
        var first = try resumed(h, enqueueAtStart: [(a, "--enqueue /tmp/e.jsonl:1")])
        #expect(first.events("trial_enqueued").count == 1, "the first start journals it")
        first.journal = h.journal + first.journal
        let next = try resumed(
            first, enqueueAtStart: [(a, "--enqueue /tmp/e.jsonl:1"), (b, "--enqueue /tmp/e.jsonl:2")])
        let enqueued = next.journal.compactMap { if case .trialEnqueued(let e) = $0 { e } else { nil } }
        #expect(enqueued.map(\.params) == [b] && enqueued.first?.enqueueID == 2)
        #expect(next.machine.pendingEnqueued.map(\.params) == [a, b])
    }
}
