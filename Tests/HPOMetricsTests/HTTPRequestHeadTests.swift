import HPOMetrics
import Testing

@Suite struct HTTPRequestHeadTests {
    func parse(_ text: String, _ limits: HTTPRequestHead.Limits = .init()) -> HTTPRequestHead.Outcome {
        HTTPRequestHead.parse(Array(text.utf8), limits: limits)
    }

    @Test("a GET with headers and a query string; a bare LF is accepted")
    func valid() {
        #expect(
            parse("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n")
                == .complete(.init(method: "GET", path: "/metrics")))
        #expect(parse("HEAD / HTTP/1.0\n\n") == .complete(.init(method: "HEAD", path: "/")))
    }

    @Test("an unfinished head needs more bytes")
    func partial() {
        #expect(parse("GET /metrics HTTP/1.1\r\nHost: a\r\n") == .needMore)
        #expect(parse("") == .needMore)
    }

    @Test(
        "malformed heads are refused with 400",
        arguments: [
            "GET /metrics\r\n\r\n", "GET  /metrics HTTP/1.1\r\n\r\n", "GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n",
            "GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n", "GET /metrics HTTP/1.1\r\n folded: x\r\n\r\n",
            "G(T /metrics HTTP/1.1\r\n\r\n", "GET /met\u{7F}rics HTTP/1.1\r\n\r\n", "GET /metrics FTP/1.1\r\n\r\n",
            "\r\n\r\n"
        ])
    func malformed(_ text: String) {
        guard case .refused(let refusal) = parse(text) else {
            Issue.record("accepted: \(text.debugDescription)")
            return
        }
        #expect(refusal.status == .badRequest)
    }

    @Test("HTTP/2 or /0.9 gets 505; too many bytes or headers 431")
    func bounds() {
        #expect(parse("GET /metrics HTTP/2.0\r\n\r\n") == .refused(.unsupportedVersion))
        var limits = HTTPRequestHead.Limits()
        limits.maxHeadBytes = 64
        limits.maxHeaders = 2
        #expect(
            parse("GET /metrics HTTP/1.1\r\nX-Long: " + String(repeating: "a", count: 100), limits)
                == .refused(.tooLarge))
        #expect(
            parse("GET /metrics HTTP/1.1\r\nX-Long: " + String(repeating: "a", count: 60) + "\r\n\r\n", limits)
                == .refused(.tooLarge))
        #expect(parse("GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n", limits) == .refused(.tooManyHeaders))
        #expect(parse("GET / HTTP/1.1\r\na: 1\r\nb: 2\r\n\r\n", limits) == .complete(.init(method: "GET", path: "/")))
    }
}
