/// What can be told from a ZeroMQ endpoint string alone.
package enum ZeroMQEndpoint {
    /// Loopback and in-host transports: `tcp://127.x.x.x`, `tcp://localhost`, `tcp://[::1]`,
    /// `ipc://`, `inproc://`. Any other host name counts as beyond loopback, since what it
    /// resolves to can change. A connect endpoint's source part (`tcp://eth0;host:port`) is
    /// skipped: what matters is where the traffic goes.
    package static func isLoopback(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        var host = endpoint.dropFirst("tcp://".count)
        if let semicolon = host.lastIndex(of: ";") { host = host[host.index(after: semicolon)...] }
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        return host.hasPrefix("127.") || host == "localhost" || host == "[::1]" || host == "::1"
    }
}
