import Foundation
import HPOCore
import HPORuntime
import HPOTrials
import HPOWire
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Checkpoint files of the worker. Each attempt of a command trial has a folder of its own in the
/// worker's private scratch folder, `ckpt-T-A/`:
///
/// - `out/`: `HPO_CHECKPOINT_DIR`, empty at the start;
/// - `snap-N/`: the `out/` folder of the N-th checkpoint, taken away (renamed) the moment its line
///   is read, an empty `out/` put in its place, and packed into `up-N.ckpt` (then removed);
/// - `resume.ckpt`, `resume/`: the checkpoint the attempt resumes from, as received and unpacked
///   (`HPO_RESUME_DIR`).
///
/// In shared mode (the coordinator's welcome names a shared folder) the attempt's folder is
/// `FOLDER/trial-N/.attempt-A/` instead, so a checkpoint is taken by renames on one filesystem:
/// `out/` to `snap-N/`, and once its digest is computed (every file `fsync`ed as it is read) to
/// `FOLDER/trial-N/step-S-<sha16>/`, which is announced (`checkpoint_shared`). An attempt that
/// resumes reads `HPO_RESUME_DIR` there directly, after checking it.
extension WorkerService {
    /// The shared checkpoint folder, when the coordinator uses one.
    var sharedCheckpointFolder: String? { machine.welcome?.sharedCheckpoints }

    func attemptFolder(_ key: TrialKey) -> String {
        if let root = sharedCheckpointFolder { return SharedCheckpoint.attemptFolder(root: root, key: key) }
        return "\(scratchRoot)/ckpt-\(key.trial.rawValue)-\(key.attempt)"
    }

    /// Sets up the checkpoint folders of a command trial and returns what to do on each
    /// `{"checkpoint": STEP}` line (runs on the trial's thread), and a wait for the packing of the
    /// checkpoints announced so far (the trial's thread calls it before it reports the end, so a
    /// last checkpoint is known before the result). Built-in functions get none; the built-in
    /// trainer calls the same hook after writing its epoch's checkpoint.
    ///
    /// The line's handler only takes the folder (a rename, microseconds) and returns to reading
    /// the trial's output; packing runs on a queue of the attempt's own. A handler that packed
    /// in place would read the next lines late, and take the folder when the trial had already
    /// written a later step into it.
    ///
    /// `problem`: the shared checkpoint folder cannot be used on this worker (the attempt fails
    /// with that reason rather than run without checkpoints).
    func prepareCheckpoints(
        for assignment: Assignment, context: inout TrialContext, resumeStep: Int?
    ) -> (checkpoint: (@Sendable (Int) -> Void)?, settle: @Sendable () -> Void, problem: String?) {
        guard TrialRunner.checkpoints(assignment.spec.program) else { return (nil, {}, nil) }
        let key = assignment.key
        let base = attemptFolder(key)
        let out = "\(base)/out"
        let shared = sharedCheckpointFolder
        let trialFolder = shared.map { SharedCheckpoint.trialFolder(root: $0, trial: key.trial) }
        guard trialFolder.map(Self.makeFolder) ?? true, Self.makeFolder(base), mkdir(out, 0o700) == 0 else {
            let why = String(cString: strerror(errno))
            if let shared {
                var info = stat()
                let missing = stat(shared, &info) != 0
                return (
                    nil, {},
                    "cannot use the shared checkpoint folder \(shared) on this worker: "
                        + (missing ? "it does not exist here (is it mounted?)" : "cannot make \(out): \(why)")
                )
            }
            logger.error(
                "cannot make the checkpoint folder; the trial runs without one", metadata: ["trial.key": "\(key)"])
            return (nil, {}, nil)
        }
        context.checkpointDirectory = out
        if let resumeStep { context.resume = (sharedResumes[key] ?? "\(base)/resume", resumeStep) }
        let inbox = inbox
        let counter = CheckpointCounter()
        let packer = DispatchQueue(label: "checkpoints of \(key)")
        let checkpoint: @Sendable (Int) -> Void = { step in
            let number = counter.next()
            let snapshot = "\(base)/snap-\(number)"
            // Take the folder as it is now; the trial goes on writing into a fresh one.
            guard rename(out, snapshot) == 0 else {
                inbox.post(.checkpointFailed(key, reason: "cannot take \(out): \(String(cString: strerror(errno)))"))
                return
            }
            // The trial may have made the folder again itself in the meantime: that is fine.
            if !Self.makeFolder(out) {
                inbox.post(
                    .checkpointFailed(key, reason: "cannot make \(out) again: \(String(cString: strerror(errno)))"))
            }
            packer.async {
                if let trialFolder {
                    Self.seal(snapshot, step: step, key: key, trialFolder: trialFolder, inbox: inbox)
                } else {
                    Self.pack(snapshot, number: number, step: step, key: key, base: base, inbox: inbox)
                }
            }
        }
        return (checkpoint, { packer.sync {} }, nil)
    }

