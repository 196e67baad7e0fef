import Foundation
import HPOControl
import HPOCore
import HPOJournal
import HPOMetrics
import HPORuntime
import HPOWire
import Logging

/// The coordinator's I/O shell: one loop on one thread that receives every message waiting,
/// feeds them to the state machine, makes the resulting journal events durable with one fsync
/// (group commit), and only then sends the replies: no result is acknowledged, and no next trial
/// handed out, before it is on disk.
package final class CoordinatorService {
    package internal(set) var machine: CoordinatorStateMachine
    private let journal: JournalWriter
    let logger: Logger
    private let proposals: WakingInbox<ProposalResult>
    /// Background threads: one for proposals, one for refits of the model (slower), so a refit
    /// never holds up a proposal. Both are stopped and joined before `run` returns.
    private let proposalLane: BackgroundLane
    private let refitLane: BackgroundLane
    /// Shared checkpoints are read back and checked here, off the loop (`+Checkpoints`).
    let checkpointLane: BackgroundLane
    let checkedCheckpoints: WakingInbox<CheckedCheckpoint>
    /// Called about once a second, and once at the end, with the study's progress.
    package var onProgress: ((ProgressSnapshot) -> Void)?
    /// Called about once a second on the loop's thread, for housekeeping such as reloading the
    /// authorised keys (which touches the transport, owned by this thread).
    package var everySecond: (() -> Void)?
    /// How often the state machine gets a tick (heartbeats, liveness, wall time).
    package var tickSeconds = 0.01
    /// Runs background work (proposals, refits) on the loop's own thread the moment it is asked
    /// for, its result handed over on the next turn: a reproducible order of events for tests
    /// (see `SimulatedStudy`'s zero compute time), at the cost of dispatch waiting on the model.
    package var runsBackgroundWorkInline = false
    /// Where the loop publishes its progress and records its timings for `--metrics`; nil: off.
    package var metrics: CoordinatorMetrics?
    /// Where uploaded checkpoints are kept (`<log>.checkpoints`); nil: none are (the state
    /// machine refuses them unless `CheckpointSettings.maxBytes` is set).
    package var checkpointStore: CheckpointStore?
    /// The control address (`--control`): users' actions, served on this loop (`+Control`).
    package var control: ControlServer?

    /// `waker` must be the one the transport polls: background proposal work uses it to wake the loop.
    package init(machine: CoordinatorStateMachine, journal: JournalWriter, waker: Waker, logger: Logger) {
        self.machine = machine
        self.journal = journal
        self.logger = logger
        proposals = WakingInbox<ProposalResult>(waker: waker)
        proposalLane = BackgroundLane(name: "proposals")
        refitLane = BackgroundLane(name: "model refit")
        checkpointLane = BackgroundLane(name: "checkpoint checks")
        checkedCheckpoints = WakingInbox<CheckedCheckpoint>(waker: waker)
    }

    /// Runs the study to its end. Then keeps serving (so late workers are told to shut down)
    /// while `keepServingAfterFinish` says so. Call on the thread that created `transport`.
    package func run(
        transport: any ServerTransport, stopRequested: () -> String?,
        keepServingAfterFinish: (_ secondsSinceFinish: Double) -> Bool = { $0 < 0.5 }
    ) throws -> ProgressSnapshot {
        let started = monotonicSeconds()
        // Whatever ends the loop (a finished study, an error), background work is finished and
        // its threads joined before the caller goes on towards exit: a thread still inside BLAS
        // when the process exits can crash it.
        defer {
            proposalLane.stopAndJoin()
            refitLane.stopAndJoin()
            checkpointLane.stopAndJoin()
        }
        var lastTick = started
        var lastProgress = started
        var lastPublished = started
        var finishedAt: Double?
        try apply(machine.start(now: started), transport: transport)
        metrics?.publish(snapshot(elapsed: 0))

        while true {
            let inbound = try transport.receive(timeoutMilliseconds: Int32(tickSeconds * 1000), limit: 4096)
            let now = monotonicSeconds()
            var actions = CoordinatorActions()
            for message in inbound {
                do {
                    let decoded = try WireCodec.decodeWorkerMessage(message.frames)
                    log(decoded, from: message.peer)
                    actions.append(
                        machine.received(decoded, from: message.peer, credential: message.credential, now: now))
                    if case .hello(let hello) = decoded { logPlacement(of: hello, on: message.peer) }
                } catch {
                    logger.warning(
                        "dropped a malformed message", metadata: ["peer": "\(message.peer)", "error": "\(error)"])
                    actions.append(machine.receivedUndecodable(error, from: message.peer))
                }
            }
            let controlReplies = try control.map { try serveControl($0, now: now, into: &actions) } ?? []
            for result in proposals.drain() {
                actions.append(machine.receivedProposals(result, now: now))
            }
            for checked in checkedCheckpoints.drain() {
                actions.append(sharedCheckpointChecked(checked, now: now))
            }
            if let reason = stopRequested() {
                actions.append(machine.stop(reason: reason, now: now))
            }
            if now - lastTick >= tickSeconds {
                actions.append(machine.tick(now: now))
                lastTick = now
            }
            try apply(actions, transport: transport)
            if let control { try sendControlReplies(controlReplies, on: control) }
            if let metrics, now - lastPublished >= tickSeconds {
                metrics.publish(snapshot(elapsed: now - started))
                lastPublished = now
            }

            if now - lastProgress >= 1 {
                everySecond?()
                onProgress?(snapshot(elapsed: now - started))
                lastProgress = now
            }
            if machine.isFinished {
                if finishedAt == nil {
                    finishedAt = now
                    onProgress?(snapshot(elapsed: now - started))
                    metrics?.publish(snapshot(elapsed: now - started))
                }
                if let finishedAt, !keepServingAfterFinish(now - finishedAt) { break }
            }
        }
        return snapshot(elapsed: monotonicSeconds() - started)
    }

    private func apply(_ actions: CoordinatorActions, transport: any ServerTransport) throws {
        var actions = actions
        // Checkpoint uploads reach the store (a finished one durable) before the journal names them.
        let afterJournal = performStorage(&actions)
        // Background work starts first: it is computation only, and what it proposes is handed
        // out on a later turn, after these events are durable; so the fsync (milliseconds on a
        // slow disk) does not add to the wait of the slot the proposal is for.
        if let request = actions.proposalRequest { run(request, on: proposalLane) }
        if let request = actions.refitRequest { run(request, on: refitLane) }
        // Durable first (one fsync for the whole batch), then act.
        let syncs = journal.syncCount
        try journal.append(actions.journal)
        if let metrics { record(actions.journal, syncs: syncs, into: metrics) }
        performAfterJournal(afterJournal)
        for warning in actions.warnings { logger.warning("\(warning)") }
        for case .placementWarning(let warning) in actions.journal {
            logger.warning("\(warning.reason)")
        }
        for (peer, message) in actions.messages {
            if case .stop(let stop) = message {
                logger.info(
                    "stopping a trial early", metadata: ["trial.key": "\(stop.key)", "reason": "\(stop.reason)"])
            }
            guard let message = filled(message) else { continue }
            try transport.send(WireCodec.encode(message), to: peer)
        }
    }

    /// Dispatches (with their slot's wait and whether the fallback chose them) and the fsync, for `--metrics`.
    private func record(_ events: [JournalEvent], syncs: Int, into metrics: CoordinatorMetrics) {
        if journal.syncCount > syncs { metrics.journalFsync.observe(journal.lastSyncSeconds) }
        var dispatched = 0
        var fallback = 0
        for case .trialDispatched(let dispatch) in events {
            dispatched += 1
            if dispatch.fallback == true { fallback += 1 }
            if let idle = dispatch.slotIdleSeconds { metrics.dispatchLatency.observe(idle) }
        }
        metrics.recordDispatches(dispatched, fallback: fallback)
    }

    /// Runs background work on its lane: model fitting never holds up dispatch, heartbeats or
    /// the log. The result wakes the loop.
    private func run(_ request: ProposalRequest, on lane: BackgroundLane) {
        let inbox = proposals
        let logger = logger
        let histogram = request.kind == .refit ? metrics?.refit : metrics?.proposal
        if runsBackgroundWorkInline {
            let started = monotonicSeconds()
            let result = request.run()
            histogram?.observe(monotonicSeconds() - started)
            return inbox.post(result)
        }
        lane.submit {
            let started = monotonicSeconds()
            let result = request.run()
            histogram?.observe(monotonicSeconds() - started)
            logger.debug(
                "background work done",
                metadata: [
                    "kind": "\(request.kind)", "count": "\(result.proposals.count)",
                    "ms": "\(Int((monotonicSeconds() - started) * 1000))"
                ])
            inbox.post(result)
        }
    }

    private func log(_ message: WorkerMessage, from peer: PeerID) {
        switch message {
        case .hello(let hello):
            logger.info(
                "worker hello", metadata: ["worker.name": "\(hello.name)", "slots": "\(hello.slots)", "peer": "\(peer)"]
            )
        case .bye(let reason):
            logger.info("worker bye", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
        case .result(let result) where result.result.status == .failed:
            logger.notice(
                "trial failed", metadata: ["trial.key": "\(result.key)", "reason": "\(result.result.reason ?? "")"])
        case .result(let result) where result.result.status == .pruned:
            // Stopped by the pruner: pruned, or paused (ASHA's promotion form; the journal says which).
            logger.info(
                "trial stopped",
                metadata: ["trial.key": "\(result.key)", "step": "\(result.result.step.map(String.init) ?? "-")"])
        default:
            break
        }
    }

    /// A hello whose resources were dropped, or a worker that can hold none of this study's
    /// trials: said in the log (the study-level warning is `placement_warning`).
    private func logPlacement(of hello: Hello, on peer: PeerID) {
        if let dropped = hello.droppedResources {
            logger.warning(
                "worker resources dropped", metadata: ["worker.name": "\(hello.name)", "reason": "\(dropped)"])
        }
        if let problem = machine.placementProblem(of: peer) {
            logger.warning(
                "worker cannot run this study's trials",
                metadata: ["worker.name": "\(hello.name)", "reason": "\(problem)"])
        }
    }

    package func snapshot(elapsed: Double) -> ProgressSnapshot {
        var snapshot = ProgressSnapshot(
            study: machine.config.name, completed: machine.completedCount, failed: machine.failedCount,
            pruned: machine.prunedCount, running: machine.runningCount, queued: machine.queuedCount,
            budget: machine.config.budget.trials,
            bestTrial: machine.best?.trial, bestObjective: machine.best?.objective,
            bestParameters: machine.best.flatMap { machine.parameters(of: $0.trial) },
            workers: machine.connectedWorkers, busyWorkers: machine.busyWorkers, elapsedSeconds: elapsed,
            finishReason: machine.finishReason)
        snapshot.fromFallback = machine.fallbackCount
        snapshot.staleProposals = machine.staleCount
        snapshot.paused = machine.pausedCount
        snapshot.stopping = machine.stopRequested
        snapshot.paretoFront = machine.paretoFrontCount
        return snapshot
    }
}
