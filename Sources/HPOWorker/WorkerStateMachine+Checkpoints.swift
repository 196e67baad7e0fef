import Foundation
import HPOCore
import HPOWire

/// What the worker's shell does with checkpoint files for the state machine.
package enum WorkerCheckpointAction: Hashable, Sendable {
    /// Send this chunk of the archive at `archive`, its bytes read from the file (the state
    /// machine leaves `data` empty).
    case sendChunk(CheckpointChunk, archive: String)
    /// An upload is over (stored or refused): its archive file can go.
    case discardArchive(String)
    /// A resume download starts (an empty file), grows, ends: `finishDownload` verifies nothing
    /// more (the state machine has checked size and checksum) but unpacks the archive, and
    /// reports back through `downloadFinished`.
    case beginDownload(TrialKey)
    case appendDownload(TrialKey, Data)
    case finishDownload(TrialKey)
    case discardDownload(TrialKey)
    /// Shared mode: check the checkpoint to resume from in the shared folder (size, SHA-256);
    /// reports back through `downloadFinished`.
    case verifyShared(SharedCheckpoint)
    /// Something to log: an upload the coordinator refused, say.
    case warning(String)
}

/// A packed checkpoint waiting to go up, or going up.
struct WorkerUpload {
    var step: Int
    var size: Int
    var sha256: String
    /// The archive; in shared mode, the checkpoint's folder in the shared folder.
    var archive: String
    /// Shared mode: only a `checkpoint_shared` announcement goes up (sent again after silence,
    /// as a one-chunk transfer would be), and the folder is the coordinator's once announced.
    var shared = false
    var window: ChunkWindow?
}

/// The worker's checkpoint state: uploads, resumes, preemption.
struct WorkerCheckpointBook {
    var uploads: [TrialKey: WorkerUpload] = [:]
    /// A newer checkpoint of a trial whose upload is still going: it goes next (older ones are dropped).
    var pending: [TrialKey: WorkerUpload] = [:]
    /// Results of attempts that did not complete, held until their last checkpoint is up, so the
    /// next attempt resumes from it.
    var heldResults: [TrialKey: ResultMessage] = [:]
    var downloads: [TrialKey: Download] = [:]
    /// Set once the worker is told to leave (SIGTERM): since when, and why.
    var draining: (since: Double, reason: String)?
    /// When the worker leaves whatever is still unfinished (the grace and a margin for uploads
    /// are over, or a second signal came).
    var exitBy: Double?
    var killed = false

    enum Download {
        case receiving(ChunkAssembly, lastProgress: Double)
        /// Unpacking (the shell reports back).
        case unpacking(step: Int)
        case ready(step: Int)
        case failed(String)
    }
}

extension WorkerStateMachine {
    /// Seconds a resume download may go without a chunk before its attempt is given up.
    static let downloadStallSeconds = 60.0
    /// Seconds after the grace for the last uploads to finish, and then for the last results to be acknowledged.
    static let uploadMarginSeconds = 10.0
    static let acknowledgeMarginSeconds = 5.0

    package var isDraining: Bool { checkpoints.draining != nil }

    // MARK: Uploads

    /// A trial's checkpoint is packed (`archive`, `size` bytes, `sha256`): send it, after the one
    /// already going up for that trial (an older one still waiting is dropped).
    package mutating func checkpointPacked(
        _ key: TrialKey, step: Int, archive: String, size: Int, sha256: String, shared: Bool = false, now: Double
    ) -> [WorkerAction] {
        let upload = WorkerUpload(step: step, size: size, sha256: sha256, archive: archive, shared: shared)
        guard running[key] != nil, !checkpoints.killed else { return [.checkpoint(.discardArchive(archive))] }
        if checkpoints.uploads[key] != nil {
            var actions: [WorkerAction] = []
            if let older = checkpoints.pending[key] { actions.append(.checkpoint(.discardArchive(older.archive))) }
            checkpoints.pending[key] = upload
            return actions
        }
        return startUpload(key, upload, now: now)
    }

    private mutating func startUpload(_ key: TrialKey, _ upload: WorkerUpload, now: Double) -> [WorkerAction] {
        var upload = upload
        upload.window = ChunkWindow(count: CheckpointChunk.chunkCount(size: upload.size), now: now)
        checkpoints.uploads[key] = upload
        return isRegistered ? chunksDue(key, now: now) : []
    }

    private mutating func chunksDue(_ key: TrialKey, now: Double) -> [WorkerAction] {
        guard var upload = checkpoints.uploads[key], var window = upload.window else { return [] }
        let due = window.due(now: now)
        upload.window = window
        checkpoints.uploads[key] = upload
        if upload.shared {
            guard !due.isEmpty else { return [] }
            let announcement = SharedCheckpoint(key: key, step: upload.step, size: upload.size, sha256: upload.sha256)
            return [send(.checkpointShared(announcement), now: now)]
        }
        if !due.isEmpty { lastSent = now }
        return due.map { index in
            .checkpoint(
                .sendChunk(
                    CheckpointChunk(
                        key: key, step: upload.step, index: index, count: window.count, size: upload.size,
                        sha256: upload.sha256, data: Data()),
                    archive: upload.archive))
        }
    }

