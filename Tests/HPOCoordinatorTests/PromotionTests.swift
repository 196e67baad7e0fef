import HPOCoordinator
import HPOCore
import HPOJournal
import HPOWire
import Testing

/// ASHA's promotion form (`mode: promote`), as a rule: reports and checkpoints in, pause and
/// promotion decisions out.
@Suite struct ASHAPromotionRuleTests {
    /// Rungs at steps 2, 4, 8, …; η = 2.
    static let settings = ASHASettings(minResource: 2, reductionFactor: 2, mode: .promote)

    func pruner(_ settings: ASHASettings = settings) -> Pruner {
        Pruner(
            config: PrunerConfig(rule: .asha(settings)), objective: Objective(metric: "loss", direction: .minimize))
    }

    func rung(_ decision: PruneDecision) -> Int? { if case .pause(let rung, _) = decision { rung } else { nil } }

    @Test("a trial is paused at a rung unless it is in the top ⌊n/η⌋ there on arrival (no minimum of one)")
    func pauseUnlessPromotable() {
        var p = pruner()
        let first = p.report(trial: TrialID(1), step: 2, value: 0.5)
        #expect(rung(first) == 0, "alone at the rung: ⌊1/2⌋ = 0 promotable, it waits")
        guard case .pause(_, let reason) = first else { return }
        #expect(
            reason
                == "asha: loss 0.5 at step 2 (rung 0): 1 of the 2 trials a rung needs before it promotes its best 1/2 "
                + "reached it"
        )
        #expect(p.report(trial: TrialID(1), step: 3, value: 0.4) == .continue, "waiting for its checkpoint")
        #expect(p.report(trial: TrialID(2), step: 2, value: 0.3) == .continue, "best of 2: promoted on arrival")
        let third = p.report(trial: TrialID(3), step: 2, value: 0.9)
        guard case .pause(0, let why) = third else {
            Issue.record("0.9 is not in the top 1 of 3: \(third)")
            return
        }
        #expect(why.hasSuffix("is not in the top 1/2 of the 3 trials that reached it (1 promoted, cutoff 0.3)"))
    }

    @Test("the same values in another order: the first arrival waits, a better second one goes on at once")
    func orderOfArrivals() {
        var a = pruner()
        #expect(rung(a.report(trial: TrialID(1), step: 2, value: 0.5)) == 0)
        #expect(rung(a.report(trial: TrialID(2), step: 2, value: 0.9)) == 0)
        // Trial 1 (paused, the best) is promotable; trial 2 is not.
        #expect(a.promotion(isPaused: { _ in true })?.trial == TrialID(1))

        var b = pruner()
        #expect(rung(b.report(trial: TrialID(2), step: 2, value: 0.9)) == 0)
        #expect(b.report(trial: TrialID(1), step: 2, value: 0.5) == .continue, "promoted on arrival")
        #expect(b.promotion(isPaused: { _ in true }) == nil, "the one place of rung 0 is taken by trial 1")
    }

    @Test("ties: a value equal to the cutoff is promotable; equal candidates go in trial order")
    func ties() {
        var p = pruner()
        #expect(rung(p.report(trial: TrialID(2), step: 2, value: 0.5)) == 0)
        #expect(rung(p.report(trial: TrialID(1), step: 2, value: 0.7)) == 0)
        #expect(rung(p.report(trial: TrialID(3), step: 2, value: 0.8)) == 0)
        #expect(rung(p.report(trial: TrialID(4), step: 2, value: 0.9)) == 0)
        // ⌊4/2⌋ = 2: cutoff 0.7. Trial 5 ties with it: promoted on arrival.
        #expect(p.report(trial: TrialID(5), step: 2, value: 0.7) == .continue)
        let paused: Set<TrialID> = [TrialID(1), TrialID(2), TrialID(3), TrialID(4)]
        #expect(p.promotion(isPaused: paused.contains)?.trial == TrialID(2), "the best first")
        p.promote(TrialID(2), from: 0)
        #expect(p.promotion(isPaused: paused.contains)?.trial == TrialID(1), "0.7 ties the cutoff")
        p.promote(TrialID(1), from: 0)
        #expect(p.promotion(isPaused: paused.contains) == nil)

        // Trials 3 and 1 arrive behind trial 9 and wait; trial 4 makes ⌊4/2⌋ = 2, cutoff 0.6.
        var q = pruner()
        for (trial, value) in [(9, 0.1), (3, 0.6), (1, 0.6), (4, 0.9)] {
            #expect(rung(q.report(trial: TrialID(trial), step: 2, value: value)) == 0)
        }
        var order: [TrialID] = []
        while let next = q.promotion(isPaused: { $0 != TrialID(4) && !order.contains($0) }), order.count < 5 {
            order.append(next.trial)
            q.promote(next.trial, from: next.rung)
        }
        #expect(order == [TrialID(9), TrialID(1), TrialID(3)], "the best, then equal values in trial order")
    }

    @Test("promotions go from the highest rung down; a trial is promoted from a rung once")
    func highestRungFirst() {
        var p = pruner()
        var paused: Set<TrialID> = []
        func report(_ trial: Int, _ step: Int, _ value: Double) -> PruneDecision {
            let decision = p.report(trial: TrialID(trial), step: step, value: value)
            if decision.isPause { paused.insert(TrialID(trial)) }
            return decision
        }
        #expect(report(1, 2, 0.1).isPause && report(2, 2, 0.5).isPause && report(3, 2, 0.3).isPause)
        #expect(p.promotion(isPaused: paused.contains)! == (TrialID(1), 0))
        p.promote(TrialID(1), from: 0)
        paused.remove(TrialID(1))
        #expect(report(1, 4, 0.05).isPause, "alone at rung 1")
        #expect(report(4, 2, 0.9).isPause, "⌊4/2⌋ = 2 at rung 0: cutoff 0.3; trial 3 is promotable now")
        #expect(p.promotion(isPaused: paused.contains)! == (TrialID(3), 0))
        p.promote(TrialID(3), from: 0)
        paused.remove(TrialID(3))
        #expect(report(3, 4, 0.2).isPause, "not the best of 2 at rung 1")
        #expect(report(5, 2, 0.95).isPause && report(6, 2, 0.97).isPause)
        // Rung 1: trial 1 (0.05) is promotable; rung 0 (⌊6/2⌋ = 3: 0.1, 0.3, 0.5): trial 2 is too.
        #expect(p.promotion(isPaused: paused.contains)! == (TrialID(1), 1), "rung 1 before rung 0")
        p.promote(TrialID(1), from: 1)
        paused.remove(TrialID(1))
        #expect(p.promotion(isPaused: paused.contains)! == (TrialID(2), 0))
        p.promote(TrialID(2), from: 0)
        paused.remove(TrialID(2))
        #expect(p.promotion(isPaused: paused.contains) == nil)
    }

    @Test(
        """
        a pause waits for a checkpoint at or past the rung's report; a trial with none by the next rung is \
        judged by the stop form
        """
    )
    func checkpointOrStopForm() {
        var p = pruner()
        #expect(rung(p.report(trial: TrialID(1), step: 2, value: 0.5)) == 0)
        #expect(p.checkpointDurable(trial: TrialID(1), step: 1) == nil, "a checkpoint before the rung does not do")
        #expect(p.checkpointDurable(trial: TrialID(1), step: 3) == 0, "at or past it: pause now")
        #expect(p.checkpointDurable(trial: TrialID(1), step: 4) == nil, "once")

        #expect(rung(p.report(trial: TrialID(2), step: 2, value: 0.9)) == 0)
        #expect(p.report(trial: TrialID(2), step: 3, value: 0.8) == .continue)
        guard case .stop(let reason) = p.report(trial: TrialID(2), step: 4, value: 0.7) else {
            Issue.record("no checkpoint by rung 1 and worse than trial 1 at rung 0: stopped")
            return
        }
        #expect(reason.hasSuffix("; not paused: no checkpoint at or past step 2 before step 4"), "\(reason)")
        #expect(reason.hasPrefix("asha: loss 0.9 at step 2 is not in the top 1/2 of the 2 trials that reached it"))

        // Kept by the stop form (the best at rung 0), it goes on and is judged at rung 1 as usual.
        var q = pruner()
        #expect(rung(q.report(trial: TrialID(1), step: 2, value: 0.5)) == 0)
        #expect(rung(q.report(trial: TrialID(1), step: 4, value: 0.4)) == 1)
    }

    @Test(
        """
        once no new trial will come (final), the best paused trial of a rung is promotable even with fewer \
        than η there
        """
    )
    func finalAtLeastOne() {
        var p = pruner()
        #expect(rung(p.report(trial: TrialID(1), step: 2, value: 0.5)) == 0)
        #expect(p.promotion(isPaused: { _ in true }) == nil, "⌊1/2⌋ = 0 while more trials may come")
        #expect(p.promotion(isPaused: { _ in true }, final: true)?.trial == TrialID(1))
    }

    @Test("max_resource: no rung at or past it; a trial that passed the top rung runs to the end")
    func topRung() {
        var p = pruner(ASHASettings(minResource: 2, reductionFactor: 2, maxResource: 4, mode: .promote))
        #expect(rung(p.report(trial: TrialID(1), step: 2, value: 0.5)) == 0)
        p.promote(TrialID(1), from: 0)
        #expect(p.report(trial: TrialID(1), step: 4, value: 0.4) == .continue)
        #expect(p.report(trial: TrialID(1), step: 100, value: 0.3) == .continue)
    }
}

