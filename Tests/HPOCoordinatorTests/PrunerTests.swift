import HPOCoordinator
import HPOCore
import Testing

/// The pruning rules on hand-made report sequences: (trial, attempt, step, value) in, continue or
/// stop out.
@Suite struct ASHATests {
    static let minimize = Objective(metric: "loss", direction: .minimize)

    func asha(_ settings: ASHASettings = ASHASettings(), objective: Objective = minimize, metric: String? = nil)
        -> Pruner
    {
        Pruner(config: PrunerConfig(metric: metric, rule: .asha(settings)), objective: objective)
    }

    /// Feeds (trial, step, value) reports in order; returns which trials were told to stop.
    func stopped(_ pruner: inout Pruner, _ reports: [(Int, Int, Double)]) -> [Int] {
        reports.compactMap { trial, step, value in
            pruner.report(trial: TrialID(trial), step: step, value: value).isStop ? trial : nil
        }
    }

    @Test("the first trial at a rung continues; while a rung holds fewer than η values only the best continues")
    func fewEntries() {
        var p = asha()
        #expect(p.report(trial: TrialID(1), step: 1, value: 0.5) == .continue)
        let second = p.report(trial: TrialID(2), step: 1, value: 0.6)
        guard case .stop(let reason) = second else {
            Issue.record("trial 2 (0.6, worse than 0.5) continued")
            return
        }
        #expect(reason == "asha: loss 0.6 at step 1 is not the best of the 2 trials that reached it (best 0.5)")
        #expect(p.report(trial: TrialID(3), step: 1, value: 0.4) == .continue, "the best of 3")
    }

