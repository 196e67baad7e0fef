import Foundation
import HPOCoordinator
import HPOCore
import HPOJournal
import HPOWire
import HPOWorker
import Testing

/// Shared checkpoints (`--checkpoints shared:FOLDER`): only descriptions travel; the coordinator
/// verifies the folder and journals it through the upload's path; a later attempt resumes from it
/// in place. State machines with events in and actions out; the store on a temporary folder.
@Suite struct SharedCheckpointTests {
    let first = TrialKey(trial: TrialID(1), attempt: 1)
    let sha = String(repeating: "ab", count: 32)

    func sharedHarness() -> CheckpointHarness {
        var h = CheckpointHarness()
        h.machine.checkpointSettings.sharedFolder = "/mnt/ckpt"
        return h
    }

    func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "hpo-shared-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("coordinator: an announced checkpoint is verified by the shell, then journaled and acknowledged as an upload")
    func announceVerifyJournal() throws {
        var h = sharedHarness()
        let welcomed = h.hello(CheckpointHarness.a, name: "a")
        let welcome = welcomed.messages.compactMap { if case .welcome(let w) = $0.message { w } else { nil } }.first
        #expect(welcome?.sharedCheckpoints == "/mnt/ckpt", "the welcome names the shared folder")
        let announced = SharedCheckpoint(key: first, step: 3, size: 1000, sha256: sha)
        let verify = h.send(.checkpointShared(announced), from: CheckpointHarness.a)
        #expect(verify.storage == [.verifyShared(announced)])
        #expect(verify.journal.isEmpty && verify.acks.isEmpty, "nothing journaled before the shell verified it")
        let repeated = h.send(.checkpointShared(announced), from: CheckpointHarness.a)
        #expect(repeated.storage.isEmpty && repeated.acks.isEmpty, "announced again while its check runs: one check")
        let done = h.committed(first, file: announced.folderName)
        guard let line = done.journal.first, case .trialCheckpoint(let event) = line else {
            Issue.record("no trial_checkpoint: \(done.journal)")
            return
        }
        #expect(event.step == 3 && event.size == 1000 && event.sha256 == sha && event.file == "step-3-abababababababab")
        #expect(done.acks == [ChunkAck(key: first, step: 3, next: 1, done: true)])
        // Announced again (the ack was lost): acknowledged, not verified or journaled twice.
        let again = h.send(.checkpointShared(announced), from: CheckpointHarness.a)
        #expect(again.storage.isEmpty && again.journal.isEmpty && again.acks.first?.done == true)
        // A newer one replaces it: the old folder goes once the new line is durable.
        let newer = SharedCheckpoint(key: first, step: 4, size: 1000, sha256: String(repeating: "cd", count: 32))
        _ = h.send(.checkpointShared(newer), from: CheckpointHarness.a)
        let replaced = h.committed(first, file: newer.folderName)
        #expect(replaced.storage == [.remove(TrialID(1), file: announced.folderName)])
    }

    @Test(
        """
        coordinator: a failed verification is refused with its reason; so is a trial not held, or an upload \
        coordinator
        """
    )
    func refusals() throws {
        var h = sharedHarness()
        _ = h.hello(CheckpointHarness.a, name: "a")
        _ = h.hello(CheckpointHarness.b, name: "b")
        let announced = SharedCheckpoint(key: first, step: 3, size: 1000, sha256: sha)
        // Trial 1 went to a, the first worker.
        let (holder, other) = (CheckpointHarness.a, CheckpointHarness.b)
        let stray = h.send(.checkpointShared(announced), from: other)
        #expect(stray.storage.isEmpty && stray.acks.first?.error?.contains("not running on this worker") == true)
        _ = h.send(.checkpointShared(announced), from: holder)
        let failed = h.machine.checkpointFailed(first, reason: "it reads as 12 bytes")
        #expect(failed.acks.first?.error?.contains("12 bytes") == true && failed.journal.isEmpty)
        #expect(h.machine.storedCheckpoint(of: TrialID(1)) == nil)

        var upload = CheckpointHarness()
        _ = upload.hello(CheckpointHarness.a, name: "a")
        let refused = upload.send(.checkpointShared(announced), from: CheckpointHarness.a)
        #expect(refused.storage.isEmpty && refused.acks.first?.error?.contains("by upload") == true)
    }

