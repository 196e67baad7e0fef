import HPOCore
import HPOJournal
import HPOWire

/// Early stopping: every report of an attempt the coordinator holds goes to the pruner; a stop
/// decision becomes a `stop` message to the trial's worker, and the trial ends as `trial_pruned`
/// unless its worker completed it before the stop arrived (see docs/pruning.md).
extension CoordinatorStateMachine {
    /// Judges one report (already journaled). Reports of an attempt already asked to stop are
    /// not judged again.
    mutating func judge(_ message: ReportMessage, from peer: PeerID, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        let key = message.key
        guard pruner != nil, trials[key.trial]?.stopReason == nil, !isFinished else { return actions }
        let decision = pruner?.report(
            trial: key.trial, attempt: key.attempt, step: message.report.step, metrics: message.report.metrics)
        switch decision {
        case .stop(let reason)?:
            trials[key.trial]?.stopReason = reason
            actions.messages.append((peer, .stop(StopMessage(key: key, reason: reason))))
        case .pause(let rung, let reason)?:
            actions.append(decidedPause(key.trial, rung: rung, reason: reason))
        case .continue?, nil:
            break
        }
        // A new value at a rung may make a paused trial promotable, for a place that is idle.
        if pruner?.pauses == true, workers.values.contains(where: { openPlaces($0) > 0 }) {
            actions.append(dispatch(now: now))
        }
        return actions
    }

    /// A resumed study: the log's reports are judged again, in order, so the pruner's rungs and
    /// medians are what the last coordinator had. Its decisions come out the same (it is
    /// deterministic, and it was fed exactly these reports, minus those of attempts it had
    /// already stopped, which are skipped here too). A trial still running that it had asked to
    /// stop stays asked: the `stop` goes out again when its worker is back. For ASHA's promotion
    /// form the feed holds the checkpoints and promotions too, in log order (`+Pausing`).
    mutating func replayPruner(_ feed: [PrunerReplayItem]) {
        guard pruner != nil else { return }
        var stopped: Set<TrialKey> = []
        // Each trial's last durable checkpoint so far in the log (a pause decided after it uses it).
        var lastCheckpoint: [TrialID: Int] = [:]
        for item in feed {
            let report: TrialReported
            switch item {
            case .report(let logged): report = logged
            case .checkpoint(let trial, let attempt, let step):
                lastCheckpoint[trial] = step
                if replayCheckpoint(trial, attempt: attempt, step: step) {
                    stopped.insert(TrialKey(trial: trial, attempt: attempt))
                }
                continue
            case .promoted(let trial, let rung):
                pruner?.promote(trial, from: rung)
                continue
            }
            let key = TrialKey(trial: report.trial, attempt: report.attempt)
            if trials[report.trial]?.attempt == report.attempt {
                trials[report.trial]?.lastReport = TrialReport(step: report.step, metrics: report.metrics)
            }
            guard !stopped.contains(key) else { continue }
            let decision = pruner?.report(
                trial: report.trial, attempt: report.attempt, step: report.step, metrics: report.metrics)
            if case .pause(let rung, let reason)? = decision {
                trials[report.trial]?.pauseAt = (rung, reason)
                if let step = lastCheckpoint[report.trial],
                    replayCheckpoint(report.trial, attempt: report.attempt, step: step)
                {
                    stopped.insert(key)
                }
            }
            guard case .stop(let reason)? = decision else { continue }
            stopped.insert(key)
            if trials[report.trial]?.attempt == report.attempt, trials[report.trial]?.state == .orphaned {
                trials[report.trial]?.stopReason = reason
            }
        }
    }

    /// Once the wall time has run out no trial may start, but a worker's queue (prefetch) would
    /// start what it holds: each worker's most recently dispatched attempts beyond its slots (the
    /// ones its queue holds, started in order) are asked to stop. One that started just before the
    /// stop arrived is stopped too; either way it ends as pruned, with this reason.
    mutating func withdrawQueued(reason: String = "the wall time ran out before it started") -> CoordinatorActions {
        var actions = CoordinatorActions()
        phase.updateStarted { $0.queuedWithdrawn = true }
        for (peer, worker) in workers.sorted(by: { $0.value.id.rawValue < $1.value.id.rawValue })
        where worker.running.count > worker.slots {
            let newestFirst = worker.running.sorted {
                (trials[$0.trial]?.dispatchedAt ?? 0, $0.trial.rawValue) > (
                    trials[$1.trial]?.dispatchedAt ?? 0, $1.trial.rawValue
                )
            }
            for key in newestFirst.prefix(worker.running.count - worker.slots)
            where trials[key.trial]?.stopReason == nil {
                trials[key.trial]?.stopReason = reason
                actions.messages.append((peer, .stop(StopMessage(key: key, reason: reason))))
            }
        }
        return actions
    }

    /// `stop` again for attempts a (re)registering worker still runs that were asked to stop
    /// (the message may have been lost with a restart or a reconnection).
    func repeatedStops(for keys: Set<TrialKey>, on peer: PeerID) -> [(peer: PeerID, message: CoordinatorMessage)] {
        keys.sorted { $0.trial < $1.trial }.compactMap { key in
            guard let entry = trials[key.trial], entry.attempt == key.attempt, let reason = entry.stopReason,
                holds(key, from: peer)
            else { return nil }
            return (peer, .stop(StopMessage(key: key, reason: reason)))
        }
    }

    /// Records `key` as pruned: from its worker's `result`, or without one (its worker left, or
    /// did not come back after a restart, once asked to stop), with `note` saying so. The step
    /// and metrics are the worker's (its last report) or, failing that, the last report seen here.
    mutating func prune(_ key: TrialKey, worker: WorkerID, result: TrialResult?, now: Double, note: String? = nil)
        -> JournalEvent?
    {
        guard let entry = trials[key.trial] else { return nil }
        if entry.pausing, let checkpoint = checkpoints.stored[key.trial] {
            return pause(key, worker: worker, result: result, checkpoint: checkpoint, now: now)
        }
        let last = entry.lastReport
        let metrics = result.flatMap { $0.metrics.isEmpty ? nil : $0.metrics } ?? last?.metrics ?? [:]
        let step = result?.step ?? last?.step
        var reason = entry.stopReason ?? result?.reason ?? "pruned"
        if let note { reason += " (\(note))" }
        let objective = metrics[config.objective.metric].flatMap { $0.isFinite ? $0 : nil }
        let duration = result?.durationSeconds ?? entry.dispatchedAt.map { max(now - $0, 0) } ?? 0
        trials[key.trial]?.state = .pruned(step: step, objective: objective)
        prunedCount += 1
        return .trialPruned(
            TrialPruned(
                trial: key.trial, attempt: key.attempt, params: entry.parameters, worker: worker, step: step,
                metrics: metrics, objective: objective, reason: reason, durationSeconds: duration))
    }
}