    @Test("with n values at a rung, the best ⌊n/η⌋ continue; ties continue")
    func topFraction() {
        var p = asha()
        // Rung at step 1 fills with 0.4 and 0.5 (trial 2 is stopped: not the best of 2).
        #expect(stopped(&p, [(1, 1, 0.4), (2, 1, 0.5), (3, 1, 0.3), (4, 1, 0.9), (5, 1, 0.8)]) == [2, 4, 5])
        // 6 values: ⌊6/3⌋ = 2 kept; the cutoff is 0.4 and a tie with it continues.
        #expect(p.report(trial: TrialID(6), step: 1, value: 0.4) == .continue)
        guard case .stop(let reason) = p.report(trial: TrialID(7), step: 1, value: 0.45) else {
            Issue.record("0.45 is third of 7 with 2 kept")
            return
        }
        #expect(
            reason
                == """
                asha: loss 0.45 at step 1 is not in the top 1/3 of the 7 trials that reached it (2 kept, cutoff \
                0.4)
                """
        )
    }

    @Test("rungs at min_resource × η^k: only reports that reach a new rung are judged, each rung once per trial")
    func rungsOnly() {
        var p = asha(ASHASettings(minResource: 2, reductionFactor: 2))  // rungs 2, 4, 8, …
        #expect(p.report(trial: TrialID(1), step: 1, value: 0.1) == .continue)  // below the first rung
        #expect(p.report(trial: TrialID(1), step: 2, value: 0.2) == .continue)
        #expect(p.report(trial: TrialID(2), step: 1, value: 9) == .continue, "no rung at step 1")
        #expect(p.report(trial: TrialID(2), step: 2, value: 0.3).isStop, "worse than 0.2 at rung 2, of 2")
        #expect(p.report(trial: TrialID(1), step: 3, value: 5) == .continue, "between rungs: not judged")
        #expect(p.report(trial: TrialID(1), step: 4, value: 5) == .continue, "first at rung 4")
        #expect(p.report(trial: TrialID(3), step: 4, value: 6).isStop, "judged at rung 2 first, and worse there")
    }

    @Test(
        "a report that jumps over several rungs is judged at each, lowest first, and stops at the first that drops it")
    func jumpOverRungs() {
        var p = asha()  // rungs 1, 3, 9
        _ = stopped(&p, [(1, 1, 0.5), (1, 3, 0.3)])
        // Trial 2 reports first at step 5: judged at rung 1 (best there: continues) and rung 3 (0.4 > 0.3: stops).
        guard case .stop(let reason) = p.report(trial: TrialID(2), step: 5, value: 0.4) else {
            Issue.record("trial 2 not stopped at rung 3")
            return
        }
        #expect(reason.contains("at step 3"))
        // Trial 3 first reports at step 5 with 0.6: dropped at rung 1 already (two values there, not the best).
        guard case .stop(let first) = p.report(trial: TrialID(3), step: 5, value: 0.6) else {
            Issue.record("trial 3 not stopped")
            return
        }
        #expect(first.contains("at step 1"))
    }

    @Test("asynchronous: the same values in another order of arrival give other decisions")
    func arrivalOrder() {
        // Nine trials at rung 1 with values 1…9. Best first: each later one is worse than the best
        // ⌊n/3⌋ already there and stops. Worst first: each newcomer is the best so far and continues.
        var ascending = asha()
        #expect(stopped(&ascending, (1...9).map { ($0, 1, Double($0)) }) == Array(2...9))
        var descending = asha()
        #expect(stopped(&descending, (1...9).reversed().map { ($0, 1, Double($0)) }).isEmpty)
        // Interleaved, trials arriving out of their numbering: decided on what is known at arrival.
        var mixed = asha()
        #expect(stopped(&mixed, [(5, 1, 5), (2, 1, 2), (9, 1, 9), (1, 1, 1), (7, 1, 7), (3, 1, 3)]) == [9, 7, 3])
    }

    @Test("a trial that passed a rung is not judged there again when better trials arrive later")
    func noRejudging() {
        var p = asha()
        #expect(p.report(trial: TrialID(1), step: 1, value: 0.9) == .continue)
        _ = stopped(&p, [(2, 1, 0.1), (3, 1, 0.2), (4, 1, 0.3)])
        #expect(p.report(trial: TrialID(1), step: 2, value: 0.9) == .continue, "step 2 is no rung")
        // At rung 3 it is judged afresh, against those that reached rung 3.
        #expect(p.report(trial: TrialID(1), step: 3, value: 0.9) == .continue, "first at rung 3")
        #expect(p.report(trial: TrialID(2), step: 3, value: 0.05) == .continue)
    }

    @Test("a maximised objective: higher is better")
    func maximize() {
        var p = asha(objective: Objective(metric: "acc", direction: .maximize))
        #expect(p.report(trial: TrialID(1), step: 1, value: 0.8) == .continue)
        guard case .stop(let reason) = p.report(trial: TrialID(2), step: 1, value: 0.7) else {
            Issue.record("lower accuracy continued")
            return
        }
        #expect(reason.contains("acc 0.7") && reason.contains("(best 0.8)"))
        #expect(p.report(trial: TrialID(3), step: 1, value: 0.9) == .continue)
    }

    @Test("the judged metric and a metric as the resource are read from the report's metrics")
    func fromMetrics() {
        var p = asha(ASHASettings(resource: .metric("epoch"), minResource: 1, reductionFactor: 2), metric: "val_loss")
        func report(_ trial: Int, step: Int, _ metrics: [String: Double]) -> PruneDecision {
            p.report(trial: TrialID(trial), attempt: 1, step: step, metrics: metrics)
        }
        #expect(report(1, step: 100, ["val_loss": 0.5, "epoch": 1]) == .continue)
        #expect(report(2, step: 100, ["val_loss": 0.7]) == .continue, "no resource: not judged")
        #expect(report(2, step: 100, ["loss": 0.7, "epoch": 1]) == .continue, "no judged metric: not judged")
        #expect(report(2, step: 200, ["val_loss": 0.7, "epoch": 1]).isStop, "epoch 1 is the first rung, not step 200")
    }

    @Test("a non-finite value is the worst")
    func nonFinite() {
        var p = asha()
        _ = p.report(trial: TrialID(1), step: 1, value: 2)
        #expect(p.report(trial: TrialID(2), step: 1, value: .nan).isStop)
        #expect(p.report(trial: TrialID(3), step: 1, value: .infinity).isStop)
    }

    @Test(
        """
        a worker lost between reports: the new attempt restarts from step 1; the earlier attempt's values stand \
        and it is judged only past them
        """
    )
    func restartedAttempt() {
        var p = asha()
        // Attempt 1 of trial 1 passes rungs 1 and 3, then its worker is lost.
        #expect(p.report(trial: TrialID(1), attempt: 1, step: 1, value: 0.5) == .continue)
        #expect(p.report(trial: TrialID(1), attempt: 1, step: 3, value: 0.4) == .continue)
        // Better trials reach rungs 1 and 3 meanwhile.
        _ = stopped(&p, [(2, 1, 0.1), (2, 3, 0.05), (3, 1, 0.2), (3, 3, 0.1)])
        // Attempt 2 starts over: its steps 1 to 3 are ground already covered, neither judged nor recorded.
        for step in 1...3 {
            #expect(p.report(trial: TrialID(1), attempt: 2, step: step, value: 0.6) == .continue)
        }
        // A late report of the lost attempt changes nothing.
        #expect(p.report(trial: TrialID(1), attempt: 1, step: 9, value: 0.01) == .continue)
        // Trial 4 at rung 3 still meets trial 1's first value there (0.4), not a second one.
        #expect(stopped(&p, [(4, 1, 0.05), (4, 3, 0.3)]) == [4], "0.3 is not in the top ⌊4/3⌋ of 0.05, 0.1, 0.3, 0.4")
        // Past the covered ground the new attempt is judged like any trial: rung 9.
        #expect(p.report(trial: TrialID(2), attempt: 1, step: 9, value: 0.01) == .continue)
        #expect(p.report(trial: TrialID(1), attempt: 2, step: 9, value: 0.3).isStop)
    }

    @Test("reports of one attempt that arrive out of order: an older step after a newer one is not judged")
    func outOfOrderSteps() {
        var p = asha()
        #expect(p.report(trial: TrialID(1), step: 3, value: 0.5) == .continue)  // rungs 1 and 3 at once
        #expect(p.report(trial: TrialID(2), step: 1, value: 0.4) == .continue)
        #expect(p.report(trial: TrialID(1), step: 1, value: 9) == .continue, "step 1 arrives late: ignored")
    }

    @Test("no rung at or above max_resource")
    func maxResource() {
        var p = asha(ASHASettings(minResource: 1, reductionFactor: 3, maxResource: 9))  // rungs 1, 3
        _ = stopped(&p, [(1, 1, 0.1), (1, 3, 0.1), (1, 9, 0.1)])
        #expect(p.report(trial: TrialID(2), step: 1, value: 0.05) == .continue)
        #expect(p.report(trial: TrialID(2), step: 3, value: 0.05) == .continue)
        #expect(p.report(trial: TrialID(2), step: 9, value: 5) == .continue, "9 is max_resource: no rung")
    }
}

