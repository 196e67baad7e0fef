import Foundation
import HPOMetrics
import HPOTestSupport
import Testing

/// The metrics responder against clients that misbehave: every case ends with a well-formed
/// request still being answered.
@Suite struct MetricsHTTPServerTests {
    func server(timeout: Double = 5, maxConnections: Int = 4, maxHeadBytes: Int = 8192) throws -> MetricsHTTPServer {
        var settings = MetricsHTTPServer.Settings()
        settings.requestTimeout = timeout
        settings.maxConnections = maxConnections
        settings.limits.maxHeadBytes = maxHeadBytes
        let server = try MetricsHTTPServer(listen: "127.0.0.1:0", settings: settings) {
            "# TYPE hpo_up gauge\nhpo_up 1\n"
        }
        server.start()
        return server
    }

    func get(_ server: MetricsHTTPServer) throws -> (status: Int?, headers: String, body: String) {
        try RawHTTPClient.exchange(server.boundAddress, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    }

    @Test("GET /metrics: 200, the exposition content type and the rendered body; HEAD: no body")
    func serves() throws {
        let server = try server()
        defer { server.stopAndJoin() }
        let answer = try get(server)
        #expect(answer.status == 200)
        #expect(answer.headers.contains("Content-Type: text/plain; version=0.0.4"))
        #expect(answer.headers.contains("Content-Length: 29"))
        #expect(answer.body == "# TYPE hpo_up gauge\nhpo_up 1\n")
        let head = try RawHTTPClient.exchange(server.boundAddress, "HEAD /metrics HTTP/1.0\r\n\r\n")
        #expect(head.status == 200 && head.body.isEmpty)
    }

    @Test("another path is 404, another method 405 with Allow")
    func notFoundAndMethod() throws {
        let server = try server()
        defer { server.stopAndJoin() }
        #expect(try RawHTTPClient.exchange(server.boundAddress, "GET / HTTP/1.1\r\n\r\n").status == 404)
        let post = try RawHTTPClient.exchange(
            server.boundAddress, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        #expect(post.status == 405)
        #expect(post.headers.contains("Allow: GET, HEAD"))
    }

    @Test(
        "malformed requests get 400 (505 for another version), and the server goes on serving",
        arguments: [
            ("GET /metrics\r\n\r\n", 400), ("\u{0}\u{1}\u{2} garbage\r\n\r\n", 400),
            ("GET /metrics HTTP/1.1\r\nbroken\r\n\r\n", 400),
            ("GET /metrics HTTP/9.9\r\n\r\n", 505), ("\r\n\r\n", 400)
        ])
    func malformed(_ request: String, _ status: Int) throws {
        let server = try server()
        defer { server.stopAndJoin() }
        #expect(try RawHTTPClient.exchange(server.boundAddress, request).status == status)
        #expect(try get(server).status == 200)
    }

    @Test("an oversized request head is refused with 431 (not read to its end), and the server goes on serving")
    func oversized() throws {
        let server = try server(maxHeadBytes: 4096)
        defer { server.stopAndJoin() }
        let client = try RawHTTPClient(server.boundAddress)
        // A head that never ends: 64 KiB of one header, more than the bound and than a socket buffer holds in one go.
        client.send("GET /metrics HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 65536))
        let (text, closed) = client.readToEnd(within: 10)
        #expect(RawHTTPClient.parse(text).status == 431, "answer: \(text.prefix(200))")
        #expect(closed)
        #expect(try get(server).status == 200)
    }

    @Test("a client that connects and never sends is dropped after the timeout, and others are served meanwhile")
    func silentClient() throws {
        let server = try server(timeout: 0.5)
        defer { server.stopAndJoin() }
        let silent = try RawHTTPClient(server.boundAddress)
        let started = Date()
        #expect(try get(server).status == 200, "served while the silent client holds a connection")
        let (text, closed) = silent.readToEnd(within: 10)
        let waited = Date().timeIntervalSince(started)
        #expect(closed && text.isEmpty, "dropped without an answer")
        #expect(waited >= 0.4 && waited < 5, "after about the timeout: \(waited) s")
    }

    @Test("a client that sends its request a byte at a time past the timeout is dropped")
    func slowClient() throws {
        let server = try server(timeout: 0.5)
        defer { server.stopAndJoin() }
        let slow = try RawHTTPClient(server.boundAddress)
        slow.send("GET /met")
        let (_, closed) = slow.readToEnd(within: 10)
        #expect(closed)
        #expect(try get(server).status == 200)
    }

    @Test("more idle clients than connections only delay a request until their timeout: it is still answered")
    func connectionBound() throws {
        let server = try server(timeout: 0.5, maxConnections: 2)
        defer { server.stopAndJoin() }
        let idle = try (0..<6).map { _ in try RawHTTPClient(server.boundAddress) }
        let started = Date()
        #expect(try get(server).status == 200)
        #expect(Date().timeIntervalSince(started) < 8)
        _ = idle
    }

    @Test("stopAndJoin returns with a client still connected; a second server on the same port is refused")
    func stopAndAddressInUse() throws {
        let server = try server()
        let client = try RawHTTPClient(server.boundAddress)
        #expect(throws: MetricsServerError.self) { try MetricsHTTPServer(listen: server.boundAddress) { "" } }
        server.stopAndJoin()
        let (_, closed) = client.readToEnd(within: 5)
        #expect(closed, "its connection was closed")
        #expect(throws: MetricsServerError.self) { try MetricsHTTPServer(listen: "no-port") { "" } }
        #expect(throws: MetricsServerError.self) { try MetricsHTTPServer(listen: "::1:9464") { "" } }
        #expect(throws: MetricsServerError.self) { try MetricsHTTPServer(listen: "127.0.0.1:70000") { "" } }
    }
}
