import HPOControl
import HPOCoordinator
import HPOCore
import HPOJournal
import HPOWire
import Testing

/// The study's phases (`StudyPhase`): not started, running, stopping at a user's request, finished.
@Suite struct StudyPhaseTests {
    static let config = Harness(budget: 3).machine.config

    @Test("start journals study_started once; a second start does nothing")
    func startOnce() {
        var machine = CoordinatorStateMachine(config: Self.config, software: "t", host: "t")
        #expect(machine.start(now: 0).journal.map(\.name) == ["study_started"])
        let again = machine.start(now: 5)
        #expect(again.journal.isEmpty && again.messages.isEmpty)
    }

    @Test("stop_study before the study started is refused and journals nothing")
    func stopBeforeStart() {
        var machine = CoordinatorStateMachine(config: Self.config, software: "t", host: "t")
        let (actions, reply) = machine.control(ControlRequest(action: .stopStudy, origin: "ann"), now: 0)
        #expect(!reply.accepted && reply.message.contains("not started"), "\(reply.message)")
        #expect(actions.journal.isEmpty)
        #expect(machine.stopRequested == nil && !machine.isFinished)
    }

    @Test("running → stopping → finished: the user's reason is the finish reason; finished refuses every action")
    func stoppingThenFinished() throws {
        var h = Harness(budget: 5)
        let key = try #require(h.hello(Harness.peerA).first).key
        #expect(h.control(.stopStudy, origin: "ann").reply.accepted)
        #expect(h.machine.stopRequested == "stopped by the user: ann" && !h.machine.isFinished)
        let again = h.control(.stopStudy, origin: "bob").reply
        #expect(!again.accepted && again.message.contains("already stopping"), "\(again.message)")
        _ = h.complete(key, objective: 1, from: Harness.peerA)
        #expect(h.machine.finishReason == "stopped by the user: ann")
        #expect(h.machine.stopRequested == nil, "a finished study is no longer stopping")
        let late = h.control(.addBudget(trials: 1)).reply
        #expect(!late.accepted && late.message.contains("has finished"), "\(late.message)")
        #expect(h.events("study_finished").count == 1)
    }

    @Test("the wall time ends a running study once its last attempt ends")
    func wallTime() throws {
        var h = Harness(budget: 100, wallTime: 10)
        let key = try #require(h.hello(Harness.peerA).first).key
        h.now = 11
        _ = h.send(.heartbeat, from: Harness.peerA)
        _ = h.tick(at: 11)
        #expect(!h.machine.isFinished, "an attempt still runs")
        _ = h.complete(key, objective: 1, from: Harness.peerA)
        #expect(h.machine.finishReason == "wall time reached")
    }
}
