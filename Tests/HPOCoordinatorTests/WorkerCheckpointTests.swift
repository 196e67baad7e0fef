import Foundation
import HPOCore
import HPOWire
import HPOWorker
import Testing

/// The worker's state machine with checkpoints: uploads and the results they hold back, resumes
/// that hold their slot until the checkpoint is in, and preemption (drain, grace, kill, leave).
@Suite struct WorkerCheckpointTests {
    let identity = WorkerIdentity(name: "w", host: "h", pid: 9, slots: 1, software: "t", prefetch: 1)
    let welcome = Welcome(worker: WorkerID("w"), study: "s", heartbeatIntervalMilliseconds: 1000, liveness: 3)

    func assignment(_ trial: Int, attempt: Int = 1) -> Assignment {
        Assignment(
            key: TrialKey(trial: TrialID(trial), attempt: attempt), parameters: ["lr": .double(0.1)],
            spec: TrialSpec(program: .command(["python3", "train.py"])), objectiveMetric: "loss")
    }

    func registered() -> WorkerStateMachine {
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(.welcome(welcome), now: 0)
        return machine
    }

    func sentChunks(_ actions: [WorkerAction]) -> [CheckpointChunk] {
        actions.compactMap { if case .checkpoint(.sendChunk(let chunk, _)) = $0 { chunk } else { nil } }
    }

    func results(_ actions: [WorkerAction]) -> [ResultMessage] {
        actions.compactMap { if case .send(.result(let r)) = $0 { r } else { nil } }
    }

