import HPOCore
import HPOJournal
import HPOSearch
import HPOWire

/// Timing rules the coordinator announces to workers in `welcome`.
package struct LivenessSettings: Hashable, Sendable {
    /// A side sends a heartbeat when it has sent nothing else for this long.
    package var heartbeatIntervalSeconds: Double
    /// A peer silent for this many intervals is considered lost.
    package var liveness: Int

    package init(heartbeatIntervalSeconds: Double = 1, liveness: Int = 5) {
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.liveness = liveness
    }

    package var timeoutSeconds: Double { heartbeatIntervalSeconds * Double(liveness) }
}

/// What the coordinator shell must do after feeding the state machine one event.
///
/// Order matters and the shell keeps it: first make `journal` durable, then send `messages`.
package struct CoordinatorActions: Sendable {
    package var journal: [JournalEvent] = []
    package var messages: [(peer: PeerID, message: CoordinatorMessage)] = []
    /// Proposals to compute in the background; the result comes back through
    /// `CoordinatorStateMachine.receivedProposals(_:now:)`.
    package var proposalRequest: ProposalRequest?
    /// A refit of the model to run in the background, apart from proposals (it takes longer);
    /// its result comes back the same way.
    package var refitRequest: ProposalRequest?
    /// Work for the checkpoint store (see `CheckpointStorageAction` for when each runs).
    package var storage: [CheckpointStorageAction] = []
    /// Hostile or refused input worth a line in the coordinator's log (dropped checkpoint chunks).
    package var warnings: [String] = []

    package init() {}

    mutating func append(_ other: CoordinatorActions) {
        journal += other.journal
        messages += other.messages
        storage += other.storage
        warnings += other.warnings
        proposalRequest = other.proposalRequest ?? proposalRequest
        refitRequest = other.refitRequest ?? refitRequest
    }
}

