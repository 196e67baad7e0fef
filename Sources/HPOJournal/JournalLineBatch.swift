import Dispatch
import Foundation

/// Decodes a log's lines on all cores: the lines are cut into consecutive chunks, each chunk is
/// decoded on its own, and the chunks are put back in order. A chunk stops at its first bad line,
/// so the first failure of the first failing chunk is the log's first bad line.
enum JournalLineBatch {
    /// What one chunk of lines decoded to.
    struct Chunk {
        var records: [JournalRecord] = []
        /// Lines with an event name this version does not know.
        var unknownEvents = 0
        /// The first line that did not decode, and why.
        var failure: (line: Int, error: any Error)?
    }

    /// Fewer lines than this per chunk are not worth a thread.
    static let minimumChunk = 1024

    /// The lines' chunks, decoded, in order.
    static func decode(_ lines: [JournalLines.Line], in bytes: UnsafeRawBufferPointer) -> [Chunk] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        // A few chunks per core even out chunks that decode slower than others.
        let count = max(1, min(cores * 4, lines.count / minimumChunk))
        var chunks = [Chunk](repeating: Chunk(), count: count)
        chunks.withUnsafeMutableBufferPointer { slots in
            let shared = Shared(bytes: bytes, slots: slots)
            DispatchQueue.concurrentPerform(iterations: count) { index in
                let range = (lines.count * index / count)..<(lines.count * (index + 1) / count)
                shared.slots[index] = decode(lines[range], in: shared.bytes)
            }
        }
        return chunks
    }

    /// The buffers the threads share: all read the bytes; each writes only its own chunk's slot.
    private struct Shared: @unchecked Sendable {
        let bytes: UnsafeRawBufferPointer
        let slots: UnsafeMutableBufferPointer<Chunk>
    }

    private static func decode(_ lines: ArraySlice<JournalLines.Line>, in bytes: UnsafeRawBufferPointer) -> Chunk {
        var chunk = Chunk()
        chunk.records.reserveCapacity(lines.count)
        let decoder = JournalCoding.makeDecoder()
        for line in lines {
            do {
                if let record = try JournalCoding.decode(
                    UnsafeRawBufferPointer(rebasing: bytes[line.bytes]), using: decoder)
                {
                    chunk.records.append(record)
                } else {
                    chunk.unknownEvents += 1
                }
            } catch {
                chunk.failure = (line.number, error)
                break
            }
        }
        return chunk
    }
}
