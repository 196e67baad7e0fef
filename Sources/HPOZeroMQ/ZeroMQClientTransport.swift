import HPORuntime
import HPOWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A worker's end over ZeroMQ: a DEALER connected to the coordinator's ROUTER. It connects
/// and reconnects in the background; messages sent while not connected wait in its queue.
/// Use it on the thread that created it.
package final class ZeroMQClientTransport: ClientTransport {
    /// The endpoint this client connects to.
    package let endpoint: String

    private let socket: ZeroMQSocket
    private let waker: Waker

    /// Connects a DEALER; with `curve`, as a CURVE client of a coordinator with that public key.
    package init(
        context: ZeroMQContext, connect endpoint: String, waker: Waker,
        options: ZeroMQTransportOptions = ZeroMQTransportOptions(), curve: CurveClientSettings? = nil
    ) throws {
        let socket = try ZeroMQSocket(context: context, type: .dealer)
        try socket.set(options.commonSocketOptions)
        if let curve {
            try socket.set([
                .curveServerKey(curve.serverPublicKey), .curvePublicKey(curve.keyPair.publicKey),
                .curveSecretKey(curve.keyPair.secretKey)
            ])
        }
        try socket.set([
            .reconnectInterval(milliseconds: options.reconnectIntervalMilliseconds),
            .reconnectIntervalMax(milliseconds: options.reconnectIntervalMaxMilliseconds),
            // Queue to the connection while it is still being made (coordinator not up yet).
            .immediate(false)
        ])
        if let routingID = options.routingID { try socket.set(.routingID(routingID)) }
        try socket.connect(endpoint)
        self.endpoint = endpoint
        self.socket = socket
        self.waker = waker
    }

    package func receive(timeoutMilliseconds: Int32, limit: Int) throws -> [Frames] {
        try socket.receiveBatch(waker: waker, timeoutMilliseconds: timeoutMilliseconds, limit: limit)
    }

    /// Messages that could not be queued (no usable connection, or `sendHighWaterMark`
    /// messages already waiting), and so were dropped.
    package private(set) var droppedMessageCount = 0

    /// Queues a message for the coordinator without blocking. When it cannot be queued (after a
    /// failed CURVE handshake there is no connection to queue on; or the queue is full because
    /// the coordinator has been away for long) the message is dropped and counted, not thrown:
    /// the protocol repeats what matters (hellos with backoff, unacknowledged results after a
    /// re-registration), and the worker's welcome deadline reports a coordinator it never reaches.
    package func send(_ frames: Frames) throws {
        if !(try socket.send(frames: frames, dontWait: true)) { droppedMessageCount += 1 }
    }
}

@available(*, unavailable, message: "A ZeroMQ transport belongs to the thread that created it")
extension ZeroMQClientTransport: Sendable {}
