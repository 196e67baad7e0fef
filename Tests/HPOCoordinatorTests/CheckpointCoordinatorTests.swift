import Foundation
import HPOCoordinator
import HPOCore
import HPOJournal
import HPOSearch
import HPOWire
import Testing

/// The coordinator's state machine with checkpoints: uploads, hostile chunks, resumes, preemption,
/// restore, clean-up. Events and `now` in, actions out; the store is not involved (its actions
/// are checked as data, and a commit is confirmed by hand as the shell would).
struct CheckpointHarness {
    var machine: CoordinatorStateMachine
    var journal: [JournalEvent] = []
    var now = 0.0
    static let a = PeerID([1])
    static let b = PeerID([2])

    init(
        budget: Int = 1, retries: Int = 0, limit: Int = 1 << 30, retention: CheckpointRetention = .best,
        pruner: PrunerConfig? = nil
    ) {
        let space = SearchSpace([
            ParameterSpec(name: "lr", domain: .float(low: 0.01, high: 0.1, log: false), gridSteps: 3)
        ])
        let config = StudyConfig(
            name: "ckpt", objective: Objective(metric: "loss", direction: .minimize), budget: Budget(trials: budget),
            strategy: StrategyConfig(kind: .random), seed: 1, space: space,
            trial: TrialSpec(program: .command(["python3", "train.py"]), retries: retries), pruner: pruner)
        machine = CoordinatorStateMachine(config: config, software: "t", host: "h")
        machine.checkpointSettings.maxBytes = limit
        machine.checkpointSettings.retention = retention
        journal += machine.start(now: 0).journal
    }

    init(restoring records: [JournalRecord], config: StudyConfig) throws {
        let restored = try StudyReplay.restore(records, path: "log", config: config)
        machine = CoordinatorStateMachine(
            restoring: restored, search: makeSearchStrategy(for: config, alreadyProposed: restored.trials.count),
            software: "t", host: "h")
        machine.checkpointSettings.maxBytes = 1 << 30
        journal += machine.start(now: 0).journal
    }

    @discardableResult
    mutating func send(_ message: WorkerMessage, from peer: PeerID) -> CoordinatorActions {
        let actions = machine.received(message, from: peer, now: now)
        journal += actions.journal
        return actions
    }

    mutating func hello(_ peer: PeerID, name: String) -> CoordinatorActions {
        send(.hello(Hello(name: name, host: "h", pid: 1, slots: 1, software: "t")), from: peer)
    }

    /// The shell's part of a commit: the upload is durable under `file`.
    mutating func committed(_ key: TrialKey, file: String) -> CoordinatorActions {
        let actions = machine.checkpointCommitted(key, file: file, now: now)
        journal += actions.journal
        return actions
    }

    func events(_ name: String) -> [JournalEvent] { journal.filter { $0.name == name } }

    static func chunks(_ key: TrialKey, step: Int, bytes: [UInt8]) -> [CheckpointChunk] {
        let sha = SHA256.hex(of: bytes)
        let count = CheckpointChunk.chunkCount(size: bytes.count)
        return (0..<count).map { index in
            let start = index * WireLimits.maxChunkBytes
            let end = min(start + WireLimits.maxChunkBytes, bytes.count)
            return CheckpointChunk(
                key: key, step: step, index: index, count: count, size: bytes.count, sha256: sha,
                data: Data(bytes[start..<end]))
        }
    }

    /// Uploads a whole checkpoint and confirms its commit; returns the actions of the commit.
    mutating func upload(_ key: TrialKey, step: Int, from peer: PeerID, size: Int = 10) -> CoordinatorActions {
        for chunk in Self.chunks(key, step: step, bytes: (0..<size).map { UInt8(($0 + step) % 256) }) {
            _ = send(.checkpointChunk(chunk), from: peer)
        }
        let sha = Self.chunks(key, step: step, bytes: (0..<size).map { UInt8(($0 + step) % 256) })[0].sha256
        return committed(key, file: CheckpointStore.fileName(step: step, sha256: sha))
    }
}