    mutating func receivedCheckpointAck(_ ack: ChunkAck, now: Double) -> [WorkerAction] {
        guard var upload = checkpoints.uploads[ack.key], upload.step == ack.step, var window = upload.window else {
            return []
        }
        if let error = ack.error {
            return [
                .checkpoint(
                    .warning("the coordinator refused the checkpoint of \(ack.key) at step \(ack.step): \(error)"))
            ]
                + endUpload(ack.key, refused: true, now: now)
        }
        if ack.done == true { return endUpload(ack.key, now: now) }
        window.acknowledged(next: ack.next, resend: ack.resend ?? false, now: now)
        upload.window = window
        checkpoints.uploads[ack.key] = upload
        return chunksDue(ack.key, now: now)
    }

    /// The shell could not read the archive of an upload: it is given up.
    package mutating func uploadFailed(_ key: TrialKey, now: Double) -> [WorkerAction] {
        endUpload(key, refused: true, now: now)
    }

    /// The upload of `key` is over (stored, refused or abandoned): the next one starts, or a
    /// result held for it goes out. An archive goes; a shared checkpoint's folder only when the
    /// coordinator refused it (else it may be durable and journaled: the coordinator cleans up).
    private mutating func endUpload(_ key: TrialKey, refused: Bool = false, now: Double) -> [WorkerAction] {
        guard let upload = checkpoints.uploads.removeValue(forKey: key) else { return [] }
        var actions: [WorkerAction] = upload.shared && !refused ? [] : [.checkpoint(.discardArchive(upload.archive))]
        if let next = checkpoints.pending.removeValue(forKey: key) {
            actions += startUpload(key, next, now: now)
        } else if let held = checkpoints.heldResults.removeValue(forKey: key) {
            unacknowledged[key] = held
            actions.append(send(.result(held), now: now))
        }
        return actions
    }

    /// After a (re)welcome: uploads start again from their first chunk (the coordinator may be a
    /// new process that has none of them).
    mutating func restartUploads(now: Double) -> [WorkerAction] {
        var actions: [WorkerAction] = []
        for key in checkpoints.uploads.keys.sorted(by: { $0.trial < $1.trial }) {
            guard let upload = checkpoints.uploads[key] else { continue }
            actions += startUpload(key, upload, now: now)
        }
        return actions
    }

    /// A result goes out, unless the attempt did not complete and a checkpoint of it is still
    /// going up: then it waits for that (so the next attempt resumes from the newest state).
    mutating func deliver(_ message: ResultMessage, now: Double) -> [WorkerAction] {
        let key = message.key
        if message.result.status == .completed {
            // Its checkpoints are moot now.
            var actions: [WorkerAction] = []
            if let pending = checkpoints.pending.removeValue(forKey: key) {
                actions.append(.checkpoint(.discardArchive(pending.archive)))
            }
            if let upload = checkpoints.uploads.removeValue(forKey: key), !upload.shared {
                actions.append(.checkpoint(.discardArchive(upload.archive)))
            }
            unacknowledged[key] = message
            return actions + [send(.result(message), now: now)]
        }
        if checkpoints.uploads[key] != nil, !checkpoints.killed {
            checkpoints.heldResults[key] = message
            return []
        }
        unacknowledged[key] = message
        return [send(.result(message), now: now)]
    }

    // MARK: Resumes

    mutating func receivedResumeChunk(_ chunk: CheckpointChunk, now: Double) -> [WorkerAction] {
        let key = chunk.key
        var actions: [WorkerAction] = []
        if chunk.index == 0, !isDraining {
            switch checkpoints.downloads[key] {
            case .receiving(let assembly, _) where assembly.belongs(chunk): break
            case .receiving, .failed, nil:
                // Only for an attempt not started yet, and no more at once than this worker has places.
                let places = identity.slots + identity.prefetch
                let waiting = checkpoints.downloads.count { if case .receiving = $0.value { true } else { false } }
                let started = running[key] != nil && !isAwaitingCheckpoint(key)
                guard !started, waiting < places, let assembly = ChunkAssembly(first: chunk) else {
                    let why = started ? "the attempt is already running" : "\(waiting) transfers in progress already"
                    return [.checkpoint(.warning("dropped a checkpoint to resume \(key) from: \(why)"))]
                }
                if checkpoints.downloads[key] != nil { actions.append(.checkpoint(.discardDownload(key))) }
                checkpoints.downloads[key] = .receiving(assembly, lastProgress: now)
                actions.append(.checkpoint(.beginDownload(key)))
            default:
                return []
            }
        }
        guard case .receiving(var assembly, _) = checkpoints.downloads[key] else { return actions }
        let verdict = assembly.accept(chunk)
        switch verdict {
        case .append(let data):
            checkpoints.downloads[key] = .receiving(assembly, lastProgress: now)
            actions.append(.checkpoint(.appendDownload(key, data)))
        case .complete(let data):
            checkpoints.downloads[key] = .unpacking(step: assembly.step)
            actions.append(.checkpoint(.appendDownload(key, data)))
            actions.append(.checkpoint(.finishDownload(key)))
        case .duplicate, .outOfOrder:
            break
        case .rejected(let reason):
            actions.append(.checkpoint(.discardDownload(key)))
            actions += downloadFinished(key, error: reason, now: now)
        }
        actions.append(send(.resumeAck(assembly.ack(for: verdict, done: verdict.isComplete ? true : nil)), now: now))
        return actions
    }

