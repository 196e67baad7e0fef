import HPOCoordinator
import HPOCore
import HPOJournal
import HPOWire
import Testing

/// A small study and helpers to drive the state machine as workers would.
struct Harness {
    var machine: CoordinatorStateMachine
    var now = 0.0
    var journal: [JournalEvent] = []

    init(
        budget: Int, strategy: StrategyKind = .random, retries: Int = 0, wallTime: Double? = nil,
        liveness: LivenessSettings = LivenessSettings(heartbeatIntervalSeconds: 1, liveness: 3),
        pruner: PrunerConfig? = nil,
        direction: Direction = .minimize
    ) {
        let space = SearchSpace([
            ParameterSpec(name: "x0", domain: .float(low: -5, high: 10, log: false), gridSteps: 3),
            ParameterSpec(name: "x1", domain: .float(low: 0, high: 15, log: false), gridSteps: 3)
        ])
        let config = StudyConfig(
            name: "test", objective: Objective(metric: "objective", direction: direction),
            budget: Budget(trials: budget, wallTimeSeconds: wallTime), strategy: StrategyConfig(kind: strategy),
            seed: 1,
            space: space, trial: TrialSpec(program: .builtin("branin"), retries: retries), pruner: pruner)
        machine = CoordinatorStateMachine(config: config, liveness: liveness, software: "test", host: "test")
        journal += machine.start(now: now).journal
    }

    static let peerA = PeerID([1])
    static let peerB = PeerID([2])

    mutating func send(_ message: WorkerMessage, from peer: PeerID) -> [CoordinatorMessage] {
        let actions = machine.received(message, from: peer, now: now)
        journal += actions.journal
        return actions.messages.filter { $0.peer == peer }.map(\.message)
    }

    mutating func hello(_ peer: PeerID, slots: Int = 1) -> [Assignment] {
        let name = peer == Self.peerA ? "a" : "b"
        return assignments(
            in: send(.hello(Hello(name: name, host: "h", pid: 1, slots: slots, software: "t")), from: peer))
    }

    mutating func complete(_ key: TrialKey, objective: Double, from peer: PeerID) -> [CoordinatorMessage] {
        send(
            .result(
                ResultMessage(
                    key: key,
                    result: TrialResult(status: .completed, metrics: ["objective": objective], durationSeconds: 0.1))),
            from: peer)
    }

    mutating func fail(_ key: TrialKey, from peer: PeerID) -> [CoordinatorMessage] {
        send(
            .result(
                ResultMessage(
                    key: key,
                    result: TrialResult(status: .failed, metrics: [:], reason: "exit code 1", durationSeconds: 0.1))),
            from: peer)
    }

    mutating func tick(at time: Double) -> [(peer: PeerID, message: CoordinatorMessage)] {
        now = time
        let actions = machine.tick(now: now)
        journal += actions.journal
        return actions.messages
    }

    func assignments(in messages: [CoordinatorMessage]) -> [Assignment] {
        messages.compactMap { if case .assign(let a) = $0 { a } else { nil } }
    }

    func events(_ name: String) -> [JournalEvent] { journal.filter { $0.name == name } }
}

@Suite struct CoordinatorStateMachineTests {
    @Test("a worker that says hello is welcomed and gets one trial per slot, each journaled first")
    func helloFillsSlots() {
        var h = Harness(budget: 10)
        let messages = h.send(.hello(Hello(name: "a", host: "h", pid: 1, slots: 3, software: "t")), from: Harness.peerA)
        guard case .welcome(let welcome) = messages.first else {
            Issue.record("no welcome: \(messages)")
            return
        }
        #expect(welcome.worker == WorkerID("a"))
        let assigned = h.assignments(in: messages)
        #expect(assigned.map(\.key) == [1, 2, 3].map { TrialKey(trial: TrialID($0), attempt: 1) })
        #expect(h.events("trial_dispatched").count == 3)
        #expect(h.events("worker_joined").count == 1)
        #expect(h.machine.runningCount == 3)
    }

    @Test("a result is acknowledged and the freed slot gets the next trial in the same turn")
    func resultThenNext() {
        var h = Harness(budget: 10)
        let first = h.hello(Harness.peerA)
        let reply = h.complete(first[0].key, objective: 3.5, from: Harness.peerA)
        #expect(reply.first == .ack(first[0].key))
        #expect(h.assignments(in: reply).map(\.key.trial) == [TrialID(2)])
        #expect(h.machine.best?.objective == 3.5)
        guard case .trialCompleted(let done) = h.events("trial_completed").first else {
            Issue.record("no completion journaled")
            return
        }
        #expect(done.params == first[0].parameters)
        #expect(done.worker == WorkerID("a"))
    }