    /// Shared mode: makes a checkpoint folder taken from a trial durable (every file and folder
    /// `fsync`ed as its digest is computed), renames it to its final name in the trial's folder
    /// and tells the loop. Nothing is copied.
    static func seal(
        _ snapshot: String, step: Int, key: TrialKey, trialFolder: String, inbox: WakingInbox<TrialEvent>
    ) {
        do {
            let digest = try CheckpointArchive.digest(folder: snapshot, syncing: true)
            if let problem = SharedCheckpoint.problem(skipped: digest.skipped) {
                throw CheckpointArchiveError.malformed("checkpoint folder: \(problem)")
            }
            let final = "\(trialFolder)/\(SharedCheckpoint.folderName(step: step, sha256: digest.sha256))"
            if rename(snapshot, final) != 0 {
                // The same step with the same content is there already (announced before): keep that one.
                guard errno == EEXIST || errno == ENOTEMPTY else {
                    throw CheckpointArchiveError.io("rename", final, errno)
                }
                try? FileManager.default.removeItem(atPath: snapshot)
            }
            let fd = open(trialFolder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 {
                fsync(fd)
                close(fd)
            }
            inbox.post(
                .checkpointPacked(
                    key, step: step, archive: final, size: digest.size, sha256: digest.sha256, shared: true))
        } catch let error {
            try? FileManager.default.removeItem(atPath: snapshot)
            inbox.post(.checkpointFailed(key, reason: "\(error)"))
        }
    }

    /// Packs a checkpoint folder taken from a trial into `up-N.ckpt` and tells the loop.
    static func pack(
        _ snapshot: String, number: Int, step: Int, key: TrialKey, base: String, inbox: WakingInbox<TrialEvent>
    ) {
        defer { try? FileManager.default.removeItem(atPath: snapshot) }
        let archive = "\(base)/up-\(number).ckpt"
        do {
            let packed = try CheckpointArchive.pack(folder: snapshot, into: archive)
            guard packed.size <= WireLimits.maxCheckpointBytes else {
                unlink(archive)
                inbox.post(.checkpointFailed(key, reason: "checkpoint of \(packed.size) bytes is too large"))
                return
            }
            inbox.post(
                .checkpointPacked(
                    key, step: step, archive: archive, size: packed.size, sha256: packed.sha256, shared: false))
        } catch let error {
            unlink(archive)
            inbox.post(.checkpointFailed(key, reason: "\(error)"))
        }
    }

    /// Carries out one checkpoint action of the state machine (`then` applies what it answers).
    func applyCheckpoint(
        _ work: WorkerCheckpointAction, transport: any ClientTransport, then apply: ([WorkerAction]) throws -> Void
    ) throws {
        switch work {
        case .sendChunk(var chunk, let archive):
            let offset = chunk.index * WireLimits.maxChunkBytes
            let count = min(WireLimits.maxChunkBytes, chunk.size - offset)
            guard let data = Self.read(archive, offset: offset, count: count) else {
                logger.error(
                    "cannot read a checkpoint archive", metadata: ["trial.key": "\(chunk.key)", "file": "\(archive)"])
                try apply(machine.uploadFailed(chunk.key, now: monotonicSeconds()))
                return
            }
            chunk.data = data
            try transport.send(WireCodec.encode(WorkerMessage.checkpointChunk(chunk)))
        case .discardArchive(let archive):
            // A file, or in shared mode a folder.
            try? FileManager.default.removeItem(atPath: archive)
        case .beginDownload(let key):
            discardDownload(key)
            let base = attemptFolder(key)
            let path = "\(base)/resume.ckpt"
            guard Self.makeFolder(base),
                FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                let handle = FileHandle(forWritingAtPath: path)
            else {
                logger.error("cannot store a checkpoint to resume from", metadata: ["trial.key": "\(key)"])
                try apply(machine.downloadFinished(key, error: "cannot write \(path)", now: monotonicSeconds()))
                return
            }
            downloadFiles[key] = handle
        case .appendDownload(let key, let data):
            do { try downloadFiles[key]?.write(contentsOf: data) } catch {
                try apply(machine.downloadFinished(key, error: "cannot write: \(error)", now: monotonicSeconds()))
            }
        case .finishDownload(let key):
            // The state machine has checked the size and the checksum; unpack.
            try? downloadFiles.removeValue(forKey: key)?.close()
            let base = attemptFolder(key)
            var error: String?
            do { try CheckpointArchive.unpack("\(base)/resume.ckpt", into: "\(base)/resume") } catch let failure {
                error = failure.description
            }
            unlink("\(base)/resume.ckpt")
            if let error {
                logger.error(
                    "cannot unpack the checkpoint to resume from",
                    metadata: ["trial.key": "\(key)", "error": "\(error)"])
            } else {
                logger.info("checkpoint to resume from received", metadata: ["trial.key": "\(key)"])
            }
            try apply(machine.downloadFinished(key, error: error, now: monotonicSeconds()))
        case .discardDownload(let key):
            discardDownload(key)
        case .verifyShared(let checkpoint):
            // Read in full off the loop (a big checkpoint takes seconds to hash), so heartbeats
            // and the other trials' messages go on; the answer comes back through the inbox.
            let key = checkpoint.key
            guard let root = sharedCheckpointFolder else {
                let error = "the coordinator named a shared checkpoint, but no shared folder"
                try apply(machine.downloadFinished(key, error: error, now: monotonicSeconds()))
                return
            }
            let folder = "\(SharedCheckpoint.trialFolder(root: root, trial: key.trial))/\(checkpoint.folderName)"
            let inbox = inbox
            DispatchQueue.global().async {
                inbox.post(.sharedResumeChecked(key, folder: folder, error: Self.check(folder, against: checkpoint)))
            }
        case .warning(let text):
            logger.warning("\(text)")
        }
    }

    /// Why the shared checkpoint folder `folder` is not `checkpoint`, or nil when it is.
    static func check(_ folder: String, against checkpoint: SharedCheckpoint) -> String? {
        do {
            let digest = try CheckpointArchive.digest(folder: folder, syncing: false)
            if let problem = SharedCheckpoint.problem(skipped: digest.skipped) { return "\(folder): \(problem)" }
            guard digest.size == checkpoint.size, digest.sha256 == checkpoint.sha256 else {
                return "\(folder) is not the checkpoint announced (\(digest.size) bytes, not \(checkpoint.size))"
            }
            return nil
        } catch {
            return "cannot read \(folder): \(error.description)"
        }
    }

    /// A shared checkpoint to resume from was checked (off the loop): the attempt starts, or fails.
    func sharedResumeChecked(_ key: TrialKey, folder: String, error: String?) -> [WorkerAction] {
        if let error {
            logger.error(
                "cannot use the shared checkpoint to resume from",
                metadata: ["trial.key": "\(key)", "error": "\(error)"])
        } else {
            sharedResumes[key] = folder
            logger.info("shared checkpoint to resume from verified", metadata: ["trial.key": "\(key)"])
        }
        return machine.downloadFinished(key, error: error, now: monotonicSeconds())
    }

    func discardDownload(_ key: TrialKey) {
        try? downloadFiles.removeValue(forKey: key)?.close()
        let base = attemptFolder(key)
        unlink("\(base)/resume.ckpt")
        try? FileManager.default.removeItem(atPath: "\(base)/resume")
    }

    /// The attempt ended: its folders go (archives still being uploaded stay until their upload ends).
    func removeAttemptFiles(_ key: TrialKey) {
        let base = attemptFolder(key)
        sharedResumes[key] = nil
        discardDownload(key)
        try? FileManager.default.removeItem(atPath: "\(base)/out")
        rmdir(base)
    }

    static func makeFolder(_ path: String) -> Bool {
        if mkdir(path, 0o700) == 0 { return true }
        var info = stat()
        return errno == EEXIST && lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func read(_ path: String, offset: Int, count: Int) -> Data? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data = Data(count: count)
        var done = 0
        while done < count {
            let got = data.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done))
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return nil }
            done += got
        }
        return data
    }
}

/// Numbers the checkpoints of one attempt (only its trial's thread calls `next`).
final class CheckpointCounter: @unchecked Sendable {
    private var count = 0
    func next() -> Int {
        count += 1
        return count
    }
}
