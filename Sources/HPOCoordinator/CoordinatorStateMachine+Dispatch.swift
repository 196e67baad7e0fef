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

    /// Fills every free worker slot: retries first, then new proposals from the search (inline
    /// for cheap strategies, from the ready queue for those that compute ahead).
    mutating func dispatch(now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard !isFinished else { return actions }
        let peers = workers.filter { openPlaces($0.value) > 0 }.sorted { $0.value.id.rawValue < $1.value.id.rawValue }
            .map(\.key)
        let freeSlots = peers.reduce(0) { $0 + (workers[$1].map(openPlaces) ?? 0) }

        var trialsToRun: [TrialID] = []
        if freeSlots > 0 && !pastWallTime(now: now) {
            trialsToRun = Array(retryQueue.prefix(freeSlots))
            retryQueue.removeFirst(trialsToRun.count)
        }
        let wanted = min(freeSlots - trialsToRun.count, config.budget.trials - trials.count)
        if wanted > 0 && canCreateTrials(now: now) {
            let proposals: [Parameters]
            if search.computesAhead {
                proposals = Array(ready.prefix(wanted))
                ready.removeFirst(proposals.count)
            } else {
                proposals = search.propose(wanted, history: search.usesHistory ? history() : SearchHistory())
            }
            for parameters in proposals {
                let id = TrialID(trials.count + 1)
                trials[id] = TrialEntry(parameters: parameters, attempt: 0, state: .pending)
                trialsToRun.append(id)
            }
        }
        var next = trialsToRun.makeIterator()
        for peer in peers {
            while let worker = workers[peer], openPlaces(worker) > 0, let trial = next.next() {
                actions.append(assign(trial, to: peer, now: now))
            }
        }
        actions.proposalRequest = requestProposalsIfNeeded(now: now)
        return actions
    }

    /// Slots that have waited longer than `modelPatienceSeconds` for the model get configurations
    /// from the quasi-random fallback stream: no worker waits on a model that cannot keep up.
    /// A worker's queue place (prefetch) is in less of a hurry: the trial ahead of it is still
    /// running, so it waits for the model up to half a typical trial.
    mutating func dispatchFallback(now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard ready.isEmpty, !isFinished, canCreateTrials(now: now) else { return actions }
        let queuePatience = max(modelPatienceSeconds, 0.5 * (typicalTrialSeconds ?? 0))
        let waiting = workers.filter { entry in
            let patience = entry.value.idleSlots > 0 ? modelPatienceSeconds : queuePatience
            return openPlaces(entry.value) > 0 && (entry.value.freedAt.first.map { now - $0 >= patience } ?? false)
        }.sorted { $0.value.id.rawValue < $1.value.id.rawValue }
        for (peer, _) in waiting {
            while let worker = workers[peer], openPlaces(worker) > 0, trials.count < config.budget.trials {
                guard let parameters = fallback.propose(1, history: SearchHistory()).first else { break }
                let id = TrialID(trials.count + 1)
                trials[id] = TrialEntry(parameters: parameters, attempt: 0, state: .pending, fromFallback: true)
                fallbackCount += 1
                actions.append(assign(id, to: peer, now: now))
            }
        }
        return actions
    }

    /// Places of a worker that may get an assignment now: its free slots, and its free queue
    /// places (prefetch) when `fillsQueues`.
    func openPlaces(_ worker: WorkerEntry) -> Int {
        fillsQueues ? worker.freeSlots : worker.idleSlots
    }

    /// Whether workers' queue places are filled. A queued trial is chosen without the results of
    /// the trials ahead of it, which costs a search that learns from results (bayes) some sample
    /// efficiency; and it saves a round trip, which only shows when trials are short. So: always
    /// for strategies that ignore the history (random, grid), and for the others once trials are
    /// known to take under `queueTrialSeconds`.
    var fillsQueues: Bool {
        !search.usesHistory || (typicalTrialSeconds.map { $0 < queueTrialSeconds } ?? false)
    }

    /// How many proposals to keep ready: enough to cover the results that arrive while the
    /// next batch is computed, at most the budget left.
    var readyTarget: Int {
        let slots = workers.values.reduce(0) { $0 + $1.slots }
        let target = min(max((slots + 3) / 4, 1), 8)
        return max(min(target, config.budget.trials - trials.count), 0)
    }

    /// A background request for proposals, when none is in flight and the queue is short or
    /// stale. Short: it asks for what is missing, with the running trials and the proposals
    /// already queued as pending points (lies), so what comes back spreads away from them. Stale
    /// (trials ended since the queue was computed): it asks for a whole fresh queue, which
    /// replaces the old one when it arrives; until then a freed slot still takes an old proposal.
    private mutating func requestProposalsIfNeeded(now: Double) -> ProposalRequest? {
        guard search.computesAhead, proposalInFlight == nil, !isFinished, canCreateTrials(now: now) else { return nil }
        let stale = !ready.isEmpty && readyBasis < endedCount
        let count = stale ? readyTarget : readyTarget - ready.count
        guard count > 0 else { return nil }
        proposalRequests += 1
        proposalInFlight = proposalRequests
        inFlightRefreshes = stale
        inFlightBasis = endedCount
        var history = history()
        if stale { history.running.removeLast(ready.count) }
        return ProposalRequest(id: proposalRequests, search: search, count: count, history: history)
    }

    private mutating func assign(_ trial: TrialID, to peer: PeerID, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard var entry = trials[trial], let worker = workers[peer] else { return actions }
        entry.attempt += 1
        entry.state = .running(peer: peer, worker: worker.id)
        entry.lastReport = nil
        entry.stopReason = nil
        entry.dispatchedAt = now
        trials[trial] = entry
        let key = TrialKey(trial: trial, attempt: entry.attempt)
        workers[peer]?.running.insert(key)
        // How long this slot stood idle since its last result (none for a fresh slot).
        let idle = worker.freedAt.first.map { max(now - $0, 0) }
        if idle != nil { workers[peer]?.freedAt.removeFirst() }
        actions.journal.append(
            .trialDispatched(
                TrialDispatched(
                    trial: trial, attempt: entry.attempt, worker: worker.id, params: entry.parameters,
                    slotIdleSeconds: idle, fallback: entry.fromFallback ? true : nil)))
        let assignment = Assignment(
            key: key, parameters: entry.parameters, spec: config.trial, objectiveMetric: config.objective.metric)
        actions.messages.append((peer, .assign(assignment)))
        return actions
    }

    /// What the search sees: finished trials with their objective as a loss, and the rest as
    /// running. A pruned trial is in `finished` without a value, like a failed one (its last value
    /// is not a final result), and in `pruned` with its stop step and that last value (see
    /// docs/pruning.md).
    func history() -> SearchHistory {
        var history = SearchHistory()
        // Trial numbers are dense (1...count), so walking them gives creation order without a sort.
        for entry in (1...max(trials.count, 1)).compactMap({ trials[TrialID($0)] }) {
            switch entry.state {
            case .running, .pending, .orphaned:
                history.running.append(entry.parameters)
            case .completed(let objective):
                // The search minimises: a maximised objective is handed over negated.
                let loss = config.objective.direction == .minimize ? objective : -objective
                history.finished.append((entry.parameters, loss))
            case .failed:
                history.finished.append((entry.parameters, nil))
            case .pruned(let step, let objective):
                history.finished.append((entry.parameters, nil))
                let loss = objective.map { config.objective.direction == .minimize ? $0 : -$0 }
                history.pruned.append(PrunedObservation(parameters: entry.parameters, step: step, value: loss))
            }
        }
        history.running += ready
        return history
    }

    // MARK: - The end

    mutating func finishIfDone(now: Double) -> CoordinatorActions {
        guard !isFinished, runningCount == 0, orphanCount == 0 else { return CoordinatorActions() }
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
            reason: reason, completed: completedCount, failed: failedCount, pruned: prunedCount, bestTrial: best?.trial,
            bestObjective: best?.objective, bestParams: best.flatMap { trials[$0.trial]?.parameters })
        actions.journal.append(interrupted ? .studyStopped(summary) : .studyFinished(summary))
        for (peer, _) in workers.sorted(by: { $0.value.id.rawValue < $1.value.id.rawValue }) {
            actions.messages.append((peer, .shutdown(reason: interrupted ? "coordinator stopping: \(reason)" : "study finished: \(reason)")))
        }
        return actions
    }
}
