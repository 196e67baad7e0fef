import Foundation

/// How `hpo serve` listens, follows and bounds its clients.
package struct ServeSettings: Sendable {
    /// `HOST:PORT` (`[IPv6]:PORT`); port 0 asks the kernel for one.
    package var bind = "127.0.0.1:8080"
    /// The access token every request must carry (required beyond loopback); nil: none.
    package var token: String?
    /// Seconds between looks at the logs for new bytes.
    package var pollInterval = 0.2
    /// Seconds between keep-alive comments on the event streams (which also find closed clients).
    package var keepAliveInterval = 15.0
    /// Events queued for one event-stream client before it counts as not reading and is closed.
    package var queueLimit = 16
    /// The kernel's send buffer of an event stream's socket, in bytes (Linux doubles it); fixed, so
    /// a client that stops reading holds at most this, NIO's 64 KiB and `queueLimit` events.
    package var streamSendBuffer = 32 * 1024
    /// Event-stream clients at once; more get 503.
    package var maxStreams = 1000
    /// Connections at once (more wait in the listen backlog).
    package var maxConnections = 2000
    /// Longest request target (path and query) accepted; longer: 414.
    package var maxTargetLength = 2048
    /// Largest request head (all header fields) and body accepted; larger: 431 or 413.
    package var maxHeaderBytes = 16 * 1024
    package var maxBodyBytes = 16 * 1024
    package init() {}

    /// Whether `bind`'s host is a loopback address (127.0.0.0/8, ::1, localhost).
    package static func isLoopback(host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// `HOST:PORT` or `[IPv6]:PORT` split.
    package static func split(bind: String) throws(ServeError) -> (host: String, port: Int) {
        guard let colon = bind.lastIndex(of: ":") else { throw .badBind(bind, "expected HOST:PORT") }
        var host = String(bind[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(bind[bind.index(after: colon)...]), (0...65535).contains(port) else {
            throw .badBind(bind, "the port must be a number from 0 to 65535")
        }
        guard !host.isEmpty else { throw .badBind(bind, "no host (use 127.0.0.1 for this machine only)") }
        return (host, port)
    }

    /// The token in a token file: its first line, trimmed; at least 16 characters.
    package static func readToken(path: String) throws(ServeError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .badTokenFile(path, "cannot be read")
        }
        let token = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard let token, token.count >= 16 else {
            throw .badTokenFile(path, "the first line must hold a token of at least 16 characters")
        }
        guard token.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != ";" && $0 != "," }) else {
            throw .badTokenFile(path, "the token must be printable ASCII without spaces, ';' or ','")
        }
        return token
    }
}