@Suite struct MedianStoppingTests {
    func median(warmup: Int = 0, minTrials: Int = 2, direction: Direction = .minimize) -> Pruner {
        Pruner(
            config: PrunerConfig(rule: .median(MedianSettings(warmupSteps: warmup, minTrials: minTrials))),
            objective: Objective(metric: "loss", direction: direction))
    }

    /// Trials 1…n report the given curves (step 1, 2, …), trial after trial.
    func feed(_ pruner: inout Pruner, _ curves: [[Double]], from first: Int = 1) {
        for (index, curve) in curves.enumerated() {
            for (step, value) in curve.enumerated() {
                _ = pruner.report(trial: TrialID(first + index), step: step + 1, value: value)
            }
        }
    }

    @Test("stops a trial whose best so far is worse than the median of the other trials at the same step")
    func belowMedian() {
        var p = median()
        feed(&p, [[1.0, 0.8, 0.6], [1.2, 0.9, 0.7], [0.9, 0.7, 0.5]])
        #expect(p.report(trial: TrialID(4), step: 1, value: 1.1).isStop, "the median of 1.0, 1.2, 0.9 is 1.0")
        guard case .stop(let reason) = p.report(trial: TrialID(5), step: 1, value: 1.15) else {
            Issue.record("1.15 above the median continued")
            return
        }
        #expect(reason.contains("best loss so far 1.15 at step 1 is worse than the median 1.05 of the 4 other trials"))
        #expect(p.report(trial: TrialID(6), step: 1, value: 0.95) == .continue)
    }

