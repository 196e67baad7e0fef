import CZeroMQ

/// A socket option with a typed value. Most options take effect for later `bind`/`connect`
/// calls only: set them first. Durations are in milliseconds.
package enum ZeroMQSocketOption: Sendable, Hashable {
    /// How long unsent messages are kept after close: 0 drops them, -1 waits for ever.
    case linger(milliseconds: Int32)
    /// Queue limit, in messages, per peer for outgoing messages (libzmq default 1000).
    case sendHighWaterMark(Int32)
    /// Queue limit, in messages, per peer for incoming messages (libzmq default 1000).
    case receiveHighWaterMark(Int32)
    /// The identity a ROUTER peer sees; 1–255 bytes, not starting with a zero byte.
    case routingID([UInt8])
    /// ROUTER: a send to an unknown or full peer fails (`EHOSTUNREACH` / `EAGAIN`) instead of
    /// being dropped silently.
    case routerMandatory(Bool)
    /// ROUTER: a new connection with a routing id in use takes it over (default: refused).
    case routerHandover(Bool)
    /// Queue messages only to completed connections (default false: queue to pending ones too).
    case immediate(Bool)
    /// Send a ZMTP PING every interval (0: no heartbeats).
    case heartbeatInterval(milliseconds: Int32)
    /// How long the remote peer may go without traffic from us before dropping the connection.
    case heartbeatTTL(milliseconds: Int32)
    /// How long to wait for traffic after a PING before dropping the connection.
    case heartbeatTimeout(milliseconds: Int32)
    /// First delay before reconnecting a lost or refused connection (-1: never reconnect).
    case reconnectInterval(milliseconds: Int32)
    /// Upper bound of the exponential reconnect back-off (0: no back-off).
    case reconnectIntervalMax(milliseconds: Int32)
    /// TCP keep-alive probes (SO_KEEPALIVE) on TCP connections.
    case tcpKeepalive(Bool)
    /// Largest inbound message in bytes; a peer sending more is disconnected (-1: no limit).
    case maxMessageSize(Int64)
    /// Blocking sends give up with `EAGAIN` after this long (-1: never).
    case sendTimeout(milliseconds: Int32)
    /// Blocking receives give up with `EAGAIN` after this long (-1: never).
    case receiveTimeout(milliseconds: Int32)
    /// CURVE: this socket is the server side (needs `curveSecretKey`).
    case curveServer(Bool)
    /// CURVE: this socket's long-term public key, Z85 (40 characters).
    case curvePublicKey(String)
    /// CURVE: this socket's long-term secret key, Z85 (40 characters).
    case curveSecretKey(String)
    /// CURVE client: the server's public key, Z85 (40 characters).
    case curveServerKey(String)
    /// The ZAP domain used when authenticating incoming connections.
    case zapDomain(String)
}

extension ZeroMQSocketOption {
    /// The libzmq option number and a name for error messages.
    var code: (option: Int32, name: String) {
        switch self {
        case .linger: (ZMQ_LINGER, "linger")
        case .sendHighWaterMark: (ZMQ_SNDHWM, "sndhwm")
        case .receiveHighWaterMark: (ZMQ_RCVHWM, "rcvhwm")
        case .routingID: (ZMQ_ROUTING_ID, "routing_id")
        case .routerMandatory: (ZMQ_ROUTER_MANDATORY, "router_mandatory")
        case .routerHandover: (ZMQ_ROUTER_HANDOVER, "router_handover")
        case .immediate: (ZMQ_IMMEDIATE, "immediate")
        case .heartbeatInterval: (ZMQ_HEARTBEAT_IVL, "heartbeat_ivl")
        case .heartbeatTTL: (ZMQ_HEARTBEAT_TTL, "heartbeat_ttl")
        case .heartbeatTimeout: (ZMQ_HEARTBEAT_TIMEOUT, "heartbeat_timeout")
        case .reconnectInterval: (ZMQ_RECONNECT_IVL, "reconnect_ivl")
        case .reconnectIntervalMax: (ZMQ_RECONNECT_IVL_MAX, "reconnect_ivl_max")
        case .tcpKeepalive: (ZMQ_TCP_KEEPALIVE, "tcp_keepalive")
        case .maxMessageSize: (ZMQ_MAXMSGSIZE, "maxmsgsize")
        case .sendTimeout: (ZMQ_SNDTIMEO, "sndtimeo")
        case .receiveTimeout: (ZMQ_RCVTIMEO, "rcvtimeo")
        case .curveServer: (ZMQ_CURVE_SERVER, "curve_server")
        case .curvePublicKey: (ZMQ_CURVE_PUBLICKEY, "curve_publickey")
        case .curveSecretKey: (ZMQ_CURVE_SECRETKEY, "curve_secretkey")
        case .curveServerKey: (ZMQ_CURVE_SERVERKEY, "curve_serverkey")
        case .zapDomain: (ZMQ_ZAP_DOMAIN, "zap_domain")
        }
    }

    /// The option value as libzmq expects it.
    enum Value {
        case int32(Int32)
        case int64(Int64)
        case bytes([UInt8])
    }

    var value: Value {
        switch self {
        case .linger(let ms), .heartbeatInterval(let ms), .heartbeatTTL(let ms), .heartbeatTimeout(let ms),
            .reconnectInterval(let ms), .reconnectIntervalMax(let ms), .sendTimeout(let ms),
            .receiveTimeout(let ms):
            .int32(ms)
        case .sendHighWaterMark(let count), .receiveHighWaterMark(let count):
            .int32(count)
        case .routerMandatory(let flag), .routerHandover(let flag), .immediate(let flag),
            .tcpKeepalive(let flag), .curveServer(let flag):
            .int32(flag ? 1 : 0)
        case .maxMessageSize(let bytes):
            .int64(bytes)
        case .routingID(let bytes):
            .bytes(bytes)
        case .curvePublicKey(let text), .curveSecretKey(let text), .curveServerKey(let text),
            .zapDomain(let text):
            .bytes(Array(text.utf8))
        }
    }
}

extension ZeroMQSocket {
    /// Sets one option.
    package func set(_ option: ZeroMQSocketOption) throws {
        let (code, name) = option.code
        let result: Int32
        switch option.value {
        case .int32(var number):
            result = zmq_setsockopt(handle, code, &number, MemoryLayout<Int32>.size)
        case .int64(var number):
            result = zmq_setsockopt(handle, code, &number, MemoryLayout<Int64>.size)
        case .bytes(let bytes):
            result = bytes.withUnsafeBytes { zmq_setsockopt(handle, code, $0.baseAddress, $0.count) }
        }
        guard result == 0 else { throw ZeroMQError.last("zmq_setsockopt(\(name))") }
        if case .linger = option { lingerWasSet = true }
    }

    /// Sets several options in order.
    package func set(_ options: [ZeroMQSocketOption]) throws {
        for option in options { try set(option) }
    }
}
