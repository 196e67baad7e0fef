import Foundation
import HPOCore

/// One piece of a checkpoint archive in transit: a worker uploading a trial's checkpoint
/// (`checkpoint_chunk`), or the coordinator sending one to resume from (`resume_chunk`).
///
/// Every chunk repeats what the whole transfer is (`step`, `size`, `sha256`, `count`), so the
/// receiver needs no separate opening message and can check each chunk against the first one.
/// Chunks go out in order, a few at a time (`ChunkWindow`); the receiver answers each with a
/// `ChunkAck` naming the next index it wants (go-back-N), so a chunk dropped on a full queue is
/// sent again and memory on both sides stays bounded by the window.
package struct CheckpointChunk: Hashable, Sendable, Codable {
    package var key: TrialKey
    /// The training step the checkpoint was taken at (`{"checkpoint": STEP}`).
    package var step: Int
    /// This chunk's place, from 0, of `count`.
    package var index: Int
    package var count: Int
    /// The whole archive: its size in bytes and its SHA-256, lower-case hex.
    package var size: Int
    package var sha256: String
    /// The bytes (base64 in JSON), at most `WireLimits.maxChunkBytes`.
    package var data: Data

    package init(key: TrialKey, step: Int, index: Int, count: Int, size: Int, sha256: String, data: Data) {
        self.key = key
        self.step = step
        self.index = index
        self.count = count
        self.size = size
        self.sha256 = sha256
        self.data = data
    }

    /// How many chunks an archive of `size` bytes takes (at least one, even when empty).
    package static func chunkCount(size: Int, chunkBytes: Int = WireLimits.maxChunkBytes) -> Int {
        max((size + chunkBytes - 1) / chunkBytes, 1)
    }
}

/// The receiver's answer to chunks: `checkpoint_ack` (coordinator to uploading worker) and
/// `resume_ack` (worker to the coordinator sending it a checkpoint).
package struct ChunkAck: Hashable, Sendable, Codable {
    package var key: TrialKey
    package var step: Int
    /// The index of the next chunk the receiver wants: every chunk before it is in.
    package var next: Int
    /// The transfer is over and good: for an upload, durable in the coordinator's store (and
    /// journaled); for a resume, verified and unpacked.
    package var done: Bool?
    /// The transfer is refused for good (too big, a wrong checksum, a trial not held): why.
    /// The sender gives it up.
    package var error: String?
    /// The chunk that arrived was not chunk `next` (one was lost on a full queue): send again
    /// from `next`. Absent on the acks of chunks that arrived in order.
    package var resend: Bool?

    package init(key: TrialKey, step: Int, next: Int, done: Bool? = nil, error: String? = nil, resend: Bool? = nil) {
        self.key = key
        self.step = step
        self.next = next
        self.done = done
        self.error = error
        self.resend = resend
    }
}

/// A worker about to leave (SIGTERM: preempted) asks for nothing more: its running trials come
/// back as `preempted` results, after their last checkpoints.
package struct DrainMessage: Hashable, Sendable, Codable {
    package var reason: String
    package init(reason: String) { self.reason = reason }
}

extension WireBounds {
    /// Why a chunk must be dropped, or nil. `maxSize` is the receiver's limit on a whole archive.
    package static func violation(in chunk: CheckpointChunk, maxSize: Int = WireLimits.maxCheckpointBytes) -> String? {
        if let violation = violation(in: chunk.key) { return violation }
        guard (0...WireLimits.maxStep).contains(chunk.step) else {
            return "step \(chunk.step) is not in 0...\(WireLimits.maxStep)"
        }
        guard (0...maxSize).contains(chunk.size) else {
            return "checkpoint of \(chunk.size) bytes is not in 0...\(maxSize)"
        }
        let expected = CheckpointChunk.chunkCount(size: chunk.size)
        guard chunk.count == expected else {
            return "count \(chunk.count) does not match a size of \(chunk.size) bytes (\(expected) chunks)"
        }
        guard (0..<chunk.count).contains(chunk.index) else {
            return "index \(chunk.index) is not in 0..<\(chunk.count)"
        }
        let expectedBytes =
            chunk.index < chunk.count - 1
            ? WireLimits.maxChunkBytes : chunk.size - (chunk.count - 1) * WireLimits.maxChunkBytes
        guard chunk.data.count == expectedBytes else {
            return "chunk \(chunk.index) holds \(chunk.data.count) bytes, expected \(expectedBytes)"
        }
        guard chunk.sha256.utf8.count == 64,
            chunk.sha256.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return "sha256 is not 64 lower-case hex digits" }
        return nil
    }

    package static func violation(in ack: ChunkAck) -> String? {
        if let violation = violation(in: ack.key) { return violation }
        guard (0...WireLimits.maxStep).contains(ack.step) else {
            return "step \(ack.step) is not in 0...\(WireLimits.maxStep)"
        }
        guard (0...WireLimits.maxChunkCount).contains(ack.next) else {
            return "next \(ack.next) is not in 0...\(WireLimits.maxChunkCount)"
        }
        return nil
    }

    static func bounded(_ ack: ChunkAck) -> ChunkAck {
        var ack = ack
        ack.error = ack.error.map { truncated($0, maxBytes: WireLimits.maxReasonBytes) }
        return ack
    }
}

extension WireLimits {
    /// The bytes of one checkpoint chunk (256 KiB; about 342 KiB as base64, well inside
    /// `maxBodyBytes`). Small enough that a transfer interleaves with every other message.
    package static let maxChunkBytes = 256 << 10
    /// The largest checkpoint any side accepts on the wire (64 GiB); the coordinator's own limit
    /// (`--max-checkpoint-size`, default 1 GiB) is usually much lower.
    package static let maxCheckpointBytes = 64 << 30
    /// The most chunks of a transfer (`maxCheckpointBytes` / `maxChunkBytes`).
    package static let maxChunkCount = maxCheckpointBytes / maxChunkBytes
}