    @Test("the trial's best value so far counts, not its last one")
    func bestSoFar() {
        var p = median()
        feed(&p, [[1.0, 0.8], [1.0, 0.8], [1.0, 0.8]])
        #expect(p.report(trial: TrialID(4), step: 1, value: 0.5) == .continue)
        #expect(
            p.report(trial: TrialID(4), step: 2, value: 0.9) == .continue,
            "0.9 is worse than 0.8, but its best 0.5 is not")
    }

    @Test("no judgement during the warm-up, nor before min_trials other trials reported the step")
    func warmupAndMinTrials() {
        var p = median(warmup: 2, minTrials: 3)
        feed(&p, [[1, 1, 1, 1], [1, 1, 1, 1]])
        #expect(p.report(trial: TrialID(3), step: 3, value: 5) == .continue, "only 2 others at step 3")
        #expect(p.report(trial: TrialID(4), step: 1, value: 9) == .continue, "warm-up")
        #expect(p.report(trial: TrialID(4), step: 2, value: 9) == .continue, "warm-up")
        #expect(p.report(trial: TrialID(4), step: 3, value: 9).isStop, "3 others at step 3, past the warm-up")
    }

    @Test("an even number of others: the median is the mean of the middle two; ties continue")
    func evenMedian() {
        var p = median()
        feed(&p, [[1], [2], [3], [4]])
        #expect(p.report(trial: TrialID(5), step: 1, value: 2.5) == .continue)
        #expect(p.report(trial: TrialID(6), step: 1, value: 2.6).isStop, "median of 1, 2, 2.5, 3, 4 is 2.5")
    }

    @Test("maximised: stops below the median")
    func maximize() {
        var p = median(direction: .maximize)
        feed(&p, [[0.5], [0.7], [0.9]])
        #expect(p.report(trial: TrialID(4), step: 1, value: 0.6).isStop)
        #expect(p.report(trial: TrialID(5), step: 1, value: 0.8) == .continue)
    }

    @Test(
        """
        trials arriving out of order: a trial ahead of the others is not judged until they catch up, and they are \
        judged against it
        """
    )
    func outOfOrder() {
        var p = median(minTrials: 1)
        // Trial 3 runs ahead and reports steps 1–4 before trials 1 and 2 have reported anything.
        for step in 1...4 { #expect(p.report(trial: TrialID(3), step: step, value: 1.0 / Double(step)) == .continue) }
        // Trial 1 reports step 1 later, worse than trial 3 was then: stopped.
        #expect(p.report(trial: TrialID(1), step: 1, value: 1.5).isStop)
        // Trial 2 at step 2 with 0.4 (< 0.5, trial 3 at step 2): continues.
        #expect(p.report(trial: TrialID(2), step: 1, value: 0.9) == .continue)
        #expect(p.report(trial: TrialID(2), step: 2, value: 0.4) == .continue)
        // Step 5: no other trial has reported it: not judged.
        #expect(p.report(trial: TrialID(2), step: 5, value: 100) == .continue)
    }

    @Test(
        "a worker lost between reports: the new attempt is judged only past the steps already judged, on its own best")
    func restartedAttempt() {
        var p = median(minTrials: 1)
        feed(&p, [[1.0, 0.8, 0.6]], from: 2)
        // Attempt 1 of trial 1 reports steps 1 and 2 (good), then its worker is lost.
        #expect(p.report(trial: TrialID(1), attempt: 1, step: 1, value: 0.9) == .continue)
        #expect(p.report(trial: TrialID(1), attempt: 1, step: 2, value: 0.7) == .continue)
        // Attempt 2 starts again; worse values at steps 1 and 2 are not judged (covered ground).
        #expect(p.report(trial: TrialID(1), attempt: 2, step: 1, value: 1.4) == .continue)
        #expect(p.report(trial: TrialID(1), attempt: 2, step: 2, value: 1.3) == .continue)
        // Step 3 is new: its best *in this attempt* (1.3) is compared, not attempt 1's 0.7.
        #expect(p.report(trial: TrialID(1), attempt: 2, step: 3, value: 1.2).isStop)
        // The others meet attempt 1's value at step 2 (0.7), not attempt 2's (1.3): the median of
        // 0.8 and 0.7 is 0.75 (with 1.3 it would be 1.05).
        #expect(p.report(trial: TrialID(4), step: 2, value: 0.78).isStop)
    }
}
