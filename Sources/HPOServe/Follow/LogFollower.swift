import Foundation
import HPOJournal

#if canImport(Glibc)
    import Glibc
#endif

/// Follows one results log as it grows: each `poll` reads only the bytes appended since the last
/// one and returns the records of the lines completed by them. A line still being written (no
/// newline yet: a torn last line) is held back until its rest arrives. A log that was replaced or
/// cut shorter (another inode, or fewer bytes than already read) is read again from its start.
package struct LogFollower: Sendable {
    /// What one poll found.
    package enum Change: Sendable, Equatable {
        /// Nothing new (or only part of a line).
        case unchanged
        /// New complete lines: their records (in order) and the count of unknown event kinds among them.
        case appended([JournalRecord], unknownEvents: Int)
        /// The file is another one or shorter than what was read: the caller starts over; the
        /// next poll reads it from its start.
        case restarted
    }

    package let path: String
    /// Bytes read and consumed as complete lines.
    package private(set) var offset: UInt64 = 0
    /// Complete lines read so far (for error messages with the file's line number).
    package private(set) var lines = 0
    /// The start of a line whose newline has not arrived yet.
    package private(set) var pending: [UInt8] = []
    /// Bytes read in one poll at most, so a huge log is taken in pieces rather than all at once.
    package var chunkSize = 8 << 20
    private var identity: (device: UInt64, inode: UInt64)?

    package init(path: String) { self.path = path }

    /// Whether the last bytes read are part of a line without its newline yet.
    package var hasTornTail: Bool { !pending.isEmpty }

    /// Reads what was appended since the last poll (at most `chunkSize` bytes).
    package mutating func poll() throws(JournalError) -> Change {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        let current = (device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        let size = UInt64(max(0, info.st_size))
        if let known = identity, known != current || size < offset + UInt64(pending.count) {
            identity = nil
            offset = 0
            lines = 0
            pending = []
            return .restarted
        }
        identity = current
        let start = offset + UInt64(pending.count)
        guard size > start else { return .unchanged }
        let count = Int(min(UInt64(chunkSize), size - start))
        var bytes = pending
        bytes.reserveCapacity(pending.count + count)
        let read = try Self.read(fd, count: count, at: start, path: path, into: &bytes)
        guard read > 0 else { return .unchanged }
        guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else {
            pending = bytes
            return .unchanged
        }
        let complete = Data(bytes[...lastNewline])
        pending = Array(bytes[(lastNewline + 1)...])
        let contents: JournalReader.Contents
        do {
            contents = try JournalReader.parse(complete, path: path)
        } catch {
            if case .corruptLine(let path, let line, let reason) = error {
                throw .corruptLine(path: path, line: lines + line, reason: reason)
            }
            throw error
        }
        offset += UInt64(complete.count)
        lines += complete.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        return .appended(contents.records, unknownEvents: contents.unknownEvents)
    }

    /// `pread`s up to `count` bytes at `position`, appending them to `bytes`; the count read.
    private static func read(
        _ fd: Int32, count: Int, at position: UInt64, path: String, into bytes: inout [UInt8]
    ) throws(JournalError) -> Int {
        var buffer = [UInt8](repeating: 0, count: count)
        var total = 0
        while total < count {
            let n = buffer.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress! + total, count - total, off_t(position) + off_t(total))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            total += n
        }
        bytes += buffer[..<total]
        return total
    }
}
