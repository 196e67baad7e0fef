import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Something `ZeroMQ.poll` can wait on: a socket, or a plain file descriptor (a pipe, a waker).
package enum ZeroMQPollItem {
    case socket(ZeroMQSocket)
    case fileDescriptor(Int32)
}

extension ZeroMQ {
    /// Waits until at least one item is readable or `timeoutMilliseconds` pass (-1: no limit,
    /// 0: just look) and returns, per item in order, whether it is readable.
    ///
    /// An interrupted wait (`EINTR`, e.g. a signal) returns all false. Throws `ETERM` once the
    /// sockets' context is shut down.
    package static func poll(_ items: [ZeroMQPollItem], timeoutMilliseconds: Int) throws -> [Bool] {
        var pollItems = items.map { item -> zmq_pollitem_t in
            switch item {
            case .socket(let socket):
                zmq_pollitem_t(socket: socket.handle, fd: -1, events: Int16(ZMQ_POLLIN), revents: 0)
            case .fileDescriptor(let descriptor):
                zmq_pollitem_t(socket: nil, fd: descriptor, events: Int16(ZMQ_POLLIN), revents: 0)
            }
        }
        // `items` holds the sockets, so their handles stay open during the call.
        let result = withExtendedLifetime(items) {
            zmq_poll(&pollItems, Int32(pollItems.count), timeoutMilliseconds)
        }
        if result < 0 {
            let code = zmq_errno()
            if code == EINTR { return Array(repeating: false, count: items.count) }
            throw ZeroMQError(operation: "zmq_poll", errno: code)
        }
        return pollItems.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