    @Test(
        "a packed checkpoint goes up a window at a time; a result that did not complete waits until the upload is done")
    func uploadHoldsFailedResult() {
        var machine = registered()
        let key = assignment(1).key
        _ = machine.received(.assign(assignment(1)), now: 0)
        let size = 6 * WireLimits.maxChunkBytes
        let start = machine.checkpointPacked(
            key, step: 9, archive: "/a/up-1.ckpt", size: size, sha256: String(repeating: "c", count: 64), now: 1)
        #expect(sentChunks(start).map(\.index) == [0, 1, 2, 3])
        // A newer checkpoint while this one is going up waits (and replaces any older waiting one).
        #expect(
            machine.checkpointPacked(
                key, step: 10, archive: "/a/up-2.ckpt", size: 10, sha256: String(repeating: "d", count: 64), now: 1
            ).isEmpty)
        let failed = TrialResult(status: .failed, metrics: [:], reason: "exit code 1", durationSeconds: 2)
        #expect(results(machine.trialFinished(key, failed, now: 2)).isEmpty, "held while its checkpoint goes up")
        let more = machine.received(.checkpointAck(ChunkAck(key: key, step: 9, next: 2)), now: 2)
        #expect(sentChunks(more).map(\.index) == [4, 5])
        let done = machine.received(.checkpointAck(ChunkAck(key: key, step: 9, next: 6, done: true)), now: 3)
        #expect(done.contains(.checkpoint(.discardArchive("/a/up-1.ckpt"))))
        #expect(sentChunks(done).map(\.step) == [10], "the newer checkpoint goes next")
        #expect(results(done).isEmpty)
        let last = machine.received(.checkpointAck(ChunkAck(key: key, step: 10, next: 1, done: true)), now: 4)
        #expect(results(last).map(\.result.status) == [.failed], "the result goes once the last checkpoint is up")
        #expect(machine.unacknowledged[key] != nil)
    }

    @Test("a refused upload is given up with a warning, and releases what it held")
    func refusedUpload() {
        var machine = registered()
        let key = assignment(1).key
        _ = machine.received(.assign(assignment(1)), now: 0)
        _ = machine.checkpointPacked(
            key, step: 1, archive: "/a/x", size: 10, sha256: String(repeating: "c", count: 64), now: 1)
        _ = machine.trialFinished(key, TrialResult(status: .failed, metrics: [:], durationSeconds: 1), now: 1)
        let refused = machine.received(.checkpointAck(ChunkAck(key: key, step: 1, next: 0, error: "too large")), now: 2)
        #expect(
            refused.contains {
                if case .checkpoint(.warning(let text)) = $0 { text.contains("too large") } else { false }
            })
        #expect(results(refused).count == 1)
    }

    @Test(
        """
        a resume: chunks before the assign, the assignment holds its slot until the checkpoint is unpacked, then \
        starts resumed
        """
    )
    func resumeHoldsSlot() throws {
        var machine = registered()
        let key = assignment(2, attempt: 2).key
        let bytes = Array(repeating: UInt8(5), count: WireLimits.maxChunkBytes + 1)
        let sha = SHA256.hex(of: bytes)
        let chunks = [
            CheckpointChunk(
                key: key, step: 4, index: 0, count: 2, size: bytes.count, sha256: sha,
                data: Data(bytes[0..<WireLimits.maxChunkBytes])),
            CheckpointChunk(
                key: key, step: 4, index: 1, count: 2, size: bytes.count, sha256: sha,
                data: Data(bytes[WireLimits.maxChunkBytes...]))
        ]
        let first = machine.received(.resumeChunk(chunks[0]), now: 1)
        #expect(first.contains(.checkpoint(.beginDownload(key))))
        #expect(first.contains(.send(.resumeAck(ChunkAck(key: key, step: 4, next: 1)))))
        #expect(machine.received(.assign(assignment(2, attempt: 2)), now: 1) == [.awaitCheckpoint(key)])
        #expect(machine.received(.assign(assignment(3)), now: 1).isEmpty, "the slot is taken; the next one queues")
        let last = machine.received(.resumeChunk(chunks[1]), now: 2)
        #expect(last.contains(.checkpoint(.finishDownload(key))))
        #expect(last.contains(.send(.resumeAck(ChunkAck(key: key, step: 4, next: 2, done: true)))))
        #expect(machine.downloadFinished(key, error: nil, now: 2) == [.resumeTrial(assignment(2, attempt: 2), step: 4)])
    }

    @Test("a checkpoint that cannot be had fails its attempt with the reason, and a corrupt one is never used")
    func corruptResume() {
        var machine = registered()
        let key = assignment(2, attempt: 2).key
        let chunk = CheckpointChunk(
            key: key, step: 4, index: 0, count: 1, size: 3, sha256: String(repeating: "0", count: 64),
            data: Data([1, 2, 3]))
        _ = machine.received(.assign(assignment(2, attempt: 2)), now: 0)  // started plain: no chunk came first
        let dropped = machine.received(.resumeChunk(chunk), now: 1)
        #expect(
            dropped.count == 1 && dropped.allSatisfy { if case .checkpoint(.warning) = $0 { true } else { false } },
            "no resume into a trial already running (dropped and logged)")

        var other = registered()
        let corrupt = other.received(.resumeChunk(chunk), now: 1)
        #expect(corrupt.contains(.checkpoint(.discardDownload(key))))
        #expect(
            corrupt.contains {
                if case .send(.resumeAck(let ack)) = $0 { ack.error?.contains("checksum") == true } else { false }
            })
        #expect(other.received(.assign(assignment(2, attempt: 2)), now: 2) == [.awaitCheckpoint(key)])
        let started = other.tick(now: 2.1)
        guard let result = results(started).first else {
            Issue.record("expected a failed result, got \(started)")
            return
        }
        #expect(
            result.result.status == .failed
                && result.result.reason?.contains("could not receive the checkpoint") == true)
    }

    @Test(
        """
        preemption: drain, queued assignments back at once, SIGTERM with the grace to running trials; they come \
        back preempted after their last checkpoint; then bye
        """
    )
    func preemption() {
        var machine = registered()
        let running = assignment(1).key
        _ = machine.received(.assign(assignment(1)), now: 0)
        _ = machine.received(.assign(assignment(2)), now: 0)  // queued (prefetch 1)
        let actions = machine.preempt(reason: "SIGTERM", graceSeconds: 30, now: 1)
        #expect(actions.first == .send(.drain(DrainMessage(reason: "SIGTERM"))))
        #expect(results(actions).map(\.key.trial) == [TrialID(2)])
        #expect(results(actions).first?.result.status == .preempted)
        #expect(actions.contains(.preemptTrial(running, reason: "preempted: SIGTERM", graceSeconds: 30)))
        // An assignment that crossed the drain goes straight back.
        #expect(results(machine.received(.assign(assignment(3)), now: 1)).first?.result.status == .preempted)
        // The trial writes its last checkpoint and exits (as cancelled: failed); it comes back preempted, after the
        // upload.
        _ = machine.checkpointPacked(
            running, step: 12, archive: "/a/up", size: 10, sha256: String(repeating: "e", count: 64), now: 2)
        #expect(
            results(
                machine.trialFinished(
                    running, TrialResult(status: .failed, metrics: [:], reason: "cancelled", durationSeconds: 2), now: 2
                )
            ).isEmpty)
        let uploaded = machine.received(.checkpointAck(ChunkAck(key: running, step: 12, next: 1, done: true)), now: 3)
        #expect(results(uploaded).map(\.result.status) == [.preempted])
        #expect(results(uploaded).first?.result.reason == "preempted: SIGTERM")
        #expect(!machine.tick(now: 3.1).contains { if case .exit = $0 { true } else { false } }, "waits for the acks")
        for trial in [1, 2, 3] { _ = machine.received(.ack(TrialKey(trial: TrialID(trial), attempt: 1)), now: 3.2) }
        let leaving = machine.tick(now: 3.3)
        #expect(leaving.contains(.send(.bye(reason: "SIGTERM"))))
        #expect(leaving.contains(.exit(reason: "SIGTERM", error: false)))
    }

    @Test(
        """
        an assignment held for its checkpoint holds its GPU, gives it to the resumed trial, and gives it back \
        when handed back on preemption
        """
    )
    func resumeHoldsGPU() {
        var identity = WorkerIdentity(name: "w", host: "h", pid: 9, slots: 1, software: "t", prefetch: 1)
        identity.gpus = [GPUDevice(id: "0")]
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        _ = machine.received(.welcome(welcome), now: 0)
        var spec = TrialSpec(program: .command(["train"]))
        spec.resources = ResourceRequest(gpus: 1)
        let held = Assignment(
            key: TrialKey(trial: TrialID(1), attempt: 2), parameters: [:], spec: spec, objectiveMetric: "loss")
        let chunk = CheckpointChunk(
            key: held.key, step: 4, index: 0, count: 1, size: 3, sha256: SHA256.hex(of: [1, 2, 3]),
            data: Data([1, 2, 3]))
        _ = machine.received(.resumeChunk(chunk), now: 1)
        #expect(machine.received(.assign(held), now: 1) == [.awaitCheckpoint(held.key)])
        #expect(machine.gpus.held[held.key] != nil, "the GPU is the waiting attempt's")
        #expect(machine.gpus.environment(for: held.key)["CUDA_VISIBLE_DEVICES"] == "0")
        _ = machine.preempt(reason: "SIGTERM", graceSeconds: 30, now: 2)
        #expect(machine.gpus.held.isEmpty, "handed back, its GPU is free again")
        #expect(machine.running.isEmpty)
    }

    @Test(
        """
        preemption before the welcome arrives: drain, then bye, so assignments already on their way come back as \
        preempted
        """
    )
    func preemptionUnwelcomed() {
        var machine = WorkerStateMachine(identity: identity)
        _ = machine.start(now: 0)
        let actions = machine.preempt(reason: "SIGTERM", graceSeconds: 30, now: 0.5)
        #expect(actions.first == .send(.drain(DrainMessage(reason: "SIGTERM"))))
        #expect(actions.contains(.send(.bye(reason: "SIGTERM"))))
        #expect(actions.last == .exit(reason: "SIGTERM", error: false))
        #expect(machine.preempt(reason: "SIGTERM", graceSeconds: 30, now: 0.6).isEmpty)
    }

    @Test("preemption: a second signal kills at once and sends what is held; the grace running out does the same")
    func preemptionKilled() {
        var machine = registered()
        let key = assignment(1).key
        _ = machine.received(.assign(assignment(1)), now: 0)
        _ = machine.preempt(reason: "SIGTERM", graceSeconds: 30, now: 1)
        _ = machine.checkpointPacked(
            key, step: 3, archive: "/a/up", size: 10, sha256: String(repeating: "e", count: 64), now: 2)
        let killed = machine.killNow(now: 2)
        #expect(killed.contains(.killTrial(key, reason: "preempted: SIGTERM (killed)")))
        #expect(killed.contains(.checkpoint(.discardArchive("/a/up"))), "an upload not durable yet is abandoned")
        #expect(
            results(
                machine.trialFinished(key, TrialResult(status: .failed, metrics: [:], durationSeconds: 2), now: 2.1)
            ).map(\.result.status) == [.preempted])
        // Unacknowledged: the worker leaves after a few seconds anyway.
        #expect(machine.tick(now: 8).contains(.exit(reason: "SIGTERM", error: false)))

        var slow = registered()
        _ = slow.received(.assign(assignment(1)), now: 0)
        _ = slow.preempt(reason: "SIGTERM", graceSeconds: 5, now: 0)
        #expect(!slow.tick(now: 14).contains { if case .killTrial = $0 { true } else { false } })
        #expect(
            slow.tick(now: 15.1).contains(.killTrial(key, reason: "preempted: SIGTERM (killed)")),
            "grace plus the upload margin")
    }
}