    @Test("a duplicate result is acked again but recorded once")
    func duplicateResult() {
        var h = Harness(budget: 5)
        let key = h.hello(Harness.peerA)[0].key
        _ = h.complete(key, objective: 1, from: Harness.peerA)
        let again = h.complete(key, objective: 1, from: Harness.peerA)
        #expect(again == [.ack(key)])
        #expect(h.events("trial_completed").count == 1)
        #expect(h.machine.completedCount == 1)
    }

    @Test("a result for an attempt from another worker or an old attempt is not recorded")
    func staleResult() {
        var h = Harness(budget: 5)
        let keyA = h.hello(Harness.peerA)[0].key
        _ = h.hello(Harness.peerB)
        let reply = h.complete(keyA, objective: 1, from: Harness.peerB)
        #expect(reply == [.ack(keyA)])
        let stale = TrialKey(trial: keyA.trial, attempt: 7)
        _ = h.complete(stale, objective: 1, from: Harness.peerA)
        #expect(h.events("trial_completed").isEmpty)
    }

    @Test("the study ends when the budget is spent: study_finished, then shutdown to every worker")
    func budgetSpent() {
        var h = Harness(budget: 3)
        var pending = h.hello(Harness.peerA, slots: 2).map(\.key)
        var shutdown = false
        var objectives = [5.0, 2.0, 9.0]
        while let key = pending.first {
            pending.removeFirst()
            let reply = h.complete(key, objective: objectives.removeFirst(), from: Harness.peerA)
            pending += h.assignments(in: reply).map(\.key)
            shutdown = shutdown || reply.contains { if case .shutdown = $0 { true } else { false } }
        }
        #expect(shutdown)
        #expect(h.machine.isFinished)
        #expect(h.machine.finishReason == "budget spent")
        guard case .studyFinished(let finished) = h.events("study_finished").first else {
            Issue.record("no study_finished")
            return
        }
        #expect(finished.completed == 3)
        #expect(finished.bestObjective == 2)
        #expect(finished.bestTrial == TrialID(2))
    }

    @Test("a grid is handed out point by point across workers, each exactly once, then the study ends")
    func gridAcrossWorkers() {
        var h = Harness(budget: 100, strategy: .grid)
        var running = h.hello(Harness.peerA, slots: 2).map { ($0, Harness.peerA) }
        running += h.hello(Harness.peerB, slots: 3).map { ($0, Harness.peerB) }
        var seen: [Parameters] = []
        while let (assignment, peer) = running.first {
            running.removeFirst()
            seen.append(assignment.parameters)
            let reply = h.complete(assignment.key, objective: 1, from: peer)
            running += h.assignments(in: reply).map { ($0, peer) }
        }
        #expect(seen.count == 9)
        #expect(Set(seen).count == 9)
        #expect(h.machine.finishReason == "grid exhausted")
    }

    @Test("a failed trial is retried as a new attempt up to `retries`, then recorded as failed")
    func retries() {
        var h = Harness(budget: 1, retries: 1)
        let first = h.hello(Harness.peerA)[0]
        let retry = h.assignments(in: h.fail(first.key, from: Harness.peerA))
        #expect(retry.map(\.key) == [TrialKey(trial: first.key.trial, attempt: 2)])
        #expect(retry.first?.parameters == first.parameters)
        _ = h.fail(retry[0].key, from: Harness.peerA)
        let failures = h.events("trial_failed").compactMap { if case .trialFailed(let f) = $0 { f } else { nil } }
        #expect(failures.map(\.willRetry) == [true, false])
        #expect(h.machine.failedCount == 1)
        #expect(h.machine.finishReason == "budget spent")
    }

    @Test("a result without the objective metric counts as a failure")
    func missingObjective() {
        var h = Harness(budget: 1)
        let key = h.hello(Harness.peerA)[0].key
        _ = h.send(
            .result(
                ResultMessage(
                    key: key, result: TrialResult(status: .completed, metrics: ["other": 1], durationSeconds: 0))),
            from: Harness.peerA)
        guard case .trialFailed(let failed) = h.events("trial_failed").first else {
            Issue.record("not journaled as failed")
            return
        }
        #expect(failed.reason.contains("objective"))
    }

