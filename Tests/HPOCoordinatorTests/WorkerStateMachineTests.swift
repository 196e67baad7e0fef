import HPOCore
import HPOWire
import HPOWorker
import Testing

@Suite struct WorkerStateMachineTests {
    let identity = WorkerIdentity(name: "w", host: "h", pid: 9, slots: 2, software: "t")
    let welcome = Welcome(worker: WorkerID("w"), study: "s", heartbeatIntervalMilliseconds: 1000, liveness: 3)

    func assignment(_ trial: Int, attempt: Int = 1) -> Assignment {
        Assignment(
            key: TrialKey(trial: TrialID(trial), attempt: attempt), parameters: ["x0": .double(1)],
            spec: TrialSpec(program: .builtin("sphere")), objectiveMetric: "objective")
    }

    func isHello(_ action: WorkerAction) -> Bool {
        if case .send(.hello) = action { true } else { false }
    }

    @Test("hello is repeated with backoff (1, 2, 4, 8, 8 s) until welcomed")
    func helloRetry() {
        var machine = WorkerStateMachine(identity: identity)
        #expect(machine.start(now: 0).allSatisfy(isHello))
        var hellos: [Double] = []
        for tenth in 1...300 {
            let now = Double(tenth) / 10
            if machine.tick(now: now).contains(where: isHello) { hellos.append(now) }
        }
        #expect(hellos == [1, 3, 7, 15, 23])
        #expect(machine.received(.welcome(welcome), now: 30.05).isEmpty)
        #expect(machine.isRegistered)
        #expect(!machine.tick(now: 30.5).contains(where: isHello))
    }

    @Test("an assignment starts a trial; its result is sent and kept until acked")
    func resultUntilAck() {
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(.welcome(welcome), now: 0)
        #expect(machine.received(.assign(assignment(1)), now: 0) == [.startTrial(assignment(1))])
        // The same assignment twice does not start the trial twice.
        #expect(machine.received(.assign(assignment(1)), now: 0).isEmpty)
        let result = TrialResult(status: .completed, metrics: ["objective": 1], durationSeconds: 0.1)
        let key = assignment(1).key
        #expect(
            machine.trialFinished(key, result, now: 0.2) == [.send(.result(ResultMessage(key: key, result: result)))])
        #expect(machine.unacknowledged[key] != nil)
        _ = machine.received(.ack(key), now: 0.3)
        #expect(machine.unacknowledged.isEmpty)
    }

    @Test("unacknowledged results are sent again after re-registering")
    func resendAfterReregister() {
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(.welcome(welcome), now: 0)
        _ = machine.received(.assign(assignment(4)), now: 0)
        let result = TrialResult(status: .completed, metrics: ["objective": 1], durationSeconds: 0.1)
        _ = machine.trialFinished(assignment(4).key, result, now: 1)
        #expect(machine.received(.reregister(reason: "restarted"), now: 2).allSatisfy(isHello))
        let afterWelcome = machine.received(.welcome(welcome), now: 2.1)
        #expect(afterWelcome == [.send(.result(ResultMessage(key: assignment(4).key, result: result)))])
    }

    @Test("a silent coordinator makes the worker say hello again; heartbeats when idle")
    func silentCoordinator() {
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(.welcome(welcome), now: 0)
        #expect(machine.tick(now: 1.0) == [.send(.heartbeat)])
        #expect(machine.tick(now: 3.5).allSatisfy(isHello))
        #expect(!machine.isRegistered)
    }

    @Test("shutdown cancels running trials and exits cleanly; refuse exits with an error")
    func shutdownAndRefuse() {
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(.welcome(welcome), now: 0)
        _ = machine.received(.assign(assignment(1)), now: 0)
        let actions = machine.received(.shutdown(reason: "budget spent"), now: 1)
        #expect(actions.first == .cancelTrial(assignment(1).key, reason: "worker stopping: coordinator: budget spent"))
        #expect(actions.last == .exit(reason: "coordinator: budget spent", error: false))
        #expect(machine.isStopped)

        var refused = WorkerStateMachine(identity: identity)
        _ = refused.start(now: 0)
        #expect(
            refused.received(.refuse(reason: "bad version"), now: 0).last
                == .exit(reason: "refused by the coordinator: bad version", error: true))
    }

    @Test("a stop by signal says bye to the coordinator")
    func stopSaysBye() {
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(.welcome(welcome), now: 0)
        let actions = machine.stop(reason: "SIGTERM", now: 1)
        #expect(actions.contains(.send(.bye(reason: "SIGTERM"))))
        #expect(machine.stop(reason: "SIGTERM", now: 2).isEmpty)
    }

    @Test("a worker never welcomed within its deadline exits with a clear reason; once welcomed it keeps trying")
    func welcomeDeadline() {
        var machine = WorkerStateMachine(identity: identity)
        machine.welcomeTimeoutSeconds = 5
        machine.welcomeTimeoutHint = "check --server-key"
        _ = machine.start(now: 0)
        #expect(!machine.tick(now: 4.9).contains { if case .exit = $0 { true } else { false } })
        let actions = machine.tick(now: 5)
        #expect(
            actions.last == .exit(reason: "no welcome from the coordinator within 5 s: check --server-key", error: true)
        )

        var welcomed = WorkerStateMachine(identity: identity)
        welcomed.welcomeTimeoutSeconds = 5
        _ = welcomed.start(now: 0)
        _ = welcomed.received(.welcome(welcome), now: 1)
        _ = welcomed.received(.reregister(reason: "restart"), now: 2)
        #expect(!welcomed.tick(now: 60).contains { if case .exit = $0 { true } else { false } })
    }
}
