#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A thread-safe way to wake a loop that is blocked in `poll`: a non-blocking self-pipe.
///
/// The loop puts `fileDescriptor` in its poll set and calls `drain()` when it is readable; any
/// thread (or a signal handler, through `rawWriteDescriptor`) calls `wake()`.
package final class Waker: Sendable {
    /// The read end, for a poll set.
    package let fileDescriptor: Int32
    /// The write end. Writing one byte is async-signal-safe, so signal handlers may use it.
    package let rawWriteDescriptor: Int32

    package init() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { fatalError("pipe() failed: errno \(errno)") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        fileDescriptor = fds[0]
        rawWriteDescriptor = fds[1]
    }

    deinit {
        close(fileDescriptor)
        close(rawWriteDescriptor)
    }

    /// Makes the next (or current) poll on `fileDescriptor` return. Never blocks.
    package func wake() {
        var byte: UInt8 = 1
        _ = write(rawWriteDescriptor, &byte, 1)
    }

    /// Empties the pipe after a wake-up.
    package func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(fileDescriptor, &buffer, buffer.count) > 0 {}
    }

    /// Blocks until woken or until `timeout` (milliseconds, -1 for ever) passes. Returns whether it was woken.
    @discardableResult
    package func wait(timeoutMilliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        if ready > 0 { drain() }
        return ready > 0
    }
}
