import Foundation
import HPOCore
import HPOJournal
import HPOWire

/// Which checkpoints outlive their trial (`hpo-coordinator --keep-checkpoints`).
package enum CheckpointRetention: String, Sendable, CaseIterable {
    /// The best completed trial's last checkpoint (the model worth keeping); the rest are deleted
    /// when their trial ends.
    case best
    /// None: a trial's checkpoints are deleted when it ends.
    case none
    /// All of them (disk permitting).
    case all
}

/// A checkpoint durable in the store and journaled (`trial_checkpoint`).
package struct StoredCheckpoint: Hashable, Sendable {
    package var step: Int
    package var size: Int
    package var sha256: String
    /// The archive's name in the trial's folder of the store.
    package var file: String
    package init(step: Int, size: Int, sha256: String, file: String) {
        self.step = step
        self.size = size
        self.sha256 = sha256
        self.file = file
    }
}

/// What the coordinator's shell does with the checkpoint store. `begin`, `append`, `commit` and
/// `abort` run before the turn's journal is written (a `commit` reports back through
/// `checkpointCommitted`/`checkpointFailed`); `remove` and `removeTrial` only after it is durable.
package enum CheckpointStorageAction: Hashable, Sendable {
    case begin(TrialKey)
    case append(TrialKey, Data)
    case commit(TrialKey, step: Int, size: Int, sha256: String)
    /// Shared mode: check the announced folder (the shell reports back as for a `commit`).
    case verifyShared(SharedCheckpoint)
    case abort(TrialKey)
    case remove(TrialID, file: String)
    case removeTrial(TrialID)
    /// Shared mode: the attempts' own folders of a trial that ended (a lost worker's included).
    case removeAttempts(TrialID)
}

/// How this coordinator keeps checkpoints (`--max-checkpoint-size`, `--keep-checkpoints`, `--checkpoints`).
package struct CheckpointSettings {
    /// The largest checkpoint accepted, in bytes; nil: checkpoints are refused (no store).
    package var maxBytes: Int?
    /// Which checkpoints outlive their trial.
    package var retention = CheckpointRetention.best
    /// `--checkpoints shared:FOLDER`: the folder (absolute) all workers share; checkpoints stay
    /// there and only their descriptions travel. nil: checkpoints are uploaded.
    package var sharedFolder: String?

    package init() {}
}

/// The checkpoint state of the coordinator: what is stored, what is arriving, what is being sent.
struct CheckpointBook {
    /// The last durable checkpoint of each trial.
    var stored: [TrialID: StoredCheckpoint] = [:]
    /// Uploads in progress, from the worker holding the attempt.
    var uploads: [TrialKey: (peer: PeerID, assembly: ChunkAssembly)] = [:]
    /// Shared mode: checkpoints announced and being checked (off the coordinator's loop).
    var announced: [TrialKey: (peer: PeerID, checkpoint: SharedCheckpoint)] = [:]
    /// Checkpoints being sent to the worker of an attempt that resumes from them.
    var resumes: [TrialKey: (peer: PeerID, checkpoint: StoredCheckpoint, window: ChunkWindow)] = [:]
    /// Preempted attempts of each trial: not counted against `retries`.
    var preemptions: [TrialID: Int] = [:]
}

extension CoordinatorStateMachine {
    /// The last durable checkpoint of a trial, if any.
    package func storedCheckpoint(of trial: TrialID) -> StoredCheckpoint? { checkpoints.stored[trial] }

    // MARK: Uploads (worker → coordinator)

