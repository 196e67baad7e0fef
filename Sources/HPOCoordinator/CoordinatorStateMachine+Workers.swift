import HPOCore
import HPOJournal
import HPOWire

extension CoordinatorStateMachine {
    mutating func register(_ hello: Hello, peer: PeerID, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        if isFinished {
            actions.messages.append((peer, .shutdown(reason: "study finished: \(finishReason ?? "")")))
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
            var carried = old
            carried.running = old.running.intersection(stillRunning)
            workers[oldPeer]?.running.subtract(carried.running)
            actions.append(removeWorker(oldPeer, reason: "reconnected", now: now, dispatchAfter: false))
        }
        let prefetch = min(max(hello.prefetch, 0), Self.maximumPrefetch)
        workers[peer] = WorkerEntry(
            id: id, slots: max(hello.slots, 1), prefetch: prefetch, lastSeen: now,
            freedAt: Array(repeating: now, count: max(hello.slots, 1) + prefetch))
        lastHeartbeatSent[peer] = now
        actions.journal.append(.workerJoined(WorkerJoined(worker: id, host: hello.host, pid: hello.pid, slots: hello.slots)))
        actions.messages.append((peer, .welcome(welcome(for: id))))
        adopt(stillRunning, on: peer, worker: id)
        actions.messages += repeatedStops(for: stillRunning, on: peer)
        actions.append(dispatch(now: now))
        return actions
    }

    /// Takes back trials a (re)registering worker says it is still running, where this
    /// coordinator still holds that very attempt: orphans of a restart, or the worker's own.
    private mutating func adopt(_ keys: Set<TrialKey>, on peer: PeerID, worker id: WorkerID) {
        for key in keys.sorted(by: { $0.trial < $1.trial }) {
            guard let entry = trials[key.trial], entry.attempt == key.attempt else { continue }
            switch entry.state {
            case .orphaned, .pending:
                retryQueue.removeAll { $0 == key.trial }
                trials[key.trial]?.state = .running(peer: peer, worker: id)
                workers[peer]?.running.insert(key)
            case .running(let otherPeer, _) where workers[otherPeer] == nil:
                trials[key.trial]?.state = .running(peer: peer, worker: id)
                workers[peer]?.running.insert(key)
            default:
                continue
            }
        }
    }

    func welcome(for id: WorkerID) -> Welcome {
        Welcome(
            worker: id, study: config.name,
            heartbeatIntervalMilliseconds: Int(liveness.heartbeatIntervalSeconds * 1000), liveness: liveness.liveness)
    }

    /// Forgets a worker; the trials it was running go back to the queue as new attempts, except
    /// those already asked to stop, which end as pruned.
    mutating func removeWorker(_ peer: PeerID, reason: String, now: Double, dispatchAfter: Bool = true) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard let worker = workers.removeValue(forKey: peer) else { return actions }
        lastHeartbeatSent[peer] = nil
        var abandoned: [TrialKey] = []
        var pruned: [JournalEvent] = []
        for key in worker.running.sorted(by: { $0.trial < $1.trial }) {
            if trials[key.trial]?.stopReason != nil,
                let event = prune(key, worker: worker.id, result: nil, now: now, note: "its worker left before confirming")
            {
                pruned.append(event)
                continue
            }
            trials[key.trial]?.state = .pending
            retryQueue.append(key.trial)
            abandoned.append(key)
        }
        actions.journal.append(
            .workerLeft(WorkerLeft(worker: worker.id, reason: reason, abandoned: abandoned.map(\.trial.rawValue))))
        actions.journal += pruned
        if dispatchAfter {
            actions.append(dispatch(now: now))
            actions.append(finishIfDone(now: now))
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
