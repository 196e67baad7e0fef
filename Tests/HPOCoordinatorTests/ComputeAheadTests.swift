import Foundation
import HPOCoordinator
import HPOCore
import HPOJournal
import HPOSearch
import HPOWire
import Testing

/// A strategy that computes ahead, counting its proposals and recording what it was shown.
struct SlowStrategy: SearchStrategy {
    var proposedCount = 0
    var isExhausted: Bool { false }
    var computesAhead: Bool { true }
    /// How many pending points (running trials and queued proposals) each call saw.
    let pendingSeen = PendingLog()

    mutating func propose(_ count: Int, history: SearchHistory) -> [Parameters] {
        pendingSeen.append(history.running.count)
        return (0..<count).map { _ in
            proposedCount += 1
            return ["x0": .double(Double(proposedCount) / 100), "x1": .double(1)]
        }
    }
}

final class PendingLog: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [Int] = []
    func append(_ count: Int) { lock.withLock { counts.append(count) } }
    var all: [Int] { lock.withLock { counts } }
}

@Suite struct ComputeAheadTests {
    func harness(budget: Int, strategy: SlowStrategy = SlowStrategy()) -> Harness {
        var h = Harness(budget: budget)
        h.machine = CoordinatorStateMachine(config: h.machine.config, search: strategy, software: "t", host: "t")
        h.journal = h.machine.start(now: 0).journal
        return h
    }

    @Test("proposals are computed off the loop: a request goes out, its result fills the free slots")
    func requestThenDispatch() throws {
        var h = harness(budget: 10)
        let actions = h.machine.received(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 4, software: "t")), from: Harness.peerA, now: 0)
        #expect(h.assignments(in: actions.messages.map(\.message)).isEmpty, "nothing to hand out before the model has proposed")
        let request = try #require(actions.proposalRequest)
        // A second event while the request is in flight asks for nothing more.
        #expect(h.machine.tick(now: 0.01).proposalRequest == nil)
        let result = request.run()
        #expect(result.proposals.count == 1, "ready target for 4 slots is 1")
        let after = h.machine.receivedProposals(result, now: 0.02)
        #expect(h.assignments(in: after.messages.map(\.message)).count == 1)
        #expect(after.proposalRequest != nil, "the queue is refilled at once")
    }

    @Test("a freed slot is served from the ready queue in the same turn, without waiting for the model")
    func servedFromReadyQueue() throws {
        var h = harness(budget: 20)
        var actions = h.machine.received(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 1, software: "t")), from: Harness.peerA, now: 0)
        var assigned: [Assignment] = []
        // Let the background work run to completion a few times: one slot, one ready proposal.
        for step in 1...3 {
            if let request = actions.proposalRequest {
                actions = h.machine.receivedProposals(request.run(), now: Double(step))
            }
            assigned += h.assignments(in: actions.messages.map(\.message))
        }
        #expect(assigned.count == 1)
        #expect(h.machine.readyCount == 1, "one proposal waits for the next free slot")
        let result = h.machine.received(
            .result(ResultMessage(key: assigned[0].key, result: TrialResult(status: .completed, metrics: ["objective": 1], durationSeconds: 1))),
            from: Harness.peerA, now: 5)
        let next = h.assignments(in: result.messages.map(\.message))
        #expect(next.count == 1, "the next trial goes out with the ack, from the ready queue")
        #expect(result.proposalRequest != nil, "and the queue is refilled in the background")
        guard case .trialDispatched(let dispatched)? = result.journal.first(where: { $0.name == "trial_dispatched" }) else {
            Issue.record("no dispatch journaled")
            return
        }
        #expect(dispatched.slotIdleSeconds == 0, "the slot did not stand idle")
    }

    @Test("the strategy sees running trials and queued proposals as pending points (lies)")
    func pendingPointsAreLies() throws {
        let strategy = SlowStrategy()
        var h = harness(budget: 20, strategy: strategy)
        var actions = h.machine.received(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 8, software: "t")), from: Harness.peerA, now: 0)
        for step in 1...12 {
            guard let request = actions.proposalRequest else { break }
            actions = h.machine.receivedProposals(request.run(), now: Double(step))
        }
        #expect(h.machine.runningCount == 8)
        // Target 2 ready for 8 slots: each request asked for what the queue lacked and saw every
        // trial dispatched so far (all running) plus the proposals still queued.
        #expect(strategy.pendingSeen.all == [0, 2, 4, 6, 8])
        #expect(h.machine.readyCount == 2)
    }

    @Test("a trial ending makes the ready queue stale: a fresh queue is asked for, without the old proposals as lies, and replaces it")
    func staleQueueRefreshed() throws {
        let strategy = SlowStrategy()
        var h = harness(budget: 40, strategy: strategy)
        var actions = h.machine.received(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 8, software: "t")), from: Harness.peerA, now: 0)
        var running: [TrialKey] = []
        for step in 1...12 {
            guard let request = actions.proposalRequest else { break }
            actions = h.machine.receivedProposals(request.run(), now: Double(step))
            running += h.assignments(in: actions.messages.map(\.message)).map(\.key)
        }
        #expect(h.machine.readyCount == 2)
        let before = try #require(h.machine.readyProposals.first)
        let leftOver = h.machine.readyProposals[1]
        // A trial ends: its slot takes a queued (older) proposal at once, and the rest is stale.
        let result = TrialResult(status: .completed, metrics: ["objective": 1], durationSeconds: 1)
        actions = h.machine.received(.result(ResultMessage(key: running[0], result: result)), from: Harness.peerA, now: 20)
        #expect(h.assignments(in: actions.messages.map(\.message)).first?.parameters == before)
        let refresh = try #require(actions.proposalRequest, "a refresh is asked for")
        _ = h.machine.receivedProposals(refresh.run(), now: 21)
        // It saw the 8 running trials only (not the stale proposal), asked for a whole queue (2),
        // and its proposals replaced the old one.
        #expect(strategy.pendingSeen.all.last == 8)
        #expect(h.machine.readyCount == 2)
        #expect(!h.machine.readyProposals.contains(leftOver), "the stale proposal was replaced, not kept")
    }

    @Test("a slot that waits longer than the model's patience gets a quasi-random configuration instead")
    func fallbackWhenTheModelIsSlow() throws {
        var h = harness(budget: 10)
        let hello = h.machine.received(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 2, software: "t")), from: Harness.peerA, now: 0)
        #expect(hello.proposalRequest != nil, "the model is asked")
        // The model never answers in this test. Before the patience runs out, nobody is served...
        #expect(h.assignments(in: h.machine.tick(now: 0.015).messages.map(\.message)).isEmpty)
        // ...after it, both free slots get fallback configurations, inside the space.
        let served = h.assignments(in: h.machine.tick(now: 0.025).messages.map(\.message))
        #expect(served.count == 2)
        #expect(served.allSatisfy { h.machine.config.space.contains($0.parameters) })
        #expect(h.machine.fallbackCount == 2)
    }
}