    /// Shared mode: the checkpoint an assigned attempt resumes from is in the shared folder; the
    /// shell checks it (`verifyShared`) and the attempt starts as after a download.
    mutating func receivedSharedResume(_ checkpoint: SharedCheckpoint, now: Double) -> [WorkerAction] {
        let key = checkpoint.key
        let started = running[key] != nil && !isAwaitingCheckpoint(key)
        guard !isDraining, !started, checkpoints.downloads[key] == nil else {
            return [.checkpoint(.warning("dropped a shared checkpoint to resume \(key) from"))]
        }
        checkpoints.downloads[key] = .unpacking(step: checkpoint.step)
        return [.checkpoint(.verifyShared(checkpoint))]
    }

    /// The shell unpacked a resume download (`error` nil) or could not.
    package mutating func downloadFinished(_ key: TrialKey, error: String?, now: Double) -> [WorkerAction] {
        let step: Int
        switch checkpoints.downloads[key] {
        case .unpacking(let s): step = s
        case .receiving(let assembly, _): step = assembly.step
        default: return []
        }
        if let error {
            checkpoints.downloads[key] = .failed(error)
        } else {
            checkpoints.downloads[key] = .ready(step: step)
        }
        guard let assignment = running[key] else { return [] }
        return startAwaited(assignment, now: now)
    }

    func isAwaitingCheckpoint(_ key: TrialKey) -> Bool {
        guard running[key] != nil else { return false }
        switch checkpoints.downloads[key] {
        case .receiving, .unpacking: return true
        default: return false
        }
    }

    /// How an assignment starts: resumed from a checkpoint that arrived, held while one is
    /// arriving, plain otherwise.
    mutating func startAction(for assignment: Assignment) -> WorkerAction {
        switch checkpoints.downloads[assignment.key] {
        case .ready(let step): .resumeTrial(assignment, step: step)
        // A checkpoint that could not be had fails the attempt on the next tick (never used, never
        // silently replaced by a start from scratch).
        case .receiving, .unpacking, .failed: .awaitCheckpoint(assignment.key)
        case nil: .startTrial(assignment)
        }
    }

    /// An assignment that held its slot for a checkpoint: start it now that the checkpoint is in
    /// (or end it as failed if the checkpoint could not be had: the coordinator may retry).
    private mutating func startAwaited(_ assignment: Assignment, now: Double) -> [WorkerAction] {
        switch checkpoints.downloads[assignment.key] {
        case .ready(let step):
            return [.resumeTrial(assignment, step: step)]
        case .failed(let reason):
            checkpoints.downloads[assignment.key] = nil
            let result = TrialResult(
                status: .failed, metrics: [:], reason: "could not receive the checkpoint to resume from: \(reason)",
                durationSeconds: 0)
            return trialFinished(assignment.key, result, now: now)
        default:
            return []
        }
    }

    /// The attempt ended: its resume files are no longer needed.
    mutating func forgetDownload(_ key: TrialKey) -> [WorkerAction] {
        guard checkpoints.downloads.removeValue(forKey: key) != nil else { return [] }
        return [.checkpoint(.discardDownload(key))]
    }

    // MARK: Preemption

