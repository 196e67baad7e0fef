import HPOCore
import HPOJournal
import HPOSearch
import HPOWire

extension CoordinatorStateMachine {
    /// Whether the wall-time budget is spent (counting the time before a resume).
    func pastWallTime(now: Double) -> Bool {
        guard let wall = config.budget.wallTimeSeconds, let startTime else { return false }
        return elapsedBeforeStart + now - startTime >= wall
    }

    func canCreateTrials(now: Double) -> Bool {
        trials.count < config.budget.trials && !search.isExhausted && !pastWallTime(now: now)
    }

    /// Fills every free worker slot: retries first, then new proposals from the search.
    mutating func dispatch(now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard !isFinished else { return actions }
        let peers = workers.filter { $0.value.freeSlots > 0 }.sorted { $0.value.id.rawValue < $1.value.id.rawValue }
            .map(\.key)
        let freeSlots = peers.reduce(0) { $0 + (workers[$1]?.freeSlots ?? 0) }
        guard freeSlots > 0 else { return actions }

        var ready: [TrialID] = []
        if !pastWallTime(now: now) {
            ready = Array(retryQueue.prefix(freeSlots))
            retryQueue.removeFirst(ready.count)
        }
        let wanted = min(freeSlots - ready.count, config.budget.trials - trials.count)
        if wanted > 0 && canCreateTrials(now: now) {
            for parameters in search.propose(wanted, history: history()) {
                let id = TrialID(trials.count + 1)
                trials[id] = TrialEntry(parameters: parameters, attempt: 0, state: .pending)
                ready.append(id)
            }
        }
        var next = ready.makeIterator()
        for peer in peers {
            while let worker = workers[peer], worker.freeSlots > 0, let trial = next.next() {
                actions.append(assign(trial, to: peer))
            }
        }
        return actions
    }

    private mutating func assign(_ trial: TrialID, to peer: PeerID) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard var entry = trials[trial], let worker = workers[peer] else { return actions }
        entry.attempt += 1
        entry.state = .running(peer: peer, worker: worker.id)
        trials[trial] = entry
        let key = TrialKey(trial: trial, attempt: entry.attempt)
        workers[peer]?.running.insert(key)
        actions.journal.append(
            .trialDispatched(
                TrialDispatched(trial: trial, attempt: entry.attempt, worker: worker.id, params: entry.parameters)))
        let assignment = Assignment(
            key: key, parameters: entry.parameters, spec: config.trial, objectiveMetric: config.objective.metric)
        actions.messages.append((peer, .assign(assignment)))
        return actions
    }

    /// What the search sees: finished trials with their objective as a loss, and the rest as running.
    func history() -> SearchHistory {
        var history = SearchHistory()
        for (_, entry) in trials.sorted(by: { $0.key < $1.key }) {
            switch entry.state {
            case .running, .pending, .orphaned:
                history.running.append(entry.parameters)
            case .completed(let objective):
                // The search minimises: a maximised objective is handed over negated.
                let loss = config.objective.direction == .minimize ? objective : -objective
                history.finished.append((entry.parameters, loss))
            case .failed:
                history.finished.append((entry.parameters, nil))
            }
        }
        return history
    }

    // MARK: - The end

    mutating func finishIfDone(now: Double) -> CoordinatorActions {
        let unfinished = trials.values.contains {
            switch $0.state {
            case .running, .orphaned: true
            default: false
            }
        }
        guard !isFinished, !unfinished else { return CoordinatorActions() }
        let pendingRetries = !retryQueue.isEmpty && !pastWallTime(now: now)
        guard !pendingRetries, !canCreateTrials(now: now) else { return CoordinatorActions() }
        // Past the wall time, trials still waiting for a retry will not get one.
        for trial in retryQueue {
            trials[trial]?.state = .failed
            failedCount += 1
        }
        retryQueue.removeAll()
        let reason: String
        if trials.count >= config.budget.trials {
            reason = "budget spent"
        } else if search.isExhausted {
            reason = config.strategy.kind == .grid ? "grid exhausted" : "search exhausted"
        } else {
            reason = "wall time reached"
        }
        return finish(reason: reason, interrupted: false)
    }

    /// Ends the study: `study_finished` (or `study_stopped` when interrupted, so a restart on the
    /// same log resumes it), then `shutdown` to every worker.
    mutating func finish(reason: String, interrupted: Bool) -> CoordinatorActions {
        finishReason = reason
        var actions = CoordinatorActions()
        let summary = StudyFinished(
            reason: reason, completed: completedCount, failed: failedCount, bestTrial: best?.trial,
            bestObjective: best?.objective, bestParams: best.flatMap { trials[$0.trial]?.parameters })
        actions.journal.append(interrupted ? .studyStopped(summary) : .studyFinished(summary))
        for (peer, _) in workers.sorted(by: { $0.value.id.rawValue < $1.value.id.rawValue }) {
            actions.messages.append((peer, .shutdown(reason: interrupted ? "coordinator stopping: \(reason)" : "study finished: \(reason)")))
        }
        return actions
    }
}