/// The coordinator in the promotion form: pause after a durable checkpoint, promotion into a
/// freed place through the resume path, the end of the study, and a restart on the log.
@Suite struct ASHAPromotionCoordinatorTests {
    static let pruner = PrunerConfig(
        rule: .asha(ASHASettings(minResource: 2, reductionFactor: 2, maxResource: 8, mode: .promote)))

    func report(_ key: TrialKey, step: Int, _ loss: Double) -> WorkerMessage {
        .report(ReportMessage(key: key, report: TrialReport(step: step, metrics: ["loss": loss])))
    }

    func stopped(_ key: TrialKey, step: Int, _ loss: Double) -> WorkerMessage {
        .result(
            ResultMessage(
                key: key,
                result: TrialResult(
                    status: .pruned, metrics: ["loss": loss], reason: "asked", durationSeconds: 1, step: step)))
    }

    func stops(_ actions: CoordinatorActions) -> [StopMessage] {
        actions.messages.compactMap { if case .stop(let s) = $0.message { s } else { nil } }
    }

    func key(_ trial: Int, _ attempt: Attempt = 1) -> TrialKey { TrialKey(trial: TrialID(trial), attempt: attempt) }

    /// Trial 1 reports 0.5 at rung 0 and is paused once its checkpoint at step 2 is stored;
    /// trial 2 takes the place, reports 0.9 at rung 0 and waits for its checkpoint.
    func firstPausedSecondPausing(budget: Int = 3) -> CheckpointHarness {
        var h = CheckpointHarness(budget: budget, pruner: Self.pruner)
        #expect(h.hello(CheckpointHarness.a, name: "a").assigned.map(\.key) == [key(1)])
        #expect(stops(h.send(report(key(1), step: 2, 0.5), from: CheckpointHarness.a)).isEmpty, "no checkpoint yet")
        let stop = stops(h.upload(key(1), step: 2, from: CheckpointHarness.a))
        #expect(stop.map(\.key) == [key(1)], "paused once its checkpoint is durable")
        #expect(stop.first?.reason.hasPrefix("asha: loss 0.5 at step 2 (rung 0)") == true)
        let next = h.send(stopped(key(1), step: 2, 0.5), from: CheckpointHarness.a)
        #expect(next.assigned.map(\.key) == [key(2)], "nothing promotable: a new trial")
        #expect(h.machine.pausedCount == 1)
        #expect(stops(h.send(report(key(2), step: 2, 0.9), from: CheckpointHarness.a)).isEmpty)
        return h
    }