extension CoordinatorActions {
    var acks: [ChunkAck] { messages.compactMap { if case .checkpointAck(let a) = $0.message { a } else { nil } } }
    var assigned: [Assignment] { messages.compactMap { if case .assign(let a) = $0.message { a } else { nil } } }
}

@Suite struct CheckpointCoordinatorTests {
    let first = TrialKey(trial: TrialID(1), attempt: 1)

    @Test(
        """
        an upload in order: begin, appends, commit; trial_checkpoint only once the shell confirms the commit, \
        then the ack
        """
    )
    func uploadInOrder() throws {
        var h = CheckpointHarness()
        _ = h.hello(CheckpointHarness.a, name: "a")
        let parts = CheckpointHarness.chunks(
            first, step: 5, bytes: Array(repeating: 7, count: WireLimits.maxChunkBytes + 3))
        let one = h.send(.checkpointChunk(parts[0]), from: CheckpointHarness.a)
        #expect(one.storage == [.begin(first), .append(first, parts[0].data)])
        #expect(one.acks == [ChunkAck(key: first, step: 5, next: 1)])
        let two = h.send(.checkpointChunk(parts[1]), from: CheckpointHarness.a)
        #expect(
            two.storage == [
                .append(first, parts[1].data), .commit(first, step: 5, size: parts[0].size, sha256: parts[0].sha256)
            ])
        #expect(
            two.journal.isEmpty && two.acks.isEmpty, "nothing journaled or acknowledged before the commit is confirmed")
        let done = h.committed(first, file: "step-5-x.ckpt")
        guard case .trialCheckpoint(let event)? = done.journal.first else {
            Issue.record("no trial_checkpoint: \(done.journal)")
            return
        }
        #expect(
            event.step == 5 && event.size == parts[0].size && event.sha256 == parts[0].sha256
                && event.file == "step-5-x.ckpt")
        #expect(done.acks.first?.done == true)
        #expect(h.machine.storedCheckpoint(of: TrialID(1))?.step == 5)

        // A later checkpoint replaces it; the old archive is removed (after the journal, by the shell).
        let later = h.upload(first, step: 6, from: CheckpointHarness.a)
        #expect(later.storage == [.remove(TrialID(1), file: "step-5-x.ckpt")])
        #expect(h.machine.storedCheckpoint(of: TrialID(1))?.step == 6)
    }

    @Test(
        """
        hostile chunks are dropped with a reason and a warning, never stored: unknown trial, another worker's \
        attempt, past the size limit, a wrong checksum
        """
    )
    func hostileChunks() throws {
        var h = CheckpointHarness(limit: 100)
        _ = h.hello(CheckpointHarness.a, name: "a")
        _ = h.hello(CheckpointHarness.b, name: "b")
        let unknown = CheckpointHarness.chunks(TrialKey(trial: TrialID(9), attempt: 1), step: 1, bytes: [1, 2, 3])[0]
        let r1 = h.send(.checkpointChunk(unknown), from: CheckpointHarness.a)
        #expect(
            r1.storage.isEmpty && r1.acks.first?.error?.contains("not running on this worker") == true
                && !r1.warnings.isEmpty)
        // Trial 1 runs on a; b may not upload for it.
        let foreign = h.send(
            .checkpointChunk(CheckpointHarness.chunks(first, step: 1, bytes: [1])[0]), from: CheckpointHarness.b)
        #expect(foreign.storage.isEmpty && foreign.acks.first?.error != nil)
        let big = h.send(
            .checkpointChunk(CheckpointHarness.chunks(first, step: 1, bytes: Array(repeating: 0, count: 101))[0]),
            from: CheckpointHarness.a)
        #expect(big.storage.isEmpty && big.acks.first?.error?.contains("--max-checkpoint-size") == true)
        var wrong = CheckpointHarness.chunks(first, step: 1, bytes: [1, 2, 3])[0]
        wrong.sha256 = String(repeating: "a", count: 64)
        let bad = h.send(.checkpointChunk(wrong), from: CheckpointHarness.a)
        #expect(bad.storage == [.begin(first), .abort(first)], "begun, then voided: no commit")
        #expect(bad.acks.first?.error?.contains("checksum mismatch") == true)
        #expect(h.events("trial_checkpoint").isEmpty)
        #expect(h.machine.storedCheckpoint(of: TrialID(1)) == nil)
    }

    @Test("a chunk past a gap asks for a resend; a duplicate is acknowledged again; nothing is written twice")
    func gapsAndDuplicates() {
        var h = CheckpointHarness()
        _ = h.hello(CheckpointHarness.a, name: "a")
        let parts = CheckpointHarness.chunks(
            first, step: 2, bytes: Array(repeating: 1, count: 3 * WireLimits.maxChunkBytes))
        _ = h.send(.checkpointChunk(parts[0]), from: CheckpointHarness.a)
        let gap = h.send(.checkpointChunk(parts[2]), from: CheckpointHarness.a)
        #expect(gap.storage.isEmpty && gap.acks == [ChunkAck(key: first, step: 2, next: 1, resend: true)])
        let duplicate = h.send(.checkpointChunk(parts[0]), from: CheckpointHarness.a)
        #expect(duplicate.storage.isEmpty && duplicate.acks == [ChunkAck(key: first, step: 2, next: 1)])
        // A chunk in the middle with no transfer in progress (this coordinator restarted): start over.
        var restarted = CheckpointHarness()
        _ = restarted.hello(CheckpointHarness.a, name: "a")
        let orphan = restarted.send(.checkpointChunk(parts[1]), from: CheckpointHarness.a)
        #expect(orphan.storage.isEmpty && orphan.acks == [ChunkAck(key: first, step: 2, next: 0, resend: true)])
    }

    @Test(
        """
        after a reconnect (a new connection of the same worker) an upload starts over from chunk 0 instead of \
        asking for it for ever
        """
    )
    func uploadAfterReconnect() {
        var h = CheckpointHarness()
        _ = h.hello(CheckpointHarness.a, name: "a")
        let parts = CheckpointHarness.chunks(
            first, step: 2, bytes: Array(repeating: 1, count: 2 * WireLimits.maxChunkBytes))
        _ = h.send(.checkpointChunk(parts[0]), from: CheckpointHarness.a)
        // The same worker on a new connection, still holding the attempt.
        h.now = 10
        _ = h.send(
            .hello(Hello(name: "a", host: "h", pid: 1, slots: 1, software: "t", running: [first])),
            from: CheckpointHarness.b)
        let again = h.send(.checkpointChunk(parts[0]), from: CheckpointHarness.b)
        #expect(again.storage == [.begin(first), .append(first, parts[0].data)])
        #expect(again.acks == [ChunkAck(key: first, step: 2, next: 1)])
    }

    @Test("the next attempt resumes: trial_resumed, and its first chunks go out before the assign; acks bring the rest")
    func resumeOnRetry() throws {
        var h = CheckpointHarness()
        _ = h.hello(CheckpointHarness.a, name: "a")
        _ = h.upload(first, step: 4, from: CheckpointHarness.a, size: 5 * WireLimits.maxChunkBytes)
        // The worker is lost; b takes the trial over as attempt 2.
        h.now = 100
        _ = h.machine.tick(now: h.now)
        let joined = h.hello(CheckpointHarness.b, name: "b")
        let second = TrialKey(trial: TrialID(1), attempt: 2)
        let kinds = joined.messages.map { message -> String in
            switch message.message {
            case .resumeChunk(let chunk): "chunk \(chunk.index)"
            case .assign: "assign"
            default: "other"
            }
        }
        #expect(Array(kinds.filter { $0 != "other" }) == ["chunk 0", "chunk 1", "chunk 2", "chunk 3", "assign"])
        guard case .trialResumed(let resumed)? = joined.journal.first(where: { $0.name == "trial_resumed" }) else {
            Issue.record("no trial_resumed")
            return
        }
        #expect(resumed.attempt == 2 && resumed.step == 4)
        let more = h.send(.resumeAck(ChunkAck(key: second, step: 4, next: 1)), from: CheckpointHarness.b)
        let indices = more.messages.compactMap { if case .resumeChunk(let c) = $0.message { c.index } else { nil } }
        #expect(indices == [4])
        // An ack from a peer that does not hold the attempt moves nothing.
        let stray = h.send(.resumeAck(ChunkAck(key: second, step: 4, next: 5)), from: CheckpointHarness.a)
        #expect(!stray.messages.contains { if case .resumeChunk = $0.message { true } else { false } })
    }

    @Test(
        """
        a preempted attempt is queued again without counting against retries: with retries 0 a later failure \
        still ends it
        """
    )
    func preemptionIsNotARetry() throws {
        var h = CheckpointHarness(retries: 0)
        _ = h.hello(CheckpointHarness.a, name: "a")
        _ = h.upload(first, step: 3, from: CheckpointHarness.a)
        let drained = h.send(.drain(DrainMessage(reason: "SIGTERM")), from: CheckpointHarness.a)
        #expect(drained.messages.isEmpty)
        let handed = h.send(
            .result(
                ResultMessage(
                    key: first,
                    result: TrialResult(
                        status: .preempted, metrics: [:], reason: "preempted: SIGTERM", durationSeconds: 1))),
            from: CheckpointHarness.a)
        #expect(handed.assigned.isEmpty, "a draining worker gets nothing more")
        guard case .trialPreempted(let event)? = handed.journal.first else {
            Issue.record("no trial_preempted: \(handed.journal)")
            return
        }
        #expect(event.checkpointStep == 3)
        let joined = h.hello(CheckpointHarness.b, name: "b")
        let second = try #require(joined.assigned.first)
        #expect(second.key == TrialKey(trial: TrialID(1), attempt: 2))
        // Its first failure: with retries 0 it ends the trial (the preemption did not count, and
        // does not make room for more either).
        let failed = h.send(
            .result(
                ResultMessage(
                    key: second.key,
                    result: TrialResult(status: .failed, metrics: [:], reason: "exit code 1", durationSeconds: 1))),
            from: CheckpointHarness.b)
        guard case .trialFailed(let failure)? = failed.journal.first(where: { $0.name == "trial_failed" }) else {
            Issue.record("no trial_failed")
            return
        }
        #expect(failure.willRetry == false, "retries 0: the first real failure ends the trial")
        #expect(failed.storage.contains(.removeTrial(TrialID(1))), "its checkpoints go with it")

        var lenient = CheckpointHarness(retries: 1)
        _ = lenient.hello(CheckpointHarness.a, name: "a")
        _ = lenient.send(.drain(DrainMessage(reason: "SIGTERM")), from: CheckpointHarness.a)
        _ = lenient.send(
            .result(
                ResultMessage(key: first, result: TrialResult(status: .preempted, metrics: [:], durationSeconds: 1))),
            from: CheckpointHarness.a)
        let again = try #require(lenient.hello(CheckpointHarness.b, name: "b").assigned.first)
        let failedOnce = lenient.send(
            .result(
                ResultMessage(
                    key: again.key, result: TrialResult(status: .failed, metrics: [:], reason: "x", durationSeconds: 1))
            ),
            from: CheckpointHarness.b)
        guard case .trialFailed(let retried)? = failedOnce.journal.first(where: { $0.name == "trial_failed" }) else {
            Issue.record("no trial_failed")
            return
        }
        #expect(retried.willRetry, "retries 1: attempt 2 is its first failure, so one retry is left")
    }

    @Test("a draining worker that says bye while it still holds attempts hands them back as preempted, not abandoned")
    func byeAfterDrain() throws {
        var h = CheckpointHarness(retries: 0)
        _ = h.hello(CheckpointHarness.a, name: "a")
        _ = h.send(.drain(DrainMessage(reason: "SIGTERM")), from: CheckpointHarness.a)
        let bye = h.send(.bye(reason: "SIGTERM"), from: CheckpointHarness.a)
        #expect(bye.journal.map(\.name) == ["trial_preempted", "worker_left"])
        guard case .workerLeft(let left)? = bye.journal.last else { return }
        #expect(left.abandoned.isEmpty)
        // Without a drain, a bye abandons as before.
        var plain = CheckpointHarness()
        _ = plain.hello(CheckpointHarness.a, name: "a")
        let abandoned = plain.send(.bye(reason: "x"), from: CheckpointHarness.a)
        #expect(abandoned.journal.map(\.name) == ["worker_left"])
    }

    @Test("a restart restores the last checkpoint and the preemptions from the log, and resumes from it")
    func restore() throws {
        var h = CheckpointHarness(retries: 0)
        _ = h.hello(CheckpointHarness.a, name: "a")
        _ = h.upload(first, step: 3, from: CheckpointHarness.a)
        _ = h.upload(first, step: 8, from: CheckpointHarness.a)
        _ = h.send(.drain(DrainMessage(reason: "SIGTERM")), from: CheckpointHarness.a)
        _ = h.send(
            .result(
                ResultMessage(key: first, result: TrialResult(status: .preempted, metrics: [:], durationSeconds: 1))),
            from: CheckpointHarness.a)
        let records = h.journal.map { JournalRecord(event: $0, time: 0) }
        var restored = try CheckpointHarness(restoring: records, config: h.machine.config)
        #expect(restored.machine.storedCheckpoint(of: TrialID(1))?.step == 8)
        let joined = restored.hello(CheckpointHarness.b, name: "b")
        guard case .trialResumed(let resumed)? = joined.journal.first(where: { $0.name == "trial_resumed" }) else {
            Issue.record("no trial_resumed after the restart")
            return
        }
        #expect(resumed.step == 8 && resumed.attempt == 2)
        let failed = restored.send(
            .result(
                ResultMessage(
                    key: TrialKey(trial: resumed.trial, attempt: resumed.attempt),
                    result: TrialResult(status: .failed, metrics: [:], reason: "x", durationSeconds: 1))),
            from: CheckpointHarness.b)
        #expect(failed.journal.contains { if case .trialFailed(let e) = $0 { !e.willRetry } else { false } })
    }

    @Test("keep best: a completed trial keeps its checkpoint only while it is the best; keep none: it goes at once")
    func retention() throws {
        var h = CheckpointHarness(budget: 2)
        _ = h.hello(CheckpointHarness.a, name: "a")
        let firstAssigned = first
        _ = h.upload(firstAssigned, step: 1, from: CheckpointHarness.a)
        let done1 = h.send(
            .result(
                ResultMessage(
                    key: firstAssigned,
                    result: TrialResult(status: .completed, metrics: ["loss": 0.5], durationSeconds: 1))),
            from: CheckpointHarness.a)
        #expect(!done1.storage.contains(.removeTrial(TrialID(1))), "the best so far keeps its checkpoint")
        let secondKey = TrialKey(trial: TrialID(2), attempt: 1)
        _ = h.upload(secondKey, step: 1, from: CheckpointHarness.a)
        let done2 = h.send(
            .result(
                ResultMessage(
                    key: secondKey, result: TrialResult(status: .completed, metrics: ["loss": 0.1], durationSeconds: 1))
            ),
            from: CheckpointHarness.a)
        #expect(done2.storage.contains(.removeTrial(TrialID(1))), "no longer the best")
        #expect(!done2.storage.contains(.removeTrial(TrialID(2))))

        var none = CheckpointHarness(retention: .none)
        _ = none.hello(CheckpointHarness.a, name: "a")
        _ = none.upload(first, step: 1, from: CheckpointHarness.a)
        let done = none.send(
            .result(
                ResultMessage(
                    key: first, result: TrialResult(status: .completed, metrics: ["loss": 0.5], durationSeconds: 1))),
            from: CheckpointHarness.a)
        #expect(done.storage.contains(.removeTrial(TrialID(1))))
    }
}
