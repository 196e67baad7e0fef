import HPOCore
import HPOWire

/// A hello that named a worker registered on another connection, first seen at `since`.
struct NameContest: Equatable {
    var peer: PeerID
    var since: Double
}

/// What becomes of a hello naming a worker that is registered on another connection.
enum NameClaim: Equatable {
    /// The same worker on a new connection: it takes over the name and the attempts it lists.
    case takeOver
    /// Not decided yet: no answer; the worker repeats its hello (after 1 s, 2 s, 4 s…).
    case wait
    /// Another worker: refused with the reason (the worker exits with it).
    case refuse(String)
}

extension CoordinatorStateMachine {
    /// How long the connection holding a name must have been silent before another connection
    /// may take the name over without CURVE: twice the heartbeat interval (a connected worker
    /// sends something at least once per interval), and at least half the liveness timeout.
    var takeoverSilenceSeconds: Double {
        max(2 * liveness.heartbeatIntervalSeconds, liveness.timeoutSeconds / 2)
    }

    /// Decides a hello from `peer` naming `id`, which is registered on another connection (`old`).
    ///
    /// A worker's socket that reconnects (a network cut, a reset connection) comes back as a new
    /// peer with the same name, and its old connection goes silent: that is a reconnect. A second
    /// connection using a live worker's name (a duplicate `--name`, or anyone on the host when
    /// there is no CURVE) must not evict it. So:
    ///
    /// - With CURVE, the name is bound to the key libzmq authenticated: the same key takes over
    ///   at once, another key is refused while the name is registered.
    /// - Without, the old connection's silence decides. Silent for `takeoverSilenceSeconds`: a
    ///   reconnect, the new peer takes over. Otherwise the hello waits unanswered (the worker
    ///   repeats it); if the old connection is heard again at least half an interval after the
    ///   first such hello, it is alive and the contender is refused at its next hello.
    ///
    /// A contender that keeps waiting costs one `NameContest` per registered name, no more.
    mutating func claim(
        _ id: WorkerID, by peer: PeerID, credential: String?, from old: WorkerEntry, now: Double
    ) -> NameClaim {
        if let credential, let held = old.credential {
            nameContests[id] = nil
            return credential == held
                ? .takeOver : .refuse("worker name \"\(id)\" is in use by a worker with another CURVE key")
        }
        let silence = now - old.lastSeen
        if silence >= takeoverSilenceSeconds {
            nameContests[id] = nil
            return .takeOver
        }
        if let contest = nameContests[id], contest.peer == peer {
            if old.lastSeen >= contest.since + liveness.heartbeatIntervalSeconds / 2 {
                nameContests[id] = nil
                return .refuse(
                    "worker name \"\(id)\" is in use by a live connection: give each worker its own name")
            }
            return .wait
        }
        nameContests[id] = NameContest(peer: peer, since: now)
        return .wait
    }
}
