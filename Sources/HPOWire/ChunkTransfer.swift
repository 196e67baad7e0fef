import Foundation
import HPOCore

/// The receiving end of one chunked transfer (sans I/O): checks each chunk against the first,
/// keeps the order, hashes as it goes, and on the last chunk compares size and checksum. The
/// caller writes what `accept` says to write; nothing is ever held beyond one chunk.
package struct ChunkAssembly: Sendable {
    package let key: TrialKey
    package let step: Int
    package let size: Int
    package let sha256: String
    package let count: Int
    /// The next index wanted: chunks 0..<next are in.
    package private(set) var next = 0
    package private(set) var received = 0
    private var hasher = SHA256()

    package enum Verdict: Equatable, Sendable {
        /// The next chunk, in order: write its bytes.
        case append(Data)
        /// The last chunk, in order, and the whole archive's size and checksum match: write its
        /// bytes and finish.
        case complete(Data)
        /// A chunk already received (a resend): nothing to write; ack `next` again.
        case duplicate
        /// A chunk past the one wanted (one in between was lost): ask for a resend from `next`.
        case outOfOrder
        /// A chunk that does not belong to this transfer (another step, size or checksum), or a
        /// finished archive whose checksum is wrong: the transfer is void.
        case rejected(String)
    }

    /// Begins with the first chunk, whose index must be 0 (else nil: there is nothing to begin).
    package init?(first chunk: CheckpointChunk) {
        guard chunk.index == 0 else { return nil }
        key = chunk.key
        step = chunk.step
        size = chunk.size
        sha256 = chunk.sha256
        count = chunk.count
    }

    /// Whether `chunk` is a chunk of this very transfer (same trial key, step, size, checksum).
    package func belongs(_ chunk: CheckpointChunk) -> Bool {
        chunk.key == key && chunk.step == step && chunk.size == size && chunk.sha256 == sha256 && chunk.count == count
    }

    package mutating func accept(_ chunk: CheckpointChunk) -> Verdict {
        guard belongs(chunk) else {
            return .rejected(
                "chunk of step \(chunk.step) (\(chunk.size) bytes) during the transfer of step \(step) (\(size) bytes)")
        }
        if chunk.index < next { return .duplicate }
        if chunk.index > next { return .outOfOrder }
        hasher.update(chunk.data)
        received += chunk.data.count
        next += 1
        guard next == count else { return .append(chunk.data) }
        let digest = hasher.finalizeHex()
        guard received == size else { return .rejected("received \(received) bytes, announced \(size)") }
        guard digest == sha256 else { return .rejected("checksum mismatch: sha256 \(digest), announced \(sha256)") }
        return .complete(chunk.data)
    }

    /// The ack for the chunk just accepted with `verdict`.
    package func ack(for verdict: Verdict, done: Bool? = nil) -> ChunkAck {
        switch verdict {
        case .rejected(let reason): ChunkAck(key: key, step: step, next: next, error: reason)
        case .outOfOrder: ChunkAck(key: key, step: step, next: next, resend: true)
        case .complete: ChunkAck(key: key, step: step, next: next, done: done)
        case .append, .duplicate: ChunkAck(key: key, step: step, next: next)
        }
    }
}

/// The sending end of one chunked transfer (sans I/O): which chunks to send now. At most
/// `window` chunks are in flight unacknowledged; an ack with `resend` goes back to the chunk the
/// receiver wants (go-back-N), and so does silence for `resendAfterSeconds` while chunks are in
/// flight (a chunk or its ack was lost).
package struct ChunkWindow: Sendable {
    package let count: Int
    package let window: Int
    package var resendAfterSeconds: Double
    /// Chunks 0..<acked are confirmed.
    package private(set) var acked = 0
    package private(set) var nextToSend = 0
    private var lastProgress: Double

    package init(count: Int, window: Int = 4, resendAfterSeconds: Double = 5, now: Double) {
        self.count = count
        self.window = max(window, 1)
        self.resendAfterSeconds = resendAfterSeconds
        lastProgress = now
    }

    package var isComplete: Bool { acked >= count }

    /// The chunks to send now (possibly none); they count as in flight from here on.
    package mutating func due(now: Double) -> Range<Int> {
        if nextToSend > acked, now - lastProgress >= resendAfterSeconds {
            nextToSend = acked
            lastProgress = now
        }
        let end = min(acked + window, count)
        guard nextToSend < end else { return nextToSend..<nextToSend }
        defer { nextToSend = end }
        return nextToSend..<end
    }

    /// The receiver wants chunk `next` next (`resend`: it missed one, send again from there).
    package mutating func acknowledged(next: Int, resend: Bool, now: Double) {
        let next = min(max(next, 0), count)
        if next > acked {
            acked = next
            lastProgress = now
        }
        if nextToSend < acked { nextToSend = acked }
        if resend, next < nextToSend {
            nextToSend = max(next, acked)
            lastProgress = now
        }
    }
}
