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

    static let done = TrialResult(status: .completed, metrics: ["objective": 1], durationSeconds: 1)

    /// Hello from one worker with `slots`, then the background work run to completion: every
    /// slot busy. Returns the running attempts.
    func fill(_ h: inout Harness, slots: Int) throws -> [TrialKey] {
        var actions = h.machine.received(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: slots, software: "t")), from: Harness.peerA, now: 0)
        var running: [TrialKey] = []
        for step in 1...4 {
            running += h.assignments(in: actions.messages.map(\.message)).map(\.key)
            guard let request = actions.proposalRequest else { break }
            actions = h.machine.receivedProposals(request.run(), now: Double(step) / 1000)
        }
        return running
    }

    @Test("proposals are computed off the loop: one request for exactly the free places, its result fills them")
    func requestThenDispatch() throws {
        var h = harness(budget: 10)
        let actions = h.machine.received(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 4, software: "t")), from: Harness.peerA, now: 0)
        #expect(
            h.assignments(in: actions.messages.map(\.message)).isEmpty,
            "nothing to hand out before the model has proposed")
        let request = try #require(actions.proposalRequest)
        #expect(request.kind == .propose(4))
        // A second event while the request is in flight asks for nothing more.
        #expect(h.machine.tick(now: 0.001).proposalRequest == nil)
        let after = h.machine.receivedProposals(request.run(), now: 0.002)
        #expect(h.assignments(in: after.messages.map(\.message)).count == 4)
        #expect(after.proposalRequest == nil, "no place waits, so nothing is computed ahead")
        #expect(h.machine.readyCount == 0)
    }

    @Test("a freed slot gets a proposal computed with its own result: the request goes out with the ack")
    func freedSlotWaitsForFreshProposal() throws {
        let strategy = SlowStrategy()
        var h = harness(budget: 20, strategy: strategy)
        let running = try fill(&h, slots: 8)
        #expect(running.count == 8)
        #expect(strategy.pendingSeen.all == [0], "the first eight in one request, with nothing pending")
        let result = h.machine.received(
            .result(ResultMessage(key: running[0], result: Self.done)), from: Harness.peerA, now: 1)
        #expect(
            h.assignments(in: result.messages.map(\.message)).isEmpty,
            "no proposal made before this result is handed out")
        let request = try #require(result.proposalRequest)
        #expect(request.kind == .propose(1))
        let after = h.machine.receivedProposals(request.run(), now: 1.005)
        #expect(strategy.pendingSeen.all.last == 7, "it saw the seven still running as pending points")
        let next = h.assignments(in: after.messages.map(\.message))
        #expect(next.count == 1)
        guard case .trialDispatched(let dispatched)? = after.journal.first(where: { $0.name == "trial_dispatched" })
        else {
            Issue.record("no dispatch journaled")
            return
        }
        #expect(dispatched.proposalLag == nil && dispatched.fallback == nil, "a fresh proposal from the model")
        #expect(abs((dispatched.slotIdleSeconds ?? -1) - 0.005) < 1e-9, "the slot waited only for the proposal")
    }

    @Test("a proposal that comes back after another trial ended is stale: asked for again, not handed out")
    func staleProposalAskedAgain() throws {
        let strategy = SlowStrategy()
        var h = harness(budget: 40, strategy: strategy)
        let running = try fill(&h, slots: 8)
        let first = h.machine.received(
            .result(ResultMessage(key: running[0], result: Self.done)), from: Harness.peerA, now: 1)
        let request = try #require(first.proposalRequest)
        // A second trial ends while the first request is computed: no second request yet.
        let second = h.machine.received(
            .result(ResultMessage(key: running[1], result: Self.done)), from: Harness.peerA, now: 1.001)
        #expect(second.proposalRequest == nil)
        let arrived = h.machine.receivedProposals(request.run(), now: 1.002)
        #expect(h.assignments(in: arrived.messages.map(\.message)).isEmpty, "computed before the second result: stale")
        let again = try #require(arrived.proposalRequest, "a fresh request for both waiting slots")
        #expect(again.kind == .propose(2))
        let fresh = h.machine.receivedProposals(again.run(), now: 1.004)
        #expect(strategy.pendingSeen.all.last == 6, "the stale proposal is no lie: it may never run")
        #expect(h.assignments(in: fresh.messages.map(\.message)).count == 2)
        #expect(h.machine.readyCount == 1, "the stale one is kept aside for a slot that cannot wait")
        #expect(h.machine.freshReadyCount == 0)
    }

    @Test("a queue place not in use does not make a freed slot look as if it had waited since the start")
    func unusedQueuePlaceIsNotWaiting() throws {
        var h = harness(budget: 40)
        // One worker, 2 slots and a queue place, which a learning search leaves empty here.
        var actions = h.machine.received(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 2, software: "t", prefetch: 1)), from: Harness.peerA,
            now: 0)
        var running: [TrialKey] = []
        while let request = actions.proposalRequest {
            actions = h.machine.receivedProposals(request.run(), now: 0.001)
            running += h.assignments(in: actions.messages.map(\.message)).map(\.key)
        }
        #expect(running.count == 2)
        let first = h.machine.received(
            .result(ResultMessage(key: running[0], result: Self.done)), from: Harness.peerA, now: 10)
        let request = try #require(first.proposalRequest)
        _ = h.machine.received(
            .result(ResultMessage(key: running[1], result: Self.done)), from: Harness.peerA, now: 10.001)
        _ = h.machine.receivedProposals(request.run(), now: 10.002)
        #expect(h.machine.readyCount == 1, "a stale proposal waits aside")
        // 8 ms after the results, inside the 20 ms patience: the slots wait for the fresh request.
        #expect(h.assignments(in: h.machine.tick(now: 10.008).messages.map(\.message)).isEmpty)
        #expect(h.machine.staleCount == 0)
    }

    @Test("past its patience a slot takes the model's stale proposal before any quasi-random one")
    func staleBeforeQuasiRandom() throws {
        var h = harness(budget: 40)
        let running = try fill(&h, slots: 8)
        let first = h.machine.received(
            .result(ResultMessage(key: running[0], result: Self.done)), from: Harness.peerA, now: 1)
        let request = try #require(first.proposalRequest)
        _ = h.machine.received(
            .result(ResultMessage(key: running[1], result: Self.done)), from: Harness.peerA, now: 1.001)
        _ = h.machine.receivedProposals(request.run(), now: 1.002)
        let stale = try #require(h.machine.readyProposals.first)
        // The fresh request never comes back in this test; past the patience both slots are served.
        let served = h.assignments(in: h.machine.tick(now: 1.05).messages.map(\.message))
        #expect(served.count == 2)
        #expect(served.first?.parameters == stale, "the model's proposal first")
        #expect(h.machine.staleCount == 1)
        #expect(h.machine.fallbackCount == 1, "then the quasi-random stream")
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