    @Test(
        """
        paused after its checkpoint; promoted into the next free place before any new trial, resumed from \
        that checkpoint; unpromoted trials end as pruned
        """
    )
    func pauseAndPromote() throws {
        var h = firstPausedSecondPausing()
        guard case .trialPaused(let paused)? = h.events("trial_paused").first else {
            Issue.record("no trial_paused")
            return
        }
        #expect(paused.trial == TrialID(1) && paused.attempt == 1 && paused.rung == 0 && paused.step == 2)
        #expect(paused.metrics == ["loss": 0.5] && paused.objective == 0.5)
        #expect(h.events("trial_pruned").isEmpty)

        #expect(stops(h.upload(key(2), step: 2, from: CheckpointHarness.a)).map(\.key) == [key(2)])
        let before = h.journal.count
        let promoted = h.send(stopped(key(2), step: 2, 0.9), from: CheckpointHarness.a)
        #expect(
            h.journal[before...].map(\.name) == ["trial_paused", "trial_promoted", "trial_dispatched", "trial_resumed"])
        guard case .trialPromoted(let promotion)? = h.events("trial_promoted").first else { return }
        #expect(promotion == TrialPromoted(trial: TrialID(1), attempt: 1, rung: 0, step: 2))
        #expect(promoted.assigned.map(\.key) == [key(1, 2)], "trial 1 again, not trial 3")
        #expect(h.machine.pausedCount == 1)

