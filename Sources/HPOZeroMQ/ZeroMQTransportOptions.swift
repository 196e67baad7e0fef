/// Settings of the live transports. The defaults suit a coordinator and workers on one cluster;
/// docs/zeromq.md explains each choice.
package struct ZeroMQTransportOptions: Sendable, Equatable {
    /// How long close keeps unsent messages. Short, so shutdown never hangs on a vanished peer.
    package var lingerMilliseconds: Int32 = 100
    /// Per-peer queue limits, in messages. A server send to a full peer is dropped, not blocked.
    package var sendHighWaterMark: Int32 = 10_000
    package var receiveHighWaterMark: Int32 = 10_000
    /// Client: first reconnect delay, and the cap of its exponential back-off.
    package var reconnectIntervalMilliseconds: Int32 = 100
    package var reconnectIntervalMaxMilliseconds: Int32 = 2_000
    /// ZMTP heartbeats: PING every interval; drop a connection silent for `timeout`; ask the
    /// peer to drop us after `ttl` of silence. Nil: no heartbeats.
    package var heartbeat: Heartbeat? = Heartbeat()
    /// TCP keep-alive probes, a second line for connections through NAT or firewalls.
    package var tcpKeepalive = true
    /// Largest accepted inbound message in bytes (a peer sending more is disconnected). Nil: no limit.
    package var maxMessageSize: Int64? = nil
    /// Client: a fixed routing id (1–255 bytes, first byte not 0) so the server sees the same
    /// PeerID across reconnects. Nil: libzmq picks a new one per connection.
    package var routingID: [UInt8]? = nil
    /// Server: a new connection with a routing id in use takes it over (see `routingID`).
    package var routerHandover = false

    package struct Heartbeat: Sendable, Equatable {
        package var intervalMilliseconds: Int32
        package var timeoutMilliseconds: Int32
        package var ttlMilliseconds: Int32
        package init(
            intervalMilliseconds: Int32 = 1_000, timeoutMilliseconds: Int32 = 5_000,
            ttlMilliseconds: Int32 = 5_000
        ) {
            self.intervalMilliseconds = intervalMilliseconds
            self.timeoutMilliseconds = timeoutMilliseconds
            self.ttlMilliseconds = ttlMilliseconds
        }
    }

    package init() {}

    /// The options both ends share.
    var commonSocketOptions: [ZeroMQSocketOption] {
        var options: [ZeroMQSocketOption] = [
            .linger(milliseconds: lingerMilliseconds),
            .sendHighWaterMark(sendHighWaterMark),
            .receiveHighWaterMark(receiveHighWaterMark),
            .tcpKeepalive(tcpKeepalive)
        ]
        if let heartbeat {
            options += [
                .heartbeatInterval(milliseconds: heartbeat.intervalMilliseconds),
                .heartbeatTimeout(milliseconds: heartbeat.timeoutMilliseconds),
                .heartbeatTTL(milliseconds: heartbeat.ttlMilliseconds)
            ]
        }
        if let maxMessageSize { options.append(.maxMessageSize(maxMessageSize)) }
        return options
    }
}
