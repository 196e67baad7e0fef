import HPOCore
import HPOJournal
import HPOSearch
import HPOWire

/// One entry of what a restarted coordinator feeds its pruner again, in log order: the reports,
/// and for ASHA's promotion form the checkpoints (which pause trials) and promotions.
package enum PrunerReplayItem: Hashable, Sendable {
    case report(TrialReported)
    case checkpoint(trial: TrialID, attempt: Attempt, step: Int)
    case promoted(trial: TrialID, rung: Int)
}

/// ASHA's promotion form (`pruner: {kind: asha, mode: promote}`, docs/pruning.md): a trial that is
/// not promotable when it reaches a rung is paused there once a checkpoint at or past the rung is
/// durable — stopped through the same `stop` as a pruned trial, so its process ends — and it is
/// resumed from that checkpoint (the preemption path: re-queued, `HPO_RESUME_DIR`) when a place
/// frees and it is in the top 1/η of its rung.
extension CoordinatorStateMachine {
    /// The pruner decided to pause `trial` at `rung`: now if a checkpoint that late is durable
    /// already, else when one is (`checkpointStored`).
    mutating func decidedPause(_ trial: TrialID, rung: Int, reason: String) -> CoordinatorActions {
        trials[trial]?.pauseAt = (rung, reason)
        guard let stored = checkpoints.stored[trial] else { return CoordinatorActions() }
        return checkpointStored(trial, step: stored.step)
    }

    /// A checkpoint of `trial` at `step` is durable: if the trial waits for one to pause, its
    /// attempt is asked to stop (its result then records it as paused).
    mutating func checkpointStored(_ trial: TrialID, step: Int) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard pruner?.pauses == true, pruner?.checkpointDurable(trial: trial, step: step) != nil,
            let entry = trials[trial], let pause = entry.pauseAt, entry.stopReason == nil
        else { return actions }
        trials[trial]?.stopReason = pause.reason
        trials[trial]?.pausing = true
        if case .running(let peer, _) = entry.state {
            let key = TrialKey(trial: trial, attempt: entry.attempt)
            actions.messages.append((peer, .stop(StopMessage(key: key, reason: pause.reason))))
        }
        return actions
    }

    /// Replay of a `trial_checkpoint` line: whether it paused the attempt (it is not judged
    /// further). A trial the log shows running gets its `stop` when its worker is back.
    mutating func replayCheckpoint(_ trial: TrialID, attempt: Attempt, step: Int) -> Bool {
        guard pruner?.pauses == true, pruner?.checkpointDurable(trial: trial, step: step) != nil else { return false }
        if let entry = trials[trial], entry.attempt == attempt, entry.state == .orphaned, let pause = entry.pauseAt {
            trials[trial]?.stopReason = pause.reason
            trials[trial]?.pausing = true
        }
        return true
    }

    /// Records `key` as paused (its attempt ended after the pause was asked, or its worker left
    /// then): the trial keeps its checkpoint and waits for a promotion.
    mutating func pause(
        _ key: TrialKey, worker: WorkerID, result: TrialResult?, checkpoint: StoredCheckpoint, now: Double
    ) -> JournalEvent? {
        guard let entry = trials[key.trial], let pause = entry.pauseAt else { return nil }
        let last = entry.lastReport
        let metrics = result.flatMap { $0.metrics.isEmpty ? nil : $0.metrics } ?? last?.metrics ?? [:]
        let objective = metrics[config.objective.metric].flatMap { $0.isFinite ? $0 : nil }
        let duration = result?.durationSeconds ?? entry.dispatchedAt.map { max(now - $0, 0) } ?? 0
        trials[key.trial]?.state = .paused(
            rung: pause.rung, step: checkpoint.step, objective: objective, worker: worker)
        trials[key.trial]?.pausing = false
        pausedCount += 1
        return .trialPaused(
            TrialPaused(
                trial: key.trial, attempt: key.attempt, params: entry.parameters, worker: worker, rung: pause.rung,
                step: checkpoint.step, metrics: metrics, objective: objective, reason: pause.reason,
                durationSeconds: duration))
    }

    func isPaused(_ trial: TrialID) -> Bool {
        if case .paused? = trials[trial]?.state { true } else { false }
    }

    /// Whether a paused trial is promotable now (it would take the next free place).
    var hasPromotion: Bool {
        guard pruner?.pauses == true, pausedCount > 0 else { return false }
        return pruner?.promotion(isPaused: isPaused, final: noNewTrials) != nil
    }

    /// No new trial will start (the budget's trials all exist, or the search is exhausted): from
    /// then on the best paused trial of a rung is promotable even while the rung holds fewer than
    /// η values per promotion (docs/pruning.md, "The promotion form").
    var noNewTrials: Bool { trials.count >= config.budget.trials || search.isExhausted }

    /// Promotes up to `places` paused trials, best rung first: each is journaled
    /// (`trial_promoted`) and returned, to be dispatched at once; it resumes from its checkpoint.
    mutating func promotePaused(places: Int) -> (trials: [TrialID], journal: [JournalEvent]) {
        var promoted: [TrialID] = []
        var journal: [JournalEvent] = []
        while promoted.count < places, pausedCount > 0,
            let next = pruner?.promotion(isPaused: isPaused, final: noNewTrials)
        {
            guard let entry = trials[next.trial], case .paused(_, let step, _, _) = entry.state else { break }
            pruner?.promote(next.trial, from: next.rung)
            trials[next.trial]?.state = .pending
            trials[next.trial]?.pauseAt = nil
            pausedCount -= 1
            promoted.append(next.trial)
            journal.append(
                .trialPromoted(TrialPromoted(trial: next.trial, attempt: entry.attempt, rung: next.rung, step: step)))
        }
        return (promoted, journal)
    }

    /// The study ends (not interrupted): trials still paused were never promoted; they end as
    /// pruned at their rung, and lose their checkpoints like any pruned trial.
    mutating func pruneUnpromoted() -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard pausedCount > 0 else { return actions }
        for trial in trials.keys.sorted() {
            guard let entry = trials[trial], case .paused(let rung, let step, let objective, let worker) = entry.state
            else { continue }
            trials[trial]?.state = .pruned(step: entry.lastReport?.step ?? step, objective: objective)
            pausedCount -= 1
            prunedCount += 1
            actions.journal.append(
                .trialPruned(
                    TrialPruned(
                        trial: trial, attempt: entry.attempt, params: entry.parameters, worker: worker,
                        step: entry.lastReport?.step ?? step, metrics: entry.lastReport?.metrics ?? [:],
                        objective: objective,
                        reason: "asha: paused at rung \(rung) (checkpoint at step \(step)) and not promoted before the "
                            + "study ended",
                        durationSeconds: 0)))
            actions.append(cleanUpCheckpoints(of: trial))
        }
        return actions
    }
}