        // At rung 1 it is alone: paused again; the place goes to a new trial (nothing promotable).
        _ = h.send(.resumeAck(ChunkAck(key: key(1, 2), step: 2, next: 1, done: true)), from: CheckpointHarness.a)
        _ = h.send(report(key(1, 2), step: 4, 0.3), from: CheckpointHarness.a)
        #expect(stops(h.upload(key(1, 2), step: 4, from: CheckpointHarness.a)).map(\.key) == [key(1, 2)])
        let third = h.send(stopped(key(1, 2), step: 4, 0.3), from: CheckpointHarness.a)
        #expect(third.assigned.map(\.key) == [key(3)])
        // Trial 3 is the best at both rungs: promoted on arrival each time, never paused; past the
        // top rung (max_resource 8) it completes.
        #expect(stops(h.send(report(key(3), step: 2, 0.1), from: CheckpointHarness.a)).isEmpty)
        #expect(stops(h.send(report(key(3), step: 4, 0.05), from: CheckpointHarness.a)).isEmpty)
        _ = h.upload(key(3), step: 4, from: CheckpointHarness.a)
        #expect(stops(h.send(report(key(3), step: 8, 0.01), from: CheckpointHarness.a)).isEmpty)
        let end = h.send(
            .result(
                ResultMessage(
                    key: key(3), result: TrialResult(status: .completed, metrics: ["loss": 0.01], durationSeconds: 1))),
            from: CheckpointHarness.a)
        #expect(end.assigned.isEmpty)
        // Budget spent, and no paused trial in the top ⌊n/η⌋ of its rung: the study ends, trials 1
        // and 2 (still paused) as pruned.
        #expect(h.machine.isFinished)
        let pruned = h.journal.compactMap { if case .trialPruned(let e) = $0 { e } else { nil } }
        #expect(pruned.map(\.trial) == [TrialID(1), TrialID(2)])
        #expect(
            pruned.first?.reason.hasPrefix("asha: paused at rung 1 (checkpoint at step 4) and not promoted") == true)
        guard case .studyFinished(let finished)? = h.journal.last(where: { $0.name == "study_finished" }) else {
            Issue.record("no study_finished")
            return
        }
        #expect(finished.completed == 1 && finished.pruned == 2 && finished.paused == nil)
        #expect(h.machine.pausedCount == 0)
    }

    @Test(
        """
        a trial that completes while its pause waits for the checkpoint simply completes; its place goes \
        to a promotion
        """
    )
    func completesBeforePause() {
        var h = firstPausedSecondPausing()
        let next = h.send(
            .result(
                ResultMessage(
                    key: key(2), result: TrialResult(status: .completed, metrics: ["loss": 0.9], durationSeconds: 1))),
            from: CheckpointHarness.a)
        #expect(h.events("trial_completed").count == 1)
        #expect(h.events("trial_paused").count == 1, "only trial 1")
        #expect(next.assigned.map(\.key) == [key(1, 2)], "trial 1 is the best of 2 at rung 0: promoted")
        #expect(h.machine.pausedCount == 0)
    }

    @Test("the study does not end while a paused trial is promotable, even with the budget spent")
    func waitsForPromotable() {
        var h = firstPausedSecondPausing(budget: 2)
        _ = h.upload(key(2), step: 2, from: CheckpointHarness.a)
        let promoted = h.send(stopped(key(2), step: 2, 0.9), from: CheckpointHarness.a)
        #expect(promoted.assigned.map(\.key) == [key(1, 2)])
        #expect(!h.machine.isFinished)
    }

    @Test(
        """
        a checkpoint stored before the report that reaches the rung pauses at once; after a restart the \
        stop is sent again
        """
    )
    func checkpointBeforeReport() throws {
        var h = CheckpointHarness(budget: 3, pruner: Self.pruner)
        _ = h.hello(CheckpointHarness.a, name: "a")
        #expect(stops(h.upload(key(1), step: 2, from: CheckpointHarness.a)).isEmpty, "nothing to pause yet")
        #expect(stops(h.send(report(key(1), step: 2, 0.5), from: CheckpointHarness.a)).map(\.key) == [key(1)])

        var again = try CheckpointHarness(restoring: records(h.journal), config: h.machine.config)
        let peer = PeerID([9])
        let hello = again.send(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 1, software: "t", running: [key(1)])), from: peer)
        #expect(stops(hello).map(\.key) == [key(1)], "the pause decided before the restart")
        _ = again.send(stopped(key(1), step: 2, 0.5), from: peer)
        #expect(again.events("trial_paused").count == 1 && again.events("trial_pruned").isEmpty)
    }

    @Test("with the budget's trials all created, a trial alone at its rung is promoted rather than left paused")
    func budgetSpentPromotesTheBest() {
        var h = CheckpointHarness(budget: 1, pruner: Self.pruner)
        _ = h.hello(CheckpointHarness.a, name: "a")
        _ = h.send(report(key(1), step: 2, 0.5), from: CheckpointHarness.a)
        #expect(stops(h.upload(key(1), step: 2, from: CheckpointHarness.a)).map(\.key) == [key(1)])
        let next = h.send(stopped(key(1), step: 2, 0.5), from: CheckpointHarness.a)
        #expect(next.assigned.map(\.key) == [key(1, 2)], "the only trial goes on from its checkpoint")
        #expect(h.events("trial_promoted").count == 1 && !h.machine.isFinished)
    }

    func records(_ journal: [JournalEvent]) -> [JournalRecord] {
        journal.enumerated().map { JournalRecord(event: $0.element, time: Double($0.offset)) }
    }

    @Test(
        "a coordinator restarted on its log rebuilds paused trials, rungs and a pause still waiting for its checkpoint"
    )
    func restartReplay() throws {
        let first = firstPausedSecondPausing()
        var h = try CheckpointHarness(restoring: records(first.journal), config: first.machine.config)
        #expect(h.machine.pausedCount == 1)
        // Trial 2's worker comes back with it; its checkpoint arrives: the pause decided before the
        // restart happens now, and trial 1 (the best at rung 0, paused) is promoted.
        let peer = PeerID([9])
        _ = h.send(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 1, software: "t", running: [key(2)])), from: peer)
        #expect(stops(h.upload(key(2), step: 2, from: peer)).map(\.key) == [key(2)])
        let promoted = h.send(stopped(key(2), step: 2, 0.9), from: peer)
        #expect(h.events("trial_paused").count == 1)
        #expect(promoted.assigned.map(\.key) == [key(1, 2)])
        guard case .trialResumed(let resumed)? = h.events("trial_resumed").first else {
            Issue.record("not resumed from its checkpoint")
            return
        }
        #expect(resumed.trial == TrialID(1) && resumed.step == 2)

        // Replaying that log again: trial 2 paused, trial 1 promoted and running (orphaned).
        let again = try CheckpointHarness(restoring: records(first.journal + h.journal), config: first.machine.config)
        #expect(again.machine.pausedCount == 1)
    }
}
