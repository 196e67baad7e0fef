import Foundation
import HPORuntime
import HPOWire
import HPOZeroMQ
import Testing

@Suite("ZeroMQ transports")
struct ZeroMQTransportTests {
    typealias Support = ZMQTestSupport

    @Test("boundEndpoint resolves the wildcard port the server listens on")
    func boundEndpoint() throws {
        let context = try ZeroMQContext()
        let server = try ZeroMQServerTransport(context: context, bind: "tcp://127.0.0.1:*", waker: Waker())
        #expect(server.boundEndpoint.hasPrefix("tcp://127.0.0.1:"))
        #expect(!server.boundEndpoint.hasSuffix("*"))
    }

    @Test("a client that connects before the server binds still gets its message through")
    func clientBeforeServer() throws {
        let context = try ZeroMQContext()
        // Find a free port and release it for the server to bind later. The probe has its own
        // context: dropping it runs zmq_ctx_term, which returns once the listener is closed.
        let endpoint: String
        do {
            let probe = try ZeroMQSocket(context: try ZeroMQContext(), type: .router)
            try probe.bind("tcp://127.0.0.1:*")
            endpoint = try probe.lastEndpoint
        }
        let client = try ZeroMQClientTransport(context: context, connect: endpoint, waker: Waker())
        try client.send([Support.bytes("queued early")])

        let server = try ZeroMQServerTransport(context: context, bind: endpoint, waker: Waker())
        let received = try Support.receive(from: server, count: 1)
        #expect(received.map(\.frames) == [[Support.bytes("queued early")]])

        // And the reply finds its way back over the now established connection.
        let peer = try #require(received.first?.peer)
        #expect(try server.deliver([Support.bytes("welcome")], to: peer) == .queued)
        #expect(try Support.receive(from: client, count: 1) == [[Support.bytes("welcome")]])
    }

    @Test("the waker ends a 20-second receive, with no messages")
    func wakerEndsReceive() throws {
        let context = try ZeroMQContext()
        let serverWaker = Waker()
        let server = try ZeroMQServerTransport(context: context, bind: "tcp://127.0.0.1:*", waker: serverWaker)
        let clientWaker = Waker()
        let client = try ZeroMQClientTransport(context: context, connect: server.boundEndpoint, waker: clientWaker)

        for waker in [serverWaker, clientWaker] {
            let waking = Support.Background { () -> Bool in
                Thread.sleep(forTimeInterval: 0.05)
                waker.wake()
                return true
            }
            let started = Date()
            let count =
                waker === serverWaker
                ? try server.receive(timeoutMilliseconds: 20_000, limit: 10).count
                : try client.receive(timeoutMilliseconds: 20_000, limit: 10).count
            let elapsed = Date().timeIntervalSince(started)
            #expect(count == 0)
            // Woken after 0.05 s; the bound only tells the wake-up from the 20 s timeout.
            #expect(elapsed < 10, "receive took \(elapsed) s")
            #expect(waking.wait() == true)
        }
        // The wake-up was drained: the next receive waits its full (short) timeout.
        let started = Date()
        #expect(try server.receive(timeoutMilliseconds: 100, limit: 10).isEmpty)
        #expect(Date().timeIntervalSince(started) >= 0.08)
    }

    @Test("a send to an unknown peer does not throw and is reported as not delivered")
    func unknownPeer() throws {
        let context = try ZeroMQContext()
        let server = try ZeroMQServerTransport(context: context, bind: "tcp://127.0.0.1:*", waker: Waker())
        var dropped: [(PeerID, ZeroMQSendOutcome)] = []
        server.onDrop = { dropped.append(($0, $1)) }
        let stranger = PeerID([0x00, 0x80, 0x00, 0x41, 0xa7])

        #expect(try server.deliver([Support.bytes("anyone?")], to: stranger) == .droppedPeerUnknown)
        try server.send([Support.bytes("still fine")], to: stranger)
        #expect(server.droppedMessageCount == 2)
        #expect(dropped.map(\.0) == [stranger, stranger])
        #expect(dropped.map(\.1) == [.droppedPeerUnknown, .droppedPeerUnknown])
    }

    @Test("a send to a peer whose queue is full is dropped, not blocked")
    func fullPeerQueue() throws {
        let context = try ZeroMQContext()
        var options = ZeroMQTransportOptions()
        options.sendHighWaterMark = 1
        options.receiveHighWaterMark = 1
        let server = try ZeroMQServerTransport(
            context: context, bind: "inproc://full-queue", waker: Waker(), options: options)
        let client = try ZeroMQClientTransport(
            context: context, connect: "inproc://full-queue", waker: Waker(), options: options)
        try client.send([Support.bytes("hello")])
        let peer = try #require(try Support.receive(from: server, count: 1).first?.peer)

        // The client never reads, so the pipe (a couple of messages on inproc) fills up.
        var outcomes: [ZeroMQSendOutcome] = []
        for _ in 0..<100 { outcomes.append(try server.deliver([Support.bytes("work")], to: peer)) }
        #expect(outcomes.first == .queued)
        #expect(outcomes.last == .droppedPeerQueueFull)
        #expect(server.droppedMessageCount == outcomes.filter { $0 == .droppedPeerQueueFull }.count)
    }

    @Test("a client's routing id gives a stable PeerID")
    func clientRoutingID() throws {
        let context = try ZeroMQContext()
        let server = try ZeroMQServerTransport(context: context, bind: "tcp://127.0.0.1:*", waker: Waker())
        var options = ZeroMQTransportOptions()
        options.routingID = Support.bytes("worker-42")
        let client = try ZeroMQClientTransport(
            context: context, connect: server.boundEndpoint, waker: Waker(), options: options)
        try client.send([Support.bytes("hi")])
        let received = try Support.receive(from: server, count: 1)
        #expect(received.first?.peer == PeerID(Support.bytes("worker-42")))
    }

    @Test("a server send with no frames is refused")
    func emptyMessage() throws {
        let context = try ZeroMQContext()
        let server = try ZeroMQServerTransport(context: context, bind: "inproc://empty", waker: Waker())
        #expect(throws: ZeroMQError.self) { try server.send([], to: PeerID([1, 2, 3])) }
    }

    @Test("zmq_ctx_shutdown from another thread ends a blocked transport receive with ETERM")
    func shutdownEndsBlockedTransportReceive() throws {
        let context = try ZeroMQContext()
        let ready = DispatchSemaphore(value: 0)
        let receiver = Support.Background { () -> ZeroMQError? in
            defer { ready.signal() }
            do {
                let server = try ZeroMQServerTransport(context: context, bind: "tcp://127.0.0.1:*", waker: Waker())
                ready.signal()
                _ = try server.receive(timeoutMilliseconds: -1, limit: 10)  // until shutdown
                return nil
            } catch {
                return error as? ZeroMQError
            }
        }
        #expect(ready.wait(timeout: .now() + 5) == .success)
        context.shutdown()
        let error = try #require(receiver.wait(seconds: 5) ?? nil)
        #expect(error.isContextTerminated)
        #expect(error.description.contains("zmq_poll"))
    }
}
