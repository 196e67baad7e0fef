import HPOCore
import HPOWire
import HPOWorker
import Testing

/// Whom a worker takes commands from: only the study it was told to serve (`--study`), only the
/// study it joined after a reconnect, nothing after `shutdown`, and not for ever from a lost one.
@Suite struct WorkerTrustTests {
    let identity = WorkerIdentity(name: "w", host: "h", pid: 9, slots: 2, software: "t")

    func welcome(_ study: String) -> CoordinatorMessage {
        .welcome(Welcome(worker: WorkerID("w"), study: study, heartbeatIntervalMilliseconds: 1000, liveness: 3))
    }

    func assign(_ trial: Int) -> CoordinatorMessage {
        .assign(
            Assignment(
                key: TrialKey(trial: TrialID(trial), attempt: 1), parameters: ["x0": .double(1)],
                spec: TrialSpec(program: .command(["touch", "/tmp/owned"])), objectiveMetric: "objective"))
    }

    func exits(_ actions: [WorkerAction]) -> (reason: String, error: Bool)? {
        for case .exit(let reason, let error) in actions { return (reason, error) }
        return nil
    }

    func startsTrial(_ actions: [WorkerAction]) -> Bool {
        actions.contains { if case .startTrial = $0 { true } else { false } }
    }

    @Test("--study: a welcome for another study is refused with both names, a bye, and no trial")
    func expectedStudy() throws {
        var machine = WorkerStateMachine(identity: identity)
        machine.expectedStudy = "mine"
        _ = machine.start(now: 0)
        let actions = machine.received(welcome("theirs"), now: 0.1)
        let exit = try #require(exits(actions))
        #expect(exit.error)
        #expect(exit.reason == "the coordinator runs study 'theirs', not 'mine' (--study): refusing its trials")
        #expect(actions.contains { if case .send(.bye) = $0 { true } else { false } })
        #expect(!machine.isRegistered && machine.isStopped)
        #expect(!startsTrial(machine.received(assign(1), now: 0.2)), "an assign after the refusal runs nothing")

        var matching = WorkerStateMachine(identity: identity)
        matching.expectedStudy = "mine"
        _ = matching.start(now: 0)
        #expect(exits(matching.received(welcome("mine"), now: 0.1)) == nil)
        #expect(matching.isRegistered)
    }

    @Test("after a reconnect, a coordinator of another study than the one joined is refused before it can assign")
    func pinnedStudy() throws {
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(welcome("one"), now: 0)
        #expect(machine.pinnedStudy == "one")
        // The coordinator goes silent (3 intervals of 1 s): the worker says hello again.
        _ = machine.tick(now: 3.5)
        #expect(!machine.isRegistered)
        // Someone else answers at the address, with another study, and would assign a command.
        let exit = try #require(exits(machine.received(welcome("two"), now: 4)))
        #expect(exit.error)
        #expect(exit.reason.contains("runs study 'two', not 'one' that this worker joined"))
        #expect(!startsTrial(machine.received(assign(1), now: 4.1)))

        // The same study again (a restarted coordinator) is welcome.
        var resumed = WorkerStateMachine(identity: identity)
        _ = resumed.start(now: 0)
        _ = resumed.received(welcome("one"), now: 0)
        _ = resumed.tick(now: 3.5)
        #expect(exits(resumed.received(welcome("one"), now: 4)) == nil)
        #expect(startsTrial(resumed.received(assign(1), now: 4.1)))
    }

    @Test("a lost coordinator is given up after --reconnect-timeout, counted from the last thing heard")
    func reconnectTimeout() throws {
        var machine = WorkerStateMachine(identity: identity)
        machine.reconnectTimeoutSeconds = 60
        _ = machine.start(now: 0)
        _ = machine.received(welcome("one"), now: 0)
        _ = machine.received(.heartbeat, now: 10)
        var exit: (reason: String, error: Bool)?
        var now = 10.0
        while exit == nil, now < 200 {
            now += 0.5
            exit = exits(machine.tick(now: now))
        }
        let given = try #require(exit)
        #expect(now == 70, "60 s after the last heartbeat, not after the first hello")
        #expect(given.error)
        #expect(given.reason.hasPrefix("lost the coordinator: nothing heard from it for 60 s (--reconnect-timeout)"))
    }

    @Test("after shutdown the worker never says hello again, and nothing that arrives later runs")
    func noReconnectAfterShutdown() {
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(welcome("one"), now: 0)
        #expect(exits(machine.received(.shutdown(reason: "study finished: budget spent"), now: 1))?.error == false)
        var later: [WorkerAction] = []
        for second in 2...100 { later += machine.tick(now: Double(second)) }
        later += machine.received(welcome("one"), now: 101)
        later += machine.received(assign(1), now: 101)
        #expect(later.isEmpty, "\(later)")
    }
}
