import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A libzmq context: owns the I/O threads every socket of the process uses.
///
/// libzmq contexts are thread-safe, so one context may be shared by all threads. Every socket
/// keeps its context alive, so `deinit` (which calls `zmq_ctx_term`) runs only after the last
/// socket has been closed and waits at most for those sockets' linger periods.
package final class ZeroMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    /// A new context with `ioThreads` background I/O threads (one is plenty below ~1 GB/s).
    package init(ioThreads: Int32 = 1) throws {
        guard let handle = zmq_ctx_new() else { throw ZeroMQError.last("zmq_ctx_new") }
        if ioThreads != 1, zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) != 0 {
            let error = ZeroMQError.last("zmq_ctx_set(io_threads)")
            zmq_ctx_term(handle)
            throw error
        }
        self.handle = handle
    }

    /// Makes every blocking call on this context's sockets, in any thread, fail with `ETERM`
    /// (see `ZeroMQError.isContextTerminated`), and every later call too. Safe from any thread.
    package func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    deinit {
        while zmq_ctx_term(handle) != 0, zmq_errno() == EINTR {}
    }
}