    @Test("coordinator: the next attempt gets resume_shared (no chunks) right before its assign, and trial_resumed")
    func resumeShared() throws {
        var h = sharedHarness()
        _ = h.hello(CheckpointHarness.a, name: "a")
        let announced = SharedCheckpoint(key: first, step: 4, size: 1000, sha256: sha)
        _ = h.send(.checkpointShared(announced), from: CheckpointHarness.a)
        _ = h.committed(first, file: announced.folderName)
        h.now = 100
        _ = h.machine.tick(now: h.now)
        let joined = h.hello(CheckpointHarness.b, name: "b")
        let second = TrialKey(trial: TrialID(1), attempt: 2)
        let kinds = joined.messages.compactMap { message -> String? in
            switch message.message {
            case .resumeShared(let c): "resume \(c.key) \(c.step) \(c.size)"
            case .resumeChunk: "chunk"
            case .assign(let a): "assign \(a.key)"
            default: nil
            }
        }
        #expect(kinds == ["resume \(second) 4 1000", "assign \(second)"])
        #expect(h.events("trial_resumed").count == 1)
    }

    @Test(
        """
        store: a folder verifies against the digest of its archive; a changed one does not; a missing shared \
        folder is a clear error
        """
    )
    func storeVerifies() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // What a worker writes: a checkpoint folder, described by the digest of its archive.
        let written = "\(root)/written"
        try FileManager.default.createDirectory(atPath: "\(written)/sub", withIntermediateDirectories: true)
        try Data(repeating: 7, count: 300_000).write(to: URL(fileURLWithPath: "\(written)/model.pt"))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: "\(written)/sub/meta.json"))
        let digest = try CheckpointArchive.digest(folder: written, syncing: true)
        let packed = try CheckpointArchive.pack(folder: written, into: "\(root)/a.ckpt")
        #expect(digest.size == packed.size && digest.sha256 == packed.sha256, "the digest is the archive's")
        let checkpoint = SharedCheckpoint(key: first, step: 2, size: digest.size, sha256: digest.sha256)
        try FileManager.default.createDirectory(atPath: "\(root)/trial-1", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: written, toPath: "\(root)/trial-1/\(checkpoint.folderName)")

        let store = CheckpointStore(sharedFolder: root)
        #expect(try store.verifyShared(checkpoint) == checkpoint.folderName)
        #expect(store.holds(TrialID(1), file: checkpoint.folderName, size: checkpoint.size))
        // A link planted beside the files: the digest leaves it out, but a trial would follow it.
        let link = "\(root)/trial-1/\(checkpoint.folderName)/sub/passwd"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/etc/passwd")
        #expect(throws: CheckpointStoreError.self) { try store.verifyShared(checkpoint) }
        #expect(CheckpointStore.checkSharedFolderError(root) == nil)
        do { _ = try store.verifyShared(checkpoint) } catch { #expect(error.description.contains("symbolic link")) }
        unlink(link)
        #expect(try store.verifyShared(checkpoint) == checkpoint.folderName)
        try Data("{ }".utf8).write(to: URL(fileURLWithPath: "\(root)/trial-1/\(checkpoint.folderName)/sub/meta.json"))
        #expect(throws: CheckpointStoreError.self) { try store.verifyShared(checkpoint) }
        // A restart keeps the named folder and attempts' folders, and drops the rest.
        try FileManager.default.createDirectory(
            atPath: "\(root)/trial-1/.attempt-2/out", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/trial-1/step-1-00", withIntermediateDirectories: true)
        store.sweep(keeping: [TrialID(1): checkpoint.folderName])
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(root)/trial-1").sorted()
        #expect(left == [".attempt-2", checkpoint.folderName])
        store.remove(TrialID(1), file: checkpoint.folderName)
        #expect(!store.holds(TrialID(1), file: checkpoint.folderName, size: checkpoint.size))

        #expect(
            CheckpointStore.checkSharedFolderError("\(root)/missing")?.contains("No such file or directory") == true)
        #expect(CheckpointStore.checkSharedFolderError("\(root)/a.ckpt")?.contains("not a folder") == true)
        #expect(CheckpointStore.checkSharedFolderError(root) == nil)
    }

    @Test("worker: a sealed checkpoint is announced, not sent; once stored its folder stays; refused, it goes")
    func workerAnnounces() {
        let identity = WorkerIdentity(name: "w", host: "h", pid: 9, slots: 1, software: "t", prefetch: 1)
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(
            .welcome(
                Welcome(
                    worker: WorkerID("w"), study: "s", heartbeatIntervalMilliseconds: 1000, liveness: 3,
                    sharedCheckpoints: "/mnt/ckpt")), now: 0)
        let assignment = Assignment(
            key: first, parameters: ["lr": .double(0.1)], spec: TrialSpec(program: .command(["python3", "t.py"])),
            objectiveMetric: "loss")
        _ = machine.received(.assign(assignment), now: 0)
        let folder = "/mnt/ckpt/trial-1/step-3-abababababababab"
        let sent = machine.checkpointPacked(first, step: 3, archive: folder, size: 5, sha256: sha, shared: true, now: 1)
        #expect(sent == [.send(.checkpointShared(SharedCheckpoint(key: first, step: 3, size: 5, sha256: sha)))])
        let done = machine.received(.checkpointAck(ChunkAck(key: first, step: 3, next: 1, done: true)), now: 2)
        #expect(!done.contains(.checkpoint(.discardArchive(folder))), "the coordinator's now")
        _ = machine.checkpointPacked(first, step: 4, archive: folder + "4", size: 5, sha256: sha, shared: true, now: 3)
        let refused = machine.received(.checkpointAck(ChunkAck(key: first, step: 4, next: 0, error: "no")), now: 4)
        #expect(refused.contains(.checkpoint(.discardArchive(folder + "4"))))
    }

    @Test("worker: resume_shared holds the assignment until the shell has checked the folder, then starts it resumed")
    func workerResumes() {
        let identity = WorkerIdentity(name: "w", host: "h", pid: 9, slots: 1, software: "t", prefetch: 1)
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(
            .welcome(
                Welcome(
                    worker: WorkerID("w"), study: "s", heartbeatIntervalMilliseconds: 1000, liveness: 3,
                    sharedCheckpoints: "/mnt/ckpt")), now: 0)
        let key = TrialKey(trial: TrialID(1), attempt: 2)
        let checkpoint = SharedCheckpoint(key: key, step: 4, size: 5, sha256: sha)
        #expect(machine.received(.resumeShared(checkpoint), now: 0) == [.checkpoint(.verifyShared(checkpoint))])
        let assignment = Assignment(
            key: key, parameters: ["lr": .double(0.1)], spec: TrialSpec(program: .command(["python3", "t.py"])),
            objectiveMetric: "loss")
        let held = machine.received(.assign(assignment), now: 0)
        #expect(!held.contains(.startTrial(assignment)) && !held.contains(.resumeTrial(assignment, step: 4)))
        #expect(machine.downloadFinished(key, error: nil, now: 1) == [.resumeTrial(assignment, step: 4)])
        // One that does not verify fails the attempt instead of starting it.
        var other = WorkerStateMachine(identity: identity)
        _ = other.start(now: 0)
        _ = other.received(
            .welcome(
                Welcome(
                    worker: WorkerID("w"), study: "s", heartbeatIntervalMilliseconds: 1000, liveness: 3,
                    sharedCheckpoints: "/mnt/ckpt")), now: 0)
        let third = TrialKey(trial: TrialID(2), attempt: 2)
        _ = other.received(.resumeShared(SharedCheckpoint(key: third, step: 1, size: 5, sha256: sha)), now: 2)
        _ = other.received(
            .assign(Assignment(key: third, parameters: [:], spec: assignment.spec, objectiveMetric: "loss")), now: 2)
        let failed = other.downloadFinished(third, error: "it reads as 4 bytes", now: 3)
        #expect(
            failed.contains {
                if case .send(.result(let r)) = $0 {
                    r.result.status == .failed && r.result.reason?.contains("4 bytes") == true
                } else {
                    false
                }
            })
    }

    @Test("wire: checkpoint_shared, resume_shared and a welcome's shared folder round-trip; hostile ones are dropped")
    func wire() throws {
        let checkpoint = SharedCheckpoint(key: first, step: 3, size: 5, sha256: sha)
        let up = try WireCodec.decodeWorkerMessage(WireCodec.encode(WorkerMessage.checkpointShared(checkpoint)))
        #expect(up == .checkpointShared(checkpoint))
        let down = try WireCodec.decodeCoordinatorMessage(WireCodec.encode(CoordinatorMessage.resumeShared(checkpoint)))
        #expect(down == .resumeShared(checkpoint))
        let welcome = Welcome(
            worker: WorkerID("w"), study: "s", heartbeatIntervalMilliseconds: 1000, liveness: 3,
            sharedCheckpoints: "/mnt/ckpt")
        #expect(
            try WireCodec.decodeCoordinatorMessage(WireCodec.encode(CoordinatorMessage.welcome(welcome)))
                == .welcome(welcome))
        var hostile = checkpoint
        hostile.sha256 = "../../etc"
        #expect(throws: WireError.self) {
            try WireCodec.decodeWorkerMessage(WireCodec.encode(WorkerMessage.checkpointShared(hostile)))
        }
        var relative = welcome
        relative.sharedCheckpoints = "ckpt"
        #expect(throws: WireError.self) {
            try WireCodec.decodeCoordinatorMessage(WireCodec.encode(CoordinatorMessage.welcome(relative)))
        }
    }
}
