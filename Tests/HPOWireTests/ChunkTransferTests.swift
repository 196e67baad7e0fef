import Foundation
import HPOCore
import HPOWire
import Testing

/// The pieces of a checkpoint transfer: the checksum, the receiving and sending ends, the bounds,
/// the codec.
@Suite struct ChunkTransferTests {
    let key = TrialKey(trial: TrialID(3), attempt: 2)

    /// The chunks of `bytes` as a sender makes them.
    func chunks(of bytes: [UInt8], step: Int = 7) -> [CheckpointChunk] {
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

    func bytes(_ count: Int) -> [UInt8] { (0..<count).map { UInt8($0 % 251) } }

    @Test("SHA-256 matches known digests, fed at once or in uneven pieces")
    func sha256() {
        #expect(SHA256.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let data = bytes(100_000)
        let expected = "cd2df694e424bc7968cc37f47751019e5ca0cd1bdf2e479ea537c3a1c32ee1aa"
        #expect(SHA256.hex(of: data) == expected)
        var hasher = SHA256()
        var offset = 0
        for piece in [1, 63, 64, 65, 1000, 7] + Array(repeating: 9_000, count: 11) {
            let end = min(offset + piece, data.count)
            hasher.update(data[offset..<end])
            offset = end
        }
        hasher.update(data[offset...])
        #expect(hasher.finalizeHex() == expected)
    }

    @Test(
        """
        an archive arrives in order: every chunk but the last is appended, the last completes it after size and \
        checksum are checked
        """
    )
    func assemblesInOrder() throws {
        let data = bytes(2 * WireLimits.maxChunkBytes + 100)
        let parts = chunks(of: data)
        #expect(parts.count == 3)
        var assembly = try #require(ChunkAssembly(first: parts[0]))
        var received = Data()
        for (index, part) in parts.enumerated() {
            switch assembly.accept(part) {
            case .append(let bytes) where index < 2: received += bytes
            case .complete(let bytes) where index == 2: received += bytes
            case let other: Issue.record("chunk \(index): \(other)")
            }
        }
        #expect(received == Data(data))
        #expect(assembly.next == 3)
    }

    @Test("a duplicate is ignored, a gap asks for a resend, and the transfer still completes")
    func duplicatesAndGaps() throws {
        let parts = chunks(of: bytes(3 * WireLimits.maxChunkBytes))
        var assembly = try #require(ChunkAssembly(first: parts[0]))
        #expect(assembly.accept(parts[0]) == .append(parts[0].data))
        #expect(assembly.accept(parts[0]) == .duplicate)
        #expect(assembly.accept(parts[2]) == .outOfOrder)
        let ack = assembly.ack(for: .outOfOrder)
        #expect(ack.next == 1 && ack.resend == true)
        #expect(assembly.accept(parts[1]) == .append(parts[1].data))
        guard case .complete = assembly.accept(parts[2]) else {
            Issue.record("not completed")
            return
        }
    }

    @Test("a wrong checksum, or a chunk of another transfer, voids it")
    func rejects() throws {
        var parts = chunks(of: bytes(100))
        parts[0].sha256 = String(repeating: "0", count: 64)
        var assembly = try #require(ChunkAssembly(first: parts[0]))
        guard case .rejected(let reason) = assembly.accept(parts[0]) else {
            Issue.record("accepted")
            return
        }
        #expect(reason.contains("checksum mismatch"))

        let two = chunks(of: bytes(WireLimits.maxChunkBytes + 1))
        var other = try #require(ChunkAssembly(first: two[0]))
        var foreign = two[1]
        foreign.step = 8
        guard case .rejected = other.accept(foreign) else {
            Issue.record("a chunk of step 8 joined step 7")
            return
        }
        #expect(ChunkAssembly(first: two[1]) == nil, "a transfer begins with chunk 0")
    }

    @Test("the sender keeps at most a window in flight, moves on with acks, goes back on a resend or after silence")
    func window() {
        var window = ChunkWindow(count: 10, window: 4, resendAfterSeconds: 5, now: 0)
        #expect(window.due(now: 0) == 0..<4)
        #expect(window.due(now: 1).isEmpty, "nothing more until an ack")
        window.acknowledged(next: 1, resend: false, now: 1)
        #expect(window.due(now: 1) == 4..<5)
        window.acknowledged(next: 2, resend: true, now: 2)  // chunk 2 was lost
        #expect(window.due(now: 2) == 2..<6)
        #expect(window.due(now: 6.9).isEmpty)
        #expect(window.due(now: 7) == 2..<6, "silence: send again from the last ack")
        window.acknowledged(next: 10, resend: false, now: 8)
        #expect(window.isComplete)
        #expect(window.due(now: 9).isEmpty)
    }

    @Test("chunks out of bounds are dropped by the codec: size, count, index, length of data, checksum format")
    func bounds() {
        let good = chunks(of: bytes(WireLimits.maxChunkBytes + 10))
        #expect(WireBounds.violation(in: good[0]) == nil)
        #expect(WireBounds.violation(in: good[1]) == nil)
        var huge = good[0]
        huge.size = WireLimits.maxCheckpointBytes + 1
        #expect(WireBounds.violation(in: huge)?.contains("is not in 0...") == true)
        var count = good[0]
        count.count = 1
        #expect(WireBounds.violation(in: count)?.contains("does not match") == true)
        var index = good[1]
        index.index = 2
        #expect(WireBounds.violation(in: index) != nil)
        var short = good[0]
        short.data = Data(count: 10)
        #expect(WireBounds.violation(in: short)?.contains("holds 10 bytes") == true)
        var sha = good[0]
        sha.sha256 = "XYZ"
        #expect(WireBounds.violation(in: sha)?.contains("sha256") == true)
        var key = good[0]
        key.key = TrialKey(trial: TrialID(0), attempt: 1)
        #expect(WireBounds.violation(in: key) != nil)
        #expect(WireBounds.violation(in: good[0], maxSize: 100)?.contains("not in 0...100") == true)

        let frames = WireCodec.encode(WorkerMessage.checkpointChunk(huge))
        #expect(throws: WireError.self) { try WireCodec.decodeWorkerMessage(frames) }
    }

    @Test("the new messages survive the codec both ways (bytes as base64)")
    func roundTrip() throws {
        let chunk = chunks(of: bytes(1000))[0]
        let up = WorkerMessage.checkpointChunk(chunk)
        #expect(try WireCodec.decodeWorkerMessage(WireCodec.encode(up)) == up)
        let ack = CoordinatorMessage.checkpointAck(ChunkAck(key: key, step: 7, next: 1, done: true))
        #expect(try WireCodec.decodeCoordinatorMessage(WireCodec.encode(ack)) == ack)
        let down = CoordinatorMessage.resumeChunk(chunk)
        #expect(try WireCodec.decodeCoordinatorMessage(WireCodec.encode(down)) == down)
        let resumeAck = WorkerMessage.resumeAck(ChunkAck(key: key, step: 7, next: 0, resend: true))
        #expect(try WireCodec.decodeWorkerMessage(WireCodec.encode(resumeAck)) == resumeAck)
        let drain = WorkerMessage.drain(DrainMessage(reason: "SIGTERM"))
        #expect(try WireCodec.decodeWorkerMessage(WireCodec.encode(drain)) == drain)
        let preempted = WorkerMessage.result(
            ResultMessage(
                key: key,
                result: TrialResult(status: .preempted, metrics: [:], reason: "preempted: SIGTERM", durationSeconds: 1))
        )
        #expect(try WireCodec.decodeWorkerMessage(WireCodec.encode(preempted)) == preempted)
        // A full chunk stays well inside the body limit.
        let full = chunks(of: bytes(WireLimits.maxChunkBytes))[0]
        #expect(WireCodec.encode(WorkerMessage.checkpointChunk(full))[1].count < WireLimits.maxBodyBytes / 8)
    }
}
