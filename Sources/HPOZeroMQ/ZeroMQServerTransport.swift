import HPORuntime
import HPOWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What became of a message sent to one peer.
package enum ZeroMQSendOutcome: Sendable, Equatable {
    /// Queued for the peer's connection (not yet a proof of delivery).
    case queued
    /// No connection with that routing id: the peer is gone or never was. Dropped.
    case droppedPeerUnknown
    /// The peer's queue is at its high-water mark (a stalled peer). Dropped.
    case droppedPeerQueueFull

    package var isQueued: Bool { self == .queued }
}

/// The coordinator's end over ZeroMQ: a ROUTER bound to one endpoint; each connected DEALER is
/// a peer, known by its routing id. Use it on the thread that created it.
package final class ZeroMQServerTransport: ServerTransport {
    /// The endpoint actually bound, wildcards resolved (`tcp://127.0.0.1:*` → `…:41234`).
    package let boundEndpoint: String
    /// Messages dropped so far because their peer was gone or stalled.
    package private(set) var droppedMessageCount = 0
    /// Called for each dropped message, e.g. to log it.
    package var onDrop: ((PeerID, ZeroMQSendOutcome) -> Void)?

    /// Called for each CURVE admission, refusal or failed handshake, e.g. to log it.
    package var onSecurityEvent: ((SecurityEvent) -> Void)?
    /// With CURVE: the public keys of the workers allowed in, replaceable at run time.
    package var authorizedKeys: Set<String> {
        get { authenticator?.authorizedKeys ?? [] }
        set { authenticator?.authorizedKeys = newValue }
    }
    /// Whether connections are encrypted and authenticated (CURVE).
    package var isSecure: Bool { authenticator != nil }

    private let socket: ZeroMQSocket
    private let waker: Waker
    private let authenticator: CurveAuthenticator?

    /// Binds a ROUTER. With `curve`, the socket is a CURVE server whose ZAP handler admits only
    /// the authorised worker keys; every refusal and failed handshake reaches `onSecurityEvent`.
    package init(
        context: ZeroMQContext, bind endpoint: String, waker: Waker,
        options: ZeroMQTransportOptions = ZeroMQTransportOptions(), curve: CurveServerSettings? = nil
    ) throws {
        let authenticator = try curve.map {
            try CurveAuthenticator(context: context, authorizedKeys: $0.authorizedKeys)
        }
        let socket = try ZeroMQSocket(context: context, type: .router)
        try socket.set(options.commonSocketOptions)
        try socket.set([.routerMandatory(true), .routerHandover(options.routerHandover)])
        if let curve, let authenticator {
            try socket.set([
                .curveServer(true), .curveSecretKey(curve.keyPair.secretKey), .zapDomain("hpo")
            ])
            try authenticator.watch(socket)
        }
        try socket.bind(endpoint)
        self.boundEndpoint = try socket.lastEndpoint
        self.socket = socket
        self.waker = waker
        self.authenticator = authenticator
    }

    package func receive(timeoutMilliseconds: Int32, limit: Int) throws -> [InboundMessage] {
        let batch: [(frames: Frames, property: String?)]
        if let authenticator {
            // The ZAP handler answers with the client's key as user id: each message carries it.
            batch = try socket.receiveBatch(
                waker: waker, timeoutMilliseconds: timeoutMilliseconds, limit: limit,
                alsoPolling: [authenticator.zap, authenticator.monitor], property: "User-Id")
            for event in try authenticator.service() { onSecurityEvent?(event) }
        } else {
            batch = try socket.receiveBatch(
                waker: waker, timeoutMilliseconds: timeoutMilliseconds, limit: limit, alsoPolling: [], property: nil)
        }
        // A ROUTER prefixes the sender's routing id; a DEALER always sends at least one frame.
        return batch.compactMap { message in
            guard let identity = message.frames.first, message.frames.count > 1 else { return nil }
            let credential = message.property.flatMap { $0.isEmpty ? nil : $0 }
            return InboundMessage(
                peer: PeerID(identity), frames: Array(message.frames.dropFirst()), credential: credential)
        }
    }

    /// Sends to one peer; a gone or stalled peer drops the message (see `deliver(_:to:)`).
    package func send(_ frames: Frames, to peer: PeerID) throws {
        try deliver(frames, to: peer)
    }

    /// Sends to one peer without blocking and tells whether the message was queued. A gone
    /// (`EHOSTUNREACH`) or stalled (`EAGAIN`) peer is not an error: the message is dropped,
    /// counted and reported to `onDrop`. Throws only for real errors (e.g. `ETERM`).
    @discardableResult
    package func deliver(_ frames: Frames, to peer: PeerID) throws -> ZeroMQSendOutcome {
        guard !frames.isEmpty else { throw ZeroMQError(operation: "zmq_send(no frames)", errno: EINVAL) }
        let outcome: ZeroMQSendOutcome
        do {
            outcome = try socket.send(frames: [peer.bytes] + frames, dontWait: true) ? .queued : .droppedPeerQueueFull
        } catch let error as ZeroMQError where error.errno == EHOSTUNREACH {
            outcome = .droppedPeerUnknown
        }
        if outcome != .queued {
            droppedMessageCount += 1
            onDrop?(peer, outcome)
        }
        return outcome
    }
}

@available(*, unavailable, message: "A ZeroMQ transport belongs to the thread that created it")
extension ZeroMQServerTransport: Sendable {}
