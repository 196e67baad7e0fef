import HPOWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A worker's end over ZeroMQ: a DEALER connected to the coordinator's ROUTER. It connects
/// and reconnects in the background; messages sent while not connected wait in its queue.
/// Use it on the thread that created it.
public final class ZeroMQClientTransport: ClientTransport {
    /// The endpoint this client connects to.
    public let endpoint: String

    private let socket: ZeroMQSocket
    private let waker: Waker

    public init(context: ZeroMQContext, connect endpoint: String, waker: Waker,
                options: ZeroMQTransportOptions = ZeroMQTransportOptions()) throws {
        let socket = try ZeroMQSocket(context: context, type: .dealer)
        try socket.set(options.commonSocketOptions)
        try socket.set([
            .reconnectInterval(milliseconds: options.reconnectIntervalMilliseconds),
            .reconnectIntervalMax(milliseconds: options.reconnectIntervalMaxMilliseconds),
            // Queue to the connection while it is still being made (coordinator not up yet).
            .immediate(false),
        ])
        if let routingID = options.routingID { try socket.set(.routingID(routingID)) }
        try socket.connect(endpoint)
        self.endpoint = endpoint
        self.socket = socket
        self.waker = waker
    }

    public func receive(timeoutMilliseconds: Int32, limit: Int) throws -> [Frames] {
        try socket.receiveBatch(waker: waker, timeoutMilliseconds: timeoutMilliseconds, limit: limit)
    }

    /// Queues a message for the coordinator without blocking. Throws `EAGAIN` when the queue
    /// is full (`sendHighWaterMark` messages waiting: the coordinator has been away for long).
    public func send(_ frames: Frames) throws {
        guard try socket.send(frames: frames, dontWait: true) else {
            throw ZeroMQError(operation: "zmq_send(to \(endpoint)): queue full", errno: EAGAIN)
        }
    }
}

@available(*, unavailable, message: "A ZeroMQ transport belongs to the thread that created it")
extension ZeroMQClientTransport: Sendable {}
