import HPOCore
import HPOJournal
import HPOSearch
import HPOWire
import Testing

@testable import HPOCoordinator

/// The coordinator with a pruner: reports judged, `stop` sent, outcomes journaled as `trial_pruned`.
@Suite struct PruningCoordinatorTests {
    static let asha = PrunerConfig(rule: .asha(ASHASettings()))  // rungs at steps 1, 3, 9, …; η = 3

    func report(_ key: TrialKey, step: Int, _ value: Double) -> WorkerMessage {
        .report(
            ReportMessage(key: key, report: TrialReport(step: step, metrics: ["objective": value, "loss": value * 2])))
    }

    func prunedResult(_ key: TrialKey, step: Int, _ value: Double, reason: String) -> WorkerMessage {
        .result(
            ResultMessage(
                key: key,
                result: TrialResult(
                    status: .pruned, metrics: ["objective": value, "loss": value * 2], reason: reason,
                    durationSeconds: 0.4, step: step)))
    }

    func stops(in messages: [CoordinatorMessage]) -> [StopMessage] {
        messages.compactMap { if case .stop(let stop) = $0 { stop } else { nil } }
    }

    func pruned(_ h: Harness) -> [TrialPruned] {
        h.journal.compactMap { if case .trialPruned(let e) = $0 { e } else { nil } }
    }

    /// Two trials on one worker; trial 1 reports 0.5 at step 1, then trial 2 reports 0.9 there and is told to stop.
    func stoppedSecond(retries: Int = 2) -> (Harness, [TrialKey], StopMessage?) {
        var h = Harness(budget: 10, retries: retries, pruner: Self.asha)
        let keys = h.hello(Harness.peerA, slots: 2).map(\.key)
        #expect(stops(in: h.send(report(keys[0], step: 1, 0.5), from: Harness.peerA)).isEmpty)
        let stop = stops(in: h.send(report(keys[1], step: 1, 0.9), from: Harness.peerA)).first
        return (h, keys, stop)
    }

