import HPOCore
import HPOJournal
import HPOSearch
import HPOWire

extension CoordinatorStateMachine {
    /// Whether the wall-time budget is spent (counting the time before a resume).
    func pastWallTime(now: Double) -> Bool {
        guard let wall = config.budget.wallTimeSeconds, let startedAt = phase.started?.startedAt else { return false }
        return elapsedBeforeStart + now - startedAt >= wall
    }

    func canCreateTrials(now: Double) -> Bool {
        trials.count < config.budget.trials && (!search.isExhausted || !control.pending.isEmpty)
            && !startsNoAttempts(now: now)
    }

    /// Fills every free worker slot: retries first, then new proposals from the search (inline
    /// for cheap strategies; for those that compute ahead, fresh proposals from the queue, and a
    /// background request for the places still waiting).
    mutating func dispatch(now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard !isFinished else { return actions }
        let peers = workers.filter { openPlaces($0.value) > 0 }.sorted { $0.value.id.rawValue < $1.value.id.rawValue }
            .map(\.key)
        let freeSlots = peers.reduce(0) { $0 + (workers[$1].map(openPlaces) ?? 0) }

        var trialsToRun: [TrialID] = []
        if freeSlots > 0 && !startsNoAttempts(now: now) {
            trialsToRun = Array(retryQueue.prefix(freeSlots))
            retryQueue.removeFirst(trialsToRun.count)
            // ASHA's promotion form: promotable paused trials before new ones.
            let promoted = promotePaused(places: freeSlots - trialsToRun.count)
            trialsToRun += promoted.trials
            actions.journal += promoted.journal
        }
        var wanted = min(freeSlots - trialsToRun.count, config.budget.trials - trials.count)
        if wanted > 0 && canCreateTrials(now: now) {
            // Enqueued configurations first (`+Control`), then the search's.
            let enqueued = createEnqueuedTrials(wanted)
            trialsToRun += enqueued
            wanted -= enqueued.count
        }
        if wanted > 0 && canCreateTrials(now: now) && !search.isExhausted {
            let proposed: [Parameters]
            if search.computesAhead {
                // A stale proposal kept aside is no lie for later requests (it may never run), so a
                // later request may propose the same configuration (the design's next point, say):
                // whichever of the two comes second is dropped, and the place asks again.
                proposed = proposals.takeFresh(wanted, ended: endedCount).filter { !isTrial($0) }
            } else {
                proposed = search.propose(wanted, history: search.usesHistory ? history() : SearchHistory())
            }
            for parameters in proposed {
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
        actions.append(requestBackgroundWork(now: now))
        return actions
    }

    /// Places that have waited past their patience for a fresh proposal take the freshest stale
    /// one (still the model's choice, made without the latest results), or, when there is none,
    /// a configuration from the quasi-random fallback stream: no worker waits on a model that
    /// cannot keep up. An idle slot waits `ModelPacing.idlePatience`, a worker's queue place
    /// (prefetch) `ModelPacing.queuePatience`.
    mutating func dispatchFallback(now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard !isFinished, canCreateTrials(now: now) else { return actions }
        let waiting = workers.filter { entry in
            let patience = entry.value.idleSlots > 0 ? pacing.idlePatience : pacing.queuePatience
            let open = openPlaces(entry.value)
            return open > 0 && (entry.value.waitingSince(open: open).map { now - $0 >= patience } ?? false)
        }.sorted { $0.value.id.rawValue < $1.value.id.rawValue }
        for (peer, _) in waiting {
            while let worker = workers[peer], openPlaces(worker) > 0, trials.count < config.budget.trials {
                let id = TrialID(trials.count + 1)
                if let older = takeFreshestNew() {
                    let lag = max(endedCount - older.basis, 0)
                    trials[id] = TrialEntry(parameters: older.parameters, attempt: 0, state: .pending, proposalLag: lag)
                    if lag > 0 { staleCount += 1 }
                } else if let parameters = fallback.propose(1, history: SearchHistory()).first {
                    trials[id] = TrialEntry(parameters: parameters, attempt: 0, state: .pending, fromFallback: true)
                    fallbackCount += 1
                } else {
                    break
                }
                actions.append(assign(id, to: peer, now: now))
            }
        }
        return actions
    }

    /// The freshest stale proposal that is not already a trial's configuration.
    private mutating func takeFreshestNew() -> (parameters: Parameters, basis: Int)? {
        while let older = proposals.takeFreshest() {
            if !isTrial(older.parameters) { return older }
        }
        return nil
    }

    /// Whether a trial of this study already has these parameters.
    private func isTrial(_ parameters: Parameters) -> Bool { trials.values.contains { $0.parameters == parameters } }

    /// Places of a worker that may get an assignment now: its free slots, and its free queue
    /// places (prefetch) when `fillsQueues`.
    func openPlaces(_ worker: WorkerEntry) -> Int {
        fillsQueues ? worker.freeSlots : worker.idleSlots
    }

    /// Whether workers' queue places are filled. A queued trial is chosen without the result of
    /// the trial ahead of it and adds a pending point to every proposal, which costs a search that
    /// learns from results (bayes) much of its sample efficiency (docs/bayes.md, "The pipeline");
    /// it saves the wait for a proposal, which only shows when trials are short. So: always for
    /// strategies that ignore the history (random, grid), and for the others only once waiting
    /// for a proposal is known to cost a slot more than `ModelPacing.queueWhenWaitExceeds` of a trial.
    /// Never in ASHA's promotion form: a trial queued on a worker would take the slot a promotion
    /// is due when it frees.
    var fillsQueues: Bool {
        if pruner?.pauses == true { return false }
        return !search.usesHistory || pacing.waitingCostsSlots
    }

    /// Places waiting for a new configuration: open places the retry queue does not fill, at
    /// most the budget left.
    private func placesWaiting(now: Double) -> Int {
        let open = workers.values.reduce(0) { $0 + openPlaces($1) }
        let retries = startsNoAttempts(now: now) ? 0 : retryQueue.count
        return max(min(open - retries, config.budget.trials - trials.count), 0)
    }

    /// Background work for a strategy that computes ahead: proposals for the places waiting
    /// (with the running trials and the fresh proposals as pending points), and a refit of the
    /// model when trials ended since the last one and the strategy says it is due.
    private mutating func requestBackgroundWork(now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard search.computesAhead, !isFinished, canCreateTrials(now: now) else { return actions }
        guard proposals.inFlight == nil || proposals.refitInFlight == nil else { return actions }
        let ended = endedCount
        let history = history()
        actions.proposalRequest = proposals.requestProposals(
            search: search, waiting: placesWaiting(now: now), ended: ended, history: history, now: now)
        actions.refitRequest = proposals.requestRefit(search: search, ended: ended, history: history)
        return actions
    }

    private mutating func assign(_ trial: TrialID, to peer: PeerID, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard var entry = trials[trial], let worker = workers[peer] else { return actions }
        entry.attempt += 1
        entry.state = .running(peer: peer, worker: worker.id)
        entry.lastReport = nil
        entry.stopReason = nil
        entry.pausing = false
        entry.dispatchedAt = now
        trials[trial] = entry
        let key = TrialKey(trial: trial, attempt: entry.attempt)
        workers[peer]?.running.insert(key)
        // How long this place stood free since its last result.
        let place = worker.openPlaceIndex(open: openPlaces(worker))
        let idle = place.map { max(now - worker.freedAt[$0], 0) }
        if let place { workers[peer]?.freedAt.remove(at: place) }
        actions.journal.append(
            .trialDispatched(
                TrialDispatched(
                    trial: trial, attempt: entry.attempt, worker: worker.id, params: entry.parameters,
                    slotIdleSeconds: idle, fallback: entry.fromFallback ? true : nil,
                    proposalLag: entry.proposalLag.flatMap { $0 > 0 ? $0 : nil }, enqueued: entry.enqueueID)))
        actions.append(beginResume(key, to: peer, worker: worker.id, now: now))
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
        let outcomes = config.modelsOutcomes
        // Trial numbers are dense (1...count), so walking them gives creation order without a sort.
        for entry in (1...max(trials.count, 1)).compactMap({ trials[TrialID($0)] }) {
            switch entry.state {
            case .running, .pending, .orphaned:
                history.running.append(entry.parameters)
            case .completed(let objective):
                // The search minimises: a maximised objective is handed over negated.
                let loss = config.objective.direction == .minimize ? objective : -objective
                history.finished.append((entry.parameters, loss))
                if outcomes { history.finishedMetrics.append(entry.metrics ?? [:]) }
            case .failed:
                history.finished.append((entry.parameters, nil))
                if outcomes { history.finishedMetrics.append([:]) }
            case .pruned(let step, let objective):
                history.finished.append((entry.parameters, nil))
                if outcomes { history.finishedMetrics.append([:]) }
                let loss = objective.map { config.objective.direction == .minimize ? $0 : -$0 }
                history.pruned.append(PrunedObservation(parameters: entry.parameters, step: step, value: loss))
            case .paused(_, let step, let objective, _):
                // Seen as pruned where it waits (it may yet be promoted and complete).
                history.finished.append((entry.parameters, nil))
                let loss = objective.map { config.objective.direction == .minimize ? $0 : -$0 }
                history.pruned.append(PrunedObservation(parameters: entry.parameters, step: step, value: loss))
            }
        }
        history.running += proposals.freshParameters(ended: endedCount)
        return history
    }

    // MARK: - The end

    mutating func finishIfDone(now: Double) -> CoordinatorActions {
        guard !isFinished, runningCount == 0, orphanCount == 0 else { return CoordinatorActions() }
        let pendingRetries = !retryQueue.isEmpty && !startsNoAttempts(now: now)
        let pendingPromotion = !startsNoAttempts(now: now) && hasPromotion
        guard !pendingRetries, !pendingPromotion, !canCreateTrials(now: now) else { return CoordinatorActions() }
        // Past the wall time, trials still waiting for a retry will not get one.
        for trial in retryQueue {
            trials[trial]?.state = .failed
            failedCount += 1
        }
        retryQueue.removeAll()
        let reason: String
        if let stopReason = phase.stopReason {
            reason = stopReason
        } else if trials.count >= config.budget.trials {
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
        phase = .finished(reason: reason)
        // Trials still paused at the end were not promoted: pruned, unless the study may resume.
        var actions = interrupted ? CoordinatorActions() : pruneUnpromoted()
        let summary = StudyFinished(
            reason: reason, completed: completedCount, failed: failedCount, pruned: prunedCount,
            paused: pausedCount > 0 ? pausedCount : nil, bestTrial: best?.trial, bestObjective: best?.objective,
            bestParams: best.flatMap { trials[$0.trial]?.parameters })
        actions.journal.append(interrupted ? .studyStopped(summary) : .studyFinished(summary))
        for (peer, _) in workers.sorted(by: { $0.value.id.rawValue < $1.value.id.rawValue }) {
            actions.messages.append(
                (peer, .shutdown(reason: interrupted ? "coordinator stopping: \(reason)" : "study finished: \(reason)"))
            )
        }
        return actions
    }
}
