import HPOCore
import HPOJournal
import HPOWire

extension CoordinatorStateMachine {
    /// A worker says hello. One out of bounds (`WireLimits`) is refused with the reason; one that
    /// names a worker registered on another connection is decided by `claim` (`+Identity`).
    mutating func register(_ hello: Hello, peer: PeerID, credential: String?, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        if isFinished {
            actions.messages.append((peer, .shutdown(reason: "study finished: \(finishReason ?? "")")))
            return actions
        }
        // The codec has checked already; this keeps callers that skip it (tests) just as safe.
        if let violation = WireBounds.violation(in: hello) {
            actions.messages.append(
                (peer, .refuse(reason: WireError.outOfBounds(type: "hello", violation).description)))
            return actions
        }
        let id = WorkerID(hello.name)
        if let existing = workers[peer] {
            // A repeated hello (the worker resent it before our welcome arrived): same registration.
            workers[peer]?.lastSeen = now
            actions.messages.append((peer, .welcome(welcome(for: existing.id))))
            return actions
        }
        // The same worker on a new connection (its socket reconnected): the old entry goes, and the
        // trials the worker still runs move over with it instead of being run twice.
        let stillRunning = Set(hello.running)
        if let (oldPeer, old) = workers.first(where: { $0.value.id == id }) {
            switch claim(id, by: peer, credential: credential, from: old, now: now) {
            case .takeOver: break
            case .wait: return actions
            case .refuse(let reason):
                actions.messages.append((peer, .refuse(reason: reason)))
                return actions
            }
            var carried = old
            carried.running = old.running.intersection(stillRunning)
            workers[oldPeer]?.running.subtract(carried.running)
            actions.append(removeWorker(oldPeer, reason: "reconnected", now: now, dispatchAfter: false))
        }
        // Its slots for this study: fewer when trials take GPUs of their own, none when it lacks
        // GPUs or labels they need (`+Placement`); then no queue either.
        let capacity = trialCapacity(of: hello)
        let slots = capacity.count
        let prefetch = slots == 0 ? 0 : min(max(hello.prefetch, 0), Self.maximumPrefetch)
        workers[peer] = WorkerEntry(
            id: id, slots: slots, prefetch: prefetch, lastSeen: now, lastSent: now, credential: credential,
            freedAt: Array(repeating: now, count: slots + prefetch))
        notePlacement(of: peer, capacity: capacity)
        // The slots it has for this study (what utilisation is measured against), not its hello's.
        actions.journal.append(.workerJoined(WorkerJoined(worker: id, host: hello.host, pid: hello.pid, slots: slots)))
        actions.messages.append((peer, .welcome(welcome(for: id))))
        adopt(stillRunning, on: peer, worker: id)
        actions.messages += repeatedStops(for: stillRunning, on: peer)
        actions.append(dispatch(now: now))
        actions.append(checkPlacement(now: now))
        return actions
    }

    /// Takes back trials a (re)registering worker says it is still running, where this
    /// coordinator still holds that very attempt *for that worker*: an orphan of a restart whose
    /// last dispatch (in the log) went to this name, an attempt this name abandoned when it was
    /// declared lost, or one carried over from this name's previous connection. Trial keys are
    /// small guessable numbers; the name (bound to the connection or the CURVE key, see
    /// `+Identity`) is what keeps a peer from taking over attempts it never held.
    private mutating func adopt(_ keys: Set<TrialKey>, on peer: PeerID, worker id: WorkerID) {
        for key in keys.sorted(by: { $0.trial < $1.trial }) {
            guard let entry = trials[key.trial], entry.attempt == key.attempt else { continue }
            let heldBy: WorkerID?
            switch entry.state {
            case .orphaned: heldBy = resumedFrom?.trials[key.trial]?.worker
            case .pending: heldBy = entry.abandonedBy ?? resumedFrom?.trials[key.trial]?.worker
            case .running(let otherPeer, let worker) where workers[otherPeer] == nil: heldBy = worker
            default: heldBy = nil
            }
            guard heldBy == id else { continue }
            if entry.state == .pending { retryQueue.removeAll { $0 == key.trial } }
            trials[key.trial]?.state = .running(peer: peer, worker: id)
            trials[key.trial]?.abandonedBy = nil
            workers[peer]?.running.insert(key)
        }
    }

    func welcome(for id: WorkerID) -> Welcome {
        Welcome(
            worker: id, study: config.name,
            heartbeatIntervalMilliseconds: Int(liveness.heartbeatIntervalSeconds * 1000), liveness: liveness.liveness,
            sharedCheckpoints: checkpointSettings.sharedFolder)
    }

    /// Forgets a worker; the trials it was running go back to the queue as new attempts, except
    /// those already asked to stop, which end as pruned.
    mutating func removeWorker(_ peer: PeerID, reason: String, now: Double, dispatchAfter: Bool = true)
        -> CoordinatorActions
    {
        var actions = CoordinatorActions()
        guard let worker = workers.removeValue(forKey: peer) else { return actions }
        nameContests[worker.id] = nil
        var abandoned: [TrialKey] = []
        var pruned: [JournalEvent] = []
        for key in worker.running.sorted(by: { $0.trial < $1.trial }) {
            if trials[key.trial]?.stopReason != nil,
                let event = prune(
                    key, worker: worker.id, result: nil, now: now, note: "its worker left before confirming")
            {
                pruned.append(event)
                continue
            }
            trials[key.trial]?.state = .pending
            trials[key.trial]?.abandonedBy = worker.id
            retryQueue.append(key.trial)
            abandoned.append(key)
        }
        actions.journal.append(
            .workerLeft(
                WorkerLeft(
                    worker: worker.id, reason: WireBounds.truncated(reason, maxBytes: WireLimits.maxReasonBytes),
                    abandoned: abandoned.map(\.trial.rawValue))))
        actions.journal += pruned
        if dispatchAfter {
            actions.append(dispatch(now: now))
            actions.append(finishIfDone(now: now))
            actions.append(checkPlacement(now: now))
        }
        return actions
    }

    /// After a resume, trials whose workers did not come back in time run again as new attempts
    /// (those the last coordinator had asked to stop end as pruned instead).
    mutating func requeueOrphans(now: Double) -> CoordinatorActions {
        let orphans = trials.filter { $0.value.state == .orphaned }.keys.sorted()
        var actions = CoordinatorActions()
        for trial in orphans {
            guard let entry = trials[trial] else { continue }
            let key = TrialKey(trial: trial, attempt: entry.attempt)
            if entry.stopReason != nil,
                let event = prune(
                    key, worker: resumedFrom?.trials[trial]?.worker ?? WorkerID("unknown"), result: nil, now: now,
                    note: "its worker did not come back after the restart")
            {
                actions.journal.append(event)
                continue
            }
            trials[trial]?.state = .pending
            retryQueue.append(trial)
        }
        if !orphans.isEmpty { actions.append(dispatch(now: now)) }
        return actions
    }
}