    @Test(
        """
        a report that triggers a stop sends stop to the worker; its pruned result is journaled as trial_pruned, \
        not retried, and the slot gets the next trial
        """
    )
    func stopThenPruned() throws {
        var (h, keys, stop) = stoppedSecond()
        let sent = try #require(stop)
        #expect(sent.key == keys[1])
        #expect(sent.reason.hasPrefix("asha: objective 0.9 at step 1 is not the best of the 2 trials"))
        #expect(h.events("trial_report").count == 2)

        let reply = h.send(prunedResult(keys[1], step: 2, 0.85, reason: sent.reason), from: Harness.peerA)
        #expect(reply.first == .ack(keys[1]))
        #expect(
            h.assignments(in: reply).map(\.key) == [TrialKey(trial: TrialID(3), attempt: 1)], "a new trial, not a retry"
        )
        let event = try #require(pruned(h).first)
        #expect(event.trial == TrialID(2) && event.attempt == 1)
        #expect(event.step == 2)
        #expect(event.metrics == ["objective": 0.85, "loss": 1.7])
        #expect(event.objective == 0.85)
        #expect(event.reason == sent.reason)
        #expect(event.worker == WorkerID("a"))
        #expect(event.durationSeconds == 0.4)
        #expect(h.machine.prunedCount == 1 && h.machine.failedCount == 0 && h.machine.completedCount == 0)
        #expect(h.events("trial_failed").isEmpty)
        #expect(h.machine.best == nil, "a pruned trial's value is never the best")
    }

    @Test("reports after the stop are journaled but not judged again")
    func reportsAfterStop() {
        var (h, keys, stop) = stoppedSecond()
        #expect(stop != nil)
        #expect(stops(in: h.send(report(keys[1], step: 2, 5), from: Harness.peerA)).isEmpty)
        #expect(stops(in: h.send(report(keys[1], step: 3, 5), from: Harness.peerA)).isEmpty, "no second stop at rung 3")
        #expect(h.events("trial_report").count == 4)
    }

    @Test("a completed result that arrives after the stop stands: the worker finished before the stop arrived")
    func completedAfterStop() {
        var (h, keys, stop) = stoppedSecond()
        #expect(stop != nil)
        _ = h.complete(keys[1], objective: 0.7, from: Harness.peerA)
        #expect(h.events("trial_completed").count == 1)
        #expect(pruned(h).isEmpty)
        #expect(h.machine.completedCount == 1 && h.machine.prunedCount == 0)
        #expect(h.machine.best?.objective == 0.7)
    }

    @Test(
        """
        a failed result after a stop (a worker that does not know stop, or a crash on the way out) is pruned, not \
        retried
        """
    )
    func failedAfterStop() throws {
        var (h, keys, stop) = stoppedSecond(retries: 3)
        #expect(stop != nil)
        let reply = h.fail(keys[1], from: Harness.peerA)
        #expect(h.assignments(in: reply).allSatisfy { $0.key.trial != keys[1].trial })
        let event = try #require(pruned(h).first)
        #expect(event.reason.hasSuffix("(the attempt ended as failed: exit code 1)"))
        #expect(event.step == 1, "the last report the coordinator saw")
        #expect(event.metrics["objective"] == 0.9)
        #expect(h.events("trial_failed").isEmpty)
    }

    @Test("a worker lost after a stop: the trial ends as pruned instead of running again")
    func lostAfterStop() throws {
        var (h, keys, stop) = stoppedSecond()
        #expect(stop != nil)
        _ = h.tick(at: 10)  // peer A silent for longer than the liveness window (3 s)
        let left = h.journal.compactMap { if case .workerLeft(let e) = $0 { e } else { nil } }
        #expect(
            left.first?.abandoned == [keys[0].trial.rawValue],
            "only the trial that was not stopping goes back to the queue")
        let event = try #require(pruned(h).first)
        #expect(event.trial == keys[1].trial)
        #expect(event.reason.hasSuffix("(its worker left before confirming)"))
        #expect(event.durationSeconds == 10)
        let next = h.hello(Harness.peerB, slots: 2)
        #expect(
            next.map(\.key) == [TrialKey(trial: keys[0].trial, attempt: 2), TrialKey(trial: TrialID(3), attempt: 1)])
    }

    @Test(
        """
        a trial re-queued after its worker was lost restarts from step 1 and is not judged again on the rungs it \
        passed
        """
    )
    func requeuedAttempt() {
        var h = Harness(budget: 10, pruner: Self.asha)
        let keys = h.hello(Harness.peerA, slots: 2).map(\.key)
        _ = h.send(report(keys[0], step: 1, 0.9), from: Harness.peerA)  // first at rung 1: continues
        _ = h.send(report(keys[1], step: 1, 0.2), from: Harness.peerA)
        _ = h.tick(at: 10)  // A lost: both trials re-queued
        let again = h.hello(Harness.peerB, slots: 2).map(\.key)
        #expect(again.map(\.attempt) == [2, 2])
        // Trial 1's new attempt at step 1 (0.9, worse than 0.2) is on ground it covered: no stop.
        #expect(stops(in: h.send(report(again[0], step: 1, 0.9), from: Harness.peerB)).isEmpty)
        // At rung 3 it is judged.
        _ = h.send(report(again[1], step: 3, 0.1), from: Harness.peerB)
        #expect(stops(in: h.send(report(again[0], step: 3, 0.8), from: Harness.peerB)).map(\.key) == [again[0]])
    }

    @Test(
        """
        the search sees a pruned trial as tried without a final value, and separately with its stop step and last \
        value (negated when maximised)
        """
    )
    func searchHistory() {
        var h = Harness(budget: 10, pruner: Self.asha, direction: .maximize)
        let keys = h.hello(Harness.peerA, slots: 2).map(\.key)
        _ = h.send(report(keys[0], step: 1, 0.9), from: Harness.peerA)
        let stop = stops(in: h.send(report(keys[1], step: 1, 0.5), from: Harness.peerA))
        #expect(stop.count == 1)
        _ = h.send(prunedResult(keys[1], step: 1, 0.5, reason: "r"), from: Harness.peerA)
        let history = h.machine.history()
        let params = h.machine.parameters(of: keys[1].trial)
        #expect(history.finished.count == 1)
        #expect(history.finished.first?.parameters == params && history.finished.first?.objective == nil)
        #expect(history.pruned == [PrunedObservation(parameters: params ?? [:], step: 1, value: -0.5)])
        #expect(history.running.count == 2)
    }

    @Test("study_finished and the progress line count pruned trials apart from completed and failed")
    func finishedCounts() throws {
        var h = Harness(budget: 3, pruner: Self.asha)
        let keys = h.hello(Harness.peerA, slots: 2).map(\.key)
        _ = h.send(report(keys[0], step: 1, 0.5), from: Harness.peerA)
        _ = h.send(report(keys[1], step: 1, 0.9), from: Harness.peerA)
        let third = h.assignments(in: h.send(prunedResult(keys[1], step: 1, 0.9, reason: "r"), from: Harness.peerA))
        _ = h.complete(keys[0], objective: 0.4, from: Harness.peerA)
        _ = h.fail(third[0].key, from: Harness.peerA)
        let finished = try #require(
            h.journal.compactMap { if case .studyFinished(let e) = $0 { e } else { nil } }.first)
        #expect(finished.completed == 1 && finished.failed == 1 && finished.pruned == 1)
        #expect(finished.reason == "budget spent")
        let snapshot = ProgressSnapshot(
            study: "s", completed: 1, failed: 1, pruned: 1, running: 0, budget: 3, bestTrial: TrialID(1),
            bestObjective: 0.4,
            bestParameters: nil, workers: 1, busyWorkers: 0, elapsedSeconds: 3, finishReason: "budget spent")
        #expect(snapshot.line.hasPrefix("s  done 3/3  running 0  failed 1  pruned 1  best 0.4 (#1)"))
        #expect(snapshot.summary.contains("trials: 1 completed, 1 failed, 1 pruned"))
    }

    @Test("without a pruner nothing is judged")
    func noPruner() {
        var h = Harness(budget: 10)
        let keys = h.hello(Harness.peerA, slots: 2).map(\.key)
        _ = h.send(report(keys[0], step: 1, 0.1), from: Harness.peerA)
        #expect(stops(in: h.send(report(keys[1], step: 1, 99), from: Harness.peerA)).isEmpty)
    }
}

