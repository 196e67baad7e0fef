import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed libzmq call: which call, its `errno` and libzmq's text for it.
package struct ZeroMQError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The call that failed, e.g. `zmq_bind(tcp://127.0.0.1:5555)`.
    package var operation: String
    /// The error number (`zmq_errno()`), e.g. `EADDRINUSE` or `ETERM`.
    package var errno: Int32
    /// `zmq_strerror(errno)`.
    package var message: String

    package init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
        self.message = String(cString: zmq_strerror(errno))
    }

    /// The error of the libzmq call that just failed on this thread.
    static func last(_ operation: String) -> ZeroMQError {
        ZeroMQError(operation: operation, errno: zmq_errno())
    }

    /// The context was shut down (`zmq_ctx_shutdown`) or terminated: a clean stop, not a fault.
    package var isContextTerminated: Bool { errno == ETERM }

    package var description: String { "\(operation) failed: \(message) (errno \(errno))" }
}
