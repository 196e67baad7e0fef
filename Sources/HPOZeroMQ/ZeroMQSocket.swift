import CZeroMQ
import HPOWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The ZeroMQ socket patterns (stable API only).
package enum ZeroMQSocketType: Int32, Sendable, CaseIterable {
    case pair = 0
    case pub = 1
    case sub = 2
    case req = 3
    case rep = 4
    case dealer = 5
    case router = 6
    case pull = 7
    case push = 8
}

/// One libzmq socket. Not thread-safe: create it, use it and drop it on one thread.
///
/// `deinit` closes the socket; unless `linger` was set explicitly it first sets linger to 0,
/// so that unsent messages never keep the context (and process) from terminating.
package final class ZeroMQSocket {
    let handle: UnsafeMutableRawPointer
    /// Kept so the context outlives its sockets (`zmq_ctx_term` waits for them).
    let context: ZeroMQContext
    package let type: ZeroMQSocketType
    var lingerWasSet = false

    package init(context: ZeroMQContext, type: ZeroMQSocketType) throws {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZeroMQError.last("zmq_socket(\(type))")
        }
        self.handle = handle
        self.context = context
        self.type = type
    }

    deinit {
        if !lingerWasSet {
            var zero: Int32 = 0
            _ = zmq_setsockopt(handle, ZMQ_LINGER, &zero, MemoryLayout<Int32>.size)
        }
        zmq_close(handle)
    }

    /// Listens on `endpoint`, e.g. `tcp://127.0.0.1:*` (a free port: see `lastEndpoint`),
    /// `tcp://*:5555`, `ipc:///tmp/x`, `inproc://name`.
    package func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZeroMQError.last("zmq_bind(\(endpoint))") }
    }

    /// Connects to `endpoint`. Returns at once; libzmq connects (and reconnects) in the background.
    package func connect(_ endpoint: String) throws {
        guard zmq_connect(handle, endpoint) == 0 else { throw ZeroMQError.last("zmq_connect(\(endpoint))") }
    }

    /// Sends one multipart message (all frames but the last with `ZMQ_SNDMORE`).
    ///
    /// Returns false, having sent nothing, when `dontWait` is set and the message cannot be
    /// queued now (`EAGAIN`). Throws for every other error, e.g. `EHOSTUNREACH` from a ROUTER
    /// with `routerMandatory` whose first frame names no connected peer.
    @discardableResult
    package func send(frames: Frames, dontWait: Bool = false) throws -> Bool {
        guard !frames.isEmpty else { throw ZeroMQError(operation: "zmq_send(no frames)", errno: EINVAL) }
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = index < frames.count - 1 ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            while true {
                let result = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if result >= 0 { break }
                let code = zmq_errno()
                if code == EINTR { continue }
                // libzmq decides on the first frame; later frames of a message are always taken.
                if code == EAGAIN, index == 0 { return false }
                throw ZeroMQError(operation: "zmq_send", errno: code)
            }
        }
        return true
    }

    /// Receives one multipart message. Returns nil when none is waiting (`EAGAIN`: with
    /// `dontWait`, or after a receive timeout). A message's frames arrive together, so only the
    /// first frame can wait.
    package func receive(dontWait: Bool = false) throws -> Frames? {
        try receive(dontWait: dontWait, property: nil)?.frames
    }

    /// Receives one multipart message and reads one metadata `property` of it (e.g. `User-Id`,
    /// which libzmq sets from the ZAP handler's reply: for CURVE, the client's public key).
    package func receive(dontWait: Bool = false, property: String?) throws -> (frames: Frames, property: String?)? {
        var message = zmq_msg_t()
        guard zmq_msg_init(&message) == 0 else { throw ZeroMQError.last("zmq_msg_init") }
        defer { zmq_msg_close(&message) }
        let flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
        var frames: Frames = []
        while true {
            if zmq_msg_recv(&message, handle, flags) < 0 {
                let code = zmq_errno()
                if code == EINTR { continue }
                if code == EAGAIN, frames.isEmpty { return nil }
                throw ZeroMQError(operation: "zmq_msg_recv", errno: code)
            }
            let bytes = UnsafeRawBufferPointer(start: zmq_msg_data(&message), count: zmq_msg_size(&message))
            frames.append(Array(bytes))
            if zmq_msg_more(&message) == 0 {
                // Metadata is per connection, the same on every frame: read it from the last.
                let value = property.flatMap { zmq_msg_gets(&message, $0) }.map { String(cString: $0) }
                return (frames, value)
            }
        }
    }

    /// The endpoint last bound or connected, with wildcards resolved (`tcp://127.0.0.1:41234`).
    package var lastEndpoint: String {
        get throws {
            let bytes = try bytesOption(ZMQ_LAST_ENDPOINT, name: "last_endpoint", capacity: 1024)
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// This socket's routing id (what a ROUTER peer sees as the sender's identity).
    package var routingID: [UInt8] {
        get throws { try bytesOption(ZMQ_ROUTING_ID, name: "routing_id", capacity: 256) }
    }

    private func bytesOption(_ option: Int32, name: String, capacity: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var size = capacity
        guard zmq_getsockopt(handle, option, &buffer, &size) == 0 else {
            throw ZeroMQError.last("zmq_getsockopt(\(name))")
        }
        return Array(buffer.prefix(size))
    }
}

@available(*, unavailable, message: "A ZeroMQ socket belongs to the thread that created it")
extension ZeroMQSocket: Sendable {}
