import HPOCoordinator
import HPOCore
import HPOJournal
import HPOSearch
import HPOWire
import Testing

/// Who may use a worker's name and take back its attempts (issue 15). The harness's liveness is
/// 1 s × 3, so a name moves to another connection after 2 s of silence on the old one.
@Suite struct IdentityTests {
    func hello(_ name: String, slots: Int = 1, running: [TrialKey] = []) -> WorkerMessage {
        .hello(Hello(name: name, host: "h", pid: 1, slots: slots, software: "t", running: running))
    }

    static let intruder = PeerID([66])

    func isWelcome(_ message: CoordinatorMessage) -> Bool { if case .welcome = message { true } else { false } }

    @Test(
        """
        a hello with a live worker's name from another connection does not evict it, and is refused once the \
        worker is heard
        """
    )
    func liveNameNotTaken() {
        var h = Harness(budget: 2)
        let key = h.hello(Harness.peerA)[0].key
        h.now = 0.2
        let first = h.send(hello("a", running: [key]), from: Self.intruder)
        #expect(first.isEmpty, "undecided: no answer yet, no eviction")
        #expect(h.machine.connectedWorkers == 1)
        #expect(h.events("worker_left").isEmpty)
        // The real worker is heard from (a heartbeat), so its connection is alive.
        h.now = 1.0
        _ = h.send(.heartbeat, from: Harness.peerA)
        h.now = 1.2
        let second = h.send(hello("a", running: [key]), from: Self.intruder)
        guard case .refuse(let reason)? = second.first else {
            Issue.record("expected a refusal, got \(second)")
            return
        }
        #expect(reason.contains("worker name \"a\" is in use by a live connection"))
        // The intruder cannot report the attempt; the real worker can.
        #expect(
            h.complete(key, objective: -100, from: Self.intruder) == [.reregister(reason: "unknown worker: send hello")]
        )
        _ = h.complete(key, objective: 7, from: Harness.peerA)
        guard case .trialCompleted(let completed)? = h.events("trial_completed").first else {
            Issue.record("the real worker's result was not recorded")
            return
        }
        #expect(completed.objective == 7)
        #expect(completed.worker == WorkerID("a"))
    }

    @Test(
        """
        the same worker on a new connection, its old one silent, takes its name and attempts back when it repeats \
        its hello
        """
    )
    func reconnectAfterSilence() {
        var h = Harness(budget: 2)
        let key = h.hello(Harness.peerA)[0].key
        let newPeer = PeerID([3])
        h.now = 0.5
        #expect(
            h.send(hello("a", running: [key]), from: newPeer).isEmpty, "too early to tell a reconnect from a duplicate")
        h.now = 1.5
        #expect(h.send(hello("a", running: [key]), from: newPeer).isEmpty)
        h.now = 2.1
        let reply = h.send(hello("a", running: [key]), from: newPeer)
        #expect(reply.contains(where: isWelcome))
        #expect(h.assignments(in: reply).isEmpty, "the running attempt moved with the name")
        _ = h.complete(key, objective: 1, from: newPeer)
        #expect(h.events("trial_completed").count == 1)
        #expect(h.events("trial_dispatched").count == 2, "trial 2 follows; trial 1 never ran twice")
    }

    @Test("with CURVE a name is bound to its key: the same key takes over at once, another key is refused")
    func curveBindsName() {
        var h = Harness(budget: 3)
        let welcomeA = h.machine.received(hello("a", slots: 1), from: Harness.peerA, credential: "KEY-A", now: 0)
        h.journal += welcomeA.journal
        let key = h.assignments(in: welcomeA.messages.map(\.message))[0].key
        let stolen = h.machine.received(hello("a", running: [key]), from: Self.intruder, credential: "KEY-X", now: 0.1)
        guard case .refuse(let reason)? = stolen.messages.first?.message else {
            Issue.record("expected a refusal, got \(stolen.messages)")
            return
        }
        #expect(reason.contains("another CURVE key"))
        let moved = h.machine.received(hello("a", running: [key]), from: PeerID([3]), credential: "KEY-A", now: 0.1)
        #expect(moved.messages.map(\.message).contains(where: isWelcome), "same key, new connection: a reconnect")
        #expect(h.machine.connectedWorkers == 1)
    }

    @Test("an attempt abandoned by a lost worker is not taken back by another worker that lists it")
    func abandonedNotAdoptedByOthers() {
        var h = Harness(budget: 1)
        let key = h.hello(Harness.peerA)[0].key
        _ = h.tick(at: 3.5)
        #expect(h.events("worker_left").count == 1)
        let reply = h.send(hello("b", running: [key]), from: Harness.peerB)
        #expect(
            h.assignments(in: reply).map(\.key) == [TrialKey(trial: key.trial, attempt: 2)],
            "run again as a new attempt")
        _ = h.complete(key, objective: -100, from: Harness.peerB)
        #expect(h.events("trial_completed").isEmpty)
        #expect(h.events("result_dropped").count == 1)
    }

    @Test("after a restart, an orphan is adopted and reported only by the worker the log dispatched it to")
    func orphanOnlyByItsWorker() throws {
        var first = Harness(budget: 3)
        let key = first.hello(Harness.peerA)[0].key
        let records = first.journal.enumerated().map { JournalRecord(event: $0.element, time: Double($0.offset)) }
        let config = first.machine.config
        let restored = try StudyReplay.restore(records, path: "log", config: config)
        var h = Harness(budget: 3)
        h.machine = CoordinatorStateMachine(
            restoring: restored, search: makeSearchStrategy(for: config, alreadyProposed: restored.trials.count),
            liveness: LivenessSettings(heartbeatIntervalSeconds: 1, liveness: 3), software: "t", host: "t")
        h.journal = h.machine.start(now: 0).journal

        let other = h.send(hello("b", running: [key]), from: Harness.peerB)
        #expect(!h.assignments(in: other).map(\.key).contains(key), "b never held it")
        _ = h.complete(key, objective: -100, from: Harness.peerB)
        #expect(h.events("trial_completed").isEmpty, "a result for another worker's orphan is not recorded")

        let owner = h.send(hello("a", running: [key]), from: PeerID([9]))
        #expect(owner.contains(where: isWelcome))
        _ = h.complete(key, objective: 5, from: PeerID([9]))
        #expect(h.events("trial_completed").count == 1)
    }

    @Test("a hello out of bounds is refused with the reason and registers nothing, even without the codec")
    func absurdHelloRefused() {
        var h = Harness(budget: 2)
        for slots in [Int.max, 100_000_000, 0, -1] {
            let reply = h.send(hello("big", slots: slots), from: Harness.peerA)
            guard case .refuse(let reason)? = reply.first else {
                Issue.record("slots \(slots): expected a refusal, got \(reply)")
                continue
            }
            #expect(reason.contains("slots \(slots) is not in 1...1024"))
        }
        #expect(h.machine.connectedWorkers == 0)
        #expect(h.events("worker_joined").isEmpty)
        #expect(h.hello(Harness.peerA, slots: 1024).count == 2, "the largest slot count is served")
    }
}