    /// The worker is told to leave with time to spare (SIGTERM: preemption, an eviction): it
    /// asks for nothing more (`drain`), hands back what has not started, and sends its running
    /// trials SIGTERM with `graceSeconds` to write a last checkpoint. Each comes back as
    /// `preempted` once that checkpoint is up; then the worker says `bye` and exits.
    package mutating func preempt(reason: String, graceSeconds: Double, now: Double) -> [WorkerAction] {
        guard checkpoints.draining == nil else { return [] }
        guard isRegistered else {
            // Not welcomed (yet, or again): nothing runs here, but the coordinator may already
            // have assignments on their way to us. `drain` before `bye` makes it hand those back
            // as preempted instead of abandoned.
            guard !isStopped else { return [] }
            return [send(.drain(DrainMessage(reason: reason)), now: now)]
                + stop(reason: reason, error: false, now: now, sayBye: true)
        }
        checkpoints.draining = (now, reason)
        checkpoints.exitBy = now + graceSeconds + Self.uploadMarginSeconds
        var actions: [WorkerAction] = [send(.drain(DrainMessage(reason: reason)), now: now)]
        let handBack = queued + running.values.filter { isAwaitingCheckpoint($0.key) }
        queued.removeAll()
        for assignment in handBack.sorted(by: { $0.key.trial < $1.key.trial }) {
            if running.removeValue(forKey: assignment.key) != nil { gpus.release(assignment.key) }
            actions += forgetDownload(assignment.key)
            actions += deliver(preemptedResult(assignment.key, duration: 0), now: now)
        }
        for key in running.keys.sorted(by: { $0.trial < $1.trial }) {
            actions.append(.preemptTrial(key, reason: "preempted: \(reason)", graceSeconds: graceSeconds))
        }
        return actions
    }

    /// A second signal: trials are killed now; only what is already durable counts.
    package mutating func killNow(now: Double) -> [WorkerAction] {
        guard let draining = checkpoints.draining, !checkpoints.killed else { return [] }
        checkpoints.killed = true
        checkpoints.exitBy = now + Self.acknowledgeMarginSeconds
        var actions: [WorkerAction] = running.keys.sorted { $0.trial < $1.trial }.map {
            .killTrial($0, reason: "preempted: \(draining.reason) (killed)")
        }
        actions += abandonUploads(now: now)
        return actions
    }

    private mutating func abandonUploads(now: Double) -> [WorkerAction] {
        var actions: [WorkerAction] = []
        for (_, pending) in checkpoints.pending { actions.append(.checkpoint(.discardArchive(pending.archive))) }
        checkpoints.pending.removeAll()
        for key in checkpoints.uploads.keys.sorted(by: { $0.trial < $1.trial }) {
            actions += endUpload(key, now: now)
        }
        return actions
    }

    /// While draining, an attempt that ends without completing is `preempted`.
    func markPreempted(_ key: TrialKey, _ result: inout TrialResult) {
        guard let draining = checkpoints.draining, result.status != .completed, result.status != .pruned else { return }
        result.status = .preempted
        result.reason = "preempted: \(draining.reason)"
    }

    private func preemptedResult(_ key: TrialKey, duration: Double) -> ResultMessage {
        ResultMessage(
            key: key,
            result: TrialResult(
                status: .preempted, metrics: [:], reason: "preempted: \(checkpoints.draining?.reason ?? "")",
                durationSeconds: duration))
    }

    /// An assignment that arrives while draining goes straight back.
    mutating func refuseWhileDraining(_ assignment: Assignment, now: Double) -> [WorkerAction]? {
        guard isDraining else { return nil }
        return deliver(preemptedResult(assignment.key, duration: 0), now: now)
    }

    /// Resends of chunks; a stalled resume; while draining, leaving once everything is handed
    /// back, or killing what still runs when the time is up.
    mutating func tickCheckpoints(now: Double) -> [WorkerAction] {
        var actions: [WorkerAction] = []
        if isRegistered {
            for key in checkpoints.uploads.keys.sorted(by: { $0.trial < $1.trial }) {
                actions += chunksDue(key, now: now)
            }
        }
        for (key, download) in checkpoints.downloads {
            guard case .receiving(_, let last) = download, now - last >= Self.downloadStallSeconds else { continue }
            actions.append(.checkpoint(.discardDownload(key)))
            actions += downloadFinished(key, error: "no chunk for \(Int(Self.downloadStallSeconds)) s", now: now)
        }
        for key in checkpoints.downloads.keys.sorted(by: { $0.trial < $1.trial }) {
            guard case .failed = checkpoints.downloads[key], let assignment = running[key] else { continue }
            actions += startAwaited(assignment, now: now)
        }
        guard let draining = checkpoints.draining else { return actions }
        let settled =
            running.isEmpty && checkpoints.uploads.isEmpty && checkpoints.heldResults.isEmpty && unacknowledged.isEmpty
        if settled { return actions + stop(reason: draining.reason, error: false, now: now, sayBye: true) }
        if let exitBy = checkpoints.exitBy, now >= exitBy {
            // The grace and the margin for uploads are over: kill what still runs and send what is
            // held; after a moment for the acknowledgements, leave.
            if !checkpoints.killed { return actions + killNow(now: now) }
            return actions + stop(reason: draining.reason, error: false, now: now, sayBye: true)
        }
        return actions
    }
}

extension ChunkAssembly.Verdict {
    var isComplete: Bool { if case .complete = self { true } else { false } }
}