/// Pruning across a coordinator restart.
@Suite struct PruningResumeTests {
    func records(_ h: Harness) -> [JournalRecord] {
        h.journal.enumerated().map { JournalRecord(event: $0.element, time: Double($0.offset)) }
    }

    func resumed(_ records: [JournalRecord], config: StudyConfig) throws -> Harness {
        let restored = try StudyReplay.restore(records, path: "log", config: config)
        var h = Harness(budget: config.budget.trials, pruner: config.pruner)
        h.machine = CoordinatorStateMachine(
            restoring: restored, search: makeSearchStrategy(for: config, alreadyProposed: restored.trials.count),
            liveness: LivenessSettings(heartbeatIntervalSeconds: 1, liveness: 3), software: "t", host: "t")
        h.journal = h.machine.start(now: 0).journal
        return h
    }

    func report(_ key: TrialKey, step: Int, _ value: Double) -> WorkerMessage {
        .report(ReportMessage(key: key, report: TrialReport(step: step, metrics: ["objective": value])))
    }

    @Test(
        "a pruned trial is terminal after a restart: counted, not run again; the rungs come back from the log's reports"
    )
    func prunedSurvivesRestart() throws {
        var first = Harness(budget: 6, pruner: PruningCoordinatorTests.asha)
        let keys = first.hello(Harness.peerA, slots: 2).map(\.key)
        _ = first.send(report(keys[0], step: 1, 0.5), from: Harness.peerA)
        _ = first.send(report(keys[1], step: 1, 0.9), from: Harness.peerA)
        _ = first.send(
            .result(
                ResultMessage(
                    key: keys[1],
                    result: TrialResult(
                        status: .pruned, metrics: ["objective": 0.9], reason: "r", durationSeconds: 1, step: 1))),
            from: Harness.peerA)
        #expect(first.machine.prunedCount == 1)

        var h = try resumed(records(first), config: first.machine.config)
        #expect(h.machine.prunedCount == 1)
        guard case .studyResumed(let resumed) = h.journal.first else {
            Issue.record("no study_resumed")
            return
        }
        #expect(resumed.pruned == 1)
        #expect(resumed.queued.isEmpty, "the pruned trial is not queued again")
        // The worker comes back with trials 1 and 3; trial 2 is never dispatched again.
        let peer = PeerID([8])
        let running = [keys[0], TrialKey(trial: TrialID(3), attempt: 1)]
        let reply = h.send(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 3, software: "t", running: running)), from: peer)
        #expect(h.assignments(in: reply).map(\.key.trial) == [TrialID(4)])
        // Rung 1 holds 0.5 and 0.9 from before the restart: trial 3 at 0.7 is not in the top ⌊3/3⌋ = 1.
        let stop = h.send(report(running[1], step: 1, 0.7), from: peer).compactMap {
            if case .stop(let s) = $0 { s } else { nil }
        }
        #expect(stop.map(\.key) == [running[1]])
    }

    @Test("a stop decided before a restart is sent again when the trial's worker comes back")
    func stopRepeated() throws {
        var first = Harness(budget: 6, pruner: PruningCoordinatorTests.asha)
        let keys = first.hello(Harness.peerA, slots: 2).map(\.key)
        _ = first.send(report(keys[0], step: 1, 0.5), from: Harness.peerA)
        _ = first.send(report(keys[1], step: 1, 0.9), from: Harness.peerA)  // stop sent, maybe lost with the crash
        var h = try resumed(records(first), config: first.machine.config)
        let peer = PeerID([8])
        let reply = h.send(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 2, software: "t", running: keys)), from: peer)
        let stops = reply.compactMap { if case .stop(let s) = $0 { s } else { nil } }
        #expect(stops.map(\.key) == [keys[1]])
        #expect(stops.first?.reason.hasPrefix("asha: objective 0.9 at step 1") == true)
        // Its failed result (a worker that did not know stop) still ends it as pruned.
        _ = h.fail(keys[1], from: peer)
        #expect(h.machine.prunedCount == 1)
    }

    @Test("a log's config with a pruner differs from a study file without one")
    func pruneMismatch() throws {
        let first = Harness(budget: 6, pruner: PruningCoordinatorTests.asha)
        var other = first.machine.config
        other.pruner = nil
        #expect(throws: StudyReplay.Mismatch.self) {
            try StudyReplay.restore(records(first), path: "log", config: other)
        }
        #expect(StudyReplay.differences(first.machine.config, other) == ["pruner"])
    }
}
