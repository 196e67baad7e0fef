import HPORuntime
import HPOWire
import HPOZeroMQ

/// One control request as the coordinator received it: decoded, or why not.
package struct ControlInbound: Sendable {
    package var peer: PeerID
    /// The client's request id, echoed in the reply (nil when it sent none).
    package var id: String?
    /// With CURVE: the client's public key, as libzmq authenticated it.
    package var credential: String?
    package var request: Result<ControlRequest, ControlCodecError>
}

/// Refused at start-up: a control address beyond loopback without CURVE.
package struct ControlSetupError: Error, CustomStringConvertible, Sendable {
    package var description: String
}

/// The coordinator's control address: a ROUTER of its own (its own ZeroMQ context, so its ZAP
/// handler is its own), polled without waiting on every turn of the coordinator's loop (which
/// wakes at least every tick), so a request is served within a tick. Use on the loop's thread.
package final class ControlServer {
    package let boundEndpoint: String
    private let context: ZeroMQContext
    private let transport: ZeroMQServerTransport
    /// Whether clients are authenticated (CURVE).
    package var isSecure: Bool { transport.isSecure }
    /// With CURVE: the public keys allowed to control, replaceable at run time (SIGHUP).
    package var authorizedKeys: Set<String> {
        get { transport.authorizedKeys }
        set { transport.authorizedKeys = newValue }
    }
    /// Called for each CURVE admission, refusal or failed handshake.
    package var onSecurityEvent: ((SecurityEvent) -> Void)? {
        get { transport.onSecurityEvent }
        set { transport.onSecurityEvent = newValue }
    }

    /// Binds `endpoint`. Beyond loopback `curve` is required (docs/security.md): this throws
    /// `ControlSetupError` otherwise.
    package init(bind endpoint: String, curve: CurveServerSettings?) throws {
        guard curve != nil || ZeroMQEndpoint.isLoopback(endpoint) else {
            throw ControlSetupError(
                description: """
                    refusing a control address beyond loopback without CURVE (\(endpoint)): anyone who reaches it could \
                    stop the study. Bind --control to 127.0.0.1, or give --curve-secret and --authorized-keys \
                    (only authorised keys may then control the study; docs/security.md).
                    """)
        }
        context = try ZeroMQContext()
        var options = ZeroMQTransportOptions()
        options.maxMessageSize = Int64(ControlLimits.maxMessageBytes + 1024)
        options.sendHighWaterMark = 1000
        options.receiveHighWaterMark = 1000
        // The waker is never fired: the coordinator's loop wakes on its own socket and ticks.
        transport = try ZeroMQServerTransport(
            context: context, bind: endpoint, waker: Waker(), options: options, curve: curve)
        boundEndpoint = transport.boundEndpoint
    }

    /// The requests waiting now (at most `limit`), without blocking.
    package func receive(limit: Int = ControlLimits.maxRequestsPerTurn) throws -> [ControlInbound] {
        try transport.receive(timeoutMilliseconds: 0, limit: limit).map { message in
            let request: Result<ControlRequest, ControlCodecError>
            let id: String?
            do throws(ControlCodecError) {
                let decoded = try ControlCodec.decodeRequest(message.frames)
                (id, request) = (decoded.id, .success(decoded.request))
            } catch {
                (id, request) = (ControlCodec.requestID(message.frames), .failure(error))
            }
            return ControlInbound(peer: message.peer, id: id, credential: message.credential, request: request)
        }
    }

    /// Answers one request (a client gone meanwhile drops it).
    package func reply(_ reply: ControlReply, to inbound: ControlInbound) throws {
        try transport.deliver(ControlCodec.encode(reply, id: inbound.id), to: inbound.peer)
    }
}