    mutating func receivedCheckpointChunk(_ chunk: CheckpointChunk, from peer: PeerID) -> CoordinatorActions {
        var actions = CoordinatorActions()
        func refuse(_ reason: String) -> CoordinatorActions {
            var refused = CoordinatorActions()
            refused.warnings.append("checkpoint chunk of \(chunk.key) dropped: \(reason)")
            refused.messages.append(
                (peer, .checkpointAck(ChunkAck(key: chunk.key, step: chunk.step, next: 0, error: reason))))
            return refused
        }
        guard let limit = checkpointSettings.maxBytes else { return refuse("this coordinator keeps no checkpoints") }
        // The codec has checked already; this keeps callers that skip it (tests) just as safe.
        if let violation = WireBounds.violation(in: chunk) { return refuse(violation) }
        guard holds(chunk.key, from: peer) else {
            return refuse(
                "trial \(chunk.key.trial.rawValue) attempt \(chunk.key.attempt) is not running on this worker")
        }
        guard chunk.size <= limit else {
            return refuse(
                """
                checkpoint of \(chunk.size) bytes is larger than the coordinator's limit of \(limit) bytes \
                (--max-checkpoint-size)
                """
            )
        }
        if chunk.index == 0,
            checkpoints.uploads[chunk.key].map({
                !$0.assembly.belongs(chunk) || $0.assembly.next == 0 || $0.peer != peer
            }) ?? true,
            let assembly = ChunkAssembly(first: chunk)
        {
            // A new transfer (a later checkpoint, this one again from the start, or this one from
            // the worker's new connection after a reconnect) replaces any in progress.
            checkpoints.uploads[chunk.key] = (peer, assembly)
            actions.storage.append(.begin(chunk.key))
        }
        guard var upload = checkpoints.uploads[chunk.key], upload.peer == peer else {
            // Nothing in progress (this coordinator restarted mid-upload): ask for the start.
            actions.messages.append(
                (peer, .checkpointAck(ChunkAck(key: chunk.key, step: chunk.step, next: 0, resend: true))))
            return actions
        }
        let verdict = upload.assembly.accept(chunk)
        switch verdict {
        case .append(let data):
            checkpoints.uploads[chunk.key] = upload
            actions.storage.append(.append(chunk.key, data))
            actions.messages.append((peer, .checkpointAck(upload.assembly.ack(for: verdict))))
        case .complete(let data):
            checkpoints.uploads[chunk.key] = upload
            actions.storage.append(.append(chunk.key, data))
            actions.storage.append(
                .commit(
                    chunk.key, step: upload.assembly.step, size: upload.assembly.size, sha256: upload.assembly.sha256))
        case .duplicate:
            actions.messages.append((peer, .checkpointAck(upload.assembly.ack(for: verdict))))
        case .outOfOrder:
            actions.messages.append((peer, .checkpointAck(upload.assembly.ack(for: verdict))))
        case .rejected(let reason):
            // A transfer that does not add up (a wrong checksum, chunks of two transfers mixed) is void.
            if chunk.index == 0 || !upload.assembly.belongs(chunk) || upload.assembly.next == upload.assembly.count {
                checkpoints.uploads[chunk.key] = nil
                actions.storage.append(.abort(chunk.key))
            }
            actions.append(refuse(reason))
        }
        return actions
    }

    // MARK: Shared mode (only descriptions travel)

    /// A worker announced a checkpoint complete in the shared folder: the shell verifies it, and
    /// it goes on as a finished upload (`checkpointCommitted`) or a refused one (`checkpointFailed`).
    mutating func receivedSharedCheckpoint(_ checkpoint: SharedCheckpoint, from peer: PeerID) -> CoordinatorActions {
        var actions = CoordinatorActions()
        let key = checkpoint.key
        func refuse(_ reason: String) -> CoordinatorActions {
            var refused = CoordinatorActions()
            refused.warnings.append("shared checkpoint of \(key) refused: \(reason)")
            refused.messages.append(
                (peer, .checkpointAck(ChunkAck(key: key, step: checkpoint.step, next: 0, error: reason))))
            return refused
        }
        guard checkpointSettings.sharedFolder != nil, checkpointSettings.maxBytes != nil else {
            return refuse("this coordinator takes checkpoints by upload, not in a shared folder")
        }
        if let violation = WireBounds.violation(in: checkpoint) { return refuse(violation) }
        guard holds(key, from: peer) else {
            return refuse("trial \(key.trial.rawValue) attempt \(key.attempt) is not running on this worker")
        }
        if let stored = checkpoints.stored[key.trial], stored.sha256 == checkpoint.sha256,
            stored.step == checkpoint.step
        {
            // Announced again (the worker heard no answer): it is durable already.
            actions.messages.append(
                (peer, .checkpointAck(ChunkAck(key: key, step: checkpoint.step, next: 1, done: true))))
            return actions
        }
        // Announced again while its check is under way (the worker heard nothing for 5 s): one check.
        if let pending = checkpoints.announced[key], pending.peer == peer, pending.checkpoint == checkpoint {
            return actions
        }
        checkpoints.announced[key] = (peer, checkpoint)
        actions.storage.append(.verifyShared(checkpoint))
        return actions
    }

    /// The shell made a checkpoint durable under `file` (an upload stored, or a shared one
    /// verified): journal it, tell the worker, and delete the checkpoint it replaces once the
    /// line is durable.
    package mutating func checkpointCommitted(_ key: TrialKey, file: String, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard let arrival = takeArrival(key) else { return actions }
        let stored = StoredCheckpoint(step: arrival.step, size: arrival.size, sha256: arrival.sha256, file: file)
        let worker = workers[arrival.peer]?.id ?? resumedFrom?.trials[key.trial]?.worker ?? WorkerID("unknown")
        actions.journal.append(
            .trialCheckpoint(
                TrialCheckpointed(
                    trial: key.trial, attempt: key.attempt, worker: worker, step: stored.step, size: stored.size,
                    sha256: stored.sha256, file: file)))
        if let previous = checkpoints.stored[key.trial], previous.file != file {
            actions.storage.append(.remove(key.trial, file: previous.file))
        }
        checkpoints.stored[key.trial] = stored
        actions.messages.append(
            (arrival.peer, .checkpointAck(ChunkAck(key: key, step: stored.step, next: arrival.count, done: true))))
        // ASHA's promotion form: the checkpoint a trial waited for to pause.
        actions.append(checkpointStored(key.trial, step: stored.step))
        // A trial that ended while its last checkpoint was arriving (it completed right after).
        actions.append(cleanUpCheckpoints(of: key.trial))
        return actions
    }

