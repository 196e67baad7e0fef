import Foundation
import HPORuntime

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 responder for `GET /metrics`, on a thread of its own, so that no client can
/// stall the coordinator's loop: one `poll` over the listening socket, a self-pipe to stop it and
/// at most `maxConnections` clients. Each connection carries one request (`Connection: close`).
/// A request head is bounded in bytes and header lines, and a client has `requestTimeout`
/// seconds from its accept to send its request and read the answer; past that it is dropped.
/// A malformed request gets a 4xx; nothing a client sends can trap.
package final class MetricsHTTPServer: @unchecked Sendable {
    package struct Settings: Sendable {
        package var maxConnections = 4
        /// Seconds from accept to the last byte of the answer sent.
        package var requestTimeout = 5.0
        package var limits = HTTPRequestHead.Limits()
        package init() {}
    }

    /// The address listened on, `HOST:PORT` (the port the kernel chose when 0 was asked for).
    package let boundAddress: String
    package let settings: Settings
    private let listener: Int32
    private let render: @Sendable () -> String
    private let waker = Waker()
    private let lock = NSLock()
    private var stopping = false
    private var listenerClosed = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    /// Binds and listens on `address` (`HOST:PORT`, `[IPv6]:PORT`); `render` gives the body of
    /// each `GET /metrics` and runs on the server's thread. Call `start` to serve.
    package init(listen address: String, settings: Settings = Settings(), render: @escaping @Sendable () -> String)
        throws
    {
        self.settings = settings
        self.render = render
        (listener, boundAddress) = try Self.listen(on: address)
    }

    deinit { if !listenerClosed { close(listener) } }

    package func start() {
        lock.lock()
        defer { lock.unlock() }
        guard thread == nil, !stopping else { return }
        let thread = Thread { [self] in serve() }
        thread.name = "metrics http"
        self.thread = thread
        thread.start()
    }

    /// Stops serving, closes every connection and the listening socket (connections not yet
    /// accepted are refused with it), and returns once the thread has ended.
    package func stopAndJoin() {
        lock.lock()
        let wasStarted = thread != nil && !stopping
        stopping = true
        lock.unlock()
        waker.wake()
        if wasStarted { finished.wait() }
        lock.lock()
        if !listenerClosed {
            listenerClosed = true
            close(listener)
        }
        lock.unlock()
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    // MARK: - The loop

    private final class Connection {
        enum State { case reading, writing, draining }
        let fd: Int32
        var state = State.reading
        var input: [UInt8] = []
        var output: [UInt8] = []
        var written = 0
        var deadline: Double
        var closed = false
        init(fd: Int32, deadline: Double) {
            self.fd = fd
            self.deadline = deadline
        }
    }

    private func serve() {
        SignalTrap.blockInThisThread()
        var connections: [Connection] = []
        defer {
            for connection in connections { close(connection.fd) }
            finished.signal()
        }
        while !isStopping {
            var fds = [pollfd(fd: waker.fileDescriptor, events: Int16(POLLIN), revents: 0)]
            let accepting = connections.count < settings.maxConnections
            if accepting { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
            for connection in connections {
                let events = connection.state == .writing ? POLLOUT : POLLIN
                fds.append(pollfd(fd: connection.fd, events: Int16(events), revents: 0))
            }
            let now = monotonicSeconds()
            let timeout =
                connections.map(\.deadline).min().map { Int32(max(0, min(($0 - now) * 1000 + 1, 60_000))) } ?? -1
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno != EINTR { break }
            if fds[0].revents != 0 { waker.drain() }
            if isStopping { break }
            var offset = 1
            if accepting {
                if fds[1].revents != 0 { accept(into: &connections) }
                offset = 2
            }
            let polled = fds.count - offset
            for index in 0..<polled where fds[offset + index].revents != 0 {
                handle(connections[index], revents: fds[offset + index].revents)
            }
            let later = monotonicSeconds()
            for connection in connections where !connection.closed && later >= connection.deadline {
                // Too slow to send its request or to read the answer (or done draining).
                finish(connection)
            }
            connections.removeAll { $0.closed }
        }
    }

    private func accept(into connections: inout [Connection]) {
        while connections.count < settings.maxConnections {
            // (accept4 is not visible from Swift's Glibc: accept, then the flags.)
            let fd = Glibc.accept(listener, nil, nil)
            guard fd >= 0 else { return }  // EAGAIN, or a client that went away before we took it
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            connections.append(Connection(fd: fd, deadline: monotonicSeconds() + settings.requestTimeout))
        }
    }

    private func handle(_ connection: Connection, revents: Int16) {
        switch connection.state {
        case .reading:
            guard receive(connection) else { return finish(connection) }
            switch HTTPRequestHead.parse(connection.input, limits: settings.limits) {
            case .needMore:
                if revents & Int16(POLLHUP | POLLERR) != 0 { finish(connection) }
            case .complete(let head):
                respond(connection, to: head)
            case .refused(let refusal):
                queue(connection, status: refusal.status, body: "\(refusal.status.reason)\n", head: false)
            }
        case .writing:
            if revents & Int16(POLLERR | POLLHUP) != 0 { return finish(connection) }
            flush(connection)
        case .draining:
            // Read what the client still sends (the rest of an oversized request) until it closes,
            // so that closing does not reset the connection before it has read the answer.
            if !receive(connection, keep: false) { finish(connection) }
        }
    }

    /// Reads what is waiting; false when the peer closed or failed.
    private func receive(_ connection: Connection, keep: Bool = true) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            // Never more than the head's bound plus one chunk is kept: past it, parse refuses.
            if keep { connection.input += chunk[0..<count] }
            return true
        }
        if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return true }
        return false
    }

    private func respond(_ connection: Connection, to head: HTTPRequestHead) {
        guard head.method == "GET" || head.method == "HEAD" else {
            return queue(
                connection, status: .methodNotAllowed, body: "only GET\n", head: false, extra: "Allow: GET, HEAD\r\n")
        }
        guard head.path == "/metrics" else {
            return queue(
                connection, status: .notFound, body: "not found: the metrics are at /metrics\n",
                head: head.method == "HEAD")
        }
        queue(
            connection, status: .ok, body: render(), head: head.method == "HEAD",
            contentType: PrometheusText.contentType)
    }

    private func queue(
        _ connection: Connection, status: HTTPStatus, body: String, head: Bool,
        contentType: String = "text/plain; charset=utf-8", extra: String = ""
    ) {
        let bodyBytes = Array(body.utf8)
        let header =
            "HTTP/1.1 \(status.rawValue) \(status.reason)\r\nContent-Type: \(contentType)\r\n"
            + "Content-Length: \(bodyBytes.count)\r\nConnection: close\r\n\(extra)\r\n"
        connection.output = Array(header.utf8) + (head ? [] : bodyBytes)
        connection.input = []
        connection.state = .writing
        flush(connection)
    }

    private func flush(_ connection: Connection) {
        while connection.written < connection.output.count {
            let sent = connection.output.withUnsafeBytes { raw in
                send(
                    connection.fd, raw.baseAddress! + connection.written, raw.count - connection.written,
                    Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                connection.written += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                return  // the socket's buffer is full: poll for POLLOUT
            } else {
                return finish(connection)
            }
        }
        shutdown(connection.fd, Int32(SHUT_WR))
        connection.state = .draining
        connection.deadline = min(connection.deadline, monotonicSeconds() + 1)
    }

    private func finish(_ connection: Connection) {
        guard !connection.closed else { return }
        connection.closed = true
        close(connection.fd)
    }

    // MARK: - The listening socket

    /// Splits `HOST:PORT` (`[IPv6]:PORT`) and binds a listening TCP socket to it.
    static func listen(on address: String) throws -> (Int32, String) {
        guard let (host, port) = split(address) else {
            throw MetricsServerError(address: address, reason: "expected HOST:PORT, e.g. 127.0.0.1:9464")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? nil : host, port, &hints, &list)
        guard status == 0, let first = list else {
            throw MetricsServerError(address: address, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        let fd = socket(
            first.pointee.ai_family,
            Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw MetricsServerError(address: address, reason: String(cString: strerror(errno))) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, Glibc.listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw MetricsServerError(address: address, reason: reason)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let boundPort: UInt16 =
            storage.ss_family == sa_family_t(AF_INET6)
            ? withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            : withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return (fd, "\(shownHost):\(boundPort)")
    }

    /// `HOST:PORT` or `[IPv6]:PORT` to its parts; nil when it is neither.
    static func split(_ address: String) -> (host: String, port: String)? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        var host = String(address[..<colon])
        let port = String(address[address.index(after: colon)...])
        guard let number = Int(port), (0...65535).contains(number) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            return nil  // an IPv6 address needs its brackets
        }
        return (host, port)
    }
}

/// The metrics address cannot be listened on.
package struct MetricsServerError: Error, CustomStringConvertible {
    package let address: String
    package let reason: String
    package var description: String { "cannot serve metrics on \(address): \(reason)" }
}
