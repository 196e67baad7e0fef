import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Appends events to the results log, durably.
///
/// `append(_:)` writes a whole batch with one `write` and makes it durable with one `fsync`
/// before returning (group commit): the coordinator hands it everything that happened in one turn
/// of its loop, and acts on none of it (acks, next trials) until it returns.
package final class JournalWriter {
    package let path: String
    private let descriptor: Int32
    /// How many `fsync` calls were made, for benchmarks and tests.
    package private(set) var syncCount = 0
    /// Seconds the latest `fsync` took (for `hpo-coordinator --metrics`).
    package private(set) var lastSyncSeconds = 0.0

    /// Opens (creating if needed) the log for appending. A torn last line (no newline at the end of
    /// the file: a crash mid-write) is cut off first. Nothing was acted on because of it, since a
    /// batch is acted on only after its write and fsync returned.
    package init(path: String) throws(JournalError) {
        self.path = path
        try Self.cutTornTail(path: path)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError.io(path: path, operation: "open", errno: errno) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Writes the events (stamped with `time`, seconds since 1970) and fsyncs them.
    package func append(_ events: [JournalEvent], time: Double = Date().timeIntervalSince1970) throws(JournalError) {
        guard !events.isEmpty else { return }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256 * events.count)
        for event in events {
            do {
                try JournalCoding.append(JournalRecord(event: event, time: time), to: &buffer)
            } catch {
                throw JournalError.encoding(path: path, event: event.name, reason: "\(error)")
            }
            buffer.append(0x0A)
        }
        try write(buffer)
        let syncStarted = DispatchTime.now().uptimeNanoseconds
        defer { lastSyncSeconds = Double(DispatchTime.now().uptimeNanoseconds &- syncStarted) / 1e9 }
        guard fsync(descriptor) == 0 else { throw JournalError.io(path: path, operation: "fsync", errno: errno) }
        syncCount += 1
    }

    private func write(_ data: [UInt8]) throws(JournalError) {
        var offset = 0
        while offset < data.count {
            let written = data.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw JournalError.io(path: path, operation: "write", errno: errno)
            }
            offset += written
        }
    }

    /// Truncates the file after its last newline, if it has bytes past it.
    private static func cutTornTail(path: String) throws(JournalError) {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return }
            throw JournalError.io(path: path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var end = lseek(fd, 0, SEEK_END)
        var byte: UInt8 = 0
        while end > 0 {
            guard pread(fd, &byte, 1, end - 1) == 1 else {
                throw JournalError.io(path: path, operation: "read", errno: errno)
            }
            if byte == 0x0A { break }
            end -= 1
        }
        if end < lseek(fd, 0, SEEK_END) {
            guard ftruncate(fd, end) == 0, fsync(fd) == 0 else {
                throw JournalError.io(path: path, operation: "truncate", errno: errno)
            }
        }
    }
}

/// A results log that cannot be written or read.
package enum JournalError: Error, Hashable, Sendable, CustomStringConvertible {
    case io(path: String, operation: String, errno: Int32)
    case encoding(path: String, event: String, reason: String)
    /// A line other than the last one is not a valid event.
    case corruptLine(path: String, line: Int, reason: String)

    package var description: String {
        switch self {
        case .io(let path, let operation, let code):
            "\(path): \(operation) failed: \(String(cString: strerror(code)))"
        case .encoding(let path, let event, let reason):
            "\(path): cannot encode \(event) event: \(reason)"
        case .corruptLine(let path, let line, let reason):
            "\(path):\(line): not a valid results-log line: \(reason)"
        }
    }
}