    /// The shell could not store an upload (disk full, say): the worker is told; the trial keeps
    /// its previous checkpoint.
    package mutating func checkpointFailed(_ key: TrialKey, reason: String) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard let arrival = takeArrival(key) else { return actions }
        actions.warnings.append("checkpoint of \(key) not stored: \(reason)")
        actions.storage.append(.abort(key))
        let error = "the coordinator could not store it: \(reason)"
        actions.messages.append(
            (arrival.peer, .checkpointAck(ChunkAck(key: key, step: arrival.step, next: 0, error: error))))
        return actions
    }

    /// The checkpoint of `key` that was arriving (uploaded or announced), forgotten here.
    private mutating func takeArrival(_ key: TrialKey)
        -> (peer: PeerID, step: Int, size: Int, sha256: String, count: Int)?
    {
        if let upload = checkpoints.uploads.removeValue(forKey: key) {
            let assembly = upload.assembly
            return (upload.peer, assembly.step, assembly.size, assembly.sha256, assembly.count)
        }
        if let announced = checkpoints.announced.removeValue(forKey: key) {
            let checkpoint = announced.checkpoint
            return (announced.peer, checkpoint.step, checkpoint.size, checkpoint.sha256, 1)
        }
        return nil
    }

    // MARK: Resumes (coordinator → worker)

    /// Called as `key` is dispatched to `peer`: with a stored checkpoint, journal `trial_resumed`
    /// and send the first chunks, which go out before the `assign` (the worker holds the attempt
    /// until the whole checkpoint is in and verified).
    mutating func beginResume(_ key: TrialKey, to peer: PeerID, worker: WorkerID, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard let checkpoint = checkpoints.stored[key.trial], config.trial.program.checkpoints else { return actions }
        actions.journal.append(
            .trialResumed(
                TrialResumed(
                    trial: key.trial, attempt: key.attempt, worker: worker, step: checkpoint.step,
                    sha256: checkpoint.sha256)))
        if checkpointSettings.sharedFolder != nil {
            // The worker finds it in the shared folder and checks it there.
            let shared = SharedCheckpoint(
                key: key, step: checkpoint.step, size: checkpoint.size, sha256: checkpoint.sha256)
            actions.messages.append((peer, .resumeShared(shared)))
            return actions
        }
        let window = ChunkWindow(count: CheckpointChunk.chunkCount(size: checkpoint.size), now: now)
        checkpoints.resumes[key] = (peer, checkpoint, window)
        actions.messages += resumeChunksDue(key, now: now)
        return actions
    }

    mutating func receivedResumeAck(_ ack: ChunkAck, from peer: PeerID, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard var resume = checkpoints.resumes[ack.key], resume.peer == peer, resume.checkpoint.step == ack.step else {
            return actions
        }
        if let error = ack.error {
            actions.warnings.append("worker could not take the checkpoint of \(ack.key) to resume from: \(error)")
            checkpoints.resumes[ack.key] = nil
            return actions
        }
        resume.window.acknowledged(next: ack.next, resend: ack.resend ?? false, now: now)
        checkpoints.resumes[ack.key] = resume
        if ack.done == true || resume.window.isComplete {
            checkpoints.resumes[ack.key] = nil
            return actions
        }
        actions.messages += resumeChunksDue(ack.key, now: now)
        return actions
    }

    /// Chunks of resumes due now (a resend after silence), and transfers whose attempt is gone dropped.
    mutating func tickCheckpoints(now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        for key in checkpoints.resumes.keys.sorted(by: { $0.trial < $1.trial }) {
            guard let resume = checkpoints.resumes[key] else { continue }
            guard holds(key, from: resume.peer) else {
                checkpoints.resumes[key] = nil
                continue
            }
            actions.messages += resumeChunksDue(key, now: now)
        }
        for (key, upload) in checkpoints.uploads where !holds(key, from: upload.peer) {
            checkpoints.uploads[key] = nil
            actions.storage.append(.abort(key))
        }
        // A check that ends after its attempt was lost is not journaled (as an upload cut off is not).
        for (key, announced) in checkpoints.announced where !holds(key, from: announced.peer) {
            checkpoints.announced[key] = nil
        }
        // Trials that ended without a result of their own (pruned when their worker left, failed
        // when the wall time ran out) lose their checkpoints here.
        if checkpointSettings.retention != .all {
            for trial in checkpoints.stored.keys.sorted() where isEnded(trial) && trial != best?.trial {
                actions.append(cleanUpCheckpoints(of: trial))
            }
        }
        return actions
    }

    /// The `resume_chunk` messages due for `key`, with their bytes left empty: the shell fills
    /// them from the store as it sends them (`CheckpointStore.fill`), so the state machine never
    /// reads a file and the chunks keep their place before the `assign`.
    private mutating func resumeChunksDue(_ key: TrialKey, now: Double) -> [(peer: PeerID, message: CoordinatorMessage)]
    {
        guard var resume = checkpoints.resumes[key] else { return [] }
        let due = resume.window.due(now: now)
        checkpoints.resumes[key] = resume
        let checkpoint = resume.checkpoint
        return due.map { index in
            (
                resume.peer,
                .resumeChunk(
                    CheckpointChunk(
                        key: key, step: checkpoint.step, index: index, count: resume.window.count,
                        size: checkpoint.size,
                        sha256: checkpoint.sha256, data: Data()))
            )
        }
    }

    // MARK: Preemption

    /// A worker handed an attempt back (it was told to leave): queue the trial again, to resume
    /// from its last durable checkpoint. Not a failure; not counted against `retries`.
    mutating func recordPreempted(
        _ key: TrialKey, entry: TrialEntry, worker: WorkerID, result: TrialResult, now: Double
    ) -> JournalEvent {
        checkpoints.preemptions[key.trial, default: 0] += 1
        trials[key.trial]?.state = .pending
        retryQueue.append(key.trial)
        return .trialPreempted(
            TrialPreempted(
                trial: key.trial, attempt: key.attempt, params: entry.parameters, worker: worker,
                reason: result.reason ?? "preempted", checkpointStep: checkpoints.stored[key.trial]?.step,
                durationSeconds: result.durationSeconds))
    }

    /// Attempts of `trial` that count against `retries`: all but the preempted ones.
    func countedAttempts(_ key: TrialKey) -> Int { key.attempt - (checkpoints.preemptions[key.trial] ?? 0) }

    /// A worker says it is leaving once its trials are handed back: it gets nothing more.
    mutating func receivedDrain(_ drain: DrainMessage, from peer: PeerID) -> CoordinatorActions {
        workers[peer]?.draining = true
        var actions = CoordinatorActions()
        actions.warnings.append("worker \(workers[peer]?.id.rawValue ?? "?") is draining: \(drain.reason)")
        return actions
    }

    /// A draining worker says `bye` while it still holds attempts (assignments that crossed its
    /// `drain` on the wire, never started): they are preempted too, not abandoned.
    mutating func handBackOnBye(from peer: PeerID, now: Double) -> CoordinatorActions {
        var actions = CoordinatorActions()
        guard let worker = workers[peer], worker.draining else { return actions }
        for key in worker.running.sorted(by: { $0.trial < $1.trial }) {
            guard let entry = trials[key.trial], entry.stopReason == nil else { continue }
            workers[peer]?.running.remove(key)
            let result = TrialResult(
                status: .preempted, metrics: [:], reason: "its worker left while draining", durationSeconds: 0)
            actions.journal.append(recordPreempted(key, entry: entry, worker: worker.id, result: result, now: now))
        }
        return actions
    }

    // MARK: Cleaning up

    /// Deletes the checkpoints of a trial that ended, unless `CheckpointSettings.retention` keeps them;
    /// with `best`, a trial that stops being the best loses its checkpoints.
    mutating func cleanUpCheckpoints(of trial: TrialID) -> CoordinatorActions {
        var actions = CoordinatorActions()
        if checkpointSettings.sharedFolder != nil, checkpoints.stored[trial] != nil, isEnded(trial) {
            actions.storage.append(.removeAttempts(trial))
        }
        guard checkpointSettings.retention != .all, checkpoints.stored[trial] != nil, let entry = trials[trial] else {
            return actions
        }
        switch entry.state {
        case .pending, .running, .orphaned, .paused: return actions
        case .completed where checkpointSettings.retention == .best:
            for other in checkpoints.stored.keys where other != best?.trial && isEnded(other) {
                checkpoints.stored[other] = nil
                actions.storage.append(.removeTrial(other))
            }
        default:
            checkpoints.stored[trial] = nil
            actions.storage.append(.removeTrial(trial))
        }
        return actions
    }

    private func isEnded(_ trial: TrialID) -> Bool {
        switch trials[trial]?.state {
        case .completed, .failed, .pruned: true
        default: false
        }
    }
}
