import HPOCore
import HPOJournal
import HPOWire

extension CoordinatorStateMachine {
    mutating func record(_ message: ReportMessage, from peer: PeerID, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        // Out of bounds (the codec drops these already): not journaled, not judged.
        guard WireBounds.violation(in: message.report) == nil, holds(message.key, from: peer) else { return actions }
        actions.journal.append(
            .trialReport(
                TrialReported(
                    trial: message.key.trial, attempt: message.key.attempt, step: message.report.step,
                    metrics: message.report.metrics)))
        trials[message.key.trial]?.lastReport = message.report
        actions.append(judge(message, from: peer, now: now))
        return actions
    }

    mutating func record(_ message: ResultMessage, from peer: PeerID, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        let key = message.key
        // Every result is acknowledged (after the journal is durable), so the worker can forget it,
        // but only the attempt the coordinator holds is recorded: a duplicate or stale one is not.
        actions.messages.append((peer, .ack(key)))
        guard let entry = trials[key.trial], let workerID = workers[peer]?.id else { return actions }
        guard holds(key, from: peer) else {
            actions.journal.append(
                .resultDropped(
                    ResultDropped(
                        trial: key.trial, attempt: key.attempt, worker: workerID,
                        reason: staleReason(key, entry: entry))))
            return actions
        }
        workers[peer]?.running.remove(key)
        workers[peer]?.freedAt.append(now)
        // Within bounds (the codec did this already; see `WireBounds.bounded`): text cut, a field
        // out of bounds turns the result into a failed one.
        let result = WireBounds.bounded(message.result)
        pacing.trialTook(result.durationSeconds)
        let objective = result.metrics[config.objective.metric]
        let missingObjective = config.missingObjective(in: result.metrics)
        if result.status == .completed, let objective, missingObjective == nil {
            trials[key.trial]?.state = .completed(objective: objective)
            if config.modelsOutcomes { trials[key.trial]?.metrics = result.metrics }
            noteOnFront(result.metrics)
            completedCount += 1
            // The best is the best feasible trial; a study with several objectives has a front instead.
            let feasible = config.feasibility(of: result.metrics)
            if feasible != false, !config.isMultiObjective,
                best.map({ config.objective.isBetter(objective, than: $0.objective) }) ?? true
            {
                best = (key.trial, objective)
            }
            actions.journal.append(
                .trialCompleted(
                    TrialCompleted(
                        trial: key.trial, attempt: key.attempt, params: entry.parameters, objective: objective,
                        metrics: result.metrics, worker: workerID, durationSeconds: result.durationSeconds,
                        slotIdleSeconds: result.slotIdleSeconds, feasible: feasible)))
        } else if result.status == .preempted && entry.stopReason == nil {
            actions.journal.append(recordPreempted(key, entry: entry, worker: workerID, result: result, now: now))
        } else if result.status == .pruned || entry.stopReason != nil {
            // Asked to stop (by this coordinator, or by the one before a restart): pruned, whatever
            // else made the attempt end, and never retried. A completed result above still stands.
            let note = result.status == .failed ? result.reason.map { "the attempt ended as failed: \($0)" } : nil
            if let event = prune(key, worker: workerID, result: result, now: now, note: note) {
                actions.journal.append(event)
            }
        } else {
            let reason: String
            if result.status == .failed {
                reason = result.reason ?? "failed"
            } else {
                reason = missingObjective ?? "objective metric '\(config.objective.metric)' missing from the result"
            }
            let willRetry = countedAttempts(key) <= config.trial.retries && !startsNoAttempts(now: now)
            if willRetry {
                trials[key.trial]?.state = .pending
                retryQueue.append(key.trial)
            } else {
                trials[key.trial]?.state = .failed
                failedCount += 1
            }
            actions.journal.append(
                .trialFailed(
                    TrialFailed(
                        trial: key.trial, attempt: key.attempt, params: entry.parameters, worker: workerID,
                        reason: reason, exitCode: result.exitCode, stderrTail: result.stderrTail,
                        metrics: result.metrics, durationSeconds: result.durationSeconds, willRetry: willRetry)))
        }
        actions.append(cleanUpCheckpoints(of: key.trial))
        actions.append(dispatch(now: now))
        actions.append(finishIfDone(now: now))
        return actions
    }

    /// Whether a message about `key` from `peer` is about the attempt this coordinator holds: the
    /// one running on that peer, or an orphan of a restart that nobody has taken over yet, from
    /// the worker the log says it was dispatched to.
    func holds(_ key: TrialKey, from peer: PeerID) -> Bool {
        guard let entry = trials[key.trial], entry.attempt == key.attempt else { return false }
        switch entry.state {
        case .running(let runningPeer, _): return runningPeer == peer
        case .orphaned:
            guard let worker = workers[peer]?.id else { return false }
            return resumedFrom?.trials[key.trial]?.worker == worker
        default: return false
        }
    }

    private func staleReason(_ key: TrialKey, entry: TrialEntry) -> String {
        switch entry.state {
        case .completed: "trial already completed"
        case .failed: "trial already failed for good"
        case .pruned: "trial already pruned"
        case .paused: "trial paused"
        case _ where entry.attempt != key.attempt: "stale: attempt \(entry.attempt) holds the trial"
        default: "the trial is not running on this worker"
        }
    }

    /// A completed trial's metrics join the Pareto front of a study with several objectives when
    /// the trial is feasible and nothing on the front dominates it.
    mutating func noteOnFront(_ metrics: [String: Double]) {
        guard config.isMultiObjective, config.feasibility(of: metrics) != false,
            let losses = config.losses(of: metrics)
        else { return }
        paretoFront.insert(losses)
    }
}
