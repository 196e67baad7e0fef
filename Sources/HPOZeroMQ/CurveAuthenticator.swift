import CZeroMQ
import HPOWire

/// CURVE on the coordinator's ROUTER: its key pair, and who may connect.
package struct CurveServerSettings: Sendable {
    package var keyPair: CurveKeyPair
    /// Public keys (Z85) of the workers allowed in. Replace it at run time with
    /// `ZeroMQServerTransport.authorizedKeys` (e.g. on SIGHUP).
    package var authorizedKeys: Set<String>

    package init(keyPair: CurveKeyPair, authorizedKeys: Set<String>) {
        self.keyPair = keyPair
        self.authorizedKeys = authorizedKeys
    }
}

/// CURVE on a worker's DEALER: its own key pair and the coordinator's public key.
package struct CurveClientSettings: Sendable {
    package var keyPair: CurveKeyPair
    package var serverPublicKey: String

    package init(keyPair: CurveKeyPair, serverPublicKey: String) {
        self.keyPair = keyPair
        self.serverPublicKey = serverPublicKey
    }
}

/// Something the coordinator should log about who tried to connect.
package enum SecurityEvent: Sendable, Equatable {
    /// A worker whose key is not in the allow-list (ZAP said 400).
    case refusedKey(publicKey: String, address: String)
    /// A worker admitted by its key.
    case admittedKey(publicKey: String, address: String)
    /// A connection whose handshake failed: a plain-text client, a wrong server key, garbage.
    case handshakeFailed(address: String, reason: String)
}

/// The ZAP handler (RFC 27) and a socket monitor for one CURVE ROUTER, living on the ROUTER's
/// thread: the transport polls `zap` and `monitor` beside its own socket.
final class CurveAuthenticator {
    let zap: ZeroMQSocket
    let monitor: ZeroMQSocket
    var authorizedKeys: Set<String>

    /// Must be created before the ROUTER binds: libzmq asks the ZAP handler about every
    /// connection, and one without a handler is let in.
    init(context: ZeroMQContext, authorizedKeys: Set<String>) throws {
        zap = try ZeroMQSocket(context: context, type: .rep)
        try zap.set(.linger(milliseconds: 0))
        try zap.bind("inproc://zeromq.zap.01")
        monitor = try ZeroMQSocket(context: context, type: .pair)
        try monitor.set(.linger(milliseconds: 0))
        self.authorizedKeys = authorizedKeys
    }

    /// Starts monitoring the ROUTER's failed handshakes.
    func watch(_ router: ZeroMQSocket) throws {
        let address = "inproc://hpo-monitor-\(UInt(bitPattern: router.handle))"
        let events =
            ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
            | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
        guard zmq_socket_monitor(router.handle, address, Int32(events)) == 0 else {
            throw ZeroMQError.last("zmq_socket_monitor(\(address))")
        }
        try monitor.connect(address)
    }

    /// Answers every waiting ZAP request and reads every monitor event.
    func service() throws -> [SecurityEvent] {
        var events: [SecurityEvent] = []
        while let request = try zap.receive(dontWait: true) {
            let (reply, event) = answer(request)
            try zap.send(frames: reply)
            if let event { events.append(event) }
        }
        while let frames = try monitor.receive(dontWait: true) {
            if let event = Self.decodeMonitorEvent(frames) { events.append(event) }
        }
        return events
    }

    /// ZAP request: version, request id, domain, address, identity, mechanism, credentials…
    private func answer(_ request: Frames) -> (Frames, SecurityEvent?) {
        let version = Array("1.0".utf8)
        guard request.count >= 6, request[0] == version else {
            return (
                [
                    version, request.count > 1 ? request[1] : [], Array("500".utf8), Array("bad ZAP request".utf8), [],
                    []
                ], nil
            )
        }
        let requestID = request[1]
        let address = String(decoding: request[3], as: UTF8.self)
        let mechanism = String(decoding: request[5], as: UTF8.self)
        guard mechanism == "CURVE", request.count >= 7, let key = ZeroMQ.z85Encode(request[6]) else {
            return (
                [version, requestID, Array("400".utf8), Array("CURVE required".utf8), [], []],
                .handshakeFailed(address: address, reason: "mechanism \(mechanism), CURVE required")
            )
        }
        if authorizedKeys.contains(key) {
            return (
                [version, requestID, Array("200".utf8), Array("OK".utf8), Array(key.utf8), []],
                .admittedKey(publicKey: key, address: address)
            )
        }
        return (
            [version, requestID, Array("400".utf8), Array("key not authorised".utf8), [], []],
            .refusedKey(publicKey: key, address: address)
        )
    }

    /// Monitor events: frame 1 holds a 16-bit event id and a 32-bit value, frame 2 the address.
    static func decodeMonitorEvent(_ frames: Frames) -> SecurityEvent? {
        guard frames.count == 2, frames[0].count >= 6 else { return nil }
        let event = UInt16(frames[0][0]) | UInt16(frames[0][1]) << 8
        let address = String(decoding: frames[1], as: UTF8.self)
        switch Int32(event) {
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
            return .handshakeFailed(address: address, reason: "authentication refused")
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
            return .handshakeFailed(
                address: address, reason: "protocol error (a plain-text client, or a wrong server key)")
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            return .handshakeFailed(
                address: address, reason: "handshake failed (a wrong server key, or not a CURVE client)")
        default: return nil
        }
    }
}