    @Test("a silent worker is declared lost after its liveness window and its trial runs elsewhere")
    func lostWorker() {
        var h = Harness(budget: 2)
        let key = h.hello(Harness.peerA)[0].key
        _ = h.hello(Harness.peerB)  // gets trial 2
        h.now = 2.5
        _ = h.send(.heartbeat, from: Harness.peerB)
        #expect(h.tick(at: 2.9).allSatisfy { if case .assign = $0.message { false } else { true } })
        let afterTimeout = h.tick(at: 3.5)  // A silent since 0, timeout 3 s; B heard at 2.5
        #expect(h.events("worker_left").count == 1)
        #expect(!afterTimeout.contains { $0.peer == Harness.peerA && $0.message != .heartbeat })
        // B is busy; when it finishes, it gets the abandoned trial as attempt 2.
        let reply = h.complete(TrialKey(trial: TrialID(2), attempt: 1), objective: 1, from: Harness.peerB)
        #expect(h.assignments(in: reply).map(\.key) == [TrialKey(trial: key.trial, attempt: 2)])
        // A late result from the lost worker is acked, not recorded; A is asked to re-register.
        let late = h.complete(key, objective: 0.5, from: Harness.peerA)
        #expect(late == [.reregister(reason: "unknown worker: send hello")])
        #expect(h.events("trial_completed").count == 1)
    }

    @Test("a worker saying bye gives its trials back to the queue")
    func bye() {
        var h = Harness(budget: 3)
        let key = h.hello(Harness.peerA)[0].key
        _ = h.send(.bye(reason: "SIGTERM"), from: Harness.peerA)
        let next = h.hello(Harness.peerB, slots: 3)
        #expect(next.contains { $0.key == TrialKey(trial: key.trial, attempt: 2) })
    }

    @Test("no new trial starts after the wall time; the study ends when running ones finish")
    func wallTime() {
        var h = Harness(budget: 100, wallTime: 10)
        let key = h.hello(Harness.peerA)[0].key
        h.now = 11
        let reply = h.complete(key, objective: 1, from: Harness.peerA)
        #expect(h.assignments(in: reply).isEmpty)
        #expect(h.machine.finishReason == "wall time reached")
    }

    @Test("a worker speaking another protocol version is refused with the reason")
    func versionRefused() {
        var h = Harness(budget: 1)
        let actions = h.machine.receivedUndecodable(.unsupportedVersion("hpo/2"), from: Harness.peerA)
        guard case .refuse(let reason) = actions.messages.first?.message else {
            Issue.record("not refused")
            return
        }
        #expect(reason.contains("hpo/2"))
        #expect(h.machine.receivedUndecodable(.malformed("x"), from: Harness.peerA).messages.isEmpty)
    }

    @Test("a hello after the study finished is answered with shutdown")
    func lateHello() {
        var h = Harness(budget: 1)
        let key = h.hello(Harness.peerA)[0].key
        _ = h.complete(key, objective: 1, from: Harness.peerA)
        let reply = h.send(.hello(Hello(name: "b", host: "h", pid: 2, slots: 1, software: "t")), from: Harness.peerB)
        #expect(reply.count == 1)
        if case .shutdown = reply.first {} else { Issue.record("expected shutdown, got \(reply)") }
    }

    @Test("heartbeats go to each worker once per interval")
    func heartbeats() {
        var h = Harness(budget: 5)
        _ = h.hello(Harness.peerA)
        #expect(h.tick(at: 0.5).isEmpty)
        #expect(h.tick(at: 1.0).map(\.message) == [.heartbeat])
        #expect(h.tick(at: 1.5).isEmpty)
    }

    @Test("a worker sent anything else (an ack, the next trial) gets no heartbeat until an interval of silence")
    func noHeartbeatAfterOtherMessages() throws {
        var h = Harness(budget: 5)
        let first = try #require(h.hello(Harness.peerA).first)
        h.now = 0.8
        let reply = h.complete(first.key, objective: 1, from: Harness.peerA)
        #expect(reply.contains(.ack(first.key)))
        #expect(!h.tick(at: 1.0).contains { $0.message == .heartbeat })
        #expect(!h.tick(at: 1.7).contains { $0.message == .heartbeat })
        #expect(h.tick(at: 1.8).map(\.message) == [.heartbeat])
    }
}