/// The coordinator's logic, free of I/O: events in (messages, ticks, with the time passed in),
/// actions out. Tested directly, and driven by `CoordinatorService` over a real transport.
///
/// Where the study is in its life is `phase` (`StudyPhase`). The parts live in extensions:
/// workers (`+Workers`, `+Identity`, `+Placement`), results (`+Results`), early stopping
/// (`+Pruning`, `+Pausing`), checkpoints (`+Checkpoints`), users' actions (`+Control`), dispatch
/// and the end of the study (`+Dispatch`); a study restored from its log starts from `RestoredStudy`.
package struct CoordinatorStateMachine {
    /// The study; only its budget changes (a user's `add_budget`, see `+Control`).
    package internal(set) var config: StudyConfig
    package let liveness: LivenessSettings
    package let software: String
    package let host: String

    var search: any SearchStrategy
    /// Early stopping, when the study has a `pruner`.
    var pruner: Pruner?
    var workers: [PeerID: WorkerEntry] = [:]
    var trials: [TrialID: TrialEntry] = [:]
    /// Trials waiting for another attempt (retries, abandoned by a lost worker), oldest first.
    var retryQueue: [TrialID] = []
    /// Not started, running, stopping at a user's request, or finished (see `StudyPhase`).
    var phase = StudyPhase.notStarted
    /// Seconds the study ran before this coordinator took it over (resume), for the wall-time budget.
    var elapsedBeforeStart: Double = 0
    /// What the log held when this coordinator took the study over (for `study_resumed`, and which
    /// worker ran each trial last).
    var resumedFrom: RestoredStudy?
    /// Hellos that named a worker registered on another connection, waiting to see whether that
    /// connection is dead (see `+Identity`). At most one per registered worker.
    var nameContests: [WorkerID: NameContest] = [:]
    /// Which workers can hold this study's trials (GPUs, labels; see `+Placement`).
    var placement = PlacementState()
    /// Events to journal right after `study_started` (the learning-rate range test of `--lr-find`).
    package var preludeEvents: [JournalEvent] = []
    /// Proposals of a strategy that computes ahead, and the background work in flight.
    var proposals = ProposalQueue()
    /// Trials that ended: completed, failed for good, or pruned.
    var endedCount: Int { completedCount + failedCount + prunedCount }
    /// When the model cannot keep up (no fresh proposal and a slot has waited its patience), that
    /// slot gets the freshest stale proposal, or, when there is none, a quasi-random configuration
    /// from this stream instead of waiting.
    var fallback: RandomSearch
    /// How long free places wait for the model, from how long trials and proposals take.
    package var pacing = ModelPacing()
    /// How many trials the fallback proposed (the model did not keep up), for the log and tests.
    package internal(set) var fallbackCount = 0
    /// How many trials got a proposal computed before the latest results (the model was behind).
    package internal(set) var staleCount = 0
    package internal(set) var best: (trial: TrialID, objective: Double)?
    package internal(set) var completedCount = 0
    package internal(set) var failedCount = 0
    package internal(set) var prunedCount = 0
    /// Trials paused by ASHA's promotion form and not promoted yet (`+Pausing`).
    package internal(set) var pausedCount = 0
    /// A study with several objectives: the losses of the completed, feasible trials on the front.
    var paretoFront = ParetoArchive()
    /// Checkpoints: stored, arriving, being sent (`+Checkpoints`).
    var checkpoints = CheckpointBook()
    /// Users' actions through the control address and enqueued configurations (`+Control`).
    var control = ControlState()
    /// Whether checkpoints are kept, how large, for how long, and where (`--checkpoints`).
    package var checkpointSettings = CheckpointSettings()

    /// The most assignments a worker may queue beyond its slots, whatever its hello asks.
    static let maximumPrefetch = WireLimits.maxPrefetch

    struct WorkerEntry {
        var id: WorkerID
        var slots: Int
        /// Assignments the worker queues beyond its slots (see `Hello.prefetch`).
        var prefetch = 0
        /// Its attempts, running or queued on the worker.
        var running: Set<TrialKey> = []
        var lastSeen: Double
        /// When it was last sent anything: a heartbeat goes out only after an interval of silence
        /// (any message shows the coordinator is alive), as the protocol says.
        var lastSent: Double
        /// With CURVE: the public key libzmq authenticated for this connection; its name is bound to it.
        var credential: String? = nil
        /// When each free place (slot or queue) became free (a result arrived), oldest first:
        /// how long it waited for its next trial is journaled with that dispatch.
        var freedAt: [Double] = []
        /// Set when the worker said it is leaving (`drain`): it gets no more assignments.
        var draining = false
        /// Places for more assignments: slots and queue.
        var freeSlots: Int { draining ? 0 : slots + prefetch - running.count }
        /// Slots with nothing to run at all, not even a queued trial: the ones that must not wait
        /// for the model (see `dispatchFallback`).
        var idleSlots: Int { draining ? 0 : max(slots - running.count, 0) }

        /// Which entry of `freedAt` belongs to the oldest of the `open` places that may get a trial
        /// now: the most recently freed ones. Older entries are queue places not in use (see
        /// `fillsQueues`), whose time must not count as a slot waiting for the model.
        func openPlaceIndex(open: Int) -> Int? {
            guard !freedAt.isEmpty else { return nil }
            return max(freedAt.count - max(open, 1), 0)
        }

        /// Since when the oldest open place has waited.
        func waitingSince(open: Int) -> Double? { openPlaceIndex(open: open).map { freedAt[$0] } }
    }

    enum TrialState: Equatable {
        /// Waiting in the retry queue, or just created.
        case pending
        /// Was running when the previous coordinator stopped: its worker may still report it.
        case orphaned
        case running(peer: PeerID, worker: WorkerID)
        case completed(objective: Double)
        case failed
        /// Stopped early; `step` and `objective` are from its last report.
        case pruned(step: Int?, objective: Double?)
        /// Paused at `rung` by ASHA's promotion form, its checkpoint at `step` kept; `objective`
        /// is from its last report, `worker` ran it last.
        case paused(rung: Int, step: Int, objective: Double?, worker: WorkerID)
    }

    struct TrialEntry {
        var parameters: Parameters
        /// The attempt dispatched last (0 before the first dispatch).
        var attempt: Attempt
        var state: TrialState
        /// Proposed by the quasi-random fallback because the model was not ready.
        var fromFallback = false
        /// How many results its proposal was computed without (nil or 0: it saw them all).
        var proposalLag: Int?
        /// The current attempt's last intermediate report, for `trial_pruned`.
        var lastReport: TrialReport?
        /// Set once the pruner asked the current attempt to stop: why. From then on the trial
        /// ends as pruned unless it completes.
        var stopReason: String?
        /// ASHA's promotion form decided to pause the trial at this rung, for this reason, once a
        /// checkpoint at or past the rung is durable (`+Pausing`).
        var pauseAt: (rung: Int, reason: String)? = nil
        /// Set with `stopReason` when the stop is a pause: the attempt ends as paused, not pruned.
        var pausing = false
        /// When the current attempt was dispatched (this coordinator's clock), for the duration
        /// of a trial pruned without a result from its worker.
        var dispatchedAt: Double?
        /// The worker whose leaving put the current attempt back in the queue: only it may take
        /// that attempt back (see `adopt`).
        var abandonedBy: WorkerID? = nil
        /// The enqueued configuration this trial runs (`trial_enqueued`'s `enqueue_id`).
        var enqueueID: Int? = nil
        /// Completed trials of a study whose search models outcomes (several objectives or
        /// constraints): the reported metrics, for `history()`.
        var metrics: [String: Double]? = nil
    }

    /// A new study. `search` defaults to the strategy the study file names. With
    /// `backgroundRefits` (the default), a strategy that computes ahead refits its model in
    /// background requests apart from its proposals; without, each proposal refits inline first
    /// (slower proposals: for comparison in `hpo bench`).
    package init(
        config: StudyConfig, search: (any SearchStrategy)? = nil, liveness: LivenessSettings = LivenessSettings(),
        software: String, host: String, backgroundRefits: Bool = true
    ) {
        self.config = config
        var search = search ?? makeSearchStrategy(for: config)
        if search.computesAhead && backgroundRefits { search.refitInBackground() }
        self.search = search
        fallback = RandomSearch(space: config.space, seed: config.seed &+ 0x5EED_FA11)
        self.liveness = liveness
        self.software = software
        self.host = host
        pruner = config.pruner.map { Pruner(config: $0, objective: config.objective) }
    }

    /// A study continued from its results log. `search` must already account for the trials the
    /// log holds (a random stream or grid cursor advanced past them).
    package init(
        restoring restored: RestoredStudy, search: any SearchStrategy, liveness: LivenessSettings = LivenessSettings(),
        software: String, host: String
    ) {
        self.init(config: restored.config, search: search, liveness: liveness, software: software, host: host)
        resumedFrom = restored
        elapsedBeforeStart = restored.elapsedSeconds
        for (id, trial) in restored.trials {
            let state: TrialState
            switch trial.state {
            case .queued: state = .pending
            case .running: state = .orphaned
            case .completed(let objective): state = .completed(objective: objective)
            case .failed: state = .failed
            case .pruned(let step, let objective): state = .pruned(step: step, objective: objective)
            case .paused(let rung, let step, let objective, let worker):
                state = .paused(rung: rung, step: step, objective: objective, worker: worker)
                pausedCount += 1
            }
            trials[id] = TrialEntry(
                parameters: trial.parameters, attempt: trial.attempt, state: state, metrics: trial.metrics)
            if case .completed = state, let metrics = trial.metrics { noteOnFront(metrics) }
        }
        retryQueue = restored.queue
        checkpoints.stored = restored.checkpoints
        checkpoints.preemptions = restored.preemptions
        completedCount = restored.completedCount
        failedCount = restored.failedCount
        prunedCount = restored.prunedCount
        best = restored.best
        replayPruner(restored.prunerFeed)
        restoreControl(restored)
    }

    // MARK: - Queries

    package var isFinished: Bool { phase.finishReason != nil }
    /// Why the study finished; nil while it has not.
    package var finishReason: String? { phase.finishReason }
    package var createdCount: Int { trials.count }
    /// Attempts running on connected workers (kept per worker, so this is cheap on every result).
    package var runningCount: Int { workers.values.reduce(0) { $0 + $1.running.count } }
    /// Of those, the ones waiting in a worker's queue (prefetch) rather than in a slot: at most
    /// `slots` of a worker's attempts can be running.
    package var queuedCount: Int { workers.values.reduce(0) { $0 + max($1.running.count - $1.slots, 0) } }
    /// Trials of a resumed study still waiting for their workers to come back.
    var orphanCount: Int {
        phase.started?.adoptionDeadline == nil ? 0 : trials.values.count { $0.state == .orphaned }
    }
    package var connectedWorkers: Int { workers.count }
    package var busyWorkers: Int { workers.values.count { !$0.running.isEmpty } }
    /// Proposals computed ahead and not handed out yet (fresh and stale).
    package var readyCount: Int { proposals.ready.count }
    /// The proposals queued, oldest first (for tests and diagnostics).
    package var readyProposals: [Parameters] { proposals.ready.map(\.parameters) }
    /// Of those, the ones computed with every result in.
    package var freshReadyCount: Int { proposals.freshCount(ended: endedCount) }
    package func parameters(of trial: TrialID) -> Parameters? { trials[trial]?.parameters }
    /// A study with several objectives: how many completed, feasible trials are on the Pareto
    /// front (no other such trial is as good in every objective and better in one); nil otherwise.
    package var paretoFrontCount: Int? { config.isMultiObjective ? paretoFront.points.count : nil }

    // MARK: - Events

    /// The study begins (or resumes): the log records its configuration (or what was restored).
    package mutating func start(now: Double) -> CoordinatorActions {
        guard case .notStarted = phase else { return CoordinatorActions() }
        var started = RunningStudy(startedAt: now)
        var actions = CoordinatorActions()
        if let restored = resumedFrom {
            let orphans = trials.filter { $0.value.state == .orphaned }.keys.sorted()
            if !orphans.isEmpty { started.adoptionDeadline = now + liveness.timeoutSeconds }
            // A user's stop in the log holds across the restart: the study goes on stopping.
            phase = restored.control.stopRequested.map { .stopping(started, reason: $0) } ?? .running(started)
            actions.journal.append(
                .studyResumed(
                    StudyResumed(
                        study: config.name, software: software, host: host, completed: completedCount,
                        failed: failedCount, pruned: prunedCount, created: trials.count,
                        queued: restored.queue.map(\.rawValue),
                        awaitingWorkers: orphans.map(\.rawValue))))
        } else {
            phase = .running(started)
            actions.journal.append(
                .studyStarted(StudyStarted(study: config.name, config: config, software: software, host: host)))
            actions.journal += preludeEvents
        }
        actions.append(journalAtStart(now: now))
        actions.append(finishIfDone(now: now))
        return actions
    }

    /// A message arrived from a worker. `credential`: with CURVE, the public key libzmq
    /// authenticated for the connection (`InboundMessage.credential`).
    package mutating func received(
        _ message: WorkerMessage, from peer: PeerID, credential: String? = nil, now: Double
    ) -> CoordinatorActions {
        let actions = handle(message, from: peer, credential: credential, now: now)
        noteSent(actions, now: now)
        return actions
    }

    private mutating func handle(
        _ message: WorkerMessage, from peer: PeerID, credential: String?, now: Double
    ) -> CoordinatorActions {
        if case .hello(let hello) = message { return register(hello, peer: peer, credential: credential, now: now) }
        guard workers[peer] != nil else {
            // A worker we do not know (we restarted, or declared it lost): ask it to say hello again.
            var actions = CoordinatorActions()
            if case .bye = message { return actions }
            actions.messages.append((peer, .reregister(reason: "unknown worker: send hello")))
            return actions
        }
        workers[peer]?.lastSeen = now
        switch message {
        case .hello: return CoordinatorActions()  // handled above
        case .heartbeat: return CoordinatorActions()
        case .report(let report): return record(report, from: peer, now: now)
        case .result(let result): return record(result, from: peer, now: now)
        case .bye(let reason):
            var actions = handBackOnBye(from: peer, now: now)
            actions.append(removeWorker(peer, reason: "bye: \(reason)", now: now))
            return actions
        case .checkpointChunk(let chunk): return receivedCheckpointChunk(chunk, from: peer)
        case .resumeAck(let ack): return receivedResumeAck(ack, from: peer, now: now)
        case .drain(let drain): return receivedDrain(drain, from: peer)
        case .checkpointShared(let checkpoint): return receivedSharedCheckpoint(checkpoint, from: peer)
        }
    }

    /// A message from `peer` could not be decoded. A peer speaking another protocol version is told why.
    package mutating func receivedUndecodable(_ error: WireError, from peer: PeerID) -> CoordinatorActions {
        var actions = CoordinatorActions()
        switch error {
        case .unsupportedVersion, .outOfBounds(type: "hello", _):
            actions.messages.append((peer, .refuse(reason: error.description)))
        default:
            break
        }
        return actions
    }

    /// Time passed: heartbeats to send, silent workers to declare lost, orphans to re-queue, the wall time.
    package mutating func tick(now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard !isFinished else { return actions }
        for (peer, worker) in workers.sorted(by: { $0.value.id.rawValue < $1.value.id.rawValue })
        where now - worker.lastSeen > liveness.timeoutSeconds {
            actions.append(removeWorker(peer, reason: "lost: silent for \(Int(now - worker.lastSeen)) s", now: now))
        }
        if let deadline = phase.started?.adoptionDeadline, now >= deadline {
            phase.updateStarted { $0.adoptionDeadline = nil }
            actions.append(requeueOrphans(now: now))
        }
        if search.computesAhead { actions.append(dispatchFallback(now: now)) }
        actions.append(tickCheckpoints(now: now))
        if phase.started?.queuedWithdrawn == false && pastWallTime(now: now) { actions.append(withdrawQueued()) }
        noteSent(actions, now: now)
        for (peer, worker) in workers where now - worker.lastSent >= liveness.heartbeatIntervalSeconds {
            actions.messages.append((peer, .heartbeat))
            workers[peer]?.lastSent = now
        }
        actions.append(finishIfDone(now: now))
        return actions
    }

    /// Background work arrived (proposals, or a refit of the model): queue the proposals and
    /// fill free slots.
    package mutating func receivedProposals(_ result: ProposalResult, now: Double) -> CoordinatorActions {
        guard let updated = proposals.received(result, current: search) else { return CoordinatorActions() }
        search = updated
        if case .propose = result.kind, let requestedAt = proposals.lastRequestTime {
            pacing.proposalTook(now - requestedAt)
        }
        var actions = dispatch(now: now)
        actions.append(finishIfDone(now: now))
        noteSent(actions, now: now)
        return actions
    }

    /// Records that these messages go out now (see `WorkerEntry.lastSent`).
    mutating func noteSent(_ actions: CoordinatorActions, now: Double) {
        for (peer, _) in actions.messages { workers[peer]?.lastSent = now }
    }

    /// The user asked to stop (SIGINT/SIGTERM): no new trials, workers are told to shut down.
    package mutating func stop(reason: String, now: Double) -> CoordinatorActions {
        guard !isFinished else { return CoordinatorActions() }
        return finish(reason: reason, interrupted: true)
    }
}
